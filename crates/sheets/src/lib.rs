//! The one place where EMAS reads and writes spreadsheets: CSV, XLSX, XLS, XLSB and ODS in,
//! CSV and XLSX out. Every file is treated as hostile: its format is decided by its content,
//! archives are measured before they are expanded, and limits on rows, columns and cell sizes
//! hold while reading, so a bad upload ends in an [`Error`] the web layer can translate
//! (see [`Error::code`]) instead of an exhausted server.
//!
//! Reading: [`read_bytes`] / [`read_path`] collect a [`Sheet`]; [`visit_bytes`] /
//! [`visit_path`] hand rows to a closure one at a time for large files.
//! Writing: [`write_csv`] and [`write_xlsx`], both safe against formula injection.

mod cell;
mod detect;
mod error;
mod header;
pub mod read;
pub mod write;
mod zipcheck;

pub use detect::{Content, Format};
pub use error::Error;
pub use read::{
    Limits, ReadOptions, Row, Sheet, SheetRow, read_bytes, read_path, visit_bytes, visit_path,
};
pub use write::{neutralise_csv_cell, write_csv, write_xlsx};
