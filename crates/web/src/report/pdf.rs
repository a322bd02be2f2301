//! The meeting report as PDF: A4 pages composed as SVG (the same vocabulary the dashboard's charts
//! are drawn in, so a chart is placed on a page as it is), turned into PDF by krilla with the
//! text kept as real, selectable text in the embedded DejaVu Sans (Bitstream Vera licence,
//! assets/fonts/LICENSE-DejaVu.txt).

use std::fmt::Write;
use std::sync::{Arc, OnceLock};

use krilla::Document;
use krilla::geom::Size;
use krilla::metadata::Metadata;
use krilla::page::PageSettings;
use krilla_svg::{SurfaceExt, SvgSettings};

use super::Report;
use crate::charts::esc;
use crate::pages::dashboard::Panel;

const REGULAR: &[u8] = include_bytes!("../../assets/fonts/DejaVuSans.ttf");
const BOLD: &[u8] = include_bytes!("../../assets/fonts/DejaVuSans-Bold.ttf");

/// A4 in points, and the margins.
const WIDTH: f64 = 595.0;
const HEIGHT: f64 = 842.0;
const LEFT: f64 = 56.0;
const RIGHT: f64 = WIDTH - 56.0;
const TOP: f64 = 64.0;
const BOTTOM: f64 = HEIGHT - 60.0;
const TEXT_WIDTH: f64 = RIGHT - LEFT;

/// The style of the pages and of the charts placed on them (the dashboard styles its charts with
/// the site's CSS; here the same classes get print colours).
const STYLE: &str = "text { font-family: 'DejaVu Sans'; fill: #1a1a1a; } \
    .chart-label { font-size: 11px; fill: #333; } .chart-value { font-size: 11px; font-weight: bold; } \
    .chart-bar { fill: #b8860b; } .chart-grid { stroke: #ddd; } \
    .line-a { stroke: #1f6f8b; fill: #1f6f8b; stroke-width: 2.5; } \
    .line-b { stroke: #b8860b; fill: #b8860b; stroke-width: 2.5; } \
    .line-c { stroke: #2e7d32; fill: #2e7d32; stroke-width: 2.5; } \
    .line-d { stroke: #8e24aa; fill: #8e24aa; stroke-width: 2.5; } \
    .line-e { stroke: #c62828; fill: #c62828; stroke-width: 2.5; } \
    path.line-a, path.line-b, path.line-c, path.line-d, path.line-e { fill: none; } \
    .map-0 { fill: #f7f4ea; } .map-1 { fill: #f3e5b5; } .map-2 { fill: #e6c76b; } \
    .map-3 { fill: #c99a2e; } .map-4 { fill: #9a6f12; } .map-5 { fill: #5e4206; }";

fn fonts() -> Arc<fontdb::Database> {
    static DB: OnceLock<Arc<fontdb::Database>> = OnceLock::new();
    DB.get_or_init(|| {
        let mut db = fontdb::Database::new();
        db.load_font_data(REGULAR.to_vec());
        db.load_font_data(BOLD.to_vec());
        db.set_sans_serif_family("DejaVu Sans");
        Arc::new(db)
    })
    .clone()
}

/// Splits text into lines of at most `width` points at `size`, by an average glyph width:
/// DejaVu Sans averages a little over half an em per character in Indonesian text.
fn wrap(text: &str, size: f64, width: f64) -> Vec<String> {
    let per_line = ((width / (size * 0.56)) as usize).max(8);
    let mut lines = Vec::new();
    let mut line = String::new();
    for word in text.split_whitespace() {
        if !line.is_empty() && line.chars().count() + 1 + word.chars().count() > per_line {
            lines.push(std::mem::take(&mut line));
        }
        if !line.is_empty() {
            line.push(' ');
        }
        line.push_str(word);
    }
    if !line.is_empty() {
        lines.push(line);
    }
    lines
}

/// Pages being written: the current page's SVG body and where the next line goes.
struct Pages {
    done: Vec<String>,
    body: String,
    y: f64,
    footer: String,
}

impl Pages {
    fn new(footer: String) -> Self {
        Pages {
            done: Vec::new(),
            body: String::new(),
            y: TOP,
            footer,
        }
    }

    fn break_page(&mut self) {
        let n = self.done.len() + 1;
        let body = std::mem::take(&mut self.body);
        self.done.push(page(&body, &self.footer, n));
        self.y = TOP;
    }

    /// Makes room for `height` points, starting a page when this one has not got it.
    fn room(&mut self, height: f64) {
        if self.y + height > BOTTOM && self.y > TOP {
            self.break_page();
        }
    }

    fn text(&mut self, text: &str, size: f64, bold: bool) {
        for line in wrap(text, size, TEXT_WIDTH) {
            self.room(size * 1.5);
            self.y += size * 1.25;
            let _ = write!(
                self.body,
                "<text x=\"{LEFT}\" y=\"{:.1}\" font-size=\"{size}\"{}>{}</text>",
                self.y,
                if bold { " font-weight=\"bold\"" } else { "" },
                esc(&line)
            );
            self.y += size * 0.35;
        }
    }

    fn gap(&mut self, points: f64) {
        self.y += points;
    }

    /// A chart, scaled to the text width.
    fn chart(&mut self, svg: &str) {
        let Some((w, h)) = view_box(svg) else { return };
        let height = h * TEXT_WIDTH / w;
        self.room(height + 8.0);
        let inner = svg.replacen(
            "<svg ",
            &format!(
                "<svg x=\"{LEFT}\" y=\"{:.1}\" width=\"{TEXT_WIDTH}\" height=\"{height:.1}\" ",
                self.y
            ),
            1,
        );
        self.body.push_str(&inner);
        self.y += height + 8.0;
    }

    /// A table: the first column takes the room the others leave.
    fn table(&mut self, head: &[String], rows: &[Vec<String>]) {
        const ROW: f64 = 15.0;
        let others = head.len().saturating_sub(1) as f64;
        let num_w = if others > 0.0 {
            (TEXT_WIDTH * 0.55 / others).min(90.0)
        } else {
            0.0
        };
        let first_w = TEXT_WIDTH - num_w * others;
        let size = if others > 3.0 { 7.5 } else { 9.0 };
        // A cell's text in lines that fit its column (the header's long names wrap; a body
        // cell's first column is cut, numbers always fit).
        let lines_of = |i: usize, c: &str, bold: bool| -> Vec<String> {
            let width = if i == 0 { first_w } else { num_w } - 4.0;
            if bold {
                wrap(c, size, width)
            } else if i == 0 {
                vec![
                    c.chars()
                        .take(((width / (size * 0.56)) as usize).max(6))
                        .collect(),
                ]
            } else {
                vec![c.to_owned()]
            }
        };
        let line = |pages: &mut Pages, cells: &[String], bold: bool| {
            let cell_lines: Vec<Vec<String>> = cells
                .iter()
                .enumerate()
                .map(|(i, c)| lines_of(i, c, bold))
                .collect();
            let n = cell_lines.iter().map(Vec::len).max().unwrap_or(1).max(1);
            let height = ROW + (n - 1) as f64 * size * 1.2;
            pages.room(height);
            for (i, lines) in cell_lines.iter().enumerate() {
                let (x, anchor) = if i == 0 {
                    (LEFT, "start")
                } else {
                    (LEFT + first_w + num_w * i as f64 - 2.0, "end")
                };
                for (k, text) in lines.iter().enumerate() {
                    let y = pages.y + ROW - 4.0 + k as f64 * size * 1.2;
                    let _ = write!(
                        pages.body,
                        "<text x=\"{x:.1}\" y=\"{y:.1}\" font-size=\"{size}\" text-anchor=\"{anchor}\"{}>{}</text>",
                        if bold { " font-weight=\"bold\"" } else { "" },
                        esc(text)
                    );
                }
            }
            let _ = write!(
                pages.body,
                "<line x1=\"{LEFT}\" x2=\"{RIGHT}\" y1=\"{0:.1}\" y2=\"{0:.1}\" stroke=\"#ccc\" stroke-width=\"0.5\"/>",
                pages.y + height
            );
            pages.y += height;
        };
        line(self, head, true);
        for r in rows {
            line(self, r, false);
        }
        self.gap(10.0);
    }

    fn finish(mut self) -> Vec<String> {
        if !self.body.is_empty() {
            self.break_page();
        }
        self.done
    }
}

/// The width and height of a chart's viewBox.
fn view_box(svg: &str) -> Option<(f64, f64)> {
    let rest = svg.split("viewBox=\"").nth(1)?;
    let mut nums = rest.split('"').next()?.split_whitespace().skip(2);
    Some((nums.next()?.parse().ok()?, nums.next()?.parse().ok()?))
}

fn page(body: &str, footer: &str, n: usize) -> String {
    format!(
        "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"{WIDTH}\" height=\"{HEIGHT}\" \
         viewBox=\"0 0 {WIDTH} {HEIGHT}\">{body}\
         <line x1=\"{LEFT}\" x2=\"{RIGHT}\" y1=\"{fy}\" y2=\"{fy}\" stroke=\"#b8860b\" stroke-width=\"0.8\"/>\
         <text x=\"{LEFT}\" y=\"{ty}\" font-size=\"8\" fill=\"#555\">{}</text>\
         <text x=\"{RIGHT}\" y=\"{ty}\" font-size=\"8\" text-anchor=\"end\" fill=\"#555\">{n}</text></svg>",
        esc(footer),
        fy = BOTTOM + 14.0,
        ty = BOTTOM + 28.0,
    )
}

/// The report's pages as SVG documents.
pub fn pages(r: &Report) -> Vec<String> {
    let l = r.lang;
    let period = format!(
        "{} – {}",
        r.from.format("%d-%m-%Y"),
        r.to.format("%d-%m-%Y")
    );
    let mut p = Pages::new(format!("{} · {} · {period}", r.title, r.region_name));

    // The title page: what, where, when, from which data and how.
    p.gap(120.0);
    p.body.push_str(&format!(
        "<rect x=\"{LEFT}\" y=\"{}\" width=\"60\" height=\"6\" fill=\"#b8860b\"/>",
        p.y
    ));
    p.gap(24.0);
    p.text(&r.title, 22.0, true);
    p.gap(8.0);
    p.text(&r.region_name, 16.0, false);
    p.text(
        &format!("{} {period}", l.t("dashboard-period")),
        12.0,
        false,
    );
    p.gap(6.0);
    p.text(
        &format!(
            "{} {}",
            l.t("report-generated"),
            r.generated_on.format("%d-%m-%Y")
        ),
        10.0,
        false,
    );
    p.gap(40.0);
    p.text(&l.t("report-sources"), 11.0, true);
    for s in &r.sources {
        p.text(&format!("• {s}"), 9.5, false);
    }
    p.gap(10.0);
    p.text(&l.t("report-method"), 11.0, true);
    for m in &r.method {
        p.text(m, 9.5, false);
        p.gap(3.0);
    }
    p.break_page();

    // Key figures and the narrative.
    p.text(&l.t("report-key-figures"), 15.0, true);
    p.gap(4.0);
    let head = vec![l.t("report-figure"), l.t("report-value")];
    let rows: Vec<Vec<String>> = r
        .key_figures
        .iter()
        .map(|(k, v)| vec![k.clone(), v.clone()])
        .collect();
    p.table(&head, &rows);
    p.gap(6.0);
    p.text(&l.t("report-narrative"), 15.0, true);
    p.gap(2.0);
    for s in &r.narrative {
        p.text(&format!("• {s}"), 10.0, false);
        p.gap(2.0);
    }
    p.gap(10.0);

    for s in &r.sections {
        section(&mut p, s);
    }
    p.finish()
}

fn section(p: &mut Pages, s: &Panel) {
    // Keep a title with its chart (or the start of its table).
    let chart = view_box(&s.svg).map_or(0.0, |(w, h)| h * TEXT_WIDTH / w);
    p.room((40.0 + chart).min(BOTTOM - TOP));
    p.text(&s.title, 12.5, true);
    p.gap(4.0);
    if !s.svg.is_empty() && !s.rows.is_empty() {
        p.chart(&s.svg);
    }
    if s.rows.is_empty() {
        p.text("–", 10.0, false);
    } else {
        p.table(&s.head, &s.rows);
    }
    p.gap(6.0);
}

/// The report as a PDF file.
pub fn render(r: &Report) -> Result<Vec<u8>, String> {
    let options = usvg::Options {
        fontdb: fonts(),
        font_family: "DejaVu Sans".to_owned(),
        style_sheet: Some(STYLE.to_owned()),
        ..usvg::Options::default()
    };
    let mut document = Document::new();
    let size = Size::from_wh(WIDTH as f32, HEIGHT as f32).ok_or("page size")?;
    for svg in pages(r) {
        let tree = usvg::Tree::from_str(&svg, &options).map_err(|e| e.to_string())?;
        let mut page = document.start_page_with(PageSettings::new(size));
        let mut surface = page.surface();
        surface.draw_svg(&tree, size, SvgSettings::default());
        surface.finish();
        page.finish();
    }
    document.set_metadata(
        Metadata::new()
            .title(format!("{} — {}", r.title, r.region_name))
            .language(r.lang.code().to_owned())
            .creator("EMAS".to_owned()),
    );
    document.finish().map_err(|e| format!("{e:?}"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn text_wraps_at_word_boundaries_within_the_width() {
        let lines = wrap(&"kata ".repeat(60), 10.0, 200.0);
        assert!(lines.len() > 5);
        assert!(lines.iter().all(|l| l.chars().count() <= 35), "{lines:?}");
        assert_eq!(lines.concat().matches("kata").count(), 60);
    }

    #[test]
    fn a_chart_keeps_its_proportions_on_the_page() {
        assert_eq!(
            view_box("<svg class=\"chart\" viewBox=\"0 0 640 260\">"),
            Some((640.0, 260.0))
        );
    }
}
