//! The review queue: a registrar works through the doubtful pairs of their region one page at a
//! time: both records side by side, the engine's waterfall of per-field weights, and three
//! decisions on the keyboard (S same, D different, N skip), each leading to the next pair.

use askama::Template;
use askama_web::WebTemplate;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::http::header::LOCATION;
use axum::response::{IntoResponse, Response};
use emas_store::DbError;
use emas_store::merge::{self, MergeError};
use emas_store::review::{self, Decision, PairDetail, PairSummary};
use serde::Deserialize;

use crate::App;
use crate::auth::Ctx;
use crate::authz::Action;
use crate::error::AppError;
use crate::form::CsrfForm;

fn see_other(to: String) -> Response {
    (StatusCode::SEE_OTHER, [(LOCATION, to)]).into_response()
}

#[derive(Debug, Default, Deserialize)]
pub struct QueueQuery {
    /// Only the pairs one import sent.
    #[serde(default)]
    batch: Option<String>,
}

impl QueueQuery {
    fn batch(&self) -> Result<Option<i64>, AppError> {
        match self.batch.as_deref().map(str::trim) {
            None | Some("") => Ok(None),
            Some(b) => b
                .parse()
                .map(Some)
                .map_err(|_| AppError::BadRequest("error-bad-form")),
        }
    }

    fn suffix(batch: Option<i64>) -> String {
        batch.map(|b| format!("?batch={b}")).unwrap_or_default()
    }
}

#[derive(Template, WebTemplate)]
#[template(path = "review_queue.html")]
struct QueuePage<'a> {
    ctx: &'a Ctx,
    pairs: Vec<PairSummary>,
    open: i64,
    batch: Option<i64>,
}

/// The queue: the first hundred pairs, most useful first.
pub async fn index(
    State(app): State<App>,
    ctx: Ctx,
    Query(q): Query<QueueQuery>,
) -> Result<Response, AppError> {
    let scope = ctx.require_user()?.scope.clone();
    let batch = q.batch()?;
    let pairs = app.db.review_queue(&scope, batch, 100).await?;
    let open = app.db.review_open_count(&scope).await?;
    Ok(QueuePage {
        ctx: &ctx,
        pairs,
        open,
        batch,
    }
    .into_response())
}

/// The next open pair, or the queue when none is left.
pub async fn next(
    State(app): State<App>,
    ctx: Ctx,
    Query(q): Query<QueueQuery>,
) -> Result<Response, AppError> {
    let scope = ctx.require_user()?.scope.clone();
    let batch = q.batch()?;
    let first = app.db.review_queue(&scope, batch, 1).await?;
    Ok(match first.first() {
        Some(p) => see_other(format!("/review/{}{}", p.id, QueueQuery::suffix(batch))),
        None => see_other(format!("/review{}", QueueQuery::suffix(batch))),
    })
}

/// One bar of the waterfall, laid out on the server so that it draws without scripts or
/// inline styles: where it starts and ends on a scale of weights.
pub struct Bar {
    pub label: String,
    pub level: String,
    pub weight: f64,
    pub x: f64,
    pub width: f64,
    pub agrees: bool,
    pub adjusted: bool,
}

pub struct Waterfall {
    pub bars: Vec<Bar>,
    /// x of the zero line, and of the final weight.
    pub zero: f64,
    pub total_x: f64,
    pub height: usize,
}

/// The translation key of a term's level: by the comparison and the level's position, since the
/// engine's labels are English sentences.
fn level_key(t: &emas_linkage::explain::Term) -> String {
    emas_linkage::compare::Comparison::ALL
        .into_iter()
        .find(|c| c.name() == t.comparison)
        .and_then(|c| c.levels().iter().position(|l| *l == t.level))
        .map_or_else(
            || "review-level-missing".to_owned(),
            |i| format!("review-level-{}-{i}", t.comparison),
        )
}

/// Width of the drawing, in SVG units; labels sit left of `LEFT`.
const WIDTH: f64 = 600.0;
const LEFT: f64 = 200.0;

fn waterfall(ctx: &Ctx, d: &PairDetail) -> Waterfall {
    let e = &d.explanation;
    let mut steps = vec![(ctx.t("review-prior"), String::new(), e.prior, false)];
    steps.extend(e.terms.iter().map(|t| {
        (
            ctx.tk("review-field", t.comparison),
            ctx.t(&level_key(t)),
            t.weight,
            t.term_frequency_adjusted,
        )
    }));
    // The running sum over the steps sets the scale.
    let (mut lo, mut hi, mut run) = (0.0f64, 0.0f64, 0.0f64);
    for (_, _, w, _) in &steps {
        run += w;
        lo = lo.min(run);
        hi = hi.max(run);
    }
    let span = (hi - lo).max(1.0);
    let scale = |v: f64| LEFT + (v - lo) / span * (WIDTH - LEFT - 10.0);
    let mut run = 0.0;
    let bars = steps
        .into_iter()
        .map(|(label, level, w, adjusted)| {
            let (a, b) = (run, run + w);
            run = b;
            Bar {
                label,
                level,
                weight: w,
                x: scale(a.min(b)),
                width: (scale(a.max(b)) - scale(a.min(b))).max(1.0),
                agrees: w >= 0.0,
                adjusted,
            }
        })
        .collect::<Vec<_>>();
    Waterfall {
        height: bars.len() * 22 + 30,
        bars,
        zero: scale(0.0),
        total_x: scale(run),
    }
}

#[derive(Template, WebTemplate)]
#[template(path = "review_pair.html")]
struct PairPage<'a> {
    ctx: &'a Ctx,
    pair: PairDetail,
    chart: Waterfall,
    batch: Option<i64>,
    conflict: bool,
    /// Why a "same person" could not be carried out, when it could not.
    refused: Option<String>,
}

impl PairPage<'_> {
    /// The source's columns side by side: every header either side has, in first-seen order.
    fn rows(&self) -> Vec<(String, String, String)> {
        let cells = |s: &review::Side| {
            s.source
                .as_ref()
                .map(|r| r.cells())
                .unwrap_or_else(|| s.values.clone())
        };
        let (a, b) = (cells(&self.pair.new), cells(&self.pair.existing));
        let mut headers: Vec<String> = Vec::new();
        for (h, _) in a.iter().chain(&b) {
            if !headers.contains(h) {
                headers.push(h.clone());
            }
        }
        let get = |v: &[(String, String)], h: &str| {
            v.iter()
                .find(|(k, _)| k == h)
                .map(|(_, x)| x.clone())
                .unwrap_or_default()
        };
        headers
            .into_iter()
            .map(|h| {
                let (x, y) = (get(&a, &h), get(&b, &h));
                (h, x, y)
            })
            .filter(|(_, x, y)| !x.is_empty() || !y.is_empty())
            .collect()
    }

    /// The probability the waterfall sums to: scored now, with the registry's current counts
    /// (the queue lists the one scored at import).
    fn percent(&self) -> String {
        format!("{:.1}", self.pair.explanation.probability * 100.0)
    }
}

async fn pair_page(
    app: &App,
    ctx: &Ctx,
    id: i64,
    batch: Option<i64>,
    conflict: bool,
    refused: Option<String>,
) -> Result<Response, AppError> {
    let scope = ctx.require_user()?.scope.clone();
    let pair = app.db.review_pair(id, &scope).await?;
    for person in [pair.new.person_id, pair.existing.person_id] {
        app.audit
            .log(ctx.audit_entry("person.read", "person", person));
    }
    let chart = waterfall(ctx, &pair);
    let mut r = PairPage {
        ctx,
        pair,
        chart,
        batch,
        conflict,
        refused: refused.clone(),
    }
    .into_response();
    if conflict || refused.is_some() {
        *r.status_mut() = StatusCode::CONFLICT;
    }
    Ok(r)
}

pub async fn show(
    State(app): State<App>,
    ctx: Ctx,
    Path(id): Path<i64>,
    Query(q): Query<QueueQuery>,
) -> Result<Response, AppError> {
    let batch = q.batch()?;
    pair_page(&app, &ctx, id, batch, false, None).await
}

#[derive(Debug, Deserialize)]
pub struct DecideForm {
    decision: String,
    #[serde(default)]
    batch: String,
}

/// Records a decision and moves on to the next pair. A "same person" merges the new record's
/// person into the existing one, in the same transaction as the decision and its audit line.
pub async fn decide(
    State(app): State<App>,
    ctx: Ctx,
    Path(id): Path<i64>,
    CsrfForm(form): CsrfForm<DecideForm>,
) -> Result<Response, AppError> {
    let user = ctx.require_user()?.clone();
    let decision =
        Decision::parse(form.decision.trim()).ok_or(AppError::BadRequest("error-bad-form"))?;
    let batch = QueueQuery {
        batch: Some(form.batch),
    }
    .batch()?;
    // Seen within the caller's scope, or not at all.
    app.db.review_pair(id, &user.scope).await?;
    let now = emas_store::now();
    let mut tx = app.db.begin().await?;
    let (new_person, existing_person) =
        match review::decide(&mut tx, id, decision, Some(user.id), now).await {
            Ok(people) => people,
            Err(DbError::Conflict(_)) => {
                drop(tx);
                return pair_page(&app, &ctx, id, batch, true, None).await;
            }
            Err(e) => return Err(e.into()),
        };
    if decision == Decision::Same && new_person != existing_person {
        let reason = ctx.t("review-merge-reason");
        let merged = merge::merge(
            &mut tx,
            existing_person,
            new_person,
            &reason,
            Some(user.id),
            now,
        )
        .await;
        let change = match merged {
            Ok(change) => change,
            Err(MergeError::Db(DbError::Conflict(_))) => {
                drop(tx);
                return pair_page(&app, &ctx, id, batch, true, None).await;
            }
            Err(MergeError::Db(e)) => return Err(e.into()),
            // Nothing is written: the pair stays open for a decision that can be carried out.
            Err(refusal) => {
                drop(tx);
                let key = match refusal {
                    MergeError::TwoNiks => "review-refused-two-niks",
                    _ => "review-refused-merged",
                };
                return pair_page(&app, &ctx, id, batch, false, Some(ctx.t(key))).await;
            }
        };
        review::set_change(&mut tx, id, change).await?;
    }
    emas_store::audit::record(
        &mut tx,
        &ctx.audit_entry(&format!("review.{}", decision.as_str()), "review_pair", id),
        now,
    )
    .await?;
    tx.commit().await?;
    Ok(see_other(format!(
        "/review/next{}",
        QueueQuery::suffix(batch)
    )))
}
