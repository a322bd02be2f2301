"""The orchestration behind run.sh: prepares each data set, runs each engine under
/usr/bin/time -v, evaluates both with evaluate.py, and writes results.md.

Results accumulate in out/results.jsonl (one line per engine and data set per run); results.md
shows the latest of each, so a --quick run keeps the 1M figures of an earlier full run, with
the date of each row.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import re
import shutil
import subprocess
import sys
import tomllib
from pathlib import Path

HERE = Path(__file__).resolve().parent
OUT = HERE / "out"
PY = sys.executable

DATASETS = {
    "febrl3": "FEBRL3 (dedupe 5,000)",
    "febrl4": "FEBRL4 (link 5,000 + 5,000)",
    "synth100k": "Synthetic Banten lists, 100k records",
    "synth1m": "Synthetic Banten lists, 1M records",
}


def log(msg: str) -> None:
    print(f"== {msg}", file=sys.stderr, flush=True)


def prepare(name: str, emas: str, seed: int) -> Path | None:
    if name in ("febrl3", "febrl4"):
        d = OUT / name
        if not (d / "link.toml").exists():
            subprocess.run([PY, HERE / "export_febrl.py", OUT], check=True)
        return d
    records = {"synth100k": 100_000, "synth1m": 1_000_000}[name]
    d = OUT / f"{name}_seed{seed}"
    if not emas:
        log(f"{name}: no emas binary to generate it with")
        return None
    log(f"{name}: emas generate --records {records} --seed {seed}")
    if d.exists():
        shutil.rmtree(d)
    subprocess.run(
        [emas, "generate", "--out", d, "--records", str(records), "--seed", str(seed)], check=True
    )
    return d


def timed(cmd: list, log_path: Path, time_path: Path) -> tuple[int, float | None, float | None]:
    """Runs a command under /usr/bin/time -v: (exit code, wall seconds, peak MiB)."""
    with open(log_path, "w") as logf:
        rc = subprocess.run(
            ["/usr/bin/time", "-v", "-o", time_path, *map(str, cmd)], stdout=logf, stderr=subprocess.STDOUT
        ).returncode
    wall = peak = None
    if time_path.exists():
        t = time_path.read_text()
        m = re.search(r"Elapsed \(wall clock\) time \(h:mm:ss or m:ss\): (?:(\d+):)?(\d+):([\d.]+)", t)
        if m:
            wall = int(m.group(1) or 0) * 3600 + int(m.group(2)) * 60 + float(m.group(3))
        m = re.search(r"Maximum resident set size \(kbytes\): (\d+)", t)
        if m:
            peak = int(m.group(1)) / 1024
    return rc, wall, peak


def evaluate(d: Path, clusters: Path, pairs: Path | None = None) -> dict:
    cmd = [PY, HERE / "evaluate.py", "--truth", d / "truth.csv", "--clusters", clusters]
    with open(d / "link.toml", "rb") as f:
        if tomllib.load(f).get("link_type") == "link":
            cmd.append("--link-only")
    if pairs is not None and pairs.exists():
        cmd += ["--pairs", pairs]
    out = subprocess.run(list(map(str, cmd)), check=True, capture_output=True, text=True).stdout
    return json.loads(out)


def emas_has_link(emas: str) -> bool:
    if not emas:
        return False
    r = subprocess.run([emas, "link", "--help"], capture_output=True, text=True)
    return r.returncode == 0


def run_emas(name: str, d: Path, emas: str) -> dict:
    row = {"dataset": name, "engine": "emas"}
    if not emas_has_link(emas):
        return {**row, "status": "not built"}
    log(f"{name}: emas link")
    clusters = d / "emas_clusters.csv"
    rc, wall, peak = timed(
        [emas, "link", "--config", d / "link.toml", "--out", clusters], d / "emas.log", d / "emas.time"
    )
    if rc != 0:
        return {**row, "status": f"failed (exit {rc}, see {d / 'emas.log'})", "wall_s": wall, "peak_mib": peak}
    # Blocking recall from the scored pairs, in a second run that is not timed.
    pairs = d / "emas_pairs.csv"
    subprocess.run(
        [emas, "link", "--config", d / "link.toml", "--out", d / "emas_clusters_2.csv", "--pairs", pairs],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    m = evaluate(d, clusters, pairs)
    for f in (pairs, d / "emas_clusters_2.csv"):
        f.unlink(missing_ok=True)
    return {**row, "status": "ok", "wall_s": wall, "peak_mib": peak, **m}


def run_splink(name: str, d: Path) -> dict:
    row = {"dataset": name, "engine": "splink 5"}
    log(f"{name}: splink")
    clusters = d / "splink_clusters.csv"
    rc, wall, peak = timed(
        [PY, HERE / "splink_run.py", "--config", d / "link.toml", "--out", clusters],
        d / "splink.log",
        d / "splink.time",
    )
    if rc != 0:
        return {**row, "status": f"failed (exit {rc}, see {d / 'splink.log'})", "wall_s": wall, "peak_mib": peak}
    m = evaluate(d, clusters)
    br = subprocess.run(
        [PY, HERE / "splink_run.py", "--config", d / "link.toml", "--truth", d / "truth.csv", "--blocking-recall"],
        check=True,
        capture_output=True,
        text=True,
    ).stdout
    m["blocking_recall"] = json.loads(br.strip().splitlines()[-1])["blocking_recall"]
    stats = clusters.with_suffix(".stats.json")
    if stats.exists():
        m["splink_stats"] = json.loads(stats.read_text())
    return {**row, "status": "ok", "wall_s": wall, "peak_mib": peak, **m}


def fmt(x, spec: str, missing: str = "–") -> str:
    return missing if x is None else format(x, spec)


def write_report(results_path: Path, md_path: Path) -> str:
    latest: dict[tuple[str, str], dict] = {}
    for line in results_path.read_text().splitlines():
        r = json.loads(line)
        latest[(r["dataset"], r["engine"])] = r
    lines = [
        "# Linkage benchmark: EMAS against Splink 5",
        "",
        "Written by `bench/linkage/run.sh` (issue 3, point 8); the latest run of each engine and data set.",
        "Precision, recall and F1 are pairwise, after clustering, against the known truth (FEBRL's own links;",
        "the generator's `truth.csv`), computed by `evaluate.py` for both engines alike. Blocking recall: for",
        "EMAS the share of true pairs among its scored pairs (`--pairs`, at its floor); for Splink the share",
        "of true pairs its prediction blocking rules generate. Wall time and peak memory (maximum resident",
        "set size) by `/usr/bin/time -v` around the whole run, reading the files included.",
        "",
        "| data set | engine | precision | recall | F1 | blocking recall | wall time | peak memory | run |",
        "| --- | --- | ---: | ---: | ---: | ---: | ---: | ---: | --- |",
    ]
    order = list(DATASETS)
    for (ds, eng) in sorted(latest, key=lambda k: (order.index(k[0]) if k[0] in order else 99, k[1])):
        r = latest[(ds, eng)]
        if r.get("status") != "ok":
            lines.append(f"| {DATASETS.get(ds, ds)} | {eng} | {r.get('status')} | | | | | | {r.get('when', '')} |")
            continue
        wall = f"{fmt(r.get('wall_s'), '.1f')} s"
        std_s = (r.get("splink_stats") or {}).get("standardise_s")
        if std_s is not None:
            wall += f" ({std_s:.0f} s standardising)"
        lines.append(
            f"| {DATASETS.get(ds, ds)} | {eng} | {fmt(r.get('precision'), '.4f')} | {fmt(r.get('recall'), '.4f')} "
            f"| **{fmt(r.get('f1'), '.4f')}** | {fmt(r.get('blocking_recall'), '.4f')} | {wall} "
            f"| {fmt(r.get('peak_mib'), ',.0f')} MiB | {r.get('when', '')} |"
        )
    notes = [
        "",
        "Splink is configured in `splink_settings.py` (its person-deduplication example extended with the",
        "NIK, phone, sex and address parts) on inputs standardised by `standardise.py`; its wall time includes",
        "that standardisation (shown in brackets: pandas in one process, while EMAS standardises in Rust on all",
        "cores). Machine: " + machine() + "; other jobs may have shared it, so compare times within a run.",
        "",
    ]
    text = "\n".join(lines + notes)
    md_path.write_text(text)
    return text


def machine() -> str:
    cpus = os.cpu_count()
    try:
        mem = int(re.search(r"MemTotal:\s+(\d+)", Path("/proc/meminfo").read_text()).group(1)) / 1024 / 1024
        return f"{cpus} cores, {mem:.0f} GiB"
    except (OSError, AttributeError):
        return f"{cpus} cores"


def main() -> None:
    p = argparse.ArgumentParser()
    p.add_argument("--emas", default="")
    p.add_argument("--data", default=",".join(DATASETS))
    p.add_argument("--engines", default="emas,splink")
    p.add_argument("--seed", type=int, default=1)
    p.add_argument("--report-only", action="store_true", help="rewrite results.md from out/results.jsonl")
    a = p.parse_args()
    if a.report_only:
        print(write_report(OUT / "results.jsonl", HERE / "results.md"))
        return
    data = [x for x in a.data.split(",") if x]
    engines = [x for x in a.engines.split(",") if x]
    for x in data:
        if x not in DATASETS:
            sys.exit(f"unknown data set {x!r}; known: {', '.join(DATASETS)}")
    for e in engines:
        if e not in ("emas", "splink"):
            sys.exit(f"unknown engine {e!r}; known: emas, splink")
    OUT.mkdir(exist_ok=True)
    results_path = OUT / "results.jsonl"
    when = dt.datetime.now(dt.timezone.utc).strftime("%Y-%m-%d %H:%M")
    for name in data:
        d = prepare(name, a.emas, a.seed)
        for engine in engines:
            if d is None:
                r = {"dataset": name, "engine": "emas" if engine == "emas" else "splink 5", "status": "no data (emas not built)"}
            elif engine == "emas":
                r = run_emas(name, d, a.emas)
            else:
                r = run_splink(name, d)
            r["when"] = when
            with open(results_path, "a") as f:
                f.write(json.dumps(r) + "\n")
            log(f"{name} / {r['engine']}: {r.get('status')} F1={fmt(r.get('f1'), '.4f')} "
                f"wall={fmt(r.get('wall_s'), '.1f')} s peak={fmt(r.get('peak_mib'), '.0f')} MiB")
    print(write_report(results_path, HERE / "results.md"))


if __name__ == "__main__":
    main()
