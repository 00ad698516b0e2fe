-- gov2019.lua: the trial national format of 国办公开办函〔2019〕60号, for the reports on 2019 and 2020.
--
-- Its 表二 counts documents made, published and public in total, the items of the lists
-- (上一年项目数量, 本年增/减) with the decisions, and the purchases; 表三 prints （六）其他处理
-- as one row. The counting rules are DESIGN.md's defaults. A district copies this file,
-- changes it, and stores its copy with `nianbao import --body NAME layout FILE.lua`.

local format = require "format"
local national = require "national"
local head, label, cell = format.head, format.label, format.cell

local function doc_row(kind)
  return { key = kind, label(national.label("document_kind", kind)),
           cell("made", { { "doc_made", kind } }), cell("published", { { "doc_published", kind } }),
           cell("public_total", { { "doc_public", kind } }) }
end

-- A row of the (五)(六) blocks: the items at the end of last year, the change, the decisions.
local function item_row(kind)
  return { key = kind, label(national.label("matter_kind", kind)),
           cell("items_prev", { { "items_prev", kind } }),
           cell("items_change", { { "items_now", kind }, { "items_prev", kind, sign = -1 } }, { fmt = "signed" }),
           cell("decisions", { { "decisions", kind } }) }
end

local item_header = { head("信息内容"), head("上一年项目数量"), head("本年增/减"), head("处理决定数量") }
local standing_matters = { start = "listed", ["end"] = "delisted", by = "kind" }

return format.define{
  id = "gov2019",
  name = "政府信息公开工作年度报告格式（国办公开办函〔2019〕60号）",
  years = { first = 2019, last = 2020 },
  parts = national.parts,
  cubes = national.cubes{
    doc_made = format.count("document", { date = "made", by = "kind" }),
    doc_published = format.count("document", { date = "published", by = "kind" }),
    doc_public = format.stock("document", { start = "published", ["end"] = "repealed", by = "kind" }),
    items_prev = format.stock("matter", { start = "listed", ["end"] = "delisted", by = "kind", year_offset = -1 }),
    items_now = format.stock("matter", standing_matters),
    decisions = format.sum("decision", "count", { by = "kind" }),
    purchase_count = format.count("purchase"),
    purchase_amount = format.sum("purchase", "amount"),
  },
  -- made when first used: a report of another year loads this file only to choose its format
  tables = function()
    return {
      format.table{ id = "active", title = national.parts[2].title, ncols = 4, rows = {
        national.block("第二十条第（一）项"),
        { head("信息内容"), head("本年新制作数量"), head("本年新公开数量"), head("对外公开总数量") },
        doc_row("rule"), doc_row("normative"),
        national.block("第二十条第（五）项"), item_header, item_row("license"), item_row("service"),
        national.block("第二十条第（六）项"), item_header, item_row("penalty"), item_row("coercion"),
        national.block("第二十条第（八）项"),
        { head("信息内容"), head("上一年项目数量"), head("本年增/减", { cols = 2 }) },
        { key = "fee", label(national.label("matter_kind", "fee")), cell("items_prev", { { "items_prev", "fee" } }),
          cell("items_change", { { "items_now", "fee" }, { "items_prev", "fee", sign = -1 } },
               { fmt = "signed", cols = 2 }) },
        national.block("第二十条第（九）项"),
        { head("信息内容"), head("采购项目数量"), head("采购总金额", { cols = 2 }) },
        { key = "purchase", label(nianbao.kinds.purchase.label), cell("count", { { "purchase_count" } }),
          cell("amount", { { "purchase_amount" } }, { fmt = "money_unit", unit = "wan", cols = 2 }) },
      } },
      national.requests{ fold = { ["6"] = true } },
      national.appeals(),
    }
  end,
}
