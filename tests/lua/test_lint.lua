-- test_lint.lua - lint.check of a PDF's text: the narrative's lines joined into sentences
-- before T1 compares the numbers they state with the cells (lib/lint.lua).
-- Run as `nianbao -d TMP.db run tests/lua/test_lint.lua`.
local tap = require "tap"
local is = tap.is
local lint = require "lint"

-- the tables of the seed report (tests/lint/seed.txt: 220 new requests), and TEXT as the
-- report's text lines, read from a PDF (WRAPPED) or a page
local seed = assert(nianbao.read_text("tests/lint/seed.txt"))
local function check(text, wrapped)
  local res = assert(lint.read_text(seed, { year = 2020 }))
  res.text, res.wrapped = text, wrapped
  local found = {}
  for _, c in ipairs(lint.check(res)) do
    if c.id == "T1" then found[#found + 1] = c.message .. " " .. c.status end
  end
  return table.concat(found, ", ")
end

-- a sentence broken after 公开 (开 ends in byte 0x80, one of 。's bytes): one sentence
local lines = { { line = 10, text = "全年共收到政府信息公开" }, { line = 11, text = "申请999件，办结192件。" } }
is(check(lines, true), "“999” FAIL, “192” PASS", "a PDF's line ending in 公开 goes on into the next: 999 compared, and wrong")
is(check(lines, false), "“192” PASS", "a page's lines are paragraphs of their own: the broken sentence is not compared")
-- a line that ends a sentence is a paragraph's end
lines = { { line = 10, text = "全年共收到政府信息公开申请。" }, { line = 11, text = "申请999件。" } }
is(check(lines, true), "", "a line ending in 。 ends its paragraph")
for _, p in ipairs{ "！", "？", "：", "；" } do
  lines = { { line = 10, text = "全年共收到政府信息公开" .. p }, { line = 11, text = "申请999件。" } }
  is(check(lines, true), "", "nor across " .. p)
end
-- lines not next to each other (a table between them) are not one sentence
lines = { { line = 10, text = "全年共收到政府信息公开" }, { line = 14, text = "申请999件。" } }
is(check(lines, true), "", "lines apart are not joined")
-- the seed's tables as a PDF's text lays them out (cells apart by spaces, no pipes) read as
-- the same values as its pipe rows
local function ser(v)
  if type(v) ~= "table" then return tostring(v) end
  local ks = {}
  for k in pairs(v) do ks[#ks + 1] = k end
  table.sort(ks, function(a, b) return tostring(a) < tostring(b) end)
  local o = {}
  for _, k in ipairs(ks) do o[#o + 1] = tostring(k) .. "=" .. ser(v[k]) end
  return "{" .. table.concat(o, ",") .. "}"
end
local piped = ser(assert(lint.read_text(seed, { year = 2020 })).values)
local laid = ser(assert(lint.read_text((seed:gsub(" *|[ |]*", "   ")), { year = 2020 })).values)
is(#piped > 1000 and laid, piped, "the seed laid out in columns: the values of its pipe rows")
-- a long paragraph on one line (1,800 characters: a page's text, a Markdown report whose
-- narrative has one) is read: the pipe rows were counted, and a layout line's cells cut, by
-- patterns of two repetitions, which the sandbox refuses on lines that long
local para = ("本机关依法公开政府信息，"):rep(150)
local ok, res = pcall(lint.read_text, seed .. "\n" .. para .. "\n", { year = 2020 })
is(ok and ser(res.values), piped, "a text with a paragraph of 1,800 characters is read, its tables as before: " .. tostring(ok or res))
-- a layout line (no pipe rows: a PDF's text) of 6,000 characters with cells apart
ok, res = pcall(lint.read_text, "一、总体情况\n" .. ("字"):rep(3000) .. (" "):rep(12) .. ("文"):rep(3000) .. "  x\n", { year = 2020 })
is(ok, true, "a layout line of 6,000 characters is cut into its cells: " .. tostring(ok or res))
tap.done()
