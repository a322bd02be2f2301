"""Run Splink 5 (DuckDB) on the sources of an `emas link` config and write clusters.csv
(`source,record_id,cluster_id`), the same output as `emas link`, so one evaluator serves both.

    splink_run.py --config DIR/link.toml --out clusters.csv [--threshold 0.95] [--seed 1]
    splink_run.py --config DIR/link.toml --truth truth.csv --blocking-recall

The second form measures, untimed, the share of true pairs that the prediction blocking rules
of splink_settings.py generate (evaluated on the same standardised table with the same rules).
"""

from __future__ import annotations

import argparse
import json
import logging
import sys
import time
from pathlib import Path

import duckdb
import pandas as pd

sys.path.insert(0, str(Path(__file__).resolve().parent))
import splink_settings  # noqa: E402
from standardise import read_config, standardise  # noqa: E402


def run(args: argparse.Namespace) -> None:
    from splink import DuckDBAPI, Linker

    t0 = time.perf_counter()
    config = read_config(args.config)
    link_type = config.get("link_type", "dedupe")
    df = standardise(args.config)
    t_std = time.perf_counter() - t0
    columns = set(df.columns) - {"source", "record_id", "unique_id"}
    print(f"standardised {len(df)} rows in {t_std:.1f} s; columns: {sorted(columns)}", file=sys.stderr)

    db_api = DuckDBAPI()
    if link_type == "link":
        sdfs = [
            db_api.register(part.reset_index(drop=True), dataset_display_name=str(name))
            for name, part in df.groupby("source", sort=False)
        ]
    else:
        sdfs = db_api.register(df, dataset_display_name="records")
    settings = splink_settings.settings(columns, link_type)
    linker = Linker(sdfs, settings)
    det = splink_settings.deterministic_rules(columns)
    if det:
        linker.training.estimate_probability_two_random_records_match(det, recall=0.7)
    # Splink's examples sample a million pairs for u.
    linker.training.estimate_u_using_random_sampling(max_pairs=1e6, seed=args.seed)
    for block in splink_settings.em_blocks(columns):
        # Without a cap, EM on a name block of a million Indonesian records (148M pairs: many
        # share "Siti Aminah") needs over 12 GiB; Splink 5's max_pairs samples records instead.
        linker.training.estimate_parameters_using_expectation_maximisation(
            block, max_pairs=splink_settings.EM_MAX_PAIRS
        )
    t_train = time.perf_counter() - t0 - t_std

    predictions = linker.inference.predict(threshold_match_probability=splink_settings.PREDICT_THRESHOLD)
    clusters = linker.clustering.cluster_pairwise_predictions_at_threshold(
        predictions, threshold_match_probability=args.threshold
    )
    rel = clusters.as_duckdbpyrelation()
    out = rel.project("unique_id, cluster_id").df()
    t_link = time.perf_counter() - t0 - t_std - t_train

    parts = out["unique_id"].str.split("|", n=1, expand=True)
    pd.DataFrame({"source": parts[0], "record_id": parts[1], "cluster_id": out["cluster_id"]}).to_csv(
        args.out, index=False
    )
    model = args.out.with_suffix(".model.json")
    linker.misc.save_model_to_json(str(model), overwrite=True)
    stats = {
        "rows": len(df),
        "standardise_s": round(t_std, 2),
        "train_s": round(t_train, 2),
        "predict_cluster_s": round(t_link, 2),
        "total_s": round(time.perf_counter() - t0, 2),
    }
    args.out.with_suffix(".stats.json").write_text(json.dumps(stats, indent=2))
    print(json.dumps(stats), file=sys.stderr)


def blocking_recall(args: argparse.Namespace) -> None:
    config = read_config(args.config)
    link_type = config.get("link_type", "dedupe")
    df = standardise(args.config)
    columns = set(df.columns) - {"source", "record_id", "unique_id"}
    rules = splink_settings.prediction_rules(columns)
    truth = pd.read_csv(args.truth, dtype=str)
    df = df.merge(truth, on=["source", "record_id"], how="inner")
    con = duckdb.connect()
    con.register("recs", df)
    cross = "and l.source <> r.source" if link_type == "link" else ""
    cond = " or ".join("(" + " and ".join(f"l.{c} = r.{c}" for c in r) + ")" for r in rules) or "false"
    sql = f"""
        select count(*) as true_pairs, count(*) filter (where {cond}) as blocked
        from recs l join recs r
          on l.person_id = r.person_id and l.unique_id < r.unique_id {cross}
    """
    true_pairs, blocked = con.execute(sql).fetchone()
    recall = blocked / true_pairs if true_pairs else 1.0
    result = {"true_pairs": true_pairs, "blocked_true_pairs": blocked, "blocking_recall": recall, "rules": rules}
    print(json.dumps(result))


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--config", type=Path, required=True)
    p.add_argument("--out", type=Path)
    p.add_argument("--truth", type=Path)
    p.add_argument("--threshold", type=float, default=splink_settings.CLUSTER_THRESHOLD)
    p.add_argument("--seed", type=int, default=1)
    p.add_argument("--blocking-recall", action="store_true")
    args = p.parse_args()
    logging.getLogger("splink").setLevel(logging.WARNING)
    if args.blocking_recall:
        if not args.truth:
            p.error("--blocking-recall needs --truth")
        blocking_recall(args)
    else:
        if not args.out:
            p.error("--out is required")
        run(args)


if __name__ == "__main__":
    main()
