-- tab.lua - the tabulation benchmark's nianbao side: the flow of every request of every
-- body and year FIRST..LAST in one call, from the packed columns (or, with "rows", record
-- by record through the records_request table), and the cells as "body|year|row|applicant|count" lines
-- (nonzero cells, sorted) on stdout after a first line "seconds S" (the CPU time of the
-- call), to be compared with the other tools'.
--
--   nianbao -d STORE run bench/tab.lua FIRST LAST packs|rows
local first, last, mode = ...
first, last = tonumber(first), tonumber(last)
local store = assert(nianbao.open(nil, { readonly = true }))
local t0 = os.clock()
local cube = store:flow("request", { years = { first, last }, rows = mode == "rows" })
local seconds = os.clock() - t0
local dims = cube:dims()
assert(dims[1].name == "body" and dims[2].name == "year", "flow dimensions: body, year, row, applicant")
local lines = {}
for _, b in ipairs(dims[1].labels) do
  local by_body = cube:slice(b)
  for _, y in ipairs(dims[2].labels) do
    local c = by_body:slice(y)
    for _, r in ipairs(dims[3].labels) do
      for _, a in ipairs(dims[4].labels) do
        local n = c:get(r, a)
        if n ~= 0 then lines[#lines + 1] = table.concat({ b, y, r, a, n }, "|") end
      end
    end
  end
end
table.sort(lines)
print(string.format("seconds %.4f", seconds))
io.write(table.concat(lines, "\n"), "\n")
