#!/bin/sh
# test_pack.sh - the packed columns that tabulation reads stay equal to the records after
# every change: imports of new bodies (batched) and of existing ones (row by row, the last
# part taken back), re-imports that update, --replace-all, deletes of records and bodies,
# store:insert, refused and dry-run imports (nothing changes), parts over the part size;
# each time `init --verify` passes and every cube (flows, stocks, counts, sums; every body
# and year, a year range, one body and year with its record ids) is the same from the
# packed columns as from the rows; and the digests that regen keeps (store:digests through a writable
# handle) match the records. A damaged part is found, named, and made again; a wrong kept
# digest is found, named, and forgotten.
. tests/cli/lib.sh
EX=$NIANBAO_HOME/examples/shenhe
H='编号,收到日期,申请人类型,办结日期,办理结果,机关'

# compare.lua: every cube from the packed columns and from the rows; prints "same N" or
# each difference, and fails on one.
cat >compare.lua <<'EOF'
local store = assert(nianbao.open(nil, { readonly = true }))
local function cells(cube, ids)
  local dims, out = cube:dims(), {}
  local labels = {}
  local function walk(d)
    if d > #dims then
      local line = table.concat(labels, "/") .. "=" .. cube:get(table.unpack(labels))
      if ids then
        local list = cube:ids(table.unpack(labels))
        table.sort(list)
        line = line .. " [" .. table.concat(list, " ") .. "]"
      end
      out[#out + 1] = line
      return
    end
    for _, l in ipairs(dims[d].labels) do labels[d] = l; walk(d + 1) end
    labels[d] = nil
  end
  walk(1)
  return table.concat(out, "\n")
end
local bodies = {}
for _, b in ipairs(store:bodies()) do bodies[#bodies + 1] = b.name end
local scopes = { {}, { years = { 2019, 2021 } } }
for _, b in ipairs(bodies) do scopes[#scopes + 1] = { body = b, year = 2020, ids = true } end
local cubes = {
  function(o) return store:flow("request", o) end,
  function(o) return store:flow("case", o) end,
  function(o) o.start, o["end"], o.by = "made", "repealed", "kind"; return store:stock("document", o) end,
  function(o) o.start, o["end"], o.by = "listed", "delisted", "kind"; return store:stock("matter", o) end,
  function(o) o.by = "kind"; return store:count_by("decision", o) end,
  function(o) return store:sum_by("charge", "amount", o) end,
  function(o) return store:sum_by("purchase", "amount", o) end,
  function(o) o.by = "applicant"; return store:count_by("request", o) end,
}
local n, bad = 0, 0
for i, make in ipairs(cubes) do
  for _, sc in ipairs(scopes) do
    local a, b = {}, { rows = true }
    for k, v in pairs(sc) do a[k] = v; b[k] = v end
    local packed, rows = cells(make(a), sc.ids), cells(make(b), sc.ids)
    n = n + 1
    if packed ~= rows then
      bad = bad + 1
      print(string.format("cube %d (%s %s): packed and rows differ", i, tostring(sc.body), tostring(sc.year)))
    end
  end
end
print(bad == 0 and ("same " .. n) or ("differ " .. bad))
EOF
# digests.lua: the digest of every body, through a writable handle (what it computes is kept)
cat >digests.lua <<'EOF'
local store = assert(nianbao.open(nil))
local n = 0
for _ in pairs(store:digests()) do n = n + 1 end
print("digests " .. n)
EOF
# same STEP: every body's digest taken (a kept one used as it is, the others kept), then
# init --verify passes (packs and kept digests: a change that did not forget its pair's
# digest shows here) and every cube agrees
same() {
    nb -d s.db run digests.lua
    like "$rc:$out" "^0:digests [0-9]+$" "$1: every body's digest"
    is "$(sqlite3 s.db "SELECT count(*) FROM digest WHERE hash IS NULL")" 0 "$1: every pair's digest kept"
    nb -d s.db init --verify
    is "$rc:$out" "0:s.db: the packed columns of every kind and body match the records
s.db: the kept digests of every kind and body match the records" "$1: init --verify"
    nb -d s.db run compare.lua
    like "$rc:$out" "^0:same [0-9]+$" "$1: every cube the same from the packed columns and from the rows"
}

# carried STEP: after imports that only added records, every pair's digest is still kept
# (carried on with the records added, from the state kept beside it), as the rows give it
carried() {
    is "$(sqlite3 s.db "SELECT count(*) FROM digest WHERE hash IS NULL OR length(hash) <> 137")" 0 \
       "$1: every pair's digest carried on"
    nb -d s.db init --verify
    is "$rc:$out" "0:s.db: the packed columns of every kind and body match the records
s.db: the kept digests of every kind and body match the records" "$1: the digests carried on match the records"
}
# forgot STEP BODY: BODY's request digest forgotten by a change that was not an addition
forgot() {
    is "$(sqlite3 s.db "SELECT count(*) FROM digest WHERE kind = 'request' AND hash IS NULL
                        AND body = (SELECT id FROM body WHERE name = '$2')")" 1 "$1: $2's request digest forgotten"
}

nb -d s.db init
printf '名称,上级,汇总\n市,,是\n甲,市,\n乙,市,\n' >bodies.csv
nb -d s.db import bodies bodies.csv
printf '%s\n' "$H" \
  'A1,2019-05-01,自然人,2019-05-10,1,甲' \
  'A2,2019-12-20,企业,2020-01-10,2,甲' \
  'A3,2020-03-01,自然人,,,甲' \
  'B1,2020-07-01,自然人,2020-07-09,3.1,乙' \
  'B2,2020-12-30,科研机构,2021-01-04,1,乙' \
  'C1,2020-04-01,自然人,2020-04-05,6.2,市' >r1.csv
nb -d s.db import request r1.csv
carried "new bodies, one file"
same "new bodies, one file"
is "$(sqlite3 s.db "SELECT group_concat(n, ' ') FROM (SELECT n FROM pack WHERE kind = 'request' ORDER BY body)")" "1 3 2" \
   "a part per body (ids in order: 市 1, 甲 3, 乙 2)"

# the Shenhe example's records of every kind, for body 甲 (its rows one by one: 甲 has rows)
for kind in request:requests case:cases document:documents matter:matters \
            decision:decisions purchase:purchases charge:charges; do
    nb -d s.db import --body 甲 --map "$EX/map.lua" "${kind%%:*}" "$EX/data/${kind#*:}.csv"
    [ "$rc" -eq 0 ] || echo "# import $kind: $err"
done
carried "every kind of the example added to a body that has records"
same "every kind of the example added to a body that has records"
is "$(sqlite3 s.db "SELECT count(*) FROM pack WHERE kind = 'request' AND body = (SELECT id FROM body WHERE name = '甲')")" 1 \
   "the body's last part taken back and extended, not a part per import"

# a re-import that updates (the same ids, other values)
printf '%s\n' "$H" 'A1,2019-05-01,企业,2019-05-11,2,甲' 'A3,2020-03-01,自然人,2020-12-31,1,甲' >r1fix.csv
nb -d s.db import request r1fix.csv
like "$out" "2 updated" "a re-import updates"
forgot "after updates" 甲
same "after updates"

# updates that leave the coded fields as they were (another way of writing a date, the
# same label by its code) beside one that changes them: only that one's part follows
printf '%s\n' "$H" 'A1,2019/5/1,business,2019-05-11,2,甲' 'A3,2020-03-01,自然人,2020-12-30,1,甲' >r1same.csv
nb -d s.db import request r1same.csv
like "$out" "2 updated" "a re-import with the same coded values updates"
is "$(nbsql s.db "SELECT closed FROM records_request WHERE id = 'A3'")" 20201230 "the changed date stored"
same "after updates that leave coded fields as they were"

# --replace-all: 乙 keeps only the new file's rows
printf '%s\n' "$H" 'B9,2020-02-02,自然人,2020-02-03,1,乙' >b.csv
nb -d s.db import --body 乙 --replace-all request b.csv
like "$out" "removed" "--replace-all removes"
forgot "after --replace-all" 乙
same "after --replace-all"

# delete records by id
nb -d s.db delete --body 甲 request A1
is "$rc" 0 "delete a record"
forgot "after a delete" 甲
same "after a delete"

# store:insert, one record
cat >ins.lua <<'EOF'
local store = assert(nianbao.open())
assert(store:insert("request", "市", { id = "C2", received = "2021-01-05", applicant = "自然人" }))
EOF
nb -d s.db run ins.lua
is "$rc" 0 "store:insert"
carried "after store:insert"
same "after store:insert"

# refused and dry-run imports change nothing, the packs included
before=$(sqlite3 s.db "SELECT kind, body, rid_lo, rid_hi, n, hex(data) FROM pack ORDER BY kind, body, rid_lo")
printf '%s\n' "$H" 'A7,2020-01-01,自然人,,,甲' 'A8,不是日期,自然人,,,甲' >bad.csv
nb -d s.db import request bad.csv
is "$rc" 2 "a bad file is refused"
printf '%s\n' "$H" 'A7,2020-01-01,自然人,,,甲' >dry.csv
nb -d s.db import --dry-run request dry.csv
is "$rc" 0 "a dry run"
is "$(sqlite3 s.db "SELECT kind, body, rid_lo, rid_hi, n, hex(data) FROM pack ORDER BY kind, body, rid_lo")" "$before" \
   "a refused file and a dry run leave the packed columns as they were"

# more records than a part holds, then a few more
awk 'BEGIN { print "编号,收到日期,申请人类型,办结日期,办理结果"
  for (i = 1; i <= 20000; i++) printf "P%05d,20%02d-%02d-%02d,%s,,\n", i, 19 + i % 3, 1 + i % 12, 1 + i % 28, i % 2 ? "自然人" : "企业" }' >big.csv
nb -d s.db import --body 丙 request big.csv
is "$rc" 0 "20,000 records for a new body"
is "$(sqlite3 s.db "SELECT count(*) || ' ' || sum(n) FROM pack WHERE kind = 'request' AND body = (SELECT id FROM body WHERE name = '丙')")" "3 20000" \
   "in parts of at most 8,192 records"
printf '编号,收到日期,申请人类型\nQ1,2020-06-01,自然人\nQ2,2020-06-02,企业\n' >more.csv
nb -d s.db import --body 丙 request more.csv
is "$(sqlite3 s.db "SELECT group_concat(n, ' ') FROM (SELECT n FROM pack WHERE kind = 'request' AND body = (SELECT id FROM body WHERE name = '丙') ORDER BY rid_lo)")" "8192 8192 3618" \
   "appended to the last part"
carried "after a large import and an append"
same "after a large import and an append"

# a body deleted with all it holds: its parts go too
nb -d s.db delete --body 丙 --force
is "$(sqlite3 s.db "SELECT count(*) FROM pack WHERE body NOT IN (SELECT id FROM body)")" 0 "a deleted body leaves no parts"
is "$(sqlite3 s.db "SELECT count(*) FROM digest WHERE body NOT IN (SELECT id FROM body)")" 0 "a deleted body leaves no kept digests"
same "after deleting a body"

# a damaged part: found, named; the parts are the coded values' only copy, so init --repack
# removes it with the records it held, and the body's file imported again brings them back
sqlite3 s.db "UPDATE pack SET data = x'0102' WHERE kind = 'request' AND body = (SELECT id FROM body WHERE name = '乙')"
nb -d s.db init --verify
like "$rc:$out" "^1:s.db: the packed request records of body [0-9]+ do not match the rows: a part does not decode, or its statistics are not its values' \(1 kind and body pair\); 'nianbao init --repack -d s.db' removes what is wrong with the records it touches \(import their files again\)" \
   "init --verify finds a damaged part"
like "$out" "s.db: the kept digests are not compared: the packed columns are not the records'" \
   "and compares no digest made from it"
nb -d s.db report --body 乙 --year 2020 --to json --out o
like "$rc:$err" "damaged packed columns of request.*the coded values of the records they held are lost; 'nianbao init --repack' removes them" \
   "a report from a damaged part stops and says what can be done"
nb -d s.db import --body 乙 request b.csv
like "$rc:$err" "^2:.*damaged packed columns of request" "an import into the body stops too"
nb -d s.db init --repack
is "$rc:$out" "0:s.db: packed columns written again, kept digests forgotten
s.db: 1 record of damaged packed columns removed: import their bodies' files again" "init --repack removes the damaged part and its record"
nb -d s.db init --verify
is "$rc" 0 "after init --repack: init --verify"
nb -d s.db import --body 乙 request b.csv
is "$rc:$out" "0:b.csv: 1 row read, 1 inserted, 0 updated, 0 unchanged, 0 refused" "the body's file imported again"
same "after init --repack and the file imported again"

# a wrong kept digest: found, named, forgotten by init --repack
sqlite3 s.db "UPDATE digest SET hash = zeroblob(32) WHERE kind = 'request' AND body = (SELECT id FROM body WHERE name = '乙')"
nb -d s.db init --verify
like "$rc:$out" "^1:s.db: the packed columns of every kind and body match the records
s.db: the kept digest of the request records of body [0-9]+ differs from the rows \(1 kind and body pair\); 'nianbao init --repack -d s.db' forgets them$" \
   "init --verify finds a wrong kept digest"
nb -d s.db init --repack
is "$rc:$out" "0:s.db: packed columns written again, kept digests forgotten" "init --repack forgets the kept digests"
is "$(sqlite3 s.db "SELECT count(*) FROM digest WHERE hash IS NOT NULL")" 0 "(none kept)"
same "after init --repack forgot them"
finish
