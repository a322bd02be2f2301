//! `emas import` as an operator runs it: a dry run first, then the import, then the same file
//! again; bad files and mappings get messages that name what is wrong.

use crate::common;

use common::{emas, stderr};

fn temp_dir(name: &str) -> std::path::PathBuf {
    common::temp_dir("import-cli", name)
}

const LIST: &str = "NO;NIK;NAMA;JK;TTL;ALAMAT;NEGARA;TGL PULANG\n\
1;'3604054503900002;Siti Nurhayati;P;Serang, 5 Maret 1990;Kec. Kramatwatu Kab. Serang;Taiwan;30-06-2023\n\
2;;Euis Komalasari;P;Lebak, 12-03-1988;Kab. Lebak;Hongkong;15/01/2022\n\
3;3.60405E+15;;P;;;;\n";

#[test]
fn an_operator_imports_a_list_once() {
    let dir = temp_dir("once");
    let file = dir.join("daftar.csv");
    std::fs::write(&file, LIST).expect("write");
    let data = dir.join("data");
    let file = file.to_str().expect("utf-8 path");

    let dry = emas(
        &data,
        &[
            "import",
            file,
            "--source",
            "Disnaker Kab. Serang 2024",
            "--kind",
            "regency",
            "--dry-run",
        ],
    );
    assert!(dry.status.success(), "{}", stderr(&dry));
    assert!(
        stderr(&dry)
            .contains("3 rows: 2 new, 0 matched, 0 to review, 0 imported before, 1 with errors"),
        "{}",
        stderr(&dry)
    );
    assert!(
        stderr(&dry).contains("line 4"),
        "the bad row is named: {}",
        stderr(&dry)
    );
    assert!(stderr(&dry).contains("nothing was written"));

    let real = emas(
        &data,
        &[
            "import",
            file,
            "--source",
            "Disnaker Kab. Serang 2024",
            "--kind",
            "regency",
        ],
    );
    assert!(real.status.success(), "{}", stderr(&real));
    assert!(stderr(&real).contains("2 new people"), "{}", stderr(&real));

    let again = emas(
        &data,
        &["import", file, "--source", "Disnaker Kab. Serang 2024"],
    );
    assert!(again.status.success(), "{}", stderr(&again));
    assert!(
        stderr(&again).contains("0 new, 0 matched, 0 to review, 2 imported before"),
        "{}",
        stderr(&again)
    );
}

#[test]
fn bad_files_and_mappings_are_named() {
    let dir = temp_dir("bad");
    let data = dir.join("data");
    let fake = dir.join("laporan.xlsx");
    std::fs::write(&fake, "NIK,NAMA\n1,Siti\n").expect("write");
    let out = emas(
        &data,
        &[
            "import",
            fake.to_str().expect("path"),
            "--source",
            "S",
            "--kind",
            "other",
        ],
    );
    assert!(!out.status.success());
    assert!(
        stderr(&out).contains("laporan.xlsx") && stderr(&out).contains("not an XLSX"),
        "{}",
        stderr(&out)
    );

    let list = dir.join("daftar.csv");
    std::fs::write(&list, LIST).expect("write");
    let mapping = dir.join("mapping.toml");
    std::fs::write(&mapping, "[fields]\nnama_lengkap = \"NAMA\"\n").expect("write");
    let out = emas(
        &data,
        &[
            "import",
            list.to_str().expect("path"),
            "--source",
            "S",
            "--kind",
            "other",
            "--mapping",
            mapping.to_str().expect("path"),
        ],
    );
    assert!(!out.status.success());
    assert!(
        stderr(&out).contains("unknown field \"nama_lengkap\"")
            && stderr(&out).contains("full_name"),
        "{}",
        stderr(&out)
    );
    std::fs::write(&mapping, "[fields]\nfull_name = \"NAMA LENGKAP\"\n").expect("write");
    let out = emas(
        &data,
        &[
            "import",
            list.to_str().expect("path"),
            "--source",
            "S",
            "--kind",
            "other",
            "--mapping",
            mapping.to_str().expect("path"),
        ],
    );
    assert!(
        stderr(&out).contains("no column \"NAMA LENGKAP\""),
        "{}",
        stderr(&out)
    );

    let out = emas(
        &data,
        &[
            "import",
            list.to_str().expect("path"),
            "--source",
            "Sumber baru",
        ],
    );
    assert!(!out.status.success());
    assert!(
        stderr(&out).contains("--kind"),
        "a new source needs its kind: {}",
        stderr(&out)
    );
}
