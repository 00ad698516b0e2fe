#!/bin/sh
# test_bodies.sh - the body tree: a bodies file builds or updates it (every row or none),
# `nianbao bodies` lists it with codes, roll-up flags and records by kind and year.
. tests/cli/lib.sh
nb -d s.db init
printf '名称,上级,代码,汇总\n沈阳市,,210100,是\n沈河区,沈阳市,210103,是\n和平区,沈阳市,210102,\n沈河区财政局,沈河区,,否\n' >b.csv
nb -d s.db import --dry-run bodies b.csv
is "$rc:$out" "0:b.csv: 4 bodies read, 4 created, 0 updated, 0 unchanged (dry run: nothing written)" "dry run: counted"
nb -d s.db bodies
is "$out" "no bodies yet (nianbao import --body NAME …, or nianbao import bodies FILE)" "dry run: nothing written"
nb -d s.db import bodies b.csv
is "$rc:$out" "0:b.csv: 4 bodies read, 4 created, 0 updated, 0 unchanged" "a bodies file: the tree made"
printf '编号,收到日期,申请人类型\nA1,2019-05-01,自然人\nA2,2021-01-02,企业\n' >r.csv
nb -d s.db import --body 沈河区财政局 request r.csv
nb -d s.db bodies
is "$out" "body              code    roll-up  records
沈阳市            210100  汇总     —
  沈河区          210103  汇总     —
    沈河区财政局                   request 2 (2019–2021)
  和平区          210102           —" "bodies: the tree, codes, roll-ups, records with their years"
cat >one.lua <<'LUA'
local store = nianbao.open(nianbao.db, "read")
for _, x in ipairs(store:bodies()) do
  local b = store:body(x.name)
  print(string.format("%s id=%s parent=%s code=%s rollup=%s", b.name, b.id == x.id, tostring(b.parent),
    tostring(b.code), tostring(b.rollup)))
end
LUA
nb -d s.db run one.lua
is "$out" "沈阳市 id=true parent=nil code=210100 rollup=true
沈河区 id=true parent=沈阳市 code=210103 rollup=true
和平区 id=true parent=沈阳市 code=210102 rollup=false
沈河区财政局 id=true parent=沈河区 code=nil rollup=false" "store:body: a row of store:bodies() (parent, code, roll-up)"
nb -d s.db import bodies b.csv
is "$out" "b.csv: 4 bodies read, 0 created, 0 updated, 4 unchanged" "the same file again: unchanged"
printf 'name,parent\n和平区,沈河区\n' >move.csv
nb -d s.db import bodies move.csv
is "$out" "move.csv: 1 body read, 0 created, 1 updated, 0 unchanged" "a body moved"

before=$(snapshot s.db)
printf '名称,上级,汇总\n甲,乙,是\n甲,,也许\n' >bad.csv
nb -d s.db import bodies bad.csv
is "$rc:$err" "2:bad.csv:2: field 'parent': neither a row of this file nor a body of the store (乙)
bad.csv:3: field 'rollup': not yes or no (是/否) (也许)
bad.csv:3: field 'name': given twice (first at line 2) (甲)
nianbao: bad.csv: 3 problems; nothing written" "a bad bodies file: every problem named, exit 2"
printf '名称,上级\n沈阳市,沈河区财政局\n' >cycle.csv
nb -d s.db import bodies cycle.csv
like "$rc:$err" "^2:cycle.csv:2: field 'parent': .*cannot be the parent of '沈阳市' \(it is below it\)" "a cycle: refused on its line"
is "$(snapshot s.db)" "$before" "refused files: nothing written"
nb -d s.db import --body 沈河区 bodies b.csv
like "$rc:$err" "^2:nianbao: import: bodies: the file names the bodies and their parents \(no --body, --parent\)" \
   "import bodies takes no --body"
nb -d s.db import rules x.lua
like "$rc:$err" "^2:nianbao: import: rules: give --body NAME" "rules need --body"
# ---- a record file naming each row's body ----
printf '编号,收到日期,申请人类型,机关\nC1,2020-03-01,自然人,沈河区\nC1,2020-03-02,企业,和平区\nC2,2020-03-03,自然人,沈河区\n' >city.csv
nb -d s.db import request city.csv
is "$rc:$out" "0:city.csv: 3 rows read, 3 inserted, 0 updated, 0 unchanged, 0 refused" "a file of several bodies: no --body needed"
is "$(sqlite3 s.db "SELECT b.name || ':' || r.id FROM request r JOIN body b ON b.id = r.body WHERE r.id LIKE 'C%' ORDER BY 1")" \
   "和平区:C1
沈河区:C1
沈河区:C2" "each row went to its body (one id may be in two bodies)"
printf '编号,收到日期,申请人类型,单位\nD1,2020-03-01,自然人,新区\n' >new.csv
nb -d s.db import request new.csv
is "$out" "new.csv: 1 row read, 1 inserted, 0 updated, 0 unchanged, 0 refused
created body 新区" "a body new to the store is created"
before=$(snapshot s.db)
printf '编号,收到日期,申请人类型,机关\nE1,2020-03-01,自然人,沈河区\nE2,2020-03-01,自然人,\nE1,2020-03-02,自然人,沈河区\nE3,2020-03-02,自然人,和平区\n' >bad2.csv
nb -d s.db import --body 沈河区 request bad2.csv
is "$rc:$err" "2:bad2.csv:3: field 'body': missing value
bad2.csv:4: field 'id': duplicate id, first at line 2 (E1)
bad2.csv:5: field 'body': not the body given with --body (沈河区) (和平区)" \
   "missing body, an id twice in one body, a row of another body than --body: each refused"
is "$(snapshot s.db)" "$before" "and nothing written"
# an empty, blank or line-breaking body name is refused wherever a body is made (import
# --body, store:insert took them: bodies listed as blank or broken lines; found by a walk
# through docs/lua-api.md)
printf '编号,收到日期,申请人类型\nN1,2020-03-01,自然人\n' >n.csv
before=$(snapshot s.db)
nb -d s.db import --body "" request n.csv
is "$rc:$err" "2:nianbao: '' is not a body name (empty or blank)" "import --body '': refused"
nb -d s.db import --body "　 " request n.csv
is "$rc:$err" "2:nianbao: '　 ' is not a body name (empty or blank)" "a blank name (spaces, 全角 too): refused"
nb -d s.db import --body "$(printf 'a\nb')" request n.csv
is "$rc:$err" "2:nianbao: not a body name: it holds a control character or a line break" "a name with a line break: refused, not echoed"
# bytes that are not UTF-8 made a body whose name broke every JSON file of its reports; a
# space before or after made another body that looks the same as the one meant
nb -d s.db import --body "$(printf '\377\376')" request n.csv
is "$rc:$err" "2:nianbao: not a body name: it is not UTF-8 text" "a name that is not UTF-8: refused, not echoed"
nb -d s.db import --body " 区" request n.csv
is "$rc:$err" "2:nianbao: ' 区' is not a body name (a space before or after it)" "a space before the name: refused"
nb -d s.db import --body "区　" request n.csv
is "$rc:$err" "2:nianbao: '区　' is not a body name (a space before or after it)" "a 全角 space after it: refused"
printf 'local s = assert(nianbao.open())\nprint(s:insert("request", "  ", { id = "X", received = "2020-01-01", applicant = "自然人" }))\n' >blank.lua
nb -d s.db run blank.lua
is "$rc:$out" "0:nil	'  ' is not a body name (empty or blank)" "store:insert: refused the same"
is "$(snapshot s.db)" "$before" "no body made"
# problems found pass by pass (a name missing while reading; a name twice, an unknown parent
# after) are told by line (they came pass by pass, a later line first)
printf '名称,上级\n甲,\n甲,\n丙,不存在\n,x\n' >order.csv
nb -d s.db import bodies order.csv
is "$rc:$err" "2:order.csv:3: field 'name': given twice (first at line 2) (甲)
order.csv:4: field 'parent': neither a row of this file nor a body of the store (不存在)
order.csv:5: field 'name': missing value
order.csv:5: field 'parent': neither a row of this file nor a body of the store (x)
nianbao: order.csv: 4 problems; nothing written" "a bodies file's problems told by line"
finish
