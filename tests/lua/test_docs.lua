-- test_docs.lua: docs/lua-api.md documents exactly the functions the host registers.
local doc = assert(nianbao.read_text("docs/lua-api.md"))
local stub = assert(nianbao.read_text("docs/nianbao.d.lua"))
local failed = 0
local function check(cond, name)
  print((cond and "ok - " or "not ok - ") .. name)
  if not cond then failed = failed + 1 end
end

-- The names the host registers, read from its own registration tables.
local api = nianbao.api()
local registered = {}
for _, name in ipairs(api.nianbao) do registered[#registered + 1] = "nianbao." .. name end
for _, name in ipairs(api.store) do registered[#registered + 1] = "store:" .. name end
for _, name in ipairs(api.cube) do registered[#registered + 1] = "cube:" .. name end
for _, name in ipairs(api.doc) do registered[#registered + 1] = "doc:" .. name end
check(#api.store > 10 and #api.cube >= 4, "nianbao.api lists the store and cube methods")
local store = assert(nianbao.open(nianbao.db, { create = true }))
check(getmetatable(store) == "nianbao.store", "the store's metatable is not handed out")
table.sort(registered)

local documented = {}
for name in doc:gmatch("\n### ([%w_.:]+)") do documented[name] = true end
local known = {}
for _, name in ipairs(registered) do
  known[name] = true
  check(documented[name], "documented: " .. name)
  local stub_name = name:gsub("^store:", "Store:"):gsub("^cube:", "Cube:"):gsub("^doc:", "Doc:")
  check(stub:find(stub_name, 1, true) ~= nil, "in the LuaLS stub: " .. name)
end
for name in pairs(documented) do
  check(known[name], "documented function exists: " .. name)
end
store:close()
return failed > 0 and 1 or 0
