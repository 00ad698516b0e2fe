-- years.lua: the rules across years of one body (formats.md Y1-Y3), run when the store
-- holds the neighbouring year. Rows and columns come from the two years' formats.

local checks = require "checks"
local cell, sum, compare = checks.cell, checks.sum, checks.compare

return {
  {
    id = "Y1", severity = "error", title = "本年上年结转等于上年结转下年度继续办理",
    formula = "二 上年结转(N) = 四 结转下年度继续办理(N−1)",
    applies = function(ctx)
      return checks.has(ctx, "requests") and checks.neighbour(ctx, ctx.year - 1) ~= nil
    end,
    run = function(ctx, emit)
      local prev = checks.neighbour(ctx, ctx.year - 1)
      for _, c in ipairs(checks.spec(ctx):columns("requests")) do
        compare(emit, cell(ctx.values, "requests", "carried_in", c) or nil,
          cell(prev.values, "requests", "carried_out", c) or nil,
          { "requests.carried_in." .. c, (ctx.year - 1) .. ":requests.carried_out." .. c })
      end
    end,
  },
  {
    id = "Y2", severity = "error", title = "上一年项目数量衔接：本年上一年项目数量等于上年的上一年项目数量加本年增/减",
    formula = "上一年项目数量(N) = 上一年项目数量(N−1) + 本年增/减(N−1)",
    applies = function(ctx)
      if not checks.has(ctx, "active", "items_change") then return false end
      local prev = checks.neighbour(ctx, ctx.year - 1)
      return prev ~= nil and checks.has(prev, "active", "items_change")
    end,
    run = function(ctx, emit)
      local prev = checks.neighbour(ctx, ctx.year - 1)
      for _, r in ipairs(checks.rows_with(ctx, "active", "items_prev")) do
        compare(emit, cell(ctx.values, "active", r, "items_prev") or nil,
          sum{ cell(prev.values, "active", r, "items_prev"), cell(prev.values, "active", r, "items_change") },
          { "active." .. r .. ".items_prev", (ctx.year - 1) .. ":active." .. r .. ".items_prev",
            (ctx.year - 1) .. ":active." .. r .. ".items_change" })
      end
    end,
  },
  {
    id = "Y3", severity = "warning", title = "现行有效件数衔接（表二 2021 格式）",
    formula = "现行有效件数(N) ≈ 现行有效件数(N−1) + 本年制发件数(N) − 本年废止件数(N)",
    applies = function(ctx)
      return checks.has(ctx, "active", "in_force") and checks.neighbour(ctx, ctx.year - 1) ~= nil
    end,
    run = function(ctx, emit)
      local prev = checks.neighbour(ctx, ctx.year - 1)
      for _, r in ipairs(checks.rows_with(ctx, "active", "in_force")) do
        local ev = { "active." .. r .. ".in_force", (ctx.year - 1) .. ":active." .. r .. ".in_force",
                     "active." .. r .. ".made", "active." .. r .. ".repealed" }
        if not checks.has(prev, "active", "in_force") then
          emit{ status = "NOT_ASSESSABLE", evidence = ev,
                message = (ctx.year - 1) .. " 年按 " .. (prev.format:gsub("^gov", "")) .. " 年版格式，表二数据不可比" }
        else
          local now = cell(ctx.values, "active", r, "in_force")
          local before = cell(prev.values, "active", r, "in_force")
          local made, repealed = cell(ctx.values, "active", r, "made"), cell(ctx.values, "active", r, "repealed")
          local right = sum{ before, made } and repealed ~= false and type(repealed) == "number"
            and before + made - repealed or nil
          compare(emit, type(now) == "number" and now or nil, right, ev)
        end
      end
    end,
  },
}
