#!/bin/sh
# test_sandbox.sh - `nianbao run` limits and error format: the instruction and memory limits
# stop a script with status 2 and a clear message; an error prints "nianbao: SCRIPT:LINE:
# message" and a traceback of the user's frames only.
. tests/cli/lib.sh

nb -d s.db init

# ---- instruction limit ----
printf 'local n = 0\nwhile true do\n  n = n + 1\nend\n' >loop.lua
NIANBAO_INSTRUCTION_LIMIT=1000000 nb -d s.db run loop.lua
is "$rc" 2 "instruction limit: exit status 2"
is "$err" "nianbao: loop.lua:3: instruction limit exceeded (1000000 instructions)
stack traceback:
	loop.lua:3: in main chunk" "instruction limit: message at the running line"
printf 'local function spin()\n  while true do end\nend\nlocal ok = pcall(spin)\nspin()\n' >caught.lua
NIANBAO_INSTRUCTION_LIMIT=1000000 nb -d s.db run caught.lua
is "$rc:$(printf '%s\n' "$err" | head -1)" \
   "2:nianbao: caught.lua:4: instruction limit exceeded (1000000 instructions)" \
   "instruction limit: pcall cannot keep a script running"
printf 'local n = 0\nfor i = 1, 10000 do n = n + i end\nprint(n)\n' >short.lua
NIANBAO_INSTRUCTION_LIMIT=1000000 nb -d s.db run short.lua
is "$rc:$out:$err" "0:50005000:" "instruction limit: a short script runs"

# ---- memory limit ----
cat >mem.lua <<'EOF'
local t = {}
for i = 1, 1e9 do
  t[i] = string.rep("年报", 50) .. i
end
EOF
NIANBAO_MEMORY_LIMIT=50000000 nb -d s.db run mem.lua
is "$rc" 2 "memory limit: exit status 2 (no crash)"
is "$err" "nianbao: mem.lua: memory limit exceeded (50000000 bytes)" "memory limit: clear message"
cat >memcaught.lua <<'EOF'
local ok, e = pcall(function()
  local t = {}
  for i = 1, 1e9 do t[i] = string.rep("x", 100) .. i end
end)
print(ok, e)
return ok and 1 or 0
EOF
NIANBAO_MEMORY_LIMIT=50000000 nb -d s.db run memcaught.lua
is "$rc:$out" "0:false	not enough memory" "memory limit: a script may catch it and go on"

# the variables read as the options are (a suffix was read as a few bytes, and every
# script failed without a message; junk was no limit at all: found by a walk through
# docs/lua-api.md)
NIANBAO_MEMORY_LIMIT=48M nb -d s.db run mem.lua
is "$rc:$err" "2:nianbao: mem.lua: memory limit exceeded (50331648 bytes)" "NIANBAO_MEMORY_LIMIT=48M: 48 MiB"
NIANBAO_MEMORY_LIMIT=junk nb -d s.db run memcaught.lua
is "$rc:$err" "2:nianbao: NIANBAO_MEMORY_LIMIT: bytes from 1M to 1024G, e.g. 512M (junk)" "NIANBAO_MEMORY_LIMIT=junk: refused, named"
NIANBAO_INSTRUCTION_LIMIT=junk nb -d s.db run memcaught.lua
is "$rc:$err" "2:nianbao: NIANBAO_INSTRUCTION_LIMIT: a whole number from 0 (junk)" "NIANBAO_INSTRUCTION_LIMIT=junk: refused, named"
NIANBAO_MEMORY_LIMIT=junk nb -d s.db run --limit-memory 64M memcaught.lua
is "$rc" 0 "the option given: the variable is not read"

# ---- error format: the script's line, then the user's frames only ----
cat >helper.lua <<'EOF'
local helper = {}
function helper.boom(id)
  error("坏数据: " .. id)
end
return helper
EOF
cat >fail.lua <<'EOF'
local helper = require "helper"
local function inner(id)
  helper.boom(id)
end
local function outer()
  inner("A1")
end
outer()
EOF
nb -d s.db run fail.lua
is "$rc" 2 "error: exit status 2"
is "$(printf '%s\n' "$err" | head -1)" "nianbao: ./helper.lua:3: 坏数据: A1" "error: the first line"
is "$err" "nianbao: ./helper.lua:3: 坏数据: A1
stack traceback:
	./helper.lua:3: in function 'boom'
	fail.lua:3: in function 'inner'
	fail.lua:6: in function 'outer'
	fail.lua:8: in main chunk" "error: a traceback of the user's frames"

cat >cfail.lua <<'EOF'
local store = assert(nianbao.open())
local function count_all()
  return store:count("requests")
end
print(count_all())
EOF
nb -d s.db run cfail.lua
is "$rc:$err" "2:nianbao: cfail.lua:3: unknown record kind 'requests' (request, case, document, matter, decision, charge, purchase, holiday)
stack traceback:
	cfail.lua:3: in function 'count_all'
	cfail.lua:5: in main chunk" "error: raised in C, shown at the script's line without C frames"

printf 'local x = \n' >syntax.lua
nb -d s.db run syntax.lua
is "$rc:$err" "2:nianbao: syntax.lua:2: unexpected symbol near <eof>" "error: a syntax error"
printf 'error({})\n' >object.lua
nb -d s.db run object.lua
is "$rc:$(printf '%s\n' "$err" | head -1)" "2:nianbao: object.lua:1: (error object is a table value)" \
   "error: a non-string error object"
printf 'os.execute("touch pwned")\n' >denied.lua
nb -d s.db run denied.lua
is "$rc:$err" "2:nianbao: denied.lua:1: os.execute is not available in nianbao scripts (sandbox)
stack traceback:
	denied.lua:1: in main chunk" "error: a denied capability from the command line"
check "error: the denied command did not run" test ! -e pwned
printf 'local fh = string.dump(print)\n' >binary.lua
nb -d s.db run binary.lua
like "$rc:$err" "^2:nianbao: binary.lua:1: string.dump is not available" "error: string.dump"
printf '\033Lua\124\0' >chunk.luac
nb -d s.db run chunk.luac
is "$rc:$err" "2:nianbao: chunk.luac: attempt to load a binary chunk (scripts load Lua text only)" \
   "error: a binary script file is refused, and named"
{ printf '#!/usr/bin/env nianbao\n'; cat chunk.luac; } >hashed.luac
nb -d s.db run hashed.luac
is "$rc:$err" "2:nianbao: hashed.luac: attempt to load a binary chunk (scripts load Lua text only)" \
   "error: a binary script file after a first line of '#' is refused the same (Lua's loadfile reads it as binary)"
printf '\357\273\277-- saved with a byte order mark\nprint("起")\n' >bom.lua
nb -d s.db run bom.lua
is "$rc:$out:$err" "0:起:" "a script saved with a UTF-8 byte order mark runs (its lines counted as before)"
printf '\357\273\277error("here")\n' >bomerr.lua
nb -d s.db run bomerr.lua
is "$rc:$(printf '%s\n' "$err" | head -1)" "2:nianbao: bomerr.lua:1: here" "a script with a byte order mark: its line numbers unchanged"
nb -d s.db run nosuch.lua
is "$rc:$err" "2:nianbao: nosuch.lua: cannot open: No such file or directory" "error: a missing script"

# A runaway query is stopped by the same budget.
printf 'local s = assert(nianbao.open())\ns:query("WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM c) SELECT count(*) FROM c")\n' >cte.lua
NIANBAO_INSTRUCTION_LIMIT=1000000 nb -d s.db run cte.lua
is "$rc:$(printf '%s\n' "$err" | head -1)" \
   "2:nianbao: cte.lua:2: store:query: instruction limit exceeded (1000000 SQLite steps)" \
   "instruction limit: a runaway store:query is stopped"

# store:import reads within the sandbox too (it read any file: imported as a text, read back;
# found by a walk through docs/lua-api.md); the command line's own files are read wherever
mkdir -p elsewhere && printf '编号,收到日期,申请人类型\nE1,2020-03-01,自然人\n' >elsewhere/r.csv
out_dir=$(mktemp -d) && cp elsewhere/r.csv "$out_dir/secret.csv"
cat >imp.lua <<LUA
local s <close> = assert(nianbao.open())
local ok, err = pcall(s.import, s, "text", "/etc/passwd", { body = "x", year = 2020 })
print(ok, err)
ok, err = pcall(s.import, s, "request", "$out_dir/secret.csv", { body = "x" })
print(ok, err)
ok, err = pcall(s.import_files, s, "request", { "$out_dir/secret.csv" }, { body = "x" }, function() end)
print(ok, err)
LUA
nb -d s.db run imp.lua
like "$out" "^false	store:import: /etc/passwd: scripts read files only in the working folder and the store's folder \(sandbox\)" \
   "store:import of a file outside the sandbox: refused"
like "$out" "false	store:import: $out_dir/secret.csv: scripts read" "a record file too"
like "$out" "false	store:import_files: $out_dir/secret.csv: scripts read" "and import_files"
nb -d s.db import --body x request "$out_dir/secret.csv"
is "$rc:$out" "0:$out_dir/secret.csv: 1 row read, 1 inserted, 0 updated, 0 unchanged, 0 refused
created body x" "nianbao import reads the file it is given wherever it is (and the script made no body x)"
rm -rf "$out_dir"
finish
