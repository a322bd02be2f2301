//! An officer exports a registry list and opens it in Excel: values a registrar typed as
//! formulas must stay text, and phones and negative numbers must arrive as they were.

use std::io::{Cursor, Read};

use emas_sheets::{ReadOptions, read_bytes, write_csv, write_xlsx};

const HEADERS: [&str; 3] = ["NAMA", "NO HP", "CATATAN"];

fn people() -> Vec<[&'static str; 3]> {
    vec![
        [
            "Siti Aminah",
            "+6281234567890",
            "=HYPERLINK(\"http://jahat.example\",\"klik\")",
        ],
        ["Budi", "+62 812-3456-7890", "-12.5"],
        ["=1+1", "081234567890", "+cmd|' /C calc'!A0"],
        ["@SUM(A1)", "", "-2+3+cmd|' /C calc'!A0"],
    ]
}

#[test]
fn a_csv_export_neutralises_formulas_but_keeps_phones_and_numbers() {
    let mut out = Vec::new();
    write_csv(&HEADERS, people(), &mut out).expect("writes");
    assert!(
        out.starts_with(b"\xEF\xBB\xBF"),
        "Excel needs the BOM to read UTF-8"
    );
    let sheet = read_bytes(&out, "ekspor.csv", &ReadOptions::default()).expect("reads back");
    assert_eq!(sheet.headers, HEADERS);
    let got: Vec<Vec<&str>> = sheet
        .rows
        .iter()
        .map(|r| r.cells.iter().map(String::as_str).collect())
        .collect();
    assert_eq!(
        got,
        [
            [
                "Siti Aminah",
                "+6281234567890",
                "'=HYPERLINK(\"http://jahat.example\",\"klik\")"
            ],
            ["Budi", "+62 812-3456-7890", "-12.5"],
            ["'=1+1", "081234567890", "'+cmd|' /C calc'!A0"],
            ["'@SUM(A1)", "", "'-2+3+cmd|' /C calc'!A0"],
        ]
    );
}

#[test]
fn an_xlsx_export_writes_every_value_as_text_and_no_formula() {
    let mut out = Cursor::new(Vec::new());
    write_xlsx(&HEADERS, people(), &mut out).expect("writes");
    let bytes = out.into_inner();

    let mut zip = zip::ZipArchive::new(Cursor::new(&bytes)).expect("a zip");
    let mut xml = String::new();
    zip.by_name("xl/worksheets/sheet1.xml")
        .expect("the sheet")
        .read_to_string(&mut xml)
        .expect("utf-8");
    assert!(!xml.contains("<f>"), "no cell may be a formula: {xml}");

    // Read back, the values are exactly what was exported, with no prefix.
    let sheet = read_bytes(&bytes, "ekspor.xlsx", &ReadOptions::default()).expect("reads back");
    let got: Vec<Vec<&str>> = sheet
        .rows
        .iter()
        .map(|r| r.cells.iter().map(String::as_str).collect())
        .collect();
    let want: Vec<Vec<&str>> = people().iter().map(|r| r.to_vec()).collect();
    assert_eq!(got, want);
}

#[test]
fn an_export_streams_rows_from_an_iterator() {
    // The rows are made as they are written: the caller never holds the whole list.
    let rows = (0..10_000).map(|i| [format!("orang {i}"), format!("+62812{i:07}")]);
    let mut out = Vec::new();
    write_csv(&["NAMA", "NO HP"], rows, &mut out).expect("writes");
    let sheet = read_bytes(&out, "ekspor.csv", &ReadOptions::default()).expect("reads back");
    assert_eq!(sheet.rows.len(), 10_000);
    assert_eq!(sheet.rows[9_999].cells, ["orang 9999", "+628120009999"]);
}
