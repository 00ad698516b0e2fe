#!/bin/sh
# import.sh - import benchmark: nianbao init + import against the sqlite3 shell's .import.
#
#   sh bench/import.sh            (make bench builds first, then runs this)
#   ROWS=100000 RUNS=5 sh bench/import.sh
#
# Both load the same generated request CSV into a fresh database file, RUNS times each
# (interleaved, the page cache warm, dirty pages synced before every run). nianbao maps
# the headers, parses the dates, codes the categories, validates every row and keeps the
# raw values, in one transaction; .import stores the text as it is. The table at the end
# gives the best and the median wall time of each, and the ratio of the two (.import's
# time over nianbao's, > 1: nianbao is faster) run by run: its median and its spread.
# Then the same rows as a workbook saved the way Excel saves one (bench/csv2xlsx.c: shared
# strings, date cells), imported by nianbao side by side with the CSV: the ratio of the
# CSV's time over the workbook's (the target: at least 0.5). Last, re-imports of a file
# already imported, against the same run's .import: the same file again (every row found
# unchanged, nothing written), and the file with one row added at the top (every row
# updated: its line moved); and a file whose rows name 100 bodies in turn (regen.sh's),
# imported, then a copy of it with every tenth row's outcome changed re-imported over it
# (every row found in another file: updated; a tenth with another outcome), against
# .import of that copy.
set -eu
cd "$(dirname "$0")/.."

ROWS=${ROWS:-1000000}
RUNS=${RUNS:-5}
NB=${NB_BIN:-./nianbao}
DATA=bench/data
CSV=$DATA/requests-$ROWS.csv
NBDB=$DATA/bench.db
PLAINDB=$DATA/plain.db

if ! command -v sqlite3 >/dev/null 2>&1; then
    echo "bench: the sqlite3 shell is missing; install it with:" >&2
    echo "  sudo apt-get install sqlite3" >&2
    exit 1
fi
if [ ! -x "$NB" ]; then
    echo "bench: no $NB (run make)" >&2
    exit 1
fi
case $(date +%N) in
*[!0-9]* | '')
    echo "bench: date +%N does not give nanoseconds (GNU date needed)" >&2
    exit 1 ;;
esac

mkdir -p "$DATA"
if [ ! -f "$CSV" ] || [ bench/gen_requests.awk -nt "$CSV" ]; then
    echo "generating $CSV"
    awk -v rows="$ROWS" -f bench/gen_requests.awk >"$CSV.tmp"
    mv "$CSV.tmp" "$CSV"
fi
XLSX=$DATA/requests-$ROWS.xlsx
if [ ! -f "$XLSX" ] || [ "$CSV" -nt "$XLSX" ] || [ bench/csv2xlsx.c -nt "$XLSX" ]; then
    echo "making $XLSX"
    cc -O2 -o "$DATA/csv2xlsx" bench/csv2xlsx.c $(pkg-config --cflags --libs xlsxwriter)
    "$DATA/csv2xlsx" "$CSV" "$XLSX.tmp.xlsx"
    mv "$XLSX.tmp.xlsx" "$XLSX"
fi
cat "$CSV" "$XLSX" >/dev/null # into the page cache before the first run

now() { date +%s.%N; }
since() { awk -v a="$1" -v b="$(now)" 'BEGIN { printf "%.3f\n", b - a }'; }
fresh() { rm -f "$1" "$1-wal" "$1-shm" "$1-journal"; }

run_nianbao() { # [FILE]: the CSV, or the workbook
    fresh "$NBDB"
    sync
    t0=$(now)
    "$NB" -d "$NBDB" init >/dev/null
    # GNU time's file system outputs: the bytes the import made dirty (512-byte blocks)
    /usr/bin/time -f "%O" -o "$DATA/import.io" \
        "$NB" -d "$NBDB" import --body 基准机关 request "${1:-$CSV}" >"$DATA/import.out" 2>&1 || {
        cat "$DATA/import.out" >&2
        echo "bench: nianbao import failed" >&2
        exit 1
    }
    since "$t0"
    [ -n "${1:-}" ] || awk -v s="$(stat -c %s "$NBDB")" '{ printf " %.3f", $1 * 512 / s }' "$DATA/import.io" >>"$DATA/written"
    grep -q "$ROWS rows read, $ROWS inserted, 0 updated, 0 unchanged, 0 refused" "$DATA/import.out" || {
        cat "$DATA/import.out" >&2
        echo "bench: nianbao did not insert $ROWS rows" >&2
        exit 1
    }
}

run_sqlite3() {
    fresh "$PLAINDB"
    sync
    t0=$(now)
    sqlite3 "$PLAINDB" <<EOF
.mode csv
.import $CSV requests
EOF
    since "$t0"
    n=$(sqlite3 "$PLAINDB" 'SELECT count(*) FROM requests')
    [ "$n" = "$ROWS" ] || {
        echo "bench: sqlite3 .import stored $n rows, not $ROWS" >&2
        exit 1
    }
}

REDB=$DATA/reimport.db
RECSV=$DATA/reimport.csv
SHIFTED=$DATA/requests-$ROWS-shifted.csv
if [ ! -f "$SHIFTED" ] || [ "$CSV" -nt "$SHIFTED" ]; then
    { head -1 "$CSV"; echo "0,2019-01-01,自然人,,,"; tail -n +2 "$CSV"; } >"$SHIFTED"
fi

# the rows of 100 bodies in turn (regen.sh makes the same file), and a copy with every
# tenth row's outcome changed (1 and 2 swapped, else 1): a city's export of the next month
BODIES_CSV=$DATA/bodies-$ROWS-100.csv
CHANGED=$DATA/bodies-$ROWS-100-changed.csv
if [ ! -f "$BODIES_CSV" ] || [ bench/gen_bodies.awk -nt "$BODIES_CSV" ]; then
    echo "generating $BODIES_CSV"
    awk -v rows="$ROWS" -v bodies=100 -v first=2019 -v last=2025 -f bench/gen_bodies.awk >"$BODIES_CSV.tmp"
    mv "$BODIES_CSV.tmp" "$BODIES_CSV"
fi
if [ ! -f "$CHANGED" ] || [ "$BODIES_CSV" -nt "$CHANGED" ]; then
    awk -F, -v OFS=, 'NR > 1 && NR % 10 == 0 && $5 != "" { $5 = $5 == "1" ? "2" : "1" } { print }' \
        "$BODIES_CSV" >"$CHANGED.tmp"
    mv "$CHANGED.tmp" "$CHANGED"
fi
cat "$BODIES_CSV" "$CHANGED" >/dev/null
MANYDB=$DATA/reimport-bodies.db

run_many() { # the changed copy re-imported over the bodies' rows: its time; peak KB in $DATA/many.rss
    fresh "$MANYDB"
    "$NB" -d "$MANYDB" init >/dev/null
    "$NB" -d "$MANYDB" import request "$BODIES_CSV" >"$DATA/import.out" 2>&1 || {
        cat "$DATA/import.out" >&2; echo "bench: nianbao import failed" >&2; exit 1; }
    sync
    t0=$(now)
    /usr/bin/time -f "%M" -a -o "$DATA/many.rss" "$NB" -d "$MANYDB" import request "$CHANGED" >"$DATA/import.out" 2>&1 || {
        cat "$DATA/import.out" >&2; echo "bench: nianbao re-import failed" >&2; exit 1; }
    since "$t0"
    grep -q "$ROWS rows read, 0 inserted, $ROWS updated, 0 unchanged, 0 refused" "$DATA/import.out" || {
        cat "$DATA/import.out" >&2
        echo "bench: the re-import of the changed rows did not update $ROWS rows" >&2
        exit 1
    }
}

run_sqlite3_changed() {
    fresh "$PLAINDB"
    sync
    t0=$(now)
    sqlite3 "$PLAINDB" <<EOF
.mode csv
.import $CHANGED requests
EOF
    since "$t0"
}

reimport() { # FILE WANT: imports FILE as $RECSV into $REDB, its summary WANT
    cp "$1" "$RECSV"
    sync
    t0=$(now)
    "$NB" -d "$REDB" import --body 基准机关 request "$RECSV" >"$DATA/import.out" 2>&1 || {
        cat "$DATA/import.out" >&2
        echo "bench: nianbao re-import failed" >&2
        exit 1
    }
    since "$t0"
    grep -q "$2" "$DATA/import.out" || {
        cat "$DATA/import.out" >&2
        echo "bench: the re-import's summary is not '$2'" >&2
        exit 1
    }
}

[ -x /usr/bin/time ] || { echo "bench: GNU time is missing (apt-get install time)" >&2; exit 1; }
: >"$DATA/written"
nb_times=""
sq_times=""
x_times=""
same_times=""
moved_times=""
many_times=""
sqc_times=""
: >"$DATA/many.rss"
i=1
while [ "$i" -le "$RUNS" ]; do
    t=$(run_nianbao)
    nb_times="$nb_times $t"
    s=$(run_sqlite3)
    sq_times="$sq_times $s"
    x=$(run_nianbao "$XLSX")
    x_times="$x_times $x"
    fresh "$REDB"
    "$NB" -d "$REDB" init >/dev/null
    reimport "$CSV" "$ROWS rows read, $ROWS inserted" >/dev/null
    same=$(reimport "$CSV" "$ROWS rows read, 0 inserted, 0 updated, $ROWS unchanged, 0 refused")
    same_times="$same_times $same"
    moved=$(reimport "$SHIFTED" "$((ROWS + 1)) rows read, 1 inserted, $ROWS updated, 0 unchanged")
    moved_times="$moved_times $moved"
    many=$(run_many)
    many_times="$many_times $many"
    sc=$(run_sqlite3_changed)
    sqc_times="$sqc_times $sc"
    echo "run $i: nianbao $t s, sqlite3 .import $s s; nianbao, the same rows as XLSX: $x s;" \
        "re-imports: the same file $same s, every row moved $moved s," \
        "100 bodies' rows changed $many s (.import of them $sc s)"
    i=$((i + 1))
done

cpu=$(awk -F': *' '/^model name/ { print $2; exit }' /proc/cpuinfo 2>/dev/null || true)
cores=$(getconf _NPROCESSORS_ONLN 2>/dev/null || echo '?')
size=$(wc -c <"$CSV" | awk '{ printf "%.0f MB", $1 / 1e6 }')

echo
echo "import of $ROWS request rows ($size CSV), $RUNS runs each"
echo "machine: $cores cores${cpu:+, $cpu}; SQLite $(sqlite3 --version | cut -d' ' -f1)"
echo
awk -v rows="$ROWS" -v nb="$nb_times" -v sq="$sq_times" -v xl="$x_times" \
    -v same="$same_times" -v moved="$moved_times" -v written="$(cat "$DATA/written")" \
    -v many="$many_times" -v sqc="$sqc_times" -v manyrss="$(sort -n "$DATA/many.rss" | tail -1)" '
function sort(a, n,    i, j, t) {
    for (i = 2; i <= n; i++)
        for (j = i; j > 1 && a[j - 1] > a[j]; j--) {
            t = a[j]; a[j] = a[j - 1]; a[j - 1] = t
        }
}
function median(a, n) {
    return n % 2 ? a[(n + 1) / 2] : (a[n / 2] + a[n / 2 + 1]) / 2
}
BEGIN {
    n = split(nb, a, " ")
    m = split(sq, b, " ")
    for (i = 1; i <= n; i++) r[i] = b[i] / a[i]   # run by run, side by side
    sort(a, n); sort(b, m); sort(r, n)
    printf "%-26s %8s %10s %16s\n", "", "best s", "median s", "rows/s (median)"
    printf "%-26s %8.3f %10.3f %16.0f\n", "nianbao init + import", a[1], median(a, n), rows / median(a, n)
    printf "%-26s %8.3f %10.3f %16.0f\n", "sqlite3 .import", b[1], median(b, m), rows / median(b, m)
    printf "\nratio (.import time / nianbao time, run by run): median %.2f, spread %.2f-%.2f over %d runs\n",
        median(r, n), r[1], r[n], n
    k = split(written, w, " "); sort(w, k)
    printf "bytes the import wrote / the store'"'"'s size: median %.2f, spread %.2f-%.2f\n", median(w, k), w[1], w[k]
    split(nb, a, " "); k = split(xl, x, " ")
    for (i = 1; i <= k; i++) q[i] = a[i] / x[i]   # the CSV over the XLSX, run by run
    sort(x, k); sort(q, k)
    printf "nianbao import of the same rows as XLSX: median %.3f s (%.0f rows/s)\n", median(x, k), rows / median(x, k)
    printf "ratio (CSV time / XLSX time, run by run): median %.2f, spread %.2f-%.2f over %d runs\n",
        median(q, k), q[1], q[k], k
    split(sq, b, " ")
    reimport("the same file again (every row unchanged)", same, b)
    reimport("one row added at the top (every row updated)", moved, b)
    split(sqc, b, " ")
    reimport("100 bodies in turn, every tenth row changed, from another file (every row updated), against .import of it", many, b)
    printf "  its peak memory: %.0f MB\n", manyrss / 1024
}
function reimport(what, times, b,    t, k, i, q) {
    k = split(times, t, " ")
    for (i = 1; i <= k; i++) q[i] = b[i] / t[i]   # .import over the re-import, run by run
    sort(t, k); sort(q, k)
    printf "re-import, %s: median %.3f s; ratio (.import time / its time): median %.2f, spread %.2f-%.2f\n",
        what, median(t, k), median(q, k), q[1], q[k]
}'
