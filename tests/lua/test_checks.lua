-- test_checks.lua - every check rule (H1-H5, Y1-Y3, T1 and Shenhe's L1) driven with hand-made
-- report contexts: one input that passes, one that fails, and not-assessable where it means something.
-- Run as `nianbao -d TMP.db run tests/lua/test_checks.lua`.
local tap = require "tap"
local is, ok = tap.is, tap.ok
local checks = require "checks"
local layout = require "layout"
local narrative = require "narrative"

local national = {
  tables = require "checks.tables",
  years = require "checks.years",
  text = require "checks.text",
}

-- The rule ID from the national rule files (or from RULES).
local function rule(id, rules)
  for _, list in pairs(rules and { rules } or national) do
    for _, r in ipairs(list) do
      if r.id == id then return r end
    end
  end
  error("no rule " .. id)
end

-- Runs rule ID over CTX; returns its results and a map -> result: by its message, and by
-- the column ("列 person") and the row ("行 license") of its first evidence cell.
local function run(id, ctx, rules)
  local results = checks.run(ctx, { { name = "test", rules = { rule(id, rules) } } })
  local by = {}
  for _, r in ipairs(results) do
    local row, col = (r.evidence[1] or ""):match("^[%w_]+%.([%w_.]-)%.([%w_]+)$")
    if col then by["列 " .. col] = r end
    if row then by["行 " .. row] = r end
    by[r.message or ""] = r
  end
  return results, by
end

-- The statuses of RESULTS, counted: { PASS = n, FAIL = n, NOT_ASSESSABLE = n }.
local function tally(results)
  local t = { PASS = 0, FAIL = 0, NOT_ASSESSABLE = 0 }
  for _, r in ipairs(results) do t[r.status] = t[r.status] + 1 end
  return t
end

-- The applicants and the outcome rows of 表三, from their owners: the catalogue and the
-- national formats.
local applicants = {}
for _, a in ipairs(nianbao.codes.applicant) do applicants[#applicants + 1] = a.code end

local function outcome_rows(format)
  for _, f in ipairs((require("formats").national())) do
    if f.id == format then return f:rows("requests", "outcome") end
  end
  error("no national format " .. format)
end

-- A consistent 表三 (values shape): SET gives { row = { applicant = n } }; every other cell
-- is 0; row totals, the total row and carried_out follow.
local function requests(format, set)
  local v = {}
  local function row(key)
    local r = {}
    for _, a in ipairs(applicants) do r[a] = set[key] and set[key][a] or 0 end
    v[key] = r
    return r
  end
  row("new"); row("carried_in")
  local total = {}
  for _, a in ipairs(applicants) do total[a] = 0 end
  for _, k in ipairs(outcome_rows(format)) do
    local r = row(k)
    for _, a in ipairs(applicants) do total[a] = total[a] + r[a] end
  end
  v.total = total
  v.carried_out = {}
  for _, a in ipairs(applicants) do
    v.carried_out[a] = v.new[a] + v.carried_in[a] - total[a]
  end
  for _, r in pairs(v) do
    local s = 0
    for _, a in ipairs(applicants) do s = s + r[a] end
    r.total = s
  end
  return v
end

local seed = {
  new = { person = 219, business = 1 },
  carried_in = { person = 5 },
  ["1"] = { person = 100, business = 1 },
  ["4.1"] = { person = 50 },
}

local function ctx2019(extra)
  local s = { ["6"] = { person = 4 } }
  for k, v in pairs(seed) do s[k] = v end
  for k, v in pairs(extra or {}) do s[k] = v end
  return { format = "gov2019", year = 2020, values = { requests = requests("gov2019", s) }, tables = {} }
end

local function ctx2021(extra)
  local s = { ["6.1"] = { person = 1 }, ["6.3"] = { person = 3 } }
  for k, v in pairs(seed) do s[k] = v end
  for k, v in pairs(extra or {}) do s[k] = v end
  return { format = "gov2021", year = 2021, values = { requests = requests("gov2021", s) }, tables = {} }
end

-- Sanity of the fixture itself: carried_out person = 219 + 5 - (100 + 50 + 4) = 70.
is(ctx2019().values.requests.carried_out.person, 70, "fixture: carried_out person")
is(ctx2021().values.requests.total.total, 155, "fixture: total of 2021 outcomes")

-- ---- H1: 一 + 二 = （七） + 四, per column ----
do
  local results, by = run("H1", ctx2019())
  is(#results, 7, "H1: one result per column (six applicants and total)")
  is(tally(results), { PASS = 7, FAIL = 0, NOT_ASSESSABLE = 0 }, "H1: a consistent table passes")
  local p = by["列 person"]
  is({ p.left, p.right, p.severity }, { 224, 224, "error" }, "H1: left 一+二, right （七）+四")
  is(p.evidence, { "requests.new.person", "requests.carried_in.person", "requests.total.person",
                   "requests.carried_out.person" }, "H1: evidence names the four cells")
  is(p.title, "表三勾稽关系：本年新收加上年结转等于办理结果总计加结转下年度", "H1: title")

  local ctx = ctx2019()
  ctx.values.requests.carried_out.business = 3
  results, by = run("H1", ctx)
  is(tally(results), { PASS = 6, FAIL = 1, NOT_ASSESSABLE = 0 }, "H1: one column off fails once")
  is({ by["列 business"].status, by["列 business"].left, by["列 business"].right }, { "FAIL", 1, 4 },
     "H1: the failing column with its values")

  ctx = ctx2021()
  ctx.values.requests.new.person = false -- a blank cell
  results, by = run("H1", ctx)
  is(by["列 person"].status, "NOT_ASSESSABLE", "H1: a blank cell is not assessable")
  is({ by["列 person"].left, by["列 person"].right }, { nil, 224 },
     "H1: blank side is nil, the other side is computed")
  is(by["列 total"].status, "PASS", "H1: other columns still assessed")

  ctx = ctx2019()
  ctx.values.requests.carried_in.person = 0 -- zero is a value, not a blank
  results, by = run("H1", ctx)
  is(by["列 person"].status, "FAIL", "H1: 0 is not blank: a zero in place of 5 fails")
end

-- ---- H2: 总计 = sum of the six applicant columns, per row ----
do
  local results = run("H2", ctx2019())
  is(#results, 2 + 19 + 2, "H2 gov2019: new, carried_in, 19 outcome rows, total, carried_out")
  is(tally(results).PASS, 23, "H2 gov2019: a consistent table passes")
  results = run("H2", ctx2021())
  is(#results, 2 + 21 + 2, "H2 gov2021: 6.1, 6.2, 6.3 in place of 6")
  is(tally(results).PASS, 25, "H2 gov2021: a consistent table passes")

  local ctx = ctx2021()
  ctx.values.requests["6.2"].ngo = 2 -- a detail without its total
  local by
  results, by = run("H2", ctx)
  is(tally(results), { PASS = 24, FAIL = 1, NOT_ASSESSABLE = 0 }, "H2: one row off fails once")
  local r = by["行 6.2"]
  is({ r.status, r.left, r.right }, { "FAIL", 0, 2 }, "H2: left is the printed total, right the sum")
  is(r.evidence[1], "requests.6.2.total", "H2: evidence starts with the total cell")
  is(#r.evidence, 7, "H2: evidence has the total and the six applicant cells")

  ctx = ctx2019()
  ctx.values.requests.new.total = false -- blank total with filled details (seen in reports)
  results, by = run("H2", ctx)
  is({ by["行 new"].status, by["行 new"].left, by["行 new"].right }, { "NOT_ASSESSABLE", nil, 220 },
     "H2: a blank total is not assessable")
  ctx = ctx2019()
  ctx.values.requests.new.total = "/"
  results, by = run("H2", ctx)
  is(by["行 new"].status, "NOT_ASSESSABLE", "H2: a '/' total is not assessable")
end

-- ---- H3: （七）总计 = the sum of the outcome rows, per column ----
do
  local results, by = run("H3", ctx2021())
  is(tally(results), { PASS = 7, FAIL = 0, NOT_ASSESSABLE = 0 }, "H3: a consistent table passes")
  is({ by["列 person"].left, by["列 person"].right }, { 154, 154 }, "H3: values of column person")
  is(#by["列 person"].evidence, 1 + 21, "H3 gov2021: evidence has the total and the 21 outcome cells")

  local ctx = ctx2021()
  ctx.values.requests["6"] = { person = 9, total = 9 } -- row 6 is not a gov2021 row
  results = run("H3", ctx)
  is(tally(results).PASS, 7, "H3 gov2021: a stray row 6 is not summed")

  ctx = ctx2019()
  ctx.values.requests["3.1"].person = 1
  results, by = run("H3", ctx)
  is({ by["列 person"].status, by["列 person"].left, by["列 person"].right }, { "FAIL", 154, 155 },
     "H3: an outcome cell outside the total fails")
  is(by["列 business"].status, "PASS", "H3: other columns pass")

  ctx = ctx2019()
  ctx.values.requests["5.5"].legal = false
  results, by = run("H3", ctx)
  is(by["列 legal"].status, "NOT_ASSESSABLE", "H3: a blank outcome cell is not assessable")
end

-- ---- H4: 表四 总计 = 维持 + 纠正 + 其他 + 尚未审结, per group ----
do
  local function appeals()
    return {
      review = { upheld = 4, corrected = 1, other = 0, pending = 2, total = 7 },
      suit = { upheld = 0, corrected = 0, other = 0, pending = 0, total = 0 },
      suit_after_review = { upheld = 1, corrected = 0, other = 1, pending = 0, total = 2 },
    }
  end
  local ctx = { format = "gov2019", values = { appeals = appeals() } }
  local results, by = run("H4", ctx)
  is(tally(results), { PASS = 3, FAIL = 0, NOT_ASSESSABLE = 0 }, "H4: consistent groups pass")
  is({ by["行 review"].left, by["行 review"].right }, { 7, 7 }, "H4: values of group review")
  is(by["行 review"].evidence, { "appeals.review.total", "appeals.review.upheld", "appeals.review.corrected",
                                "appeals.review.other", "appeals.review.pending" }, "H4: evidence")

  ctx.values.appeals.suit_after_review.total = 3
  results, by = run("H4", ctx)
  is({ by["行 suit_after_review"].status, by["行 suit_after_review"].left, by["行 suit_after_review"].right },
     { "FAIL", 3, 2 }, "H4: a wrong total fails")

  ctx.values.appeals = appeals()
  ctx.values.appeals.suit.pending = false
  results, by = run("H4", ctx)
  is(by["行 suit"].status, "NOT_ASSESSABLE", "H4: a blank cell is not assessable")
  ctx.values = {}
  results = run("H4", ctx)
  is(tally(results).NOT_ASSESSABLE, 3, "H4: no 表四 at all is not assessable, not a failure")
end

-- ---- H5: counts are non-negative integers, money non-negative ----
do
  local num, label = layout.num, layout.label
  local function tbl(cells)
    local t = layout.table{ id = "t", title = "t", ncols = #cells + 1 }
    local row = { label("行") }
    for _, c in ipairs(cells) do row[#row + 1] = c end
    t:row(row, "r")
    return t:finish()
  end
  local good = tbl{ num(3, "a"), num(0, "b"), num(-58, "c", { fmt = "signed" }), num(12.34, "d", { fmt = "money" }),
                    num(0.5, "e", { fmt = "money_unit" }) }
  local results = run("H5", { tables = { good } })
  is(#results, 1, "H5: one result per table")
  is({ results[1].status, results[1].left, results[1].right, results[1].evidence, results[1].message },
     { "PASS", 0, 0, {}, "t" }, "H5: integers, a signed change and money pass")

  local bad = tbl{ num(-1, "a"), num(1.5, "b"), num(3, "c"), num(-0.01, "d", { fmt = "money" }) }
  results = run("H5", { tables = { good, bad } })
  is(#results, 2, "H5: two tables, two results")
  is({ results[2].status, results[2].left, results[2].evidence },
     { "FAIL", 3, { "t.r.a", "t.r.b", "t.r.d" } },
     "H5: a negative count, a fractional count and negative money fail")

  local blank = tbl{ num(3, "a"), num(nil, "b") }
  results = run("H5", { tables = { blank } })
  is({ results[1].status, results[1].evidence, results[1].message },
     { "NOT_ASSESSABLE", { "t.r.b" }, "t；空白单元格 1 个" }, "H5: a blank cell is not assessable")

  -- A cell carrying its own row key (as in 表四) is named by that key.
  local t = layout.table{ id = "appeals", ncols = 2 }
  t:row{ num(1, "upheld", { row = "review" }), num(-2, "upheld", { row = "suit" }) }
  results = run("H5", { tables = { t:finish() } })
  is(results[1].evidence, { "appeals.suit.upheld" }, "H5: a cell's own row key names it")
end

-- ---- Y1: 上年结转(N) = 结转下年度(N−1), across the 2020→2021 format change ----
do
  local ctx = ctx2021()
  local before = ctx2019()
  ctx.neighbours = { [2020] = { format = "gov2019", values = before.values } }
  ctx.values.requests.carried_in = {}
  for k, v in pairs(before.values.requests.carried_out) do ctx.values.requests.carried_in[k] = v end
  local results, by = run("Y1", ctx)
  is(tally(results), { PASS = 7, FAIL = 0, NOT_ASSESSABLE = 0 }, "Y1: 2021 carried_in = 2020 carried_out passes")
  is({ by["列 person"].left, by["列 person"].right }, { 70, 70 }, "Y1: values of column person")
  is(by["列 person"].evidence, { "requests.carried_in.person", "2020:requests.carried_out.person" },
     "Y1: evidence names the cell of the other year")

  ctx.values.requests.carried_in.person = 68
  results, by = run("Y1", ctx)
  is({ by["列 person"].status, by["列 person"].left, by["列 person"].right }, { "FAIL", 68, 70 },
     "Y1: a carried_in that is not last year's carried_out fails")
  is(by["列 business"].status, "PASS", "Y1: other columns pass")

  ctx.neighbours = { [2020] = false } -- the store does not hold 2020
  results = run("Y1", ctx)
  is(#results, 0, "Y1: no previous year, no result")

  ctx.neighbours = { [2020] = { format = "gov2019", values = { requests = { carried_out = { person = false } } } } }
  results, by = run("Y1", ctx)
  is(by["列 person"].status, "NOT_ASSESSABLE", "Y1: a blank cell last year is not assessable")
end

-- ---- Y2 (gov2019): 上一年项目数量(N) = 上一年项目数量(N−1) + 本年增/减(N−1) ----
do
  local rows = { "license", "service", "penalty", "coercion", "fee" }
  local function active(prev, change)
    local a = {}
    for i, r in ipairs(rows) do a[r] = { items_prev = prev[i], items_change = change[i], decisions = 0 } end
    return a
  end
  local ctx = { format = "gov2019", year = 2020,
                values = { active = active({ 100, 10, 50, 3, 7 }, { 5, 0, 0, 0, 0 }) },
                neighbours = { [2019] = { format = "gov2019",
                                          values = { active = active({ 95, 12, 58, 3, 7 }, { 5, -2, -8, 0, 0 }) } } } }
  local results, by = run("Y2", ctx)
  is(tally(results), { PASS = 5, FAIL = 0, NOT_ASSESSABLE = 0 }, "Y2: items carried on pass")
  is({ by["行 penalty"].left, by["行 penalty"].right }, { 50, 50 }, "Y2: 58 - 8 = 50")
  is(by["行 penalty"].evidence, { "active.penalty.items_prev", "2019:active.penalty.items_prev",
                                 "2019:active.penalty.items_change" }, "Y2: evidence")

  ctx.values.active.license.items_prev = 99
  results, by = run("Y2", ctx)
  is({ by["行 license"].status, by["行 license"].left, by["行 license"].right }, { "FAIL", 99, 100 },
     "Y2: a break in the item count fails")

  ctx.format = "gov2021"
  ctx.year = 2020
  is(#run("Y2", ctx), 0, "Y2: does not apply to a gov2021 report")
  ctx.format = "gov2019"
  ctx.neighbours[2019].format = "gov2021"
  is(#run("Y2", ctx), 0, "Y2: does not apply when the previous year is not gov2019")
end

-- ---- Y3 (gov2021, warning): 现行有效(N) = 现行有效(N−1) + 制发(N) − 废止(N) ----
do
  local ctx = { format = "gov2021", year = 2022,
                values = { active = { rule = { made = 2, repealed = 1, in_force = 11 },
                                      normative = { made = 0, repealed = 3, in_force = 17 } } },
                neighbours = { [2021] = { format = "gov2021",
                                          values = { active = { rule = { in_force = 10 }, normative = { in_force = 20 } } } } } }
  local results, by = run("Y3", ctx)
  is(tally(results), { PASS = 2, FAIL = 0, NOT_ASSESSABLE = 0 }, "Y3: documents in force carried on pass")
  is({ by["行 rule"].left, by["行 rule"].right, by["行 rule"].severity }, { 11, 11, "warning" },
     "Y3: 10 + 2 - 1, a warning")
  ctx.values.active.normative.in_force = 18
  results, by = run("Y3", ctx)
  is({ by["行 normative"].status, by["行 normative"].left, by["行 normative"].right, by["行 normative"].severity },
     { "FAIL", 18, 17, "warning" }, "Y3: a break fails as a warning")

  ctx.values.active.normative.repealed = false
  results, by = run("Y3", ctx)
  is(by["行 normative"].status, "NOT_ASSESSABLE", "Y3: a blank 本年废止 is not assessable")

  -- 2021 after a 2020 report in the 2019 format: table 2 is not comparable.
  local c2021 = { format = "gov2021", year = 2021,
                  values = { active = { rule = { made = 1, repealed = 0, in_force = 1 } } },
                  neighbours = { [2020] = { format = "gov2019",
                                            values = { active = { rule = { made = 5, published = 5, public_total = 9 } } } } } }
  results, by = run("Y3", c2021)
  is(tally(results), { PASS = 0, FAIL = 0, NOT_ASSESSABLE = 2 }, "Y3: across the 2020→2021 change not assessable")
  is(by["行 rule"].message, "2020 年按 2019 年版格式，表二数据不可比", "Y3: the message says why")

  c2021.format = "gov2019"
  is(#run("Y3", c2021), 0, "Y3: does not apply to a gov2019 report")
  ctx.neighbours = { [2021] = false }
  is(#run("Y3", ctx), 0, "Y3: no previous year, no result")
end

-- ---- T1: numbers in the narrative against the table ----
do
  local known = { ["一、总体情况"] = true, ["四、政府信息公开行政复议、行政诉讼情况"] = true }
  local md = table.concat({
    "前言。",
    "",
    "## 一、总体情况",
    "",
    "全年共收到政府信息公开申请220件，加上年结转5件，",
    "办结155件，结转下年度继续办理71件。",
    "",
    "## 四、政府信息公开行政复议、行政诉讼情况",
    "",
    "发生行政复议7件。",
  }, "\n")
  local ctx = ctx2019()
  ctx.values.appeals = { review = { total = 7 } }
  ctx.narrative = narrative.parse(md, known, "text")
  ctx.has_text = true
  local results, by = run("T1", ctx)
  is(#results, 5, "T1: five numbers found in the text")
  is(tally(results), { PASS = 4, FAIL = 1, NOT_ASSESSABLE = 0 }, "T1: four agree, one typed wrong")
  is({ by["“220”"].status, by["“220”"].left, by["“220”"].right }, { "PASS", 220, 220 }, "T1: new total agrees")
  is(by["“220”"].evidence, { "requests.new.total", "正文 一、总体情况 第5行" }, "T1: evidence names cell and line")
  is({ by["“71”"].status, by["“71”"].left, by["“71”"].right, by["“71”"].severity },
     { "FAIL", 71, 70, "warning" }, "T1: a number that is not the cell fails as a warning")
  is(by["“7”"].evidence[2], "正文 四、政府信息公开行政复议、行政诉讼情况 第10行", "T1: found in another part")

  ctx.values.requests.new.total = false
  results, by = run("T1", ctx)
  is(by["“220”"].status, "NOT_ASSESSABLE", "T1: a blank cell is not assessable")

  ctx.has_text = false
  is(#run("T1", ctx), 0, "T1: no text, no result")
end

-- ---- checks.run: the contract ----
do
  local function try(rules)
    return pcall(checks.run, {}, { { name = "bad.lua", rules = rules } })
  end
  local okay, err = try{ { id = "X", severity = "fatal", run = function() end } }
  is({ okay, err }, { false, "bad.lua: rule 1 (X): severity must be error, warning or info" }, "run: bad severity")
  okay, err = try{ { id = "X", severity = "info", run = function(_, emit) emit{ status = "OK" } end } }
  is({ okay, err }, { false, "bad.lua: rule 1 (X): status must be PASS, FAIL or NOT_ASSESSABLE (got OK)" },
     "run: bad status")
  okay, err = try{ { severity = "info" } }
  is({ okay, err }, { false, "bad.lua: rule 1: a rule needs id (string) and run (function)" }, "run: no id")
end

-- ---- L1 (Shenhe): answered within 20 working days ----
do
  local store = assert(nianbao.open(nianbao.db, { create = true }))
  local text = assert(nianbao.read_text("examples/shenhe/rules/late.lua"))
  local late = assert(load(text, "@late.lua", "t"))()
  is(late[1].id, "L1", "L1: the Shenhe rule file loads")

  -- The 2021 National Day holiday: 10-01..10-07 off, Sunday 09-26 and Saturday 10-09 worked.
  local function holidays(body)
    for d = 20211001, 20211007 do
      assert(store:insert("holiday", body, { id = "off" .. d, date = tostring(d), type = "放假" }))
    end
    assert(store:insert("holiday", body, { id = "on1", date = "2021-09-26", type = "上班" }))
    assert(store:insert("holiday", body, { id = "on2", date = "2021-10-09", type = "上班" }))
  end
  local function request(body, id, received, closed)
    assert(store:insert("request", body, { id = id, received = received, applicant = "person",
                                           closed = closed, outcome = closed and "1" or nil }))
  end
  local function ctx(body)
    return { store = store, body = body, year = 2021, format = "gov2021" }
  end

  holidays("甲区")
  request("甲区", "A", "2021-03-01", "2021-03-29") -- Monday to Monday: exactly 20 working days
  request("甲区", "C", "2021-09-24", "2021-10-25") -- 18 working days with the holiday schedule (21 without)
  request("甲区", "D", "2021-11-01")                -- open: not checked
  request("甲区", "E", "2020-12-20", "2020-12-28") -- closed in 2020: not this year's
  local results = run("L1", ctx("甲区"), late)
  is(#results, 1, "L1: one result")
  is({ results[1].status, results[1].left, results[1].right, results[1].evidence, results[1].message },
     { "PASS", 0, 0, {}, "本年办结 2 件，超期 0 件" }, "L1: 20 working days is in time; holidays do not count")

  holidays("乙区")
  request("乙区", "A", "2021-03-01", "2021-03-29")
  request("乙区", "B", "2021-03-01", "2021-03-30") -- 21 working days
  results = run("L1", ctx("乙区"), late)
  local b
  for r in store:rows("request", { body = "乙区", id = "B" }) do b = r end
  is({ results[1].status, results[1].left, results[1].right, results[1].severity, results[1].message },
     { "FAIL", 1, 0, "warning", "本年办结 2 件，超期 1 件" }, "L1: 21 working days is late")
  is(results[1].evidence, { string.format("B (21个工作日, %s:%d)", b.source, b.line) },
     "L1: evidence names the late request, its working days and source")

  holidays("丙区")
  request("丙区", "F", "2020-12-25", "2021-01-10") -- needs the 2020 schedule, which is missing
  results = run("L1", ctx("丙区"), late)
  is({ results[1].status, results[1].left, results[1].evidence, results[1].message },
     { "NOT_ASSESSABLE", nil, {}, "缺少节假日安排：2020（nianbao import --body … holiday FILE）" },
     "L1: a year without a holiday schedule is not assessable")

  request("丁区", "G", "2021-03-01", "2021-03-02")
  results = run("L1", ctx("丁区"), late)
  is({ results[1].status, results[1].message }, { "NOT_ASSESSABLE", "缺少节假日安排：2021（nianbao import --body … holiday FILE）" },
     "L1: another body's holidays do not count")
  store:close()
end

-- ---- checkfile.lines: under a rule, 20 failures and 20 reasons not judged at most, the
-- rest counted; the reasons after the 21st failure are not lost (it stopped there) ----
do
  local checkfile = require "checkfile"
  local results = {}
  for i = 1, 25 do
    results[#results + 1] = { id = "Z1", severity = "error", title = "t", status = "FAIL", left = i, right = 0,
                              evidence = {}, message = "f" .. i }
  end
  for i = 1, 25 do
    results[#results + 1] = { id = "Z1", severity = "error", title = "t", status = "NOT_ASSESSABLE",
                              evidence = {}, message = "n" .. i }
  end
  local lines = checkfile.lines({ body = "甲", year = 2021, format = "gov2021", checks = results }, {})
  local text = table.concat(lines, "\n")
  tap.is(#lines, 1 + 1 + 20 + 1 + 20 + 1, "checkfile.lines: the summary, the rule, 20 and 20, two counts")
  tap.ok(text:find("……另有 5 项未通过", 1, true), "checkfile.lines: the failures past 20 counted")
  tap.ok(text:find("……另有 5 项无法判断", 1, true), "checkfile.lines: the reasons past 20 counted")
  tap.ok(text:find("         n20\n", 1, true), "checkfile.lines: the reasons after the 21st failure shown")
end

return tap.done()
