#!/bin/sh
# Kills (SIGKILL) a multi-batch import N times (default 1000) at pseudo-random points and checks
# each file: whole batches only, nothing committed lost, read commands answer as for a sound
# ledger without changing the file, and the next write recovers it and appends.
#   scripts/crash-soak.sh [N] [SEED]
set -eu
cd "$(dirname "$0")/.."
JIXIAO_CRASH_KILLS="${1:-1000}" JIXIAO_CRASH_SEED="${2:-1}" \
    exec cargo test --release --test crash -- --nocapture
