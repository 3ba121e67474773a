#!/usr/bin/env bash
# Runs every fuzz target in fuzz/ for SECONDS each (default 60), one after another, starting
# from the committed seeds (fuzz/seeds/TARGET) and a working corpus (fuzz/corpus/TARGET, not
# committed). Needs the nightly toolchain and cargo-fuzz (`cargo install cargo-fuzz`).
#
#   scripts/fuzz.sh [SECONDS] [TARGET...]
#
# A crash leaves its input in fuzz/artifacts/TARGET/ and ends the script with exit 1; the
# whole libFuzzer output of each target is in fuzz/artifacts/TARGET.log. Reproduce a crash with
# `cargo +nightly fuzz run TARGET artifacts/TARGET/crash-...` from fuzz/.
set -euo pipefail
cd "$(dirname "$0")/../fuzz"
secs="${1:-60}"
shift || true
targets=("$@")
if [ ${#targets[@]} -eq 0 ]; then
    mapfile -t targets < <(cargo +nightly fuzz list)
fi
cargo +nightly fuzz build
mkdir -p artifacts
failed=()
for t in "${targets[@]}"; do
    mkdir -p "corpus/$t"
    log="artifacts/$t.log"
    echo "== fuzz $t for ${secs}s"
    # -timeout is per input; -rss_limit_mb leaves room for the ledger target's redb files.
    if cargo +nightly fuzz run "$t" "corpus/$t" "seeds/$t" -- \
        -max_total_time="$secs" -timeout=10 -rss_limit_mb=2048 -print_final_stats=1 \
        >"$log" 2>&1; then
        grep -E '^(Done|stat::(number_of_executed_units|new_units_added|peak_rss_mb))' "$log" || true
    else
        failed+=("$t")
        grep -E -A3 'panicked at|ERROR: libFuzzer|SUMMARY|Test unit written|timeout' "$log" | head -n 20 || true
    fi
done
if [ ${#failed[@]} -gt 0 ]; then
    echo "fuzz: crashes in ${failed[*]} (inputs under fuzz/artifacts/, logs in fuzz/artifacts/*.log)"
    exit 1
fi
echo "fuzz: ${#targets[@]} targets ran ${secs}s each without a crash"
