-- layout.lua: a body's own layout for make valgrind: gov2019 with a table whose rows follow the data.
local format = require "format"
return format.extend(require "formats.gov2019", {
  cubes = { channels = format.count("request", { date = "received", by = "channel" }) },
  tables = { format.table{ id = "channels", title = "附表 申请方式", ncols = 2,
    rows = function(cubes)
      local rows = { { format.head("申请方式"), format.head("本年新收"), header = true } }
      for _, d in ipairs(cubes.channels:dims()[1].labels) do
        rows[#rows + 1] = { key = d, format.label(d), format.cell("new", { { "channels", d } }) }
      end
      return rows
    end } },
})
