-- regen.lua: every (body, year) report at once (nianbao regen).
--
--   local regen = require "regen"
--   local plan = regen.plan(store, { bodies = {…} | nil, years = {first, last} | nil })
--   local result = regen.run(store, plan, { out =, to =, checks =, sources =, on_report = function(r) end })
--
-- The plan lists each body's years that have data (records, texts or imported figures,
-- of the body or, for a roll-up, of its subtree) and a format, and the years skipped
-- (no format covers them). The run tabulates every kind once, for every body and every
-- year of the plan (cubes with body and year dimensions over one year range), and each
-- report slices its cubes out of those: no query per report. Each report is written to
-- OUT/<body>/, with a manifest (what it was made from) and, when cells changed since
-- the previous run, a list of the changes; its checks and cells are recorded in the
-- store, so the next run says what changed and which checks newly fail or pass.

local report = require "report"
local formats = require "formats"
local format = require "format"
local checks = require "checks"
local checkfile = require "checkfile"
local bodies = require "bodies"

local regen = {}

--- The file name of body S's folder and reports (report.safe_name, which owns it: a single
--- report names its files without loading regen).
regen.safe_name = report.safe_name

-- ---- the plan ----

--- The reports to make: { reports = { {body, year, format}, … } in tree order and year
--- order, skipped = { {body, year, reason}, … }, first =, last = (years), years_held =
--- { body = store:years(body) } (of the bodies looked at), held_first =, held_last = (the
--- years with data of the bodies looked at, whatever OPTS.years) }. OPTS: bodies (names;
--- default every body), years ({first, last}; default every year with data: records,
--- figures, or a year an import declared complete).
function regen.plan(store, opts)
  opts = opts or {}
  local tree, by_name = bodies.tree(store)
  local wanted
  if opts.bodies then
    wanted = {}
    for _, b in ipairs(opts.bodies) do store:body(b); wanted[b] = true end
  end
  local plan = { reports = {}, skipped = {}, years_held = {}, years = opts.years }
  local years_of = {}
  local function own_years(name)
    if not years_of[name] then
      local set = {}
      plan.years_held[name] = store:years(name)
      for _, y in ipairs(plan.years_held[name]) do set[y] = true end
      for _, f in ipairs(store:figures(name)) do set[f.year] = true end
      -- a year an import declared complete (import --year) is data too: its kinds count 0
      for _, years in pairs(store:coverage(name)) do
        for y in pairs(years) do set[y] = true end
      end
      for y in pairs(set) do
        plan.held_first = math.min(plan.held_first or y, y)
        plan.held_last = math.max(plan.held_last or y, y)
      end
      years_of[name] = set
    end
    return years_of[name]
  end
  for _, node in ipairs(tree) do
    if not wanted or wanted[node.name] then
      local set = {}
      for _, b in ipairs(node.rollup and bodies.subtree(store, node.name) or { node.name }) do
        for y in pairs(own_years(b)) do set[y] = true end
      end
      local list = {}
      for y in pairs(set) do
        if not opts.years or (y >= opts.years[1] and y <= opts.years[2]) then list[#list + 1] = y end
      end
      table.sort(list)
      local reg = formats.for_body(store, node.name)
      for _, y in ipairs(list) do
        local f = reg:choose(y)
        if f then
          plan.reports[#plan.reports + 1] = { body = node.name, year = y, format = f, rollup = node.rollup }
          plan.first = math.min(plan.first or y, y)
          plan.last = math.max(plan.last or y, y)
        else
          plan.skipped[#plan.skipped + 1] = { body = node.name, year = y,
            reason = string.format("no format for %d (%s)", y, reg:coverage()) }
        end
      end
    end
  end
  return plan
end

-- ---- one pass of tabulation ----

-- The formats of PLAN's reports, each once.
local function formats_of(plan)
  local fmts, seen = {}, {}
  for _, r in ipairs(plan.reports) do
    if not seen[r.format] then seen[r.format] = true; fmts[#fmts + 1] = r.format end
  end
  return fmts
end

-- The cubes of every format of PLAN, each computed once for every body and every year
-- from two years before the first (a stock of the year before; the year before's own
-- report, for Y1-Y3) to the last (report.batch). Returns the function report.tabulate
-- takes: cubes(fmt, set of bodies, year).
local function tabulate_all(store, plan)
  return report.batch(store, formats_of(plan), plan.first - 2, plan.last, { ids = false })
end

-- The cubes of a worker's reports (as report.batch gives them): each body's tabulated by
-- the worker that makes its reports, over the plan's years, when its first report asks
-- (the workers share the scan of the store: tabulating every body first, in the parent,
-- was a seventh of a run at 1e7 records done on one processor); a roll-up's from one
-- tabulation of every body, made when one first asks. The CPU seconds go to TIMES.tabulate.
local function worker_cubes(store, plan, times)
  local fmts = formats_of(plan)
  local body, of_body, all
  return function(fmt, set, year)
    local t = os.clock()
    local fn
    if #set == 1 then
      if body ~= set[1] then
        body, of_body = set[1], report.batch(store, fmts, plan.first - 2, plan.last, { body = set[1], ids = false })
      end
      fn = of_body
    else
      all = all or tabulate_all(store, plan)
      fn = all
    end
    local cubes = fn(fmt, set, year)
    times.tabulate = times.tabulate + (os.clock() - t)
    return cubes
  end
end

-- ---- one report ----


-- The rule files that ran for BODY: rule id -> { file =, hash = }.
local function rule_sources(store, body, sources)
  local by_id = {}
  for _, f in ipairs(checks.national_files()) do
    local path = "scripts/" .. f.name:gsub("%.", "/") .. ".lua"
    for _, r in ipairs(f.rules) do by_id[r.id] = { file = path, hash = sources[path] or "" } end
  end
  for _, s in ipairs(store:scripts(body, "rules")) do
    local ok, file = pcall(checks.load_file, s)
    if ok then
      for _, r in ipairs(file.rules) do by_id[r.id] = { file = body .. ":" .. s.name, hash = s.hash } end
    end
  end
  return by_id
end

-- The checks of a report by rule: { rule, severity, status, pass, fail, na, file, hash }.
local function checks_by_rule(results, sources)
  local out = {}
  for _, g in ipairs(checks.summary(results)) do
    local src = sources[g.id] or { file = "", hash = "" }
    out[#out + 1] = { rule = g.id, severity = g.severity,
      status = g.FAIL > 0 and "FAIL" or (g.PASS > 0 and "PASS" or "NOT_ASSESSABLE"),
      pass = g.PASS, fail = g.FAIL, na = g.NOT_ASSESSABLE, file = src.file, hash = src.hash }
  end
  return out
end

-- "表格,行,列,原值,新值" lines of the cells that changed from BEFORE to NOW.
local function csv_field(s)
  s = tostring(s)
  if s:find('[,"\n]') then return '"' .. s:gsub('"', '""') .. '"' end
  return s
end

local function diff(before, now, order, titles, labels)
  local lines = {}
  for _, k in ipairs(order) do
    local old, new = before[k], now[k]
    if old == nil then old = false end
    if old ~= new then
      local t, r, c = k:match("^(.-)\t(.-)\t(.*)$")
      local l = labels[t] and labels[t][r .. "\t" .. c] or {}
      lines[#lines + 1] = { table = t, title = titles[t] or t, row = r, col = c,
                            row_label = l.row ~= "" and l.row or r, col_label = l.col ~= "" and l.col or c,
                            old = old == false and "" or old, new = new == false and "" or new }
    end
  end
  return lines
end

-- ---- the manifest (JSON, keys sorted, no time: the same inputs give the same bytes) ----

local function json(v, indent)
  indent = indent or ""
  local t = type(v)
  if t == "table" then
    local inner = indent .. "  "
    if #v > 0 or next(v) == nil then
      if next(v) == nil then return "[]" end
      local parts = {}
      for _, x in ipairs(v) do parts[#parts + 1] = inner .. json(x, inner) end
      return "[\n" .. table.concat(parts, ",\n") .. "\n" .. indent .. "]"
    end
    local keys = {}
    for k in pairs(v) do keys[#keys + 1] = k end
    table.sort(keys)
    local parts = {}
    for _, k in ipairs(keys) do parts[#parts + 1] = inner .. json(k) .. ": " .. json(v[k], inner) end
    return "{\n" .. table.concat(parts, ",\n") .. "\n" .. indent .. "}"
  elseif t == "string" then
    return '"' .. v:gsub('[%c"\\]', function(ch)
      local map = { ['"'] = '\\"', ['\\'] = '\\\\', ['\n'] = '\\n', ['\t'] = '\\t', ['\r'] = '\\r' }
      return map[ch] or string.format("\\u%04x", ch:byte())
    end) .. '"'
  elseif t == "boolean" or t == "number" then
    return tostring(v)
  end
  return "null"
end
regen.json = json

-- ---- the run ----

-- V, or the command ends with ERR (a folder or file that cannot be written).
local function must(v, err)
  if not v then nianbao.fail(err) end
  return v
end

-- A value (tables of strings, numbers and booleans) as Lua text, and back: how a worker
-- sends its reports to the parent.
local function encode(v)
  local t = type(v)
  if t == "table" then
    local parts = {}
    for k, x in pairs(v) do parts[#parts + 1] = "[" .. encode(k) .. "]=" .. encode(x) end
    return "{" .. table.concat(parts, ",") .. "}"
  elseif t == "string" or t == "number" then
    return string.format("%q", v)
  elseif t == "boolean" or t == "nil" then
    return tostring(v)
  end
  error("regen: cannot send a " .. t)
end

local function decode(s)
  return assert(load("return " .. s, "=worker", "t", {}))()
end

-- The bodies whose records the reports INDEXES of PLAN count: each report's body, and
-- for a roll-up every body below it.
local function bodies_counted(store, plan, indexes)
  local seen, list = {}, {}
  for _, i in ipairs(indexes) do
    local body = plan.reports[i].body
    if not seen[body] then
      for _, b in ipairs((report.scope(store, body))) do
        if not seen[b] then seen[b] = true; list[#list + 1] = b end
      end
      seen[body] = true
    end
  end
  return list
end

-- The maker of reports: make(r) builds and writes the report R of the plan (its run is
-- recorded with the body's other reports, when the next body begins or at finish) and
-- returns its entry; finish() writes the manifest of every body it made reports for.
-- BODIES: the bodies the reports count (the digests of those alone are computed: a
-- worker reads its own share of the store). YEARS_HELD: the plan's store:years of each
-- body, added to as other bodies are asked for.
local function maker(store, cubes, opts, times, bodies, years_held, covers, reports)
  local out = opts.out or "out"
  local digests = store:digests(bodies)
  local of_body = {} -- body -> its reports of REPORTS, in year order
  for _, r in ipairs(reports) do
    of_body[r.body] = of_body[r.body] or {}
    table.insert(of_body[r.body], r)
  end
  -- what decides the files a report is written as: "--to NAMES" (sorted), "--checks"
  local to = {}
  for _, f in ipairs(opts.to or {}) do to[#to + 1] = f end
  if not opts.to then for _, f in ipairs(nianbao.formats()) do to[#to + 1] = f.name end end
  table.sort(to)
  local options = "--to " .. table.concat(to, ",") .. (opts.checks and " --checks" or "")
  local built = {} -- body -> year -> ctx (for Y1-Y3 of the next year)
  local made = {} -- folders made (or found) in this run
  local folders = {} -- body -> manifest being made
  local sources_of = {} -- body -> the rule files that ran (rule_sources), once a body
  years_held = years_held or {} -- body -> store:years (the checks of a first year ask)
  -- the runs of the body being made, recorded together when it is done (record)
  local pending = {}
  local function record()
    store:snapshot(false)
    if #pending > 0 then store:put_runs(pending); pending = {} end
  end
  local function years_of(body)
    years_held[body] = years_held[body] or store:years(body)
    return years_held[body]
  end
  -- The head of BODY's manifest: the program, the scripts and their digest, the digest of
  -- the data its reports count (its own, or its subtree's for a roll-up).
  local function head(body)
    local set, rollup = report.scope(store, body)
    local scripts, lines = {}, {}
    for path, h in pairs(opts.sources or {}) do scripts[path] = h end
    for _, s in ipairs(store:scripts(body)) do scripts[body .. ":" .. s.role .. "/" .. s.name] = s.hash end
    for path, h in pairs(scripts) do lines[#lines + 1] = path .. " " .. h end
    table.sort(lines)
    -- each body counted, with its place in the tree (its parent and 汇总: RU1 compares a
    -- roll-up with its children's reports, roll-ups or not) and its data
    local digest = {}
    for _, b in ipairs(set) do
      local row = store:body(b)
      digest[#digest + 1] = b .. " " .. tostring(row.parent) .. " " .. tostring(row.rollup) .. " " .. (digests[b] or "")
    end
    return { nianbao = opts.version, body = body, rollup = rollup or false, scripts = scripts, reports = {},
             data_digest = nianbao.sha256(table.concat(digest, "\n")),
             scripts_digest = nianbao.sha256(table.concat(lines, "\n")) }
  end
  -- The digest of a report's checks by rule, as the store records them (the manifest's
  -- `checks`: the run of the store that wrote a report's files is the one that checked it).
  local function checks_digest(list)
    local lines = {}
    for _, c in ipairs(list) do
      lines[#lines + 1] = table.concat({ c.rule, c.severity, c.status, c.pass, c.fail, c.na, c.file, c.hash }, "\t")
    end
    table.sort(lines)
    return nianbao.sha256(table.concat(lines, "\n"))
  end
  -- The file names a report NAME written with this run's options has: MADE (a list) holds,
  -- for each format of --to, NAME.suffix (NAME-TABLE.suffix for a table's own files), with
  -- --checks the check files of each format but JSON, and nothing else.
  local exporters = {}
  for _, f in ipairs(nianbao.formats()) do exporters[f.name] = f end
  local csuffix = checkfile.suffix
  local function fits(made, name)
    local function starts(s, p) return s:sub(1, #p) == p end
    local function ends(s, x) return #s >= #x and s:sub(-#x) == x end
    local found, found_checks = {}, {}
    for _, file in ipairs(made) do
      local ok = false
      for _, f in ipairs(to) do
        local x = exporters[f]
        if not x then return false end
        local checkfile_of = starts(file, name .. csuffix) and ends(file, x.suffix)
        if file == name .. x.suffix or (x.per_table and not checkfile_of and starts(file, name .. "-") and ends(file, x.suffix)) then
          ok, found[f] = true, true
        elseif opts.checks and checkfile_of and f ~= "json" then
          ok, found_checks[f] = true, true
        end
      end
      if not ok then return false end
    end
    for _, f in ipairs(to) do
      if not found[f] or (opts.checks and f ~= "json" and not found_checks[f]) then return false end
    end
    return true
  end
  local function ours(dir, name, hash) -- a file of a manifest, still its bytes
    return type(name) == "string" and not name:find("/") and opts.sha256_file(dir .. "/" .. name) == hash
  end
  local function same_fields(a, b) -- tables of the same keys and plain values
    if type(a) ~= "table" or type(b) ~= "table" then return a == b end
    for k, v in pairs(a) do if b[k] ~= v then return false end end
    for k in pairs(b) do if a[k] == nil then return false end end
    return true
  end
  -- BODY's reports left as they are, when its folder's manifest shows every one of them
  -- current: made by this program, of the same data, scripts and format, written with the
  -- same options, every file of the manifest still its bytes, and the store's last run
  -- of each the run that wrote those files (its checks give the errors and warnings).
  -- Returns year -> entry (as make gives it, current = true) and the manifest's other
  -- years to name as kept (reconcile's LEFT); nil when any report must be made.
  local kept_left = {}
  local heads = {} -- body -> head(body) made by current, for make when not current
  local function current(body)
    if opts.force or opts.fonts or not opts.read_file or not (opts.version or {}).program then return nil end
    local dir = out .. "/" .. regen.safe_name(body)
    local text = opts.read_file(dir .. "/manifest.json")
    local prev = text and nianbao.decode_json(text)
    if type(prev) ~= "table" or prev.body ~= body or type(prev.reports) ~= "table"
       or not same_fields(prev.nianbao, opts.version) then return nil end
    local h = head(body)
    heads[body] = h -- made again by make when a report is not current: its reports still empty
    if prev.rollup ~= h.rollup or not same_fields(prev.scripts, h.scripts) then return nil end
    local by_year = {}
    for _, e in ipairs(prev.reports) do
      if type(e) ~= "table" or math.type(e.year) ~= "integer" or type(e.files) ~= "table" or by_year[e.year] then
        return nil
      end
      for name, hash in pairs(e.files) do if not ours(dir, name, hash) then return nil end end
      by_year[e.year] = e
    end
    local entries, left = {}, {}
    for _, r in ipairs(of_body[body]) do
      local e = by_year[r.year]
      if not e or e.format ~= r.format.id or e.data ~= h.data_digest or e.scripts ~= h.scripts_digest
         or e.options ~= options or type(e.made) ~= "table" or type(e.missing) ~= "table" then return nil end
      local lines, paths = {}, {}
      for i, name in ipairs(e.made) do
        if type(name) ~= "string" or not e.files[name] then return nil end
        lines[i] = name .. " " .. e.files[name]
        paths[i] = dir .. "/" .. name
      end
      if #lines ~= #e.made or not fits(e.made, regen.safe_name(body) .. "-" .. r.year) then return nil end
      table.sort(lines)
      local last = store:last_run(body, r.year)
      if not last or last.format ~= r.format.id or last.data ~= nianbao.sha256(table.concat(lines, "\n")) then
        return nil
      end
      local errors, warnings, list = 0, 0, {}
      for rule, c in pairs(last.checks) do
        if c.severity == "error" then errors = errors + c.fail end
        if c.severity == "warning" then warnings = warnings + c.fail end
        list[#list + 1] = { rule = rule, severity = c.severity, status = c.status, pass = c.pass, fail = c.fail,
                            na = c.na, file = c.file, hash = c.hash }
      end
      if e.checks ~= checks_digest(list) then return nil end
      local missing, seen = {}, {}
      for _, k in ipairs(e.missing) do
        if type(k) ~= "string" or not nianbao.kinds[k] or seen[k] then return nil end
        seen[k] = true
        missing[#missing + 1] = k
      end
      table.sort(missing)
      local imported -- the figures of that year, as the store has them
      for _, f in ipairs(store:figures(body)) do
        if f.year == r.year then imported = { source = f.source } end
      end
      entries[r.year] = { body = body, year = r.year, format = r.format.id, errors = errors, warnings = warnings,
                          changed = false, first_run = false, current = true, changes = {},
                          newly_failing = {}, newly_passing = {}, missing = missing,
                          imported = imported, files = paths }
      by_year[r.year] = nil
    end
    for y in pairs(by_year) do
      if not covers or (y >= covers[1] and y <= covers[2]) then left[#left + 1] = { dir = dir, year = y } end
    end
    return entries, left
  end
  local kept -- year -> entry of the body being made, when it is current
  local function make(r)
    local t1, tab0 = os.clock(), times.tabulate
    -- a body's reports come together, in year order: the last body's are let go of
    -- (kept, the ctx of every body made a run's memory grow by about 0.3 MB a report)
    -- each body's reports read one snapshot of the store (an import committed meanwhile
    -- is in all of them or none), in one read transaction
    if not built[r.body] then
      record(); built = { [r.body] = {} }; store:snapshot()
      local left
      kept, left = current(r.body)
      if left then table.move(left, 1, #left, #kept_left + 1, kept_left) end
    end
    if kept then return kept[r.year] end
    local neighbours = {}
    if built[r.body][r.year - 1] then neighbours[r.year - 1] = built[r.body][r.year - 1] end
    local doc, ctx = report.build(store, { body = r.body, year = r.year, format = r.format,
                                           cubes = cubes, neighbours = neighbours, years = years_of,
                                           created = opts.created, fonts = opts.fonts })
    built[r.body][r.year] = ctx
    built[r.body][r.year - 2] = nil
    local t2 = os.clock()
    times.build = times.build + (t2 - t1) - (times.tabulate - tab0)

    local dir = out .. "/" .. regen.safe_name(r.body)
    local name = regen.safe_name(r.body) .. "-" .. r.year
    if not made[dir] then must(opts.mkdir(dir)); made[dir] = true end -- once a folder
    local written, err = nianbao.export(ctx.document, { dir = dir, name = name, formats = opts.to, sha256 = true })
    if not written or err then nianbao.fail(err) end
    if opts.checks then
      local more, err2 = checkfile.export(doc, ctx, dir, name, opts.to)
      if not more or err2 then nianbao.fail(err2) end
      table.move(more, 1, #more, #written + 1, written)
    end
    local files, hashes, sums = {}, {}, written.sha256 or {}
    for _, p in ipairs(written) do
      local base = p:match("([^/]+)$")
      files[base] = sums[p] or must(opts.sha256_file(p)) -- the export's own bytes: not read back
      hashes[#hashes + 1] = base .. " " .. files[base]
    end
    table.sort(hashes)
    local output = nianbao.sha256(table.concat(hashes, "\n"))

    local last = store:last_run(r.body, r.year)
    local titles, labels = {}, {}
    -- the same files as the last run's (their digest): no cell changed, nothing to compare
    local before = last and last.data ~= output and store:run_values(r.body, r.year)
    local changes, now, order = {}, nil, nil
    if before then
      for _, t in ipairs(ctx.tables) do titles[t.id] = t.title end
      now, order = ctx.document:run_cells() -- the cells store:put_run keeps
      changes = diff(before, now, order, titles, labels)
    end
    if #changes > 0 then
      for _, t in ipairs(ctx.tables) do labels[t.id] = format.cell_labels(t) end
      changes = diff(before, now, order, titles, labels)
      local lines = { "表格,行,列,原值,新值,键" }
      for _, ch in ipairs(changes) do
        lines[#lines + 1] = table.concat({ csv_field(ch.title), csv_field(ch.row_label), csv_field(ch.col_label),
                                           csv_field(ch.old), csv_field(ch.new),
                                           csv_field(ch.table .. "." .. ch.row .. "." .. ch.col) }, ",")
      end
      must(opts.write_file(dir .. "/" .. name .. ".changes.csv", table.concat(lines, "\n") .. "\n"))
      files[name .. ".changes.csv"] = nil -- a record of this run's changes, not an output
    elseif opts.remove_file and opts.read_file and opts.read_file(dir .. "/" .. name .. ".changes.csv") then
      -- an earlier run's, which no longer describes the files: removed
      must(opts.remove_file(dir .. "/" .. name .. ".changes.csv"))
    end

    sources_of[r.body] = sources_of[r.body] or rule_sources(store, r.body, opts.sources or {})
    local by_rule = checks_by_rule(doc.checks, sources_of[r.body])
    local newly_failing, newly_passing = {}, {}
    if last then
      for _, c in ipairs(by_rule) do
        local was = last.checks[c.rule]
        if c.status == "FAIL" and (not was or was.status ~= "FAIL") then newly_failing[#newly_failing + 1] = c.rule end
        if c.status == "PASS" and was and was.status == "FAIL" then newly_passing[#newly_passing + 1] = c.rule end
      end
    end
    -- its cells read from the document in C; recorded with the body's other reports
    -- (a report reads the history of its own year alone)
    pending[#pending + 1] = { r.body, r.year, r.format.id, output, by_rule, ctx.document }

    local errors, warnings = 0, 0
    for _, c in ipairs(by_rule) do
      if c.severity == "error" then errors = errors + c.fail end
      if c.severity == "warning" then warnings = warnings + c.fail end
    end
    local missing = {}
    for k in pairs(ctx.missing or {}) do missing[#missing + 1] = k end
    table.sort(missing)
    local imported = ctx.imported and { source = ctx.imported.source } or nil
    local entry = { body = r.body, year = r.year, format = r.format.id, errors = errors, warnings = warnings,
                    changed = not last or last.data ~= output, first_run = last == nil,
                    changes = changes, newly_failing = newly_failing, newly_passing = newly_passing,
                    missing = missing, imported = imported, files = written }

    local m = folders[r.body]
    if not m then m = heads[r.body] or head(r.body); folders[r.body] = m end
    local made_names = {}
    for i, p in ipairs(written) do made_names[i] = p:match("([^/]+)$") end
    m.reports[#m.reports + 1] = { year = r.year, format = r.format.id, files = files,
                                  imported = imported and imported.source or nil,
                                  data = m.data_digest, scripts = m.scripts_digest,
                                  options = options, made = made_names, missing = missing,
                                  checks = checks_digest(by_rule) }
    times.export = times.export + (os.clock() - t2)
    return entry
  end
  -- The folder's previous manifest, reconciled with this run's reports M.reports: returns
  -- the reports of it to keep, those not made again whose files are still there,
  -- unchanged (a run limited by --years keeps the rest; a year no data makes any more is
  -- kept too, and named in LEFT: it may be the only copy of a published report). Of a
  -- report made again, the files of the manifest this run did not write (another format)
  -- are listed again when the report is made of the same data, scripts, format and program
  -- (they are current), and otherwise removed when still the bytes the manifest lists (a
  -- run --to json after a change of data left the .md of an earlier --to json,md with the
  -- old numbers), each path added to REMOVED. A file changed since, or one this run wrote
  -- (whatever a damaged manifest says), is never removed.
  local function reconcile(dir, m, removed, left)
    local text = opts.read_file and opts.read_file(dir .. "/manifest.json")
    local prev = text and nianbao.decode_json(text)
    if type(prev) ~= "table" or prev.body ~= m.body or type(prev.reports) ~= "table" then return {} end
    local made, out_, written = {}, {}, { ["manifest.json"] = true }
    for _, r in ipairs(m.reports) do
      made[r.year] = r
      for name in pairs(r.files) do written[name] = true end
    end
    for _, r in ipairs(prev.reports) do
      local valid = type(r) == "table" and math.type(r.year) == "integer" and type(r.files) == "table"
      local now = valid and made[r.year]
      if now then
        local current = r.format == now.format and r.data == now.data and r.scripts == now.scripts and
                        same_fields(prev.nianbao, m.nianbao)
        for name, hash in pairs(r.files) do
          if not written[name] and ours(dir, name, hash) then
            if current then
              now.files[name] = hash
            elseif opts.remove_file then
              must(opts.remove_file(dir .. "/" .. name))
              removed[#removed + 1] = dir .. "/" .. name
            end
          end
        end
      elseif valid then
        local whole = true
        for name, hash in pairs(r.files) do whole = whole and not written[name] and ours(dir, name, hash) end
        if whole then
          out_[#out_ + 1] = r
          if not covers or (r.year >= covers[1] and r.year <= covers[2]) then
            left[#left + 1] = { dir = dir, year = r.year }
          end
        end
      end
    end
    return out_
  end
  local function finish()
    record()
    -- the reports on disk before the manifests that list them, and the manifests after
    if opts.sync_files then must(opts.sync_files(out)) end
    local removed, left = {}, {}
    for body, m in pairs(folders) do
      local dir = out .. "/" .. regen.safe_name(body)
      for _, r in ipairs(reconcile(dir, m, removed, left)) do m.reports[#m.reports + 1] = r end
      table.sort(m.reports, function(a, b) return a.year < b.year end)
      m.data_digest, m.scripts_digest = nil, nil
      must(opts.write_file(dir .. "/manifest.json", json(m) .. "\n"))
    end
    if opts.sync_files then must(opts.sync_files(out)) end
    table.move(kept_left, 1, #kept_left, #left + 1, left)
    table.sort(removed)
    table.sort(left, function(a, b) return a.dir < b.dir or (a.dir == b.dir and a.year < b.year) end)
    return removed, left
  end
  -- a report that fails names its body and year (a body's rule that raised stopped a
  -- city's regeneration with "boom.lua:3: boom", not saying whose)
  local function make_named(r)
    local ok, entry = pcall(make, r)
    if ok then return entry end
    local message = type(entry) == "table" and entry.message or tostring(entry)
    nianbao.fail(string.format("%s %d: %s", r.body, r.year, message),
      type(entry) == "table" and entry.status or 2)
  end
  return make_named, finish
end

-- The reports of PLAN in JOBS groups of whole bodies (a body's years stay together, for
-- Y1-Y3), the bodies with most reports first, each to the group with least so far:
-- a list of lists of indexes into plan.reports.
local function groups_of(plan, jobs)
  local of_body, bodies_list = {}, {}
  for i, r in ipairs(plan.reports) do
    if not of_body[r.body] then of_body[r.body] = {}; bodies_list[#bodies_list + 1] = r.body end
    table.insert(of_body[r.body], i)
  end
  table.sort(bodies_list, function(a, b)
    if #of_body[a] ~= #of_body[b] then return #of_body[a] > #of_body[b] end
    return of_body[a][1] < of_body[b][1]
  end)
  local groups = {}
  for g = 1, math.min(jobs, #bodies_list) do groups[g] = {} end
  for _, b in ipairs(bodies_list) do
    local least = 1
    for g = 2, #groups do if #groups[g] < #groups[least] then least = g end end
    for _, i in ipairs(of_body[b]) do table.insert(groups[least], i) end
  end
  for _, g in ipairs(groups) do table.sort(g) end
  return groups
end

-- The reports of PLAN made by worker processes (opts.jobs, opts.workers = {fork,
-- receive, stop, exit}): each takes whole bodies, makes their reports and sends each
-- entry back; the parent calls on_report as they come and keeps plan order.
local function run_workers(store, plan, opts, result)
  local w = opts.workers
  local groups = groups_of(plan, opts.jobs)
  local list = {}
  for g, indexes in ipairs(groups) do
    local pid, worker = w.fork(store)
    if pid == 0 then
      local ok, err = pcall(function()
        local times = { tabulate = 0, build = 0, export = 0 }
        local mine = {}
        for k, i in ipairs(indexes) do mine[k] = plan.reports[i] end
        local make, finish = maker(store, worker_cubes(store, plan, times), opts, times,
                                   bodies_counted(store, plan, indexes), plan.years_held, plan.years, mine)
        for _, i in ipairs(indexes) do worker:send(encode({ index = i, entry = make(plan.reports[i]) })) end
        local removed, left = finish()
        worker:send(encode({ done = true, times = times, removed = removed, left = left }))
      end)
      if not ok then
        worker:send(encode({ error = type(err) == "table" and err.message or tostring(err),
                             status = type(err) == "table" and err.status or 2 }))
      end
      w.exit(ok and 0 or 2)
    end
    list[g] = worker
  end
  local failure
  while not failure do
    local g, message, status = w.receive(list)
    if g and message then
      local m = decode(message)
      if m.entry then
        result.reports[m.index] = m.entry
        if m.entry.errors > 0 then result.errors = result.errors + 1 end
        if opts.on_report then opts.on_report(m.entry) end
      elseif m.done then
        table.move(m.removed or {}, 1, #(m.removed or {}), #result.removed + 1, result.removed)
        table.move(m.left or {}, 1, #(m.left or {}), #result.left + 1, result.left)
        result.times.tabulate = result.times.tabulate + m.times.tabulate
        result.times.build = result.times.build + m.times.build
        result.times.export = result.times.export + m.times.export
      elseif m.error then
        failure = m
      end
    elseif g then
      if status ~= 0 then failure = { error = string.format("a worker ended with status %d", status), status = 2 } end
    else
      local running = false
      for _, x in ipairs(list) do running = running or not x:status() end
      if not running then break end
    end
  end
  if failure then w.stop(list) end
  if not failure then
    for i = 1, #plan.reports do
      if not result.reports[i] then
        failure = { error = "a worker ended before making its reports", status = 2 }
        break
      end
    end
  end
  if failure then nianbao.fail(failure.error, failure.status) end
  table.sort(result.removed)
  table.sort(result.left, function(a, b) return a.dir < b.dir or (a.dir == b.dir and a.year < b.year) end)
end

--- Makes every report of PLAN. OPTS: out (folder), to (exporter names; nil: all),
--- sources (path -> SHA-256 of the program's scripts), version (host.version(), with
--- program = host.program_digest(): without it every report is made), write_file(path, text),
--- read_file(path), sha256_file(path), mkdir(dir), sync_files(dir) (when given: the files are
--- written without a sync each, and it syncs them before the manifests, and the manifests
--- after), on_report(r) (called after each report), created, fonts, force (make every
--- report: without it, a body whose reports its folder's manifest shows current is left as
--- it is, see current; with fonts, every report is made),
--- jobs (worker processes; 1: none) with workers = {fork, receive, stop, exit} (the
--- host's). Returns { reports = { {body, year, format, errors, warnings, changed,
--- first_run, current (left as it was: not made), changes = {…}, newly_failing = {…},
--- newly_passing = {…}, missing = {kinds}, imported, files = {…}} } in plan order, times = { tabulate =, build =, export = } (CPU
--- seconds, the workers' added up), errors = N (reports with an error-level check failing),
--- removed = { paths } (files of an earlier run no longer made, removed: see reconcile),
--- left = { {dir, year} } (reports of an earlier run of years no data makes now, kept) }.
--- OPTS.remove_file(path) removes them (without it they stay).
function regen.run(store, plan, opts)
  local result = { reports = {}, times = { tabulate = 0, build = 0, export = 0 }, errors = 0, removed = {}, left = {} }
  if #plan.reports == 0 then return result end
  if (opts.jobs or 1) > 1 and opts.workers then
    run_workers(store, plan, opts, result) -- each worker tabulates its own bodies
    return result
  end
  -- every body's cubes from one tabulation, made when a report first asks (a run whose
  -- reports are all current tabulates nothing)
  local all_cubes
  local function cubes(fmt, set, year)
    if not all_cubes then
      local t = os.clock()
      all_cubes = tabulate_all(store, plan)
      result.times.tabulate = result.times.tabulate + (os.clock() - t)
    end
    return all_cubes(fmt, set, year)
  end
  local all = {}
  for i = 1, #plan.reports do all[i] = i end
  local make, finish = maker(store, cubes, opts, result.times, bodies_counted(store, plan, all), plan.years_held,
                             plan.years, plan.reports)
  for i, r in ipairs(plan.reports) do
    local entry = make(r)
    result.reports[i] = entry
    if entry.errors > 0 then result.errors = result.errors + 1 end
    if opts.on_report then opts.on_report(entry) end
  end
  result.removed, result.left = finish()
  return result
end

return regen
