-- gov2021.lua: the revised national format of 国办公开办函〔2021〕30号, for the reports on 2021 and later.
--
-- Same shape as gov2019.lua. Differences: 表二 counts documents made, repealed
-- and in force, decisions of the year only, and charges in 万元; 表三 splits
-- （六）其他处理 into three rows (an unspecified 6 counts as 6.3).

local tables = require "tables"
local common = require "common"

return {
  id = "gov2021",
  name = "政府信息公开工作年度报告格式（国办公开办函〔2021〕30号）",
  years = { first = 2021 },
  parts = common.parts,

  tabulate = function(ctx)
    local s, scope = ctx.store, common.scope
    local c = common.tabulate(ctx)
    c.doc_repealed = s:count_by("document", scope(ctx, { date = "repealed", by = "kind" }))
    c.doc_in_force = s:stock("document", scope(ctx, { start = "made", ["end"] = "repealed", by = "kind" }))
    c.charges = s:sum_by("charge", "amount", scope(ctx))
    return c
  end,

  tables = function(ctx)
    return { tables.active2021(ctx), tables.requests(ctx, "gov2021"), tables.appeals(ctx) }
  end,

  explain = function(ctx, table_id, row, col)
    local c = ctx.cubes
    if table_id == "active" then
      if row == "rule" or row == "normative" then
        local cube = ({ made = c.doc_made, repealed = c.doc_repealed, in_force = c.doc_in_force })[col]
        return cube and { { cube, row } }
      elseif row == "fee" then
        return col == "amount" and { { c.charges } } or nil
      elseif col == "decisions" then
        return { { c.decisions, row } }
      end
      return nil
    end
    return common.explain(ctx, table_id, row, col, "gov2021")
  end,
}
