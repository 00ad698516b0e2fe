-- text.lua: numbers written in the narrative against the table cells they speak of (soft).
--
-- Each pattern finds a number in a paragraph; the number must equal the cell.
-- Placeholders ({{requests.new.total}}) are filled before this runs, so they
-- always agree; the rule catches numbers typed by hand.

local checks = require "checks"

-- { Lua pattern with one capture, cell reference, cell parts }
local patterns = {
  { "收到政府信息公开申请(%d+)件", "requests.new.total", { "requests", "new", "total" } },
  { "新收政府信息公开申请(%d+)件", "requests.new.total", { "requests", "new", "total" } },
  { "接受依申请公开政府信息(%d+)件", "requests.new.total", { "requests", "new", "total" } },
  { "上年结转[^%d]-(%d+)件", "requests.carried_in.total", { "requests", "carried_in", "total" } },
  { "结转下年度[^%d]-(%d+)件", "requests.carried_out.total", { "requests", "carried_out", "total" } },
  { "办结[^%d]-(%d+)件", "requests.total.total", { "requests", "total", "total" } },
  { "行政复议(%d+)件", "appeals.review.total", { "appeals", "review", "total" } },
}

return {
  {
    id = "T1", severity = "warning", title = "正文数字与表格一致",
    formula = "正文中的数字 = 对应表格单元格",
    applies = function(ctx) return ctx.has_text end,
    run = function(ctx, emit)
      local function scan(blocks, part)
        for _, b in ipairs(blocks) do
          if b.type == "para" then
            for _, p in ipairs(patterns) do
              for n in b.text:gmatch(p[1]) do
                local want = checks.cell(ctx.values, p[3][1], p[3][2], p[3][3])
                checks.compare(emit, tonumber(n), type(want) == "number" and want or nil,
                  { p[2], string.format("正文 %s 第%d行", part, b.line or 0) },
                  string.format("“%s”", n))
              end
            end
          end
        end
      end
      scan(ctx.narrative.preface, "前言")
      for _, title in ipairs(ctx.narrative.order) do scan(ctx.narrative.parts[title], title) end
    end,
  },
}
