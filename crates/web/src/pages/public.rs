//! The public figures: PMI EMAS aggregates for Banten and each of its regencies and cities, for
//! anyone, without signing in. Only counts and shares, each through `emas_domain::disclosure`
//! (the regencies' counts as parts of the province's total), and never a name or a record. The
//! table is the meeting report's "by area" table.

use askama::Template;
use askama_web::WebTemplate;
use axum::extract::State;
use axum::response::{IntoResponse, Response};
use emas_domain::access::Scope;

use crate::App;
use crate::auth::Ctx;
use crate::authz::Action;
use crate::error::AppError;
use crate::pages::dashboard::{Panel, choose};

#[derive(Template, WebTemplate)]
#[template(path = "public_emas.html")]
struct PublicPage<'a> {
    ctx: &'a Ctx,
    period: String,
    table: Panel,
}

pub async fn emas(State(app): State<App>, ctx: Ctx) -> Result<Response, AppError> {
    let chosen = choose(&Scope::National, "36", "", "")?;
    let o = app.db.outcomes(&chosen.window).await?;
    let table =
        crate::report::area_table(&app.db, ctx.lang, &chosen.window, &chosen.region_name, &o)
            .await?;
    Ok(PublicPage {
        ctx: &ctx,
        period: super::dashboard::period_label(ctx.lang, &chosen.window),
        table,
    }
    .into_response())
}
