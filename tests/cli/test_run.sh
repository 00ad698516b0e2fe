#!/bin/sh
# test_run.sh - `nianbao run` with the store: arguments, exit status, nianbao.db, texts, and
# store:insert refusing a record with the importer's own message.
. tests/cli/lib.sh

nb -d s.db init

printf 'print(select("#", ...), ...)\nprint(nianbao.db)\nreturn 3\n' >args.lua
nb -d s.db run args.lua a "b c"
is "$rc" 3 "run: an integer result is the exit status"
is "$out" "2	a	b c
s.db" "run: arguments reach the script; nianbao.db is the -d store"
nb run args.lua -d other.db
is "$out" "0
other.db" "run: -d after the command"
nb -d s.db run
is "$rc:$err" "2:nianbao: run: give a SCRIPT
usage: nianbao run [-d FILE] SCRIPT [ARGS...]
('nianbao help run' shows its options)" "run: no script is a usage error"

# ---- texts: imported on the command line, read with store:text ----
printf '## 一、总体情况\n\n沈河区2020年……\n' >沈河区2020.md
nb -d s.db import --body 沈河区 text 沈河区2020.md
is "$rc:$out" "0:沈河区2020.md: text of 2020 (from the file name) stored for 沈河区
created body 沈河区" "text: imported, the year from the name said, the body new and said so"
cp 沈河区2020.md again.md
nb -d s.db import --body 沈河区 --year 2020 text again.md
is "$rc:$out" "0:again.md: text of 2020 stored for 沈河区 (replaces 沈河区2020.md)" "text again for the year: --year, and the narrative it replaces, said"
nb -d s.db import --body 沈河区 text 沈河区2020.md
cat >text.lua <<'EOF'
local store <close> = assert(nianbao.open())
local text, source = store:text("沈河区", 2020)
io.write(text)
print(source)
print(store:text("沈河区", 2019))
EOF
nb -d s.db run text.lua
is "$out" "## 一、总体情况

沈河区2020年……
沈河区2020.md
nil" "text: store:text gives the Markdown and its file, nil for another year"
printf 'x\n' >notes.md
nb -d s.db import --body 沈河区 text notes.md
is "$rc:$err" "2:nianbao: notes.md: give the year with --year (none in the file name)" \
   "text: no year refused"

# ---- store:insert and import refuse a bad record with the same words ----
printf '%s\n' '编号,收到日期,申请人类型,办结日期,办理结果' 'B1,2020-01-05,自然人,2020-01-01,1' >bad.csv
nb -d s.db import --body 沈河区 request bad.csv
is "$err" "bad.csv:2: field 'closed': before received 2020-01-05 (2020-01-01)" "insert: the importer's message"
import_text=${err#bad.csv:2: }
cat >insert.lua <<'EOF'
local store <close> = assert(nianbao.open())
local record = {id = "B1", received = "2020-01-05", applicant = "自然人", closed = "2020-01-01",
                outcome = "1"}
local ok, message = store:insert("request", "沈河区", record)
print(ok, message)
EOF
nb -d s.db run insert.lua
is "$out" "nil	insert.lua:4: $import_text" "insert: store:insert gives the same text at the script line"
is "$(count s.db request)" 0 "insert: nothing stored"

# nianbao.fail: a data error prints its message alone and exits 2; pcall gets the message.
cat >fail.lua <<'EOF'
local ok, e = pcall(nianbao.fail, "data.csv:3: field 'x': bad (y)")
print(ok, tostring(e), e.message)
nianbao.fail("data.csv:7: field 'x': bad (z)")
EOF
nb run fail.lua
is "$rc|$out|$err" "2|false	data.csv:3: field 'x': bad (y)	data.csv:3: field 'x': bad (y)|nianbao: data.csv:7: field 'x': bad (z)" "nianbao.fail: message alone, exit 2"
# --parent: a body belongs to another (created when new); cycles are refused.
printf '编号,收到日期,申请人类型\nP1,2020-01-02,自然人\n' >p.csv
nb -d s.db import --body 风雨坛街道 --parent 沈河区 request p.csv
is "$rc" 0 "--parent: import with a parent"
like "$out" "风雨坛街道 belongs to 沈河区" "--parent: said"
cat >parents.lua <<'EOF'
local store <close> = assert(nianbao.open())
for _, b in ipairs(store:bodies()) do if b.parent then print(b.name .. " < " .. b.parent) end end
EOF
nb -d s.db run parents.lua
is "$out" "风雨坛街道 < 沈河区" "--parent: store:bodies gives the parent"
printf '编号,收到日期,申请人类型\nP2,2020-01-02,自然人\n' >p2.csv
nb -d s.db import --body 大东街道 --parent 沈和区 request p2.csv
is "$rc:$(printf '%s\n' "$out" | grep '^created body' | sort | tr '\n' ' ')" "0:created body 大东街道 created body 沈和区 " \
   "--parent: a parent new to the store is said as created (a name typed wrong shows)"
nb -d s.db import --body 大东区 --parent 沈阳巿 text 沈河区2020.md
is "$rc:$(printf '%s\n' "$out" | grep '^created body' | tr '\n' ' ')" "0:created body 大东区 created body 沈阳巿 " \
   "--parent: a text's new body and parent are said as created"
nb -d s.db import --body 大东区 --parent 沈阳巿 text 沈河区2020.md
is "$rc:$(printf '%s\n' "$out" | grep -c '^created body')" "0:0" "--parent: and not again"
nb -d s.db import --body 沈河区 --parent 风雨坛街道 text 沈河区2020.md
is "$rc" 2 "--parent: a cycle is refused"
like "$err" "'风雨坛街道' cannot be the parent of '沈河区' \(it is below it\)" "--parent: the cycle message"
# store:import of a refused file: its result counts nothing written, and no body made
printf '编号,收到日期,申请人类型,机关\nR1,2020-01-05,自然人,新区3\nR2,2020-01-05,火星人,新区4\n' >refused.csv
cat >refused.lua <<'EOF'
local s <close> = assert(nianbao.open())
local res, err, d = s:import("request", "refused.csv", { parent = "无此市" })
print(res, err)
print(d.read, d.inserted, d.updated, d.unchanged, d.removed, d.refused, d.body_created, #d.created)
for _, b in ipairs(s:bodies()) do if b.name == "新区3" or b.name == "无此市" then print("made", b.name) end end
EOF
nb -d s.db run refused.lua
is "$rc:$out" "0:nil	refused.csv: 1 row refused; nothing written
2	0	0	0	0	1	false	0" "store:import refused: nothing counted as written, no body said created (none made)"

# Many arguments (a shell glob of a hundred bodies' files): every one arrives.
printf 'print(select("#", ...), (select(300, ...)))\n' >many.lua
nb run many.lua $(seq 1 300)
is "$rc:$out" "0:300	300" "run: 300 arguments arrive"
finish
