//! The one place where EMAS reads and writes spreadsheets: CSV, XLSX, XLS and ODS in,
//! CSV and XLSX out. Every file is treated as hostile: its format is decided by its content,
//! archives are measured before they are expanded, and limits on rows, columns and cell sizes
//! hold while reading, so a bad upload ends in an [`Error`] the web layer can translate
//! (see [`Error::code`]) instead of an exhausted server.
//!
//! Reading: [`read_bytes`] / [`read_path`] collect a [`Sheet`]; [`visit_bytes`] /
//! [`visit_path`] hand rows to a closure one at a time for large files.
//! Writing: [`write_csv`] and [`write_xlsx`], both safe against formula injection.
//!
//! ```
//! use emas_sheets::{Error, ReadOptions, Row, read_bytes, visit_bytes};
//!
//! let upload = b"DATA PMI PURNA\nNO;NAMA;NO HP\n1;Siti;+6281234567890\n";
//! let sheet = read_bytes(upload, "daftar.csv", &ReadOptions::default())?;
//! assert_eq!(sheet.headers, ["NO", "NAMA", "NO HP"]);
//! assert_eq!(sheet.rows[0].line, 3);
//!
//! // A large file, one row at a time; the importer's own error type wraps `Error`.
//! let mut phones = Vec::new();
//! visit_bytes(upload, "daftar.csv", &ReadOptions::default(), &mut |row| {
//!     if let Row::Data { cells, .. } = row {
//!         phones.push(cells[2].clone());
//!     }
//!     Ok::<(), Error>(())
//! })?;
//! assert_eq!(phones, ["+6281234567890"]);
//!
//! let refused = read_bytes(b"NO;NAMA\n", "laporan.xlsx", &ReadOptions::default());
//! assert_eq!(refused.map_err(|e| e.code()).err(), Some("not-xlsx"));
//! # Ok::<(), Error>(())
//! ```

mod cell;
mod detect;
mod error;
mod header;
mod odscheck;
pub mod read;
pub mod write;
mod zipcheck;

pub use detect::{Content, Format};
pub use error::Error;
pub use read::{
    Limits, ReadOptions, Row, Sheet, SheetRow, read_bytes, read_path, visit_bytes, visit_path,
};
pub use write::{neutralise_csv_cell, write_csv, write_xlsx};
