#!/bin/sh
# test_migrate.sh - the store's schema changes only through numbered migrations: an older
# store is refused with the command that brings it up to date, `nianbao init` does it
# (keeping every record), and a store migrated step by step equals one made fresh.
# The test build (NB_TEST_CATALOGUE) adds one kind and one national value to the
# catalogue and one migration step, as a developer would; with NB_TEST_SCHEMA=8 it plays
# the nianbao of schema version 8, whose kind tables hold the coded values beside the
# packed columns (the older stores below are made from its store).
. tests/cli/lib.sh
CAT=${NB_TESTCAT_BIN:?the test build of make test}
H='编号,收到日期,申请人类型,办结日期,办理结果'
schema() { sqlite3 "$1" "SELECT type, name, sql FROM sqlite_master ORDER BY type, name"; }
dict() { sqlite3 "$1" "SELECT dict || ' ' || code FROM dict ORDER BY dict, code"; }

printf '%s\n' "$H" 'A1,2020-01-05,自然人,2020-01-20,1' 'A2,2020-02-01,企业,,' >r.csv
printf '日期,类型\n2020-01-01,放假\n' >h.csv

old() { export NB_TEST_SCHEMA=8; NB_BIN=$CAT nb "$@"; unset NB_TEST_SCHEMA; }
NINE="  9: records keep their coded values in the packed columns alone; each kind's table is keyed by body and id (the store about half the size)"
TEN="  10: the files of records without ids keep a digest of their content (a copy of one imported from another path is refused)"
# ---- version 1 to 10 ----
old -d s.db init
is "$rc:$out" "0:created store s.db (schema version 8)" "(the test build as the nianbao of version 8)"
old -d s.db import --body 沈河区 request r.csv
is "$(sqlite3 s.db "SELECT id, received, closed IS NULL FROM request ORDER BY id")" "A1|20200105|0
A2|20200201|1" "(its table holds the coded values)"
cp s.db v8.db
# The store as version 1 had it: what steps 7, 6, 5, 4, 3 and 2 brought taken away.
RUN_VALUE='CREATE TABLE run_value(
  body INTEGER NOT NULL REFERENCES body(id),
  year INTEGER NOT NULL,
  tbl TEXT NOT NULL,
  row TEXT NOT NULL,
  col TEXT NOT NULL,
  text TEXT,
  PRIMARY KEY(body, year, tbl, row, col));'
as_v6() { sqlite3 "$1" "DROP TABLE run_cells; $RUN_VALUE PRAGMA user_version = 6"; }
as_v3() { as_v6 "$1"; sqlite3 "$1" "DROP TABLE digest; DROP TABLE pack; PRAGMA user_version = 3"; }
as_v2() {
    as_v3 "$1"
    sqlite3 "$1" "DROP TABLE run_value; DROP TABLE run_check; DROP INDEX run_body_year; DROP TABLE run;
                  DROP TABLE coverage; DROP TABLE figures; DELETE FROM dict WHERE dict = 'yes_no';
                  ALTER TABLE body DROP COLUMN rollup; ALTER TABLE body DROP COLUMN code;
                  PRAGMA user_version = 2"
}
as_v2 s.db
sqlite3 s.db "DROP INDEX source_canonical; ALTER TABLE source DROP COLUMN canonical; PRAGMA user_version = 1"
nb -d s.db import --body 沈河区 holiday h.csv
is "$rc:$err" "2:nianbao: s.db: store has schema version 1, this nianbao uses version 10: bring it up to date with 'nianbao init -d s.db'" \
   "an older store: refused, naming the command that updates it"
nb -d s.db report --body 沈河区 --year 2020 --to json --out o
is "$rc" 2 "an older store: report refused too"
nb -d s.db init
is "$rc:$out" "0:upgraded store s.db from schema version 1 to 10:
  2: source files keep their canonical path (an id-less file is known by it)
  3: bodies have a code and may be roll-ups; imported figures, declared years, the history of regenerations
  4: packed columns of the records' coded fields, which tabulation reads (made from the records)
  5: the packed parts keep their statistics before their data (read without it)
  6: the digest of each body's records of each kind is kept until they change
  7: the cells of a body's last run of a year are kept as one text
  8: the digest of a body's records covers their sources, lines and raw values (a rule may name them); the kept ones are made again
  9: records keep their coded values in the packed columns alone; each kind's table is keyed by body and id (the store about half the size)
  10: the files of records without ids keep a digest of their content (a copy of one imported from another path is refused)" \
   "init upgrades it and says what changed, step by step"
nb -d fresh.db init
is "$(schema s.db)" "$(schema fresh.db)" "a migrated store has the schema of a new one"
is "$(sqlite3 s.db "SELECT count(*) FROM request")" 2 "the records survive the migration"
is "$(sqlite3 s.db "SELECT kind, n FROM pack")" "request|2" "the migration packs the records already stored"
is "$(nbsql s.db "SELECT id || ' ' || received || ' ' || coalesce(closed, '-') FROM records_request ORDER BY id")" "A1 20200105 20200120
A2 20200201 -" "their values from the rows, in the packed columns alone now"
nb -d s.db init --verify
is "$rc:$out" "0:s.db: the packed columns of every kind and body match the records
s.db: the kept digests of every kind and body match the records" "and they match the records"
nb -d s.db import --body 沈河区 holiday h.csv
is "$rc" 0 "the migrated store imports"
nb -d s.db import --body 沈河区 holiday h.csv
is "$(sqlite3 s.db "SELECT count(*) FROM holiday")" 1 "an id-less file imported again replaces its rows"

# ---- version 2 to 10 (the body tree, figures, the history of regenerations, packs, digests) ----
cp s.db v2.db
sqlite3 v2.db "DROP INDEX source_body_kind; ALTER TABLE source DROP COLUMN digest" # (what step 10 brought)
as_v2 v2.db
nb -d v2.db init
is "$rc:$(schema v2.db)" "0:$(schema fresh.db)" "a version 2 store brought to 10 has the schema of a new one"
is "$(sqlite3 v2.db "SELECT name, rollup, code IS NULL FROM body")" "沈河区|0|1" "its bodies are kept, not roll-ups, without a code"

# ---- version 4 to 10: the packed parts' statistics before their data; the kept digests ----
parts() { sqlite3 "$1" "SELECT kind, body, rid_lo, rid_hi, n, hex(stats), hex(data) FROM pack ORDER BY kind, body, rid_lo"; }
cp v8.db v4.db
old -d v4.db import --body 大东区 request r.csv
before=$(parts v4.db)
# the store as version 4 had it: the same parts, their data before their statistics; no digests
as_v6 v4.db
sqlite3 v4.db "DROP TABLE digest; CREATE TABLE pack_old(kind TEXT NOT NULL, body INTEGER NOT NULL, rid_lo INTEGER NOT NULL,
                 rid_hi INTEGER NOT NULL, n INTEGER NOT NULL, data BLOB NOT NULL, stats BLOB NOT NULL);
               INSERT INTO pack_old SELECT kind, body, rid_lo, rid_hi, n, data, stats FROM pack;
               DROP TABLE pack; ALTER TABLE pack_old RENAME TO pack;
               CREATE UNIQUE INDEX pack_part ON pack(kind, body, rid_lo); PRAGMA user_version = 4"
is "$(sqlite3 v4.db "SELECT group_concat(name) FROM pragma_table_info('pack')")" "kind,body,rid_lo,rid_hi,n,data,stats" \
   "(the version 4 layout: data before stats)"
nb -d v4.db report --body 沈河区 --year 2020 --to json --out o4
is "$rc:$err" "2:nianbao: v4.db: store has schema version 4, this nianbao uses version 10: bring it up to date with 'nianbao init -d v4.db'" \
   "a version 4 store: refused until init"
nb -d v4.db init
is "$rc:$out" "0:upgraded store v4.db from schema version 4 to 10:
  5: the packed parts keep their statistics before their data (read without it)
  6: the digest of each body's records of each kind is kept until they change
  7: the cells of a body's last run of a year are kept as one text
  8: the digest of a body's records covers their sources, lines and raw values (a rule may name them); the kept ones are made again
  9: records keep their coded values in the packed columns alone; each kind's table is keyed by body and id (the store about half the size)
  10: the files of records without ids keep a digest of their content (a copy of one imported from another path is refused)" "init moves the statistics"
is "$(schema v4.db)" "$(schema fresh.db)" "a version 4 store brought to 10 has the schema of a new one"
is "$(parts v4.db)" "$before" "every part the same, byte for byte (made again from the rows before step 9)"
nb -d v4.db init --verify
is "$rc" 0 "and they match the records"
nb -d v4.db report --body 大东区 --year 2020 --to json --out o4
is "$rc:$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["tables"]["requests"]["new"]["total"])' o4/大东区-2020.json)" \
   "0:2" "the migrated store makes the report"

# ---- version 6 to 10: the cells of the last run of a year, a row each before ----
# (the cells a regeneration of the same records keeps, from a store of today)
nb -d cur.db init
nb -d cur.db import --body 沈河区 request r.csv
nb -d cur.db regen --body 沈河区 --years 2020-2020 --to json --out rg
cells=$(sqlite3 cur.db "SELECT hex(cells) FROM run_cells")
is "$rc:$(sqlite3 cur.db "SELECT count(*) FROM run_cells")" "0:1" "(a regeneration keeps the cells of its year)"
cp v8.db v6.db
# version 6 kept them a row each: the same cells split, and a year with cells whose texts hold
# the characters the text form escapes
as_v6 v6.db
python3 - v6.db "$cells" <<'PY'
import sqlite3, sys
db = sqlite3.connect(sys.argv[1])
esc = {"\\\\": "\\", "\\t": "\t", "\\n": "\n"}
def unesc(s):
    out, i = [], 0
    while i < len(s):
        if s[i] == "\\": out.append(esc[s[i:i + 2]]); i += 2
        else: out.append(s[i]); i += 1
    return "".join(out)
for line in bytes.fromhex(sys.argv[2]).decode().split("\n")[:-1]:
    f = [unesc(x) for x in line.split("\t")]
    db.execute("INSERT INTO run_value VALUES(1, 2020, ?, ?, ?, ?)", f + [None] * (4 - len(f)))
db.executemany("INSERT INTO run_value VALUES(1, 2019, ?, ?, ?, ?)",
               [("t\t1", "r\\2", "c\n3", "a\tb\nc\\d"), ("t", "r", "blank", None), ("t", "r", "empty", "")])
db.commit()
PY
is "$(sqlite3 v6.db "SELECT count(*) > 100 FROM run_value WHERE year = 2020")" 1 "(the version 6 store: its cells a row each)"
nb -d v6.db init
is "$rc:$out" "0:upgraded store v6.db from schema version 6 to 10:
  7: the cells of a body's last run of a year are kept as one text
  8: the digest of a body's records covers their sources, lines and raw values (a rule may name them); the kept ones are made again
$NINE
$TEN" "init keeps the cells as one text"
is "$(schema v6.db)" "$(schema fresh.db)" "a version 6 store brought to 10 has the schema of a new one"
is "$(sqlite3 v6.db "SELECT hex(cells) FROM run_cells WHERE year = 2020")" "$cells" \
   "the cells of 2020 as the regeneration kept them, byte for byte (the next one that changes none writes none)"
cat >cells.lua <<'LUA'
local store = nianbao.open()
local v, keys = store:run_values("沈河区", 2019), {}
for k in pairs(v) do keys[#keys + 1] = k end
table.sort(keys)
for _, k in ipairs(keys) do print(string.format("%q=%s", k, v[k] == false and "false" or string.format("%q", v[k]))) end
LUA
nb -d v6.db run cells.lua
is "$rc:$out" '0:"t\0091\9r\\2\9c\
3"="a\9b\
c\\d"
"t\9r\9blank"=false
"t\9r\9empty"=""' "the other year's cells, their tabs, line feeds and backslashes, blank and empty, read back"

# ---- version 7 to 10: the kept digests, made without the records' provenance, made again ----
cp v8.db v7.db
old -d v7.db init --verify
is "$(sqlite3 v7.db "SELECT count(*) > 0 FROM digest WHERE hash IS NOT NULL")" 1 "(digests kept)"
# as version 7 kept them: another hash (of the fields alone)
sqlite3 v7.db "UPDATE digest SET hash = randomblob(length(hash)) WHERE hash IS NOT NULL; PRAGMA user_version = 7"
nb -d v7.db init
is "$rc:$out" "0:upgraded store v7.db from schema version 7 to 10:
  8: the digest of a body's records covers their sources, lines and raw values (a rule may name them); the kept ones are made again
$NINE
$TEN" \
   "init says the digests are made again"
is "$(sqlite3 v7.db "SELECT count(*) FROM digest WHERE hash IS NOT NULL")" 0 "none kept after it"
nb -d v7.db init --verify
is "$rc" 0 "and the store verifies"

# ---- version 8 to 10: the coded values leave the rows for the packed columns alone ----
# a store of version 8 whose parts are wrong (damaged, one body's gone): the migration makes
# them again from the rows, the last time the rows hold the values
cp v8.db w8.db
old -d w8.db import --body 大东区 request r.csv
old -d w8.db import --body 大东区 holiday h.csv
sqlite3 w8.db "UPDATE pack SET data = x'01' WHERE body = 1; DELETE FROM pack WHERE body = 2 AND kind = 'holiday'"
nb -d w8.db init
is "$rc:$out" "0:upgraded store w8.db from schema version 8 to 10:
$NINE
$TEN" "init narrows the tables"
is "$(schema w8.db)" "$(schema fresh.db)" "a version 8 store brought to 10 has the schema of a new one"
is "$(sqlite3 w8.db "SELECT count(*) FROM pragma_table_info('request') WHERE name IN ('received', 'applicant', 'closed', 'outcome', 'channel')")" 0 \
   "the table keeps no coded value"
is "$(nbsql w8.db "SELECT b.name || ' ' || r.id || ' ' || r.received || ' ' || d.code || ' ' || coalesce(r.closed, '-') FROM records_request r JOIN body b ON b.id = r.body JOIN dict d ON d.id = r.applicant ORDER BY 1")" "大东区 A1 20200105 person 20200120
大东区 A2 20200201 business -
沈河区 A1 20200105 person 20200120
沈河区 A2 20200201 business -" "every record's values, from the rows: the damaged and missing parts made again"
is "$(nbsql w8.db "SELECT count(*) FROM records_holiday")" 1 "the holiday too"
nb -d w8.db init --verify
is "$rc" 0 "the migrated store verifies"
is "$(sqlite3 w8.db "PRAGMA freelist_count")" 0 "the space the wide tables took given back (VACUUM)"
nb -d w8.db import --body 大东区 request r.csv
is "$rc:$out" "0:r.csv: 2 rows read, 0 inserted, 0 updated, 2 unchanged, 0 refused" "the migrated store imports again, its records unchanged"
# a VACUUM that fails after the migration's commit (a full disk): the store is migrated and
# whole, and init says so, with why the space was not given back (the test build fails it)
cp v8.db x8.db
NB_TEST_FAIL_VACUUM=1 NB_BIN=$CAT nb -d x8.db init
is "$rc" 0 "a VACUUM that fails after the migration: init succeeds"
like "$out" "^upgraded store x8.db from schema version 8 to 11:" "and says the store was brought up to date"
like "$out" "^x8.db: the space the old tables took stays in the file, as free pages that new records reuse \(VACUUM failed: x8.db: unknown database no_such_schema\)$" \
     "and that the space stays in the file, and why"
NB_BIN=$CAT nb -d x8.db init
is "$rc:$out" "0:opened store x8.db (schema version 11)" "the store is up to date"
for opt in --verify --repack; do
    cp v8.db x8o.db
    NB_TEST_FAIL_VACUUM=1 NB_BIN=$CAT nb -d x8o.db init $opt
    like "$rc:$out" "^0:upgraded store x8o.db from schema version 8 to 11:" "init $opt on an older store: says it brought it up to date"
    like "$out" "^x8o.db: the space the old tables took stays in the file, .*\(VACUUM failed: " "init $opt: and that the space stays"
    like "$out" "^x8o.db: (the packed columns|packed columns written again)" "init $opt: then does its own"
done
NB_BIN=$CAT nb -d x8.db init --verify
is "$rc" 0 "and verifies"
is "$(NB_BIN=$CAT nbsql x8.db "SELECT r.id || ' ' || r.received FROM records_request r ORDER BY 1")" "A1 20200105
A2 20200201" "its records kept"
is "$([ "$(sqlite3 x8.db "PRAGMA freelist_count")" -gt 0 ] && echo some)" some "(its free pages left in the file)"

# ---- the test build: one more kind and national value, version 11 ----
printf '会议日期,议题\n2020-03-01,政务公开\n' >m.csv
NB_BIN=$CAT nb -d s.db import --body 沈河区 meeting m.csv
is "$rc:$err" "2:nianbao: s.db: store has schema version 10, this nianbao uses version 11: bring it up to date with 'nianbao init -d s.db'" \
   "test build: the store of the released version is refused until init"
NB_BIN=$CAT nb -d s.db init
is "$rc:$out" "0:upgraded store s.db from schema version 10 to 11:
  11: the test build's kind 'meeting' and day type 'halfday'" "test build: init adds the kind and the value"
NB_BIN=$CAT nb -d s.db import --body 沈河区 meeting m.csv
is "$rc:$out" "0:m.csv: 1 row read, 1 inserted, 0 updated, 0 unchanged, 0 refused" "test build: the new kind imports"
printf '日期,类型\n2020-01-01,放假\n2020-01-02,半天\n' >h2.csv
NB_BIN=$CAT nb -d s.db import --body 沈河区 holiday h2.csv
is "$rc:$out" "0:h2.csv: 2 rows read, 2 inserted, 0 updated, 0 unchanged, 0 refused" "test build: the new national value imports"
NB_BIN=$CAT nb -d s.db report --body 沈河区 --year 2020 --to json --out o
is "$rc" 0 "test build: the old records still make the report"
is "$(python3 -c 'import json,sys; t=json.load(open(sys.argv[1]))["tables"]["requests"]["new"]; print(t["person"], t["business"], t["total"])' o/沈河区-2020.json)" \
   "1 1 2" "test build: the report counts the old records"
NB_BIN=$CAT nb -d cat.db init
is "$(schema s.db)" "$(schema cat.db)" "test build: a migrated store has the schema of a new one"
is "$(dict s.db)" "$(dict cat.db)" "test build: and its dictionary"
nb -d s.db report --body 沈河区 --year 2020 --to json --out o
is "$rc:$err" "2:nianbao: s.db: store has schema version 11; this nianbao knows versions up to 10 (use a newer nianbao)" \
   "the released build refuses the newer store"
finish
