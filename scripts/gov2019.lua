-- gov2019.lua: the trial national format of 国办公开办函〔2019〕60号, for the reports on 2019 and 2020.
--
-- A layout returns a table: id, name, years, parts (the six report parts in
-- order, each with its table id or nil), tabulate(ctx) -> cubes, tables(ctx)
-- -> finished tables, explain(ctx, table, row, col) -> record sources of a
-- cell. A district copies this file, changes it, and stores its copy with
-- `nianbao import --body NAME layout FILE.lua`.

local tables = require "tables"
local common = require "common"

return {
  id = "gov2019",
  name = "政府信息公开工作年度报告格式（国办公开办函〔2019〕60号）",
  years = { first = 2019, last = 2020 },
  parts = common.parts,

  -- Counting rules: DESIGN.md's defaults.
  tabulate = function(ctx)
    local s, scope = ctx.store, common.scope
    local c = common.tabulate(ctx)
    local standing_matters = { start = "listed", ["end"] = "delisted", by = "kind" }
    c.doc_published = s:count_by("document", scope(ctx, { date = "published", by = "kind" }))
    c.doc_public = s:stock("document", scope(ctx, { start = "published", ["end"] = "repealed", by = "kind" }))
    c.items_prev = s:stock("matter", scope(ctx, standing_matters, ctx.year - 1))
    c.items_now = s:stock("matter", scope(ctx, standing_matters))
    c.purchase_count = s:count_by("purchase", scope(ctx))
    c.purchase_amount = s:sum_by("purchase", "amount", scope(ctx))
    return c
  end,

  tables = function(ctx)
    return { tables.active2019(ctx), tables.requests(ctx, "gov2019"), tables.appeals(ctx) }
  end,

  -- The cube cells behind a table cell: { {cube, labels...}, ... } with a
  -- sign for differences (本年增/减).
  explain = function(ctx, table_id, row, col)
    local c = ctx.cubes
    if table_id == "active" then
      if row == "rule" or row == "normative" then
        local cube = ({ made = c.doc_made, published = c.doc_published, public_total = c.doc_public })[col]
        return cube and { { cube, row } }
      elseif row == "purchase" then
        return ({ count = { { c.purchase_count } }, amount = { { c.purchase_amount } } })[col]
      elseif col == "items_prev" then
        return { { c.items_prev, row } }
      elseif col == "items_change" then
        return { { c.items_now, row, sign = "+" }, { c.items_prev, row, sign = "-" } }
      elseif col == "decisions" then
        return { { c.decisions, row } }
      end
      return nil
    end
    return common.explain(ctx, table_id, row, col, "gov2019")
  end,
}
