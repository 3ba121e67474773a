#!/usr/bin/env bash
# Time and peak memory of the read commands and of one appended value on ledgers of many
# budget payments, through the release binary, against a raw redb scan of the same file.
#
# usage: scripts/bench-cli.sh [SIZES...]      (default: 100000 400000 1000000)
# env:   RUNS (default 3), WORK (default a temporary directory, removed at the end),
#        COMMANDS (default "verify score report html trace diff append"), BIN (a jixiao binary to
#        measure instead of building this checkout's), BATCHES (rows per file of the
#        many-imports variant; unset: not run), COMPARE (default 1)
#
# For each size it builds the seed ledger (`jixiao demo --keep`), imports that many payments
# (scripts/gen-payments.py: six budget lines, random amounts and dates in 2022) as one CSV
# (timed once, with its peak memory; and, with BATCHES=K, also as K-row files one import
# each into a second ledger), then runs each command RUNS times and prints the median, min
# and max of wall time (s) and peak resident memory (MB), and verify's median time as a
# multiple of the raw scan's. Where hledger and git are installed (COMPARE=0 turns it off), it
# also times `hledger check` on the same payments as a journal and `git fsck --full` on them
# as one commit each, and prints jixiao verify's speed against both. `append`
# is `record value` of one indicator (each run appends one entry, continuing from the derived
# state the import left); with two or more sizes the last line is the append's median at the
# largest size as a multiple of the smallest's (e.g. `scripts/bench-cli.sh 40 1000000`: the
# seed's 158 entries plus 40 payments, against 1M payments).
set -euo pipefail
cd "$(dirname "$0")/.."
RUNS=${RUNS:-3}
COMMANDS=${COMMANDS:-"verify score report html trace diff append"}
SIZES=("$@")
[ ${#SIZES[@]} -eq 0 ] && SIZES=(100000 400000 1000000)
if [ -z "${WORK:-}" ]; then
    WORK=$(mktemp -d)
    trap 'rm -rf "$WORK"' EXIT
fi
mkdir -p "$WORK"
command -v /usr/bin/time >/dev/null || { echo "needs /usr/bin/time (apt-get install time)" >&2; exit 2; }
if [ -z "${BIN:-}" ]; then
    cargo build --release --quiet --bin jixiao --example raw_scan --example ledger_verify --example raw_insert
    BIN=$PWD/target/release/jixiao
fi
RAW=${RAW:-$PWD/target/release/examples/raw_scan}
[ -x "$RAW" ] || cargo build --release --quiet --example raw_scan
INSERT=${INSERT:-$PWD/target/release/examples/raw_insert}
[ -x "$INSERT" ] || cargo build --release --quiet --example raw_insert
LAYER=${LAYER:-$PWD/target/release/examples/ledger_verify}
[ -x "$LAYER" ] || cargo build --release --quiet --example ledger_verify
# After the seed's last entry (2023-02-15): recorded times never go backwards.
export JIXIAO_TIME=2023-03-01T10:00:00Z

# median/min/max of the numbers on stdin
stats() { sort -g | awk -v p="${1:-2}" '{a[NR]=$1} END {m=(NR%2)?a[(NR+1)/2]:(a[NR/2]+a[NR/2+1])/2; printf "%.*f [%.*f–%.*f]", p, m, p, a[1], p, a[NR]}'; }

run() { # name, command...
    local name=$1; shift
    local t=() m=()
    for _ in $(seq "$RUNS"); do
        local t0; t0=$(date +%s%N)
        /usr/bin/time -f "%e %M" -o "$WORK/time" "$@" >/dev/null 2>"$WORK/err" || {
            # verify and report exit 1 on unacknowledged findings; anything else is a failure
            rc=$?; [ $rc -eq 1 ] || { echo "$name failed ($rc):" >&2; cat "$WORK/err" >&2; exit 1; }
        }
        local t1; t1=$(date +%s%N)
        read -r _ kb < <(tail -1 "$WORK/time")
        # wall time to the millisecond (GNU time's %e has two decimals)
        t+=("$(awk -v a="$t0" -v b="$t1" 'BEGIN{printf "%.3f", (b - a) / 1e9}')"); m+=("$(awk -v k="$kb" 'BEGIN{printf "%.1f", k/1024}')")
    done
    printf "  %-8s time %s s   peak %s MB\n" "$name" \
        "$(printf '%s\n' "${t[@]}" | stats 3)" "$(printf '%s\n' "${m[@]}" | stats)"
    printf '%s\n' "${t[@]}" | sort -g | awk '{a[NR]=$1} END {print a[(NR+1)/2]}' >"$WORK/median.$name"
}

for n in "${SIZES[@]}"; do
    d="$WORK/l$n"
    rm -rf "$d"
    "$BIN" demo --keep "$d" >/dev/null
    compare=""
    if [ "${COMPARE:-1}" = 1 ] && [ "$n" -le "${COMPARE_MAX:-200000}" ] &&
        command -v hledger >/dev/null && command -v git >/dev/null; then
        compare=1
        python3 scripts/gen-payments.py "$n" "$WORK/pay$n.csv" --journal "$WORK/pay$n.journal" \
            --git-stream "$WORK/pay$n.git"
    else
        python3 scripts/gen-payments.py "$n" "$WORK/pay$n.csv"
    fi
    L="$d/conghua-2022.jixiao"
    /usr/bin/time -f "%e %M" -o "$WORK/time" \
        "$BIN" import "$L" "$WORK/pay$n.csv" --key "$d/recorder.key" >/dev/null
    read -r isecs ikb < <(tail -1 "$WORK/time")
    echo "== $n payments ($(du -m "$L" | cut -f1) MB ledger)"
    awk -v s="$isecs" -v k="$ikb" -v n="$n" 'BEGIN {printf "  import   one CSV: %.2f s (%.0f rows/s)   peak %.1f MB\n", s, (s > 0 ? n / s : 0), k / 1024}'
    # The same stored bytes inserted with redb alone, one transaction (examples/raw_insert.rs).
    read -r _ rows _ _ _ rsecs < <("$INSERT" "$L" "$WORK/raw.redb")
    rm -f "$WORK/raw.redb"
    awk -v s="$isecs" -v r="$rsecs" -v n="$rows" 'BEGIN {printf "  raw redb insert of its %d entries: %.2f s; import rate / raw insert rate: %.2f×\n", n, r, (s > 0 ? r / s : 0)}'
    if [ -n "${BATCHES:-}" ]; then
        b="$WORK/b$n"
        rm -rf "$b" "$WORK/parts"
        mkdir -p "$WORK/parts"
        "$BIN" demo --keep "$b" >/dev/null
        tail -n +2 "$WORK/pay$n.csv" | split -l "$BATCHES" -d -a 5 - "$WORK/parts/p"
        t0=$(date +%s%N)
        for f in "$WORK"/parts/p*; do
            { head -1 "$WORK/pay$n.csv"; cat "$f"; } >"$f.csv"
            "$BIN" import "$b/conghua-2022.jixiao" "$f.csv" --key "$b/recorder.key" >/dev/null
        done
        t1=$(date +%s%N)
        k=$(ls "$WORK"/parts/p*.csv | wc -l)
        awk -v a="$t0" -v z="$t1" -v k="$k" -v n="$n" 'BEGIN {s = (z - a) / 1e9; printf "  import   %d files of %s rows: %.2f s (%.0f rows/s, %.3f s per import)\n", k, ENVIRON["BATCHES"], s, n / s, s / k}'
        rm -rf "$b" "$WORK/parts"
    fi
    run rawscan "$RAW" "$L"
    run layer "$LAYER" "$L"
    for c in $COMMANDS; do
        case $c in
            verify) run verify "$BIN" verify "$L" ;;
            score) run score "$BIN" score "$L" ;;
            report) run report "$BIN" report "$L" --format json -o "$WORK/r.json"
                echo "           report.json: $(wc -c <"$WORK/r.json") bytes" ;;
            html) run html "$BIN" report "$L" --format html -o "$WORK/r.html"
                echo "           report.html: $(wc -c <"$WORK/r.html") bytes" ;;
            trace) run trace "$BIN" trace "$L" mgmt.exec.rate ;;
            diff) run diff "$BIN" diff "$L" --from 157 --to latest ;;
            append) run append "$BIN" record value "$L" --key "$d/recorder.key" \
                --indicator perf.output.quality.archive_loss --value 0 --date 2022-12-31 ;;
        esac
    done
    if [ -f "$WORK/median.verify" ]; then
        awk -v v="$(cat "$WORK/median.verify")" -v r="$(cat "$WORK/median.rawscan")" \
            'BEGIN {printf "  verify / raw redb scan: %.1f×\n", (r > 0 ? v / r : 0)}'
        awk -v v="$(cat "$WORK/median.verify")" -v r="$(cat "$WORK/median.layer")" \
            'BEGIN {printf "  verify / ledger-layer verify of the same file: %.2f×\n", (r > 0 ? v / r : 0)}'
    fi
    if [ -n "$compare" ]; then
        run hledger hledger -f "$WORK/pay$n.journal" check
        rm -rf "$WORK/git$n"
        git init -q -b main "$WORK/git$n"
        git -C "$WORK/git$n" fast-import --quiet <"$WORK/pay$n.git"
        run gitfsck git -C "$WORK/git$n" fsck --full
        if [ -f "$WORK/median.verify" ]; then
            awk -v v="$(cat "$WORK/median.verify")" -v h="$(cat "$WORK/median.hledger")" \
                -v g="$(cat "$WORK/median.gitfsck")" \
                'BEGIN {printf "  jixiao verify is %.0f× faster than hledger check, %.0f× faster than git fsck --full\n", (v > 0 ? h / v : 0), (v > 0 ? g / v : 0)}'
        fi
        rm -rf "$WORK/git$n" "$WORK/pay$n.journal" "$WORK/pay$n.git"
    fi
    [ -f "$WORK/median.append" ] && echo "$n $(cat "$WORK/median.append")" >>"$WORK/appends"
    rm -f "$WORK"/median.* "$WORK/pay$n.csv"
done
if [ -f "$WORK/appends" ] && [ "$(wc -l <"$WORK/appends")" -ge 2 ]; then
    sort -g "$WORK/appends" | awk 'NR == 1 {n0 = $1; t0 = $2} {n = $1; t = $2}
        END {printf "append at %d payments / append at %d payments: %.2f× (%.3f s / %.3f s)\n", n, n0, (t0 > 0 ? t / t0 : 0), t, t0}'
fi
rm -f "$WORK/appends"
