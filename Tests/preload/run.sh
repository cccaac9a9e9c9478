#!/usr/bin/env bash
# Preload suite: unmodified programs under `tiermem run` (libtiermem-preload.so): Python, gzip and
# sort give the same bytes as without it; system calls into offloaded heap buffers; Redis (values,
# DEBUG DIGEST against a glibc Redis, BGSAVE's forked child) and memcached (memcslap, every value
# read back) over 127.0.0.1; programmer errors; settings refused before the program starts; the
# fallback to glibc where userfaultfd is forbidden.
#
#   bash Tests/preload/run.sh        (from the repo root)
#
# Needs the built binaries: $TIERMEM (default .build/debug/tiermem) with libtiermem-preload.so
# beside it, cc, python3, and for their cases redis-server, redis-cli, redis-benchmark,
# memcached, memcslap (a missing one skips its case). Prints "PASS <case>", "FAIL <case>: <why>"
# (with a few lines of what it printed) or "SKIP <case>: <why>" per case, then
# "N passed, N failed"; exits 1 if any case failed. Every case runs in its own process under a
# watchdog (timeout -k 5), in its own scratch directory; servers listen on 127.0.0.1 only, on free
# ports near 17379, and are stopped when their case ends, however it ends; scratch directories
# are removed on exit.
set -u -o pipefail

SELF=$(realpath "${BASH_SOURCE[0]}")
ROOT=$(cd "$(dirname "$SELF")/../.." && pwd)
HERE=$ROOT/Tests/preload
# fail, skip, note, secs; report, run_case, finish.
source "$ROOT/Tests/support/suite.sh"

# ---------------------------------------------------------------------------------------------
# Helpers for the cases. A case runs as `bash run.sh --case NAME ARGS...` in $CASE_DIR, with the
# compiled helpers in $B, the shared inputs in $DATA, the tiermem executable in $TM and the real
# Python interpreter (not a pyenv shim) in $PY.

# need COMMAND...: skips the case unless every COMMAND is installed.
need() {
    local c
    for c in "$@"; do command -v "$c" >/dev/null || skip "$c is not installed"; done
}

# run_timed LIMIT OUT ERR COMMAND...: runs COMMAND under its own watchdog, stdin from $STDIN
# (default /dev/null); sets RC and MS (elapsed milliseconds). A command the watchdog had to stop
# fails the case as hung. Unlike Tests/faults, no --foreground: the command gets its own process
# group, so that the watchdog also stops what it started (the program under `tiermem run`, which
# a hung program would otherwise outlive); the case's watchdog's SIGTERM reaches it through
# timeout, which passes it on to that group.
run_timed() {
    local limit=$1 out=$2 err=$3
    shift 3
    local t0
    t0=$(date +%s%N)
    timeout -k 5 "$limit" "$@" >"$out" 2>"$err" <"${STDIN:-/dev/null}"
    RC=$?
    MS=$((($(date +%s%N) - t0) / 1000000))
    if [[ $RC -eq 124 || ($RC -eq 137 && $MS -ge $((limit * 1000))) ]]; then
        fail "hung: '$(basename "$1") ${*:2}' did not finish within $limit s" "$err"
    fi
}

md5() { md5sum <"$1" | cut -d' ' -f1; }

# load_record FILE [PID]: the stats record of PID (without PID: the last one) as shell variables
# R_<key> (R_page_size, R_demotions, ...), and R_records, the number of records in FILE.
# Returns 1 if FILE has no such record or a line that is not JSON.
load_record() {
    local text
    text=$("$PY" - "$1" "${2-}" <<'EOF'
import json, sys
try:
    lines = [json.loads(line) for line in open(sys.argv[1]) if line.strip()]
except (OSError, ValueError):
    sys.exit(1)
# One record per process: its exit line (the periodic lines before it have "exit": false).
records = [r for r in lines if r.get('exit', True)]
pid = sys.argv[2]
chosen = [r for r in records if not pid or str(r.get('pid')) == pid]
if not chosen:
    sys.exit(1)
for key, value in chosen[-1].items():
    print('R_%s=%d' % (key, int(value)))
print('R_records=%d' % len(records))
print('R_lines=%d' % len(lines))
EOF
    ) || return 1
    eval "$text"
}
held_pages() { echo $((R_dram_pages + R_pmem_pages + R_compressed_pages)); }
mib() { awk -v p="$1" -v s="$R_page_size" 'BEGIN { printf "%.1f MiB", p * s / 1048576 }'; }

# The summary `tiermem run` printed at exit (first line), from ERR.
summary_of() { grep -m 1 '^tiermem run:' "$1" | cut -c 1-300; }

# ---- Servers: started in the background, stopped when the case ends, however it ends.
SERVERS=()

# alive PID: PID exists and is no zombie.
alive() {
    local state
    state=$(sed 's/.*) //' "/proc/$1/stat" 2>/dev/null | cut -d' ' -f1)
    [[ -n $state && $state != Z ]]
}

# serve LOG COMMAND...: starts COMMAND in the background, stdout and stderr to LOG; sets PID.
serve() {
    local log=$1
    shift
    "$@" >"$log" 2>&1 </dev/null &
    PID=$!
    SERVERS+=("$PID")
}

# program_of PID: the program that `tiermem run` (PID) started, waiting up to 10 s for it.
program_of() {
    local i child
    for ((i = 0; i < 100; i++)); do
        child=$(pgrep -P "$1" | head -n 1)
        [[ -z $child ]] || { echo "$child"; return 0; }
        alive "$1" || return 1
        sleep 0.1
    done
    return 1
}

# wait_exit PID LIMIT: waits up to LIMIT seconds for PID (a child of this shell) to end and sets
# RC to its status; returns 1 if it is still running.
wait_exit() {
    local i
    for ((i = 0; i < $2 * 10; i++)); do
        if ! alive "$1"; then
            wait "$1"
            RC=$?
            return 0
        fi
        sleep 0.1
    done
    return 1
}

# stop_servers: SIGTERM to each server still running (to the program, where it runs under
# tiermem run, which then exits with it), SIGKILL 5 s later to whatever is left.
stop_servers() {
    local pid child i any
    for pid in "${SERVERS[@]}"; do
        alive "$pid" || continue
        child=$(pgrep -P "$pid")
        if [[ -n $child ]]; then kill -TERM $child 2>/dev/null; else kill -TERM "$pid" 2>/dev/null; fi
    done
    for ((i = 0; i < 50; i++)); do
        any=0
        for pid in "${SERVERS[@]}"; do alive "$pid" && any=1; done
        [[ $any -eq 1 ]] || break
        sleep 0.1
    done
    for pid in "${SERVERS[@]}"; do
        alive "$pid" || continue
        child=$(pgrep -P "$pid")
        [[ -z $child ]] || kill -KILL $child 2>/dev/null
        kill -KILL "$pid" 2>/dev/null
    done
}

# free_port BASE: sets PORT to the first port from BASE to BASE+99 that nothing listens on and
# that this case has not taken yet.
TAKEN=" "
free_port() {
    local p
    for ((p = $1; p < $1 + 100; p++)); do
        [[ $TAKEN != *" $p "* ]] || continue
        if [[ -z $(ss -Hltn "sport = :$p" 2>/dev/null) ]]; then
            TAKEN+="$p "
            PORT=$p
            return 0
        fi
    done
    return 1
}

# ---- Redis.

# start_redis NAME PORT [tiered TIERS]: a Redis on 127.0.0.1:PORT with no persistence, its
# directory and combined stdout/stderr log in $CASE_DIR/NAME; through `tiermem run --tiers TIERS
# --stats $CASE_DIR/NAME/stats.json` when tiered. Sets TM_PID (tiermem's, or Redis's without it)
# and REDIS_PID, once it answers PING.
start_redis() {
    local name=$1 port=$2 dir=$CASE_DIR/$1
    mkdir -p "$dir"
    local redis=(redis-server --port "$port" --bind 127.0.0.1 --save '' --appendonly no
        --enable-debug-command local --dir "$dir")
    if [[ ${3-} == tiered ]]; then
        serve "$dir/redis.log" "$TM" run --tiers "$4" --stats "$dir/stats.json" -- "${redis[@]}"
    else
        serve "$dir/redis.log" "${redis[@]}"
    fi
    TM_PID=$PID
    local i
    for ((i = 0; i < 150; i++)); do
        [[ $(redis-cli -p "$port" ping 2>/dev/null) != PONG ]] || break
        alive "$TM_PID" || fail "$name redis-server exited before it answered PING" "$dir/redis.log"
        sleep 0.1
    done
    [[ $i -lt 150 ]] || fail "$name redis-server did not answer PING within 15 s" "$dir/redis.log"
    if [[ ${3-} == tiered ]]; then
        REDIS_PID=$(program_of "$TM_PID") || fail "cannot find the redis-server that tiermem run started"
    else
        REDIS_PID=$TM_PID
    fi
}

# load_redis NAME PORT: the shared dataset (30,000 SETs) through redis-cli --pipe.
load_redis() {
    STDIN=$DATA/data.resp run_timed 120 "$CASE_DIR/$1/pipe.out" "$CASE_DIR/$1/pipe.err" redis-cli -p "$2" --pipe
    [[ $RC -eq 0 ]] || fail "$1: redis-cli --pipe exited $RC" "$CASE_DIR/$1/pipe.out" "$CASE_DIR/$1/pipe.err"
    grep -q "errors: 0, replies: $KEYS" "$CASE_DIR/$1/pipe.out" ||
        fail "$1: redis-cli --pipe did not report 'errors: 0, replies: $KEYS'" "$CASE_DIR/$1/pipe.out"
    note "$1: $KEYS SETs loaded in $(secs "$MS")"
}

# redis_field PORT SECTION FIELD: a field of INFO SECTION.
redis_field() { redis-cli -p "$1" info "$2" 2>/dev/null | tr -d '\r' | sed -n "s/^$3://p"; }

# digest PORT: DEBUG DIGEST; fails the case unless it is 40 hex digits.
digest() {
    local d
    d=$(timeout 60 redis-cli -p "$1" debug digest 2>&1 | tr -d '\r')
    [[ $d =~ ^[0-9a-f]{40}$ ]] || fail "DEBUG DIGEST on port $1 answered '$d'"
    echo "$d"
}

# shutdown_redis NAME PORT: SHUTDOWN NOSAVE, then waits for it (and its tiermem run) to exit.
shutdown_redis() {
    redis-cli -p "$2" shutdown nosave >/dev/null 2>&1
    wait_exit "$TM_PID" 20 || fail "$1 redis-server still running 20 s after SHUTDOWN NOSAVE" "$CASE_DIR/$1/redis.log"
    [[ $RC -eq 0 ]] || fail "$1 redis-server exited $RC after SHUTDOWN NOSAVE" "$CASE_DIR/$1/redis.log"
}

# ---------------------------------------------------------------------------------------------
# 1. Python, gzip and sort on ~40 MB of base64 text, with and without `tiermem run` (16 MiB of
# DRAM): the same output bytes and exit status. Python and sort must have used the heap, and
# Python's ~100 MB of 50 KB objects must have been demoted out of DRAM.
case_smoke() {
    local what=$1 cmd
    case $what in
        python) cmd=("$PY" "$HERE/smoke.py" "$DATA/input.txt") ;;
        gzip) cmd=(gzip -c "$DATA/input.txt") ;;
        # sort's default buffer (~2.6 GB here) is larger than the heap and goes to glibc; a 20 MB
        # buffer is the heap's and is larger than its DRAM tier.
        sort) cmd=(sort -S 20M -T "$CASE_DIR" "$DATA/input.txt") ;;
    esac
    run_timed 60 plain.out plain.err "${cmd[@]}"
    local plain_rc=$RC plain_ms=$MS
    run_timed 120 tiered.out tiered.err "$TM" run --tiers 'dram:16MiB;compressed:256MiB' --stats "$CASE_DIR/stats.json" -- "${cmd[@]}"
    [[ $RC -eq $plain_rc ]] || fail "exit status $RC under tiermem run, $plain_rc without" tiered.err
    [[ $plain_rc -eq 0 ]] || fail "$what exited $plain_rc (without tiermem run too)" plain.err
    [[ -s plain.out ]] || fail "$what printed nothing" plain.err
    [[ $(md5 plain.out) == "$(md5 tiered.out)" ]] ||
        fail "output differs: md5 $(md5 tiered.out) under tiermem run, $(md5 plain.out) without ($(stat -c %s tiered.out) and $(stat -c %s plain.out) bytes)" tiered.err
    note "$(secs "$plain_ms") without, $(secs "$MS") with"
    if [[ $what == gzip ]]; then
        if load_record stats.json; then
            note "heap: demotions $R_demotions, promotions $R_promotions"
        else
            note "no stats record: gzip made no allocation of 1024 bytes or more"
        fi
        return 0
    fi
    load_record stats.json || fail "no stats record in --stats FILE: $what did not use the tiered heap" tiered.err
    note "heap: demotions $R_demotions, promotions $R_promotions, faults $R_missing_faults missing"
    if [[ $what == python ]]; then
        [[ $R_demotions -gt 0 ]] || fail "demotions 0: nothing left DRAM with ~100 MB of objects and 16 MiB of DRAM" tiered.err
    fi
}

# 2. System calls into heap buffers that are likely out of DRAM: readinto() from a file,
# recv_into() over a socketpair, os.write() to a pipe, every byte checked.
case_syscalls() {
    run_timed 60 out err "$TM" run --tiers 'dram:8MiB;compressed:256MiB' --stats "$CASE_DIR/stats.json" -- "$PY" "$HERE/syscalls.py" "$DATA/f8"
    [[ $RC -eq 0 ]] || fail "syscalls.py exited $RC: $(tail -n 1 out)" out err
    grep -qx ok out || fail "syscalls.py did not print ok" out err
    load_record stats.json || fail "no stats record: Python did not use the tiered heap" err
    [[ $R_demotions -gt 0 ]] || fail "demotions 0: the 8 MiB target was never out of DRAM" err
    note "$(grep -m 1 'before readinto' out || echo 'mincore: no figure'); demotions $R_demotions, faults $R_missing_faults missing, $R_minor_faults minor; $(secs "$MS")"
}

# 3. Redis on the tiered heap (48 MiB of DRAM) with 30,000 values of 2-4 KB, read by
# redis-benchmark and a sampled check, has the same DEBUG DIGEST as a glibc Redis given the same
# data, and held pages out of DRAM.
case_redis_values() {
    need redis-server redis-cli redis-benchmark
    local port plain_port
    free_port 17379 || skip "no free port in 17379-17478"
    port=$PORT
    free_port 17389 || skip "no free port in 17389-17488"
    plain_port=$PORT
    start_redis tiered "$port" tiered 'dram:48MiB;compressed:1GiB'
    local tiered_tm=$TM_PID tiered_redis=$REDIS_PID
    load_redis tiered "$port"
    [[ $(redis-cli -p "$port" dbsize) == "$KEYS" ]] || fail "DBSIZE is $(redis-cli -p "$port" dbsize), want $KEYS"

    run_timed 120 bench.out bench.err redis-benchmark -h 127.0.0.1 -p "$port" -t get -n 100000 -r "$KEYS" -q
    [[ $RC -eq 0 ]] || fail "redis-benchmark exited $RC" bench.err bench.out
    local rps hits misses
    rps=$(tr '\r' '\n' <bench.out | grep -o 'GET: [0-9.]* requests per second' | tail -n 1)
    [[ -n $rps ]] || fail "redis-benchmark printed no GET throughput" bench.out
    hits=$(redis_field "$port" stats keyspace_hits)
    misses=$(redis_field "$port" stats keyspace_misses)
    [[ ${misses:-1} -eq 0 && ${hits:-0} -ge 100000 ]] ||
        fail "redis-benchmark's GETs: $hits hits, $misses misses (want every GET to hit a loaded value)"

    run_timed 60 check.out check.err "$PY" "$HERE/kv.py" redis-check "$port" "$KEYS" 500 2000 4000
    [[ $RC -eq 0 ]] || fail "sampled values differ from the expected ones: $(tail -n 1 check.out)" check.out check.err
    local tiered_digest
    tiered_digest=$(digest "$port") || exit 1

    start_redis glibc "$plain_port"
    load_redis glibc "$plain_port"
    local plain_digest
    plain_digest=$(digest "$plain_port") || exit 1
    run_timed 120 bench2.out bench2.err redis-benchmark -h 127.0.0.1 -p "$plain_port" -t get -n 100000 -r "$KEYS" -q
    local plain_rps
    plain_rps=$(tr '\r' '\n' <bench2.out | grep -o 'GET: [0-9.]* requests per second' | tail -n 1)
    note "redis-benchmark -t get -n 100000: tiered ${rps#GET: }, glibc ${plain_rps#GET: }"
    [[ $tiered_digest == "$plain_digest" ]] || fail "DEBUG DIGEST differs: tiered $tiered_digest, glibc $plain_digest"

    shutdown_redis glibc "$plain_port"
    TM_PID=$tiered_tm REDIS_PID=$tiered_redis
    shutdown_redis tiered "$port"
    load_record tiered/stats.json "$tiered_redis" ||
        fail "no stats record for redis-server (pid $tiered_redis) after SHUTDOWN NOSAVE" tiered/redis.log
    local out=$((R_pmem_pages + R_compressed_pages))
    note "at exit: $(mib "$(held_pages)") held, $(mib "$out") out of DRAM; demotions $R_demotions, promotions $R_promotions, faults $R_missing_faults missing, $R_minor_faults minor"
    [[ $out -gt 0 ]] || fail "pmem_pages + compressed_pages = 0: nothing out of DRAM (held $(mib "$(held_pages)"))" tiered/redis.log
}

# 4. BGSAVE on the tiered Redis: the forked child cannot read the heap (docs/preload.md), so the
# save fails with the preload's message; no dump.rdb with wrong bytes is left, and the parent
# goes on answering with the same data.
case_redis_bgsave() {
    need redis-server redis-cli
    local port check_port
    free_port 17479 || skip "no free port in 17479-17578"
    port=$PORT
    free_port 17489 || skip "no free port in 17489-17588"
    check_port=$PORT
    start_redis tiered "$port" tiered 'dram:48MiB;compressed:1GiB'
    load_redis tiered "$port"
    local before after i
    before=$(digest "$port") || exit 1
    local reply
    reply=$(redis-cli -p "$port" bgsave 2>&1)
    [[ $reply == *"Background saving started"* ]] || fail "BGSAVE answered '$reply'"
    for ((i = 0; i < 300; i++)); do
        [[ $(redis_field "$port" persistence rdb_bgsave_in_progress) != 0 ]] || break
        sleep 0.1
    done
    [[ $i -lt 300 ]] || fail "rdb_bgsave_in_progress still 1 after 30 s" tiered/redis.log
    local status
    status=$(redis_field "$port" persistence rdb_last_bgsave_status)
    [[ $status == err ]] || fail "rdb_last_bgsave_status:$status, want err: the child cannot have read the heap" tiered/redis.log
    grep -q 'tiermem-preload: a child forked without exec used the tiered heap' tiered/redis.log ||
        fail "the log lacks the preload's message about the forked child" tiered/redis.log
    local leftovers
    leftovers=$(cd tiered && compgen -G 'temp-*.rdb' | paste -sd ' ')
    [[ -z $leftovers ]] || note "the failed save left $leftovers"
    if [[ -e tiered/dump.rdb ]]; then
        # A dump is acceptable only if it holds exactly the data.
        mkdir -p verify
        cp tiered/dump.rdb verify/dump.rdb
        local tm_pid=$TM_PID redis_pid=$REDIS_PID
        start_redis verify "$check_port"
        local loaded
        loaded=$(digest "$check_port") || exit 1
        [[ $loaded == "$before" ]] || fail "BGSAVE failed but left a dump.rdb whose data differs (digest $loaded, want $before)"
        shutdown_redis verify "$check_port"
        TM_PID=$tm_pid REDIS_PID=$redis_pid
        note "dump.rdb exists and loads with the same digest"
    fi
    [[ $(redis-cli -p "$port" ping 2>&1) == PONG ]] || fail "the parent no longer answers PING after the failed BGSAVE" tiered/redis.log
    after=$(digest "$port") || exit 1
    [[ $after == "$before" ]] || fail "DEBUG DIGEST changed across the failed BGSAVE: $before, then $after"
    note "log: '$(grep -m 1 -o 'Background saving error.*' tiered/redis.log)', the parent answers with the same digest"
    shutdown_redis tiered "$port"
}

# 5. memcached's 1 MiB slab pages come from the tiered heap (32 MiB of DRAM): 20,000 values of
# 1-3 KB set, memcslap run against it, then every one of the values read back and compared.
case_memcached() {
    need memcached memcslap
    local port
    free_port 17411 || skip "no free port in 17411-17510"
    port=$PORT
    local user=()
    [[ $EUID -ne 0 ]] || user=(-u root) # memcached refuses to run as root without -u
    serve mc.log "$TM" run --tiers 'dram:32MiB;compressed:512MiB' --stats "$CASE_DIR/stats.json" -- memcached -p "$port" -U 0 -l 127.0.0.1 -m 256 "${user[@]}"
    local tm_pid=$PID i
    for ((i = 0; i < 150; i++)); do
        [[ -z $(ss -Hltn "sport = :$port" 2>/dev/null) ]] || break
        alive "$tm_pid" || fail "memcached exited before it listened" mc.log
        sleep 0.1
    done
    [[ $i -lt 150 ]] || fail "memcached did not listen within 15 s" mc.log
    local mc_pid
    mc_pid=$(program_of "$tm_pid") || fail "cannot find the memcached that tiermem run started"

    run_timed 60 load.out load.err "$PY" "$HERE/kv.py" mc-load "$port" 20000 1000 3000
    [[ $RC -eq 0 ]] || fail "loading 20,000 values failed: $(tail -n 1 load.out)" load.out load.err
    run_timed 120 slap.out slap.err memcslap --servers="127.0.0.1:$port" --execute-number=20000 --concurrency=4
    [[ $RC -eq 0 ]] || fail "memcslap exited $RC" slap.err slap.out
    local slap_time
    slap_time=$(grep -m 1 'Time total' slap.out | grep -o '[0-9.]* seconds')
    run_timed 60 check.out check.err "$PY" "$HERE/kv.py" mc-check "$port" 20000 1000 3000
    [[ $RC -eq 0 ]] || fail "reading back: $(tail -n 1 check.out)" check.out check.err

    local stats evictions items
    stats=$(exec 3<>"/dev/tcp/127.0.0.1/$port" && printf 'stats\r\n' >&3 &&
        while IFS= read -r -t 5 line <&3; do line=${line%$'\r'}; [[ $line != END ]] || break; echo "$line"; done)
    [[ -n $stats ]] || fail "memcached did not answer 'stats'"
    evictions=$(sed -n 's/^STAT evictions //p' <<<"$stats")
    items=$(sed -n 's/^STAT curr_items //p' <<<"$stats")
    [[ ${evictions:-x} == 0 ]] || fail "memcached evicted ${evictions:-?} items"
    note "memcslap 4 x 20000: ${slap_time:-?}; $items items, no evictions, all 20000 values read back"

    kill -TERM "$mc_pid"
    wait_exit "$tm_pid" 20 || fail "memcached still running 20 s after SIGTERM" mc.log
    load_record stats.json "$mc_pid" || fail "no stats record for memcached (pid $mc_pid): its slabs did not come from the heap" mc.log
    [[ $(held_pages) -gt 0 ]] || fail "the stats record shows no page held by the heap" mc.log
    note "at exit: $(mib "$(held_pages)") held, $(mib $((R_pmem_pages + R_compressed_pages))) out of DRAM, demotions $R_demotions, min_size $R_min_size"
}

# 6. A programmer error on a heap allocation stops the process by a signal, promptly, with a
# message naming TierMem: a double free, and a free of a pointer 16 bytes into an allocation.
case_bad_free() {
    local what=$1
    run_timed 20 out err "$TM" run -- "$B/badfree" "$what"
    [[ $RC -gt 128 ]] || fail "exited with status $RC, not by a signal" err
    note "killed by signal $((RC - 128)) after $(secs "$MS")"
    # tiermem run's own summary names tiermem: look at the program's lines only.
    grep -v '^tiermem run:' err >program.err
    grep -Eq 'TieredHeap|[Tt]ier[Mm]em' program.err || fail "stderr does not name TierMem" err
    case $what in
        double) grep -q 'double free' program.err || fail "stderr does not say 'double free'" err ;;
        foreign) grep -q 'free' program.err || fail "stderr does not mention the free" err ;;
    esac
    note "$(grep -m 1 -E 'Fatal error|Precondition failed' program.err | sed 's/0x[0-9a-f]*/0x.../' | cut -c 1-120)"
}

# 7. Settings that cannot work are refused before the program starts: exit 64, the program
# (touch MARKER) never ran, and stderr names the variable or flag.
case_bad_config() {
    local what=$1 want
    local run=("$TM" run)
    case $what in
        tiers-env) run=(env TIERMEM_TIERS='dram:0' "$TM" run) want=TIERMEM_TIERS ;;
        tiers-flag) run+=(--tiers 'dram:lots') want=--tiers ;;
        profile-missing) run+=(--profile /nonexistent.json) want=--profile ;;
        profile-env) run=(env TIERMEM_PROFILE=/nonexistent.json "$TM" run) want=TIERMEM_PROFILE ;;
        profile-json) echo '{' >bad.json && run+=(--profile "$CASE_DIR/bad.json") want=--profile ;;
        policy) run+=(--policy nosuch) want=--policy ;;
        min-size) run+=(--min-size 0) want=--min-size ;;
        stats-every) run+=(--stats s.json --stats-every -1) want=--stats-every ;;
    esac
    run_timed 20 out err "${run[@]}" -- touch "$CASE_DIR/MARKER"
    [[ ! -e MARKER ]] || fail "the program ran (MARKER exists)" err
    [[ $RC -eq 64 ]] || fail "exited $RC, want 64" err
    grep -qF -- "$want" err || fail "stderr does not name $want" err
}

# 7b. Bad values in the variables the preload itself reads, under LD_PRELOAD without tiermem run
# (which would refuse them first): the program runs, and one line names the variable.
case_bad_env() {
    local what=$1 variable value
    case $what in
        min-size) variable=TIERMEM_MIN_SIZE value=abc ;;
        policy) variable=TIERMEM_POLICY value=bogus ;;
    esac
    run_timed 30 out err env LD_PRELOAD="$(dirname "$TM")/libtiermem-preload.so" TIERMEM_TIERS='dram:16MiB;compressed:64MiB' \
        "$variable=$value" "$PY" -c 'x = bytearray(1 << 20); print(len(x))'
    [[ $RC -eq 0 && $(cat out) == 1048576 ]] || fail "exited $RC, printed '$(cat out)'" err
    [[ $(grep -c '^tiermem-preload: ' err) -eq 1 ]] || fail "want exactly one tiermem-preload line" err
    grep -qF -- "$variable='$value'" err || fail "stderr does not name $variable='$value'" err
}

# 8. userfaultfd forbidden by seccomp: the program runs on glibc alone, with one line saying why;
# with --require it stops (abort) with that line. The Python variant is the one asked for; the C
# variant (its large malloc comes before any locale work) separates the fallback itself from
# where in the program the heap is started.
case_fallback() {
    local what=$1 require=() cmd want
    case $what in
        python | python-require)
            cmd=("$PY" -c 'x = bytearray(10 << 20); print(len(x))') want=10485760 ;;
        c) cmd=("$B/alloc10m") want='10485760 2560' ;;
    esac
    [[ $what != *-require ]] || require=(--require)
    run_timed 20 out err "$B/no_uffd" "$TM" run "${require[@]}" -- "${cmd[@]}"
    [[ $RC -ne 2 ]] || fail "no_uffd could not install its filter" err
    local lines
    lines=$(grep -c '^tiermem-preload: cannot start the tiered heap' err)
    if [[ -n ${require[*]} ]]; then
        [[ $RC -gt 128 ]] || fail "exited $RC with --require, want death by a signal" err
        [[ $lines -ge 1 ]] || fail "stderr lacks 'tiermem-preload: cannot start the tiered heap'" err
        grep -q 'TIERMEM_REQUIRE' err || fail "the message does not say TIERMEM_REQUIRE stopped it" err
        note "signal $((RC - 128)) after $(secs "$MS")"
        return 0
    fi
    [[ $RC -eq 0 ]] || fail "exited $RC, want 0 (the program on glibc alone)" err out
    [[ $(cat out) == "$want" ]] || fail "printed '$(head -c 100 out)', want '$want'" out err
    [[ $lines -eq 1 ]] || fail "$lines lines start with 'tiermem-preload: cannot start the tiered heap', want exactly 1" err
    grep -q 'userfaultfd' err || note "the message does not mention userfaultfd"
}

# 9. tiermem run's own contract. stats-relative: --stats FILE names a file relative to where
# tiermem run was started, also when the program changes directory (Redis does, with --dir).
# stats-periodic: --stats-every writes lines while the program runs, then its exit line.
# fork-exec: a program that runs another one (fork+exec) gets one record and one summary line per
# process that used the heap. small-min-size: the heap takes allocations of 16 bytes and up.
# record-tune: --record writes the live access stream, tune takes it,
# and the program runs with the tuned profile.
case_run() {
    local what=$1
    case $what in
        stats-relative)
            mkdir -p sub
            run_timed 30 out err "$TM" run --stats s.json -- "$PY" -c 'import os; os.chdir("sub"); x = bytearray(1 << 20)'
            [[ $RC -eq 0 ]] || fail "exited $RC" err
            if [[ ! -s s.json ]]; then
                [[ ! -s sub/s.json ]] || fail "--stats s.json was written to the program's new directory (sub/s.json), and the summary found no record" err
                fail "no s.json written" err
            fi
            load_record s.json || fail "s.json holds no record" err
            grep -q '^tiermem run: pid' err || fail "the summary does not show the record" err
            ;;
        fork-exec)
            run_timed 30 out err "$TM" run --stats "$CASE_DIR/s.json" -- "$PY" -c 'import subprocess, sys
x = bytearray(1 << 20)
subprocess.run([sys.executable, "-c", "y = bytearray(1 << 20); print(len(y))"], check=True)
print(len(x))'
            [[ $RC -eq 0 ]] || fail "exited $RC" err
            [[ $(paste -sd ' ' out) == "1048576 1048576" ]] || fail "printed '$(paste -sd ' ' out)'" err
            load_record s.json || fail "no stats record" err
            [[ $R_records -eq 2 ]] || fail "$R_records records in --stats FILE, want 2 (parent and exec'd child)" err
            [[ $(grep -c '^tiermem run: pid' err) -eq 2 ]] || fail "$(grep -c '^tiermem run: pid' err) summary lines, want 2" err
            ;;
        stats-periodic)
            # --stats-every: lines while the program runs, then its exit line.
            run_timed 30 out err "$TM" run --stats s.json --stats-every 0.5 -- "$PY" -c 'import time
x = bytearray(1 << 20)
time.sleep(2.6)'
            [[ $RC -eq 0 ]] || fail "exited $RC" err
            "$PY" - s.json <<'EOF' || fail "the periodic lines are not as expected: $(cat check 2>/dev/null)" s.json
import json, sys
lines = [json.loads(l) for l in open(sys.argv[1])]
periodic = [l for l in lines if not l['exit']]
seconds = [l['seconds'] for l in lines]
ok = len(periodic) >= 3 and lines[-1]['exit'] and seconds == sorted(seconds) and len({l['pid'] for l in lines}) == 1
open('check', 'w').write('%d periodic lines, seconds %s' % (len(periodic), seconds))
sys.exit(0 if ok else 1)
EOF
            [[ $(grep -c '^tiermem run: pid' err) -eq 1 ]] || fail "$(grep -c '^tiermem run: pid' err) summary lines, want 1" err
            note "$(cat check)"
            ;;
        small-min-size)
            # Every allocation of 16 bytes or more on the heap: the heap's own threads, whose
            # start-up allocates, must not take heap memory (they once waited for themselves).
            run_timed 60 out err "$TM" run --min-size 16 --stats s.json --tiers 'dram:8MiB;compressed:128MiB' -- \
                "$PY" -c 'x = [bytearray(100) for _ in range(200000)]; print(len(x), sum(len(b) for b in x))'
            [[ $RC -eq 0 && $(cat out) == "200000 20000000" ]] || fail "exited $RC, printed '$(cat out)'" err
            load_record s.json || fail "no stats record: the heap took nothing" err
            note "min_size $R_min_size; $(held_pages) pages held at exit"
            ;;
        record-tune)
            # Record a real program's accesses, tune on the recording, run it with the profile.
            local program='import os
b = [bytearray(os.urandom(3000)) for _ in range(20000)]
for r in range(3):
    for i in range(0, 20000, 7): b[i][0] ^= 1
print(sum(x[0] for x in b[:100]) >= 0)'
            run_timed 60 out err "$TM" run --tiers 'dram:16MiB;compressed:256MiB' --record rec.tmt -- "$PY" -c "$program"
            [[ $RC -eq 0 && $(cat out) == True ]] || fail "the recorded run exited $RC, printed '$(cat out)'" err
            [[ -s rec.tmt ]] || fail "no recording written" err
            ! ls rec.tmt.partial-* >/dev/null 2>&1 || fail "a partial recording was left" err
            run_timed 30 info info.err "$TM" trace info rec.tmt --json
            [[ $RC -eq 0 ]] || fail "trace info on the recording exited $RC" info.err
            local records
            records=$("$PY" -c 'import json, sys; print(json.load(open(sys.argv[1]))["records"])' info)
            [[ $records -gt 1000 ]] || fail "the recording holds $records records" info
            run_timed 60 tune tune.err "$TM" tune rec.tmt --tiers 'dram:25%;compressed:100%' --candidates 4 -o prof.json
            [[ $RC -eq 0 && -s prof.json ]] || fail "tune on the recording exited $RC" tune.err
            run_timed 60 out err "$TM" run --tiers 'dram:16MiB;compressed:256MiB' --profile prof.json -- "$PY" -c "$program"
            [[ $RC -eq 0 && $(cat out) == True ]] || fail "the run with the tuned profile exited $RC" err
            note "$records records recorded; tuned profile: $("$PY" -c 'import json, sys; print(json.load(open(sys.argv[1]))["policy"])' prof.json)"
            ;;
    esac
}

# ---------------------------------------------------------------------------------------------
# A case's own process: `run.sh --case NAME ARGS...`.
if [[ ${1-} == --case ]]; then
    cd "$CASE_DIR" || exit 1
    trap stop_servers EXIT
    trap 'exit 143' TERM
    "case_$2" "${@:3}"
    exit 0
fi

# ---------------------------------------------------------------------------------------------
# The runner.
PASSED=0 FAILED=0 SKIPPED=0 NCASE=0 CURRENT=

WORK=$(mktemp -d "${TMPDIR:-/tmp}/tmpreload.XXXXXX")

cleanup() {
    if [[ -n $CURRENT ]]; then kill -TERM "$CURRENT" 2>/dev/null; wait "$CURRENT"; fi
    rm -rf "$WORK"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM


# setup_failed WHAT [FILE]: the suite cannot run.
setup_failed() {
    echo "FAIL setup: $1"
    [[ -z ${2-} || ! -s ${2-} ]] || sed 's/^/    | /' "$2" | head -n 20
    FAILED=1
    finish
}

cd "$ROOT" || exit 1
TM=$(realpath -- "${TIERMEM:-.build/debug/tiermem}" 2>/dev/null)
[[ -x $TM ]] || setup_failed "no tiermem executable at ${TIERMEM:-.build/debug/tiermem}"
[[ -r $(dirname "$TM")/libtiermem-preload.so ]] || setup_failed "no libtiermem-preload.so beside $TM"
# The interpreter itself: python3 on PATH may be a pyenv shim, a bash script, whose subshells
# (children forked without exec) cannot use the heap by design.
PY=$(python3 -c 'import sys; print(sys.executable)' 2>/dev/null)
[[ -x $PY ]] || setup_failed "no python3"
B=$WORK/bin DATA=$WORK/data
KEYS=30000
export TM B DATA HERE ROOT PY KEYS
mkdir -p "$B" "$DATA"

# The C helpers (they do not link TierMem: the preload brings it).
build() { # build SOURCE
    cc -std=c11 -Wall -Wextra -Werror "$1" -o "$B/$(basename "$1" .c)" >>"$WORK/build.log" 2>&1 ||
        setup_failed "cc $1 failed" "$WORK/build.log"
}
build Tests/preload/badfree.c
build Tests/preload/alloc10m.c
build Tests/faults/no_uffd.c

# The shared inputs: ~40 MB of base64 text, an 8 MiB file of random bytes, and the Redis dataset
# (30,000 SETs of 2,000-4,000 bytes) as RESP.
head -c 30000000 /dev/urandom | base64 >"$DATA/input.txt" || setup_failed "cannot write $DATA/input.txt"
head -c 8388608 /dev/urandom >"$DATA/f8" || setup_failed "cannot write $DATA/f8"
timeout 120 "$PY" "$HERE/kv.py" resp "$KEYS" 2000 4000 >"$DATA/data.resp" 2>"$WORK/data.err" ||
    setup_failed "kv.py resp failed" "$WORK/data.err"

for what in python gzip sort; do run_case smoke 200 "$what"; done
run_case syscalls 60
run_case redis_values 200
run_case redis_bgsave 120
run_case memcached 150
for what in double foreign; do run_case bad_free 30 "$what"; done
for what in tiers-env tiers-flag profile-missing profile-env profile-json policy min-size stats-every; do
    run_case bad_config 30 "$what"
done
for what in min-size policy; do run_case bad_env 40 "$what"; done
for what in python python-require c; do run_case fallback 30 "$what"; done
for what in stats-relative stats-periodic fork-exec small-min-size record-tune; do run_case run 120 "$what"; done
finish
