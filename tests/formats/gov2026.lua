-- gov2026.lua: a hypothetical national format for the reports on 2026 and later, for
-- tests/cli/test_format2026.sh: adding a national format is this one file (dropped into
-- scripts/formats/) plus its golden files. It is gov2021 with one more row in 表二
-- (其他对外管理服务事项 in the （五） block) and one more table (表五: requests closed in
-- the year, by applicant).

local format = require "format"
local national = require "national"
local head, label, cell = format.head, format.label, format.cell

local function doc_row(kind, text)
  return { key = kind, label(text or national.label("document_kind", kind)),
           cell("made", { { "doc_made", kind } }), cell("repealed", { { "doc_repealed", kind } }),
           cell("in_force", { { "doc_in_force", kind } }) }
end

local function decision_row(kind)
  return { key = kind, label(national.label("matter_kind", kind)),
           cell("decisions", { { "decisions", kind } }, { cols = 3 }) }
end

local decision_header = { head("信息内容"), head("本年处理决定数量", { cols = 3 }) }

-- 表五: one row, the requests closed in the year by applicant.
local function closed_table()
  local rows = { { head("申请人"), header = true }, { key = "closed", label("本年办结") } }
  for _, a in ipairs(nianbao.codes.applicant) do
    table.insert(rows[1], head(a.label))
    table.insert(rows[2], cell(a.code, { { "requests", "closed", a.code } }))
  end
  table.insert(rows[1], head("总计"))
  table.insert(rows[2], cell("total", { { "requests", "closed" } }))
  return format.table{ id = "closed", title = "表五 本年办结政府信息公开申请情况",
                       ncols = #nianbao.codes.applicant + 2, rows = rows }
end

local parts = {}
for i, p in ipairs(national.parts) do parts[i] = p end
parts[3] = { title = national.parts[3].title, table = { "requests", "closed" } }

return format.define{
  id = "gov2026",
  name = "政府信息公开工作年度报告格式（测试用 2026 年格式）",
  years = { first = 2026 },
  parts = parts,
  cubes = national.cubes{
    doc_made = format.count("document", { date = "made", by = "kind" }),
    doc_repealed = format.count("document", { date = "repealed", by = "kind" }),
    doc_in_force = format.stock("document", { start = "made", ["end"] = "repealed", by = "kind" }),
    decisions = format.sum("decision", "count", { by = "kind" }),
    charges = format.sum("charge", "amount"),
  },
  tables = {
    format.table{ id = "active", title = national.parts[2].title, ncols = 4, rows = {
      national.block("第二十条第（一）项"),
      { head("信息内容"), head("本年制发件数"), head("本年废止件数"), head("现行有效件数") },
      doc_row("rule"), doc_row("normative", "行政规范性文件"),
      national.block("第二十条第（五）项"), decision_header, decision_row("license"), decision_row("service"),
      national.block("第二十条第（六）项"), decision_header, decision_row("penalty"), decision_row("coercion"),
      national.block("第二十条第（八）项"),
      { head("信息内容"), head("本年收费金额（单位：万元）", { cols = 3 }) },
      { key = "fee", label(national.label("matter_kind", "fee")),
        cell("amount", { { "charges" } }, { fmt = "money", unit = "wan", cols = 3 }) },
    } },
    national.requests(),
    closed_table(),
    national.appeals(),
  },
}
