#!/bin/sh
# test_city.sh - the example city (make demo-city) end to end: the generator is
# deterministic, the demo builds the store and regenerates all 78 reports, and exactly
# the deliberate faults of examples/city/gen.awk are caught: H1/H2 in the published 2019
# of 南城区人民政府, Y1 in its 2020, RU1 in the 2019 汇总 of 示例市 naming it, D1 for
# 西城区财政局 (no cases), T1 in 东城区人民政府 2023; a second regen is unchanged.
. tests/cli/lib.sh
R=$NIANBAO_HOME
mkdir -p g1 g2
awk -v DIR=g1 -f "$R/examples/city/gen.awk" >/dev/null
awk -v DIR=g2 -f "$R/examples/city/gen.awk" >/dev/null
check "the generator is deterministic" diff -r g1 g2
is "$(tail -n +2 g1/requests.csv | wc -l | tr -d ' ')" "194351" "about 200,000 requests"
(cd "$R" && CITY_OUT="$T/city" NB_BIN="$NB_BIN" sh examples/city/demo.sh) >demo.out 2>demo.err
is "$?" 0 "make demo-city: exit 0 (the failing checks are reported, not fatal)"
out=$(cat demo.out)
like "$out" "78 reports in " "78 reports: 13 bodies x 6 years"
is "$(printf '%s\n' "$out" | grep -c '^[^ ]* [0-9]* (gov[0-9]*): [1-9][0-9]* error')" "3" "three reports with errors"
like "$out" "3 reports with error-level checks failing" "the summary counts them"
fails() { python3 -c 'import json,sys
d = json.load(open(sys.argv[1]))
print(" ".join(sorted({c["id"] for c in d["checks"] if c["status"] == "FAIL"})))' "$1"; }
r=city/reports
is "$(fails $r/南城区人民政府/南城区人民政府-2019.json)" "H1 H2" "the published 2019 of 南城区: H1, H2"
is "$(fails $r/南城区人民政府/南城区人民政府-2020.json)" "Y1" "its 2020 from records: Y1 against the published carry-over"
is "$(fails $r/示例市人民政府/示例市人民政府-2019.json)" "RU1" "the 2019 汇总: RU1"
like "$(python3 -c 'import json,sys
print([c["message"] for c in json.load(open(sys.argv[1]))["checks"] if c["id"] == "RU1" and c["status"] == "FAIL"])' $r/示例市人民政府/示例市人民政府-2019.json)" \
   "不一致的下级：南城区人民政府（导入的报告数字" "RU1 names 南城区人民政府"
is "$(fails $r/示例市人民政府/示例市人民政府-2021.json)" "" "the 2021 汇总 from records: no failure"
is "$(fails $r/东城区人民政府/东城区人民政府-2023.json)" "T1" "the hand-typed number of the 2023 narrative: T1"
like "$out" "西城区财政局: no records of kind case in 2019–2024" "D1: 西城区财政局 has no cases"
nb -d city/city.db regen --all --to xlsx,json,md --out city/reports
is "$(printf '%s\n' "$out" | grep -c 'current$')" "78" "a second regen: all 78 current, left as they were"
like "$out" "西城区财政局: no records of kind case in 2019–2024" "D1 still said (from the manifest)"
nb -d city/city.db regen --all --to xlsx,json,md --out city/reports --force
is "$(printf '%s\n' "$out" | grep -c 'unchanged$')" "78" "--force: all 78 made again, unchanged"
finish
