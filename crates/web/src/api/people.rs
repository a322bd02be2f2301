//! The registry under `/api/v1/people`: the same search, validation, scope and audit as the
//! pages, through the same functions.

use axum::Json;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use chrono::NaiveDate;
use emas_store::audit;
use emas_store::people::{self, PersonDetail, PersonSummary};
use serde::Serialize;
use utoipa::ToSchema;

use crate::App;
use crate::auth::Ctx;
use crate::error::AppError;
use crate::pages::people::{PersonForm, SearchParams, query_of, validate, visible_person};

#[derive(Serialize, ToSchema)]
pub struct PersonOut {
    id: i64,
    nik: Option<String>,
    full_name: String,
    /// F or M.
    sex: Option<String>,
    birth_date: Option<NaiveDate>,
    /// The Kemendagri code of the current address, as recorded.
    region_code: Option<String>,
    /// abroad, returned or departed_again.
    status: String,
}

impl From<PersonSummary> for PersonOut {
    fn from(p: PersonSummary) -> Self {
        PersonOut {
            id: p.id,
            nik: p.nik,
            full_name: p.full_name,
            sex: p.sex,
            birth_date: p.birth_date,
            region_code: p.region_code,
            status: p.status,
        }
    }
}

#[derive(Serialize, ToSchema)]
pub struct PeoplePage {
    total: i64,
    page: i64,
    people: Vec<PersonOut>,
}

#[derive(Serialize, ToSchema)]
pub struct FieldErrors {
    error: String,
    /// Field name → message in the caller's language.
    fields: std::collections::BTreeMap<String, String>,
    /// Things to confirm: an NIK that disagrees (send `nik_mismatch_reason`), people with the
    /// same NIK (send `confirm_duplicate: "yes"`).
    warnings: Vec<String>,
}

const API_PAGE_SIZE: i64 = 50;

/// Search the registry within the caller's scope.
#[utoipa::path(get, path = "/api/v1/people", tag = "registry", params(SearchParams),
    responses((status = 200, body = PeoplePage), (status = 400, body = FieldErrors), (status = 403)))]
pub async fn list(
    State(app): State<App>,
    ctx: Ctx,
    Query(params): Query<SearchParams>,
) -> Result<Response, AppError> {
    let user = ctx.require_user()?;
    let (q, errors) = query_of(&ctx, &params, API_PAGE_SIZE);
    if !errors.is_empty() {
        let body = FieldErrors {
            error: "invalid-search".into(),
            fields: errors
                .into_iter()
                .enumerate()
                .map(|(i, e)| (i.to_string(), e))
                .collect(),
            warnings: Vec::new(),
        };
        return Ok((StatusCode::BAD_REQUEST, Json(body)).into_response());
    }
    let (rows, total) = app.db.search_people(&q, &user.scope).await?;
    Ok(Json(PeoplePage {
        total,
        page: params.page.unwrap_or(1).max(1),
        people: rows.into_iter().map(PersonOut::from).collect(),
    })
    .into_response())
}

/// One person with addresses, phones, placements and consents (the read is audited).
#[utoipa::path(get, path = "/api/v1/people/{id}", tag = "registry",
    params(("id" = i64, Path)), responses((status = 200, description = "The person's record"), (status = 404)))]
pub async fn get(
    State(app): State<App>,
    ctx: Ctx,
    Path(id): Path<i64>,
) -> Result<Json<PersonDetail>, AppError> {
    let detail = visible_person(&app, &ctx, id).await?;
    app.audit.log(ctx.audit_entry("person.read", "person", id));
    Ok(Json(detail))
}

async fn save(
    app: &App,
    ctx: &Ctx,
    id: Option<i64>,
    form: PersonForm,
) -> Result<Response, AppError> {
    let (input, errors, warnings) = validate(app, ctx, &form, id).await?;
    let Some(input) = input else {
        let mut notes = Vec::new();
        if let Some(w) = warnings.nik_mismatch {
            notes.push(w);
        }
        if !warnings.duplicates.is_empty() {
            notes.push(ctx.t("person-duplicate-warning"));
        }
        let body = FieldErrors {
            error: "invalid-person".into(),
            fields: errors
                .by_field()
                .into_iter()
                .map(|(k, v)| (k.to_owned(), v))
                .collect(),
            warnings: notes,
        };
        return Ok((StatusCode::UNPROCESSABLE_ENTITY, Json(body)).into_response());
    };
    let now = emas_store::now();
    let mut tx = app.db.begin().await?;
    let (id, action) = match id {
        Some(id) => {
            people::update_person(&mut tx, id, &input, now).await?;
            (id, "person.update")
        }
        None => (
            people::create_person(&mut tx, &input, now).await?,
            "person.create",
        ),
    };
    audit::record(&mut tx, &ctx.audit_entry(action, "person", id), now).await?;
    tx.commit().await?;
    let detail = app.db.person(id).await?;
    let status = if action == "person.create" {
        StatusCode::CREATED
    } else {
        StatusCode::OK
    };
    Ok((status, Json(detail)).into_response())
}

/// Register a person; validation is the registration form's.
#[utoipa::path(post, path = "/api/v1/people", tag = "registry", request_body = PersonForm,
    responses((status = 201, description = "Created"), (status = 422, body = FieldErrors)))]
pub async fn create(
    State(app): State<App>,
    ctx: Ctx,
    Json(form): Json<PersonForm>,
) -> Result<Response, AppError> {
    save(&app, &ctx, None, form).await
}

/// Replace a person's record (every field, as the edit form sends it).
#[utoipa::path(put, path = "/api/v1/people/{id}", tag = "registry", request_body = PersonForm,
    params(("id" = i64, Path)), responses((status = 200, description = "Updated"), (status = 404), (status = 422, body = FieldErrors)))]
pub async fn update(
    State(app): State<App>,
    ctx: Ctx,
    Path(id): Path<i64>,
    Json(form): Json<PersonForm>,
) -> Result<Response, AppError> {
    visible_person(&app, &ctx, id).await?;
    save(&app, &ctx, Some(id), form).await
}
