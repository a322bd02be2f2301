//! Registrars upload the lists their offices keep; each test is one kind of file they bring,
//! friendly or hostile, built here in the test.

use std::io::{Cursor, Write};

use chrono::NaiveDate;
use emas_sheets::{
    Error, Format, Limits, ReadOptions, Row, Sheet, read_bytes, read_path, visit_bytes,
};
use rust_xlsxwriter::{ExcelDateTime, Format as XFormat, Formula, Workbook, Worksheet};
use zip::{CompressionMethod, ZipWriter, write::SimpleFileOptions};

fn read(bytes: &[u8], name: &str) -> Result<Sheet, Error> {
    read_bytes(bytes, name, &ReadOptions::default())
}

fn read_ok(bytes: &[u8], name: &str) -> Sheet {
    match read(bytes, name) {
        Ok(sheet) => sheet,
        Err(e) => panic!("{name} should read, got {e}"),
    }
}

fn read_err(bytes: &[u8], name: &str) -> Error {
    match read(bytes, name) {
        Ok(sheet) => panic!("{name} should be refused, got {sheet:?}"),
        Err(e) => e,
    }
}

fn cells(sheet: &Sheet) -> Vec<Vec<&str>> {
    sheet
        .rows
        .iter()
        .map(|r| r.cells.iter().map(String::as_str).collect())
        .collect()
}

fn xlsx(build: impl FnOnce(&mut Worksheet)) -> Vec<u8> {
    let mut book = Workbook::new();
    build(book.add_worksheet());
    book.save_to_buffer().expect("the test workbook saves")
}

fn zip_of(parts: &[(&str, &[u8])]) -> Vec<u8> {
    let mut zip = ZipWriter::new(Cursor::new(Vec::new()));
    let options = SimpleFileOptions::default().compression_method(CompressionMethod::Deflated);
    for (name, content) in parts {
        zip.start_file(*name, options).expect("zip entry starts");
        zip.write_all(content).expect("zip entry is written");
    }
    zip.finish().expect("zip finishes").into_inner()
}

// ---- CSV as Excel and other programs save it ----

#[test]
fn a_csv_saved_by_excel_with_bom_and_semicolons_reads() {
    let sheet = read_ok(
        "\u{FEFF}NO;NAMA LENGKAP;NIK\n1;Siti Aminah;3604014507900001\n".as_bytes(),
        "daftar.csv",
    );
    assert_eq!(sheet.format, Format::Csv);
    assert_eq!(sheet.headers, ["NO", "NAMA LENGKAP", "NIK"]);
    assert_eq!(cells(&sheet), [["1", "Siti Aminah", "3604014507900001"]]);
    assert_eq!(sheet.rows[0].line, 2);
}

#[test]
fn a_csv_in_windows_1252_keeps_its_accents() {
    let sheet = read_ok(b"NO;NAMA\n1;Jos\xE9 Ram\xEDrez\n", "daftar.csv");
    assert_eq!(cells(&sheet), [["1", "José Ramírez"]]);
}

#[test]
fn tab_and_pipe_separated_lists_read() {
    let tabs = read_ok(b"NO\tNAMA\n1\tSiti\n", "daftar.txt");
    assert_eq!(cells(&tabs), [["1", "Siti"]]);
    let pipes = read_ok(b"NO|NAMA\n1|Siti\n", "daftar.csv");
    assert_eq!(cells(&pipes), [["1", "Siti"]]);
}

#[test]
fn an_address_with_a_line_break_inside_quotes_is_one_cell() {
    let sheet = read_ok(
        b"NO,ALAMAT\n1,\"Kp. Baru\nRT 01/02\"\n2,Cikande\n",
        "daftar.csv",
    );
    assert_eq!(
        cells(&sheet),
        [["1", "Kp. Baru\nRT 01/02"], ["2", "Cikande"]]
    );
    // The line numbers point at where each record starts, as the user's editor shows it.
    assert_eq!(sheet.rows[1].line, 4);
}

#[test]
fn title_rows_blank_rows_and_trailing_empty_columns_are_dropped() {
    let sheet = read_ok(
        b"DATA PMI PURNA, KAB. SERANG;;;\n;;;\nNO;NAMA;;\n1;Siti;;\n;;;\n\n2;Budi;;\n",
        "daftar.csv",
    );
    assert_eq!(sheet.header_line, 3);
    assert_eq!(sheet.headers, ["NO", "NAMA"]);
    assert_eq!(cells(&sheet), [["1", "Siti"], ["2", "Budi"]]);
    assert_eq!(
        sheet.rows.iter().map(|r| r.line).collect::<Vec<_>>(),
        [4, 7]
    );
}

#[test]
fn repeated_and_missing_header_names_are_made_unique() {
    let sheet = read_ok(b"NAMA;;Nama;NIK\nSiti;x;Aminah;1\n", "daftar.csv");
    assert_eq!(sheet.headers, ["NAMA", "column 2", "Nama (2)", "NIK"]);
}

#[test]
fn a_row_wider_than_its_header_keeps_its_extra_cells_under_a_column_name() {
    let sheet = read_ok(b"NO;NAMA\n1;Siti;catatan\n2\n", "daftar.csv");
    assert_eq!(sheet.headers, ["NO", "NAMA", "column 3"]);
    assert_eq!(cells(&sheet), [vec!["1", "Siti", "catatan"], vec!["2", ""]]);
}

// ---- Files that are not what they say ----

#[test]
fn a_csv_named_xlsx_is_refused_naming_both() {
    let e = read_err(b"NO;NAMA\n1;Siti\n", "laporan.xlsx");
    assert_eq!(e.code(), "not-xlsx");
    assert_eq!(
        e.to_string(),
        "laporan.xlsx is not an XLSX file: it looks like CSV"
    );
}

#[test]
fn a_web_page_saved_as_xls_is_refused() {
    let e = read_err(
        b"<html><body><table><tr><td>NO</td></tr></table></body></html>",
        "export.xls",
    );
    assert_eq!(e.code(), "not-xls");
    assert!(e.to_string().contains("an HTML page"), "{e}");
}

#[test]
fn a_pdf_named_xlsx_is_refused_and_a_pdf_is_unsupported() {
    let pdf = b"%PDF-1.7\n%\xE2\xE3\xCF\xD3\n1 0 obj\n";
    assert_eq!(read_err(pdf, "laporan.xlsx").code(), "not-xlsx");
    let e = read_err(pdf, "laporan.pdf");
    assert_eq!(e.code(), "unsupported");
    assert!(e.to_string().contains("a PDF document"), "{e}");
}

#[test]
fn a_workbook_named_csv_is_refused() {
    let book = xlsx(|s| {
        s.write_string(0, 0, "NO").expect("cell");
    });
    assert_eq!(read_err(&book, "daftar.csv").code(), "not-csv");
}

#[test]
fn an_xlsx_renamed_to_xls_is_read_by_its_content() {
    let book = xlsx(|s| {
        s.write_string(0, 0, "NAMA").expect("cell");
        s.write_string(1, 0, "Siti").expect("cell");
    });
    let sheet = read_ok(&book, "lama.xls");
    assert_eq!(sheet.format, Format::Xlsx);
    assert_eq!(cells(&sheet), [["Siti"]]);
}

#[test]
fn a_word_document_is_not_a_list() {
    let docx = zip_of(&[("word/document.xml", b"<w:document/>")]);
    let e = read_err(&docx, "daftar.xlsx");
    assert_eq!(e.code(), "not-xlsx");
    assert!(e.to_string().contains("a Word document"), "{e}");
}

// ---- Damaged, protected and oversized workbooks ----

/// The first 512-byte sector of an OLE compound file and a directory sector naming the
/// `EncryptedPackage` stream: what Excel writes for an XLSX saved with a password.
fn encrypted_xlsx() -> Vec<u8> {
    let mut bytes = b"\xD0\xCF\x11\xE0\xA1\xB1\x1A\xE1".to_vec();
    bytes.resize(512, 0);
    for name in ["Root Entry", "EncryptionInfo", "EncryptedPackage"] {
        let mut entry: Vec<u8> = name
            .encode_utf16()
            .chain([0])
            .flat_map(u16::to_le_bytes)
            .collect();
        entry.resize(128, 0);
        bytes.extend(entry);
    }
    bytes.resize(1024, 0);
    bytes
}

#[test]
fn a_password_protected_xlsx_says_so() {
    let e = read_err(&encrypted_xlsx(), "rahasia.xlsx");
    assert_eq!(e.code(), "password-protected");
    assert!(e.to_string().contains("protected by a password"), "{e}");
}

#[test]
fn a_truncated_xlsx_is_corrupt() {
    let book = xlsx(|s| {
        s.write_string(0, 0, "NAMA").expect("cell");
        s.write_string(1, 0, "Siti").expect("cell");
    });
    let e = read_err(&book[..book.len() / 2], "putus.xlsx");
    assert_eq!(e.code(), "corrupt");
    assert!(e.to_string().starts_with("putus.xlsx is damaged"), "{e}");
}

#[test]
fn an_xlsx_whose_sheet_is_garbage_is_corrupt() {
    let book = zip_of(&[
        ("[Content_Types].xml", b"<Types/>"),
        ("xl/workbook.xml", b"this is not xml <<<"),
    ]);
    assert_eq!(read_err(&book, "rusak.xlsx").code(), "corrupt");
}

#[test]
fn an_xlsx_expanding_beyond_the_limit_is_refused_before_it_is_opened() {
    // 2 MiB of sheet XML, with the limit at 1 MiB.
    let big = "<row>".repeat(400_000);
    let book = zip_of(&[
        ("xl/workbook.xml", b"<workbook/>"),
        ("xl/worksheets/sheet1.xml", big.as_bytes()),
    ]);
    let options = ReadOptions {
        limits: Limits {
            max_uncompressed_bytes: 1024 * 1024,
            ..Limits::default()
        },
        ..ReadOptions::default()
    };
    let e = read_bytes(&book, "bom.xlsx", &options).expect_err("refused");
    assert_eq!(e.code(), "zip-bomb");
}

#[test]
fn a_part_packed_a_thousandfold_is_refused_as_a_zip_bomb() {
    let zeros = vec![0u8; 20 * 1024 * 1024];
    let book = zip_of(&[
        ("xl/workbook.xml", b"<workbook/>"),
        ("xl/sharedStrings.xml", &zeros),
    ]);
    let e = read_err(&book, "bom.xlsx");
    assert_eq!(e.code(), "zip-bomb");
    assert!(e.to_string().contains("zip bomb"), "{e}");
}

/// Rewrites the uncompressed size an archive declares for one part, in its local header and
/// in the central directory: the lie a crafted zip bomb tells.
fn declare_size(zip: &mut [u8], part: &str, size: u32) {
    let name = part.as_bytes();
    let mut patched = 0;
    for i in 0..zip.len().saturating_sub(46) {
        let le16 = |at: usize| usize::from(u16::from_le_bytes([zip[at], zip[at + 1]]));
        let (size_at, name_at, len) = match &zip[i..i + 4] {
            b"PK\x03\x04" => (i + 22, i + 30, le16(i + 26)),
            b"PK\x01\x02" => (i + 24, i + 46, le16(i + 28)),
            _ => continue,
        };
        if zip.get(name_at..name_at + len) == Some(name) {
            zip[size_at..size_at + 4].copy_from_slice(&size.to_le_bytes());
            patched += 1;
        }
    }
    assert_eq!(patched, 2, "both headers of {part} found");
}

#[test]
fn an_xlsx_that_lies_about_its_sizes_still_cannot_expand_past_them() {
    let book = xlsx(|s| {
        s.write_string(0, 0, "NO").expect("cell");
        for row in 1..60_000u32 {
            s.write_number(row, 0, f64::from(row)).expect("cell");
        }
    });
    let limits = Limits {
        max_uncompressed_bytes: 1024 * 1024,
        ..Limits::default()
    };
    let options = ReadOptions {
        limits,
        ..ReadOptions::default()
    };
    // Honest, the sheet is over the limit and refused from the directory alone.
    let honest = read_bytes(&book, "bom.xlsx", &options).expect_err("refused");
    assert_eq!(honest.code(), "zip-bomb");
    // Lying, it passes the directory check, and then expanding stops at the declared size.
    let mut lying = book.clone();
    declare_size(&mut lying, "xl/worksheets/sheet1.xml", 4096);
    let e = read_bytes(&lying, "bom.xlsx", &options).expect_err("refused");
    assert_eq!(e.code(), "corrupt", "{e}");
    assert!(e.to_string().contains("declared uncompressed size"), "{e}");
}

#[test]
fn a_file_over_the_size_limit_is_refused_unread() {
    let options = ReadOptions {
        limits: Limits {
            max_uncompressed_bytes: 10,
            ..Limits::default()
        },
        ..ReadOptions::default()
    };
    let e = read_bytes(b"NO;NAMA\n1;Siti\n", "besar.csv", &options).expect_err("refused");
    assert_eq!(e.code(), "too-large");
}

// ---- Empty sheets and sheets with only a header ----

#[test]
fn an_empty_file_is_empty() {
    assert_eq!(read_err(b"", "kosong.csv").code(), "empty");
    assert_eq!(read_err(b"\r\n \n", "kosong.csv").code(), "empty");
    assert_eq!(read_err(b";;;\n;;\n", "kosong.csv").code(), "empty");
}

#[test]
fn a_workbook_whose_sheet_has_no_rows_is_empty() {
    let book = xlsx(|_| {});
    assert_eq!(read_err(&book, "kosong.xlsx").code(), "empty");
}

#[test]
fn a_sheet_with_only_headers_is_refused_with_its_headers() {
    let e = read_err(b"NO;NAMA;NIK\n", "header.csv");
    assert_eq!(e.code(), "only-headers");
    let Error::OnlyHeaders { headers, .. } = &e else {
        panic!("{e:?}")
    };
    assert_eq!(headers, &["NO", "NAMA", "NIK"]);

    let book = xlsx(|s| {
        s.write_string(0, 0, "NO").expect("cell");
        s.write_string(0, 1, "NAMA").expect("cell");
    });
    assert_eq!(read_err(&book, "header.xlsx").code(), "only-headers");
}

// ---- What cells hold ----

#[test]
fn merged_header_cells_name_every_column_they_cover() {
    let book = xlsx(|s| {
        let plain = XFormat::new();
        s.merge_range(0, 0, 0, 3, "DATA PMI PURNA KAB. SERANG", &plain)
            .expect("merge");
        s.write_string(1, 0, "No").expect("cell");
        s.merge_range(1, 1, 1, 2, "Alamat", &plain).expect("merge");
        s.write_string(1, 3, "NIK").expect("cell");
        s.write_string(2, 0, "1").expect("cell");
        s.write_string(2, 1, "Kp. Baru").expect("cell");
        s.write_string(2, 2, "Cikande").expect("cell");
        s.write_string(2, 3, "3604").expect("cell");
    });
    let sheet = read_ok(&book, "gabung.xlsx");
    assert_eq!(sheet.header_line, 2);
    assert_eq!(sheet.headers, ["No", "Alamat", "Alamat (2)", "NIK"]);
    assert_eq!(cells(&sheet), [["1", "Kp. Baru", "Cikande", "3604"]]);
}

#[test]
fn a_header_with_a_merged_group_is_found_below_a_merged_title() {
    // Twelve columns, "Alamat" spanning four of them, the title spanning all.
    let book = xlsx(|s| {
        let plain = XFormat::new();
        s.merge_range(0, 0, 0, 11, "DATA PMI PURNA", &plain)
            .expect("merge");
        for (col, h) in ["No", "Nama", "NIK"].iter().enumerate() {
            s.write_string(1, col as u16, *h).expect("cell");
        }
        s.merge_range(1, 3, 1, 6, "Alamat", &plain).expect("merge");
        for col in 7..12u16 {
            s.write_string(1, col, format!("Kolom {col}"))
                .expect("cell");
        }
        for col in 0..12u16 {
            s.write_string(2, col, format!("v{col}")).expect("cell");
        }
    });
    let sheet = read_ok(&book, "lebar.xlsx");
    assert_eq!(sheet.header_line, 2);
    assert_eq!(
        sheet.headers[2..7],
        ["NIK", "Alamat", "Alamat (2)", "Alamat (3)", "Alamat (4)"]
    );
    assert_eq!(sheet.rows.len(), 1);
}

#[test]
fn formulas_give_their_value_never_their_text() {
    let book = xlsx(|s| {
        s.write_string(0, 0, "UMUR").expect("cell");
        s.write_string(0, 1, "DUA KALI").expect("cell");
        s.write_number(1, 0, 42.0).expect("cell");
        s.write_formula(1, 1, Formula::new("=A2*2").set_result("84"))
            .expect("cell");
    });
    let sheet = read_ok(&book, "rumus.xlsx");
    assert_eq!(cells(&sheet), [["42", "84"]]);
}

#[test]
fn dates_come_out_as_the_domain_reads_them() {
    let book = xlsx(|s| {
        let date = XFormat::new().set_num_format("dd/mm/yyyy");
        s.write_string(0, 0, "TGL LAHIR").expect("cell");
        let d = ExcelDateTime::from_ymd(1990, 3, 12).expect("date");
        s.write_datetime_with_format(1, 0, &d, &date).expect("cell");
    });
    let sheet = read_ok(&book, "tanggal.xlsx");
    assert_eq!(cells(&sheet), [["1990-03-12"]]);
    let today = NaiveDate::from_ymd_opt(2026, 11, 27).expect("date");
    assert_eq!(
        emas_domain::date::parse_date(&sheet.rows[0].cells[0], today),
        NaiveDate::from_ymd_opt(1990, 3, 12)
    );
}

#[test]
fn niks_and_phones_stored_as_numbers_keep_every_digit() {
    let book = xlsx(|s| {
        for (col, h) in ["NIK", "NO HP", "TINGGI"].iter().enumerate() {
            s.write_string(0, col as u16, *h).expect("cell");
        }
        s.write_number(1, 0, 3_604_014_507_900_001.0).expect("cell");
        s.write_number(1, 1, 6_281_234_567_890.0).expect("cell");
        s.write_number(1, 2, 155.5).expect("cell");
    });
    let sheet = read_ok(&book, "angka.xlsx");
    assert_eq!(
        cells(&sheet),
        [["3604014507900001", "6281234567890", "155.5"]]
    );
}

/// An ODS whose one sheet holds `rows` (the XML of `table:table-row` elements).
fn ods(rows: &str) -> Vec<u8> {
    let content = format!(
        r#"<?xml version="1.0" encoding="UTF-8"?>
<office:document-content xmlns:office="urn:oasis:names:tc:opendocument:xmlns:office:1.0" xmlns:table="urn:oasis:names:tc:opendocument:xmlns:table:1.0" xmlns:text="urn:oasis:names:tc:opendocument:xmlns:text:1.0" office:version="1.2">
<office:body><office:spreadsheet><table:table table:name="Sheet1">{rows}</table:table></office:spreadsheet></office:body></office:document-content>"#
    );
    zip_of(&[
        (
            "mimetype",
            b"application/vnd.oasis.opendocument.spreadsheet",
        ),
        ("META-INF/manifest.xml", b"<manifest:manifest/>"),
        ("content.xml", content.as_bytes()),
    ])
}

const ODS_HEADER: &str = r#"<table:table-row><table:table-cell office:value-type="string"><text:p>NAMA</text:p></table:table-cell><table:table-cell office:value-type="string"><text:p>NIK</text:p></table:table-cell></table:table-row>"#;

#[test]
fn an_ods_from_libreoffice_reads() {
    let rows = format!(
        r#"{ODS_HEADER}<table:table-row><table:table-cell office:value-type="string"><text:p>Siti</text:p></table:table-cell><table:table-cell office:value-type="float" office:value="3604014507900001"><text:p>3604014507900001</text:p></table:table-cell><table:table-cell table:number-columns-repeated="1022"/></table:table-row><table:table-row table:number-rows-repeated="1048573"><table:table-cell table:number-columns-repeated="1024"/></table:table-row>"#
    );
    // LibreOffice writes the empty rest of the sheet as repeats: harmless, and read as such.
    let sheet = read_ok(&ods(&rows), "daftar.ods");
    assert_eq!(sheet.format, Format::Ods);
    assert_eq!(sheet.headers, ["NAMA", "NIK"]);
    assert_eq!(cells(&sheet), [["Siti", "3604014507900001"]]);
}

#[test]
fn an_ods_repeating_a_filled_row_a_million_times_is_refused_before_it_is_built() {
    // Under a kilobyte on disk; 60 million cells if built.
    let rows = format!(
        r#"{ODS_HEADER}<table:table-row table:number-rows-repeated="1000000"><table:table-cell table:number-columns-repeated="60" office:value-type="string"><text:p>x</text:p></table:table-cell></table:table-row>"#
    );
    let started = std::time::Instant::now();
    let e = read_err(&ods(&rows), "bom.ods");
    assert_eq!(e.code(), "too-many-rows");
    assert!(started.elapsed().as_secs() < 5, "refused before building");

    let wide = format!(
        r#"{ODS_HEADER}<table:table-row><table:table-cell table:number-columns-repeated="10000" office:value-type="string"><text:p>x</text:p></table:table-cell></table:table-row>"#
    );
    assert_eq!(
        read_err(&ods(&wide), "lebar.ods").code(),
        "too-many-columns"
    );
}

#[test]
fn an_xlsb_is_refused_as_unsupported() {
    let xlsb = zip_of(&[("xl/workbook.bin", b"\x83\x01\x00")]);
    let e = read_err(&xlsb, "biner.xlsb");
    assert_eq!(e.code(), "unsupported");
    assert!(e.to_string().contains("save it as XLSX"), "{e}");
}

#[test]
fn an_xls_from_old_excel_reads_with_its_title_merges_numbers_and_dates() {
    let xls = include_bytes!("fixtures/pulang.xls");
    let sheet = read_ok(xls, "pulang.xls");
    assert_eq!(sheet.format, Format::Xls);
    assert_eq!(sheet.header_line, 2);
    assert_eq!(
        sheet.headers,
        ["No", "Alamat", "Alamat (2)", "NIK", "Tgl Pulang"]
    );
    assert_eq!(
        cells(&sheet),
        [["1", "Kp. Baru", "Cikande", "3604014507900001", "2024-05-17"]]
    );
}

#[test]
fn a_damaged_xls_is_corrupt() {
    let xls = include_bytes!("fixtures/pulang.xls");
    let e = read_err(&xls[..2048], "pulang.xls");
    assert_eq!(e.code(), "corrupt", "{e}");
}

// ---- Limits ----

#[test]
fn a_row_with_ten_thousand_columns_is_refused_naming_the_limit() {
    let mut csv = String::from("NO;NAMA\n");
    csv.push_str(&vec!["x"; 10_000].join(";"));
    let e = read_err(csv.as_bytes(), "lebar.csv");
    assert_eq!(e.code(), "too-many-columns");
    assert_eq!(
        e.to_string(),
        "lebar.csv: row 2 has 10000 columns, more than the limit of 500"
    );

    let book = xlsx(|s| {
        s.write_string(0, 0, "NO").expect("cell");
        s.write_string(1, 9_999, "x").expect("cell");
    });
    let e = read_err(&book, "lebar.xlsx");
    assert_eq!(e.code(), "too-many-columns");
    assert!(e.to_string().contains("limit of 500"), "{e}");
}

#[test]
fn too_many_rows_and_overlong_cells_are_refused() {
    let options = ReadOptions {
        limits: Limits {
            max_rows: 2,
            max_cell_chars: 10,
            ..Limits::default()
        },
        ..ReadOptions::default()
    };
    let rows = read_bytes(b"NO\n1\n2\n3\n", "banyak.csv", &options).expect_err("refused");
    assert_eq!(rows.code(), "too-many-rows");
    let long = read_bytes(b"NO;NAMA\n1;Siti Aminah binti\n", "panjang.csv", &options)
        .expect_err("refused");
    assert_eq!(long.code(), "cell-too-long");
    assert!(long.to_string().contains("row 2, column 2"), "{long}");
}

#[test]
fn sparse_rows_cannot_blow_up_a_collected_sheet() {
    // Each row is a few bytes on disk and, padded to its last column, 400 cells in memory.
    let mut csv = String::from("NO;NAMA\n");
    for _ in 0..1_000 {
        csv.push_str(&";".repeat(399));
        csv.push_str("x\n");
    }
    let options = ReadOptions {
        limits: Limits {
            max_cells: 100_000,
            ..Limits::default()
        },
        ..ReadOptions::default()
    };
    let e = read_bytes(csv.as_bytes(), "jarang.csv", &options).expect_err("refused");
    assert_eq!(e.code(), "too-many-cells");
    // Read row by row, the same file is fine: only one row is held at a time.
    let rows = std::cell::Cell::new(0);
    visit_bytes(csv.as_bytes(), "jarang.csv", &options, &mut |row| {
        if let Row::Data { .. } = row {
            rows.set(rows.get() + 1);
        }
        Ok::<(), Error>(())
    })
    .expect("visits");
    assert_eq!(rows.get(), 1_000);
}

// ---- Streaming ----

#[test]
fn a_visitor_sees_the_header_then_each_row_and_can_stop_the_reading() {
    #[derive(Debug)]
    enum Stop {
        Sheet,
        Enough,
    }
    impl From<Error> for Stop {
        fn from(_: Error) -> Self {
            Stop::Sheet
        }
    }
    let mut seen = Vec::new();
    let result = visit_bytes(
        b"NO;NAMA\n1;Siti\n2;Budi\n3;Ani\n",
        "daftar.csv",
        &ReadOptions::default(),
        &mut |row| {
            match row {
                Row::Header { headers, .. } => seen.push(headers.join("|")),
                Row::Data { line, cells } => {
                    seen.push(format!("{line}:{}", cells.join("|")));
                    if line == 3 {
                        return Err(Stop::Enough);
                    }
                }
            }
            Ok(())
        },
    );
    assert!(matches!(result, Err(Stop::Enough)), "{result:?}");
    assert_eq!(seen, ["NO|NAMA", "2:1|Siti", "3:2|Budi"]);
}

#[test]
fn the_command_line_reads_a_path_and_names_it_in_errors() {
    let dir = std::env::temp_dir().join(format!("emas-sheets-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("temp dir");
    let good = dir.join("daftar.csv");
    std::fs::write(&good, "NO;NAMA\n1;Siti\n").expect("write");
    let sheet = read_path(&good, &ReadOptions::default()).expect("reads");
    assert_eq!(cells(&sheet), [["1", "Siti"]]);

    let missing = dir.join("tidak-ada.csv");
    let e = read_path(&missing, &ReadOptions::default()).expect_err("missing");
    assert_eq!(e.code(), "io");
    assert!(e.to_string().contains("tidak-ada.csv"), "{e}");
    std::fs::remove_dir_all(&dir).expect("cleanup");
}
