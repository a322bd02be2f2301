//! Finding the header row below the title rows offices put above their tables, and naming its
//! columns so that every name is non-empty and unique (the importer maps columns by name).

/// How many non-blank rows are looked at to find the header: titles are a few lines at most.
pub(crate) const HEADER_WINDOW: usize = 20;

fn filled(row: &[String]) -> usize {
    row.iter().filter(|c| !c.trim().is_empty()).count()
}

/// The index, among the first non-blank rows, of the header: the first row that fills at least
/// half as many cells as the fullest row. A title ("DATA PMI PURNA KAB. SERANG 2025") fills one
/// cell, a header fills most of them. With one-column files the first row is the header.
pub(crate) fn find_header(rows: &[Vec<String>]) -> usize {
    let widest = rows.iter().map(|r| filled(r)).max().unwrap_or(0);
    let enough = if widest >= 2 {
        widest.div_ceil(2).max(2)
    } else {
        1
    };
    rows.iter().position(|r| filled(r) >= enough).unwrap_or(0)
}

/// Trimmed names, an empty one called "column N" (N counted from 1, as a spreadsheet shows
/// columns to people who do not read letters), a repeated one suffixed " (2)", " (3)"...
/// Names are compared without regard to case, as the importer maps them.
pub(crate) fn name_columns(raw: &[String]) -> Vec<String> {
    let mut names: Vec<String> = Vec::with_capacity(raw.len());
    for (i, name) in raw.iter().enumerate() {
        let base = match name.trim() {
            "" => format!("column {}", i + 1),
            trimmed => trimmed.to_owned(),
        };
        let taken = |candidate: &str, names: &[String]| {
            names.iter().any(|n| n.eq_ignore_ascii_case(candidate))
                || raw[i + 1..]
                    .iter()
                    .any(|later| later.trim().eq_ignore_ascii_case(candidate) && candidate != base)
        };
        let mut unique = base.clone();
        let mut n = 2;
        while taken(&unique, &names) {
            unique = format!("{base} ({n})");
            n += 1;
        }
        names.push(unique);
    }
    names
}

#[cfg(test)]
mod tests {
    use super::*;

    fn row(cells: &[&str]) -> Vec<String> {
        cells.iter().map(|c| (*c).to_owned()).collect()
    }

    #[test]
    fn title_rows_above_the_table_are_passed_over() {
        let rows = vec![
            row(&["DATA PMI PURNA KABUPATEN SERANG"]),
            row(&["Tahun 2025"]),
            row(&["No", "Nama", "NIK", "Alamat"]),
            row(&["1", "Siti", "3604", "Cikande"]),
        ];
        assert_eq!(find_header(&rows), 2);
    }

    #[test]
    fn column_names_are_unique_and_never_empty() {
        let names = name_columns(&row(&["Nama", "", "nama", "Nama (2)", " NIK "]));
        assert_eq!(names, ["Nama", "column 2", "nama (3)", "Nama (2)", "NIK"]);
    }
}
