//! The public figures: PMI EMAS aggregates for Banten and each of its regencies and cities, for
//! anyone, without signing in. Only counts and shares, each through `emas_domain::disclosure`
//! (the regencies' counts as parts of the province's total), and never a name or a record.

use askama::Template;
use askama_web::WebTemplate;
use axum::extract::State;
use axum::response::{IntoResponse, Response};
use emas_domain::access::{RegionCode, Scope};
use emas_domain::disclosure::{self, Figure};
use emas_domain::regions::Regions;
use emas_domain::survey::Wave;

use crate::App;
use crate::auth::Ctx;
use crate::authz::Action;
use crate::charts;
use crate::error::AppError;
use crate::pages::dashboard::choose;

/// One row of the table: a region's name and its figures as text.
pub struct Row {
    pub name: String,
    pub cells: Vec<String>,
}

#[derive(Template, WebTemplate)]
#[template(path = "public_emas.html")]
struct PublicPage<'a> {
    ctx: &'a Ctx,
    from: String,
    to: String,
    head: Vec<String>,
    rows: Vec<Row>,
}

pub async fn emas(State(app): State<App>, ctx: Ctx) -> Result<Response, AppError> {
    let chosen = choose(&Scope::National, "36", "", "")?;
    let o = app.db.outcomes(&chosen.window).await?;
    let counts = |f: fn(&emas_store::outcomes::AreaCounts) -> i64| {
        disclosure::breakdown(&o.areas.iter().map(f).collect::<Vec<_>>())
    };
    let people = counts(|a| a.people);
    let participants = counts(|a| a.participants);
    let operating = counts(|a| a.operating);
    let text = |f: Figure| f.format(0);
    let operating_total = o.funnel.reached.last().map_or(0, |(_, n)| *n);
    // The share reaching EMAS among the follow-up surveys of the period (the baseline measures
    // where people start, not what the programme achieved).
    let reaching = |code: &str| {
        let app = app.clone();
        let code = code.to_owned();
        async move {
            let area = Scope::Region(
                RegionCode::parse(&code)
                    .map_err(|_| AppError::BadRequest("dashboard-bad-region"))?,
            );
            let agg = app
                .db
                .score_aggregates(&area, chosen.window.from, chosen.window.to)
                .await
                .map_err(|e| AppError::Internal(e.to_string()))?;
            let follow_ups = agg.waves.iter().filter(|w| w.wave != Wave::Baseline);
            let (reach, of) =
                follow_ups.fold((0, 0), |(r, n), w| (r + w.reaching_emas, n + w.surveys));
            Ok::<_, AppError>(charts::percent(disclosure::share(reach, of)))
        }
    };
    let mut rows = vec![Row {
        name: chosen.region_name.clone(),
        cells: vec![
            text(disclosure::count(o.people)),
            text(disclosure::count(o.funnel.total)),
            text(disclosure::count(operating_total)),
            charts::percent(disclosure::share(o.departed_again, o.people)),
            reaching("36").await?,
        ],
    }];
    let names = Regions::reference();
    for (i, a) in o.areas.iter().enumerate() {
        let name = RegionCode::parse(&a.code)
            .ok()
            .and_then(|c| names.get(&c).map(|r| r.name.clone()))
            .unwrap_or_else(|| a.code.clone());
        rows.push(Row {
            name,
            cells: vec![
                text(people[i]),
                text(participants[i]),
                text(operating[i]),
                charts::percent(disclosure::share(a.departed_again, a.people)),
                reaching(&a.code).await?,
            ],
        });
    }
    Ok(PublicPage {
        ctx: &ctx,
        from: chosen.window.from.to_string(),
        to: chosen.window.to.to_string(),
        head: vec![
            ctx.t("dashboard-people"),
            ctx.t("dashboard-participants"),
            ctx.t("dashboard-operating"),
            ctx.t("dashboard-remigration"),
            ctx.t("public-reaching"),
        ],
        rows,
    }
    .into_response())
}
