-- format.lua: report formats as data: declares, checks, tabulates and evaluates them.
--
-- A format file (scripts/formats/gov2021.lua, or a body's stored layout) returns
--
--   format.define{
--     id = "gov2021", name = "…", years = { first = 2021 },
--     parts = { { title = "一、总体情况" }, { title = "二、…", table = "active" }, … },
--     cubes = { requests = format.flow("request"),
--               doc_made = format.count("document", { date = "made", by = "kind" }), … },
--     tables = { format.table{ id = "active", title = "…", ncols = 4, rows = {
--       { format.head("第二十条第（一）项", { cols = 4 }) },
--       { key = "rule", format.label("规章"),
--         format.cell("made", { { "doc_made", "rule" } }), … },
--     } }, … },
--   }
--
-- Every data cell is declared once, as the terms it sums: { cube, label, … } with an
-- optional sign = -1. Its value (format:build) and its explanation (format:explain)
-- both come from that declaration, so they cannot disagree.

local layout = require "layout"
local unpack = table.unpack -- a local: every cell's terms are read through it

local format = {}

local Format = {}
Format.__metatable = "format" -- scripts cannot reach (and change) the methods of every format

-- The formats defined under format.lazily whose tables are not laid out yet: format -> its
-- spec. A format's tables are made (a spec's function of them) and laid out when first read
-- (f.tables, f.by_id, f.specs).
local unshaped = setmetatable({}, { __mode = "k" })
local shape_tables, table_specs -- below

function Format.__index(f, k)
  local spec = unshaped[f]
  if spec and (k == "tables" or k == "by_id" or k == "specs") then
    local specs = table_specs(spec) -- raises (at every read) while the tables are wrong
    shape_tables(f, spec, specs)
    rawset(f, "specs", specs)
    unshaped[f] = nil
    return rawget(f, k)
  end
  return Format[k]
end

-- The tables of a format laid out for a set of cubes (a table whose rows follow the
-- data): format -> cubes -> { list, by_id }. Kept here, not in the format, which the
-- program shares read-only.
local shapes_of = setmetatable({}, { __mode = "k" })
Format._format = true -- read through the metatable: also true of a shared (read-only) copy

-- Each format by its serial number (format.define numbers them). A national format
-- reaches the program through require, which shares it read-only: every field read is
-- then a call through a proxy (host/lua_freeze.c), and building a report's tables read
-- some 5,000 of them. Format:build, rows and columns read the format itself (own_of)
-- and hand out only tables they make.
local own = setmetatable({}, { __mode = "v" })
local serial = 0

local function own_of(self)
  local n = self._serial
  return n and own[n] or self
end

-- A new list with the values of L (nil: empty).
local function copy_list(l)
  local c = {}
  for i, v in ipairs(l or {}) do c[i] = v end
  return c
end

-- ---- cubes ----

--- The flow of a kind through the year (store:flow).
function format.flow(kind)
  return { op = "flow", kind = kind }
end

--- Records whose OPTS.date falls in the year, by OPTS.by (store:count_by).
function format.count(kind, opts)
  opts = opts or {}
  return { op = "count_by", kind = kind, date = opts.date, by = opts.by }
end

--- The sum of FIELD over the same records (store:sum_by; money in 分).
function format.sum(kind, field, opts)
  opts = opts or {}
  return { op = "sum_by", kind = kind, field = field, date = opts.date, by = opts.by }
end

--- Records standing at the end of the year (store:stock); OPTS.year_offset = -1 for
--- the end of the year before.
function format.stock(kind, opts)
  return { op = "stock", kind = kind, start = opts.start, ["end"] = opts["end"], by = opts.by,
           year_offset = opts.year_offset or 0 }
end

-- ---- cells ----

format.head = layout.head
format.label = layout.label

--- A data cell: its JSON column KEY and the TERMS it sums ({ cube, label, … } each, with
--- sign = -1 to subtract). OPTS: fmt ("plain", "signed", "money", "money_unit"),
--- unit ("wan": 分 -> 万元, two decimals, half up), row (its own JSON row key), rows, cols.
local NO_OPTS = setmetatable({}, { __newindex = function() error("format: options are read-only", 2) end })

function format.cell(key, terms, opts)
  opts = opts or NO_OPTS
  return { key = key, terms = terms, fmt = opts.fmt, unit = opts.unit, row = opts.row,
           rows = opts.rows or 1, cols = opts.cols or 1 }
end

--- 分 -> 万元 rounded half up to two decimals, in integers (no float drift).
function format.wan(fen)
  return ((fen + 5000) // 10000) / 100
end

-- ---- tables ----

--- A table: { id, title, ncols, rows = { row, … }, row_sets = { name = { key, … } },
--- col_sets = { name = { key, … } } }. A row is an array of cells with optional key (its
--- JSON row key), header = true (a leading header row) and set = "name" (adds the key
--- to a row set, e.g. the outcome rows of 表三). ROWS may be a function(cubes) returning
--- the rows, for a local table whose rows follow the data (one row per value found).
function format.table(spec)
  return spec
end

local function where_of(fmt_id, t, detail)
  return string.format("format %s, table %s%s", fmt_id, tostring(t.id), detail and (": " .. detail) or "")
end

-- Checks one data cell's terms against the declared cubes. (The place is named only
-- when one is wrong: formatting it for every cell was a tenth of loading a format.)
local function term_error(fmt_id, t, rowkey, cell, fmt, ...)
  local where = where_of(fmt_id, t, string.format("cell %s.%s", tostring(rowkey), tostring(cell.key)))
  error(string.format("%s: " .. fmt, where, ...), 0)
end

local function check_terms(fmt_id, t, rowkey, cell, cubes)
  if type(cell.terms) ~= "table" or #cell.terms == 0 then
    term_error(fmt_id, t, rowkey, cell, "terms must be a list of { cube, label, … }")
  end
  for i, term in ipairs(cell.terms) do
    if type(term) ~= "table" or type(term[1]) ~= "string" then
      term_error(fmt_id, t, rowkey, cell, "term %d must be { cube, label, … }", i)
    end
    if not cubes[term[1]] then
      term_error(fmt_id, t, rowkey, cell, "term %d names cube '%s', which the format does not declare", i, term[1])
    end
    if term.sign ~= nil and term.sign ~= 1 and term.sign ~= -1 then
      term_error(fmt_id, t, rowkey, cell, "term %d: sign must be 1 or -1", i)
    end
  end
  if cell.unit ~= nil and cell.unit ~= "wan" then
    term_error(fmt_id, t, rowkey, cell, "unit must be \"wan\" (分 to 万元)")
  end
end

-- Lays out table spec T into its shape: the finished grid with terms in the data cells,
-- and the index of its data cells by row and column key.
local function shape(fmt_id, t, cubes)
  if type(t) ~= "table" or type(t.id) ~= "string" or not t.id:match("^[%w_]+$") then
    error(string.format("format %s: a table needs an id of letters, digits and _ (got %s)", fmt_id,
      tostring(type(t) == "table" and t.id or t)), 0)
  end
  if type(t.rows) ~= "table" then error(where_of(fmt_id, t, "rows must be a list"), 0) end
  local ok, built = pcall(function()
    local b = layout.table{ id = t.id, title = t.title, ncols = t.ncols }
    for i, row in ipairs(t.rows) do
      if type(row) ~= "table" then
        error(string.format("row %d is a %s, not a list of cells", i, type(row)), 0)
      end
      b:row(row, row.key, row.header)
    end
    return b:finish()
  end)
  -- layout's errors name their caller's line, here this file's: dropped, the table and
  -- row named instead (a district's layout was pointed into lib/format.lua)
  if not ok then error(where_of(fmt_id, t, (tostring(built):gsub("^[^\n]-format%.lua:%d+: ", "", 1))), 0) end
  built.cells, built.order, built.row_sets, built.col_sets = {}, {}, {}, {}
  for _, row in ipairs(built.rows) do
    for c = 1, built.ncols do
      local cell = row[c]
      local rk = cell.row or row.key
      if cell.key and not cell.header then
        check_terms(fmt_id, t, rk, cell, cubes)
        if not rk then error(where_of(fmt_id, t, "a data cell in a row without a key"), 0) end
        built.cells[rk] = built.cells[rk] or {}
        if built.cells[rk][cell.key] then
          error(where_of(fmt_id, t, string.format("cell %s.%s is declared twice", rk, cell.key)), 0)
        end
        built.cells[rk][cell.key] = cell
        built.order[#built.order + 1] = { row = rk, col = cell.key }
      end
    end
  end
  for _, row in ipairs(t.rows) do
    if row.set and row.key then
      built.row_sets[row.set] = built.row_sets[row.set] or {}
      table.insert(built.row_sets[row.set], row.key)
    end
  end
  for name, keys in pairs(t.row_sets or {}) do built.row_sets[name] = keys end
  for name, keys in pairs(t.col_sets or {}) do built.col_sets[name] = keys end
  return built
end

local cube_ops = { flow = true, count_by = true, sum_by = true, stock = true }

local function check_spec(spec)
  if type(spec) ~= "table" then error("format.define: a format is a table", 0) end
  if type(spec.id) ~= "string" or not spec.id:match("^[%w_]+$") then
    error("format.define: id must be letters, digits and _ (got " .. tostring(spec.id) .. ")", 0)
  end
  local id = spec.id
  if type(spec.name) ~= "string" then error("format " .. id .. ": name must be a string", 0) end
  local y = spec.years
  if y ~= nil and (type(y) ~= "table" or math.type(y.first) ~= "integer"
      or (y.last ~= nil and (math.type(y.last) ~= "integer" or y.last < y.first))) then
    error("format " .. id .. ": years must be { first = YEAR [, last = YEAR] }", 0)
  end
  if type(spec.parts) ~= "table" or #spec.parts == 0 then
    error("format " .. id .. ": parts must be a list of { title = … [, table = id] }", 0)
  end
  if type(spec.cubes) ~= "table" then error("format " .. id .. ": cubes must be a table", 0) end
  for name, c in pairs(spec.cubes) do
    if type(c) ~= "table" or not cube_ops[c.op] then
      error(string.format("format %s: cube '%s' must be made with format.flow, count, sum or stock", id,
        tostring(name)), 0)
    end
  end
  if type(spec.tables) ~= "function" and (type(spec.tables) ~= "table" or #spec.tables == 0) then
    error("format " .. id .. ": tables must be a list of format.table{…}, or a function returning it", 0)
  end
end

-- The list of table specs of SPEC: its tables, or what its function of them returns.
function table_specs(spec)
  local t = spec.tables
  if type(t) == "function" then
    t = t()
    if type(t) ~= "table" or #t == 0 then
      error("format " .. spec.id .. ": its tables function must return a list of format.table{…}", 0)
    end
  end
  return t
end

-- Lays out the tables of format F from SPEC and checks its parts against them; F gets
-- them only when all is well.
function shape_tables(f, spec, specs)
  local tables, by_id = {}, {}
  for _, t in ipairs(specs) do
    local s = type(t) == "table" and type(t.rows) == "function" and { id = t.id, dynamic = t }
              or shape(spec.id, t, spec.cubes)
    if type(s.id) ~= "string" then error("format " .. spec.id .. ": a table needs an id", 0) end
    if by_id[s.id] then error(string.format("format %s: table %s is declared twice", spec.id, s.id), 0) end
    tables[#tables + 1] = s
    by_id[s.id] = s
  end
  for _, part in ipairs(spec.parts) do
    if type(part) ~= "table" or type(part.title) ~= "string" then
      error("format " .. spec.id .. ": a part is { title = … [, table = id] }", 0)
    end
    local ids = type(part.table) == "table" and part.table or { part.table }
    for _, id in ipairs(ids) do
      if not by_id[id] then
        error(string.format("format %s: part '%s' names table '%s', which the format does not declare",
          spec.id, part.title, tostring(id)), 0)
      end
    end
  end
  f.tables, f.by_id = tables, by_id
end

local lazy = false -- format.define lays out the tables later (format.lazily)

--- Checks SPEC and returns the format. Errors name the format, the table and the cell.
function format.define(spec)
  check_spec(spec)
  serial = serial + 1
  local f = setmetatable({ id = spec.id, name = spec.name, years = spec.years, parts = spec.parts,
                           cubes = spec.cubes, _serial = serial }, Format)
  own[serial] = f
  if lazy then
    unshaped[f] = spec
  else
    f.specs = table_specs(spec)
    shape_tables(f, spec, f.specs)
  end
  return f
end

--- FN(…), in which format.define checks a format's declaration but makes (when TABLES is a
--- function) and lays out its tables only when they are first read: the national formats are loaded together to choose
--- the one in force, and a report uses one (their tables are a quarter of a report's
--- start). Only for formats known to be sound (the program's own: its tests lay them
--- out); a stored layout is checked whole at import (formats.load).
function format.lazily(fn, ...)
  local was = lazy
  lazy = true
  -- set back however FN ends (an error, or a limit that no pcall stops)
  local restore <close> = setmetatable({}, { __close = function() lazy = was end })
  return fn(...)
end

--- A format like BASE with CHANGES: id, name, years and parts replace BASE's, cubes are
--- added (or replaced by name), tables are added (or replace BASE's table of their id).
--- A district adds its own table to a national format this way.
function format.extend(base, changes)
  if not format.is_format(base) then
    error("format.extend: the first argument is a format (require \"formats.gov2019\"), not a " .. type(base), 2)
  end
  if type(changes) ~= "table" then
    error("format.extend: the changes are a table, not a " .. type(changes), 2)
  end
  if changes.tables ~= nil and type(changes.tables) ~= "table" and type(changes.tables) ~= "function" then
    error("format " .. tostring(changes.id or base.id) .. ": tables must be a list of format.table{…}, or a function returning it", 2)
  end
  local spec = { id = changes.id or base.id, name = changes.name or base.name,
                 years = changes.years or base.years, parts = changes.parts or base.parts,
                 cubes = {}, tables = {} }
  for k, v in pairs(base.cubes) do spec.cubes[k] = v end
  for k, v in pairs(changes.cubes or {}) do spec.cubes[k] = v end
  local added = changes.tables or {}
  if type(added) == "function" then -- as in define: made now, the copy's own
    added = table_specs({ id = spec.id, tables = added })
  end
  local replaced = {}
  for _, t in ipairs(added) do replaced[t.id] = t end
  for _, t in ipairs(base.specs) do
    spec.tables[#spec.tables + 1] = replaced[t.id] or t
    replaced[t.id] = nil
  end
  for _, t in ipairs(added) do
    if replaced[t.id] then spec.tables[#spec.tables + 1] = t end
  end
  return format.define(spec)
end

--- True when OBJ is a defined format.
function format.is_format(obj)
  return type(obj) == "table" and obj._format == true
end

-- ---- using a format ----

--- True when the format's years (as it declares them) include YEAR. The registry
--- (lib/formats.lua) decides which format is in force: an open-ended national format
--- ends where the next begins.
function Format:covers(year)
  local y = self.years
  return y ~= nil and year >= y.first and (y.last == nil or year <= y.last)
end

--- The signature of cube spec C: two formats' cubes of one signature are the same cube.
function format.signature(c)
  return table.concat({ c.op, c.kind, tostring(c.date), tostring(c.by), tostring(c.field),
                        tostring(c.start), tostring(c["end"]) }, "|")
end

--- The cube of spec C (format.flow, count, sum or stock) from STORE for scope Q
--- ({ body =, year =, years =, ids = }); a stock of year_offset = -1 is of the year
--- before Q.year (with Q.years, the caller picks the year).
function format.cube(store, c, q)
  q = { body = q.body, year = q.year, years = q.years, ids = q.ids }
  if c.op == "flow" then return store:flow(c.kind, q) end
  if c.op == "count_by" or c.op == "sum_by" then
    q.date, q.by = c.date, c.by
    if c.op == "count_by" then return store:count_by(c.kind, q) end
    return store:sum_by(c.kind, c.field, q)
  end
  q.start, q["end"], q.by = c.start, c["end"], c.by
  if q.year then q.year = q.year + c.year_offset end
  return store:stock(c.kind, q)
end

--- The cubes of SCOPE ({ body =, year =, ids = }) from STORE.
function Format:tabulate(store, scope)
  local cubes = {}
  for name, c in pairs(self.cubes) do cubes[name] = format.cube(store, c, scope) end
  return cubes
end

-- The value of CELL from CUBES. CHECKED: each term under pcall, an error naming the
-- cell (Format:build evaluates a table without it first, and again with it to name the
-- cell when that failed: a pcall per term was a tenth of a regeneration's Lua).
local function evaluate(self, t, rk, cell, cubes, checked)
  local v = 0
  for _, term in ipairs(cell.terms) do
    local cube = cubes[term[1]]
    local n
    if checked then
      local ok
      ok, n = pcall(cube.get, cube, unpack(term, 2, #term))
      if not ok then
        error(string.format("%s: %s", where_of(self.id, t, string.format("cell %s.%s", rk, cell.key)), n), 0)
      end
    else
      n = cube:get(unpack(term, 2, #term))
    end
    v = v + (term.sign or 1) * n
  end
  if cell.unit == "wan" then v = format.wan(v) end
  return v
end

--- The shapes of the tables for CUBES, in order, and by id: a local table whose rows
--- follow the data is laid out for these cubes.
function Format:shapes(cubes)
  if not cubes then return self.tables, self.by_id end
  shapes_of[self] = shapes_of[self] or setmetatable({}, { __mode = "k" })
  local done = shapes_of[self][cubes]
  if done then return done.list, done.by_id end
  local list, by_id = {}, {}
  for i, t in ipairs(self.tables) do
    if t.dynamic then
      local ok, rows = pcall(t.dynamic.rows, cubes)
      if not ok then error(where_of(self.id, t.dynamic, tostring(rows)), 0) end
      local spec = {}
      for k, v in pairs(t.dynamic) do spec[k] = v end
      spec.rows = rows
      t = shape(self.id, spec, self.cubes)
    end
    list[i], by_id[t.id] = t, t
  end
  shapes_of[self][cubes] = { list = list, by_id = by_id }
  return list, by_id
end

-- True when every term of CELL names a cube in BLANK (cubes of kinds with no records).
local function all_blank(cell, blank)
  for _, term in ipairs(cell.terms) do
    if not blank[term[1]] then return false end
  end
  return true
end

--- The finished tables, in order, with their values from CUBES (the shape
--- nianbao.export takes: { id, title, ncols, header_rows, rows, merges }). OPTS.blank
--- names cubes whose kind has no records: a cell made of them alone is blank, not 0.
--- OPTS.figures (table -> row -> col -> value, false for blank) gives the values
--- instead (a year's imported figures); tables whose rows follow the data are left out.
-- The rows of table T of SELF with their values (see Format:build); CHECKED as evaluate.
local function built_rows(self, t, cubes, figures, blank, checked)
  local rows = {}
  if next(blank) == nil then blank = nil end -- most reports: no kind without records
  for r, row in ipairs(t.rows) do
    local nr = { key = row.key }
    for c = 1, t.ncols do
      local cell = row[c]
      local rk = cell.row or row.key
      local copy = { text = cell.text, header = cell.header, key = cell.key, fmt = cell.fmt, row = cell.row }
      if cell.terms and figures then
        local v = figures[t.id] and figures[t.id][rk] and figures[t.id][rk][cell.key]
        copy.value = v or nil
      elseif cell.terms and not (blank and all_blank(cell, blank)) then
        copy.value = evaluate(self, t, rk, cell, cubes, checked)
      end
      nr[c] = copy
    end
    rows[r] = nr
  end
  return rows
end

function Format:build(cubes, opts)
  opts = opts or {}
  self = own_of(self)
  local out, figures, blank = {}, opts.figures, opts.blank or {}
  local list = figures and self.tables or (self:shapes(cubes))
  for _, t in ipairs(list) do
    if not (figures and t.dynamic) then
      local ok, rows = pcall(built_rows, self, t, cubes, figures, blank, false)
      if not ok then
        built_rows(self, t, cubes, figures, blank, true) -- raises, naming the cell
        error(rows, 0)
      end
      local merges = {}
      for i, m in ipairs(t.merges or {}) do merges[i] = { m[1], m[2], m[3], m[4] } end
      out[#out + 1] = { id = t.id, title = t.title, ncols = t.ncols, header_rows = t.header_rows,
                        rows = rows, merges = merges }
    end
  end
  return out
end

--- The labels a reader sees for each data cell of a finished table T (as Format:build
--- makes it): "row key\tcol key" -> { row = "…", col = "…" }. The row label is the run of
--- header cells nearest to the cell's left in its row (past the data cells between), the
--- column label the run nearest above it in its column; a merged cell reads as its
--- anchor's text, each text once, joined by spaces.
function format.cell_labels(t)
  local anchor = {}
  for _, m in ipairs(t.merges or {}) do
    for r = m[1], m[3] do
      for c = m[2], m[4] do anchor[r * 4096 + c] = { m[1], m[2] } end
    end
  end
  local function text(r, c)
    local a = anchor[r * 4096 + c]
    local x = a and t.rows[a[1]][a[2]] or t.rows[r][c]
    return x.header and x.text or nil
  end
  local function data(x) return x.key ~= nil and not x.header end
  local out = {}
  for r, row in ipairs(t.rows) do
    for c = 1, t.ncols do
      if data(row[c]) then
        local parts, seen = {}, {}
        local function add(s)
          if s and s ~= "" and not seen[s] then seen[s] = true; parts[#parts + 1] = s end
        end
        -- leftwards: past the data cells, then the run of header cells
        local c1 = c - 1
        while c1 >= 1 and data(row[c1]) do c1 = c1 - 1 end
        local c0 = c1
        while c0 >= 1 and not data(row[c0]) do c0 = c0 - 1 end
        for cc = c0 + 1, c1 do add(text(r, cc)) end
        local row_label = table.concat(parts, " ")
        -- upwards: the same in the column
        parts, seen = {}, {}
        local r1 = r - 1
        while r1 >= 1 and data(t.rows[r1][c]) do r1 = r1 - 1 end
        local r0 = r1
        while r0 >= 1 and not data(t.rows[r0][c]) do r0 = r0 - 1 end
        for rr = r0 + 1, r1 do add(text(rr, c)) end
        out[(row[c].row or row.key) .. "\t" .. row[c].key] = { row = row_label, col = table.concat(parts, " ") }
      end
    end
  end
  return out
end

--- The keys of FIGURES (table -> row -> col -> value) that are not data cells of the
--- format, as "table.row.col" strings, sorted (an imported report is checked with it).
function Format:unknown_keys(figures)
  local bad = {}
  for t, rows in pairs(figures) do
    local shape = self.by_id[t]
    for r, cols in pairs(rows) do
      for c in pairs(cols) do
        if shape and shape.dynamic then
          bad[#bad + 1] = t .. "." .. r .. "." .. c .. " (a table whose rows follow the data)"
        elseif not (shape and shape.cells[r] and shape.cells[r][c]) then
          bad[#bad + 1] = t .. "." .. r .. "." .. c
        end
      end
    end
  end
  table.sort(bad)
  return bad
end

-- The shape of TABLE_ID (for CUBES when it follows the data), or nil.
local function shape_of(self, table_id, cubes)
  local _, by_id = self:shapes(cubes)
  local t = by_id[table_id]
  if t and t.dynamic then error(where_of(self.id, t.dynamic, "its rows follow the data: give the cubes"), 2) end
  return t
end

--- The declaration of the data cell ROW.COL of table TABLE_ID (for CUBES when the table
--- follows the data), or nil.
function Format:cell(table_id, row, col, cubes)
  local t = shape_of(self, table_id, cubes)
  return t and t.cells[row] and t.cells[row][col] or nil
end

-- The key lists of each shaped table, made once (the checks ask for them in every
-- report): shaped table -> { rows = list, cols = { [row or true] = list } }.
local key_lists = setmetatable({}, { __mode = "k" })

local function lists_of(t)
  local l = key_lists[t]
  if not l then
    l = { cols = {} }
    key_lists[t] = l
  end
  return l
end

--- The data row keys of TABLE_ID in order, or those of its row set SET.
function Format:rows(table_id, set, cubes)
  local t = assert(shape_of(own_of(self), table_id, cubes), "no table " .. tostring(table_id))
  if set then return copy_list(t.row_sets[set]) end
  local l = lists_of(t)
  if not l.rows then
    local keys, seen = {}, {}
    for _, k in ipairs(t.order) do
      if not seen[k.row] then keys[#keys + 1] = k.row; seen[k.row] = true end
    end
    l.rows = keys
  end
  return copy_list(l.rows)
end

--- The column keys of TABLE_ID in order (of ROW, or of every row), or those of its
--- column set SET.
function Format:columns(table_id, set, row, cubes)
  local t = assert(shape_of(own_of(self), table_id, cubes), "no table " .. tostring(table_id))
  if set then return copy_list(t.col_sets[set]) end
  local l = lists_of(t)
  local slot = row == nil and true or row
  if not l.cols[slot] then
    local keys, seen = {}, {}
    for _, k in ipairs(t.order) do
      if (row == nil or k.row == row) and not seen[k.col] then keys[#keys + 1] = k.col; seen[k.col] = true end
    end
    l.cols[slot] = keys
  end
  return copy_list(l.cols[slot])
end

--- Every data cell of TABLE_ID as { row =, col = }, in reading order.
function Format:keys(table_id, cubes)
  local t = assert(shape_of(self, table_id, cubes), "no table " .. tostring(table_id))
  return t.order
end

--- The records behind cell ROW.COL of TABLE_ID, from CUBES (made with ids): a list of
--- { sign = 1|-1, record = {rid, id, source, line} }. A record counted in a term with
--- sign +1 and in one with -1 (a change between two stocks) is listed in neither.
function Format:explain(cubes, table_id, row, col)
  local cell = self:cell(table_id, row, col, cubes)
  if not cell then return nil end
  local lists = {}
  for i, term in ipairs(cell.terms) do
    local cube = cubes[term[1]]
    local labels = { table.unpack(term, 2, #term) }
    lists[i] = cube:records(table.unpack(labels, 1, #cube:dims()))
  end
  local count = {}
  for i, term in ipairs(cell.terms) do
    for _, r in ipairs(lists[i]) do count[r.rid] = (count[r.rid] or 0) + (term.sign or 1) end
  end
  local out, signed = {}, false
  for _, term in ipairs(cell.terms) do signed = signed or term.sign == -1 end
  for i, term in ipairs(cell.terms) do
    local sign = term.sign or 1
    for _, r in ipairs(lists[i]) do
      if not signed or count[r.rid] == sign then
        out[#out + 1] = { sign = signed and sign or nil, record = r }
      end
    end
  end
  return out
end

return format
