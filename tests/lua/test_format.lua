-- test_format.lua - format.define's refusals of a data cell's terms (each names the format,
-- the table and the cell), and what Format:build, rows and columns hand out: tables of
-- their own, the same whether the format is a national one (shared read-only through
-- require) or a copy defined here, and never the format's own tables.
-- Run as `nianbao -d TMP.db run tests/lua/test_format.lua`.
local tap = require "tap"
local is, ok, error_is = tap.is, tap.ok, tap.error_is
local format = require "format"

-- ---- a data cell's terms ----
local function define(cell)
  return format.define{
    id = "t1", name = "测试", parts = { { title = "一", table = "x" } },
    cubes = { n = format.flow("request") },
    tables = { format.table{ id = "x", ncols = 2, rows = { { key = "r", format.label("行"), cell } } } },
  }
end
error_is(function() define(format.cell("c", {})) end,
         "format t1, table x: cell r.c: terms must be a list of { cube, label, … }",
         "define: a cell without terms")
error_is(function() define(format.cell("c", { "n" })) end,
         "format t1, table x: cell r.c: term 1 must be { cube, label, … }",
         "define: a term that is not a list")
error_is(function() define(format.cell("c", { { "n", "new" }, { "m", "new" } })) end,
         "format t1, table x: cell r.c: term 2 names cube 'm', which the format does not declare",
         "define: a term of an undeclared cube")
error_is(function() define(format.cell("c", { { "n", "new", sign = 2 } })) end,
         "format t1, table x: cell r.c: term 1: sign must be 1 or -1",
         "define: a bad sign")
error_is(function() define(format.cell("c", { { "n", "new" } }, { unit = "yuan" })) end,
         "format t1, table x: cell r.c: unit must be \"wan\" (分 to 万元)",
         "define: a bad unit")
ok(format.is_format(define(format.cell("c", { { "n", "new" }, { "n", "closed", sign = -1 } }))),
   "define: good terms")

-- ---- format.lazily: the declaration checked at once, the tables laid out when first read ----
local bad = format.cell("c", { { "n", "new" }, { "m", "new" } })
local lazy = format.lazily(define, bad)
ok(format.is_format(lazy), "lazily: a format whose cell is wrong is returned")
error_is(function() return lazy.tables end,
         "format t1, table x: cell r.c: term 2 names cube 'm', which the format does not declare",
         "lazily: reading its tables raises what define raises")
error_is(function() format.lazily(format.define, { id = "t2" }) end,
         "format t2: name must be a string", "lazily: the declaration itself is checked at once")
local shared = nianbao.freeze({ f = format.lazily(define, format.cell("c", { { "n", "new" } })) }).f
is(shared.by_id.x.rows[1].key, "r", "lazily: laid out through a read-only copy")
is(#shared.tables, 1, "lazily: once")
error_is(function() return lazy.tables end,
         "format t1, table x: cell r.c: term 2 names cube 'm', which the format does not declare",
         "lazily: a format whose tables are wrong raises at every read, not the first alone")
-- ---- tables as a function: made when first read under lazily, at once otherwise ----
local made = 0
local function define_fn(fn)
  return format.define{
    id = "t3", name = "测试", parts = { { title = "一", table = "x" } },
    cubes = { n = format.flow("request") }, tables = fn,
  }
end
local function tables_fn()
  made = made + 1
  return { format.table{ id = "x", ncols = 2, rows = { { key = "r", format.label("行"),
    format.cell("c", { { "n", "new" } }) } } } }
end
local later = format.lazily(define_fn, tables_fn)
is(made, 0, "tables function: not called by a lazy define")
is(later.by_id.x.rows[1].key, "r", "tables function: called when the tables are first read")
is(#later.specs, 1, "tables function: the specs it returned")
is(made, 1, "tables function: called once")
define_fn(tables_fn)
is(made, 2, "tables function: called at once outside lazily")
error_is(function() define_fn(function() return {} end) end,
         "format t3: its tables function must return a list of format.table{…}",
         "tables function: an empty list refused")
local empty = format.lazily(define_fn, function() return "x" end)
error_is(function() return empty.tables end,
         "format t3: its tables function must return a list of format.table{…}",
         "tables function: under lazily, refused when read")
error_is(function() define_fn(42) end,
         "format t3: tables must be a list of format.table{…}, or a function returning it",
         "tables: neither a list nor a function")
local extended = format.extend(later, { id = "t4" })
is(extended.by_id.x.rows[1].key, "r", "tables function: extend reads the base's tables")
local more = format.extend(later, { id = "t5", tables = function()
  return { format.table{ id = "y", ncols = 2, rows = { { key = "s", format.label("加"),
    format.cell("c", { { "n", "new" } }) } } } }
end })
is({ #more.tables, more.by_id.y.rows[1].key }, { 2, "s" }, "tables function: extend's changes may be one too")
local gov2021 = require "formats.gov2021"
is(gov2021.by_id.requests.id, "requests", "tables function: a national format's tables, made when read")

local formats = require "formats"
local sneaky = [[
local format = require "format"
local f = format.lazily(format.define, { id = "t1", name = "测试", parts = { { title = "一", table = "x" } },
  cubes = { n = format.flow("request") },
  tables = { format.table{ id = "x", ncols = 2, rows = { { key = "r", format.label("行"),
    format.cell("c", { { "m", "new" } }) } } } } })
pcall(function() return f.tables end)
return f
]]
local ok_load, why = pcall(formats.load, { name = "sneaky.lua", content = sneaky })
is({ ok_load, tostring(why) },
   { false, "sneaky.lua: format t1, table x: cell r.c: term 1 names cube 'm', which the format does not declare" },
   "lazily: a stored layout that defers its tables is checked whole all the same")
local was_lazy = format.lazily(function()
  local ok = pcall(format.lazily, function() error("inner") end)
  return ok
end)
is(was_lazy, false, "lazily: an error within restores the mode (next define is eager)")
error_is(function() define(bad) end,
         "format t1, table x: cell r.c: term 2 names cube 'm', which the format does not declare",
         "lazily: and format.define is eager after it")
error_is(function() define(bad) end,
         "format t1, table x: cell r.c: term 2 names cube 'm', which the format does not declare",
         "lazily: format.define outside it is eager again")

-- ---- what build, rows and columns hand out ----
local store = assert(nianbao.open(nianbao.db, { create = true }))
assert(store:insert("request", "测试区", { id = "Q1", received = "2020-02-01", applicant = "person",
                                          closed = "2020-02-10", outcome = "1" }))
assert(store:insert("request", "测试区", { id = "Q2", received = "2020-03-01", applicant = "business" }))

local national = require "formats.gov2019"
ok(getmetatable(national) ~= nil and not pcall(function() national.id = "x" end),
   "a national format is shared read-only")
local copy = format.extend(national, {}) -- the same format, defined here: not shared
local cubes = national:tabulate(store, { body = "测试区", year = 2020 })
local built = national:build(cubes)
is(built, copy:build(cubes), "build: the same tables from the shared format and from a copy")
local req = built[2]
is({ req.id, req.rows[4].key, req.rows[4][4].value, req.rows[4][10].value }, { "requests", "new", 1, 2 },
   "build: the values counted (表三, 一、本年新收: 自然人 1, 总计 2)")
is(req.merges[1], { 1, 1, 3, 3 }, "build: the merges (the note over three rows and columns)")

req.merges[1][3] = 99
req.rows[4][4].value = 42
req.rows[4][1].text = "改"
local again = national:build(cubes)[2]
is(again.merges[1], { 1, 1, 3, 3 }, "build: a change to the merges handed out stays out of the format")
is({ again.rows[4][4].value, again.rows[4][1].text }, { 1, "一、本年新收政府信息公开申请数量" },
   "build: a change to the cells handed out stays out of the format")

local outcomes = national:rows("requests", "outcome")
ok(#outcomes > 5 and outcomes[1] == "1", "rows: the outcome row set, in order")
outcomes[1] = "改"
table.insert(outcomes, "多")
is(national:rows("requests", "outcome"), copy:rows("requests", "outcome"),
   "rows: a change to the list handed out stays out of the format")
local cols = national:columns("requests")
ok(#cols == 7 and cols[7] == "total", "columns: the columns of 表三, total last")
cols[1] = "改"
is(national:columns("requests"), copy:columns("requests"), "columns: a new list each time")
-- A term's label the cube does not have: build fails naming the format, the table and
-- the cell (the table is evaluated without a pcall per term first, then again to name it).
local bad = format.extend(national, { id = "t2", tables = { format.table{ id = "x", ncols = 2,
  rows = { { key = "r", format.label("行"), format.cell("c", { { "requests", "nolabel", "person" } }) } } } },
  parts = { { title = "一", table = "x" } } })
local okb, err = pcall(bad.build, bad, bad:tabulate(store, { body = "测试区", year = 2020 }))
ok(not okb and tostring(err):find("^format t2, table x: cell r%.c: ") ~= nil,
   "build: a label the cube lacks names the format, table and cell (" .. tostring(err) .. ")")
store:close()

return tap.done()
