#!/usr/bin/env bash
# The linkage benchmark of issue 3, end to end: builds `emas` in release, makes a Python venv
# with Splink 5, exports FEBRL3 and FEBRL4, generates the synthetic Banten lists (100k and 1M
# records), runs every data set through `emas link` and through Splink, and writes the table
# of precision, recall, F1, blocking recall, wall time and peak memory to results.md.
#
#   bench/linkage/run.sh [--quick] [--data LIST] [--engines LIST] [--no-build] [--seed N]
#
#   --quick          FEBRL3, FEBRL4 and the 100k synthetic set only (no 1M)
#   --data LIST      comma-separated subset of: febrl3,febrl4,synth100k,synth1m
#   --engines LIST   comma-separated subset of: emas,splink
#   --no-build       use the emas binary already built
#   --seed N         seed of the synthetic data (default 1)
#
# Needs: cargo, python3 (3.10+) with venv, network access to PyPI on first run. Installs
# Debian's `time` package when /usr/bin/time is missing. Data and logs go to bench/linkage/out/
# (not committed); the venv to bench/linkage/.venv/.
set -euo pipefail

HERE=$(cd "$(dirname "$0")" && pwd)
REPO=$(cd "$HERE/../.." && pwd)
DATA=febrl3,febrl4,synth100k,synth1m
ENGINES=emas,splink
BUILD=1
SEED=1

while [ $# -gt 0 ]; do
    case "$1" in
        --quick) DATA=febrl3,febrl4,synth100k ;;
        --data) DATA=${2:?--data needs a list}; shift ;;
        --engines) ENGINES=${2:?--engines needs a list}; shift ;;
        --no-build) BUILD=0 ;;
        --seed) SEED=${2:?--seed needs a number}; shift ;;
        -h|--help) sed -n '2,19p' "$0"; exit 0 ;;
        *) echo "unknown option: $1 (see --help)" >&2; exit 2 ;;
    esac
    shift
done

export CARGO_TARGET_DIR=${CARGO_TARGET_DIR:-$REPO/target}
EMAS=$CARGO_TARGET_DIR/release/emas
if [ "$BUILD" = 1 ]; then
    echo "== building emas (release) in $CARGO_TARGET_DIR" >&2
    if ! (cd "$REPO" && cargo build --release -p emas); then
        echo "!! emas did not build: its rows will read 'not built'" >&2
        EMAS=""
    fi
fi
if [ -n "$EMAS" ] && [ ! -x "$EMAS" ]; then
    EMAS=""
fi

if [ ! -x /usr/bin/time ]; then
    echo "== installing GNU time from Debian" >&2
    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq time >/dev/null
fi

VENV=$HERE/.venv
if ! "$VENV/bin/python" -c 'import splink, duckdb, recordlinkage, pandas' 2>/dev/null; then
    echo "== creating the Python venv with Splink 5" >&2
    python3 -m venv "$VENV"
    "$VENV/bin/pip" install -q --upgrade pip
    "$VENV/bin/pip" install -q 'splink==5.*' duckdb recordlinkage pandas
fi

exec "$VENV/bin/python" "$HERE/bench.py" --emas "${EMAS:-}" --data "$DATA" --engines "$ENGINES" --seed "$SEED"
