#!/usr/bin/env bash
# Remakes the shipped traces in traces/. traces/README.md says what each one is.
#
# Real programs are traced with Valgrind's Lackey (valgrind --tool=lackey --trace-mem=yes),
# piped straight into `tiermem trace import`. ASLR is turned off (setarch -R) so addresses
# repeat from run to run; the program's start-up (dynamic loading, interpreter init) is measured
# by tracing it alone and skipped, and each trace keeps the next LACKEY_RECORDS events.
# Synthetic traces come from `tiermem trace gen` with fixed seeds.
#
# Needs: valgrind, /usr/bin/python3, gzip, sort (scripts/install-deps.sh valgrind python3).
# Takes a few minutes (Valgrind runs programs about 50 times slower).
set -euo pipefail
cd "$(dirname "$0")/.."

RECORDS=${RECORDS:-1000000}
# Lackey traces keep fewer events: byte-level addresses cost 4 to 6 bytes a record, and every
# shipped trace stays under 5 MB.
LACKEY_RECORDS=${LACKEY_RECORDS:-750000}
TIERMEM=${TIERMEM:-.build/release/tiermem}
OUT=${OUT:-traces}
[ -x "$TIERMEM" ] || swift build -c release --product tiermem
mkdir -p "$OUT"
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

norandom=(setarch "$(uname -m)" -R)
lackey=(valgrind --tool=lackey --trace-mem=yes --log-fd=9)

# Data events (L and S count 1, M counts 2) that a command makes: its start-up cost.
count_events() {
    "${norandom[@]}" "${lackey[@]}" "$@" 9>&1 1>/dev/null 2>/dev/null \
        | awk '/^ [LS] /{n++} /^ M /{n+=2} END{print n+0}'
}

# capture NAME SKIP COMMAND...: trace COMMAND, skip SKIP events, keep LACKEY_RECORDS.
capture() {
    local name=$1 skip=$2
    shift 2
    echo "make-traces: $name: skipping $skip start-up events, keeping $LACKEY_RECORDS" >&2
    # Valgrind writes its log into a FIFO that the import reads. The import stops after enough
    # events; Valgrind does not die of the closed pipe, so it is stopped here.
    rm -f "$work/lackey.fifo"
    mkfifo "$work/lackey.fifo"
    "${norandom[@]}" "${lackey[@]}" "$@" 9>"$work/lackey.fifo" 1>/dev/null 2>/dev/null &
    local valgrind=$!
    "$TIERMEM" trace import "$work/lackey.fifo" "$OUT/$name.tmt" --format lackey --skip-records "$skip" --max-records "$LACKEY_RECORDS"
    kill -KILL "$valgrind" 2>/dev/null || true  # Valgrind does not stop on SIGTERM here
    wait "$valgrind" 2>/dev/null || true
}

# 1. CPython building and probing a dictionary of 200,000 string keys.
cat > "$work/dict.py" <<'PY'
d = {}
for i in range(200000):
    d["key%d" % i] = i * i
total = 0
for i in range(0, 200000, 3):
    total += d["key%d" % i]
PY
startup=$(count_events /usr/bin/python3 -S -c pass)
capture python-dict "$startup" /usr/bin/python3 -S "$work/dict.py"

# 2. gzip -9 of 4 MiB of generated text (words from a fixed pseudo-random sequence).
awk 'BEGIN{srand(7); for(i=0;i<700000;i++){printf "%s%s", "w" int(rand()*rand()*5000), (i%12==11)?"\n":" "}}' \
    | head -c 4194304 > "$work/words.txt"
startup=$(count_events /usr/bin/gzip -9 -c /dev/null)
capture gzip-9 "$startup" /usr/bin/gzip -9 -c "$work/words.txt"

# 3. sort of 200,000 generated lines.
awk 'BEGIN{srand(11); for(i=0;i<200000;i++) printf "%08d %s\n", int(rand()*1e8), "v" int(rand()*1e6)}' > "$work/lines.txt"
startup=$(count_events /usr/bin/sort /dev/null)
capture sort "$startup" /usr/bin/sort -o /dev/null "$work/lines.txt"

# Synthetic traces: 16 MiB footprint, fixed seeds.
"$TIERMEM" trace gen kv --records "$RECORDS" --footprint 16MiB --seed 1 --scan-every 200000 --scan-pages 512 -o "$OUT/kv-cache.tmt"
"$TIERMEM" trace gen phases --records "$RECORDS" --footprint 16MiB --seed 2 --phase-length 200000 -o "$OUT/phases.tmt"
"$TIERMEM" trace gen periodic --records "$RECORDS" --footprint 16MiB --seed 3 --period 250000 -o "$OUT/periodic.tmt"
"$TIERMEM" trace gen growth --records "$RECORDS" --footprint 16MiB --seed 4 -o "$OUT/growth.tmt"
# The demo's CSV sample: a small key-value trace in the interchange format.
"$TIERMEM" trace gen kv --records 20000 --footprint 4MiB --seed 5 --scan-every 5000 --scan-pages 128 -o "$OUT/kv-sample.csv"

ls -l "$OUT"
