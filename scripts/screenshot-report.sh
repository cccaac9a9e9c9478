#!/usr/bin/env bash
# Renders a replay's HTML report in headless Chromium, saves a screenshot, and fails if the page
# logs a console error or a resource fails to load. The README shows the screenshot.
#
# Usage: scripts/screenshot-report.sh [TRACE] [OUT.png]
#   default: traces/phases.tmt with ARC, saved to docs/replay-report.png
# Installs Debian's chromium package when it is missing.
set -euo pipefail
cd "$(dirname "$0")/.."
TRACE=${1:-traces/phases.tmt}
OUT=${2:-docs/replay-report.png}
TIERMEM=${TIERMEM:-.build/release/tiermem}

scripts/install-deps.sh chromium
[ -x "$TIERMEM" ] || swift build -c release --product tiermem
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

"$TIERMEM" replay "$TRACE" --policy arc --tiers "dram:20%;pmem:100%;compressed:lz4:25%" --report "$work/report.html" >/dev/null
browser=$(command -v chromium || command -v chromium-browser)
# --no-sandbox: Chromium refuses to run as root otherwise; the page is our own local file.
"$browser" --headless=new --no-sandbox --disable-gpu --hide-scrollbars --window-size=1024,1500 \
    --enable-logging=stderr --v=0 --screenshot="$work/shot.png" "file://$work/report.html" 2>"$work/console.log" || {
    cat "$work/console.log" >&2
    echo "screenshot-report: chromium failed" >&2
    exit 1
}
if grep -E 'CONSOLE\(|Uncaught|Failed to load|net::ERR_' "$work/console.log" >&2; then
    echo "screenshot-report: the report logged errors in the browser (above)" >&2
    exit 1
fi
[ -s "$work/shot.png" ] || { echo "screenshot-report: no screenshot was written" >&2; exit 1; }
mkdir -p "$(dirname "$OUT")"
cp "$work/shot.png" "$OUT"
echo "screenshot-report: $OUT (no console errors)"
