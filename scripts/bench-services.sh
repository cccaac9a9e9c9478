#!/usr/bin/env bash
# Redis (Debian's redis-server, driven by its own redis-benchmark) on the tiered heap through
# libtiermem-preload.so, against the same server on glibc's malloc and on its own jemalloc, side
# by side in alternated rounds. A benchmark, not a test: it prints a table and writes it to
# bench-results/. Release builds. `make bench-services` runs it with the defaults below.
#
# Configurations (each round runs them all, in an order that rotates from round to round):
#   jemalloc      redis-server as Debian ships it (it links libjemalloc.so.2)
#   glibc         the preload with TIERMEM_MIN_SIZE above any allocation: every malloc goes to
#                 glibc, so this is Redis on glibc (and the preload's cost when it takes nothing)
#   tiermem-100   the preload, DRAM capped at 100% of the heap's footprint (its own cost)
#   tiermem-75    ... at 75%
#   tiermem-50    ... at 50%
#   tiermem-100-none  at 100% with no daemon (--policy none): the allocator's and fault path's
#                 own cost, without the daemon's sampling (in CONFIGS only when asked for)
# The footprint is measured first: the dataset loaded into an uncapped heap, its pages at exit.
#
# Each configuration: start the server, load KEYS values of VALUE bytes (redis-cli --pipe,
# keys key:%012d as redis-benchmark names them), one untimed GET pass, then REQUESTS GETs over the
# hot HOT% of the keys (redis-benchmark -r), from CLIENTS connections. Reported: GETs per second,
# p50 and p99 (redis-benchmark's own), the server's RSS after the run, and for the tiered heap
# what it held at exit (share out of DRAM), its faults, and the daemon thread's CPU during the
# timed run as a share of one core.
#
# Settings (environment): KEYS=120000 VALUE=3000 HOT=20 REQUESTS=400000 CLIENTS=50 ROUNDS=3
#   MIN_SIZE (the preload's threshold, 1024) PORT=17400 CONFIGS (space-separated, from the above)
set -euo pipefail
cd "$(dirname "$0")/.."

KEYS=${KEYS:-120000}
VALUE=${VALUE:-3000}
HOT=${HOT:-20}
REQUESTS=${REQUESTS:-400000}
CLIENTS=${CLIENTS:-50}
ROUNDS=${ROUNDS:-3}
MIN_SIZE=${MIN_SIZE:-1024}
PORT=${PORT:-17400}
read -r -a CONFIGS <<<"${CONFIGS:-jemalloc glibc tiermem-100 tiermem-75 tiermem-50}"

for tool in redis-server redis-cli redis-benchmark python3; do
    command -v "$tool" >/dev/null || { echo "bench-services: $tool is missing (scripts/install-deps.sh installs it)" >&2; exit 1; }
done
swift build -c release --product tiermem >&2
swift build -c release --product tiermem-preload >&2
TM=$PWD/.build/release/tiermem
PRELOAD=$PWD/.build/release/libtiermem-preload.so

WORK=$(mktemp -d)
SERVER=""
cleanup() {
    [[ -n $SERVER ]] && kill "$SERVER" 2>/dev/null && wait "$SERVER" 2>/dev/null
    rm -rf "$WORK"
}
trap cleanup EXIT

# The dataset as RESP SET commands: deterministic, values of words (compressible as text is).
python3 - "$KEYS" "$VALUE" >"$WORK/load.resp" <<'EOF'
import random, sys
keys, size = int(sys.argv[1]), int(sys.argv[2])
rng = random.Random(7)
words = [''.join(rng.choice('abcdefghijklmnopqrstuvwxyz') for _ in range(rng.randint(3, 9))) for _ in range(4096)]
out = sys.stdout.buffer
for n in range(keys):
    text = []
    length = 0
    while length < size:
        w = words[rng.randrange(4096)]
        text.append(w)
        length += len(w) + 1
    value = ' '.join(text)[:size].encode()
    key = b'key:%012d' % n
    out.write(b'*3\r\n$3\r\nSET\r\n$%d\r\n%s\r\n$%d\r\n%s\r\n' % (len(key), key, len(value), value))
EOF

# start CONFIG TIERS: runs redis-server for CONFIG in the background; sets SERVER.
start() {
    local config=$1 tiers=${2:-}
    local args=(redis-server --port "$PORT" --save '' --appendonly no --dir "$WORK" --logfile "$WORK/redis.log")
    rm -f "$WORK/stats.json"
    case $config in
        jemalloc) "${args[@]}" & ;;
        glibc) LD_PRELOAD=$PRELOAD TIERMEM_MIN_SIZE=18446744073709551615 "${args[@]}" & ;;
        *-none) "$TM" run --tiers "$tiers" --policy none --min-size "$MIN_SIZE" --stats "$WORK/stats.json" -- "${args[@]}" 2>>"$WORK/run.log" & ;;
        *) "$TM" run --tiers "$tiers" --min-size "$MIN_SIZE" --stats "$WORK/stats.json" -- "${args[@]}" 2>>"$WORK/run.log" & ;;
    esac
    SERVER=$!
    for _ in $(seq 100); do redis-cli -p "$PORT" ping >/dev/null 2>&1 && return; sleep 0.1; done
    echo "bench-services: $config did not start" >&2
    exit 1
}

stop() {
    redis-cli -p "$PORT" shutdown nosave >/dev/null 2>&1 || true
    wait "$SERVER" 2>/dev/null || true
    SERVER=""
}

server_pid() { pgrep -f "redis-server .*:$PORT" | head -1; }

# CPU jiffies of the server's daemon thread (0 without one).
daemon_jiffies() {
    local pid=$1 total=0
    for task in /proc/"$pid"/task/*; do
        [[ $(cat "$task/comm" 2>/dev/null) == tiermem-daemon ]] || continue
        read -r -a fields <"$task/stat"
        total=$((total + fields[13] + fields[14]))
    done
    echo $total
}

load() { redis-cli -p "$PORT" --pipe <"$WORK/load.resp" >/dev/null; }

# The footprint: the dataset in an uncapped heap, its pages at exit.
start tiermem "dram:16GiB;compressed:1GiB"
load
stop
FOOTPRINT_PAGES=$(python3 -c "
import json; r=[json.loads(l) for l in open('$WORK/stats.json')][-1]
print(r['slab_pages'] + r['run_pages'])")
FOOTPRINT_MIB=$((FOOTPRINT_PAGES * 4096 / 1048576))
echo "bench-services: footprint of $KEYS values of $VALUE bytes on the heap: $FOOTPRINT_PAGES pages ($FOOTPRINT_MIB MiB)" >&2

HOT_KEYS=$((KEYS * HOT / 100))
HZ=$(getconf CLK_TCK)
RESULTS=$WORK/results.csv
echo "round,config,rps,p50,p99,rss_mib,out_share,faults,daemon_cpu" >"$RESULTS"
for round in $(seq "$ROUNDS"); do
    for offset in $(seq 0 $((${#CONFIGS[@]} - 1))); do
        config=${CONFIGS[$(((offset + round - 1) % ${#CONFIGS[@]}))]}
        tiers=""
        if [[ $config == tiermem-* ]]; then
            share=${config#tiermem-}
            share=${share%-none}
            dram=$((FOOTPRINT_PAGES * 4096 * share / 100))
            tiers="dram:${dram}B;compressed:$((FOOTPRINT_PAGES * 4096))B"
        fi
        start "$config" "$tiers"
        load
        redis-benchmark -p "$PORT" -t get -n "$((REQUESTS / 4))" -r "$HOT_KEYS" -c "$CLIENTS" -q >/dev/null
        pid=$(server_pid)
        before=$(daemon_jiffies "$pid")
        t0=$(date +%s%N)
        line=$(redis-benchmark -p "$PORT" -t get -n "$REQUESTS" -r "$HOT_KEYS" -c "$CLIENTS" --csv | tail -1)
        t1=$(date +%s%N)
        after=$(daemon_jiffies "$pid")
        rss=$(awk '/VmRSS/ {print int($2 / 1024)}' /proc/"$pid"/status)
        stop
        IFS=, read -r _ rps _ _ p50 _ p99 _ <<<"${line//\"/}"
        out=""; faults=""; cpu=""
        if [[ $config == tiermem-* ]]; then
            read -r out faults < <(python3 -c "
import json; r=[json.loads(l) for l in open('$WORK/stats.json')][-1]
held = r['dram_pages'] + r['pmem_pages'] + r['compressed_pages']
print('%.3f' % ((r['pmem_pages'] + r['compressed_pages']) / max(1, held)), r['missing_faults'])")
            cpu=$(python3 -c "print('%.4f' % (($after - $before) / $HZ / (($t1 - $t0) / 1e9)))")
        fi
        echo "$round,$config,$rps,$p50,$p99,$rss,$out,$faults,$cpu" >>"$RESULTS"
        echo "bench-services: round $round $config: $rps GET/s, p50 $p50 ms, p99 $p99 ms, RSS $rss MiB ${out:+out $out} ${cpu:+daemon CPU $cpu}" >&2
    done
done

mkdir -p bench-results
REPORT=bench-results/services-$(date -u +%Y%m%dT%H%M%SZ).md
python3 - "$RESULTS" "$KEYS" "$VALUE" "$HOT" "$REQUESTS" "$CLIENTS" "$ROUNDS" "$FOOTPRINT_MIB" "$MIN_SIZE" >"$REPORT" <<'EOF'
import csv, statistics, sys
path, keys, value, hot, requests, clients, rounds, footprint, min_size = sys.argv[1:]
rows = list(csv.DictReader(open(path)))
configs = []
for r in rows:
    if r['config'] not in configs: configs.append(r['config'])
def med(config, field):
    vals = [float(r[field]) for r in rows if r['config'] == config and r[field] not in ('',)]
    return statistics.median(vals) if vals else None
def ratio(config, field, ref):
    per_round = {}
    for r in rows:
        per_round.setdefault(r['round'], {})[r['config']] = r
    vals = [float(rr[config][field]) / float(rr[ref][field]) for rr in per_round.values() if config in rr and ref in rr]
    return statistics.median(vals) if vals else None
print(f"# Redis on the tiered heap: {keys} values of {value} B, GETs over the hot {hot}% of keys")
print()
print(f"redis-benchmark -t get -n {requests} -c {clients} -r {int(keys) * int(hot) // 100}; {rounds} alternated rounds; "
      f"medians; footprint on the heap {footprint} MiB; TIERMEM_MIN_SIZE={min_size}; release builds.")
print()
print("| config | GET/s | vs glibc | p50 ms | p99 ms | p99 vs glibc | RSS MiB | out of DRAM | faults | daemon CPU |")
print("|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|")
for c in configs:
    f = lambda x, fmt: (fmt % x) if x is not None else ''
    print(f"| {c} | {f(med(c,'rps'),'%.0f')} | {f(ratio(c,'rps','glibc'),'%.3f')} | {f(med(c,'p50'),'%.3f')} | {f(med(c,'p99'),'%.3f')} | "
          f"{f(ratio(c,'p99','glibc'),'%.3f')} | {f(med(c,'rss_mib'),'%.0f')} | {f(med(c,'out_share'),'%.1f%%' if False else '%.3f')} | "
          f"{f(med(c,'faults'),'%.0f')} | {f(med(c,'daemon_cpu'),'%.4f')} |")
print()
print("Per round:")
print()
print("| round | config | GET/s | p50 | p99 | RSS MiB | out | faults | daemon CPU |")
print("|---|---|---:|---:|---:|---:|---:|---:|---:|")
for r in rows:
    print(f"| {r['round']} | {r['config']} | {r['rps']} | {r['p50']} | {r['p99']} | {r['rss_mib']} | {r['out_share']} | {r['faults']} | {r['daemon_cpu']} |")
EOF
cat "$REPORT"
echo "bench-services: written to $REPORT" >&2
