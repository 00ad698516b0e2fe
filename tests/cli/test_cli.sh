#!/bin/sh
# test_cli.sh - the one command line: help and usage made from the command table, option
# errors, --version; duplicate ids of a body's rules and layouts refused; --parent checked
# before anything is written; every kind of message capped; a damaged dictionary refused.
. tests/cli/lib.sh

# ---- help, usage, version ----
nb help
is "$rc" 0 "help: exit 0"
for c in init import report check explain run help; do
    like "$out" "^  $c " "help lists $c"
done
like "$out" "3 +the store stayed locked" "help: the exit statuses"
nb help import
is "$rc" 0 "help import: exit 0"
like "$out" "^usage: nianbao import \[-d FILE\] \[--body NAME\]" "help import: the usage line"
like "$out" "--dry-run +check and count, write nothing" "help import: each option explained"
nb import --help
is "$rc:$(printf '%s\n' "$out" | head -1)" "0:usage: nianbao import [-d FILE] [--body NAME] [--parent NAME] [--map MAP.lua] [--replace | --replace-all] [--sheet NAME] [--year Y] [--dry-run] KIND FILE..." \
   "import --help: the same usage (two options, one or the other), exit 0"
nb import --replace --replace-all request x.csv
is "$rc:$(printf '%s\n' "$err" | head -1)" "2:nianbao: import: give --replace or --replace-all, not both" \
   "import: both of a pair of options refused"
nb regen --body 区 --all
is "$rc:$(printf '%s\n' "$err" | head -1)" "2:nianbao: regen: give --body NAME or --all, not both" \
   "regen: the same rule, from the same table"
# the README's synopsis of every command is its usage (spaces apart)
awk '/^## Commands/ { s = 1 } s && /^```/ { if (++f == 2) exit } s && f == 1 && /^nianbao / { print }' \
    "$NIANBAO_HOME/README.md" | tr -s ' ' >readme.syn
while read -r _ c _; do
    nb "$c" --help
    printf '%s\n' "$out" | head -1 | sed 's/^usage: //'
done <readme.syn >help.syn
is "$(cat readme.syn)" "$(cat help.syn)" "the README's synopsis: every command's usage, word for word"
nb run --help
is "$rc:$(printf '%s\n' "$out" | head -1)" "0:usage: nianbao run [-d FILE] SCRIPT [ARGS...]" "run --help: usage, no script named --help opened"
nb report -h
is "$rc" 0 "report -h: exit 0"
nb --version
like "$rc:$out" "^0:nianbao [0-9]+\.[0-9]+\.[0-9]+ \(schema [0-9]+, Lua 5\.4" "--version"
nb
is "$rc" 2 "no command: exit 2"
like "$err" "^usage: nianbao COMMAND" "no command: the overview on stderr"
nb publish x.docx
is "$rc:$err" "2:nianbao: unknown command 'publish'
('nianbao help' shows the commands)" "a command that does not exist: exit 2"
nb report --body x --year 2020 --colour red
is "$rc:$(printf '%s\n' "$err" | head -2)" "2:nianbao: report: unknown option --colour
usage: nianbao report [-d FILE] --body NAME --year Y [--format ID] [--to FORMATS] [--out DIR] [--checks] [--fonts ROLE=FAMILIES;…] [--rules FILE.lua ...]" \
   "an unknown option: the command's usage, exit 2"
nb report --body x --year 20x0
is "$rc:$(printf '%s\n' "$err" | head -1)" "2:nianbao: report: --year: not a year (20x0)" "a bad value: named"
nb report --body x --year
is "$rc:$(printf '%s\n' "$err" | head -1)" "2:nianbao: report: --year needs a value (Y)" "a missing value: named"
# an option before the command, with its value missing ("unknown option -d")
nb -d
is "$rc:$(printf '%s\n' "$err" | head -1)" "2:nianbao: -d needs a value (FILE)" "-d alone: its value missing, named"
nb report --body a --body b --year 2020
is "$rc:$(printf '%s\n' "$err" | head -1)" "2:nianbao: report: --body is given twice" "an option given twice"
nb -d s.db init --limit-memory 10K
is "$rc:$(printf '%s\n' "$err" | head -1)" "2:nianbao: init: --limit-memory: bytes from 1M to 1024G, e.g. 512M (10K)" "a limit checked"
nb help report extra
is "$rc:$(printf '%s\n' "$err" | head -1)" "2:nianbao: help: unexpected argument extra" "help with two words: the second refused"

# ---- a body's rules and layouts: one id, one definition ----
nb -d s.db init
B=沈河区
printf '编号,收到日期,申请人类型\nA1,2020-01-05,自然人\n' >r.csv
nb -d s.db import --body $B request r.csv
printf 'return { { id = "L1", severity = "warning", title = "t", run = function() end } }\n' >a.lua
cp a.lua b.lua
nb -d s.db import --body $B rules a.lua
is "$rc" 0 "a rule file is stored"
nb -d s.db import --body $B rules b.lua
is "$rc:$err" "2:nianbao: b.lua: rule L1 is already defined by a.lua; give it another id" "a second file with the same rule id is refused"
nb -d s.db import --body $B rules a.lua
is "$rc" 0 "the same file again replaces itself"
printf 'return { { id = "H1", severity = "warning", title = "t", run = function() end } }\n' >h.lua
nb -d s.db import --body $B rules h.lua
is "$rc:$err" "2:nianbao: h.lua: rule H1 is already defined by checks.tables; give it another id" "a national rule's id is refused"
nb -d s.db check --body $B --year 2020 --rules b.lua
is "$rc:$err" "2:nianbao: b.lua: rule L1 is also defined by a.lua; give one another id" "--rules with a stored rule's id is refused"
printf 'local format = require "format"\nreturn format.extend(require "formats.gov2021", { id = "mine", years = { first = 2030 } })\n' >l1.lua
cp l1.lua l2.lua
nb -d s.db import --body $B layout l1.lua
is "$rc" 0 "a layout with its own id is stored"
nb -d s.db import --body $B layout l2.lua
is "$rc:$err" "2:nianbao: l2.lua: layout 'mine' is already stored for 沈河区 as l1.lua; delete or replace it" \
   "a second layout with the same id is refused"
nb -d s.db report --body $B --year 2020 --format mine --to json --out o
is "$rc" 0 "--format takes a body's own id"
printf 'local format = require "format"\nreturn format.define{ id = "bad", name = "x", parts = {}, cubes = {}, tables = {} }\n' >bad.lua
nb -d s.db import --body $B layout bad.lua
is "$rc:$err" "2:nianbao: bad.lua: format bad: parts must be a list of { title = … [, table = id] }" \
   "a broken layout is refused, naming the file"
printf 'return 5\n' >five.lua
nb -d s.db import --body $B rules five.lua
is "$rc:$err" "2:nianbao: five.lua: a rule file returns an array of rules (got number)" \
   "a rule file that returns no rules: the file named, no traceback"
printf 'local t = nil\nreturn t.x\n' >nilx.lua
nb -d s.db import --body $B layout nilx.lua
like "$rc:$err" "^2:nianbao: nilx.lua:2: attempt to index a nil value" "a layout that fails: its own line, no traceback"
is "$(printf '%s\n' "$err" | wc -l)" 1 "one line"

# ---- --parent: checked before anything is written ----
before=$(snapshot s.db)
nb -d s.db import --body $B --parent $B request r.csv
is "$rc:$err" "2:nianbao: s.db: '沈河区' cannot be its own parent" "a body its own parent: refused"
is "$(snapshot s.db)" "$before" "and nothing was written"

# ---- messages: at most 50, then a count, whatever their kind ----
awk 'BEGIN { printf "编号,收到日期,申请人类型"; for (c = 0; c < 2000; c++) printf ",extra%d", c; print "";
             for (i = 1; i <= 3000; i++) printf "X%d,2020-01-05,火星人%d\n", i, i }' >many.csv
before=$(snapshot s.db)
nb -d s.db import --body $B request many.csv
is "$rc" 2 "thousands of problems: exit 2"
is "$(printf '%s\n' "$err" | wc -l)" 51 "the first 50 messages, then the count"
like "$(printf '%s\n' "$err" | tail -1)" "^many.csv: \.\.\. and [0-9]+ more messages$" "the count of the rest"
like "$err" "^many.csv:2: .*火星人1" "the rows' errors shown, not only the 2,000 columns' notes"
is "$(printf '%s\n' "$err" | grep -c 'note: column')" 10 "ten of the notes shown"
is "$out" "many.csv: 3000 rows read, 0 inserted, 0 updated, 0 unchanged, 3000 refused; nothing written" "and the summary"
is "$(snapshot s.db)" "$before" "and nothing was written"

# ---- a damaged dictionary is refused at open ----
cp s.db damaged.db
sqlite3 damaged.db "INSERT INTO dict(id, dict, code) VALUES (100000000, 'channel', 'x')"
n=$(sqlite3 damaged.db "SELECT count(*) FROM dict")
nb -d damaged.db check --body $B --year 2020
is "$rc:$err" "2:nianbao: damaged.db: damaged store: dictionary ids run from 1 to 100000000 for $n values" \
   "a dictionary id of 10^8: refused at open, not 1.5 GB of memory"
cp s.db damaged2.db
sqlite3 damaged2.db "DELETE FROM dict WHERE dict = 'outcome' AND code = '4.1'"
nb -d damaged2.db check --body $B --year 2020
is "$rc:$err" "2:nianbao: damaged2.db: damaged store: the dictionary lacks the national value outcome '4.1' (本机关不掌握相关政府信息)" \
   "a national value missing from the dictionary: refused at open"
# the options a command takes are the ones that do something there: lint opens no store
nb lint -d x.db nothing.txt
like "$rc:$err" "^2:nianbao: lint: unknown option -d" "lint takes no -d (it opens no store)"
unlike "$(nb help lint; printf '%s' "$out")" "lock-wait" "nor --lock-wait"
like "$(nb help run; printf '%s' "$out")" "-d FILE +the store" "run takes -d (its scripts open that store)"
finish
