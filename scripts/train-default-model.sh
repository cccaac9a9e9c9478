#!/usr/bin/env bash
# Remakes models/default.json: the page-in forecaster trained on the shipped synthetic traces
# (windows of 4,096 page accesses, 5 horizons, RLS with λ = 0.99), and prints its held-out errors.
set -euo pipefail
cd "$(dirname "$0")/.."
TIERMEM=${TIERMEM:-.build/release/tiermem}
[ -x "$TIERMEM" ] || swift build -c release --product tiermem
mkdir -p models
"$TIERMEM" train traces/phases.tmt traces/periodic.tmt traces/kv-cache.tmt traces/growth.tmt \
    --window 4096 --horizon 5 --forgetting 0.99 -o models/default.json
