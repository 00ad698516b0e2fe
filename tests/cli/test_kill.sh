#!/bin/sh
# test_kill.sh - outputs are atomic: a report killed at any of its writes (strace's fault
# injection), or whose disk is full there, leaves every output file either as it was
# before or as the new report has it - never truncated, empty or mixed within a file -
# and no temporary file. A temporary left by a kill between its link and its rename is
# removed by the next report.
. tests/cli/lib.sh
command -v strace >/dev/null || { not_ok "strace is installed (make test-deps)"; finish; exit; }
# LeakSanitizer cannot run under ptrace (make check): leaks are checked by the other tests.
ASAN_OPTIONS=${ASAN_OPTIONS:+$ASAN_OPTIONS:}detect_leaks=0
export ASAN_OPTIONS
B=沈河区
H='编号,收到日期,申请人类型,办结日期,办理结果'
nb -d s.db init
printf '%s\n' "$H" 'A1,2020-01-05,自然人,2020-01-20,1' 'A2,2020-02-01,企业,,' >r.csv
nb -d s.db import --body $B request r.csv
report() { "$NB_BIN" -d s.db report --body $B --year 2020 --out o >/dev/null 2>"$T/report.err"; }
report && cp -r o old
printf '%s\n' "$H" 'A3,2020-03-01,自然人,2020-03-05,2' >more.csv
nb -d s.db import --body $B request more.csv
rm -rf o && cp -r old o && report && mv o new
check "the two reports differ" sh -c '! cmp -s old/'"$B"'-2020.json new/'"$B"'-2020.json'
files=$(cd old && ls)

# every file of o is the old or the new one, and o holds nothing else
whole() {
    for f in $files; do
        cmp -s "o/$f" "old/$f" || cmp -s "o/$f" "new/$f" || { echo "$f is neither"; return 1; }
    done
    extra=$(ls -A o | grep -v -x -F "$files")
    [ -z "$extra" ] || { echo "left: $extra"; return 1; }
}

# The writes of one report.
rm -rf o && cp -r old o
writes=$(strace -f -c -e trace=write "$NB_BIN" -d s.db report --body $B --year 2020 --out o 2>&1 >/dev/null |
         awk '$NF == "write" { print $(NF - 1) }')
check "a report makes writes to kill ($writes)" test "${writes:-0}" -gt 20

bad_kill=""
bad_full=""
n=1
while [ "$n" -le "$writes" ]; do
    rm -rf o && cp -r old o
    strace -f -o /dev/null -e trace=write -e inject=write:signal=KILL:when=$n \
        "$NB_BIN" -d s.db report --body $B --year 2020 --out o >/dev/null 2>&1
    why=$(whole) || bad_kill="$bad_kill $n($why)"
    if [ $((n % 3)) -eq 1 ]; then
        rm -rf o && cp -r old o
        strace -f -o /dev/null -e trace=write -e inject=write:error=ENOSPC:when=$n \
            "$NB_BIN" -d s.db report --body $B --year 2020 --out o >/dev/null 2>"$T/full.err"
        rc=$?
        why=$(whole) || bad_full="$bad_full $n($why)"
        # A failed write of an output names the disk; one of the summary on stdout ends
        # the command too. Either way: status 2, or 0 once everything was written.
        [ "$rc" -eq 0 ] || [ "$rc" -eq 2 ] || bad_full="$bad_full $n(status $rc)"
    fi
    n=$((n + 1))
done
is "$bad_kill" "" "killed at each of the $writes writes: every file old or new, no temporary"
is "$bad_full" "" "a full disk at every third write: every file old or new, no temporary, status 2"

# ENOSPC on an output's own write: the message says so.
rm -rf o && cp -r old o
strace -f -o /dev/null -e trace=write -e inject=write:error=ENOSPC:when=1 \
    "$NB_BIN" -d s.db report --body $B --year 2020 --out o --to md >/dev/null 2>"$T/full.err"
like "$(cat "$T/full.err")" "No space left on device" "a full disk: the message names it"

# Killed between the link and the rename: the next report removes the temporary.
rm -rf o && cp -r old o
strace -f -o /dev/null -e trace=rename -e inject=rename:signal=KILL:when=1 \
    "$NB_BIN" -d s.db report --body $B --year 2020 --out o >/dev/null 2>&1
left=$(ls -A o | grep -c '^\.')
check "killed at a rename: a temporary is left ($left)" test "$left" -ge 1
report
is "$(ls -A o | grep -c '^\.')" 0 "the next report removes it"
check "and writes the new files" whole
finish
