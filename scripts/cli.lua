-- cli.lua: the reporting commands of the command line: report, check, explain.
-- Called by host/main.c as cli.lua(COMMAND, ARGS...); returns the exit status.

local report = require "report"
local checks = require "checks"

local command = ...
local args = { select(2, ...) }

local usage = {
  report = "report [-d FILE] --body NAME --year Y [--format gov2019|gov2021] [--out DIR] [--to xlsx,md,txt,html,csv,json] [--rules FILE.lua]",
  check = "check [-d FILE] --body NAME --year Y [--format gov2019|gov2021] [--rules FILE.lua]",
  explain = "explain [-d FILE] --body NAME --year Y [--format F] TABLE ROW COL",
}

local function fail(msg)
  nianbao.fail(msg .. "\nusage: nianbao " .. (usage[command] or "help"))
end

if not usage[command] then
  nianbao.fail(string.format("'%s' is not available yet (commands: report, check, explain)", command))
end

-- Options.
local opt, positional = { to = {}, rules = {} }, {}
local i = 1
while i <= #args do
  local a = args[i]
  local function value()
    i = i + 1
    if args[i] == nil then fail(a .. " needs a value") end
    return args[i]
  end
  if a == "--body" then opt.body = value()
  elseif a == "--year" then
    local y = value()
    opt.year = math.tointeger(tonumber(y))
    if not opt.year or opt.year < 1990 or opt.year > 2100 then fail("--year: not a year (" .. y .. ")") end
  elseif a == "--format" then
    opt.format = value()
  elseif a == "--out" then opt.out = value()
  elseif a == "--to" then
    local known = { xlsx = true, md = true, txt = true, html = true, csv = true, json = true }
    for f in value():gmatch("[^,%s]+") do
      if not known[f] then fail("--to: unknown format '" .. f .. "' (xlsx, md, txt, html, csv, json)") end
      opt.to[#opt.to + 1] = f
    end
  elseif a == "--rules" then opt.rules[#opt.rules + 1] = value()
  elseif a:sub(1, 2) == "--" then fail("unknown option " .. a)
  else positional[#positional + 1] = a end
  i = i + 1
end
if not opt.body then fail("--body NAME is required") end
if not opt.year then fail("--year Y is required") end
if command ~= "explain" and #positional > 0 then fail("unexpected argument " .. positional[1]) end

local opened, open_err = nianbao.open()
if not opened then nianbao.fail(open_err) end
local store <close> = opened
local known = false
for _, b in ipairs(store:bodies()) do if b.name == opt.body then known = true end end
if not known then
  local names = {}
  for _, b in ipairs(store:bodies()) do names[#names + 1] = b.name end
  nianbao.fail(string.format("%s: no body named '%s'%s", nianbao.db, opt.body,
    #names > 0 and (" (bodies: " .. table.concat(names, ", ") .. ")") or ""))
end

-- Rule files given with --rules are read through the store API of the sandbox:
-- the CLI passes their text (scripts cannot open files themselves).
local extra = {}
for _, path in ipairs(opt.rules) do
  local text, err = nianbao.read_text(path)
  if not text then nianbao.fail("--rules: " .. err) end
  extra[#extra + 1] = { name = path, content = text }
end

local function safe_name(s)
  return (s:gsub("[/\\:*?\"<>|%s]", "_"))
end

local function print_checks(results)
  local errors = 0
  for _, g in ipairs(checks.summary(results)) do
    local status = g.FAIL > 0 and "FAIL" or (g.PASS > 0 and "PASS" or "NOT_ASSESSABLE")
    print(string.format("  %-4s %-14s %-7s %s  (%d pass, %d fail, %d n/a)", g.id, status, g.severity,
      g.title, g.PASS, g.FAIL, g.NOT_ASSESSABLE))
    for _, r in ipairs(g.fails) do
      print(string.format("         %s: %s ≠ %s%s", r.message or "", tostring(r.left), tostring(r.right),
        #r.evidence > 0 and ("  [" .. table.concat(r.evidence, ", ", 1, math.min(#r.evidence, 8))
          .. (#r.evidence > 8 and ", …" or "") .. "]") or ""))
    end
    if g.severity == "error" then errors = errors + g.FAIL end
  end
  return errors
end

if command == "report" or command == "check" then
  local doc, rctx = report.build(store, { body = opt.body, year = opt.year, format = opt.format, rules = extra })
  if command == "report" then
    local formats = #opt.to > 0 and opt.to or nil
    local dir = opt.out or "out"
    local name = safe_name(string.format("%s-%d", opt.body, opt.year))
    local written, err = nianbao.export(rctx.document, { dir = dir, name = name, formats = formats })
    if not written then nianbao.fail(err) end
    print(string.format("%s %d (%s): wrote", opt.body, opt.year, doc.format))
    for _, p in ipairs(written) do print("  " .. p) end
  end
  print(string.format("checks for %s %d (%s):", opt.body, opt.year, doc.format))
  local errors = print_checks(doc.checks)
  if errors > 0 then
    print(string.format("%d error-level check%s failed", errors, errors == 1 and "" or "s"))
    return 1
  end
  return 0
end

-- explain TABLE ROW COL
if #positional ~= 3 then fail("give TABLE ROW COL (e.g. requests new person)") end
local table_id, row, col = positional[1], positional[2], positional[3]
local fmt = report.format(store, opt.body, opt.year, opt.format)
local ctx = report.tabulate(store, opt.body, opt.year, fmt, { ids = true })
local v = ctx.values[table_id]
if not v then
  local ids = {}
  for _, t in ipairs(ctx.tables) do ids[#ids + 1] = t.id end
  fail("no table '" .. table_id .. "' (" .. table.concat(ids, ", ") .. ")")
end
if not v[row] then
  local rows = {}
  for k in pairs(v) do rows[#rows + 1] = k end
  table.sort(rows)
  fail(string.format("table %s has no row '%s' (rows: %s)", table_id, row, table.concat(rows, ", ")))
end
if v[row][col] == nil then
  local cols = {}
  for k in pairs(v[row]) do cols[#cols + 1] = k end
  table.sort(cols)
  fail(string.format("row %s.%s has no column '%s' (columns: %s)", table_id, row, col, table.concat(cols, ", ")))
end
print(string.format("%s.%s.%s = %s  (%s %d, %s)", table_id, row, col, report.cell_text(ctx, table_id, row, col),
  opt.body, opt.year, fmt.id))
local list = fmt:explain(ctx.cubes, table_id, row, col)
if not list then
  print("  this cell is not computed from records")
  return 0
end
for _, e in ipairs(list) do
  local r = e.record
  print(string.format("  %s%s  %s:%d", e.sign and ((e.sign > 0 and "+" or "-") .. " ") or "", r.id, r.source, r.line))
end
print(string.format("%d record%s", #list, #list == 1 and "" or "s"))
return 0
