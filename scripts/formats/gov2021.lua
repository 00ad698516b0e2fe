-- gov2021.lua: the revised national format of 国办公开办函〔2021〕30号, for the reports on 2021 and later.
--
-- Same shape as gov2019.lua. Differences: 表二 counts documents made, repealed and in
-- force, decisions of the year only, and charges in 万元; 表三 splits （六）其他处理 into
-- three rows (an unspecified 6 counts as 6.3).

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

return format.define{
  id = "gov2021",
  name = "政府信息公开工作年度报告格式（国办公开办函〔2021〕30号）",
  years = { first = 2021 },
  parts = national.parts,
  cubes = national.cubes{
    doc_made = format.count("document", { date = "made", by = "kind" }),
    doc_repealed = format.count("document", { date = "repealed", by = "kind" }),
    doc_in_force = format.stock("document", { start = "made", ["end"] = "repealed", by = "kind" }),
    decisions = format.sum("decision", "count", { by = "kind" }),
    charges = format.sum("charge", "amount"),
  },
  -- made when first used: a report of another year loads this file only to choose its format
  tables = function()
    return {
      format.table{ id = "active", title = national.parts[2].title, ncols = 4, rows = {
        national.block("第二十条第（一）项"),
        { head("信息内容"), head("本年制发件数"), head("本年废止件数"), head("现行有效件数") },
        doc_row("rule"), doc_row("normative", "行政规范性文件"),
        national.block("第二十条第（五）项"), decision_header, decision_row("license"),
        national.block("第二十条第（六）项"), decision_header, decision_row("penalty"), decision_row("coercion"),
        national.block("第二十条第（八）项"),
        { head("信息内容"), head("本年收费金额（单位：万元）", { cols = 3 }) },
        { key = "fee", label(national.label("matter_kind", "fee")),
          cell("amount", { { "charges" } }, { fmt = "money", unit = "wan", cols = 3 }) },
      } },
      national.requests(),
      national.appeals(),
    }
  end,
}
