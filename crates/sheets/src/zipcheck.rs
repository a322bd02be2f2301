//! Measuring a ZIP archive (XLSX, XLSB, ODS) from its central directory before anything is
//! expanded, so a zip bomb is refused at the cost of reading a directory.
//!
//! The declared sizes can lie; the `zip` crate (9.x) stops any entry that expands past its
//! declared size with an error, so the sizes checked here also bound what calamine inflates
//! afterwards (a test builds such a lying archive).

use std::io::{Cursor, Read};

use zip::ZipArchive;

use crate::{
    Error,
    detect::{Content, Format},
    read::Limits,
};

/// Deflate cannot pack better than about 1032:1; an entry near that is filler, not a sheet.
/// Real XLSX parts stay far below (a very repetitive sheet reaches a few hundred to one).
const MAX_RATIO: u64 = 1000;
/// Entries smaller than this are never refused by ratio: a tiny part of zeros is harmless.
const RATIO_FLOOR: u64 = 1 << 20;
/// A workbook has tens of parts; thousands means the directory itself is the attack.
const MAX_ENTRIES: usize = 10_000;

pub(crate) fn inspect(bytes: &[u8], file: &str, limits: &Limits) -> Result<Content, Error> {
    let corrupt = |detail: String| Error::Corrupt {
        file: file.into(),
        detail,
    };
    let mut archive = ZipArchive::new(Cursor::new(bytes))
        .map_err(|e| corrupt(format!("not a valid ZIP archive ({e})")))?;
    if archive.len() > MAX_ENTRIES {
        return Err(corrupt(format!(
            "the archive has {} parts, a workbook has far fewer",
            archive.len()
        )));
    }
    let mut total: u64 = 0;
    let mut names = Vec::with_capacity(archive.len());
    for i in 0..archive.len() {
        let entry = archive
            .by_index_raw(i)
            .map_err(|e| corrupt(format!("part {i} cannot be read ({e})")))?;
        if entry.encrypted() {
            return Err(Error::PasswordProtected { file: file.into() });
        }
        let size = entry.size();
        let packed = entry.compressed_size().max(1);
        total = total.saturating_add(size);
        let ratio = size / packed;
        if total > limits.max_uncompressed_bytes || (size > RATIO_FLOOR && ratio > MAX_RATIO) {
            return Err(Error::ZipBomb {
                file: file.into(),
                uncompressed: total,
                limit: limits.max_uncompressed_bytes,
                ratio,
            });
        }
        let name = entry
            .name()
            .map_err(|e| corrupt(format!("part {i} has a bad name ({e})")))?;
        names.push(name.into_owned());
    }
    let has = |name: &str| names.iter().any(|n| n == name);
    if has("xl/workbook.xml") {
        return Ok(Content::Sheet(Format::Xlsx));
    }
    if has("xl/workbook.bin") {
        return Ok(Content::Sheet(Format::Xlsb));
    }
    if has("word/document.xml") {
        return Ok(Content::Word);
    }
    if has("mimetype") && has("content.xml") {
        let mut mimetype = String::new();
        archive
            .by_name("mimetype")
            .map_err(|e| corrupt(e.to_string()))?
            .take(200)
            .read_to_string(&mut mimetype)
            .map_err(|e| corrupt(e.to_string()))?;
        if mimetype.trim() == "application/vnd.oasis.opendocument.spreadsheet" {
            return Ok(Content::Sheet(Format::Ods));
        }
    }
    Ok(Content::OtherZip)
}
