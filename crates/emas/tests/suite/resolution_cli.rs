//! Person resolution from the command line, as an operator checks it: a doubtful pair is left
//! apart at import, `emas link --registry` reports what a lower threshold would change and
//! changes nothing until `--apply`, and `emas export links` shows who each record belongs to.

use crate::common;

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

fn temp_dir(name: &str) -> PathBuf {
    common::temp_dir("resolution-cli", name)
}

/// `emas ARGS`, which must succeed.
fn emas(data_dir: &Path, args: &[&str]) -> Output {
    let out = common::emas(data_dir, args);
    assert!(
        out.status.success(),
        "{args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    out
}

fn text(o: &Output) -> String {
    format!(
        "{}{}",
        String::from_utf8_lossy(&o.stdout),
        String::from_utf8_lossy(&o.stderr)
    )
}

const REGENCY: &str = "NO;NIK;NAMA;JK;TGL LAHIR;KECAMATAN;KAB/KOTA\n\
1;3604051208850003;Muhammad Yusuf;L;12-08-1985;Kramatwatu;Kab. Serang\n\
2;3604054503900002;Siti Nurhayati;P;05-03-1990;Kramatwatu;Kab. Serang\n";

const RETURNS: &str = "NO;NAMA;JK;TGL LAHIR;KECAMATAN;KAB/KOTA\n\
A1;Moh. Yusup;L;12/08/1985;Kramatwatu;Kab. Serang\n";

fn links(data: &Path, dir: &Path, name: &str) -> Vec<String> {
    let out = dir.join(name);
    emas(
        data,
        &["export", "links", "--out", out.to_str().expect("path")],
    );
    let text = std::fs::read_to_string(&out).expect("links");
    // The byte-order mark tells spreadsheets the file is UTF-8.
    text.trim_start_matches('\u{feff}')
        .lines()
        .map(str::to_owned)
        .collect()
}

#[test]
fn a_doubtful_pair_is_merged_only_when_the_operator_applies_a_new_threshold() {
    let dir = temp_dir("relink");
    let data = dir.join("data");
    let (regency, returns) = (dir.join("disnaker.csv"), dir.join("kepulangan.csv"));
    std::fs::write(&regency, REGENCY).expect("write");
    std::fs::write(&returns, RETURNS).expect("write");
    let path = |p: &PathBuf| p.to_str().expect("path").to_owned();
    emas(
        &data,
        &[
            "import",
            &path(&regency),
            "--source",
            "Disnaker",
            "--kind",
            "regency",
        ],
    );
    // A registry that attaches only on near certainty.
    let set = emas(
        &data,
        &[
            "link",
            "--registry",
            "--threshold",
            "0.9999",
            "--apply",
            "--quiet",
        ],
    );
    assert!(text(&set).contains("0 changes made"), "{}", text(&set));

    let import = emas(
        &data,
        &[
            "import",
            &path(&returns),
            "--source",
            "Kepulangan",
            "--kind",
            "return",
        ],
    );
    assert!(
        text(&import).contains("1 new, 0 matched, 1 to review"),
        "{}",
        text(&import)
    );
    let before = links(&data, &dir, "before.csv");
    assert_eq!(before[0], "source,record_id,person_id");
    assert_eq!(before.len(), 4);
    let person_of = |rows: &[String], record: &str| {
        rows.iter()
            .find(|r| r.split(',').nth(1) == Some(record))
            .and_then(|r| r.split(',').nth(2).map(str::to_owned))
            .expect("record listed")
    };
    assert_ne!(person_of(&before, "1"), person_of(&before, "A1"));

    let report = dir.join("changes.csv");
    let dry = emas(
        &data,
        &[
            "link",
            "--registry",
            "--threshold",
            "0.5",
            "--out",
            &path(&report),
            "--quiet",
        ],
    );
    assert!(
        text(&dry).contains("Would merge 1 people"),
        "{}",
        text(&dry)
    );
    assert!(text(&dry).contains("Nothing was changed"));
    assert!(
        std::fs::read_to_string(&report)
            .expect("report")
            .contains("change,person_id,into_person_id")
    );
    assert_eq!(
        links(&data, &dir, "unchanged.csv"),
        before,
        "a dry run changes nothing"
    );

    let applied = emas(
        &data,
        &[
            "link",
            "--registry",
            "--threshold",
            "0.5",
            "--apply",
            "--quiet",
        ],
    );
    assert!(
        text(&applied).contains("1 changes made"),
        "{}",
        text(&applied)
    );
    let after = links(&data, &dir, "after.csv");
    assert_eq!(person_of(&after, "1"), person_of(&after, "A1"));
    assert_ne!(person_of(&after, "1"), person_of(&after, "2"));
}

#[test]
fn link_without_a_config_or_the_registry_says_what_it_needs() {
    let dir = temp_dir("usage");
    let out = Command::new(env!("CARGO_BIN_EXE_emas"))
        .args(["link", "--data-dir"])
        .arg(dir.join("data"))
        .output()
        .expect("runs");
    assert!(!out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("--config") && err.contains("--out"), "{err}");
}
