//! Imports under `/api/v1/imports`: upload (staged, with its preview), read, commit. The same
//! checks and planning as the pages. Writing needs a bearer token: a browser's cookie does not
//! open state-changing API calls, which carry no CSRF token.

use axum::Json;
use axum::extract::{Multipart, Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use emas_domain::import::Severity;
use emas_store::imports::{Batch, Counts};
use serde::Serialize;
use utoipa::ToSchema;

use crate::App;
use crate::auth::Ctx;
use crate::error::AppError;
use crate::form::read_upload;
use crate::pages::imports::{commit_batch, plan_staged, stage_upload, visible_batch};

/// The multipart form of an upload.
#[derive(ToSchema)]
#[allow(dead_code)]
pub struct ImportUpload {
    /// The list: CSV, XLSX, XLS or ODS.
    #[schema(format = Binary)]
    file: String,
    /// The source it comes from, kept across imports.
    source: String,
    /// For a new source: departure, return, regency, training or other.
    kind: Option<String>,
}

#[derive(Serialize, ToSchema)]
pub struct RowIssue {
    line: usize,
    record_id: String,
    column: String,
    /// A stable key, e.g. `import-nik-damaged`.
    code: String,
    message: String,
    error: bool,
}

#[derive(Serialize, ToSchema)]
pub struct ImportOut {
    id: i64,
    file_name: String,
    source: String,
    /// staged, committed, cancelled or undone.
    status: String,
    /// Rows that become new people.
    new: i64,
    /// Rows that attach to a person already in the registry or named earlier in the file.
    matched: i64,
    /// Rows of the new and matched ones with a doubtful pair for the review queue.
    review: i64,
    already: i64,
    errors: i64,
    /// While staged: the rows with problems (at most 1,000).
    issues: Vec<RowIssue>,
}

#[derive(Serialize, ToSchema)]
pub struct ImportRefused {
    error: String,
    message: String,
}

fn out(batch: &Batch, counts: Option<&Counts>, issues: Vec<RowIssue>) -> ImportOut {
    let (new, matched, review, already, errors) = match counts {
        Some(c) => (
            c.new as i64,
            c.matched as i64,
            c.review as i64,
            c.already as i64,
            c.error as i64,
        ),
        None => (
            batch.rows_new,
            batch.rows_matched,
            batch.rows_review,
            batch.rows_already,
            batch.rows_error,
        ),
    };
    ImportOut {
        id: batch.id,
        file_name: batch.file_name.clone(),
        source: batch.source_name.clone(),
        status: batch.status.clone(),
        new,
        matched,
        review,
        already,
        errors,
        issues,
    }
}

fn require_token(ctx: &Ctx) -> Result<(), AppError> {
    if ctx.token_user.is_none() {
        return Err(AppError::Forbidden);
    }
    Ok(())
}

async fn preview(app: &App, ctx: &Ctx, batch: &Batch) -> Result<ImportOut, AppError> {
    if batch.status != "staged" {
        return Ok(out(batch, None, Vec::new()));
    }
    let plan = plan_staged(app, batch).await?.map_err(AppError::Internal)?;
    let issues = plan
        .rows
        .iter()
        .flat_map(|r| {
            r.parsed.issues.iter().map(move |i| RowIssue {
                line: r.line,
                record_id: r.record_id.clone(),
                column: i.column.clone(),
                code: i.code.to_owned(),
                message: ctx.t(i.code),
                error: i.severity == Severity::Error,
            })
        })
        .take(1_000)
        .collect();
    Ok(out(batch, Some(&plan.counts), issues))
}

/// Upload a list: it is checked and kept, nothing is written to the registry; the answer is the
/// preview.
#[utoipa::path(post, path = "/api/v1/imports", tag = "registry",
    request_body(content_type = "multipart/form-data", content = ImportUpload),
    responses((status = 201, body = ImportOut), (status = 400, body = ImportRefused), (status = 403), (status = 413)))]
pub async fn upload(
    State(app): State<App>,
    ctx: Ctx,
    multipart: Multipart,
) -> Result<Response, AppError> {
    require_token(&ctx)?;
    let up = read_upload(multipart).await?;
    match stage_upload(&app, &ctx, &up).await? {
        Ok(id) => {
            let batch = app.db.import_batch(id).await?;
            Ok((
                StatusCode::CREATED,
                Json(preview(&app, &ctx, &batch).await?),
            )
                .into_response())
        }
        Err(message) => Ok((
            StatusCode::BAD_REQUEST,
            Json(ImportRefused {
                error: "import-refused".into(),
                message,
            }),
        )
            .into_response()),
    }
}

/// An import and, while it is staged, its preview.
#[utoipa::path(get, path = "/api/v1/imports/{id}", tag = "registry", params(("id" = i64, Path)),
    responses((status = 200, body = ImportOut), (status = 404)))]
pub async fn get(
    State(app): State<App>,
    ctx: Ctx,
    Path(id): Path<i64>,
) -> Result<Json<ImportOut>, AppError> {
    let batch = visible_batch(&app, &ctx, id).await?;
    Ok(Json(preview(&app, &ctx, &batch).await?))
}

/// Commit a staged import, all rows or none; answers when it is done.
#[utoipa::path(post, path = "/api/v1/imports/{id}/commit", tag = "registry", params(("id" = i64, Path)),
    responses((status = 200, body = ImportOut), (status = 404), (status = 409, body = ImportRefused)))]
pub async fn commit(
    State(app): State<App>,
    ctx: Ctx,
    Path(id): Path<i64>,
) -> Result<Response, AppError> {
    require_token(&ctx)?;
    let batch = visible_batch(&app, &ctx, id).await?;
    if batch.status != "staged" || app.jobs.get(id).is_some() {
        let message = ctx.t("import-not-staged");
        return Ok((
            StatusCode::CONFLICT,
            Json(ImportRefused {
                error: "import-not-staged".into(),
                message,
            }),
        )
            .into_response());
    }
    let plan = plan_staged(&app, &batch)
        .await?
        .map_err(AppError::Internal)?;
    let entry = ctx.audit_entry("import.commit", "import_batch", id);
    let counts = commit_batch(&app, &batch, &plan, &entry, &mut |_| {}).await?;
    let batch = app.db.import_batch(id).await?;
    Ok(Json(out(&batch, Some(&counts), Vec::new())).into_response())
}
