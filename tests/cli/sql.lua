-- sql.lua - a read-only query's rows for the shell tests, one line each: the value of its
-- one column (a NULL as an empty line), as the sqlite3 shell prints it. Unlike the shell,
-- it reads the records_<kind> tables (their coded values from the packed columns). Run as
-- `nianbao -d DB run tests/cli/sql.lua SQL` (lib.sh: nbsql DB SQL).
local sql = ...
local store = assert(nianbao.open(nil, { readonly = true }))
for _, row in ipairs(store:query(sql)) do
  local k, v = next(row)
  assert(k == nil or next(row, k) == nil, "sql.lua: a query of one column (join others with ||)")
  print(v == nil and "" or v)
end
