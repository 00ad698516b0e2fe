#!/bin/sh
# test_records_table.sh - the records_<kind> tables of store:query (host/vtab.c) under a
# script's limits and against SQL's own comparisons: the same rows as the kind's table for
# ids that look like numbers, a blob or a NUL; a join that reads a body again for each row
# spends the instruction budget; at most 32 read at once; a query that raised, collected
# after its store was closed, frees its cursors without the store.
. tests/cli/lib.sh

nb -d s.db init
cat >mk.lua <<'EOF'
local store = assert(nianbao.open(nil, { create = true }))
for _, r in ipairs{ { "甲", "A1" }, { "甲", "a1" }, { "甲", "1" }, { "乙", "A1" }, { "乙", "1.0" } } do
  assert(store:insert("request", r[1], { id = r[2], received = "2020-03-05", applicant = "自然人" }))
end
EOF
nb -d s.db run mk.lua
is "$rc:$err" "0:" "five requests, ids that look like numbers among them"

# each query against request and against records_request: the rids, in order
cat >same.lua <<'EOF'
local store = assert(nianbao.open(nil, { readonly = true }))
local queries = {
  { "SELECT rid FROM %s WHERE id = CAST(1 AS INTEGER) ORDER BY rid" },
  { "SELECT rid FROM %s WHERE id = 1.0 ORDER BY rid" },
  { "SELECT rid FROM %s WHERE id IN (SELECT id FROM body) ORDER BY rid" },
  { "SELECT r.rid FROM %s r JOIN body b ON r.id = b.id ORDER BY r.rid" },
  { "SELECT rid FROM %s WHERE id = ? ORDER BY rid", "A1\0x" },
  { "SELECT rid FROM %s WHERE id = X'4131' ORDER BY rid" },
  { "SELECT rid FROM %s WHERE id = CAST('A1' AS BLOB) ORDER BY rid" },
  { "SELECT rid FROM %s WHERE id = 'A1' ORDER BY rid" },
  { "SELECT rid FROM %s WHERE id = 'a1' COLLATE NOCASE ORDER BY rid" },
  { "SELECT rid FROM %s WHERE body = '1' AND id = ? ORDER BY rid", "A1" },
}
for _, q in ipairs(queries) do
  local got = {}
  for _, t in ipairs{ "request", "records_request" } do
    local rids = {}
    for _, r in ipairs(store:query(q[1]:format(t), table.unpack(q, 2))) do rids[#rids + 1] = r.rid end
    got[#got + 1] = table.concat(rids, ",")
  end
  print((q[1]:gsub("%%s", "T")), got[1], got[2] == got[1] and "same" or ("records_: " .. got[2]))
end
EOF
nb -d s.db run same.lua
is "$rc:$err" "0:" "comparisons: run"
is "$out" "SELECT rid FROM T WHERE id = CAST(1 AS INTEGER) ORDER BY rid	3,5	same
SELECT rid FROM T WHERE id = 1.0 ORDER BY rid	5	same
SELECT rid FROM T WHERE id IN (SELECT id FROM body) ORDER BY rid	3,5	same
SELECT r.rid FROM T r JOIN body b ON r.id = b.id ORDER BY r.rid	3,5	same
SELECT rid FROM T WHERE id = ? ORDER BY rid		same
SELECT rid FROM T WHERE id = X'4131' ORDER BY rid		same
SELECT rid FROM T WHERE id = CAST('A1' AS BLOB) ORDER BY rid		same
SELECT rid FROM T WHERE id = 'A1' ORDER BY rid	1,4	same
SELECT rid FROM T WHERE id = 'a1' COLLATE NOCASE ORDER BY rid	1,2,4	same
SELECT rid FROM T WHERE body = '1' AND id = ? ORDER BY rid	1	same" \
   "comparisons: an id compared as a number, a text with a NUL, a blob: the table's rows"

# a body of 20,000 requests, read again for each of its records
awk 'BEGIN { print "编号,收到日期,申请人类型"; for (i = 1; i <= 20000; i++) printf "Q%05d,2021-03-01,自然人\n", i }' >big.csv
nb -d s.db import --body 丙 request big.csv
is "$rc" 0 "a body of 20,000 requests"
cat >join.lua <<'EOF'
local store = assert(nianbao.open(nil, { readonly = true }))
local r = store:query("SELECT count(*) AS n FROM records_request a JOIN records_request b "
                      .. "ON b.body = a.body AND b.id = a.id")
print(r[1].n)
EOF
nb -d s.db run --limit-instructions 5000000 join.lua
is "$rc:$(printf '%s\n' "$err" | head -1)" "2:nianbao: join.lua:2: store:query: instruction limit exceeded (5000000 SQLite steps)" \
   "budget: the records each join reads count against the instruction limit"
cat >many.lua <<'EOF'
local store = assert(nianbao.open(nil, { readonly = true }))
local from = {}
for i = 1, 33 do from[i] = "records_request t" .. i end
print(pcall(store.query, store, "SELECT 1 FROM " .. table.concat(from, ", ") .. " LIMIT 1"))
EOF
nb -d s.db run many.lua
is "$rc:$out" "0:false	store:query: records_request: more than 32 records_ tables read at once" \
   "memory: at most 32 read at once (each holds a part decoded, outside the memory limit)"
cat >after.lua <<'EOF'
local store = assert(nianbao.open(nil, { readonly = true }))
local parts = {}
for i = 1, 40 do parts[i] = "SELECT count(*) AS n FROM records_request WHERE body = " .. (i % 3 + 1) end
local n = 0
for _, r in ipairs(store:query(table.concat(parts, " UNION ALL "))) do n = n + r.n end
print(n)
EOF
nb -d s.db run after.lua
is "$rc:$out:$err" "0:260067:" "memory: 40 read one after another in one statement (a cursor at its end holds nothing)"
cat >closed.lua <<'EOF'
local function read()
  local store <close> = assert(nianbao.open(nil, { readonly = true }))
  return store:query("SELECT rid, raw, id FROM records_request")
end
print(pcall(read))
collectgarbage()
print("collected")
EOF
nb -d s.db run --limit-memory 4M closed.lua
is "$rc:$out" "0:false	not enough memory
collected" "a query that raised, collected after its store was closed: freed without it (ASan, valgrind)"

finish
