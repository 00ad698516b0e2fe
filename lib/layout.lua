-- layout.lua: the table builder that layout scripts use (rows of cells with spans -> grid + merges).
--
-- local layout = require "layout"
-- local t = layout.table{ id = "requests", title = "...", ncols = 10 }
-- t:row{ layout.head("申请人情况", {cols = 7}), ... }            -- header cells
-- t:row({ layout.label("一、本年新收…", {cols = 3}), layout.num(219, "person"), ... }, "new")
-- local grid = t:finish()   -- the table shape nianbao.export expects
--
-- Cells are placed left to right into the first free slot of the row, as in
-- HTML tables, so a cell spanning rows above leaves its columns occupied below.

local layout = {}

-- The options of a cell given none (read only: shared by every such cell).
local NO_OPTS = setmetatable({}, { __newindex = function() error("layout: options are read-only", 2) end })

local Table = {}
Table.__index = Table
Table.__metatable = "layout table" -- its methods are shared: not handed to scripts

--- A header cell: centred label. opts.rows / opts.cols span.
function layout.head(text, opts)
  opts = opts or NO_OPTS
  return { text = text, header = true, rows = opts.rows or 1, cols = opts.cols or 1 }
end

--- A row label cell (left-aligned label, still a header cell of the table).
function layout.label(text, opts)
  opts = opts or NO_OPTS
  return { text = text, header = true, label = true, rows = opts.rows or 1, cols = opts.cols or 1 }
end

--- A data cell: value (integer, number or nil for blank), JSON column key,
--- opts.fmt ("plain", "signed", "money", "money_unit"), opts.cols span,
--- opts.row: JSON row key when the cell belongs to another row than its grid row.
function layout.num(value, key, opts)
  opts = opts or NO_OPTS
  return { value = value, key = key, fmt = opts.fmt, row = opts.row,
           rows = opts.rows or 1, cols = opts.cols or 1, blank = value == nil }
end

--- A new table builder.
function layout.table(spec)
  assert(type(spec.id) == "string", "layout.table: id must be a string")
  assert(math.type(spec.ncols) == "integer" and spec.ncols > 0, "layout.table: ncols must be a positive integer")
  return setmetatable({
    id = spec.id, title = spec.title, ncols = spec.ncols,
    header_rows = 0, nrows = 0, grid = {}, keys = {}, merges = {}, taken = {},
  }, Table)
end

--- Appends one grid row. key: JSON row key (nil for header and block rows).
--- header: true while building the table's leading header rows.
function Table:row(cells, key, header)
  self.nrows = self.nrows + 1
  local r = self.nrows
  local row = self.grid[r] or {}
  self.grid[r] = row
  self.keys[r] = key or false
  self.taken[r] = self.taken[r] or {}
  local c = 1
  for i, cell in ipairs(cells) do
    if type(cell) ~= "table" then
      error(string.format("table %s row %d: cell %d is a %s, not a cell (made by head, label, num or cell)",
        self.id, r, i, type(cell)), 2)
    end
    while self.taken[r][c] do c = c + 1 end
    if c > self.ncols then
      error(string.format("table %s row %d: more cells than %d columns", self.id, r, self.ncols), 2)
    end
    local rows, cols = cell.rows or 1, cell.cols or 1
    if c + cols - 1 > self.ncols then
      error(string.format("table %s row %d: cell '%s' spans past column %d", self.id, r,
        tostring(cell.text or cell.value), self.ncols), 2)
    end
    local out = { text = cell.text, header = cell.header, key = cell.key, fmt = cell.fmt,
                  value = cell.value, row = cell.row, terms = cell.terms, unit = cell.unit }
    row[c] = out
    for rr = r, r + rows - 1 do
      self.taken[rr] = self.taken[rr] or {}
      for cc = c, c + cols - 1 do
        if self.taken[rr][cc] then
          error(string.format("table %s: cell at row %d column %d overlaps another", self.id, rr, cc), 2)
        end
        self.taken[rr][cc] = true
      end
    end
    if rows > 1 or cols > 1 then
      self.merges[#self.merges + 1] = { r, c, r + rows - 1, c + cols - 1 }
      -- Covered cells of a header merge carry the header flag (borders, shading).
      for rr = r, r + rows - 1 do
        self.grid[rr] = self.grid[rr] or {}
        for cc = c, c + cols - 1 do
          if not (rr == r and cc == c) then
            self.grid[rr][cc] = { text = "", header = cell.header }
          end
        end
      end
    end
    c = c + cols
  end
  if header then self.header_rows = r end
  return self
end

--- The finished table: { id, title, ncols, header_rows, rows = {{key=, [1..ncols] cells}}, merges }.
function Table:finish()
  local rows = {}
  if #self.grid > self.nrows then
    error(string.format("table %s: a cell spans past the last row %d", self.id, self.nrows), 2)
  end
  for r = 1, self.nrows do
    local src = self.grid[r]
    local out = { key = self.keys[r] or nil }
    for c = 1, self.ncols do
      local cell = src[c]
      if cell == nil then
        error(string.format("table %s row %d: column %d is empty (every slot needs a cell)", self.id, r, c), 2)
      end
      out[c] = cell
    end
    rows[r] = out
  end
  return { id = self.id, title = self.title, ncols = self.ncols, header_rows = self.header_rows,
           rows = rows, merges = self.merges }
end

--- The values of a finished table as { row_key = { col_key = value|nil } },
--- the shape of the JSON contract (cells with their own row key included).
function layout.values(t)
  local v = {}
  for _, row in ipairs(t.rows) do
    for c = 1, t.ncols do
      local cell = row[c]
      local rk = cell.row or row.key
      if rk and cell.key then
        v[rk] = v[rk] or {}
        -- A blank cell is false: not assessable, and different from 0.
        if cell.value == nil then v[rk][cell.key] = false else v[rk][cell.key] = cell.value end
      end
    end
  end
  return v
end

return layout
