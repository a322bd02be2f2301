//! Agency lists made from the truth: who appears in which list, in which columns and formats,
//! with which mistakes. The lists overlap as real ones do: a returnee is in the national
//! agency's departure list once per placement, in its return list, in the Disnaker list of
//! their regency, and perhaps on a training sign-up sheet, twice if they signed up twice.
//!
//! A row never carries the person it belongs to in its cells; `Row::person_id` is the truth,
//! written to a separate file.

use chrono::{Datelike, Duration, NaiveDate};
use rand::Rng;
use rand::seq::SliceRandom;
use rayon::prelude::*;

use crate::damage::{self, DateStyle, NameCase, PhoneStyle};
use crate::people::{Address, Person, Placement};
use crate::places::geography;
use crate::{Stream, rng_for};

/// The kind of list, as the registry names sources.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ListKind {
    /// The national agency's departure list: one row per placement.
    Departure,
    /// The national agency's (UPT's) return list: one row per return.
    Return,
    /// A regency's Disnaker list of its returnees.
    Regency,
    /// A training sign-up sheet, filled in by the returnees themselves.
    Training,
}

/// How often each kind of mistake happens in a list, as shares of its rows. The NIK mistakes
/// exclude each other (a row's NIK has at most one), and so do the birth-date mistakes; the
/// name mistakes are independent and may stack.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct DamageRates {
    pub nik_missing: f64,
    /// One digit wrong.
    pub nik_digit: f64,
    /// Two neighbouring digits swapped.
    pub nik_transposition: f64,
    /// Kept as a number by a spreadsheet: "3.60401E+15" in CSV, a number cell in XLSX.
    pub nik_scientific: f64,
    /// Old spelling, Moh./St., p/f, doubled letters, split/joined words…
    pub name_variant: f64,
    pub name_typo: f64,
    /// Hj./H. before the name.
    pub name_title: f64,
    /// bin/binti and the father's name after it.
    pub name_father: f64,
    /// A word of the name left out.
    pub name_drop_part: f64,
    pub birth_date_missing: f64,
    /// 1 January, 1 July or 31 December of the right year.
    pub birth_date_placeholder: f64,
    pub birth_date_swap: f64,
    pub birth_date_slip: f64,
    pub sex_missing: f64,
    pub phone_missing: f64,
    /// The person has another number by now.
    pub phone_changed: f64,
    /// The person lives elsewhere in the regency by now.
    pub address_moved: f64,
    /// Probability that a person in the list appears in it a second time.
    pub duplicate: f64,
}

impl DamageRates {
    /// No damage at all: the lists then hold the truth in their own formats.
    pub const NONE: DamageRates = DamageRates {
        nik_missing: 0.0,
        nik_digit: 0.0,
        nik_transposition: 0.0,
        nik_scientific: 0.0,
        name_variant: 0.0,
        name_typo: 0.0,
        name_title: 0.0,
        name_father: 0.0,
        name_drop_part: 0.0,
        birth_date_missing: 0.0,
        birth_date_placeholder: 0.0,
        birth_date_swap: 0.0,
        birth_date_slip: 0.0,
        sex_missing: 0.0,
        phone_missing: 0.0,
        phone_changed: 0.0,
        address_moved: 0.0,
        duplicate: 0.0,
    };

    /// The usual damage of each kind of list: the national system is fairly clean, a
    /// regency's spreadsheet has passed through Excel, a sign-up sheet is typed by its users.
    pub fn typical(kind: ListKind) -> DamageRates {
        let d = |nik: [f64; 4], name: [f64; 5], date: [f64; 4], rest: [f64; 5]| DamageRates {
            nik_missing: nik[0],
            nik_digit: nik[1],
            nik_transposition: nik[2],
            nik_scientific: nik[3],
            name_variant: name[0],
            name_typo: name[1],
            name_title: name[2],
            name_father: name[3],
            name_drop_part: name[4],
            birth_date_missing: date[0],
            birth_date_placeholder: date[1],
            birth_date_swap: date[2],
            birth_date_slip: date[3],
            sex_missing: rest[0],
            phone_missing: rest[1],
            phone_changed: rest[2],
            address_moved: rest[3],
            duplicate: rest[4],
        };
        match kind {
            ListKind::Departure => d(
                [0.02, 0.01, 0.005, 0.0],
                [0.10, 0.02, 0.01, 0.06, 0.03],
                [0.0, 0.01, 0.005, 0.005],
                [0.0, 0.10, 0.10, 0.05, 0.0],
            ),
            ListKind::Return => d(
                [0.05, 0.02, 0.01, 0.0],
                [0.15, 0.03, 0.03, 0.08, 0.05],
                [0.02, 0.02, 0.01, 0.01],
                [0.01, 0.30, 0.30, 0.10, 0.0],
            ),
            ListKind::Regency => d(
                [0.15, 0.03, 0.02, 0.12],
                [0.25, 0.04, 0.08, 0.03, 0.06],
                [0.03, 0.05, 0.03, 0.02],
                [0.02, 0.20, 0.25, 0.10, 0.03],
            ),
            ListKind::Training => d(
                [0.45, 0.05, 0.03, 0.08],
                [0.30, 0.06, 0.03, 0.01, 0.10],
                [0.05, 0.03, 0.05, 0.03],
                [0.03, 0.02, 0.20, 0.15, 0.05],
            ),
        }
    }

    /// Every rate multiplied by `factor` (at most 1).
    pub fn scaled(self, factor: f64) -> DamageRates {
        let s = |x: f64| (x * factor).clamp(0.0, 1.0);
        DamageRates {
            nik_missing: s(self.nik_missing),
            nik_digit: s(self.nik_digit),
            nik_transposition: s(self.nik_transposition),
            nik_scientific: s(self.nik_scientific),
            name_variant: s(self.name_variant),
            name_typo: s(self.name_typo),
            name_title: s(self.name_title),
            name_father: s(self.name_father),
            name_drop_part: s(self.name_drop_part),
            birth_date_missing: s(self.birth_date_missing),
            birth_date_placeholder: s(self.birth_date_placeholder),
            birth_date_swap: s(self.birth_date_swap),
            birth_date_slip: s(self.birth_date_slip),
            sex_missing: s(self.sex_missing),
            phone_missing: s(self.phone_missing),
            phone_changed: s(self.phone_changed),
            address_moved: s(self.address_moved),
            duplicate: s(self.duplicate),
        }
    }
}

/// What a column holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Field {
    Nik,
    Name,
    Sex,
    BirthPlace,
    BirthDate,
    /// "Serang, 12 Maret 1990" in one cell.
    BirthPlaceDate,
    Phone,
    /// The whole address as free text.
    Address,
    /// Hamlet or street with RT/RW.
    Street,
    Village,
    District,
    Regency,
    Country,
    Sector,
    DepartureDate,
    ReturnDate,
    ReturnYear,
    ReturnReason,
    /// When a form was submitted.
    Timestamp,
}

/// How a sex column writes its values.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SexStyle {
    Letter,
    Word,
}

/// The columns and formats of a list. The record-id column comes first and is not in `columns`.
#[derive(Debug, Clone, PartialEq)]
pub struct Layout {
    pub id_header: String,
    pub columns: Vec<(String, Field)>,
    pub dates: DateStyle,
    pub phones: PhoneStyle,
    pub names: NameCase,
    pub sex: SexStyle,
    /// NIKs written with a leading apostrophe, the habit that keeps a spreadsheet from turning
    /// them into numbers.
    pub nik_apostrophe: bool,
}

/// One list: its name (the source name in `link.toml` and `truth.csv`), kind, who is in it and
/// how it is written.
#[derive(Debug, Clone, PartialEq)]
pub struct ListSpec {
    pub name: String,
    pub kind: ListKind,
    /// For a regency's list: only its residents appear.
    pub regency_code: Option<String>,
    /// Share of eligible people (or placements, for departure and return lists) in the list.
    pub coverage: f64,
    pub layout: Layout,
    pub damage: DamageRates,
    /// Written as XLSX when the output format allows it.
    pub spreadsheet: bool,
}

fn cols(c: &[(&str, Field)]) -> Vec<(String, Field)> {
    c.iter().map(|(h, f)| ((*h).to_owned(), *f)).collect()
}

/// The standard set: the national agency's departure and return lists, the Disnaker list of
/// each of Banten's eight regencies and cities (in two layouts), and a training sign-up sheet.
/// `damage` scales every list's typical damage (1.0 = typical, 0.0 = none).
pub fn standard_specs(damage: f64) -> Vec<ListSpec> {
    use Field::*;
    let mut specs = vec![
        ListSpec {
            name: "penempatan".to_owned(),
            kind: ListKind::Departure,
            regency_code: None,
            coverage: 0.7,
            layout: Layout {
                id_header: "NO".to_owned(),
                columns: cols(&[
                    ("NIK", Nik),
                    ("NAMA_PMI", Name),
                    ("JENIS_KELAMIN", Sex),
                    ("TEMPAT_LAHIR", BirthPlace),
                    ("TANGGAL_LAHIR", BirthDate),
                    ("ALAMAT", Address),
                    ("KAB_KOTA", Regency),
                    ("NO_HP", Phone),
                    ("NEGARA_TUJUAN", Country),
                    ("JABATAN", Sector),
                    ("TGL_BERANGKAT", DepartureDate),
                ]),
                dates: DateStyle::DmyDash,
                phones: PhoneStyle::Intl,
                names: NameCase::Upper,
                sex: SexStyle::Letter,
                nik_apostrophe: false,
            },
            damage: DamageRates::typical(ListKind::Departure).scaled(damage),
            spreadsheet: false,
        },
        ListSpec {
            name: "kepulangan".to_owned(),
            kind: ListKind::Return,
            regency_code: None,
            coverage: 0.55,
            layout: Layout {
                id_header: "No".to_owned(),
                columns: cols(&[
                    ("Nama", Name),
                    ("NIK", Nik),
                    ("L/P", Sex),
                    ("Tgl Lahir", BirthDate),
                    ("Alamat", Address),
                    ("No HP", Phone),
                    ("Negara", Country),
                    ("Tgl Pulang", ReturnDate),
                    ("Alasan Pulang", ReturnReason),
                ]),
                dates: DateStyle::Iso,
                phones: PhoneStyle::Plus,
                names: NameCase::Upper,
                sex: SexStyle::Letter,
                nik_apostrophe: true,
            },
            damage: DamageRates::typical(ListKind::Return).scaled(damage),
            spreadsheet: false,
        },
    ];
    let layout_a = Layout {
        id_header: "NO".to_owned(),
        columns: cols(&[
            ("NAMA LENGKAP", Name),
            ("NIK", Nik),
            ("TEMPAT, TANGGAL LAHIR", BirthPlaceDate),
            ("JK", Sex),
            ("ALAMAT", Street),
            ("DESA/KELURAHAN", Village),
            ("KECAMATAN", District),
            ("NO. HP", Phone),
            ("NEGARA PENEMPATAN", Country),
            ("TAHUN PULANG", ReturnYear),
        ]),
        dates: DateStyle::LongId,
        phones: PhoneStyle::Local,
        names: NameCase::Title,
        sex: SexStyle::Letter,
        nik_apostrophe: false,
    };
    let layout_b = Layout {
        id_header: "No.".to_owned(),
        columns: cols(&[
            ("Nama", Name),
            ("No. KTP", Nik),
            ("Tempat Lahir", BirthPlace),
            ("Tanggal Lahir", BirthDate),
            ("Jenis Kelamin", Sex),
            ("Alamat Lengkap", Address),
            ("Telepon", Phone),
            ("Negara Tujuan", Country),
            ("Sektor", Sector),
        ]),
        dates: DateStyle::Cell,
        phones: PhoneStyle::Mixed,
        names: NameCase::Upper,
        sex: SexStyle::Word,
        nik_apostrophe: false,
    };
    for regency in &geography().regencies {
        let slug = regency.short_name().to_lowercase().replace(' ', "_");
        let prefix = if regency.is_city() { "kota" } else { "kab" };
        let layout = match regency.code.as_str() {
            "36.01" | "36.02" | "36.04" | "36.72" => layout_a.clone(),
            _ => layout_b.clone(),
        };
        specs.push(ListSpec {
            name: format!("disnaker_{prefix}_{slug}"),
            kind: ListKind::Regency,
            regency_code: Some(regency.code.clone()),
            coverage: 0.35,
            layout,
            damage: DamageRates::typical(ListKind::Regency).scaled(damage),
            spreadsheet: true,
        });
    }
    specs.push(ListSpec {
        name: "pelatihan".to_owned(),
        kind: ListKind::Training,
        regency_code: None,
        coverage: 0.2,
        layout: Layout {
            id_header: "No".to_owned(),
            columns: cols(&[
                ("Timestamp", Timestamp),
                ("Nama Lengkap", Name),
                ("NIK (jika ada)", Nik),
                ("Tanggal Lahir", BirthDate),
                ("Jenis Kelamin", Sex),
                ("No. WhatsApp", Phone),
                ("Alamat", Address),
                ("Kabupaten/Kota", Regency),
                ("Negara Terakhir Bekerja", Country),
            ]),
            dates: DateStyle::Mixed,
            phones: PhoneStyle::Mixed,
            names: NameCase::AsTyped,
            sex: SexStyle::Word,
            nik_apostrophe: false,
        },
        damage: DamageRates::typical(ListKind::Training).scaled(damage),
        spreadsheet: false,
    });
    specs
}

/// A cell as a spreadsheet holds it.
#[derive(Debug, Clone, PartialEq)]
pub enum Cell {
    Empty,
    Text(String),
    /// A numeric cell: a NIK or phone number that a spreadsheet took for a number, a day number.
    Number(f64),
    /// A date cell.
    Date(NaiveDate),
}

impl Cell {
    /// The cell as a spreadsheet exports it to CSV.
    pub fn to_csv(&self) -> String {
        match self {
            Cell::Empty => String::new(),
            Cell::Text(s) => s.clone(),
            Cell::Number(x) => damage::excel_general(*x),
            Cell::Date(d) => damage::format_date(*d, DateStyle::DmySlash),
        }
    }
}

/// One row of a list, with the person it truly belongs to.
#[derive(Debug, Clone, PartialEq)]
pub struct Row {
    /// The value of the list's id column, unique within the list.
    pub record_id: String,
    /// The truth: never written into the list itself.
    pub person_id: u64,
    /// In the order of the layout's columns.
    pub cells: Vec<Cell>,
}

/// A list with its rows.
#[derive(Debug, Clone, PartialEq)]
pub struct AgencyList {
    pub spec: ListSpec,
    pub rows: Vec<Row>,
}

/// Makes the rows of a set of lists from people, chunk by chunk, keeping record ids running
/// across chunks. Each person's rows depend only on the seed and the person; the order of rows
/// within a list is shuffled within each chunk.
pub struct ListBuilder {
    seed: u64,
    specs: Vec<ListSpec>,
    next_id: Vec<u64>,
    chunk: u64,
}

/// A row before its list is known to be complete: (list index, row without its record id).
pub type PendingRow = (usize, Row);

impl ListBuilder {
    pub fn new(seed: u64, specs: Vec<ListSpec>) -> Self {
        let n = specs.len();
        ListBuilder {
            seed,
            specs,
            next_id: vec![1; n],
            chunk: 0,
        }
    }

    pub fn specs(&self) -> &[ListSpec] {
        &self.specs
    }

    /// The rows of each person, in the people's order.
    pub fn rows_by_person(&self, people: &[Person]) -> Vec<Vec<PendingRow>> {
        people
            .par_iter()
            .map(|p| rows_for_person(self.seed, &self.specs, p))
            .collect()
    }

    /// Sorts pending rows into their lists, shuffles each list's new rows and gives them
    /// record ids. Returns the new rows per list, in the order of the specs.
    pub fn assemble(&mut self, pending: impl IntoIterator<Item = PendingRow>) -> Vec<Vec<Row>> {
        let mut out: Vec<Vec<Row>> = vec![Vec::new(); self.specs.len()];
        for (list, row) in pending {
            out[list].push(row);
        }
        let mut rng = rng_for(self.seed, Stream::Shuffle, self.chunk);
        self.chunk += 1;
        for (list, rows) in out.iter_mut().enumerate() {
            rows.shuffle(&mut rng);
            for row in rows.iter_mut() {
                row.record_id = self.next_id[list].to_string();
                self.next_id[list] += 1;
            }
        }
        out
    }
}

/// The lists made from `people` (all at once; the command line streams through
/// [`ListBuilder`] instead).
pub fn generate(seed: u64, people: &[Person], specs: Vec<ListSpec>) -> Vec<AgencyList> {
    let mut builder = ListBuilder::new(seed, specs);
    let pending = builder.rows_by_person(people).into_iter().flatten();
    let rows = builder.assemble(pending);
    builder
        .specs
        .iter()
        .cloned()
        .zip(rows)
        .map(|(spec, rows)| AgencyList { spec, rows })
        .collect()
}

/// Every row that the lists hold of one person.
pub fn rows_for_person(seed: u64, specs: &[ListSpec], person: &Person) -> Vec<PendingRow> {
    let mut rng = rng_for(seed, Stream::Rows, person.id);
    let mut out = Vec::new();
    for (i, spec) in specs.iter().enumerate() {
        match spec.kind {
            ListKind::Departure => {
                for pl in &person.placements {
                    if rng.random_bool(spec.coverage) {
                        out.push((i, row(&mut rng, spec, person, Some(pl))));
                    }
                }
            }
            ListKind::Return => {
                for pl in person.placements.iter().filter(|p| p.return_date.is_some()) {
                    if rng.random_bool(spec.coverage) {
                        out.push((i, row(&mut rng, spec, person, Some(pl))));
                    }
                }
            }
            ListKind::Regency | ListKind::Training => {
                if spec
                    .regency_code
                    .as_ref()
                    .is_some_and(|r| *r != person.address.regency_code)
                {
                    continue;
                }
                let last = person
                    .placements
                    .iter()
                    .rev()
                    .find(|p| p.return_date.is_some());
                // Only returnees register with Disnaker or sign up for training.
                let Some(last) = last else { continue };
                if rng.random_bool(spec.coverage) {
                    out.push((i, row(&mut rng, spec, person, Some(last))));
                    if rng.random_bool(spec.damage.duplicate) {
                        out.push((i, row(&mut rng, spec, person, Some(last))));
                    }
                }
            }
        }
    }
    out
}

/// The person as this row of the list has them, before formatting.
struct Seen {
    nik: NikSeen,
    name: String,
    sex: Option<crate::people::Sex>,
    birth_date: Option<NaiveDate>,
    birth_place: String,
    phone: Option<String>,
    address: Address,
}

enum NikSeen {
    Missing,
    Text(String),
    Number(f64),
}

fn seen<R: Rng + ?Sized>(rng: &mut R, spec: &ListSpec, p: &Person) -> Seen {
    let d = &spec.damage;
    let u = rng.random::<f64>();
    let nik = if u < d.nik_missing {
        NikSeen::Missing
    } else if u < d.nik_missing + d.nik_scientific {
        NikSeen::Number(damage::nik_as_number(&p.nik))
    } else if u < d.nik_missing + d.nik_scientific + d.nik_digit {
        NikSeen::Text(damage::nik_digit_slip(rng, &p.nik))
    } else if u < d.nik_missing + d.nik_scientific + d.nik_digit + d.nik_transposition {
        NikSeen::Text(damage::nik_transposition(rng, &p.nik))
    } else {
        NikSeen::Text(p.nik.clone())
    };

    let female = p.sex == crate::people::Sex::Female;
    let mut name = p.name.to_lowercase();
    if rng.random_bool(d.name_drop_part) {
        name = damage::drop_name_part(rng, &name);
    }
    if rng.random_bool(d.name_variant) {
        name = damage::name_variant(rng, &name);
    }
    if rng.random_bool(d.name_typo) {
        name = damage::typo(rng, &name);
    }
    if rng.random_bool(d.name_father) {
        name = damage::with_father(rng, &name, &p.father_name, female);
    }
    if rng.random_bool(d.name_title) {
        name = damage::with_title(rng, &name, female);
    }
    let name = damage::in_case(rng, &name, spec.layout.names);

    let u = rng.random::<f64>();
    let birth_date = if u < d.birth_date_missing {
        None
    } else if u < d.birth_date_missing + d.birth_date_placeholder {
        Some(damage::placeholder_date(rng, p.birth_date))
    } else if u < d.birth_date_missing + d.birth_date_placeholder + d.birth_date_swap {
        Some(damage::swap_day_month(p.birth_date))
    } else if u < d.birth_date_missing
        + d.birth_date_placeholder
        + d.birth_date_swap
        + d.birth_date_slip
    {
        Some(damage::date_slip(rng, p.birth_date))
    } else {
        Some(p.birth_date)
    };

    let sex = (!rng.random_bool(d.sex_missing)).then_some(p.sex);
    let phone = if rng.random_bool(d.phone_missing) {
        None
    } else if rng.random_bool(d.phone_changed) {
        Some(crate::places::phone(rng))
    } else {
        Some(p.phone.clone())
    };
    let address = if rng.random_bool(d.address_moved) {
        moved_within_regency(rng, &p.address)
    } else {
        p.address.clone()
    };
    let birth_place = match rng.random_range(0..20) {
        0 => damage::typo(rng, &p.birth_place.to_lowercase()),
        1..=3 => p.birth_place.to_uppercase(),
        _ => p.birth_place.clone(),
    };
    Seen {
        nik,
        name,
        sex,
        birth_date,
        birth_place,
        phone,
        address,
    }
}

fn moved_within_regency<R: Rng + ?Sized>(rng: &mut R, a: &Address) -> Address {
    let geo = geography();
    let Some(regency) = geo.regencies.iter().find(|r| r.code == a.regency_code) else {
        return a.clone();
    };
    let d = &regency.districts[rng.random_range(0..regency.districts.len())];
    let (vc, vn) = &d.villages[rng.random_range(0..d.villages.len())];
    Address {
        street: format!("Kp. {}", crate::places::kampung(rng)),
        rt: rng.random_range(1..=15),
        rw: rng.random_range(1..=9),
        village_code: vc.clone(),
        village: vn.clone(),
        district_code: d.code.clone(),
        district: d.name.clone(),
        regency_code: a.regency_code.clone(),
        regency: a.regency.clone(),
    }
}

fn row<R: Rng + ?Sized>(
    rng: &mut R,
    spec: &ListSpec,
    p: &Person,
    placement: Option<&Placement>,
) -> Row {
    let s = seen(rng, spec, p);
    let layout = &spec.layout;
    let cells = layout
        .columns
        .iter()
        .map(|(_, field)| cell(rng, spec, &s, placement, *field))
        .collect();
    Row {
        record_id: String::new(),
        person_id: p.id,
        cells,
    }
}

fn text(s: impl Into<String>) -> Cell {
    Cell::Text(s.into())
}

fn date_cell<R: Rng + ?Sized>(rng: &mut R, d: Option<NaiveDate>, style: DateStyle) -> Cell {
    let Some(d) = d else { return Cell::Empty };
    match style {
        DateStyle::Cell => Cell::Date(d),
        DateStyle::Mixed => text(damage::typed_date(rng, d)),
        other => text(damage::format_date(d, other)),
    }
}

fn cell<R: Rng + ?Sized>(
    rng: &mut R,
    spec: &ListSpec,
    s: &Seen,
    placement: Option<&Placement>,
    field: Field,
) -> Cell {
    let layout = &spec.layout;
    let upper = layout.names == NameCase::Upper;
    match field {
        Field::Nik => match &s.nik {
            NikSeen::Missing => {
                if layout.names == NameCase::AsTyped && rng.random_bool(0.3) {
                    text(["-", "tidak ada", "0"][rng.random_range(0..3)])
                } else {
                    Cell::Empty
                }
            }
            NikSeen::Number(x) => Cell::Number(*x),
            NikSeen::Text(n) if layout.nik_apostrophe => text(format!("'{n}")),
            NikSeen::Text(n) => text(n.clone()),
        },
        Field::Name => text(s.name.clone()),
        Field::Sex => match (s.sex, layout.sex) {
            (None, _) => Cell::Empty,
            (Some(sex), SexStyle::Letter) => text(sex.code()),
            (Some(crate::people::Sex::Female), SexStyle::Word) => text("Perempuan"),
            (Some(crate::people::Sex::Male), SexStyle::Word) => text("Laki-laki"),
        },
        Field::BirthPlace => text(if upper {
            s.birth_place.to_uppercase()
        } else {
            s.birth_place.clone()
        }),
        Field::BirthDate => date_cell(rng, s.birth_date, layout.dates),
        Field::BirthPlaceDate => {
            let date = s
                .birth_date
                .map(|d| damage::format_date(d, layout.dates))
                .unwrap_or_default();
            let sep = if rng.random_bool(0.8) { ", " } else { " / " };
            text(
                format!("{}{sep}{date}", s.birth_place)
                    .trim_end_matches([',', ' ', '/'])
                    .to_owned(),
            )
        }
        Field::Phone => match &s.phone {
            None => Cell::Empty,
            Some(p) => {
                let f = damage::format_phone(rng, p, layout.phones);
                match f.parse::<f64>() {
                    // A number typed into a numeric cell loses its leading 0.
                    Ok(x) if spec.spreadsheet && !f.starts_with('+') && rng.random_bool(0.2) => {
                        Cell::Number(x)
                    }
                    _ => text(f),
                }
            }
        },
        Field::Address => text(address_text(rng, &s.address, true, upper)),
        Field::Street => text(street_text(rng, &s.address)),
        Field::Village => text(s.address.village.clone()),
        Field::District => text(s.address.district.clone()),
        Field::Regency => text(regency_text(rng, &s.address.regency, upper)),
        Field::Country => match placement {
            None => Cell::Empty,
            Some(pl) => {
                let c = pl.country;
                if rng.random_bool(0.2) {
                    let a = c.aliases();
                    text(a[rng.random_range(0..a.len())])
                } else if upper {
                    text(c.name_id().to_uppercase())
                } else {
                    text(c.name_id())
                }
            }
        },
        Field::Sector => placement.map_or(Cell::Empty, |pl| text(pl.sector.name_id())),
        Field::DepartureDate => date_cell(rng, placement.map(|pl| pl.departure), layout.dates),
        Field::ReturnDate => date_cell(rng, placement.and_then(|pl| pl.return_date), layout.dates),
        Field::ReturnYear => placement
            .and_then(|pl| pl.return_date)
            .map_or(Cell::Empty, |d| text(d.year().to_string())),
        Field::ReturnReason => placement
            .and_then(|pl| pl.return_reason)
            .map_or(Cell::Empty, text),
        Field::Timestamp => {
            let base = placement
                .and_then(|pl| pl.return_date)
                .unwrap_or_else(crate::people::reference_date);
            // Signed up some months after coming home, and never after the world's "today".
            let d = (base + Duration::days(rng.random_range(30..400)))
                .min(crate::people::reference_date() - Duration::days(rng.random_range(0..30)));
            text(format!(
                "{}/{}/{} {:02}:{:02}:{:02}",
                d.month(),
                d.day(),
                d.year(),
                rng.random_range(7..22),
                rng.random_range(0..60),
                rng.random_range(0..60)
            ))
        }
    }
}

/// The hamlet or street with RT/RW, in one of the many ways it is written.
fn street_text<R: Rng + ?Sized>(rng: &mut R, a: &Address) -> String {
    let street = if let Some(k) = a.street.strip_prefix("Kp. ") {
        match rng.random_range(0..4) {
            0 => format!("Kampung {k}"),
            1 => format!("Kp {k}"),
            2 => format!("KP. {}", k.to_uppercase()),
            _ => a.street.clone(),
        }
    } else {
        a.street.clone()
    };
    let rtrw = match rng.random_range(0..5) {
        0 => format!("RT {:03}/RW {:03}", a.rt, a.rw),
        1 => format!("RT.{:02}/RW.{:02}", a.rt, a.rw),
        2 => format!("Rt {} Rw {}", a.rt, a.rw),
        3 => format!("RT/RW {:03}/{:03}", a.rt, a.rw),
        _ => format!("RT {:02} RW {:02}", a.rt, a.rw),
    };
    format!("{street} {rtrw}")
}

fn regency_text<R: Rng + ?Sized>(rng: &mut R, regency: &str, upper: bool) -> String {
    let (kind, short) = regency
        .split_once(' ')
        .map_or(("", regency), |(k, s)| (k, s));
    let s = match (kind, rng.random_range(0..4)) {
        ("Kabupaten", 0) => format!("Kab. {short}"),
        ("Kabupaten", 1) => format!("Kab {short}"),
        ("Kota", 0 | 1) => format!("Kota {short}"),
        (_, 2) => short.to_owned(),
        _ => regency.to_owned(),
    };
    if upper { s.to_uppercase() } else { s }
}

/// A whole address as free text: some parts abbreviated, some left out.
fn address_text<R: Rng + ?Sized>(
    rng: &mut R,
    a: &Address,
    with_regency: bool,
    upper: bool,
) -> String {
    let mut parts = vec![street_text(rng, a)];
    if rng.random_bool(0.93) {
        let village = if a.is_kelurahan() {
            ["Kel. ", "Kelurahan ", ""][rng.random_range(0..3)]
        } else {
            ["Desa ", "Ds. ", ""][rng.random_range(0..3)]
        };
        parts.push(format!("{village}{}", a.village));
    }
    if rng.random_bool(0.9) {
        let district = ["Kec. ", "Kecamatan ", ""][rng.random_range(0..3)];
        parts.push(format!("{district}{}", a.district));
    }
    if with_regency && rng.random_bool(0.85) {
        parts.push(regency_text(rng, &a.regency, false));
    }
    let sep = if rng.random_bool(0.5) { ", " } else { " " };
    let s = parts.join(sep);
    if upper { s.to_uppercase() } else { s }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::people;

    fn make(damage: DamageRates, n: usize) -> Vec<AgencyList> {
        let people = people::generate(9, n);
        let mut specs = standard_specs(1.0);
        for s in &mut specs {
            s.damage = damage;
        }
        generate(9, &people, specs)
    }

    fn column<'a>(list: &'a AgencyList, field: Field) -> impl Iterator<Item = &'a Cell> + 'a {
        let i = list
            .spec
            .layout
            .columns
            .iter()
            .position(|(_, f)| *f == field);
        list.rows.iter().filter_map(move |r| i.map(|i| &r.cells[i]))
    }

    #[test]
    fn lists_are_deterministic_and_ids_unique() {
        let people = people::generate(4, 3_000);
        let a = generate(4, &people, standard_specs(1.0));
        let b = generate(4, &people, standard_specs(1.0));
        assert_eq!(a, b);
        assert_eq!(
            a.len(),
            11,
            "2 national lists, 8 Disnaker lists, 1 training sheet"
        );
        for list in &a {
            let ids: std::collections::HashSet<&str> =
                list.rows.iter().map(|r| r.record_id.as_str()).collect();
            assert_eq!(ids.len(), list.rows.len(), "{}", list.spec.name);
            for r in &list.rows {
                assert_eq!(r.cells.len(), list.spec.layout.columns.len());
            }
        }
    }

    #[test]
    fn without_damage_every_nik_is_the_truth() {
        let people = people::generate(9, 2_000);
        let lists = make(DamageRates::NONE, 2_000);
        for list in &lists {
            for (row, cell) in list.rows.iter().zip(column(list, Field::Nik)) {
                let truth = &people[row.person_id as usize].nik;
                assert_eq!(cell.to_csv().trim_start_matches('\''), *truth);
            }
        }
    }

    #[test]
    fn damage_rates_are_as_configured() {
        let rates = DamageRates {
            nik_missing: 0.2,
            nik_scientific: 0.1,
            nik_digit: 0.05,
            nik_transposition: 0.05,
            name_title: 0.3,
            birth_date_missing: 0.1,
            phone_missing: 0.25,
            ..DamageRates::NONE
        };
        let people = people::generate(9, 20_000);
        let lists = make(rates, 20_000);
        let (mut rows, mut missing, mut sci, mut slips, mut titles, mut no_date, mut no_phone) =
            (0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0);
        for list in lists.iter().filter(|l| l.spec.kind == ListKind::Departure) {
            let name_i = list
                .spec
                .layout
                .columns
                .iter()
                .position(|(_, f)| *f == Field::Name);
            let date_i = list
                .spec
                .layout
                .columns
                .iter()
                .position(|(_, f)| *f == Field::BirthDate);
            let phone_i = list
                .spec
                .layout
                .columns
                .iter()
                .position(|(_, f)| *f == Field::Phone);
            for (row, nik) in list.rows.iter().zip(column(list, Field::Nik)) {
                rows += 1.0;
                let truth = &people[row.person_id as usize].nik;
                match nik {
                    Cell::Empty => missing += 1.0,
                    Cell::Number(_) => {
                        sci += 1.0;
                        assert!(nik.to_csv().contains("E+"));
                    }
                    Cell::Text(t) if t != truth => slips += 1.0,
                    _ => {}
                }
                let name = name_i.map(|i| row.cells[i].to_csv()).unwrap_or_default();
                if ["HJ", "H ", "H.", "HAJJAH "]
                    .iter()
                    .any(|t| name.starts_with(t))
                {
                    titles += 1.0;
                }
                if date_i.is_some_and(|i| row.cells[i] == Cell::Empty) {
                    no_date += 1.0;
                }
                if phone_i.is_some_and(|i| row.cells[i] == Cell::Empty) {
                    no_phone += 1.0;
                }
            }
        }
        assert!(rows > 5_000.0);
        let close = |got: f64, want: f64, what: &str| {
            let share = got / rows;
            assert!((share - want).abs() < 0.02, "{what}: {share} not {want}");
        };
        close(missing, 0.2, "NIK missing");
        close(sci, 0.1, "NIK in scientific notation");
        close(slips, 0.1, "NIK mistyped");
        close(titles, 0.3, "titles");
        close(no_date, 0.1, "birth date missing");
        close(no_phone, 0.25, "phone missing");
    }

    #[test]
    fn regency_lists_hold_only_their_residents_and_lists_overlap() {
        let people = people::generate(2, 5_000);
        let lists = generate(2, &people, standard_specs(1.0));
        let mut lists_per_person = vec![0usize; people.len()];
        for list in &lists {
            for r in &list.rows {
                if let Some(code) = &list.spec.regency_code {
                    assert_eq!(people[r.person_id as usize].address.regency_code, *code);
                }
                lists_per_person[r.person_id as usize] += 1;
            }
        }
        let in_two = lists_per_person.iter().filter(|&&n| n >= 2).count();
        assert!(in_two > people.len() / 3, "lists overlap: {in_two}");
    }
}
