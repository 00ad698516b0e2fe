-- narrative.lua: the body's Markdown text for a year -> report blocks, placeholders filled.
--
-- The text's "## " headings name the report parts (一、总体情况 ...); text
-- before the first is the preface; "### " makes a sub-heading; paragraphs are
-- separated by blank lines (lines of one paragraph are joined). A placeholder
-- {{table.row.col}} is replaced by the display text of that table cell, e.g.
-- {{requests.new.total}} or {{requests.4.1.person}} (the row key may hold dots).

local narrative = {}

--- Splits TEXT into { preface = {blocks}, parts = { [title] = {blocks} }, order = {titles} }.
--- Each block: { type = "heading"|"para", level = 2, text = ..., line = N }.
--- KNOWN: the accepted part titles, title -> its place in the report (1, 2, …; the
--- message of an unknown heading lists them in that order); WHERE: name used in messages.
-- S without the white space at either end. (No pattern of several repetitions: the
-- sandbox refuses those on long texts, and a paragraph may be thousands of characters.)
local function trim(s)
  local i = s:find("%S")
  if not i then return "" end
  local j = #s
  while j > i and s:find("^%s", j) do j = j - 1 end
  return s:sub(i, j)
end

function narrative.parse(text, known, where)
  local out = { preface = {}, parts = {}, order = {} }
  local current = out.preface
  local para, para_line = {}, nil
  local function flush()
    if #para > 0 then
      current[#current + 1] = { type = "para", text = table.concat(para), line = para_line }
      para, para_line = {}, nil
    end
  end
  local n = 0
  for line in (text .. "\n"):gmatch("(.-)\r?\n") do
    n = n + 1
    local h2, h3
    if line:find("^###") then
      if line:find("^###%s") then h3 = trim(line:sub(4)) end
    elseif line:find("^##%s") then
      h2 = trim(line:sub(3))
    end
    if h2 then
      flush()
      local title = h2:gsub("%(", "（"):gsub("%)", "）")
      if not known[title] then
        local list = {}
        for k in pairs(known) do list[#list + 1] = k end
        table.sort(list, function(a, b) -- the report's order (a set of true: by name)
          local x, y = tonumber(known[a]), tonumber(known[b])
          if x and y and x ~= y then return x < y end
          return a < b
        end)
        nianbao.fail(string.format("%s:%d: unknown part heading '## %s' (parts: %s)", where, n, h2,
          table.concat(list, ", ")))
      end
      if out.parts[title] then
        nianbao.fail(string.format("%s:%d: part '%s' appears twice", where, n, title))
      end
      current = {}
      out.parts[title] = current
      out.order[#out.order + 1] = title
    elseif h3 then
      flush()
      current[#current + 1] = { type = "heading", level = 2, text = h3, line = n }
    elseif not line:find("%S") then
      flush()
    else
      if not para_line then para_line = n end
      para[#para + 1] = trim(line)
    end
  end
  flush()
  return out
end

--- Replaces {{table.row.col}} in every block of PARSED using CELL(table, row,
--- col) -> display text or nil. Unknown cells raise "WHERE:LINE: ...".
function narrative.fill(parsed, cell, where)
  local function value(ref, line)
    local t, rest = ref:match("^([%w_]+)%.(.+)$")
    local row, col
    if rest then row, col = rest:match("^(.+)%.([%w_]+)$") end
    local v = row and cell(t, row, col)
    if v == nil then
      nianbao.fail(string.format("%s:%d: placeholder {{%s}} names no table cell (table.row.column, e.g. requests.new.total)",
        where, line or 0, ref))
    end
    return v
  end
  -- TEXT with each {{ ref }} (a name of letters, digits, _ and .) replaced by its value;
  -- scanned by hand, not with a pattern of three repetitions the sandbox refuses on a
  -- long paragraph. Linear in the text: each "{{" must open a placeholder, and the first
  -- that does not is refused ("{{" 60,000 times, spaces, then "}}" took minutes when each
  -- was passed over one character at a time), and a candidate longer than any reference
  -- (256 bytes) is not trimmed.
  -- A brace too few or too many, or an empty placeholder, was printed as it was in the
  -- report ("共收到申请{{requests.new.total}件"): refused, with the text around it.
  local usage = "{{table.row.column}}, e.g. {{requests.new.total}}"
  local function around(text, at)
    local a, b = math.max(1, at - 60), math.min(#text, at + 61)
    while a > 1 and (text:byte(a) or 0) & 0xC0 == 0x80 do a = a - 1 end -- whole characters
    while b < #text and (text:byte(b + 1) or 0) & 0xC0 == 0x80 do b = b + 1 end
    return (a > 1 and "…" or "") .. text:sub(a, b) .. (b < #text and "…" or "")
  end
  local function stray(text, from, to, line)
    local c = text:find("}}", from, true)
    if c and c < to then
      nianbao.fail(string.format("%s:%d: '}}' closes no placeholder (%s): %s", where, line or 0, usage,
        around(text, c)))
    end
  end
  local function filled(text, line)
    local out, pos = {}, 1
    while true do
      local s = text:find("{{", pos, true)
      stray(text, pos, s or #text + 1, line)
      if not s then break end
      while text:byte(s + 2) == 123 do s = s + 1 end -- a brace before one is text: "{{{x}}"
      local e = text:find("}}", s + 2, true)
      local ref = e and e - s - 2 <= 256 and trim(text:sub(s + 2, e - 1))
      if not (ref and ref:find("^[%w_%.]+$")) then
        nianbao.fail(string.format("%s:%d: '{{' opens no placeholder (a name and '}}' after it: %s): %s",
          where, line or 0, usage, around(text, s)))
      end
      out[#out + 1] = text:sub(pos, s - 1)
      out[#out + 1] = value(ref, line)
      pos = e + 2
    end
    out[#out + 1] = text:sub(pos)
    return table.concat(out)
  end
  local function fill_blocks(blocks)
    for _, b in ipairs(blocks) do b.text = filled(b.text, b.line) end
  end
  fill_blocks(parsed.preface)
  for _, title in ipairs(parsed.order) do fill_blocks(parsed.parts[title]) end
  return parsed
end

return narrative
