#!/bin/sh
# test_golden.sh - the Shenhe 2020 report in every format equals the reviewed golden files,
# is byte-identical when made twice, and its XLSX reads back right with openpyxl.
# UPDATE_GOLDEN=1 sh tests/cli/test_golden.sh rewrites the golden files (review them!).
NB_BIN=${NB_BIN:-./nianbao}
ok_if() { # status name [detail]
    if [ "$1" -eq 0 ]; then echo "ok - $2"; else echo "not ok - $2${3:+ ($3)}"; fi
}
G=tests/golden/shenhe-2020
T=$(mktemp -d)
trap 'rm -rf "$T"' EXIT
NAME=沈阳市沈河区人民政府-2020
DEMO_OUT=$T/a NB_BIN=$NB_BIN sh examples/shenhe/demo.sh >"$T/demo.log" 2>&1
ok_if $? "make demo's script builds the Shenhe store and report"
python3=/usr/bin/python3
for ext in md txt html json; do
    f=$NAME.$ext
    if [ -n "$UPDATE_GOLDEN" ]; then cp "$T/a/$f" "$G/report.$ext"; fi
    cmp -s "$T/a/$f" "$G/report.$ext"
    ok_if $? "golden $ext" "diff: $(diff "$G/report.$ext" "$T/a/$f" | head -5)"
done
for t in active requests appeals; do
    if [ -n "$UPDATE_GOLDEN" ]; then cp "$T/a/$NAME-$t.csv" "$G/$t.csv"; fi
    cmp -s "$T/a/$NAME-$t.csv" "$G/$t.csv"
    ok_if $? "golden csv $t"
done
$python3 tests/golden/dump_xlsx.py "$T/a/$NAME.xlsx" >"$T/xlsx.txt"
if [ -n "$UPDATE_GOLDEN" ]; then cp "$T/xlsx.txt" "$G/report.xlsx.txt"; fi
cmp -s "$T/xlsx.txt" "$G/report.xlsx.txt"
ok_if $? "golden xlsx (unzipped XML)" "diff: $(diff "$G/report.xlsx.txt" "$T/xlsx.txt" | head -5)"

# Same input, same bytes: the report again from the same store.
$NB_BIN -d "$T/a/shenhe.db" report --body 沈阳市沈河区人民政府 --year 2020 --out "$T/b" >/dev/null
same=0
for f in "$T"/a/$NAME*; do
    cmp -s "$f" "$T/b/$(basename "$f")" || { same=1; echo "# differs: $(basename "$f")"; }
done
ok_if $same "a second report from the same store is byte-identical in every format"

$python3 tests/golden/check_xlsx.py "$T/a/$NAME.xlsx"
ok_if $? "XLSX read back with openpyxl"

# Every number of the seed's three tables, typed by hand from the published report.
$python3 - "$T/a/$NAME.json" examples/shenhe/expected-2020.json <<'PY'
import json, sys
got = json.load(open(sys.argv[1]))["tables"]
want = json.load(open(sys.argv[2]))
for t in want:
    bad = [(r, c, got[t].get(r, {}).get(c), v) for r in want[t] for c, v in want[t][r].items()
           if got[t].get(r, {}).get(c) != v]
    n = sum(len(want[t][r]) for r in want[t])
    print(("ok - " if not bad else "not ok - ") + "seed %s: %d cells equal the published report%s"
          % (t, n, "" if not bad else " " + str(bad[:5])))
PY
