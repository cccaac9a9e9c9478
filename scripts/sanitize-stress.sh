#!/usr/bin/env bash
# Runs the live heap's race and stress tests, the allocator's and the daemon's tests under
# ThreadSanitizer and AddressSanitizer.
#   scripts/sanitize-stress.sh            both sanitizers
#   scripts/sanitize-stress.sh thread     one of them (thread | address)
# Each sanitizer builds into its own scratch directory (.build-thread, .build-address), so the
# normal build is untouched. TIERMEM_STRESS_SECONDS sets the stress test's length (default 10).
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/install-deps.sh
export TIERMEM_STRESS_SECONDS="${TIERMEM_STRESS_SECONDS:-10}"
for sanitizer in "${@:-thread address}"; do
  for one in $sanitizer; do
    echo "== $one sanitizer: live arena, allocator and daemon tests (stress for ${TIERMEM_STRESS_SECONDS}s)"
    # halt_on_error: the first report fails the run instead of scrolling past.
    TSAN_OPTIONS="halt_on_error=1" ASAN_OPTIONS="halt_on_error=1:detect_leaks=0" \
      swift test --sanitize="$one" --scratch-path ".build-$one" --filter 'LiveArena|TieredHeap|DRAMBudget|TieringDaemon|CompressedPool|PageInBudget'
  done
done
