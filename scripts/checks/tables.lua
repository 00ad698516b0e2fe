-- tables.lua: the rules within one report (formats.md H1-H5), for both formats.

-- The rows and columns come from the report's format: its 表三 (requests) and 表四
-- (appeals), with their row set "outcome" and column sets "applicant" and "parts".

local checks = require "checks"
local checkfile = require "checkfile"
local cell, sum, compare, ref = checks.cell, checks.sum, checks.compare, checks.ref
local mtype = math.type

local function v(ctx, row, col) return cell(ctx.values, "requests", row, col) end
local function columns(ctx) return checks.spec(ctx):columns("requests") end
local function applicants(ctx) return checks.spec(ctx):columns("requests", "applicant") end
local function outcome_rows(ctx) return checks.spec(ctx):rows("requests", "outcome") end
local function has_requests(ctx) return checks.has(ctx, "requests") end

return {
  {
    id = "H1", severity = "error", title = "表三勾稽关系：本年新收加上年结转等于办理结果总计加结转下年度",
    formula = "一 + 二 = （七）总计 + 四",
    applies = has_requests,
    run = function(ctx, emit)
      for _, c in ipairs(columns(ctx)) do
        compare(emit, sum{ v(ctx, "new", c), v(ctx, "carried_in", c) },
          sum{ v(ctx, "total", c), v(ctx, "carried_out", c) },
          { ref("requests", "new", c), ref("requests", "carried_in", c), ref("requests", "total", c), ref("requests", "carried_out", c) })
      end
    end,
  },
  {
    id = "H2", severity = "error", title = "表三各行总计等于六类申请人之和",
    formula = "总计 = 自然人 + 商业企业 + 科研机构 + 社会公益组织 + 法律服务机构 + 其他",
    applies = has_requests,
    run = function(ctx, emit)
      local apps = applicants(ctx) -- once: the format copies its list at every call
      for _, r in ipairs(checks.spec(ctx):rows("requests")) do
        local parts, ev = {}, { ref("requests", r, "total") }
        for i, a in ipairs(apps) do
          parts[i] = v(ctx, r, a)
          ev[i + 1] = ref("requests", r, a)
        end
        compare(emit, v(ctx, r, "total") or nil, sum(parts), ev)
      end
    end,
  },
  {
    id = "H3", severity = "error", title = "表三（七）总计等于各办理结果之和",
    formula = "（七）总计 = （一）+（二）+（三）+（四）+（五）+（六）各项之和",
    applies = has_requests,
    run = function(ctx, emit)
      local rows = outcome_rows(ctx)
      for _, c in ipairs(columns(ctx)) do
        local parts, ev = {}, { ref("requests", "total", c) }
        for i, r in ipairs(rows) do
          parts[i] = v(ctx, r, c)
          ev[i + 1] = ref("requests", r, c)
        end
        compare(emit, v(ctx, "total", c) or nil, sum(parts), ev)
      end
    end,
  },
  {
    id = "H4", severity = "error", title = "表四各组总计等于维持、纠正、其他结果与尚未审结之和",
    formula = "总计 = 结果维持 + 结果纠正 + 其他结果 + 尚未审结",
    applies = function(ctx) return checks.has(ctx, "appeals") end,
    run = function(ctx, emit)
      local cols = checks.spec(ctx):columns("appeals", "parts")
      for _, g in ipairs(checks.spec(ctx):rows("appeals")) do
        local parts, ev = {}, { ref("appeals", g, "total") }
        for i, c in ipairs(cols) do
          parts[i] = cell(ctx.values, "appeals", g, c)
          ev[i + 1] = ref("appeals", g, c)
        end
        compare(emit, cell(ctx.values, "appeals", g, "total") or nil, sum(parts), ev)
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
              local value, fmt = x.value, x.fmt
              if value == nil then
                blank[#blank + 1] = ref(t.id, rk, x.key)
              elseif fmt == "money" or fmt == "money_unit" then
                if type(value) ~= "number" or value < 0 then bad[#bad + 1] = ref(t.id, rk, x.key) end
              elseif fmt ~= "signed" then
                if mtype(value) ~= "integer" or value < 0 then bad[#bad + 1] = ref(t.id, rk, x.key) end
              end
            end
          end
        end
        local status = #bad > 0 and "FAIL" or (#blank > 0 and "NOT_ASSESSABLE" or "PASS")
        local ev = #bad > 0 and bad or blank
        emit{ status = status, evidence = ev, left = #bad, right = 0,
              message = checkfile.table_name(t) .. (#blank > 0 and ("；空白单元格 " .. #blank .. " 个") or "") }
      end
    end,
  },
}
