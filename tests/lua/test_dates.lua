-- test_dates.lua - Lua API tests of the date helpers: nianbao.date, date_format, weekday,
-- add_days, days_between.
local tap = require "tap"
local is, error_is = tap.is, tap.error_is

-- nianbao.date(text) -> YYYYMMDD | nil, reason
local accepted = {
  {"2020-01-05", 20200105}, {"2020/1/5", 20200105}, {"2020.1.5", 20200105},
  {"20200105", 20200105}, {"2020年1月5日", 20200105}, {"2020-01-05 10:30:00", 20200105},
  {"2020-02-29", 20200229}, {"2000-02-29", 20000229},
}
for _, case in ipairs(accepted) do
  is(nianbao.date(case[1]), case[2], "date: " .. case[1])
end
local refused = {
  {"2020-02-30", "no such date (2020-02-30)"},
  {"2019-02-29", "no such date (2019-02-29)"},
  {"2020-13-01", "no such date (2020-13-01)"},
  -- a year out of range is no date nianbao keeps, not "no such date" (the day exists)
  {"1020-01-05", "a year before 1900 (1020-01-05)"},
  {"0000-01-01", "a year before 1900 (0000-01-01)"},
  {"43831", "not a date (43831)"},        -- an Excel serial only comes from XLSX cells
  {"2020-01-05x", "not a date (2020-01-05x)"},
  {"", "not a date ()"},
}
for _, case in ipairs(refused) do
  is({nianbao.date(case[1])}, {nil, case[2]}, "date: '" .. case[1] .. "' refused")
end
error_is(function() nianbao.date() end, "bad argument #1 to 'date' (string expected, got no value)",
         "date: no argument raises")

-- nianbao.date_format(ymd) -> "YYYY-MM-DD"
is(nianbao.date_format(20200105), "2020-01-05", "date_format")
is(nianbao.date_format(nianbao.date("2020年12月31日")), "2020-12-31", "date_format of a parsed date")
error_is(function() nianbao.date_format(20200230) end,
         "bad argument #1 to 'date_format' (not a YYYYMMDD date)", "date_format: no such date raises")
error_is(function() nianbao.date_format("2020-01-05") end,
         "bad argument #1 to 'date_format' (number expected, got string)",
         "date_format: text raises")

-- nianbao.weekday(ymd) -> 1 (Monday) .. 7 (Sunday)
is(nianbao.weekday(20200101), 3, "weekday: 2020-01-01 was a Wednesday")
is(nianbao.weekday(20200106), 1, "weekday: 2020-01-06 was a Monday")
is(nianbao.weekday(20200105), 7, "weekday: 2020-01-05 was a Sunday")
error_is(function() nianbao.weekday(2020) end, "bad argument #1 to 'weekday' (not a YYYYMMDD date)",
         "weekday: not a date raises")

-- nianbao.add_days(ymd, n) -> ymd
is(nianbao.add_days(20200228, 1), 20200229, "add_days: into a leap day")
is(nianbao.add_days(20190228, 1), 20190301, "add_days: no leap day in 2019")
is(nianbao.add_days(20201231, 1), 20210101, "add_days: across a year")
is(nianbao.add_days(20200301, -1), 20200229, "add_days: backwards")
is(nianbao.add_days(20200105, 0), 20200105, "add_days: zero")
is(nianbao.add_days(20200101, 366), 20210101, "add_days: a leap year's length")
error_is(function() nianbao.add_days(20200101, 1.5) end,
         "bad argument #2 to 'add_days' (number has no integer representation)",
         "add_days: a fraction raises")

-- nianbao.days_between(a, b) -> b - a
is(nianbao.days_between(20200101, 20210101), 366, "days_between: 2020 has 366 days")
is(nianbao.days_between(20210101, 20220101), 365, "days_between: 2021 has 365 days")
is(nianbao.days_between(20200110, 20200101), -9, "days_between: negative when b is earlier")
is(nianbao.days_between(20200105, 20200105), 0, "days_between: same day")
error_is(function() nianbao.days_between(20200101, 20200132) end,
         "bad argument #2 to 'days_between' (not a YYYYMMDD date)",
         "days_between: a bad second date raises")

return tap.done()
