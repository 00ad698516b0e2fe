-- cli.lua: the nianbao command line. host/main.c calls it as cli.lua(host, ARGS...) and exits
-- with the status it returns. Every command is a row of scripts/commands.lua; this file
-- finds the row, parses the options with lib/command.lua, opens the store and runs it.

local host = ...
local args = { select(2, ...) }
local command = require "command"
local commands = require "commands"

-- Prints the usage of CMD (or the overview) with MESSAGE and ends with status 2.
local function usage_error(cmd, message)
  local text = cmd and ("usage: " .. command.usage(cmd) .. "\n('nianbao help " .. cmd.name
    .. "' shows its options)") or "('nianbao help' shows the commands)"
  host.fail((cmd and (cmd.name .. ": ") or "") .. message .. "\n" .. text, 2)
end

local function help(name, man)
  if man then
    io.write(command.man(commands.list, commands.statuses, host.version().nianbao))
    return 0
  end
  if not name then
    print(command.overview(commands.list, commands.statuses))
    return 0
  end
  local cmd = commands.by_name[name]
  if not cmd then usage_error(nil, "unknown command '" .. name .. "'") end
  print(command.help(cmd))
  return 0
end

-- Options before the command: those every command takes (-d FILE, …), --help, --version.
-- They are passed on to the command's own parsing.
local i, leading = 1, {}
local common = {}
for _, o in ipairs(command.common) do common[o[1]] = o end
while args[i] and args[i]:sub(1, 1) == "-" do
  local a = args[i]
  if common[a] and args[i + 1] then
    leading[#leading + 1], leading[#leading + 2] = a, args[i + 1]
    i = i + 2
  elseif common[a] then -- the last word: "-d" alone said "unknown option -d"
    usage_error(nil, a .. " needs a value (" .. (common[a][2] or "VALUE") .. ")")
  elseif a == "--help" or a == "-h" then
    return help(nil)
  elseif a == "--version" then
    local v = host.version()
    print(string.format("nianbao %s (schema %d, %s, SQLite %s)", v.nianbao, v.schema, v.lua, v.sqlite))
    return 0
  else
    usage_error(nil, "unknown option " .. a)
  end
end
local name = args[i]
if not name then
  host.eprint(command.overview(commands.list, commands.statuses))
  return 2
end
if name == "version" then
  local v = host.version()
  print(string.format("nianbao %s (schema %d, %s, SQLite %s)", v.nianbao, v.schema, v.lua, v.sqlite))
  return 0
end
local cmd = commands.by_name[name]
if not cmd then usage_error(nil, "unknown command '" .. name .. "'") end
local rest = { table.unpack(args, i + 1) }
for k = #leading, 1, -1 do table.insert(rest, 1, leading[k]) end
for _, a in ipairs(rest) do
  if a == "--" or (cmd.rest and a:sub(1, 1) ~= "-") then break end
  if a == "--help" or a == "-h" then
    print(command.help(cmd))
    return 0
  end
end
local opt, positional = command.parse(cmd, rest)
if not opt then usage_error(cmd, positional) end
if opt.d then host.set_store(opt.d) end
-- the limits' defaults from the environment, read and checked as their options are
for _, o in ipairs(command.common) do
  local var = ({ ["--limit-memory"] = "NIANBAO_MEMORY_LIMIT", ["--limit-instructions"] = "NIANBAO_INSTRUCTION_LIMIT" })[o[1]]
  local key = var and o[1]:sub(3):gsub("%-", "_")
  local v = var and cmd.store and opt[key] == nil and host.getenv(var)
  if v and v ~= "" then
    local n, why = o.check(v)
    if not n then host.fail(var .. ": " .. why, 2) end
    opt[key] = n
  end
end
if opt.limit_seconds or opt.limit_memory or opt.limit_instructions then
  host.set_limits{ seconds = opt.limit_seconds, memory = opt.limit_memory, instructions = opt.limit_instructions }
end

local c = { host = host, opt = opt, args = positional, help = help,
            usage_error = function(message) usage_error(cmd, message) end }
if cmd.store and cmd.store ~= "none" then
  -- a command whose options may ask less of the store (init --verify reads alone)
  local mode = cmd.store_mode and cmd.store_mode(opt) or cmd.store
  local store, err, why = host.open(nianbao.db, mode, opt.lock_wait)
  if not store then host.fail(err, why == "busy" and 3 or 2) end
  c.store = store
  -- a --body that names no body is bad input: its message alone, before the command starts
  if cmd.existing_body and opt.body then
    local ok, err = pcall(store.body, store, opt.body)
    if not ok then host.fail(tostring(err)) end
  end
end
-- The instruction limit counts a script that is not the program's own from its compiling
-- on (lua_limits.c); a command that reads files it was given counts its own scripts too:
-- only those that run the program's scripts over the store alone do not (own_scripts).
if not cmd.own_scripts then host.count_instructions() end
local status = cmd.run(c)
if c.store then c.store:close() end
return status
