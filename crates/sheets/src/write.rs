//! Writing sheets for people to open in Excel or LibreOffice, safe from formula injection
//! (OWASP, "CSV Injection"): a value a registrar typed as `=HYPERLINK(...)` must stay text.
//!
//! XLSX: every value is written as a string cell, which a spreadsheet never evaluates, so
//! values need no prefix and phones such as "+6281234567890" stay exactly as they are.
//! CSV: a value that a spreadsheet would read as a formula is prefixed with a single quote;
//! see [`neutralise_csv_cell`] for where the line is drawn.

use std::{borrow::Cow, io::Write};

use rust_xlsxwriter::{Format, Workbook};

use crate::Error;

/// XLSX's last row is 1,048,576 and the header takes one.
const XLSX_MAX_DATA_ROWS: usize = 1_048_575;

/// The value as it is safe to put in a CSV cell.
///
/// A value starting with `=`, `@`, a tab or a carriage return is prefixed with `'`. A value
/// starting with `+` or `-` (after any spaces) is prefixed only when the rest could be more
/// than arithmetic on numbers: a phone ("+6281234567890", "+62 812-3456-7890") or a negative
/// number ("-12.5") is digits and separators only, which cannot call a function or reference
/// anything, so it is left as it is; "+cmd|'/C calc'!A0" or "-2+SUM(A1)" has letters or other
/// signs and is neutralised.
pub fn neutralise_csv_cell(value: &str) -> Cow<'_, str> {
    if is_formula_like(value) {
        Cow::Owned(format!("'{value}"))
    } else {
        Cow::Borrowed(value)
    }
}

fn is_formula_like(value: &str) -> bool {
    if value.starts_with(['\t', '\r']) {
        return true;
    }
    let trimmed = value.trim_start_matches(' ');
    let mut chars = trimmed.chars();
    match chars.next() {
        Some('=' | '@') => true,
        Some('+' | '-') => !is_plain_number(chars.as_str()),
        _ => false,
    }
}

/// Digits with the separators people write numbers and phones with, and at least one digit.
fn is_plain_number(s: &str) -> bool {
    s.chars().any(|c| c.is_ascii_digit())
        && s.chars()
            .all(|c| c.is_ascii_digit() || matches!(c, ' ' | '.' | ',' | '-' | '(' | ')' | '/'))
}

/// Writes a CSV (UTF-8 with a BOM, so Excel reads names with accents correctly; comma
/// separated) row by row to `out`: nothing is held but the row being written.
pub fn write_csv<W, H, R, C>(headers: &[H], rows: R, out: W) -> Result<(), Error>
where
    W: Write,
    H: AsRef<str>,
    R: IntoIterator,
    R::Item: IntoIterator<Item = C>,
    C: AsRef<str>,
{
    let mut out = out;
    out.write_all(b"\xEF\xBB\xBF")?;
    let mut writer = csv::WriterBuilder::new().flexible(true).from_writer(out);
    let csv_err = |e: csv::Error| Error::Write {
        detail: e.to_string(),
    };
    writer
        .write_record(
            headers
                .iter()
                .map(|h| neutralise_csv_cell(h.as_ref()).into_owned()),
        )
        .map_err(csv_err)?;
    let mut record: Vec<String> = Vec::new();
    for row in rows {
        record.clear();
        record.extend(
            row.into_iter()
                .map(|c| neutralise_csv_cell(c.as_ref()).into_owned()),
        );
        writer.write_record(&record).map_err(csv_err)?;
    }
    writer.flush()?;
    Ok(())
}

/// Writes an XLSX with a bold, frozen header row and a filter, every value a string cell.
///
/// The rows are taken from an iterator, so the caller need not hold them: the workbook holds
/// them once (rust_xlsxwriter keeps a worksheet in memory until it is saved; its
/// constant-memory mode would write temporary files, which this crate does not do). More than
/// 1,048,575 rows do not fit in XLSX and are an error.
pub fn write_xlsx<W, H, R, C>(headers: &[H], rows: R, out: W) -> Result<(), Error>
where
    W: Write + Send,
    H: AsRef<str>,
    R: IntoIterator,
    R::Item: IntoIterator<Item = C>,
    C: AsRef<str>,
{
    let xlsx_err = |e: rust_xlsxwriter::XlsxError| Error::Write {
        detail: e.to_string(),
    };
    let mut book = Workbook::new();
    let sheet = book.add_worksheet();
    let bold = Format::new().set_bold();
    let mut width = 0u16;
    for (col, h) in headers.iter().enumerate() {
        let col = column(col)?;
        sheet
            .write_string_with_format(0, col, h.as_ref(), &bold)
            .map_err(xlsx_err)?;
        width = col + 1;
    }
    let mut last_row = 0u32;
    for (i, row) in rows.into_iter().enumerate() {
        if i >= XLSX_MAX_DATA_ROWS {
            return Err(Error::Write {
                detail: format!("XLSX holds at most {XLSX_MAX_DATA_ROWS} data rows; export CSV"),
            });
        }
        // Proven above: i < 1,048,575 fits in u32.
        last_row = u32::try_from(i + 1).map_err(|e| Error::Write {
            detail: e.to_string(),
        })?;
        for (col, value) in row.into_iter().enumerate() {
            let value = value.as_ref();
            if value.is_empty() {
                continue;
            }
            sheet
                .write_string(last_row, column(col)?, value)
                .map_err(xlsx_err)?;
        }
    }
    if width > 0 {
        sheet.set_freeze_panes(1, 0).map_err(xlsx_err)?;
        sheet
            .autofilter(0, 0, last_row, width - 1)
            .map_err(xlsx_err)?;
    }
    book.save_to_writer(out).map_err(xlsx_err)
}

fn column(i: usize) -> Result<u16, Error> {
    u16::try_from(i)
        .ok()
        .filter(|&c| c < 16_384)
        .ok_or_else(|| Error::Write {
            detail: format!(
                "XLSX holds at most 16,384 columns, this sheet has {}",
                i + 1
            ),
        })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn phones_and_negative_numbers_are_not_formulas() {
        for safe in [
            "+6281234567890",
            "+62 812-3456-7890",
            "-12.5",
            "-1,234",
            "081234567890",
            "Siti",
            "",
        ] {
            assert_eq!(neutralise_csv_cell(safe), safe, "{safe}");
        }
    }

    #[test]
    fn formulas_are_neutralised() {
        for formula in [
            "=1+1",
            "=HYPERLINK(\"http://x\",\"klik\")",
            "@SUM(A1:A2)",
            "+cmd|' /C calc'!A0",
            "-2+3+cmd|' /C calc'!A0",
            "+A1",
            "-",
            "\t=1",
            "\r=1",
            "  =1+1",
        ] {
            assert_eq!(
                neutralise_csv_cell(formula),
                format!("'{formula}"),
                "{formula}"
            );
        }
    }
}
