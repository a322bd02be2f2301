"""Pairwise precision, recall and F1 of a clustering against the truth, the same for every engine.

    evaluate.py --truth truth.csv --clusters clusters.csv [--link-only] [--pairs pairs.csv]

Pairs are counted from group sizes, never enumerated, so a million rows take seconds: the
predicted pairs are the pairs within clusters, the true pairs those within persons, and the
correct ones those within each (cluster, person) cell. With --link-only (FEBRL4), only pairs
across different sources count. A truth row missing from the clusters is a cluster of its own.
With --pairs (`emas link --pairs`), the share of true pairs among the scored pairs is also
reported: the engine's blocking recall at its pairs floor. Prints one JSON object.
"""

import argparse
import json

import numpy as np
import pandas as pd


def pair_count(df: pd.DataFrame, keys: list[str], link_only: bool) -> int:
    n = df.groupby(keys, sort=False).size().to_numpy(dtype=np.int64)
    total = int((n * (n - 1) // 2).sum())
    if link_only:
        m = df.groupby(keys + ["source"], sort=False).size().to_numpy(dtype=np.int64)
        total -= int((m * (m - 1) // 2).sum())
    return total


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--truth", required=True)
    p.add_argument("--clusters", required=True)
    p.add_argument("--link-only", action="store_true")
    p.add_argument("--pairs")
    a = p.parse_args()

    truth = pd.read_csv(a.truth, dtype=str)
    clusters = pd.read_csv(a.clusters, dtype=str, usecols=["source", "record_id", "cluster_id"])
    df = truth.merge(clusters, on=["source", "record_id"], how="left")
    missing = int(df["cluster_id"].isna().sum())
    df["cluster_id"] = df["cluster_id"].fillna("__missing__" + df["source"] + "|" + df["record_id"])

    true_pairs = pair_count(df, ["person_id"], a.link_only)
    predicted = pair_count(df, ["cluster_id"], a.link_only)
    correct = pair_count(df, ["cluster_id", "person_id"], a.link_only)
    precision = correct / predicted if predicted else 1.0
    recall = correct / true_pairs if true_pairs else 1.0
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    out = {
        "rows": len(df),
        "rows_missing_from_clusters": missing,
        "true_pairs": true_pairs,
        "predicted_pairs": predicted,
        "correct_pairs": correct,
        "precision": precision,
        "recall": recall,
        "f1": f1,
    }
    if a.pairs:
        key = truth.set_index(truth["source"] + "|" + truth["record_id"])["person_id"]
        found = 0
        seen = set()
        for chunk in pd.read_csv(a.pairs, dtype=str, chunksize=2_000_000,
                                 usecols=["source_l", "record_id_l", "source_r", "record_id_r"]):
            l = chunk["source_l"] + "|" + chunk["record_id_l"]
            r = chunk["source_r"] + "|" + chunk["record_id_r"]
            pl = l.map(key)
            pr = r.map(key)
            same = (pl == pr) & pl.notna()
            if a.link_only:
                same &= chunk["source_l"] != chunk["source_r"]
            lo = np.where(l < r, l, r)[same.to_numpy()]
            hi = np.where(l < r, r, l)[same.to_numpy()]
            seen.update(zip(lo, hi))
        found = len(seen)
        out["pairs_true_found"] = found
        out["blocking_recall"] = found / true_pairs if true_pairs else 1.0
    print(json.dumps(out))


if __name__ == "__main__":
    main()
