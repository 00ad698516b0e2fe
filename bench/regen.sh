#!/bin/sh
# regen.sh - regeneration benchmark: nianbao regen of every body and year against the
# same reports made one by one with nianbao report, side by side in the same run.
#
#   sh bench/regen.sh            (make bench runs it after the import benchmark)
#   ROWS=1000000 BODIES=100 RUNS=5 SAMPLE=20 JOBS=2 sh bench/regen.sh
#
# The store: ROWS requests over BODIES bodies and 2019-2025 (7 years: 700 reports),
# imported once from one file with a 机关 column (the rows name the bodies in turn: its time and
# peak memory are printed, once). Each run times `regen --all --jobs 1 --to
# json,xlsx` (one process) into a fresh folder (it prints its CPU time split into tabulation, layout
# and checks, and export), then `report --to json,xlsx` of SAMPLE of the same reports one
# by one; the ratio is the per-report time of the loop over regen's. Then the same regen
# with --jobs JOBS (default: the number of processors, as regen without --jobs) into another folder, whose files
# must be the same bytes. The table gives the medians and the ratios' spread.
set -eu
cd "$(dirname "$0")/.."

ROWS=${ROWS:-1000000}
BODIES=${BODIES:-100}
RUNS=${RUNS:-5}
SAMPLE=${SAMPLE:-20}
JOBS=${JOBS:-$(nproc)}
NB=${NB_BIN:-./nianbao}
DATA=bench/data
CSV=$DATA/bodies-$ROWS-$BODIES.csv
DB=$DATA/regen.db

[ -x "$NB" ] || { echo "bench: no $NB (run make)" >&2; exit 1; }
[ -x /usr/bin/time ] || { echo "bench: GNU time is missing (apt-get install time)" >&2; exit 1; }
mkdir -p "$DATA"
if [ ! -f "$CSV" ] || [ bench/gen_bodies.awk -nt "$CSV" ]; then
    echo "generating $CSV"
    awk -v rows="$ROWS" -v bodies="$BODIES" -v first=2019 -v last=2025 -f bench/gen_bodies.awk >"$CSV.tmp"
    mv "$CSV.tmp" "$CSV"
fi
rm -f "$DB" "$DB-wal" "$DB-shm"
"$NB" -d "$DB" init >/dev/null
# the import of the one file whose rows name the bodies in turn, once: its time and peak memory
/usr/bin/time -f "%e %M" -o "$DATA/regen-import.rss" "$NB" -d "$DB" import request "$CSV" >"$DATA/regen-import.out" 2>&1 || {
    cat "$DATA/regen-import.out" >&2; exit 1; }

now() { date +%s.%N; }
since() { awk -v a="$1" -v b="$(now)" 'BEGIN { printf "%.3f\n", b - a }'; }

: >"$DATA/regen.times"
i=1
while [ "$i" -le "$RUNS" ]; do
    rm -rf "$DATA/regen-out" "$DATA/report-out" "$DATA/regen-jobs"
    # synced, and 6 s given: ext4 without a journal skips the inodes freed in the last 5
    # seconds when it allocates one (see bench/scale.sh)
    sync
    sleep 6
    t0=$(now)
    "$NB" -d "$DB" regen --all --jobs 1 --to json,xlsx --out "$DATA/regen-out" >"$DATA/regen.out" 2>&1 || {
        [ $? -eq 1 ] || { tail "$DATA/regen.out" >&2; exit 1; }; }
    regen=$(since "$t0")
    n=$(grep -o '^[0-9]* reports in' "$DATA/regen.out" | cut -d' ' -f1)
    split=$(grep -o 'CPU: .*' "$DATA/regen.out")
    mkdir -p "$DATA/report-out"
    t0=$(now)
    k=0
    for b in $(seq 1 "$SAMPLE"); do
        body=$(printf '机关%03d' $(( (b * 37) % BODIES + 1 )))
        year=$(( 2019 + b % 7 ))
        "$NB" -d "$DB" report --body "$body" --year "$year" --to json,xlsx --out "$DATA/report-out" >/dev/null 2>&1 || true
        k=$((k + 1))
    done
    loop=$(since "$t0")
    t0=$(now)
    "$NB" -d "$DB" regen --all --jobs "$JOBS" --to json,xlsx --out "$DATA/regen-jobs" >"$DATA/regen-jobs.out" 2>&1 || {
        [ $? -eq 1 ] || { tail "$DATA/regen-jobs.out" >&2; exit 1; }; }
    jobs=$(since "$t0")
    diff -r "$DATA/regen-out" "$DATA/regen-jobs" >/dev/null || { echo "bench: regen --jobs $JOBS wrote other bytes" >&2; exit 1; }
    echo "$regen $n $loop $k $jobs $split" >>"$DATA/regen.times"
    echo "run $i: regen $n reports ${regen}s ($split); report one by one: $k in ${loop}s; regen --jobs $JOBS ${jobs}s"
    i=$((i + 1))
done

awk '
{ regen[NR] = $1; n = $2; per_regen[NR] = $1 / $2 * 1000; per_loop[NR] = $3 / $4 * 1000
  ratio[NR] = per_loop[NR] / per_regen[NR]; jobs[NR] = $5; jratio[NR] = $1 / $5
  tab[NR] = $8; lay[NR] = $13; exp_[NR] = $16 }
function median(a, m,   i, j, t, b) {
    for (i = 1; i <= m; i++) b[i] = a[i]
    for (i = 1; i <= m; i++) for (j = i + 1; j <= m; j++) if (b[j] < b[i]) { t = b[i]; b[i] = b[j]; b[j] = t }
    return m % 2 ? b[(m + 1) / 2] : (b[m / 2] + b[m / 2 + 1]) / 2
}
function lo(a, m,   i, x) { x = a[1]; for (i = 2; i <= m; i++) if (a[i] < x) x = a[i]; return x }
function hi(a, m,   i, x) { x = a[1]; for (i = 2; i <= m; i++) if (a[i] > x) x = a[i]; return x }
END {
    printf "\n| %d reports (%s requests, %s bodies x 7 years), %d runs | median |\n|---|---|\n", n, ROWS, BODIES, NR
    printf "| regen --all --jobs 1 --to json,xlsx, wall | %.2f s |\n", median(regen, NR)
    printf "| of which CPU: tabulation (every kind, every body and year, one pass) | %.2f s |\n", median(tab, NR)
    printf "| of which CPU: layout and checks | %.2f s |\n", median(lay, NR)
    printf "| of which CPU: export | %.2f s |\n", median(exp_, NR)
    printf "| regen --all --jobs %d, wall (the same bytes) | %.2f s |\n", JOBS, median(jobs, NR)
    printf "| per report: regen | %.1f ms |\n", median(per_regen, NR)
    printf "| per report: nianbao report --to json,xlsx, one by one | %.1f ms |\n", median(per_loop, NR)
    printf "\nratio (one-by-one time per report over regen'"'"'s), run by run: median %.1f, spread %.1f-%.1f over %d runs\n",
        median(ratio, NR), lo(ratio, NR), hi(ratio, NR), NR
    printf "ratio (regen wall over regen --jobs %d wall), run by run: median %.2f, spread %.2f-%.2f over %d runs\n",
        JOBS, median(jratio, NR), lo(jratio, NR), hi(jratio, NR), NR
}' ROWS="$ROWS" BODIES="$BODIES" JOBS="$JOBS" "$DATA/regen.times"
awk -v rows="$ROWS" -v bodies="$BODIES" 'END { printf "\nimport of the store'"'"'s one file (%s requests, the %s bodies row by row in turn), once: %.2f s, peak %.0f MB\n", rows, bodies, $1, $2 / 1024 }' "$DATA/regen-import.rss"
