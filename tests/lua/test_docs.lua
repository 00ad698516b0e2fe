-- test_docs.lua: docs/lua-api.md documents exactly the functions the host registers.
local doc = assert(nianbao.read_text("docs/lua-api.md"))
local stub = assert(nianbao.read_text("docs/nianbao.d.lua"))
local failed = 0
local function check(cond, name)
  print((cond and "ok - " or "not ok - ") .. name)
  if not cond then failed = failed + 1 end
end

local store = assert(nianbao.open(nianbao.db, { create = true }))
local registered = {}
for name in pairs(nianbao) do registered[#registered + 1] = "nianbao." .. name end
for name in pairs(getmetatable(store).__index) do registered[#registered + 1] = "store:" .. name end
local B = "文档测试"
store:insert("request", B, { id = "1", received = "2020-01-02", applicant = "person" })
local cube = store:flow("request", { body = B, year = 2020 })
for name in pairs(getmetatable(cube).__index) do registered[#registered + 1] = "cube:" .. name end
table.sort(registered)

local documented = {}
for name in doc:gmatch("\n### ([%w_.:]+)") do documented[name] = true end
local known = {}
for _, name in ipairs(registered) do
  known[name] = true
  check(documented[name], "documented: " .. name)
  local stub_name = name:gsub("^store:", "Store:"):gsub("^cube:", "Cube:")
  check(stub:find(stub_name, 1, true) ~= nil, "in the LuaLS stub: " .. name)
end
for name in pairs(documented) do
  check(known[name], "documented function exists: " .. name)
end
store:close()
return failed > 0 and 1 or 0
