#!/usr/bin/env bash
# Throughput of `jixiao verify` over many ledgers, on one core and on every core.
#
# usage: scripts/bench-many.sh [SMALL] [BIG] [BIG_PAYMENTS]
#        (default: 1000 seed-sized ledgers; 10 ledgers of the seed plus 100000 payments)
# env:   RUNS (default 3), WORK (default a temporary directory, removed at the end),
#        BIN (a jixiao binary to measure instead of building this checkout's release binary),
#        JOBS (default "1 2 4": the --jobs values measured on all cores)
#
# Builds the seed ledger (`jixiao demo --keep`, 158 entries) and copies it SMALL times into one
# directory; builds the seed ledger with BIG_PAYMENTS budget payments imported as one CSV batch
# (scripts/gen-payments.py) and copies it BIG times into another. (Copies: the same bytes
# verified again; the file cache holds them after the first run, as it would for a bureau's
# recently received files.) Then, for each directory, runs `jixiao verify DIR --json` RUNS
# times pinned to one core (`taskset -c 0`, --jobs 1) and on all cores with each --jobs value,
# and prints the median wall time, ledgers/s, entries/s, the peak resident memory and the
# throughput as a multiple of the single-core run's, and the median CPU time (user + system)
# the run took: on a machine shared with other work, the wall-clock ratio says how much of the
# machine the run got, the CPU time how much work each layout costs.
set -euo pipefail
cd "$(dirname "$0")/.."
SMALL=${1:-1000}
BIG=${2:-10}
BIG_PAYMENTS=${3:-100000}
RUNS=${RUNS:-3}
JOBS=${JOBS:-"1 2 4"}
if [ -z "${WORK:-}" ]; then
    WORK=$(mktemp -d)
    trap 'rm -rf "$WORK"' EXIT
fi
mkdir -p "$WORK"
command -v /usr/bin/time >/dev/null || { echo "needs /usr/bin/time (apt-get install time)" >&2; exit 2; }
command -v taskset >/dev/null || { echo "needs taskset (util-linux)" >&2; exit 2; }
if [ -z "${BIN:-}" ]; then
    cargo build --release --quiet --bin jixiao
    BIN=$PWD/target/release/jixiao
fi
export JIXIAO_TIME=2023-03-01T10:00:00Z
CORES=$(nproc)

median() { sort -g | awk '{a[NR]=$1} END {print (NR%2)?a[(NR+1)/2]:(a[NR/2]+a[NR/2+1])/2}'; }

# run NAME DIR LEDGERS ENTRIES BASE_RATE PREFIX...: prints one line, echoes the median rate
measure() {
    local name=$1 dir=$2 ledgers=$3 entries=$4; shift 4
    local t=() m=() c=()
    for _ in $(seq "$RUNS"); do
        /usr/bin/time -f "%e %M %U %S" -o "$WORK/time" "$@" verify "$dir" --json >"$WORK/out" 2>"$WORK/err" || {
            # exit 1: the seed ledgers carry an unacknowledged finding; anything else is a failure
            rc=$?; [ $rc -eq 1 ] || { echo "$name failed ($rc):" >&2; cat "$WORK/err" >&2; exit 1; }
        }
        n=$(grep -vc '^{"summary"' "$WORK/out" || true)
        [ "$n" -eq "$ledgers" ] || { echo "$name: $n rows, expected $ledgers" >&2; exit 1; }
        read -r secs kb user sys < <(tail -1 "$WORK/time")
        t+=("$secs"); m+=("$kb"); c+=("$(awk -v u="$user" -v s="$sys" 'BEGIN {print u + s}')")
    done
    local s mem cpu
    s=$(printf '%s\n' "${t[@]}" | median)
    mem=$(printf '%s\n' "${m[@]}" | median)
    cpu=$(printf '%s\n' "${c[@]}" | median)
    awk -v n="$name" -v s="$s" -v l="$ledgers" -v e="$entries" -v k="$mem" -v c="$cpu" -v b="${BASE:-0}" 'BEGIN {
        r = (s > 0 ? l / s : 0);
        printf "  %-22s %7.2f s  cpu %7.2f s  %8.1f ledgers/s  %10.0f entries/s  peak %6.1f MB", n, s, c, r, (s > 0 ? e / s : 0), k / 1024;
        if (b > 0) printf "  %.2f× one core", r / b;
        printf "\n" }'
    awk -v s="$s" -v l="$ledgers" 'BEGIN {print (s > 0 ? l / s : 0)}' >"$WORK/rate"
}

# --jobs goes after the subcommand: wrap the binary.
cat >"$WORK/jobs.sh" <<'WRAP'
#!/usr/bin/env bash
# jobs.sh BIN N verify DIR --json → BIN verify DIR --json --jobs N
bin=$1 n=$2; shift 2
exec "$bin" "$@" --jobs "$n"
WRAP
chmod +x "$WORK/jobs.sh"
bench() { # DIR LEDGERS ENTRIES_EACH
    local dir=$1 ledgers=$2 each=$3
    local entries=$((ledgers * each))
    echo "== $ledgers ledgers of $each entries ($(du -sm "$dir" | cut -f1) MB), $CORES cores, load $(cut -d' ' -f1-3 /proc/loadavg)"
    BASE=0 measure "one core, --jobs 1" "$dir" "$ledgers" "$entries" taskset -c 0 "$WORK/jobs.sh" "$BIN" 1
    BASE=$(cat "$WORK/rate")
    for j in $JOBS; do
        BASE=$BASE measure "all cores, --jobs $j" "$dir" "$ledgers" "$entries" "$WORK/jobs.sh" "$BIN" "$j"
    done
}

seed="$WORK/seed"
rm -rf "$seed" && "$BIN" demo --keep "$seed" >/dev/null
small="$WORK/small"
rm -rf "$small" && mkdir -p "$small"
for i in $(seq -w 1 "$SMALL"); do cp "$seed/conghua-2022.jixiao" "$small/d$i.jixiao"; done
bench "$small" "$SMALL" 158

big_src="$WORK/bigsrc"
rm -rf "$big_src" && "$BIN" demo --keep "$big_src" >/dev/null
python3 scripts/gen-payments.py "$BIG_PAYMENTS" "$WORK/pay.csv"
"$BIN" import "$big_src/conghua-2022.jixiao" "$WORK/pay.csv" --key "$big_src/recorder.key" >/dev/null
rm -f "$WORK/pay.csv"
big="$WORK/big"
rm -rf "$big" && mkdir -p "$big"
for i in $(seq -w 1 "$BIG"); do cp "$big_src/conghua-2022.jixiao" "$big/d$i.jixiao"; done
bench "$big" "$BIG" $((158 + BIG_PAYMENTS))
