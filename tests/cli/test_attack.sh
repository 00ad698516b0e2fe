#!/bin/sh
# test_attack.sh - a district's stored rule file, a layout and a script are untrusted: every
# attempt of the attack report is refused or stopped, with a clear message, status 2, and
# nothing changed or half-written.
. tests/cli/lib.sh
B=沈河区
nb -d s.db init
printf '编号,收到日期,申请人类型,办结日期,办理结果\nA1,2020-01-05,自然人,2020-01-20,1\nA2,2020-02-01,企业,,\n' >r.csv
nb -d s.db import --body $B request r.csv
is "$rc" 0 "a store to attack"

# runs SCRIPT with `nianbao run`, limits short; sets rc, out, err
attack() { nb -d s.db run --limit-seconds 3 "$@"; }

# timed LIMIT ARGS...: nb ARGS, its wall seconds in took; run once more when it took over
# LIMIT (the host is shared: one CI run stalled 20 s on a command that takes 3): a runaway the
# limits miss is over LIMIT both times.
timed() {
    lim=$1
    shift
    t0=$(date +%s); nb "$@"; t1=$(date +%s); took=$((t1 - t0))
    if [ "$took" -gt "$lim" ]; then
        echo "# $took s, over $lim s: run once more"
        t0=$(date +%s); nb "$@"; t1=$(date +%s); took=$((t1 - t0))
    fi
}

# ---- the shared tables cannot be changed, through any path ----
cat >shared.lua <<'EOF'
local results = {}
local function try(name, f) local ok, e = pcall(f); results[#results + 1] = name .. "=" .. (ok and "CHANGED" or "refused") end
try("pairs(string)", function() local _, t = pairs(string); t.upper = nil end)
try("next(string)", function() local _, t = next, string; rawset(t, "upper", nil) end)
try("pairs(nianbao)", function() local _, t = pairs(nianbao); t.export = nil end)
try("_G.tostring", function() _G.tostring = function() return "x" end end)
try("module", function() local checks = require "checks"; checks.summary = function() return {} end end)
try("module table", function() local f = require "formats"; f.national = nil end)
try("format object", function() local g = require "formats.gov2019"; g.id = "x" end)
try("format methods", function() local g = require "formats.gov2019"; getmetatable(g).build = nil end)
try("catalogue", function() nianbao.codes.outcome[1].label = "x" end)
try("setmetatable", function() setmetatable(string, nil) end)
try("string metatable", function() getmetatable("").__index = {} end)
print(table.concat(results, " "))
print(("abc"):upper(), tostring(1), #nianbao.codes.outcome)
EOF
attack shared.lua
is "$rc:$out" "0:pairs(string)=refused next(string)=refused pairs(nianbao)=refused _G.tostring=refused module=refused module table=refused format object=refused format methods=refused catalogue=refused setmetatable=refused string metatable=refused
ABC	1	25" "shared tables: every path refused, and they still work"

# ---- a stored rule file: restricted, read-only, it emits results only ----
cat >evil.lua <<'EOF'
local tried = {}
local function try(name, f) local ok, e = pcall(f); tried[#tried + 1] = name .. "=" .. (ok and "DONE" or "refused") end
try("replace export", function() nianbao.export = function() end end)
try("call export", function() nianbao.export({ title = "x" }, { name = "x", dir = "." }) end)
try("open", function() nianbao.open() end)
try("read_text", function() nianbao.read_text("r.csv") end)
try("load escape", function() load("return nianbao.open")()() end)
return {
  { id = "EVIL", severity = "warning", title = "试探", run = function(ctx, emit)
      try("insert", function() ctx.store:insert("request", "沈河区", { id = "X9", received = "2020-03-01", applicant = "person" }) end)
      try("import", function() ctx.store:import("request", "r.csv", { body = "沈河区" }) end)
      try("change values", function() ctx.values.requests.new.total = 999999 end)
      try("change ctx", function() ctx.year = 1999 end)
      try("set checks", function() ctx.document:set_checks({}) end)
      emit{ status = "PASS", message = table.concat(tried, " ") }
    end },
}
EOF
nb -d s.db import --body $B rules evil.lua
is "$rc" 0 "the rule file is stored (it compiles and returns a rule)"
nb -d s.db report --body $B --year 2020 --to json --out o
is "$rc" 0 "the report runs"
is "$(python3 -c 'import json,sys
d = json.load(open(sys.argv[1]))
print(d["tables"]["requests"]["new"]["total"])
print([c["message"] for c in d["checks"] if c["id"] == "EVIL"][0])
print(sum(1 for c in d["checks"] if c["id"] == "H1"))' "o/$B-2020.json")" "2
replace export=refused call export=refused open=refused read_text=refused load escape=refused insert=refused import=refused change values=refused change ctx=refused set checks=refused
7" "a stored rule: every attempt refused; the numbers and the national checks stand"
is "$(sqlite3 s.db "SELECT count(*) FROM request")" 2 "a stored rule changed no record"
# a store whose rule file was replaced by a compiled chunk (the import refuses one: its NUL
# bytes): refused, naming the file
sqlite3 s.db "UPDATE script SET content = CAST(X'1B4C7561540019930D0A1A0A' AS TEXT) WHERE name LIKE '%evil.lua'"
nb -d s.db report --body $B --year 2020 --to json --out o2
like "$rc:$err" "^2:nianbao: [^:]*evil\.lua: attempt to load a binary chunk \(scripts load Lua text only\)$" \
   "a stored rule that is a compiled chunk: refused, the file named"
check "a stored compiled chunk: no report written" test ! -e "o2/$B-2020.json"
nb -d s.db import --body $B rules evil.lua # the rule file again, for the limits below
is "$rc" 0 "the rule file is stored again over the compiled chunk"

# ---- runaways: every one ends, with its message, status 2 ----
printf 'local n = 0\nwhile true do n = n + 1 end\n' >loop.lua
timed 5 -d s.db run loop.lua
is "$rc:$(printf '%s\n' "$err" | head -1)" "2:nianbao: loop.lua:2: instruction limit exceeded (300000000 instructions)" \
   "a plain loop: the default instruction limit"
check "a plain loop: stopped within a few seconds" test "$took" -le 5

printf 'setmetatable({}, { __gc = function() while true do end end })\ncollectgarbage()\n' >gc.lua
timed 5 -d s.db run --limit-seconds 1 gc.lua
like "$rc:$err" "^2:nianbao: time limit exceeded \(1 seconds\)" "a loop in a finalizer: the time limit ends it"
check "a loop in a finalizer: within the limit and the grace" test "$took" -le 5

printf 'return string.find(("a"):rep(20000), ("a.-"):rep(40) .. "b")\n' >pattern.lua
attack pattern.lua
like "$rc:$(printf '%s\n' "$err" | head -1)" "^2:nianbao: pattern.lua:1: string.find: a pattern with 40 repetitions \(\*, \+, -\) may take too long on 20000 characters \(its worst case, [0-9.e+]+ steps, is over 1e\+09 in nianbao scripts\)" \
   "a pattern that backtracks without bound is refused"
printf 'return ("x"):rep(30000):find("x-x-x-y")\n' >pattern2.lua
attack pattern2.lua
like "$rc:$err" "^2:nianbao: pattern2.lua:1: string.find: a pattern with 3 repetitions" "three repetitions on a long text too"
# every start counted, and each repetition by the longest run its class matches (a walk
# through docs/lua-api.md found these ran for minutes: the guard counted n^repetitions alone,
# and let 3 repetitions on 400 characters through)
for p in 'string.match(("a"):rep(20000), "a*a*b")' '("a"):rep(3000):find("a*a*b")' '("a"):rep(400):find("a*a*a*b")'; do
  printf 'return %s\n' "$p" >pat.lua
  timed 10 -d s.db run pat.lua
  like "$rc:$err" "^2:nianbao: pat.lua:1: string.(find|match): a pattern with [23] repetitions" "refused at once: $p"
  check "within a second: $p" test "$took" -le 1
done
# and what the classes rarely match is let through, on long texts too
printf 'local s = ("2020年有12件，"):rep(50000)\nprint(select(2, s:gsub("(%%d+)年有(%%d+)件", "%%1/%%2")), #(("文本 "):rep(100000)):match("^%%s*(.-)%%s*$"))\n' >pat2.lua
attack pat2.lua
is "$rc:$out" "0:50000	699999" "two or three repetitions of rare classes on 1 MB: matched"
printf 'print(("申请人类型 自然人"):match("^(%%S+)%%s+(%%S+)$"))\n' >pattern3.lua
attack pattern3.lua
is "$rc:$out" "0:申请人类型	自然人" "an ordinary pattern works"

mkfifo fifo.csv
printf 'print(nianbao.read_text("fifo.csv"))\n' >fifo.lua
attack fifo.lua
is "$rc:$out" "0:nil	fifo.csv: not a regular file (a FIFO)" "read_text of a FIFO: refused at once"
nb -d s.db import --limit-seconds 3 --body $B request fifo.csv
like "$rc:$err" "^2:nianbao: fifo.csv: .*FIFO" "import of a FIFO: refused at once"

cat >cte.lua <<'EOF'
local s = assert(nianbao.open())
while true do
  pcall(s.query, s, "WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM c) SELECT count(*) FROM c")
end
EOF
timed 5 -d s.db run --limit-instructions 10000000 cte.lua
like "$rc:$err" "^2:nianbao: cte.lua:[0-9]+: .*instruction limit exceeded" "pcall around a runaway query: the budget is the script's"
check "pcall around a runaway query: ends quickly" test "$took" -le 5

# Instructions are counted from the first chunk that is not the program's own: a --rules
# file, a mapping, a stored script. The program's own scripts alone are not counted.
printf 'return { { id = "LOOP", severity = "warning", title = "t", run = function()\n  while true do end\nend } }\n' >loop_rule.lua
nb -d s.db report --body $B --year 2020 --to json --out o --rules loop_rule.lua --limit-instructions 1000000
is "$rc:$(printf '%s\n' "$err" | head -1)" "2:nianbao: loop_rule.lua:2: instruction limit exceeded (1000000 instructions)" \
   "a --rules file that loops: the instruction limit stops it"
printf 'local n = 0\nwhile true do n = n + 1 end\nreturn {}\n' >loop_map.lua
nb -d s.db import --body $B --map loop_map.lua --limit-instructions 1000000 request r.csv
like "$rc:$(printf '%s\n' "$err" | head -1)" "^2:nianbao: .*instruction limit exceeded \(1000000 instructions\)" \
   "a mapping that loops: the instruction limit stops it"
nb -d s.db import --body 乙 request r.csv
nb -d s.db report --body 乙 --year 2020 --to json,xlsx --out o --limit-instructions 1000
is "$rc" 0 "a report of the program's own scripts alone: its instructions are not counted"
nb -d s.db report --body $B --year 2020 --to json --out o --limit-instructions 1000
like "$rc:$(printf '%s\n' "$err" | head -1)" "^2:nianbao: .*instruction limit exceeded \(1000 instructions\)" \
   "a body with a stored rule file: counted from its compiling on"

# A narrative is data the program's scripts read uncounted in a report: filling its
# placeholders is linear ("{{" 60,000 times, spaces, "}}" took minutes; found by review).
# Stored for a year no national format covers, it is not checked at import.
python3 -c "open('n2018.md','w').write('前言\n\n' + '{{' * 60000 + ' ' * 60000 + '}}\n')"
nb -d s.db import --body 乙 --year 2018 text n2018.md
is "$rc" 0 "a narrative of 180 KB of braces and spaces is stored for 2018"
like "$out" "n2018.md: no format covers 2018: its headings and placeholders are checked when a report" \
   "the import says the narrative of a year no format covers is checked at report time"
timed 5 -d s.db report --body 乙 --year 2018 --format gov2019 --to json --out o --limit-seconds 20
check "a report filling its placeholders ends in a few seconds" test "$took" -le 5
unlike "$err" "time limit" "a report filling its placeholders: not stopped by the time limit"

# A narrative's paragraph of any length is read by check T1 (numbers in the text against
# the cells): a paragraph of 120,000 characters made its patterns refuse it, and every
# report of the body and year failed (found by review).
python3 -c "open('long.md','w').write('## 一、总体情况\n\n本年收到政府信息公开申请5件。' + '办' * 40000 + '上年结转3件，' + '理' * 40000 + '\n')"
nb -d s.db import --body 乙 --year 2020 text long.md
is "$rc" 0 "a narrative with a paragraph of 120,000 characters is stored"
nb -d s.db report --body 乙 --year 2020 --to json --out o
is "$rc" 0 "its report is made"
like "$out" "T1 +未通过 +警告 .*（通过 0，未通过 2，" "T1 finds both numbers of the long paragraph wrong (5 received, 3 carried in)"

# A stored rule that never ends stops every report of its body: until the time limit.
nb -d s.db import --body $B rules evil.lua # replaced below by a file of the same name
printf 'return { { id = "SPIN", severity = "warning", title = "t", run = function()\n  while true do end\nend } }\n' >spin.lua
nb -d s.db import --body $B rules spin.lua
nb -d s.db check --body $B --year 2020
is "$rc:$(printf '%s\n' "$err" | head -1)" "2:nianbao: spin.lua:2: instruction limit exceeded (300000000 instructions)" \
   "a stored rule that loops: the report ends naming its file and line"

# ---- files: only the command's store, only regular files in the sandbox's folders ----
cat >files.lua <<'EOF'
print(nianbao.read_text("/etc/passwd"))
print(nianbao.read_text("/proc/self/environ"))
print(nianbao.open("/tmp/elsewhere.db", { create = true }))
print(nianbao.export({ title = "x" }, { name = "x", dir = "../../escape" }))
EOF
attack files.lua
is "$out" "nil	/etc/passwd: scripts read files only in the working folder and the store's folder (sandbox)
nil	/proc/self/environ: scripts read files only in the working folder and the store's folder (sandbox)
nil	/tmp/elsewhere.db: scripts open only the command's store, s.db (sandbox)
nil	../../escape: scripts write only in the working folder, the store's folder or the command's --out (sandbox)" \
   "files: no reading, opening or writing outside the sandbox"
check "files: no store was created elsewhere" test ! -e /tmp/elsewhere.db

# ---- a rules file with a #! line is refused at import (it would break every report) ----
printf '#!/usr/bin/env lua\nreturn {}\n' >shebang.lua
nb -d s.db import --body $B rules shebang.lua
like "$rc:$err" "^2:nianbao: shebang.lua:1: unexpected symbol near '#'" "a #! rules file is refused at import"
finish
