//! Participants who departed again: people of the programme whom a departure list showed
//! leaving to work abroad after their return (the registry's re-migration, the Mandiri
//! dimension). Their programme officer records it on each participant's page.

use askama::Template;
use askama_web::WebTemplate;
use axum::extract::State;
use axum::response::{IntoResponse, Response};
use emas_store::pipeline::DepartedParticipant;

use crate::App;
use crate::auth::Ctx;
use crate::authz::Action;
use crate::error::AppError;

#[derive(Template, WebTemplate)]
#[template(path = "departed.html")]
struct DepartedPage<'a> {
    ctx: &'a Ctx,
    rows: Vec<DepartedParticipant>,
    /// Rows whose stage does not say "departed again" yet (they come first).
    pending: usize,
}

pub async fn list(State(app): State<App>, ctx: Ctx) -> Result<Response, AppError> {
    let user = ctx.require_user()?;
    let rows = app.db.departed_participants(&user.scope).await?;
    let pending = rows.iter().filter(|r| r.stage != "departed_again").count();
    app.audit
        .log(ctx.audit_entry("pipeline.departed.read", "enrolment", String::new()));
    Ok(DepartedPage {
        ctx: &ctx,
        rows,
        pending,
    }
    .into_response())
}
