#!/bin/sh
# test_format2026.sh - a new national format is one new file: tests/formats/gov2026.lua,
# dropped into a copy of the program's scripts/formats/, adds a row to 表二 and a table,
# and is chosen for 2026 on (gov2021 ending with 2025) without any other edit. Its
# report matches the golden file tests/golden/gov2026/report.md.
. tests/cli/lib.sh
R=$NIANBAO_HOME
mkdir home
cp -r "$R/scripts" "$R/lib" home/
cp "$R/tests/formats/gov2026.lua" home/scripts/formats/
NIANBAO_HOME=$T/home
export NIANBAO_HOME

nb -d s.db init
printf '编号,收到日期,申请人类型,办结日期,办理结果\nA1,2025-12-20,自然人,2026-01-05,1\nA2,2026-03-01,商业企业,2026-03-09,4.1\nA3,2026-12-01,自然人,,\n' >r.csv
printf '类型,日期,数量\nlicense,2026-02-01,3\nservice,2026-05-01,2\n' >d.csv
nb -d s.db import --body 测试区 request r.csv
nb -d s.db import --body 测试区 decision d.csv
nb -d s.db report --body 测试区 --year 2026 --to json,md --out o
is "$rc" 0 "2026: reported"
like "$out" "\(gov2026\)" "2026 is in the new format, chosen by year"
is "$(python3 -c 'import json,sys
d = json.load(open(sys.argv[1]))
t = d["tables"]
print(d["format"], t["active"]["service"]["decisions"], t["closed"]["closed"]["person"], t["closed"]["closed"]["total"], " ".join(t))' o/测试区-2026.json)" \
   "gov2026 2 1 2 active requests closed appeals" "the new row and the new table, in the format's order"
diff -u "$R/tests/golden/gov2026/report.md" "o/测试区-2026.md" >md.diff && ok "the report equals the golden Markdown" || not_ok "the report equals the golden Markdown" "$(cat md.diff)"
nb -d s.db report --body 测试区 --year 2025 --to json --out o
like "$out" "\(gov2021\)" "2025 stays in gov2021, which now ends with 2025"
nb -d s.db report --body 测试区 --year 2025 --format gov2026 --to json --out o
like "$out" "\(gov2026\)" "--format takes the new id"
nb -d s.db explain --body 测试区 --year 2026 closed closed total
like "$out" "^closed.closed.total = 2 " "explain reads the new table's cell"
like "$out" "A1  r.csv:2" "explain lists its records"
nb -d s.db check --body 测试区 --year 2026
like "$out" "H1 +通过" "the national checks run on the new format"
nb -d s.db report --body 测试区 --year 2026 --format gov2027 --to json --out o
is "$rc|$err" "2|nianbao: no format 'gov2027' (formats: gov2019, gov2021, gov2026)" "an unknown --format lists the formats"
nb help report
like "$out" "gov2019, gov2021, gov2026 or a body's own" "the usage lists the formats of the registry"
finish
