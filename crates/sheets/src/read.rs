//! Reading a sheet: the format decided by content (see `detect`), then rows from CSV text or
//! from a workbook, each shaped the same way: blank rows skipped, trailing empty cells
//! trimmed, the limits checked, the header found below any title rows and named uniquely.
//!
//! Memory: CSV is decoded once and parsed row by row; an XLSX worksheet is streamed cell by
//! cell, so neither holds the rows again. XLS and ODS are read by calamine as a whole range
//! first: XLS is at most 65,536 rows of 256 columns, and an ODS's repeated rows and cells are
//! added up before calamine opens it (see `odscheck`). XLSB is refused as unsupported.

use std::{borrow::Cow, io::Cursor, path::Path};

use calamine::{Data, Dimensions, Ods, OdsError, Range, Reader, Xls, XlsError, Xlsx, XlsxError};

use crate::{
    Error,
    cell::{data_ref_text, data_text},
    detect::{self, Format},
    header::{HEADER_WINDOW, find_header, name_columns},
};

/// Limits that hold while reading, so a hostile file is refused rather than read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Limits {
    /// The most bytes a file may hold, and for ZIP-based workbooks the most its parts may
    /// expand to, as the archive declares them.
    pub max_uncompressed_bytes: u64,
    /// The most data rows (the header and blank rows do not count).
    pub max_rows: usize,
    /// The most columns a row may fill (trailing empty cells do not count).
    pub max_columns: usize,
    /// The most characters in one cell.
    pub max_cell_chars: usize,
    /// The most cells [`read_bytes`] and [`read_path`] collect into a [`Sheet`]. Rows and
    /// columns are limited one by one, but a file of sparse rows (one value at column 500 on
    /// each of a million rows) is small on disk and 500 million cells in memory; visitors hold
    /// one row at a time and are not bound by this.
    pub max_cells: usize,
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            // A million rows of six short columns already declare 256 MB of XLSX XML; the
            // worksheet is streamed, so this bounds work and the shared strings held, and
            // leaves room for real lists.
            max_uncompressed_bytes: 1024 * 1024 * 1024,
            max_rows: 1_000_000,
            max_columns: 500,
            max_cell_chars: 32 * 1024,
            // A million rows of thirty columns.
            max_cells: 30_000_000,
        }
    }
}

/// How to read a file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReadOptions {
    pub limits: Limits,
    /// The worksheet to read; the first one when `None`. CSV has no worksheets.
    pub sheet: Option<String>,
    /// Look for the header below title rows (the first row that fills at least half as many
    /// cells as the fullest of the first 20); when false, the first non-blank row is the header.
    pub find_header: bool,
}

impl Default for ReadOptions {
    fn default() -> Self {
        ReadOptions {
            limits: Limits::default(),
            sheet: None,
            find_header: true,
        }
    }
}

/// A row handed to a visitor: the header once, then each data row.
///
/// `line` is the row's number as the user sees it: the spreadsheet's row number, or the CSV
/// line on which the record starts. Data cells are padded to the header's width, so
/// `cells[i]` is the value of `headers[i]`; a row may be wider than the header, and then its
/// extra cells have no name.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Row<'a> {
    Header { line: usize, headers: &'a [String] },
    Data { line: usize, cells: &'a [String] },
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SheetRow {
    pub line: usize,
    pub cells: Vec<String>,
}

/// A whole sheet in memory. `headers` covers every column: a data row wider than the header
/// row gives its extra columns the names "column N".
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Sheet {
    pub format: Format,
    pub header_line: usize,
    pub headers: Vec<String>,
    pub rows: Vec<SheetRow>,
}

/// Reads a file's first (or chosen) sheet into memory.
///
/// A sheet with a header and no data rows is the error [`Error::OnlyHeaders`] (code
/// "only-headers"), not an empty `Ok`: an import of it would do nothing, and the user should be
/// told why. A file without any non-blank row is [`Error::Empty`].
pub fn read_bytes(bytes: &[u8], file_name: &str, options: &ReadOptions) -> Result<Sheet, Error> {
    let mut header_line = 0;
    let mut headers = Vec::new();
    let mut rows = Vec::new();
    let mut collected = 0usize;
    let max_cells = options.limits.max_cells;
    let format = visit_bytes(bytes, file_name, options, &mut |row| {
        match row {
            Row::Header { line, headers: h } => {
                header_line = line;
                headers = h.to_vec();
            }
            Row::Data { line, cells } => {
                collected = collected.saturating_add(cells.len());
                if collected > max_cells {
                    return Err(Error::TooManyCells {
                        file: file_name.into(),
                        limit: max_cells,
                    });
                }
                rows.push(SheetRow {
                    line,
                    cells: cells.to_vec(),
                });
            }
        }
        Ok(())
    })?;
    let widest = rows.iter().map(|r| r.cells.len()).max().unwrap_or(0);
    if widest > headers.len() {
        let mut raw = headers.clone();
        raw.resize(widest, String::new());
        headers = name_columns(&raw);
    }
    Ok(Sheet {
        format,
        header_line,
        headers,
        rows,
    })
}

/// Reads a file from disk into memory; see [`read_bytes`].
pub fn read_path(path: &Path, options: &ReadOptions) -> Result<Sheet, Error> {
    let bytes = read_file(path, &options.limits)?;
    read_bytes(&bytes, &path.display().to_string(), options)
}

/// Visits a file's rows one at a time: the header first, then each data row. The visitor's
/// error stops the reading and is returned; errors of reading become `E` through `From`.
/// Returns the format the file was read as.
pub fn visit_bytes<E: From<Error>>(
    bytes: &[u8],
    file_name: &str,
    options: &ReadOptions,
    visit: &mut dyn FnMut(Row<'_>) -> Result<(), E>,
) -> Result<Format, E> {
    let limits = &options.limits;
    let size = bytes.len() as u64;
    if size > limits.max_uncompressed_bytes {
        return Err(Error::TooLarge {
            file: file_name.into(),
            bytes: size,
            limit: limits.max_uncompressed_bytes,
        }
        .into());
    }
    let format = detect::decide(bytes, file_name, limits)?;
    let mut shaper = Shaper::new(file_name, options, visit);
    match format {
        Format::Csv => read_csv(bytes, &mut shaper)?,
        Format::Xlsx => read_xlsx(bytes, options.sheet.as_deref(), &mut shaper)?,
        Format::Xls => {
            let mut book = Xls::new(Cursor::new(bytes)).map_err(|e| xls_error(file_name, e))?;
            let name = pick_sheet(file_name, book.sheet_names(), options.sheet.as_deref())?;
            shaper.merges = book
                .merge_cells_by_sheet_name(&name)
                .map_err(|e| xls_error(file_name, e))?;
            let range = book
                .worksheet_range(&name)
                .map_err(|e| xls_error(file_name, e))?;
            read_range(&range, &mut shaper)?;
        }
        // calamine builds an XLSB sheet as one range from its first to its last cell, so a
        // tiny file with a cell at XFD1048576 would ask for 17 billion cells; XLSB is rare in
        // the offices, and Excel saves it as XLSX in one step.
        Format::Xlsb => {
            return Err(Error::Unsupported {
                file: file_name.into(),
                found: crate::Content::Sheet(Format::Xlsb),
            }
            .into());
        }
        Format::Ods => {
            crate::odscheck::check(bytes, file_name, limits)?;
            let mut book = Ods::new(Cursor::new(bytes)).map_err(|e| ods_error(file_name, e))?;
            let name = pick_sheet(file_name, book.sheet_names(), options.sheet.as_deref())?;
            let range = book
                .worksheet_range(&name)
                .map_err(|e| ods_error(file_name, e))?;
            read_range(&range, &mut shaper)?;
        }
    }
    shaper.finish()?;
    Ok(format)
}

/// Visits a file on disk; see [`visit_bytes`].
pub fn visit_path<E: From<Error>>(
    path: &Path,
    options: &ReadOptions,
    visit: &mut dyn FnMut(Row<'_>) -> Result<(), E>,
) -> Result<Format, E> {
    let bytes = read_file(path, &options.limits)?;
    visit_bytes(&bytes, &path.display().to_string(), options, visit)
}

/// Reads a file whole, after checking its size, so an oversized file is never loaded.
fn read_file(path: &Path, limits: &Limits) -> Result<Vec<u8>, Error> {
    let file = path.display().to_string();
    let io = |source| Error::Io {
        file: file.clone(),
        source,
    };
    let size = std::fs::metadata(path).map_err(io)?.len();
    if size > limits.max_uncompressed_bytes {
        return Err(Error::TooLarge {
            file: file.clone(),
            bytes: size,
            limit: limits.max_uncompressed_bytes,
        });
    }
    std::fs::read(path).map_err(io)
}

fn pick_sheet(file: &str, names: Vec<String>, wanted: Option<&str>) -> Result<String, Error> {
    match wanted {
        Some(w) if names.iter().any(|n| n == w) => Ok(w.to_owned()),
        Some(w) => Err(Error::NoSheet {
            file: file.into(),
            sheet: w.to_owned(),
            known: names.join(", "),
        }),
        None => names
            .into_iter()
            .next()
            .ok_or_else(|| Error::Empty { file: file.into() }),
    }
}

fn corrupt(file: &str, detail: impl ToString) -> Error {
    Error::Corrupt {
        file: file.into(),
        detail: detail.to_string(),
    }
}

fn xlsx_error(file: &str, e: XlsxError) -> Error {
    match e {
        XlsxError::Password => Error::PasswordProtected { file: file.into() },
        e => corrupt(file, e),
    }
}

fn xls_error(file: &str, e: XlsError) -> Error {
    match e {
        XlsError::Password => Error::PasswordProtected { file: file.into() },
        e => corrupt(file, e),
    }
}

fn ods_error(file: &str, e: OdsError) -> Error {
    corrupt(file, e)
}

/// Text from bytes: by BOM (UTF-8, UTF-16) when there is one, else UTF-8 when valid, else
/// Windows-1252, the encoding of CSV files saved by Excel on Indonesian Windows.
fn decode(bytes: &[u8]) -> Cow<'_, str> {
    let (text, encoding, had_errors) = encoding_rs::UTF_8.decode(bytes);
    if had_errors && encoding == encoding_rs::UTF_8 {
        let bytes = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes);
        encoding_rs::WINDOWS_1252
            .decode_without_bom_handling(bytes)
            .0
    } else {
        text
    }
}

/// The delimiter that separates the most fields on one of the first lines, outside quotes.
/// Several lines are looked at because a title line ("DATA PMI, KAB. SERANG") can hold a comma
/// while the table below is separated by semicolons.
fn sniff_delimiter(text: &str) -> u8 {
    const CANDIDATES: [u8; 4] = [b',', b';', b'\t', b'|'];
    let mut best = [0usize; 4];
    let mut line = [0usize; 4];
    let mut quoted = false;
    let mut lines = 0;
    for b in text.bytes().take(64 * 1024) {
        match b {
            b'"' => quoted = !quoted,
            b'\n' if !quoted => {
                for (k, n) in line.iter_mut().enumerate() {
                    best[k] = best[k].max(*n);
                    *n = 0;
                }
                lines += 1;
                if lines == HEADER_WINDOW {
                    break;
                }
            }
            _ if !quoted => {
                if let Some(k) = CANDIDATES.iter().position(|&c| c == b) {
                    line[k] += 1;
                }
            }
            _ => {}
        }
    }
    for (k, n) in line.iter().enumerate() {
        best[k] = best[k].max(*n);
    }
    let mut pick = 0;
    for k in 1..CANDIDATES.len() {
        if best[k] > best[pick] {
            pick = k;
        }
    }
    CANDIDATES[pick]
}

fn read_csv<E: From<Error>>(bytes: &[u8], shaper: &mut Shaper<'_, '_, E>) -> Result<(), E> {
    let text = decode(bytes);
    let mut reader = csv::ReaderBuilder::new()
        .delimiter(sniff_delimiter(&text))
        .has_headers(false)
        .flexible(true)
        .from_reader(text.as_bytes());
    let mut record = csv::StringRecord::new();
    // Lines are counted from byte offsets: the csv crate does not count the empty lines it
    // skips, and the user must find the row in their editor by the number given.
    let (mut counted_to, mut line) = (0usize, 1usize);
    loop {
        let more = reader
            .read_record(&mut record)
            .map_err(|e| corrupt(shaper.file, e))?;
        if !more {
            return Ok(());
        }
        let start = record
            .position()
            .map_or(counted_to, |p| p.byte() as usize)
            .clamp(counted_to, text.len());
        // The position can be that of the empty lines skipped before the record.
        let start = text.as_bytes()[start..]
            .iter()
            .position(|&b| b != b'\n' && b != b'\r')
            .map_or(text.len(), |k| start + k);
        line += text.as_bytes()[counted_to..start]
            .iter()
            .filter(|&&b| b == b'\n')
            .count();
        counted_to = start;
        let cells: Vec<String> = record.iter().map(str::to_owned).collect();
        shaper.push(line, cells)?;
    }
}

/// Streams an XLSX worksheet cell by cell, so a million rows are never a calamine `Range` (and
/// a lone cell at XFD1048576 cannot make one of 17 billion cells).
fn read_xlsx<E: From<Error>>(
    bytes: &[u8],
    wanted: Option<&str>,
    shaper: &mut Shaper<'_, '_, E>,
) -> Result<(), E> {
    let file = shaper.file;
    let mut book: Xlsx<_> = Xlsx::new(Cursor::new(bytes)).map_err(|e| xlsx_error(file, e))?;
    let name = pick_sheet(file, book.sheet_names(), wanted)?;
    shaper.merges = book
        .merge_cells_by_sheet_name(&name)
        .map_err(|e| xlsx_error(file, e))?;
    let mut cells = book
        .worksheet_cells_reader(&name)
        .map_err(|e| xlsx_error(file, e))?;
    let max_columns = shaper.options.limits.max_columns;
    let mut current: Option<(u32, Vec<String>)> = None;
    while let Some(cell) = cells.next_cell().map_err(|e| xlsx_error(file, e))? {
        let (row, col) = cell.get_position();
        let text = data_ref_text(cell.get_value());
        if current.as_ref().is_some_and(|(r, _)| *r != row)
            && let Some((r, done)) = current.take()
        {
            shaper.push(r as usize + 1, done)?;
        }
        let (_, values) = current.get_or_insert_with(|| (row, Vec::new()));
        if text.trim().is_empty() {
            continue;
        }
        let col = col as usize;
        if col >= max_columns {
            return Err(Error::TooManyColumns {
                file: file.into(),
                line: row as usize + 1,
                columns: col + 1,
                limit: max_columns,
            }
            .into());
        }
        if values.len() <= col {
            values.resize(col + 1, String::new());
        }
        values[col] = text;
    }
    if let Some((r, done)) = current {
        shaper.push(r as usize + 1, done)?;
    }
    Ok(())
}

/// Rows of a calamine range, with their absolute row numbers and columns.
fn read_range<E: From<Error>>(
    range: &Range<Data>,
    shaper: &mut Shaper<'_, '_, E>,
) -> Result<(), E> {
    let Some((top, left)) = range.start() else {
        return Ok(());
    };
    let left = left as usize;
    let max_columns = shaper.options.limits.max_columns;
    for (k, row) in range.rows().enumerate() {
        let line = top as usize + k + 1;
        let Some(last) = row.iter().rposition(|c| !data_text(c).trim().is_empty()) else {
            continue;
        };
        if left + last >= max_columns {
            return Err(Error::TooManyColumns {
                file: shaper.file.into(),
                line,
                columns: left + last + 1,
                limit: max_columns,
            }
            .into());
        }
        let mut cells = vec![String::new(); left];
        cells.extend(row[..=last].iter().map(data_text));
        shaper.push(line, cells)?;
    }
    Ok(())
}

/// Turns raw rows into the header and data rows a visitor sees, checking the limits.
struct Shaper<'a, 'v, E> {
    file: &'a str,
    options: &'a ReadOptions,
    visit: &'v mut dyn FnMut(Row<'_>) -> Result<(), E>,
    /// Merged ranges of the worksheet, so a header merged over several columns names each.
    merges: Vec<Dimensions>,
    /// The first non-blank rows, held until the header is found; `None` after.
    window: Option<Vec<(usize, Vec<String>)>>,
    width: usize,
    header_line: usize,
    headers: Vec<String>,
    data_rows: usize,
}

impl<'a, 'v, E: From<Error>> Shaper<'a, 'v, E> {
    fn new(
        file: &'a str,
        options: &'a ReadOptions,
        visit: &'v mut dyn FnMut(Row<'_>) -> Result<(), E>,
    ) -> Self {
        Shaper {
            file,
            options,
            visit,
            merges: Vec::new(),
            window: Some(Vec::new()),
            width: 0,
            header_line: 0,
            headers: Vec::new(),
            data_rows: 0,
        }
    }

    fn push(&mut self, line: usize, mut cells: Vec<String>) -> Result<(), E> {
        let limits = &self.options.limits;
        while cells.last().is_some_and(|c| c.trim().is_empty()) {
            cells.pop();
        }
        if cells.is_empty() {
            return Ok(());
        }
        if cells.len() > limits.max_columns {
            return Err(Error::TooManyColumns {
                file: self.file.into(),
                line,
                columns: cells.len(),
                limit: limits.max_columns,
            }
            .into());
        }
        for (i, c) in cells.iter().enumerate() {
            // Bytes bound characters from above, so most cells are cleared without counting.
            if c.len() > limits.max_cell_chars {
                let chars = c.chars().count();
                if chars > limits.max_cell_chars {
                    return Err(Error::CellTooLong {
                        file: self.file.into(),
                        line,
                        column: i + 1,
                        chars,
                        limit: limits.max_cell_chars,
                    }
                    .into());
                }
            }
        }
        match &mut self.window {
            Some(window) => {
                window.push((line, cells));
                if window.len() >= HEADER_WINDOW || !self.options.find_header {
                    self.settle_header()?;
                }
                Ok(())
            }
            None => self.data(line, cells),
        }
    }

    fn settle_header(&mut self) -> Result<(), E> {
        let Some(window) = self.window.take() else {
            return Ok(());
        };
        let rows: Vec<Vec<String>> = window.iter().map(|(_, c)| c.clone()).collect();
        let at = if self.options.find_header {
            find_header(&rows)
        } else {
            0
        };
        let (line, raw) = &window[at];
        let mut raw = raw.clone();
        self.fill_merged(*line, &mut raw, &window);
        self.header_line = *line;
        self.headers = name_columns(&raw);
        self.width = self.headers.len();
        (self.visit)(Row::Header {
            line: self.header_line,
            headers: &self.headers,
        })?;
        for (line, cells) in window.into_iter().skip(at + 1) {
            self.data(line, cells)?;
        }
        Ok(())
    }

    /// An empty header cell inside a merged range takes the range's value, so "Alamat" merged
    /// over three columns names all three ("Alamat", "Alamat (2)", "Alamat (3)").
    fn fill_merged(&self, line: usize, raw: &mut Vec<String>, window: &[(usize, Vec<String>)]) {
        let row = (line - 1) as u64;
        for merge in &self.merges {
            let (top, left) = (u64::from(merge.start.0), merge.start.1 as usize);
            let (bottom, right) = (u64::from(merge.end.0), merge.end.1 as usize);
            if row < top || row > bottom || right >= self.options.limits.max_columns {
                continue;
            }
            let value = window
                .iter()
                .find(|(l, _)| (*l as u64) == top + 1)
                .and_then(|(_, cells)| cells.get(left))
                .cloned()
                .unwrap_or_default();
            if value.trim().is_empty() {
                continue;
            }
            if raw.len() <= right {
                raw.resize(right + 1, String::new());
            }
            for cell in &mut raw[left..=right] {
                if cell.trim().is_empty() {
                    cell.clone_from(&value);
                }
            }
        }
    }

    fn data(&mut self, line: usize, mut cells: Vec<String>) -> Result<(), E> {
        self.data_rows += 1;
        if self.data_rows > self.options.limits.max_rows {
            return Err(Error::TooManyRows {
                file: self.file.into(),
                limit: self.options.limits.max_rows,
            }
            .into());
        }
        if cells.len() < self.width {
            cells.resize(self.width, String::new());
        }
        (self.visit)(Row::Data {
            line,
            cells: &cells,
        })
    }

    fn finish(mut self) -> Result<(), E> {
        if self.window.as_ref().is_some_and(Vec::is_empty) {
            return Err(Error::Empty {
                file: self.file.into(),
            }
            .into());
        }
        self.settle_header()?;
        if self.data_rows == 0 {
            return Err(Error::OnlyHeaders {
                file: self.file.into(),
                header_line: self.header_line,
                headers: self.headers,
            }
            .into());
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bom_utf16_and_windows_1252_are_decoded() {
        assert_eq!(decode(b"\xEF\xBB\xBFNAMA\n"), "NAMA\n");
        assert_eq!(decode(b"Jos\xE9\n"), "José\n");
        assert_eq!(decode(b"\xFF\xFEN\0O\0"), "NO");
    }

    #[test]
    fn delimiters_are_sniffed_past_a_title_line() {
        assert_eq!(sniff_delimiter("NO;NAMA;NIK\n1;a;b"), b';');
        assert_eq!(sniff_delimiter("\"A;B\",C,D\n"), b',');
        assert_eq!(sniff_delimiter("NO\tNAMA\n"), b'\t');
        assert_eq!(sniff_delimiter("NO|NAMA|NIK\n"), b'|');
        assert_eq!(
            sniff_delimiter("DATA PMI, KAB. SERANG\nNO;NAMA;NIK;ALAMAT\n"),
            b';'
        );
    }
}
