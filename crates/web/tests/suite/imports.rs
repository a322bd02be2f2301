//! Importing an agency's list through the pages: upload, preview, commit in the background,
//! re-import, undo; and what bad files get.

use crate::common;

use axum::body::Body;
use axum::http::header::{CONTENT_TYPE, COOKIE};
use axum::http::{Request, StatusCode};
use common::{Caller, TestApp};
use emas_domain::access::{Role, Scope};
use emas_store::people::PersonQuery;
use emas_store::testing::test_databases;

const BOUNDARY: &str = "emas-test-boundary";

fn multipart(csrf: &str, source: &str, kind: &str, file_name: &str, bytes: &[u8]) -> Vec<u8> {
    let mut body = Vec::new();
    for (name, value) in [("_csrf", csrf), ("source", source), ("kind", kind)] {
        body.extend(
            format!(
                "--{BOUNDARY}\r\nContent-Disposition: form-data; name=\"{name}\"\r\n\r\n{value}\r\n"
            )
            .as_bytes(),
        );
    }
    body.extend(format!("--{BOUNDARY}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"{file_name}\"\r\nContent-Type: application/octet-stream\r\n\r\n").as_bytes());
    body.extend(bytes);
    body.extend(format!("\r\n--{BOUNDARY}--\r\n").as_bytes());
    body
}

async fn upload(
    app: &TestApp,
    caller: &Caller,
    csrf: &str,
    file_name: &str,
    bytes: &[u8],
) -> common::Response {
    let req = Request::builder()
        .method("POST")
        .uri("/imports")
        .header(
            CONTENT_TYPE,
            format!("multipart/form-data; boundary={BOUNDARY}"),
        )
        .header(COOKIE, &caller.cookie)
        .body(Body::from(multipart(
            csrf,
            "Disnaker Kab. Serang 2024",
            "regency",
            file_name,
            bytes,
        )))
        .expect("request");
    app.send(req).await
}

/// A list as an office saves it from Excel: a BOM, semicolons, an apostrophe before the NIK.
const LIST: &str = "\u{feff}NO;NIK;NAMA;JK;TTL;ALAMAT;NO HP;NEGARA;TGL PULANG\n\
1;'3604054503900002;Siti Nurhayati;P;Serang, 5 Maret 1990;Kp. Cibeber RT 02/RW 05 Kec. Kramatwatu Kab. Serang;0812-3456-7890;Taiwan;30-06-2023\n\
2;;Euis Komalasari;P;Lebak, 12-03-1988;Ds. Sukamaju Kab. Serang;;Hongkong;15/01/2022\n\
3;3.60405E+15;Nur Hayati;P;;Kec. Kramatwatu Kab. Serang;;Malaysia;2024-02-02\n\
4;;;;;;;;\n";

/// The first link to a person's page in a page.
fn person_link(body: &str) -> String {
    body.match_indices("href=\"/people/")
        .map(|(i, _)| {
            body[i + 6..]
                .chars()
                .take_while(|c| *c != '"')
                .collect::<String>()
        })
        .find(|p| p[8..].starts_with(|c: char| c.is_ascii_digit()))
        .expect("a person link")
}

async fn people(app: &TestApp) -> i64 {
    app.db
        .search_people(
            &PersonQuery {
                limit: 1,
                ..Default::default()
            },
            &Scope::National,
        )
        .await
        .expect("q")
        .1
}

async fn wait_committed(app: &TestApp, batch: i64) {
    for _ in 0..100 {
        if app.db.import_batch(batch).await.expect("batch").status == "committed" {
            return;
        }
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    panic!("the import did not finish");
}

#[tokio::test]
async fn a_registrar_previews_commits_and_undoes_an_import() {
    for db in test_databases().await {
        let app = TestApp::new(db).await;
        let registrar = app.caller("registrar", Role::Registrar, "36.04").await;
        let res = upload(
            &app,
            &registrar,
            &registrar.csrf,
            "pmi-purna.csv",
            LIST.as_bytes(),
        )
        .await;
        assert_eq!(res.status, StatusCode::SEE_OTHER, "{}", res.body);
        let location = res.location().expect("to the batch").to_owned();
        let batch: i64 = location
            .trim_start_matches("/imports/")
            .parse()
            .expect("id");
        assert_eq!(people(&app).await, 0, "the upload wrote no person");

        let preview = app.get(&location, Some(&registrar)).await;
        assert_eq!(preview.status, StatusCode::OK);
        assert!(preview.body.contains("Pratinjau"));
        assert!(
            preview.body.contains("NIK rusak"),
            "the damaged NIK is shown with its row"
        );
        assert!(preview.body.contains("nama kosong"));
        let errors = app
            .get(&format!("{location}/errors.csv"), Some(&registrar))
            .await;
        assert!(
            errors.body.contains("Kesalahan") && errors.body.lines().count() == 2,
            "{}",
            errors.body
        );

        let res = app
            .post(&format!("{location}/commit"), &registrar, "")
            .await;
        assert_eq!(res.status, StatusCode::SEE_OTHER);
        wait_committed(&app, batch).await;
        assert_eq!(people(&app).await, 3);
        let b = app.db.import_batch(batch).await.expect("batch");
        assert_eq!((b.rows_new, b.rows_error), (3, 1));
        let again = app
            .post(&format!("{location}/commit"), &registrar, "")
            .await;
        assert_eq!(
            again.status,
            StatusCode::BAD_REQUEST,
            "a batch commits once"
        );

        let found = app.get("/people?q=siti+nurhayati", Some(&registrar)).await;
        let person_path = person_link(&found.body);
        let page = app.get(&person_path, Some(&registrar)).await;
        assert!(
            page.body.contains("Disnaker Kab. Serang 2024")
                && page.body.contains("Kp. Cibeber RT 02/RW 05"),
            "the source row is shown"
        );

        // The same file again adds nothing.
        let res = upload(
            &app,
            &registrar,
            &registrar.csrf,
            "pmi-purna.csv",
            LIST.as_bytes(),
        )
        .await;
        let second = res.location().expect("staged").to_owned();
        let preview = app.get(&second, Some(&registrar)).await;
        assert!(
            preview
                .body
                .contains("<strong>3</strong><p>Sudah pernah diimpor"),
            "{}",
            preview.body
        );
        app.post(&format!("{second}/cancel"), &registrar, "").await;

        let res = app.post(&format!("{location}/undo"), &registrar, "").await;
        assert_eq!(res.status, StatusCode::SEE_OTHER);
        assert_eq!(people(&app).await, 0);
        let other = app.caller("registrar2", Role::Registrar, "36.04").await;
        assert_eq!(
            app.post(&format!("{location}/undo"), &other, "")
                .await
                .status,
            StatusCode::FORBIDDEN,
            "only its registrar or an admin"
        );
        // Another regency does not see the batch at all: its rows hold personal data.
        let lebak = app
            .caller("registrar.lebak", Role::Registrar, "36.02")
            .await;
        assert_eq!(
            app.get(&location, Some(&lebak)).await.status,
            StatusCode::NOT_FOUND
        );
        assert_eq!(
            app.get(&format!("{location}/errors.csv"), Some(&lebak))
                .await
                .status,
            StatusCode::NOT_FOUND
        );
        assert!(
            !app.get("/imports", Some(&lebak))
                .await
                .body
                .contains("pmi-purna.csv")
        );
    }
}

#[tokio::test]
async fn bad_files_get_a_clear_message_and_stage_nothing() {
    for db in test_databases().await {
        let app = TestApp::new(db).await;
        let registrar = app.caller("registrar", Role::Registrar, "36.04").await;
        let cases: [(&str, &[u8], &str); 4] = [
            ("daftar.xlsx", b"NIK,NAMA\n1,Siti\n", "bukan berkas XLSX"),
            ("kosong.csv", b"", "kosong"),
            (
                "judul.csv",
                b"NIK;NAMA;ALAMAT\n",
                "hanya berisi judul kolom",
            ),
            (
                "laporan.pdf",
                b"%PDF-1.7 not a list",
                "bukan CSV, XLSX, XLS atau ODS",
            ),
        ];
        for (name, bytes, message) in cases {
            let res = upload(&app, &registrar, &registrar.csrf, name, bytes).await;
            assert_eq!(res.status, StatusCode::BAD_REQUEST, "{name}");
            assert!(res.body.contains(message), "{name}: {message}");
            assert!(res.body.contains(name), "{name} is named");
        }
        let wide: String = (0..10_000)
            .map(|i| format!("K{i}"))
            .collect::<Vec<_>>()
            .join(",")
            + "\n";
        let res = upload(
            &app,
            &registrar,
            &registrar.csrf,
            "lebar.csv",
            wide.as_bytes(),
        )
        .await;
        assert_eq!(res.status, StatusCode::BAD_REQUEST);
        assert!(res.body.contains("terlalu banyak kolom"));
        let res = upload(&app, &registrar, "forged", "pmi-purna.csv", LIST.as_bytes()).await;
        assert_eq!(res.status, StatusCode::FORBIDDEN);
        assert!(
            app.db.import_batches(10).await.expect("batches").is_empty(),
            "nothing staged"
        );
    }
}

#[tokio::test]
async fn an_upload_over_the_limit_gets_413() {
    let db = test_databases().await.remove(0);
    let app = TestApp::with_config(
        db,
        emas_web::Config {
            body_limit: 64 * 1024,
            ..Default::default()
        },
    )
    .await;
    let registrar = app.caller("registrar", Role::Registrar, "36.04").await;
    let big = format!("NAMA\n{}", "Siti Aminah\n".repeat(20_000));
    let res = upload(
        &app,
        &registrar,
        &registrar.csrf,
        "besar.csv",
        big.as_bytes(),
    )
    .await;
    assert_eq!(res.status, StatusCode::PAYLOAD_TOO_LARGE);
    assert!(app.db.import_batches(10).await.expect("batches").is_empty());
}

#[tokio::test]
async fn a_system_imports_through_the_api_with_a_token() {
    for db in test_databases().await {
        let app = TestApp::new(db).await;
        let registrar = app.caller("registrar", Role::Registrar, "36.04").await;
        let body = multipart(
            "",
            "Disnaker Kab. Serang 2024",
            "regency",
            "pmi-purna.csv",
            LIST.as_bytes(),
        );
        let send = |auth: Option<(&'static str, String)>, uri: String, body: Vec<u8>| {
            let mut req = Request::builder().method("POST").uri(uri).header(
                CONTENT_TYPE,
                format!("multipart/form-data; boundary={BOUNDARY}"),
            );
            if let Some((name, value)) = auth {
                req = req.header(name, value);
            }
            req.body(Body::from(body)).expect("request")
        };
        // A browser's cookie does not open a state-changing API call.
        let res = app
            .send(send(
                Some(("cookie", registrar.cookie.clone())),
                "/api/v1/imports".into(),
                body.clone(),
            ))
            .await;
        assert_eq!(res.status, StatusCode::FORBIDDEN);
        let bearer = Some(("authorization", format!("Bearer {}", registrar.api_token)));
        let res = app
            .send(send(bearer.clone(), "/api/v1/imports".into(), body))
            .await;
        assert_eq!(res.status, StatusCode::CREATED, "{}", res.body);
        let staged: serde_json::Value = serde_json::from_str(&res.body).expect("JSON");
        assert_eq!(
            (
                staged["status"].as_str(),
                staged["new"].as_i64(),
                staged["errors"].as_i64()
            ),
            (Some("staged"), Some(3), Some(1))
        );
        assert!(
            staged["issues"]
                .as_array()
                .is_some_and(|i| i.iter().any(|x| x["code"] == "import-nik-damaged"))
        );
        assert_eq!(people(&app).await, 0, "the upload wrote no person");
        let id = staged["id"].as_i64().expect("id");
        let res = app
            .send(send(
                bearer.clone(),
                format!("/api/v1/imports/{id}/commit"),
                Vec::new(),
            ))
            .await;
        assert_eq!(res.status, StatusCode::OK, "{}", res.body);
        assert_eq!(people(&app).await, 3);
        let again = app
            .send(send(
                bearer.clone(),
                format!("/api/v1/imports/{id}/commit"),
                Vec::new(),
            ))
            .await;
        assert_eq!(again.status, StatusCode::CONFLICT, "a batch commits once");
        let bad = multipart("", "S", "regency", "laporan.xlsx", b"NIK,NAMA\n1,Siti\n");
        let res = app.send(send(bearer, "/api/v1/imports".into(), bad)).await;
        assert_eq!(res.status, StatusCode::BAD_REQUEST);
        assert!(res.body.contains("laporan.xlsx"), "{}", res.body);
    }
}

#[tokio::test]
async fn a_corrected_mapping_is_kept_for_the_source() {
    for db in test_databases().await {
        let app = TestApp::new(db).await;
        let registrar = app.caller("registrar", Role::Registrar, "36.04").await;
        let odd = "NO;NOMOR KTP PMI;NAMA PEKERJA;KAB\n1;3604054503900002;Siti Nurhayati;Kab. Serang\n2;;Euis;Kab. Serang\n";
        let res = upload(
            &app,
            &registrar,
            &registrar.csrf,
            "ganjil.csv",
            odd.as_bytes(),
        )
        .await;
        let location = res.location().expect("staged").to_owned();
        let preview = app.get(&location, Some(&registrar)).await;
        assert!(
            preview
                .body
                .contains("<strong>2</strong><p>Baris bermasalah"),
            "no name column yet"
        );
        // NO, NOMOR KTP PMI, NAMA PEKERJA, KAB
        let res = app
            .post(
                &format!("{location}/mapping"),
                &registrar,
                "col0=record_id&col1=nik&col2=full_name&col3=regency",
            )
            .await;
        assert_eq!(res.status, StatusCode::SEE_OTHER);
        let preview = app.get(&location, Some(&registrar)).await;
        assert!(
            preview.body.contains("<strong>2</strong><p>Orang baru"),
            "{}",
            preview.body
        );
        let twice = app
            .post(
                &format!("{location}/mapping"),
                &registrar,
                "col1=nik&col2=nik",
            )
            .await;
        assert_eq!(twice.status, StatusCode::BAD_REQUEST);
        // The next file of the same source is read the same way without asking.
        app.post(&format!("{location}/cancel"), &registrar, "")
            .await;
        let res = upload(
            &app,
            &registrar,
            &registrar.csrf,
            "ganjil-2.csv",
            odd.as_bytes(),
        )
        .await;
        let next = res.location().expect("staged").to_owned();
        let preview = app.get(&next, Some(&registrar)).await;
        assert!(
            preview.body.contains("<strong>2</strong><p>Orang baru"),
            "the template applies"
        );
    }
}
