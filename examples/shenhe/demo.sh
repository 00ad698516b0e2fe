#!/bin/sh
# demo.sh - builds the Shenhe example store from its files and writes the 2020 report into out/.
# Run from the repository root (make demo does).
set -e
NB=${NB_BIN:-./nianbao}
EX=examples/shenhe
OUT=${DEMO_OUT:-out}
DB=${DEMO_DB:-$OUT/shenhe.db}
BODY=沈阳市沈河区人民政府
mkdir -p "$OUT"
rm -f "$DB" "$DB-wal" "$DB-shm"
$NB -d "$DB" init
for kind in request:requests case:cases document:documents matter:matters \
            decision:decisions purchase:purchases charge:charges; do
    $NB -d "$DB" import --body "$BODY" --map $EX/map.lua "${kind%%:*}" "$EX/data/${kind#*:}.csv"
done
for year in 2019 2020 2021; do
    $NB -d "$DB" import --body "$BODY" holiday "$EX/holidays/$year.csv"
done
$NB -d "$DB" import --body "$BODY" text $EX/text/2020.md
$NB -d "$DB" import --body "$BODY" text $EX/text/2021.md
$NB -d "$DB" import --body "$BODY" rules $EX/rules/late.lua
echo
$NB -d "$DB" report --body "$BODY" --year 2020 --checks --out "$OUT"
echo
echo "The Shenhe 2020 report is in $OUT/ (open $OUT/$BODY-2020.docx, .pdf, .xlsx or .html; the checks: $OUT/$BODY-2020-检查结果.*); the store is $DB."
echo "Try: ./nianbao -d $DB explain --body $BODY --year 2020 requests carried_in total"
