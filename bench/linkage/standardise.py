"""Standardise the sources named in an `emas link` config into one table of comparable columns,
for Splink: what a capable user would do before handing Indonesian person lists to it.

The rules follow the ones the EMAS engine documents (old spelling, Muhammad/Siti abbreviations,
titles, bin/binti, dates in every office's format, NIK cleaning, phones to one form, regions
found in free-text addresses by the Kemendagri reference table), vectorised with pandas so that
standardisation is not what dominates Splink's time.
"""

from __future__ import annotations

import functools
import re
import tomllib
from pathlib import Path

import numpy as np
import pandas as pd

REPO = Path(__file__).resolve().parents[2]
WILAYAH = REPO / "data" / "wilayah" / "wilayah.csv"

FIELDS = [
    "nik", "id_number", "full_name", "given_name", "surname", "sex", "birth_date",
    "birth_place", "birth_place_date", "phone", "email", "address", "village", "district",
    "regency", "province", "postcode", "country",
]


def read_config(path: Path) -> dict:
    with open(path, "rb") as f:
        config = tomllib.load(f)
    for s in config["sources"]:
        for field in s.get("fields", {}):
            if field not in FIELDS:
                raise SystemExit(f"{path}: unknown field {field!r}; known: {', '.join(FIELDS)}")
    return config


def read_source(base: Path, source: dict) -> pd.DataFrame:
    path = base / source["path"]
    if path.suffix.lower() == ".csv":
        df = pd.read_csv(path, dtype=str, keep_default_na=False, na_filter=False)
    elif path.suffix.lower() in (".xlsx", ".xls", ".ods"):
        df = pd.read_excel(path, dtype=str).fillna("")
    else:
        raise SystemExit(f"{path}: unsupported file type")
    out = pd.DataFrame({"record_id": df[source["id"]].astype(str)})
    for field, cols in source.get("fields", {}).items():
        cols = [cols] if isinstance(cols, str) else cols
        missing = [c for c in cols if c not in df.columns]
        if missing:
            raise SystemExit(f"{path}: no column {missing[0]!r} (field {field})")
        joined = df[cols[0]].astype(str)
        for c in cols[1:]:
            joined = joined.str.cat(df[c].astype(str), sep=" ")
        out[field] = joined.str.strip()
    out.insert(0, "source", source["name"])
    return out


# ---------------------------------------------------------------- names

TITLES = r"\b(?:hj|hajjah|hajah|haji|h|dr|drs|ir|ust|ustadz|ustadzah|sh|se|spd|amd|s\s?pd|s\s?e)\b"
MUHAMMAD = r"\b(?:muhammad|muhamad|mohammad|mohamad|mochammad|mochamad|muhammed|moch|moh|muh|mhd|md|m)\b"


def std_name(s: pd.Series) -> pd.Series:
    s = s.fillna("").str.lower()
    # bin/binti and everything after it is the father's name, not the person's.
    s = s.str.replace(r"\s(?:bin|binti|bt|bte|b)\b\.?.*$", "", regex=True)
    s = s.str.replace(MUHAMMAD + r"\.?", " muhammad ", regex=True)
    s = s.str.replace(r"\bst\b\.?", " siti ", regex=True)
    s = s.str.replace(r"\babd\b\.?", " abdul ", regex=True)
    s = s.str.replace(r"[^a-z ]", " ", regex=True)
    s = s.str.replace(TITLES, " ", regex=True)
    # Old spelling to today's (oe→u, dj→j, tj→c, sj→sy, ch→kh), then Sundanese p/f and
    # doubled letters folded, as in the engine's phonetic key.
    for a, b in [("oe", "u"), ("dj", "j"), ("tj", "c"), ("sj", "sy"), ("ch", "kh"), ("achmad", "ahmad")]:
        s = s.str.replace(a, b, regex=False)
    s = s.str.replace(r"([a-z])\1+", r"\1", regex=True)
    s = s.str.replace(r"\s+", " ", regex=True).str.strip()
    return s


# ---------------------------------------------------------------- dates

MONTHS = {
    "jan": 1, "januari": 1, "january": 1, "feb": 2, "februari": 2, "february": 2, "peb": 2,
    "pebruari": 2, "mar": 3, "maret": 3, "march": 3, "apr": 4, "april": 4, "mei": 5, "may": 5,
    "jun": 6, "juni": 6, "june": 6, "jul": 7, "juli": 7, "july": 7, "agu": 8, "agt": 8,
    "agustus": 8, "aug": 8, "august": 8, "sep": 9, "sept": 9, "september": 9, "okt": 10,
    "oktober": 10, "oct": 10, "october": 10, "nov": 11, "nop": 11, "november": 11,
    "nopember": 11, "des": 12, "desember": 12, "dec": 12, "december": 12,
}


def _ymd(y: pd.Series, m: pd.Series, d: pd.Series) -> pd.Series:
    y = pd.to_numeric(y, errors="coerce")
    m = pd.to_numeric(m, errors="coerce")
    d = pd.to_numeric(d, errors="coerce")
    y = y.where(y >= 100, np.where(y <= 26, 2000 + y, 1900 + y))
    dt = pd.to_datetime(
        pd.DataFrame({"year": y, "month": m, "day": d}), errors="coerce"
    )
    return dt.dt.strftime("%Y-%m-%d")


def std_date(s: pd.Series) -> pd.Series:
    s = s.fillna("").str.strip().str.lower()
    out = pd.Series(pd.NA, index=s.index, dtype="object")

    def fill(mask: pd.Series, values: pd.Series) -> None:
        nonlocal out
        take = mask & out.isna() & values.notna()
        out = out.where(~take, values)

    iso = s.str.extract(r"^(\d{4})-(\d{1,2})-(\d{1,2})")
    fill(iso[0].notna(), _ymd(iso[0], iso[1], iso[2]))
    compact = s.str.extract(r"^(\d{4})(\d{2})(\d{2})$")
    fill(compact[0].notna(), _ymd(compact[0], compact[1], compact[2]))
    dmy = s.str.extract(r"^(\d{1,2})[-/.](\d{1,2})[-/.](\d{2,4})")
    fill(dmy[0].notna(), _ymd(dmy[2], dmy[1], dmy[0]))
    named = s.str.extract(r"^(\d{1,2})[\s-]+([a-z]+)[\s-]+(\d{2,4})")
    month = named[1].map(MONTHS)
    fill(named[0].notna() & month.notna(), _ymd(named[2], month, named[0]))
    serial = pd.to_numeric(s.where(s.str.fullmatch(r"\d{5}(?:\.0)?")), errors="coerce")
    serial_dates = (pd.Timestamp("1899-12-30") + pd.to_timedelta(serial, unit="D")).dt.strftime("%Y-%m-%d")
    fill(serial.notna(), serial_dates)
    return out


def split_place_date(s: pd.Series) -> tuple[pd.Series, pd.Series]:
    """A "Tempat, Tanggal Lahir" cell: the place before the last comma or slash."""
    parts = s.fillna("").str.extract(r"^\s*(.*?)\s*(?:,|/)\s*([^,/]*\d[^,]*)$")
    place = parts[0].where(parts[0].notna(), s)
    return place, parts[1]


# ---------------------------------------------------------------- identifiers and places


def std_nik(s: pd.Series) -> pd.Series:
    s = s.fillna("").str.replace(r"[\s'.-]", "", regex=True)
    # Scientific notation has lost the last digits: flagged as missing rather than guessed.
    return s.where(s.str.fullmatch(r"\d{16}"))


def std_id(s: pd.Series) -> pd.Series:
    s = s.fillna("").str.replace(r"\s", "", regex=True).str.lower()
    return s.where(s != "")


def std_phone(s: pd.Series) -> pd.Series:
    d = s.fillna("").str.replace(r"\D", "", regex=True)
    d = d.str.replace(r"^(?:62|0)", "", regex=True)
    return d.where(d.str.fullmatch(r"8\d{7,12}"))


def std_sex(s: pd.Series) -> pd.Series:
    s = s.fillna("").str.strip().str.lower()
    return s.str[:1].map({"l": "l", "m": "l", "p": "p", "w": "p", "f": "p"})


def std_text(s: pd.Series) -> pd.Series:
    s = s.fillna("").str.lower().str.replace(r"[^a-z0-9 ]", " ", regex=True)
    s = s.str.replace(r"\s+", " ", regex=True).str.strip()
    return s.where(s != "")


def std_place(s: pd.Series) -> pd.Series:
    s = std_text(s)
    s = s.str.replace(r"^(?:kabupaten|kab|kota|kec|kecamatan|desa|ds|kel|kelurahan)\s+", "", regex=True)
    s = s.where(s != "rangkasbitung", "lebak")
    return s


def _gazetteer() -> tuple[dict[str, str], dict[str, str]]:
    districts: dict[str, str] = {}
    villages: dict[str, str] = {}
    if not WILAYAH.exists():
        return districts, villages
    w = pd.read_csv(WILAYAH, dtype=str)
    w = w[w["kode"].str.startswith("36.")]
    for code, name in zip(w["kode"], w["nama"]):
        key = re.sub(r"[^a-z0-9 ]", " ", name.lower()).strip()
        if code.count(".") == 2:
            districts.setdefault(key, key)
        elif code.count(".") == 3:
            villages.setdefault(key, key)
    return districts, villages


REGENCY_TAIL = re.compile(
    r"(?:\s(?:kab|kabupaten|kota)\s[a-z ]+|\s(?:tangerang selatan|tangerang|serang|lebak|pandeglang|cilegon))+$"
)


LABELS = {"desa", "ds", "kel", "kelurahan", "kec", "kecamatan", "rt", "rw"}


def _last_match(words: list[str], names: dict[str, str], before: int) -> tuple[str | None, int]:
    """The last known name (of up to three words) that starts before `before`."""
    best, best_at = None, -1
    for n in (3, 2, 1):
        for i in range(min(len(words) - n + 1, before)):
            g = " ".join(words[i : i + n])
            if g in names and i > best_at:
                best, best_at = g, i
    return best, best_at


def find_places(address: pd.Series) -> tuple[pd.Series, pd.Series]:
    """District and village names found in a free-text address by the reference table. An
    address runs from hamlet to regency: the regency at the end is cut off first (Serang,
    Tangerang and Cilegon are district names too), then the last district name is taken, and
    the last village name before it."""
    districts, villages = _gazetteer()
    text = std_text(address).fillna("")

    @functools.lru_cache(maxsize=None)
    def in_tail(tail: str) -> tuple[str | None, str | None]:
        words = [w for w in tail.split() if w not in LABELS]
        d, at = _last_match(words, districts, len(words))
        v, _ = _last_match(words, villages, at if d is not None else len(words))
        return d, v

    def one(t: str) -> tuple[str | None, str | None]:
        words = REGENCY_TAIL.sub("", t).split()
        # Village and district follow the RT/RW numbers; the hamlet before them is no clue.
        # The tails repeat (one per village and way of writing it), so they are cached.
        last_number = max((i for i, w in enumerate(words) if any(ch.isdigit() for ch in w)), default=-1)
        return in_tail(" ".join(words[last_number + 1 :]))

    found = text.map(one)
    return found.str[0], found.str[1]


def standardise(config_path: Path) -> pd.DataFrame:
    """One table: source, record_id, unique_id and the standardised columns."""
    config = read_config(config_path)
    base = config_path.parent
    raw = pd.concat([read_source(base, s) for s in config["sources"]], ignore_index=True)
    for f in FIELDS:
        if f not in raw.columns:
            raw[f] = pd.NA
    out = pd.DataFrame({"source": raw["source"], "record_id": raw["record_id"]})
    out["unique_id"] = raw["source"] + "|" + raw["record_id"]

    place, date_in_cell = split_place_date(raw["birth_place_date"])
    birth_place = raw["birth_place"].where(raw["birth_place"].notna() & (raw["birth_place"] != ""), place)
    birth_date = raw["birth_date"].where(raw["birth_date"].notna() & (raw["birth_date"] != ""), date_in_cell)

    if raw["full_name"].notna().any():
        name = std_name(raw["full_name"])
        tokens = name.str.split(" ", n=1)
        out["first_name"] = tokens.str[0].where(name != "")
        out["surname"] = tokens.str[1]
        out["name_concat"] = name.str.replace(" ", "", regex=False).where(name != "")
    else:
        out["first_name"] = std_name(raw["given_name"]).replace("", pd.NA)
        out["surname"] = std_name(raw["surname"]).replace("", pd.NA)
        out["name_concat"] = (out["first_name"].fillna("") + out["surname"].fillna("")).replace("", pd.NA)
    out["dob"] = std_date(birth_date)
    out["dob_year"] = out["dob"].str[:4]
    out["nik"] = std_nik(raw["nik"])
    out["id_number"] = std_id(raw["id_number"])
    out["sex"] = std_sex(raw["sex"])
    out["phone"] = std_phone(raw["phone"])
    out["email"] = std_text(raw["email"])
    out["birth_place"] = std_place(birth_place)
    out["postcode"] = std_id(raw["postcode"])
    out["province"] = std_place(raw["province"])
    out["regency"] = std_place(raw["regency"])
    out["address"] = std_text(raw["address"])
    village = std_place(raw["village"])
    district = std_place(raw["district"])
    # Banten's reference table only helps with Banten addresses: lists that carry a NIK.
    if raw["address"].notna().any() and raw["nik"].notna().any() and _gazetteer()[0]:
        need = district.isna() | village.isna()
        found_d, found_v = find_places(raw["address"][need].fillna(""))
        district = district.where(district.notna(), found_d.reindex(district.index))
        village = village.where(village.notna(), found_v.reindex(village.index))
    out["district"] = district
    out["village"] = village
    # Columns with no value at all are dropped, so Splink is not asked to compare them.
    keep = [c for c in out.columns if c in ("source", "record_id", "unique_id") or out[c].notna().any()]
    return out[keep]
