//! Referrals on every test database: an agency receives referrals only for services it offers
//! and never with a past due date; only the receiving agency decides, once; an accepted
//! referral closes with an outcome; overdue referrals are listed first on both sides; every step
//! is kept. And participants' one-time links: used once, never after expiry.

use crate::common::{self, count};

use chrono::{Days, Duration, NaiveDate};
use emas_domain::access::{Role, Scope};
use emas_domain::referral::{ReferralInputError, Service, Status};
use emas_store::agencies::AgencyKind;
use emas_store::participants::{self, LinkError, LinkState};
use emas_store::people;
use emas_store::referrals::{self, NewReferral, ReferralError};
use emas_store::testing::test_databases;
use emas_store::{Db, now};

struct World {
    disnaker: i64,
    bank: i64,
    officer: i64,
    banker: i64,
    person: i64,
}

async fn world(db: &Db) -> World {
    db.load_reference_regions().await.expect("regions");
    let mut tx = db.begin().await.expect("begin");
    let disnaker = common::agency(&mut tx, AgencyKind::LabourOffice, "36.04").await;
    let bank = common::agency(&mut tx, AgencyKind::Bank, "36.04").await;
    referrals::set_agency_services(&mut tx, bank, &[Service::Kur])
        .await
        .expect("services");
    let officer = common::account(
        &mut tx,
        disnaker,
        "officer",
        Role::ProgrammeOfficer,
        "36.04",
    )
    .await;
    let banker = common::account(&mut tx, bank, "banker", Role::ProgrammeOfficer, "36.04").await;
    let person = people::create_person(
        &mut tx,
        &people::test_person_input("Imas Masitoh", Some("36.04")),
        now(),
    )
    .await
    .expect("person");
    tx.commit().await.expect("commit");
    World {
        disnaker,
        bank,
        officer,
        banker,
        person,
    }
}

fn today() -> NaiveDate {
    now().date_naive()
}

async fn refer(db: &Db, w: &World, service: Service, due: NaiveDate) -> Result<i64, ReferralError> {
    let mut tx = db.begin().await?;
    let id = referrals::refer(
        &mut tx,
        &NewReferral {
            person_id: w.person,
            enrolment_id: None,
            from_agency_id: w.disnaker,
            to_agency_id: w.bank,
            service,
            note: "Butuh modal warung",
            due_on: due,
            created_by: w.officer,
        },
        today(),
        now(),
    )
    .await?;
    tx.commit().await?;
    Ok(id)
}

async fn decide(
    db: &Db,
    id: i64,
    agency: i64,
    user: i64,
    to: Status,
    note: &str,
) -> Result<(), ReferralError> {
    let mut tx = db.begin().await?;
    referrals::decide(&mut tx, id, agency, user, to, note, now()).await?;
    tx.commit().await?;
    Ok(())
}

#[tokio::test]
async fn a_referral_is_sent_accepted_and_closed_with_its_history() {
    for db in test_databases().await {
        let w = world(&db).await;
        let due = today() + Days::new(14);
        let id = refer(&db, &w, Service::Kur, due).await.expect("refer");
        let inbox = db.referral_inbox(w.bank, today()).await.expect("inbox");
        assert_eq!(inbox.len(), 1);
        assert_eq!((inbox[0].status, inbox[0].due_on), (Status::Sent, due));
        assert_eq!(inbox[0].person_name, "Imas Masitoh");
        assert_eq!(
            db.referrals_sent(w.disnaker, today())
                .await
                .expect("s")
                .len(),
            1
        );
        assert!(
            db.referral_inbox(w.disnaker, today())
                .await
                .expect("i")
                .is_empty()
        );

        decide(&db, id, w.bank, w.banker, Status::Accepted, "")
            .await
            .expect("accept");
        assert!(matches!(
            decide(&db, id, w.bank, w.banker, Status::Closed, "  ").await,
            Err(ReferralError::OutcomeRequired)
        ));
        decide(
            &db,
            id,
            w.bank,
            w.banker,
            Status::Closed,
            "KUR Rp 10 juta cair",
        )
        .await
        .expect("close");
        let r = db.referral(id).await.expect("referral");
        assert_eq!(
            (r.status, r.outcome.as_str()),
            (Status::Closed, "KUR Rp 10 juta cair")
        );
        let history: Vec<String> = db
            .referral_events(id)
            .await
            .expect("events")
            .into_iter()
            .map(|e| e.status)
            .collect();
        assert_eq!(history, vec!["sent", "accepted", "closed"]);
        assert_eq!(
            db.referrals_of_person(w.person, today())
                .await
                .expect("p")
                .len(),
            1
        );
    }
}

#[tokio::test]
async fn bad_referrals_are_refused_and_write_nothing() {
    for db in test_databases().await {
        let w = world(&db).await;
        assert!(matches!(
            refer(&db, &w, Service::SkillsTraining, today()).await,
            Err(ReferralError::ServiceNotOffered)
        ));
        assert!(matches!(
            refer(&db, &w, Service::Kur, today() - Days::new(1)).await,
            Err(ReferralError::Input(ReferralInputError::DueInPast))
        ));
        assert_eq!(count(&db, "referral").await, 0);
        assert_eq!(count(&db, "referral_event").await, 0);
    }
}

#[tokio::test]
async fn only_the_receiving_agency_decides_and_only_once() {
    for db in test_databases().await {
        let w = world(&db).await;
        let id = refer(&db, &w, Service::Kur, today()).await.expect("refer");
        assert!(matches!(
            decide(&db, id, w.disnaker, w.officer, Status::Accepted, "").await,
            Err(ReferralError::NotReceiver)
        ));
        assert!(matches!(
            decide(&db, id, w.bank, w.banker, Status::Closed, "selesai").await,
            Err(ReferralError::Conflict(Status::Sent))
        ));
        // Two decisions at once: both start from "sent"; the second finds it decided.
        let mut first = db.begin().await.expect("begin");
        referrals::decide(
            &mut first,
            id,
            w.bank,
            w.banker,
            Status::Declined,
            "kuota habis",
            now(),
        )
        .await
        .expect("decline");
        first.commit().await.expect("commit");
        assert!(matches!(
            decide(&db, id, w.bank, w.banker, Status::Accepted, "").await,
            Err(ReferralError::Conflict(Status::Declined))
        ));
        assert!(matches!(
            decide(&db, 999_999, w.bank, w.banker, Status::Accepted, "").await,
            Err(ReferralError::Db(emas_store::DbError::NotFound))
        ));
        assert_eq!(count(&db, "referral_event").await, 2, "sent and declined");
        assert_eq!(db.referral(id).await.expect("r").status, Status::Declined);
    }
}

#[tokio::test]
async fn overdue_referrals_are_listed_first_for_both_sides() {
    for db in test_databases().await {
        let w = world(&db).await;
        let later = refer(&db, &w, Service::Kur, today() + Days::new(30))
            .await
            .expect("refer");
        let soon = refer(&db, &w, Service::Kur, today() + Days::new(2))
            .await
            .expect("refer");
        // Four days on, the second is overdue.
        let then = today() + Days::new(4);
        for list in [
            db.referral_inbox(w.bank, then).await.expect("inbox"),
            db.referrals_sent(w.disnaker, then).await.expect("sent"),
        ] {
            assert_eq!(
                list.iter().map(|r| r.id).collect::<Vec<_>>(),
                vec![soon, later]
            );
            assert!(list[0].is_overdue(then) && !list[1].is_overdue(then));
        }
        for agency in [w.bank, w.disnaker] {
            let overdue = db.overdue_referrals(agency, then).await.expect("overdue");
            assert_eq!(overdue.iter().map(|r| r.id).collect::<Vec<_>>(), vec![soon]);
        }
        decide(&db, soon, w.bank, w.banker, Status::Declined, "")
            .await
            .expect("decline");
        assert!(
            db.overdue_referrals(w.bank, then)
                .await
                .expect("o")
                .is_empty()
        );
    }
}

#[tokio::test]
async fn a_one_time_link_sets_a_password_once_and_not_after_expiry() {
    for db in test_databases().await {
        let w = world(&db).await;
        let mut tx = db.begin().await.expect("begin");
        let user = participants::ensure_account(
            &mut tx,
            w.person,
            "Imas Masitoh",
            Scope::parse("36.04").expect("scope"),
            w.disnaker,
            now(),
        )
        .await
        .expect("account");
        let again = participants::ensure_account(
            &mut tx,
            w.person,
            "Imas Masitoh",
            Scope::parse("36.04").expect("scope"),
            w.disnaker,
            now(),
        )
        .await
        .expect("account");
        assert_eq!(user, again, "one account per person");
        let (token, _) = participants::issue_link(&mut tx, user, w.officer, now())
            .await
            .expect("link");
        tx.commit().await.expect("commit");
        assert_eq!(
            db.participant_account(w.person)
                .await
                .expect("a")
                .map(|u| u.id),
            Some(user)
        );
        assert_eq!(db.person_of_user(user).await.expect("p"), Some(w.person));
        assert!(matches!(
            db.one_time_link(&token, now()).await.expect("state"),
            LinkState::Valid(u) if u.id == user
        ));
        assert_eq!(
            db.one_time_link(&token, now() + Duration::days(8))
                .await
                .expect("s"),
            LinkState::Expired
        );
        assert_eq!(
            db.one_time_link("nothing", now()).await.expect("s"),
            LinkState::Unknown
        );

        // A weak password leaves the link unused.
        let mut tx = db.begin().await.expect("begin");
        assert!(matches!(
            participants::use_link(&mut tx, &token, "pendek", now()).await,
            Err(LinkError::Password(_))
        ));
        drop(tx);
        let mut tx = db.begin().await.expect("begin");
        assert!(matches!(
            participants::use_link(
                &mut tx,
                &token,
                "sandi baru yang panjang",
                now() + Duration::days(8)
            )
            .await,
            Err(LinkError::Expired)
        ));
        drop(tx);
        let mut tx = db.begin().await.expect("begin");
        participants::use_link(&mut tx, &token, "sandi baru yang panjang", now())
            .await
            .expect("set");
        tx.commit().await.expect("commit");
        let signed_in = db
            .verify_credentials(
                &participants::participant_username(w.person),
                "sandi baru yang panjang",
            )
            .await
            .expect("verify");
        assert_eq!(
            signed_in.map(|u| (u.id, u.role)),
            Some((user, Role::Participant))
        );
        let mut tx = db.begin().await.expect("begin");
        assert!(matches!(
            participants::use_link(&mut tx, &token, "sandi lain yang panjang", now()).await,
            Err(LinkError::Used)
        ));
        assert_eq!(
            db.one_time_link(&token, now()).await.expect("s"),
            LinkState::Used
        );
    }
}

#[tokio::test]
async fn two_officers_deciding_at_the_same_moment_make_one_decision() {
    for db in test_databases().await {
        let w = world(&db).await;
        let id = refer(&db, &w, Service::Kur, today()).await.expect("refer");
        let (a, b) = tokio::join!(
            decide(&db, id, w.bank, w.banker, Status::Accepted, ""),
            decide(&db, id, w.bank, w.banker, Status::Declined, "kuota habis"),
        );
        let conflicts = [&a, &b]
            .iter()
            .filter(|r| matches!(r, Err(ReferralError::Conflict(_))))
            .count();
        assert_eq!(
            (a.is_ok() as u8 + b.is_ok() as u8, conflicts),
            (1, 1),
            "{a:?} {b:?}"
        );
        assert_eq!(
            count(&db, "referral_event").await,
            2,
            "sent and one decision"
        );
    }
}

#[tokio::test]
async fn a_referral_goes_only_to_an_agency_serving_where_the_person_lives() {
    for db in test_databases().await {
        let w = world(&db).await;
        // A bank of Kabupaten Tangerang offers KUR, but not to a resident of Kabupaten Serang.
        let mut tx = db.begin().await.expect("begin");
        let tangerang = common::agency(&mut tx, AgencyKind::Bank, "36.03").await;
        referrals::set_agency_services(&mut tx, tangerang, &[Service::Kur])
            .await
            .expect("services");
        tx.commit().await.expect("commit");
        let mut tx = db.begin().await.expect("begin");
        let r = referrals::refer(
            &mut tx,
            &NewReferral {
                person_id: w.person,
                enrolment_id: None,
                from_agency_id: w.disnaker,
                to_agency_id: tangerang,
                service: Service::Kur,
                note: "",
                due_on: today(),
                created_by: w.officer,
            },
            today(),
            now(),
        )
        .await;
        assert!(matches!(r, Err(ReferralError::OutsideArea)), "{r:?}");
        drop(tx);
        assert_eq!(count(&db, "referral").await, 0);
        // The bank of the person's own regency serves them.
        refer(&db, &w, Service::Kur, today()).await.expect("sent");

        assert!(referrals::serves(None, Some("36.04.05.2001")), "national");
        assert!(referrals::serves(Some("36"), Some("36.04.05")));
        assert!(referrals::serves(Some("36.04"), Some("36.04.05.2001")));
        assert!(!referrals::serves(Some("36.03"), Some("36.04.05")));
        assert!(!referrals::serves(Some("36.04"), None), "unknown address");
    }
}
