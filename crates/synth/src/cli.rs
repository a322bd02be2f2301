//! `emas generate`: writes a set of synthetic agency lists (CSV, or XLSX for the regency lists),
//! `truth.csv` (`source,record_id,person_id`) and a `link.toml` for `emas link`.
//!
//! It streams: people are made and written a chunk at a time, so a million records need little
//! memory; only the lists written as XLSX are held until the end.

use std::fmt;
use std::fs::{self, File};
use std::io::{BufWriter, Write};
use std::path::{Path, PathBuf};

use clap::{Args, ValueEnum};

use crate::lists::{Cell, Field, ListBuilder, ListSpec, Row, standard_specs};
use crate::people::PeopleGenerator;

/// People per chunk: large enough to keep both cores busy, small enough to stay light.
const CHUNK: usize = 32_768;
/// The most rows a worksheet holds, less the header.
const XLSX_MAX_ROWS: usize = 1_048_575;

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum OutputFormat {
    /// Every list as CSV.
    Csv,
    /// The regency (Disnaker) lists as XLSX, the others as CSV.
    Xlsx,
}

/// Generate synthetic agency lists of Banten returnees with known truth.
#[derive(Debug, Clone, Args)]
pub struct GenerateArgs {
    /// Directory to write the lists, truth.csv and link.toml into (created if missing).
    #[arg(long, short)]
    pub out: PathBuf,
    /// Total number of list rows (records) to write, across all lists.
    #[arg(long, default_value_t = 100_000, conflicts_with = "people")]
    pub records: u64,
    /// Number of people to make instead; the lists then hold however many rows they give.
    #[arg(long)]
    pub people: Option<u64>,
    /// Seed: the same seed gives the same files.
    #[arg(long, default_value_t = 1)]
    pub seed: u64,
    /// Output format.
    #[arg(long, value_enum, default_value_t = OutputFormat::Csv)]
    pub format: OutputFormat,
    /// Scale of the damage in the lists: 1 is typical, 0 is none, 2 is twice as bad.
    #[arg(long, default_value_t = 1.0)]
    pub damage: f64,
}

#[derive(Debug, thiserror::Error)]
pub enum GenerateError {
    #[error("invalid argument: {0}")]
    InvalidArgument(String),
    #[error("cannot write {path}: {source}")]
    Io {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("cannot write {path}: {source}")]
    Csv { path: PathBuf, source: csv::Error },
    #[error("cannot write {path}: {source}")]
    Xlsx {
        path: PathBuf,
        source: rust_xlsxwriter::XlsxError,
    },
    #[error(
        "list {list} has {rows} rows, more than a worksheet holds ({XLSX_MAX_ROWS}); use --format csv"
    )]
    TooManyRowsForXlsx { list: String, rows: usize },
}

/// What was written.
#[derive(Debug, Clone, PartialEq)]
pub struct Summary {
    pub out: PathBuf,
    /// People with at least one row in the lists.
    pub people: u64,
    pub records: u64,
    /// (source name, file name, rows)
    pub lists: Vec<(String, String, u64)>,
}

impl fmt::Display for Summary {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        writeln!(
            f,
            "{} records of {} people in {}:",
            self.records,
            self.people,
            self.out.display()
        )?;
        for (name, file, rows) in &self.lists {
            writeln!(f, "  {name:<32} {rows:>9}  {file}")?;
        }
        write!(f, "  truth.csv, link.toml")
    }
}

impl GenerateArgs {
    fn validate(&self) -> Result<(), GenerateError> {
        let bad = |m: String| Err(GenerateError::InvalidArgument(m));
        if self.people.is_none() && self.records == 0 {
            return bad("--records must be at least 1".to_owned());
        }
        if self.people == Some(0) {
            return bad("--people must be at least 1".to_owned());
        }
        if !self.damage.is_finite() || !(0.0..=10.0).contains(&self.damage) {
            return bad(format!(
                "--damage must be between 0 and 10, not {}",
                self.damage
            ));
        }
        if self.out.exists() && !self.out.is_dir() {
            return bad(format!(
                "--out {} exists and is not a directory",
                self.out.display()
            ));
        }
        Ok(())
    }
}

/// An open list: where its rows go.
enum Sink {
    Csv(Box<csv::Writer<BufWriter<File>>>),
    /// Held for the XLSX writer at the end.
    Xlsx(Vec<Row>),
}

struct OpenList {
    spec: ListSpec,
    file: String,
    sink: Sink,
    rows: u64,
}

fn io_err(path: &Path) -> impl FnOnce(std::io::Error) -> GenerateError + '_ {
    move |source| GenerateError::Io {
        path: path.to_owned(),
        source,
    }
}

fn csv_err(path: &Path) -> impl FnOnce(csv::Error) -> GenerateError + '_ {
    move |source| GenerateError::Csv {
        path: path.to_owned(),
        source,
    }
}

pub fn run(args: &GenerateArgs) -> Result<Summary, GenerateError> {
    args.validate()?;
    fs::create_dir_all(&args.out).map_err(io_err(&args.out))?;

    let specs = standard_specs(args.damage);
    let mut open = Vec::with_capacity(specs.len());
    for spec in &specs {
        let xlsx = spec.spreadsheet && args.format == OutputFormat::Xlsx;
        let file = format!("{}.{}", spec.name, if xlsx { "xlsx" } else { "csv" });
        let sink = if xlsx {
            Sink::Xlsx(Vec::new())
        } else {
            let path = args.out.join(&file);
            let f = File::create(&path).map_err(io_err(&path))?;
            let mut w = csv::Writer::from_writer(BufWriter::new(f));
            w.write_record(header(spec)).map_err(csv_err(&path))?;
            Sink::Csv(Box::new(w))
        };
        open.push(OpenList {
            spec: spec.clone(),
            file,
            sink,
            rows: 0,
        });
    }
    let truth_path = args.out.join("truth.csv");
    let mut truth = csv::Writer::from_writer(BufWriter::new(
        File::create(&truth_path).map_err(io_err(&truth_path))?,
    ));
    truth
        .write_record(["source", "record_id", "person_id"])
        .map_err(csv_err(&truth_path))?;

    let mut people_gen = PeopleGenerator::new(args.seed);
    let mut builder = ListBuilder::new(args.seed, specs);
    // People made, people with at least one row, rows written.
    let (mut generated, mut people, mut records) = (0u64, 0u64, 0u64);
    loop {
        let mut chunk = people_gen.next_chunk(CHUNK);
        if let Some(limit) = args.people {
            chunk.truncate((limit - generated) as usize);
        }
        let by_person = builder.rows_by_person(&chunk);
        let limit = args.people.map_or(args.records, |_| u64::MAX);
        let mut pending = Vec::new();
        for rows in by_person {
            let before = records;
            for row in rows.into_iter().take((limit - records) as usize) {
                pending.push(row);
                records += 1;
            }
            people += u64::from(records > before);
            if records == limit {
                break;
            }
        }
        generated += chunk.len() as u64;
        let done = records == limit || args.people.is_some_and(|n| generated >= n);
        for (list, rows) in builder.assemble(pending).into_iter().enumerate() {
            let o = &mut open[list];
            for row in rows {
                truth
                    .write_record([
                        o.spec.name.as_str(),
                        &row.record_id,
                        &row.person_id.to_string(),
                    ])
                    .map_err(csv_err(&truth_path))?;
                o.rows += 1;
                match &mut o.sink {
                    Sink::Csv(w) => {
                        let path = args.out.join(&o.file);
                        w.write_record(
                            std::iter::once(row.record_id.clone())
                                .chain(row.cells.iter().map(Cell::to_csv)),
                        )
                        .map_err(csv_err(&path))?;
                    }
                    Sink::Xlsx(held) => held.push(row),
                }
            }
        }
        if done {
            break;
        }
    }
    truth.flush().map_err(io_err(&truth_path))?;

    let mut lists = Vec::new();
    for o in open {
        let path = args.out.join(&o.file);
        match o.sink {
            Sink::Csv(mut w) => w.flush().map_err(io_err(&path))?,
            Sink::Xlsx(rows) => write_xlsx(&path, &o.spec, &rows)?,
        }
        lists.push((o.spec.name.clone(), o.file.clone(), o.rows));
    }
    let config_path = args.out.join("link.toml");
    let mut config = File::create(&config_path).map_err(io_err(&config_path))?;
    config
        .write_all(link_toml(args, &builder, &lists).as_bytes())
        .map_err(io_err(&config_path))?;

    Ok(Summary {
        out: args.out.clone(),
        people,
        records,
        lists,
    })
}

fn header(spec: &ListSpec) -> Vec<String> {
    std::iter::once(spec.layout.id_header.clone())
        .chain(spec.layout.columns.iter().map(|(h, _)| h.clone()))
        .collect()
}

fn write_xlsx(path: &Path, spec: &ListSpec, rows: &[Row]) -> Result<(), GenerateError> {
    if rows.len() > XLSX_MAX_ROWS {
        return Err(GenerateError::TooManyRowsForXlsx {
            list: spec.name.clone(),
            rows: rows.len(),
        });
    }
    let xerr = |source| GenerateError::Xlsx {
        path: path.to_owned(),
        source,
    };
    let mut book = rust_xlsxwriter::Workbook::new();
    let date_format = rust_xlsxwriter::Format::new().set_num_format("dd/mm/yyyy");
    let sheet = book.add_worksheet();
    sheet.set_name("Data PMI Purna").map_err(xerr)?;
    for (c, h) in header(spec).iter().enumerate() {
        sheet.write_string(0, c as u16, h).map_err(xerr)?;
    }
    for (r, row) in rows.iter().enumerate() {
        let r = (r + 1) as u32;
        // Record ids are numbers in a spreadsheet's "No" column.
        match row.record_id.parse::<f64>() {
            Ok(x) => sheet.write_number(r, 0, x),
            Err(_) => sheet.write_string(r, 0, &row.record_id),
        }
        .map_err(xerr)?;
        for (c, cell) in row.cells.iter().enumerate() {
            let c = (c + 1) as u16;
            match cell {
                Cell::Empty => {}
                Cell::Text(s) => {
                    sheet.write_string(r, c, s).map_err(xerr)?;
                }
                Cell::Number(x) => {
                    sheet.write_number(r, c, *x).map_err(xerr)?;
                }
                Cell::Date(d) => {
                    let serial = crate::damage::excel_serial(*d) as f64;
                    sheet
                        .write_number_with_format(r, c, serial, &date_format)
                        .map_err(xerr)?;
                }
            }
        }
    }
    book.save(path).map_err(xerr)
}

/// The engine field a column maps to, if it is one the engine compares. The country of a
/// placement is left out: it describes a stay abroad, not the person.
fn engine_field(field: Field) -> Option<&'static str> {
    Some(match field {
        Field::Nik => "nik",
        Field::Name => "full_name",
        Field::Sex => "sex",
        Field::BirthPlace => "birth_place",
        Field::BirthDate => "birth_date",
        Field::BirthPlaceDate => "birth_place_date",
        Field::Phone => "phone",
        Field::Address | Field::Street => "address",
        Field::Village => "village",
        Field::District => "district",
        Field::Regency => "regency",
        _ => return None,
    })
}

fn toml_string(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 2);
    out.push('"');
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            c if c.is_control() => out.push_str(&format!("\\u{:04X}", c as u32)),
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

fn link_toml(
    args: &GenerateArgs,
    builder: &ListBuilder,
    lists: &[(String, String, u64)],
) -> String {
    let mut s = format!(
        "# Written by `emas generate --seed {} --damage {}`: every list of this directory, its\n\
         # record-id column and the columns that the linkage engine compares. The truth of which\n\
         # rows are the same person is in truth.csv (source,record_id,person_id).\n\
         link_type = \"dedupe\"\n",
        args.seed, args.damage
    );
    for (spec, (_, file, _)) in builder.specs().iter().zip(lists) {
        s.push_str(&format!(
            "\n[[sources]]\nname = {}\npath = {}\nid = {}\n[sources.fields]\n",
            toml_string(&spec.name),
            toml_string(file),
            toml_string(&spec.layout.id_header)
        ));
        let mut fields: Vec<(&str, Vec<&str>)> = Vec::new();
        for (h, f) in &spec.layout.columns {
            if let Some(name) = engine_field(*f) {
                match fields.iter_mut().find(|(n, _)| *n == name) {
                    Some((_, cols)) => cols.push(h),
                    None => fields.push((name, vec![h])),
                }
            }
        }
        for (name, columns) in fields {
            let value = if columns.len() == 1 {
                toml_string(columns[0])
            } else {
                let quoted: Vec<String> = columns.iter().map(|c| toml_string(c)).collect();
                format!("[{}]", quoted.join(", "))
            };
            s.push_str(&format!("{name} = {value}\n"));
        }
    }
    s
}

#[cfg(test)]
mod tests {
    use super::*;

    fn args(out: &Path) -> GenerateArgs {
        GenerateArgs {
            out: out.to_owned(),
            records: 5_000,
            people: None,
            seed: 3,
            format: OutputFormat::Csv,
            damage: 1.0,
        }
    }

    fn tempdir(name: &str) -> PathBuf {
        let d = std::env::temp_dir().join(format!("emas-synth-{name}-{}", std::process::id()));
        let _ = fs::remove_dir_all(&d);
        d
    }

    #[test]
    fn writes_exactly_the_records_asked_for_with_their_truth() {
        let dir = tempdir("exact");
        let summary = run(&args(&dir)).expect("generates");
        assert_eq!(summary.records, 5_000);
        let listed: u64 = summary.lists.iter().map(|(_, _, n)| n).sum();
        assert_eq!(listed, 5_000);
        let truth = fs::read_to_string(dir.join("truth.csv")).expect("truth written");
        assert_eq!(truth.lines().count(), 5_001);
        let penempatan = fs::read_to_string(dir.join("penempatan.csv")).expect("list written");
        assert!(penempatan.starts_with("NO,NIK,NAMA_PMI,"));
        let config = fs::read_to_string(dir.join("link.toml")).expect("config written");
        assert!(config.contains("link_type = \"dedupe\""));
        assert!(config.contains("birth_place_date = \"TEMPAT, TANGGAL LAHIR\""));
        assert!(
            config.contains("address = [\"ALAMAT\"]") || config.contains("address = \"ALAMAT\"")
        );
        let _ = fs::remove_dir_all(&dir);
    }

    #[test]
    fn the_same_seed_writes_the_same_files() {
        let (a, b) = (tempdir("same-a"), tempdir("same-b"));
        run(&args(&a)).expect("generates");
        run(&args(&b)).expect("generates");
        for f in [
            "truth.csv",
            "penempatan.csv",
            "pelatihan.csv",
            "disnaker_kab_serang.csv",
        ] {
            assert_eq!(
                fs::read(a.join(f)).expect("written"),
                fs::read(b.join(f)).expect("written"),
                "{f}"
            );
        }
        let _ = fs::remove_dir_all(&a);
        let _ = fs::remove_dir_all(&b);
    }

    #[test]
    fn xlsx_format_writes_the_regency_lists_as_workbooks() {
        let dir = tempdir("xlsx");
        let mut a = args(&dir);
        a.format = OutputFormat::Xlsx;
        a.records = 2_000;
        let summary = run(&a).expect("generates");
        assert!(
            summary
                .lists
                .iter()
                .any(|(_, f, _)| f == "disnaker_kab_serang.xlsx")
        );
        let bytes = fs::read(dir.join("disnaker_kab_serang.xlsx")).expect("written");
        assert_eq!(&bytes[..2], b"PK", "an XLSX is a zip file");
        let _ = fs::remove_dir_all(&dir);
    }

    #[test]
    fn people_mode_makes_exactly_that_many_people() {
        let dir = tempdir("people");
        let mut a = args(&dir);
        a.people = Some(1_000);
        let summary = run(&a).expect("generates");
        assert!(
            summary.people > 500 && summary.people <= 1_000,
            "{}",
            summary.people
        );
        let truth = fs::read_to_string(dir.join("truth.csv")).expect("truth written");
        let max_id = truth
            .lines()
            .skip(1)
            .filter_map(|l| l.rsplit(',').next()?.parse::<u64>().ok())
            .max();
        assert!(max_id.is_some_and(|m| m < 1_000), "{max_id:?}");
        let _ = fs::remove_dir_all(&dir);
    }

    #[derive(clap::Parser)]
    struct Cmd {
        #[command(flatten)]
        args: GenerateArgs,
    }

    #[test]
    fn the_command_line_refuses_unknown_formats_and_both_counts() {
        use clap::Parser;
        let e = Cmd::try_parse_from(["generate", "--out", "x", "--format", "pdf"])
            .err()
            .expect("pdf is not a format");
        assert!(e.to_string().contains("pdf"), "{e}");
        let e = Cmd::try_parse_from(["generate", "--out", "x", "--records", "5", "--people", "5"])
            .err()
            .expect("records and people exclude each other");
        assert!(e.to_string().contains("cannot be used with"), "{e}");
        let e = Cmd::try_parse_from(["generate", "--out", "x", "--records", "many"])
            .err()
            .expect("records is a number");
        assert!(e.to_string().contains("many"), "{e}");
        let ok = Cmd::try_parse_from(["generate", "--out", "x"]).expect("defaults");
        assert_eq!((ok.args.records, ok.args.seed), (100_000, 1));
    }

    #[test]
    fn bad_arguments_are_refused_with_a_clear_message() {
        let dir = tempdir("bad");
        let mut a = args(&dir);
        a.records = 0;
        let e = run(&a).expect_err("zero records");
        assert!(
            e.to_string().contains("--records must be at least 1"),
            "{e}"
        );
        let mut a = args(&dir);
        a.damage = -1.0;
        assert!(
            run(&a)
                .expect_err("negative damage")
                .to_string()
                .contains("--damage")
        );
        let mut a = args(&dir);
        a.people = Some(0);
        assert!(
            run(&a)
                .expect_err("no people")
                .to_string()
                .contains("--people")
        );
        let file = std::env::temp_dir().join(format!("emas-synth-file-{}", std::process::id()));
        fs::write(&file, "x").expect("temp file");
        let e = run(&args(&file)).expect_err("out is a file");
        assert!(e.to_string().contains("not a directory"), "{e}");
        let _ = fs::remove_file(&file);
    }
}
