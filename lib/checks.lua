-- checks.lua: runs rule files over a report context and collects results in the
-- contract of DESIGN.md (id, severity, title, formula, left, right, status, evidence).
--
-- A rule file returns an array of rules:
--   { id = "H1", severity = "error", title = "…", formula = "…",
--     applies = function(ctx) return bool end,        -- optional
--     run = function(ctx, emit) emit{ left =, right =, status =, evidence =, message = } end }
-- emit fills id, severity, title and formula from the rule unless given.
-- Values: numbers; false = blank cell (not assessable); "/" = not applicable.

local stored = require "stored"

local checks = {}

checks.national = { "checks.data", "checks.tables", "checks.years", "checks.rollup", "checks.text" }

local severities = { error = true, warning = true, info = true }
local statuses = { PASS = true, FAIL = true, NOT_ASSESSABLE = true }

--- True when V is a number usable in a formula.
function checks.assessable(v)
  return type(v) == "number"
end

--- Sums values; returns nil when any is not assessable.
function checks.sum(list)
  local s = 0
  for _, v in ipairs(list) do
    if type(v) ~= "number" then return nil end
    s = s + v
  end
  return s
end

--- Compares LEFT and RIGHT and emits the result. Either side not a number
--- (nil, a blank false, "/") is NOT_ASSESSABLE.
function checks.compare(emit, left, right, evidence, message, approx)
  local status
  if type(left) ~= "number" or type(right) ~= "number" then
    status = "NOT_ASSESSABLE"
  elseif approx then
    status = math.abs(left - right) <= approx and "PASS" or "FAIL"
  else
    status = left == right and "PASS" or "FAIL"
  end
  emit{ left = left, right = right, status = status, evidence = evidence, message = message }
end

local refs = {} -- table -> row -> col -> "table.row.col": the same for every report
--- The reference "TABLE.ROW.COL" of a cell, as evidence names it (made once).
function checks.ref(table_id, row, col)
  local t = refs[table_id]
  if not t then t = {}; refs[table_id] = t end
  local r = t[row]
  if not r then r = {}; t[row] = r end
  local s = r[col]
  if not s then s = table_id .. "." .. row .. "." .. col; r[col] = s end
  return s
end

--- The value of a cell in a values table, or false when absent.
function checks.cell(values, table_id, row, col)
  local t = values and values[table_id]
  local r = t and t[row]
  if r == nil or r[col] == nil then return false end
  return r[col]
end

--- The national rule files.
function checks.national_files()
  local files = {}
  for _, name in ipairs(checks.national) do
    files[#files + 1] = { name = name, rules = require(name) }
  end
  return files
end

--- Loads a rule file { name =, content = }: { name =, rules = }. Raises naming the file
--- when it does not compile, fails, or does not return rules with ids.
function checks.load_file(s)
  local rules = stored.run(s)
  if type(rules) ~= "table" then
    stored.fail(s, "a rule file returns an array of rules (got %s)", type(rules))
  end
  for i, rule in ipairs(rules) do
    if type(rule) ~= "table" or type(rule.id) ~= "string" or type(rule.run) ~= "function" then
      stored.fail(s, "rule %d: a rule needs id (string) and run (function)", i)
    end
    if not severities[rule.severity] then
      stored.fail(s, "rule %d (%s): severity must be error, warning or info", i, rule.id)
    end
  end
  return { name = s.name, rules = rules }
end

--- The rule ids taken for BODY: the national rules' and those of its stored rule files
--- (but the one named EXCEPT): id -> the file that defines it.
function checks.rule_ids(store, body, except)
  local taken = {}
  for _, f in ipairs(checks.national_files()) do
    for _, r in ipairs(f.rules) do taken[r.id] = f.name end
  end
  local ok, scripts = pcall(store.scripts, store, body, "rules")
  for _, s in ipairs(ok and scripts or {}) do
    if s.name ~= except then
      for _, r in ipairs(checks.load_file(s).rules) do taken[r.id] = s.name end
    end
  end
  return taken
end

--- The body's stored rule files, then EXTRA ({ {name=, content=} } from --rules). Two
--- files that define one rule id are refused: one would silently win.
function checks.local_files(store, body, extra)
  local stored_files = store:scripts(body, "rules")
  if #stored_files == 0 and (extra == nil or #extra == 0) then return {} end -- most bodies
  local files, seen = {}, {}
  for _, f in ipairs(checks.national_files()) do
    for _, r in ipairs(f.rules) do seen[r.id] = f.name end
  end
  local function add_source(s)
    local file = checks.load_file(s)
    for _, r in ipairs(file.rules) do
      if seen[r.id] then
        nianbao.fail(string.format("%s: rule %s is also defined by %s; give one another id", s.name, r.id, seen[r.id]))
      end
      seen[r.id] = s.name
    end
    files[#files + 1] = file
  end
  for _, s in ipairs(stored_files) do add_source(s) end
  for _, s in ipairs(extra or {}) do add_source(s) end
  return files
end

--- What a body's own rules see of the report: everything but the document, read-only,
--- with a store handle that only reads. A rule emits results, nothing else.
function checks.view(ctx)
  local v = {}
  for k, x in pairs(ctx) do v[k] = x end
  v.document = nil
  v.store = ctx.store and ctx.store:readonly()
  return nianbao.freeze(v)
end

--- Runs every rule; returns the results in order.
--- Runs the national rules, then loads and runs the body's own: a local
--- file cannot change the national rules before they run.
function checks.run_all(ctx, store, body, extra)
  local results = checks.run(ctx, checks.national_files())
  local files = checks.local_files(store, body, extra)
  if #files > 0 then
    for _, r in ipairs(checks.run(checks.view(ctx), files)) do
      results[#results + 1] = r
    end
  end
  return results
end

-- "FILE: rule I", for a message (made only when one is raised)
local function where(file, i) return string.format("%s: rule %d", file.name, i) end

function checks.run(ctx, files)
  local results = {}
  for _, file in ipairs(files) do
    for i, rule in ipairs(file.rules) do
      if type(rule) ~= "table" or type(rule.id) ~= "string" or type(rule.run) ~= "function" then
        error(where(file, i) .. ": a rule needs id (string) and run (function)", 0)
      end
      -- read once (a national rule is a read-only proxy: each read a call)
      local id, severity, title, formula = rule.id, rule.severity, rule.title, rule.formula
      if not severities[severity] then
        error(string.format("%s (%s): severity must be error, warning or info", where(file, i), id), 0)
      end
      local applies = rule.applies
      if applies == nil or applies(ctx) then
        rule.run(ctx, function(r)
          local out = {
            id = r.id or id, severity = r.severity or severity,
            title = r.title or title, formula = r.formula or formula,
            left = r.left, right = r.right, status = r.status,
            evidence = r.evidence or {}, message = r.message,
          }
          if not statuses[out.status] then
            error(string.format("%s (%s): status must be PASS, FAIL or NOT_ASSESSABLE (got %s)",
              where(file, i), out.id, tostring(out.status)), 0)
          end
          if out.left == false then out.left = nil end
          if out.right == false then out.right = nil end
          results[#results + 1] = out
        end)
      end
    end
  end
  return results
end

--- The format of CTX (or of a neighbouring year's NEIGHBOUR = { format = id }): the
--- report's own, else the national format of that id.
function checks.spec(ctx)
  if ctx.spec then return ctx.spec end
  for _, f in ipairs(require("formats").national()) do
    if f.id == ctx.format then return f end
  end
  return nil
end

--- True when the format of CTX has table ID (with column COL in some row, when given).
function checks.has(ctx, id, col)
  local spec = checks.spec(ctx)
  if not spec or not spec.by_id[id] then return false end
  if not col then return true end
  for _, k in ipairs(spec:keys(id)) do
    if k.col == col then return true end
  end
  return false
end

--- The rows of table ID of the format of CTX that have a cell in column COL.
function checks.rows_with(ctx, id, col)
  local rows = {}
  for _, k in ipairs(checks.spec(ctx):keys(id)) do
    if k.col == col then rows[#rows + 1] = k.row end
  end
  return rows
end

-- The neighbouring years tabulated for a report: ctx -> year -> ctx or false. Kept here,
-- not in ctx, which a body's rules see read-only.
local neighbours_of = setmetatable({}, { __mode = "k" })

--- The values of the neighbouring year (YEAR) when the store holds it, else nil.
--- (ctx.neighbours, when a caller sets it, gives them instead.)
function checks.neighbour(ctx, year)
  if ctx.neighbours and ctx.neighbours[year] ~= nil then return ctx.neighbours[year] or nil end
  neighbours_of[ctx] = neighbours_of[ctx] or {}
  local cache = neighbours_of[ctx]
  if cache[year] ~= nil then return cache[year] or nil end
  local held = ctx.store:figures(ctx.body, year) ~= nil
  for _, b in ipairs(ctx.bodies or { ctx.body }) do
    for _, y in ipairs(ctx.years_of and ctx.years_of(b) or ctx.store:years(b)) do
      if y == year then held = true end
    end
  end
  local reg = require("formats").for_body(ctx.store, ctx.body)
  local fmt = held and reg:choose(year)
  if not fmt then
    cache[year] = false
    return nil
  end
  local n = require("report").tabulate(ctx.store, ctx.body, year, fmt, { cubes = ctx.cubes_fn })
  cache[year] = n
  return n
end

--- Summary lines for people: one per rule id.
function checks.summary(results)
  local order, by = {}, {}
  for _, r in ipairs(results) do
    local g = by[r.id]
    if not g then
      g = { id = r.id, title = r.title, severity = r.severity, PASS = 0, FAIL = 0, NOT_ASSESSABLE = 0, fails = {} }
      by[r.id] = g
      order[#order + 1] = g
    end
    g[r.status] = g[r.status] + 1
    if r.status == "FAIL" then g.fails[#g.fails + 1] = r end
  end
  return order
end

return checks
