//! `emas link` end to end on small lists made in the test: the stories of issue 3 and its bad
//! inputs.

use std::path::{Path, PathBuf};

use emas_linkage::cli::{LinkArgs, LinkError, run};

struct Dir(PathBuf);

impl Dir {
    fn new(name: &str) -> Dir {
        let p = std::env::temp_dir().join(format!("emas-link-{name}-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&p);
        std::fs::create_dir_all(&p).expect("temp dir");
        Dir(p)
    }
    fn write(&self, name: &str, content: impl AsRef<[u8]>) -> PathBuf {
        let p = self.0.join(name);
        std::fs::write(&p, content).expect("write fixture");
        p
    }
    fn path(&self, name: &str) -> PathBuf {
        self.0.join(name)
    }
}

impl Drop for Dir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

fn args(config: &Path, out: &Path) -> LinkArgs {
    LinkArgs {
        config: Some(config.to_owned()),
        out: Some(out.to_owned()),
        pairs: None,
        threshold: None,
        floor: None,
        seed: 42,
        save_model: None,
        model: None,
        existing: None,
        index: None,
        save_index: None,
        summary: None,
        truth: None,
        max_block_size: None,
        u_sample: 20_000,
        today: Some(chrono::NaiveDate::from_ymd_opt(2026, 11, 27).expect("valid")),
        quiet: true,
    }
}

/// Two agency lists of Banten returnees; rows 1/K1, 2/K2 and 3/K3 are the same women written
/// differently; the rest are different people, two of them sharing a common name.
const DISNAKER: &str = "\u{feff}NO;NIK;NAMA;TTL;ALAMAT;HP
1;'3604054503900002;Hj. Siti Nurhayati;Serang, 05-03-1990;Kp. Cibeber RT 02/RW 03 Ds. Sukamaju Kec. Cikande;0812-3456-7890
2;3603126708850001;Djuariah binti Soekarno;Tangerang, 27 Agustus 1985;Kp. Pasir RT 01/RW 05 Desa Mekarsari;+62 813 1111 2222
3;;Mochammad Yusup;Lebak, 12/07/1988;Kp. Leuwi RT 4 RW 2 Desa Cilangkahan;085712345678
4;3601234101920003;Siti Aminah;Pandeglang, 01-01-1992;Kp. Kadu RT 1 RW 1;081299998888
5;3604011203800004;Rina Marlina;Serang, 12-03-1980;Kp. Baru RT 3 RW 4 Ds. Kramat;
6;;Siti Aminah;Lebak, 17-08-1979;Kp. Cisimeut RT 5 RW 6;087788889999
7;;Dewi Sartika;Cilegon, 04-11-1991;Jl. Raya No. 5 Kel. Cipare;081355556666
8;3673015506870005;Nurlela;Serang, 15-06-1987;Kel. Cipare;
";

const KEPULANGAN: &str = "ID,NIK,NAMA,TGL_LAHIR,JK,ALAMAT,TELEPON
K1,3604054503900002,SITI NUR HAYATI,1990-03-05,P,Cibeber 2/3 Sukamaju Cikande,6281234567890
K2,,JUARIAH,27/08/1985,P,Pasir Mekarsari,081311112222
K3,,MUHAMMAD YUSUF,12-07-1988,L,Leuwi Cilangkahan,0857-1234-5678
K4,3602014707950006,Yanti Susanti,07-07-1995,P,Kp. Cibadak,081377776666
K5,,-,,,,
";

fn fixture(dir: &Dir) -> PathBuf {
    dir.write("disnaker.csv", DISNAKER);
    dir.write("kepulangan.csv", KEPULANGAN);
    dir.write(
        "link.toml",
        r#"
link_type = "dedupe"
[[sources]]
name = "disnaker"
path = "disnaker.csv"
id = "NO"
[sources.fields]
nik = "NIK"
full_name = "NAMA"
birth_place_date = "TTL"
address = "ALAMAT"
phone = "HP"

[[sources]]
name = "kepulangan"
path = "kepulangan.csv"
id = "ID"
[sources.fields]
nik = "NIK"
full_name = "NAMA"
birth_date = "TGL_LAHIR"
sex = "JK"
address = "ALAMAT"
phone = "TELEPON"
"#,
    )
}

fn clusters(path: &Path) -> std::collections::HashMap<String, String> {
    let text = std::fs::read_to_string(path).expect("clusters written");
    let mut lines = text.lines();
    assert_eq!(lines.next(), Some("source,record_id,cluster_id"));
    lines
        .map(|l| {
            let mut p = l.split(',');
            let s = p.next().expect("source");
            let id = p.next().expect("id");
            (format!("{s}/{id}"), p.next().expect("cluster").to_owned())
        })
        .collect()
}

#[test]
fn the_same_women_on_two_lists_become_one_person_each() {
    let dir = Dir::new("story");
    let config = fixture(&dir);
    let mut a = args(&config, &dir.path("clusters.csv"));
    a.pairs = Some(dir.path("pairs.csv"));
    a.summary = Some(dir.path("summary.json"));
    run(&a).expect("link runs");
    let c = clusters(&dir.path("clusters.csv"));
    assert_eq!(c.len(), 13, "one row per input row");
    assert_eq!(c["disnaker/1"], c["kepulangan/K1"]);
    assert_eq!(c["disnaker/2"], c["kepulangan/K2"]);
    assert_eq!(c["disnaker/3"], c["kepulangan/K3"]);
    // Two women called Siti Aminah, born years apart in different places, stay two.
    assert_ne!(c["disnaker/4"], c["disnaker/6"]);
    let distinct: std::collections::HashSet<&String> = c.values().collect();
    assert_eq!(distinct.len(), 10);
    let pairs = std::fs::read_to_string(dir.path("pairs.csv")).expect("pairs written");
    let header = pairs.lines().next().expect("header");
    assert!(
        header.starts_with(
            "source_l,record_id_l,source_r,record_id_r,match_probability,match_weight,weight_nik"
        ),
        "{header}"
    );
    // The garbage row is counted, not fatal.
    let summary = std::fs::read_to_string(dir.path("summary.json")).expect("summary written");
    assert!(summary.contains("\"garbage\": 1"), "{summary}");
}

#[test]
fn a_saved_model_gives_the_same_clusters_and_serves_an_incremental_batch() {
    let dir = Dir::new("model");
    let config = fixture(&dir);
    let mut a = args(&config, &dir.path("first.csv"));
    a.save_model = Some(dir.path("model.json"));
    run(&a).expect("first run");
    let mut b = args(&config, &dir.path("second.csv"));
    b.model = Some(dir.path("model.json"));
    run(&b).expect("run with the saved model");
    assert_eq!(
        clusters(&dir.path("first.csv")),
        clusters(&dir.path("second.csv"))
    );

    // Later, a training sign-up sheet arrives and is linked against the people known so far.
    dir.write("pelatihan.csv", "NO,NAMA,TGL_LAHIR,HP\nP1,Siti Nurhayati,05-03-1990,081234567890\nP2,Budi Santoso,02-02-1970,081900001111\n");
    let text = std::fs::read_to_string(&config).expect("config")
        + "\n[[sources]]\nname = \"pelatihan\"\npath = \"pelatihan.csv\"\nid = \"NO\"\nnew = true\n[sources.fields]\nfull_name = \"NAMA\"\nbirth_date = \"TGL_LAHIR\"\nphone = \"HP\"\n";
    let config2 = dir.write("link2.toml", text);
    let mut c = args(&config2, &dir.path("third.csv"));
    c.model = Some(dir.path("model.json"));
    c.existing = Some(dir.path("first.csv"));
    run(&c).expect("incremental run");
    let third = clusters(&dir.path("third.csv"));
    let first = clusters(&dir.path("first.csv"));
    assert_eq!(third["pelatihan/P1"], first["disnaker/1"]);
    assert!(
        !first.values().any(|v| *v == third["pelatihan/P2"]),
        "a new person gets a new cluster"
    );
    for (k, v) in &first {
        assert_eq!(&third[k], v, "existing records keep their clusters");
    }

    // The same batch against a saved index: the existing lists are not read again.
    let mut save = args(&config, &dir.path("fourth.csv"));
    save.model = Some(dir.path("model.json"));
    save.save_index = Some(dir.path("index.bin"));
    run(&save).expect("run that saves its index");
    std::fs::remove_file(dir.path("disnaker.csv")).expect("the old lists are not needed any more");
    let mut from_index = args(&config2, &dir.path("fifth.csv"));
    from_index.model = Some(dir.path("model.json"));
    from_index.index = Some(dir.path("index.bin"));
    run(&from_index).expect("incremental run from the index");
    assert_eq!(clusters(&dir.path("fifth.csv")), third);

    // An index saved for other sources is refused, naming both lists of sources.
    let other = dir.write(
        "other.toml",
        std::fs::read_to_string(&config2)
            .expect("config")
            .replace("\"kepulangan\"", "\"pulang\""),
    );
    let mut wrong = args(&other, &dir.path("sixth.csv"));
    wrong.model = Some(dir.path("model.json"));
    wrong.index = Some(dir.path("index.bin"));
    let e = run(&wrong).expect_err("index of other sources");
    assert!(
        e.to_string().contains("kepulangan") && e.to_string().contains("pulang"),
        "{e}"
    );
}

#[test]
fn a_missing_column_names_the_column_the_source_and_the_file() {
    let dir = Dir::new("column");
    let config = fixture(&dir);
    let text = std::fs::read_to_string(&config)
        .expect("config")
        .replace("phone = \"HP\"", "phone = \"NO_HP\"");
    let config = dir.write("link.toml", text);
    let e = run(&args(&config, &dir.path("c.csv"))).expect_err("missing column");
    let msg = e.to_string();
    assert!(
        msg.contains("NO_HP")
            && msg.contains("disnaker")
            && msg.contains("disnaker.csv")
            && msg.contains("ALAMAT"),
        "{msg}"
    );
}

#[test]
fn a_missing_file_is_named() {
    let dir = Dir::new("file");
    let config = fixture(&dir);
    std::fs::remove_file(dir.path("kepulangan.csv")).expect("remove");
    let e = run(&args(&config, &dir.path("c.csv"))).expect_err("missing file");
    assert!(e.to_string().contains("kepulangan.csv"), "{e}");
}

#[test]
fn duplicated_ids_are_refused_with_their_lines() {
    let dir = Dir::new("dup");
    let config = fixture(&dir);
    dir.write("kepulangan.csv", KEPULANGAN.replace("K4,", "K2,"));
    let e = run(&args(&config, &dir.path("c.csv"))).expect_err("duplicate id");
    assert!(
        matches!(
            e,
            LinkError::DuplicateId {
                line: 5,
                first: 3,
                ..
            }
        ),
        "{e}"
    );
    assert!(e.to_string().contains("kepulangan"), "{e}");
}

#[test]
fn an_empty_source_is_refused() {
    let dir = Dir::new("empty");
    let config = fixture(&dir);
    dir.write(
        "kepulangan.csv",
        "ID,NIK,NAMA,TGL_LAHIR,JK,ALAMAT,TELEPON\n",
    );
    let e = run(&args(&config, &dir.path("c.csv"))).expect_err("empty source");
    assert!(
        // The reader refuses a sheet of headers alone, naming the file.
        matches!(e, LinkError::EmptySource { .. } | LinkError::Read(_))
            && e.to_string().contains("kepulangan"),
        "{e}"
    );
}

#[test]
fn an_unknown_field_lists_the_known_ones() {
    let dir = Dir::new("field");
    let config = fixture(&dir);
    let text = std::fs::read_to_string(&config)
        .expect("config")
        .replace("sex = \"JK\"", "jenis_kelamin = \"JK\"");
    let config = dir.write("link.toml", text);
    let msg = run(&args(&config, &dir.path("c.csv")))
        .expect_err("unknown field")
        .to_string();
    assert!(
        msg.contains("jenis_kelamin") && msg.contains("birth_place_date") && msg.contains("sex"),
        "{msg}"
    );
}

#[test]
fn windows_1252_and_garbage_rows_are_read_not_fatal() {
    let dir = Dir::new("cp1252");
    let mut bytes = b"NO,NAMA,TGL_LAHIR\n1,Jos\xE9 Rizal,01-02-1980\n2,@@@,???\n3,,\n".to_vec();
    bytes.extend_from_slice(b"4,Jose Rizal,01-02-1980\n");
    dir.write("a.csv", bytes);
    let config = dir.write(
        "link.toml",
        "[[sources]]\nname = \"a\"\npath = \"a.csv\"\nid = \"NO\"\n[sources.fields]\nfull_name = \"NAMA\"\nbirth_date = \"TGL_LAHIR\"\n",
    );
    let mut a = args(&config, &dir.path("c.csv"));
    a.summary = Some(dir.path("s.json"));
    a.pairs = Some(dir.path("p.csv"));
    a.floor = Some(0.0);
    run(&a).expect("garbage is not fatal");
    let c = clusters(&dir.path("c.csv"));
    assert_eq!(c.len(), 4);
    assert_ne!(c["a/2"], c["a/3"], "broken rows are clusters of their own");
    // José (decoded from Windows-1252) and Jose share their standardised name, so blocking on
    // the name put them side by side; the broken rows were never compared.
    let pairs = std::fs::read_to_string(dir.path("p.csv")).expect("pairs");
    let rows: Vec<&str> = pairs.lines().skip(1).collect();
    assert_eq!(rows.len(), 1, "{pairs}");
    assert!(rows[0].starts_with("a,1,a,4,"), "{pairs}");
    let s = std::fs::read_to_string(dir.path("s.json")).expect("summary");
    assert!(s.contains("\"garbage\": 2"), "{s}");
}

#[test]
fn decisions_people_made_bind_the_clusters_and_their_effect_is_reported() {
    let dir = Dir::new("labels");
    let config = fixture(&dir);
    // A reviewer says disnaker/1 and kepulangan/K1 are different people (say, twins), and that
    // disnaker/5 and kepulangan/K4 are the same woman (she changed her name).
    dir.write(
        "keputusan.csv",
        "source_l,record_id_l,source_r,record_id_r,same\ndisnaker,1,kepulangan,K1,0\ndisnaker,5,kepulangan,K4,ya\n",
    );
    let text = format!(
        "labels = \"keputusan.csv\"\n{}",
        std::fs::read_to_string(&config).expect("config")
    );
    let config = dir.write("link.toml", text);
    let mut a = args(&config, &dir.path("c.csv"));
    a.summary = Some(dir.path("s.json"));
    run(&a).expect("run with labels");
    let c = clusters(&dir.path("c.csv"));
    assert_ne!(c["disnaker/1"], c["kepulangan/K1"]);
    assert_eq!(c["disnaker/5"], c["kepulangan/K4"]);
    assert_eq!(
        c["disnaker/2"], c["kepulangan/K2"],
        "unlabelled pairs are still linked"
    );
    let s = std::fs::read_to_string(dir.path("s.json")).expect("summary");
    assert!(
        s.contains("\"labels\": 2") && s.contains("agreeing_after"),
        "{s}"
    );

    // A label naming a record that does not exist is refused with its line.
    dir.write(
        "keputusan.csv",
        "source_l,record_id_l,source_r,record_id_r,same\ndisnaker,99,kepulangan,K1,0\n",
    );
    let e = run(&args(&config, &dir.path("c.csv"))).expect_err("unknown record");
    assert!(
        e.to_string().contains("line 2") && e.to_string().contains("disnaker"),
        "{e}"
    );
}

#[test]
fn a_spreadsheet_with_numeric_niks_and_date_cells_is_read() {
    use rust_xlsxwriter::{ExcelDateTime, Format, Workbook};
    let dir = Dir::new("xlsx");
    let mut book = Workbook::new();
    let sheet = book
        .add_worksheet()
        .set_name("Data PMI")
        .expect("sheet name");
    let date = Format::new().set_num_format("dd/mm/yyyy");
    for (c, h) in ["NO", "NIK", "NAMA", "TGL LAHIR"].iter().enumerate() {
        sheet.write_string(0, c as u16, *h).expect("header");
    }
    let rows = [
        (1.0, 3604054503900002.0, "Siti Nurhayati"),
        (2.0, 3604054503900002.0, "SITI NUR HAYATI"),
        (3.0, 3603126708850001.0, "Juariah"),
    ];
    for (r, (no, nik, name)) in rows.iter().enumerate() {
        let r = r as u32 + 1;
        sheet.write_number(r, 0, *no).expect("no");
        sheet.write_number(r, 1, *nik).expect("nik");
        sheet.write_string(r, 2, *name).expect("name");
        let d = if r == 3 {
            ExcelDateTime::from_ymd(1985, 8, 27)
        } else {
            ExcelDateTime::from_ymd(1990, 3, 5)
        };
        sheet
            .write_datetime_with_format(r, 3, d.expect("date"), &date)
            .expect("date cell");
    }
    book.save(dir.path("pmi.xlsx")).expect("save xlsx");
    let config = dir.write(
        "link.toml",
        "[[sources]]\nname = \"pmi\"\npath = \"pmi.xlsx\"\nsheet = \"Data PMI\"\nid = \"NO\"\n[sources.fields]\nnik = \"NIK\"\nfull_name = \"NAMA\"\nbirth_date = \"TGL LAHIR\"\n",
    );
    run(&args(&config, &dir.path("c.csv"))).expect("xlsx is read");
    let c = clusters(&dir.path("c.csv"));
    assert_eq!(c.len(), 3);
    assert!(
        c.contains_key("pmi/1"),
        "ids lose the .0 of numeric cells: {c:?}"
    );
    // The cells as the engine receives them: the NIK whole, the date as its serial number.
    let mut rows: Vec<Vec<String>> = Vec::new();
    emas_linkage::io::read(
        &dir.path("pmi.xlsx"),
        Some("Data PMI"),
        &mut |row| -> Result<(), ()> {
            if let emas_linkage::io::Row::Data(_, cells) = row {
                rows.push(cells.iter().map(|c| (*c).to_owned()).collect());
            }
            Ok(())
        },
    )
    .expect("readable")
    .expect("visited");
    assert_eq!(rows[0][1], "3604054503900002");
    let today = chrono::NaiveDate::from_ymd_opt(2026, 11, 27).expect("valid");
    assert_eq!(
        emas_domain::date::parse_date(&rows[0][3], today),
        chrono::NaiveDate::from_ymd_opt(1990, 3, 5)
    );

    // A worksheet that is not there is named, with the ones that are.
    let text = std::fs::read_to_string(&config)
        .expect("config")
        .replace("Data PMI", "Sheet9");
    let config = dir.write("link.toml", text);
    let e = run(&args(&config, &dir.path("c.csv"))).expect_err("no such sheet");
    assert!(
        e.to_string().contains("Sheet9") && e.to_string().contains("Data PMI"),
        "{e}"
    );
}
