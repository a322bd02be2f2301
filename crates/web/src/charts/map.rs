//! A choropleth of Banten: its regencies and cities, or the districts of one regency, shaded by a
//! figure. Boundaries come from data/wilayah (MIT, Cahya DSN; see its README), parsed once and
//! projected to SVG paths with an equirectangular projection scaled by the cosine of the
//! latitude, which at 6° south distorts less than the map's own line widths.

use std::fmt::Write;
use std::sync::OnceLock;

use emas_domain::disclosure::Figure;
use serde::Deserialize;

use super::{esc, open};

const REGENCIES: &str = include_str!("../../../../data/wilayah/banten-kabkota.geojson");
const DISTRICTS: &str = include_str!("../../../../data/wilayah/banten-kecamatan.geojson");

#[derive(Deserialize)]
struct Collection {
    features: Vec<Feature>,
}

#[derive(Deserialize)]
struct Feature {
    properties: Properties,
    geometry: Geometry,
}

#[derive(Deserialize)]
struct Properties {
    kode: String,
    nama: String,
}

#[derive(Deserialize)]
#[serde(tag = "type", content = "coordinates")]
enum Geometry {
    Polygon(Vec<Vec<[f64; 2]>>),
    MultiPolygon(Vec<Vec<Vec<[f64; 2]>>>),
}

/// One area's outline in longitude/latitude rings.
struct Shape {
    code: String,
    name: String,
    rings: Vec<Vec<[f64; 2]>>,
}

fn parse(geojson: &str) -> Vec<Shape> {
    let collection: Collection =
        serde_json::from_str(geojson).expect("the embedded boundaries are valid GeoJSON");
    collection
        .features
        .into_iter()
        .map(|f| Shape {
            code: f.properties.kode,
            name: f.properties.nama,
            rings: match f.geometry {
                Geometry::Polygon(rings) => rings,
                Geometry::MultiPolygon(polys) => polys.into_iter().flatten().collect(),
            },
        })
        .collect()
}

fn regencies() -> &'static [Shape] {
    static SHAPES: OnceLock<Vec<Shape>> = OnceLock::new();
    SHAPES.get_or_init(|| parse(REGENCIES))
}

fn districts() -> &'static [Shape] {
    static SHAPES: OnceLock<Vec<Shape>> = OnceLock::new();
    SHAPES.get_or_init(|| parse(DISTRICTS))
}

/// One area of the map with its figure and the text its tooltip and table show.
pub struct MapArea {
    pub code: String,
    pub figure: Figure,
    pub text: String,
}

const CLASSES: usize = 5;

/// The map of the areas one level below `region` (Banten's regencies for the province or the
/// country, a regency's districts), each shaded into one of five equal classes of the largest
/// figure; areas without a figure or with a hidden one are hatched. `None` when the region has no
/// boundaries (outside Banten).
pub fn choropleth(region: Option<&str>, title: &str, areas: &[MapArea]) -> Option<String> {
    let shapes: Vec<&Shape> = match region {
        None | Some("36") => regencies().iter().collect(),
        Some(code) if code.len() == 5 && code.starts_with("36.") => districts()
            .iter()
            .filter(|s| s.code.starts_with(code))
            .collect(),
        _ => return None,
    };
    if shapes.is_empty() {
        return None;
    }
    let points = || shapes.iter().flat_map(|s| s.rings.iter().flatten());
    let (mut west, mut east, mut south, mut north) = (f64::MAX, f64::MIN, f64::MAX, f64::MIN);
    for [lon, lat] in points() {
        west = west.min(*lon);
        east = east.max(*lon);
        south = south.min(*lat);
        north = north.max(*lat);
    }
    let squash = ((north + south) / 2.0).to_radians().cos();
    const WIDTH: f64 = 600.0;
    let scale = WIDTH / ((east - west) * squash);
    let height = ((north - south) * scale).ceil() + 1.0;
    let max = areas
        .iter()
        .filter_map(|a| a.figure.value())
        .fold(0.0_f64, f64::max);

    let desc = shapes
        .iter()
        .map(|s| {
            let text = areas
                .iter()
                .find(|a| a.code == s.code)
                .map_or("–", |a| a.text.as_str());
            format!("{}: {text}", s.name)
        })
        .collect::<Vec<_>>()
        .join("; ");
    let mut out = String::new();
    open(&mut out, WIDTH, height + 40.0, title, &desc);
    out.push_str(
        "<defs><pattern id=\"hatch\" width=\"6\" height=\"6\" patternUnits=\"userSpaceOnUse\" \
         patternTransform=\"rotate(45)\"><rect width=\"6\" height=\"6\" fill=\"#f4f4f4\"/>\
         <line x1=\"0\" y1=\"0\" x2=\"0\" y2=\"6\" stroke=\"#bbb\" stroke-width=\"2\"/></pattern></defs>",
    );
    for s in &shapes {
        let area = areas.iter().find(|a| a.code == s.code);
        let class = match area.and_then(|a| a.figure.value()) {
            Some(v) if max > 0.0 => {
                let k = ((v / max) * CLASSES as f64)
                    .ceil()
                    .clamp(1.0, CLASSES as f64) as usize;
                format!("class=\"map-{k}\"")
            }
            Some(_) => "class=\"map-0\"".to_owned(),
            None => "fill=\"url(#hatch)\"".to_owned(),
        };
        let mut d = String::new();
        for ring in &s.rings {
            for (i, [lon, lat]) in ring.iter().enumerate() {
                let x = (lon - west) * squash * scale;
                let y = (north - lat) * scale;
                let _ = write!(d, "{}{x:.1} {y:.1}", if i == 0 { "M" } else { "L" });
            }
            d.push('Z');
        }
        let text = area.map_or("–", |a| a.text.as_str());
        let _ = write!(
            out,
            "<path d=\"{d}\" {class} data-code=\"{}\" stroke=\"#fff\" stroke-width=\"0.8\">\
             <title>{}: {}</title></path>",
            esc(&s.code),
            esc(&s.name),
            esc(text)
        );
    }
    // The legend: the five classes, from the lightest.
    for k in 1..=CLASSES {
        let x = 10.0 + (k - 1) as f64 * 70.0;
        let upper = max * k as f64 / CLASSES as f64;
        let _ = write!(
            out,
            "<rect x=\"{x}\" y=\"{y}\" width=\"18\" height=\"12\" class=\"map-{k}\"/>\
             <text x=\"{tx}\" y=\"{ty}\" class=\"chart-label\">≤ {}</text>",
            emas_domain::disclosure::format_number(upper, if max < 10.0 { 2 } else { 0 }),
            y = height + 14.0,
            tx = x + 22.0,
            ty = height + 24.0,
        );
    }
    out.push_str("</svg>");
    Some(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn banten_has_eight_regencies_and_a_regency_its_districts() {
        assert_eq!(regencies().len(), 8);
        let areas = [
            MapArea {
                code: "36.04".into(),
                figure: Figure::Shown(100.0),
                text: "100".into(),
            },
            MapArea {
                code: "36.01".into(),
                figure: Figure::Small,
                text: "<5".into(),
            },
        ];
        let svg = choropleth(Some("36"), "Peta", &areas).expect("Banten has boundaries");
        assert_eq!(svg.matches("<path").count(), 8);
        assert!(svg.contains("class=\"map-5\""));
        assert!(svg.contains("<title>Kabupaten Pandeglang: &lt;5</title>"));
        let serang = choropleth(Some("36.04"), "Peta", &[]).expect("Serang has districts");
        assert!(serang.matches("<path").count() >= 20);
        assert!(choropleth(Some("32.01"), "Peta", &[]).is_none());
    }
}
