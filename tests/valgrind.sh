#!/bin/sh
# valgrind.sh - the main commands under valgrind's memcheck: no invalid access, no leak.
# Prints TAP lines and ends with "N passed, M failed" (make valgrind).
NB=${NB_BIN:-$(pwd)/nianbao}
export NIANBAO_HOME=$(pwd)
T=$(mktemp -d)
trap 'rm -rf "$T"' EXIT
pass=0
fail=0
vg() { # name, command...
    name=$1
    shift
    valgrind -q --leak-check=full --show-leak-kinds=definite,indirect --errors-for-leak-kinds=definite,indirect \
        --error-exitcode=99 "$@" >"$T/out" 2>"$T/err"
    if [ $? -eq 99 ]; then
        echo "not ok - $name"
        sed 's/^/#   /' "$T/err" | head -30
        fail=$((fail + 1))
    else
        echo "ok - $name"
        pass=$((pass + 1))
    fi
}
B=沈阳市沈河区人民政府
EX=examples/shenhe
DB=$T/s.db
vg "init" "$NB" -d "$DB" init
vg "import with a mapping" "$NB" -d "$DB" import --body "$B" --map $EX/map.lua request $EX/data/requests.csv
for k in case:cases document:documents matter:matters decision:decisions purchase:purchases charge:charges; do
    "$NB" -d "$DB" import --body "$B" --map $EX/map.lua "${k%%:*}" "$EX/data/${k#*:}.csv" >/dev/null
done
for y in 2019 2020 2021; do "$NB" -d "$DB" import --body "$B" holiday $EX/holidays/$y.csv >/dev/null; done
"$NB" -d "$DB" import --body "$B" text $EX/text/2020.md >/dev/null
vg "import refusing bad rows" "$NB" -d "$DB" import --body "$B" request $EX/data/requests.csv
vg "import of an XLSX that is a text file" sh -c "printf 'x' >$T/f.xlsx; '$NB' -d '$DB' import --body '$B' request $T/f.xlsx"
vg "report 2020 in every format" "$NB" -d "$DB" report --body "$B" --year 2020 --out "$T/o"
vg "report 2021" "$NB" -d "$DB" report --body "$B" --year 2021 --out "$T/o" --to json
vg "check with a rule file" "$NB" -d "$DB" check --body "$B" --year 2020 --rules $EX/rules/late.lua
vg "explain" "$NB" -d "$DB" explain --body "$B" --year 2020 active license items_change
for t in tests/lua/test_store.lua tests/lua/test_sandbox.lua tests/lua/test_checks.lua; do
    vg "run $t" "$NB" -d "$T/$(basename "$t").db" run "$t"
done
echo "$pass passed, $fail failed"
[ "$fail" -eq 0 ]
