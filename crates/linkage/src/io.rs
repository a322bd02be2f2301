//! Reading source lists through the shared, hardened spreadsheet reader (`emas-sheets`: CSV in
//! any encoding and delimiter, XLSX, XLS, ODS; format by content). Rows are handed to a visitor
//! one at a time. Linkage reads lists an operator chose on the command line, often of millions of
//! rows, so the limits on rows and size are those of the machine, not of a web upload.

use std::path::Path;

use emas_sheets::{Limits, ReadOptions};

/// Why a source could not be read; the message names the file.
#[derive(Debug, thiserror::Error)]
#[error(transparent)]
pub struct ReadError(#[from] emas_sheets::Error);

/// A row of a source: the header first, then data rows with their 1-based line numbers.
pub enum Row<'a> {
    Header(&'a [String]),
    Data(usize, &'a [&'a str]),
}

fn options(sheet: Option<&str>) -> ReadOptions {
    ReadOptions {
        limits: Limits {
            max_uncompressed_bytes: 64 << 30,
            max_rows: usize::MAX,
            max_cells: usize::MAX,
            ..Limits::default()
        },
        sheet: sheet.map(str::to_owned),
        ..ReadOptions::default()
    }
}

/// The visitor's error, or the reader's, while the two travel through one channel.
enum Stop<E> {
    Visitor(E),
    Read(emas_sheets::Error),
}

impl<E> From<emas_sheets::Error> for Stop<E> {
    fn from(e: emas_sheets::Error) -> Self {
        Stop::Read(e)
    }
}

/// Reads a source and visits its rows. The visitor's error stops the reading.
pub fn read<E>(
    path: &Path,
    sheet: Option<&str>,
    visit: &mut dyn FnMut(Row<'_>) -> Result<(), E>,
) -> Result<Result<(), E>, ReadError> {
    let result =
        emas_sheets::visit_path(path, &options(sheet), &mut |row| -> Result<(), Stop<E>> {
            match row {
                emas_sheets::Row::Header { headers, .. } => {
                    visit(Row::Header(headers)).map_err(Stop::Visitor)
                }
                emas_sheets::Row::Data { line, cells } => {
                    let cells: Vec<&str> = cells.iter().map(String::as_str).collect();
                    visit(Row::Data(line, &cells)).map_err(Stop::Visitor)
                }
            }
        });
    match result {
        Ok(_) => Ok(Ok(())),
        Err(Stop::Visitor(e)) => Ok(Err(e)),
        Err(Stop::Read(e)) => Err(ReadError(e)),
    }
}
