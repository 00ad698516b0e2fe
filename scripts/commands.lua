-- commands.lua: the one command table of nianbao: each command's name, summary, arguments,
-- options and run function. scripts/cli.lua parses the command line with it (lib/command.lua),
-- and the usage texts, `nianbao help` and the man page are made from it.
--
-- run(c) gets c = { host =, opt =, args =, store = }: the command line's own API
-- (host/lua_host.c), the parsed options and arguments, and the store opened in the
-- command's `store` mode. It returns the exit status.

-- The program's modules, each loaded when a command first uses it: `nianbao import` of a
-- file or `nianbao help` does not compile and build the national formats and the checks
-- (most of the time a process takes to start).
local function lazy(name)
  return setmetatable({}, { __index = function(_, k) return require(name)[k] end })
end
local report = lazy "report"
local checks = lazy "checks"
local formats = lazy "formats"
local bodies = lazy "bodies"
local stored = lazy "stored"
local narrative = lazy "narrative"
local regen = lazy "regen"
local lint = lazy "lint"
local checkfile = lazy "checkfile"

local commands = {}

--- The exit statuses, for the usage text and the man page.
commands.statuses = {
  { "0", "all well" },
  { "1", "error-level checks failed" },
  { "2", "bad usage or bad input (nothing of the bad input was written; of several files, the good ones are)" },
  { "3", "the store stayed locked by another process (nothing was written)" },
  { "130", "an import interrupted by Ctrl-C (143: SIGTERM): the file it was in not written, the files before it are; the command ends by the signal" },
}

-- ---- option checks ----

local function year(v)
  local y = math.tointeger(tonumber(v))
  if not y or y < 1990 or y > 2100 then return nil, "not a year (" .. v .. ")" end
  return y
end

--- The exporter names (nianbao.formats), as a list.
local function export_names()
  local names = {}
  for _, f in ipairs(nianbao.formats()) do names[#names + 1] = f.name end
  return names
end

local function export_list(v)
  local known, list = {}, {}
  for _, n in ipairs(export_names()) do known[n] = true end
  for f in v:gmatch("[^,%s]+") do
    if not known[f] then
      return nil, string.format("unknown format '%s' (%s)", f, table.concat(export_names(), ", "))
    end
    list[#list + 1] = f
  end
  if #list == 0 then -- a variable left empty in a script wrote nothing and said "wrote"
    return nil, string.format("no format named (%s)", table.concat(export_names(), ", "))
  end
  return list
end

local body_opt = { "--body", "NAME", "the body (机关) of the report", required = true }
local year_opt = { "--year", "Y", "the year of the report", required = true, check = year }
-- (its text names the national formats: made when help shows it, not at every start)
local format_opt = setmetatable({ "--format", "ID" }, { __index = function(_, k)
  if k == 3 then
    return "the format (default: the one in force for the year; "
      .. table.concat(formats.for_body():ids(), ", ") .. " or a body's own)"
  end
end })
-- --fonts "title=方正小标宋简体;body=仿宋_GB2312,仿宋": role -> families.
local function font_list(v)
  local roles, fonts = {}, {}
  for _, f in ipairs(nianbao.fonts) do roles[f.role] = true end
  for part in v:gmatch("[^;]+") do
    local eq = part:find("=", 1, true)
    local role = eq and part:sub(1, eq - 1):gsub(" ", "")
    local families = eq and part:sub(eq + 1):gsub("^ +", ""):gsub(" +$", "")
    if not role or not roles[role] or families == "" then
      local names = {}
      for _, f in ipairs(nianbao.fonts) do names[#names + 1] = f.role end
      return nil, string.format("'%s' is not ROLE=FAMILY,FAMILY… (roles: %s)", part, table.concat(names, ", "))
    end
    fonts[role] = families
  end
  return fonts
end
local fonts_opt = { "--fonts", "ROLE=FAMILIES;…", "the fonts of DOCX, PDF and HTML by role (title, heading, body), first preferred, e.g. 'title=方正小标宋简体;body=仿宋_GB2312,仿宋' (default: the GB/T 9704 fonts, then Noto CJK)", check = font_list }
local checks_opt = { "--checks", nil, "also write the check results, in Chinese, as NAME-检查结果 in each format but JSON (whose report holds them)" }
local rules_opt = { "--rules", "FILE.lua", "a rule file to run with the body's own", many = true }

-- ---- helpers of the commands ----

-- The kinds `import` takes: record kinds, then text, the script roles, report and bodies.
local function import_kinds()
  local kinds = {}
  for _, k in ipairs(nianbao.kinds) do kinds[#kinds + 1] = k.name end
  kinds[#kinds + 1] = "text"
  for _, k in ipairs(nianbao.script_roles) do kinds[#kinds + 1] = k end
  for _, k in ipairs{ "report", "bodies" } do kinds[#kinds + 1] = k end
  return kinds
end

local function basename(path) return path:match("([^/]+)$") or path end

-- A script file named on the command line, read and compiled (not run).
local function read_script(host, path)
  local text, err = host.read_file(path)
  if not text then host.fail(err) end
  local chunk, why = load(text, "@" .. path, "t")
  if not chunk then host.fail(why) end
  return text, chunk
end

-- Checks a rules file before it is stored: it runs, returns rules with ids, and no id is
-- a national rule's or another of the body's rule files'.
local function check_rules(c, path, text)
  local file = checks.load_file{ name = path, content = text }
  local taken = checks.rule_ids(c.store, c.opt.body, basename(path))
  for _, r in ipairs(file.rules) do
    if taken[r.id] then
      c.host.fail(string.format("%s: rule %s is already defined by %s; give it another id", path,
        r.id, taken[r.id]))
    end
  end
end

-- Checks a layout before it is stored: it makes a format, its tables build from the
-- store for a year it covers, and its id is not another stored layout's.
local function check_layout(c, path, text)
  local f = formats.load{ name = path, content = text }
  local known = pcall(c.store.body, c.store, c.opt.body)
  for _, s in ipairs(known and c.store:scripts(c.opt.body, "layout") or {}) do
    if s.name ~= basename(path) and formats.load(s).id == f.id then
      c.host.fail(string.format("%s: layout '%s' is already stored for %s as %s; delete or replace it",
        path, f.id, c.opt.body, s.name))
    end
  end
  local y = f.years and f.years.first or 2021
  local ok, err = pcall(function()
    local cubes = f:tabulate(c.store, { year = y, body = known and c.opt.body or nil })
    if not known then -- no data yet: every body's, summed
      for name, cube in pairs(cubes) do cubes[name] = cube:slice("total") end
    end
    f:build(cubes)
  end)
  if not ok then c.host.fail(string.format("%s: its tables do not build for %d: %s", path, y, tostring(err))) end
end

-- Stores a rules or layout script of the body after checking it.
local function import_script(c, kind, path)
  local text = read_script(c.host, path)
  if kind == "rules" then check_rules(c, path, text) else check_layout(c, path, text) end
  if not c.opt.dry_run then
    local ok, err = c.store:put_script(c.opt.body, kind, basename(path), text)
    if not ok then c.host.fail(err) end
  end
  print(string.format("%s: %s script stored for %s%s", path, kind, c.opt.body,
    c.opt.dry_run and " (dry run: nothing written)" or ""))
end

-- Stores a mapping with the body after checking it: it runs in the restricted
-- environment and every entry names a known kind, field and code. A body keeps one
-- mapping; a new one replaces the one stored before.
local function import_map(c, path)
  local text = read_script(c.host, path)
  local name = basename(path)
  local ok, err = pcall(nianbao.mapping_check, stored.run{ name = path, content = text }, path)
  if not ok then c.host.fail(tostring(err)) end
  local known = pcall(c.store.body, c.store, c.opt.body)
  local before = known and c.store:scripts(c.opt.body, "map") or {}
  if not c.opt.dry_run then
    for _, s in ipairs(before) do
      if s.name ~= name then c.store:delete_script(c.opt.body, s.name, {}) end
    end
    local ok, err = c.store:put_script(c.opt.body, "map", name, text)
    if not ok then c.host.fail(err) end
  end
  print(string.format("%s: map script stored for %s%s%s", path, c.opt.body,
    (#before > 0 and before[1].name ~= name) and (" (replaces " .. before[1].name .. ")") or "",
    c.opt.dry_run and " (dry run: nothing written)" or ""))
  local held = 0
  for _, st in ipairs(known and c.store:stats() or {}) do
    if st.body == c.opt.body then held = held + st.count end
  end
  if held > 0 and not c.opt.dry_run then -- they keep the codes of the mapping they were imported with
    print(string.format("%s: its %d stored record%s: 'nianbao remap --body %s' codes them again with it",
      c.opt.body, held, held == 1 and " keeps its codes" or "s keep their codes", c.opt.body))
  end
end

-- The mapping of an import: --map's, else the one stored with the body (BODY, default
-- --body's), else none; checked as import map checks one before storing it (a bad entry
-- named with its file, not raised from inside the import).
local function import_mapping(c, body)
  local m, name
  body = body or c.opt.body
  if c.opt.map then
    m, name = c.host.run(c.opt.map), c.opt.map
  elseif body and pcall(c.store.body, c.store, body) then
    local s = c.store:scripts(body, "map")[1]
    if not s then return nil end
    m, name = stored.run(s), s.name
  else
    return nil
  end
  local ok, err = pcall(nianbao.mapping_check, m, name)
  if not ok then c.host.fail(tostring(err)) end
  return m
end

-- Checks a narrative before it is stored: its part headings are the format's for the
-- year, and every placeholder names a cell of its tables (a bad one is refused, and the
-- narrative stored before stays).
local function check_text(c, path, y)
  local text, err = c.host.read_file(path)
  if not text then c.host.fail(err) end
  local known_body = pcall(c.store.body, c.store, c.opt.body)
  local fmt = formats.for_body(known_body and c.store or nil, known_body and c.opt.body or nil):choose(y)
  if not fmt then return false end -- a year no format covers: nothing to check against
  local known = {}
  for i, p in ipairs(fmt.parts) do known[p.title] = i end
  local parsed = narrative.parse(text, known, path)
  narrative.fill(parsed, function(t, r, col)
    local ok, cell = pcall(fmt.cell, fmt, t, r, col)
    return (not ok or cell) and "0" or nil -- a table whose rows follow the data: known at report time
  end, path)
  return true
end

-- nianbao import --body B --year Y report FILE.json: a published report's tables as the
-- figures of that year, every key checked against the format of the year.
local function import_report(c, path)
  local f, err = nianbao.read_figures(path)
  if not f then c.host.fail(err) end
  local y = c.opt.year or f.year
  if not y then c.host.fail(path .. ": give --year (the file does not say its year)") end
  if c.opt.year and f.year and f.year ~= c.opt.year then
    c.host.fail(string.format("%s: the file is of %d, not %d (--year)", path, f.year, c.opt.year))
  end
  local known = pcall(c.store.body, c.store, c.opt.body)
  local reg = formats.for_body(known and c.store or nil, known and c.opt.body or nil)
  local fmt, why
  if f.format then fmt, why = reg:get(f.format) else fmt = reg:choose(y) end
  if not fmt then c.host.fail(path .. ": " .. (why or string.format("no format for %d (%s)", y, reg:coverage()))) end
  local values = {}
  for _, x in ipairs(f.cells) do
    values[x[1]] = values[x[1]] or {}
    values[x[1]][x[2]] = values[x[1]][x[2]] or {}
    values[x[1]][x[2]][x[3]] = x[4] or false
  end
  local bad = fmt:unknown_keys(values)
  if #bad > 0 then
    c.host.fail(string.format("%s: not cells of format %s: %s%s", path, fmt.id,
      table.concat(bad, ", ", 1, math.min(#bad, 10)), #bad > 10 and string.format(" … (%d in all)", #bad) or ""))
  end
  if not c.opt.dry_run then
    local ok, why = c.store:put_figures(c.opt.body, y, fmt.id, f.cells, basename(path))
    if not ok then c.host.fail(why) end
  end
  -- the file of another body showed nothing (the figures can be taken back: delete --body
  -- B figures Y); nor did a body the import made (a name typed wrong), said as by an import
  -- of records, after the summary
  if f.body and f.body ~= c.opt.body then
    c.host.eprint(string.format("%s: note: the file is of %s, stored for %s (--body)%s", path, f.body,
      c.opt.body, c.opt.dry_run and "" or string.format("; 'nianbao delete --body %s figures %d' takes them back", c.opt.body, y)))
  end
  print(string.format("%s: %d cells of %s %d (%s) stored as imported figures%s", path, #f.cells,
    c.opt.body, y, fmt.id, c.opt.dry_run and " (dry run: nothing written)" or ""))
  if not known then print((c.opt.dry_run and "would create body " or "created body ") .. c.opt.body) end
end

-- The exit status of a failed import.
local function failure_status(res)
  return res and (res.failure == "busy" and 3 or res.failure == "interrupted" and 130) or 2
end

-- The summary line of an import:
-- "FILE: 557 rows read, 557 inserted, 0 updated, 0 unchanged, 0 refused".
local function summary(path, res, ok, dry)
  return string.format("%s: %d row%s read, %d inserted, %d updated, %d unchanged, %d refused%s", path,
    res.read, res.read == 1 and "" or "s", ok and res.inserted or 0, ok and res.updated or 0,
    ok and res.unchanged or 0, res.refused,
    not ok and "; nothing written" or dry and " (dry run: nothing written)" or "")
end

-- Prints the messages of an import result (the first 50, then a count).
local function print_messages(c, path, detail)
  for _, line in ipairs(detail.messages) do c.host.eprint(line) end
  if detail.more > 0 then c.host.eprint(string.format("%s: ... and %d more messages", path, detail.more)) end
end

-- nianbao import bodies FILE: the body tree.
local function import_bodies(c, path)
  local res, err, detail = c.store:import("bodies", path, { sheet = c.opt.sheet, dry_run = c.opt.dry_run })
  detail = res or detail
  print_messages(c, path, detail)
  if not res then c.host.fail(err, failure_status(detail)) end
  print(string.format("%s: %d bod%s read, %d created, %d updated, %d unchanged%s", path, res.read,
    res.read == 1 and "y" or "ies", res.created, res.updated, res.unchanged,
    c.opt.dry_run and " (dry run: nothing written)" or ""))
  return 0
end

-- The options of an import of records.
local function records_options(c)
  return { body = c.opt.body, parent = c.opt.parent, map = import_mapping(c), sheet = c.opt.sheet,
    dry_run = c.opt.dry_run, replace = c.opt.replace and "same" or c.opt.replace_all and "all" or nil,
    year = c.opt.year, progress = c.host.isatty(2) }
end

-- The bodies an import made (res.created), one line each; in a dry run, the bodies it
-- would make (a name typed wrong shows before anything is written).
local function say_created(c, res)
  local said = c.opt.dry_run and "would create body " or "created body "
  c.said_created = c.said_created or {} -- a dry run of several files: each file alone would
  for _, b in ipairs(res.created) do     -- create it; said once
    if not c.said_created[b] then print(said .. b) end
    c.said_created[b] = true
  end
end

-- Tells the outcome of an import of records from PATH (store:import's RES, ERR, DETAIL).
-- Returns 0, or 2 when rows were refused (told, with the summary); or, for any other
-- failure, nil and the failure (message and exit status) for the caller to raise.
local function records_outcome(c, path, res, err, detail)
  detail = res or detail
  print_messages(c, path, detail)
  if not res and detail.failure == "copy" then -- refused as a copy of another file: said, and the next files go on
    c.host.eprint("nianbao: " .. err)
    print(summary(path, detail, false, c.opt.dry_run))
    return 2
  end
  if not res and (detail.failure ~= "input" or (detail.read == 0 and detail.refused == 0)) then
    return nil, { err = err, status = failure_status(detail) }
  end
  print(summary(path, detail, res ~= nil, c.opt.dry_run))
  if not res then return 2 end
  if c.opt.replace or c.opt.replace_all then
    print(string.format("%s: %d row%s %sremoved (%s)%s", path, res.removed, res.removed == 1 and "" or "s",
      c.opt.dry_run and "would be " or "",
      c.opt.replace_all and "all earlier rows of this kind for the body"
        or "earlier rows from files named " .. basename(path),
      c.opt.dry_run and " (dry run: nothing written)" or ""))
  elseif res.removed > 0 then
    print(string.format("%s: %d row%s of the earlier import of this file removed", path, res.removed,
      res.removed == 1 and "" or "s"))
  end
  say_created(c, res)
  return 0
end

-- Imports records of KIND from the files PATHS, each all or none, committed together in
-- groups (store:import_files). Returns 0, or 2 when a file's rows were refused; raises
-- on any other failure, after the files before it are committed.
local function import_records(c, kind, paths)
  local status, failed, told_n = 0, nil, 0
  local function told(path, res, err, detail)
    told_n = told_n + 1
    local st, failure = records_outcome(c, path, res, err, detail)
    if not st then
      failed = failure
      local rest = { table.unpack(paths, told_n + 1, math.min(#paths, told_n + 5)) }
      if #rest > 0 then -- the files after it are not read: said, so none is thought imported
        failed.err = string.format("%s\nnianbao: not imported (after it): %s%s", failed.err, table.concat(rest, ", "),
          #paths > told_n + 5 and string.format(", … (%d files)", #paths - told_n) or "")
      end
      return false
    end
    status = math.max(status, st)
  end
  if #paths == 1 then
    told(paths[1], c.store:import(kind, paths[1], records_options(c)))
  else
    local ok, err, detail = c.store:import_files(kind, paths, records_options(c), told)
    if not ok then
      if failed then c.host.eprint("nianbao: " .. failed.err) end
      c.host.fail(err, failure_status(detail))
    end
  end
  if failed then c.host.fail(failed.err, failed.status) end
  return status
end

local function run_import(c)
  local kind, path = c.args[1], c.args[2]
  for i = 2, #c.args do c.host.allow_read(c.args[i]) end -- the files named: read wherever they are
  local known = false
  for _, k in ipairs(import_kinds()) do known = known or k == kind end
  if not known then
    c.host.fail(string.format("unknown record kind '%s' (kinds: %s)", kind, table.concat(import_kinds(), ", ")))
  end
  local records = false
  for _, k in ipairs(nianbao.kinds) do records = records or k.name == kind end
  if #c.args > 2 and not records then
    return c.usage_error(kind .. ": give one FILE (several are for records)")
  end
  if kind == "bodies" then
    if c.opt.body or c.opt.parent then
      return c.usage_error("bodies: the file names the bodies and their parents (no --body, --parent)")
    end
    return import_bodies(c, path)
  end
  local script = false
  for _, r in ipairs(nianbao.script_roles) do script = script or kind == r end
  if not c.opt.body and (script or kind == "text" or kind == "report") then
    return c.usage_error(kind .. ": give --body NAME")
  end
  if (c.opt.replace or c.opt.replace_all) and (script or kind == "text" or kind == "report") then
    return c.usage_error(kind .. ": --replace and --replace-all are for records")
  end
  if kind == "map" then
    import_map(c, path)
  elseif kind == "report" then
    import_report(c, path)
  elseif script then
    import_script(c, kind, path)
  elseif kind == "text" then
    local opts = { body = c.opt.body, year = c.opt.year, parent = c.opt.parent, dry_run = true }
    local res, err, detail = c.store:import("text", path, opts)
    if not res then c.host.fail(err, failure_status(detail)) end
    local checked = check_text(c, path, res.year)
    -- the narrative this one replaces, if any (the body may be new: none then)
    local before = pcall(c.store.body, c.store, c.opt.body) and select(2, c.store:text(c.opt.body, res.year)) or nil
    if not c.opt.dry_run then
      opts.dry_run = false
      res, err, detail = c.store:import("text", path, opts)
      if not res then c.host.fail(err, failure_status(detail)) end
    end
    -- --year other than the file name's (2020.md stored as 2019): said, not silent
    if c.opt.year and res.name_year ~= 0 and res.name_year ~= c.opt.year then
      c.host.eprint(string.format("%s: note: the file name says %d; %s as %d (--year)", path, res.name_year,
        c.opt.dry_run and "it would be stored" or "stored", c.opt.year))
    end
    -- the year said, and whence (a file name read wrong shows): 2020 (from the file name)
    print(string.format("%s: text of %d%s %sstored for %s%s%s", path, res.year,
      c.opt.year and "" or " (from the file name)", c.opt.dry_run and "would be " or "", c.opt.body,
      before and string.format(" (replaces %s)", before) or "",
      c.opt.dry_run and " (dry run: nothing written)" or ""))
    say_created(c, res)
    if not checked then
      print(string.format("%s: no format covers %d: its headings and placeholders are checked when a report of that year is made (with --format)", path, res.year))
    end
  else
    -- Records: each file all or none, as if imported one by one, in one process and
    -- committed together (a hundred bodies' files cost one start and one commit).
    local status = import_records(c, kind, table.move(c.args, 2, #c.args, 1, {}))
    if status ~= 0 then return status end
  end
  if c.opt.parent and not c.opt.dry_run then
    print((c.opt.body or "its bodies") .. " belong" .. (c.opt.body and "s" or "") .. " to " .. c.opt.parent)
  end
  return 0
end


-- ---- nianbao lint: published reports read back ----

-- The year of a published report: --year, else a year in its file name, else the
-- period its first lines state ("统计期限从2020年1月1日", "2020年度"), else nil.
local function report_year(c, path, text, several)
  if c.opt.year and not several then return c.opt.year end
  local y = basename(path):match("(20%d%d)")
  if y then return math.tointeger(tonumber(y)) end
  local head = text:sub(1, 4000)
  y = head:match("统计期限从(20%d%d)年") or head:match("(20%d%d)年度") or head:match("(20%d%d)年")
  return y and math.tointeger(tonumber(y)) or c.opt.year
end

local lint_words = { error = "错误", warning = "警告", info = "提示" }

-- Where line LINE of report R is: its number, or in a workbook its sheet and row.
local function lint_place(r, line)
  return r.places and r.places[line] or tostring(line)
end

-- Where the cells a check's result F names (its evidence "t.row.col", not another year's)
-- were read in report R: "" when nowhere, else their lines (three at most, else the first
-- to the last), as text; and the lines as a list.
local function check_places(r, f)
  local lines, seen = {}, {}
  for _, ev in ipairs(f.evidence or {}) do
    local line = r.at and r.at[ev]
    if line and not seen[line] then seen[line] = true; lines[#lines + 1] = line end
  end
  table.sort(lines)
  if #lines == 0 then return "", lines end
  local parts = {}
  if #lines <= 3 then
    for i, line in ipairs(lines) do parts[i] = lint_place(r, line) end
  else
    local first, last = lint_place(r, lines[1]), lint_place(r, lines[#lines])
    local sheet = first:match("^(.*!)")
    if sheet and last:sub(1, #sheet) == sheet then last = last:sub(#sheet + 1) end -- the same sheet
    parts[1] = first .. "–" .. last
  end
  local text = table.concat(parts, "、")
  return r.places and text or ("第 " .. text .. " 行"), lines
end
local status_words = { PASS = "通过", FAIL = "未通过", NOT_ASSESSABLE = "无法判断" }

-- A number as the report prints it (integers without ".0").
local function num(v)
  if v == nil then return "空白" end
  if math.type(v) == "float" and v == math.floor(v) and math.abs(v) < 2^53 then return string.format("%d", v) end
  return tostring(v)
end

-- The tables of R in the JSON contract: a blank or "/" cell is null.
local json_null = function() end
local function contract_tables(r)
  local out = {}
  for t, rows in pairs(r.values) do
    out[t] = {}
    for row, cols in pairs(rows) do
      out[t][row] = {}
      for col, v in pairs(cols) do out[t][row][col] = v == false and json_null or v end
    end
  end
  return out
end

local function run_lint(c)
  local results, status, several = {}, 0, #c.args > 1
  for _, path in ipairs(c.args) do
    c.host.reset_instructions() -- each file has the whole instruction budget
    -- the files named on the command line, wherever they are (a script reads only
    -- in its folders)
    local bytes, err = c.host.read_bytes(path)
    local r, why
    local head = (bytes or ""):sub(1, 2048):lower()
    local lower = path:lower()
    local page, perr, pdf, sheets
    if not bytes then -- its message names the file
      perr = err:sub(1, #path + 2) == path .. ": " and err:sub(#path + 3) or err
    elseif bytes:sub(1, 5) == "%PDF-" or lower:match("%.pdf$") then -- a PDF, through poppler
      pdf, perr = nianbao.pdf_lines(bytes)
    elseif bytes:sub(1, 4) == "PK\3\4" and (lower:match("%.xls[xm]$") or not lower:match("%.docx$")
        and bytes:find("xl/workbook.xml", 1, true) and not bytes:find("word/document.xml", 1, true)) then
      -- a zip archive of an Excel workbook (its parts' names are in the clear)
      page, perr = nianbao.workbook_lines(bytes)
      sheets = page
    elseif bytes:sub(1, 4) == "PK\3\4" then -- a zip archive: a Word document
      page, perr = nianbao.docx_lines(bytes)
    elseif path:lower():match("%.html?$") or head:find("<html", 1, true) or head:find("<table", 1, true) then
      page, perr = nianbao.html_lines(bytes)
    end
    if pdf then
      local parts = {}
      for i = 1, math.min(#pdf, 200) do parts[i] = pdf[i].text end
      local y = report_year(c, path, table.concat(parts, "\n"), several)
      if #pdf == 0 then
        r, why = nil, "no text in the PDF (scanned pages: nianbao does not read text from images)"
      else
        r, why = lint.read_pdf(pdf, { year = y, format = c.opt.format })
      end
    elseif page then
      local parts = {}
      for _, l in ipairs(page) do parts[#parts + 1] = l.text or table.concat(l.cells, " ") end
      local y = report_year(c, path, table.concat(parts, "\n"), several)
      r, why = lint.read_page(page, { year = y, format = c.opt.format })
    elseif perr then
      r, why = nil, perr
    elseif bytes:sub(1, 8) == "\208\207\17\224\161\177\26\225" then -- an OLE2 compound file
      r, why = nil, "an old Word or Excel file (.doc, .xls): lint reads .docx and .xlsx; save it as one of them"
    else
      local text, terr = nianbao.text_utf8(bytes) -- UTF-8, else GB18030
      if not text then
        r, why = nil, terr
      else
        local y = report_year(c, path, text, several)
        r, why = lint.read_text(text, { year = y, format = c.opt.format })
      end
    end
    if not r then
      c.host.eprint(path .. ": " .. why)
      status = 2
    else
      r.path = path
      if sheets then -- a workbook's lines are named by sheet and row
        r.places = {}
        for _, l in ipairs(sheets) do r.places[l.line] = l.sheet .. "!" .. l.row end
      end
      results[#results + 1] = r
    end
  end
  -- the years of one body given together: each checked against its neighbours
  local by_year = {}
  for _, r in ipairs(results) do if r.year then by_year[r.year] = r end end
  for _, r in ipairs(results) do
    c.host.reset_instructions()
    local neighbours
    for _, d in ipairs{ -1, 1 } do
      local n = r.year and by_year[r.year + d]
      if n then neighbours = neighbours or {}; neighbours[r.year + d] = n end
    end
    if neighbours then
      -- a year with no file is "not given", not "not held"
      for _, d in ipairs{ -1, 1 } do
        if not neighbours[r.year + d] then neighbours[r.year + d] = false end
      end
    end
    r.checks, r.check_ctx = lint.check(r, neighbours)
    for _, f in ipairs(r.findings) do
      if f.severity == "error" then status = math.max(status, 1) end
    end
    for _, ch in ipairs(r.checks) do
      if ch.status == "FAIL" and ch.severity == "error" then status = math.max(status, 1) end
    end
  end
  if c.opt.json then
    local out = {}
    for _, r in ipairs(results) do
      local checks_out = {}
      for _, ch in ipairs(r.checks) do
        local _, lines = check_places(r, ch)
        local places
        for i, line in ipairs(r.places and lines or {}) do places = places or {}; places[i] = lint_place(r, line) end
        checks_out[#checks_out + 1] = { id = ch.id, severity = ch.severity, status = ch.status, title = ch.title,
          formula = ch.formula, message = ch.message, left = ch.left, right = ch.right,
          lines = #lines > 0 and lines or nil, places = places }
      end
      local findings = {}
      for _, f in ipairs(r.findings) do
        findings[#findings + 1] = { severity = f.severity, code = f.code, line = f.line, key = f.key, message = f.message,
                                    place = r.places and f.line and r.places[f.line] or nil }
      end
      out[#out + 1] = { file = r.path, format = r.format, year = r.year, tables = contract_tables(r),
                        marks = r.marks, findings = findings, checks = checks_out }
    end
    print(regen.json(several and out or out[1]))
    return status
  end
  for _, r in ipairs(results) do
    local parts = {}
    for _, t in ipairs{ { "active", "表二" }, { "requests", "表三" }, { "appeals", "表四" } } do
      local x = r.rows[t[1]]
      if x then parts[#parts + 1] = string.format("%s %d/%d 行", t[2], x.found, x.expected) end
    end
    print(string.format("%s: 按 %s 读取%s（%s）", r.path, r.format, r.year and ("，" .. r.year .. " 年") or "",
      table.concat(parts, "，")))
    local count = { error = 0, warning = 0, info = 0 }
    for _, f in ipairs(r.findings) do
      count[f.severity] = count[f.severity] + 1
      print(string.format("%s%s: %s：%s", r.path, f.line and (":" .. lint_place(r, f.line)) or "", lint_words[f.severity],
        f.message))
    end
    for _, g in ipairs(checks.summary(r.checks)) do
      if g.FAIL > 0 then
        count[g.severity == "error" and "error" or "warning"] = count[g.severity == "error" and "error" or "warning"] + g.FAIL
        print(string.format("%s: %s %s %s：%s（%s）", r.path, lint_words[g.severity] or g.severity, g.id,
          status_words.FAIL, g.title, g.fails[1].formula or ""))
        local describe = checkfile.describer(r.check_ctx)
        for _, f in ipairs(g.fails) do
          local wheres = {}
          for _, ev in ipairs(f.evidence or {}) do
            if ev:find("^正文") then -- a number in the narrative; in a workbook, its sheet and row
              wheres[1] = r.places and ev:gsub("第(%d+)行$", function(n) return r.places[tonumber(n)] end) or ev
            end
          end
          local cells = check_places(r, f) -- the table's lines
          if cells ~= "" then wheres[#wheres + 1] = (wheres[1] and "表格 " or "") .. cells end
          local where = #wheres > 0 and ("（" .. table.concat(wheres, "；") .. "）") or ""
          local message, place = checkfile.note(f, describe)
          local what = place ~= "" and place or message
          if place ~= "" and message ~= "" then what = place .. "，" .. message end
          print(string.format("    %s：%s ≠ %s%s", what, num(f.left), num(f.right), where))
        end
      end
    end
    local pass, na = 0, 0
    for _, ch in ipairs(r.checks) do
      if ch.status == "PASS" then pass = pass + 1 elseif ch.status == "NOT_ASSESSABLE" then na = na + 1 end
    end
    print(string.format("%s: %d 个错误，%d 个警告，%d 个提示；检查 %d 项通过，%d 项无法判断", r.path,
      count.error, count.warning, count.info, pass, na))
  end
  return status
end

-- The rule files given with --rules, read for report.build.
local function rule_files(c)
  local extra = {}
  for _, path in ipairs(c.opt.rules or {}) do
    local text, err = c.host.read_file(path)
    if not text then c.host.fail("--rules: " .. err) end
    extra[#extra + 1] = { name = path, content = text }
  end
  return extra
end


-- Prints the check results of a report (checkfile.lines); returns the number of failed
-- error-level results.
local function print_checks(doc, ctx)
  local lines, errors = checkfile.lines(doc, ctx)
  for _, l in ipairs(lines) do print(l) end
  return errors
end

-- A note when BODY has no records or figures of YEAR (its subtree's, for a roll-up): a
-- year typed wrong otherwise gave a whole report (zeros, blanks, what earlier years carry
-- into it) and exit 0, silently.
local function note_empty_year(c, years_of)
  -- the usual case, cheaply: the body's own records or figures of the year (the plan,
  -- which reads the body tree, is for the rest: a roll-up's subtree, a year no format covers)
  for _, y in ipairs(years_of(c.opt.body)) do
    if y == c.opt.year then return end
  end
  if c.store:figures(c.opt.body, c.opt.year) then return end
  for _, years in pairs(c.store:coverage(c.opt.body)) do -- a year declared complete (import --year)
    if years[c.opt.year] then return end
  end
  local plan = regen.plan(c.store, { bodies = { c.opt.body }, years = { c.opt.year, c.opt.year } })
  if #plan.reports > 0 or #plan.skipped > 0 then return end
  local held = {}
  for _, y in ipairs(plan.years_held[c.opt.body] or {}) do held[#held + 1] = tostring(y) end
  c.host.eprint(string.format("note: %s has no records or imported figures of %d (%s); the report is made all the same",
    c.opt.body, c.opt.year, #held > 0 and ("its years: " .. table.concat(held, ", ")) or "none of any year"))
end

local function run_report(c, write)
  c.store:body(c.opt.body)
  local held = {} -- body -> store:years(body), read once for the checks and the note
  local function years_of(b)
    held[b] = held[b] or c.store:years(b)
    return held[b]
  end
  local doc, ctx = report.build(c.store, { body = c.opt.body, year = c.opt.year, format = c.opt.format,
                                           rules = rule_files(c), fonts = c.opt.fonts, years = years_of })
  note_empty_year(c, years_of)
  if write then
    local name = report.safe_name(c.opt.body) .. "-" .. c.opt.year
    local dir = c.opt.out or "out"
    c.host.allow_write(dir)
    local made, why = c.host.mkdir(dir) -- its parents too
    if not made then c.host.fail(why) end
    local written, err = nianbao.export(ctx.document, { dir = dir, name = name, formats = c.opt.to })
    if c.opt.checks then
      local more, err2 = checkfile.export(doc, ctx, dir, name, c.opt.to)
      if more then
        written = written or {}
        for _, p in ipairs(more) do written[#written + 1] = p end
      end
      if err2 then err = err and (err .. "\n" .. err2) or err2 end
    end
    if not written then c.host.fail(err) end
    if err then c.host.eprint(err) end
    print(string.format("%s %d (%s): wrote", c.opt.body, c.opt.year, doc.format))
    for _, p in ipairs(written) do print("  " .. p) end
    if err then
      print_checks(doc, ctx)
      c.host.fail("some formats were not written (above); the others were", 2)
    end
  end
  local errors = print_checks(doc, ctx)
  if errors > 0 then
    print(string.format("%d error-level check%s failed", errors, errors == 1 and "" or "s"))
    return 1
  end
  return 0
end

-- The keys of T, sorted, joined.
local function keys_of(t)
  local keys = {}
  for k in pairs(t) do keys[#keys + 1] = k end
  table.sort(keys)
  return table.concat(keys, ", ")
end

local function run_explain(c)
  local table_id, row, col = c.args[1], c.args[2], c.args[3]
  c.store:body(c.opt.body)
  local fmt = report.format(c.store, c.opt.body, c.opt.year, c.opt.format)
  local ctx = report.tabulate(c.store, c.opt.body, c.opt.year, fmt, { ids = true })
  local v = ctx.values[table_id]
  if not v then c.host.fail(string.format("explain: no table '%s' (%s)", table_id, keys_of(ctx.values))) end
  if not v[row] then c.host.fail(string.format("explain: table %s has no row '%s' (rows: %s)", table_id, row, keys_of(v))) end
  if v[row][col] == nil then
    c.host.fail(string.format("explain: row %s.%s has no column '%s' (columns: %s)", table_id, row, col, keys_of(v[row])))
  end
  print(string.format("%s.%s.%s = %s  (%s %d, %s)", table_id, row, col, report.cell_text(ctx, table_id, row, col),
    c.opt.body, c.opt.year, fmt.id))
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
end

-- "3 request records, 1 text" from the counts of store:delete*.
local function removed_text(n)
  local parts = {}
  for _, k in ipairs(nianbao.kinds) do
    local v = n.records[k.name] or 0
    if v > 0 then parts[#parts + 1] = string.format("%d %s record%s", v, k.name, v == 1 and "" or "s") end
  end
  for _, f in ipairs{ { "texts", "narrative" }, { "scripts", "script" }, { "figures", "imported figure" },
                      { "runs", "regeneration" }, { "coverage", "declared year" } } do
    local v = n[f[1]] or 0
    if v > 0 then parts[#parts + 1] = string.format("%d %s%s", v, f[2], v == 1 and "" or "s") end
  end
  return #parts > 0 and table.concat(parts, ", ") or "nothing"
end

-- One body's records coded again (nianbao remap): a line a kind, then the total. Returns
-- 0, or the failure's exit status after its messages (the caller goes on to the next body).
local function remap_body(c, body, map)
  local dry = c.opt.dry_run
  local res, err, detail = c.store:remap(body, { map = map, dry_run = dry })
  detail = res or detail
  print_messages(c, body, detail)
  if not res then
    c.host.eprint("nianbao: " .. err)
    return failure_status(detail)
  end
  local changed = dry and "would change" or "changed"
  for _, k in ipairs(res.kinds) do
    print(string.format("%s: %s: %d record%s, %d %s", body, k.kind, k.records,
      k.records == 1 and "" or "s", k.changed, changed))
  end
  print(string.format("%s: %d record%s coded again, %d %s%s", body, res.records,
    res.records == 1 and "" or "s", res.changed, changed,
    dry and " (dry run: nothing written)" or ""))
  return 0
end

-- nianbao remap: the body's stored records coded again with its mapping (or --map's),
-- from the values each row kept; with --all every body that has a stored mapping (with
-- --map, every body), each all or none by itself.
local function run_remap(c)
  if #c.args > 0 then return c.usage_error("unexpected argument " .. c.args[1]) end
  if not c.opt.body and not c.opt.all then return c.usage_error("give --body NAME or --all") end
  if c.opt.body then
    c.store:body(c.opt.body) -- an unknown body raises, naming the known ones
    return remap_body(c, c.opt.body, import_mapping(c))
  end
  local status, done = 0, 0
  local given = c.opt.map and import_mapping(c) -- read and checked once
  for _, b in ipairs(c.store:bodies()) do
    if given or c.store:scripts(b.name, "map")[1] then
      local ok, map = true, given
      if not given then ok, map = pcall(import_mapping, c, b.name) end
      local st
      if ok then
        st = remap_body(c, b.name, map)
      else -- its stored mapping refused: said, and the others go on
        c.host.eprint("nianbao: " .. b.name .. ": " .. tostring(map))
        st = 2
      end
      if st ~= 0 and st ~= 2 then return st end -- the store locked or failing: no more
      if st ~= 0 then status = st end
      done = done + 1
    end
  end
  if done == 0 then
    print(given and "no body in the store: nothing to do"
      or "no body has a stored mapping (import map), and no --map was given: nothing to do")
  end
  return status
end

local function run_delete(c)
  local body, dry = c.opt.body, c.opt.dry_run
  c.store:body(body) -- an unknown body raises, naming the known ones
  local n, what
  if #c.args == 0 then
    local err
    n, err = c.store:delete_body(body, { force = c.opt.force, dry_run = dry })
    if not n and not c.opt.force then -- refused for what it holds: say what (a dry run counts it)
      local held = c.store:delete_body(body, { force = true, dry_run = true })
      local at = held and err:find(": give --force", 1, true)
      if at then err = err:sub(1, at - 1) .. " (it holds " .. removed_text(held) .. ")" .. err:sub(at) end
    end
    if not n then c.host.fail("delete: " .. err) end
    what = "body " .. body .. " and " .. removed_text(n)
  elseif c.args[1] == "script" then
    if #c.args ~= 2 then return c.usage_error("script: give the script's NAME") end
    local err
    n, err = c.store:delete_script(body, c.args[2], { dry_run = dry })
    if not n then c.host.fail("delete: " .. err) end
    what = "script " .. c.args[2] .. " of " .. body
  elseif c.args[1] == "text" or c.args[1] == "figures" or c.args[1] == "coverage" then
    -- what an import of the wrong year or body left: a narrative, imported figures, a year
    -- declared complete (each could be undone before only with the whole body)
    local sub, kind = c.args[1], nil
    local want = sub == "coverage" and "KIND YEAR" or "YEAR"
    local year = c.args[sub == "coverage" and 3 or 2]
    if sub == "coverage" then kind = c.args[2] end
    if c.opt.force then return c.usage_error("--force is for a body") end
    if #c.args ~= (sub == "coverage" and 3 or 2) or not (year or ""):match("^%d%d%d%d$") then
      return c.usage_error(sub .. ": give " .. want)
    end
    local err
    n, err = c.store:delete_year(body, sub, tonumber(year), { kind = kind, dry_run = dry })
    if not n then c.host.fail("delete: " .. err) end
    what = removed_text(n) .. " of " .. body .. " (" .. (kind and kind .. " " or "") .. year .. ")"
  else
    if c.opt.force then return c.usage_error("--force is for a body") end
    if #c.args < 2 then return c.usage_error(c.args[1] .. ": give the ids of the records") end
    local ids = table.move(c.args, 2, #c.args, 1, {})
    local err
    n, err = c.store:delete(c.args[1], body, ids, { dry_run = dry })
    if not n then c.host.fail("delete: " .. err) end
    what = removed_text(n) .. " of " .. body
  end
  print((dry and "would remove " or "removed ") .. what .. (dry and " (dry run: nothing written)" or ""))
  return 0
end

local function run_scripts(c)
  local list = c.store:scripts(c.opt.body)
  if #list == 0 then print(c.opt.body .. " has no stored scripts") end
  for _, s in ipairs(list) do
    print(string.format("%-7s %-32s sha256:%s", s.role, s.name, s.hash))
  end
  return 0
end

-- "2019-2025" or "2020": {first, last}.
local function year_range(v)
  local a, b = v:match("^(%d%d%d%d)%-(%d%d%d%d)$")
  a, b = tonumber(a or v:match("^(%d%d%d%d)$")), tonumber(b or v:match("^(%d%d%d%d)$"))
  if not a or not b or a > b or a < 1990 or b > 2100 then
    return nil, "not a year or a range of years FIRST-LAST (" .. v .. ")"
  end
  return { a, b }
end

local function jobs(v)
  local n = v:match("^%d+$") and tonumber(v)
  if not n or n < 1 or n > 64 then return nil, "not a number of worker processes from 1 to 64 (" .. v .. ")" end
  return n
end

-- The SHA-256 of each of the program's scripts that make reports: path -> hash.
local function program_sources(c)
  local out = {}
  for _, folder in ipairs{ "formats", "checks" } do
    for _, name in ipairs(nianbao.script_names(folder)) do
      local path = "scripts/" .. folder .. "/" .. name .. ".lua"
      local text = c.host.read_file(c.host.home .. "/" .. path)
      if text then out[path] = nianbao.sha256(text) end
    end
  end
  return out
end

-- m:ss
local function clock(seconds)
  seconds = math.max(0, math.floor(seconds + 0.5))
  return string.format("%d:%02d", seconds // 60, seconds % 60)
end

-- regen --body: a note for each roll-up above the body (its reports were not made again,
-- and the body's data that they add up may have changed).
local function roll_ups_not_made(c)
  local b = c.store:body(c.opt.body)
  while b.parent do
    b = c.store:body(b.parent)
    if b.rollup then
      print(string.format("note: %s adds up %s: its reports were not made again (nianbao regen --body %s, or regen without --body)",
        b.name, c.opt.body, b.name))
    end
  end
end

local function run_regen(c)
  if #c.args > 0 then return c.usage_error("unexpected argument " .. c.args[1]) end
  local plan = regen.plan(c.store, { bodies = c.opt.body and { c.opt.body } or nil, years = c.opt.years })
  for _, s in ipairs(plan.skipped) do
    print(string.format("skipped %s %d: %s", s.body, s.year, s.reason))
  end
  if #plan.reports == 0 then
    local function span(a, b) return a == b and tostring(a) or (a .. "–" .. b) end
    if c.opt.years and #plan.skipped == 0 then
      print(string.format("nothing to regenerate: no body has records, texts or figures in %s (%s)",
        span(c.opt.years[1], c.opt.years[2]),
        plan.held_first and ("their years: " .. span(plan.held_first, plan.held_last)) or "none has any"))
    else
      print("nothing to regenerate (no body has records, texts or figures in a year a format covers)")
    end
    -- a body whose records were all removed: the roll-ups that added them up are stale
    if c.opt.body and #plan.skipped == 0 then roll_ups_not_made(c) end
    return 0
  end
  local out = c.opt.out or "out"
  c.host.allow_write(out)
  local ok, err = c.host.mkdir(out)
  if not ok then c.host.fail(err) end
  local tty, total, done, start = c.host.isatty(2), #plan.reports, 0, os.time()
  c.host.defer_sync(out) -- the reports synced together, before each folder's manifest
  local version = c.host.version()
  version.program = c.host.program_digest() -- nil (cannot be read): every report is made
  -- a PDF is laid out with the fonts installed: their digest too, when PDFs are made
  local pdf = not c.opt.to
  for _, f in ipairs(c.opt.to or {}) do pdf = pdf or f == "pdf" end
  if pdf then version.fonts = c.host.fonts_digest() end
  local result = regen.run(c.store, plan, {
    out = out, to = c.opt.to, checks = c.opt.checks, fonts = c.opt.fonts, sources = program_sources(c), version = version,
    force = c.opt.force,
    write_file = c.host.write_file, read_file = c.host.read_file, sha256_file = c.host.sha256_file, sync_files = c.host.sync_files,
    remove_file = c.host.remove_file, mkdir = c.host.mkdir, jobs = c.opt.jobs or math.min(c.host.cpus(), 8), workers = { fork = c.host.fork, receive = c.host.receive,
                                   stop = c.host.stop_workers, exit = c.host.exit },
    on_report = function(r)
      done = done + 1
      if tty then
        local elapsed = math.max(os.time() - start, 1)
        local rate = done / elapsed
        local width = 30
        local fill = math.floor(width * done / total)
        io.stderr:write(string.format("\r[%s%s] %d/%d  %.1f/s  %s left ", string.rep("#", fill),
          string.rep(".", width - fill), done, total, rate, clock((total - done) / rate)))
      else
        print(string.format("%s %d (%s): %d error%s, %d warning%s, %s", r.body, r.year, r.format, r.errors,
          r.errors == 1 and "" or "s", r.warnings, r.warnings == 1 and "" or "s",
          r.first_run and "new" or r.changed and "changed" or r.current and "current" or "unchanged"))
      end
    end,
  })
  if tty then io.stderr:write("\r\27[K") end
  local rows = { { "机关", "年度", "格式", "错误", "警告", "输出" } }
  for _, r in ipairs(result.reports) do
    rows[#rows + 1] = { r.body, tostring(r.year), r.format, tostring(r.errors), tostring(r.warnings),
      r.first_run and "新" or r.changed and "有变化" or r.current and "保留" or "无变化" }
  end
  local widths = {}
  for _, row in ipairs(rows) do
    for i, cell in ipairs(row) do widths[i] = math.max(widths[i] or 0, nianbao.text_width(cell)) end
  end
  print("")
  for _, row in ipairs(rows) do
    local parts = {}
    for i, cell in ipairs(row) do
      parts[i] = cell .. string.rep(" ", widths[i] - nianbao.text_width(cell))
    end
    print((table.concat(parts, "  "):gsub("%s+$", "")))
  end
  for _, r in ipairs(result.reports) do
    local head = string.format("%s %d: ", r.body, r.year)
    if #r.changes > 0 then
      print(head .. #r.changes .. " cell" .. (#r.changes == 1 and "" or "s") .. " changed since the previous run:")
      for i, ch in ipairs(r.changes) do
        if i > 20 then print(string.format("  … and %d more (in the .changes.csv file)", #r.changes - 20)); break end
        -- in the report's own labels, then the JSON key (as in the .changes.csv file)
        print(string.format("  %s “%s” %s: %s → %s (%s.%s.%s)", ch.title, ch.row_label, ch.col_label,
          ch.old == "" and "(blank)" or ch.old, ch.new == "" and "(blank)" or ch.new, ch.table, ch.row, ch.col))
      end
    end
    if r.changed and not r.first_run and #r.changes == 0 and #r.newly_failing == 0 and #r.newly_passing == 0 then
      print(head .. "no cell changed; its files differ from the last run's (other formats or options, its text or its checks)")
    end
    if #r.newly_failing > 0 then print(head .. "newly failing: " .. table.concat(r.newly_failing, ", ")) end
    if #r.newly_passing > 0 then print(head .. "newly passing: " .. table.concat(r.newly_passing, ", ")) end
    if r.imported then print(head .. "imported figures (" .. r.imported.source .. ")") end
  end
  -- kinds with no records, by body and kind: "B: no records of kind K in 2019, 2021–2024"
  local missing, order = {}, {}
  for _, r in ipairs(result.reports) do
    for _, k in ipairs(r.missing) do
      local key = r.body .. "\0" .. k
      if not missing[key] then missing[key] = {}; order[#order + 1] = key end
      table.insert(missing[key], r.year)
    end
  end
  for _, key in ipairs(order) do
    local body, kind = key:match("^(.-)%z(.*)$")
    local spans, years = {}, missing[key]
    local i = 1
    while i <= #years do
      local j = i
      while j < #years and years[j + 1] == years[j] + 1 do j = j + 1 end
      spans[#spans + 1] = j > i and (years[i] .. "–" .. years[j]) or tostring(years[i])
      i = j + 1
    end
    print(string.format("%s: no records of kind %s in %s (its cells are blank)", body, kind, table.concat(spans, ", ")))
  end
  for _, p in ipairs(result.removed) do
    print(string.format("removed %s (of an earlier run: no longer current)", p))
  end
  -- --body: the roll-ups above a body whose reports changed were not made again
  local changed = false
  for _, r in ipairs(result.reports) do changed = changed or r.first_run or r.changed end
  if c.opt.body and changed then roll_ups_not_made(c) end
  for _, l in ipairs(result.left) do
    print(string.format("kept %s: the report of %d, of an earlier run (no data of %d makes one now)", l.dir, l.year, l.year))
  end
  -- a folder of an earlier run whose body is no longer in the store (deleted, renamed):
  -- left, and said (found by a tester: its reports lay beside the current ones unsaid)
  if not c.opt.body then
    local ours = {}
    for _, b in ipairs(c.store:bodies()) do ours[regen.safe_name(b.name)] = true end
    for _, f in ipairs(c.host.folders(out) or {}) do
      local text = not ours[f] and c.host.read_file(out .. "/" .. f .. "/manifest.json")
      local m = text and nianbao.decode_json(text)
      if type(m) == "table" and type(m.body) == "string" then
        print(string.format("kept %s/%s: the reports of %s, of an earlier run: no longer a body of the store "
          .. "(remove the folder when they are not wanted)", out, f, m.body))
      end
    end
  end
  local t = result.times
  local current = 0
  for _, r in ipairs(result.reports) do if r.current then current = current + 1 end end
  print(string.format("%d report%s in %s; CPU: tabulation %.2f s, layout and checks %.2f s, export %.2f s",
    #result.reports, #result.reports == 1 and "" or "s", out, t.tabulate, t.build, t.export))
  if current > 0 then
    print(string.format("%d of them current (made by this program from the same data, scripts and options, "
      .. "their files intact): left as they were (--force makes them again)", current))
  end
  if result.errors > 0 then
    print(string.format("%d report%s with error-level checks failing", result.errors, result.errors == 1 and "" or "s"))
    return 1
  end
  return 0
end

-- ---- the table ----

commands.list = {
  {
    name = "init", store = "create",
    -- --verify alone reads: a store this user may not write is verified all the same
    store_mode = function(opt) return opt.verify and not opt.repack and "verify" or "create" end,
    summary = "create a store, or bring an older one up to date; verify or remake its packed columns and kept digests",
    options = {
      { "--verify", nil, "compare the packed columns that tabulation reads, and the digests of the records that regen keeps, with the records (exit 1 when they differ)" },
      { "--repack", nil, "write the packed columns again, each body's merged into full parts; remove a damaged part with the records it held, and a record in the rows or the parts alone (import their files again); forget the digests kept" },
    },
    run = function(c)
      if #c.args > 0 then return c.usage_error("unexpected argument " .. c.args[1]) end
      local version, from, path, vacuum_failed = c.store:schema()
      -- a store brought up to date says so first, whatever else init does
      local function upgraded()
        print(string.format("upgraded store %s from schema version %d to %d:", path, from, version))
        for v = from + 1, version do print(string.format("  %d: %s", v, c.host.step_what(v))) end
        if vacuum_failed then
          print(string.format("%s: the space the old tables took stays in the file, as free pages that new records reuse (VACUUM failed: %s)",
            path, vacuum_failed))
        end
      end
      if (c.opt.repack or c.opt.verify) and from > 0 and from < version then upgraded() end
      if c.opt.repack then
        local lost, err = c.store:repack()
        if not lost then c.host.fail(err) end
        print(string.format("%s: packed columns written again, kept digests forgotten", path))
        if lost > 0 then
          print(string.format("%s: %d record%s of damaged packed columns removed: import their bodies' files again",
            path, lost, lost == 1 and "" or "s"))
        end
      end
      if c.opt.verify then
        local status = 0
        for _, check in ipairs({ { c.store.verify_packs, "the packed columns",
                                   "removes what is wrong with the records it touches (import their files again)" },
                                 { c.store.verify_digests, "the kept digests", "forgets them" } }) do
          if status == 1 then
            -- the digests are made from the records as the packed columns give them
            print(string.format("%s: %s are not compared: the packed columns are not the records'", path, check[2]))
            break
          end
          local bad, why = check[1](c.store)
          if bad > 0 then
            print(string.format("%s: %s (%d kind and body pair%s); 'nianbao init --repack -d %s' %s",
              path, why, bad, bad == 1 and "" or "s", path, check[3]))
            status = 1
          else
            print(string.format("%s: %s of every kind and body match the records", path, check[2]))
          end
        end
        return status
      end
      if c.opt.repack then return 0 end
      if from == 0 then
        print(string.format("created store %s (schema version %d)", path, version))
      elseif from < version then
        upgraded()
      else
        print(string.format("opened store %s (schema version %d)", path, version))
      end
      return 0
    end,
  },
  {
    name = "import", store = "write",
    summary = "import records, a narrative, a body's own rules or layout, or the body tree",
    args = { { "KIND", "a record kind (" .. table.concat(import_kinds(), ", ", 1, #nianbao.kinds)
                .. "), or text, rules, layout, map (a mapping kept with the body), report (a published year's tables, JSON), or bodies (the body tree: name, parent, code, rollup)" },
             { "FILE...", "CSV (UTF-8 or GB18030) or XLSX records (several files: each all or none, as if imported one by one, committed together), a Markdown narrative, a Lua script, a JSON report" } },
    options = {
      { "--body", "NAME", "the body (created when new); records may name theirs in a body column" },
      { "--parent", "NAME", "the body's parent (created when new): a city of its districts, a district of its departments" },
      { "--map", "MAP.lua", "a mapping of local values and headers to national codes (default: the one stored with --body's body by 'import map')" },
      { "--replace", nil, "remove the body's records of the kind from earlier files of the same name that this file does not bring" },
      { "--replace-all", nil, "remove all the body's records of the kind that this file does not bring", alt = true },
      { "--sheet", "NAME", "the XLSX sheet (default: the first)" },
      { "--year", "Y", "the year of a narrative (default: from the file name) or of a report's figures; with records: the file holds all of that year's (a kind with none counts 0, not blank)", check = year },
      { "--dry-run", nil, "check and count, write nothing" },
    },
    run = function(c)
      if #c.args < 2 then return c.usage_error("give KIND and FILE") end
      return run_import(c)
    end,
  },
  {
    name = "bodies", store = "read",
    summary = "list the body tree: each body's code, roll-up flag, and records by kind with their years",
    run = function(c)
      if #c.args > 0 then return c.usage_error("unexpected argument " .. c.args[1]) end
      for _, line in ipairs(bodies.lines(c.store)) do print(line) end
      return 0
    end,
  },
  {
    name = "regen", store = "write", existing_body = true,
    own_scripts = true,
    summary = "regenerate every (body, year) report in one pass, with a manifest, changes and check history",
    options = {
      { "--years", "FIRST-LAST", "the years (default: every year with data that a format covers)", check = year_range },
      { "--body", "NAME", "one body (default: every body; a roll-up counts its subtree)" },
      { "--all", nil, "every body (the default)", alt = true },
      { "--out", "DIR", "the folder to write into, one folder per body (default out)" },
      { "--to", "FORMATS", "the formats to write, comma-separated (default: all: "
          .. table.concat(export_names(), ", ") .. ")", check = export_list },
      checks_opt, fonts_opt,
      { "--jobs", "N", "make the reports in N worker processes, whole bodies each (default: the processors it may use, at most 8; 1: no worker)", check = jobs },
      { "--force", nil, "make every report, even a body's whose manifest shows them current (made by this program from the same data, scripts and options, their files intact: left as they are without it)" },
    },
    run = run_regen,
  },
  {
    name = "delete", store = "write", existing_body = true,
    summary = "remove records by id, a stored script, a year's narrative, figures or declared coverage, or a body (prints what it removed)",
    args = { { "KIND ID... | script NAME | text YEAR | figures YEAR | coverage KIND YEAR", "records of a kind by id (an id that begins with - after --); a stored script; the narrative of a year (import text); the figures imported for a year (import report); the declaration that a kind's records of a year are complete (import --year); or nothing: the body itself", optional = true } },
    options = {
      { "--body", "NAME", "the body", required = true },
      { "--force", nil, "remove a body that still holds records, texts or scripts, with all of them" },
      { "--dry-run", nil, "say what would be removed, remove nothing" },
    },
    run = run_delete,
  },
  {
    name = "remap", store = "write", existing_body = true,
    summary = "code a body's stored records again with its mapping, from the values each row kept (no files needed): after 'import map' corrects it",
    options = {
      { "--body", "NAME", "the body" },
      { "--all", nil, "every body that has a stored mapping (with --map: every body), each all or none by itself", alt = true },
      { "--map", "MAP.lua", "the mapping to apply (default: the one stored with the body by 'import map'; without either, national codes and labels only)" },
      { "--dry-run", nil, "say what would change, change nothing" },
    },
    run = run_remap,
  },
  {
    name = "scripts", store = "read", existing_body = true,
    summary = "list a body's stored layouts, rules and mapping with their SHA-256",
    options = { { "--body", "NAME", "the body", required = true } },
    run = function(c)
      if #c.args > 0 then return c.usage_error("unexpected argument " .. c.args[1]) end
      c.store:body(c.opt.body)
      return run_scripts(c)
    end,
  },
  {
    name = "report", store = "read", existing_body = true,
    own_scripts = true,
    summary = "write the annual report of a body and year",
    options = { body_opt, year_opt, format_opt,
      { "--to", "FORMATS", "the formats to write, comma-separated (default: all: "
          .. table.concat(export_names(), ", ") .. ")", check = export_list },
      { "--out", "DIR", "the folder to write into (default out)" },
      checks_opt, fonts_opt, rules_opt },
    run = function(c)
      if #c.args > 0 then return c.usage_error("unexpected argument " .. c.args[1]) end
      return run_report(c, true)
    end,
  },
  {
    name = "check", store = "read", existing_body = true,
    own_scripts = true,
    summary = "run the consistency checks of a body and year (exit 1 when an error-level check fails)",
    options = { body_opt, year_opt, format_opt, rules_opt },
    run = function(c)
      if #c.args > 0 then return c.usage_error("unexpected argument " .. c.args[1]) end
      return run_report(c, false)
    end,
  },
  {
    name = "explain", store = "read", existing_body = true,
    own_scripts = true,
    summary = "list the records behind one cell of a report, with their source file and line",
    args = { { "TABLE", "the table id (active, requests, appeals, or a body's own)" },
             { "ROW", "the row key (e.g. carried_in, 4.1, license)" },
             { "COL", "the column key (e.g. person, total, items_change)" } },
    options = { body_opt, year_opt, format_opt },
    run = function(c)
      if #c.args ~= 3 then return c.usage_error("give TABLE ROW COL (e.g. requests new person)") end
      return run_explain(c)
    end,
  },
  {
    name = "lint", store = "none",
    summary = "read published reports back (HTML pages, PDF files, Word documents, or text with pipe rows): their tables, label drift and typos, and the national checks",
    args = { { "FILE...", "published reports: HTML pages (UTF-8 or GB18030, as Word or a portal writes them), PDF files (their text, through poppler; not scanned pages, nor encrypted files), DOCX, XLSX, or text copied from the page or a PDF (UTF-8 or GB18030); several years of one body are checked against each other" } },
    options = {
      { "--year", "Y", "the year of the report (default: from the file name or the text)", check = year },
      { "--format", "ID", "the national format (default: decided from the rows, cross-checked with the year)" },
      { "--json", nil, "write the tables in the JSON contract with the findings and checks (importable with 'import report')" },
    },
    run = function(c)
      if #c.args < 1 then return c.usage_error("give FILE") end
      return run_lint(c)
    end,
  },
  {
    name = "run", store = "none", store_path = true,
    summary = "run a Lua script with the nianbao API (its own arguments follow it)",
    args = { { "SCRIPT", "the Lua script" }, { "ARGS...", "its arguments, given to it as ...", optional = true } },
    rest = true,
    run = function(c)
      if #c.args < 1 then return c.usage_error("give a SCRIPT") end
      local status = c.host.run(table.unpack(c.args))
      return math.type(status) == "integer" and status or 0
    end,
  },
  {
    name = "help",
    summary = "show the commands, or one command's options",
    args = { { "COMMAND", "the command", optional = true } },
    options = { { "--man", nil, "the manual page nianbao(1), in troff" } },
    run = function(c)
      if #c.args > 1 then return c.usage_error("unexpected argument " .. c.args[2]) end
      return c.help(c.args[1], c.opt.man)
    end,
  },
}

commands.by_name = {}
for _, cmd in ipairs(commands.list) do commands.by_name[cmd.name] = cmd end

return commands
