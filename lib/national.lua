-- national.lua: what both national formats share, built from the catalogue: the six report
-- parts, 表三 (requests) and 表四 (appeals), and their cubes.
--
-- Rows and columns come from nianbao.codes in the catalogue's order, so a national value
-- added there appears in both tables. Labels are those of formats.md, character for
-- character: the catalogue's label with the table's numbering.

local format = require "format"
local head, label, cell = format.head, format.label, format.cell

local national = {}

--- The report parts in order; a part with a table shows it after its text.
national.parts = {
  { title = "一、总体情况" },
  { title = "二、主动公开政府信息情况", table = "active" },
  { title = "三、收到和处理政府信息公开申请情况", table = "requests" },
  { title = "四、政府信息公开行政复议、行政诉讼情况", table = "appeals" },
  { title = "五、存在的主要问题及改进情况" },
  { title = "六、其他需要报告的事项" },
}

--- The cubes of 表三 and 表四.
function national.cubes(extra)
  local c = { requests = format.flow("request"), appeals = format.flow("case") }
  for k, v in pairs(extra or {}) do c[k] = v end
  return c
end

--- The catalogue's label of national value CODE of dictionary DICT.
function national.label(dict, code)
  for _, v in ipairs(nianbao.codes[dict]) do
    if v.code == code then return v.label end
  end
  error(string.format("no national value '%s' in %s", tostring(code), tostring(dict)), 2)
end

--- A row of 表二 opening a block: the article item, spanning the four columns.
function national.block(text)
  return { head(text, { cols = 4 }) }
end

local numerals = { "一", "二", "三", "四", "五", "六", "七", "八", "九", "十" }

--- "（三）": the numbering of the Nth group of a table.
function national.numbered(n, text)
  return "（" .. numerals[n] .. "）" .. text
end

-- 表三's own words beside the catalogue's labels (formats.md).
local note = "（本列数据的勾稽关系为：第一项加第二项之和，等于第三项加第四项之和）"
local outcome_notes = { ["2"] = "（区分处理的，只计这一情形，不计其他情形）" }

-- The outcome values as a tree: top-level values (code without a dot), each with its
-- children (codes "TOP.n"), in catalogue order.
local function outcome_tree()
  local tops, by = {}, {}
  for _, v in ipairs(nianbao.codes.outcome) do
    local parent = v.code:match("^(.-)%.")
    if parent and by[parent] then
      table.insert(by[parent].children, v)
    else
      local node = { value = v, children = {} }
      tops[#tops + 1] = node
      by[v.code] = node
    end
  end
  return tops
end

-- The terms of outcome CODES for applicant A (nil: every applicant).
local function outcome_terms(codes, a)
  local terms = {}
  for _, code in ipairs(codes) do terms[#terms + 1] = { "requests", code, a } end
  return terms
end

-- The outcome rows of 表三: { key, group label or nil, label, codes summed }. A value with
-- children is one row when FOLD names it (gov2019's （六）: 6 and 6.1–6.3), else a group of
-- its children, where the catch-all child (其他) also takes the value itself (gov2021: an
-- unspecified 6 counts as 6.3).
local function outcome_rows(fold)
  local rows = {}
  for i, node in ipairs(outcome_tree()) do
    local v = node.value
    local title = national.numbered(i, v.label .. (outcome_notes[v.code] or ""))
    if #node.children == 0 or (fold and fold[v.code]) then
      local codes = v.group and {} or { v.code }
      for _, c in ipairs(node.children) do codes[#codes + 1] = c.code end
      rows[#rows + 1] = { v.code, nil, title, codes }
    else
      for j, c in ipairs(node.children) do
        local codes = { c.code }
        if not v.group and c.label == "其他" then codes[#codes + 1] = v.code end
        rows[#rows + 1] = { c.code, title, j .. "." .. c.label, codes }
      end
    end
  end
  return rows, #outcome_tree() + 1
end

--- 表三. OPTS.fold: { [code] = true } for values printed as one row with their children.
function national.requests(opts)
  local applicants = nianbao.codes.applicant
  local columns = {}
  for _, a in ipairs(applicants) do columns[#columns + 1] = a.code end
  local function values(row_terms, cells)
    for _, a in ipairs(columns) do cells[#cells + 1] = cell(a, row_terms(a)) end
    cells[#cells + 1] = cell("total", row_terms(nil))
    return cells
  end
  local function state(key) return function(a) return { { "requests", key, a } } end end

  local orgs = {}
  for i = 2, #applicants do orgs[#orgs + 1] = head(applicants[i].label) end
  orgs.header = true
  local rows = {
    { head(note, { rows = 3, cols = 3 }), head("申请人情况", { cols = 7 }), header = true },
    { head(applicants[1].label, { rows = 2 }), head("法人或其他组织", { cols = #applicants - 1 }),
      head("总计", { rows = 2 }), header = true },
    orgs,
  }
  local function add(key, cells, set)
    cells.key, cells.set = key, set
    rows[#rows + 1] = cells
  end
  add("new", values(state("new"), { label("一、本年新收政府信息公开申请数量", { cols = 3 }) }))
  add("carried_in", values(state("carried_in"), { label("二、上年结转政府信息公开申请数量", { cols = 3 }) }))
  local outcomes, total_n = outcome_rows(opts and opts.fold)
  local group_size = {}
  for _, r in ipairs(outcomes) do
    if r[2] then group_size[r[2]] = (group_size[r[2]] or 0) + 1 end
  end
  local seen = {}
  for i, r in ipairs(outcomes) do
    local cells = {}
    if i == 1 then cells[1] = label("三、本年度办理结果", { rows = #outcomes + 1 }) end
    if r[2] then
      if not seen[r[2]] then
        cells[#cells + 1] = label(r[2], { rows = group_size[r[2]] })
        seen[r[2]] = true
      end
      cells[#cells + 1] = label(r[3])
    else
      cells[#cells + 1] = label(r[3], { cols = 2 })
    end
    add(r[1], values(function(a) return outcome_terms(r[4], a) end, cells), "outcome")
  end
  add("total", values(state("closed"), { label(national.numbered(total_n, "总计"), { cols = 2 }) }))
  add("carried_out", values(state("carried_out"), { label("四、结转下年度继续办理", { cols = 3 }) }))
  return format.table{ id = "requests", title = national.parts[3].title, ncols = 3 + #columns + 1,
                       rows = rows, col_sets = { applicant = columns } }
end

--- 表四: one data row of fifteen cells; each cell carries its own JSON row key (the case
--- kinds), its columns the results, 尚未审结 and 总计.
function national.appeals()
  local kinds, results = nianbao.codes.case_kind, nianbao.codes.case_result
  local status = {}
  for _, r in ipairs(results) do status[#status + 1] = { r.code, r.label } end
  status[#status + 1] = { "pending", "尚未审结" }
  local width = #status + 1
  local r1 = { head(kinds[1].label, { cols = width }), head("行政诉讼", { cols = width * (#kinds - 1) }),
               header = true }
  local r2, r3 = { header = true }, { header = true }
  for _, s in ipairs(status) do r2[#r2 + 1] = head(s[2], { rows = 2 }) end
  r2[#r2 + 1] = head("总计", { rows = 2 })
  for i = 2, #kinds do
    r2[#r2 + 1] = head(kinds[i].label, { cols = width })
    for _, s in ipairs(status) do r3[#r3 + 1] = head(s[2]) end
    r3[#r3 + 1] = head("总计")
  end
  local data, parts = {}, {}
  for _, s in ipairs(status) do parts[#parts + 1] = s[1] end
  for _, k in ipairs(kinds) do
    for _, s in ipairs(status) do
      data[#data + 1] = cell(s[1], { { "appeals", k.code, s[1] } }, { row = k.code })
    end
    data[#data + 1] = cell("total", { { "appeals", k.code } }, { row = k.code })
  end
  return format.table{ id = "appeals", title = national.parts[4].title, ncols = width * #kinds,
                       rows = { r1, r2, r3, data }, col_sets = { parts = parts } }
end

return national
