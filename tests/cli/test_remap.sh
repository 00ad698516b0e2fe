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
        replace(replace(raw, char(31), '/'), char(30), '=') FROM records_request ORDER BY body, id"
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
nb -d a.db import --body 沈河区 --dry-run map map2.lua
is "$out" "map2.lua: map script stored for 沈河区 (dry run: nothing written)" "import --dry-run map: no word of remap (nothing stored)"
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

# regen after remap: the body's digest changed, so its reports are made again, not left
# as current.
load g.db map.lua
nb -d g.db regen --all --to json --out rg
nb -d g.db regen --all --to json --out rg
like "$out" "current .*left as they were" "regen again before remap: the reports current, left as they were"
nb -d g.db remap --body 沈河区 --map map2.lua
nb -d g.db regen --all --to json --out rg
unlike "$out" "current" "regen after remap: the reports made again"
check "regen after remap: the 2020 report is the fresh import's" cmp -s rg/沈河区/沈河区-2020.json fresh/沈河区-2020.json

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

# Found by a review. A file naming several bodies (机关): remap keeps no raw value of the
# body column, as the import does.
printf '编号,机关,收到日期,申请人类型,办结日期,办理结果\nA1,甲,2020-01-02,群众,2020-01-09,不掌握\nA2,乙,2020-01-03,群众,2020-01-08,不掌握\nA3,甲,2020-01-04,自然人,2020-01-05,1\n' >multi.csv
printf 'return { request = { applicant = { ["群众"] = "person" }, outcome = { ["不掌握"] = "4.1" } } }\n' >mb1.lua
printf 'return { request = { applicant = { ["群众"] = "person" }, outcome = { ["不掌握"] = "4.2" } } }\n' >mb2.lua
nb -d mb.db init
nb -d mb.db import --map mb1.lua request multi.csv
nb -d mb.db remap --body 甲 --map mb2.lua
nb -d mb.db remap --body 乙 --map mb2.lua
nb -d mbfresh.db init
nb -d mbfresh.db import --map mb2.lua request multi.csv
is "$(records mb.db)" "$(records mbfresh.db)" "remap, a file naming several bodies: as a fresh import with the mapping"
nb -d mb.db import --map mb2.lua request multi.csv
is "$out" "multi.csv: 3 rows read, 0 inserted, 0 updated, 3 unchanged, 0 refused" \
    "remap, a file naming several bodies: the file imported again finds every row unchanged"

# --all: every body that has a stored mapping, each with its own, each all or none by itself.
nb -d all.db init
nb -d all.db import --map mb1.lua request multi.csv
nb -d all.db import --body 甲 map mb2.lua
nb -d all.db import --body 乙 map nogk.lua
printf '编号,收到日期,申请人类型\nZ1,2020-01-02,自然人\n' >z.csv
nb -d all.db import --body 丙 request z.csv
snapshot all.db >all.before
nb -d all.db remap --all --dry-run
is "$rc" 2 "remap --all --dry-run: 乙's mapping refuses its records: exit status"
is "$out" "甲: request: 2 records, 1 would change
甲: 2 records coded again, 1 would change (dry run: nothing written)" "remap --all --dry-run: 甲 with its mapping, 丙 (no mapping stored) left alone"
like "$err" "nianbao: 乙: 1 record refused with the mapping: nothing changed" "remap --all: 乙 refused, said"
snapshot all.db >all.after
check "remap --all --dry-run: the store is as it was" cmp -s all.before all.after
nb -d all.db remap --all
is "$rc" 2 "remap --all: exit status 2 (乙 refused)"
like "$out" "甲: 2 records coded again, 1 changed" "remap --all: 甲 coded again all the same"
nb -d all.db remap --all
like "$out" "甲: 2 records coded again, 0 changed" "remap --all again: 甲 done"
nb -d all.db remap
is "$rc" 2 "remap without --body or --all: usage"
like "$err" "give --body NAME or --all" "remap without --body or --all: said"

# A mapping whose entries are keyed by national codes: a value the file gave as a national
# code or label was stored as that value, not a local one, and stays it.
printf '编号,收到日期,申请人类型,办结日期,办理结果\nN1,2020-01-02,自然人,2020-01-09,予以公开\nN2,2020-01-03,律所,2020-01-04,GK\nN3,2020-01-03,自然人,2020-01-04,GK\n' >nat.csv
printf 'return { request = { applicant = { person = "business", ["律所"] = "legal" }, outcome = { ["1"] = "2", GK = "1" } } }\n' >nat.lua
nb -d nat.db init
nb -d nat.db import --body 丁 --map nat.lua request nat.csv
natbefore=$(records nat.db)
nb -d nat.db remap --body 丁 --map nat.lua
like "$out" "丁: 3 records coded again, 0 changed" "remap, a mapping keyed by national codes, the same again: nothing changed"
is "$(records nat.db)" "$natbefore" "remap, a mapping keyed by national codes: the records as they were, no raw value made up"
# corrected: the records of a local outcome change, their national applicant stays as stored
printf 'return { request = { applicant = { person = "business", ["律所"] = "legal" }, outcome = { ["1"] = "2", GK = "3.1" } } }\n' >nat2.lua
nb -d nat.db remap --body 丁 --map nat2.lua
like "$out" "丁: 3 records coded again, 2 changed" "remap, a mapping keyed by national codes, corrected: the two records of GK changed"
nb -d natfresh.db init
nb -d natfresh.db import --body 丁 --map nat2.lua request nat.csv
is "$(records nat.db)" "$(records natfresh.db)" \
    "remap, a mapping keyed by national codes, corrected: as a fresh import (自然人 is no key of it)"

# A workbook's date cells with a time of day (day numbers with a fraction) read again as dates.
/usr/bin/python3 - <<'EOF'
import datetime, openpyxl
wb = openpyxl.Workbook()
ws = wb.active
ws.append(["编号", "收到日期", "申请人类型", "办结日期", "办理结果"])
ws.append(["W1", datetime.datetime(2020, 5, 1, 12, 0), "群众", datetime.datetime(2020, 5, 10, 6, 0), "不掌握"])
ws.append(["W2", datetime.datetime(2020, 5, 2, 9, 30), "自然人", None, None])
wb.save("w.xlsx")
EOF
nb -d w.db init
nb -d w.db import --body 戊 --map mb1.lua request w.xlsx
is "$rc" 0 "remap: a workbook with date-time cells imported"
nb -d w.db remap --body 戊 --map mb2.lua
is "$rc:$err" "0:" "remap, a workbook's date-time cells: coded again"
nb -d wfresh.db init
nb -d wfresh.db import --body 戊 --map mb2.lua request w.xlsx
is "$(records w.db)" "$(records wfresh.db)" "remap, a workbook's date-time cells: as a fresh import with the mapping"

# Records store:insert made without an id (known by SCRIPT:LINE#N) are coded again too.
cat >ins.lua <<'EOF'
local store = assert(nianbao.open())
assert(store:insert("decision", "己", { kind = "行政许可", date = "2020-03-01" }))
EOF
nb -d ins.db init
nb -d ins.db run ins.lua
is "$rc" 0 "remap: a decision inserted by a script without an id"
nb -d ins.db remap --body 己 --map d2.lua
is "$rc:$out" "0:己: decision: 1 record, 0 changed
己: 1 record coded again, 0 changed" "remap: a record a script inserted without an id"

# A header name holding a separator of the values the store keeps is refused at import.
printf '编号,备\037注,收到日期,申请人类型\nH1,x,2020-01-02,自然人\n' >sep.csv
nb -d ins.db import --body 己 request sep.csv
is "$rc" 2 "import: a header name holding 0x1f: refused"
like "$err" "sep.csv:1: column 2's name holds the control character 0x1f \\(unit separator\\): rename the column" "import: a header name holding 0x1f: said"
unlike "$err" "note" "import: a header name holding 0x1f: no note of it as a column kept raw"

# Records of many files (more than remap keeps coders for at once, 256), and a file's
# records coming again after others (imported again with a row more): each coded with its
# own header.
mkdir many
i=1
while [ $i -le 300 ]; do
    if [ $((i % 2)) = 0 ]; then h='编号,收到日期,申请人类型,办结日期,办理结果'; else h='编号,申请人类型,收到日期,办结日期,办理结果'; fi
    if [ $((i % 2)) = 0 ]; then r1="F$i-1,2020-02-01,群众,2020-02-03,不掌握"; else r1="F$i-1,群众,2020-02-01,2020-02-03,不掌握"; fi
    printf '%s\n%s\n' "$h" "$r1" >many/f$i.csv
    i=$((i + 1))
done
nb -d mf.db init
nb -d mf.db import --body 庚 --map mb1.lua request many/*.csv
is "$rc" 0 "remap: 300 files imported"
printf '编号,申请人类型,收到日期,办结日期,办理结果\nF1-1,群众,2020-02-01,2020-02-03,不掌握\nF1-2,群众,2020-02-05,2020-02-06,不掌握\n' >many/f1.csv
nb -d mf.db import --body 庚 --map mb1.lua request many/f1.csv
nb -d mf.db remap --body 庚 --map mb2.lua
is "$rc:$out" "0:庚: request: 301 records, 301 changed
庚: 301 records coded again, 301 changed" "remap, 301 records of 300 files: every one changed"
nb -d mffresh.db init
nb -d mffresh.db import --body 庚 --map mb2.lua request many/*.csv
is "$(records mf.db | cut -d'|' -f1-6,9)" "$(records mffresh.db | cut -d'|' -f1-6,9)" \
    "remap, 300 files: every record as a fresh import with the mapping"
nb -d mf.db init --verify
is "$rc" 0 "remap, 300 files: init --verify"

# Rows whose files take turns in rid order, more files than coders kept (each re-import
# moves the rows it updates to its own source): coded all the same, in one turn.
mkdir cyc
history() { # DB MAP: 260 files imported, then again each with a row more and its first changed
    nb -d "$1" init
    for r in 1 2; do
        i=1
        while [ $i -le 260 ]; do
            { echo '编号,收到日期,申请人类型,办结日期,办理结果'
              echo "C$i-1,2020-02-01,群众,2020-02-0$((r + 2)),不掌握"
              [ $r = 1 ] || echo "C$i-2,2020-02-01,群众,2020-02-05,不掌握"; } >cyc/c$i.csv
            i=$((i + 1))
        done
        nb -d "$1" import --body 辛 --map "$2" request cyc/*.csv
    done
}
history cyc.db mb1.lua
history cycfresh.db mb2.lua
nb -d cyc.db remap --body 辛 --map mb2.lua
is "$rc:$(printf '%s\n' "$out" | tail -1)" "0:辛: 520 records coded again, 520 changed" "remap, 260 files taking turns: every record changed"
is "$(records cyc.db)" "$(records cycfresh.db)" "remap, 260 files taking turns: as the same imports with the mapping"

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
