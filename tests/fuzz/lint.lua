-- lint.lua: the body of the lint fuzz target (fuzz_lint, built from fuzz_narrative.c): returns
-- a function that reads TEXT as a published report (lib/lint.lua) and runs the checks on
-- what it read. A Lua error is an answer; only C's faults are findings.
local lint = require "lint"

return function(text)
  local r = lint.read_text(text, { year = 2020 })
  if r then lint.check(r) end
end
