# test_compiled.sh - the program's Lua files compiled to bytecode (tools/luacomp.c, make),
# and all of them in one bundle (host/bundle.h): the command reads the bundle instead of
# the files and the sources, names the same files and lines in its messages, reads a
# source edited since, and passes over a bundle cut short and bytecode it cannot load.
. "$(dirname "$0")/lib.sh"
R=$NIANBAO_HOME
LUACOMP=$R/${BUILD:-build}/luacomp

missing=""
for f in $(cd "$R" && ls lib/*.lua scripts/*.lua scripts/*/*.lua); do
    [ -f "$R/compiled/${f}c" ] || missing="$missing $f"
done
is "$missing" "" "make compiles every file of lib/ and scripts/"

strace -f -e trace=openat -o trace "$NB_BIN" -d s.db init >/dev/null 2>&1
is "$(grep -c 'compiled/all.luab"' trace)" 1 "the command reads the bundle, once"
is "$(grep -c '\.luac"' trace)" 0 "and none of the files' bytecode"
is "$(grep -c '/scripts/cli.lua"\|/lib/command.lua"' trace)" 0 "nor the sources"

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

# A home compiled by luacomp, file by file and bundled. A bundle cut short is passed over
# (each file's bytecode is read); a source edited after it was compiled is read; bytecode
# that does not load is passed over.
(cd home && for f in lib/*.lua scripts/*.lua scripts/*/*.lua; do "$LUACOMP" "$T/home" "$f" "compiled/${f}c" || exit 1; done &&
    "$LUACOMP" --bundle compiled/all.luab compiled lib/*.lua scripts/*.lua scripts/*/*.lua)
is "$?" 0 "luacomp compiles and bundles a home of its own"
NIANBAO_HOME=$T/home strace -f -e trace=openat -o trace "$NB_BIN" --version >v1 2>&1
is "$(head -1 v1)" "$("$NB_BIN" --version 2>&1 | head -1)" "the home's bundle runs the command"
is "$(grep -c 'home/compiled/all.luab"' trace) $(grep -c '\.luac"' trace)" "1 0" "its bundle is read, not the files"
"$LUACOMP" --bundle x.luab home/compiled lib/no-such.lua >o 2>&1
is "$? $(test -e x.luab && echo written)" "1 " "luacomp --bundle of a file not compiled: fails, nothing written"
like "$(cat o)" "home/compiled/lib/no-such.luac: No such file" "and names the file"
# luacomp reads through files.c, as the command does: a FIFO is refused at once (opened
# and read by hand, it waited for a writer)
mkfifo fifo.lua
timeout 10 "$LUACOMP" "$T" fifo.lua fifo.luac >o 2>&1
is "$? $(test -e fifo.luac && echo written)" "1 " "luacomp of a FIFO: refused at once, nothing written"
like "$(cat o)" "fifo.lua: not a regular file \(a FIFO\)" "and says what it is"
mkfifo home/compiled/lib/fifo.luac
timeout 10 "$LUACOMP" --bundle x.luab home/compiled lib/fifo.lua >o 2>&1
is "$? $(test -e x.luab && echo written)" "1 " "luacomp --bundle of a FIFO: refused at once, nothing written"
like "$(cat o)" "home/compiled/lib/fifo.luac: not a regular file \\(a FIFO\\)" "and says what it is"
rm -f home/compiled/lib/fifo.luac
cp home/compiled/all.luab whole.luab
head -c 100000 whole.luab >home/compiled/all.luab
NIANBAO_HOME=$T/home strace -f -e trace=openat -o trace "$NB_BIN" --version >v1 2>&1
is "$(head -1 v1) $(grep -c 'scripts/cli.luac"' trace)" "$("$NB_BIN" --version 2>&1 | head -1) 1" \
   "a bundle cut short is passed over: each file's bytecode is read"
cp whole.luab home/compiled/all.luab
sleep 0.01
{ printf '%s\n' 'io.write("EDITED\n")'; cat home/scripts/cli.lua; } >cli.new && mv cli.new home/scripts/cli.lua
NIANBAO_HOME=$T/home "$NB_BIN" --version >v2 2>&1
is "$(head -1 v2)" "EDITED" "a source edited since it was compiled is read, not its bytecode (bundled or not)"
(cd home && "$LUACOMP" --bundle compiled/all.luab compiled lib/*.lua scripts/*.lua scripts/*/*.lua)
NIANBAO_HOME=$T/home "$NB_BIN" --version >v2 2>&1
is "$(head -1 v2)" "EDITED" "and so after its old bytecode was bundled again (the bundle newer than the source)"
printf 'not bytecode' >home/compiled/lib/command.luac
(cd home && "$LUACOMP" --bundle compiled/all.luab compiled lib/*.lua scripts/*.lua scripts/*/*.lua)
NIANBAO_HOME=$T/home "$NB_BIN" -d s.db init >o 2>&1
is "$?" 0 "bytecode that does not load is passed over (the source is read)"
# (its status not read under strace: LeakSanitizer, in make check, ends a traced process with 1)
NIANBAO_HOME=$T/home strace -f -e trace=openat -o trace "$NB_BIN" -d s.db init >o 2>&1
is "$(grep -c 'lib/command.luac"' trace) $(grep -c 'lib/command.lua"' trace)" "1 1" \
   "bundled, then its file's, then the source"
finish
