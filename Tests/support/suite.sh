# The shared parts of the shell test suites (Tests/faults, Tests/preload): a case runs as
# `run.sh --case NAME ARGS...` in its own process and scratch directory $CASE_DIR under a watchdog,
# and reports through the helpers below; the runner prints one line per case, then
# "N passed, N failed". run_case uses the suite's SELF (its script), WORK (its scratch root) and
# counters PASSED=0 FAILED=0 SKIPPED=0 NCASE=0 CURRENT=, set before its first case.

# ---- In a case ----

# fail WHY [FILE...]: the case failed; the files' first lines are shown with the reason.
fail() {
    echo "$1" >"$CASE_DIR/reason"
    local file
    for file in "${@:2}"; do
        if [[ -s $file ]]; then grep -v '^[[:space:]]*$' "$file" | head -n 8 >>"$CASE_DIR/excerpt"; fi
    done
    exit 1
}
skip() { echo "$1" >"$CASE_DIR/reason"; exit 77; }
# note TEXT: shown under the case's result line (timings, figures, things worth knowing).
note() { echo "$1" >>"$CASE_DIR/notes"; }

secs() { printf '%d.%02d s' $(($1 / 1000)) $(($1 % 1000 / 10)); }

# ---- In the runner ----

after_case() { :; }

# report STATUS LABEL REASON DIR: one line; a failure adds what the case printed and its notes
# below it, indented; a pass or skip has its notes at the end of the line, in parentheses.
report() {
    local line="$1 $2" notes=""
    [[ -z $3 ]] || line+=": $3"
    [[ ! -s $4/notes ]] || notes=$(awk 'NR > 1 { printf "; " } { printf "%s", $0 }' "$4/notes")
    if [[ $1 == FAIL ]]; then
        echo "$line"
        [[ ! -s $4/excerpt ]] || sed 's/^/    | /' "$4/excerpt"
        [[ ! -s $4/notes ]] || sed 's/^/    note: /' "$4/notes"
    else
        echo "$line${notes:+ ($notes)}"
    fi
}

# run_case NAME TIMEOUT [ARG...]: runs case_NAME ARG... in its own process and directory under a
# watchdog of TIMEOUT seconds (then SIGTERM, 5 s later SIGKILL, to its whole process group), then
# `after_case DIR` (the suite's own clean-up; none by default).
run_case() {
    local name=$1 limit=$2
    shift 2
    local label=$name
    [[ $# -eq 0 ]] || label+=":$(IFS=:; echo "$*")"
    local dir=$WORK/$((++NCASE))-$name
    mkdir -p "$dir"
    # In the background, so that an interrupted suite (its traps) can stop the case.
    CASE_DIR=$dir timeout -k 5 "$limit" bash "$SELF" --case "$name" "$@" >"$dir/log" 2>&1 </dev/null &
    CURRENT=$!
    wait "$CURRENT"
    local rc=$?
    CURRENT=
    after_case "$dir"
    local reason
    reason=$(cat "$dir/reason" 2>/dev/null)
    if [[ $rc -eq 0 ]]; then
        PASSED=$((PASSED + 1))
        report PASS "$label" "" "$dir"
    elif [[ $rc -eq 77 ]]; then
        SKIPPED=$((SKIPPED + 1))
        report SKIP "$label" "$reason" "$dir"
    else
        FAILED=$((FAILED + 1))
        if [[ -z $reason ]]; then
            if [[ $rc -eq 124 || $rc -eq 137 ]]; then
                reason="hung: killed by the $limit s watchdog"
            else
                reason="the case's script exited $rc"
            fi
            tail -n 5 "$dir/log" >"$dir/excerpt"
        fi
        report FAIL "$label" "$reason" "$dir"
    fi
}

finish() {
    [[ $SKIPPED -eq 0 ]] || echo "($SKIPPED skipped)"
    echo "$PASSED passed, $FAILED failed"
    [[ $FAILED -eq 0 ]]
    exit
}
