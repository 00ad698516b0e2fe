-- formats.lua: the registry of report formats: the national ones (scripts/formats/*.lua),
-- then a body's stored layouts. It chooses the format of a year, checks --format, and
-- lists the formats for usage texts and the reference pages.

local format = require "format"
local stored = require "stored"

local formats = {}

local national_cache

--- The national formats, in order of their first year. A format without a last year is
--- in force until the next one begins (a new national format is one new file); two that
--- both name one year, or two with one id, are a defect of the program and raise.
function formats.national()
  if national_cache then return national_cache.list, national_cache.last end
  local list, by_id = {}, {}
  for _, name in ipairs(nianbao.script_names("formats")) do
    local f = format.lazily(require, "formats." .. name) -- their tables laid out when used
    if not format.is_format(f) then
      error(string.format("scripts/formats/%s.lua: a format file returns format.define{…}", name), 0)
    end
    if by_id[f.id] then error("two national formats with id " .. f.id, 0) end
    by_id[f.id] = f
    list[#list + 1] = f
  end
  table.sort(list, function(a, b) return (a.years and a.years.first or 0) < (b.years and b.years.first or 0) end)
  local last = {} -- format -> the last year it is in force (nil: open)
  for i, f in ipairs(list) do
    last[f] = f.years and f.years.last
    local nextf = list[i + 1]
    if f.years and nextf and nextf.years then
      if f.years.last and f.years.last >= nextf.years.first then
        error(string.format("national formats %s and %s both name %d", f.id, nextf.id, nextf.years.first), 0)
      end
      last[f] = f.years.last or nextf.years.first - 1
    end
  end
  national_cache = { list = list, last = last }
  return list, last
end

--- Loads a layout script { name =, content = } (a body's stored layout, or a file):
--- returns its format. Errors name the script.
function formats.load(script)
  local value = stored.run(script)
  if type(value) ~= "table" then
    stored.fail(script, "a layout returns format.define{…} (got %s)", type(value))
  end
  if not format.is_format(value) then
    local ok, f = pcall(format.define, value)
    if not ok then stored.fail(script, "%s", tostring(f)) end
    value = f
  end
  -- its tables laid out now, whatever the script did (format.lazily defers it)
  local ok, err = pcall(function() return value.tables end)
  if not ok then stored.fail(script, "%s", tostring(err)) end
  return value
end

local Registry = {}
Registry.__index = Registry
Registry.__metatable = "registry" -- its methods are shared: not handed to scripts

--- The registry of BODY in STORE: the national formats, then the body's stored layouts
--- (a stored layout with a national id replaces it for the body). Two stored layouts
--- with one id are refused.
function formats.for_body(store, body)
  local reg = setmetatable({ list = {}, by_id = {}, own = {}, last = {} }, Registry)
  local national, last = formats.national()
  for _, f in ipairs(national) do
    reg.list[#reg.list + 1] = f
    reg.by_id[f.id] = f
    reg.last[f] = last[f]
  end
  if store and body then
    local names = {}
    for _, s in ipairs(store:scripts(body, "layout")) do
      local f = formats.load(s)
      if names[f.id] then
        nianbao.fail(string.format("%s: stored layouts %s and %s both have id '%s'; delete one", body,
          names[f.id], s.name, f.id))
      end
      names[f.id] = s.name
      reg:add(f, s.name)
    end
  end
  return reg
end

--- Adds F (the body's own, from SOURCE) to the registry, replacing a format of its id.
function Registry:add(f, source)
  local replaced = self.by_id[f.id]
  if replaced then
    for i, g in ipairs(self.list) do if g == replaced then table.remove(self.list, i) break end end
  end
  self.list[#self.list + 1] = f
  self.by_id[f.id] = f
  self.own[f] = source or true
  self.last[f] = f.years and f.years.last
end

-- True when F is in force for YEAR in this registry.
local function in_force(self, f, year)
  local last = self.last[f]
  return f.years ~= nil and year >= f.years.first and (last == nil or year <= last)
end

--- The format in force for YEAR: the body's own that covers it, else the national one;
--- nil when none does.
function Registry:choose(year)
  for _, f in ipairs(self.list) do
    if self.own[f] and in_force(self, f, year) then return f end
  end
  for _, f in ipairs(self.list) do
    if in_force(self, f, year) then return f end
  end
  return nil
end

--- The format with ID, or nil and a message listing the ids.
function Registry:get(id)
  local f = self.by_id[id]
  if f then return f end
  return nil, string.format("no format '%s' (formats: %s)", tostring(id), table.concat(self:ids(), ", "))
end

--- The ids in order.
function Registry:ids()
  local ids = {}
  for _, f in ipairs(self.list) do ids[#ids + 1] = f.id end
  return ids
end

--- "gov2019 covers 2019–2020, gov2021 2021 on": what the formats cover, for messages.
function Registry:coverage()
  local parts = {}
  for i, f in ipairs(self.list) do
    if f.years then
      local y, last = f.years.first, self.last[f]
      local span = last == y and tostring(y) or last and string.format("%d-%d", y, last)
                   or string.format("%d on", y)
      parts[#parts + 1] = (i == 1 and (f.id .. " covers ") or (f.id .. " ")) .. span
    end
  end
  return table.concat(parts, ", ")
end

--- The id of the national format in force for YEAR, or nil.
function formats.national_for(year)
  local f = formats.for_body(nil, nil):choose(year)
  return f and f.id
end

return formats
