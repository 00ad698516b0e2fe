-- narrative.lua: the body of the narrative fuzz target (tests/fuzz/fuzz_narrative.c): returns
-- a function that parses TEXT as a narrative of the national parts and fills its
-- placeholders from a small document made in C.
local narrative = require "narrative"
local national = require "national"
local layout = require "layout"

local known = {}
for _, p in ipairs(national.parts) do known[p.title] = true end
local t = layout.table{ id = "requests", title = "表", ncols = 3 }
t:row({ layout.label("一、本年新收"), layout.num(220, "total"), layout.num(-3, "person", { fmt = "signed" }) }, "new")
t:row({ layout.label("金额"), layout.num(21350.46, "amount", { fmt = "money_unit" }), layout.num(nil, "x") }, "money")
local doc = nianbao.document{ title = "测试", tables = { t:finish() } }

return function(text)
  local parsed = narrative.parse(text, known, "fuzz.md")
  narrative.fill(parsed, function(tb, r, c) local _, s = doc:cell(tb, r, c); return s end, "fuzz.md")
end
