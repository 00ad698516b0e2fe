#!/bin/sh
# run.sh - runs every test layer and ends with one line "N passed, M failed".
# Layers: C unit tests (build/unit/test_*), Lua API tests (tests/lua/test_*.lua),
# CLI tests (tests/cli/test_*.sh, golden outputs among them).
BUILD=${BUILD:-build}
NB_BIN=${NB_BIN:-$(pwd)/nianbao}
export NB_BIN
export NIANBAO_HOME=$(pwd)
log=$(mktemp)
pass=0
fail=0

run_one() { # name, command...
    name=$1; shift
    out=$("$@" 2>&1); rc=$?
    p=$(printf '%s\n' "$out" | grep -c '^ok ')
    f=$(printf '%s\n' "$out" | grep -c '^not ok ')
    printf '%s\n' "$out" | grep -v '^ok ' >>"$log"
    if [ "$rc" -ne 0 ] && [ "$f" -eq 0 ]; then
        f=1
        echo "not ok - $name exited with status $rc" >>"$log"
        printf '%s\n' "$out" | tail -20 >>"$log"
    fi
    pass=$((pass + p)); fail=$((fail + f))
    printf '  %-40s %4d passed, %d failed\n' "$name" "$p" "$f"
}

echo "C unit tests"
for t in "$BUILD"/unit/test_*; do
    [ -x "$t" ] || continue
    run_one "$(basename "$t")" "$t"
done
echo "Lua API tests"
for t in tests/lua/test_*.lua; do
    [ -f "$t" ] || continue
    db="$(mktemp -u /tmp/nbtest.XXXXXX).db"
    run_one "$(basename "$t")" "$NB_BIN" -d "$db" run "$t"
    rm -rf "$db" "$db-wal" "$db-shm" "$db.out"
done
echo "CLI tests"
for t in tests/cli/test_*.sh; do
    [ -f "$t" ] || continue
    run_one "$(basename "$t")" sh "$t"
done
if [ "$fail" -ne 0 ]; then
    echo
    echo "Failures:"
    grep -A3 '^not ok' "$log" | head -200
fi
rm -f "$log"
echo "$pass passed, $fail failed"
[ "$fail" -eq 0 ]
