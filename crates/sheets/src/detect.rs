//! What a file is, decided by its first bytes and, for archives, by the names inside them;
//! never by its name alone. The name only says what the user expects, so that a mismatch can
//! be explained ("laporan.xlsx is not an XLSX file: it looks like an HTML page").

use std::fmt;

use crate::{Error, read::Limits, zipcheck};

/// A format EMAS reads.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    Csv,
    Xlsx,
    Xlsb,
    Xls,
    Ods,
}

impl Format {
    /// The format a file name promises, from its extension; `None` when it promises none
    /// that EMAS knows (then the content alone decides).
    pub fn from_name(file_name: &str) -> Option<Format> {
        let ext = file_name.rsplit_once('.')?.1.to_ascii_lowercase();
        match ext.as_str() {
            "csv" | "tsv" | "txt" => Some(Format::Csv),
            "xlsx" | "xlsm" => Some(Format::Xlsx),
            "xlsb" => Some(Format::Xlsb),
            "xls" => Some(Format::Xls),
            "ods" => Some(Format::Ods),
            _ => None,
        }
    }

    fn is_workbook(self) -> bool {
        !matches!(self, Format::Csv)
    }

    pub(crate) fn with_article(self) -> &'static str {
        match self {
            Format::Csv => "a CSV",
            Format::Xlsx => "an XLSX",
            Format::Xlsb => "an XLSB",
            Format::Xls => "an XLS",
            Format::Ods => "an ODS",
        }
    }
}

impl fmt::Display for Format {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Format::Csv => "CSV",
            Format::Xlsx => "XLSX",
            Format::Xlsb => "XLSB",
            Format::Xls => "XLS",
            Format::Ods => "ODS",
        })
    }
}

/// What a file's content looks like.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Content {
    Sheet(Format),
    /// An Office file encrypted with a password (an OLE compound file holding
    /// `EncryptedPackage`), which is how Excel saves a password-protected XLSX.
    EncryptedOffice,
    Pdf,
    Html,
    ExcelXml2003,
    Xml,
    Word,
    OtherZip,
    OtherOle,
    Image,
    Binary,
}

impl fmt::Display for Content {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Content::Sheet(format) => write!(f, "{format}"),
            Content::EncryptedOffice => f.write_str("a password-protected Office file"),
            Content::Pdf => f.write_str("a PDF document"),
            Content::Html => f.write_str("an HTML page"),
            Content::ExcelXml2003 => f.write_str("an Excel 2003 XML spreadsheet"),
            Content::Xml => f.write_str("an XML file"),
            Content::Word => f.write_str("a Word document"),
            Content::OtherZip => f.write_str("a ZIP archive"),
            Content::OtherOle => f.write_str("an Office file that is not a workbook"),
            Content::Image => f.write_str("an image"),
            Content::Binary => f.write_str("a binary file"),
        }
    }
}

const OLE_MAGIC: &[u8] = b"\xD0\xCF\x11\xE0\xA1\xB1\x1A\xE1";

/// Decides the format to read `bytes` as, or why they cannot be read.
///
/// A workbook named as another workbook format (a `.xls` that is really XLSX, as happens when
/// people rename files) is read by its content: the content is unambiguous and refusing would
/// help no one. Text named as a workbook, or a workbook named `.csv`, is refused.
pub(crate) fn decide(bytes: &[u8], file: &str, limits: &Limits) -> Result<Format, Error> {
    if bytes.iter().all(u8::is_ascii_whitespace) {
        return Err(Error::Empty { file: file.into() });
    }
    let content = sniff(bytes, file, limits)?;
    let expected = Format::from_name(file);
    match (content, expected) {
        (Content::EncryptedOffice, _) => Err(Error::PasswordProtected { file: file.into() }),
        (Content::Sheet(found), None) => Ok(found),
        (Content::Sheet(found), Some(exp)) if found == exp => Ok(found),
        (Content::Sheet(found), Some(exp)) if found.is_workbook() && exp.is_workbook() => Ok(found),
        // An OLE file without the stream names looked for may be a damaged XLS: calamine's
        // parse says what is wrong with it better than "not a workbook" would.
        (Content::OtherOle, Some(exp)) if exp.is_workbook() => Ok(Format::Xls),
        (found, Some(expected)) => Err(Error::NotWhatItsNameSays {
            file: file.into(),
            expected,
            found,
        }),
        (found, None) => Err(Error::Unsupported {
            file: file.into(),
            found,
        }),
    }
}

fn sniff(bytes: &[u8], file: &str, limits: &Limits) -> Result<Content, Error> {
    if bytes.starts_with(b"PK\x03\x04") || bytes.starts_with(b"PK\x05\x06") {
        return zipcheck::inspect(bytes, file, limits);
    }
    if bytes.starts_with(OLE_MAGIC) {
        return Ok(sniff_ole(bytes));
    }
    Ok(sniff_text(bytes))
}

/// An OLE compound file's directory holds its stream names in UTF-16; looking for them in the
/// raw bytes tells an encrypted package from a BIFF workbook without parsing the container
/// (calamine parses it properly afterwards, and its errors are mapped too).
fn sniff_ole(bytes: &[u8]) -> Content {
    let has = |name: &str| {
        let utf16: Vec<u8> = name
            .encode_utf16()
            .chain([0])
            .flat_map(u16::to_le_bytes)
            .collect();
        bytes.windows(utf16.len()).any(|w| w == utf16.as_slice())
    };
    if has("EncryptedPackage") {
        Content::EncryptedOffice
    } else if has("Workbook") || has("Book") {
        Content::Sheet(Format::Xls)
    } else if has("WordDocument") {
        Content::Word
    } else {
        Content::OtherOle
    }
}

fn sniff_text(bytes: &[u8]) -> Content {
    if bytes.starts_with(b"%PDF") {
        return Content::Pdf;
    }
    if bytes.starts_with(b"\x89PNG")
        || bytes.starts_with(b"\xFF\xD8\xFF")
        || bytes.starts_with(b"GIF8")
    {
        return Content::Image;
    }
    // UTF-16 text (Excel's "Unicode Text") has NUL bytes but is text all the same.
    if bytes.starts_with(b"\xFF\xFE") || bytes.starts_with(b"\xFE\xFF") {
        return Content::Sheet(Format::Csv);
    }
    let head = &bytes[..bytes.len().min(8192)];
    if head.contains(&0) {
        return Content::Binary;
    }
    let head = head.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(head);
    let start = head
        .iter()
        .position(|b| !b.is_ascii_whitespace())
        .unwrap_or(head.len());
    let lower = head[start..].to_ascii_lowercase();
    let contains = |needle: &[u8]| lower.windows(needle.len()).any(|w| w == needle);
    if lower.starts_with(b"<") {
        if contains(b"urn:schemas-microsoft-com:office:spreadsheet") {
            return Content::ExcelXml2003;
        }
        if contains(b"<html") || contains(b"<!doctype html") || contains(b"<table") {
            return Content::Html;
        }
        return Content::Xml;
    }
    Content::Sheet(Format::Csv)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_promise_formats_case_insensitively() {
        assert_eq!(Format::from_name("DATA PMI.XLSX"), Some(Format::Xlsx));
        assert_eq!(Format::from_name("daftar.csv"), Some(Format::Csv));
        assert_eq!(Format::from_name("tanpa-ekstensi"), None);
    }

    #[test]
    fn text_is_told_from_documents() {
        assert_eq!(sniff_text(b"%PDF-1.7\n"), Content::Pdf);
        assert_eq!(
            sniff_text(b"\xEF\xBB\xBF <!DOCTYPE html><html>"),
            Content::Html
        );
        assert_eq!(sniff_text(b"<table><tr><td>1</td></tr>"), Content::Html);
        assert_eq!(
            sniff_text(b"NO;NAMA\n1;Siti\n"),
            Content::Sheet(Format::Csv)
        );
        assert_eq!(sniff_text(b"\x00\x01\x02"), Content::Binary);
    }
}
