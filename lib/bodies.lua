-- bodies.lua: the body tree of a store, for people (nianbao bodies) and for the batch
-- commands (which bodies are below a roll-up).
--
--   local bodies = require "bodies"
--   for _, b in ipairs(bodies.tree(store)) do print(b.depth, b.name, b.rollup) end

local bodies = {}

--- The bodies of STORE in tree order (each body, then the bodies below it, in the order
--- they were made), each { name, code, rollup, parent, depth, children = {names},
--- records = { {kind, count, first, last}, … } }.
function bodies.tree(store)
  local list, by_name, roots = store:bodies(), {}, {}
  for _, b in ipairs(list) do
    by_name[b.name] = { name = b.name, code = b.code, rollup = b.rollup, parent = b.parent,
                        children = {}, records = {} }
  end
  for _, b in ipairs(list) do
    local node = by_name[b.name]
    if b.parent and by_name[b.parent] then
      table.insert(by_name[b.parent].children, b.name)
    else
      roots[#roots + 1] = b.name
    end
  end
  for _, s in ipairs(store:stats()) do
    local node = by_name[s.body]
    if node then node.records[#node.records + 1] = s end
  end
  local out = {}
  local function walk(name, depth)
    local node = by_name[name]
    node.depth = depth
    out[#out + 1] = node
    for _, c in ipairs(node.children) do walk(c, depth + 1) end
  end
  for _, r in ipairs(roots) do walk(r, 0) end
  return out, by_name
end

--- The names of BODY and of every body below it (BODY first).
function bodies.subtree(store, body)
  local _, by_name = bodies.tree(store)
  local out = {}
  local function walk(name)
    out[#out + 1] = name
    for _, c in ipairs(by_name[name].children) do walk(c) end
  end
  if by_name[body] then walk(body) end
  return out
end

--- N with its thousands separated: 1234 -> "1,234" (the body list's counts, the reference
--- pages' limits).
function bodies.thousands(n)
  local s = tostring(n)
  repeat
    local k
    s, k = s:gsub("^(%d+)(%d%d%d)", "%1,%2")
  until k == 0
  return s
end

-- TEXT padded with spaces to display width W.
local function pad(text, w)
  return text .. string.rep(" ", math.max(0, w - nianbao.text_width(text)))
end

--- The lines of `nianbao bodies`: the tree, each body's code and roll-up flag, and its
--- records by kind with the years they cover.
function bodies.lines(store)
  local tree = bodies.tree(store)
  local lines = {}
  if #tree == 0 then
    lines[1] = "no bodies yet (nianbao import --body NAME …, or nianbao import bodies FILE)"
    return lines
  end
  local wname, wcode = nianbao.text_width("body"), nianbao.text_width("code")
  for _, b in ipairs(tree) do
    wname = math.max(wname, 2 * b.depth + nianbao.text_width(b.name))
    wcode = math.max(wcode, nianbao.text_width(b.code or ""))
  end
  lines[1] = pad("body", wname) .. "  " .. pad("code", wcode) .. "  roll-up  records"
  for _, b in ipairs(tree) do
    local recs = {}
    for _, r in ipairs(b.records) do
      local years = r.first == r.last and tostring(r.first) or (r.first .. "–" .. r.last)
      recs[#recs + 1] = string.format("%s %s (%s)", r.kind, bodies.thousands(r.count), years)
    end
    lines[#lines + 1] = pad(string.rep("  ", b.depth) .. b.name, wname) .. "  " .. pad(b.code or "", wcode)
      .. "  " .. pad(b.rollup and "汇总" or "", 7) .. "  " .. (#recs > 0 and table.concat(recs, ", ") or "—")
  end
  return lines
end

return bodies
