#!/bin/sh
# valgrind.sh - the main commands under valgrind's memcheck: no invalid access, no leak.
# Prints TAP lines and ends with "N passed, M failed" (make valgrind).
NB=${NB_BIN:-$(pwd)/nianbao}
export NIANBAO_HOME=$(pwd)
T=$(mktemp -d)
trap 'rm -rf "$T"' EXIT
pass=0
fail=0
# vg NAME STATUS COMMAND...: runs COMMAND (nianbao itself) under memcheck; it must end
# with STATUS: a memory error (99), a signal (a crash or an abort: 128 and over) or any
# other status fails.
vg() {
    name=$1
    want=$2
    shift 2
    valgrind -q --suppressions=tests/valgrind/pdf.supp --leak-check=full --show-leak-kinds=definite,indirect --errors-for-leak-kinds=definite,indirect \
        --error-exitcode=99 "$@" >"$T/out" 2>"$T/err"
    got=$?
    if [ "$got" -ne "$want" ]; then
        echo "not ok - $name (exit status $got, want $want)"
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
vg "init" 0 "$NB" -d "$DB" init
vg "import with a mapping" 0 "$NB" -d "$DB" import --body "$B" --map $EX/map.lua request $EX/data/requests.csv
for k in case:cases document:documents matter:matters decision:decisions purchase:purchases charge:charges; do
    "$NB" -d "$DB" import --body "$B" --map $EX/map.lua "${k%%:*}" "$EX/data/${k#*:}.csv" >/dev/null
done
for y in 2019 2020 2021; do "$NB" -d "$DB" import --body "$B" holiday $EX/holidays/$y.csv >/dev/null; done
"$NB" -d "$DB" import --body "$B" text $EX/text/2020.md >/dev/null
vg "import refusing bad rows" 2 "$NB" -d "$DB" import --body "$B" request $EX/data/requests.csv
printf 'x' >"$T/f.xlsx"
vg "import of an XLSX that is a text file" 2 "$NB" -d "$DB" import --body "$B" request "$T/f.xlsx"
vg "report 2020 in every format, with its check file" 0 "$NB" -d "$DB" report --body "$B" --year 2020 --checks --out "$T/o"
vg "report 2021" 0 "$NB" -d "$DB" report --body "$B" --year 2021 --out "$T/o" --to json
vg "check with a rule file" 0 "$NB" -d "$DB" check --body "$B" --year 2020 --rules $EX/rules/late.lua
vg "explain" 0 "$NB" -d "$DB" explain --body "$B" --year 2020 active license items_change
vg "a script that fails (nianbao.fail)" 2 "$NB" -d "$DB" run tests/valgrind/fail.lua
vg "a stored layout of the body's own" 0 "$NB" -d "$DB" import --body "$B" layout tests/valgrind/layout.lua
vg "a report in the body's own layout" 0 "$NB" -d "$DB" report --body "$B" --year 2020 --out "$T/o" --to json,xlsx
vg "lint of the seed (text)" 0 "$NB" lint tests/lint/seed.txt
vg "lint of the 2020 report's HTML (libxml2), with --json" 0 "$NB" lint --year 2020 --json "$T/o/$B-2020.html"
python3 tests/lint/mkdocx.py tests/lint/seed.txt "$T/seed.docx"
vg "lint of the seed as a Word document (minizip, expat)" 0 "$NB" lint --year 2020 "$T/seed.docx"
printf '<table><tr><td>\327\324\310\273\310\313<td>1</table><p>x<br>' >"$T/gb.html"
vg "lint of a broken GB18030 page" 2 "$NB" lint "$T/gb.html"
vg "lint of a PDF (poppler)" 0 "$NB" lint tests/lint/seed.pdf
vg "lint of the 2020 report's own DOCX and PDF" 0 "$NB" lint --year 2020 "$T/o/$B-2020.docx" "$T/o/$B-2020.pdf"
printf 'not a PDF at all' >"$T/garbage.pdf"
vg "lint of a file that is not a PDF" 2 "$NB" lint "$T/garbage.pdf"
printf '名称,上级,汇总\n示例市,,是\n%s,示例市,\n' "$B" >"$T/bodies.csv"
sed 's/\["信息不存在"\] = "4.1"/["信息不存在"] = "4.2"/' $EX/map.lua >"$T/map2.lua"
grep -v '\["GK"\]' "$T/map2.lua" >"$T/nogk.lua"
vg "remap with a corrected mapping" 0 "$NB" -d "$DB" remap --body "$B" --map "$T/map2.lua"
vg "remap refused (a value the mapping no longer maps)" 2 "$NB" -d "$DB" remap --body "$B" --map "$T/nogk.lua"
vg "import bodies" 0 "$NB" -d "$DB" import bodies "$T/bodies.csv"
vg "regen of every body and year (a roll-up too)" 0 "$NB" -d "$DB" regen --all --to json,xlsx --out "$T/r"
vg "regen in 2 worker processes (--jobs 2)" 0 "$NB" -d "$DB" regen --all --jobs 2 --to json,xlsx --out "$T/r2"
vg "regen again into the same folder (every body current: left as it is)" 0 "$NB" -d "$DB" regen --all --to json,xlsx --out "$T/r"
if grep -q ' current$' "$T/out" && ! grep -q ' unchanged$' "$T/out"; then
    echo "ok - and every report of it current"; pass=$((pass + 1))
else
    echo "not ok - and every report of it current"; fail=$((fail + 1))
fi
vg "init --verify (the packs and the digests regen kept)" 0 "$NB" -d "$DB" init --verify
vg "init --repack (the digests forgotten)" 0 "$NB" -d "$DB" init --repack
vg "import of a published year" 0 "$NB" -d "$DB" import --body 另一机关 --year 2020 report $EX/expected-2020.json
vg "import --replace-all" 0 "$NB" -d "$DB" import --body "$B" --replace-all --map $EX/map.lua purchase $EX/data/purchases.csv
vg "delete --dry-run of a body" 0 "$NB" -d "$DB" delete --dry-run --force --body "$B"
vg "delete of records by id, one missing" 2 "$NB" -d "$DB" delete --body "$B" request NOSUCH
for t in tests/lua/test_store.lua tests/lua/test_sandbox.lua tests/lua/test_checks.lua tests/lua/test_export_api.lua; do
    vg "run $t" 0 "$NB" -d "$T/$(basename "$t").db" run "$t"
done
# The checker itself: a program that crashes must count as a failure.
printf 'int main(void) { return *(volatile int *)0; }\n' >"$T/crash.c"
cc -o "$T/crash" "$T/crash.c"
counted=$( (fail=0; vg "a crash" 0 "$T/crash" >/dev/null; echo "$fail") )
if [ "$counted" = 1 ]; then
    echo "ok - the checker counts a crash as a failure"
    pass=$((pass + 1))
else
    echo "not ok - the checker counts a crash as a failure"
    fail=$((fail + 1))
fi
echo "$pass passed, $fail failed"
[ "$fail" -eq 0 ]
