//! Demo outcome surveys: for each demo enrolment, a baseline at enrolment and the 6, 12 and
//! 24-month follow-ups that have fallen due by `now`, back-dated and recorded through the same
//! `surveys::record_response` as a form (so every answer is checked and scored as usual).
//! Answers follow a hidden "progress" of the person that starts low and rises with time since
//! enrolment, faster in some regencies than others and differently for women and men, so the
//! dashboards show patterns worth discussing. Everything is drawn from a random stream seeded by
//! the enrolment id: the same demo every run, and loading again adds nothing.

use std::collections::BTreeMap;

use chrono::{DateTime, Datelike, Duration, NaiveDate, Utc};
use emas_domain::access::RegionCode;
use emas_domain::survey::Wave;
use emas_store::audit::AuditEntry;
use emas_store::surveys::{self, ResponseInput, SurveyError, Taker};
use emas_store::{Db, DbError};
use emas_synth::SynthRng;
use rand::{Rng, SeedableRng};

use crate::demo_data::DEMO_SEED;

/// Share of follow-ups nobody managed to take (people move, phones change).
const MISSED: f64 = 0.12;

/// How fast people improve in each regency/city over 24 months (share of the way to the top).
/// Cities with more jobs and markets move faster; the rural south (Pandeglang, Lebak) slower.
fn regency_pace(region: &str) -> f64 {
    match region.get(..5).unwrap_or("") {
        "36.01" => 0.24,
        "36.02" => 0.20,
        "36.03" => 0.34,
        "36.04" => 0.28,
        "36.71" => 0.38,
        "36.72" => 0.36,
        "36.73" => 0.30,
        "36.74" => 0.40,
        _ => 0.28,
    }
}

/// Where the person stands, 0..1, at `months` after enrolment.
fn progress(start: f64, pace: f64, months: u32, noise: f64) -> f64 {
    // Most of the gain comes in the first year (training, first capital), then it flattens.
    let share = match months {
        0 => 0.0,
        6 => 0.45,
        12 => 0.75,
        _ => 1.0,
    };
    (start + pace * share + noise).clamp(0.0, 1.0)
}

fn pick<'a>(rng: &mut SynthRng, p: f64, options: [&'a str; 3]) -> &'a str {
    // Higher progress makes the first (best) option likelier.
    let x = p + rng.random_range(-0.2..0.2);
    if x > 0.55 {
        options[0]
    } else if x > 0.3 {
        options[1]
    } else {
        options[2]
    }
}

fn yes(rng: &mut SynthRng, probability: f64) -> &'static str {
    if rng.random_bool(probability.clamp(0.0, 1.0)) {
        "yes"
    } else {
        "no"
    }
}

fn round_to(x: f64, unit: i64) -> i64 {
    ((x / unit as f64).round() as i64).max(0) * unit
}

/// One survey's answers for a person at progress `p`, in a regency whose UMK is `umk`.
fn answers(rng: &mut SynthRng, p: f64, umk: f64, woman: bool) -> BTreeMap<String, String> {
    let mut a = BTreeMap::new();
    let mut put = |k: &str, v: String| {
        a.insert(k.to_owned(), v);
    };
    let income = umk * (0.25 + 1.0 * p) * rng.random_range(0.85..1.15);
    put("household_income", round_to(income, 10_000).to_string());
    let has_business = p + rng.random_range(-0.15..0.15) > 0.35;
    let source = if has_business {
        "own_business"
    } else if p > 0.3 {
        if woman {
            "local_wage"
        } else {
            "farming_fishing"
        }
    } else if rng.random_bool(0.6) {
        "remittance"
    } else {
        "assistance"
    };
    put("main_income_source", source.to_owned());
    if has_business {
        // Women's businesses in the demo are smaller (food stalls, tailoring) but steadier.
        let scale = if woman { 0.8 } else { 1.1 };
        let revenue = income * scale * rng.random_range(0.8..1.6);
        let margin = if woman {
            rng.random_range(0.12..0.35)
        } else {
            rng.random_range(-0.1..0.35)
        };
        put("business_revenue", round_to(revenue, 10_000).to_string());
        put(
            "business_profit",
            ((revenue * margin / 10_000.0).round() as i64 * 10_000).to_string(),
        );
        put("has_nib", yes(rng, 0.2 + 0.7 * p).to_owned());
    }
    put(
        "savings",
        round_to(umk * 4.0 * p * p * rng.random_range(0.5..1.5), 50_000).to_string(),
    );
    let debt = umk * 6.0 * (1.0 - p) * rng.random_range(0.0..1.4);
    put("debt_total", round_to(debt, 100_000).to_string());
    put("debt_repayment", round_to(debt / 20.0, 10_000).to_string());
    put(
        "intend_abroad",
        pick(rng, p, ["no", "unsure", "yes"]).to_owned(),
    );
    let abroad = 70.0 * (1.0 - p).powi(2) + rng.random_range(-5.0..5.0);
    put(
        "income_abroad_share",
        (abroad.round() as i64).clamp(0, 100).to_string(),
    );
    put("bpjs_tk", yes(rng, 0.15 + 0.6 * p).to_owned());
    for q in [
        "incident_fraud",
        "incident_exploitation",
        "incident_debt_harassment",
        "incident_work_accident",
    ] {
        put(q, yes(rng, 0.12 * (1.0 - p)).to_owned());
    }
    put(
        "food_security",
        pick(rng, p + 0.1, ["always", "sometimes_short", "often_short"]).to_owned(),
    );
    let schooling = if rng.random_bool(0.3) {
        "no_children"
    } else {
        pick(rng, p + 0.35, ["all", "some", "none"])
    };
    put("children_in_school", schooling.to_owned());
    put("jkn", yes(rng, 0.5 + 0.45 * p).to_owned());
    put(
        "housing",
        pick(rng, p, ["adequate", "partly", "inadequate"]).to_owned(),
    );
    for q in [
        "who5_cheerful",
        "who5_calm",
        "who5_active",
        "who5_rested",
        "who5_interest",
    ] {
        let v = 1.2 + 3.4 * p + rng.random_range(-1.0..1.0);
        put(q, (v.round() as i64).clamp(0, 5).to_string());
    }
    a
}

/// Records the demo's surveys for `enrolments` (id, enrolment date — the enrolment's own —,
/// region of the person): a baseline within a week of enrolment and each follow-up that has
/// fallen due by `now`, taken within three weeks of its due date, some missed. Surveys already
/// recorded are left as they are. Returns how many were recorded.
pub async fn load_demo_surveys(
    db: &Db,
    enrolments: &[(i64, NaiveDate, String)],
    now: DateTime<Utc>,
) -> Result<usize, SurveyError> {
    let today = now.date_naive();
    let umks = db.umk_table().await?;
    let umk_of = |region: &str, year: i32| {
        umks.iter()
            .filter(|u| region.starts_with(&u.region_code) && u.year <= year)
            .max_by_key(|u| u.year)
            .map_or(4_000_000.0, |u| u.amount as f64)
    };
    let who = AuditEntry {
        actor_user_id: None,
        actor: "demo".into(),
        action: String::new(),
        entity: String::new(),
        entity_id: String::new(),
        detail: "demo survey".into(),
        request_id: String::new(),
    };
    let mut recorded = 0;
    let mut tx = db.begin().await?;
    for (enrolment, enrolled_on, region) in enrolments {
        let Some((sex, stage)) = db.survey_subject(*enrolment).await? else {
            return Err(SurveyError::NotEnrolled);
        };
        let code = RegionCode::parse(region).map_err(|_| {
            DbError::Config(format!("demo enrolment {enrolment}: region {region:?}"))
        })?;
        let Some(officer) = db.survey_officer_for(&code).await? else {
            return Err(DbError::Config(
                "no programme officer or admin to record demo surveys".into(),
            )
            .into());
        };
        let woman = sex.as_deref() != Some("M");
        let mut rng = SynthRng::seed_from_u64(
            DEMO_SEED ^ (*enrolment as u64).wrapping_mul(0x2545_F491_4F6C_DD1D),
        );
        let start = rng.random_range(0.05..0.35);
        // Women in the demo gain a little more in the programme, men start a little higher.
        let pace = regency_pace(region) * if woman { 1.1 } else { 0.85 };
        let start = if woman { start } else { start + 0.05 };
        for wave in Wave::ALL {
            let due = wave.due_on(*enrolled_on);
            let delay = if wave == Wave::Baseline {
                rng.random_range(0..7)
            } else {
                rng.random_range(0..21)
            };
            let taken_on = due + Duration::days(delay);
            let missed = wave != Wave::Baseline && rng.random_bool(MISSED);
            let noise = rng.random_range(-0.08..0.08);
            if taken_on > today || missed {
                continue;
            }
            // Someone who left again is not surveyed after the baseline.
            if wave != Wave::Baseline && stage == "departed_again" {
                break;
            }
            let p = progress(start, pace, wave.months(), noise);
            let form = answers(&mut rng, p, umk_of(region, taken_on.year()), woman);
            let input = ResponseInput {
                enrolment_id: *enrolment,
                wave,
                taken_on,
                answers: form,
            };
            match surveys::record_response(
                &mut tx,
                &input,
                Taker::Officer { user_id: officer },
                &who,
                now,
            )
            .await
            {
                Ok(_) => recorded += 1,
                Err(SurveyError::AlreadyTaken) => {}
                Err(e) => return Err(e),
            }
        }
    }
    tx.commit().await?;
    Ok(recorded)
}
