-- common.lua: what both national layouts share: the six parts, the request and case flows,
-- and the explanation of 表三 and 表四 cells.

local common = {}

--- The report parts in order; a part with a table shows it after its text.
common.parts = {
  { title = "一、总体情况" },
  { title = "二、主动公开政府信息情况", table = "active" },
  { title = "三、收到和处理政府信息公开申请情况", table = "requests" },
  { title = "四、政府信息公开行政复议、行政诉讼情况", table = "appeals" },
  { title = "五、存在的主要问题及改进情况" },
  { title = "六、其他需要报告的事项" },
}

--- The options of a cube of the report's body and year (YEAR overrides the
--- year), with the fields of EXTRA added.
function common.scope(ctx, extra, year)
  local q = { body = ctx.body, year = year or ctx.year, ids = ctx.ids }
  for k, v in pairs(extra or {}) do q[k] = v end
  return q
end

--- The cubes both formats use: 表三, 表四, documents made and decisions by kind.
function common.tabulate(ctx)
  local s = ctx.store
  return {
    requests = s:flow("request", common.scope(ctx)),
    appeals = s:flow("case", common.scope(ctx)),
    doc_made = s:count_by("document", common.scope(ctx, { date = "made", by = "kind" })),
    decisions = s:sum_by("decision", "count", common.scope(ctx, { by = "kind" })),
  }
end

function common.explain(ctx, table_id, row, col, format)
  local c = ctx.cubes
  if table_id == "requests" then
    local applicant = col ~= "total" and col or nil
    if row == "total" then return { { c.requests, "closed", applicant } } end
    if format == "gov2019" and row == "6" then
      return { { c.requests, "6", applicant }, { c.requests, "6.1", applicant },
               { c.requests, "6.2", applicant }, { c.requests, "6.3", applicant } }
    end
    if format == "gov2021" and row == "6.3" then
      return { { c.requests, "6.3", applicant }, { c.requests, "6", applicant } }
    end
    return { { c.requests, row, applicant } }
  elseif table_id == "appeals" then
    return { { c.appeals, row, col ~= "total" and col or nil } }
  end
  return nil
end

return common
