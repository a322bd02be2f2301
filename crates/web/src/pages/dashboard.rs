//! The coordination dashboard: for a region within the caller's scope and a period, the
//! registry's returnees, the programme's funnel, its participants by cohort, businesses and
//! capital, re-migration, and a map of the areas below the region. Every figure passes through
//! `emas_domain::disclosure` first; each chart has its figures in a table beside it.

use askama::Template;
use askama_web::WebTemplate;
use axum::extract::{Path, Query, State};
use axum::response::{IntoResponse, Response};
use chrono::{Datelike, Months, NaiveDate, Utc};
use emas_domain::access::{RegionCode, Scope};
use emas_domain::disclosure::{self, Figure, format_number};
use emas_domain::emas_index::Dimension;
use emas_domain::regions::Regions;
use emas_domain::survey::Wave;
use emas_store::Db;
use emas_store::outcomes::{AreaCounts, Outcomes, Window};
use emas_store::surveys::Aggregates;
use serde::Deserialize;

use crate::App;
use crate::auth::Ctx;
use crate::authz::Action;
use crate::charts::{self, Bar, MapArea, Series};
use crate::error::AppError;
use crate::i18n::Lang;

#[derive(Debug, Default, Deserialize)]
pub struct DashboardQuery {
    #[serde(default)]
    region: String,
    #[serde(default)]
    from: String,
    #[serde(default)]
    to: String,
    #[serde(default)]
    map: String,
}

/// What the map can be shaded by.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum MapIndicator {
    People,
    Participants,
    Operating,
    Remigration,
}

impl MapIndicator {
    pub const ALL: [MapIndicator; 4] = [
        MapIndicator::People,
        MapIndicator::Participants,
        MapIndicator::Operating,
        MapIndicator::Remigration,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            MapIndicator::People => "people",
            MapIndicator::Participants => "participants",
            MapIndicator::Operating => "operating",
            MapIndicator::Remigration => "remigration",
        }
    }

    fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|m| m.as_str() == s)
    }

    /// The figures of every area for this indicator, suppressed together: counts as parts of the
    /// region's total, the re-migration rate as a share per area.
    fn figures(self, areas: &[AreaCounts]) -> Vec<Figure> {
        let counts = |f: fn(&AreaCounts) -> i64| {
            disclosure::breakdown(&areas.iter().map(f).collect::<Vec<_>>())
        };
        match self {
            MapIndicator::People => counts(|a| a.people),
            MapIndicator::Participants => counts(|a| a.participants),
            MapIndicator::Operating => counts(|a| a.operating),
            MapIndicator::Remigration => areas
                .iter()
                .map(|a| disclosure::share(a.departed_again, a.people))
                .collect(),
        }
    }

    fn is_share(self) -> bool {
        self == MapIndicator::Remigration
    }
}

/// One chart and its table: the header, then rows whose first cell names the row.
pub struct Panel {
    pub id: &'static str,
    pub title: String,
    pub svg: String,
    pub head: Vec<String>,
    pub rows: Vec<Vec<String>>,
}

/// The dashboard's region and period, checked against the caller's scope.
pub struct Chosen {
    pub window: Window,
    pub region_name: String,
}

/// The region asked for (the caller's own by default; Banten for national users), the province
/// or a regency/city within the caller's scope, and the period in whole months: `YYYY-MM` (a date
/// `YYYY-MM-DD` stands for its month), the last 24 months by default.
pub fn choose(scope: &Scope, region: &str, from: &str, to: &str) -> Result<Chosen, AppError> {
    let region = match region.trim() {
        "" => match scope {
            Scope::National => "36".to_owned(),
            Scope::Region(code) => code.as_str().to_owned(),
        },
        r => r.to_owned(),
    };
    let code =
        RegionCode::parse(&region).map_err(|_| AppError::BadRequest("dashboard-bad-region"))?;
    if !scope.covers(&code) {
        return Err(AppError::Forbidden);
    }
    // The counts are kept by district, so the map of a region shows its districts at most.
    if code.as_str().len() > 5 {
        return Err(AppError::BadRequest("dashboard-bad-region"));
    }
    let name = Regions::reference()
        .get(&code)
        .map(|r| r.name.clone())
        .ok_or(AppError::BadRequest("dashboard-bad-region"))?;
    let today = Utc::now().date_naive();
    let month = |s: &str, default: NaiveDate| match s.trim() {
        "" => Ok(default),
        s => NaiveDate::parse_from_str(&format!("{s}-01"), "%Y-%m-%d")
            .or_else(|_| NaiveDate::parse_from_str(s, "%Y-%m-%d"))
            .map_err(|_| AppError::BadRequest("dashboard-bad-period")),
    };
    let to = month(to, today)?;
    let from = month(from, to.checked_sub_months(Months::new(23)).unwrap_or(to))?;
    let window = Window::new(Some(code.as_str().to_owned()), from, to);
    if window.from() > window.to() {
        return Err(AppError::BadRequest("dashboard-bad-period"));
    }
    Ok(Chosen {
        window,
        region_name: name,
    })
}

/// The period in words: "Januari 2025 – Desember 2026", or one month.
pub fn period_label(lang: Lang, window: &Window) -> String {
    let month = |d: NaiveDate| format!("{} {}", lang.tk("month", d.month()), d.year());
    let (from, to) = (month(window.from()), month(window.to()));
    if from == to {
        from
    } else {
        format!("{from} – {to}")
    }
}

fn count_text(f: Figure) -> String {
    f.format(0)
}

/// The panels of the dashboard, in reading order, from the raw outcomes.
pub fn panels(lang: Lang, o: &Outcomes, w: &Window, map: MapIndicator) -> Vec<Panel> {
    let mut panels = Vec::new();
    let table = |title: &str, labels: Vec<String>, figures: Vec<Figure>, percent: bool| {
        let bars: Vec<Bar> = labels
            .iter()
            .zip(&figures)
            .map(|(l, f)| Bar {
                label: l.clone(),
                figure: *f,
            })
            .collect();
        let rows = labels
            .into_iter()
            .zip(figures)
            .map(|(l, f)| {
                vec![
                    l,
                    if percent {
                        charts::percent(f)
                    } else {
                        count_text(f)
                    },
                ]
            })
            .collect();
        (charts::bar_chart(title, &bars, 0, percent), rows)
    };

    // The funnel: participants of the period who reached each stage.
    let title = lang.t("dashboard-funnel");
    let labels = o
        .funnel
        .reached
        .iter()
        .map(|(s, _)| lang.tk("stage", s.as_str()))
        .collect();
    let values: Vec<i64> = o.funnel.reached.iter().map(|(_, n)| *n).collect();
    let (svg, rows) = table(&title, labels, disclosure::cumulative(&values), false);
    panels.push(Panel {
        id: "funnel",
        title,
        svg,
        head: vec![lang.t("dashboard-stage"), lang.t("dashboard-participants")],
        rows,
    });

    let title = lang.t("dashboard-by-sex");
    let labels = o
        .by_sex
        .iter()
        .map(|(s, _)| match s.as_str() {
            "" => lang.t("dashboard-unknown"),
            s => lang.tk("sex", s.to_lowercase()),
        })
        .collect();
    let values: Vec<i64> = o.by_sex.iter().map(|(_, n)| *n).collect();
    let (svg, rows) = table(&title, labels, disclosure::breakdown(&values), false);
    panels.push(Panel {
        id: "sex",
        title,
        svg,
        head: vec![lang.t("dashboard-sex"), lang.t("dashboard-people")],
        rows,
    });

    // Countries: the eight largest, the rest together.
    let title = lang.t("dashboard-by-country");
    let mut labels: Vec<String> = Vec::new();
    let mut values: Vec<i64> = Vec::new();
    for (i, (code, n)) in o.by_country.iter().enumerate() {
        if i < 8 {
            labels.push(
                emas_domain::person::country_name(code)
                    .unwrap_or(code)
                    .to_owned(),
            );
            values.push(*n);
        } else if i == 8 {
            labels.push(lang.t("dashboard-other-countries"));
            values.push(*n);
        } else {
            *values.last_mut().expect("pushed at i == 8") += n;
        }
    }
    let (svg, rows) = table(&title, labels, disclosure::breakdown(&values), false);
    panels.push(Panel {
        id: "country",
        title,
        svg,
        head: vec![lang.t("dashboard-country"), lang.t("dashboard-placements")],
        rows,
    });

    if !o.by_cohort.is_empty() {
        let title = lang.t("dashboard-by-cohort");
        let labels = o.by_cohort.iter().map(|(c, _)| c.clone()).collect();
        let values: Vec<i64> = o.by_cohort.iter().map(|(_, n)| *n).collect();
        let (svg, rows) = table(&title, labels, disclosure::breakdown(&values), false);
        panels.push(Panel {
            id: "cohort",
            title,
            svg,
            head: vec![lang.t("dashboard-cohort"), lang.t("dashboard-participants")],
            rows,
        });
    }

    let title = format!(
        "{} — {}",
        lang.t("dashboard-map"),
        lang.tk("dashboard-indicator", map.as_str())
    );
    let figures = map.figures(&o.areas);
    let names = Regions::reference();
    let text = |f: Figure| {
        if map.is_share() {
            charts::percent(f)
        } else {
            count_text(f)
        }
    };
    let areas: Vec<MapArea> = o
        .areas
        .iter()
        .zip(&figures)
        .map(|(a, f)| MapArea {
            code: a.code.clone(),
            figure: *f,
            text: text(*f),
        })
        .collect();
    let rows = o
        .areas
        .iter()
        .zip(&figures)
        .map(|(a, f)| vec![names.name_or_code(&a.code), text(*f)])
        .collect();
    if let Some(svg) = charts::choropleth(w.region(), &title, &areas) {
        panels.push(Panel {
            id: "map",
            title,
            svg,
            head: vec![
                lang.t("dashboard-area"),
                lang.tk("dashboard-indicator", map.as_str()),
            ],
            rows,
        });
    }
    panels
}

/// The EMAS section: each dimension's mean score and the share reaching it, and the share
/// reaching EMAS as a whole, from the baseline through each follow-up.
pub fn emas_panels(lang: Lang, agg: &Aggregates) -> Vec<Panel> {
    if agg.waves.is_empty() {
        return Vec::new();
    }
    let waves: Vec<String> = Wave::ALL
        .iter()
        .map(|w| lang.tk("survey-wave", w.as_str()))
        .collect();
    let at = |w: Wave| agg.waves.iter().find(|a| a.wave == w);
    let dim_name = |d: Dimension| lang.tk("survey-dim", d.as_str());
    let mean = |w: Wave, d: Dimension| {
        at(w)
            .and_then(|a| a.dimensions.iter().find(|x| x.dimension == d))
            .map_or(Figure::Hidden, |x| {
                disclosure::mean(x.mean.unwrap_or(0.0) * x.scored as f64, x.scored)
            })
    };
    let reach = |w: Wave, d: Dimension| {
        at(w)
            .and_then(|a| a.dimensions.iter().find(|x| x.dimension == d))
            .map_or(Figure::Hidden, |x| disclosure::share(x.reaching, x.scored))
    };
    let reach_emas = |w: Wave| {
        at(w).map_or(Figure::Hidden, |a| {
            disclosure::share(a.reaching_emas, a.surveys)
        })
    };

    let title = lang.t("dashboard-emas-means");
    let series: Vec<Series> = Dimension::ALL
        .iter()
        .map(|d| Series {
            name: dim_name(*d),
            points: Wave::ALL.iter().map(|w| mean(*w, *d)).collect(),
        })
        .collect();
    let svg = charts::line_chart(&title, &waves, &series);
    let mut head = vec![lang.t("dashboard-wave"), lang.t("dashboard-surveyed")];
    head.extend(Dimension::ALL.iter().map(|d| dim_name(*d)));
    let rows = Wave::ALL
        .iter()
        .zip(&waves)
        .map(|(w, label)| {
            let mut row = vec![
                label.clone(),
                count_text(disclosure::count(at(*w).map_or(0, |a| a.surveys))),
            ];
            row.extend(Dimension::ALL.iter().map(|d| mean(*w, *d).format(2)));
            row
        })
        .collect();
    let means = Panel {
        id: "emas-means",
        title,
        svg,
        head,
        rows,
    };

    let title = lang.t("dashboard-emas-reach");
    // The dimensions in the colours of the chart above, EMAS as a whole last.
    let mut series: Vec<Series> = Dimension::ALL
        .iter()
        .map(|d| Series {
            name: dim_name(*d),
            points: Wave::ALL.iter().map(|w| reach(*w, *d)).collect(),
        })
        .collect();
    series.push(Series {
        name: lang.t("dashboard-emas-all"),
        points: Wave::ALL.iter().map(|w| reach_emas(*w)).collect(),
    });
    let svg = charts::line_chart(&title, &waves, &series);
    let mut head = vec![lang.t("dashboard-wave"), lang.t("dashboard-emas-all")];
    head.extend(Dimension::ALL.iter().map(|d| dim_name(*d)));
    let rows = Wave::ALL
        .iter()
        .zip(&waves)
        .map(|(w, label)| {
            let mut row = vec![label.clone(), charts::percent(reach_emas(*w))];
            row.extend(
                Dimension::ALL
                    .iter()
                    .map(|d| charts::percent(reach(*w, *d))),
            );
            row
        })
        .collect();
    vec![
        means,
        Panel {
            id: "emas-reach",
            title,
            svg,
            head,
            rows,
        },
    ]
}

/// The key figures above the charts: (label, value).
pub fn key_figures(lang: Lang, o: &Outcomes) -> Vec<(String, String)> {
    let operating = o.funnel.operating();
    // A sum of money over fewer than five recipients would tell what one of them received.
    let capital = if disclosure::count(o.capital_count).value().is_some() {
        format!("Rp {}", format_number(o.capital_amount as f64, 0))
    } else {
        disclosure::count(o.capital_count).format(0)
    };
    vec![
        (
            lang.t("dashboard-people"),
            count_text(disclosure::count(o.people)),
        ),
        (
            lang.t("dashboard-returned"),
            count_text(disclosure::count(o.returned_in_period)),
        ),
        (
            lang.t("dashboard-participants"),
            count_text(disclosure::count(o.funnel.total)),
        ),
        (
            lang.t("dashboard-operating"),
            count_text(disclosure::count(operating)),
        ),
        (
            lang.t("dashboard-businesses"),
            count_text(disclosure::count(o.businesses)),
        ),
        (
            lang.t("dashboard-capital"),
            format!(
                "{} ({}×)",
                capital,
                count_text(disclosure::count(o.capital_count))
            ),
        ),
        (
            lang.t("dashboard-remigration"),
            charts::percent(disclosure::share(o.departed_again, o.people)),
        ),
        (
            lang.t("dashboard-dropped"),
            count_text(disclosure::count(o.funnel.dropped_out)),
        ),
    ]
}

#[derive(Template, WebTemplate)]
#[template(path = "dashboard.html")]
struct DashboardPage<'a> {
    ctx: &'a Ctx,
    region: String,
    region_name: String,
    period: String,
    from: String,
    to: String,
    map: &'static str,
    regions: Vec<(String, String)>,
    indicators: Vec<(&'static str, String)>,
    figures: Vec<(String, String)>,
    emas: Vec<Panel>,
    panels: Vec<Panel>,
}

impl DashboardPage<'_> {
    fn is_region(&self, code: &str) -> bool {
        code == self.region
    }

    fn is_map(&self, key: &str) -> bool {
        key == self.map
    }
}

/// The regions a caller may choose: their own and, below a province, its regencies.
fn choosable(scope: &Scope) -> Vec<(String, String)> {
    let regions = Regions::reference();
    let top = match scope {
        Scope::National => RegionCode::parse("36").expect("36 is a province code"),
        Scope::Region(code) => code.clone(),
    };
    let mut out: Vec<(String, String)> = regions
        .get(&top)
        .map(|r| (r.code.as_str().to_owned(), r.name.clone()))
        .into_iter()
        .collect();
    if top.as_str().len() == 2 {
        out.extend(
            regions
                .children(&top)
                .map(|r| (r.code.as_str().to_owned(), r.name.clone())),
        );
    }
    out
}

/// The meeting report of the dashboard's region and period, as PDF or XLSX.
pub async fn report(
    State(app): State<App>,
    ctx: Ctx,
    Path(format): Path<String>,
    Query(q): Query<DashboardQuery>,
) -> Result<Response, AppError> {
    let user = ctx.require_user()?;
    let today = Utc::now().date_naive();
    let r = crate::report::meeting(
        &app.db,
        ctx.lang,
        &user.scope,
        &q.region,
        &q.from,
        &q.to,
        today,
    )
    .await?;
    app.audit
        .log(ctx.audit_entry("report.meeting", "region", r.region_code.clone()));
    let (bytes, mime, ext) = match format.as_str() {
        "pdf" => (
            crate::report::pdf::render(&r).map_err(AppError::Internal)?,
            "application/pdf",
            "pdf",
        ),
        "xlsx" => (
            crate::report::xlsx::render(&r).map_err(|e| AppError::Internal(e.to_string()))?,
            "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
            "xlsx",
        ),
        _ => return Err(AppError::NotFound),
    };
    let disposition = format!(
        "attachment; filename=\"{}.{ext}\"",
        crate::report::file_stem(&r)
    );
    Ok((
        [
            (axum::http::header::CONTENT_TYPE, mime.to_owned()),
            (axum::http::header::CONTENT_DISPOSITION, disposition),
        ],
        bytes,
    )
        .into_response())
}

/// Every figure the dashboard shows for a window, as raw counts: the whole of its database work,
/// which `emas bench dashboard` times.
pub async fn figures(db: &Db, window: &Window) -> Result<(Outcomes, Aggregates), AppError> {
    let outcomes = db.outcomes(window).await?;
    let area = Scope::Region(
        RegionCode::parse(window.region().unwrap_or("36"))
            .map_err(|_| AppError::BadRequest("dashboard-bad-region"))?,
    );
    let scores = db
        .score_aggregates(&area, window.from(), window.to())
        .await
        .map_err(|e| AppError::Internal(e.to_string()))?;
    Ok((outcomes, scores))
}

pub async fn show(
    State(app): State<App>,
    ctx: Ctx,
    Query(q): Query<DashboardQuery>,
) -> Result<Response, AppError> {
    let user = ctx.require_user()?;
    let chosen = choose(&user.scope, &q.region, &q.from, &q.to)?;
    let map = MapIndicator::parse(&q.map).unwrap_or(MapIndicator::People);
    let (outcomes, scores) = figures(&app.db, &chosen.window).await?;
    app.audit.log(
        ctx.audit_entry(
            "dashboard.read",
            "region",
            chosen
                .window
                .region()
                .map(str::to_owned)
                .unwrap_or_default(),
        ),
    );
    let page = DashboardPage {
        ctx: &ctx,
        region: chosen
            .window
            .region()
            .map(str::to_owned)
            .unwrap_or_default(),
        region_name: chosen.region_name,
        period: period_label(ctx.lang, &chosen.window),
        from: chosen.window.from().format("%Y-%m").to_string(),
        to: chosen.window.to().format("%Y-%m").to_string(),
        map: map.as_str(),
        regions: choosable(&user.scope),
        indicators: MapIndicator::ALL
            .iter()
            .map(|m| (m.as_str(), ctx.tk("dashboard-indicator", m.as_str())))
            .collect(),
        figures: key_figures(ctx.lang, &outcomes),
        emas: emas_panels(ctx.lang, &scores),
        panels: panels(ctx.lang, &outcomes, &chosen.window, map),
    };
    Ok(page.into_response())
}
