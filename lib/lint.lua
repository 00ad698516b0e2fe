-- lint.lua: reads the tables of a published report back (nianbao lint).
--
-- A published report is read as lines of cells (the pipe rows of a page copied as text,
-- the cells of an HTML page's or a Word document's tables, the rows of a workbook's
-- sheets, the columns of a PDF's lines).
-- Its tables are found by their headings and their rows' labels, never by position, and
-- mapped to the keys of the JSON contract through the national formats themselves: each
-- format's finished, empty tables (Format:build) say which labels a row has and which
-- data cells follow them, in order. Labels are compared after normalising the ways pages
-- write them (full-width and ASCII brackets and digits, 、，. as separators, numbering
-- styles, spaces); the catalogue's variants and typos of each national value are
-- recognised and reported, and a label within two characters of exactly one official
-- label (one for a label of three to five characters, none for a shorter one) is read as
-- it, with a note. A label that runs on from the cell before it (a PDF's table without
-- cell margins) is read from the numbering inside it, and the start of exactly one
-- official label (a row broken at a page's end) as that label, with a note. A blank row
-- (no figure) is read by its label alone, only as the format writes it, numbering too; as
-- blank cells read in either format, the format is the one whose texts and rows the page
-- fits best. The figures then go through the national checks (H1-H5, and Y1-Y3 across
-- the years of one body given together).
--
--   local r = lint.read_text(text, { year =, format = })
--   -- r = { format =, year =, values = { t = { row = { col = n|false } } },
--   --       marks = { "t.row.col" = "/" }, findings = { … }, rows = { t = { found, expected } },
--   --       at = { "t.row.col" = the line it was read on } }

local formats = require "formats"

local lint = {}

-- ---- text ----

local fullwidth_space = utf8.char(0x3000)

-- A full-width form (U+FF00-FF7F, three bytes) as ASCII where it is one (U+FF01-FF5E).
local function halfwidth(c)
  local cp = utf8.codepoint(c)
  return cp >= 0xFF01 and cp <= 0xFF5E and string.char(cp - 0xFEE0) or c
end

--- S with full-width ASCII as ASCII, the ideographic space as a space, and the
--- separators and brackets pages vary on written one way: what two labels are compared on.
function lint.norm(s)
  s = s:gsub("\239[\188\189][\128-\191]", halfwidth):gsub("\227\128\128", " ")
  s = s:gsub("[%s]", "")
  s = s:gsub("、", "."):gsub("，", "."):gsub(",", "."):gsub("。", "."):gsub("．", ".")
  s = s:gsub("“", "\""):gsub("”", "\""):gsub("‘", "'"):gsub("’", "'")
  s = s:gsub("〔", "("):gsub("〕", ")"):gsub("【", "("):gsub("】", ")")
  return s
end

local cn_numbers = { "一", "二", "三", "四", "五", "六", "七", "八", "九", "十" }

--- The normalised label L without its numbering ("一、" "(一)" "1." "1、" "(1)"), and the
--- numbering, normalised ("一" "(一)" "1" "(1)"; "" when none).
function lint.unnumber(l)
  l = lint.norm(l)
  for _, n in ipairs(cn_numbers) do
    local rest = l:match("^" .. n .. "%.(.*)$")
    if rest then return rest, n end
    rest = l:match("^%(" .. n .. "%)%.?(.*)$")
    if rest then return rest, "(" .. n .. ")" end
  end
  local d, rest = l:match("^(%d+)%.(.*)$")
  if d then return rest, d end
  d, rest = l:match("^%((%d+)%)%.?(.*)$")
  if d then return rest, "(" .. d .. ")" end
  return l, ""
end

-- The characters of S (UTF-8) as a list.
local function chars(s)
  local out = {}
  for _, cp in utf8.codes(s) do out[#out + 1] = cp end
  return out
end

--- The edit distance between A and B (characters), or LIMIT + 1 when it is over LIMIT.
function lint.distance(a, b, limit)
  local x, y = chars(a), chars(b)
  if math.abs(#x - #y) > limit then return limit + 1 end
  local prev = {}
  for j = 0, #y do prev[j] = j end
  for i = 1, #x do
    local cur, best = { [0] = i }, i
    for j = 1, #y do
      cur[j] = math.min(prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + (x[i] == y[j] and 0 or 1))
      if cur[j] < best then best = cur[j] end
    end
    if best > limit then return limit + 1 end
    prev = cur
  end
  return prev[#y]
end

-- ---- values ----

local units = { [""] = true, ["件"] = true, ["个"] = true, ["项"] = true, ["条"] = true,
                ["万元"] = true, ["元"] = true }

--- What cell text T holds: "blank", "na" ("/", "—"), "number" (with its value and unit),
--- or "text".
function lint.value(t)
  t = lint.norm((t:gsub(",", ""):gsub("，", ""))) -- thousands separators first
  if t == "" then return "blank" end
  if t == "/" or t:match("^[—–%-]+$") or t == "无" then return "na" end
  local sign, num, unit = t:match("^([%+%-]*)([%d][%d%.]*)(.*)$")
  -- not "3." (a label's numbering, the rest of it on the next line)
  if not num or not units[unit] or select(2, num:gsub("%.", "")) > 1 or num:sub(-1) == "." then return "text" end
  local v = tonumber(num)
  if not v then return "text" end
  if sign:find("%-") then v = -v end -- "-58", and the "--253" of some pages
  if math.type(v) == "float" and v == math.floor(v) and not num:find("%.") then v = math.tointeger(v) end
  return "number", v, unit
end

-- ---- the formats' tables: what a row says and which cells follow ----

-- For format F: table id -> { title =, norm_title =, ncols =, rows = { { own =, own_norm =, group =,
-- keys = { {row, col, at = its column} … } } }, known = its texts, head = its first header row's }.
local layouts = setmetatable({}, { __mode = "k" })

local function layout_of(f)
  if layouts[f] then return layouts[f] end
  local out = {}
  for _, t in ipairs(f:build(nil, { figures = {} })) do
    local rows, cur_group, cur_col = {}, nil, nil
    for _, row in ipairs(t.rows) do
      local first
      for c = 1, t.ncols do
        if row[c].key and not row[c].header then first = c; break end
      end
      if first then
        local keys = {}
        for c = first, t.ncols do
          local x = row[c]
          if x.key and not x.header then keys[#keys + 1] = { row = x.row or row.key, col = x.key, at = c } end
        end
        local own, own_col, group, group_col
        for c = first - 1, 1, -1 do
          local text = row[c].text or ""
          if text ~= "" then
            if not own then own, own_col = text, c elseif not group then group, group_col = text, c end
          end
        end
        -- the rows under a group heading (printed once, beside its first row) belong to it
        if group then
          cur_group, cur_col = group, group_col
        elseif own_col and cur_col and own_col > cur_col then
          group = cur_group
        else
          cur_group, cur_col = nil, nil
        end
        local bare, num = lint.unnumber(own or "")
        rows[#rows + 1] = { own = own, own_norm = own and lint.norm(own), bare = bare, num = num,
                            group = group, group_norm = group and lint.norm(group),
                            group_bare = group and (lint.unnumber(group)), keys = keys }
      end
    end
    -- the texts the table prints (its headers' and its rows' labels), and its first header
    -- row's (what says that a table is there when its one row has no label and is blank)
    local known, head = {}, nil
    for _, row in ipairs(t.rows) do
      local texts = {}
      for c = 1, t.ncols do
        local text = row[c].header and row[c].text or ""
        if text ~= "" then known[lint.norm(text)] = true; texts[#texts + 1] = lint.norm(text) end
      end
      if not head and #texts > 0 then head = texts end
    end
    out[t.id] = { id = t.id, title = t.title, norm_title = lint.norm(t.title), rows = rows, known = known,
                  head = head, ncols = t.ncols }
    out[#out + 1] = out[t.id]
  end
  out.known = {}
  for _, t in ipairs(out) do
    for text in pairs(t.known) do out.known[text] = true end
  end
  layouts[f] = out
  return out
end

-- The national values whose label a row label names: normalised label without its
-- numbering -> { variants = {…}, typos = {…} } for every dictionary.
local spellings
local function spelling_of(bare)
  if not spellings then
    spellings = {}
    for _, dict in pairs(nianbao.codes) do
      for _, v in ipairs(dict) do
        local e = { label = v.label, variants = {}, typos = {} }
        for _, x in ipairs(v.variants or {}) do e.variants[#e.variants + 1] = (lint.unnumber(x)) end
        for _, x in ipairs(v.typos or {}) do e.typos[#e.typos + 1] = (lint.unnumber(x)) end
        spellings[(lint.unnumber(v.label))] = e
      end
    end
  end
  return spellings[bare]
end

local cn_numeral = {}
for _, c in ipairs(cn_numbers) do cn_numeral[c] = true end

-- The end of the run of Chinese numerals (一 … 十) at byte P of S, or nil.
local function numerals_at(s, p)
  local last
  while cn_numeral[s:sub(p, p + 2)] do last, p = p + 2, p + 3 end
  return last
end

-- Where a numbering starts in the normalised label N ("(二)" "(2)" "2." "二."), in order:
-- at characters' starts only.
local function numberings(n)
  local out = {}
  local after = false -- the character before is a digit or a numeral
  for p, cp in utf8.codes(n) do
    local e, inner = numerals_at(n, p), n:sub(p, p) == "(" and numerals_at(n, p + 1)
    if n:find("^%(%d+%)", p) or (inner and n:sub(inner + 1, inner + 1) == ")")
       or (not after and (n:find("^%d+%.", p) or (e and n:sub(e + 1, e + 1) == "."))) then
      out[#out + 1] = p
    end
    after = (cp >= 48 and cp <= 57) or cn_numeral[utf8.char(cp)] or false
  end
  return out
end

-- How label TEXT (normalised N) matches layout row R: "same", "form" (written another
-- way: brackets, separators, spaces), "variant", "typo", or nil. STRICT (a row with no
-- figure, where the label is all there is): its numbering too, as the format numbers it.
local unnumbered = setmetatable({}, { __mode = "k" })
local function match_label(n, r, strict)
  if not r.own_norm then return nil end
  if n == r.own_norm then return "same" end
  local u = unnumbered[n]
  if not u then u = { lint.unnumber(n) }; unnumbered[n] = u end
  local bare, num = u[1], u[2]
  if strict and num ~= r.num then return nil end
  if bare == r.bare and (num == r.num or num == "" or r.num == "") then return "form" end
  local sp = spelling_of(r.bare)
  if sp then
    for _, v in ipairs(sp.typos) do if v == bare then return "typo" end end
    for _, v in ipairs(sp.variants) do if v == bare then return "variant" end end
  end
  return nil
end

-- ---- reading ----

-- A row of CELLS at LINE: the cells without the blank ones at the end (pages pad rows),
-- and all of them (a blank 总计 at the end is a cell).
local function row_line(n, cells, raw)
  local all = table.move(cells, 1, #cells, 1, {})
  local short = table.move(cells, 1, #cells, 1, {})
  while #short > 0 and short[#short] == "" do short[#short] = nil end
  return { line = n, cells = short, all = all, raw = raw or table.concat(cells, " | ") }
end

-- Line LINE (number N) of a text into OUT, as { line =, cells = { … } } (pipe rows, or
-- the columns of a PDF's text when LAYOUT) or { line =, text = } (others); a PDF's line
-- is marked LAYOUT (its blank cells may not be printed). In a PDF's columns an ideographic
-- space alone is a blank cell (nianbao.pdf_lines writes one so).
local function add_text_line(out, n, line, layout)
  line = line:gsub("\r$", ""):gsub("\f", "")
  if layout then
    -- the columns of a PDF's text (pdftotext -layout): cells apart by two spaces or
    -- more; a page break and the page's number are not text
    local t = line:gsub("^[%s—–%-]+", ""):gsub("[%s—–%-]+$", "")
    if t:match("^%d+$") or t:match("^第%s*%d+%s*页") then line = "" end -- a page number
  end
  if layout and line:find("%S%s%s+%S") then
    -- cut where two spaces or more are (a find with one repetition: "(.-)%s%s+" has two,
    -- refused by the sandbox on a long line)
    local cells, s, at = {}, line:gsub("^%s+", ""):gsub("%s+$", ""), 1
    while true do
      local a, b = s:find("%s%s+", at)
      local cell = s:sub(at, (a or 0) - 1)
      if (cell:gsub("\227\128\128", "")) == "" then cell = "" end
      -- figures one space apart are two cells (a figure has no space; a wide figure
      -- leaves one space between it and the cell before)
      local figures = cell:find(" ", 1, true) and {}
      for x in (figures and cell or ""):gmatch("%S+") do
        if not figures or lint.value(x) ~= "number" then figures = nil; break end
        figures[#figures + 1] = x
      end
      table.move(figures or { cell }, 1, figures and #figures or 1, #cells + 1, cells)
      if not a then break end
      at = b + 1
    end
    out[#out + 1] = row_line(n, cells, line)
    out[#out].layout = true
  elseif line:find("|", 1, true) then
    local cells = {}
    for c in (line .. "|"):gmatch("([^|]*)|") do cells[#cells + 1] = c:gsub("^%s+", ""):gsub("%s+$", "") end
    -- a row that starts with its pipe (Markdown's) has a border there, not a blank cell
    -- (a row of text copied from a page starts with a blank cell's space)
    if line:sub(1, 1) == "|" then table.remove(cells, 1) end
    out[#out + 1] = row_line(n, cells, line)
  elseif line:find("%S") then
    out[#out + 1] = { line = n, text = line, layout = layout }
  end
end

-- The lines of TEXT (see add_text_line): a PDF's text when it has no pipe rows.
local function lines_of(text)
  text = text:gsub("^\239\187\191", "") -- a BOM
  -- the lines with two pipes or more, the first apart (each line a find or two: a pattern
  -- over the whole text with two repetitions is refused by the sandbox on a long line)
  local lines, pipes = {}, 0
  for line in (text .. "\n"):gmatch("([^\n]*)\n") do
    lines[#lines + 1] = line
    local bar = #lines > 1 and line:find("|", 1, true)
    if bar and line:find("|", bar + 1, true) then pipes = pipes + 1 end
  end
  local layout = pipes < 3
  local out = {}
  for n, line in ipairs(lines) do add_text_line(out, n, line, layout) end
  return out
end


-- Whether the normalised texts HEAD are among NORMS (a line's cells, normalised), in order.
local function has_texts(norms, head)
  local at = 1
  for _, n in ipairs(norms) do
    if at <= #head and n == head[at] then at = at + 1 end
  end
  return at > #head
end

-- Reads LINES against format F; KNOWN: the texts any national format prints (normalised).
-- Returns the result (see the top of the file), with MISFITS: how badly the page fits the
-- format (rows it cannot read, rows and texts of another format).
local function read_with(f, lines, known)
  local lay = layout_of(f)
  local res = { format = f.id, values = {}, marks = {}, findings = {}, rows = {}, text = {}, filled = {},
                misfits = 0 }
  local function finding(sev, line, msg, extra)
    local x = { severity = sev, line = line, message = msg }
    for k, v in pairs(extra or {}) do x[k] = v end
    res.findings[#res.findings + 1] = x
  end
  for _, t in ipairs(lay) do
    res.values[t.id] = {}
    res.rows[t.id] = { found = 0, expected = #t.rows }
  end
  local current -- the table whose heading came last
  local seen = {} -- layout row -> line where it was read
  local joined = {} -- text lines read as the rest of a row's label
  local blank_at = {} -- table -> the line of a blank row without a label, or of its header in a PDF
  local unfit = {} -- table -> a line of figures without a label that its row without one does not fit
  for idx, l in ipairs(lines) do
    if l.text and not joined[idx] then res.text[#res.text + 1] = { line = l.line, text = l.text } end
    local heading = l.text or (l.cells and #l.cells == 1 and l.cells[1])
    if heading and #heading <= 200 then -- a heading is short; a paragraph is not one
      l.norm = l.norm or lint.norm(heading)
      local n = l.norm
      for _, t in ipairs(lay) do
        if n:find(t.norm_title, 1, true) then current = t end
      end
    end
    local row_cells = l.cells or { l.text }
    if not l.norms and (l.cells or current) then -- the same for every format: once
      l.kinds, l.norms = {}, {}
      for i, c in ipairs(row_cells) do
        l.kinds[i] = #c <= 60 and lint.value(c) or "text" -- a figure is short
        l.norms[i] = l.kinds[i] == "text" and #c <= 300 and (l.text and l.norm or lint.norm(c)) or ""
      end
    end
    -- the texts of another national format's tables (its headers, its rows) that this
    -- one does not print: the page is laid out in the other format
    if l.norms and not joined[idx] then
      for _, n in ipairs(l.norms) do
        if known[n] and not lay.known[n] then res.misfits = res.misfits + 1 end
      end
    end
    if current and (l.layout or l.sparse) and l.norms and not blank_at[current] and has_texts(l.norms, current.head) then
      blank_at[current] = l.line
    end
    -- A row of cells; in a PDF's text also a line of a label alone (a blank row, whose
    -- cells print nothing).
    local text_row = l.text and l.layout and current and #l.text <= 300
    if ((l.cells and #l.all > 1) or text_row) and not joined[idx] then
      -- The row's labels: its text cells before the first value (blank cells among them
      -- are the spacers of a grid, as nianbao's own TXT and Markdown print merged cells).
      -- A row with text after its values is a header row, not data.
      local labels, first, last_label, header, numbers, marks = {}, nil, 0, false, 0, 0
      for i, c in ipairs(row_cells) do
        local kind = l.kinds[i]
        if not first and kind == "text" then
          labels[#labels + 1] = c
          last_label = i
        elseif (kind == "number" or kind == "na") and not first then
          first = i
        end
        if first and kind == "text" then header = true end
        if kind == "number" then numbers = numbers + 1 elseif kind == "na" then marks = marks + 1 end
      end
      if header or (#labels == 0 and numbers == 0) then first = nil end
      -- A row with no figure: its labels, then only blank cells (a blank row, as pages
      -- print one; without labels, a blank row of a table whose row has none: 表四), or in
      -- a PDF's text its labels alone. It is read only as a row whose label it is exactly,
      -- numbering and all (a header row ends in blank cells too).
      local blank = false
      if not first and not header and marks == 0 then
        if l.layout then
          blank = #labels > 0
        else
          blank = (#labels > 0 or #l.all > 1) and #l.all > last_label
        end
        if blank then first = last_label + 1 end
      end
      -- a blank row without a label: its table's row (表四) unless a row with figures comes
      -- (a page's empty row may be a spacer)
      if blank and #labels == 0 then
        for _, r in ipairs(current and not blank_at[current] and current.rows or {}) do
          if not r.own and #l.all >= #r.keys then blank_at[current] = l.line end
        end
        first = nil
      end
      local candidates = {}
      if first then
        local tables = current and { current } or lay
        local label_norm = #labels > 0 and (l.norms[last_label] ~= "" and l.norms[last_label] or lint.norm(labels[#labels]))
        for pass = 1, 2 do
          for _, t in ipairs(tables) do
            for _, r in ipairs(t.rows) do
              if blank and seen[r] then
                -- a blank row is read once (a header row may end as one does)
              elseif #labels == 0 and not r.own then
                candidates[#candidates + 1] = { t = t, r = r, how = "same" }
              elseif #labels > 0 then
                local how = match_label(label_norm, r, blank)
                if how then candidates[#candidates + 1] = { t = t, r = r, how = how, label = labels[#labels] } end
              end
            end
          end
          if #candidates > 0 or not current then break end
          tables = lay -- a row of another table (no heading before it)
        end
        -- a blank row's label wrapped in its cell (a PDF's text): the lines after it that
        -- hold text alone, or texts alone (a piece of a group's label, then the rest of
        -- this one), up to eight (a narrow column beside wide figures), are the rest of it
        -- (while what is joined starts a row's label not read yet)
        local function starts_label(n)
          for _, r in ipairs(current.rows) do
            if not seen[r] and r.own_norm and r.own_norm:sub(1, #n) == n then return true end
          end
          return false
        end
        if blank and #candidates == 0 and #labels > 0 and l.layout and current and starts_label(lint.norm(labels[#labels])) then
          local parts = { labels[#labels] }
          for k = idx + 1, math.min(idx + 8, #lines) do
            local o = lines[k]
            local piece = o.text
            if o.cells then
              piece = o.cells[#o.cells]
              for _, c in ipairs(o.cells) do
                if lint.value(c) ~= "text" then piece = nil end
              end
            end
            if joined[k] or not piece or select(2, lint.unnumber(piece)) ~= "" then break end
            parts[#parts + 1] = piece
            local whole_norm = lint.norm(table.concat(parts))
            if not starts_label(whole_norm) then break end
            for _, r in ipairs(current.rows) do
              local how = not seen[r] and #candidates == 0 and match_label(whole_norm, r, true)
              if how then
                candidates[1] = { t = current, r = r, how = how, label = (whole_norm:gsub("%s", "")) }
                for j = idx + 1, k do joined[j] = true end
              end
            end
            if #candidates > 0 then break end
          end
        end
        -- a label broken over lines (a PDF's text): the lines before or after it that
        -- hold text alone may be the rest of it (a long label of a narrow column takes
        -- three lines or more: up to two lines before it and six after it)
        if #candidates == 0 and #labels > 0 and not blank then
          for _, span in ipairs{ { 1, 0 }, { 0, 1 }, { 0, 2 }, { 1, 1 }, { 0, 3 }, { 2, 0 }, { 1, 2 }, { 2, 1 },
                                 { 0, 4 }, { 0, 5 }, { 0, 6 } } do
            local before, after = span[1], span[2]
            local parts, usable = {}, #candidates == 0
            for k = idx - before, idx + after do
              local o = lines[k]
              if k == idx then
                parts[#parts + 1] = labels[#labels]
              elseif o and o.text and not joined[k] then
                parts[#parts + 1] = o.text
              else
                usable = false
              end
            end
            if usable then
              local whole_norm = lint.norm(table.concat(parts))
              for _, t in ipairs(current and { current } or lay) do
                for _, r in ipairs(t.rows) do
                  local how = match_label(whole_norm, r)
                  if how and #candidates == 0 then
                    candidates[1] = { t = t, r = r, how = how, label = (whole_norm:gsub("%s", "")) }
                    for k = idx - before, idx + after do
                      if k ~= idx then joined[k] = true end
                    end
                    for k = idx - 1, idx - before, -1 do
                      if res.text[#res.text] and res.text[#res.text].line == lines[k].line then
                        res.text[#res.text] = nil -- not narrative after all
                      end
                    end
                  end
                end
              end
            end
          end
        end
        -- a label run together with the cell before it ("度办理结（二）部分公开…", a PDF's
        -- table without cell margins), or a label that is not the row's last text cell:
        -- read from a numbering inside it, or from the cell before
        if #candidates == 0 and #labels > 0 and not blank then
          local tries = {}
          for k = #labels, 1, -1 do
            local n = lint.norm(labels[k])
            local starts = numberings(n)
            for j = #starts, 1, -1 do
              if starts[j] > 1 then tries[#tries + 1] = { n = n:sub(starts[j]), label = labels[k] } end
            end
            if k < #labels then tries[#tries + 1] = { n = n, label = labels[k] } end
          end
          for _, try in ipairs(tries) do
            for _, t in ipairs(current and { current } or lay) do
              for _, r in ipairs(t.rows) do
                local how = not seen[r] and #candidates == 0 and match_label(try.n, r)
                if how then candidates[1] = { t = t, r = r, how = how, label = try.label } end
              end
            end
            if #candidates > 0 then break end
          end
        end
        -- a group printed as one row (2021's （六）其他处理 as 2019 prints it): read into
        -- its last row when that one is 其他 (the format's own rule for what is not
        -- specified), otherwise not read (in a PDF's text, a line of a group's label alone
        -- is a piece of it beside rows that print nothing)
        if #candidates == 0 and #labels > 0 and current and not (blank and l.layout) then
          local n = lint.norm(labels[#labels])
          local bare = lint.unnumber(n)
          local under = {}
          for _, r in ipairs(current.rows) do
            if r.group and (r.group_norm == n or r.group_bare == bare) then under[#under + 1] = r end
          end
          if #under > 0 then
            local last = under[#under]
            local names = {}
            for _, r in ipairs(under) do names[#names + 1] = "“" .. r.own .. "”" end
            if last.bare == "其他" then
              candidates[1] = { t = current, r = last, how = "group", label = labels[#labels],
                                rows = table.concat(names, "、"), under = under }
            else
              finding("error", l.line, string.format("%s “%s” 印成一行，格式中分为 %s，无法对应，未读取",
                current.title, labels[#labels], table.concat(names, "、")), { code = "layout" })
              res.misfits = res.misfits + 1
              labels = {} -- read, and reported
              first = nil
            end
          end
        end
        -- a label within two characters of exactly one official label
        if #candidates == 0 and #labels > 0 and not blank then
          local n, num = lint.unnumber(labels[#labels])
          local len = utf8.len(n) or #n
          local near = len >= 6 and 2 or len >= 3 and 1 or 0 -- not "果" for "总计"
          local best, count
          for _, t in ipairs(current and { current } or lay) do
            for _, r in ipairs(t.rows) do
              local rbare, rnum = r.bare, r.num
              -- not a row already read, nor one numbered otherwise ((八) is not (六))
              if r.own and not seen[r] and (num == "" or rnum == "" or num == rnum) then
                local d = lint.distance(n, rbare, near)
                if d <= near then
                  if not best or d < best.d then best, count = { t = t, r = r, d = d }, 1
                  elseif d == best.d then count = count + 1 end
                end
              end
            end
          end
          if best and count == 1 then
            candidates[1] = { t = best.t, r = best.r, how = "near", label = labels[#labels] }
          end
        end
        -- the start of exactly one official label: a row broken at a page's end (a PDF),
        -- the rest of its label after the next page's header rows
        if #candidates == 0 and #labels > 0 and current and not blank then
          local n, num = lint.unnumber(labels[#labels])
          local found, count = nil, 0
          if (utf8.len(n) or #n) >= 4 then
            for _, r in ipairs(current.rows) do
              if r.own and not seen[r] and (num == "" or r.num == "" or num == r.num)
                 and #r.bare > #n and r.bare:sub(1, #n) == n then
                found, count = r, count + 1
              end
            end
          end
          if count == 1 then
            candidates[1] = { t = current, r = found, how = "start", label = labels[#labels] }
          end
        end
      end
      local cand = candidates[1]
      if not cand and first and #labels > 0 and current and numbers > 0 then
        finding("warning", l.line, string.format("%s 中有格式之外的一行 “%s”，未读取", current.title,
          table.concat(labels, " ")), { code = "layout" })
        res.misfits = res.misfits + 1
      end
      local cells
      if cand and blank then
        -- a blank row: as many blank cells as the row has (a grid prints them, and pads
        -- its rows; a PDF prints none)
        cells = {}
        if l.layout or #l.all - last_label >= #cand.r.keys then
          for i = 1, #cand.r.keys do cells[i] = "" end
        else
          cand = nil
        end
        if cand and text_row then
          joined[idx] = true -- not narrative
          if res.text[#res.text] and res.text[#res.text].line == l.line then res.text[#res.text] = nil end
        end
      elseif cand then
        local r = cand.r
        cells = {}
        -- a grid's row (nianbao's TXT and Markdown print a merged cell's columns blank):
        -- as many cells as the table has columns (and a closing pipe's), labels or blanks
        -- before the row's first data column: each data cell in its column
        local width = #l.all - ((not l.layout and #l.all == cand.t.ncols + 1 and l.all[#l.all] == "") and 1 or 0)
        local grid = not l.layout and width == cand.t.ncols and cand.t.ncols >= r.keys[#r.keys].at
        for i = 1, grid and r.keys[1].at - 1 or 0 do
          if l.all[i] ~= "" and l.kinds[i] ~= "text" then grid = false end
        end
        if grid then
          for i, k in ipairs(r.keys) do cells[i] = l.all[k.at] end
        else
          -- the data cells: those after the last label, without the padding at the end;
          -- blank cells before the values are spacers while there are more cells than the
          -- row has, and blank cells at the end are data (a blank 总计) while there are fewer
          for i = last_label + 1, #l.cells do cells[#cells + 1] = l.cells[i] end
          while #cells > #r.keys and cells[1] == "" do table.remove(cells, 1) end
          for i = last_label + 1 + #cells, #l.all do
            if #cells >= #r.keys then break end
            if l.all[i] == "" then cells[#cells + 1] = "" end
          end
        end
        if #labels == 0 and #cells ~= #r.keys then
          if numbers > 0 and current == cand.t then unfit[current] = unfit[current] or { l = l, n = #l.cells } end
          cand = nil
        end
      end
      if cand then
        local t, r = cand.t, cand.r
        local keyname = r.keys[1].row
        if #cells ~= #r.keys then
          seen[r] = l.line
          res.misfits = res.misfits + 1
          finding("error", l.line, string.format("%s “%s”：应有 %d 个数据格，读到 %d 个，无法对应，未读取：%s",
            t.title, r.own or "", #r.keys, #l.cells - last_label, l.raw), { code = "unreadable" })
        else
          if seen[r] then
            finding("warning", l.line, string.format("%s “%s” 重复出现（第 %d 行已读），取后者", t.title, r.own or "", seen[r]))
          else
            res.rows[t.id].found = res.rows[t.id].found + 1
          end
          seen[r] = l.line
          if cand.how == "typo" then
            finding("warning", l.line, string.format("标签 “%s” 与规定的 “%s” 不同，含义已变", cand.label, r.own),
              { code = "typo", key = t.id .. "." .. keyname })
          elseif cand.how == "start" then
            finding("info", l.line, string.format("标签 “%s” 只是规定的 “%s” 的开头（该行在分页处断开？），按后者读取",
              cand.label, r.own), { code = "label", key = t.id .. "." .. keyname })
          elseif cand.how == "near" then
            finding("info", l.line, string.format("标签 “%s” 与规定的 “%s” 不同（按后者读取）", cand.label, r.own),
              { code = "label", key = t.id .. "." .. keyname })
          elseif cand.how == "group" then
            finding("warning", l.line, string.format("%s “%s” 印成一行，格式中分为 %s；按 “%s” 读取，其余为空白",
              t.title, cand.label, cand.rows, r.own), { code = "layout", key = t.id .. "." .. keyname })
            res.misfits = res.misfits + 1
            for _, u in ipairs(cand.under) do
              if u ~= r and not seen[u] then
                seen[u] = l.line
                res.rows[t.id].found = res.rows[t.id].found + 1
                for _, k in ipairs(u.keys) do
                  res.values[t.id][k.row] = res.values[t.id][k.row] or {}
                  res.values[t.id][k.row][k.col] = false
                  res.filled[t.id .. "\0" .. k.row .. "\0" .. k.col] = true
                end
              end
            end
          elseif cand.how == "variant" then
            finding("info", l.line, string.format("标签 “%s” 的写法与规定的 “%s” 不同", cand.label, r.own),
              { code = "label", key = t.id .. "." .. keyname })
          end
          for i, k in ipairs(r.keys) do
            local kind, v = lint.value(cells[i])
            local rows = res.values[t.id]
            rows[k.row] = rows[k.row] or {}
            if kind == "number" then
              rows[k.row][k.col] = v
            else
              rows[k.row][k.col] = false
              if kind == "na" then res.marks[t.id .. "." .. k.row .. "." .. k.col] = lint.norm(cells[i]) end
              if kind == "text" then
                finding("error", l.line, string.format("%s “%s” %s：不是数字（%s）", t.title, r.own or "",
                  k.col, cells[i]), { code = "unreadable", key = t.id .. "." .. k.row .. "." .. k.col })
              end
            end
          end
        end
      end
    end
  end
  -- A table whose rows have no label (表四) and none with figures: blank when a blank row
  -- was read under its heading, or in a PDF's text (where such a row prints nothing) its
  -- first header row.
  for _, t in ipairs(lay) do
    local labelled = false
    for _, r in ipairs(t.rows) do labelled = labelled or r.own ~= nil end
    local u = not labelled and res.rows[t.id].found == 0 and unfit[t]
    if u then -- figures that do not fit: not a blank table
      res.misfits = res.misfits + 1
      finding("error", u.l.line, string.format("%s：应有 %d 个数据格，读到 %d 个，无法对应，未读取：%s", t.title,
        #t.rows[1].keys, u.n, u.l.raw), { code = "unreadable" })
    elseif blank_at[t] and not labelled and res.rows[t.id].found == 0 then
      for _, r in ipairs(t.rows) do
        seen[r] = blank_at[t]
        for _, k in ipairs(r.keys) do
          res.values[t.id][k.row] = res.values[t.id][k.row] or {}
          res.values[t.id][k.row][k.col] = false
        end
      end
      res.rows[t.id].found = #t.rows
    end
  end
  -- the line each cell was read on ("table.row.col" -> line), to place a check's findings
  res.at = {}
  for _, t in ipairs(lay) do
    for _, r in ipairs(t.rows) do
      for _, k in ipairs(seen[r] and r.keys or {}) do res.at[t.id .. "." .. k.row .. "." .. k.col] = seen[r] end
    end
  end
  for _, t in ipairs(lay) do
    for _, r in ipairs(t.rows) do
      if not seen[r] and res.rows[t.id].found > 0 then
        finding("error", nil, string.format("%s 缺少一行：“%s”", t.title, r.own or table.concat({ r.keys[1].row }, "")),
          { code = "missing_row", key = t.id .. "." .. r.keys[1].row })
      end
    end
  end
  return res
end

-- How many data cells RES read from the page (not the rows of a group printed as one row,
-- which are set blank: a 2019 表三 read as 2021 would otherwise read two rows more).
local function cells_read(res)
  local n = 0
  for tid, rows in pairs(res.values) do
    for rk, cols in pairs(rows) do
      for ck in pairs(cols) do
        if not res.filled[tid .. "\0" .. rk .. "\0" .. ck] then n = n + 1 end
      end
    end
  end
  return n
end

-- Reads LINES (see lines_of) with OPTS (see lint.read_text).
local function read_lines(lines, opts)
  opts = opts or {}
  local national, forced = formats.national(), nil
  for _, f in ipairs(national) do
    if f.id == opts.format then forced = f end
  end
  if opts.format and not forced then return nil, "no national format " .. tostring(opts.format) end
  local known = {}
  for _, f in ipairs(national) do
    for text in pairs(layout_of(f).known) do known[text] = true end
  end
  -- The format of the page's tables: the one they fit best, with the fewest misfits (rows
  -- it cannot read or does not have, texts of the other format's tables, rows missing from
  -- the tables found: their shapes differ, and a blank row reads in either, so cells alone
  -- do not tell), then the most cells read, then the year's own format. A format given
  -- (--format) is read, and a table in the other one reported.
  local best, best_n, best_misfits, reads = nil, nil, nil, {}
  for _, f in ipairs(national) do
    local res = read_with(f, lines, known)
    local n, misfits = cells_read(res), res.misfits
    for _, r in pairs(res.rows) do
      if r.found > 0 then misfits = misfits + math.max(r.expected - r.found, 0) end
    end
    reads[f] = res
    if not best or misfits < best_misfits or (misfits == best_misfits and (n > best_n
        or (n == best_n and opts.year and f:covers(opts.year)))) then
      best, best_n, best_misfits = f, n, misfits
    end
  end
  local res = reads[forced or best]
  if cells_read(res) == 0 then return nil, "no table of the national formats found" end
  res.year = opts.year
  if forced and forced ~= best then
    res.findings[#res.findings + 1] = { severity = "warning", code = "layout",
      message = string.format("表格是 %s 的格式，按指定的 %s 读取", best.id, forced.id) }
  end
  if opts.year and not best:covers(opts.year) then
    local want = formats.national_for(opts.year)
    res.findings[#res.findings + 1] = { severity = "warning", code = "layout",
      message = string.format("表格是 %s 的格式，而 %d 年的报告应按 %s", best.id, opts.year, want or "另一格式") }
  end
  return res
end

--- Reads the published report TEXT (pipe rows, as a page copied as text). OPTS.year
--- (the report's year, or nil), OPTS.format (a format id, or nil: decided from the rows,
--- cross-checked with the year). Returns the result, or nil and a message.
function lint.read_text(text, opts)
  return read_lines(lines_of(text), opts)
end

--- Reads the lines of a PDF (nianbao.pdf_lines's: { line =, text = }, laid out in columns
--- as `pdftotext -layout` lays them out) as lint.read_text reads a PDF's text.
function lint.read_pdf(pdf, opts)
  local lines = {}
  for _, l in ipairs(pdf) do add_text_line(lines, l.line, l.text, true) end
  local res, err = read_lines(lines, opts)
  if res then res.wrapped = true end -- its paragraphs are broken into lines (lint.check)
  return res, err
end

-- True when TEXT ends a sentence (。！？：； then spaces). (Not a pattern's [。！？：；]:
-- that is a class of their bytes, and 开 of 公开, among others, ends in one of them.)
local function ends_sentence(text)
  local t = text:gsub("%s+$", "")
  for _, p in ipairs{ "。", "！", "？", "：", "；" } do
    if t:sub(-#p) == p then return true end
  end
  return false
end

-- The national parts' headings, normalised (a set).
local titles
local function part_titles()
  if not titles then
    titles = {}
    for _, p in ipairs(require("national").parts) do titles[lint.norm(p.title)] = true end
  end
  return titles
end

--- Reads the lines of an HTML page, a Word document or a workbook (nianbao.html_lines's,
--- docx_lines's, workbook_lines's) as lint.read_text reads text.
function lint.read_page(page, opts)
  local lines = {}
  for _, l in ipairs(page) do
    local cells = l.cells
    if cells and l.sheet then
      -- a workbook's paragraph in a sheet with tables: one cell alone (in any column), a
      -- sentence, longer than any label or a part's heading (a row's label alone is a blank row)
      local filled, first = 0, ""
      for _, c in ipairs(cells) do if c ~= "" then filled = filled + 1; first = c end end
      if filled == 1 and (#first > 150 or ends_sentence(first) or part_titles()[lint.norm(first)]) then
        cells = nil
        l = { line = l.line, text = first, sheet = l.sheet }
      end
    end
    lines[#lines + 1] = cells and row_line(l.line, cells) or { line = l.line, text = l.text }
    -- a workbook gives no empty row: a blank 表四's row is not there (as in a PDF's text)
    lines[#lines].sparse = l.sheet ~= nil
  end
  return read_lines(lines, opts)
end


--- The national checks within one report (H1-H5) on RES's values; with NEIGHBOURS
--- (year -> result of the same body), the checks across years too. Returns the results
--- and the context they ran on (its tables name the cells: checkfile.describer).
function lint.check(res, neighbours)
  local checks = require "checks"
  local f
  for _, x in ipairs(formats.national()) do if x.id == res.format then f = x end end
  local ctx = { format = res.format, values = res.values, year = res.year,
                tables = f:build(nil, { figures = res.values }) }
  -- the narrative: the text outside the tables, by the national parts' headings (check T1
  -- compares its numbers with the cells)
  local national = require "national"
  local narrative = { preface = {}, order = {}, parts = {} }
  local blocks = narrative.preface
  local titles = {}
  for _, p in ipairs(national.parts) do titles[lint.norm(p.title)] = p.title end
  local last -- the paragraph the line before went into, and its line
  for _, l in ipairs(res.text or {}) do
    local part = #l.text <= 200 and titles[lint.norm(l.text)] -- a heading is short
    if part then
      narrative.order[#narrative.order + 1] = part
      narrative.parts[part] = {}
      blocks = narrative.parts[part]
      last = nil
    elseif res.wrapped and last and l.line == last.next and not ends_sentence(last.b.text) then
      -- a PDF's line that goes on with the sentence of the line before (T1 reads sentences)
      last.b.text = last.b.text:gsub("%s+$", "") .. l.text:gsub("^%s+", "")
      last.next = l.line + 1
    else
      blocks[#blocks + 1] = { type = "para", text = l.text, line = l.line }
      last = { b = blocks[#blocks], next = l.line + 1 }
    end
  end
  ctx.narrative, ctx.has_text = narrative, #(res.text or {}) > 0
  if neighbours then
    ctx.neighbours = {}
    for y, n in pairs(neighbours) do ctx.neighbours[y] = n and { format = n.format, values = n.values } or false end
  end
  local files = {}
  for _, file in ipairs(checks.national_files()) do
    if file.name == "checks.tables" or file.name == "checks.text" or (neighbours and file.name == "checks.years") then
      files[#files + 1] = file
    end
  end
  return checks.run(ctx, files), ctx
end

return lint
