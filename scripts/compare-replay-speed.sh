#!/usr/bin/env bash
# Compares the replay speed of two or more tiermem-bench binaries on this machine, the way the
# README's numbers were taken: solo runs on one core, the binaries alternated and their order
# rotated every round, so that each sees the same drifts of a noisy VM; then each binary's runs
# sorted and its median. (Side by side on two cores, both run slower and the pairs disagree.)
#
#   swift build -c release --product tiermem-bench && cp .build/release/tiermem-bench /tmp/bench-new
#   scripts/compare-replay-speed.sh 8 /tmp/bench-old /tmp/bench-new
#
# ROUNDS is the first argument. POLICY (default lru), FOOTPRINT (default 16384 pages) and CORE
# (default 1) choose the run. Each run is `tiermem-bench --only replay` (best of 5 inside it).
set -euo pipefail
if [ $# -lt 3 ] || ! [[ $1 =~ ^[1-9][0-9]*$ ]]; then
    echo "usage: $0 ROUNDS BENCH_BINARY BENCH_BINARY..." >&2
    exit 2
fi
rounds=$1
shift
for binary in "$@"; do
    [ -x "$binary" ] || { echo "$0: $binary is not an executable tiermem-bench" >&2; exit 2; }
done
command -v taskset >/dev/null || { echo "$0: taskset (util-linux) is needed" >&2; exit 2; }
results=$(mktemp)
trap 'rm -f "$results"' EXIT

order=("$@")
for round in $(seq "$rounds"); do
    for binary in "${order[@]}"; do
        rate=$(taskset -c "${CORE:-1}" "$binary" --only replay --policies "${POLICY:-lru}" --footprints "${FOOTPRINT:-16384}" |
            awk -F'|' '/^\| / { rate = $4 } END { split(rate, f, " "); print f[1] }')
        [ -n "$rate" ] || { echo "$0: no replay rate from $binary" >&2; exit 1; }
        echo "$binary $rate" >>"$results"
        echo "round $round: $binary $rate M accesses/s" >&2
    done
    order=("${order[@]:1}" "${order[0]}")  # rotate who goes first
done

for binary in "$@"; do
    grep -F "$binary " "$results" | awk '{print $2}' | sort -n |
        awk -v name="$binary" '{ r[NR] = $1; all = all " " $1 } END { printf "%s: median %s M accesses/s (runs:%s)\n", name, r[int((NR + 1) / 2)], all }'
done
