--- stored.lua - a body's stored scripts (rule files and layouts), run in the restricted
--- environment. One that does not compile or fails is a data error (nianbao.fail) naming
--- the script: the command line prints it without a traceback of the program.
local stored = {}

--- Runs the script { name =, content = }: the value it returns.
function stored.run(s)
  local chunk, err = nianbao.load_restricted(s.content, s.name)
  if not chunk then -- Lua's messages name the chunk; a refused compiled one is named here
    nianbao.fail(err:sub(1, #s.name + 1) == s.name .. ":" and err or s.name .. ": " .. err)
  end
  local ok, value = pcall(chunk)
  if not ok then
    if type(value) ~= "string" then error(value, 0) end -- already a data error
    if value:sub(1, #s.name + 1) ~= s.name .. ":" then value = s.name .. ": " .. value end
    nianbao.fail(value)
  end
  return value
end

--- Raises a data error about the script { name = } (the message is prefixed by its name).
function stored.fail(s, fmt, ...)
  nianbao.fail(s.name .. ": " .. string.format(fmt, ...))
end

return stored
