//! Merging and splitting people from the person's page: a registrar merges two people found to
//! be one and undoes it after reading what the undo will do; people outside their scope, a
//! missing reason, a forged form and a second click of the same merge change nothing.

use crate::common;

use axum::http::StatusCode;
use common::{TestApp, person};
use emas_domain::access::Role;
use emas_store::audit::AuditFilter;
use emas_store::testing::test_databases;
use emas_store::{Db, now, with_db};

/// Two source records of one list for the person.
async fn records(db: &Db, person: i64) -> Vec<i64> {
    let one = |sql: String| async move {
        let (id,): (i64,) = with_db!(db, p => sqlx::query_as(sqlx::AssertSqlSafe(sql.as_str()))
            .bind(now()).fetch_one(p).await)
        .expect("insert");
        id
    };
    let source = one(
        "insert into source (name, kind, created_at) values ('Daftar', 'other', $1) returning id"
            .into(),
    )
    .await;
    let batch = one(format!(
        "insert into import_batch (source_id, file_name, file_sha256, status, created_at) \
         values ({source}, 'f.csv', 'x', 'committed', $1) returning id"
    ))
    .await;
    let mut out = Vec::new();
    for n in 1..=2 {
        out.push(
            one(format!(
                "insert into source_record (source_id, batch_id, record_id, line, row_hash, raw, \
                 person_id, created_at) values ({source}, {batch}, 'r{n}', {n}, 'h{n}', \
                 '[[\"NAMA\",\"Siti {n}\"]]', {person}, $1) returning id"
            ))
            .await,
        );
    }
    out
}

async fn changes(app: &TestApp, person: i64) -> usize {
    app.db.person_changes(person).await.expect("changes").len()
}

#[tokio::test]
async fn a_registrar_merges_two_people_and_undoes_it_after_reading_what_will_happen() {
    for db in test_databases().await {
        let app = TestApp::new(db).await;
        let registrar = app.caller("registrar", Role::Registrar, "36.04").await;
        let a = person(&app.db, "Siti Nurhayati", Some("36.04.05")).await;
        let b = person(&app.db, "Siti Nur Hayati", Some("36.04.05")).await;
        let page = app.get(&format!("/people/{a}"), Some(&registrar)).await;
        assert!(page.body.contains("Gabungkan") && page.body.contains("Pisahkan"));

        let form = format!("other_id={b}&reason=KTP+sama");
        let res = app
            .post(&format!("/people/{a}/merge"), &registrar, &form)
            .await;
        assert_eq!(res.status, StatusCode::SEE_OTHER, "{}", res.body);
        assert_eq!(res.location(), Some(format!("/people/{a}").as_str()));
        let gone = app.get(&format!("/people/{b}"), Some(&registrar)).await;
        assert_eq!(
            gone.status,
            StatusCode::SEE_OTHER,
            "the merged person leads on"
        );
        assert_eq!(gone.location(), Some(format!("/people/{a}").as_str()));
        let page = app.get(&format!("/people/{a}"), Some(&registrar)).await;
        assert!(page.body.contains("Penggabungan") && page.body.contains("KTP sama"));

        // The same form again (a double click, a second registrar): a clear conflict.
        let again = app
            .post(&format!("/people/{a}/merge"), &registrar, &form)
            .await;
        assert_eq!(again.status, StatusCode::CONFLICT);
        assert!(again.body.contains("sudah digabungkan"), "{}", again.body);
        assert_eq!(changes(&app, a).await, 1, "one merge");

        let change = app.db.person_changes(a).await.expect("c")[0].id;
        let preview = app
            .get(&format!("/people/changes/{change}/undo"), Some(&registrar))
            .await;
        assert_eq!(preview.status, StatusCode::OK);
        assert!(preview.body.contains("Yang akan terjadi"));
        assert!(preview.body.contains("belum berubah"));
        assert!(preview.body.contains("Ya, urungkan"));
        assert_eq!(changes(&app, a).await, 1, "the preview changes nothing");
        assert!(app.db.merged_into(b).await.expect("m").is_some());

        let res = app
            .post(&format!("/people/changes/{change}/undo"), &registrar, "")
            .await;
        assert_eq!(res.status, StatusCode::SEE_OTHER, "{}", res.body);
        let back = app.get(&format!("/people/{b}"), Some(&registrar)).await;
        assert_eq!(back.status, StatusCode::OK, "the merged person is back");
        let twice = app
            .post(&format!("/people/changes/{change}/undo"), &registrar, "")
            .await;
        assert_eq!(twice.status, StatusCode::CONFLICT);
        assert!(twice.body.contains("sudah diurungkan"));

        tokio::time::sleep(std::time::Duration::from_millis(1200)).await;
        let log = app
            .db
            .audit_log(
                &AuditFilter {
                    entity: Some("person".into()),
                    entity_id: Some(a.to_string()),
                    ..AuditFilter::default()
                },
                50,
                0,
            )
            .await
            .expect("log");
        let actions: Vec<&str> = log.iter().map(|r| r.action.as_str()).collect();
        assert!(actions.contains(&"person.merge") && actions.contains(&"person.undo_merge"));
    }
}

#[tokio::test]
async fn a_registrar_splits_a_person_by_source_records_and_undoes_it() {
    for db in test_databases().await {
        let app = TestApp::new(db).await;
        let registrar = app.caller("registrar", Role::Registrar, "36.04").await;
        let a = person(&app.db, "Siti Nurhayati", Some("36.04.05")).await;
        let recs = records(&app.db, a).await;
        let all = format!("record={}&record={}&reason=dua+orang", recs[0], recs[1]);
        let res = app
            .post(&format!("/people/{a}/split"), &registrar, &all)
            .await;
        assert_eq!(res.status, StatusCode::BAD_REQUEST);
        assert!(res.body.contains("tidak boleh semuanya"));
        let res = app
            .post(
                &format!("/people/{a}/split"),
                &registrar,
                &format!("record={}&reason=dua+orang", recs[1]),
            )
            .await;
        assert_eq!(res.status, StatusCode::SEE_OTHER, "{}", res.body);
        let new_page = res.location().expect("to the new person").to_owned();
        let page = app.get(&new_page, Some(&registrar)).await;
        assert!(page.body.contains("Siti 2") && !page.body.contains("Siti 1"));
        let change = app.db.person_changes(a).await.expect("c")[0].id;
        let res = app
            .post(&format!("/people/changes/{change}/undo"), &registrar, "")
            .await;
        assert_eq!(res.status, StatusCode::SEE_OTHER, "{}", res.body);
        assert_eq!(app.db.source_records_of(a).await.expect("r").len(), 2);
    }
}

#[tokio::test]
async fn merges_outside_scope_without_reason_or_token_change_nothing() {
    for db in test_databases().await {
        let app = TestApp::new(db).await;
        let registrar = app.caller("registrar", Role::Registrar, "36.04").await;
        let a = person(&app.db, "Siti", Some("36.04.05")).await;
        let lebak = person(&app.db, "Siti", Some("36.02")).await;
        let b = person(&app.db, "Siti", Some("36.04.05")).await;

        let res = app
            .post(
                &format!("/people/{a}/merge"),
                &registrar,
                &format!("other_id={lebak}&reason=sama"),
            )
            .await;
        assert_eq!(res.status, StatusCode::FORBIDDEN, "the other is outside");
        let res = app
            .post(
                &format!("/people/{lebak}/merge"),
                &registrar,
                &format!("other_id={a}&reason=sama"),
            )
            .await;
        assert_eq!(res.status, StatusCode::FORBIDDEN, "this one is outside");

        let res = app
            .post(
                &format!("/people/{a}/merge"),
                &registrar,
                &format!("other_id={b}&reason=+"),
            )
            .await;
        assert_eq!(res.status, StatusCode::BAD_REQUEST);
        assert!(res.body.contains("Tuliskan alasannya"));
        let res = app
            .post(
                &format!("/people/{a}/merge"),
                &registrar,
                "other_id=x&reason=y",
            )
            .await;
        assert_eq!(res.status, StatusCode::BAD_REQUEST);
        let res = app
            .post(
                &format!("/people/{a}/merge"),
                &registrar,
                &format!("other_id={a}&reason=sama"),
            )
            .await;
        assert_eq!(res.status, StatusCode::BAD_REQUEST);
        assert!(res.body.contains("dirinya sendiri"));

        let res = app
            .post_raw(
                &format!("/people/{a}/merge"),
                Some(&registrar.cookie),
                &format!("other_id={b}&reason=sama"),
            )
            .await;
        assert_eq!(res.status, StatusCode::FORBIDDEN, "no CSRF token");

        for id in [a, b, lebak] {
            assert_eq!(changes(&app, id).await, 0, "nothing was written");
            assert!(app.db.merged_into(id).await.expect("m").is_none());
        }

        // In English for whoever reads English.
        let res = app
            .send(
                axum::http::Request::builder()
                    .method("POST")
                    .uri(format!("/people/{a}/merge"))
                    .header("content-type", "application/x-www-form-urlencoded")
                    .header("cookie", format!("{}; lang=en", registrar.cookie))
                    .body(axum::body::Body::from(format!(
                        "_csrf={}&other_id={b}&reason=",
                        registrar.csrf
                    )))
                    .expect("request"),
            )
            .await;
        assert_eq!(res.status, StatusCode::BAD_REQUEST);
        assert!(res.body.contains("Write the reason"), "{}", res.body);
    }
}

#[tokio::test]
async fn an_import_whose_person_was_merged_is_not_undone_until_the_merge_is() {
    for db in test_databases().await {
        let app = TestApp::new(db).await;
        let registrar = app.caller("registrar", Role::Registrar, "36.04").await;
        let a = person(&app.db, "Siti", Some("36.04.05")).await;
        let b = person(&app.db, "Siti", Some("36.04.05")).await;
        let recs = records(&app.db, b).await;
        let (batch,): (i64,) = with_db!(app.db, p => sqlx::query_as(
            "select batch_id from source_record where id = $1").bind(recs[0]).fetch_one(p).await)
        .expect("batch");
        with_db!(app.db, p => sqlx::query("update import_batch set created_by = $1 where id = $2")
            .bind(registrar.user_id).bind(batch).execute(p).await.map(|r| r.rows_affected()))
        .expect("uploaded by the registrar");
        with_db!(app.db, p => sqlx::query("update person set created_by_batch = $1 where id = $2")
            .bind(batch).bind(b).execute(p).await.map(|r| r.rows_affected()))
        .expect("made by the import");
        let res = app
            .post(
                &format!("/people/{a}/merge"),
                &registrar,
                &format!("other_id={b}&reason=sama"),
            )
            .await;
        assert_eq!(res.status, StatusCode::SEE_OTHER);
        let res = app
            .post(&format!("/imports/{batch}/undo"), &registrar, "")
            .await;
        assert_eq!(res.status, StatusCode::BAD_REQUEST);
        assert!(
            res.body.contains("Urungkan dulu perubahan itu"),
            "{}",
            res.body
        );
        assert_eq!(app.db.source_records_of(a).await.expect("r").len(), 2);

        let change = app.db.person_changes(a).await.expect("c")[0].id;
        app.post(&format!("/people/changes/{change}/undo"), &registrar, "")
            .await;
        let res = app
            .post(&format!("/imports/{batch}/undo"), &registrar, "")
            .await;
        assert_eq!(res.status, StatusCode::SEE_OTHER, "{}", res.body);
        let gone = app.get(&format!("/people/{b}"), Some(&registrar)).await;
        assert_eq!(gone.status, StatusCode::NOT_FOUND);
    }
}
