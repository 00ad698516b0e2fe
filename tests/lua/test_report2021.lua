-- test_report2021.lua - a report for 2021 in the gov2021 format from a small store: 表二 and
-- 表三 as formats.md gives them, and the gov2019 layout when asked for with format = "gov2019".
-- Run as `nianbao -d TMP.db run tests/lua/test_report2021.lua`.
local tap = require "tap"
local is, ok = tap.is, tap.ok
local report = require "report"
local layout = require "layout"

local store = assert(nianbao.open(nianbao.db, { create = true }))
local BODY = "测试区"

local function insert(kind, rec)
  local res, err = store:insert(kind, BODY, rec)
  if not res then error(err, 2) end
end

-- Requests: the 2021 rows of （六）, an unspecified 6, one carried in from 2020, one carried out.
insert("request", { id = "Q1", received = "2021-02-01", applicant = "person", closed = "2021-02-10", outcome = "6" })
insert("request", { id = "Q2", received = "2021-03-01", applicant = "business", closed = "2021-03-05", outcome = "6.1" })
insert("request", { id = "Q3", received = "2021-04-01", applicant = "person", closed = "2021-04-10", outcome = "6.2" })
insert("request", { id = "Q4", received = "2021-05-01", applicant = "person", closed = "2021-05-10", outcome = "6.3" })
insert("request", { id = "Q5", received = "2021-06-01", applicant = "person", closed = "2021-06-10", outcome = "1" })
insert("request", { id = "Q6", received = "2020-12-30", applicant = "person", closed = "2021-01-05", outcome = "6.3" })
insert("request", { id = "Q7", received = "2021-12-01", applicant = "legal" })
-- Documents: made and repealed in 2021, and in force at its end.
insert("document", { id = "D1", kind = "rule", made = "2021-03-01", published = "2021-03-02" })
insert("document", { id = "D2", kind = "normative", made = "2020-05-01", repealed = "2021-06-30" })
insert("document", { id = "D3", kind = "normative", made = "2021-07-01" })
insert("document", { id = "D4", kind = "normative", made = "2019-01-01" })
insert("document", { id = "D5", kind = "rule", made = "2018-01-01", repealed = "2021-12-31" })
-- Decisions (service has no 2021 row; 2020 is another year).
insert("decision", { id = "E1", kind = "license", date = "2021-01-01", count = 12 })
insert("decision", { id = "E2", kind = "penalty", date = "2021-05-05", count = 3 })
insert("decision", { id = "E3", kind = "coercion", date = "2021-12-31" })
insert("decision", { id = "E4", kind = "service", date = "2021-06-01", count = 4 })
insert("decision", { id = "E5", kind = "license", date = "2020-12-31", count = 100 })
-- Charges in 元: 12345.67 + 100000.00 in 2021; 5 in 2022.
insert("charge", { id = "F1", date = "2021-03-01", amount = "12345.67", item = "工本费" })
insert("charge", { id = "F2", date = "2021-12-31", amount = "100000", item = "不动产登记费" })
insert("charge", { id = "F3", date = "2022-01-01", amount = "5" })
-- Matters and purchases only show in the gov2019 layout.
insert("matter", { id = "M1", kind = "service", listed = "2020-01-01" })
insert("purchase", { id = "P1", date = "2021-08-01", amount = "2500" })

local function table_of(doc, id)
  for _, t in ipairs(doc.tables) do
    if t.id == id then return t end
  end
end

-- Row keys of T in order (data rows only).
local function row_keys(t)
  local keys = {}
  for _, r in ipairs(t.rows) do
    if r.key then keys[#keys + 1] = r.key end
  end
  return keys
end

-- Column keys of row KEY in order.
local function col_keys(t, key)
  local cols = {}
  for _, r in ipairs(t.rows) do
    if r.key == key then
      for c = 1, t.ncols do
        if r[c].key then cols[#cols + 1] = r[c].key end
      end
    end
  end
  return cols
end

-- Non-empty texts of the label cells of row KEY.
local function labels(t, key)
  local out = {}
  for _, r in ipairs(t.rows) do
    if r.key == key then
      for c = 1, t.ncols do
        if r[c].text and r[c].text ~= "" then out[#out + 1] = r[c].text end
      end
    end
  end
  return out
end

-- Set of every cell text of T.
local function texts(t)
  local s = {}
  for _, r in ipairs(t.rows) do
    for c = 1, t.ncols do
      if r[c].text then s[r[c].text] = true end
    end
  end
  return s
end

-- ---- gov2021 by default for 2021 ----
local doc, ctx = report.build(store, { body = BODY, year = 2021 })
is(doc.format, "gov2021", "2021 is reported in gov2021")
is(doc.title, "测试区2021年政府信息公开工作年度报告", "title")
is(ctx.spec.id, "gov2021", "the gov2021 layout is used")

-- 表三
local req = table_of(doc, "requests")
ok(req ~= nil, "表三 is built")
local rows = row_keys(req)
is(rows, { "new", "carried_in", "1", "2", "3.1", "3.2", "3.3", "3.4", "3.5", "3.6", "3.7", "3.8",
           "4.1", "4.2", "4.3", "5.1", "5.2", "5.3", "5.4", "5.5", "6.1", "6.2", "6.3", "total",
           "carried_out" }, "表三 gov2021 rows: 6.1, 6.2, 6.3 and no 6")
local v = layout.values(req)
is(v["6"], nil, "表三 gov2021: no row 6 in the values")
is(v["6.3"], { person = 3, business = 0, research = 0, ngo = 0, legal = 0, other = 0, total = 3 },
   "表三 6.3: an unspecified 6, a 6.3 and one carried in")
is({ v["6.1"].business, v["6.1"].total }, { 1, 1 }, "表三 6.1")
is({ v["6.2"].person, v["6.2"].total }, { 1, 1 }, "表三 6.2")
is({ v.new.total, v.carried_in.person, v.total.total, v.carried_out.legal }, { 6, 1, 6, 1 },
   "表三 new, carried in, total, carried out")
is(labels(req, "6.1"), { "（六）其他处理", "1.申请人无正当理由逾期不补正、行政机关不再处理其政府信息公开申请" },
   "表三 6.1 labels: group and item")
is(labels(req, "6.2"), { "2.申请人逾期未按收费通知要求缴纳费用、行政机关不再处理其政府信息公开申请" },
   "表三 6.2 label")
is(labels(req, "6.3"), { "3.其他" }, "表三 6.3 label")
is(labels(req, "new")[1], "一、本年新收政府信息公开申请数量", "表三 new label")
is(#req.rows, 3 + 25, "表三 gov2021: 3 header rows and 25 data rows")

-- 表二
local act = table_of(doc, "active")
ok(act ~= nil, "表二 is built")
is(row_keys(act), { "rule", "normative", "license", "penalty", "coercion", "fee" },
   "表二 gov2021 rows: no service, no purchase")
is(col_keys(act, "rule"), { "made", "repealed", "in_force" }, "表二 documents: made, repealed, in_force")
is(col_keys(act, "license"), { "decisions" }, "表二 license: decisions only")
is(col_keys(act, "fee"), { "amount" }, "表二 fee: amount only")
local a = layout.values(act)
is(a.rule, { made = 1, repealed = 1, in_force = 1 }, "表二 规章: made 1, repealed 12-31, in force 1")
is(a.normative, { made = 1, repealed = 1, in_force = 2 }, "表二 行政规范性文件: made 1, repealed 1, in force 2")
is({ a.license.decisions, a.penalty.decisions, a.coercion.decisions }, { 12, 3, 1 },
   "表二 decisions of 2021 (count defaults to 1; 2020 not counted)")
is(a.fee.amount, 11.23, "表二 fee amount in 万元: (1234567 + 10000000) 分, rounded in whole hundredths of 万元")
is(report.cell_text(ctx, "active", "fee", "amount"), "11.23", "表二 fee amount shown with two decimals")
is(labels(act, "normative")[1], "行政规范性文件", "表二 label '行政规范性文件'")
local t2 = texts(act)
ok(t2["本年收费金额（单位：万元）"], "表二 header '本年收费金额（单位：万元）'")
ok(t2["本年制发件数"] and t2["本年废止件数"] and t2["现行有效件数"] and t2["本年处理决定数量"],
   "表二 gov2021 column headers")
ok(not t2["其他对外管理服务事项"], "表二 gov2021: no 其他对外管理服务事项 row")
ok(not t2["第二十条第（九）项"] and not t2["政府集中采购"], "表二 gov2021: no （九） block")
ok(t2["第二十条第（八）项"] and t2["第二十条第（五）项"], "表二 gov2021 blocks （五） and （八）")
ok(not t2["规范性文件"], "表二 gov2021: not the 2019 label 规范性文件")

-- Checks of the report.
local by = {}
for _, r in ipairs(doc.checks) do
  by[r.id] = by[r.id] or {}
  by[r.id][r.status] = (by[r.id][r.status] or 0) + 1
end
is(by.H1, { PASS = 7 }, "checks: H1 passes on the tabulated report")
is(by.H3, { PASS = 7 }, "checks: H3 passes with 6.1-6.3")
is(by.Y1, { PASS = 7 }, "checks: Y1 against 2020 (gov2019) passes")
is(by.Y3, { NOT_ASSESSABLE = 2 }, "checks: Y3 across the format change is not assessable")
is(by.Y2, nil, "checks: Y2 does not apply to gov2021")

-- ---- format = "gov2019" (the --format override) for 2021 ----
local doc19, ctx19 = report.build(store, { body = BODY, year = 2021, format = "gov2019" })
is(doc19.format, "gov2019", "format override: gov2019")
local req19 = table_of(doc19, "requests")
local rows19 = row_keys(req19)
is({ #rows19, rows19[21], rows19[22] }, { 23, "6", "total" }, "format override: 表三 has one row 6")
local v19 = layout.values(req19)
is({ v19["6"].person, v19["6"].business, v19["6"].total }, { 4, 1, 5 },
   "format override: row 6 takes 6, 6.1, 6.2 and 6.3")
is(v19["6.1"], nil, "format override: no row 6.1")
local act19 = table_of(doc19, "active")
is(row_keys(act19), { "rule", "normative", "license", "service", "penalty", "coercion", "fee", "purchase" },
   "format override: 表二 gov2019 rows")
is(col_keys(act19, "rule"), { "made", "published", "public_total" }, "format override: 表二 2019 document columns")
local a19 = layout.values(act19)
is({ a19.service.decisions, a19.service.items_prev, a19.service.items_change }, { 4, 1, 0 },
   "format override: service decisions and items")
is(a19.purchase.count, 1, "format override: purchases")
is(report.cell_text(ctx19, "active", "purchase", "amount"), "0.25万元",
   "format override: purchase amount in 万元, as the table prints it (one formatter, in C)")
is(labels(act19, "normative")[1], "规范性文件", "format override: the 2019 label 规范性文件")
ok(texts(act19)["第二十条第（九）项"], "format override: the （九） block")

-- the same with the format itself (as regen passes the one its plan chose)
local docf = report.build(store, { body = BODY, year = 2021, format = report.format(store, BODY, 2021, "gov2019") })
is(layout.values(table_of(docf, "requests")), layout.values(req19), "format given as a format: the same tables")
is(select(2, pcall(report.build, store, { body = BODY, yaer = 2021 })),
   "report.build: unknown option 'yaer' (options: body, cubes, created, fonts, format, ids, neighbours, records, "
   .. "rules, year, years)", "report.build: an option typed wrong is refused, naming the options")
is(select(2, pcall(report.build, store, { body = BODY, year = 2021, format = {} })),
   "report.build: format must be an id or a format", "a table that is not a format is refused")
-- options of the wrong kind are said so, naming the option (they read "report.build: year",
-- or were ignored: rules = "x.lua", or failed deep inside: rules = { "x.lua" })
is(select(2, pcall(report.build, store, { body = BODY })),
   "report.build: option 'year': an integer (got nil)", "report.build: no year")
is(select(2, pcall(report.build, store, { body = BODY, year = "2021" })),
   "report.build: option 'year': an integer (got the string '2021')", "report.build: a year as text")
is(select(2, pcall(report.build, store, { year = 2021 })),
   "report.build: option 'body': a body's name (got nil)", "report.build: no body")
for _, rules in ipairs{ "x.lua", { "x.lua" }, { { name = "x.lua" } }, { name = "x.lua", content = "return {}" } } do
  is(select(2, pcall(report.build, store, { body = BODY, year = 2021, rules = rules })),
     "report.build: option 'rules': a list of rule files, each { name = FILE, content = TEXT }",
     "report.build: rules not a list of files: said")
end

-- ---- years without a format ----
local okay, err = pcall(report.build, store, { body = BODY, year = 2018 })
is({ okay, tostring(err) }, { false, "no national format for 2018 (gov2019 covers 2019-2020, gov2021 2021 on)" },
   "2018 has no national format")
is(report.format_for(2020), "gov2019", "format_for 2020")
is(report.format_for(2021), "gov2021", "format_for 2021")

-- 万元 from 分: half up in whole hundredths (150 元 = 0.015 万元 -> 0.02), no float drift.
local wan = require("format").wan
is(wan(15000), 0.02, "万元: 150 元 rounds half up to 0.02")
is(wan(14999), 0.01, "万元: 149.99 元 rounds to 0.01")
is(wan(21350460000), 21350.46, "万元: the seed's 21350.46")
is(wan(0), 0.0, "万元: zero")

-- the labels a reader sees for a data cell (format.cell_labels): merged cells read through
local format = require "format"
local labels = {}
for _, t in ipairs(ctx.tables) do labels[t.id] = format.cell_labels(t) end
is(labels.requests["6.2\tbusiness"], { row = "三、本年度办理结果 （六）其他处理 2.申请人逾期未按收费通知要求缴纳费用、行政机关不再处理其政府信息公开申请",
                                       col = "申请人情况 法人或其他组织 商业企业" },
   "cell_labels: a 2021 row under a merged group, a column under two merged headers")
is(labels.requests["carried_out\ttotal"], { row = "四、结转下年度继续办理", col = "申请人情况 总计" },
   "cell_labels: a row label spanning three columns, once")
local n = 0
for _, l in pairs(labels.active) do
  n = n + 1
  if l.row == "" or l.col == "" then n = -1000 end
end
is(n, 10, "cell_labels: each of the 10 data cells of the 2021 表二 has a row and a column label")

-- record ids only when asked for (explain asks; no check needs them)
ok(not pcall(function() return ctx.cubes.requests:records("new", "person") end),
   "report.build: its cubes keep no record ids by default")
local _, with_ids = report.build(store, { body = BODY, year = 2021, ids = true })
local recs = with_ids.cubes.requests:records("new", "person")
local got = {}
for _, r in ipairs(recs) do got[#got + 1] = r.id end
table.sort(got)
is(got, { "Q1", "Q3", "Q4", "Q5" }, "report.build{ids = true}: the records behind a cell")

store:close()
return tap.done()
