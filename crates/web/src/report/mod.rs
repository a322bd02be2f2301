//! The report for a coordination meeting: for a region and a period, the key figures, a short
//! narrative of the biggest changes, EMAS by dimension and over the survey waves, the regencies
//! side by side, the funnel, sex and country, re-migration and overdue referrals, as a PDF an
//! official can table ([`pdf`]) and as a workbook ([`xlsx`]). Built from the same figures and the
//! same suppression as the dashboard, so the two never disagree.

mod narrative;
pub mod pdf;
pub mod xlsx;

use chrono::NaiveDate;
use emas_domain::access::{RegionCode, Scope};
use emas_domain::disclosure;
use emas_domain::regions::Regions;
use emas_domain::survey::Wave;
use emas_store::Db;
use emas_store::outcomes::{Outcomes, Window};
use emas_store::surveys::Aggregates;

use crate::charts;
use crate::error::AppError;
use crate::i18n::Lang;
pub use crate::pages::dashboard::Panel;
use crate::pages::dashboard::{self, MapIndicator};

/// Everything the report shows, already suppressed and formatted in one language.
pub struct Report {
    pub lang: Lang,
    pub title: String,
    pub region_code: String,
    pub region_name: String,
    pub from: NaiveDate,
    pub to: NaiveDate,
    pub generated_on: NaiveDate,
    pub key_figures: Vec<(String, String)>,
    pub narrative: Vec<String>,
    pub sections: Vec<Panel>,
    /// The data behind the report and how its figures were made (the title page's notes).
    pub sources: Vec<String>,
    pub method: Vec<String>,
}

/// The figures of the region and period, and of the period of equal length just before it
/// (the narrative compares the two).
struct Figures {
    now: Outcomes,
    before: Outcomes,
    scores: Aggregates,
    overdue: i64,
}

async fn figures(db: &Db, window: &Window, today: NaiveDate) -> Result<Figures, AppError> {
    let before = window.before();
    let (now, scores) = dashboard::figures(db, window).await?;
    Ok(Figures {
        now,
        before: db.outcomes(&before).await?,
        scores,
        overdue: db
            .overdue_referral_count(window.region().unwrap_or(""), today)
            .await?,
    })
}

/// The regencies (or a regency's districts) side by side: returnees, participants, businesses
/// operating, re-migration, and the share reaching EMAS in follow-up surveys.
pub async fn area_table(
    db: &Db,
    lang: Lang,
    window: &Window,
    region_name: &str,
    o: &Outcomes,
) -> Result<Panel, AppError> {
    let counts = |f: fn(&emas_store::outcomes::AreaCounts) -> i64| {
        disclosure::breakdown(&o.areas.iter().map(f).collect::<Vec<_>>())
    };
    let people = counts(|a| a.people);
    let participants = counts(|a| a.participants);
    let operating = counts(|a| a.operating);
    let reaching = |code: String| async move {
        let area = Scope::Region(
            RegionCode::parse(&code).map_err(|_| AppError::BadRequest("dashboard-bad-region"))?,
        );
        let agg = db
            .score_aggregates(&area, window.from(), window.to())
            .await
            .map_err(|e| AppError::Internal(e.to_string()))?;
        Ok::<_, AppError>(charts::percent(follow_up_reach(&agg)))
    };
    let operating_total = o.funnel.operating();
    let total_code = window
        .region()
        .map(str::to_owned)
        .unwrap_or_else(|| "36".to_owned());
    let mut rows = vec![vec![
        region_name.to_owned(),
        disclosure::count(o.people).format(0),
        disclosure::count(o.funnel.total).format(0),
        disclosure::count(operating_total).format(0),
        charts::percent(disclosure::share(o.departed_again, o.people)),
        reaching(total_code).await?,
    ]];
    let names = Regions::reference();
    for (i, a) in o.areas.iter().enumerate() {
        rows.push(vec![
            names.name_or_code(&a.code),
            people[i].format(0),
            participants[i].format(0),
            operating[i].format(0),
            charts::percent(disclosure::share(a.departed_again, a.people)),
            reaching(a.code.clone()).await?,
        ]);
    }
    Ok(Panel {
        id: "areas",
        title: lang.t("report-areas"),
        svg: String::new(),
        head: vec![
            lang.t("dashboard-area"),
            lang.t("dashboard-people"),
            lang.t("dashboard-participants"),
            lang.t("dashboard-operating"),
            lang.t("dashboard-remigration"),
            lang.t("public-reaching"),
        ],
        rows,
    })
}

/// The share of follow-up surveys (not the baseline) whose person reached EMAS.
pub fn follow_up_reach(agg: &Aggregates) -> disclosure::Figure {
    let (reach, of) = agg
        .waves
        .iter()
        .filter(|w| w.wave != Wave::Baseline)
        .fold((0, 0), |(r, n), w| (r + w.reaching_emas, n + w.surveys));
    disclosure::share(reach, of)
}

/// Builds the meeting report of `window` (already checked against the caller's scope).
pub async fn build(
    db: &Db,
    lang: Lang,
    window: &Window,
    region_name: &str,
    today: NaiveDate,
) -> Result<Report, AppError> {
    let f = figures(db, window, today).await?;
    let mut key_figures = dashboard::key_figures(lang, &f.now);
    key_figures.push((
        lang.t("report-overdue"),
        disclosure::count(f.overdue).format(0),
    ));
    key_figures.push((
        lang.t("public-reaching"),
        charts::percent(follow_up_reach(&f.scores)),
    ));
    let mut sections = dashboard::emas_panels(lang, &f.scores);
    sections.push(area_table(db, lang, window, region_name, &f.now).await?);
    sections.extend(dashboard::panels(
        lang,
        &f.now,
        window,
        MapIndicator::Remigration,
    ));
    let narrative = narrative::write(lang, &f.now, &f.before, &f.scores, f.overdue);
    Ok(Report {
        lang,
        title: lang.t("report-title"),
        region_code: window.region().map(str::to_owned).unwrap_or_default(),
        region_name: region_name.to_owned(),
        from: window.from(),
        to: window.to(),
        generated_on: today,
        key_figures,
        narrative,
        sections,
        sources: vec![
            lang.t("report-source-registry"),
            lang.t("report-source-programme"),
            lang.t_args(
                "report-source-surveys",
                &[("what", f.scores.config_version.clone())],
            ),
        ],
        method: vec![
            lang.t("report-method-period"),
            lang.t("report-method-emas"),
            lang.t("dashboard-suppression"),
        ],
    })
}

/// The meeting report of `region` (a code, or empty for the caller's own) from `from` to `to`
/// (months `YYYY-MM`, or dates standing for their months; empty for the last 24 months), for a caller of `scope`: a region outside it is
/// forbidden, a malformed region or period a bad request.
pub async fn meeting(
    db: &Db,
    lang: Lang,
    scope: &Scope,
    region: &str,
    from: &str,
    to: &str,
    today: NaiveDate,
) -> Result<Report, AppError> {
    let chosen = dashboard::choose(scope, region, from, to)?;
    build(db, lang, &chosen.window, &chosen.region_name, today).await
}

/// The file name a download or the command line suggests: `laporan-rapat-36.04-2026-01-01-2026-06-30`.
pub fn file_stem(r: &Report) -> String {
    format!(
        "laporan-rapat-{}-{}-{}",
        if r.region_code.is_empty() {
            "nasional"
        } else {
            &r.region_code
        },
        r.from,
        r.to
    )
}
