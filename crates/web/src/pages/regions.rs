//! The region reference data: provinces, regencies and cities, and Banten's districts and villages.

use askama::Template;
use askama_web::WebTemplate;
use axum::extract::{Path, State};
use axum::response::{IntoResponse, Response};
use emas_domain::access::RegionCode;
use emas_store::regions::RegionRow;

use crate::App;
use crate::auth::Ctx;
use crate::authz::Action;
use crate::error::AppError;

pub struct Crumb {
    code: String,
    name: String,
}

#[derive(Template, WebTemplate)]
#[template(path = "regions.html")]
struct RegionsPage<'a> {
    ctx: &'a Ctx,
    title: String,
    crumbs: Vec<Crumb>,
    children: Vec<RegionRow>,
}

pub async fn index(State(app): State<App>, ctx: Ctx) -> Result<Response, AppError> {
    let children = app.db.region_children(None).await?;
    Ok(RegionsPage {
        title: ctx.t("regions-title"),
        ctx: &ctx,
        crumbs: Vec::new(),
        children,
    }
    .into_response())
}

pub async fn show(
    State(app): State<App>,
    ctx: Ctx,
    Path(code): Path<String>,
) -> Result<Response, AppError> {
    let code = RegionCode::parse(&code).map_err(|_| AppError::NotFound)?;
    let region = app.db.region(&code).await?.ok_or(AppError::NotFound)?;
    let mut crumbs = Vec::new();
    let mut up = code.parent();
    while let Some(c) = up {
        if let Some(r) = app.db.region(&c).await? {
            crumbs.push(Crumb {
                code: r.code,
                name: r.name,
            });
        }
        up = c.parent();
    }
    crumbs.reverse();
    let children = app.db.region_children(Some(&code)).await?;
    Ok(RegionsPage {
        title: format!("{} ({})", region.name, region.code),
        ctx: &ctx,
        crumbs,
        children,
    }
    .into_response())
}
