//! Charts drawn on the server as SVG: they need no JavaScript, print as sharply as the text around
//! them, and carry a text alternative (`<title>` and `<desc>`); every page shows the figures in a
//! table beside the chart as well. Values arrive already passed through
//! `emas_domain::disclosure`, so a hidden figure is drawn as a gap with its mark, never as a bar.

mod map;

pub use map::{MapArea, choropleth};

use std::fmt::Write;

use emas_domain::disclosure::Figure;

/// Escapes text for SVG (XML) content and attributes.
pub fn esc(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

/// The opening of a chart: a scalable SVG with its accessible name and description.
fn open(out: &mut String, width: f64, height: f64, title: &str, desc: &str) {
    let _ = write!(
        out,
        "<svg class=\"chart\" viewBox=\"0 0 {width} {height}\" role=\"img\" \
         xmlns=\"http://www.w3.org/2000/svg\" preserveAspectRatio=\"xMinYMin meet\">\
         <title>{}</title><desc>{}</desc>",
        esc(title),
        esc(desc)
    );
}

/// One bar of a bar chart: its label and its figure.
pub struct Bar {
    pub label: String,
    pub figure: Figure,
}

/// Horizontal bars, one per row, longest value spanning the width; the figure written at the
/// end of each bar (or alone where hidden). `decimals` formats the figures; `percent` writes
/// shares (0..1) as percentages.
pub fn bar_chart(title: &str, bars: &[Bar], decimals: usize, percent: bool) -> String {
    const ROW: f64 = 26.0;
    const LABEL: f64 = 190.0;
    const WIDTH: f64 = 640.0;
    const PLOT: f64 = WIDTH - LABEL - 70.0;
    let height = ROW * bars.len().max(1) as f64 + 8.0;
    let max = bars
        .iter()
        .filter_map(|b| b.figure.value())
        .fold(0.0_f64, f64::max);
    let text = |f: Figure| {
        if percent {
            f.value()
                .map(|v| format!("{}%", emas_domain::disclosure::format_number(v * 100.0, 0)))
                .unwrap_or_else(|| f.format(0))
        } else {
            f.format(decimals)
        }
    };
    let desc = bars
        .iter()
        .map(|b| format!("{}: {}", b.label, text(b.figure)))
        .collect::<Vec<_>>()
        .join("; ");
    let mut out = String::new();
    open(&mut out, WIDTH, height, title, &desc);
    for (i, b) in bars.iter().enumerate() {
        let y = 4.0 + i as f64 * ROW;
        let len = match b.figure.value() {
            Some(v) if max > 0.0 => (v / max * PLOT).max(1.0),
            _ => 0.0,
        };
        let label: String = b.label.chars().take(28).collect();
        let _ = write!(
            out,
            "<text x=\"{x}\" y=\"{ty}\" text-anchor=\"end\" class=\"chart-label\">{}</text>\
             <rect x=\"{LABEL}\" y=\"{y}\" width=\"{len:.1}\" height=\"{h}\" class=\"chart-bar\"/>\
             <text x=\"{vx:.1}\" y=\"{ty}\" class=\"chart-value\">{}</text>",
            esc(&label),
            esc(&text(b.figure)),
            x = LABEL - 6.0,
            ty = y + 15.0,
            h = ROW - 8.0,
            vx = LABEL + len + 5.0,
        );
    }
    out.push_str("</svg>");
    out
}

/// One line of a line chart: its name and a value (0..1) or a gap per point of the x axis.
pub struct Series {
    pub name: String,
    pub points: Vec<Figure>,
}

/// Lines over the labelled points of the x axis (survey waves), on a 0–100 % scale. Hidden
/// points break the line and are marked; the legend names each line.
pub fn line_chart(title: &str, x_labels: &[String], series: &[Series]) -> String {
    const WIDTH: f64 = 640.0;
    const HEIGHT: f64 = 280.0;
    const LEFT: f64 = 44.0;
    const TOP: f64 = 12.0;
    const PLOT_H: f64 = 180.0;
    const CLASSES: [&str; 5] = ["line-a", "line-b", "line-c", "line-d", "line-e"];
    let plot_w = WIDTH - LEFT - 20.0;
    // The first and last points sit inside the plot so that their labels are not cut off.
    const INSET: f64 = 70.0;
    let x_at = |i: usize| {
        if x_labels.len() <= 1 {
            LEFT + plot_w / 2.0
        } else {
            LEFT + INSET + (plot_w - 2.0 * INSET) * i as f64 / (x_labels.len() - 1) as f64
        }
    };
    let y_at = |v: f64| TOP + PLOT_H * (1.0 - v.clamp(0.0, 1.0));
    let desc = series
        .iter()
        .map(|s| {
            let pts: Vec<String> = x_labels
                .iter()
                .zip(&s.points)
                .map(|(x, f)| format!("{x} {}", percent(*f)))
                .collect();
            format!("{}: {}", s.name, pts.join(", "))
        })
        .collect::<Vec<_>>()
        .join("; ");
    let mut out = String::new();
    open(&mut out, WIDTH, HEIGHT, title, &desc);
    for tick in [0.0, 0.25, 0.5, 0.75, 1.0] {
        let y = y_at(tick);
        let _ = write!(
            out,
            "<line x1=\"{LEFT}\" x2=\"{x2}\" y1=\"{y}\" y2=\"{y}\" class=\"chart-grid\"/>\
             <text x=\"{tx}\" y=\"{ty}\" text-anchor=\"end\" class=\"chart-label\">{}%</text>",
            tick * 100.0,
            x2 = LEFT + plot_w,
            tx = LEFT - 4.0,
            ty = y + 4.0,
        );
    }
    for (i, label) in x_labels.iter().enumerate() {
        let _ = write!(
            out,
            "<text x=\"{:.1}\" y=\"{}\" text-anchor=\"middle\" class=\"chart-label\">{}</text>",
            x_at(i),
            TOP + PLOT_H + 18.0,
            esc(label)
        );
    }
    // The legend flows left to right, onto a second line when the names are long.
    let (mut lx, mut ly) = (LEFT, TOP + PLOT_H + 44.0);
    for (k, s) in series.iter().enumerate() {
        let class = CLASSES[k % CLASSES.len()];
        // A hidden point ends one stretch of the line; the next shown point starts another.
        let mut path = String::new();
        let mut pen_down = false;
        for (i, f) in s.points.iter().enumerate().take(x_labels.len()) {
            match f.value() {
                Some(v) => {
                    let _ = write!(
                        path,
                        "{}{:.1} {:.1} ",
                        if pen_down { "L" } else { "M" },
                        x_at(i),
                        y_at(v)
                    );
                    pen_down = true;
                    let _ = write!(
                        out,
                        "<circle cx=\"{:.1}\" cy=\"{:.1}\" r=\"3.5\" class=\"{class}\"/>",
                        x_at(i),
                        y_at(v)
                    );
                }
                None => pen_down = false,
            }
        }
        if !path.is_empty() {
            let _ = write!(
                out,
                "<path d=\"{}\" class=\"{class}\" fill=\"none\"/>",
                path.trim_end()
            );
        }
        let item = 30.0 + 6.5 * s.name.chars().count() as f64;
        if lx + item > WIDTH && lx > LEFT {
            lx = LEFT;
            ly += 18.0;
        }
        let _ = write!(
            out,
            "<rect x=\"{lx}\" y=\"{}\" width=\"14\" height=\"4\" class=\"{class}\"/>\
             <text x=\"{}\" y=\"{ly}\" class=\"chart-label\">{}</text>",
            ly - 4.0,
            lx + 18.0,
            esc(&s.name)
        );
        lx += item;
    }
    out.push_str("</svg>");
    out
}

/// A share as a whole percentage, or the figure's mark when hidden.
pub fn percent(f: Figure) -> String {
    match f.value() {
        Some(v) => format!("{}%", emas_domain::disclosure::format_number(v * 100.0, 0)),
        None => f.format(0),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bars_are_scaled_to_the_largest_and_hidden_figures_draw_no_bar() {
        let svg = bar_chart(
            "Peserta <menurut> tahap",
            &[
                Bar {
                    label: "Terdaftar".into(),
                    figure: Figure::Shown(200.0),
                },
                Bar {
                    label: "Dilatih".into(),
                    figure: Figure::Shown(100.0),
                },
                Bar {
                    label: "Beroperasi".into(),
                    figure: Figure::Small,
                },
            ],
            0,
            false,
        );
        assert!(svg.contains("<title>Peserta &lt;menurut&gt; tahap</title>"));
        assert!(svg.contains("width=\"380.0\""), "{svg}");
        assert!(svg.contains("width=\"190.0\""));
        assert!(svg.contains("width=\"0.0\""));
        assert!(svg.contains(">&lt;5</text>"));
        assert!(svg.contains("<desc>Terdaftar: 200; Dilatih: 100; Beroperasi: &lt;5</desc>"));
    }

    #[test]
    fn a_hidden_point_breaks_the_line() {
        let svg = line_chart(
            "Ekonomi",
            &["Awal".into(), "6 bln".into(), "12 bln".into()],
            &[Series {
                name: "Rata-rata".into(),
                points: vec![Figure::Shown(0.5), Figure::Hidden, Figure::Shown(0.75)],
            }],
        );
        assert_eq!(svg.matches("<circle").count(), 2);
        assert!(svg.contains("d=\"M114.0 102.0 M550.0 57.0\""), "{svg}");
        assert!(svg.contains("Awal 50%, 6 bln –, 12 bln 75%"));
    }
}
