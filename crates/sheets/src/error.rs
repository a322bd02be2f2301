//! The errors of reading and writing sheets: one enum, each variant with a stable code the web
//! layer translates into the user's language, and an English Display for the command line.

use crate::detect::{Content, Format};

#[derive(Debug, thiserror::Error)]
pub enum Error {
    #[error("cannot read {file}: {source}")]
    Io {
        file: String,
        source: std::io::Error,
    },
    #[error("{file} is too large: {bytes} bytes, the limit is {limit} bytes")]
    TooLarge {
        file: String,
        bytes: u64,
        limit: u64,
    },
    #[error("{file} is empty: it has no rows")]
    Empty { file: String },
    #[error("{file} is not {} file: it looks like {found}", expected.with_article())]
    NotWhatItsNameSays {
        file: String,
        expected: Format,
        found: Content,
    },
    #[error("{file} looks like {found}, which EMAS cannot read: save it as XLSX, XLS, ODS or CSV")]
    Unsupported { file: String, found: Content },
    #[error(
        "{file} is protected by a password: remove the password in the spreadsheet program and upload it again"
    )]
    PasswordProtected { file: String },
    #[error(
        "{file} would expand to {uncompressed} bytes (limit {limit}), or is packed {ratio}:1: refused as a possible zip bomb"
    )]
    ZipBomb {
        file: String,
        uncompressed: u64,
        limit: u64,
        ratio: u64,
    },
    #[error("{file} is damaged and cannot be read: {detail}")]
    Corrupt { file: String, detail: String },
    #[error("{file} has no worksheet named {sheet:?}; it has: {known}")]
    NoSheet {
        file: String,
        sheet: String,
        known: String,
    },
    #[error("{file} has a header row (line {header_line}) but no data rows")]
    OnlyHeaders {
        file: String,
        header_line: usize,
        headers: Vec<String>,
    },
    #[error("{file} has more than {limit} data rows")]
    TooManyRows { file: String, limit: usize },
    #[error("{file} has more than {limit} cells with its blank ones: read it row by row")]
    TooManyCells { file: String, limit: usize },
    #[error("{file}: row {line} has {columns} columns, more than the limit of {limit}")]
    TooManyColumns {
        file: String,
        line: usize,
        columns: usize,
        limit: usize,
    },
    #[error(
        "{file}: row {line}, column {column} holds {chars} characters, more than the limit of {limit}"
    )]
    CellTooLong {
        file: String,
        line: usize,
        column: usize,
        chars: usize,
        limit: usize,
    },
    #[error("cannot write the sheet: {detail}")]
    Write { detail: String },
}

impl Error {
    /// A stable identifier of the kind of error, for translations and API responses.
    pub fn code(&self) -> &'static str {
        match self {
            Error::Io { .. } => "io",
            Error::TooLarge { .. } => "too-large",
            Error::Empty { .. } => "empty",
            Error::NotWhatItsNameSays { expected, .. } => match expected {
                Format::Csv => "not-csv",
                Format::Xlsx => "not-xlsx",
                Format::Xlsb => "not-xlsb",
                Format::Xls => "not-xls",
                Format::Ods => "not-ods",
            },
            Error::Unsupported { .. } => "unsupported",
            Error::PasswordProtected { .. } => "password-protected",
            Error::ZipBomb { .. } => "zip-bomb",
            Error::Corrupt { .. } => "corrupt",
            Error::NoSheet { .. } => "no-sheet",
            Error::OnlyHeaders { .. } => "only-headers",
            Error::TooManyRows { .. } => "too-many-rows",
            Error::TooManyCells { .. } => "too-many-cells",
            Error::TooManyColumns { .. } => "too-many-columns",
            Error::CellTooLong { .. } => "cell-too-long",
            Error::Write { .. } => "write",
        }
    }
}

impl From<std::io::Error> for Error {
    /// Only the writers convert I/O errors this way; readers name the file they read.
    fn from(e: std::io::Error) -> Self {
        Error::Write {
            detail: e.to_string(),
        }
    }
}
