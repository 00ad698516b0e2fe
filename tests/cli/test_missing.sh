#!/bin/sh
# test_missing.sh - missing data is never silent zeros: a kind without records in a year
# leaves its cells blank and its checks not assessable (D1 names it), unless an import
# declared the year complete (--year), when 0 is a real count. A narrative is checked
# when it is imported. A published year's figures are imported from JSON (D2) and used
# by its report and by the next year's carry-over check.
. tests/cli/lib.sh
nb -d s.db init
printf '编号,收到日期,申请人类型,办结日期,办理结果\nA1,2020-01-05,自然人,2020-01-20,1\nA2,2020-12-01,企业,,\n' >r.csv
nb -d s.db import --body 区 request r.csv
nb -d s.db report --body 区 --year 2020 --to json --out o
is "$rc" 0 "a year with requests only: reported"
cells() { python3 -c 'import json,sys
t = json.load(open(sys.argv[1]))["tables"]
print(t["appeals"]["review"]["total"], t["active"]["normative"]["made"], t["active"]["license"]["items_prev"], t["requests"]["new"]["total"])' "$1"; }
is "$(cells o/区-2020.json)" "None None None 2" "no cases, documents, matters: blank (null), not 0; requests counted"
like "$out" "D1 +无法判断 +警告" "D1: not assessable"
like "$out" "H4 +无法判断 +错误" "H4 on blank cells: not assessable"
is "$(python3 -c 'import json,sys
d = json.load(open(sys.argv[1]))
print(sorted(c["message"] for c in d["checks"] if c["id"] == "D1"))' o/区-2020.json)" \
   "['2020 年没有“事项清单条目”（matter）记录', '2020 年没有“处理决定”（decision）记录', '2020 年没有“复议诉讼案件”（case）记录', '2020 年没有“政府集中采购”（purchase）记录', '2020 年没有“规章/规范性文件”（document）记录']" \
   "D1 names each kind without records, and the kind import takes, in the JSON checks"
# and under D1's line, where check and report print the results
nb -d s.db check --body 区 --year 2020
is "$(printf '%s\n' "$out" | sed -n '/^  D1 /,/^  [A-Z]/p' | sed '1d;$d')" "         2020 年没有“复议诉讼案件”（case）记录
         2020 年没有“处理决定”（decision）记录
         2020 年没有“规章/规范性文件”（document）记录
         2020 年没有“事项清单条目”（matter）记录
         2020 年没有“政府集中采购”（purchase）记录" "check prints D1's kinds under its line (by the kind's name)"
# an empty file declared complete for 2020: there 0 is a real count
printf '编号,类型,收案日期,审结日期,结果\n' >cases.csv
nb -d s.db import --body 区 --year 2020 case cases.csv
is "$rc" 0 "an empty case file with --year: accepted"
is "$err" "cases.csv: note: no row of this file is of 2020 (by filed): 2020 is declared complete with none, its cells 0" \
   "and what it declares is said"
# a year the file holds nothing of (a --year typed wrong) is declared all the same: said
printf '编号,收到日期,申请人类型\nW1,2021-03-01,自然人\n' >w.csv
nb -d w.db init
before=$(snapshot w.db)
nb -d w.db import --body 区 --year 2012 --dry-run request w.csv
is "$rc:$err" "0:w.csv: note: no row of this file is of 2012 (by received): 2012 would be declared complete with none, its cells 0" \
   "--year of a year the file has no row of, --dry-run: the note, as what would be (a dry run is how a year typed wrong is caught)"
is "$(snapshot w.db)" "$before" "and nothing written"
is "$(nbsql w.db "SELECT count(*) FROM coverage")" 0 "no year declared"
nb -d w.db import --body 区 --year 2012 request w.csv
is "$rc:$err" "0:w.csv: note: no row of this file is of 2012 (by received): 2012 is declared complete with none, its cells 0" \
   "--year of a year the file has no row of: a note"
nb -d w.db import --body 区 --year 2021 request w.csv
is "$rc:$err" "0:" "--year of the file's year: no note (its rows unchanged count)"
nb -d s.db report --body 区 --year 2020 --to json --out o
is "$(cells o/区-2020.json)" "0 None None 2" "a kind declared complete for the year: 0, not blank"

# ---- a roll-up: 0 only when every body of it declared the kind complete ----
printf '名称,上级,汇总
市,,是
甲,市,
乙,市,
' >tree.csv
nb -d ru.db init
nb -d ru.db import bodies tree.csv
printf '编号,收到日期,申请人类型
R1,2021-03-01,自然人
' >r21.csv
nb -d ru.db import --body 甲 request r21.csv
nb -d ru.db import --body 乙 request r21.csv
nb -d ru.db import --body 甲 --year 2021 case cases.csv
nb -d ru.db report --body 市 --year 2021 --to json --out ru
is "$(python3 -c 'import json,sys
d = json.load(open(sys.argv[1]))
print(d["tables"]["appeals"]["review"]["total"], [c["message"] for c in d["checks"] if c["id"] == "D1" and "case" in c["message"]])' ru/市-2021.json)" \
   "None ['2021 年没有“复议诉讼案件”（case）记录']" "a roll-up of two bodies, one declared no cases: blank, and D1 names it (乙 may have some)"
nb -d ru.db report --body 甲 --year 2021 --to json --out ru
is "$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["tables"]["appeals"]["review"]["total"])' ru/甲-2021.json)" \
   0 "the body that declared it: 0"
nb -d ru.db import --body 乙 --year 2021 case cases.csv
nb -d ru.db report --body 市 --year 2021 --to json --out ru
is "$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["tables"]["appeals"]["review"]["total"])' ru/市-2021.json)" \
   0 "both declared: the roll-up counts 0"
# the roll-up's own narrative does not make it a body that must declare (it holds no case)
printf '## 一、总体情况\n\n文字。\n' >市-2021.md
nb -d ru.db import --body 市 text 市-2021.md
nb -d ru.db report --body 市 --year 2021 --to json --out ru
is "$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["tables"]["appeals"]["review"]["total"])' ru/市-2021.json)" \
   0 "the roll-up's own narrative: still 0"
# a subtree of roll-up nodes alone, with no records: blank, not 0
printf '名称,上级,汇总\n省,,是\n市A,省,是\n市B,省,是\n' >tree2.csv
nb -d ru2.db init
nb -d ru2.db import bodies tree2.csv
nb -d ru2.db report --body 省 --year 2021 --to json --out ru2
is "$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["tables"]["appeals"]["review"]["total"])' ru2/省-2021.json)" \
   None "a subtree of roll-up nodes without records: blank (nothing declared it)"

# ---- narratives are checked when imported ----
printf '## 一、总体情况\n\n共收到申请{{requests.new.total}}件。\n' >text-2020.md
nb -d s.db import --body 区 text text-2020.md
is "$rc:$out" "0:text-2020.md: text of 2020 (from the file name) stored for 区" "a good narrative: stored"
nb -d s.db import --body 区 --year 2019 text text-2020.md
is "$rc:$err" "0:text-2020.md: note: the file name says 2020; stored as 2019 (--year)" \
   "--year other than the file name's: stored, with a note (it was silent)"
nb -d s.db delete --body 区 text 2019
before=$(snapshot s.db)
printf '## 一、总体情况\n\n{{requests.nosuch.total}}\n' >bad-2020.md
nb -d s.db import --body 区 text bad-2020.md
like "$rc:$err" "^2:nianbao: bad-2020.md:3: placeholder \{\{requests.nosuch.total\}\} names no table cell" "a bad placeholder: refused at import, with its line"
# a placeholder with a brace missing or too many, or empty, was stored and printed as it was
# in the report ("共收到申请{{requests.new.total}件"): refused, with its line
printf '## 一、总体情况\n\n共收到申请{{requests.new.total}件。\n' >brace1-2020.md
nb -d s.db import --body 区 text brace1-2020.md
is "$rc:$err" "2:nianbao: brace1-2020.md:3: '{{' opens no placeholder (a name and '}}' after it: {{table.row.column}}, e.g. {{requests.new.total}}): 共收到申请{{requests.new.total}件。" \
   "a placeholder without its last brace: refused, with its line"
printf '## 一、总体情况\n\n共收到申请{requests.new.total}}件。\n' >brace2-2020.md
nb -d s.db import --body 区 text brace2-2020.md
is "$rc:$err" "2:nianbao: brace2-2020.md:3: '}}' closes no placeholder ({{table.row.column}}, e.g. {{requests.new.total}}): 共收到申请{requests.new.total}}件。" \
   "a placeholder without its first brace: refused"
printf '## 一、总体情况\n\n共收到申请{{}}件，{{ requests.new.total }}件。\n' >brace3-2020.md
nb -d s.db import --body 区 text brace3-2020.md
like "$rc:$err" "^2:nianbao: brace3-2020.md:3: '\\{\\{' opens no placeholder" "an empty placeholder: refused"
printf '## 七、杂谈\n\n文字\n' >bad2-2020.md
nb -d s.db import --body 区 text bad2-2020.md
is "$rc:$err" "2:nianbao: bad2-2020.md:1: unknown part heading '## 七、杂谈' (parts: 一、总体情况, 二、主动公开政府信息情况, 三、收到和处理政府信息公开申请情况, 四、政府信息公开行政复议、行政诉讼情况, 五、存在的主要问题及改进情况, 六、其他需要报告的事项)" "an unknown heading: refused at import, the parts named in the report's order"
is "$(snapshot s.db)" "$before" "refused narratives: the stored one kept"

# ---- a published year's figures ----
python3 - <<'PY'
import json
d = json.load(open("o/区-2020.json"))
t = d["tables"]
t["requests"]["carried_out"]["person"] = 7   # the published report said 7
t["requests"]["carried_out"]["total"] = 8
json.dump({"body": "区", "year": 2019, "format": "gov2019", "tables": t}, open("pub-2019.json", "w"), ensure_ascii=False)
t["requests"]["nosuch"] = {"total": 1}
json.dump({"year": 2019, "tables": t}, open("badkeys-2019.json", "w"), ensure_ascii=False)
PY
before=$(snapshot s.db)
nb -d s.db import --body 区 report badkeys-2019.json
like "$rc:$err" "^2:nianbao: badkeys-2019.json: not cells of format gov2019: requests.nosuch.total" "unknown keys: refused, named"
printf '{"tables": {"channels": {"当面": {"new": 3}}}}' >local.json
nb -d s.db import --body 区 --year 2019 report local.json
is "$rc:$err" "2:nianbao: local.json: not cells of format gov2019: channels.当面.new" "a key in Chinese is read, and named when the format has no such cell"
printf '{"tables": {"requests": {"new": {"total": "三"}}}}' >str.json
nb -d s.db import --body 区 --year 2019 report str.json
is "$rc:$err" "2:nianbao: str.json: tables.requests.new.total: a number or null (got a string)" "a string cell: refused, with its place"
printf '{"tables": {"requests": {' >broken.json
nb -d s.db import --body 区 --year 2019 report broken.json
like "$rc:$err" "^2:nianbao: broken.json:1:[0-9]+: " "broken JSON: file, line and column"
nb -d s.db import --body 区 --year 2018 report pub-2019.json
is "$rc:$err" "2:nianbao: pub-2019.json: the file is of 2019, not 2018 (--year)" "a year that disagrees: refused"
is "$(snapshot s.db)" "$before" "refused reports: nothing stored"
# the file of another body: stored for the one given (a name may differ: 沈河区, 沈阳市沈河区人民政府),
# with a note; a body the import makes is said, as by an import of records
nb -d s.db import --body 错区 report pub-2019.json
is "$rc:$err" "0:pub-2019.json: note: the file is of 区, stored for 错区 (--body); 'nianbao delete --body 错区 figures 2019' takes them back" \
   "a body that disagrees with the file's: a note, and how to take them back"
is "$(echo "$out" | tail -1)" "created body 错区" "the body made: said, after the summary (as by an import of records)"
nb -d s.db delete --force --body 错区
before=$(snapshot s.db)
nb -d s.db import --body 区 report pub-2019.json
like "$rc:$out" "^0:pub-2019.json: [0-9]+ cells of 区 2019 \(gov2019\) stored as imported figures" "a published year: stored"
nb -d s.db report --body 区 --year 2019 --to json --out o
is "$(python3 -c 'import json,sys
d = json.load(open(sys.argv[1]))
print(d["tables"]["requests"]["carried_out"]["person"], d["tables"]["appeals"]["review"]["total"], [c["message"] for c in d["checks"] if c["id"] == "D2"])' o/区-2019.json)" \
   "7 0 ['2019 年：pub-2019.json（gov2019 格式）']" "the 2019 report shows the imported figures, marked (D2)"
like "$out" "H1 +未通过" "H1 runs on imported figures (they do not add up)"
nb -d s.db check --body 区 --year 2020
like "$out" "Y1 +未通过 .*" "Y1 runs across an imported and a computed year"
like "$out" "表三 “二、上年结转政府信息公开申请数量” 申请人情况 自然人；左值 0，右值 7" "Y1: this year's carried in against the published carried out, by their labels"
finish
