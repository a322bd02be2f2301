//! Indonesia's region reference table (Kemendagri codes and names), compiled into the binary from
//! `data/wilayah/wilayah.csv`: every province and regency/city of Indonesia, and every district and
//! village of Banten. Read once at first use; lookups are by code.

use std::collections::HashMap;
use std::sync::OnceLock;

use crate::access::RegionCode;

const WILAYAH_CSV: &str = include_str!("../../../data/wilayah/wilayah.csv");

/// One region of the reference table.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Region {
    pub code: RegionCode,
    pub name: String,
}

/// The whole reference table, in the file's order (parents before their children).
pub struct Regions {
    all: Vec<Region>,
    by_code: HashMap<String, usize>,
}

impl Regions {
    /// The table embedded in the binary.
    pub fn reference() -> &'static Regions {
        static TABLE: OnceLock<Regions> = OnceLock::new();
        TABLE.get_or_init(|| {
            Regions::parse(WILAYAH_CSV).expect("the embedded wilayah.csv is well formed (tested)")
        })
    }

    fn parse(csv: &str) -> Result<Regions, String> {
        let mut all = Vec::new();
        for (n, line) in csv.lines().enumerate().skip(1) {
            let (code, name) = line
                .split_once(',')
                .ok_or_else(|| format!("line {}: no comma", n + 1))?;
            let code = RegionCode::parse(code).map_err(|e| format!("line {}: {e}", n + 1))?;
            all.push(Region {
                code,
                name: name.trim().to_owned(),
            });
        }
        let by_code = all
            .iter()
            .enumerate()
            .map(|(i, r)| (r.code.as_str().to_owned(), i))
            .collect();
        Ok(Regions { all, by_code })
    }

    pub fn get(&self, code: &RegionCode) -> Option<&Region> {
        self.by_code.get(code.as_str()).map(|&i| &self.all[i])
    }

    /// A code's name for people to read, or the code itself when the table does not know it
    /// (a malformed code, or one recorded before a region split).
    pub fn name_or_code(&self, code: &str) -> String {
        RegionCode::parse(code)
            .ok()
            .and_then(|c| self.get(&c).map(|r| r.name.clone()))
            .unwrap_or_else(|| code.to_owned())
    }

    pub fn all(&self) -> &[Region] {
        &self.all
    }

    /// The direct children of a region (the regencies of a province, the districts of a regency…).
    pub fn children<'a>(&'a self, parent: &'a RegionCode) -> impl Iterator<Item = &'a Region> + 'a {
        self.all
            .iter()
            .filter(move |r| r.code.parent().as_ref() == Some(parent))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn code(s: &str) -> RegionCode {
        RegionCode::parse(s).expect("valid code in test")
    }

    #[test]
    fn the_embedded_table_parses_and_holds_banten() {
        let regions = Regions::reference();
        assert_eq!(
            regions.get(&code("36")).map(|r| r.name.as_str()),
            Some("Banten")
        );
        assert_eq!(
            regions.get(&code("36.04")).map(|r| r.name.as_str()),
            Some("Kabupaten Serang")
        );
        assert_eq!(
            regions.children(&code("36")).count(),
            8,
            "Banten has 8 regencies and cities"
        );
        assert!(
            regions.children(&code("36.04.05")).count() > 5,
            "Kramatwatu has villages"
        );
        assert!(regions.get(&code("99.99")).is_none());
    }
}
