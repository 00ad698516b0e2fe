-- late.lua: 沈河区's own check: requests answered more than 20 working days after receipt.
--
-- Working days are Monday to Friday minus the public holidays plus the make-up
-- working days, from the holiday records imported for the body (kind holiday,
-- one file per year). The day of receipt is not counted; a request closed after
-- the 20th working day following it is late. Stored with
--   nianbao import --body 沈阳市沈河区人民政府 rules examples/shenhe/rules/late.lua

local workdays = require "workdays"

local LIMIT = 20

return {
  {
    id = "L1", severity = "warning", title = "答复期限：收到申请后20个工作日内办结",
    formula = "办结日期 − 收到日期 ≤ 20个工作日（不含收到当日）",
    run = function(ctx, emit)
      local cal = workdays.calendar(ctx.store, ctx.body)
      local late, missing, checked = {}, {}, 0
      for r in ctx.store:rows("request", { body = ctx.body }) do
        if r.closed and r.closed // 10000 == ctx.year then
          local from_year, to_year = r.received // 10000, r.closed // 10000
          local covered = true
          for y = from_year, to_year do
            if not cal:covers(y) then covered = false; missing[y] = true end
          end
          if covered then
            checked = checked + 1
            local days = cal:count(r.received, r.closed)
            if days > LIMIT then
              late[#late + 1] = string.format("%s (%d个工作日, %s:%d)", r.id, days, r.source, r.line)
            end
          end
        end
      end
      local years = {}
      for y in pairs(missing) do years[#years + 1] = tostring(y) end
      table.sort(years)
      if #years > 0 then
        emit{ status = "NOT_ASSESSABLE", evidence = {},
              message = "缺少节假日安排：" .. table.concat(years, "、") .. "（nianbao import --body … holiday FILE）" }
        return
      end
      emit{ left = #late, right = 0, status = #late == 0 and "PASS" or "FAIL", evidence = late,
            message = string.format("本年办结 %d 件，超期 %d 件", checked, #late) }
    end,
  },
}
