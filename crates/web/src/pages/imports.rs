//! Importing an agency's spreadsheet: upload (the file is kept, nothing else is written), a
//! preview of what the commit would do row by row, the commit in the background with a progress
//! bar, the rows with errors as a sheet to fix, and undo.

use askama::Template;
use askama_web::WebTemplate;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::http::header::{CONTENT_DISPOSITION, CONTENT_TYPE, LOCATION};
use axum::response::{IntoResponse, Response};
use chrono::Utc;
use emas_domain::import::{Field, Mapping, Severity};
use emas_store::DbError;
use emas_store::imports::{self, Batch, Outcome, Plan, SOURCE_KINDS, Source};
use serde::Serialize;

use crate::auth::Ctx;
use crate::authz::Action;
use crate::error::AppError;
use crate::form::{CsrfForm, CsrfUpload, NoFields, Upload};
use crate::{App, JobState};

/// How many rows with problems the preview lists; the full list is in the error sheet.
const PREVIEW_ROWS: usize = 200;

fn see_other(to: String) -> Response {
    (StatusCode::SEE_OTHER, [(LOCATION, to)]).into_response()
}

/// The batch `id` if the caller may see it (its file holds personal data), else 404.
pub(crate) async fn visible_batch(app: &App, ctx: &Ctx, id: i64) -> Result<Batch, AppError> {
    let batch = app.db.import_batch(id).await?;
    if !batch.visible_to(&ctx.require_user()?.scope) {
        return Err(AppError::NotFound);
    }
    Ok(batch)
}

/// A sheet read into memory: headers and numbered rows.
pub struct Table {
    pub headers: Vec<String>,
    pub rows: Vec<(usize, Vec<String>)>,
}

/// Reads an uploaded file, or the translation key of why it cannot be read.
pub fn read_table(file_name: &str, bytes: &[u8]) -> Result<Table, String> {
    let sheet = emas_sheets::read_bytes(bytes, file_name, &emas_sheets::ReadOptions::default())
        .map_err(|e| format!("import-file-{}", e.code()))?;
    Ok(Table {
        headers: sheet.headers,
        rows: sheet.rows.into_iter().map(|r| (r.line, r.cells)).collect(),
    })
}

// ---- the list and the upload form ----

#[derive(Template, WebTemplate)]
#[template(path = "imports.html")]
struct ImportsPage<'a> {
    ctx: &'a Ctx,
    batches: Vec<Batch>,
    sources: Vec<Source>,
    kinds: &'static [&'static str],
    error: Option<String>,
    source_name: String,
}

async fn imports_page(
    app: &App,
    ctx: &Ctx,
    error: Option<String>,
    source_name: String,
) -> Result<Response, AppError> {
    let bad = error.is_some();
    let mut r = ImportsPage {
        ctx,
        batches: {
            let scope = &ctx.require_user()?.scope;
            app.db
                .import_batches(200)
                .await?
                .into_iter()
                .filter(|b| b.visible_to(scope))
                .take(50)
                .collect()
        },
        sources: app.db.sources().await?,
        kinds: &SOURCE_KINDS,
        error,
        source_name,
    }
    .into_response();
    if bad {
        *r.status_mut() = StatusCode::BAD_REQUEST;
    }
    Ok(r)
}

pub async fn index(State(app): State<App>, ctx: Ctx) -> Result<Response, AppError> {
    imports_page(&app, &ctx, None, String::new()).await
}

/// Keeps the uploaded file as a staged batch once it reads as a sheet; nothing else is written.
/// Checks an upload and keeps it as a staged batch; `Err` holds the message for the person.
pub(crate) async fn stage_upload(
    app: &App,
    ctx: &Ctx,
    up: &Upload,
) -> Result<Result<i64, String>, AppError> {
    let user = ctx.require_user()?.clone();
    let source_name: String = up
        .fields
        .get("source")
        .map(|s| s.trim().chars().take(100).collect())
        .unwrap_or_default();
    let kind = up
        .fields
        .get("kind")
        .map(|s| s.trim().to_owned())
        .unwrap_or_default();
    if source_name.is_empty() {
        return Ok(Err(ctx.t("import-source-required")));
    }
    if up.file_name.is_empty() {
        return Ok(Err(ctx.t("import-file-required")));
    }
    let existing = app.db.source_by_name(&source_name).await?;
    if existing.is_none() && !SOURCE_KINDS.contains(&kind.as_str()) {
        return Ok(Err(ctx.t("import-kind-required")));
    }
    if let Err(key) = read_table(&up.file_name, &up.bytes) {
        return Ok(Err(ctx
            .lang
            .t_args(&key, &[("file", up.file_name.clone())])));
    }
    let now = emas_store::now();
    let mut tx = app.db.begin().await?;
    let source_id =
        imports::ensure_source(&mut tx, &source_name, &kind, Some(user.agency_id), now).await?;
    let batch = imports::stage(
        &mut tx,
        source_id,
        &up.file_name,
        &up.bytes,
        Some(user.id),
        now,
    )
    .await?;
    emas_store::audit::record(
        &mut tx,
        &ctx.audit_entry("import.stage", "import_batch", batch),
        now,
    )
    .await?;
    tx.commit().await?;
    Ok(Ok(batch))
}

/// Keeps the uploaded file as a staged batch once it reads as a sheet; nothing else is written.
pub async fn upload(
    State(app): State<App>,
    ctx: Ctx,
    CsrfUpload(up): CsrfUpload,
) -> Result<Response, AppError> {
    let source_name: String = up
        .fields
        .get("source")
        .map(|s| s.trim().chars().take(100).collect())
        .unwrap_or_default();
    match stage_upload(&app, &ctx, &up).await? {
        Ok(batch) => Ok(see_other(format!("/imports/{batch}"))),
        Err(message) => imports_page(&app, &ctx, Some(message), source_name).await,
    }
}

// ---- preview, progress and summary ----

pub struct IssueRow {
    line: usize,
    record_id: String,
    outcome: String,
    issues: Vec<(String, String, bool)>,
}

#[derive(Template, WebTemplate)]
#[template(path = "import.html")]
struct ImportPage<'a> {
    ctx: &'a Ctx,
    batch: Batch,
    counts: Option<imports::Counts>,
    /// Each column's header and the field it is read as ("" for none).
    mapped: Vec<(String, &'static str)>,
    fields: &'static [Field],
    issue_rows: Vec<IssueRow>,
    more_issues: usize,
    job: Option<JobState>,
    may_undo: bool,
}

pub(crate) async fn plan_staged(
    app: &App,
    batch: &Batch,
) -> Result<Result<Plan, String>, AppError> {
    let bytes = app.db.staged_file(batch.id).await?;
    let table = match read_table(&batch.file_name, &bytes) {
        Ok(t) => t,
        Err(key) => return Ok(Err(key)),
    };
    let mapping = mapping_of(app, batch, &table.headers).await?;
    let plan = imports::plan(
        &app.db,
        Some(batch.source_id),
        table.headers,
        &mapping,
        table.rows,
        Utc::now().date_naive(),
    )
    .await?;
    Ok(Ok(plan))
}

/// The columns' fields: as the registrar corrected them for this batch or its source, when that
/// mapping fits the file's headers; otherwise guessed from the headers.
pub(crate) async fn mapping_of(
    app: &App,
    batch: &Batch,
    headers: &[String],
) -> Result<Mapping, AppError> {
    if let Some(stored) = app.db.mapping_for(batch.id).await? {
        let pairs: Vec<(Field, String)> = stored
            .iter()
            .filter_map(|(header, field)| Field::parse(field).map(|f| (f, header.clone())))
            .collect();
        if let Ok(mapping) = Mapping::explicit(headers, &pairs) {
            return Ok(mapping);
        }
    }
    Ok(Mapping::guess(headers))
}

fn outcome_key(o: &Outcome) -> &'static str {
    match o {
        Outcome::New => "import-outcome-new",
        Outcome::Matched(_) | Outcome::SameAsLine(_) => "import-outcome-matched",
        Outcome::Already => "import-outcome-already",
        Outcome::Error => "import-outcome-error",
    }
}

pub async fn show(
    State(app): State<App>,
    ctx: Ctx,
    Path(id): Path<i64>,
) -> Result<Response, AppError> {
    let batch = visible_batch(&app, &ctx, id).await?;
    let user = ctx.require_user()?;
    let may_undo = batch.status == "committed"
        && (batch.created_by == Some(user.id) || ctx.may(Action::ManageAccounts));
    let mut page = ImportPage {
        ctx: &ctx,
        counts: None,
        mapped: Vec::new(),
        issue_rows: Vec::new(),
        more_issues: 0,
        job: app.jobs.get(id),
        may_undo,
        batch,
        fields: &Field::ALL,
    };
    if page.batch.status == "staged" && page.job.is_none() {
        let plan = match plan_staged(&app, &page.batch).await? {
            Ok(p) => p,
            Err(key) => return Err(AppError::Internal(key)),
        };
        let mapping = mapping_of(&app, &page.batch, &plan.headers).await?;
        page.mapped = plan
            .headers
            .iter()
            .zip(&mapping.columns)
            .map(|(h, f)| (h.clone(), f.map(|f| f.as_str()).unwrap_or_default()))
            .collect();
        let with_issues: Vec<_> = plan
            .rows
            .iter()
            .filter(|r| !r.parsed.issues.is_empty() || r.outcome == Outcome::Error)
            .collect();
        page.more_issues = with_issues.len().saturating_sub(PREVIEW_ROWS);
        page.issue_rows = with_issues
            .into_iter()
            .take(PREVIEW_ROWS)
            .map(|r| IssueRow {
                line: r.line,
                record_id: r.record_id.clone(),
                outcome: ctx.t(outcome_key(&r.outcome)),
                issues: r
                    .parsed
                    .issues
                    .iter()
                    .map(|i| {
                        (
                            i.column.clone(),
                            ctx.t(i.code),
                            i.severity == Severity::Error,
                        )
                    })
                    .collect(),
            })
            .collect();
        page.counts = Some(plan.counts);
    }
    Ok(page.into_response())
}

#[derive(Serialize)]
struct Progress {
    status: String,
    done: usize,
    total: usize,
}

/// The state of a commit, polled by the page's script.
pub async fn progress(
    State(app): State<App>,
    ctx: Ctx,
    Path(id): Path<i64>,
) -> Result<Response, AppError> {
    let batch = visible_batch(&app, &ctx, id).await?;
    let (done, total) = match app.jobs.get(id) {
        Some(JobState::Running { done, total }) => (done, total),
        _ => (0, 0),
    };
    Ok(axum::Json(Progress {
        status: batch.status,
        done,
        total,
    })
    .into_response())
}

/// Starts the commit in the background and shows its progress.
pub async fn commit(
    State(app): State<App>,
    ctx: Ctx,
    Path(id): Path<i64>,
    CsrfForm(NoFields {}): CsrfForm<NoFields>,
) -> Result<Response, AppError> {
    let batch = visible_batch(&app, &ctx, id).await?;
    if batch.status != "staged"
        || app
            .jobs
            .get(id)
            .is_some_and(|j| matches!(j, JobState::Running { .. }))
    {
        return Err(AppError::BadRequest("import-not-staged"));
    }
    let plan = match plan_staged(&app, &batch).await? {
        Ok(p) => p,
        Err(key) => return Err(AppError::Internal(key)),
    };
    let total = plan.rows.len();
    app.jobs.set(id, JobState::Running { done: 0, total });
    let entry = ctx.audit_entry("import.commit", "import_batch", id);
    let task_app = app.clone();
    tokio::spawn(async move {
        let jobs = task_app.jobs.clone();
        let mut report = |done: usize| jobs.set(id, JobState::Running { done, total });
        let result = commit_batch(&task_app, &batch, &plan, &entry, &mut report).await;
        match result {
            Ok(_) => task_app.jobs.finish(id),
            Err(e) => {
                tracing::error!(batch = id, error = %e, "import commit failed; nothing was written");
                task_app.jobs.set(id, JobState::Failed(e.to_string()));
            }
        }
    });
    Ok(see_other(format!("/imports/{id}")))
}

/// Commits a staged batch as planned, with its audit line, in one transaction.
pub(crate) async fn commit_batch(
    app: &App,
    batch: &Batch,
    plan: &Plan,
    entry: &emas_store::audit::AuditEntry,
    report: &mut (dyn FnMut(usize) + Send),
) -> Result<imports::Counts, DbError> {
    let now = emas_store::now();
    let mut tx = app.db.begin().await?;
    let counts = imports::commit(&mut tx, batch.id, batch.source_id, plan, now, report).await?;
    emas_store::audit::record(&mut tx, entry, now).await?;
    tx.commit().await?;
    Ok(counts)
}

/// The registrar's correction of the column mapping: `col0=nik&col1=full_name&…` (empty for a
/// column not read). Kept for this batch and as the source's template.
pub async fn set_mapping(
    State(app): State<App>,
    ctx: Ctx,
    Path(id): Path<i64>,
    CsrfForm(form): CsrfForm<std::collections::HashMap<String, String>>,
) -> Result<Response, AppError> {
    let batch = visible_batch(&app, &ctx, id).await?;
    let bytes = app
        .db
        .staged_file(id)
        .await
        .map_err(|_| AppError::BadRequest("import-not-staged"))?;
    let table = read_table(&batch.file_name, &bytes).map_err(AppError::Internal)?;
    let mut stored = imports::StoredMapping::new();
    let mut taken = Vec::new();
    for (i, header) in table.headers.iter().enumerate() {
        let chosen = form
            .get(&format!("col{i}"))
            .map(|s| s.trim())
            .unwrap_or_default();
        if chosen.is_empty() {
            continue;
        }
        let field = Field::parse(chosen).ok_or(AppError::BadRequest("error-bad-form"))?;
        if taken.contains(&field) {
            return Err(AppError::BadRequest("import-field-twice"));
        }
        taken.push(field);
        stored.insert(header.clone(), field.as_str().to_owned());
    }
    let now = emas_store::now();
    let mut tx = app.db.begin().await?;
    imports::set_mapping(&mut tx, id, batch.source_id, &stored).await?;
    emas_store::audit::record(
        &mut tx,
        &ctx.audit_entry("import.set_mapping", "import_batch", id),
        now,
    )
    .await?;
    tx.commit().await?;
    Ok(see_other(format!("/imports/{id}")))
}

pub async fn cancel(
    State(app): State<App>,
    ctx: Ctx,
    Path(id): Path<i64>,
    CsrfForm(NoFields {}): CsrfForm<NoFields>,
) -> Result<Response, AppError> {
    visible_batch(&app, &ctx, id).await?;
    let now = emas_store::now();
    let mut tx = app.db.begin().await?;
    imports::cancel(&mut tx, id)
        .await
        .map_err(|_| AppError::BadRequest("import-not-staged"))?;
    emas_store::audit::record(
        &mut tx,
        &ctx.audit_entry("import.cancel", "import_batch", id),
        now,
    )
    .await?;
    tx.commit().await?;
    Ok(see_other("/imports".into()))
}

pub async fn undo(
    State(app): State<App>,
    ctx: Ctx,
    Path(id): Path<i64>,
    CsrfForm(NoFields {}): CsrfForm<NoFields>,
) -> Result<Response, AppError> {
    let user = ctx.require_user()?;
    let batch = visible_batch(&app, &ctx, id).await?;
    if batch.created_by != Some(user.id) && !ctx.may(Action::ManageAccounts) {
        return Err(AppError::Forbidden);
    }
    let now = emas_store::now();
    let mut tx = app.db.begin().await?;
    let removed = imports::undo(&mut tx, id, now).await.map_err(|e| match e {
        emas_store::DbError::Conflict(c) if c == "enrolment" => {
            AppError::BadRequest("import-undo-enrolled")
        }
        emas_store::DbError::Conflict(_) => AppError::BadRequest("import-undo-merged"),
        _ => AppError::BadRequest("import-not-committed"),
    })?;
    let mut entry = ctx.audit_entry("import.undo", "import_batch", id);
    entry.detail = format!("{removed} people removed");
    emas_store::audit::record(&mut tx, &entry, now).await?;
    tx.commit().await?;
    Ok(see_other(format!("/imports/{id}")))
}

/// The rows with errors as a CSV of their original columns plus an error column, to fix and
/// upload again.
pub async fn error_rows(
    State(app): State<App>,
    ctx: Ctx,
    Path(id): Path<i64>,
) -> Result<Response, AppError> {
    let batch = visible_batch(&app, &ctx, id).await?;
    let plan = match plan_staged(&app, &batch).await? {
        Ok(p) => p,
        Err(key) => return Err(AppError::Internal(key)),
    };
    let mut headers = plan.headers.clone();
    headers.push(ctx.t("import-error-column"));
    let rows: Vec<Vec<String>> = plan
        .rows
        .iter()
        .filter(|r| r.outcome == Outcome::Error)
        .map(|r| {
            let mut cells = r.cells.clone();
            cells.resize(plan.headers.len(), String::new());
            let errors: Vec<String> = r
                .parsed
                .issues
                .iter()
                .filter(|i| i.severity == Severity::Error)
                .map(|i| format!("{}: {}", i.column, ctx.t(i.code)))
                .collect();
            cells.push(errors.join("; "));
            cells
        })
        .collect();
    let mut out = Vec::new();
    emas_sheets::write_csv(&headers, &rows, &mut out)
        .map_err(|e| AppError::Internal(e.to_string()))?;
    app.audit
        .log(ctx.audit_entry("import.download_errors", "import_batch", id));
    let name = format!("attachment; filename=\"import-{id}-errors.csv\"");
    Ok((
        [
            (CONTENT_TYPE, "text/csv; charset=utf-8".to_owned()),
            (CONTENT_DISPOSITION, name),
        ],
        out,
    )
        .into_response())
}
