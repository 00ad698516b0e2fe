-- test_export_api.lua: nianbao.export from Lua: files written, the JSON contract, and the
-- messages for malformed documents.
local tap = require "tap"
local is, ok, error_is = tap.is, tap.ok, tap.error_is
local layout = require "layout"

local dir = nianbao.db .. ".out"
local t = layout.table{ id = "local", title = "附表", ncols = 3 }
t:row({ layout.head("事项"), layout.head("数量", { cols = 2 }) }, nil, true)
t:row({ layout.label("甲"), layout.num(3, "n"), layout.num(-2, "d", { fmt = "signed" }) }, "a")
t:row({ layout.label("乙"), layout.num(nil, "n"), layout.num(0.015, "m", { fmt = "money" }) }, "b")
local doc = { title = "测试", body = "某机关", year = 2021, format = "local", created = 1,
              blocks = { { type = "heading", level = 1, text = "一、表" }, { type = "table", table = 1 } },
              tables = { t:finish() } }

local paths = assert(nianbao.export(doc, { dir = dir, name = "r", formats = { "json", "csv", "md" } }))
is(paths, { dir .. "/r.md", dir .. "/r-local.csv", dir .. "/r.json" }, "export: the written paths, in format order")
ok(paths.sha256 == nil, "export: no sha256 unless asked")
local summed = assert(nianbao.export(doc, { dir = dir, name = "s", formats = { "json", "csv", "md" }, sha256 = true }))
local each = true
for _, p in ipairs(summed) do
  each = each and summed.sha256[p] == nianbao.sha256(assert(nianbao.read_text(p)))
end
ok(#summed == 3 and each, "export: with sha256, each path's SHA-256 is that of the file's bytes")
local json = assert(nianbao.read_text(dir .. "/r.json"))
ok(json:find('"a": {\n        "n": 3,\n        "d": -2\n      }', 1, true) ~= nil, "json: row a with its cells")
ok(json:find('"n": null', 1, true) ~= nil, "json: a blank cell is null")
ok(json:find('"m": 0.01', 1, true) ~= nil or json:find('"m": 0.02', 1, true) ~= nil, "json: money as a number")
local md = assert(nianbao.read_text(dir .. "/r.md"))
ok(md:find("| 甲 | 3 | -2 |", 1, true) ~= nil, "md: a signed change")

-- doc:texts(): every data cell's printed text at once, the same as doc:cell gives
local d = nianbao.document(doc)
local texts = d:texts()
is(texts["local"], { a = { n = "3", d = "-2" }, b = { n = "", m = select(2, d:cell("local", "b", "m")) } },
   "doc:texts: each data cell's text ('' when blank); the headers are not data cells")
ok(texts["local"].a.d == select(2, d:cell("local", "a", "d")) and texts["local"].b.m:find("0.0", 1, true) ~= nil,
   "doc:texts: the text doc:cell gives")

-- an option or a document field typed wrong is refused, not ignored
error_is(function() nianbao.export(doc, { dir = dir, name = "k", format = { "json" } }) end,
  "export: unknown option 'format' (options: dir, name, formats, sha256)",
  "export: an unknown option (format for formats) raises, naming the options")
error_is(function() nianbao.document{ title = "x", tabels = {} } end,
  "document: unknown option 'tabels' (options: title, body, format, year, created, fonts, tables, blocks, checks)",
  "document: an unknown field raises, naming the fields")

local function doc_with(cell)
  return { title = "x", tables = { { id = "t", ncols = 1, rows = { { cell } } } } }
end
error_is(function() nianbao.export(doc_with({ value = 1, fmt = "pct" }), { name = "x", dir = dir }) end,
  "tables[1] (t) row 1: field 'fmt': unknown 'pct' (plain, signed, money, money_unit)",
  "export: an unknown number format names the table, row and choices")
do -- the location of a row past the ninth, and of a check, in a message
  local rows = {}
  for i = 1, 12 do rows[i] = { i } end
  rows[12] = { { value = 1, fmt = "pct" } }
  error_is(function() nianbao.export({ title = "x", tables = { { id = "t", ncols = 1, rows = rows } } },
                                     { name = "x", dir = dir }) end,
    "tables[1] (t) row 12: field 'fmt': unknown 'pct' (plain, signed, money, money_unit)",
    "export: the twelfth row is named as such")
  local good = { id = "A1", severity = "error", title = "t", status = "PASS" }
  local checks = {}
  for i = 1, 10 do checks[i] = good end
  checks[10] = { severity = "error", title = "t", status = "PASS" }
  error_is(function() nianbao.document(doc_with(1)):set_checks(checks) end,
    "checks[10]: field 'id' must be a string (got nil)", "set_checks: the tenth check is named as such")
end
do -- a field typed wrong in a table, a row, a cell, a block or a check is refused, not ignored
  local function t1(extra, row, cell)
    local r = row or { cell or 1 }
    local t = { id = "t", ncols = 1, rows = { r } }
    for k, v in pairs(extra or {}) do t[k] = v end
    return { title = "x", tables = { t } }
  end
  error_is(function() nianbao.document(t1({ marges = {} })) end,
    "tables[1] (t): unknown field 'marges' (fields: id, title, header_rows, ncols, rows, merges)",
    "document: a table's field typed wrong raises")
  error_is(function() nianbao.document(t1(nil, { 1, kee = "a" })) end,
    "tables[1] (t) row 1: unknown field 'kee' (fields: key, and the cells 1 to ncols)",
    "document: a row's field typed wrong raises")
  error_is(function() nianbao.document(t1(nil, nil, { valeu = 1 })) end,
    "tables[1] (t) row 1: unknown field 'valeu' (fields: text, value, fmt, key, row, header, terms, unit)",
    "document: a cell's field typed wrong raises (the cell was blank)")
  local d = t1()
  d.blocks = { { type = "heading", text = "x", levle = 2 } }
  error_is(function() nianbao.document(d) end,
    "blocks[1]: unknown field 'levle' (fields: type, level, text, table, line)",
    "document: a block's field typed wrong raises")
  d = t1()
  d.checks = { { id = "A1", severity = "error", title = "t", status = "PASS", mesage = "m" } }
  error_is(function() nianbao.document(d) end,
    "checks[1]: unknown field 'mesage' (fields: id, severity, title, formula, status, message, left, right, evidence)",
    "document: a check's field typed wrong raises")
  d = t1(nil, nil, { value = 1, fmt = "plain", key = "k", row = "r", header = false, text = "1", terms = {}, unit = "件" })
  d.blocks = { { type = "para", text = "p", line = 3 }, { type = "table", table = 1 } }
  ok(nianbao.document(d), "document: every known field of a cell and a block is taken")
end
do -- set_blocks and set_checks refused part-way leave the document as it was
  local d = nianbao.document(doc_with(1))
  local good = { id = "A1", severity = "error", title = "甲检查", status = "PASS" }
  d:set_blocks({ { type = "heading", level = 1, text = "甲标题" }, { type = "table", table = 1 } })
  d:set_checks({ good })
  error_is(function() d:set_blocks({ { type = "heading", level = 1, text = "乙标题" }, { type = "table", table = 5 } }) end,
    "blocks[2]: table 5 does not exist", "set_blocks: a block past the tables raises")
  error_is(function() d:set_checks({ { id = "B1", severity = "error", title = "乙检查", status = "PASS" }, { severity = "error", title = "t", status = "PASS" } }) end,
    "checks[2]: field 'id' must be a string (got nil)", "set_checks: a bad second check raises")
  assert(nianbao.export(d, { name = "kept", dir = dir, formats = { "md", "json" } }))
  local text = assert(nianbao.read_text(dir .. "/kept.md")) .. assert(nianbao.read_text(dir .. "/kept.json"))
  ok(text:find("甲标题", 1, true) and not text:find("乙标题", 1, true), "set_blocks: refused, the blocks as they were")
  ok(text:find("甲检查", 1, true) and not text:find("乙检查", 1, true), "set_checks: refused, the checks as they were")
end
error_is(function() nianbao.export(doc_with(1), { dir = dir }) end,
  "export: field 'name' must be a string (got nil)", "export: a missing name")
error_is(function()
  nianbao.export({ title = "x", tables = { { id = "t", ncols = 1, rows = { { 1 } }, merges = { { 1, 1, 2, 1 } } } } },
    { name = "x", dir = dir })
end, "tables[1] (t): merge 1 {1, 1, 2, 1} is outside the table", "export: a merge outside the table")
do -- overlapping merges are refused by nianbao.document (they failed in the XLSX export only)
  local rows = { { 1, 2, 3 }, { 4, 5, 6 }, { 7, 8, 9 } }
  error_is(function()
    nianbao.document({ title = "x", tables = { { id = "t", ncols = 3, rows = rows,
      merges = { { 1, 1, 2, 2 }, { 3, 1, 3, 3 }, { 2, 2, 3, 3 } } } } })
  end, "tables[1] (t): merge 3 {2, 2, 3, 3} overlaps merge 1 {1, 1, 2, 2}", "document: overlapping merges raise")
  error_is(function()
    nianbao.document({ title = "x", tables = { { id = "t", ncols = 3, rows = rows,
      merges = { { 1, 1, 1, 2 }, { 1, 1, 1, 2 } } } } })
  end, "tables[1] (t): merge 2 {1, 1, 1, 2} overlaps merge 1 {1, 1, 1, 2}", "document: a merge given twice raises")
  ok(nianbao.document({ title = "x", tables = { { id = "t", ncols = 3, rows = rows,
    merges = { { 1, 1, 2, 2 }, { 1, 3, 3, 3 }, { 3, 1, 3, 2 } } } } }), "document: merges side by side are taken")
end
error_is(function() nianbao.export(doc, { name = "x", dir = dir, formats = { "rtf" } }) end,
  "export: unknown format 'rtf' (xlsx, docx, pdf, md, txt, html, csv, json)", "export: an unknown format")
error_is(function() nianbao.export(doc, { name = "x", dir = dir, formats = "md" }) end,
  "export: option 'formats': a list of names, e.g. {\"md\"} (got string)", "export: formats as a string (it wrote all eight)")
local none, why = nianbao.export(doc, { name = "x", dir = dir .. "/no/such" })
ok(none == nil and why:find("/no/such: cannot create folder") ~= nil, "export: an unwritable folder is nil, message")
none, why = nianbao.export(doc, { name = "x", dir = "/proc/nope/out" })
is({ none, why }, { nil, "/proc/nope/out: scripts write only in the working folder, the store's folder "
                         .. "or the command's --out (sandbox)" }, "export: no folder outside the sandbox's")
none, why = nianbao.export(doc, { name = "x", dir = dir .. "/../../../../../../../../proc/elsewhere" })
ok(none == nil, "export: '..' cannot climb out")
error_is(function() nianbao.export(doc, { name = "../x", dir = dir }) end,
  "export: name '../x' must be a file name (no '/', not starting with '.', no control characters)",
  "export: a name with a folder in it raises")
error_is(function() nianbao.export({ title = "x", tables = { { id = "../t", ncols = 1, rows = {} } } },
                                   { name = "x", dir = dir }) end,
  "tables[1]: id '../t' must be 1 to 64 letters, digits, _ or - (it names files)",
  "export: a table id names files, so it is checked")

return tap.done()
