-- text.lua: numbers written in the narrative against the table cells they speak of (soft).
--
-- Each pattern finds a number in a paragraph; the number must equal the cell.
-- Placeholders ({{requests.new.total}}) are filled before this runs, so they
-- always agree; the rule catches numbers typed by hand.

local checks = require "checks"

-- { words, the pattern of what follows them (one capture: the number), cell reference,
--   cell parts }. A number is looked for within WINDOW bytes after the words: a paragraph
-- of any length is read in time linear in its length (a pattern of two repetitions over
-- the whole paragraph is refused by the sandbox on a long one).
local WINDOW = 300 -- about 100 characters
local patterns = {
  { "收到政府信息公开申请", "^(%d+)件", "requests.new.total", { "requests", "new", "total" } },
  { "新收政府信息公开申请", "^(%d+)件", "requests.new.total", { "requests", "new", "total" } },
  { "接受依申请公开政府信息", "^(%d+)件", "requests.new.total", { "requests", "new", "total" } },
  { "上年结转", "^[^%d]-(%d+)件", "requests.carried_in.total", { "requests", "carried_in", "total" } },
  { "结转下年度", "^[^%d]-(%d+)件", "requests.carried_out.total", { "requests", "carried_out", "total" } },
  { "办结", "^[^%d]-(%d+)件", "requests.total.total", { "requests", "total", "total" } },
  { "行政复议", "^(%d+)件", "appeals.review.total", { "appeals", "review", "total" } },
}

-- Calls FN(number) for each number that pattern P finds in TEXT, left to right; after a
-- match the search goes on past it (as string.gmatch would).
local function each_number(text, p, fn)
  local init = 1
  while true do
    local _, e = text:find(p[1], init, true)
    if not e then return end
    local _, me, n = text:sub(e + 1, e + WINDOW):find(p[2])
    if n then fn(n) end
    init = e + (me or 0) + 1
  end
end

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
              each_number(b.text, p, function(n)
                local want = checks.cell(ctx.values, p[4][1], p[4][2], p[4][3])
                checks.compare(emit, tonumber(n), type(want) == "number" and want or nil,
                  { p[3], string.format("正文 %s 第%d行", part, b.line or 0) },
                  string.format("“%s”", n))
              end)
            end
          end
        end
      end
      scan(ctx.narrative.preface, "前言")
      for _, title in ipairs(ctx.narrative.order) do scan(ctx.narrative.parts[title], title) end
    end,
  },
}
