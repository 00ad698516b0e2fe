-- checkfile.lua: the check file of a report: its check results as a document of their own
-- (in Chinese, cells named by the report's own labels, evidence records with their source
-- file and line), written by every exporter as NAME-检查结果.EXT, and the lines `check`
-- and `report` print. The report itself never holds them; its JSON keeps the results with
-- their stable codes (PASS, FAIL, NOT_ASSESSABLE; error, warning, info).

local format = require "format"

local checkfile = {}

--- What a reader sees for each stable code.
checkfile.severity = { error = "错误", warning = "警告", info = "提示" }
checkfile.status = { PASS = "通过", FAIL = "未通过", NOT_ASSESSABLE = "无法判断" }

--- The suffix of a check file's name: NAME .. checkfile.suffix .. ext.
checkfile.suffix = "-检查结果"

--- The formats a check file is written in, of the report formats TO (nil: all): every
--- one but JSON, whose report holds the checks already.
function checkfile.formats(to)
  local out = {}
  if not to then
    to = {}
    for _, f in ipairs(nianbao.formats()) do to[#to + 1] = f.name end
  end
  for _, f in ipairs(to) do
    if f ~= "json" then out[#out + 1] = f end
  end
  return out
end

--- Writes the check file of DOC (report.build's) beside its report: DIR/NAME-检查结果.EXT
--- in the formats of TO but JSON. Returns nianbao.export's results (nil, {} when there
--- is no format to write).
function checkfile.export(doc, ctx, dir, name, to)
  local fmts = checkfile.formats(to)
  if #fmts == 0 then return {} end
  return nianbao.export(checkfile.document(doc, ctx), { dir = dir, name = name .. checkfile.suffix, formats = fmts })
end

local numerals = "[一二三四五六七八九十]+"

--- The name a reader knows table T by: 表三 for the table of part 三, else its title.
function checkfile.table_name(t)
  local n = (t.title or ""):match("^(" .. numerals .. ")、")
  return n and ("表" .. n) or (t.title ~= "" and t.title or t.id)
end

-- Where a cell is, for a reader: 表三 “二、上年结转政府信息公开申请数量” 自然人.
local function place(t, labels, row, col)
  local l = labels[row .. "\t" .. col]
  if not l then return nil end
  local parts = { checkfile.table_name(t) }
  if l.row ~= "" then parts[#parts + 1] = "“" .. l.row .. "”" end
  if l.col ~= "" then parts[#parts + 1] = l.col end
  return table.concat(parts, " ")
end

--- A function that turns one evidence item of CTX's checks into reader's text: a cell
--- key ("requests.carried_in.person", or "2019:active.rules.in_force" for the year
--- before) becomes its place in the report's labels, a kind ("kind:case") its name;
--- anything else (a record with its file and line, a note) is kept as it is.
function checkfile.describer(ctx)
  local by_id, labels = {}, {}
  for _, t in ipairs(ctx.tables or {}) do by_id[t.id] = t end
  return function(item)
    local kind = item:match("^kind:(.+)$")
    if kind then
      local k = nianbao.kinds[kind]
      return "“" .. (k and k.label or kind) .. "”记录"
    end
    local year, key = item:match("^(%d%d%d%d):(.*)$")
    -- a row key may hold dots (表三's "3.3"): the table is the first part, the column the last
    local tid, row, col = (key or item):match("^([%w_%-]+)%.(.+)%.([%w_%-]+)$")
    local t = tid and by_id[tid]
    if not t then return item end
    labels[tid] = labels[tid] or format.cell_labels(t)
    local where = place(t, labels[tid], row, col)
    if not where then return item end
    return year and (year .. "年 " .. where) or where
  end
end

--- Counts of RESULTS: { total, PASS, FAIL, NOT_ASSESSABLE, errors (failed error-level) ,
--- warnings (failed warning-level) }.
function checkfile.counts(results)
  local n = { total = #results, PASS = 0, FAIL = 0, NOT_ASSESSABLE = 0, errors = 0, warnings = 0 }
  for _, r in ipairs(results) do
    n[r.status] = n[r.status] + 1
    if r.status == "FAIL" and r.severity == "error" then n.errors = n.errors + 1 end
    if r.status == "FAIL" and r.severity == "warning" then n.warnings = n.warnings + 1 end
  end
  return n
end

--- One line that sums up RESULTS for a reader.
function checkfile.summary_line(results)
  local n = checkfile.counts(results)
  local line = string.format("共 %d 项检查：通过 %d 项，未通过 %d 项（错误 %d 项，警告 %d 项，提示 %d 项），无法判断 %d 项。",
    n.total, n.PASS, n.FAIL, n.errors, n.warnings, n.FAIL - n.errors - n.warnings, n.NOT_ASSESSABLE)
  if n.errors > 0 then
    return line .. "有错误级检查未通过，发布前须更正。"
  end
  return line .. "无错误级问题。"
end

-- A compared value as a cell: a number stays a number, "" for none.
local function value_cell(v)
  if type(v) == "number" then return v end
  return v == nil and "" or tostring(v)
end

-- The display of a compared value: numbers as they are, "" for none.
local function value_text(v)
  if v == nil then return "" end
  if math.type(v) == "float" and v == math.floor(v) and math.abs(v) < 2^53 then
    return string.format("%.0f", v)
  end
  return tostring(v)
end

--- The rules of RESULTS in order, each with its counts: { id, severity, title, formula,
--- PASS, FAIL, NOT_ASSESSABLE, results = { … } }.
function checkfile.rules(results)
  local order, by = {}, {}
  for _, r in ipairs(results) do
    local g = by[r.id]
    if not g then
      g = { id = r.id, severity = r.severity, title = r.title, formula = r.formula,
            PASS = 0, FAIL = 0, NOT_ASSESSABLE = 0, results = {} }
      by[r.id] = g
      order[#order + 1] = g
    end
    g[r.status] = g[r.status] + 1
    g.results[#g.results + 1] = r
  end
  return order
end

--- The status of a rule as a whole: 未通过 when any result failed, else 通过 when any
--- passed, else 无法判断.
function checkfile.rule_status(g)
  return g.FAIL > 0 and "FAIL" or (g.PASS > 0 and "PASS" or "NOT_ASSESSABLE")
end

--- The note of result R: its message, its place (the first cell of its evidence, the
--- one compared: the formula names the others) and its evidence records, joined by SEP
--- (default "；").
function checkfile.note(r, describe, sep)
  local place, records = nil, {}
  for _, e in ipairs(r.evidence or {}) do
    local d = describe(e)
    if d ~= e then place = place or d else records[#records + 1] = e end
  end
  return r.message or "", place or "", table.concat(records, sep or "；")
end
local note_of = checkfile.note

local function header_row(texts)
  local row = {}
  for i, s in ipairs(texts) do row[i] = { text = s, header = true } end
  return row
end

--- The check file of a report: DOC is report.build's document (title, body, year,
--- format, checks), CTX its context (for the cells' labels). A document table for
--- nianbao.document / nianbao.export: a title, a summary, the rules with their counts,
--- then every result that did not pass with its place, values and evidence.
function checkfile.document(doc, ctx)
  local results = doc.checks or {}
  local describe = checkfile.describer(ctx)
  local rules = { ncols = 7, header_rows = 1, id = "rules", title = "一、检查项汇总",
                  rows = { header_row{ "编号", "级别", "检查项", "公式", "通过", "未通过", "无法判断" } } }
  for _, g in ipairs(checkfile.rules(results)) do
    rules.rows[#rules.rows + 1] = { g.id, checkfile.severity[g.severity] or g.severity, g.title or "",
                                    g.formula or "", g.PASS, g.FAIL, g.NOT_ASSESSABLE }
  end
  local open = { ncols = 8, header_rows = 1, id = "findings", title = "二、未通过和无法判断的检查",
                 rows = { header_row{ "编号", "级别", "结果", "位置", "左值", "右值", "说明", "证据记录" } } }
  for _, r in ipairs(results) do
    if r.status ~= "PASS" then
      local message, places, records = note_of(r, describe, "；\n") -- a record a line
      open.rows[#open.rows + 1] = { r.id, checkfile.severity[r.severity] or r.severity,
                                    checkfile.status[r.status] or r.status, places,
                                    value_cell(r.left), value_cell(r.right), message, records }
    end
  end
  local blocks = {
    { type = "para", text = string.format("单位：%s　年度：%d　格式：%s", doc.body, doc.year, doc.format) },
    { type = "para", text = checkfile.summary_line(results) },
    { type = "heading", level = 1, text = rules.title },
    { type = "table", table = 1 },
    { type = "heading", level = 1, text = open.title },
  }
  if #open.rows > 1 then
    blocks[#blocks + 1] = { type = "table", table = 2 }
  else
    blocks[#blocks + 1] = { type = "para", text = "无。" }
  end
  return {
    title = doc.title .. "检查结果", body = doc.body, year = doc.year, format = doc.format,
    created = doc.created, tables = { rules, open }, blocks = blocks,
  }
end

--- The lines `report` and `check` print: the summary, one line per rule, and under a rule
--- that did not pass, each result that failed with its place and values, and each that
--- could not be judged and says why (D1's kinds; at most 20 of each).
--- Returns the lines and the number of failed error-level results.
function checkfile.lines(doc, ctx)
  local results = doc.checks or {}
  local describe = checkfile.describer(ctx)
  local lines = { string.format("%s %d（%s）检查结果：%s", doc.body, doc.year, doc.format,
                                checkfile.summary_line(results)) }
  for _, g in ipairs(checkfile.rules(results)) do
    local status = checkfile.rule_status(g)
    lines[#lines + 1] = string.format("  %-4s %s  %s  %s（通过 %d，未通过 %d，无法判断 %d）", g.id,
      checkfile.status[status], checkfile.severity[g.severity] or g.severity, g.title or "",
      g.PASS, g.FAIL, g.NOT_ASSESSABLE)
    local shown, unjudged = 0, 0
    for _, r in ipairs(g.results) do
      if r.status == "NOT_ASSESSABLE" and (r.message or "") ~= "" then
        -- why it could not be judged, when the rule says (D1: the kind without records)
        unjudged = unjudged + 1
        if unjudged <= 20 then
          lines[#lines + 1] = "         " .. r.message
        elseif unjudged == 21 then -- the rest counted once, where they begin
          local more = 0
          for _, x in ipairs(g.results) do
            if x.status == "NOT_ASSESSABLE" and (x.message or "") ~= "" then more = more + 1 end
          end
          lines[#lines + 1] = string.format("         ……另有 %d 项无法判断（见检查结果文件）", more - 20)
        end
      elseif r.status == "FAIL" then
        shown = shown + 1
        if shown == 21 then
          lines[#lines + 1] = string.format("         ……另有 %d 项未通过（见检查结果文件）", g.FAIL - 20)
        end
      end
      if r.status == "FAIL" and shown <= 20 then
        local message, places, records = note_of(r, describe)
        local parts = {}
        if places ~= "" then parts[#parts + 1] = places end
        if message ~= "" then parts[#parts + 1] = message end
        parts[#parts + 1] = string.format("左值 %s，右值 %s", value_text(r.left) ~= "" and value_text(r.left) or "空白",
          value_text(r.right) ~= "" and value_text(r.right) or "空白")
        if records ~= "" then parts[#parts + 1] = "证据：" .. records end
        lines[#lines + 1] = "         " .. table.concat(parts, "；")
      end
    end
  end
  return lines, checkfile.counts(results).errors
end

return checkfile
