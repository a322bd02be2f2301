//! Rows of an agency's spreadsheet read as registry records: which column holds what (guessed
//! from the headers offices use, or given by a mapping), and each cell parsed into the registry's
//! types with an error or warning per column when it cannot be. No I/O: the reader hands rows in.

use chrono::NaiveDate;

use crate::access::RegionCode;
use crate::address::Address;
use crate::date::{parse_date, split_place_date};
use crate::name::fold_ascii;
use crate::nik::{Nik, NikCell, Sex};
use crate::person::{PlacementRoute, Sector, country_code};
use crate::phone;
use crate::region_names::{Resolved, resolve};
use crate::regions::Regions;

/// What a column holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Field {
    RecordId,
    Nik,
    FullName,
    Sex,
    BirthDate,
    BirthPlace,
    BirthPlaceDate,
    Address,
    Village,
    District,
    Regency,
    RegionCode,
    Phone,
    Country,
    Sector,
    Route,
    Employer,
    Agency,
    DepartureDate,
    ReturnDate,
    ReturnReason,
    Education,
}

impl Field {
    pub const ALL: [Field; 22] = [
        Field::RecordId,
        Field::Nik,
        Field::FullName,
        Field::Sex,
        Field::BirthDate,
        Field::BirthPlace,
        Field::BirthPlaceDate,
        Field::Address,
        Field::Village,
        Field::District,
        Field::Regency,
        Field::RegionCode,
        Field::Phone,
        Field::Country,
        Field::Sector,
        Field::Route,
        Field::Employer,
        Field::Agency,
        Field::DepartureDate,
        Field::ReturnDate,
        Field::ReturnReason,
        Field::Education,
    ];

    /// The name used in mapping files and translation keys.
    pub fn as_str(self) -> &'static str {
        match self {
            Field::RecordId => "record_id",
            Field::Nik => "nik",
            Field::FullName => "full_name",
            Field::Sex => "sex",
            Field::BirthDate => "birth_date",
            Field::BirthPlace => "birth_place",
            Field::BirthPlaceDate => "birth_place_date",
            Field::Address => "address",
            Field::Village => "village",
            Field::District => "district",
            Field::Regency => "regency",
            Field::RegionCode => "region_code",
            Field::Phone => "phone",
            Field::Country => "country",
            Field::Sector => "sector",
            Field::Route => "route",
            Field::Employer => "employer",
            Field::Agency => "agency",
            Field::DepartureDate => "departure_date",
            Field::ReturnDate => "return_date",
            Field::ReturnReason => "return_reason",
            Field::Education => "education",
        }
    }

    pub fn parse(s: &str) -> Option<Field> {
        Field::ALL.into_iter().find(|f| f.as_str() == s)
    }

    /// Headers offices write for this field, folded to lowercase words.
    fn headers(self) -> &'static [&'static str] {
        match self {
            Field::RecordId => &["no", "nomor", "no urut", "id", "no data", "kode"],
            Field::Nik => &[
                "nik",
                "no ktp",
                "nomor ktp",
                "ktp",
                "nomor induk kependudukan",
                "no nik",
                "nik ktp",
            ],
            Field::FullName => &[
                "nama",
                "nama lengkap",
                "nama pmi",
                "nama tki",
                "nama peserta",
                "name",
                "full name",
                "nama sesuai ktp",
            ],
            Field::Sex => &[
                "jk",
                "l p",
                "jenis kelamin",
                "kelamin",
                "sex",
                "gender",
                "l/p",
            ],
            Field::BirthDate => &[
                "tgl lahir",
                "tanggal lahir",
                "tgl lhr",
                "birth date",
                "date of birth",
                "dob",
            ],
            Field::BirthPlace => &["tempat lahir", "tmp lahir", "place of birth"],
            Field::BirthPlaceDate => &[
                "ttl",
                "tempat tanggal lahir",
                "tempat tgl lahir",
                "tempat dan tanggal lahir",
            ],
            Field::Address => &["alamat", "alamat lengkap", "alamat rumah", "address"],
            Field::Village => &[
                "desa",
                "kelurahan",
                "desa kelurahan",
                "desa/kelurahan",
                "kel desa",
            ],
            Field::District => &["kecamatan", "kec"],
            Field::Regency => &[
                "kabupaten",
                "kab kota",
                "kabupaten kota",
                "kota",
                "kab",
                "kabupaten/kota",
            ],
            Field::RegionCode => &["kode wilayah", "kode desa", "kode kemendagri"],
            Field::Phone => &[
                "no hp", "hp", "no telp", "telp", "telepon", "no wa", "wa", "whatsapp", "no hp wa",
                "nomor hp", "phone",
            ],
            Field::Country => &[
                "negara",
                "negara penempatan",
                "negara tujuan",
                "country",
                "penempatan",
            ],
            Field::Sector => &[
                "sektor",
                "jabatan",
                "pekerjaan",
                "jenis pekerjaan",
                "sector",
            ],
            Field::Route => &["jalur", "skema", "jalur penempatan", "skema penempatan"],
            Field::Employer => &[
                "pengguna",
                "majikan",
                "nama pengguna",
                "employer",
                "pemberi kerja",
            ],
            Field::Agency => &["p3mi", "pptkis", "nama p3mi", "perusahaan", "pt", "agency"],
            Field::DepartureDate => &[
                "tgl berangkat",
                "tanggal berangkat",
                "tanggal keberangkatan",
                "tgl keberangkatan",
            ],
            Field::ReturnDate => &[
                "tgl pulang",
                "tanggal pulang",
                "tanggal kepulangan",
                "tgl kepulangan",
                "tgl tiba",
            ],
            Field::ReturnReason => &["alasan pulang", "alasan kepulangan", "keterangan pulang"],
            Field::Education => &["pendidikan", "pendidikan terakhir", "education"],
        }
    }
}

fn fold_header(h: &str) -> String {
    fold_ascii(h)
        .split(|c: char| !c.is_ascii_alphanumeric())
        .filter(|w| !w.is_empty())
        .collect::<Vec<_>>()
        .join(" ")
}

/// Which field each column holds; `None` for columns the registry does not read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Mapping {
    pub columns: Vec<Option<Field>>,
}

impl Mapping {
    /// Guesses the mapping from the headers; a field is taken by its first column only.
    pub fn guess(headers: &[String]) -> Mapping {
        let mut columns = Vec::with_capacity(headers.len());
        let mut taken = Vec::new();
        for h in headers {
            let folded = fold_header(h);
            let field = Field::ALL
                .into_iter()
                .find(|f| !taken.contains(f) && f.headers().contains(&folded.as_str()));
            if let Some(f) = field {
                taken.push(f);
            }
            columns.push(field);
        }
        Mapping { columns }
    }

    /// A mapping given as (field, header) pairs, e.g. from a mapping file. Every header must exist.
    pub fn explicit(headers: &[String], pairs: &[(Field, String)]) -> Result<Mapping, String> {
        let mut columns = vec![None; headers.len()];
        for (field, header) in pairs {
            let i = headers
                .iter()
                .position(|h| h.trim() == header.trim())
                .ok_or_else(|| header.clone())?;
            columns[i] = Some(*field);
        }
        Ok(Mapping { columns })
    }

    pub fn has(&self, field: Field) -> bool {
        self.columns.contains(&Some(field))
    }

    fn cell<'a>(&self, cells: &'a [String], field: Field) -> Option<&'a str> {
        let i = self.columns.iter().position(|c| *c == Some(field))?;
        cells.get(i).map(|s| s.trim()).filter(|s| !s.is_empty())
    }

    fn header<'a>(&self, headers: &'a [String], field: Field) -> &'a str {
        self.columns
            .iter()
            .position(|c| *c == Some(field))
            .and_then(|i| headers.get(i))
            .map_or("", String::as_str)
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Severity {
    /// The row cannot be imported.
    Error,
    /// The row is imported; the warning is kept with it.
    Warning,
}

/// One problem in one cell. `code` is a translation key (`import-…`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Issue {
    pub column: String,
    pub code: &'static str,
    pub severity: Severity,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ParsedPlacement {
    pub country: String,
    pub sector: Sector,
    pub route: PlacementRoute,
    pub employer: String,
    pub agency: String,
    pub departure_date: Option<NaiveDate>,
    pub return_date: Option<NaiveDate>,
    pub return_reason: String,
}

/// A row read as a registry record.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ParsedRow {
    pub nik: Option<Nik>,
    pub full_name: String,
    pub sex: Option<Sex>,
    pub birth_date: Option<NaiveDate>,
    pub birth_place: String,
    pub region_code: Option<RegionCode>,
    pub region_known: bool,
    pub kampung: String,
    pub rt: String,
    pub rw: String,
    pub street: String,
    /// E.164.
    pub phones: Vec<String>,
    pub education: String,
    pub placement: Option<ParsedPlacement>,
    pub issues: Vec<Issue>,
}

impl ParsedRow {
    pub fn has_errors(&self) -> bool {
        self.issues.iter().any(|i| i.severity == Severity::Error)
    }
}

fn sector_of(cell: &str) -> Sector {
    let t = fold_ascii(cell);
    let has = |words: &[&str]| words.iter().any(|w| t.contains(w));
    if has(&["caregiver", "perawat", "jompo", "lansia", "panti"]) {
        Sector::Caregiver
    } else if has(&[
        "prt",
        "rumah tangga",
        "domestic",
        "housemaid",
        "penata laksana",
        "pembantu",
        "informal",
    ]) {
        Sector::DomesticWorker
    } else if has(&["pabrik", "factory", "operator", "manufaktur", "produksi"]) {
        Sector::Factory
    } else if has(&["abk", "kapal", "nelayan", "fishing", "perikanan"]) {
        Sector::FishingCrew
    } else if has(&["konstruksi", "bangunan", "construction"]) {
        Sector::Construction
    } else if has(&["kebun", "plantation", "perkebunan", "sawit", "pertanian"]) {
        Sector::Plantation
    } else if has(&["hotel", "restoran", "restaurant", "hospitality"]) {
        Sector::Hospitality
    } else {
        Sector::Other
    }
}

fn route_of(cell: &str) -> Option<PlacementRoute> {
    let t = fold_ascii(cell);
    if t.contains("g to g")
        || t.contains("g2g")
        || t.contains("goverment")
        || t.contains("government")
    {
        Some(PlacementRoute::GovernmentToGovernment)
    } else if t.contains("non") || t.contains("ilegal") || t.contains("calo") {
        Some(PlacementRoute::NonProcedural)
    } else if t.contains("mandiri") || t.contains("independen") || t.contains("perseorangan") {
        Some(PlacementRoute::Independent)
    } else if t.contains("p3mi")
        || t.contains("pptkis")
        || t.contains("pt ")
        || t.contains("swasta")
    {
        Some(PlacementRoute::LicensedAgency)
    } else {
        None
    }
}

/// Parses one data row. `today` bounds dates (nobody is born or returns in the future).
pub fn parse_row(
    mapping: &Mapping,
    headers: &[String],
    cells: &[String],
    today: NaiveDate,
) -> ParsedRow {
    let mut issues = Vec::new();
    let mut issue = |field: Field, code: &'static str, severity: Severity| {
        issues.push(Issue {
            column: mapping.header(headers, field).to_owned(),
            code,
            severity,
        });
    };
    let cell = |f: Field| mapping.cell(cells, f);

    let full_name: String = cell(Field::FullName)
        .unwrap_or("")
        .chars()
        .take(200)
        .collect();
    if full_name.trim().is_empty() {
        issue(Field::FullName, "import-name-missing", Severity::Error);
    }
    let nik = match cell(Field::Nik).map(NikCell::parse) {
        None | Some(NikCell::Missing) => None,
        Some(NikCell::Clean(n)) if n.is_well_formed(today) => Some(n),
        Some(NikCell::Clean(_)) | Some(NikCell::Invalid) => {
            issue(Field::Nik, "import-nik-invalid", Severity::Warning);
            None
        }
        Some(NikCell::Damaged { .. }) => {
            issue(Field::Nik, "import-nik-damaged", Severity::Warning);
            None
        }
    };
    let sex = match cell(Field::Sex) {
        None => None,
        Some(s) => Sex::parse(s).or_else(|| {
            issue(Field::Sex, "import-sex-unreadable", Severity::Warning);
            None
        }),
    };
    let mut birth_place = cell(Field::BirthPlace).unwrap_or("").to_owned();
    let mut birth_date = match cell(Field::BirthDate) {
        None => None,
        Some(s) => parse_date(s, today).or_else(|| {
            issue(
                Field::BirthDate,
                "import-date-unreadable",
                Severity::Warning,
            );
            None
        }),
    };
    if let Some(ttl) = cell(Field::BirthPlaceDate) {
        let (place, date) = split_place_date(ttl, today);
        if birth_place.is_empty() {
            birth_place = place.unwrap_or_default();
        }
        if birth_date.is_none() {
            birth_date = date;
            if date.is_none() {
                issue(
                    Field::BirthPlaceDate,
                    "import-date-unreadable",
                    Severity::Warning,
                );
            }
        }
    }
    if let Some(n) = nik {
        if let (Some(b), Some(from_nik)) = (birth_date, n.birth_date(today))
            && b != from_nik
        {
            issue(Field::Nik, "import-nik-birth-mismatch", Severity::Warning);
        }
        if let (Some(s), Some(from_nik)) = (sex, n.sex())
            && s != from_nik
        {
            issue(Field::Nik, "import-nik-sex-mismatch", Severity::Warning);
        }
    }

    // The region: an explicit code first, then the names of regency, district and village
    // (in their own columns or inside a free-text address).
    let address = cell(Field::Address).map(Address::parse).unwrap_or_default();
    let mut region_code = None;
    let mut region_known = true;
    if let Some(code) = cell(Field::RegionCode) {
        match RegionCode::parse(code).or_else(|_| RegionCode::from_digits(&code.replace('.', ""))) {
            Ok(c) => {
                region_known = Regions::reference().get(&c).is_some();
                if !region_known {
                    issue(
                        Field::RegionCode,
                        "import-region-unknown",
                        Severity::Warning,
                    );
                }
                region_code = Some(c);
            }
            Err(_) => issue(
                Field::RegionCode,
                "import-region-unknown",
                Severity::Warning,
            ),
        }
    }
    if region_code.is_none() {
        let regency = cell(Field::Regency)
            .map(str::to_owned)
            .or(address.regency.clone());
        let district = cell(Field::District)
            .map(str::to_owned)
            .or(address.district.clone());
        let village = cell(Field::Village)
            .map(str::to_owned)
            .or(address.village.clone());
        if regency.is_some() || district.is_some() || village.is_some() {
            match resolve(regency.as_deref(), district.as_deref(), village.as_deref()) {
                Resolved::Code(c) => region_code = Some(c),
                Resolved::Ambiguous => {
                    issue(Field::Address, "import-region-ambiguous", Severity::Warning)
                }
                Resolved::Unknown => issue(
                    Field::Address,
                    "import-region-unresolved",
                    Severity::Warning,
                ),
            }
        } else if nik.is_none() {
            issue(Field::Address, "import-region-missing", Severity::Warning);
        }
    }
    // Without an address, the NIK's district is where the person was registered: better than
    // nothing for the office that must find them, and marked as such.
    if region_code.is_none()
        && let Some(from_nik) = nik
            .and_then(|n| n.region())
            .filter(|c| Regions::reference().get(c).is_some())
    {
        issue(Field::Nik, "import-region-from-nik", Severity::Warning);
        region_code = Some(from_nik);
    }

    let mut phones = Vec::new();
    if let Some(p) = cell(Field::Phone) {
        match phone::normalise(p) {
            Some(n) => phones.push(format!("+{n}")),
            None => issue(Field::Phone, "import-phone-invalid", Severity::Warning),
        }
    }

    let date_of = |f: Field, issue: &mut dyn FnMut(Field, &'static str, Severity)| match cell(f) {
        None => None,
        Some(s) => parse_date(s, today).or_else(|| {
            issue(f, "import-date-unreadable", Severity::Warning);
            None
        }),
    };
    let departure_date = date_of(Field::DepartureDate, &mut issue);
    let return_date = date_of(Field::ReturnDate, &mut issue);
    let placement = match cell(Field::Country) {
        Some(c) => match country_code(c) {
            Some(code) => Some(ParsedPlacement {
                country: code.to_owned(),
                sector: cell(Field::Sector).map_or(Sector::Other, sector_of),
                route: cell(Field::Route).and_then(route_of).unwrap_or(
                    if cell(Field::Agency).is_some() {
                        PlacementRoute::LicensedAgency
                    } else {
                        PlacementRoute::Independent
                    },
                ),
                employer: cell(Field::Employer)
                    .unwrap_or("")
                    .chars()
                    .take(200)
                    .collect(),
                agency: cell(Field::Agency)
                    .unwrap_or("")
                    .chars()
                    .take(200)
                    .collect(),
                departure_date,
                return_date,
                return_reason: cell(Field::ReturnReason)
                    .unwrap_or("")
                    .chars()
                    .take(300)
                    .collect(),
            }),
            None => {
                issue(Field::Country, "import-country-unknown", Severity::Warning);
                None
            }
        },
        None => None,
    };
    if let (Some(d), Some(r)) = (departure_date, return_date)
        && r < d
    {
        issue(
            Field::ReturnDate,
            "import-return-before-departure",
            Severity::Warning,
        );
    }

    ParsedRow {
        nik,
        full_name: full_name.trim().to_owned(),
        sex,
        birth_date,
        birth_place: birth_place.chars().take(100).collect(),
        region_code,
        region_known,
        kampung: address.kampung.clone().unwrap_or_default(),
        rt: address.rt.map(|n| format!("{n:03}")).unwrap_or_default(),
        rw: address.rw.map(|n| format!("{n:03}")).unwrap_or_default(),
        street: cell(Field::Address)
            .unwrap_or("")
            .chars()
            .take(300)
            .collect(),
        phones,
        education: cell(Field::Education)
            .unwrap_or("")
            .chars()
            .take(100)
            .collect(),
        placement,
        issues,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn today() -> NaiveDate {
        NaiveDate::from_ymd_opt(2026, 11, 27).expect("date")
    }

    fn strings(v: &[&str]) -> Vec<String> {
        v.iter().map(|s| (*s).to_owned()).collect()
    }

    #[test]
    fn headers_offices_write_are_recognised() {
        let headers = strings(&[
            "NO",
            "NIK",
            "NAMA LENGKAP",
            "L/P",
            "TEMPAT, TGL LAHIR",
            "ALAMAT",
            "KAB/KOTA",
            "NO. HP/WA",
            "NEGARA PENEMPATAN",
            "TGL PULANG",
            "CATATAN",
        ]);
        let m = Mapping::guess(&headers);
        assert_eq!(
            m.columns,
            vec![
                Some(Field::RecordId),
                Some(Field::Nik),
                Some(Field::FullName),
                Some(Field::Sex),
                Some(Field::BirthPlaceDate),
                Some(Field::Address),
                Some(Field::Regency),
                Some(Field::Phone),
                Some(Field::Country),
                Some(Field::ReturnDate),
                None,
            ]
        );
    }

    #[test]
    fn a_messy_row_is_read_with_warnings_where_it_cannot_be() {
        let headers = strings(&[
            "NIK",
            "NAMA",
            "JK",
            "TTL",
            "ALAMAT",
            "HP",
            "NEGARA",
            "TGL BERANGKAT",
            "TGL PULANG",
        ]);
        let m = Mapping::guess(&headers);
        let row = strings(&[
            "'3604054503900002",
            "Hj. SITI NURHAYATI",
            "P",
            "Serang, 5 Maret 1990",
            "Kp. Cibeber RT 02/RW 05 Kec. Kramatwatu Kab. Serang",
            "0812-3456-7890",
            "HONGKONG",
            "01/02/2015",
            "30-06-2021",
        ]);
        let r = parse_row(&m, &headers, &row, today());
        assert!(r.issues.is_empty(), "{:?}", r.issues);
        assert_eq!(r.nik.map(|n| n.digits()), Some("3604054503900002".into()));
        assert_eq!(r.sex, Some(Sex::Female));
        assert_eq!(r.birth_place, "Serang");
        assert_eq!(
            r.region_code.map(|c| c.to_string()),
            Some("36.04.05".into())
        );
        assert_eq!(
            (r.kampung.as_str(), r.rt.as_str(), r.rw.as_str()),
            ("cibeber", "002", "005")
        );
        assert_eq!(r.phones, vec!["+6281234567890".to_owned()]);
        let p = r.placement.expect("placement");
        assert_eq!(p.country, "HK");
        assert_eq!(p.return_date, NaiveDate::from_ymd_opt(2021, 6, 30));

        let bad = strings(&[
            "3.60405E+15",
            "",
            "X",
            "kemarin",
            "",
            "12",
            "Narnia",
            "",
            "",
        ]);
        let r = parse_row(&m, &headers, &bad, today());
        assert!(r.has_errors(), "no name");
        let codes: Vec<&str> = r.issues.iter().map(|i| i.code).collect();
        for code in [
            "import-name-missing",
            "import-nik-damaged",
            "import-sex-unreadable",
            "import-date-unreadable",
            "import-phone-invalid",
            "import-country-unknown",
        ] {
            assert!(codes.contains(&code), "{code} in {codes:?}");
        }
        assert!(
            r.issues.iter().any(|i| i.column == "NIK"),
            "issues name their column"
        );
    }

    #[test]
    fn an_nik_that_disagrees_is_a_warning_not_an_error() {
        let headers = strings(&["NIK", "NAMA", "TGL LAHIR", "JK"]);
        let m = Mapping::guess(&headers);
        let r = parse_row(
            &m,
            &headers,
            &strings(&["3604054503900002", "Siti", "06-03-1990", "L"]),
            today(),
        );
        assert!(!r.has_errors());
        let codes: Vec<&str> = r.issues.iter().map(|i| i.code).collect();
        assert!(
            codes.contains(&"import-nik-birth-mismatch")
                && codes.contains(&"import-nik-sex-mismatch")
        );
        assert_eq!(
            r.region_code.map(|c| c.to_string()),
            Some("36.04.05".into()),
            "from the NIK, flagged"
        );
    }

    #[test]
    fn an_explicit_mapping_names_missing_headers() {
        let headers = strings(&["A", "B"]);
        assert_eq!(
            Mapping::explicit(&headers, &[(Field::FullName, "C".into())]),
            Err("C".into())
        );
        let m = Mapping::explicit(&headers, &[(Field::FullName, "B".into())]).expect("mapping");
        assert_eq!(m.columns, vec![None, Some(Field::FullName)]);
    }
}

#[cfg(test)]
mod regency_only {
    use super::*;

    #[test]
    fn a_list_with_only_the_regency_places_its_people_in_it() {
        let headers: Vec<String> = ["NO", "NAMA", "JK", "TGL LAHIR", "KAB/KOTA"]
            .iter()
            .map(|s| s.to_string())
            .collect();
        let cells: Vec<String> = ["A2", "Moh. Yusup", "L", "12/08/1985", "Kab. Serang"]
            .iter()
            .map(|s| s.to_string())
            .collect();
        let mapping = Mapping::guess(&headers);
        assert_eq!(mapping.columns[4], Some(Field::Regency));
        let row = parse_row(
            &mapping,
            &headers,
            &cells,
            NaiveDate::from_ymd_opt(2026, 11, 27).expect("date"),
        );
        assert_eq!(
            row.region_code.map(|c| c.to_string()),
            Some("36.04".into()),
            "{:?}",
            row.issues
        );
    }
}
