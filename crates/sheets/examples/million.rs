//! How long reading a million-row list takes, and how much memory it holds:
//! `cargo run --release -p emas-sheets --example million -- write DIR` makes
//! DIR/sejuta.csv and DIR/sejuta.xlsx (1,000,000 people, six columns), then
//! `/usr/bin/time -v target/release/examples/million read DIR/sejuta.xlsx` reads one and prints
//! the rows and the time (the peak memory is time's "Maximum resident set size").
//!
//! On the 2-core development machine (2026-11-27): the CSV (93 MiB) reads in 1.0 s with a
//! peak of 96 MiB (the file itself); the XLSX (32 MiB, 256 MB of XML) in 13.8 s with a peak
//! of 249 MiB, most of it the workbook's shared strings. Writing the XLSX holds the sheet in
//! rust_xlsxwriter (about 1.6 GiB for these million rows); writing CSV holds one row.

use std::{fs::File, io::BufWriter, path::Path, time::Instant};

use emas_sheets::{Error, ReadOptions, Row, visit_path, write_csv, write_xlsx};

const ROWS: usize = 1_000_000;
const HEADERS: [&str; 6] = ["NO", "NAMA", "NIK", "NO HP", "ALAMAT", "TGL LAHIR"];

fn person(i: usize) -> [String; 6] {
    [
        i.to_string(),
        format!("Siti Aminah {i}"),
        format!("36040145079{i:05}"),
        format!("+62812{i:07}"),
        "Kp. Baru RT 01/02, Cikande".to_owned(),
        "12-03-1990".to_owned(),
    ]
}

fn create(path: &Path) -> Result<BufWriter<File>, Error> {
    Ok(BufWriter::new(File::create(path)?))
}

fn main() -> Result<(), Error> {
    let args: Vec<String> = std::env::args().collect();
    match args.get(1..).unwrap_or_default() {
        [mode, dir] if mode == "write" => {
            let dir = Path::new(dir);
            write_csv(
                &HEADERS,
                (0..ROWS).map(person),
                create(&dir.join("sejuta.csv"))?,
            )?;
            write_xlsx(
                &HEADERS,
                (0..ROWS).map(person),
                create(&dir.join("sejuta.xlsx"))?,
            )?;
        }
        [mode, file] if mode == "read" => {
            let started = Instant::now();
            let mut rows = 0usize;
            let format = visit_path(Path::new(file), &ReadOptions::default(), &mut |row| {
                if let Row::Data { .. } = row {
                    rows += 1;
                }
                Ok::<(), Error>(())
            })?;
            println!("{format}: {rows} rows read in {:.2?}", started.elapsed());
        }
        _ => eprintln!("usage: million write DIR | million read FILE"),
    }
    Ok(())
}
