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
    local h2 = line:match("^##%s+(.-)%s*$")
    local h3 = line:match("^###%s+(.-)%s*$")
    if line:match("^###") then h2 = nil end
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
    elseif line:match("^%s*$") then
      flush()
    else
      if not para_line then para_line = n end
      para[#para + 1] = line:match("^%s*(.-)%s*$")
    end
  end
  flush()
  return out
end

--- Replaces {{table.row.col}} in every block of PARSED using CELL(table, row,
--- col) -> display text or nil. Unknown cells raise "WHERE:LINE: ...".
function narrative.fill(parsed, cell, where)
  local function fill_blocks(blocks)
    for _, b in ipairs(blocks) do
      b.text = b.text:gsub("{{%s*([%w_%.]+)%s*}}", function(ref)
        local t, rest = ref:match("^([%w_]+)%.(.+)$")
        local row, col
        if rest then row, col = rest:match("^(.+)%.([%w_]+)$") end
        local v = row and cell(t, row, col)
        if v == nil then
          nianbao.fail(string.format("%s:%d: placeholder {{%s}} names no table cell (table.row.column, e.g. requests.new.total)",
            where, b.line or 0, ref))
        end
        return v
      end)
    end
  end
  fill_blocks(parsed.preface)
  for _, title in ipairs(parsed.order) do fill_blocks(parsed.parts[title]) end
  return parsed
end

return narrative
