#!/usr/bin/env bash
# Fault-injection suite: TierMem under hostile sizes, programmer errors, full and read-only file
# systems, a forbidden userfaultfd, SIGKILL and other signals, hostile traces.
#
#   bash Tests/faults/run.sh        (from the repo root; `make faults` runs it)
#
# Needs the built binaries: $TIERMEM (default .build/debug/tiermem) and .build/debug/libTierMemC.so.
# Prints "PASS <case>", "FAIL <case>: <why>" (with a few lines of what it printed) or
# "SKIP <case>: <why>" per case, then "N passed, N failed"; exits 1 if any case failed.
# Cases that mount a tmpfs need root and are skipped without it. Every case runs in its own
# process under a watchdog (timeout -k 5), in its own scratch directory; mounts and scratch
# directories are removed on exit, whatever happened.
set -u -o pipefail

SELF=$(realpath "${BASH_SOURCE[0]}")
ROOT=$(cd "$(dirname "$SELF")/../.." && pwd)
# fail, skip, note, secs; report, run_case, finish.
source "$ROOT/Tests/support/suite.sh"

# ---------------------------------------------------------------------------------------------
# Helpers for the cases. A case runs as `bash run.sh --case NAME ARGS...` in $CASE_DIR, with
# the compiled helpers in $B and the tiermem executable in $TM.

need_root() { [[ $EUID -eq 0 ]] || skip "needs root (mounts tmpfs)"; }

# need_uffd: skips the case where the live heap cannot run (no userfaultfd).
need_uffd() {
    "$B/create_heap" >"$CASE_DIR/uffd.out" 2>&1
    [[ $? -ne 3 ]] || skip "no userfaultfd here: $(cut -c1-200 "$CASE_DIR/uffd.out")"
}

# need_full_uffd: calibrate measures kernel-mode faults too, which user-mode-only userfaultfd
# (an unprivileged user with vm.unprivileged_userfaultfd=0) refuses, after ~20 s of work. Skips
# only when doctor says so: a doctor that says nothing is no reason to skip.
need_full_uffd() {
    need_uffd
    "$TM" doctor >"$CASE_DIR/doctor.out" 2>&1
    local mode
    mode=$(grep -m 1 '^userfaultfd:' "$CASE_DIR/doctor.out")
    [[ -z $mode || $mode == "userfaultfd: full"* ]] || skip "calibrate needs full userfaultfd; doctor says \"$mode\""
}

# run_timed LIMIT OUT ERR COMMAND...: runs COMMAND under its own watchdog; sets RC and MS (elapsed
# milliseconds). A command the watchdog had to stop fails the case as hung. --foreground keeps the
# command in the case's process group, so the case's own watchdog can still kill everything.
run_timed() {
    local limit=$1 out=$2 err=$3
    shift 3
    local t0
    t0=$(date +%s%N)
    timeout --foreground -k 5 "$limit" "$@" >"$out" 2>"$err" </dev/null
    RC=$?
    MS=$((($(date +%s%N) - t0) / 1000000))
    if [[ $RC -eq 124 || ($RC -eq 137 && $MS -ge $((limit * 1000))) ]]; then
        fail "hung: '$(basename "$1") ${*:2}' did not finish within $limit s" "$err"
    fi
}


# mount_tmpfs DIR OPTIONS: a fresh tmpfs (the parent unmounts whatever a case leaves mounted).
mount_tmpfs() {
    mkdir -p "$1"
    mount -t tmpfs -o "$2" tmpfs "$1" 2>"$CASE_DIR/mount.err" || fail "mount -t tmpfs -o $2 failed" "$CASE_DIR/mount.err"
}

# tiermem_entries DIR: the tiermem-* entries in DIR, one a line (none: empty).
tiermem_entries() { (cd "$1" && compgen -G 'tiermem-*') || true; }

# ---------------------------------------------------------------------------------------------
# A. The C ABI given sizes no heap can hold, a hint that does not exist, NULL arguments.
case_abi_sizes() {
    run_timed 20 out err "$B/abi_sizes"
    [[ $RC -ne 77 ]] || skip "$(head -n 1 out)"
    [[ $RC -eq 0 ]] || fail "abi_sizes exited $RC: $(tail -n 1 out)" out
}

# B. A programmer error stops the process by a signal, promptly, with a message naming it; most
# pages are out of DRAM at the time. MODE: default (fault thread), signal (TIERMEM_FAULTS=signal)
# or devnull (default, stderr to /dev/null: only the prompt exit is checked).
case_traps() {
    local what=$1 mode=$2 err=err
    # The Swift backtracer, on by default, is what used to hang the process: keep the default.
    unset SWIFT_BACKTRACE
    local env=(env -u TIERMEM_FAULTS)
    [[ $mode != signal ]] || env=(env TIERMEM_FAULTS=signal)
    [[ $mode != devnull ]] || err=/dev/null
    run_timed 20 out "$err" "${env[@]}" "$B/traps" "$what"
    [[ $RC -ne 77 ]] || skip "no userfaultfd here (tm_heap_create: TM_EUNAVAILABLE)"
    [[ $RC -gt 128 ]] || fail "exited with status $RC, not by a signal" "$err"
    note "killed by signal $((RC - 128)) after $(secs "$MS")"
    [[ $mode != devnull ]] || return 0
    local want
    case $what in
        double-free) want='double free' ;;
        foreign-free | wrong-heap) want='free.*not a pointer from this heap' ;;
        null-heap) want='NULL heap' ;;
        destroy-twice) want='destroy.*not a live heap' ;;
    esac
    grep -Eq "$want" err || fail "stderr lacks /$want/" err
}

# C. PMEM in a 512 KiB tmpfs under a 2 MiB tier: filling the heap ends in a prompt NULL/ENOMEM
# (it used to spin ~55 s a fault), the data written survives, and the heap's directory goes.
case_pmem_full() {
    need_root
    local d=$CASE_DIR/pmem
    mount_tmpfs "$d" size=512K
    run_timed 20 out err "$B/pmem_full" "$d"
    [[ $RC -ne 77 ]] || skip "$(head -n 1 out)"
    [[ $RC -eq 0 ]] || fail "pmem_full exited $RC" out
    note "$(tail -n 1 out) in $(secs "$MS")"
    local left
    left=$(tiermem_entries "$d")
    [[ -z $left ]] || fail "tm_heap_destroy left its PMEM directory behind: $left" err
    umount "$d" || fail "umount $d failed"
}

# D. A compressed pool at capacity with incompressible pages: NULL/ENOMEM by block 97, contents
# intact, and freed space usable again.
case_pool_full() {
    run_timed 20 out err "$B/pool_full"
    [[ $RC -ne 77 ]] || skip "$(head -n 1 out)"
    [[ $RC -eq 0 ]] || fail "pool_full exited $RC" out
    note "$(grep fitted out) in $(secs "$MS")"
}

# E1. userfaultfd forbidden by seccomp: tm_heap_create says so (TM_EUNAVAILABLE), it does not trap.
case_no_uffd_heap() {
    run_timed 20 out err "$B/no_uffd" "$B/create_heap"
    [[ $RC -ne 2 ]] || fail "no_uffd could not install its filter" err
    [[ $RC -eq 3 ]] || fail "tm_heap_create returned $RC, want TM_EUNAVAILABLE (3): $(head -c 200 out)" err
    grep -q 'status 3: .*userfaultfd' out || fail "the message does not mention userfaultfd" out
}

# E2. `tiermem doctor` where userfaultfd is forbidden says it is not available. Its exit status is
# only noted: a change is planned.
case_no_uffd_doctor() {
    run_timed 20 normal normal.err "$TM" doctor
    note "doctor, normally: exit $RC, \"$(head -n 1 normal)\""
    run_timed 20 out err "$B/no_uffd" "$TM" doctor
    [[ $RC -ne 2 ]] || fail "no_uffd could not install its filter" err
    [[ $RC -lt 128 ]] || fail "doctor crashed (status $RC)" err
    note "doctor, no userfaultfd: exit $RC, \"$(head -n 1 out)\""
    cat out err >all
    grep -Eiq 'userfaultfd.*(unavailable|not available|not permitted)' all ||
        fail "doctor does not say userfaultfd is unavailable" all
}

# F. kill -9 in the middle of demotions and promotions leaves the PMEM directory of the dead
# process; the next heap started on that directory removes it, and its own at destroy.
case_kill_churn() {
    local d=$CASE_DIR/pmem pid i
    mkdir -p "$d"
    "$B/churn" "$d" 60 >out 2>err &
    pid=$!
    for ((i = 0; i < 100; i++)); do grep -q churning out && break; sleep 0.1; done
    sleep 1
    kill -9 "$pid" 2>/dev/null
    wait "$pid" 2>/dev/null
    RC=$?
    [[ $RC -ne 77 ]] || skip "$(head -n 1 err)"
    [[ $RC -eq 137 ]] || fail "churn ended before the kill (status $RC)" err
    grep -q churning out || fail "churn never started churning" err
    if [[ -n $(cd "$d" && compgen -G "tiermem-$pid-*") ]]; then
        note "the killed process left $(tiermem_entries "$d")"
    else
        note "the killed process left no tiermem-$pid-* directory (nothing for the next start to remove)"
    fi
    run_timed 20 out2 err2 "$B/churn" "$d" 0
    [[ $RC -eq 0 ]] || fail "churn DIR 0 exited $RC" err2
    local left
    left=$(tiermem_entries "$d" | paste -sd ' ')
    [[ -z $left ]] || fail "after a clean start and destroy, DIR still holds: $left" err2
}

# G. Every command that writes a file, given a destination on a full file system (MODE full) or a
# read-only one (ro): it fails with a message naming the path and the errno, exits (no crash),
# leaves nothing behind, and (ro) checks the destination before the work.
# writer_command NAME DIR: sets OUT (the destination) and CMD (tiermem's arguments).
writer_command() {
    local t=$ROOT/traces
    case $1 in
        trace-gen) OUT=$2/out.tmt CMD=(trace gen zipf -o "$OUT" --records 200000) ;;
        trace-import) OUT=$2/out.tmt CMD=(trace import "$t/kv-sample.csv" "$OUT") ;;
        trace-export) OUT=$2/out.csv CMD=(trace export "$t/kv-cache.tmt" "$OUT") ;;
        replay-report) OUT=$2/out.html CMD=(replay "$t/kv-cache.tmt" --report "$OUT") ;;
        # Four traces, ~7 s of work in a debug build: the ro variant's 5 s limit means the
        # destination was checked first.
        train) OUT=$2/out.json CMD=(train "$t/kv-cache.tmt" "$t/phases.tmt" "$t/periodic.tmt" "$t/growth.tmt" -o "$OUT") ;;
        tune) OUT=$2/out.json CMD=(tune "$t/kv-cache.tmt" --candidates 1 -o "$OUT") ;;
        tune-report) OUT=$2/out.html CMD=(tune "$t/kv-cache.tmt" --candidates 1 -o "$CASE_DIR/profile.json" --report "$OUT") ;;
        calibrate) OUT=$2/out.json CMD=(calibrate --quick -o "$OUT") ;;
        *) fail "unknown writer $1" ;;
    esac
}

case_writer() {
    local mode=$1 name=$2 dir=$CASE_DIR/$1 want
    need_root
    if [[ $mode == full ]]; then
        mount_tmpfs "$dir" size=64K
        dd if=/dev/zero of="$dir/fill" bs=4k 2>/dev/null # fails when the file system is full
        [[ $(stat -f -c %a "$dir") -eq 0 ]] || fail "could not fill the tmpfs"
        want="No space left on device"
    else
        mount_tmpfs "$dir" ro
        want="Read-only file system"
    fi
    [[ $name != calibrate ]] || need_full_uffd
    writer_command "$name" "$dir"
    ls -A "$dir" >before
    run_timed 120 out err "$TM" "${CMD[@]}"
    note "exit $RC after $(secs "$MS")"
    [[ $RC -ne 0 ]] || fail "exited 0 writing to a $mode file system" out
    [[ $RC -lt 128 ]] || fail "crashed (status $RC)" err
    grep -qF "$OUT" err || fail "stderr does not name $OUT" err
    grep -qF "$want" err || fail "stderr does not say \"$want\"" err
    ! grep -q NSCocoaErrorDomain err || fail "stderr shows an NSCocoaErrorDomain error" err
    ! grep -q "records before it were good" err || fail "stderr claims earlier records were good" err
    ls -A "$dir" >after
    diff -q before after >/dev/null || fail "left new files: $(comm -13 before after | paste -sd ' ')" err
    if [[ $mode == ro && ($name == train || $name == calibrate) && $MS -ge 5000 ]]; then
        fail "took $(secs "$MS"): the destination was not checked before the work" err
    fi
}

# H1. SIGINT, SIGTERM or SIGHUP while `trace gen` writes: it exits promptly and removes its
# DEST.partial-PID file. The signal's default disposition is restored first: a background job of
# a script would otherwise start with SIGINT ignored.
case_signal() {
    local sig=$1 t=$CASE_DIR/t pid i state
    mkdir -p "$t"
    env --default-signal=INT,TERM,HUP "$TM" trace gen zipf -o "$t/s.tmt" --records 100000000 >out 2>err </dev/null &
    pid=$!
    sleep 1.5
    [[ -n $(cd "$t" && compgen -G 's.tmt.partial-*') ]] || note "no s.tmt.partial-* while writing (ls: $(ls -A "$t" | paste -sd ' '))"
    kill -"$sig" "$pid" 2>/dev/null || fail "trace gen ended before the signal" err
    for ((i = 0; i < 100; i++)); do
        state=$(sed 's/.*) //' "/proc/$pid/stat" 2>/dev/null | cut -d' ' -f1)
        [[ -n $state && $state != Z ]] || break
        sleep 0.1
    done
    if [[ $i -eq 100 ]]; then
        kill -9 "$pid"
        fail "hung: trace gen still running 10 s after SIG$sig" err
    fi
    wait "$pid"
    RC=$?
    note "exit status $RC after SIG$sig"
    local left
    left=$(cd "$t" && compgen -G 's.tmt.partial-*' | paste -sd ' ')
    [[ -z $left ]] || fail "left $left" err
    [[ ! -e $t/s.tmt ]] || note "s.tmt exists after the signal"
}

# H2. A stale DEST.partial-PID of a dead process is removed by the next write of DEST; that of a
# live process is left alone.
case_stale_partials() {
    local t=$CASE_DIR/t dead=999999
    mkdir -p "$t"
    while [[ -e /proc/$dead ]]; do ((dead--)); done
    touch "$t/s.tmt.partial-$dead" "$t/s.tmt.partial-$$"
    run_timed 20 out err "$TM" trace gen zipf -o "$t/s.tmt" --records 1000
    [[ $RC -eq 0 ]] || fail "trace gen exited $RC" err
    [[ -s $t/s.tmt ]] || fail "no s.tmt written" err
    [[ ! -e $t/s.tmt.partial-$dead ]] || fail "the dead process's s.tmt.partial-$dead is still there" err
    [[ -e $t/s.tmt.partial-$$ ]] || fail "the live process's s.tmt.partial-$$ was removed" err
}

# I. calibrate, succeeding or failing, leaves no tiermem-* entry in $TMPDIR.
case_calibrate_tmp() {
    local outcome=$1 tmp=$CASE_DIR/tmp dest
    need_full_uffd
    mkdir -p "$tmp"
    if [[ $outcome == ok ]]; then dest=$CASE_DIR/c.json; else dest=/nonexistent-dir/c.json; fi
    # --quick takes about 5 s in a release build, about 26 s in a debug build on 2 cores.
    run_timed 90 out err env TMPDIR="$tmp" "$TM" calibrate --quick -o "$dest"
    note "exit $RC after $(secs "$MS")"
    if [[ $outcome == ok ]]; then
        [[ $RC -eq 0 ]] || fail "calibrate exited $RC" err
        [[ -s $dest ]] || fail "no $dest written" err
    else
        [[ $RC -ne 0 && $RC -lt 128 ]] || fail "calibrate -o $dest exited $RC, want a failure" err
    fi
    local left
    left=$(tiermem_entries "$tmp" | paste -sd ' ')
    [[ -z $left ]] || fail "TMPDIR holds $left" err
}

# J. A trace of 64 accesses of 4 GiB each at 512-byte pages (8M pages apiece): trace info and
# replay refuse it promptly, under a 3 GB address-space limit, and name --max-pages.
case_hostile_footprint() {
    local command=$1 i
    {
        echo '# tiermem page_size=512'
        echo 'time,op,address,size'
        for ((i = 0; i < 64; i++)); do echo "$i,R,0x0,4294967295"; done
    } >in.csv
    run_timed 20 import.out import.err "$TM" trace import in.csv out.tmt
    [[ $RC -eq 0 ]] || fail "trace import exited $RC" import.err
    ulimit -v 3000000
    case $command in
        info) run_timed 20 out err "$TM" trace info out.tmt ;;
        replay) run_timed 20 out err "$TM" replay out.tmt ;;
    esac
    note "exit $RC after $(secs "$MS")"
    [[ $RC -ne 0 ]] || fail "exited 0" out
    [[ $RC -lt 128 ]] || fail "crashed (status $RC)" err
    grep -q pages err || fail "stderr does not mention pages" err
    grep -qF -- --max-pages err || fail "stderr does not name --max-pages" err
}

# J. A trace with no events: replay says it is empty.
case_empty_trace() {
    echo 'time,op,address,size' >e.csv
    run_timed 20 import.out import.err "$TM" trace import e.csv e.tmt
    [[ $RC -eq 0 ]] || fail "trace import of a header-only CSV exited $RC" import.err
    run_timed 20 out err "$TM" replay e.tmt
    [[ $RC -ne 0 && $RC -lt 128 ]] || fail "replay of an empty trace exited $RC" err
    grep -qi empty err || fail "stderr does not say the trace is empty" err
}

# ---------------------------------------------------------------------------------------------
# A case's own process: `run.sh --case NAME ARGS...`.
if [[ ${1-} == --case ]]; then
    cd "$CASE_DIR" || exit 1
    "case_$2" "${@:3}"
    exit 0
fi

# ---------------------------------------------------------------------------------------------
# The runner.
PASSED=0 FAILED=0 SKIPPED=0 NCASE=0 CURRENT=

WORK=$(mktemp -d "${TMPDIR:-/tmp}/tmfaults.XXXXXX")

# unmount_under DIR: every mount below DIR, deepest first (lazily if busy).
unmount_under() {
    local m
    awk -v d="$1/" 'index($2, d) == 1 { print $2 }' /proc/self/mounts | sort -r | while read -r m; do
        umount "$m" 2>/dev/null || umount -l "$m"
    done
}
cleanup() {
    if [[ -n $CURRENT ]]; then kill -TERM "$CURRENT" 2>/dev/null; wait "$CURRENT"; fi
    unmount_under "$WORK"
    rm -rf "$WORK"
}
trap cleanup EXIT
after_case() { unmount_under "$1"; }
trap 'exit 130' INT
trap 'exit 143' TERM


cd "$ROOT" || exit 1
TM=$(realpath -- "${TIERMEM:-.build/debug/tiermem}" 2>/dev/null)
B=$WORK/bin
export TM B ROOT

# Build the C helpers against the built library.
SWIFT_RUNTIME=$(dirname "$(dirname "$(command -v swift 2>/dev/null || echo /usr/bin/swift)")")/lib/swift/linux
mkdir -p "$B"
build() { # build NAME [LIBRARY FLAGS...]
    cc -std=c11 -Wall -Wextra -Werror -Iinclude "Tests/faults/$1.c" -o "$B/$1" "${@:2}" >>"$WORK/build.log" 2>&1
}
LIB=(-L.build/debug -lTierMemC -Wl,-rpath,"$ROOT/.build/debug" -Wl,-rpath,"$SWIFT_RUNTIME")
for helper in abi_sizes traps pmem_full pool_full create_heap churn; do
    build "$helper" "${LIB[@]}" || { echo "FAIL build $helper: cc failed"; sed 's/^/    | /' "$WORK/build.log" | head -n 20; FAILED=1; finish; }
done
build no_uffd || { echo "FAIL build no_uffd: cc failed"; sed 's/^/    | /' "$WORK/build.log" | head -n 20; FAILED=1; finish; }
[[ -x $TM ]] || { echo "FAIL setup: no tiermem executable at ${TIERMEM:-.build/debug/tiermem}"; FAILED=1; finish; }

run_case abi_sizes 30
for what in double-free foreign-free wrong-heap null-heap destroy-twice; do
    for mode in default signal devnull; do run_case traps 30 "$what" "$mode"; done
done
run_case pmem_full 30
run_case pool_full 30
run_case no_uffd_heap 30
run_case no_uffd_doctor 45
run_case kill_churn 60
for mode in full ro; do
    for name in trace-gen trace-import trace-export replay-report train tune tune-report calibrate; do
        [[ $mode == ro || $name != calibrate ]] || continue # calibrate: only the read-only variant
        run_case writer 130 "$mode" "$name"
    done
done
for sig in INT TERM HUP; do run_case signal 30 "$sig"; done
run_case stale_partials 30
run_case calibrate_tmp 100 ok
run_case calibrate_tmp 100 fail
run_case hostile_footprint 45 info
run_case hostile_footprint 45 replay
run_case empty_trace 45
finish
