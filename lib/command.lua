-- command.lua: the machinery of the one command table (scripts/commands.lua): parsing a
-- command's options and arguments, and its usage text, help page and man page, all made
-- from the command's row, so they cannot disagree.
--
-- A row: { name =, summary =, args = { { "KIND", "what it is" }, … },
--          options = { { "--body", "NAME", "what it is", required = true, many = true,
--                        check = function(value) return value | nil, reason end,
--                        alt = true (this option or the one before it, not both:
--                        "[--body NAME | --all]" in the usage, both refused) }, … },
--          rest = true (the arguments after the first are the script's own),
--          existing_body = true (a --body must name a body of the store: refused before run),
--          own_scripts = true (it runs the program's scripts over the store alone: the
--          instruction limit counts only from a script not the program's own; others count all),
--          store = "read" | "write" | "create" | "none", store_path = true (with "none": its
--          scripts open the store -d names),
--          run = fn }

local command = {}

--- The options every command takes.
command.common = {
  { "-d", "FILE", "the store (default ./nianbao.db)" },
  { "--lock-wait", "SECONDS", "how long to wait for a store another process has locked (default 10; 0: not at all)",
    check = function(v)
      local n = tonumber(v)
      if not n or n < 0 or n > 86400 then return nil, "seconds from 0 to 86400 (" .. v .. ")" end
      return n
    end },
  { "--limit-seconds", "N", "stop any script, query or read after N seconds (default 600; 0: none)",
    check = function(v)
      local n = math.tointeger(tonumber(v))
      if not n or n < 0 or n > 86400 * 7 then return nil, "whole seconds from 0 (" .. v .. ")" end
      return n
    end },
  { "--limit-memory", "BYTES", "memory for scripts and for SQLite (default 1G; K, M, G)",
    check = function(v)
      local n, unit = v:match("^(%d+)([KkMmGg]?)$")
      local bytes = n and tonumber(n) * (({ k = 1024, m = 1024 ^ 2, g = 1024 ^ 3 })[unit:lower()] or 1)
      if not bytes or bytes < 2 ^ 20 or bytes > 2 ^ 40 then
        return nil, "bytes from 1M to 1024G, e.g. 512M (" .. v .. ")"
      end
      return math.tointeger(bytes)
    end },
  { "--limit-instructions", "N", "Lua instructions (and SQLite steps) a script may run "
      .. "(default 300000000, about a second of a loop; 0: none)",
    check = function(v)
      local n = math.tointeger(tonumber(v))
      if not n or n < 0 then return nil, "a whole number from 0 (" .. v .. ")" end
      return n
    end },
}

local function is_flag(o) return o[2] == nil end

-- The common options CMD takes: -d and --lock-wait when it opens the store (store =
-- "read", "write", "create"), -d alone when its scripts do (store = "none", store_path =
-- true: run), the limits whenever it has a store field at all.
local function common_of(cmd)
  local list = {}
  if not cmd.store then return list end
  local opens = cmd.store ~= "none"
  for i, o in ipairs(command.common) do
    if i > 2 or (i == 1 and (opens or cmd.store_path)) or (i == 2 and opens) then list[#list + 1] = o end
  end
  return list
end

--- The usage line of row CMD: "nianbao import [-d FILE] --body NAME [--dry-run] KIND FILE".
function command.usage(cmd)
  local parts = { "nianbao", cmd.name }
  if common_of(cmd)[1] == command.common[1] then parts[#parts + 1] = "[-d FILE]" end
  for _, o in ipairs(cmd.options or {}) do
    local text = is_flag(o) and o[1] or (o[1] .. " " .. o[2])
    if o.many then text = text .. " ..." end
    if o.alt then -- "[A]" -> "[A | B]"
      parts[#parts] = parts[#parts]:sub(1, -2) .. " | " .. text .. "]"
    else
      parts[#parts + 1] = o.required and text or ("[" .. text .. "]")
    end
  end
  for _, a in ipairs(cmd.args or {}) do
    parts[#parts + 1] = a.optional and ("[" .. a[1] .. "]") or a[1]
  end
  return table.concat(parts, " ")
end

-- Lines "  NAME   what it is", aligned.
local function aligned(rows)
  local width = 0
  for _, r in ipairs(rows) do width = math.max(width, nianbao.text_width(r[1])) end
  local out = {}
  for _, r in ipairs(rows) do
    out[#out + 1] = "  " .. r[1] .. string.rep(" ", width - nianbao.text_width(r[1]) + 3) .. r[2]
  end
  return out
end

-- The rows "name", "what" of CMD's arguments and options.
local function option_rows(cmd)
  local rows = {}
  for _, a in ipairs(cmd.args or {}) do rows[#rows + 1] = { a[1], a[2] } end
  local opts, common = {}, common_of(cmd)
  if common[1] == command.common[1] then opts[#opts + 1] = common[1] end
  for _, o in ipairs(cmd.options or {}) do opts[#opts + 1] = o end
  for _, o in ipairs(common) do
    if o ~= command.common[1] then opts[#opts + 1] = o end
  end
  for _, o in ipairs(opts) do
    local what = o[3] .. (o.required and " (required)" or "") .. (o.many and " (may be repeated)" or "")
    rows[#rows + 1] = { is_flag(o) and o[1] or (o[1] .. " " .. o[2]), what }
  end
  return rows
end

--- The help page of row CMD.
function command.help(cmd)
  local lines = { "usage: " .. command.usage(cmd), "", cmd.summary:sub(1, 1):upper() .. cmd.summary:sub(2) .. "." }
  if cmd.details then lines[#lines + 1] = cmd.details end
  lines[#lines + 1] = ""
  for _, l in ipairs(aligned(option_rows(cmd))) do lines[#lines + 1] = l end
  return table.concat(lines, "\n")
end

--- The overview of every command in TABLE, and the exit statuses.
function command.overview(table_, statuses)
  local rows = {}
  for _, cmd in ipairs(table_) do rows[#rows + 1] = { cmd.name, cmd.summary } end
  local lines = { "usage: nianbao COMMAND [OPTIONS] [ARGS]", "", "Commands:" }
  for _, l in ipairs(aligned(rows)) do lines[#lines + 1] = l end
  lines[#lines + 1] = ""
  lines[#lines + 1] = "'nianbao help COMMAND' or 'nianbao COMMAND --help' shows a command's options;"
  lines[#lines + 1] = "'nianbao --version' the version."
  lines[#lines + 1] = ""
  lines[#lines + 1] = "Exit status:"
  for _, l in ipairs(aligned(statuses)) do lines[#lines + 1] = l end
  return table.concat(lines, "\n")
end

-- troff text: backslashes and leading dots escaped, hyphens as \-.
local function roff(s)
  s = s:gsub("\\", "\\e"):gsub("%-", "\\-")
  if s:sub(1, 1) == "." or s:sub(1, 1) == "'" then s = "\\&" .. s end
  return s
end

--- The man page nianbao(1), from TABLE and STATUSES.
function command.man(table_, statuses, version)
  local out = {
    '.TH NIANBAO 1 "" "nianbao ' .. version .. '" "User Commands"',
    ".SH NAME",
    "nianbao \\- government information disclosure annual reports (政府信息公开工作年度报告) from records",
    ".SH SYNOPSIS",
  }
  for _, cmd in ipairs(table_) do
    out[#out + 1] = ".B " .. roff(command.usage(cmd))
    out[#out + 1] = ".br"
  end
  out[#out + 1] = ".SH DESCRIPTION"
  out[#out + 1] = "nianbao builds the annual report of a government body from record-level data, in the "
    .. "national format in force for the year, and proves it consistent. The store is one SQLite file "
    .. "(default ./nianbao.db, or \\-d FILE)."
  out[#out + 1] = ".SH COMMANDS"
  for _, cmd in ipairs(table_) do
    out[#out + 1] = ".SS " .. cmd.name
    out[#out + 1] = roff(command.usage(cmd))
    out[#out + 1] = ".PP"
    out[#out + 1] = roff(cmd.summary:sub(1, 1):upper() .. cmd.summary:sub(2) .. ".")
    if cmd.details then out[#out + 1] = roff(cmd.details) end
    for _, r in ipairs(option_rows(cmd)) do
      out[#out + 1] = ".TP"
      out[#out + 1] = ".B " .. roff(r[1])
      out[#out + 1] = roff(r[2])
    end
  end
  out[#out + 1] = ".SH EXIT STATUS"
  for _, s in ipairs(statuses) do
    out[#out + 1] = ".TP"
    out[#out + 1] = ".B " .. roff(s[1])
    out[#out + 1] = roff(s[2])
  end
  out[#out + 1] = ".SH ENVIRONMENT"
  out[#out + 1] = ".TP"
  out[#out + 1] = ".B NIANBAO_HOME"
  out[#out + 1] = "The folder holding scripts/ and lib/ (default: beside the binary, or PREFIX/share/nianbao)."
  return table.concat(out, "\n") .. "\n"
end

--- Parses ARGS for row CMD into opt (option name without dashes -> value, or a list for
--- many; flags true) and the positional arguments. Returns opt, positional or nil, message.
function command.parse(cmd, args)
  local by = {}
  local all = {}
  for _, o in ipairs(cmd.options or {}) do all[#all + 1] = o end
  for _, o in ipairs(common_of(cmd)) do all[#all + 1] = o end
  for _, o in ipairs(all) do by[o[1]] = o end
  local opt, positional, i = {}, {}, 1
  while i <= #args do
    local a = args[i]
    local name, inline = a:match("^(%-%-?[%w][%w%-]*)=(.*)$")
    name = name or a
    if cmd.rest and #positional > 0 and not (a == "-d" and args[i + 1]) then
      positional[#positional + 1] = a
    elseif a == "--" then
      for j = i + 1, #args do positional[#positional + 1] = args[j] end
      break
    elseif name:sub(1, 1) == "-" and #name > 1 then
      local o = by[name]
      if not o then return nil, "unknown option " .. name end
      local key = o[1]:gsub("^%-+", ""):gsub("%-", "_")
      local value = true
      if not is_flag(o) then
        if inline then
          value = inline
        else
          i = i + 1
          value = args[i]
          if value == nil then return nil, o[1] .. " needs a value (" .. o[2] .. ")" end
        end
        if o.check then
          local v, why = o.check(value)
          if v == nil then return nil, o[1] .. ": " .. why end
          value = v
        end
      elseif inline then
        return nil, o[1] .. " takes no value"
      end
      if o.many then
        opt[key] = opt[key] or {}
        table.insert(opt[key], value)
      elseif opt[key] ~= nil and not is_flag(o) then
        return nil, o[1] .. " is given twice"
      else
        opt[key] = value
      end
    else
      positional[#positional + 1] = a
    end
    i = i + 1
  end
  local function given(o) return opt[o[1]:gsub("^%-+", ""):gsub("%-", "_")] ~= nil end
  for i, o in ipairs(all) do
    if o.required and not given(o) then
      return nil, o[1] .. " " .. o[2] .. " is required"
    end
    if o.alt and given(o) and given(all[i - 1]) then
      local a, b = all[i - 1], o
      return nil, "give " .. (is_flag(a) and a[1] or a[1] .. " " .. a[2]) .. " or "
        .. (is_flag(b) and b[1] or b[1] .. " " .. b[2]) .. ", not both"
    end
  end
  return opt, positional
end

return command
