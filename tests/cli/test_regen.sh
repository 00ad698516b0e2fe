#!/bin/sh
# test_regen.sh - nianbao regen: every (body, year) at once, reproducible bytes and
# "unchanged", a cell-level diff of a changed record, roll-ups (汇总) and RU1, Y1 across
# the 2020 -> 2021 format change and on a broken carry-over, check history, skipped
# years, exit status, and a killed run that leaves only whole files.
. tests/cli/lib.sh
H='编号,收到日期,申请人类型,办结日期,办理结果,机关'
nb -d s.db init
printf '名称,上级,汇总\n市,,是\n甲区,市,\n乙区,市,\n' >bodies.csv
nb -d s.db import bodies bodies.csv
printf '%s\n' "$H" \
  'A1,2018-05-01,自然人,2018-05-10,1,甲区' \
  'A2,2019-03-01,自然人,2019-03-20,1,甲区' \
  'A3,2019-12-20,企业,2020-01-10,2,甲区' \
  'A4,2020-12-25,自然人,2021-01-08,1,甲区' \
  'A5,2021-06-01,自然人,,,甲区' \
  'B1,2019-07-01,自然人,2019-07-09,3.1,乙区' \
  'B2,2020-12-30,自然人,2021-01-04,1,乙区' \
  'B3,2021-02-01,企业,2021-02-11,1,乙区' \
  'C1,2020-04-01,自然人,2020-04-05,1,市' >r.csv
nb -d s.db import request r.csv
is "$rc" 0 "one file for the city and its districts"

nb -d s.db regen --out o
is "$rc" 0 "regen: exit 0"
first_out=$out
like "$out" "skipped 甲区 2018: no format for 2018" "a year no format covers: skipped, not an error"
like "$out" "市 +2019 +gov2019 +0 +[0-9]+ +新" "the roll-up gets a report of its own"
is "$(printf '%s\n' "$out" | grep -c '^甲区 20[0-9]* (gov')" "3" "one line per report when not on a terminal (甲区 2019-2021)"
like "$out" "甲区: no records of kind case in 2019–2021 \(its cells are blank\)" "the summary lists kinds with no records, by body and kind"
ls o/甲区 >files1
is "$(grep -c . files1)" "31" "甲区: 3 years x 10 files, and the manifest"
json() { python3 -c 'import json,sys
t = json.load(open(sys.argv[1]))["tables"]["requests"]
print(" ".join(str(t[r]["total"]) for r in sys.argv[2:]))' "$@"; }
is "$(json o/市/市-2020.json new carried_in carried_out)" "3 1 2" "the 汇总 counts its own records and its districts' (2020: C1 A4 B2 new; A3 carried in; A4 B2 carried out)"
is "$(json o/甲区/甲区-2020.json new carried_in carried_out) + $(json o/乙区/乙区-2020.json new carried_in carried_out)" "1 1 1 + 1 0 1" "the districts' own"
like "$(python3 -c 'import json,sys
print([(c["id"], c["status"]) for c in json.load(open(sys.argv[1]))["checks"] if c["id"] == "RU1"])' o/市/市-2020.json)" "RU1.*PASS" "RU1: the roll-up equals its own records plus its children's reports"
like "$(python3 -c 'import json,sys
print([(c["id"], c["status"]) for c in json.load(open(sys.argv[1]))["checks"] if c["id"] == "Y1"])' o/甲区/甲区-2021.json)" "Y1', 'PASS" "Y1 passes across the 2020 -> 2021 format change"
is "$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["reports"][0]["format"])' o/甲区/manifest.json)" "gov2019" "a manifest per body folder"

# ---- twice: the same bytes; a body whose reports are current is left as it is ----
(cd o && find . -type f ! -name manifest.json -exec sha256sum {} + | sort) >sums1
cp o/甲区/manifest.json m1
: >stamp
nb -d s.db regen --out o
is "$rc" 0 "again: exit 0"
is "$(printf '%s\n' "$out" | grep -c 'current$')" "$(printf '%s\n' "$out" | grep -c '^[^ ]* [0-9]* (gov')" "again: every report current"
like "$out" "9 reports in o;.*
9 of them current \(made by this program from the same data, scripts and options, their files intact\): left as they were" \
   "the summary says how many were left as they were"
is "$(find o -type f -newer stamp | wc -l)" 0 "again: no file written, manifests included"
table() { printf '%s\n' "$1" | sed -n '/^机关/,/^[0-9]* reports/p' | grep -v reports | awk '{ print $1, $2, $3, $4, $5 }'; }
is "$(table "$out")" "$(table "$first_out")" "again: each report's errors and warnings as the run that made it (from the store's history)"
is "$(printf '%s\n' "$out" | sed -n '/^机关/,/^[0-9]* reports/p' | grep -c ' 保留$')" 9 "the table shows each as 保留 (left as it was), not 无变化 (made again, the same)"
like "$out" "甲区: no records of kind case in 2019–2021 \(its cells are blank\)" "and its kinds without records (from the manifest)"
(cd o && find . -type f ! -name manifest.json -exec sha256sum {} + | sort) >sums2
check "again: every file the same bytes" cmp -s sums1 sums2
check "again: the manifest the same bytes" cmp -s m1 o/甲区/manifest.json
: >stamp
nb -d s.db regen --out o --force
is "$(printf '%s\n' "$out" | grep -c 'unchanged$')" "$(printf '%s\n' "$out" | grep -c '^[^ ]* [0-9]* (gov')" "--force: every report made again, unchanged"
is "$(find o -type f -newer stamp -name '*.json' ! -name manifest.json | wc -l)" 9 "--force: every report's files written"
(cd o && find . -type f ! -name manifest.json -exec sha256sum {} + | sort) >sums2
check "--force: every file the same bytes" cmp -s sums1 sums2
check "--force: the manifest the same bytes" cmp -s m1 o/甲区/manifest.json
echo changed >>o/乙区/乙区-2020.md
nb -d s.db regen --out o
is "$(printf '%s\n' "$out" | grep '^[^ ]* [0-9]* (gov' | grep -v 'current$' | cut -d' ' -f1,2 | LC_ALL=C sort | tr '\n' ' ')" "乙区 2019 乙区 2020 乙区 2021 " \
   "a file changed since: its body's reports made again, the others current"
(cd o && find . -type f ! -name manifest.json -exec sha256sum {} + | sort) >sums2
check "and the file has its bytes again" cmp -s sums1 sums2
sqlite3 s.db "VACUUM INTO 's2.db'" && cp -R o o2
printf '%s\n' "$H" 'B9,2021-03-01,自然人,2021-03-05,1,乙区' >b9.csv
nb -d s2.db import request b9.csv
nb -d s2.db regen --out o2
is "$(printf '%s\n' "$out" | grep '^[^ ]* [0-9]* (gov' | grep -v 'current$' | cut -d' ' -f1,2 | LC_ALL=C sort | tr '\n' ' ')" "乙区 2019 乙区 2020 乙区 2021 市 2019 市 2020 市 2021 " \
   "a record added to 乙区: its reports and its roll-up's made again, 甲区's current"
# regen --body of a body a roll-up adds up: its reports changed, the roll-up's not made: said
sqlite3 s.db "VACUUM INTO 's5.db'" && cp -R o o6
printf '%s\n' "$H" 'B8,2021-03-02,自然人,2021-03-05,1,乙区' >b8.csv
nb -d s5.db import request b8.csv
nb -d s5.db regen --out o6 --body 乙区
is "$rc:$(printf '%s\n' "$out" | grep '^note:')" "0:note: 市 adds up 乙区: its reports were not made again (nianbao regen --body 市, or regen without --body)" \
   "regen --body: the roll-up over a changed body is named"
nb -d s5.db regen --out o6 --body 乙区
is "$(printf '%s\n' "$out" | grep -c '^note:')" 0 "nothing changed: no note"
# every record of the body removed: nothing to make for it, and the roll-up said
nb -d s5.db delete --body 乙区 request B1 B2 B3 B8
nb -d s5.db regen --out o6 --body 乙区
is "$rc:$(printf '%s\n' "$out" | grep '^note:')" "0:note: 市 adds up 乙区: its reports were not made again (nianbao regen --body 市, or regen without --body)" \
   "regen --body of a body whose records are all removed: the roll-up over it is named"

# the tree is part of what a roll-up is made of: a child's 汇总 changed, the roll-up made again
sqlite3 s.db "VACUUM INTO 's3.db'" && cp -R o o3
printf '名称,上级,汇总\n甲区,市,是\n' >tree.csv
nb -d s3.db import bodies tree.csv
nb -d s3.db regen --out o3
is "$(printf '%s\n' "$out" | grep '^[^ ]* [0-9]* (gov' | grep -v 'current$' | cut -d' ' -f1,2 | LC_ALL=C sort | tr '\n' ' ')" "市 2019 市 2020 市 2021 甲区 2019 甲区 2020 甲区 2021 " \
   "甲区 made a roll-up: it and 市 (whose RU1 reads its children's reports) made again, 乙区 current"
# the errors of a current report are those of the run that checked it: a rule added, run
# into another folder, and removed again leaves the store's last run with other checks
cat >always.lua <<'LUA'
return {
  { id = "X1", severity = "error", title = "总是失败", formula = "1 = 2",
    run = function(ctx, emit) emit{ left = 1, right = 2, status = "FAIL", evidence = { "requests.new.total" } } end },
}
LUA
sqlite3 s.db "VACUUM INTO 's4.db'"
nb -d s4.db regen --out o4 --to md
nb -d s4.db import --body 乙区 rules always.lua
nb -d s4.db regen --out o5 --to md
is "$rc" 1 "(a run into another folder with a rule that fails: exit 1)"
nb -d s4.db delete --body 乙区 script always.lua
nb -d s4.db regen --out o4 --to md
is "$rc:$(printf '%s\n' "$out" | grep '^乙区' | grep -c 'current$')" "0:0" \
   "the rule gone: 乙区's reports in the first folder made again (the store's last run checked them with it), exit 0"
is "$(printf '%s\n' "$out" | grep '^甲区' | grep -c 'current$')" 3 "甲区's current"
# what a manifest claims is checked, not taken: its options, its kinds without records
cp o/甲区/manifest.json m-saved
python3 - o/甲区/manifest.json <<'PY'
import json, sys
m = json.load(open(sys.argv[1]))
for r in m["reports"]:
    r["options"] = "--to csv"
json.dump(m, open(sys.argv[1], "w"))
PY
nb -d s.db regen --out o --to csv
is "$(printf '%s\n' "$out" | grep '^甲区' | grep -c 'current$')" 0 "a manifest whose options say --to csv while its files are every format's: made again"
nb -d s.db regen --out o
python3 - o/甲区/manifest.json <<'PY'
import json, sys
m = json.load(open(sys.argv[1]))
m["reports"][0]["missing"] = ["\u001b[31mforged\nkept o/甲区: forged"]
json.dump(m, open(sys.argv[1], "w"))
PY
nb -d s.db regen --out o
is "$(printf '%s\n' "$out" | grep '^甲区' | grep -c 'current$'):$(printf '%s\n' "$out" | grep -c forged)" "0:0" \
   "a manifest naming a kind that is none: made again, and nothing of it printed"
check "the manifest as before" cmp -s m-saved o/甲区/manifest.json
mkfifo o/甲区/pipe
python3 - o/甲区/manifest.json <<'PY'
import json, sys
m = json.load(open(sys.argv[1]))
m["reports"][0]["files"]["pipe"] = "0" * 64
json.dump(m, open(sys.argv[1], "w"))
PY
timeout 60 "$NB_BIN" -d s.db regen --out o >fifo.out 2>&1
is "$?:$(grep '^甲区' fifo.out | grep -c 'current$')" "0:0" "a manifest listing a FIFO: not waited on, made again"
rm -f o/甲区/pipe
# a PDF is laid out with the fonts installed: another font configuration, the PDFs made again
nb -d s.db regen --out opdf --to pdf,json --body 乙区
nb -d s.db regen --out opdf --to pdf,json --body 乙区
is "$(printf '%s\n' "$out" | grep -c 'current$')" 3 "(PDFs: current again)"
printf '<?xml version="1.0"?>\n<fontconfig><include>/etc/fonts/fonts.conf</include></fontconfig>\n' >fc.xml
FONTCONFIG_FILE=$T/fc.xml nb -d s.db regen --out opdf --to pdf,json --body 乙区
is "$rc:$(printf '%s\n' "$out" | grep -c 'current$')" "0:0" "another font configuration: the PDFs made again"
nb -d s.db regen --out ojs --to json --body 乙区
FONTCONFIG_FILE=$T/fc.xml nb -d s.db regen --out ojs --to json --body 乙区
is "$(printf '%s\n' "$out" | grep -c 'current$')" 3 "but not the reports without a PDF"
nb -d s.db regen --out o --to json
is "$(printf '%s\n' "$out" | grep -c 'current$')" 0 "other formats (--to json): every report made"
like "$out" "甲区 2020: no cell changed; its files differ from the last run's \(other formats or options, its text or its checks\)" \
   "changed for its files alone (other formats): said, with no cell listed"
nb -d s.db regen --out o
is "$(printf '%s\n' "$out" | grep -c 'current$')" 0 "and back to every format: made again (the manifest lists what --to json made)"
mkdir -p h2 && cp -R "$NIANBAO_HOME/lib" "$NIANBAO_HOME/scripts" h2/ && echo '-- another version' >>h2/lib/regen.lua
NIANBAO_HOME=$T/h2 nb -d s.db regen --out o
is "$rc:$(printf '%s\n' "$out" | grep -c 'current$'):$(printf '%s\n' "$out" | grep -c 'unchanged$')" "0:0:9" \
   "another program (a module of its home changed): every report made"
nb -d s.db regen --out o
is "$(printf '%s\n' "$out" | grep -c 'unchanged$')" 9 "back to this program: every report made again"
check "and the manifest the same bytes as its first" cmp -s m1 o/甲区/manifest.json

manifest_years() { python3 -c 'import json,sys; print(" ".join(str(r["year"]) for r in json.load(open(sys.argv[1]))["reports"]))' "$1"; }
nb -d s.db regen --years 2020-2020 --body 甲区 --out o
is "$(manifest_years o/甲区/manifest.json)" "2019 2020 2021" "a run limited to one year keeps the folder's other reports in its manifest"
check "and the manifest the same bytes as after the full run" cmp -s m1 o/甲区/manifest.json
echo changed >>o/甲区/甲区-2019.md
nb -d s.db regen --years 2021-2021 --body 甲区 --out o
is "$(manifest_years o/甲区/manifest.json)" "2020 2021" "a report whose file changed since is dropped from the manifest"
nb -d s.db regen --years 2019-2019 --body 甲区 --out o
is "$(manifest_years o/甲区/manifest.json)" "2019 2020 2021" "and is back when remade"
check "the same bytes as after the full run again" cmp -s m1 o/甲区/manifest.json

# --years holding none of the bodies' years: said so, with the years they hold (it said no
# body had records, found by a walk through the README)
nb -d s.db regen --years 2030-2031 --out o
is "$rc:$out" "0:nothing to regenerate: no body has records, texts or figures in 2030–2031 (their years: 2018–2021)" \
   "regen --years of no body's years: says which years there are"

# ---- one record changed: exactly its cells, and the diff says so ----
printf '%s\n' "$H" 'A4,2020-12-25,企业,2021-01-08,1,甲区' >fix.csv
nb -d s.db import request fix.csv
data_of() { python3 -c 'import json,sys; print([r["data"] for r in json.load(open(sys.argv[1]))["reports"] if r["year"] == 2020][0])' "$1"; }
before=$(data_of o/甲区/manifest.json)
nb -d s.db regen --years 2020-2021 --body 甲区 --out o
is "$rc" 0 "after a correction: exit 0"
after=$(data_of o/甲区/manifest.json)
like "$before $after" '^[0-9a-f]{64} [0-9a-f]{64}$' "the manifest's data digests"
check "a changed record changes the data digest" test "$before" != "$after"
like "$out" "甲区 2020 \(gov2019\): 0 errors, [0-9]+ warnings?, changed" "2020 changed"
is "$(cat o/甲区/甲区-2020.changes.csv)" "表格,行,列,原值,新值,键
三、收到和处理政府信息公开申请情况,一、本年新收政府信息公开申请数量,申请人情况 自然人,1,0,requests.new.person
三、收到和处理政府信息公开申请情况,一、本年新收政府信息公开申请数量,申请人情况 法人或其他组织 商业企业,0,1,requests.new.business
三、收到和处理政府信息公开申请情况,四、结转下年度继续办理,申请人情况 自然人,1,0,requests.carried_out.person
三、收到和处理政府信息公开申请情况,四、结转下年度继续办理,申请人情况 法人或其他组织 商业企业,0,1,requests.carried_out.business" "the changes file: exactly the cells of the changed record, old and new, in the report's labels and JSON keys"
like "$out" "  三、收到和处理政府信息公开申请情况 “一、本年新收政府信息公开申请数量” 申请人情况 自然人: 1 → 0 \(requests.new.person\)" \
   "the summary shows the diff too, in the report's labels"
like "$out" "甲区 2021 \(gov2021\).*changed" "2021 changed too (A4 was carried in and closed there)"
check "2019 was not in the run: its files untouched" test ! -e o/甲区/甲区-2019.changes.csv
# made again with no cell changed: the last run's changes file, which no longer describes
# the files, is removed (found by a walk through the README: left, and not in the manifest)
nb -d s.db regen --years 2020-2020 --body 甲区 --out o --force
is "$rc:$(printf '%s\n' "$out" | grep -c '^甲区 2020 .*unchanged$')" "0:1" "made again with nothing changed: unchanged"
check "and the last run's changes file removed" test ! -e o/甲区/甲区-2020.changes.csv
check "the other year's kept (not made in this run)" test -e o/甲区/甲区-2021.changes.csv

# ---- a published year that breaks a carry-over; a child that breaks the roll-up ----
python3 - <<'PY'
import json
d = json.load(open("o/乙区/乙区-2020.json"))
d["tables"]["requests"]["carried_out"]["person"] = 3
d["tables"]["requests"]["carried_out"]["total"] = 3
json.dump(d, open("pub.json", "w"), ensure_ascii=False)
PY
nb -d s.db import --body 乙区 report pub.json
runs_of() { sqlite3 s.db "SELECT count(*) FROM run r JOIN body b ON b.id = r.body WHERE b.name = '$1' AND r.year = $2"; }
runs_before=$(runs_of 乙区 2021)
nb -d s.db regen --out o
is "$rc" 1 "an error-level check failing: exit 1"
like "$out" "乙区 2021: newly failing: Y1" "Y1 fails on the broken carry-over, newly"
like "$out" "乙区 2020: imported figures \(pub.json\)" "the imported year is marked"
like "$out" "市 2020: newly failing: RU1" "RU1 fails for the roll-up"
like "$(python3 -c 'import json,sys
print([c["message"] for c in json.load(open(sys.argv[1]))["checks"] if c["id"] == "RU1" and c["status"] == "FAIL"])' o/市/市-2020.json)" "不一致的下级：乙区（导入的报告数字" "RU1 names the child whose numbers break it"
is "$(runs_of 乙区 2021)" "$((runs_before + 1))" "the store keeps every run"
nb -d s.db regen --out o
is "$rc" 1 "again, every report current: exit 1 still (the error-level check failing in the run that made it)"
like "$out" "乙区 2021 \(gov2021\): [1-9][0-9]* errors?, [0-9]+ warnings?, current" "the report current, with its errors"
is "$(printf '%s\n' "$out" | grep -c 'newly')" 0 "nothing newly failing: nothing ran"
is "$(runs_of 乙区 2021)" "$((runs_before + 1))" "a report left as it was adds no run"
is "$(sqlite3 s.db "SELECT rc.status || ' ' || rc.file || ' ' || length(rc.hash) FROM run_check rc WHERE rc.rule = 'Y1' AND rc.run = (SELECT max(r.id) FROM run r JOIN body b ON b.id = r.body WHERE b.name = '乙区' AND r.year = 2021)")" \
   "FAIL scripts/checks/years.lua 64" "check history: status, the rule file and its hash"
nb -d s.db delete --body 乙区 --dry-run
like "$rc:$err" "^2:nianbao: delete: .*--force" "a body with figures and runs: only with --force"
sqlite3 s.db "DELETE FROM figures"
nb -d s.db regen --out o
like "$out" "乙区 2021: newly passing: Y1" "fixed: Y1 newly passes"

# ---- --jobs: worker processes make the same bytes, the same summary and history ----
rm -rf j1 j3
cp s.db sj.db
nb -d s.db regen --jobs 1 --out j1
seq_out=$out
nb -d sj.db regen --jobs 3 --out j3
is "$rc" 0 "--jobs 3: exit 0"
(cd j1 && find . -type f -exec sha256sum {} + | sort) >js1
(cd j3 && find . -type f -exec sha256sum {} + | sort) >js3
check "--jobs 3: every file, manifests included, the same bytes as one process" cmp -s js1 js3
is "$(printf '%s\n' "$out" | sed -n '/^机关/,/^[0-9]* reports/p' | grep -v CPU)" \
   "$(printf '%s\n' "$seq_out" | sed -n '/^机关/,/^[0-9]* reports/p' | grep -v CPU)" "--jobs 3: the same summary, in plan order"
is "$(printf '%s\n' "$out" | grep -c '^[^ ]* [0-9]* (gov')" "$(printf '%s\n' "$seq_out" | grep -c '^[^ ]* [0-9]* (gov')" "--jobs 3: a line per report"
is "$(sqlite3 sj.db 'SELECT count(*) FROM run') $(sqlite3 sj.db 'SELECT count(*) FROM run_check')" \
   "$(sqlite3 s.db 'SELECT count(*) FROM run') $(sqlite3 s.db 'SELECT count(*) FROM run_check')" "--jobs 3: every run and check recorded in the store"
nb -d sj.db regen --jobs 2 --out j3
is "$(printf '%s\n' "$out" | grep -c 'current$')" "$(printf '%s\n' "$out" | grep -c '^[^ ]* [0-9]* (gov')" "--jobs 2 again: every report current"
nb -d sj.db regen --jobs 2 --out j3 --force
is "$(printf '%s\n' "$out" | grep -c 'unchanged$')" "$(printf '%s\n' "$out" | grep -c '^[^ ]* [0-9]* (gov')" "--jobs 2 --force: every report made again, unchanged"
(cd j3 && find . -type f -exec sha256sum {} + | sort) >js3
check "--jobs 2 --force: every file, manifests included, the same bytes as one process" cmp -s js1 js3
rm -rf j4 && mkdir j4 && : >j4/乙区
nb -d sj.db regen --jobs 3 --out j4
is "$rc:$(printf '%s\n' "$err" | grep -v 'waiting for sj.db')" "2:nianbao: 乙区 2019: j4/乙区: cannot create folder: a file of that name is in the way" "--jobs: a worker's failure ends the command with its message"
is "$(ls j4/甲区 2>/dev/null | grep -c '\.tmp')" 0 "and leaves no temporary file"
# Without --jobs: as many workers as the processors the command may run on, at most 8.
if command -v taskset >/dev/null && [ "$(nproc)" -ge 2 ]; then
    rm -rf d1 d2
    strace -f -e trace=clone,clone3,fork,vfork -o one.trace taskset -c 0 "$NB_BIN" -d sj.db regen --out d1 >/dev/null 2>&1
    # a worker is a fork (SIGCHLD without CLONE_VM); threads of the PDF libraries and
    # LeakSanitizer's tracer are not
    is "$(grep -E 'clone3?\(|fork\(' one.trace | grep SIGCHLD | grep -vc 'CLONE_VM')" 0 "without --jobs, on one processor: no worker"
    strace -f -e trace=clone,clone3,fork,vfork -o two.trace taskset -c 0,1 "$NB_BIN" -d sj.db regen --out d2 >/dev/null 2>&1
    is "$(grep -E 'clone3?\(|fork\(' two.trace | grep SIGCHLD | grep -vc 'CLONE_VM')" 2 "without --jobs, on two processors: two workers"
    (cd d1 && find . -type f -exec sha256sum {} + | sort) >d1s
    (cd d2 && find . -type f -exec sha256sum {} + | sort) >d2s
    check "and the same bytes either way" cmp -s d1s d2s
fi
nb -d sj.db regen --jobs 0 --out j4
like "$rc:$err" "^2:nianbao: regen: --jobs: not a number of worker processes from 1 to 64 \(0\)" "--jobs 0: refused"

# --checks: a check file beside each report, in each format but JSON.
rm -rf c1 && nb -d s.db regen --years 2020-2020 --body 甲区 --to json,txt --checks --out c1
is "$rc" 0 "regen --checks: exit 0"
check "regen --checks: the check file of each report" test -f "c1/甲区/甲区-2020-检查结果.txt"
check "regen --checks: no check file for JSON" test ! -e "c1/甲区/甲区-2020-检查结果.json"
like "$(cat "c1/甲区/甲区-2020-检查结果.txt")" "^共 [0-9]+ 项检查：通过" "regen --checks: the summary in Chinese"

# ---- killed halfway: every file whole, no temporary ----
rm -rf k && nb -d s.db regen --out k
(cd k && find . -type f ! -name manifest.json ! -name '*.changes.csv' -exec sha256sum {} + | sort) >whole
n=1; bad=""
writes=$(strace -f -c -e trace=write "$NB_BIN" -d s.db regen --out k2 2>&1 >/dev/null | awk '$NF == "write" { print $(NF - 1) }')
rm -rf k2
for n in 7 31 97 211 401; do
  [ "$n" -lt "${writes:-0}" ] || continue
  rm -rf k2
  jobs=1; [ $((n % 2)) -eq 1 ] && jobs=2
  strace -f -o /dev/null -e trace=write -e inject=write:signal=KILL:when=$n "$NB_BIN" -d s.db regen --jobs $jobs --out k2 >/dev/null 2>&1
  left=$(cd k2 2>/dev/null && find . -type f ! -name manifest.json ! -name '*.changes.csv' -exec sha256sum {} + | sort | while read -r sum f; do
    grep -q "^$sum  $f\$" ../whole || echo "$f"; done)
  tmp=$(find k2 -name '*.tmp*' -o -name '.nb*' 2>/dev/null)
  [ -z "$left$tmp" ] || bad="$bad $n($left$tmp)"
done
is "$bad" "" "killed at several writes: every finished file whole, none half-written"
# ---- files an earlier run made that this one no longer makes ----
# a run --to json after a change of data left the .md of an earlier --to json,md with the
# old numbers: removed, unless changed by hand; without a change it is current, and kept
printf '%s\n' "$H" 'D1,2020-03-01,自然人,2020-03-10,1,丙' 'D2,2021-03-01,自然人,2021-03-10,1,丙' >st.csv
nb -d st.db init
nb -d st.db import request st.csv
nb -d st.db regen --to json,md --out st
is "$rc:$(cd st/丙 && ls | tr '\n' ' ')" "0:manifest.json 丙-2020.json 丙-2020.md 丙-2021.json 丙-2021.md " "(a run with JSON and Markdown)"
manifest() { python3 -c 'import json,sys
m = json.load(open(sys.argv[1]))
print(" ".join("%d:%s" % (r["year"], ",".join(sorted(r["files"]))) for r in m["reports"]))' "$1"; }
nb -d st.db regen --to json --out st
is "$rc:$(cd st/丙 && ls | tr '\n' ' ')" "0:manifest.json 丙-2020.json 丙-2020.md 丙-2021.json 丙-2021.md " \
   "a run --to json of the same data: the Markdown is current, kept"
is "$(manifest st/丙/manifest.json)" "2020:丙-2020.json,丙-2020.md 2021:丙-2021.json,丙-2021.md" "and still listed"
printf '%s\n' "$H" 'D1,2020-03-01,自然人,2020-03-12,1,丙' 'D2,2021-03-01,自然人,2021-03-10,1,丙' >st.csv
nb -d st.db import request st.csv
echo "changed by hand" >>st/丙/丙-2021.md
nb -d st.db regen --to json --out st
is "$rc:$(cd st/丙 && ls | tr '\n' ' ')" "0:manifest.json 丙-2020.json 丙-2021.json 丙-2021.md " \
   "after a change of data: the Markdown it made removed, one changed since kept"
like "$out" "removed st/丙/丙-2020.md \(of an earlier run: no longer current\)" "and it says so"
is "$(manifest st/丙/manifest.json)" "2020:丙-2020.json 2021:丙-2021.json" "the manifest lists what it made"
# a year no data makes any more: its report kept (it may be the only copy of one published)
nb -d st.db delete --body 丙 request D2
nb -d st.db regen --to json --out st
is "$rc:$(cd st/丙 && ls | tr '\n' ' ')" "0:manifest.json 丙-2020.json 丙-2021.json 丙-2021.md " \
   "2021 has no records any more: its report kept"
like "$out" "kept st/丙: the report of 2021, of an earlier run \(no data of 2021 makes one now\)" "and named"
is "$(manifest st/丙/manifest.json)" "2020:丙-2020.json 2021:丙-2021.json" "and listed"
nb -d st.db regen --to json --out st
is "$rc:$(printf '%s\n' "$out" | grep -c 'current$')" "0:1" "again: 丙 current"
like "$out" "kept st/丙: the report of 2021, of an earlier run \(no data of 2021 makes one now\)" "and the report kept named as when it was made"
is "$(manifest st/丙/manifest.json)" "2020:丙-2020.json 2021:丙-2021.json" "and still listed"
# a damaged manifest that lists a file this run writes under another year: not removed
python3 - st/丙/manifest.json <<'PY'
import json, sys
m = json.load(open(sys.argv[1]))
m["reports"][1]["files"]["丙-2020.json"] = m["reports"][0]["files"]["丙-2020.json"]
m["reports"][0]["files"]["丙-2020.md"] = "0" * 64
json.dump(m, open(sys.argv[1], "w"))
PY
nb -d st.db regen --to json --out st
is "$rc:$(cd st/丙 && ls | tr '\n' ' ')" "0:manifest.json 丙-2020.json 丙-2021.json 丙-2021.md " \
   "a file this run wrote is never removed, whatever the manifest lists"
# a manifest is the folder's: what it claims is checked before a body is left as it is
nb -d st.db regen --to json --out st
is "$rc:$(printf '%s\n' "$out" | grep -c 'current$')" "0:1" "丙 current"
cp st/丙/manifest.json st-m
python3 - st/丙/manifest.json <<'PY'
import json, sys
m = json.load(open(sys.argv[1]))
r = [r for r in m["reports"] if r["year"] == 2020][0]
r["files"]["../丙/丙-2020.json"] = r["files"]["丙-2020.json"]
r["made"] = ["../丙/丙-2020.json"]
json.dump(m, open(sys.argv[1], "w"))
PY
nb -d st.db regen --to json --out st
is "$rc:$(printf '%s\n' "$out" | grep -c 'current$')" "0:0" "a manifest whose report names a file outside its folder: made again"
check "and the manifest as before" cmp -s st-m st/丙/manifest.json
python3 -c 'print("{\"body\": \"丙\", \"reports\": " + "[" * 5000 + "]" * 5000 + "}")' >st/丙/manifest.json
nb -d st.db regen --to json --out st
is "$rc:$(printf '%s\n' "$out" | grep -c 'current$')" "0:0" "a manifest nested 5,000 deep: made again"
nb -d st.db regen --to json --out st
is "$rc:$(printf '%s\n' "$out" | grep -c 'current$')" "0:1" "and current after"
sqlite3 st.db "DELETE FROM run"
nb -d st.db regen --to json --out st
is "$rc:$(printf '%s\n' "$out" | grep -c 'current$')" "0:0" "the store's history gone (its checks unknown): made again"
# ---- names: every body its own folder, whatever its name ----
# 甲/乙 and 甲_乙 both became 甲_乙 (the second run overwrote the first's reports and
# manifest); a name of dots made a folder outside --out (regen died for every body); a
# long name's files passed the 255 bytes of a file name.
long=$(awk 'BEGIN { for (i = 0; i < 66; i++) printf "长" }')
printf '%s\n' "编号,收到日期,申请人类型,办结日期,办理结果,机关" 'N1,2020-03-01,自然人,2020-03-10,1,甲/乙' \
  'N2,2020-03-01,自然人,2020-03-10,1,甲/乙' 'N3,2020-03-01,自然人,2020-03-10,1,甲_乙' \
  'N4,2020-03-01,自然人,2020-03-10,1,..' "N5,2020-03-01,自然人,2020-03-10,1,$long" \
  'N6,2020-03-01,自然人,2020-03-10,1,甲%2F乙' 'N7,2020-03-01,自然人,2020-03-10,1,a b' \
  "N8,2020-03-01,自然人,2020-03-10,1,$(awk 'BEGIN { for (i = 0; i < 33; i++) printf "长" }')~$(printf '%s' "$long" | sha256sum | cut -c1-8)" \
  'N9,2020-03-01,自然人,2020-03-10,1,CON' 'N10,2020-03-01,自然人,2020-03-10,1,甲.' >names.csv
nb -d names.db init
nb -d names.db import request names.csv
nb -d names.db regen --to json --out names
is "$rc" 0 "regen of bodies with odd names"
folders=$(cd names && ls | LC_ALL=C sort | sed 's/长长*/长…/' | tr '\n' ' ')
is "$folders" "%2E%2E %43ON a%20b 甲%252F乙 甲%2E 甲%2F乙 甲_乙 长…%7E$(printf '%s' "$long" | sha256sum | cut -c1-8) 长…~$(printf '%s' "$long" | sha256sum | cut -c1-8) " \
   "a folder each: the characters a file name cannot hold as %XX, a leading and a trailing dot too, a Windows device name (CON) its first letter, a long name cut with its digest"
is "$(json names/甲%2F乙/甲%2F乙-2020.json new) $(json names/甲_乙/甲_乙-2020.json new)" "2 1" "甲/乙 and 甲_乙: each its own report"
is "$(find names -name manifest.json | wc -l)" 9 "and its own manifest (a name made like a long name's end: ~ written %7E)"
nb -d names.db report --body 甲/乙 --year 2020 --to json --out one
is "$rc:$(ls one)" "0:甲%2F乙-2020.json" "report names its file the same way"
# ---- a record's provenance is part of what its reports read ----
# A rule may name where a record came from (file and line, as the Shenhe example's late.lua
# does): a record re-imported unchanged from another file must make its body's reports
# again, or the check file keeps naming the old file while the body is called current
# (found by a walk through the README).
printf '%s\n' "$H" 'P1,2020-03-01,自然人,2020-03-10,1,丙' 'P2,2020-04-01,自然人,2020-04-08,1,丙' >prov1.csv
printf '%s\n' "$H" 'P2,2020-04-01,自然人,2020-04-08,1,丙' >prov2.csv
cat >where.lua <<'LUA'
return { { id = "W1", severity = "info", title = "来源", formula = "-",
  run = function(ctx, emit)
    local at = {}
    for r in ctx.store:rows("request", { body = ctx.body }) do at[#at + 1] = r.id .. "@" .. r.source .. ":" .. r.line end
    table.sort(at)
    emit{ status = "FAIL", message = table.concat(at, " ") }
  end } }
LUA
nb -d prov.db init
nb -d prov.db import request prov1.csv
nb -d prov.db import --body 丙 rules where.lua
nb -d prov.db regen --to md --checks --out pv
is "$rc" 0 "regen --checks of a body whose rule names its records' files"
like "$(cat pv/丙/丙-2020-检查结果.md)" "P2@prov1.csv:3" "the check file names the file"
nb -d prov.db import request prov2.csv
like "$out" "1 updated" "P2 re-imported unchanged from another file: updated (its source)"
nb -d prov.db regen --to md --checks --out pv
is "$rc:$(printf '%s\n' "$out" | grep -c 'current$')" "0:0" "its body's reports made again, not current"
like "$(cat pv/丙/丙-2020-检查结果.md)" "P2@prov2.csv:2" "the check file names the new file"
nb -d prov.db regen --to md --checks --out pv
is "$rc:$(printf '%s\n' "$out" | grep -c 'current$')" "0:1" "then current"
# ---- a year declared complete with no records is data: its report is made ----
# (found by a walk through the README: report said the year had no data, regen left it out)
printf '%s\n' "$H" 'Q1,2020-03-01,自然人,2020-03-10,1,丁' >q.csv
printf '编号,收到日期,申请人类型,办结日期,办理结果\n' >q2021.csv
nb -d decl.db init
nb -d decl.db import request q.csv
nb -d decl.db import --body 丁 --year 2021 request q2021.csv
is "$rc" 0 "(2021 declared complete: no requests)"
nb -d decl.db report --body 丁 --year 2021 --to json --out dq
is "$rc:$err" "0:" "report of the declared year: no note that it has no data"
is "$(json dq/丁-2021.json new)" 0 "its requests counted 0"
nb -d decl.db regen --to json --out dr
is "$rc:$(printf '%s\n' "$out" | grep -c '^丁 20[0-9]* (gov')" "0:2" "regen makes the declared year too (丁 2020 and 2021)"
nb -d decl.db report --body 丁 --year 2022 --to json --out dq
like "$err" "note: 丁 has no records or imported figures of 2022" "a year neither held nor declared: the note still"
# the same with a file whose header has the body column (机关): it declared nothing, silently
printf '%s\n' "$H" >q2023.csv
nb -d decl.db import --body 丁 --year 2023 request q2023.csv
is "$rc:$(sqlite3 decl.db "SELECT year FROM coverage ORDER BY year" | tr '\n' ' ')" "0:2021 2023 " "a file with the 机关 column and no rows declares the year for --body"
like "$err" "2023 is declared complete with none" "and says so"
nb -d decl.db import --year 2024 request q2023.csv
is "$rc:$err" "2:nianbao: q2023.csv: --year 2024 declares nothing: no row names a body; give --body NAME" "without --body: refused, saying why"

# ---- memory: a run's does not grow with its reports ----
# 60 bodies x 4 years, made in one process under a Lua memory limit that about 40 reports'
# worth of kept state exceeds: a run that kept each body's last reports (the Y1-Y3
# neighbours) after moving on to the next body needed more than 24 MB here, and failed.
awk 'BEGIN { print "编号,收到日期,申请人类型,办结日期,办理结果,机关"
  for (b = 1; b <= 60; b++) for (y = 2019; y <= 2022; y++) printf "M%d-%d,%d-03-01,自然人,%d-03-10,1,机关%02d\n", b, y, y, y, b }' >many.csv
awk 'BEGIN { print "名称"; for (b = 1; b <= 60; b++) printf "机关%02d\n", b }' >many-bodies.csv
nb -d many.db init
nb -d many.db import bodies many-bodies.csv
nb -d many.db import request many.csv
nb -d many.db regen --jobs 1 --to json --out many --limit-memory 12M
is "$rc:$(printf '%s\n' "$out" | grep -c '^[^ ]* [0-9]* (gov')" "0:240" "240 reports in one process within 12 MB of Lua memory"
# ---- a body's stored rule that raises ----
# A city's regeneration stopped at it saying "boom.lua:3: boom", not whose; and a report
# printed a traceback through the program's own files (lib/, scripts/), which are not the user's.
cat >boom.lua <<'LUA'
return {
  { id = "Z1", severity = "error", title = "总是出错",
    run = function(ctx, emit) error("boom") end },
}
LUA
nb -d many.db import --body 机关07 rules boom.lua
nb -d many.db report --body 机关07 --year 2020 --to json --out boomr
is "$rc:$err" "2:nianbao: boom.lua:3: boom
stack traceback:
	boom.lua:3: in function 'run'" "report: the rule's error and its own frames, not the program's"
nb -d many.db regen --jobs 1 --to json --out boomg
is "$rc:$err" "2:nianbao: 机关07 2019: boom.lua:3: boom" "regen in one process: the error names the body and year"
nb -d many.db regen --jobs 2 --to json --out boomg
is "$rc:$err" "2:nianbao: 机关07 2019: boom.lua:3: boom" "regen in workers: the same"
nb -d many.db delete --body 机关07 script boom.lua
# ---- a body deleted: its folder of an earlier run is left, and said ----
printf '%s\n' '编号,收到日期,申请人类型,办结日期,办理结果' 'A1,2020-01-05,自然人,2020-01-20,予以公开' >gone.csv
nb -d gone.db init
nb -d gone.db import --body 甲 request gone.csv
nb -d gone.db import --body 乙 request gone.csv
nb -d gone.db regen --to json --out gone
nb -d gone.db delete --body 乙 --force
mkdir gone/notes # a folder of the user's: not a body's (no manifest)
nb -d gone.db regen --to json --out gone
is "$rc:$(printf '%s\n' "$out" | grep '^kept')" "0:kept gone/乙: the reports of 乙, of an earlier run: no longer a body of the store (remove the folder when they are not wanted)" \
   "regen: a deleted body's folder kept and named (not the user's own folder)"
check "regen: and its report still there" test -f gone/乙/乙-2020.json
nb -d gone.db regen --body 甲 --to json --out gone
is "$(printf '%s\n' "$out" | grep -c '^kept')" 0 "regen --body: other folders not looked at"
finish
