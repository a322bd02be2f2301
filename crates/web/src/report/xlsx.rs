//! The meeting report as a workbook: a summary sheet (title, region, period, key figures, the
//! narrative, sources and method) and one sheet per table, so that an analyst can take the
//! figures further. Every cell is written as a string exactly as the PDF shows it ("<5" and "–"
//! included), never as a formula.

use rust_xlsxwriter::{Format, Workbook, Worksheet, XlsxError};

use super::Report;

/// A sheet name Excel accepts: at most 31 characters, none of `[]:*?/\`, unique in the book.
fn sheet_name(title: &str, taken: &mut Vec<String>) -> String {
    let clean: String = title
        .chars()
        .filter(|c| !"[]:*?/\\".contains(*c))
        .take(28)
        .collect();
    let mut name = clean.trim().to_owned();
    let mut n = 2;
    while taken.iter().any(|t| t.eq_ignore_ascii_case(&name)) {
        name = format!("{} {n}", clean.chars().take(26).collect::<String>().trim());
        n += 1;
    }
    taken.push(name.clone());
    name
}

fn rows(
    sheet: &mut Worksheet,
    at: u32,
    head: &[String],
    rows: &[Vec<String>],
    bold: &Format,
) -> Result<u32, XlsxError> {
    for (c, h) in head.iter().enumerate() {
        sheet.write_string_with_format(at, c as u16, h, bold)?;
    }
    for (i, r) in rows.iter().enumerate() {
        for (c, v) in r.iter().enumerate() {
            sheet.write_string(at + 1 + i as u32, c as u16, v)?;
        }
    }
    Ok(at + 1 + rows.len() as u32)
}

/// The report as an XLSX file.
pub fn render(r: &Report) -> Result<Vec<u8>, XlsxError> {
    let l = r.lang;
    let mut book = Workbook::new();
    let bold = Format::new().set_bold();
    let title = Format::new().set_bold().set_font_size(14);
    let mut taken = Vec::new();

    let summary = book.add_worksheet();
    summary.set_name(sheet_name(&l.t("report-summary"), &mut taken))?;
    summary.set_column_width(0, 48)?;
    summary.set_column_width(1, 22)?;
    summary.write_string_with_format(0, 0, &r.title, &title)?;
    summary.write_string(1, 0, &r.region_name)?;
    summary.write_string(
        2,
        0,
        format!(
            "{} {} – {}",
            l.t("dashboard-period"),
            r.from.format("%d-%m-%Y"),
            r.to.format("%d-%m-%Y")
        ),
    )?;
    summary.write_string(
        3,
        0,
        format!(
            "{} {}",
            l.t("report-generated"),
            r.generated_on.format("%d-%m-%Y")
        ),
    )?;
    let figures: Vec<Vec<String>> = r
        .key_figures
        .iter()
        .map(|(k, v)| vec![k.clone(), v.clone()])
        .collect();
    let mut at = rows(
        summary,
        5,
        &[l.t("report-figure"), l.t("report-value")],
        &figures,
        &bold,
    )?;
    at += 1;
    for (heading, lines) in [
        (l.t("report-narrative"), &r.narrative),
        (l.t("report-sources"), &r.sources),
        (l.t("report-method"), &r.method),
    ] {
        summary.write_string_with_format(at, 0, heading, &bold)?;
        at += 1;
        for line in lines {
            summary.write_string(at, 0, line)?;
            at += 1;
        }
        at += 1;
    }

    for s in &r.sections {
        let sheet = book.add_worksheet();
        sheet.set_name(sheet_name(&s.title, &mut taken))?;
        sheet.set_column_width(0, 36)?;
        sheet.write_string_with_format(0, 0, &s.title, &title)?;
        rows(sheet, 2, &s.head, &s.rows, &bold)?;
        sheet.set_freeze_panes(3, 1)?;
    }
    book.save_to_buffer()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sheet_names_are_short_clean_and_unique() {
        let mut taken = Vec::new();
        let a = sheet_name("Peserta menurut tahap yang dicapai [semua]", &mut taken);
        let b = sheet_name("Peserta menurut tahap yang dicapai [lagi]", &mut taken);
        assert!(a.chars().count() <= 31 && b.chars().count() <= 31);
        assert!(!a.contains('['));
        assert_ne!(a, b);
    }
}
