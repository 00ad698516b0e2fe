#!/bin/sh
# test_golden.sh - the Shenhe 2020 (2019 format) and 2021 (2021 format) reports in every
# format, and their check files, equal the reviewed golden files; a report is byte-identical
# when made twice, and its XLSX reads back right with openpyxl.
# UPDATE_GOLDEN=1 sh tests/cli/test_golden.sh rewrites the golden files (review them!).
NB_BIN=${NB_BIN:-./nianbao}
ok_if() { # status name [detail]
    if [ "$1" -eq 0 ]; then echo "ok - $2"; else echo "not ok - $2${3:+ ($3)}"; fi
}
T=$(mktemp -d)
trap 'rm -rf "$T"' EXIT
DEMO_OUT=$T/a NB_BIN=$NB_BIN sh examples/shenhe/demo.sh >"$T/demo.log" 2>&1
ok_if $? "make demo's script builds the Shenhe store and report"
$NB_BIN -d "$T/a/shenhe.db" report --body 沈阳市沈河区人民政府 --year 2021 --checks --out "$T/a" >"$T/2021.log" 2>&1
ok_if $? "the Shenhe 2021 report (the 2021 format)"
python3=/usr/bin/python3
# Each year's report in every form: the text forms as they are, the zipped ones (XLSX,
# DOCX) unzipped with one XML tag per line, the PDF as pdftotext -layout reads it; and
# the check file as text.
for year in 2020 2021; do
    G=tests/golden/shenhe-$year
    NAME=沈阳市沈河区人民政府-$year
    mkdir -p "$G"
    for ext in md txt html json; do
        f=$NAME.$ext
        if [ -n "$UPDATE_GOLDEN" ]; then cp "$T/a/$f" "$G/report.$ext"; fi
        cmp -s "$T/a/$f" "$G/report.$ext"
        ok_if $? "$year golden $ext" "diff: $(diff "$G/report.$ext" "$T/a/$f" | head -5)"
    done
    for t in active requests appeals; do
        if [ -n "$UPDATE_GOLDEN" ]; then cp "$T/a/$NAME-$t.csv" "$G/$t.csv"; fi
        cmp -s "$T/a/$NAME-$t.csv" "$G/$t.csv"
        ok_if $? "$year golden csv $t"
    done
    for ext in xlsx docx; do
        $python3 tests/golden/dump_xlsx.py "$T/a/$NAME.$ext" >"$T/$year.$ext.txt"
        if [ -n "$UPDATE_GOLDEN" ]; then cp "$T/$year.$ext.txt" "$G/report.$ext.txt"; fi
        cmp -s "$T/$year.$ext.txt" "$G/report.$ext.txt"
        ok_if $? "$year golden $ext (unzipped XML)" "diff: $(diff "$G/report.$ext.txt" "$T/$year.$ext.txt" | head -5)"
    done
    pdftotext -layout "$T/a/$NAME.pdf" "$T/$year.pdf.txt"
    if [ -n "$UPDATE_GOLDEN" ]; then cp "$T/$year.pdf.txt" "$G/report.pdf.txt"; fi
    cmp -s "$T/$year.pdf.txt" "$G/report.pdf.txt"
    ok_if $? "$year golden pdf (pdftotext -layout)" "diff: $(diff "$G/report.pdf.txt" "$T/$year.pdf.txt" | head -5)"
    if [ -n "$UPDATE_GOLDEN" ]; then cp "$T/a/$NAME-检查结果.txt" "$G/checks.txt"; fi
    cmp -s "$T/a/$NAME-检查结果.txt" "$G/checks.txt"
    ok_if $? "$year golden check file (text)" "diff: $(diff "$G/checks.txt" "$T/a/$NAME-检查结果.txt" | head -5)"
done
NAME=沈阳市沈河区人民政府-2020

# Same input, same bytes: the report again from the same store.
$NB_BIN -d "$T/a/shenhe.db" report --body 沈阳市沈河区人民政府 --year 2020 --checks --out "$T/b" >/dev/null
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
