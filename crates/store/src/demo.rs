//! Demo data: the agencies of Banten and one account per role and scope, so that a newcomer can
//! sign in and look around (`emas serve --demo`). Loaded once; later features add their own data
//! to the same transaction.

use chrono::{DateTime, Utc};
use emas_domain::access::{RegionCode, Role, Scope};
use emas_domain::regions::Regions;

use crate::agencies::{AgencyKind, NewAgency, create_agency};
use crate::audit::{self, AuditEntry};
use crate::settings::set_setting;
use crate::users::{NewUser, create_user};
use crate::{Db, DbError};
use emas_domain::referral::Service;

/// Every demo account signs in with this password. It is shown on the sign-in page in demo mode.
pub const DEMO_PASSWORD: &str = "demo-emas-banten";
const LOADED: &str = "demo.loaded_at";

pub struct DemoAccount {
    pub username: &'static str,
    pub display_name: &'static str,
    pub role: Role,
    /// `national` or a region code.
    pub scope: &'static str,
    pub agency: &'static str,
}

impl DemoAccount {
    pub fn scope(&self) -> Scope {
        Scope::parse(self.scope).expect("demo scopes are valid (tested)")
    }
}

/// One account per role, at the scopes where that role works, plus a second regency to show
/// that a regency sees only its own.
pub fn accounts() -> &'static [DemoAccount] {
    use Role::*;
    const fn a(
        username: &'static str,
        display_name: &'static str,
        role: Role,
        scope: &'static str,
        agency: &'static str,
    ) -> DemoAccount {
        DemoAccount {
            username,
            display_name,
            role,
            scope,
            agency,
        }
    }
    const ACCOUNTS: &[DemoAccount] = &[
        a("admin", "Admin Nasional", Admin, "national", "kp2mi"),
        a(
            "admin.banten",
            "Dewi Lestari",
            Admin,
            "36",
            "biro-perekonomian-banten",
        ),
        a(
            "registrar.pusat",
            "Rudi Hartono",
            Registrar,
            "national",
            "kp2mi",
        ),
        a(
            "registrar.banten",
            "Siti Nurjanah",
            Registrar,
            "36",
            "upt-bp3mi-banten",
        ),
        a(
            "registrar.kabserang",
            "Ahmad Fauzi",
            Registrar,
            "36.04",
            "disnaker-36-04",
        ),
        a(
            "registrar.lebak",
            "Euis Komalasari",
            Registrar,
            "36.02",
            "disnaker-36-02",
        ),
        a(
            "officer.banten",
            "Rina Marlina",
            ProgrammeOfficer,
            "36",
            "biro-perekonomian-banten",
        ),
        a(
            "officer.kabserang",
            "Yusuf Maulana",
            ProgrammeOfficer,
            "36.04",
            "dinkop-36-04",
        ),
        a(
            "trainer.kabserang",
            "Nining Suryani",
            Trainer,
            "36.04",
            "blk-serang",
        ),
        a(
            "mentor.kabserang",
            "Hendra Gunawan",
            Mentor,
            "36.04",
            "dinkop-36-04",
        ),
        a(
            "caseworker.banten",
            "Lilis Suryati",
            CaseWorker,
            "36",
            "upt-bp3mi-banten",
        ),
        a(
            "analyst.banten",
            "Agus Salim",
            Analyst,
            "36",
            "biro-perekonomian-banten",
        ),
        a(
            "coordinator.banten",
            "Tuti Alawiyah",
            Coordinator,
            "36",
            "biro-perekonomian-banten",
        ),
        a(
            "moderator",
            "Nur Hayati",
            Moderator,
            "national",
            "paguyuban-pmi-purna-banten",
        ),
        a(
            "bank.kabserang",
            "Dedi Supriadi",
            PartnerOfficer,
            "36.04",
            "bri-serang",
        ),
        // The staff of the demo programmes (crates/emas demo_programme): the province's
        // trainers and mentors, and the Kabupaten Tangerang programme's officer, trainer,
        // mentor and partners.
        a(
            "trainer.banten",
            "Eka Nurhasanah",
            Trainer,
            "36",
            "blk-serang",
        ),
        a(
            "mentor.banten",
            "Iwan Kurniawan",
            Mentor,
            "36",
            "upt-bp3mi-banten",
        ),
        a(
            "officer.kabtangerang",
            "Ani Rohaeni",
            ProgrammeOfficer,
            "36.03",
            "disnaker-36-03",
        ),
        a(
            "trainer.kabtangerang",
            "Wawan Setiawan",
            Trainer,
            "36.03",
            "disnaker-36-03",
        ),
        a(
            "mentor.kabtangerang",
            "Sri Wahyuni",
            Mentor,
            "36.03",
            "dinkop-36-03",
        ),
        a(
            "koperasi.kabtangerang",
            "Rahmat Hidayat",
            PartnerOfficer,
            "36.03",
            "dinkop-36-03",
        ),
        a(
            "bank.kabtangerang",
            "Fajar Nugraha",
            PartnerOfficer,
            "36.03",
            "bri-tangerang",
        ),
        a(
            "peserta.demo",
            "Imas Masitoh",
            Participant,
            "36.04",
            "disnaker-36-04",
        ),
    ];
    ACCOUNTS
}

/// The agencies of the demo: the national agency and its Banten unit, the provincial bureau, the
/// labour and cooperative offices of the eight regencies and cities, a bank, a training centre
/// and a returnees' association.
fn agencies() -> Vec<(String, String, AgencyKind, Option<String>)> {
    let mut out = vec![
        (
            "kp2mi".into(),
            "Kementerian Pelindungan Pekerja Migran Indonesia (KP2MI)".into(),
            AgencyKind::NationalAgency,
            None,
        ),
        (
            "upt-bp3mi-banten".into(),
            "UPT BP3MI Banten (Serang)".into(),
            AgencyKind::NationalAgency,
            Some("36".into()),
        ),
        (
            "biro-perekonomian-banten".into(),
            "Biro Bina Perekonomian Setda Provinsi Banten".into(),
            AgencyKind::ProvinceBureau,
            Some("36".into()),
        ),
        (
            "bri-serang".into(),
            "BRI Unit Serang (penyalur KUR)".into(),
            AgencyKind::Bank,
            Some("36.04".into()),
        ),
        (
            "bri-tangerang".into(),
            "BRI Unit Tigaraksa (penyalur KUR)".into(),
            AgencyKind::Bank,
            Some("36.03".into()),
        ),
        (
            "blk-serang".into(),
            "Balai Latihan Kerja Serang".into(),
            AgencyKind::TrainingCentre,
            Some("36.73".into()),
        ),
        (
            "paguyuban-pmi-purna-banten".into(),
            "Paguyuban PMI Purna Banten".into(),
            AgencyKind::Ngo,
            Some("36".into()),
        ),
    ];
    let banten = RegionCode::parse("36").expect("a valid code");
    for regency in Regions::reference().children(&banten) {
        let code = regency.code.as_str();
        let slug = code.replace('.', "-");
        out.push((
            format!("disnaker-{slug}"),
            format!("Dinas Tenaga Kerja {}", regency.name),
            AgencyKind::LabourOffice,
            Some(code.into()),
        ));
        out.push((
            format!("dinkop-{slug}"),
            format!("Dinas Koperasi dan UMKM {}", regency.name),
            AgencyKind::CooperativeOffice,
            Some(code.into()),
        ));
    }
    out
}

/// Which demo agencies offer which services, so that referrals can be tried: the cooperative
/// offices business licensing, the banks KUR, the training centre skills training, the national
/// agency's unit counselling and legal aid, the returnees' association counselling.
fn services() -> Vec<(String, Vec<Service>)> {
    let mut out = vec![
        ("bri-serang".to_owned(), vec![Service::Kur]),
        ("bri-tangerang".to_owned(), vec![Service::Kur]),
        ("blk-serang".to_owned(), vec![Service::SkillsTraining]),
        (
            "upt-bp3mi-banten".to_owned(),
            vec![Service::Counselling, Service::LegalAid],
        ),
        (
            "paguyuban-pmi-purna-banten".to_owned(),
            vec![Service::Counselling, Service::Other],
        ),
    ];
    let banten = RegionCode::parse("36").expect("a valid code");
    for regency in Regions::reference().children(&banten) {
        let slug = regency.code.as_str().replace('.', "-");
        out.push((format!("dinkop-{slug}"), vec![Service::BusinessLicensing]));
    }
    out
}

#[derive(Debug, PartialEq, Eq)]
pub enum DemoOutcome {
    Loaded { agencies: usize, accounts: usize },
    AlreadyLoaded,
}

/// Loads the demo data unless it is there already. Agencies and accounts that exist (same code
/// or user name) are left as they are.
pub async fn load(db: &Db, now: DateTime<Utc>) -> Result<DemoOutcome, DbError> {
    if db.setting(LOADED).await?.is_some() {
        return Ok(DemoOutcome::AlreadyLoaded);
    }
    db.load_reference_regions().await?;
    let mut tx = db.begin().await?;
    let mut added_agencies = 0;
    for (code, name, kind, region) in agencies() {
        if db.agency_by_code(&code).await?.is_some() {
            continue;
        }
        create_agency(
            &mut tx,
            &NewAgency {
                code: &code,
                name: &name,
                kind,
                region_code: region.as_deref(),
            },
            now,
        )
        .await?;
        added_agencies += 1;
    }
    for (code, services) in services() {
        for service in services {
            crate::with_tx!(&mut tx, c => sqlx::query(
                "insert into agency_service (agency_id, service) \
                 select id, $2 from agency where code = $1 on conflict do nothing")
                .bind(&code).bind(service.as_str()).execute(c).await.map(|r| r.rows_affected()))?;
        }
    }
    let mut added_accounts = 0;
    for account in accounts() {
        let agency_id = match crate::with_tx!(&mut tx, c => sqlx::query_as::<_, (i64,)>(
            "select id from agency where code = $1").bind(account.agency).fetch_optional(c).await)?
        {
            Some((id,)) => id,
            None => {
                return Err(DbError::Config(format!(
                    "demo agency {} missing",
                    account.agency
                )));
            }
        };
        let exists = crate::with_tx!(&mut tx, c => sqlx::query_as::<_, (i64,)>(
            "select id from app_user where username = $1").bind(account.username).fetch_optional(c).await)?;
        if exists.is_some() {
            continue;
        }
        let new = NewUser {
            username: account.username,
            display_name: account.display_name,
            password: DEMO_PASSWORD,
            role: account.role,
            scope: account.scope(),
            agency_id,
            must_change_password: false,
        };
        create_user(&mut tx, &new, now)
            .await
            .map_err(|e| DbError::Config(e.to_string()))?;
        added_accounts += 1;
    }
    set_setting(&mut tx, LOADED, &now.to_rfc3339()).await?;
    let entry = AuditEntry {
        actor_user_id: None,
        actor: "system".into(),
        action: "demo.load".into(),
        entity: "installation".into(),
        entity_id: String::new(),
        detail: format!("{added_agencies} agencies, {added_accounts} accounts"),
        request_id: String::new(),
    };
    audit::record(&mut tx, &entry, now).await?;
    tx.commit().await?;
    Ok(DemoOutcome::Loaded {
        agencies: added_agencies,
        accounts: added_accounts,
    })
}

/// The account created on the first start of an installation without accounts: an admin of the
/// operator agency with a one-time password, printed once by the caller. `None` when accounts
/// exist already.
pub async fn ensure_first_admin(
    db: &Db,
    now: DateTime<Utc>,
) -> Result<Option<(String, String)>, DbError> {
    if db.user_count().await? > 0 {
        return Ok(None);
    }
    let password = crate::secret::one_time_password();
    let mut tx = db.begin().await?;
    let agency_id = match db.agency_by_code("emas-operator").await? {
        Some(a) => a.id,
        None => {
            create_agency(
                &mut tx,
                &NewAgency {
                    code: "emas-operator",
                    name: "Pengelola EMAS",
                    kind: AgencyKind::Operator,
                    region_code: None,
                },
                now,
            )
            .await?
        }
    };
    let new = NewUser {
        username: "admin",
        display_name: "Administrator",
        password: &password,
        role: Role::Admin,
        scope: Scope::National,
        agency_id,
        must_change_password: true,
    };
    let id = create_user(&mut tx, &new, now)
        .await
        .map_err(|e| DbError::Config(e.to_string()))?;
    let entry = AuditEntry {
        actor_user_id: None,
        actor: "system".into(),
        action: "user.create_first_admin".into(),
        entity: "user".into(),
        entity_id: id.to_string(),
        detail: String::new(),
        request_id: String::new(),
    };
    audit::record(&mut tx, &entry, now).await?;
    tx.commit().await?;
    Ok(Some(("admin".into(), password)))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_role_has_a_demo_account_with_a_valid_scope() {
        for role in Role::ALL {
            assert!(
                accounts().iter().any(|a| a.role == role),
                "{role} has no demo account"
            );
        }
        for a in accounts() {
            let _ = a.scope();
        }
        let codes: Vec<String> = agencies().into_iter().map(|a| a.0).collect();
        for a in accounts() {
            assert!(
                codes.iter().any(|c| c == a.agency),
                "{} has no agency",
                a.username
            );
        }
        assert_eq!(
            codes.iter().filter(|c| c.starts_with("disnaker-")).count(),
            8
        );
    }
}
