# test_compiled.sh - the program's Lua files compiled to bytecode (tools/luacomp.c, make):
# the command loads them instead of the sources, names the same files and lines in its
# messages, reads a source edited since, and passes over bytecode it cannot load.
. "$(dirname "$0")/lib.sh"
R=$NIANBAO_HOME
LUACOMP=$R/${BUILD:-build}/luacomp

missing=""
for f in $(cd "$R" && ls lib/*.lua scripts/*.lua scripts/*/*.lua); do
    [ -f "$R/compiled/${f}c" ] || missing="$missing $f"
done
is "$missing" "" "make compiles every file of lib/ and scripts/"

strace -f -e trace=openat -o trace "$NB_BIN" --version >/dev/null 2>&1
like "$(grep -c 'compiled/scripts/cli.luac' trace)" '^[1-9]' "the command loads the bytecode"
is "$(grep -c '/scripts/cli.lua"' trace)" 0 "and does not read the source"

# The same messages, file and line, as from the sources (a home of the sources alone).
mkdir home
cp -R "$R/lib" "$R/scripts" home/
cat >err.lua <<'LUA'
local report = require "report"
report.cell_text({}, "requests", "new", "total") -- a ctx without its document
LUA
NIANBAO_HOME=$R "$NB_BIN" run err.lua >o 2>compiled.err
NIANBAO_HOME=$T/home "$NB_BIN" run err.lua >o 2>source.err
like "$(cat compiled.err)" "lib/report.lua:[0-9]+: attempt to index a nil value \(field 'document'\)" "an error in a library names its file and line"
is "$(sed "s|$R/|HOME/|g" compiled.err)" "$(sed "s|$T/home/|HOME/|g" source.err)" "the same message and traceback as from the source"

# A source edited after it was compiled is read; bytecode that does not load is passed over.
(cd home && for f in lib/*.lua scripts/*.lua scripts/*/*.lua; do "$LUACOMP" "$T/home" "$f" "compiled/${f}c" || exit 1; done)
is "$?" 0 "luacomp compiles a home of its own"
NIANBAO_HOME=$T/home "$NB_BIN" --version >v1 2>&1
sleep 0.01
{ printf '%s\n' 'io.write("EDITED\n")'; cat home/scripts/cli.lua; } >cli.new && mv cli.new home/scripts/cli.lua
NIANBAO_HOME=$T/home "$NB_BIN" --version >v2 2>&1
is "$(head -1 v2)" "EDITED" "a source edited since it was compiled is read, not its bytecode"
printf 'not bytecode' >home/compiled/lib/command.luac
NIANBAO_HOME=$T/home "$NB_BIN" -d s.db init >o 2>&1
is "$?" 0 "bytecode that does not load is passed over (the source is read)"
finish
