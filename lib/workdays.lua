-- workdays.lua: working-day arithmetic from the holiday records of a body (kind holiday).
--
-- A working day is Monday to Friday, minus the days off (类型 放假) and plus the
-- make-up working days (类型 上班) of the holiday records.
--   local cal = workdays.calendar(store, body)
--   cal:covers(2020)           -> true when the store holds that year's schedule
--   cal:count(from, to)        -> working days in (from, to], dates as YYYYMMDD

local workdays = {}

local Calendar = {}
Calendar.__index = Calendar
Calendar.__metatable = "calendar" -- its methods are shared: not handed to scripts

function workdays.calendar(store, body)
  local cal = setmetatable({ off = {}, on = {}, years = {} }, Calendar)
  for r in store:rows("holiday", { body = body }) do
    if r.type == "holiday" then cal.off[r.date] = true else cal.on[r.date] = true end
    cal.years[r.date // 10000] = true
  end
  return cal
end

function Calendar:covers(year)
  return self.years[year] == true
end

function Calendar:is_workday(ymd)
  if self.off[ymd] then return false end
  if self.on[ymd] then return true end
  return nianbao.weekday(ymd) <= 5
end

--- Working days after FROM up to and including TO.
function Calendar:count(from, to)
  local n, d = 0, nianbao.add_days(from, 1)
  while d <= to do
    if self:is_workday(d) then n = n + 1 end
    d = nianbao.add_days(d, 1)
  end
  return n
end

return workdays
