//! Readers of source lists: CSV (UTF-8 with or without BOM, or Windows-1252; comma, semicolon,
//! tab or pipe delimited) and spreadsheets (XLSX, XLS, ODS). Rows are handed to a visitor one at
//! a time, so a large CSV is never held as strings twice.

use std::path::{Path, PathBuf};

use calamine::{Data, Reader, open_workbook_auto};

#[derive(Debug, thiserror::Error)]
pub enum ReadError {
    #[error("cannot read {path}: {source}")]
    Open {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("cannot read {path} as CSV: {message}")]
    Csv { path: PathBuf, message: String },
    #[error("cannot read {path} as a spreadsheet: {message}")]
    Sheet { path: PathBuf, message: String },
    #[error("{path} has no worksheet named {sheet:?}; it has: {known}")]
    NoSheet {
        path: PathBuf,
        sheet: String,
        known: String,
    },
    #[error("{path} is empty: it has no header row")]
    NoHeader { path: PathBuf },
}

/// A row of a source: the header first, then data rows with their 1-based line numbers.
pub enum Row<'a> {
    Header(&'a [String]),
    Data(usize, &'a [&'a str]),
}

fn is_spreadsheet(path: &Path) -> bool {
    let ext = path
        .extension()
        .and_then(|e| e.to_str())
        .map(str::to_ascii_lowercase)
        .unwrap_or_default();
    matches!(ext.as_str(), "xlsx" | "xlsm" | "xls" | "xlsb" | "ods")
}

/// Reads a source and visits its rows. The visitor's error stops the reading.
pub fn read<E>(
    path: &Path,
    sheet: Option<&str>,
    visit: &mut dyn FnMut(Row<'_>) -> Result<(), E>,
) -> Result<Result<(), E>, ReadError> {
    if is_spreadsheet(path) {
        read_sheet(path, sheet, visit)
    } else {
        read_csv(path, visit)
    }
}

/// Decodes bytes: UTF-8 (its BOM dropped) when valid, else Windows-1252, the usual encoding
/// of CSV files saved by Excel on Indonesian Windows.
pub fn decode(bytes: Vec<u8>) -> String {
    let bytes = match bytes.strip_prefix(b"\xEF\xBB\xBF") {
        Some(rest) => rest.to_vec(),
        None => bytes,
    };
    match String::from_utf8(bytes) {
        Ok(s) => s,
        Err(e) => {
            let (text, _, _) = encoding_rs::WINDOWS_1252.decode(e.as_bytes());
            text.into_owned()
        }
    }
}

/// The delimiter most used in the header line (outside quotes).
pub fn sniff_delimiter(text: &str) -> u8 {
    let header = text.lines().next().unwrap_or("");
    let mut counts = [(b',', 0usize), (b';', 0), (b'\t', 0), (b'|', 0)];
    let mut quoted = false;
    for b in header.bytes() {
        if b == b'"' {
            quoted = !quoted;
        } else if !quoted && let Some(c) = counts.iter_mut().find(|c| c.0 == b) {
            c.1 += 1;
        }
    }
    counts
        .iter()
        .max_by_key(|c| c.1)
        .filter(|c| c.1 > 0)
        .map_or(b',', |c| c.0)
}

fn read_csv<E>(
    path: &Path,
    visit: &mut dyn FnMut(Row<'_>) -> Result<(), E>,
) -> Result<Result<(), E>, ReadError> {
    let bytes = std::fs::read(path).map_err(|source| ReadError::Open {
        path: path.to_owned(),
        source,
    })?;
    let text = decode(bytes);
    let mut reader = csv::ReaderBuilder::new()
        .delimiter(sniff_delimiter(&text))
        .has_headers(false)
        .flexible(true)
        .from_reader(text.as_bytes());
    let mut record = csv::StringRecord::new();
    let csv_err = |e: csv::Error| ReadError::Csv {
        path: path.to_owned(),
        message: e.to_string(),
    };
    if !reader.read_record(&mut record).map_err(csv_err)? {
        return Err(ReadError::NoHeader {
            path: path.to_owned(),
        });
    }
    let header: Vec<String> = record.iter().map(|h| h.trim().to_owned()).collect();
    if let Err(e) = visit(Row::Header(&header)) {
        return Ok(Err(e));
    }
    loop {
        let more = reader.read_record(&mut record).map_err(csv_err)?;
        if !more {
            break;
        }
        let line = record.position().map_or(0, |p| p.line() as usize);
        let row: Vec<&str> = record.iter().collect();
        if let Err(e) = visit(Row::Data(line, &row)) {
            return Ok(Err(e));
        }
    }
    Ok(Ok(()))
}

/// A spreadsheet cell as text. Whole numbers lose their ".0" (NIKs and phones are stored as
/// numbers); dates become their serial number, which the date parser reads.
fn cell_text(c: &Data) -> String {
    match c {
        Data::Empty | Data::Error(_) => String::new(),
        Data::String(s) | Data::DateTimeIso(s) | Data::DurationIso(s) => s.clone(),
        Data::Int(i) => i.to_string(),
        Data::Float(f) if f.fract() == 0.0 && f.abs() < 1e17 => format!("{f:.0}"),
        Data::Float(f) => f.to_string(),
        Data::Bool(b) => b.to_string(),
        Data::DateTime(d) => format!("{:.0}", d.as_f64().floor()),
    }
}

fn read_sheet<E>(
    path: &Path,
    sheet: Option<&str>,
    visit: &mut dyn FnMut(Row<'_>) -> Result<(), E>,
) -> Result<Result<(), E>, ReadError> {
    let sheet_err = |message: String| ReadError::Sheet {
        path: path.to_owned(),
        message,
    };
    let mut book = open_workbook_auto(path).map_err(|e| sheet_err(e.to_string()))?;
    let names = book.sheet_names();
    let name = match sheet {
        Some(s) if names.iter().any(|n| n == s) => s.to_owned(),
        Some(s) => {
            return Err(ReadError::NoSheet {
                path: path.to_owned(),
                sheet: s.to_owned(),
                known: names.join(", "),
            });
        }
        None => names.first().cloned().ok_or_else(|| ReadError::NoHeader {
            path: path.to_owned(),
        })?,
    };
    let range = book
        .worksheet_range(&name)
        .map_err(|e| sheet_err(e.to_string()))?;
    let mut rows = range.rows();
    let Some(first) = rows.next() else {
        return Err(ReadError::NoHeader {
            path: path.to_owned(),
        });
    };
    let header: Vec<String> = first
        .iter()
        .map(|c| cell_text(c).trim().to_owned())
        .collect();
    if let Err(e) = visit(Row::Header(&header)) {
        return Ok(Err(e));
    }
    let start = range.start().map_or(0, |(r, _)| r as usize);
    for (k, row) in rows.enumerate() {
        let texts: Vec<String> = row.iter().map(cell_text).collect();
        if texts.iter().all(|t| t.trim().is_empty()) {
            continue;
        }
        let cells: Vec<&str> = texts.iter().map(String::as_str).collect();
        if let Err(e) = visit(Row::Data(start + k + 2, &cells)) {
            return Ok(Err(e));
        }
    }
    Ok(Ok(()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bom_and_windows_1252_are_decoded() {
        assert_eq!(decode(b"\xEF\xBB\xBFNAMA\n".to_vec()), "NAMA\n");
        assert_eq!(decode(b"Jos\xE9\n".to_vec()), "José\n");
    }

    #[test]
    fn delimiters_are_sniffed() {
        assert_eq!(sniff_delimiter("NO;NAMA;NIK\n1;a;b"), b';');
        assert_eq!(sniff_delimiter("NO,NAMA\n"), b',');
        assert_eq!(sniff_delimiter("\"A;B\",C,D\n"), b',');
        assert_eq!(sniff_delimiter("NO\tNAMA\n"), b'\t');
    }
}
