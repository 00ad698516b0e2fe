#!/bin/sh
# scale.sh - speed and size at 1e5, 1e6 and 1e7 requests (make bench runs it after
# import.sh and regen.sh; the tables go into bench/README.md).
#
#   sh bench/scale.sh
#   SIZES="100000 1000000" RUNS=5 BODIES=100 sh bench/scale.sh
#
# For each size: ROWS requests over BODIES bodies and 2015-2025 (bench/gen_bodies.awk,
# deterministic), one CSV per body. Side by side, RUNS times each, the median and spread:
#   import    every body's CSV into a fresh store (one nianbao import of all the files) against
#             the sqlite3 shell's .import of the same files into a plain table; the peak
#             memory of each (GNU time), the bytes nianbao wrote (GNU time's file system
#             outputs: what the import made dirty, to be written to disk) against the
#             size of the store it made, and the store's size against the CSVs';
#   tabulate  the flow of every request by body, year, row and applicant, from the store
#             on disk to finished cells: nianbao (store:flow over every body and year, from
#             the packed columns; CPU time of the call), nianbao record by record (rows =
#             true: the records_ table, as store:query reads it), the SQL GROUP BY a user
#             would write over the records_request table (bench/flow_sql.sh, through
#             store:query: bench/sql.lua), DuckDB on
#             its own loaded table (bench/duck.mjs, when npm can install @duckdb/node-api),
#             and a C loop over packed columns in memory (bench/cloop.c). Every tool's cells
#             must be the same, or the run fails; nianbao's peak memory (GNU time);
#   report    one (body, year) report in the six data formats (xlsx, md, txt, html, csv,
#             json; the DOCX and PDF for print are not in it), wall time of the command: the
#             first after the other programs of the run (after a sync: their outputs, written
#             over the last run's, left discards that its syncs waited for), and the median
#             of the same report made nine times in a row; its peak memory;
#   regen     regen --all --to json,xlsx (every body and year; as many workers as processors,
#             regen's default), the first after the import and again with nothing changed
#             (the digests kept; the same bytes) into another folder, and into the first's
#             (every body current: left as it is), against the same reports
#             one by one with nianbao report (a sample of SAMPLE of the reports regen
#             makes: the years 2019-2025, which have a national format), per report; the
#             first run's peak memory (its largest process: wait4 reports the largest of the
#             process and the workers it waited for); and the same sample one by one with
#             the nianbao issue 10 measured ("today's per-report loop" when it was filed:
#             the program of REF_COMMIT, the last commit before that issue's work, built
#             from this clone's history into bench/data/scale/ref, over its own store of
#             the same files, made once per size and imported file by file, as the issue
#             did). Its tables must be the bytes of regen's JSON for the same reports. A
#             clone without the history skips it with a line.
# The short commands (the reports, regen, the loop) are timed by bench/walltime.c, which
# reads the clock around its fork and wait and gives the peak memory as well: the shell's
# `date` before and after added 1-2 ms to a 30 ms report. Each run's line shows the first
# report's processor time and what it read from the disk (its files this machine had
# dropped from the cache), to tell the disk, the processor and the host's noise apart. The folders the reports go to
# are removed at the start of a run, before the import, and synced: ext4 without a journal
# (this machine's) skips the inodes freed in the last 5 seconds when it allocates one, and
# after 2,200 files removed just before, a regeneration spent 15% of its time in that
# search (perf: recently_deleted, under ext4_tmpfile) - the bench's own doing, not regen's.
set -eu
cd "$(dirname "$0")/.."

SIZES=${SIZES:-100000 1000000 10000000}
RUNS=${RUNS:-5}
BODIES=${BODIES:-100}
SAMPLE=${SAMPLE:-20}
FIRST=2015
LAST=2025
NB=$(pwd)/${NB_BIN:-nianbao}
DATA=bench/data/scale
OUT=${BENCH_README:-bench/README.md}
TIME=/usr/bin/time

[ -x "$NB" ] || { echo "bench: no $NB (run make)" >&2; exit 1; }
command -v sqlite3 >/dev/null || { echo "bench: the sqlite3 shell is missing (apt-get install sqlite3)" >&2; exit 1; }
[ -x "$TIME" ] || { echo "bench: GNU time is missing (apt-get install time)" >&2; exit 1; }
mkdir -p "$DATA"
cc -O2 -o "$DATA/cloop" bench/cloop.c
cc -O2 -o "$DATA/walltime" bench/walltime.c
WT=$DATA/walltime

# DuckDB through its npm package (the binary ships inside it), when it can be installed.
DUCK=""
if command -v node >/dev/null && command -v npm >/dev/null; then
    if [ ! -d "$DATA/node/node_modules/@duckdb/node-api" ]; then
        mkdir -p "$DATA/node"
        (cd "$DATA/node" && npm install --silent --no-audit --no-fund @duckdb/node-api >/dev/null 2>&1) || true
    fi
    [ -d "$DATA/node/node_modules/@duckdb/node-api" ] && DUCK=yes
fi
[ -n "$DUCK" ] || echo "bench: DuckDB skipped (npm could not install @duckdb/node-api)"

# The reference program of issue 10's per-report loop (see above), built once.
REF_COMMIT=${REF_COMMIT:-4a89182}
REF=""
# the reference finds its scripts beside itself, not in a NIANBAO_HOME set for this one
ref() { env -u NIANBAO_HOME "$REF" "$@"; }
if [ -x "$DATA/ref/nianbao" ] && [ "$(cat "$DATA/ref/.commit" 2>/dev/null)" = "$REF_COMMIT" ]; then
    REF=$(pwd)/$DATA/ref/nianbao
elif git cat-file -e "$REF_COMMIT^{commit}" 2>/dev/null; then
    echo "building the nianbao of $REF_COMMIT (issue 10's reference) in $DATA/ref"
    rm -rf "$DATA/ref"
    mkdir -p "$DATA/ref"
    if git archive "$REF_COMMIT" | tar -x -C "$DATA/ref" &&
        make -s -C "$DATA/ref" nianbao >"$DATA/ref.log" 2>&1; then
        echo "$REF_COMMIT" >"$DATA/ref/.commit"
        REF=$(pwd)/$DATA/ref/nianbao
    else
        echo "bench: the nianbao of $REF_COMMIT did not build (see $DATA/ref.log)" >&2
        exit 1
    fi
fi
[ -n "$REF" ] || echo "bench: the loop of issue 10's nianbao skipped (no commit $REF_COMMIT in this clone's history)"

now() { date +%s.%N; }
since() { awk -v a="$1" -v b="$(now)" 'BEGIN { printf "%.4f\n", b - a }'; }
# stats FILE: "median lo hi" of the numbers in FILE
stats() { sort -g "$1" | awk '{ v[NR] = $1 } END { m = NR % 2 ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2; printf "%g %g %g\n", m, v[1], v[NR] }'; }
# ratios A B: the run-by-run ratio of A's numbers over B's, as "median lo hi"
ratios() { paste "$1" "$2" | awk '{ print $1 / $2 }' >"$1.ratio"; stats "$1.ratio"; }
# peak: the largest "maxrss KiB" GNU time (or walltime's second field) wrote into FILE, in MB
peak() { awk '{ if ($1 > m) m = $1 } END { printf "%.0f", m / 1024 }' "$1"; }
# tables FILE: the digest of a report's JSON before its checks (the older program words some
# checks otherwise)
tables() { awk 'BEGIN { RS = "\"checks\"" } NR == 1' "$1" | md5sum; }
# one_by_one PROGRAM STORE NAME: SAMPLE of the reports regen makes, one `report` each, into
# $D/NAME; each one's wall time in $D/NAME.t, their mean appended to $D/NAME.times
one_by_one() {
    mkdir -p "$D/$3"
    : >"$D/$3.t"
    k=1
    while [ "$k" -le "$SAMPLE" ]; do
        body=$(printf '机关%03d' $(( (k * 37) % BODIES + 1 )))
        "$WT" "$D/$3.t" "$1" -d "$2" report --body "$body" --year $(( 2019 + k % 7 )) --to json,xlsx \
            --out "$D/$3" >/dev/null 2>&1 || true
        k=$((k + 1))
    done
    awk -v n="$SAMPLE" '{ t += $1 } END { printf "%.5f\n", t / n }' "$D/$3.t" >>"$D/$3.times"
}
mb() { awk -v b="$1" 'BEGIN { printf "%.1f", b / 1048576 }'; }

: >"$DATA/results"
for ROWS in $SIZES; do
    D=$DATA/$ROWS
    mkdir -p "$D/csv"
    if [ ! -f "$D/csv/.done" ] || [ bench/gen_bodies.awk -nt "$D/csv/.done" ]; then
        echo "generating $ROWS requests over $BODIES bodies, $FIRST-$LAST"
        rm -f "$D"/csv/*.csv
        awk -v rows="$ROWS" -v bodies="$BODIES" -v first=$FIRST -v last=$LAST -f bench/gen_bodies.awk |
            awk -F, -v dir="$D/csv" 'NR == 1 { head = $0; next }
                { f = dir "/" $6 ".csv"; if (!(f in seen)) { seen[f] = 1; print head > f } print > f }'
        touch "$D/csv/.done"
    fi
    csv_bytes=$(cat "$D"/csv/*.csv | wc -c)
    if [ -n "$REF" ] && { [ ! -f "$D/ref.done" ] || [ ! -f "$D/ref.db" ] || [ "$D/csv/.done" -nt "$D/ref.done" ] ||
        [ "$(cat "$D/ref.done")" != "$REF_COMMIT" ]; }; then
        echo "importing $ROWS requests into the store of the nianbao of $REF_COMMIT, file by file"
        rm -f "$D/ref.db" "$D/ref.db-wal" "$D/ref.db-shm" "$D/ref.done"
        ref -d "$D/ref.db" init >/dev/null
        for f in "$D"/csv/*.csv; do
            ref -d "$D/ref.db" import request "$f" >/dev/null || { echo "bench: $REF_COMMIT's import of $f failed" >&2; exit 1; }
        done
        echo "$REF_COMMIT" >"$D/ref.done"
    fi
    for f in import import_sql tab tab_rows tab_sql tab_duck tab_c report report_rep report_all regen again current loop refloop written; do : >"$D/$f.times"; done
    for f in import sql tab report regen; do : >"$D/$f.rss"; done
    rm -f "$D/one.t" "$D/all.t" "$D/regen.t" "$D/again.t" "$D/current.t"
    i=1
    while [ "$i" -le "$RUNS" ]; do
        # ---- import ----
        rm -f "$D/s.db" "$D/s.db-wal" "$D/s.db-shm" "$D/plain.db"
        rm -rf "$D/one" "$D/onerep" "$D/all" "$D/regen" "$D/again" "$D/loop" "$D/refloop" # the last run's (see above)
        sync
        removed=$(date +%s)
        t0=$(now)
        "$NB" -d "$D/s.db" init >/dev/null
        $TIME -f "%M %O" -a -o "$D/import.rss" "$NB" -d "$D/s.db" import request "$D"/csv/*.csv >/dev/null
        since "$t0" >>"$D/import.times"
        # the bytes written over the store's size (512-byte blocks)
        awk -v s="$(stat -c %s "$D/s.db")" 'END { printf "%.3f\n", $2 * 512 / s }' "$D/import.rss" >>"$D/written.times"
        # the store's size as the import left it: its records (the regenerations below add
        # their history: the cells and checks of every report they made)
        imported_bytes=$(stat -c %s "$D/s.db")
        sync
        t0=$(now)
        { echo ".mode csv"; for f in "$D"/csv/*.csv; do echo ".import --skip 1 $f r"; done; } >"$D/import.sql"
        sqlite3 "$D/plain.db" "CREATE TABLE r(id TEXT, received TEXT, applicant TEXT, closed TEXT, outcome TEXT, body TEXT)"
        $TIME -f "%M" -a -o "$D/sql.rss" sqlite3 "$D/plain.db" <"$D/import.sql"
        since "$t0" >>"$D/import_sql.times"
        # synced, as after nianbao's import: the plain table's pages (535 MB at 1e7) were
        # still being written out under the report below, whose files wait for the disk
        # (fsync): a report of 15 ms by hand took 24-29 ms just after a copy of its store
        sync
        # ---- tabulate ----
        $TIME -f "%M" -a -o "$D/tab.rss" "$NB" -d "$D/s.db" run bench/tab.lua $FIRST $LAST packs >"$D/tab.out"
        head -1 "$D/tab.out" | cut -d' ' -f2 >>"$D/tab.times"
        tail -n +2 "$D/tab.out" | LC_ALL=C sort >"$D/cells.nb"
        "$NB" -d "$D/s.db" run bench/tab.lua $FIRST $LAST rows >"$D/tab.out"
        head -1 "$D/tab.out" | cut -d' ' -f2 >>"$D/tab_rows.times"
        tail -n +2 "$D/tab.out" | LC_ALL=C sort | cmp -s - "$D/cells.nb" || { echo "bench: record by record, other cells" >&2; exit 1; }
        sh bench/flow_sql.sh $FIRST $LAST >"$D/flow.sql"
        t0=$(now)
        # (over 1e7 records the query takes more than a script's default 300 million SQLite steps)
        "$NB" -d "$D/s.db" run --limit-instructions 100000000000 bench/sql.lua "$(cat "$D/flow.sql")" >"$D/sql.out"
        since "$t0" >>"$D/tab_sql.times"
        LC_ALL=C sort "$D/sql.out" | cmp -s - "$D/cells.nb" || { echo "bench: SQL GROUP BY, other cells" >&2; exit 1; }
        if [ -n "$DUCK" ]; then
            abs=$(cd "$D" && pwd)
            cp bench/duck.mjs "$DATA/node/duck.mjs" # ES modules resolve packages beside the script
            (cd "$DATA/node" && node duck.mjs $FIRST $LAST "$abs/csv/*.csv") >"$D/duck.out"
            head -1 "$D/duck.out" | cut -d' ' -f2 >>"$D/tab_duck.times"
            tail -n +2 "$D/duck.out" | LC_ALL=C sort | cmp -s - "$D/cells.nb" || { echo "bench: DuckDB, other cells" >&2; exit 1; }
        fi
        "$DATA/cloop" $FIRST $LAST "$D"/csv/*.csv >"$D/c.out"
        head -1 "$D/c.out" | cut -d' ' -f2 >>"$D/tab_c.times"
        tail -n +2 "$D/c.out" | LC_ALL=C sort | cmp -s - "$D/cells.nb" || { echo "bench: the C loop, other cells" >&2; exit 1; }
        # ---- one report, the six data formats ----
        # synced first: the outputs above were written over the last run's (c.out, duck.out,
        # sql.out, tab.out twice), which frees their blocks, and this file system (mounted
        # `discard`) made the report's first fsync wait for those blocks' discards: by hand,
        # a file of 10 MB written over just before a report put 11-13 ms into its syncs (2 ms
        # otherwise, and 2 ms after a new file of 10 MB); the bench's loop at 1e6 gave the
        # first report 26-28 ms against 16-18 ms of CPU, and with a sync before it 16-18 ms
        sync
        "$WT" "$D/one.t" "$NB" -d "$D/s.db" report --body 机关001 --year 2020 --to xlsx,md,txt,html,csv,json \
            --out "$D/one" >/dev/null
        tail -1 "$D/one.t" | cut -d' ' -f1 >>"$D/report.times"
        tail -1 "$D/one.t" | cut -d' ' -f2 >>"$D/report.rss"
        # the same report nine times in a row, the median of the nine: the first comes after
        # other programs (DuckDB, the C loop), which left the processor's caches to their own
        : >"$D/onerep.t"
        for k in 1 2 3 4 5 6 7 8 9; do
            rm -rf "$D/onerep"
            "$WT" "$D/onerep.t" "$NB" -d "$D/s.db" report --body 机关001 --year 2020 --to xlsx,md,txt,html,csv,json \
                --out "$D/onerep" >/dev/null
        done
        cut -d' ' -f1 "$D/onerep.t" | sort -n | sed -n 5p >>"$D/report_rep.times"
        # ---- one report, every format (the six, DOCX and PDF: report's default) ----
        "$WT" "$D/all.t" "$NB" -d "$D/s.db" report --body 机关001 --year 2020 --out "$D/all" >/dev/null
        tail -1 "$D/all.t" | cut -d' ' -f1 >>"$D/report_all.times"
        # ---- regen and the per-report loop ----
        # 6 s after the removal of the last run's folders, synced (see above)
        wait=$(( removed + 6 - $(date +%s) ))
        [ "$wait" -le 0 ] || sleep "$wait"
        "$WT" "$D/regen.t" "$NB" -d "$D/s.db" regen --all --to json,xlsx --out "$D/regen" >"$D/regen.out" 2>&1 || {
            [ $? -eq 1 ] || { tail "$D/regen.out" >&2; exit 1; }; }
        n=$(grep -o '^[0-9]* reports in' "$D/regen.out" | cut -d' ' -f1)
        tail -1 "$D/regen.t" | awk -v n="$n" '{ printf "%.5f\n", $1 / n }' >>"$D/regen.times"
        tail -1 "$D/regen.t" | cut -d' ' -f2 >>"$D/regen.rss"
        # again, nothing changed: the digests kept by the first run, every report unchanged
        "$WT" "$D/again.t" "$NB" -d "$D/s.db" regen --all --to json,xlsx --out "$D/again" >"$D/again.out" 2>&1 || {
            [ $? -eq 1 ] || { tail "$D/again.out" >&2; exit 1; }; }
        tail -1 "$D/again.t" | awk -v n="$n" '{ printf "%.5f\n", $1 / n }' >>"$D/again.times"
        diff -r "$D/regen" "$D/again" >/dev/null || { echo "bench: regen again wrote other bytes" >&2; exit 1; }
        # again into the first run's folder: every body current, left as it is
        "$WT" "$D/current.t" "$NB" -d "$D/s.db" regen --all --to json,xlsx --out "$D/regen" >"$D/current.out" 2>&1 || {
            [ $? -eq 1 ] || { tail "$D/current.out" >&2; exit 1; }; }
        tail -1 "$D/current.t" | awk -v n="$n" '{ printf "%.5f\n", $1 / n }' >>"$D/current.times"
        [ "$(grep -c ' current$' "$D/current.out")" -eq "$n" ] || { echo "bench: regen into the same folder made reports again" >&2; exit 1; }
        diff -r "$D/regen" "$D/again" >/dev/null || { echo "bench: regen into the same folder changed its files" >&2; exit 1; }
        one_by_one "$NB" "$D/s.db" loop
        if [ -n "$REF" ]; then
            (unset NIANBAO_HOME; one_by_one "$REF" "$D/ref.db" refloop) # its scripts beside it
            # the same tables: each JSON's bytes before its checks (the older program's
            # checks differ in wording)
            made=0
            for f in "$D"/refloop/*.json; do
                [ -f "$f" ] || break # none made: told below
                name=$(basename "$f")
                g=$D/regen/${name%%-*}/$name # regen/机关001/机关001-2020.json
                [ -f "$g" ] || { echo "bench: regen made no $name" >&2; exit 1; }
                [ "$(tables "$f")" = "$(tables "$g")" ] || { echo "bench: $REF_COMMIT's $name has other tables than regen's" >&2; exit 1; }
                made=$((made + 1))
            done
            want=$(ls "$D"/loop/*.json | wc -l) # the sample's (body, year) pairs, each once
            [ "$made" -eq "$want" ] || { echo "bench: $REF_COMMIT made $made of the $want reports" >&2; exit 1; }
        fi
        echo "$ROWS run $i: import $(tail -1 "$D/import.times") s (.import $(tail -1 "$D/import_sql.times") s);" \
             "tabulate $(tail -1 "$D/tab.times") s (rows $(tail -1 "$D/tab_rows.times"), GROUP BY $(tail -1 "$D/tab_sql.times")," \
             "DuckDB $(tail -1 "$D/tab_duck.times" 2>/dev/null || echo -), C $(tail -1 "$D/tab_c.times"));" \
             "report $(tail -1 "$D/report.times") s ($(tail -1 "$D/one.t" | awk '{printf "processor %.4f s, %.1f MB from the disk", $5, $4 * 512 / 1e6}'); in a row $(tail -1 "$D/report_rep.times")), every format $(tail -1 "$D/report_all.times") s; regen $(tail -1 "$D/regen.times") s/report, again $(tail -1 "$D/again.times"), current $(tail -1 "$D/current.times") (loop $(tail -1 "$D/loop.times"))"
        i=$((i + 1))
    done
    store_bytes=$imported_bytes
    history_bytes=$(stat -c %s "$D/s.db")
    pack_bytes=$(sqlite3 "$D/s.db" "SELECT sum(length(data)) FROM pack")
    {
        echo "size $ROWS"
        echo "import $(stats "$D/import.times") | $(stats "$D/import_sql.times") | $(ratios "$D/import_sql.times" "$D/import.times") | $(peak "$D/import.rss") | $(peak "$D/sql.rss") | $(stats "$D/written.times")"
        echo "tab $(stats "$D/tab.times") | $(stats "$D/tab_rows.times") | $(stats "$D/tab_sql.times") | $( [ -n "$DUCK" ] && stats "$D/tab_duck.times" || echo - - -) | $(stats "$D/tab_c.times") | $(peak "$D/tab.rss")"
        echo "tabratio $(ratios "$D/tab_sql.times" "$D/tab.times") | $( [ -n "$DUCK" ] && ratios "$D/tab_duck.times" "$D/tab.times" || echo - - -) | $(ratios "$D/tab.times" "$D/tab_c.times") | $(ratios "$D/tab_rows.times" "$D/tab.times")"
        echo "report $(stats "$D/report.times") | $(peak "$D/report.rss") | $(stats "$D/report_all.times") | $(stats "$D/report_rep.times")"
        echo "regen $(stats "$D/regen.times") | $(stats "$D/loop.times") | $(ratios "$D/loop.times" "$D/regen.times") | $(stats "$D/again.times") | $(ratios "$D/loop.times" "$D/again.times") | $(peak "$D/regen.rss") | $(stats "$D/current.times") | $(ratios "$D/loop.times" "$D/current.times") | $( [ -n "$REF" ] && stats "$D/refloop.times" || echo - - -) | $( [ -n "$REF" ] && ratios "$D/refloop.times" "$D/regen.times" || echo - - -)"
        echo "bytes $csv_bytes $store_bytes $pack_bytes $history_bytes"
    } >>"$DATA/results"
done

# ---- bench/README.md ----
awk -v runs="$RUNS" -v bodies="$BODIES" -v duck="${DUCK:-no}" -v ref="${REF:+$REF_COMMIT}" '
function f(x) { return x == "-" ? "–" : sprintf("%.3g", x) }
$1 == "size" { n++; size[n] = $2 }
$1 == "import" { split($0, p, " \\| "); imp[n] = p[1]; sqlimp[n] = p[2]; impr[n] = p[3]; rss[n] = p[4]; sqlrss[n] = p[5]; wr[n] = p[6] }
$1 == "tab" { split($0, p, " \\| "); tab[n] = p[1]; rows[n] = p[2]; sql[n] = p[3]; dk[n] = p[4]; c[n] = p[5]; tabrss[n] = p[6] }
$1 == "tabratio" { split($0, p, " \\| "); rsql[n] = p[1]; rduck[n] = p[2]; rc[n] = p[3]; rrows[n] = p[4] }
$1 == "report" { split($0, p, " \\| "); rep[n] = p[1]; reprss[n] = p[2]; repall[n] = p[3]; reprep[n] = p[4] }
$1 == "regen" { split($0, p, " \\| "); reg[n] = p[1]; loop[n] = p[2]; rreg[n] = p[3]; again[n] = p[4]; ragain[n] = p[5]; regrss[n] = p[6]; cur[n] = p[7]; rcur[n] = p[8]; rl[n] = p[9]; rrl[n] = p[10] }
$1 == "bytes" { csv[n] = $2; store[n] = $3; pack[n] = $4; hist[n] = $5 }
function med(s,   a) { split(s, a, " "); return a[1] == "import" || a[1] == "tab" || a[1] == "report" || a[1] == "regen" || a[1] == "tabratio" ? a[2] : a[1] }
function spread(s,   a, k) { k = split(s, a, " "); return a[k] == "-" ? "–" : f(a[k - 1]) "–" f(a[k]) }
END {
    print "<!-- Written by bench/scale.sh (make bench). Do not edit: run it again. -->"
    print ""
    print "# Speed and size at scale"
    print ""
    printf "Requests over %d bodies and 2015–2025, one CSV per body; medians of %d runs, the spread\n", bodies, runs
    print "(lowest–highest) of the run-by-run ratio beside each. The machine is shared: compare ratios."
    print "The store as the import left it (its records), and after the run'"'"'s regenerations (their history: the cells"
    print "and checks of every report they made, which regen compares the next run with)."
    print ""
    print "| requests | import s | `.import` s | ratio (.import/import) | peak MB (import / .import) | written / store | store MB / CSV MB | packed MB | store MB after the regenerations |"
    print "|---|---|---|---|---|---|---|---|---|"
    for (i = 1; i <= n; i++)
        printf "| %s | %s | %s | %s (%s) | %s / %s | %s× (%s) | %.1f / %.1f (%.2f×) | %.1f | %.1f |\n", size[i], f(med(imp[i])), f(med(sqlimp[i])),
            f(med(impr[i])), spread(impr[i]), rss[i], sqlrss[i], f(med(wr[i])), spread(wr[i]), store[i] / 1048576, csv[i] / 1048576, store[i] / csv[i], pack[i] / 1048576, hist[i] / 1048576
    print ""
    print "Tabulation: the flow of every request by body, year (11), row and applicant, from the store on disk to"
    print "finished cells (nianbao: CPU time of `store:flow`; the others: wall time of the query or loop). Every"
    print "tool gives the same cells."
    print ""
    print "| requests | nianbao s | record by record s | SQL GROUP BY s | DuckDB s | C loop s | GROUP BY / nianbao | DuckDB / nianbao | nianbao / C loop | nianbao peak MB |"
    print "|---|---|---|---|---|---|---|---|---|---|"
    for (i = 1; i <= n; i++)
        printf "| %s | %s | %s | %s | %s | %s | %s (%s) | %s (%s) | %s (%s) | %s |\n", size[i], f(med(tab[i])), f(med(rows[i])), f(med(sql[i])),
            f(med(dk[i])), f(med(c[i])), f(med(rsql[i])), spread(rsql[i]), f(med(rduck[i])), spread(rduck[i]), f(med(rc[i])), spread(rc[i]), tabrss[i]
    print ""
    print "Reports: one (body, year) report in all six formats (wall time of `nianbao report`: the first after the other"
    print "programs of the run, synced first (their outputs left the disk work to do), and the median of the same"
    print "nine times in a row), in every format (the six,"
    print "DOCX and PDF: `report` without `--to`), and per report:"
    print "`regen --all --to json,xlsx` (its default: a worker per processor) against `nianbao report --to json,xlsx` one by one."
    print "The import keeps every body'"'"'s digest as it writes (its records are all new), so the first regen after it reads"
    print "none of the rows; the first regen also writes the run history the second reads (the same bytes are written)."
    print "Again: into another folder, every report made again; current: into the first run'"'"'s folder, every body current,"
    print "left as it is (its manifest, its files and the store'"'"'s history read and compared). One by one: a sample of the"
    print "reports regen makes (2019–2025), with this nianbao and with the nianbao issue 10 measured (" (ref == "" ? "not run: no history" : ref) ", the last"
    print "commit before its work; its own store of the same files; the same tables as regen'"'"'s JSON)."
    print ""
    print "| requests | one report s | in a row s | every format s | regen s per report (first after import) | again s per report | current s per report | one by one s per report | ratio (one by one / first) | ratio (one by one / again) | ratio (one by one / current) | issue 10'"'"'s one by one s per report | ratio (issue 10'"'"'s one by one / first) | peak MB (one report / regen) |"
    print "|---|---|---|---|---|---|---|---|---|---|---|---|---|---|"
    for (i = 1; i <= n; i++)
        printf "| %s | %s | %s | %s | %s | %s | %s | %s | %s (%s) | %s (%s) | %s (%s) | %s | %s (%s) | %s / %s |\n", size[i], f(med(rep[i])), f(med(reprep[i])), f(med(repall[i])), f(med(reg[i])), f(med(again[i])), f(med(cur[i])), f(med(loop[i])),
            f(med(rreg[i])), spread(rreg[i]), f(med(ragain[i])), spread(ragain[i]), f(med(rcur[i])), spread(rcur[i]), f(med(rl[i])), f(med(rrl[i])), spread(rrl[i]), reprss[i], regrss[i]
}' "$DATA/results" >"$OUT"
cat "$OUT"
