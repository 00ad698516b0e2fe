# test_module.sh - nianbao-publish.so (host/publish.h): the command starts without the
# libraries of HTML, PDF and layout; it opens the module when it reads or writes those,
# and says what to do when the module is missing; `make install` puts it where the
# installed command finds it (test_docs.sh runs make install). A workbook is written by
# the command itself (export_xlsx.c), with no module and no library of its own.
. "$(dirname "$0")/lib.sh"

libs=$(ldd "$NB_BIN")
unlike "$libs" 'libxml2|libpoppler|libpango|libcairo' "the command is not linked with libxml2, poppler, Pango or Cairo"
module=$(dirname "$NB_BIN")/nianbao-publish.so
check "the module is built beside the command" test -f "$module"
mlibs=$(ldd "$module")
like "$mlibs" 'libpoppler-glib' "the module is linked with poppler"
like "$mlibs" 'libxml2' "the module is linked with libxml2"

# The seed's report as HTML, read back through the module.
printf '<html><body><p>沈阳市沈河区2020年政府信息公开工作年度报告</p></body></html>\n' >p.html
nb lint p.html
like "$err$out" 'p.html' "lint of an HTML page runs (through the module)"
unlike "$(strace -f -e trace=openat "$NB_BIN" --version 2>&1 >/dev/null)" 'nianbao-publish.so' "--version does not open the module"
strace -f -e trace=openat "$NB_BIN" lint p.html 2>trace >/dev/null
like "$(cat trace)" 'nianbao-publish.so' "lint opens the module"

# A command without its module: a copy of the binary alone in a folder.
mkdir -p alone
cp "$NB_BIN" alone/nianbao
nb -d s.db init
./alone/nianbao lint p.html >o 2>e
is "$?" 2 "without the module, lint exits 2"
like "$(cat e)" 'nianbao-publish.so is not installed \(looked beside the nianbao executable and in .*lib/nianbao\): run make \(or make install\) again' \
    "and names the module and what to do"
./alone/nianbao -d s.db --version >o 2>e
is "$?" 0 "without the module, the rest of the command works"

# A copy two folders below a folder where someone left a module and scripts (as in /tmp):
# neither is taken. The copy's own folder and ../lib/nianbao are the only places looked in.
mkdir -p planted/a/b planted/scripts planted/a/lib/nianbao
cp "$NB_BIN" planted/a/b/nianbao
echo 'not a shared object' >planted/nianbao-publish.so
echo 'not a shared object' >planted/a/nianbao-publish.so
printf 'print("PLANTED")\nos.exit(7)\n' >planted/scripts/cli.lua
(unset NIANBAO_HOME; ./planted/a/b/nianbao lint p.html >o 2>e; echo "$?" >rc)
unlike "$(cat o e)" 'PLANTED' "scripts left two folders above a copy are not run"
(./planted/a/b/nianbao lint p.html >o 2>e; echo "$?" >rc)
unlike "$(cat e)" 'cannot load .*planted' "modules left one or two folders above a copy are not opened"
like "$(cat e)" 'nianbao-publish.so is not installed' "(it says the module is missing)"
cp "$module" planted/a/lib/nianbao/nianbao-publish.so
./planted/a/b/nianbao lint p.html >o 2>e
unlike "$(cat e)" 'not installed|cannot load' "../lib/nianbao beside the copy's folder is looked in (an installation's layout)"

# A module that is not one: refused with the loader's words, not a crash.
cp "$NB_BIN" alone/nianbao
echo 'not a shared object' >alone/nianbao-publish.so
./alone/nianbao lint p.html >o 2>e
is "$?" 2 "a broken module: exit 2"
like "$(cat e)" 'cannot load .*alone/nianbao-publish.so' "and the message names it"

# ---- XLSX: written by the command itself, with no module, no libxlsxwriter, no libcrypto ----
unlike "$libs" 'libxlsxwriter|libcrypto' "the command is not linked with libxlsxwriter or libcrypto"
rm -f x.db
printf '%s\n' '编号,收到日期,申请人类型,办结日期,办理结果' 'A1,2020-01-05,自然人,2020-01-20,予以公开' >r.csv
nb -d x.db init
nb -d x.db import --body 沈河区 request r.csv
# (no exit status under strace: LeakSanitizer, in make check, ends a traced process with 1)
strace -f -e trace=openat -o xlsx.trace "$NB_BIN" -d x.db report --body 沈河区 --year 2020 --to xlsx --out o1 >/dev/null 2>&1
unlike "$(cat xlsx.trace)" 'nianbao-publish.so|nianbao-xlsx.so|libxlsxwriter|libcrypto' \
    "report --to xlsx opens no module, no libxlsxwriter, no libcrypto"
check "the workbook is written" test -s o1/沈河区-2020.xlsx
like "$(python3 -c 'import sys, zipfile; print(zipfile.ZipFile(sys.argv[1]).namelist())' o1/沈河区-2020.xlsx 2>&1)" \
    'xl/worksheets/sheet1.xml' "the workbook holds its sheets"
rm -rf alone o2 && mkdir -p alone
cp "$NB_BIN" alone/nianbao
./alone/nianbao -d x.db report --body 沈河区 --year 2020 --to json,xlsx --out o2 >o 2>e
is "$?" 0 "a command copied alone (no module beside it) writes a workbook"
check "and the workbook is there" test -s o2/沈河区-2020.xlsx
finish
