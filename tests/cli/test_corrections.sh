#!/bin/sh
# test_corrections.sh - corrections that remove: import --replace / --replace-all,
# delete of records, scripts and bodies (each with --dry-run), a mapping stored with
# the body, and the scripts listing with hashes.
. tests/cli/lib.sh
nb -d s.db init
mkdir -p jan feb
printf '编号,收到日期,申请人类型\nA1,2020-01-05,自然人\nA2,2020-01-06,企业\nA3,2020-01-07,自然人\n' >jan/requests.csv
printf '编号,收到日期,申请人类型\nB1,2020-02-05,自然人\n' >feb/other.csv
nb -d s.db import --body 区 request jan/requests.csv
nb -d s.db import --body 区 request feb/other.csv
# a corrected file of the same name, elsewhere, without A2
mkdir -p fixed
printf '编号,收到日期,申请人类型\nA1,2020-01-05,自然人\nA3,2020-01-08,自然人\n' >fixed/requests.csv
before=$(snapshot s.db)
nb -d s.db import --body 区 --replace --dry-run request fixed/requests.csv
is "$rc:$out" "0:fixed/requests.csv: 2 rows read, 0 inserted, 2 updated, 0 unchanged, 0 refused (dry run: nothing written)
fixed/requests.csv: 1 row would be removed (earlier rows from files named requests.csv) (dry run: nothing written)" \
   "--replace --dry-run: counts what would go"
is "$err" "fixed/requests.csv: note: --replace would remove 1 row of 区 from jan/requests.csv" \
   "--replace --dry-run: the file the rows would go from is named (a year's folder, say)"
is "$(snapshot s.db)" "$before" "--replace --dry-run: nothing written"
nb -d s.db import --body 区 request fixed/requests.csv
is "$(sqlite3 s.db "SELECT group_concat(id, ' ') FROM (SELECT id FROM request ORDER BY id)")" "A1 A2 A3 B1" \
   "without --replace the old row stays (it is another file)"
nb -d s.db import --body 区 --replace request fixed/requests.csv
is "$rc:$out" "0:fixed/requests.csv: 2 rows read, 0 inserted, 0 updated, 2 unchanged, 0 refused
fixed/requests.csv: 1 row removed (earlier rows from files named requests.csv)" "--replace: the stale row removed"
is "$err" "fixed/requests.csv: note: --replace removes 1 row of 区 from jan/requests.csv" "--replace: and whence"
is "$(sqlite3 s.db "SELECT group_concat(id, ' ') FROM (SELECT id FROM request ORDER BY id)")" "A1 A3 B1" \
   "--replace: no stale rows, other files' rows kept"
# the files are told apart by their canonical paths: the same file however its path is spelt
# (no note), a file of the same name typed alike in another folder (its note)
mkdir -p y1 y2 && printf '编号,收到日期,申请人类型\nY0,2021-01-04,自然人\nY1,2021-01-05,自然人\n' >y1/年.csv
printf '编号,收到日期,申请人类型\nY2,2022-01-05,自然人\n' >y2/年.csv
nb -d ys.db init
cd y1 && nb -d ../ys.db import --body 乙 request 年.csv && cd ..
cd y2 && nb -d ../ys.db import --body 乙 --replace --dry-run request 年.csv && cd ..
is "$err" "年.csv: note: --replace would remove 2 rows of 乙 from $T/y1/年.csv" \
   "--replace: another folder's file typed alike is named (its whole path: the working folder is not above it)"
printf '编号,收到日期,申请人类型\nY1,2021-01-05,自然人\n' >y1/年.csv
nb -d ys.db import --body 乙 --replace request ./y1/../y1/年.csv
is "$rc:$out:$err" "0:./y1/../y1/年.csv: 1 row read, 0 inserted, 1 updated, 0 unchanged, 0 refused
./y1/../y1/年.csv: 1 row removed (earlier rows from files named 年.csv):" \
   "--replace: the same file spelt otherwise, a row fewer: it goes without a note (the correction --replace is for)"
printf '编号,收到日期,申请人类型\nC1,2020-03-01,自然人\n' >all.csv
nb -d s.db import --body 区 --replace-all request all.csv
is "$rc:$out" "0:all.csv: 1 row read, 1 inserted, 0 updated, 0 unchanged, 0 refused
all.csv: 3 rows removed (all earlier rows of this kind for the body)" "--replace-all: every other row of the kind goes"
is "$err" "all.csv: note: --replace-all removes 1 row of 区 from feb/other.csv
all.csv: note: --replace-all removes 2 rows of 区 from fixed/requests.csv" "--replace-all: each file the rows go from, with its count"
is "$(sqlite3 s.db "SELECT group_concat(id, ' ') FROM request")" "C1" "--replace-all: only the file's rows"
nb -d s.db import --body 区 --replace --replace-all request all.csv
like "$rc:$err" "^2:.*give --replace or --replace-all, not both" "both: a usage error"
# a refused file with --replace removes nothing
before=$(snapshot s.db)
printf '编号,收到日期,申请人类型\nD1,不是日期,自然人\n' >all.csv
nb -d s.db import --body 区 --replace-all request all.csv
is "$rc" "2" "a bad file with --replace-all: refused"
is "$(snapshot s.db)" "$before" "a bad file with --replace-all: nothing removed"

# ---- delete records ----
printf '编号,收到日期,申请人类型\nE1,2020-04-01,自然人\nE2,2020-04-02,自然人\nE3,2020-04-03,企业\n' >e.csv
nb -d s.db import --body 区 request e.csv
before=$(snapshot s.db)
nb -d s.db delete --dry-run --body 区 request E1 E3
is "$rc:$out" "0:would remove 2 request records of 区 (dry run: nothing written)" "delete --dry-run: counted"
is "$(snapshot s.db)" "$before" "delete --dry-run: nothing written"
nb -d s.db delete --body 区 request E1 E9 E8
like "$rc:$err" "^2:nianbao: delete: .*E9.*E8|^2:nianbao: delete: .*E8.*E9" "a missing id: named"
is "$(snapshot s.db)" "$before" "a missing id: nothing removed"
nb -d s.db delete --body 区 request E1 E3
is "$rc:$out" "0:removed 2 request records of 区" "delete records"
is "$(sqlite3 s.db "SELECT group_concat(id, ' ') FROM (SELECT id FROM request ORDER BY id)")" "C1 E2" "delete: only those ids"
nb -d s.db delete --body 无此机关 request E2
like "$rc:$err" "^2:.*无此机关" "delete of an unknown body: named"

# ---- a mapping stored with the body ----
cat >m.lua <<'LUA'
return { request = { applicant = { ["个人"] = "person" } } }
LUA
nb -d s.db import --body 区 map m.lua
is "$rc:$out" "0:m.lua: map script stored for 区
区: its 2 stored records keep their codes: 'nianbao remap --body 区' codes them again with it" "import map: stored, and what to do with the records stored before"
printf '编号,收到日期,申请人类型\nM1,2020-05-01,个人\n' >m.csv
nb -d s.db import --body 区 request m.csv
is "$rc:$out" "0:m.csv: 1 row read, 1 inserted, 0 updated, 0 unchanged, 0 refused" "a later import uses the stored map"
is "$(nbsql s.db "SELECT d.code FROM records_request r JOIN dict d ON d.id = r.applicant WHERE r.id IN ('M1', 'E2') ORDER BY r.id")" "person
person" "the stored map was applied (个人 stored as 自然人's code)"
cat >bad.lua <<'LUA'
return { request = { applicant = { ["个人"] = "nobody" } } }
LUA
before=$(snapshot s.db)
nb -d s.db import --body 区 map bad.lua
like "$rc:$err" "^2:.*bad.lua: .*nobody" "a bad map is refused at import, naming the value"
is "$(snapshot s.db)" "$before" "a bad map: the stored one kept"
# a field typed wrong whose table is empty (found by a walk through the README): stored, it
# replaced the good mapping and every later import failed on its local values
printf 'return { request = { aplicant = {} } }\n' >typo.lua
nb -d s.db import --body 区 map typo.lua
is "$rc:$err" "2:nianbao: typo.lua: request.aplicant is not a categorical field" "a map naming no field of the kind, with no entries: refused"
is "$(snapshot s.db)" "$before" "and the stored one kept"
printf 'return { requestx = {} }\n' >typo3.lua
nb -d s.db import --body 区 map typo3.lua
is "$rc:$err" "2:nianbao: typo3.lua: unknown record kind 'requestx'" "a map naming no kind, with nothing in it: refused"
printf 'return { aliases = { reqest = {} } }\n' >typo2.lua
nb -d s.db import --body 区 map typo2.lua
is "$rc:$err" "2:nianbao: typo2.lua: unknown record kind 'reqest'" "aliases of a kind typed wrong: refused"
# a bad --map given to an import: a message naming the file, not a Lua traceback
printf '编号,收到日期,申请人类型\nB1,2020-05-01,个人\n' >b.csv
nb -d s.db import --body 区 --map bad.lua request b.csv
is "$rc:$err" "2:nianbao: bad.lua: request.applicant['个人'] = 'nobody': not a national code of applicant" \
   "import --map of a bad map: refused naming the file and the entry, no traceback"
# a map giving an open list a value longer than a category's 256 bytes: refused, naming it
printf 'return { request = { channel = { ["网上"] = string.rep("长", 100) } } }\n' >long.lua
nb -d s.db import --body 区 --map long.lua request b.csv
like "$rc:$err" "^2:nianbao: long.lua: request.channel\['网上'\] = '(长){100}': longer than 256 bytes \(a category's value\)$" \
     "import --map of a map whose value is past 256 bytes: refused, naming the file and the entry"
nb -d s.db import --body 区 --map typo.lua request b.csv
is "$rc:$err" "2:nianbao: typo.lua: request.aplicant is not a categorical field" "import --map of a map with a field typed wrong: refused"
is "$(snapshot s.db)" "$before" "nothing imported"
# a map saved with a UTF-8 byte order mark (Notepad's way): --map reads it as import map does
printf '\357\273\277return { request = { applicant = { ["个人"] = "person" } } }\n' >bom.lua
nb -d s.db import --body 区 --map bom.lua --dry-run request b.csv
is "$rc" 0 "import --map of a map saved with a byte order mark: read as import map reads it ($err)"
cat >m2.lua <<'LUA'
return { request = { applicant = { ["个人"] = "person", ["公司"] = "business" } } }
LUA
nb -d s.db import --body 区 map m2.lua
is "$out" "m2.lua: map script stored for 区 (replaces m.lua)
区: its 3 stored records keep their codes: 'nianbao remap --body 区' codes them again with it" "a second map replaces the first"
# a file naming its bodies in a column is read without their stored mappings: when its header
# does not fit, that is said (a district's file for all its departments, local headers)
cat >ha.lua <<'LUA'
return { aliases = { request = { ["来源类别"] = "applicant" } } }
LUA
nb -d hs.db init
nb -d hs.db import --body 区 map ha.lua
printf '编号,收到日期,来源类别,机关\nH1,2020-05-01,自然人,区\n' >hall.csv
nb -d hs.db import request hall.csv
is "$rc:$(printf '%s\n' "$err" | tail -1)" "2:nianbao: hall.csv: the header does not fit kind 'request' (a file naming its bodies in a column is read with --map's mapping, not the bodies' stored ones)" \
   "a file of several bodies with local headers: the bodies' stored mappings are not used, said"
nb -d hs.db import --map ha.lua request hall.csv
is "$rc" 0 "and with --map it is read"
nb -d s.db import --body 区 map m2.lua

# ---- scripts ----
printf 'return { rules = {} }\n' >r.lua
nb -d s.db import --body 区 rules r.lua
nb -d s.db scripts --body 区
is "$rc:$out" "0:map     m2.lua                           sha256:$(sha256sum m2.lua | cut -c1-64)
rules   r.lua                            sha256:$(sha256sum r.lua | cut -c1-64)" "scripts: role, name, hash"
before=$(snapshot s.db)
nb -d s.db delete --dry-run --body 区 script r.lua
is "$rc:$out" "0:would remove script r.lua of 区 (dry run: nothing written)" "delete script --dry-run"
is "$(snapshot s.db)" "$before" "delete script --dry-run: nothing written"
nb -d s.db delete --body 区 script r.lua
is "$rc:$out" "0:removed script r.lua of 区" "delete script"
nb -d s.db delete --body 区 script r.lua
like "$rc:$err" "^2:nianbao: delete: .*r.lua" "delete of a script that is not there: named"

# ---- delete what a body has of a year: its narrative, imported figures, declared coverage ----
# (an import of the wrong year or body could be undone only with the whole body)
nb -d s.db report --body 区 --year 2020 --to json --out pub
nb -d s.db import --body 区 --year 2020 report pub/区-2020.json
figures=$(sqlite3 s.db "SELECT count(*) FROM figures")
cp "$NIANBAO_HOME/examples/shenhe/text/2020.md" 2020.md
nb -d s.db import --body 区 text 2020.md
printf '编号,收到日期,申请人类型\n' >none.csv
nb -d s.db import --body 区 --year 2021 request none.csv
nb -d s.db report --body 区 --year 2020 --to json --out before
like "$out" "D2 +通过 +提示 +本年表格为导入的已公布报告数字" "the year's report shows the imported figures (check D2)"
before=$(snapshot s.db)
nb -d s.db delete --dry-run --body 区 figures 2020
is "$rc:$out" "0:would remove $figures imported figures of 区 (2020) (dry run: nothing written)" "delete figures --dry-run: counted"
is "$(snapshot s.db)" "$before" "delete figures --dry-run: nothing written"
nb -d s.db delete --body 区 figures 2019
is "$rc:$err" "2:nianbao: delete: s.db: 区 has no imported figures of 2019 (its years: 2020)" \
   "a year without figures: refused, naming the years it has"
nb -d s.db delete --body 区 figures 2020
is "$rc:$out:$(sqlite3 s.db "SELECT count(*) FROM figures")" "0:removed $figures imported figures of 区 (2020):0" "delete figures: the year's cells gone"
nb -d s.db report --body 区 --year 2020 --to json --out after
is "$(echo "$out" | grep -c 'D2 ')" 0 "the year's report counts its records again (no D2)"
nb -d s.db delete --body 区 text 2020
is "$rc:$out:$(sqlite3 s.db "SELECT count(*) FROM text")" "0:removed 1 narrative of 区 (2020):0" "delete text: the year's narrative gone"
nb -d s.db delete --body 区 text 2020
is "$rc:$err" "2:nianbao: delete: s.db: 区 has no narrative of 2020 (its years: none)" "delete text again: none left, said"
nb -d s.db delete --body 区 coverage request 2021
is "$rc:$out:$(sqlite3 s.db "SELECT count(*) FROM coverage")" "0:removed 1 declared year of 区 (request 2021):0" \
   "delete coverage: the year is no longer declared complete"
nb -d s.db delete --body 区 coverage 申请 2021
is "$rc:$err" "2:nianbao: delete: unknown record kind '申请'" "delete coverage of an unknown kind: named"
nb -d s.db delete --body 区 text
like "$rc:$err" "^2:nianbao: delete: text: give YEAR" "delete text without a year: usage"
nb -d s.db delete --body 区 --force figures 2020
like "$rc:$err" "^2:nianbao: delete: --force is for a body" "--force with a year's removal: refused"

# ---- delete a body ----
nb -d s.db import --body 区 --parent 市 request m.csv
before=$(snapshot s.db)
nb -d s.db delete --body 市
like "$rc:$err" "^2:nianbao: delete: .*区" "a body with bodies below it: refused, naming them"
nb -d s.db delete --body 区
is "$rc:$err" "2:nianbao: delete: s.db: 区 is not empty (it holds 3 request records, 1 script): give --force to delete it with all it holds" \
   "a body that holds records: only with --force, saying what it holds"
is "$(snapshot s.db)" "$before" "refused body deletions: nothing removed"
nb -d s.db delete --dry-run --force --body 区
is "$rc:$out" "0:would remove body 区 and 3 request records, 1 script (dry run: nothing written)" "delete body --dry-run: the count"
is "$(snapshot s.db)" "$before" "delete body --dry-run: nothing written"
nb -d s.db delete --force --body 区
is "$rc:$out" "0:removed body 区 and 3 request records, 1 script" "delete --force: the body and all it held"
is "$(sqlite3 s.db "SELECT count(*) FROM request")|$(sqlite3 s.db "SELECT count(*) FROM script")|$(sqlite3 s.db "SELECT count(*) FROM source WHERE body NOT IN (SELECT id FROM body)")" "0|0|0" \
   "delete --force: no rows, scripts or sources left behind"
nb -d s.db delete --body 市
is "$rc:$out" "0:removed body 市 and nothing" "an empty body: removed without --force"
finish
