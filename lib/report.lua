-- report.lua: builds a complete report document for one body and year: layout, tables,
-- narrative, checks. The CLI (scripts/cli.lua) and user scripts call it.
--
--   local report = require "report"
--   local doc, ctx = report.build(store, { body = "…", year = 2020 [, format = "gov2019"] [, rules = {files}] })
--   nianbao.export(doc, { dir = "out", name = "…" })

local layout_lib = require "layout"
local narrative = require "narrative"
local checks = require "checks"

local report = {}

report.formats = { "gov2019", "gov2021" }

--- The national format in force for YEAR.
function report.format_for(year)
  if year <= 2018 then return nil end
  if year <= 2020 then return "gov2019" end
  return "gov2021"
end

--- Loads a Lua script stored in the store (a body's layout or rules).
local function load_stored(script, what)
  local chunk, err = load(script.content, "@" .. script.name, "t")
  if not chunk then error(err, 0) end
  local ok, value = pcall(chunk)
  if not ok then error(value, 0) end
  if type(value) ~= "table" then
    error(string.format("%s: a %s script returns a table (got %s)", script.name, what, type(value)), 0)
  end
  return value
end

--- The layout for the report: the body's own stored layout of that format
--- id if there is one, else the national one.
function report.layout(store, body, format)
  for _, s in ipairs(store:scripts(body, "layout")) do
    local l = load_stored(s, "layout")
    if l.id == format then return l, s.name end
  end
  return require(format), format .. ".lua"
end

local function year_start_utc(year)
  return nianbao.days_between(19700101, year * 10000 + 101) * 86400
end

--- Tabulates and lays out the tables; returns ctx with ctx.tables (finished,
--- in layout order), ctx.values (table id -> row -> col -> value) and
--- ctx.by_id (table id -> finished table).
function report.tabulate(store, body, year, format, opts)
  opts = opts or {}
  local layout, layout_name = report.layout(store, body, format)
  local ctx = { store = store, body = body, year = year, format = format, layout = layout,
                layout_name = layout_name, ids = opts.ids }
  ctx.cubes = layout.tabulate(ctx)
  ctx.tables = layout.tables(ctx)
  ctx.values, ctx.by_id = {}, {}
  for _, t in ipairs(ctx.tables) do
    ctx.values[t.id] = layout_lib.values(t)
    ctx.by_id[t.id] = t
  end
  return ctx
end

--- The display text of a cell by keys, or nil.
local function cell_text(ctx, table_id, row, col)
  local t = ctx.by_id[table_id]
  if not t then return nil end
  for _, r in ipairs(t.rows) do
    for c = 1, t.ncols do
      local cell = r[c]
      if (cell.row or r.key) == row and cell.key == col then
        if cell.value == nil then return "" end
        if cell.fmt == "signed" then return string.format("%+d", cell.value) end
        if cell.fmt == "money" or cell.fmt == "money_unit" then return string.format("%.2f", cell.value) end
        return tostring(math.tointeger(cell.value) or cell.value)
      end
    end
  end
  return nil
end
report.cell_text = cell_text

--- Builds the document. OPTS: body, year, format (default by year), rules
--- (extra rule files: { {name=, content=} }), created (fixed time).
function report.build(store, opts)
  local body, year = assert(opts.body, "report.build: body"), assert(opts.year, "report.build: year")
  local format = opts.format or report.format_for(year)
  if not format then
    nianbao.fail(string.format("no national format for %d (gov2019 covers 2019-2020, gov2021 2021 on)", year))
  end
  local ctx = report.tabulate(store, body, year, format, opts)
  local layout = ctx.layout

  -- Narrative.
  local known = {}
  for _, p in ipairs(layout.parts) do known[p.title] = true end
  local md, source = store:text(body, year)
  local where = source or string.format("text %s %d", body, year)
  local parsed = narrative.parse(md or "", known, where)
  narrative.fill(parsed, function(t, r, c) return cell_text(ctx, t, r, c) end, where)
  ctx.narrative, ctx.has_text = parsed, md ~= nil

  local doc = {
    title = string.format("%s%d年政府信息公开工作年度报告", body, year),
    body = body, year = year, format = format,
    created = opts.created or year_start_utc(year + 1),
    blocks = {}, tables = {}, checks = {},
  }
  local function add(b) doc.blocks[#doc.blocks + 1] = b end
  for _, b in ipairs(parsed.preface) do add(b) end
  local index = {}
  for i, t in ipairs(ctx.tables) do doc.tables[i] = t; index[t.id] = i end
  local placed = {}
  for _, part in ipairs(layout.parts) do
    add{ type = "heading", level = 1, text = part.title }
    for _, b in ipairs(parsed.parts[part.title] or {}) do add(b) end
    for _, id in ipairs(type(part.table) == "table" and part.table or { part.table }) do
      if not index[id] then
        error(string.format("%s: part '%s' names table '%s', which the layout does not build",
          ctx.layout_name, part.title, id), 0)
      end
      add{ type = "table", table = index[id] }
      placed[id] = true
    end
  end
  -- Tables no part names (a district's own tables) follow at the end.
  for i, t in ipairs(ctx.tables) do
    if not placed[t.id] then add{ type = "table", table = i } end
  end

  -- Checks.
  doc.checks = checks.run_all(ctx, store, body, opts.rules)
  return doc, ctx
end

return report
