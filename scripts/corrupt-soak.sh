#!/bin/sh
# Damages the demo ledger N times (default 5000; byte flips, zeroed 4 KiB pages, truncations)
# and checks each copy: verify ends in 0 or 1 with a message, and a copy that passes verify
# holds the same ledger and works with log, report, score, prove and an append.
#   scripts/corrupt-soak.sh [N] [SEED]
set -eu
cd "$(dirname "$0")/.."
JIXIAO_CORRUPTIONS="${1:-5000}" JIXIAO_CORRUPTION_SEED="${2:-1}" \
    exec cargo test --release --test corruption -- --nocapture
