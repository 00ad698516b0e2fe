#!/bin/sh
# test_import.sh - `nianbao import`: summary line, re-import, dry run, every refusal with its
# exact message and an unchanged store, GBK detection, XLSX with date cells.
. tests/cli/lib.sh

H='编号,收到日期,申请人类型,办结日期,办理结果'

nb -d s.db init
is "$rc:$out" "0:created store s.db (schema version 10)" "init: creates the store"

# ---- a good file, its summary, re-import, dry run ----
printf '%s\n' "$H" 'A1,2020-01-05,自然人,2020-01-20,予以公开' 'A2,2020/2/3,企业,,' \
    'A3,2020年3月1日,person,2020-03-10,3.1' >r.csv
nb -d s.db import --body 沈河区 request r.csv
is "$rc" 0 "import: exit status 0"
is "$out" "r.csv: 3 rows read, 3 inserted, 0 updated, 0 unchanged, 0 refused
created body 沈河区" "import: the one-line summary, and the new body"
is "$err" "" "import: nothing on stderr"
is "$(nbsql s.db "SELECT r.id || ' ' || r.received || ' ' || d.code || ' ' || ifnull(r.closed, '-')
                    FROM records_request r JOIN dict d ON d.id = r.applicant ORDER BY r.id")" \
   "A1 20200105 person 20200120
A2 20200203 business -
A3 20200301 person 20200310" "import: rows stored with codes and dates"

nb -d s.db import --body 沈河区 request r.csv
is "$rc:$out" "0:r.csv: 3 rows read, 0 inserted, 0 updated, 3 unchanged, 0 refused" \
   "reimport: the same rows found unchanged, not duplicated"
is "$(count s.db request)" 3 "reimport: still 3 rows"
is "$(sqlite3 s.db 'SELECT group_concat(DISTINCT src) FROM request')" 1 \
   "reimport: unchanged rows not written (they keep the first import's source)"
# the same rows from another file are that file's now; a row moved to another line is updated
mkdir -p other && cp r.csv other/r.csv
nb -d s.db import --body 沈河区 request other/r.csv
is "$rc:$out" "0:other/r.csv: 3 rows read, 0 inserted, 3 updated, 0 unchanged, 0 refused" \
   "the same rows from another file: updated"
is "$(sqlite3 s.db "SELECT count(*) FROM request r JOIN source s ON s.id = r.src WHERE s.path = 'other/r.csv'")" 3 \
   "and their source is that file"
{ head -1 r.csv; sed -n 3p r.csv; sed -n 2p r.csv; sed -n 4p r.csv; } >moved.csv
cp moved.csv other/r.csv
nb -d s.db import --body 沈河区 request other/r.csv
is "$rc:$out" "0:other/r.csv: 3 rows read, 0 inserted, 2 updated, 1 unchanged, 0 refused" \
   "two rows swapped: those two updated, the third unchanged"
is "$(sqlite3 s.db "SELECT group_concat(id || ':' || line, ' ') FROM (SELECT id, line FROM request ORDER BY id)")" \
   "A1:3 A2:2 A3:4" "and their new lines stored"
nb -d s.db import --body 沈河区 --dry-run request other/r.csv
is "$rc:$out" "0:other/r.csv: 3 rows read, 0 inserted, 0 updated, 3 unchanged, 0 refused (dry run: nothing written)" \
   "a dry run counts unchanged rows too"

printf '%s\n' "$H" 'A3,2020-03-01,person,2020-03-11,2' 'A4,2020-04-01,其他,,' >more.csv
nb -d s.db import --body 沈河区 request more.csv
is "$out" "more.csv: 2 rows read, 1 inserted, 1 updated, 0 unchanged, 0 refused" "update: mixed summary"
is "$(nbsql s.db "SELECT closed FROM records_request WHERE id = 'A3'")" 20200311 "update: new value stored"

# a file without columns that the body's records have values in: the records it updates
# have none of them now (closed, outcome: every request counted open), said, not silent
printf '编号,收到日期,申请人类型\nA3,2020-03-01,person\n' >noclose.csv
cp s.db noclose.db
nb -d noclose.db import --body 沈河区 request noclose.csv
is "$rc:$out" "0:noclose.csv: 1 row read, 0 inserted, 1 updated, 0 unchanged, 0 refused" "a file without the closed columns: imported"
is "$err" "noclose.csv: note: no column for closed (办结日期), outcome (办理结果), which 沈河区's records have: the 1 record it updated has none now" \
   "and a note names the columns the updated records lost"
nb -d noclose.db import --body 新区 request noclose.csv
is "$rc:$err" "0:" "new records without those columns: no note"
rm -f noclose.db

before=$(snapshot s.db)
printf '%s\n' "$H" 'D1,2020-05-01,自然人,,' 'A1,2020-01-05,自然人,2020-01-21,1' >dry.csv
nb -d s.db import --body 沈河区 --dry-run request dry.csv
is "$rc:$out" "0:dry.csv: 2 rows read, 1 inserted, 1 updated, 0 unchanged, 0 refused (dry run: nothing written)" \
   "dry run: summary says what would happen"
is "$(snapshot s.db)" "$before" "dry run: the store is unchanged"
nb -d s.db import --body 新机关 --dry-run request dry.csv
is "$rc:$out" "0:dry.csv: 2 rows read, 2 inserted, 0 updated, 0 unchanged, 0 refused (dry run: nothing written)
would create body 新机关" "dry run: the body it would create is said (a name typed wrong shows before anything is written)"
nb -d s.db import --body 新机关 --dry-run request dry.csv dry.csv
is "$rc:$(printf '%s\n' "$out" | grep -c '^would create body 新机关$')" "0:1" "dry run of two files: the body said once"
is "$(snapshot s.db)" "$before" "dry run: no body created"

# Several files in one command: each all or none, as if one by one.
printf '%s\n' "$H" 'F1,2020-05-01,自然人,,' >f1.csv
printf '%s\n' "$H" 'F2,2020-13-01,自然人,,' >f2.csv
printf '%s\n' "$H" 'F3,2020-05-03,自然人,,' 'F4,2020-05-04,自然人,,' >f3.csv
nb -d s.db import --body 多文件 request f1.csv f2.csv f3.csv
is "$rc:$out" "2:f1.csv: 1 row read, 1 inserted, 0 updated, 0 unchanged, 0 refused
created body 多文件
f2.csv: 1 row read, 0 inserted, 0 updated, 0 unchanged, 1 refused; nothing written
f3.csv: 2 rows read, 2 inserted, 0 updated, 0 unchanged, 0 refused" "several files: each summarised, a refused one writes nothing, exit 2"
is "$err" "f2.csv:2: field 'received': no such date (2020-13-01)" "several files: the refused row named with its file"
is "$(sqlite3 s.db "SELECT group_concat(id, ' ') FROM (SELECT r.id FROM request r JOIN body b ON b.id = r.body
      WHERE b.name = '多文件' ORDER BY r.id)")" "F1 F3 F4" "several files: the good files' rows stored"
# a file that stops the command (no rows at all): the files before it are stored, none after
printf '%s\n' "$H" 'G1,2020-05-01,自然人,,' >g1.csv
: >g2.csv
printf '%s\n' "$H" 'G3,2020-05-03,自然人,,' >g3.csv
nb -d s.db import --body 停止 request g1.csv g2.csv g3.csv
is "$rc:$out" "2:g1.csv: 1 row read, 1 inserted, 0 updated, 0 unchanged, 0 refused
created body 停止" "several files: a file that cannot be read stops the command, exit 2"
is "$err" "nianbao: g2.csv: empty file
nianbao: not imported (after it): g3.csv" "several files: the file that stopped it named, and the files not read"
is "$(sqlite3 s.db "SELECT group_concat(r.id, ' ') FROM request r JOIN body b ON b.id = r.body WHERE b.name = '停止'")" \
   "G1" "several files: the file before it stored, none after it read"
# files of one command are committed together: a reader sees none of them before the end
printf '%s\n' "$H" 'H1,2020-05-01,自然人,,' >h1.csv
printf '%s\n' "$H" 'H2,2020-05-02,自然人,,' >h2.csv
printf "local store <close> = assert(nianbao.open(nianbao.db, 'write'))
local before = store:count('request')
local ok, err = store:import_files('request', {'h1.csv', 'h2.csv'}, { body = '同提交' }, function(path, res)
  local r <close> = assert(nianbao.open(nianbao.db, 'read'))
  print(path, res.inserted, r:count('request') - before)
end)
print(ok, err)
" >group.lua
nb -d s.db run group.lua
is "$rc:$out" "0:h1.csv	1	0
h2.csv	1	0
true	nil" "store:import_files: each file's outcome in order; another connection sees none of them until the group commits"
is "$(sqlite3 s.db "SELECT group_concat(r.id, ' ') FROM request r JOIN body b ON b.id = r.body WHERE b.name = '同提交'")" \
   "H1 H2" "store:import_files: both files stored at the end"
printf "local store <close> = assert(nianbao.open(nianbao.db, 'write'))
local seen = {}
local ok, err = pcall(store.import_files, store, 'request', {'h1.csv', 'i2.csv', 'i3.csv'}, { body = '回调错' },
  function(path) seen[#seen + 1] = path; if path == 'i2.csv' then error('the callback fails') end end)
print(ok, err, table.concat(seen, ' '))
" >raise.lua
printf '%s\n' "$H" 'I2,2020-05-02,自然人,,' >i2.csv
printf '%s\n' "$H" 'I3,2020-05-03,自然人,,' >i3.csv
nb -d s.db run raise.lua
is "$rc:$out" "0:false	raise.lua:4: the callback fails	h1.csv i2.csv" \
   "store:import_files: an error in the callback stops after that file and is raised"
is "$(sqlite3 s.db "SELECT group_concat(r.id, ' ') FROM request r JOIN body b ON b.id = r.body WHERE b.name = '回调错'")" \
   "H1 I2" "store:import_files: the files imported before the error are committed, none after"

# what a callback writes inside the group, its own reads see (the packed columns are read)
printf '%s\n' "$H" 'K1,2020-05-01,自然人,,' >k1.csv
printf '%s\n' "$H" 'K3,2020-05-03,自然人,,' >k3.csv
printf "local store <close> = assert(nianbao.open(nianbao.db, 'write'))
local ok, err = store:import_files('request', {'k1.csv', 'k3.csv'}, { body = '回调写' }, function(path, res)
  if path ~= 'k1.csv' then return end -- the first file's: the group not yet committed
  local before = store:count('request', { body = '回调写' })
  store:insert('request', '回调写', { id = 'K2', received = '2021-05-05', applicant = '自然人' })
  store:insert('request', '回调写', { id = 'K1', received = '2021-06-06', applicant = '自然人' })
  local new = store:flow('request', { body = '回调写', year = 2021 }):get('new') -- the first read after them
  local got = {}
  for r in store:rows('request', { body = '回调写' }) do got[#got + 1] = r.id .. '=' .. r.received end
  print(before, store:count('request', { body = '回调写' }), store:count('request', { body = '回调写', year = 2021 }),
        table.concat(got, ' '), new)
end)
print(ok, err)
" >cbwrite.lua
nb -d s.db run cbwrite.lua
is "$rc:$out" "0:1	2	2	K1=20210606 K2=20210505	2
true	nil" "store:import_files: a callback's inserts and updates are seen by its own count, rows and cubes, inside the group"

# the callback closes the store, empties the caller's tables: refused, and no harm done
printf "local store <close> = assert(nianbao.open(nianbao.db, 'write'))
local paths, opts = {'j1.csv', 'j2.csv', 'j3.csv'}, { body = '回调改表' }
local ok, err = pcall(store.import_files, store, 'request', paths, opts, function(path)
  for i = 1, #paths do paths[i] = nil end
  opts.body = nil
  collectgarbage()
end)
print(ok, err)
print(pcall(store.import_files, store, 'request', {'j4.csv'}, { body = '回调改表' }, function(path)
  store:close()
end))
print(store:count('request', { body = '回调改表' }))
" >tables.lua
for j in 1 2 3 4; do printf '%s\n' "$H" "J$j,2020-05-0$j,自然人,," >j$j.csv; done
nb -d s.db run tables.lua
is "$rc:$out" "0:true	true
false	tables.lua:10: store:close: the store is in use by the call running this code (store:import_files); close it after
4" "store:import_files: the caller's tables emptied by the callback: every file imported as given; a close in it refused"
# an error in the callback, and the group's own failure after it: both said
sqlite3 s.db "CREATE TRIGGER end_it BEFORE INSERT ON request WHEN NEW.id = 'K2' BEGIN SELECT RAISE(ROLLBACK, 'ended by the test'); END"
printf '%s\n' "$H" 'K1,2020-05-01,自然人,,' >k1.csv
printf '%s\n' "$H" 'K2,2020-05-02,自然人,,' >k2.csv
printf '%s\n' "$H" 'K3,2020-05-03,自然人,,' >k3.csv
printf "local store <close> = assert(nianbao.open(nianbao.db, 'write'))
print(pcall(store.import_files, store, 'request', {'k1.csv', 'k3.csv'}, { body = '双错' }, function(path)
  print((store:import('request', 'k2.csv', { body = '双错' })))
  error('the callback fails', 0)
end))
" >both.lua
nb -d s.db run both.lua
like "$out" "false	the callback fails; and then: .*an earlier failure ended the transaction.*not stored after all, with it: k1.csv \(1 file" \
   "store:import_files: an error in the callback does not hide the group's failure"
sqlite3 s.db "DROP TRIGGER end_it"
is "$(sqlite3 s.db "SELECT count(*) FROM request r JOIN body b ON b.id = r.body WHERE b.name = '双错'")" 0 \
   "store:import_files: nothing of that group stored"

before=$(snapshot s.db)
nb -d s.db import --body 多文件 text f1.csv f3.csv
is "$rc:$(printf '%s\n' "$err" | head -1)" "2:nianbao: import: text: give one FILE (several are for records)" \
   "several files: only for records"
is "$(snapshot s.db)" "$before" "several files: a refused command writes nothing"

printf '%s\n' "$H" 'S1,2020-05-01,自然人,,' >one.csv
nb -d s.db import --body 沈河区 --dry-run request one.csv
is "$out" "one.csv: 1 row read, 1 inserted, 0 updated, 0 unchanged, 0 refused (dry run: nothing written)" \
   "summary: one row is singular"

# ---- refusals: exact stderr, status 2, store unchanged ----
# refused NAME FILE STDOUT STDERR: imports FILE into s.db and checks all of it.
refused() {
    before=$(snapshot s.db)
    nb -d s.db import --body 沈河区 request "$2"
    is "$rc" 2 "$1: exit status 2"
    is "$out" "$3" "$1: stdout"
    is "$err" "$4" "$1: stderr"
    is "$(snapshot s.db)" "$before" "$1: store unchanged"
}

printf '%s\n' "$H" 'B0,2020-01-05,自然人,,' 'B1,2020-01-05,外星人,,' 'B2,2020-01-06,外星人,,' >unknown.csv
refused "unknown category value" unknown.csv \
    "unknown.csv: 3 rows read, 0 inserted, 0 updated, 0 unchanged, 2 refused; nothing written" \
    "unknown.csv:3: field 'applicant': unknown value '外星人' in 2 rows, first at line 3 (not a national code or label; map it with --map)"

printf '%s\n' "$H" 'B0,2020-01-05,自然人,,' 'B1,2020-01-05,自然人,2020-01-01,1' >order.csv
refused "closed before received" order.csv \
    "order.csv: 2 rows read, 0 inserted, 0 updated, 0 unchanged, 1 refused; nothing written" \
    "order.csv:3: field 'closed': before received 2020-01-05 (2020-01-01)"

printf '%s\n' "$H" 'B1,2020-02-30,自然人,,' >nodate.csv
refused "2020-02-30" nodate.csv \
    "nodate.csv: 1 row read, 0 inserted, 0 updated, 0 unchanged, 1 refused; nothing written" \
    "nodate.csv:2: field 'received': no such date (2020-02-30)"

# a date more than a year from today: a typo (2202 for 2022; found by a tester: stored)
ahead=$(( $(date +%Y) + 1 ))$(date +-%m-%d | sed 's/-02-29$/-02-28/')
printf '%s\n' "$H" 'B1,2202-01-05,自然人,,' "B2,2020-01-05,自然人,$ahead,1" >future.csv
refused "a date a year ahead" future.csv \
    "future.csv: 2 rows read, 0 inserted, 0 updated, 0 unchanged, 1 refused; nothing written" \
    "future.csv:2: field 'received': more than a year from today (after $ahead) (2202-01-05)"
# but a document's repeal may be planned years ahead (the example city's has one; the
# catalogue marks the field)
printf '类型,制发日期,废止日期,标题,编号\n规章,2020-01-05,2035-12-31,某规定,D1\n' >ahead.csv
nb -d ahead.db init
nb -d ahead.db import --body 沈河区 document ahead.csv
is "$rc:$err" "0:" "a document's repeal years ahead: stored"

printf '%s\n' '编号,申请人类型,办结日期,办理结果' 'B1,自然人,,' >nocol.csv
refused "missing required column" nocol.csv "" \
    "nocol.csv:1: missing required column 'received' (收到日期)
nianbao: nocol.csv: the header does not fit kind 'request'"

# a heading of the national table (三、不予公开) is no value: its items are named
printf '%s\n' "$H" 'B1,2020-01-05,自然人,2020-01-10,不予公开' 'B2,2020-01-05,自然人,2020-01-10,不予公开' >heading.csv
refused "a heading as a value" heading.csv \
    "heading.csv: 2 rows read, 0 inserted, 0 updated, 0 unchanged, 2 refused; nothing written" \
    "heading.csv:2: field 'outcome': '不予公开' in 2 rows, first at line 2, is a heading of the national table, not a value: give one of its items, 3.1 属于国家秘密, 3.2 其他法律行政法规禁止公开, 3.3 危及“三安全一稳定”, 3.4 保护第三方合法权益, 3.5 属于三类内部事务信息, 3.6 属于四类过程性信息, 3.7 属于行政执法案卷, 3.8 属于行政查询事项"

# columns apart by tabs or semicolons: the header is read as one column, and said so
printf '编号\t收到日期\t申请人类型\nB1\t2020-01-05\t自然人\n' >tabs.csv
refused "a file separated by tabs" tabs.csv "" \
    "tabs.csv:1: the header is one column ('编号\t收到日期\t申请人类型'): its columns are apart by tabs; nianbao reads CSV with commas between columns (save the file as CSV, comma-separated)
nianbao: tabs.csv: the header does not fit kind 'request'"
printf '编号;收到日期;申请人类型\nB1;2020-01-05;自然人\n' >semi.csv
refused "a file separated by semicolons" semi.csv "" \
    "semi.csv:1: the header is one column ('编号;收到日期;申请人类型'): its columns are apart by semicolons; nianbao reads CSV with commas between columns (save the file as CSV, comma-separated)
nianbao: semi.csv: the header does not fit kind 'request'"

# UTF-16 (Notepad's "Unicode", Excel's "Unicode Text"): said so, and what to do
printf '%s\n' "$H" 'U1,2020-01-05,自然人,,' | iconv -f UTF-8 -t UTF-16 >u16.csv
refused "a file in UTF-16" u16.csv "" \
    "nianbao: u16.csv:1: UTF-16 text (Notepad's \"Unicode\"): save it as UTF-8 (Excel: CSV UTF-8), or as GB18030/GBK"
# GB18030 with its byte order mark (84 31 95 33): the mark is not part of the first column's name
printf '%s\n' "$H" 'G1,2020-01-05,自然人,,' | iconv -f UTF-8 -t GB18030 >gbbom.body
{ printf '\204\061\225\063'; cat gbbom.body; } >gbbom.csv
nb -d gbbom.db init
nb -d gbbom.db import --body 甲 request gbbom.csv
is "$rc:$out:$err" "0:gbbom.csv: 1 row read, 1 inserted, 0 updated, 0 unchanged, 0 refused
created body 甲:" "GB18030 with its byte order mark: read, the first column found"
# the mark settles the encoding: a line whose GB18030 bytes are valid UTF-8 too (其他 is
# C6 E4 CB FB: not; 省 is CA A1, also U+02A1 in UTF-8) is read as GB18030, not guessed
{ printf '\204\061\225\063'; printf '编号,收到日期,申请人类型,备注\n' | iconv -f UTF-8 -t GB18030; printf 'G3,2020-01-05,person,\312\241\n'; } >gbbom2.csv
nb -d gbbom.db import --body 甲 request gbbom2.csv
is "$rc:$err" "0:gbbom2.csv:1: note: column '备注' is not a field of request; kept with the raw values" \
   "GB18030 with its mark: a line that is also valid UTF-8 is read as GB18030"
is "$(nbsql gbbom.db "SELECT instr(raw, '省') > 0 FROM request WHERE id = 'G3'")" 1 "and its text is GB18030's (省, not ʡ)"

printf '%s\n' "$H" 'B1,2020-01-05,自然人,,' 'B2,2020-01-05,自然人,,' 'B1,2020-01-06,企业,,' >dup.csv
refused "duplicate id" dup.csv \
    "dup.csv: 3 rows read, 0 inserted, 0 updated, 0 unchanged, 1 refused; nothing written" \
    "dup.csv:4: field 'id': duplicate id, first at line 2 (B1)"

# an id out of order that repeats one: looked up among the rows the file brought so far
# (here a new body's, still queued), in a dry run too, and among rows found unchanged
printf '%s\n' "$H" 'C1,2020-01-05,自然人,,' 'C3,2020-01-05,自然人,,' 'C2,2020-01-05,自然人,,' \
    'C3,2020-01-06,企业,,' >dup2.csv
before=$(snapshot s.db)
for dry in "" --dry-run; do
    nb -d s.db import --body 新机关 $dry request dup2.csv
    is "$rc:$out:$err" "2:dup2.csv: 4 rows read, 0 inserted, 0 updated, 0 unchanged, 1 refused; nothing written:dup2.csv:5: field 'id': duplicate id, first at line 3 (C3)" \
       "a repeated id out of order${dry:+ ($dry)}: refused, naming the first"
done
is "$(snapshot s.db)" "$before" "and nothing written, no body made"
printf '%s\n' "$H" 'K1,2020-01-05,自然人,,' 'K2,2020-01-05,自然人,,' >keep.csv
nb -d s.db import --body 沈河区 request keep.csv
printf '%s\n' "$H" 'K1,2020-01-05,自然人,,' 'K2,2020-01-05,自然人,,' 'K1,2020-01-05,自然人,,' >keep.csv
nb -d s.db import --body 沈河区 request keep.csv
is "$rc:$err" "2:keep.csv:4: field 'id': duplicate id, first at line 2 (K1)" \
   "a repeat of a row found unchanged: refused"

: >empty.csv
refused "empty file" empty.csv "" "nianbao: empty.csv: empty file"

printf '%s\n' "$H" 'B1,2020-01-05,自然人,,' 'B2,"2020-01-05,自然人,,' 'B3,2020-01-05,自然人,,' >quote.csv
refused "unterminated quote" quote.csv \
    "quote.csv: 2 rows read, 0 inserted, 0 updated, 0 unchanged, 1 refused; nothing written" \
    "quote.csv:3: unterminated quote (opened at line 3)"

# a row longer than the header: a comma outside quotes shifts the values, or drops one
printf '%s\n' "$H" 'B1,2020-01-05,自然人,2020-01-09,1,,' 'B2,2020-01-05,自然人,2020-01-09,1,张三,李四' >long.csv
refused "a value past the header's columns" long.csv \
    "long.csv: 2 rows read, 0 inserted, 0 updated, 0 unchanged, 1 refused; nothing written" \
    "long.csv:3: a value in field 6 of the row, past the header's 5 columns (a comma outside quotes?) (张三)"
printf '%s\n' "$H" 'B1,2020-01-05,自然人,,予以公开' >outcome.csv
refused "outcome without closed date" outcome.csv \
    "outcome.csv: 1 row read, 0 inserted, 0 updated, 0 unchanged, 1 refused; nothing written" \
    "outcome.csv:2: field 'outcome': given but no closed date (予以公开)"

printf '%s\n' "$H" 'B1,2020-01-05,自然人,2020-01-09,' >closed.csv
refused "closed date without outcome" closed.csv \
    "closed.csv: 1 row read, 0 inserted, 0 updated, 0 unchanged, 1 refused; nothing written" \
    "closed.csv:2: field 'outcome': missing, but closed is given (2020-01-09)"

cp r.csv fake.xlsx
refused "an .xlsx that is really text" fake.xlsx "" \
    "nianbao: fake.xlsx: not an XLSX file (no zip archive)"

refused "a missing file" nosuch.csv "" "nianbao: nosuch.csv: cannot open: No such file or directory"

before=$(snapshot s.db)
nb -d s.db import --body 沈河区 requests r.csv
is "$rc:$err" "2:nianbao: unknown record kind 'requests' (kinds: request, case, document, matter, decision, charge, purchase, holiday, text, rules, layout, map, report, bodies)" \
   "unknown kind: status 2 and the kinds"
nb -d s.db import request r.csv
is "$rc:$err" "2:nianbao: r.csv: give --body NAME, or a column naming each row's body (body 机关 单位)" \
   "no --body and no body column: refused, saying what to give"
nb -d missing.db import --body 沈河区 request r.csv
is "$rc:$err" "2:nianbao: missing.db: no store here (create one with 'nianbao init -d missing.db')" \
   "no store: status 2, and how to make one"
check "no store: none created" test ! -e missing.db
is "$(snapshot s.db)" "$before" "usage errors: store unchanged"

# ---- GB18030/GBK without a BOM: detected, converted, imported ----
printf '%s\n' '编号,类型,制发日期,公开日期,废止日期,标题' \
    'G1,规范性文件,2020-01-02,2020-01-05,,关于做好政务公开工作的通知' \
    'G2,规章,2020-03-04,,,沈河区“放管服”办法' | iconv -f UTF-8 -t GBK >gbk.csv
check "gbk: the file is really GBK (not valid UTF-8)" sh -c '! iconv -f UTF-8 -t UTF-8 gbk.csv >/dev/null 2>&1'
nb -d s.db import --body 沈河区 document gbk.csv
is "$rc:$out:$err" "0:gbk.csv: 2 rows read, 2 inserted, 0 updated, 0 unchanged, 0 refused:" "gbk: imported"
is "$(sqlite3 s.db "SELECT title FROM document ORDER BY id")" "关于做好政务公开工作的通知
沈河区“放管服”办法" "gbk: Chinese text stored as UTF-8"
is "$(nbsql s.db "SELECT d.code FROM records_document r JOIN dict d ON d.id = r.kind ORDER BY r.id")" \
   "normative
rule" "gbk: Chinese labels coded"
is "$(sqlite3 s.db "SELECT encoding FROM source WHERE path = 'gbk.csv'")" GB18030 \
   "gbk: encoding recorded"
# The header and the first 300 KB are ASCII (more than the reader's first read): the
# encoding is known only at the first GBK line.
{ printf 'id,kind,made,published,repealed,title\n'
  awk 'BEGIN { for (i = 1; i <= 6000; i++) printf "P%d,rule,2020-01-02,,,plain text of fifty bytes or so\n", i }'
  printf 'A2,rule,2020-01-03,,,%s\n' "$(printf '沈河区办法' | iconv -f UTF-8 -t GBK)"; } >gbk2.csv
nb -d s.db import --body 沈河区 document gbk2.csv
is "$rc:$(sqlite3 s.db "SELECT encoding FROM source WHERE path = 'gbk2.csv'")" 0:GB18030 \
   "gbk after ASCII lines: the encoding recorded is the one the file turned out to have"
is "$(sqlite3 s.db "SELECT title FROM document WHERE id = 'A2'")" 沈河区办法 "and its text converted"

# ---- XLSX made by openpyxl, with Excel date cells ----
if /usr/bin/python3 -c 'import openpyxl' 2>/dev/null; then
    /usr/bin/python3 - <<'EOF'
import datetime, openpyxl
wb = openpyxl.Workbook()
ws = wb.active
ws.title = "申请"
ws.append(["编号", "收到日期", "申请人类型", "办结日期", "办理结果"])
ws.append(["X1", datetime.datetime(2020, 1, 5), "自然人", datetime.date(2020, 2, 29), 1])
ws.append(["X2", "2020-03-01", "商业企业", None, None])
ws.append([3, datetime.datetime(2020, 12, 31, 16, 30), "other", "2021/1/4", "3.1"])
wb.save("requests.xlsx")
EOF
    nb -d s.db import --body 沈河区 request requests.xlsx
    is "$rc:$out:$err" "0:requests.xlsx: 3 rows read, 3 inserted, 0 updated, 0 unchanged, 0 refused:" \
       "xlsx: imported"
    is "$(nbsql s.db "SELECT r.id || ' ' || r.received || ' ' || a.code || ' ' ||
                               ifnull(r.closed, '-') || ' ' || ifnull(o.code, '-')
                        FROM records_request r JOIN dict a ON a.id = r.applicant
                        LEFT JOIN dict o ON o.id = r.outcome WHERE r.src =
                        (SELECT id FROM source WHERE path = 'requests.xlsx') ORDER BY r.rid")" \
       "X1 20200105 person 20200229 1
X2 20200301 business - -
3 20201231 other 20210104 3.1" "xlsx: date cells, text dates, numbers as ids and codes"
    nb -d s.db import --body 沈河区 --sheet 没有 request requests.xlsx
    is "$rc:$err" "2:nianbao: requests.xlsx: no sheet named '没有' (sheets: 申请)" \
       "xlsx: a missing sheet is named, with the sheets there are"
    # a workbook whose first sheet is not the data: its sheets named (found by a walk through
    # the README: the message said the header does not fit, and no more)
    /usr/bin/python3 - <<'EOF'
import openpyxl
wb = openpyxl.Workbook()
wb.active.title = "说明"
wb.active.append(["本表为2020年申请台账"])
ws = wb.create_sheet("申请")
ws.append(["编号", "收到日期", "申请人类型"])
ws.append(["S1", "2020-03-01", "自然人"])
wb.save("two-sheets.xlsx")
EOF
    nb -d s.db import --body 沈河区 request two-sheets.xlsx
    like "$err" "nianbao: two-sheets.xlsx: the header of its first sheet does not fit kind 'request' \\(the workbook's sheets: 说明, 申请; --sheet NAME reads another\\)" \
       "xlsx: a first sheet that is not the data: the sheets named, and --sheet"
    nb -d s.db import --body 沈河区 --sheet 申请 request two-sheets.xlsx
    is "$rc" 0 "and --sheet reads it"
else
    not_ok "xlsx: /usr/bin/python3 with openpyxl is needed (apt-get install python3-openpyxl)"
fi

# ---- id-less rows (charges): a file re-imported replaces its earlier import ----
mkdir -p y2020 y2021
printf '日期,金额\n2020-03-01,100\n2020-04-01,200\n2020-05-01,300\n' >y2020/charges.csv
printf '日期,金额\n2021-03-01,50\n' >y2021/charges.csv
nb -d idless.db init
nb -d idless.db import --body 沈河区 charge y2020/charges.csv
nb -d idless.db import --body 沈河区 charge y2021/charges.csv
is "$(nbsql idless.db "SELECT count(*) || '|' || sum(amount) FROM records_charge")" "4|65000" "id-less: two files of the same name do not overwrite each other"
printf '日期,金额\n2020-03-01,100\n2020-04-01,250\n' >y2020/charges.csv
nb -d idless.db import --body 沈河区 charge y2020/charges.csv
is "$out" "y2020/charges.csv: 2 rows read, 0 inserted, 1 updated, 1 unchanged, 0 refused
y2020/charges.csv: 1 row of the earlier import of this file removed" "id-less: a corrected file updates its rows and removes the stale one"
is "$(nbsql idless.db "SELECT count(*) || '|' || sum(amount) FROM records_charge")" "3|40000" "id-less: no stale row is counted twice"
# a copy of an id-less file in another folder, or under another name: its rows (known by
# FILE:LINE) would be stored again and counted twice (found by a tester: silently).
# Refused, nothing written; --replace-all (or --replace, of a file of the same name) puts
# it in the earlier one's place; another body may hold the same file.
mkdir -p copy
cp y2020/charges.csv copy/charges.csv
cp y2020/charges.csv copy/收费-副本.csv
nb -d idless.db import --body 沈河区 charge copy/收费-副本.csv
is "$rc:$err" "2:nianbao: copy/收费-副本.csv: the same content as y2020/charges.csv, imported $(date -u +%Y-%m-%d), whose 2 charge rows of 沈河区 are stored: imported from another path they would count twice; nothing imported (to put this file in its place: --replace-all, which removes 沈河区's other charge rows)" \
   "id-less: a copy under another name refused, naming the file it copies"
is "$(nbsql idless.db "SELECT count(*) || '|' || sum(amount) FROM records_charge")" "3|40000" "id-less: and nothing of the copy stored"
nb -d idless.db import --body 沈河区 --dry-run charge copy/charges.csv
is "$rc" 2 "id-less: a copy in another folder refused, in a dry run too"
nb -d idless.db import --body 沈河区 --replace charge copy/charges.csv
is "$rc:$(nbsql idless.db "SELECT count(*) || '|' || sum(amount) FROM records_charge")" "0:2|35000" \
   "id-less: --replace of the copy of the same name: in its place (and y2021's charges.csv gone: a file of its name)"
nb -d idless.db import --body 沈河区 charge y2020/charges.csv
is "$rc" 2 "id-less: and now the first file is the copy"
nb -d idless.db import --body 沈河区 --replace-all charge copy/收费-副本.csv
is "$rc:$(nbsql idless.db "SELECT count(*) || '|' || sum(amount) FROM records_charge")" "0:2|35000" \
   "id-less: --replace-all: the copy in the place of every other charge row of the body"
nb -d idless.db import --body 和平区 charge copy/charges.csv
is "$rc:$(nbsql idless.db "SELECT count(*) FROM records_charge")" "0:4" "id-less: the same file for another body: stored"
# a copy naming its bodies in a column: refused as a file, said (the import crashed at its
# second row of a body: found by a review); one among several files: the others imported
printf '单位,日期,金额\n甲,2020-01-05,100\n甲,2020-02-05,200\n乙,2020-02-05,200\n' >bodycol.csv
cp bodycol.csv copy/bodycol.csv
nb -d bc.db init
nb -d bc.db import charge bodycol.csv
printf '单位,日期,金额\n丙,2020-03-05,7\n' >other.csv
nb -d bc.db import charge copy/bodycol.csv other.csv
is "$rc:$out" "2:copy/bodycol.csv: 1 row read, 0 inserted, 0 updated, 0 unchanged, 0 refused; nothing written
other.csv: 1 row read, 1 inserted, 0 updated, 0 unchanged, 0 refused
created body 丙" "id-less: a copy with a body column refused as a file (no crash), the next file imported"
is "$err" "nianbao: copy/bodycol.csv: the same content as bodycol.csv, imported $(date -u +%Y-%m-%d), whose 2 charge rows of 甲 are stored: imported from another path they would count twice; nothing imported (to put this file in its place: --replace, which removes the rows of files of its name)" \
   "id-less: said, with the option for a file of the same name"
# a dry run of two copies in one command: each file imported alone, the second said as the
# real run says it (the dry run passed it: found by a review)
printf '单位,日期,金额\n丙,2020-04-05,8\n' >new.csv
cp new.csv new-copy.csv
nb -d bc.db import --dry-run charge new.csv new-copy.csv
is "$rc:$err" "2:nianbao: new-copy.csv: the same content as new.csv, before it in this import: imported from another path its rows would count twice; nothing imported" \
   "id-less: a dry run of a file and its copy: the copy refused, as the real run does"
# a body that cannot be made (its own parent): each of its rows refused, saying why (crashed
# at the second row)
printf '单位,日期,金额\n丁,2020-01-05,100\n丁,2020-02-05,200\n' >self.csv
nb -d bc.db import --parent 丁 charge self.csv
is "$rc:$err" "2:self.csv:2: field 'body': bc.db: '丁' cannot be its own parent (丁)
self.csv:3: field 'body': bc.db: '丁' cannot be its own parent (丁)" "a body its own parent: each row refused, saying why"
# a file with ids (the optional 编号): its rows are known by id, a copy updates them
printf '编号,日期,金额\nC1,2020-01-05,100\nC2,2020-02-05,200\n' >withid.csv
cp withid.csv copy/withid.csv
nb -d bc.db import --body 戊 charge withid.csv
nb -d bc.db import --body 戊 charge copy/withid.csv
is "$rc:$out:$(nbsql bc.db "SELECT count(*) FROM records_charge r JOIN body b ON b.id = r.body WHERE b.name = '戊'")" \
   "0:copy/withid.csv: 2 rows read, 0 inserted, 2 updated, 0 unchanged, 0 refused:2" "a copy of a file with ids: not refused, counted once (updated: their source)"
# a file with an id column where a row has none (known by FILE:LINE): its copy is refused,
# that row would count twice; the rows with ids alone do not make a copy refused (above)
printf '编号,日期,金额\nC3,2020-01-05,100\n,2020-02-05,200\n' >mixed.csv
cp mixed.csv copy/mixed.csv
nb -d bc.db import --body 己 charge mixed.csv
nb -d bc.db import --body 己 charge copy/mixed.csv
is "$rc:$err" "2:nianbao: copy/mixed.csv: the same content as mixed.csv, imported $(date -u +%Y-%m-%d), whose 1 charge row without an id of 己 is stored: imported from another path it would count twice; nothing imported (to put this file in its place: --replace, which removes the rows of files of its name)" \
   "a copy of a file with ids where a row has none: refused, its id-less row counted"
is "$(nbsql bc.db "SELECT count(*) || '|' || sum(amount) FROM records_charge r JOIN body b ON b.id = r.body WHERE b.name = '己'")" "2|30000" \
   "and nothing of the copy stored"
nb -d bc.db import --body 己 --replace charge copy/mixed.csv
is "$rc:$(nbsql bc.db "SELECT count(*) || '|' || sum(amount) FROM records_charge r JOIN body b ON b.id = r.body WHERE b.name = '己'")" "0:2|30000" \
   "a copy of a file with ids where a row has none: --replace puts it in the file's place"
printf '编号,日期,金额\nC4,2020-01-05,100\n,2020-02-05,5\n' >mixed2.csv
cp mixed2.csv mixed2-copy.csv
nb -d bc.db import --body 己 --dry-run charge mixed2.csv mixed2-copy.csv
is "$rc:$err" "2:nianbao: mixed2-copy.csv: the same content as mixed2.csv, before it in this import: imported from another path its rows would count twice; nothing imported" \
   "a dry run of a file with ids where a row has none and its copy: the copy refused, as the real run does"
# the file as last imported: a row cut from it, the others unchanged (which keep the
# source of the import that wrote them), then copied
printf '日期,金额\n2020-06-01,10\n2020-07-01,20\n' >cut.csv
nb -d idless.db import --body 河西区 charge cut.csv
sed -i '$d' cut.csv
nb -d idless.db import --body 河西区 charge cut.csv
cp cut.csv copy/cut.csv
nb -d idless.db import --body 河西区 charge copy/cut.csv
is "$rc:$(printf '%s\n' "$err" | grep -o 'whose [0-9]* charge rows* of 河西区 [a-z]* stored')" "2:whose 1 charge row of 河西区 is stored" \
   "id-less: a copy of a file whose rows an import left unchanged: refused, its rows counted"
# ---- rows with ids: an id corrected in a file leaves its old row, and a note says so ----
printf '编号,收到日期,申请人类型\nR-1,2020-01-05,自然人\nR-2,2020-01-06,企业\nR-3,2020-01-07,自然人\n' >fix.csv
nb -d fix.db init
nb -d fix.db import --body 沈河区 request fix.csv
sed -i 's/^R-3,/R-03,/' fix.csv
nb -d fix.db import --body 沈河区 request fix.csv
is "$rc:$out" "0:fix.csv: 3 rows read, 1 inserted, 0 updated, 2 unchanged, 0 refused" "an id corrected: its row added"
is "$err" "fix.csv: note: 1 request record of an earlier import of this file is not in it (R-3): kept; --replace removes it" \
   "the old one is kept, and named with the option that removes it"
nb -d fix.db import --body 沈河区 --replace request fix.csv
is "$rc:$err:$(sqlite3 fix.db 'SELECT group_concat(id) FROM (SELECT id FROM request ORDER BY rid)')" "0::R-1,R-2,R-03" "--replace removes it, without the note"
nb -d fix.db import --body 沈河区 request fix.csv
is "$rc:$err" "0:" "the same file again: no note"
# ---- the system's limits: a store that cannot be made, a file size limit ----
nb -d no/such/dir/s.db init
is "$rc:$err" "2:nianbao: no/such/dir/s.db: cannot create the store (its folder no/such/dir does not exist)" \
   "a store in a folder that is not there: refused, saying why"
awk 'BEGIN { print "编号,收到日期,申请人类型,办结日期,办理结果"; for (i = 0; i < 30000; i++) printf "X%06d,2020-01-05,自然人,2020-01-20,1\n", i }' >fsize.csv
nb -d fsize.db init
# 400 blocks (of 512 or 1024 bytes): the store's log passes it at the commit; killed by
# SIGXFSZ before (exit 153, not a word said)
sh -c 'ulimit -f 400 && exec "$0" "$@"' "$NB_BIN" -d fsize.db import --body 甲 request fsize.csv >fsize.out 2>fsize.err
is "$?:$(cat fsize.err)" "2:nianbao: fsize.db: disk I/O error" "a file size limit met by the store's writes: an error, exit 2"
is "$(count fsize.db request)" 0 "and nothing of the file stored"
nb -d fsize.db init --verify
is "$rc" 0 "and the store whole (init --verify)"
finish
