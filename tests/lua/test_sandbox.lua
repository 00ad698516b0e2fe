-- test_sandbox.lua - the sandbox: one test per denied capability, with its exact message.
-- (The instruction and memory limits stop the whole run: tests/cli/test_sandbox.sh.)
local tap = require "tap"
local is, ok, error_is, error_like = tap.is, tap.ok, tap.error_is, tap.error_like

local function denied(name)
  return name .. " is not available in nianbao scripts (sandbox)"
end

-- Processes, files and the environment.
error_is(function() os.execute("true") end, denied("os.execute"), "os.execute denied")
error_is(function() io.popen("true") end, denied("io.popen"), "io.popen denied")
error_is(function() io.open("/etc/passwd") end, denied("io.open"), "io.open denied")
error_is(function() io.lines("/etc/passwd") end, denied("io.lines"), "io.lines denied")
error_is(function() io.read() end, denied("io.read"), "io.read denied")
error_is(function() io.output("/tmp/x") end, denied("io.output"), "io.output denied")
error_is(function() os.exit(0) end, denied("os.exit"), "os.exit denied")
error_is(function() os.getenv("HOME") end, denied("os.getenv"), "os.getenv denied")
error_is(function() os.remove("/tmp/x") end, denied("os.remove"), "os.remove denied")
error_is(function() os.rename("/tmp/x", "/tmp/y") end, denied("os.rename"), "os.rename denied")
error_is(function() os.tmpname() end, denied("os.tmpname"), "os.tmpname denied")

-- Loading code: text only, never from files.
error_is(function() dofile("/etc/passwd") end, denied("dofile"), "dofile denied")
error_is(function() loadfile("/etc/passwd") end, denied("loadfile"), "loadfile denied")
error_is(function() string.dump(print) end, denied("string.dump"), "string.dump denied")
error_is(function() ("").dump(print) end, denied("string.dump"),
         "string.dump denied through the string metatable")
local binary = "\27Lua\84\0\25\147\13\10\26\10"
is({load(binary)}, {nil, "attempt to load a binary chunk (scripts load Lua text only)"},
   "load: a binary chunk is refused")
is({load(binary, "chunk", "b")}, {nil, "attempt to load a binary chunk (scripts load Lua text only)"},
   "load: asking for mode 'b' does not help (and the message does not say mode 't', which was not asked)")
is({load(binary, "chunk", "bt")}, {nil, "attempt to load a binary chunk (scripts load Lua text only)"},
   "load: nor mode 'bt'")
is(load("return 1 + 1")(), 2, "load: a text chunk runs")
is({load("return 1", "chunk", "b")}, {nil, "attempt to load a text chunk (mode is 'b')"},
   "load: a text chunk with mode 'b' is refused, as Lua's load does (it ran)")
error_is(function() load("leaked = 1", "=inline.lua")() end,
         "assignment to undeclared global 'leaked' (declare it local)",
         "load: a loaded chunk cannot set globals either")
local env = {}
load("x = 5", "chunk", "t", env)()
is(env.x, 5, "load: with an explicit environment")

-- Globals: none created, none read by mistake.
error_is(function() newglobal = 1 end,
         "assignment to undeclared global 'newglobal' (declare it local)",
         "assignment to a new global denied")
error_is(function() _G.viaG = 1 end, "assignment to undeclared global 'viaG' (declare it local)",
         "assignment to a new global through _G denied")
error_is(function() _ENV.viaENV = 1 end,
         "assignment to undeclared global 'viaENV' (declare it local)",
         "assignment to a new global through _ENV denied")
error_is(function() return undefined_name end, "undefined global 'undefined_name'",
         "reading an undefined global raises")
error_is(function() return debug.traceback() end, "undefined global 'debug'",
         "the debug library is absent")
error_is(function() return package.loadlib end, "undefined global 'package'",
         "the package library is absent")
error_is(function() setmetatable(_ENV, nil) end, "cannot change a protected metatable",
         "the environment's metatable is protected")
is(getmetatable(_ENV), "sandbox", "getmetatable(_ENV) hides the metatable")

-- require: only the program's folders and beside the script.
error_like(function() require "no_such_module" end,
           "^module 'no_such_module' not found %(looked in .+/lib, .+/scripts and beside the "
           .. "script%)$", "require of a missing module raises")
error_like(function() require "..tests.lua.tap" end, "^module '%.%.tests%.lua%.tap' not found",
           "require cannot climb out of the folders")
ok(require "tap" == tap, "require: a module is loaded once")

-- What stays available.
ok(type(os.time()) == "number" and os.date("%Y", 0) == "1970", "os.time and os.date remain")
ok(type(io.write) == "function", "io.write remains")
ok(math.floor(2.5) == 2 and utf8.len("年报") == 2 and table.concat({"a", "b"}) == "ab",
   "math, utf8 and table remain")
ok(pcall(collectgarbage, "count"), "collectgarbage remains")

-- Shared tables are read-only: one script cannot change them for the others.
error_is(function() string.upper = nil end, "'string' is shared by every script and cannot be changed",
         "string library is read-only")
error_is(function() nianbao.open = nil end, "'nianbao' is shared by every script and cannot be changed",
         "nianbao module is read-only")
error_is(function() rawset(_G, "leak", 1) end, "rawset: shared tables cannot be changed",
         "rawset(_G, ...) refused")
error_is(function() rawset(table, "x", 1) end, "rawset: shared tables cannot be changed",
         "rawset on a library refused")
ok(getmetatable("") == "locked", "getmetatable('') does not hand out the string table")
ok(("abc"):upper() == "ABC" and string.format("%d", 7) == "7", "string methods still work")
local names = 0
for _ in pairs(math) do names = names + 1 end
ok(names > 20, "pairs over a shared library still lists it")
ok(select("#", io.write("")) == 0, "io.write returns nothing (no stdout handle)")
local mine = {}
ok(rawset(mine, "x", 1) == mine and mine.x == 1, "rawset on a script's own table works")

-- A read-only view (nianbao.freeze, as the shared tables): deep, the same view of a table
-- each time; the view itself holds nothing.
local ro = nianbao.freeze({ a = { b = 1, list = { 10, 20, 30 } }, n = 2 })
ok(ro.a == ro.a and ro.a.list == ro.a.list, "freeze: a table reached twice is the same view")
ok(ro.a.b == 1 and ro.n == 2 and #ro.a.list == 3 and ro.a.list[2] == 20, "freeze: values read through")
error_is(function() ro.a.b = 2 end, "'a read-only table' is shared by every script and cannot be changed",
         "freeze: deep: a nested table refuses a change, naming the view")
error_is(function() rawset(ro.a.list, 4, 40) end, "rawset: shared tables cannot be changed",
         "freeze: rawset on a nested view refused")
ok(rawget(ro, "a") == nil and rawlen(ro.a.list) == 0 and next(ro) == nil,
   "freeze: the view itself is empty: raw access finds nothing")
local seen = {}
for k, v in pairs(ro) do seen[k] = v end
ok(seen.n == 2 and seen.a == ro.a, "freeze: pairs gives the views of nested tables")
ok(getmetatable(ro) == "locked" and getmetatable(ro.a) == "locked", "freeze: no metatable handed out")
collectgarbage()
ok(ro.a.b == 1 and ro.a == ro.a, "freeze: a view collected is made again, the same while held")
ok(nianbao.freeze(ro) == ro, "freeze: a view frozen again is itself")

return tap.done()
