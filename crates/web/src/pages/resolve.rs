//! Merging two people found to be one and splitting a person, from the person's page, and
//! undoing either after reading what the undo will do. Both people of a change must lie within
//! the caller's scope (403 otherwise, nothing written); each change and its audit line commit in
//! one transaction.

use askama::Template;
use askama_web::WebTemplate;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::http::header::LOCATION;
use axum::response::{IntoResponse, Response};
use emas_store::merge::{self, Change, MergeError, UndoPreview};
use emas_store::{DbError, audit};

use crate::App;
use crate::auth::Ctx;
use crate::authz::Action;
use crate::error::AppError;
use crate::form::{CsrfForm, NoFields};
use crate::pages::people::{clip, person_in_scope, person_page};

fn see_other(to: String) -> Response {
    (StatusCode::SEE_OTHER, [(LOCATION, to)]).into_response()
}

/// A person a change may touch: 404 when there is none, 403 when outside the caller's scope.
async fn person_for_change(app: &App, ctx: &Ctx, id: i64) -> Result<(), AppError> {
    let user = ctx.require_user()?;
    let d = app.db.person(id).await?;
    if !person_in_scope(&user.scope, d.person.region_code.as_deref()) {
        return Err(AppError::Forbidden);
    }
    Ok(())
}

/// The person's page again with a message, and the status saying why.
async fn refused(
    app: &App,
    ctx: &Ctx,
    id: i64,
    key: &str,
    status: StatusCode,
) -> Result<Response, AppError> {
    let mut r = person_page(app, ctx, id, Some(ctx.t(key))).await?;
    *r.status_mut() = status;
    Ok(r)
}

/// Why a merge, split or undo was refused, as a message key and status; `None` for the
/// unexpected.
fn refusal(e: &MergeError) -> Option<(&'static str, StatusCode)> {
    Some(match e {
        MergeError::SamePerson => ("merge-same-person", StatusCode::BAD_REQUEST),
        MergeError::TwoNiks => ("merge-two-niks", StatusCode::BAD_REQUEST),
        MergeError::SplitAllOrNone => ("split-all-or-none", StatusCode::BAD_REQUEST),
        MergeError::AlreadyMerged | MergeError::Db(DbError::Conflict(_)) => {
            ("merge-conflict", StatusCode::CONFLICT)
        }
        MergeError::AlreadyUndone => ("undo-already", StatusCode::CONFLICT),
        MergeError::Db(_) => return None,
    })
}

fn unexpected(e: MergeError) -> AppError {
    match e {
        MergeError::Db(e) => e.into(),
        e => AppError::Internal(e.to_string()),
    }
}

/// The form's fields as sent: `other_id`, `reason`, and any number of `record`.
fn field<'a>(pairs: &'a [(String, String)], name: &str) -> &'a str {
    pairs
        .iter()
        .find(|(k, _)| k == name)
        .map(|(_, v)| v.as_str())
        .unwrap_or("")
}

fn reason_of(pairs: &[(String, String)]) -> String {
    clip(field(pairs, "reason"), 500)
}

pub async fn merge(
    State(app): State<App>,
    ctx: Ctx,
    Path(id): Path<i64>,
    CsrfForm(form): CsrfForm<Vec<(String, String)>>,
) -> Result<Response, AppError> {
    let user = ctx.require_user()?.clone();
    person_for_change(&app, &ctx, id).await?;
    let Ok(other) = field(&form, "other_id").trim().parse::<i64>() else {
        return refused(
            &app,
            &ctx,
            id,
            "merge-other-invalid",
            StatusCode::BAD_REQUEST,
        )
        .await;
    };
    let reason = reason_of(&form);
    if reason.is_empty() {
        return refused(
            &app,
            &ctx,
            id,
            "merge-reason-required",
            StatusCode::BAD_REQUEST,
        )
        .await;
    }
    match person_for_change(&app, &ctx, other).await {
        Err(AppError::NotFound) => {
            return refused(
                &app,
                &ctx,
                id,
                "merge-other-unknown",
                StatusCode::BAD_REQUEST,
            )
            .await;
        }
        other => other?,
    }
    let now = emas_store::now();
    let mut tx = app.db.begin().await?;
    let change = match merge::merge(&mut tx, id, other, &reason, Some(user.id), now).await {
        Ok(c) => c,
        Err(e) => {
            drop(tx);
            let Some((key, status)) = refusal(&e) else {
                return Err(unexpected(e));
            };
            return refused(&app, &ctx, id, key, status).await;
        }
    };
    let mut entry = ctx.audit_entry("person.merge", "person", id);
    entry.detail = format!("person {other} merged in (change {change}): {reason}");
    audit::record(&mut tx, &entry, now).await?;
    tx.commit().await?;
    Ok(see_other(format!("/people/{id}")))
}

pub async fn split(
    State(app): State<App>,
    ctx: Ctx,
    Path(id): Path<i64>,
    CsrfForm(form): CsrfForm<Vec<(String, String)>>,
) -> Result<Response, AppError> {
    let user = ctx.require_user()?.clone();
    person_for_change(&app, &ctx, id).await?;
    let mut records = Vec::new();
    for (k, v) in &form {
        if k == "record" {
            match v.trim().parse::<i64>() {
                Ok(r) => records.push(r),
                Err(_) => return Err(AppError::BadRequest("error-bad-form")),
            }
        }
    }
    let reason = reason_of(&form);
    if reason.is_empty() {
        return refused(
            &app,
            &ctx,
            id,
            "merge-reason-required",
            StatusCode::BAD_REQUEST,
        )
        .await;
    }
    let now = emas_store::now();
    let mut tx = app.db.begin().await?;
    let (change, new_id) =
        match merge::split(&mut tx, id, &records, &reason, Some(user.id), now).await {
            Ok(done) => done,
            Err(e) => {
                drop(tx);
                let Some((key, status)) = refusal(&e) else {
                    return Err(unexpected(e));
                };
                return refused(&app, &ctx, id, key, status).await;
            }
        };
    let mut entry = ctx.audit_entry("person.split", "person", id);
    entry.detail = format!("records {records:?} made person {new_id} (change {change}): {reason}");
    audit::record(&mut tx, &entry, now).await?;
    tx.commit().await?;
    Ok(see_other(format!("/people/{new_id}")))
}

#[derive(Template, WebTemplate)]
#[template(path = "person_undo.html")]
struct UndoPage<'a> {
    ctx: &'a Ctx,
    p: UndoPreview,
    message: Option<String>,
}

impl UndoPage<'_> {
    fn change(&self) -> &Change {
        &self.p.change
    }
}

/// The change, if both its people lie within the caller's scope.
async fn change_for(app: &App, ctx: &Ctx, id: i64) -> Result<UndoPreview, AppError> {
    let preview = app.db.undo_preview(id).await?;
    person_for_change(app, ctx, preview.change.person_id).await?;
    person_for_change(app, ctx, preview.change.other_id).await?;
    Ok(preview)
}

fn undo_page(ctx: &Ctx, p: UndoPreview, message: Option<(&str, StatusCode)>) -> Response {
    let status = message.map(|m| m.1).unwrap_or(StatusCode::OK);
    let mut r = UndoPage {
        ctx,
        p,
        message: message.map(|m| ctx.t(m.0)),
    }
    .into_response();
    *r.status_mut() = status;
    r
}

/// What undoing a change will do, with the button that does it.
pub async fn undo_preview(
    State(app): State<App>,
    ctx: Ctx,
    Path(id): Path<i64>,
) -> Result<Response, AppError> {
    let p = change_for(&app, &ctx, id).await?;
    Ok(undo_page(&ctx, p, None))
}

pub async fn undo(
    State(app): State<App>,
    ctx: Ctx,
    Path(id): Path<i64>,
    CsrfForm(NoFields {}): CsrfForm<NoFields>,
) -> Result<Response, AppError> {
    let user = ctx.require_user()?.clone();
    let p = change_for(&app, &ctx, id).await?;
    let now = emas_store::now();
    let mut tx = app.db.begin().await?;
    if let Err(e) = merge::undo(&mut tx, id, Some(user.id), now).await {
        drop(tx);
        let refusal = match &e {
            MergeError::AlreadyUndone => ("undo-already", StatusCode::CONFLICT),
            MergeError::Db(DbError::Conflict(_)) => ("undo-conflict", StatusCode::CONFLICT),
            _ => return Err(unexpected(e)),
        };
        let p = app.db.undo_preview(id).await?;
        return Ok(undo_page(&ctx, p, Some(refusal)));
    }
    let c = &p.change;
    let mut entry = ctx.audit_entry(&format!("person.undo_{}", c.kind), "person", c.person_id);
    entry.detail = format!("change {id} undone (person {})", c.other_id);
    audit::record(&mut tx, &entry, now).await?;
    tx.commit().await?;
    Ok(see_other(format!("/people/{}", c.person_id)))
}
