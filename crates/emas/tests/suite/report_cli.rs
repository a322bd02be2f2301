//! `emas report meeting` as an operator runs it before a coordination meeting: a PDF and a
//! workbook for a region and period, and clear refusals of a bad region, period, file type or an
//! existing file.

use crate::common;

use std::path::Path;

use common::{emas, stderr};

fn temp_dir(name: &str) -> std::path::PathBuf {
    common::temp_dir("report-cli", name)
}

#[test]
fn an_operator_writes_the_meeting_report_as_pdf_and_xlsx() {
    let dir = temp_dir("both");
    let data = dir.join("data");
    let o = emas(&data, &["migrate"]);
    assert!(o.status.success(), "{}", stderr(&o));

    let pdf = dir.join("laporan.pdf");
    let p = pdf.to_str().expect("utf-8");
    let args = [
        "report",
        "meeting",
        "--region",
        "36.04",
        "--from",
        "2026-01-01",
        "--to",
        "2026-06-30",
    ];
    let o = emas(&data, &[&args[..], &["--out", p]].concat());
    assert!(o.status.success(), "{}", stderr(&o));
    let bytes = std::fs::read(&pdf).expect("written");
    assert!(bytes.starts_with(b"%PDF-"));
    assert!(stderr(&o).contains("Kabupaten Serang"));

    let xlsx = dir.join("laporan.xlsx");
    let x = xlsx.to_str().expect("utf-8");
    // Months, as the figures are kept; the same period as the dates above.
    let months = [
        "report", "meeting", "--region", "36.04", "--from", "2026-01", "--to", "2026-06",
    ];
    let o = emas(
        &data,
        &[&months[..], &["--out", x, "--lang", "en"]].concat(),
    );
    assert!(o.status.success(), "{}", stderr(&o));
    assert!(std::fs::read(&xlsx).expect("written").starts_with(b"PK"));

    // The same file again is refused rather than overwritten.
    let o = emas(&data, &[&args[..], &["--out", p]].concat());
    assert!(!o.status.success());
    assert!(stderr(&o).contains("exists already"));
}

#[test]
fn bad_regions_periods_and_file_types_are_refused_with_a_message() {
    let dir = temp_dir("bad");
    let data = dir.join("data");
    assert!(emas(&data, &["migrate"]).status.success());
    let out = dir.join("r.pdf");
    let out = out.to_str().expect("utf-8");
    for (args, message) in [
        (vec!["--region", "99.99"], "Wilayah tidak dikenal"),
        (
            vec![
                "--region",
                "36",
                "--from",
                "2026-07-01",
                "--to",
                "2026-01-01",
            ],
            "Periode tidak sah",
        ),
        (
            vec!["--region", "36", "--to", "30/06/2026"],
            "Periode tidak sah",
        ),
        (
            vec!["--region", "36", "--from", "2026-13"],
            "Periode tidak sah",
        ),
        (vec!["--region", "36.04.01"], "Wilayah tidak dikenal"),
        (vec!["--region", "36", "--lang", "fr"], "choose id or en"),
    ] {
        let o = emas(
            &data,
            &[&["report", "meeting"][..], &args, &["--out", out]].concat(),
        );
        assert!(!o.status.success(), "{args:?}");
        assert!(stderr(&o).contains(message), "{args:?}: {}", stderr(&o));
        assert!(!Path::new(out).exists(), "nothing written for {args:?}");
    }
    let docx = dir.join("r.docx");
    let o = emas(
        &data,
        &[
            "report",
            "meeting",
            "--region",
            "36",
            "--out",
            docx.to_str().expect("utf-8"),
        ],
    );
    assert!(stderr(&o).contains("must end in .pdf or .xlsx"));
}
