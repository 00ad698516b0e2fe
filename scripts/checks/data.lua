-- data.lua: what a report is made from (issue "missing data is never silent zeros").
-- D1: a kind the tables need has no records for the year: its cells are blank, and the
-- rules on them are not assessable. Its message names the kind as import takes it. D2: the year's tables are a published report's
-- figures, imported, not counts of records.

local function kind_label(name)
  local k = nianbao.kinds[name]
  return k and k.label or name
end

return {
  {
    id = "D1", severity = "warning", title = "本年缺少某类记录：相关单元格留空",
    formula = "某类记录本年为零条且未声明（import --year）为完整 → 单元格空白，不计为 0",
    applies = function(ctx) return next(ctx.missing or {}) ~= nil end,
    run = function(ctx, emit)
      local kinds = {}
      for k in pairs(ctx.missing) do kinds[#kinds + 1] = k end
      table.sort(kinds)
      for _, k in ipairs(kinds) do
        emit{ status = "NOT_ASSESSABLE", evidence = { "kind:" .. k },
              message = string.format("%d 年没有“%s”（%s）记录", ctx.year, kind_label(k), k) }
      end
    end,
  },
  {
    id = "D2", severity = "info", title = "本年表格为导入的已公布报告数字",
    formula = "表格数字来自导入的报告（import report），不是由记录计算",
    applies = function(ctx) return ctx.imported ~= nil end,
    run = function(ctx, emit)
      emit{ status = "PASS", evidence = { ctx.imported.source },
            message = string.format("%d 年：%s（%s 格式）", ctx.year, ctx.imported.source, ctx.imported.format) }
    end,
  },
}
