-- report.lua: builds a complete report for one body and year: format, tables, the document,
-- narrative, checks. The command line (scripts/cli.lua) and user scripts call it.
--
--   local report = require "report"
--   local doc, ctx = report.build(store, { body = "…", year = 2020 [, format = "gov2019"] [, rules = {files}] })
--   nianbao.export(ctx.document, { dir = "out", name = "…" })

local formats = require "formats"
local format = require "format"
local narrative = require "narrative"
local checks = require "checks"
local bodies = require "bodies"

local report = {}

--- The file name of body S's folder and reports: the bytes a file name cannot hold on every
--- system, or a shell would trip on (/ \ : * ? " < > |, spaces, control characters, % and ~,
--- which the escapes and a long name's end use; a leading dot) as %XX, so that two bodies
--- never share a name (甲/乙 is 甲%2F乙, 甲_乙 stays); past 120 bytes, cut at a character and
--- ended by ~ and 8 hex digits of the name's SHA-256 (a file name stays under the file
--- systems' 255 bytes). A name Windows keeps for a device (CON, PRN, AUX, NUL, COM1-9,
--- LPT1-9, in any case, alone or before a dot) has its first letter escaped, and a trailing
--- dot, which Windows drops, is escaped too.
local devices = { CON = true, PRN = true, AUX = true, NUL = true }
for i = 1, 9 do devices["COM" .. i], devices["LPT" .. i] = true, true end
function report.safe_name(s)
  local out = s:gsub("[%c%s/\\:*?\"<>|%%~]", function(c) return string.format("%%%02X", c:byte()) end)
  out = out:gsub("^%.", "%%2E"):gsub("%.$", "%%2E")
  if devices[(out:match("^[^.]*")):upper()] then out = string.format("%%%02X", out:byte(1)) .. out:sub(2) end
  if #out > 120 then -- a long name: cut at a character, made unique by its digest
    local cut = 100
    while cut > 0 and out:byte(cut + 1) >= 0x80 and out:byte(cut + 1) < 0xC0 do cut = cut - 1 end
    out = out:sub(1, cut) .. "~" .. nianbao.sha256(s):sub(1, 8)
  end
  return out
end

--- The id of the national format in force for YEAR, or nil.
function report.format_for(year)
  return formats.national_for(year)
end

--- The format of BODY for YEAR: the one named ID, else the one in force for the year
--- (the body's own stored layout first). A missing one is a data error (nianbao.fail).
function report.format(store, body, year, id)
  local reg = formats.for_body(store, body)
  if id then
    local f, err = reg:get(id)
    if not f then nianbao.fail(err) end
    return f
  end
  local f = reg:choose(year)
  if not f then
    nianbao.fail(string.format("no national format for %d (%s)", year, reg:coverage()))
  end
  return f
end

local function year_start_utc(year)
  return nianbao.days_between(19700101, year * 10000 + 101) * 86400
end

--- The bodies a report of BODY counts: BODY alone, or, for a roll-up (汇总), BODY and
--- every body below it (each record belongs to one body: counted once).
function report.scope(store, body)
  local b = store:body(body)
  if b.rollup then return bodies.subtree(store, body), true end
  return { b.name }, false
end

-- The cubes of FMT for the bodies SET in YEAR, straight from the store: one body's
-- alone, or a roll-up's as slices of every body's over its subtree.
local function cubes_from_store(store, set, rollup, year, fmt, ids)
  if not rollup then return fmt:tabulate(store, { body = set[1], year = year, ids = ids }) end
  local cubes = fmt:tabulate(store, { year = year, ids = ids })
  for name, cube in pairs(cubes) do cubes[name] = cube:slice(set) end
  return cubes
end

--- One pass of tabulation for many reports: each cube of the formats FMTS (a list)
--- computed once, for every body (or, with OPTS.body, that body alone) and every year
--- FIRST..LAST (cubes with body and year dimensions). Returns the function
--- report.tabulate takes as OPTS.cubes: cubes(fmt, set of bodies, year), each a slice of
--- those; a cube outside the years (a neighbour's neighbour) comes from the store.
--- OPTS.ids keeps the record ids (the evidence of the checks).
function report.batch(store, fmts, first, last, opts)
  opts = opts or {}
  local full = {}
  local scope = { body = opts.body, years = { first, last }, ids = opts.ids or false }
  local function cube_of(c)
    local sig = format.signature(c)
    if not full[sig] then full[sig] = format.cube(store, c, scope) end
    return full[sig]
  end
  for _, fmt in ipairs(fmts) do
    for _, c in pairs(fmt.cubes) do cube_of(c) end
  end
  local by_set = {}
  return function(fmt, set, year)
    local cubes = {}
    local key = table.concat(set, "\0")
    by_set[key] = by_set[key] or {}
    for name, c in pairs(fmt.cubes) do
      local y = year + (c.op == "stock" and c.year_offset or 0)
      if y < first or y > last then
        local one = fmt:tabulate(store, { body = opts.body, year = year, ids = opts.ids or false })[name]
        cubes[name] = opts.body and one or one:slice(set)
      else
        local sig = format.signature(c)
        local bodies_cube = by_set[key][sig]
        if not bodies_cube then
          bodies_cube = opts.body and cube_of(c) or cube_of(c):slice(set)
          by_set[key][sig] = bodies_cube
        end
        cubes[name] = bodies_cube:slice(tostring(y))
      end
    end
    return cubes
  end
end

-- The kinds of FMT's cubes that have no record in CUBES (every cube of the kind is all
-- 0) and whose year an import did not declare complete for every body of SET (a
-- roll-up's 0 is a count only when each of its bodies has none for certain; a roll-up
-- body of a subtree that never held a record of the kind, its node alone, need not
-- declare it; a subtree of such nodes alone has no count): kind -> true, and the names
-- of their cubes: name -> true.
local function missing_kinds(store, set, year, fmt, cubes)
  local total, kinds, blank = {}, {}, {}
  for name, c in pairs(fmt.cubes) do
    local ok, n = pcall(cubes[name].get, cubes[name])
    total[c.kind] = (total[c.kind] or 0) + (ok and math.abs(n) or 1)
  end
  local coverage = {} -- body -> store:coverage(body), asked once
  for kind, n in pairs(total) do
    if n == 0 then
      local covered, asked = true, 0
      for _, b in ipairs(set) do
        if #set == 1 or not store:body(b).rollup or store:count(kind, { body = b }) > 0 then
          asked = asked + 1
          coverage[b] = coverage[b] or store:coverage(b)
          local cov = coverage[b][kind]
          covered = covered and cov ~= nil and cov[year] == true
        end
      end
      covered = covered and asked > 0
      if not covered then kinds[kind] = true end
    end
  end
  for name, c in pairs(fmt.cubes) do
    if kinds[c.kind] then blank[name] = true end
  end
  return kinds, blank
end

--- Tabulates and builds the tables of BODY for YEAR in format FMT (an id or a format);
--- returns ctx: store, body, year, format (id), spec (the format), cubes, tables (in
--- order), by_id, document (the C document: doc:cell, doc:values), values (table -> row
--- -> col -> value; false for a blank cell), bodies (the bodies counted: BODY, or its
--- subtree for a roll-up), rollup, missing (kind -> true: no records that year, their
--- cells blank) and imported ({format, source} when the year's figures were imported
--- from a published report: the tables show them, not counts of records).
--- OPTS: ids (keep record ids), cubes (function(fmt, set, year) -> cubes, for a batch
--- that tabulated every body and year at once), records (count records even where
--- figures were imported), created, years (function(body) -> the years it holds, as
--- store:years: a batch's memo, for the checks of the year before).
function report.tabulate(store, body, year, fmt, opts)
  opts = opts or {}
  if type(fmt) ~= "table" then fmt = report.format(store, body, year, fmt) end
  local set, rollup = report.scope(store, body)
  local ctx = { store = store, body = body, year = year, format = fmt.id, spec = fmt, ids = opts.ids,
                bodies = set, rollup = rollup, missing = {}, cubes_fn = opts.cubes, years_of = opts.years }
  local figures = not opts.records and store:figures(body, year)
  if figures then
    ctx.imported = { format = figures.format, source = figures.source }
    ctx.cubes = {}
    ctx.tables = fmt:build(nil, { figures = figures.values })
  else
    ctx.cubes = opts.cubes and opts.cubes(fmt, set, year)
                or cubes_from_store(store, set, rollup, year, fmt, opts.ids)
    local blank
    ctx.missing, blank = missing_kinds(store, set, year, fmt, ctx.cubes)
    ctx.tables = fmt:build(ctx.cubes, { blank = blank })
  end
  ctx.by_id = {}
  for _, t in ipairs(ctx.tables) do ctx.by_id[t.id] = t end
  ctx.document = nianbao.document{
    title = string.format("%s%d年政府信息公开工作年度报告", body, year),
    body = body, year = year, format = fmt.id,
    created = opts.created or year_start_utc(year + 1),
    tables = ctx.tables, fonts = opts.fonts or fmt.fonts,
  }
  ctx.values = ctx.document:values()
  return ctx
end

--- The display text of a cell by keys (as every format prints it), or nil.
function report.cell_text(ctx, table_id, row, col)
  local _, text = ctx.document:cell(table_id, row, col)
  return text
end

-- The narrative of the year, its placeholders filled from the document's cells.
local function narrative_of(ctx, store)
  local known = {}
  for i, p in ipairs(ctx.spec.parts) do known[p.title] = i end
  local md, source = store:text(ctx.body, ctx.year)
  local where = source or string.format("text %s %d", ctx.body, ctx.year)
  local parsed = narrative.parse(md or "", known, where)
  narrative.fill(parsed, function(t, r, c) return report.cell_text(ctx, t, r, c) end, where)
  return parsed, md ~= nil
end

-- The blocks in reading order: preface, then each part's heading, text and tables;
-- tables no part names (a district's own) follow at the end.
local function blocks_of(ctx, parsed)
  local blocks, index, placed = {}, {}, {}
  local function add(b) blocks[#blocks + 1] = b end
  for _, b in ipairs(parsed.preface) do add(b) end
  for i, t in ipairs(ctx.tables) do index[t.id] = i end
  for _, part in ipairs(ctx.spec.parts) do
    add{ type = "heading", level = 1, text = part.title }
    for _, b in ipairs(parsed.parts[part.title] or {}) do add(b) end
    for _, id in ipairs(type(part.table) == "table" and part.table or { part.table }) do
      add{ type = "table", table = index[id] }
      placed[id] = true
    end
  end
  for i, t in ipairs(ctx.tables) do
    if not placed[t.id] then add{ type = "table", table = i } end
  end
  return blocks
end

--- Builds the report. OPTS: body, year, format (an id, or a format of the body's registry
--- as formats.for_body gives it: a batch that chose it already; default by year), rules (extra
--- rule files: { {name=, content=} }), created (fixed time), cubes (as report.tabulate),
--- ids (true: ctx.cubes keep the record ids behind each cell, for cube:records; no check
--- needs them, and at 1e7 they were a third of a report's tabulation),
--- neighbours (year -> ctx of the neighbouring years already built, for Y1-Y3). Returns the document as a
--- Lua table (title, body, year, format, created, blocks, tables, checks) and ctx, whose
--- ctx.document is the same document in C, ready for nianbao.export.
local build_options = { "body", "cubes", "created", "fonts", "format", "ids", "neighbours", "records",
                        "rules", "year", "years" }
local build_option = {}
for _, k in ipairs(build_options) do build_option[k] = true end

function report.build(store, opts)
  for k in pairs(opts) do
    if not build_option[k] then -- a key typed wrong ({yaer = 2020}) was ignored without a word
      error(string.format("report.build: unknown option '%s' (options: %s)", tostring(k),
                          table.concat(build_options, ", ")), 2)
    end
  end
  if type(opts.body) ~= "string" then
    error(string.format("report.build: option 'body': a body's name (got %s)", type(opts.body)), 2)
  end
  if math.type(opts.year) ~= "integer" then
    local y = opts.year
    error(string.format("report.build: option 'year': an integer (got %s)",
                        type(y) == "string" and ("the string '" .. y .. "'") or tostring(y)), 2)
  end
  if opts.rules ~= nil then -- a list of { name =, content = } (what rule_files reads)
    local ok = type(opts.rules) == "table"
    for k, r in pairs(ok and opts.rules or {}) do -- a key not 1..n (one file, not a list) too
      ok = ok and math.type(k) == "integer" and k >= 1 and k <= #opts.rules and type(r) == "table"
        and type(r.name) == "string" and type(r.content) == "string"
    end
    if not ok then
      error("report.build: option 'rules': a list of rule files, each { name = FILE, content = TEXT }", 2)
    end
  end
  local body, year = opts.body, opts.year
  local fmt = opts.format
  if type(fmt) ~= "table" then
    fmt = report.format(store, body, year, fmt)
  elseif not format.is_format(fmt) then
    error("report.build: format must be an id or a format", 2)
  end
  if not opts.cubes then
    -- one pass over the body's records for the year and the two before it: the report,
    -- its stocks of the year before, and the neighbouring year Y1-Y3 compare with
    local set, rollup = report.scope(store, body)
    local fmts = { fmt }
    local prev = formats.for_body(store, body):choose(year - 1)
    if prev and prev ~= fmt then fmts[2] = prev end
    local copy = {}
    for k, v in pairs(opts) do copy[k] = v end
    copy.cubes = report.batch(store, fmts, year - 2, year,
                              { body = not rollup and set[1] or nil, ids = not rollup and opts.ids == true })
    opts = copy
  end
  local ctx = report.tabulate(store, body, year, fmt, opts)
  ctx.neighbours = opts.neighbours
  ctx.narrative, ctx.has_text = narrative_of(ctx, store)
  local blocks = blocks_of(ctx, ctx.narrative)
  ctx.document:set_blocks(blocks)
  local results = checks.run_all(ctx, store, body, opts.rules)
  ctx.document:set_checks(results)
  local doc = {
    title = string.format("%s%d年政府信息公开工作年度报告", body, year),
    body = body, year = year, format = fmt.id,
    created = opts.created or year_start_utc(year + 1),
    blocks = blocks, tables = ctx.tables, checks = results,
  }
  return doc, ctx
end

return report
