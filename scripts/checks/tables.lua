-- tables.lua: the rules within one report (formats.md H1-H5), for both formats.

local checks = require "checks"
local cell, sum, compare = checks.cell, checks.sum, checks.compare

local columns = { "person", "business", "research", "ngo", "legal", "other", "total" }
local applicants = { "person", "business", "research", "ngo", "legal", "other" }

local function outcome_rows(format)
  local rows = { "1", "2", "3.1", "3.2", "3.3", "3.4", "3.5", "3.6", "3.7", "3.8", "4.1", "4.2", "4.3",
                 "5.1", "5.2", "5.3", "5.4", "5.5" }
  if format == "gov2019" then
    rows[#rows + 1] = "6"
  else
    for _, r in ipairs{ "6.1", "6.2", "6.3" } do rows[#rows + 1] = r end
  end
  return rows
end

local function v(ctx, row, col) return cell(ctx.values, "requests", row, col) end

return {
  {
    id = "H1", severity = "error", title = "表三勾稽关系：本年新收加上年结转等于办理结果总计加结转下年度",
    formula = "一 + 二 = （七）总计 + 四",
    run = function(ctx, emit)
      for _, c in ipairs(columns) do
        compare(emit, sum{ v(ctx, "new", c), v(ctx, "carried_in", c) },
          sum{ v(ctx, "total", c), v(ctx, "carried_out", c) },
          { "requests.new." .. c, "requests.carried_in." .. c, "requests.total." .. c, "requests.carried_out." .. c },
          "列 " .. c)
      end
    end,
  },
  {
    id = "H2", severity = "error", title = "表三各行总计等于六类申请人之和",
    formula = "总计 = 自然人 + 商业企业 + 科研机构 + 社会公益组织 + 法律服务机构 + 其他",
    run = function(ctx, emit)
      local rows = { "new", "carried_in" }
      for _, r in ipairs(outcome_rows(ctx.format)) do rows[#rows + 1] = r end
      rows[#rows + 1] = "total"
      rows[#rows + 1] = "carried_out"
      for _, r in ipairs(rows) do
        local parts, ev = {}, { "requests." .. r .. ".total" }
        for _, a in ipairs(applicants) do
          parts[#parts + 1] = v(ctx, r, a)
          ev[#ev + 1] = "requests." .. r .. "." .. a
        end
        compare(emit, v(ctx, r, "total") or nil, sum(parts), ev, "行 " .. r)
      end
    end,
  },
  {
    id = "H3", severity = "error", title = "表三（七）总计等于各办理结果之和",
    formula = "（七）总计 = （一）+（二）+（三）+（四）+（五）+（六）各项之和",
    run = function(ctx, emit)
      for _, c in ipairs(columns) do
        local parts, ev = {}, { "requests.total." .. c }
        for _, r in ipairs(outcome_rows(ctx.format)) do
          parts[#parts + 1] = v(ctx, r, c)
          ev[#ev + 1] = "requests." .. r .. "." .. c
        end
        compare(emit, v(ctx, "total", c) or nil, sum(parts), ev, "列 " .. c)
      end
    end,
  },
  {
    id = "H4", severity = "error", title = "表四各组总计等于维持、纠正、其他结果与尚未审结之和",
    formula = "总计 = 结果维持 + 结果纠正 + 其他结果 + 尚未审结",
    run = function(ctx, emit)
      for _, g in ipairs{ "review", "suit", "suit_after_review" } do
        local parts, ev = {}, { "appeals." .. g .. ".total" }
        for _, c in ipairs{ "upheld", "corrected", "other", "pending" } do
          parts[#parts + 1] = cell(ctx.values, "appeals", g, c)
          ev[#ev + 1] = "appeals." .. g .. "." .. c
        end
        compare(emit, cell(ctx.values, "appeals", g, "total") or nil, sum(parts), ev, "组 " .. g)
      end
    end,
  },
  {
    id = "H5", severity = "error", title = "数量为非负整数，金额为非负数",
    formula = "数量 ∈ {0, 1, 2, …}；金额 ≥ 0",
    run = function(ctx, emit)
      for _, t in ipairs(ctx.tables) do
        local bad, blank = {}, {}
        for _, row in ipairs(t.rows) do
          for c = 1, t.ncols do
            local x = row[c]
            local rk = x.row or row.key
            if rk and x.key then
              local ref = t.id .. "." .. rk .. "." .. x.key
              if x.value == nil then
                blank[#blank + 1] = ref
              elseif x.fmt == "money" or x.fmt == "money_unit" then
                if type(x.value) ~= "number" or x.value < 0 then bad[#bad + 1] = ref end
              elseif x.fmt ~= "signed" then
                if math.type(x.value) ~= "integer" or x.value < 0 then bad[#bad + 1] = ref end
              end
            end
          end
        end
        local status = #bad > 0 and "FAIL" or (#blank > 0 and "NOT_ASSESSABLE" or "PASS")
        local ev = #bad > 0 and bad or blank
        emit{ status = status, evidence = ev, left = #bad, right = 0,
              message = "表 " .. t.id .. (#blank > 0 and ("；空白单元格 " .. #blank .. " 个") or "") }
      end
    end,
  },
}
