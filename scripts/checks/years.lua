-- years.lua: the rules across years of one body (formats.md Y1-Y3), run when the store
-- holds the neighbouring year.

local checks = require "checks"
local cell, sum, compare = checks.cell, checks.sum, checks.compare

return {
  {
    id = "Y1", severity = "error", title = "本年上年结转等于上年结转下年度继续办理",
    formula = "二 上年结转(N) = 四 结转下年度继续办理(N−1)",
    applies = function(ctx) return checks.neighbour(ctx, ctx.year - 1) ~= nil end,
    run = function(ctx, emit)
      local prev = checks.neighbour(ctx, ctx.year - 1)
      for _, c in ipairs{ "person", "business", "research", "ngo", "legal", "other", "total" } do
        compare(emit, cell(ctx.values, "requests", "carried_in", c) or nil,
          cell(prev.values, "requests", "carried_out", c) or nil,
          { "requests.carried_in." .. c, (ctx.year - 1) .. ":requests.carried_out." .. c }, "列 " .. c)
      end
    end,
  },
  {
    id = "Y2", severity = "error", title = "上一年项目数量衔接：本年上一年项目数量等于上年的上一年项目数量加本年增/减",
    formula = "上一年项目数量(N) = 上一年项目数量(N−1) + 本年增/减(N−1)",
    applies = function(ctx)
      if ctx.format ~= "gov2019" then return false end
      local prev = checks.neighbour(ctx, ctx.year - 1)
      return prev ~= nil and prev.format == "gov2019"
    end,
    run = function(ctx, emit)
      local prev = checks.neighbour(ctx, ctx.year - 1)
      for _, r in ipairs{ "license", "service", "penalty", "coercion", "fee" } do
        compare(emit, cell(ctx.values, "active", r, "items_prev") or nil,
          sum{ cell(prev.values, "active", r, "items_prev"), cell(prev.values, "active", r, "items_change") },
          { "active." .. r .. ".items_prev", (ctx.year - 1) .. ":active." .. r .. ".items_prev",
            (ctx.year - 1) .. ":active." .. r .. ".items_change" }, "行 " .. r)
      end
    end,
  },
  {
    id = "Y3", severity = "warning", title = "现行有效件数衔接（表二 2021 格式）",
    formula = "现行有效件数(N) ≈ 现行有效件数(N−1) + 本年制发件数(N) − 本年废止件数(N)",
    applies = function(ctx)
      return ctx.format == "gov2021" and checks.neighbour(ctx, ctx.year - 1) ~= nil
    end,
    run = function(ctx, emit)
      local prev = checks.neighbour(ctx, ctx.year - 1)
      for _, r in ipairs{ "rule", "normative" } do
        local ev = { "active." .. r .. ".in_force", (ctx.year - 1) .. ":active." .. r .. ".in_force",
                     "active." .. r .. ".made", "active." .. r .. ".repealed" }
        if prev.format ~= "gov2021" then
          emit{ status = "NOT_ASSESSABLE", evidence = ev,
                message = "行 " .. r .. "：" .. (ctx.year - 1) .. " 年为 2019 格式，表二数据不可比" }
        else
          local now = cell(ctx.values, "active", r, "in_force")
          local before = cell(prev.values, "active", r, "in_force")
          local made, repealed = cell(ctx.values, "active", r, "made"), cell(ctx.values, "active", r, "repealed")
          local right = sum{ before, made } and repealed ~= false and type(repealed) == "number"
            and before + made - repealed or nil
          compare(emit, type(now) == "number" and now or nil, right, ev, "行 " .. r)
        end
      end
    end,
  },
}
