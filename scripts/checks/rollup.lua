-- rollup.lua: the rule of a roll-up (汇总) report (formats.md "Roll-up"). A roll-up counts
-- its own records and those of every body below it, each once; so each additive cell
-- equals its own records' value plus the sum of the reports below it: each child's, and
-- below a child that is not a roll-up itself, that child's children's, and so on. Every data cell
-- of the national tables is additive: flows and counts add, and so do the stock columns
-- (上一年项目数量, 对外公开总数量, 现行有效件数: records standing at a date, each record
-- belonging to one body) and 本年增/减, a difference of two stocks. Amounts in 万元 are
-- rounded per report, so they may differ by 0.01 per report summed. A child's report
-- that is not its records (a year imported from a published report) breaks the sum:
-- the rule names it.

local checks = require "checks"

-- The reports whose sum a roll-up's cells are (besides its own records): each child's,
-- and, below a child that is not itself a roll-up, its children's, and so on (a roll-up
-- child's report already holds its subtree).
local function contributors(store, body)
  local kids, rollup = {}, {}
  for _, b in ipairs(store:bodies()) do
    if b.parent then
      kids[b.parent] = kids[b.parent] or {}
      table.insert(kids[b.parent], b.name)
    end
    rollup[b.name] = b.rollup
  end
  local out = {}
  local function walk(name)
    for _, k in ipairs(kids[name] or {}) do
      out[#out + 1] = k
      if not rollup[k] then walk(k) end
    end
  end
  walk(body)
  return out
end

-- The reports RU1 compares, for CTX: its own records alone, and each contributor's report
-- (and records, when its figures were imported) in the roll-up's format (cached per ctx; a batch gives ctx.cubes_fn).
local cache = setmetatable({}, { __mode = "k" })
local function parts(ctx)
  if cache[ctx] then return cache[ctx] end
  local report = require "report"
  local fmt, opts = ctx.spec, { cubes = ctx.cubes_fn }
  local own_cubes = ctx.cubes_fn and ctx.cubes_fn(fmt, { ctx.body }, ctx.year)
                    or fmt:tabulate(ctx.store, { body = ctx.body, year = ctx.year })
  local own = nianbao.document{ title = "", body = ctx.body, year = ctx.year, format = fmt.id,
                                tables = fmt:build(own_cubes) }:values()
  local kids = {}
  for _, name in ipairs(contributors(ctx.store, ctx.body)) do
    local r = report.tabulate(ctx.store, name, ctx.year, fmt, opts)
    local kid = { name = name, values = r.values, imported = r.imported }
    if r.imported then kid.records = report.tabulate(ctx.store, name, ctx.year, fmt, { records = true, cubes = opts.cubes }).values end
    kids[#kids + 1] = kid
  end
  cache[ctx] = { own = own, kids = kids }
  return cache[ctx]
end

-- A child's cell in the sum: its value; a blank of a child counted from records is 0
-- records (a kind it has none of), a blank of imported figures is unknown.
local function kid_value(kid, t, r, c)
  local v = checks.cell(kid.values, t, r, c)
  if v == false and not kid.imported then return 0 end
  return v
end

return {
  {
    id = "RU1", severity = "error", title = "汇总表每个单元格等于本级与各下级报告之和",
    formula = "汇总 = 本级记录 + Σ 下级报告（非汇总下级再加其下级；金额按报告个数容许 0.01 万元误差）",
    applies = function(ctx) return ctx.rollup and not ctx.imported end,
    run = function(ctx, emit)
      local p = parts(ctx)
      for _, t in ipairs(ctx.spec.tables) do
        if not t.dynamic then
          local bad, breakers, unknown = {}, {}, 0
          for _, k in ipairs(t.order) do
            local cell = t.cells[k.row][k.col]
            local left = checks.cell(ctx.values, t.id, k.row, k.col)
            local own = checks.cell(p.own, t.id, k.row, k.col)
            local sum = type(own) == "number" and own or 0
            for _, kid in ipairs(p.kids) do
              local v = kid_value(kid, t.id, k.row, k.col)
              sum = (sum and type(v) == "number") and sum + v or nil
            end
            local ref = t.id .. "." .. k.row .. "." .. k.col
            if type(left) ~= "number" or sum == nil then
              unknown = unknown + 1
            else
              local tol = cell.unit == "wan" and 0.01 * (#p.kids + 1) + 1e-9 or 0
              if math.abs(left - sum) > tol then
                bad[#bad + 1] = string.format("%s：%s ≠ %s", ref, tostring(left), tostring(sum))
                for _, kid in ipairs(p.kids) do
                  local rec = kid.records and checks.cell(kid.records, t.id, k.row, k.col)
                  if kid.imported and kid_value(kid, t.id, k.row, k.col) ~= (rec == false and 0 or rec) then
                    breakers[kid.name] = (breakers[kid.name] or 0) + 1
                  end
                end
              end
            end
          end
          local names = {}
          for name, n in pairs(breakers) do
            names[#names + 1] = string.format("%s（导入的报告数字，%d 个单元格与其记录不同）", name, n)
          end
          table.sort(names)
          local status = #bad > 0 and "FAIL" or (unknown > 0 and #bad == 0 and unknown == #t.order and "NOT_ASSESSABLE" or "PASS")
          local msg = "表 " .. t.id
          if #bad > 0 then
            msg = msg .. "：" .. #bad .. " 个单元格不等于本级与下级之和"
              .. (#names > 0 and ("；不一致的下级：" .. table.concat(names, "、")) or "")
          end
          emit{ status = status, left = #bad, right = 0, message = msg,
                evidence = #bad > 0 and { table.unpack(bad, 1, math.min(#bad, 20)) } or {} }
        end
      end
    end,
  },
}
