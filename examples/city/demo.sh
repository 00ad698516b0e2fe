#!/bin/sh
# demo.sh - the example city: generates its records (gen.awk, deterministic), builds the
# store from one file per kind for all 13 bodies, imports one district's published 2019
# report and a narrative, and regenerates every report of every body and year, the 汇总
# of 示例市 included. Run from the repository root (make demo-city does).
set -e
NB=${NB_BIN:-./nianbao}
EX=examples/city
OUT=${CITY_OUT:-out/city}
DB=$OUT/city.db
mkdir -p "$OUT/data"
awk -v DIR="$OUT/data" -f $EX/gen.awk
rm -f "$DB" "$DB-wal" "$DB-shm"
$NB -d "$DB" init
$NB -d "$DB" import bodies "$OUT/data/bodies.csv"
for kind in request:requests case:cases document:documents matter:matters \
            decision:decisions purchase:purchases charge:charges; do
    $NB -d "$DB" import "${kind%%:*}" "$OUT/data/${kind#*:}.csv"
done
$NB -d "$DB" import --body 南城区人民政府 report "$OUT/data/南城区人民政府-2019.json"
$NB -d "$DB" import --body 东城区人民政府 text $EX/text/东城区人民政府-2023.md
echo
$NB -d "$DB" bodies
echo
status=0
$NB -d "$DB" regen --all --to xlsx,json,md --out "$OUT/reports" || status=$?
echo
if [ "$status" -eq 1 ]; then
    echo "Exit status 1: error-level checks failed, as the example's deliberate faults intend"
    echo "(see examples/city/gen.awk). The reports are in $OUT/reports/, one folder per body."
elif [ "$status" -ne 0 ]; then
    exit "$status"
fi
