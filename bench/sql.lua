-- sql.lua - runs the SQL given (bench/flow_sql.sh's) through store:query and prints its
-- rows as "b|y|r|a|n" lines (its columns' names), as the sqlite3 shell would.
--
--   nianbao -d STORE run bench/sql.lua "$(cat FILE)"
local sql = ...
local store = assert(nianbao.open(nil, { readonly = true }))
local out = {}
for _, row in ipairs(store:query(sql)) do
  out[#out + 1] = table.concat({ row.b, row.y, row.r, row.a, row.n }, "|")
end
io.write(table.concat(out, "\n"), #out > 0 and "\n" or "")
