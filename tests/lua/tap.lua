-- tap.lua - a small TAP helper for the Lua API tests: prints "ok - name" / "not ok - name ...".
-- Returns a table and sets no globals (the sandbox refuses them). A test file ends with
-- `return tap.done()`, whose result is the exit status of `nianbao run`.
local tap = {}

local failed, count = 0, 0

local function show(v)
  if type(v) == "string" then
    return string.format("%q", v)
  end
  return tostring(v)
end

-- Deep equality of plain values and tables.
local function same(a, b)
  if a == b then
    return true
  end
  if type(a) ~= "table" or type(b) ~= "table" then
    return false
  end
  for k, v in pairs(a) do
    if not same(v, b[k]) then
      return false
    end
  end
  for k in pairs(b) do
    if a[k] == nil then
      return false
    end
  end
  return true
end

-- Compact text of a value, tables included (keys sorted), for failure messages.
local function dump(v)
  if type(v) ~= "table" then
    return show(v)
  end
  local keys = {}
  for k in pairs(v) do
    keys[#keys + 1] = k
  end
  table.sort(keys, function(x, y) return tostring(x) < tostring(y) end)
  local parts = {}
  for _, k in ipairs(keys) do
    parts[#parts + 1] = "[" .. show(k) .. "]=" .. dump(v[k])
  end
  return "{" .. table.concat(parts, ", ") .. "}"
end

-- ok(cond, name [, detail]): one assertion, one line.
function tap.ok(cond, name, detail)
  count = count + 1
  if cond then
    print("ok - " .. name)
  else
    failed = failed + 1
    print("not ok - " .. name .. (detail and (" (" .. detail .. ")") or ""))
  end
  return cond
end

-- is(got, want, name): equality, deep for tables.
function tap.is(got, want, name)
  return tap.ok(same(got, want), name, "got " .. dump(got) .. ", want " .. dump(want))
end

-- like(got, pattern, name): a string matching a Lua pattern.
function tap.like(got, pattern, name)
  return tap.ok(type(got) == "string" and got:find(pattern) ~= nil, name,
                "got " .. show(got) .. ", want a match of " .. show(pattern))
end

-- Calls fn in protection; returns the error message without its leading "SCRIPT:LINE: "
-- position (where it was raised is the CLI tests' concern), or nil and a reason.
local function raised(fn)
  local ok, msg = pcall(fn)
  if ok then
    return nil, "no error raised"
  end
  if type(msg) == "string" then
    msg = msg:gsub("^[^\n:]+%.lua:%d+: ", "", 1)
  end
  return msg
end

-- error_is(fn, message, name): fn raises exactly MESSAGE (after the position).
function tap.error_is(fn, message, name)
  local msg, why = raised(fn)
  return tap.ok(msg == message, name, why or ("got " .. show(msg) .. ", want " .. show(message)))
end

-- error_like(fn, pattern, name): fn raises a message (after the position) matching PATTERN.
function tap.error_like(fn, pattern, name)
  local msg, why = raised(fn)
  return tap.ok(type(msg) == "string" and msg:find(pattern) ~= nil, name,
                why or ("got " .. show(msg) .. ", want a match of " .. show(pattern)))
end

-- here(): "SCRIPT:LINE: " of the caller's current line, as errors show it.
function tap.here()
  -- error's level 1 is pcall (C), 2 the sandbox's pcall wrapper (C), 3 here, 4 its caller.
  local _, msg = pcall(error, "", 4)
  return msg
end

-- done(): a summary comment; the exit status (0 when all passed).
function tap.done()
  print(string.format("# %d tests, %d failed", count, failed))
  return failed == 0 and 0 or 1
end

return tap
