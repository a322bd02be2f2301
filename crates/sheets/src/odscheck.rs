//! An ODS file says "this row, 1,000,000 times" and "this cell, 60 times" in two attributes,
//! so a few hundred bytes of `content.xml` can stand for 60 million cells, which calamine
//! would build in memory. The repeats are added up here, streaming through the XML once,
//! before calamine opens the file.
//!
//! Only cells with a value count: LibreOffice writes the empty remainder of a sheet as one
//! row repeated a million times, which is harmless.

use std::io::{BufReader, Cursor, Read};

use zip::ZipArchive;

use crate::{Error, read::Limits};

/// Tags longer than this are skipped rather than collected: no real ODS tag comes close.
const MAX_TAG: usize = 64 * 1024;

#[derive(Default)]
struct Table {
    /// Rows seen so far, repeats included.
    rows: u64,
    /// The last row with a value, and the furthest column with a value.
    last_row: u64,
    last_col: u64,
    /// Cells with a value, repeats included.
    cells: u64,
}

pub(crate) fn check(bytes: &[u8], file: &str, limits: &Limits) -> Result<(), Error> {
    let corrupt = |detail: String| Error::Corrupt {
        file: file.into(),
        detail,
    };
    let mut archive = ZipArchive::new(Cursor::new(bytes)).map_err(|e| corrupt(e.to_string()))?;
    let content = archive
        .by_name("content.xml")
        .map_err(|e| corrupt(e.to_string()))?;
    let mut table = Table::default();
    // Within a row: its repeat count and the column reached.
    let mut row_repeat = 1u64;
    let mut col = 0u64;
    let mut row_has_value = false;
    let mut row_last_col = 0u64;
    let mut row_cells = 0u64;
    let mut tag: Vec<u8> = Vec::new();
    let mut in_tag = false;
    for byte in BufReader::new(content).bytes() {
        let b = byte.map_err(|e| corrupt(e.to_string()))?;
        if !in_tag {
            in_tag = b == b'<';
            tag.clear();
            continue;
        }
        if b != b'>' {
            if tag.len() < MAX_TAG {
                tag.push(b);
            }
            continue;
        }
        in_tag = false;
        // A closing tag starts with '/', a self-closing one ends with it.
        let name_end = tag
            .iter()
            .skip(1)
            .position(|c| c.is_ascii_whitespace() || *c == b'/')
            .map_or(tag.len(), |k| k + 1);
        match &tag[..name_end] {
            b"table:table" => table = Table::default(),
            b"table:table-row" => {
                row_repeat = repeat(&tag, b"table:number-rows-repeated=\"");
                col = 0;
                row_has_value = false;
                row_last_col = 0;
                row_cells = 0;
                if tag.ends_with(b"/") {
                    table.rows = table.rows.saturating_add(row_repeat);
                }
            }
            b"table:table-cell" | b"table:covered-table-cell" => {
                let n = repeat(&tag, b"table:number-columns-repeated=\"");
                col = col.saturating_add(n);
                if find(&tag, b"office:value-type=\"").is_some() {
                    row_has_value = true;
                    row_last_col = col;
                    row_cells = row_cells.saturating_add(n);
                }
            }
            b"/table:table-row" => {
                table.rows = table.rows.saturating_add(row_repeat);
                if row_has_value {
                    table.last_row = table.rows;
                    table.last_col = table.last_col.max(row_last_col);
                    table.cells = table
                        .cells
                        .saturating_add(row_cells.saturating_mul(row_repeat));
                }
            }
            _ => continue,
        }
        let max_rows = limits.max_rows as u64 + 1;
        let max_cells = limits.max_cells as u64;
        if table.last_col > limits.max_columns as u64 {
            return Err(Error::TooManyColumns {
                file: file.into(),
                line: (table.last_row.max(table.rows)) as usize,
                columns: table.last_col as usize,
                limit: limits.max_columns,
            });
        }
        // calamine holds the box from the first to the last value, blanks included.
        if table.last_row > max_rows
            || table.cells > max_cells
            || table.last_row.saturating_mul(table.last_col) > max_cells
        {
            return Err(Error::TooManyRows {
                file: file.into(),
                limit: limits.max_rows,
            });
        }
    }
    Ok(())
}

fn find(hay: &[u8], needle: &[u8]) -> Option<usize> {
    hay.windows(needle.len()).position(|w| w == needle)
}

/// The number in `attr"N"`, 1 when absent; an unreadable number counts as huge, so that it is
/// refused rather than trusted.
fn repeat(tag: &[u8], attr: &[u8]) -> u64 {
    let Some(at) = find(tag, attr) else {
        return 1;
    };
    let digits: Vec<u8> = tag[at + attr.len()..]
        .iter()
        .take_while(|c| **c != b'"')
        .copied()
        .collect();
    std::str::from_utf8(&digits)
        .ok()
        .and_then(|s| s.trim().parse().ok())
        .unwrap_or(u64::MAX)
}
