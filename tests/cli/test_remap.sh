#!/bin/sh
# test_remap.sh - nianbao remap: a body's stored records coded again with a corrected
# mapping, without their files; the same records as a fresh import of the files with it.
. "${NIANBAO_HOME:-.}/tests/cli/lib.sh"
EX=$NIANBAO_HOME/examples/shenhe

# The Shenhe requests with their mapping, and a corrected one: 信息不存在 is 4.2 (not 4.1),
# 律所 other (not legal).
cp "$EX/map.lua" map.lua
sed 's/\["信息不存在"\] = "4.1"/["信息不存在"] = "4.2"/; s/\["律所"\] = "legal"/["律所"] = "other"/' \
    map.lua >map2.lua
check "remap: the corrected mapping differs" sh -c '! cmp -s map.lua map2.lua'

# records DB: every request record of the store, one line each, in id order.
records() {
    nbsql "$1" "SELECT id || '|' || received || '|' || applicant || '|' || closed || '|' ||
        ifnull(outcome, '') || '|' || ifnull(channel, '') || '|' || src || '|' || line || '|' ||
        replace(replace(raw, char(31), '/'), char(30), '=') FROM records_request ORDER BY id"
}

load() { # DB MAP: the Shenhe requests imported with MAP
    nb -d "$1" init
    nb -d "$1" import --body 沈河区 --map "$2" request "$EX/data/requests.csv"
    is "$rc" 0 "remap: $1 imported with $2"
}
load a.db map.lua
load fresh.db map2.lua
before=$(records a.db)
if [ "$before" != "$(records fresh.db)" ]; then ok "remap: the two mappings code the file differently"
else not_ok "remap: the two mappings code the file differently"; fi

# The same mapping again: nothing changes.
snapshot a.db >a.before
nb -d a.db remap --body 沈河区 --map map.lua
is "$rc" 0 "remap, the same mapping: exit status"
is "$out" "沈河区: request: 557 records, 0 changed
沈河区: 557 records coded again, 0 changed" "remap, the same mapping: nothing changed"
snapshot a.db >a.after
check "remap, the same mapping: the store is as it was" cmp -s a.before a.after

# The corrected mapping stored with the body: a dry run says what would change.
nb -d a.db import --body 沈河区 map map2.lua
is "$rc" 0 "remap: import map stores the corrected mapping"
like "$out" "remap --body 沈河区" "import map: says how to code the stored records again"
snapshot a.db >a.before
nb -d a.db remap --body 沈河区 --dry-run
is "$rc" 0 "remap --dry-run: exit status"
is "$out" "沈河区: request: 557 records, 49 would change
沈河区: 557 records coded again, 49 would change (dry run: nothing written)" "remap --dry-run: what would change"
snapshot a.db >a.after
check "remap --dry-run: the store is as it was" cmp -s a.before a.after

# remap: the records are those of a fresh import of the file with the corrected mapping.
nb -d a.db report --body 沈河区 --year 2020 --to json --out before
nb -d a.db remap --body 沈河区
is "$rc" 0 "remap: exit status"
is "$out" "沈河区: request: 557 records, 49 changed
沈河区: 557 records coded again, 49 changed" "remap: what changed"
is "$(records a.db)" "$(records fresh.db)" "remap: every record as a fresh import with the mapping makes it"
nb -d a.db init --verify
is "$rc" 0 "remap: the packed columns and digests match the records (init --verify)"
nb -d a.db report --body 沈河区 --year 2020 --to json --out after
nb -d fresh.db report --body 沈河区 --year 2020 --to json --out fresh
check "remap: the report is the fresh import's" cmp -s after/沈河区-2020.json fresh/沈河区-2020.json
check "remap: the report changed" sh -c '! cmp -s before/沈河区-2020.json after/沈河区-2020.json'
nb -d a.db remap --body 沈河区
like "$out" "557 records coded again, 0 changed$" "remap again: nothing left to change"

# A mapping that no longer maps a local value: every record refused is named, nothing changes.
grep -v '\["GK"\]' map2.lua >nogk.lua
snapshot a.db >a.before
nb -d a.db remap --body 沈河区 --map nogk.lua
is "$rc" 2 "remap, a value no longer mapped: exit status"
like "$err" "requests.csv:2: field 'outcome': unknown value 'GK' in 42 rows, first at line 2" \
    "remap, a value no longer mapped: its file, line and field"
like "$err" "沈河区: 42 records refused with the mapping: nothing changed" \
    "remap, a value no longer mapped: nothing changed"
snapshot a.db >a.after
check "remap refused: the store is as it was" cmp -s a.before a.after

# Columns the mapping's header aliases took for fields, which the new one does not: remap
# changes categories only, and refuses the rows whose other values would change.
printf '编码,received,applicant,closed,outcome\nR-1,2020-01-02,个人,2020-01-05,GK\n' >local.csv
printf '编号X,类型,日期\nD-1,处罚,2020-03-01\n' >did.csv
printf '类型,日期,件数\n处罚,2020-03-02,2\n' >dn.csv
cat >alias.lua <<'EOF'
return { request = { applicant = { ["个人"] = "person" }, outcome = { GK = "1" } },
         decision = { kind = { ["处罚"] = "penalty" } },
         aliases = { request = { ["编码"] = "id" }, decision = { ["编号X"] = "id", ["件数"] = "count" } } }
EOF
cat >noalias.lua <<'EOF'
return { request = { applicant = { ["个人"] = "person" }, outcome = { GK = "1" } },
         decision = { kind = { ["处罚"] = "penalty" } } }
EOF
nb -d b.db init
nb -d b.db import --body 乙 --map alias.lua request local.csv
is "$rc" 0 "remap: a file with a local header imported"
nb -d b.db import --body 乙 --map alias.lua decision did.csv dn.csv
is "$rc" 0 "remap: decisions with local headers imported"
snapshot b.db >b.before
nb -d b.db remap --body 乙 --map noalias.lua
is "$rc" 2 "remap, header aliases gone: exit status"
like "$err" "local.csv:1: missing required column 'id'" "remap, a required column's alias gone: its header refused"
like "$err" "did.csv:2: field 'id': the mapping's header aliases leave the file no id column, and the record's id is D-1" \
    "remap, an id's header alias gone: said, with the file and line"
like "$err" "dn.csv:2: field 'count': would be '1' where '2' is stored" \
    "remap, a number's header alias gone: the value that would change, with its file and line"
like "$err" "乙: 3 records refused with the mapping: nothing changed" "remap, header aliases gone: nothing changed"
snapshot b.db >b.after
check "remap, header aliases gone: the store is as it was" cmp -s b.before b.after
nb -d b.db remap --body 乙 --map alias.lua
like "$out" "乙: 3 records coded again, 0 changed" "remap, the aliases kept: nothing changed"

# Records without an id (known by FILE:LINE): decisions, whose type the mapping takes from
# local words.
printf '类型,日期,数量\n处罚,2020-03-01,2\n许可,2020-03-02,1\n处罚,2020-03-09,4\n' >dec.csv
printf 'return { decision = { kind = { ["处罚"] = "penalty", ["许可"] = "license" } } }\n' >d1.lua
printf 'return { decision = { kind = { ["处罚"] = "coercion", ["许可"] = "license" } } }\n' >d2.lua
nb -d c.db init
nb -d c.db import --body 乙 --map d1.lua decision dec.csv
dbefore=$(nbsql c.db "SELECT id || '|' || kind FROM records_decision ORDER BY id")
nb -d c.db remap --body 乙 --map d2.lua
is "$rc" 0 "remap, records without an id: exit status"
like "$out" "乙: decision: 3 records, 2 changed" "remap, records without an id: the two 处罚 changed"
nb -d fresh2.db init
nb -d fresh2.db import --body 乙 --map d2.lua decision dec.csv
decisions() {
    nbsql "$1" "SELECT id || '|' || kind || '|' || date || '|' || count || '|' || line FROM records_decision ORDER BY id"
}
is "$(decisions c.db)" "$(decisions fresh2.db)" "remap, records without an id: as a fresh import with the mapping"
dafter=$(nbsql c.db "SELECT id || '|' || kind FROM records_decision ORDER BY id")
is "$(printf '%s\n' "$dbefore" | cut -d'|' -f2 | uniq -c | wc -l)" 3 "remap, records without an id: two kinds before (penalty, license, penalty)"
if [ "$dbefore" != "$dafter" ]; then ok "remap, records without an id: their kinds changed"
else not_ok "remap, records without an id: their kinds changed" "$dafter"; fi

# Many records (more changed records than remap holds at once: written in turns).
awk 'BEGIN { print "id,received,applicant,closed,outcome";
             for (i = 1; i <= 150000; i++)
                 printf "R-%06d,2020-%02d-%02d,个人,2020-12-28,%s\n", i, i % 12 + 1, i % 28 + 1, (i % 3 ? "GK" : "BM") }' >many.csv
printf 'return { request = { applicant = { ["个人"] = "person" }, outcome = { GK = "1", BM = "3.1" } } }\n' >m1.lua
printf 'return { request = { applicant = { ["个人"] = "business" }, outcome = { GK = "2", BM = "3.1" } } }\n' >m2.lua
nb -d big.db init
nb -d big.db import --body 丙 --map m1.lua request many.csv
nb -d big.db remap --body 丙 --map m2.lua
is "$rc" 0 "remap, 150,000 records: exit status"
is "$out" "丙: request: 150000 records, 150000 changed
丙: 150000 records coded again, 150000 changed" "remap, 150,000 records: every one changed"
nb -d bigfresh.db init
nb -d bigfresh.db import --body 丙 --map m2.lua request many.csv
is "$(records big.db)" "$(records bigfresh.db)" "remap, 150,000 records: as a fresh import with the mapping"
nb -d big.db init --verify
is "$rc" 0 "remap, 150,000 records: init --verify"

# Usage: the body must exist.
nb -d a.db remap --body 无此机关
is "$rc" 2 "remap, an unknown body: exit status"
like "$err" "无此机关" "remap, an unknown body: named"
finish
