//! The registry's pages: search, a person's page, and the forms that create and edit a person.
//! Every view of a person's page is audited; a person outside the caller's scope does not exist
//! for them (404, so that the answer reveals nothing).

use askama::Template;
use askama_web::WebTemplate;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::http::header::LOCATION;
use axum::response::{IntoResponse, Response};
use chrono::{NaiveDate, Utc};
use emas_domain::access::{RegionCode, Scope};
use emas_domain::date::parse_date;
use emas_domain::nik::{Nik, NikCell, Sex};
use emas_domain::person::{
    COUNTRIES, MigrationStatus, PlacementRoute, Sector, country_code, country_name,
};
use emas_domain::phone;
use emas_store::audit::{self, AuditFilter, AuditRecord};
use emas_store::people::{
    self, AddressInput, ConsentInput, PersonDetail, PersonInput, PersonQuery, PersonSort,
    PersonSummary, PlacementInput, parse_sex_code,
};
use serde::Deserialize;

use crate::App;
use crate::auth::Ctx;
use crate::authz::Action;
use crate::error::AppError;
use crate::form::{CsrfForm, filter_value};

const PAGE_SIZE: i64 = 25;

fn today() -> NaiveDate {
    Utc::now().date_naive()
}

/// Region names for display: "Kramatwatu, Kabupaten Serang".
async fn region_label(app: &App, code: Option<&str>) -> Result<String, AppError> {
    let Some(code) = code else {
        return Ok(String::new());
    };
    let Ok(parsed) = RegionCode::parse(code) else {
        return Ok(code.to_owned());
    };
    let mut names = Vec::new();
    let mut at = Some(parsed);
    while let Some(c) = at {
        if c.level() == emas_domain::access::RegionLevel::Province {
            break;
        }
        if let Some(r) = app.db.region(&c).await? {
            names.push(r.name);
        }
        at = c.parent();
    }
    Ok(if names.is_empty() {
        code.to_owned()
    } else {
        names.join(", ")
    })
}

/// A person the caller may see, or 404.
pub(crate) async fn visible_person(
    app: &App,
    ctx: &Ctx,
    id: i64,
) -> Result<PersonDetail, AppError> {
    let user = ctx.require_user()?;
    let detail = app.db.person(id).await?;
    if !person_in_scope(&user.scope, detail.person.region_code.as_deref()) {
        return Err(AppError::NotFound);
    }
    // A merged person lives on as the survivor: their own record is no longer changed or shown.
    if app.db.merged_into(id).await?.is_some() {
        return Err(AppError::NotFound);
    }
    Ok(detail)
}

pub(crate) fn person_in_scope(scope: &Scope, region: Option<&str>) -> bool {
    match scope {
        Scope::National => true,
        Scope::Region(own) => region
            .and_then(|r| RegionCode::parse(r).ok())
            .is_some_and(|r| own.contains(&r)),
    }
}

// ---- search ----

/// A registrar's search, as typed.
#[derive(Deserialize, Default, utoipa::IntoParams)]
pub struct SearchParams {
    #[serde(default)]
    pub(crate) q: String,
    #[serde(default)]
    pub(crate) nik: String,
    #[serde(default)]
    pub(crate) phone: String,
    #[serde(default)]
    pub(crate) region: String,
    #[serde(default)]
    pub(crate) sex: String,
    #[serde(default)]
    pub(crate) country: String,
    #[serde(default)]
    pub(crate) return_year: String,
    #[serde(default)]
    pub(crate) status: String,
    #[serde(default)]
    pub(crate) sort: String,
    pub(crate) page: Option<i64>,
}

pub struct ResultRow {
    p: PersonSummary,
    region: String,
}

#[derive(Template, WebTemplate)]
#[template(path = "people.html")]
struct PeoplePage<'a> {
    ctx: &'a Ctx,
    params: SearchParams,
    rows: Vec<ResultRow>,
    total: i64,
    count_text: String,
    page: i64,
    pages: i64,
    query: String,
    errors: Vec<String>,
    countries: &'static [(&'static str, &'static str, &'static [&'static str])],
    statuses: &'static [MigrationStatus],
    may_edit: bool,
}

/// The query a search form or API call asks for, and what is wrong with it.
pub(crate) fn query_of(
    ctx: &Ctx,
    params: &SearchParams,
    page_size: i64,
) -> (PersonQuery, Vec<String>) {
    let mut errors = Vec::new();
    let mut q = PersonQuery {
        limit: page_size,
        ..PersonQuery::default()
    };
    q.name = filter_value(&params.q);
    if let Some(nik) = filter_value(&params.nik) {
        let digits: String = nik
            .chars()
            .filter(|c| !c.is_whitespace() && *c != '\'')
            .collect();
        if digits.len() <= 16 && digits.bytes().all(|b| b.is_ascii_digit()) {
            q.nik_prefix = Some(digits);
        } else {
            errors.push(ctx.t("search-nik-invalid"));
        }
    }
    if let Some(p) = filter_value(&params.phone) {
        match phone::normalise(&p) {
            Some(n) => q.phone = Some(format!("+{n}")),
            None => errors.push(ctx.t("phone-invalid")),
        }
    }
    if let Some(r) = filter_value(&params.region) {
        match RegionCode::parse(&r) {
            Ok(c) => q.region = Some(c.to_string()),
            Err(_) => errors.push(ctx.t("region-unknown")),
        }
    }
    q.sex = parse_sex_code(params.sex.trim());
    q.country = filter_value(&params.country)
        .and_then(|c| country_code(&c))
        .map(str::to_owned);
    if let Some(y) = filter_value(&params.return_year) {
        match y.parse::<i32>() {
            Ok(y) if (1950..=2100).contains(&y) => q.return_year = Some(y),
            _ => errors.push(ctx.t("year-invalid")),
        }
    }
    q.status = MigrationStatus::parse(params.status.trim());
    q.sort = match params.sort.as_str() {
        "newest" => PersonSort::Newest,
        "birth_date" => PersonSort::BirthDate,
        _ => PersonSort::Name,
    };
    let page = params.page.unwrap_or(1).clamp(1, 100_000);
    q.offset = (page - 1) * page_size;
    (q, errors)
}

pub async fn search(
    State(app): State<App>,
    ctx: Ctx,
    Query(params): Query<SearchParams>,
) -> Result<Response, AppError> {
    let user = ctx.require_user()?.clone();
    let (q, errors) = query_of(&ctx, &params, PAGE_SIZE);
    let page = params.page.unwrap_or(1).clamp(1, 100_000);
    let (found, total) = if errors.is_empty() {
        app.db.search_people(&q, &user.scope).await?
    } else {
        (Vec::new(), 0)
    };
    let mut rows = Vec::with_capacity(found.len());
    for p in found {
        rows.push(ResultRow {
            region: region_label(&app, p.region_code.as_deref()).await?,
            p,
        });
    }
    let query = serde_urlencoded::to_string([
        ("q", params.q.as_str()),
        ("nik", params.nik.as_str()),
        ("phone", params.phone.as_str()),
        ("region", params.region.as_str()),
        ("sex", params.sex.as_str()),
        ("country", params.country.as_str()),
        ("return_year", params.return_year.as_str()),
        ("status", params.status.as_str()),
        ("sort", params.sort.as_str()),
    ])
    .unwrap_or_default();
    let status = if errors.is_empty() {
        StatusCode::OK
    } else {
        StatusCode::BAD_REQUEST
    };
    let mut r = PeoplePage {
        may_edit: ctx.may(Action::EditPeople),
        ctx: &ctx,
        params,
        rows,
        total,
        count_text: if total > people::COUNT_CAP {
            ctx.lang.t_args(
                "search-count-more",
                &[("count", people::COUNT_CAP.to_string())],
            )
        } else {
            ctx.lang
                .t_args("search-count", &[("count", total.to_string())])
        },
        page,
        pages: (total.min(people::COUNT_CAP) + PAGE_SIZE - 1) / PAGE_SIZE,
        query,
        errors,
        countries: COUNTRIES,
        statuses: MigrationStatus::ALL,
    }
    .into_response();
    *r.status_mut() = status;
    Ok(r)
}

// ---- a person's page ----

pub struct AddressView {
    row: people::AddressRow,
    region: String,
}

#[derive(Template, WebTemplate)]
#[template(path = "person.html")]
struct PersonPage<'a> {
    ctx: &'a Ctx,
    d: PersonDetail,
    addresses: Vec<AddressView>,
    nik_facts: Option<String>,
    audit: Vec<AuditRecord>,
    sources: Vec<emas_store::imports::SourceRecordView>,
    changes: Vec<emas_store::merge::Change>,
    may_edit: bool,
    may_resolve: bool,
    sectors: &'static [Sector],
    routes: &'static [PlacementRoute],
    countries: &'static [(&'static str, &'static str, &'static [&'static str])],
    form_error: Option<String>,
}

impl PersonPage<'_> {
    fn country(&self, code: &str) -> String {
        country_name(code).unwrap_or(code).to_owned()
    }
}

pub(crate) async fn person_page(
    app: &App,
    ctx: &Ctx,
    id: i64,
    form_error: Option<String>,
) -> Result<Response, AppError> {
    let d = visible_person(app, ctx, id).await?;
    let mut addresses = Vec::new();
    for row in d.addresses.clone() {
        addresses.push(AddressView {
            region: region_label(app, row.region_code.as_deref()).await?,
            row,
        });
    }
    let nik_facts = match d.person.nik.as_deref().map(NikCell::parse) {
        Some(NikCell::Clean(nik)) => Some(nik_summary(ctx, nik)),
        _ => None,
    };
    let filter = AuditFilter {
        entity: Some("person".into()),
        entity_id: Some(id.to_string()),
        ..AuditFilter::default()
    };
    let audit = app.db.audit_log(&filter, 50, 0).await?;
    let sources = app.db.source_records_of(id).await?;
    let changes = app.db.person_changes(id).await?;
    app.audit.log(ctx.audit_entry("person.read", "person", id));
    let bad = form_error.is_some();
    let mut r = PersonPage {
        may_edit: ctx.may(Action::EditPeople),
        may_resolve: ctx.may(Action::ResolvePeople),
        ctx,
        d,
        addresses,
        nik_facts,
        audit,
        sources,
        changes,
        sectors: Sector::ALL,
        routes: PlacementRoute::ALL,
        countries: COUNTRIES,
        form_error,
    }
    .into_response();
    if bad {
        *r.status_mut() = StatusCode::BAD_REQUEST;
    }
    Ok(r)
}

/// What an NIK says of its holder, for a registrar to compare.
fn nik_summary(ctx: &Ctx, nik: Nik) -> String {
    let sex = match nik.sex() {
        Some(Sex::Female) => ctx.t("sex-f"),
        Some(Sex::Male) => ctx.t("sex-m"),
        None => "?".into(),
    };
    let born = nik
        .birth_date(today())
        .map(|d| d.format("%d-%m-%Y").to_string())
        .unwrap_or_else(|| "?".into());
    let region = nik
        .region()
        .map(|r| r.to_string())
        .unwrap_or_else(|| "?".into());
    ctx.lang.t_args(
        "nik-says",
        &[("sex", sex), ("born", born), ("region", region)],
    )
}

pub async fn show(
    State(app): State<App>,
    ctx: Ctx,
    Path(id): Path<i64>,
) -> Result<Response, AppError> {
    if let Some(survivor) = app.db.merged_into(id).await? {
        // Only someone who may see the merged person learns where they went.
        let user = ctx.require_user()?;
        let merged = app.db.person(id).await?;
        if !person_in_scope(&user.scope, merged.person.region_code.as_deref()) {
            return Err(AppError::NotFound);
        }
        return Ok((
            StatusCode::SEE_OTHER,
            [(LOCATION, format!("/people/{survivor}"))],
        )
            .into_response());
    }
    person_page(&app, &ctx, id, None).await
}

// ---- the person form ----

/// A person as a form or the API sends it: every field as typed.
#[derive(Deserialize, Default, Clone, utoipa::ToSchema)]
pub struct PersonForm {
    #[serde(default)]
    pub(crate) nik: String,
    #[serde(default)]
    pub(crate) full_name: String,
    #[serde(default)]
    pub(crate) sex: String,
    #[serde(default)]
    pub(crate) birth_date: String,
    #[serde(default)]
    pub(crate) birth_place: String,
    #[serde(default)]
    pub(crate) region_code: String,
    #[serde(default)]
    pub(crate) kampung: String,
    #[serde(default)]
    pub(crate) rt: String,
    #[serde(default)]
    pub(crate) rw: String,
    #[serde(default)]
    pub(crate) street: String,
    #[serde(default)]
    pub(crate) phones: String,
    #[serde(default)]
    pub(crate) education: String,
    #[serde(default)]
    pub(crate) household_size: String,
    #[serde(default)]
    pub(crate) skills: String,
    #[serde(default)]
    pub(crate) languages: String,
    #[serde(default)]
    pub(crate) status: String,
    #[serde(default)]
    pub(crate) status_since: String,
    /// Filled when the registrar accepts an NIK that disagrees with the birth date or sex.
    #[serde(default)]
    pub(crate) nik_mismatch_reason: String,
    /// Set when the registrar creates a person although others hold the same NIK.
    #[serde(default)]
    pub(crate) confirm_duplicate: String,
}

#[derive(Default)]
pub struct PersonErrors {
    pub(crate) nik: Option<String>,
    pub(crate) full_name: Option<String>,
    pub(crate) sex: Option<String>,
    pub(crate) birth_date: Option<String>,
    pub(crate) region_code: Option<String>,
    pub(crate) phones: Option<String>,
    pub(crate) household_size: Option<String>,
    pub(crate) status: Option<String>,
    pub(crate) status_since: Option<String>,
    pub(crate) nik_mismatch_reason: Option<String>,
}

impl PersonErrors {
    /// Each error with the name of its field, for the API.
    pub(crate) fn by_field(&self) -> Vec<(&'static str, String)> {
        [
            ("nik", &self.nik),
            ("full_name", &self.full_name),
            ("sex", &self.sex),
            ("birth_date", &self.birth_date),
            ("region_code", &self.region_code),
            ("phones", &self.phones),
            ("household_size", &self.household_size),
            ("status", &self.status),
            ("status_since", &self.status_since),
            ("nik_mismatch_reason", &self.nik_mismatch_reason),
        ]
        .into_iter()
        .filter_map(|(k, v)| v.clone().map(|v| (k, v)))
        .collect()
    }

    pub(crate) fn any(&self) -> bool {
        [
            &self.nik,
            &self.full_name,
            &self.sex,
            &self.birth_date,
            &self.region_code,
            &self.phones,
            &self.household_size,
            &self.status,
            &self.status_since,
            &self.nik_mismatch_reason,
        ]
        .iter()
        .any(|e| e.is_some())
    }
}

/// Things a registrar must see before saving but may accept.
#[derive(Default)]
pub struct PersonWarnings {
    pub(crate) nik_mismatch: Option<String>,
    pub(crate) region_unknown: Option<String>,
    pub(crate) duplicates: Vec<PersonSummary>,
}

#[derive(Template, WebTemplate)]
#[template(path = "person_form.html")]
struct PersonFormPage<'a> {
    ctx: &'a Ctx,
    action: String,
    form: PersonForm,
    errors: PersonErrors,
    warnings: PersonWarnings,
    statuses: &'static [MigrationStatus],
}

fn form_page(
    ctx: &Ctx,
    action: String,
    form: PersonForm,
    errors: PersonErrors,
    warnings: PersonWarnings,
) -> Response {
    let bad = errors.any() || warnings.nik_mismatch.is_some() || !warnings.duplicates.is_empty();
    let mut r = PersonFormPage {
        ctx,
        action,
        form,
        errors,
        warnings,
        statuses: MigrationStatus::ALL,
    }
    .into_response();
    if bad {
        *r.status_mut() = StatusCode::BAD_REQUEST;
    }
    r
}

pub(crate) fn clip(s: &str, max: usize) -> String {
    s.chars()
        .filter(|c| !c.is_control() || *c == '\n')
        .take(max)
        .collect::<String>()
        .trim()
        .to_owned()
}

/// Parses and checks a person form. Warnings that need the registrar's word (an NIK that
/// disagrees with the birth date or sex, other people with the same NIK) stop the save until
/// they answer; an unknown region code is kept and flagged.
pub(crate) async fn validate(
    app: &App,
    ctx: &Ctx,
    f: &PersonForm,
    editing: Option<i64>,
) -> Result<(Option<PersonInput>, PersonErrors, PersonWarnings), AppError> {
    let mut e = PersonErrors::default();
    let mut w = PersonWarnings::default();
    let today = today();
    let full_name = clip(&f.full_name, 200);
    if full_name.is_empty() {
        e.full_name = Some(ctx.t("name-required"));
    }
    let sex = match f.sex.as_str() {
        "" => None,
        s => match parse_sex_code(s) {
            Some(s) => Some(s),
            None => {
                e.sex = Some(ctx.t("sex-invalid"));
                None
            }
        },
    };
    let birth_date = match clip(&f.birth_date, 40).as_str() {
        "" => None,
        s => match parse_date(s, today)
            .filter(|d| *d <= today && *d > NaiveDate::from_ymd_opt(1900, 1, 1).unwrap_or(today))
        {
            Some(d) => Some(d),
            None => {
                e.birth_date = Some(ctx.t("date-unreadable"));
                None
            }
        },
    };
    let nik = match NikCell::parse(&clip(&f.nik, 40)) {
        NikCell::Missing => None,
        NikCell::Clean(n) if n.is_well_formed(today) => Some(n),
        NikCell::Clean(_) | NikCell::Invalid => {
            e.nik = Some(ctx.t("nik-invalid"));
            None
        }
        NikCell::Damaged { .. } => {
            e.nik = Some(ctx.t("nik-damaged"));
            None
        }
    };
    let reason = clip(&f.nik_mismatch_reason, 500);
    let mut nik_mismatch_note = String::new();
    if let Some(n) = nik {
        let mut problems = Vec::new();
        if let (Some(born), Some(from_nik)) = (birth_date, n.birth_date(today))
            && born != from_nik
        {
            problems.push(ctx.t("nik-mismatch-birth"));
        }
        if let (Some(s), Some(from_nik)) = (sex, n.sex())
            && s != from_nik
        {
            problems.push(ctx.t("nik-mismatch-sex"));
        }
        if !problems.is_empty() {
            if reason.is_empty() {
                w.nik_mismatch = Some(format!("{} {}", problems.join(" "), nik_summary(ctx, n)));
            } else {
                nik_mismatch_note = reason;
            }
        }
        let others: Vec<PersonSummary> = app
            .db
            .people_with_nik(n)
            .await?
            .into_iter()
            .filter(|p| Some(p.id) != editing)
            .collect();
        if !others.is_empty() && f.confirm_duplicate != "yes" {
            w.duplicates = others;
        }
    }
    let region_text = clip(&f.region_code, 20);
    let (region_code, region_known) = if region_text.is_empty() {
        (None, true)
    } else {
        match RegionCode::parse(&region_text) {
            Ok(code) => {
                let known = app.db.region(&code).await?.is_some();
                if !known {
                    w.region_unknown = Some(ctx.t("region-kept-unknown"));
                }
                (Some(code.to_string()), known)
            }
            Err(_) => {
                e.region_code = Some(ctx.t("region-code-invalid"));
                (None, false)
            }
        }
    };
    if let Some(Ok(code)) = region_code.as_deref().map(RegionCode::parse) {
        let user = ctx.require_user()?;
        if !user.scope.covers(&code) {
            e.region_code = Some(ctx.t("scope-outside-yours"));
        }
    } else if region_code.is_none() && ctx.require_user()?.scope != Scope::National {
        // Without a region the person would be visible to nobody but national staff.
        e.region_code = Some(ctx.t("region-required"));
    }
    let mut phones = Vec::new();
    for p in f
        .phones
        .split([',', '\n', ';'])
        .map(str::trim)
        .filter(|p| !p.is_empty())
        .take(10)
    {
        match phone::normalise(p) {
            Some(n) => phones.push(format!("+{n}")),
            None => {
                e.phones = Some(
                    ctx.lang
                        .t_args("phone-invalid-value", &[("value", clip(p, 30))]),
                );
            }
        }
    }
    let household_size = match f.household_size.trim() {
        "" => None,
        s => match s.parse::<i32>() {
            Ok(n) if (1..=50).contains(&n) => Some(n),
            _ => {
                e.household_size = Some(ctx.t("household-invalid"));
                None
            }
        },
    };
    let status = MigrationStatus::parse(f.status.trim());
    if status.is_none() {
        e.status = Some(ctx.t("status-invalid"));
    }
    let status_since = match f.status_since.trim() {
        "" => None,
        s => match parse_date(s, today).filter(|d| *d <= today) {
            Some(d) => Some(d),
            None => {
                e.status_since = Some(ctx.t("date-unreadable"));
                None
            }
        },
    };
    let blocked = e.any() || w.nik_mismatch.is_some() || !w.duplicates.is_empty();
    let input = match (status, blocked) {
        (Some(status), false) => Some(PersonInput {
            nik,
            nik_mismatch_note,
            full_name,
            sex,
            birth_date,
            birth_place: clip(&f.birth_place, 100),
            education: clip(&f.education, 100),
            household_size,
            skills: clip(&f.skills, 500),
            languages: clip(&f.languages, 200),
            status,
            status_since,
            address: AddressInput {
                region_code,
                region_known,
                kampung: clip(&f.kampung, 100),
                rt: clip(&f.rt, 5),
                rw: clip(&f.rw, 5),
                street: clip(&f.street, 300),
            },
            phones,
        }),
        _ => None,
    };
    Ok((input, e, w))
}

pub async fn new_form(ctx: Ctx) -> Result<Response, AppError> {
    let form = PersonForm {
        status: "returned".into(),
        ..PersonForm::default()
    };
    Ok(form_page(
        &ctx,
        "/people".into(),
        form,
        PersonErrors::default(),
        PersonWarnings::default(),
    ))
}

pub async fn create(
    State(app): State<App>,
    ctx: Ctx,
    CsrfForm(form): CsrfForm<PersonForm>,
) -> Result<Response, AppError> {
    let (input, errors, warnings) = validate(&app, &ctx, &form, None).await?;
    let Some(input) = input else {
        return Ok(form_page(&ctx, "/people".into(), form, errors, warnings));
    };
    let now = emas_store::now();
    let mut tx = app.db.begin().await?;
    let id = people::create_person(&mut tx, &input, now).await?;
    let mut entry = ctx.audit_entry("person.create", "person", id);
    if !input.address.region_known {
        entry.detail = "region code not in the reference data".into();
    }
    audit::record(&mut tx, &entry, now).await?;
    tx.commit().await?;
    Ok((StatusCode::SEE_OTHER, [(LOCATION, format!("/people/{id}"))]).into_response())
}

pub(crate) fn form_of(d: &PersonDetail) -> PersonForm {
    let p = &d.person;
    let current = d.addresses.iter().find(|a| a.valid_until.is_none());
    PersonForm {
        nik: p.nik.clone().unwrap_or_default(),
        full_name: p.full_name.clone(),
        sex: p.sex.clone().unwrap_or_default(),
        birth_date: p.birth_date.map(|d| d.to_string()).unwrap_or_default(),
        birth_place: p.birth_place.clone(),
        region_code: p.region_code.clone().unwrap_or_default(),
        kampung: current.map(|a| a.kampung.clone()).unwrap_or_default(),
        rt: current.map(|a| a.rt.clone()).unwrap_or_default(),
        rw: current.map(|a| a.rw.clone()).unwrap_or_default(),
        street: current.map(|a| a.street.clone()).unwrap_or_default(),
        phones: d.phones.join(", "),
        education: p.education.clone(),
        household_size: p.household_size.map(|n| n.to_string()).unwrap_or_default(),
        skills: p.skills.clone(),
        languages: p.languages.clone(),
        status: p.status.clone(),
        status_since: p.status_since.map(|d| d.to_string()).unwrap_or_default(),
        nik_mismatch_reason: p.nik_mismatch_note.clone(),
        confirm_duplicate: String::new(),
    }
}

pub async fn edit_form(
    State(app): State<App>,
    ctx: Ctx,
    Path(id): Path<i64>,
) -> Result<Response, AppError> {
    let d = visible_person(&app, &ctx, id).await?;
    app.audit.log(ctx.audit_entry("person.read", "person", id));
    Ok(form_page(
        &ctx,
        format!("/people/{id}"),
        form_of(&d),
        PersonErrors::default(),
        PersonWarnings::default(),
    ))
}

pub async fn update(
    State(app): State<App>,
    ctx: Ctx,
    Path(id): Path<i64>,
    CsrfForm(form): CsrfForm<PersonForm>,
) -> Result<Response, AppError> {
    visible_person(&app, &ctx, id).await?;
    let (input, errors, warnings) = validate(&app, &ctx, &form, Some(id)).await?;
    let Some(input) = input else {
        return Ok(form_page(
            &ctx,
            format!("/people/{id}"),
            form,
            errors,
            warnings,
        ));
    };
    let now = emas_store::now();
    let mut tx = app.db.begin().await?;
    people::update_person(&mut tx, id, &input, now).await?;
    audit::record(
        &mut tx,
        &ctx.audit_entry("person.update", "person", id),
        now,
    )
    .await?;
    tx.commit().await?;
    Ok((StatusCode::SEE_OTHER, [(LOCATION, format!("/people/{id}"))]).into_response())
}

// ---- placements and consents ----

#[derive(Deserialize)]
pub struct PlacementForm {
    #[serde(default)]
    country: String,
    #[serde(default)]
    sector: String,
    #[serde(default)]
    route: String,
    #[serde(default)]
    employer: String,
    #[serde(default)]
    agency: String,
    #[serde(default)]
    departure_date: String,
    #[serde(default)]
    return_date: String,
    #[serde(default)]
    return_reason: String,
}

pub async fn add_placement(
    State(app): State<App>,
    ctx: Ctx,
    Path(id): Path<i64>,
    CsrfForm(f): CsrfForm<PlacementForm>,
) -> Result<Response, AppError> {
    visible_person(&app, &ctx, id).await?;
    let today = today();
    let date = |s: &str| -> Result<Option<NaiveDate>, ()> {
        match s.trim() {
            "" => Ok(None),
            s => parse_date(s, today)
                .filter(|d| *d <= today)
                .map(Some)
                .ok_or(()),
        }
    };
    let country = country_code(&f.country);
    let sector = Sector::parse(f.sector.trim());
    let route = PlacementRoute::parse(f.route.trim());
    let (Some(country), Some(sector), Some(route), Ok(departure_date), Ok(return_date)) = (
        country,
        sector,
        route,
        date(&f.departure_date),
        date(&f.return_date),
    ) else {
        return person_page(&app, &ctx, id, Some(ctx.t("placement-invalid"))).await;
    };
    if let (Some(d), Some(r)) = (departure_date, return_date)
        && r < d
    {
        return person_page(
            &app,
            &ctx,
            id,
            Some(ctx.t("placement-return-before-departure")),
        )
        .await;
    }
    let input = PlacementInput {
        country: country.to_owned(),
        sector,
        route,
        employer: clip(&f.employer, 200),
        agency: clip(&f.agency, 200),
        departure_date,
        return_date,
        return_reason: clip(&f.return_reason, 300),
    };
    let now = emas_store::now();
    let mut tx = app.db.begin().await?;
    let pid = people::add_placement(&mut tx, id, &input, now).await?;
    let mut entry = ctx.audit_entry("person.add_placement", "person", id);
    entry.detail = format!("placement {pid}");
    audit::record(&mut tx, &entry, now).await?;
    tx.commit().await?;
    Ok((StatusCode::SEE_OTHER, [(LOCATION, format!("/people/{id}"))]).into_response())
}

#[derive(Deserialize)]
pub struct ConsentForm {
    #[serde(default)]
    purpose: String,
    #[serde(default)]
    legal_basis: String,
    #[serde(default)]
    given_on: String,
}

pub async fn add_consent(
    State(app): State<App>,
    ctx: Ctx,
    Path(id): Path<i64>,
    CsrfForm(f): CsrfForm<ConsentForm>,
) -> Result<Response, AppError> {
    visible_person(&app, &ctx, id).await?;
    let user = ctx.require_user()?;
    let purpose = clip(&f.purpose, 300);
    let legal_basis = clip(&f.legal_basis, 300);
    let given_on = parse_date(f.given_on.trim(), today()).filter(|d| *d <= today());
    let (false, false, Some(given_on)) = (purpose.is_empty(), legal_basis.is_empty(), given_on)
    else {
        return person_page(&app, &ctx, id, Some(ctx.t("consent-invalid"))).await;
    };
    let now = emas_store::now();
    let mut tx = app.db.begin().await?;
    let cid = people::add_consent(
        &mut tx,
        id,
        &ConsentInput {
            purpose,
            legal_basis,
            given_on,
            recorded_by: user.id,
        },
        now,
    )
    .await?;
    let mut entry = ctx.audit_entry("person.add_consent", "person", id);
    entry.detail = format!("consent {cid}");
    audit::record(&mut tx, &entry, now).await?;
    tx.commit().await?;
    Ok((StatusCode::SEE_OTHER, [(LOCATION, format!("/people/{id}"))]).into_response())
}

// ---- export ----

/// The most rows one export writes; a bigger registry is exported by region.
const EXPORT_LIMIT: i64 = 1_000_000;

/// The filtered list as a spreadsheet (`format` is `csv` or `xlsx`), within the caller's scope.
pub async fn export(
    State(app): State<App>,
    ctx: Ctx,
    Path(format): Path<String>,
    Query(params): Query<SearchParams>,
) -> Result<Response, AppError> {
    let user = ctx.require_user()?.clone();
    let (mut q, errors) = query_of(&ctx, &params, EXPORT_LIMIT);
    if !errors.is_empty() {
        return Err(AppError::BadRequest("error-bad-form"));
    }
    q.offset = 0;
    let (rows, _) = app.db.search_people(&q, &user.scope).await?;
    let headers: Vec<String> = [
        "id",
        "field-nik",
        "field-full-name",
        "field-sex",
        "field-birth-date",
        "field-region-code-village",
        "field-status",
        "field-phones",
    ]
    .iter()
    .map(|k| {
        if *k == "id" {
            "ID".to_owned()
        } else {
            ctx.t(k)
        }
    })
    .collect();
    let mut phones_of = app.db.all_phones().await?;
    let cells: Vec<Vec<String>> = rows
        .into_iter()
        .map(|p| {
            let phones = phones_of.remove(&p.id).unwrap_or_default().join(" ");
            vec![
                p.id.to_string(),
                p.nik.unwrap_or_default(),
                p.full_name,
                p.sex
                    .map(|s| ctx.tk("sex", s.to_lowercase()))
                    .unwrap_or_default(),
                p.birth_date.map(|d| d.to_string()).unwrap_or_default(),
                p.region_code.unwrap_or_default(),
                ctx.tk("migration", &p.status),
                phones,
            ]
        })
        .collect();
    let mut out = Vec::new();
    let (content_type, ext) = match format.as_str() {
        "people.csv" => {
            emas_sheets::write_csv(&headers, &cells, &mut out)
                .map_err(|e| AppError::Internal(e.to_string()))?;
            ("text/csv; charset=utf-8", "csv")
        }
        "people.xlsx" => {
            emas_sheets::write_xlsx(&headers, &cells, &mut out)
                .map_err(|e| AppError::Internal(e.to_string()))?;
            (
                "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
                "xlsx",
            )
        }
        _ => return Err(AppError::NotFound),
    };
    let mut entry = ctx.audit_entry("person.export", "person", "");
    entry.detail = format!("{} rows as {ext}", cells.len());
    let now = emas_store::now();
    let mut tx = app.db.begin().await?;
    audit::record(&mut tx, &entry, now).await?;
    tx.commit().await?;
    let disposition = format!("attachment; filename=\"pmi-purna.{ext}\"");
    Ok((
        [
            (axum::http::header::CONTENT_TYPE, content_type.to_owned()),
            (axum::http::header::CONTENT_DISPOSITION, disposition),
        ],
        out,
    )
        .into_response())
}
