# test_module.sh - nianbao-read.so and nianbao-publish.so (host/publish.h): the command
# starts without the libraries of HTML, PDF and layout; it opens the reader's module when
# it reads published pages and the writer's when it writes a PDF, each without the other's
# libraries, and says what to do when a module is missing; `make install` puts them where
# the installed command finds them (test_docs.sh runs make install). A workbook is written by
# the command itself (export_xlsx.c), with no module and no library of its own.
. "$(dirname "$0")/lib.sh"

libs=$(ldd "$NB_BIN")
unlike "$libs" 'libxml2|libpoppler|libpango|libcairo' "the command is not linked with libxml2, poppler, Pango or Cairo"
module=$(dirname "$NB_BIN")/nianbao-read.so
check "the reader's module is built beside the command" test -f "$module"
mlibs=$(ldd "$module")
like "$mlibs" 'libpoppler-glib' "the reader's module is linked with poppler"
like "$mlibs" 'libxml2' "the reader's module is linked with libxml2"
unlike "$mlibs" 'libpango|libharfbuzz-subset' "and not with Pango or HarfBuzz's subsetter"
writer=$(dirname "$NB_BIN")/nianbao-publish.so
check "the PDF's module is built beside the command" test -f "$writer"
wlibs=$(ldd "$writer")
unlike "$wlibs" 'libpoppler|libxml2|libnss3|libicu' "the PDF's module is linked without poppler, libxml2, NSS or ICU"

# The seed's report as HTML, read back through the reader's module.
printf '<html><body><p>沈阳市沈河区2020年政府信息公开工作年度报告</p></body></html>\n' >p.html
nb lint p.html
like "$err$out" 'p.html' "lint of an HTML page runs (through the reader's module)"
unlike "$(strace -f -e trace=openat "$NB_BIN" --version 2>&1 >/dev/null)" 'nianbao-publish.so|nianbao-read.so' "--version opens no module"
strace -f -e trace=openat "$NB_BIN" lint p.html 2>trace >/dev/null
like "$(cat trace)" 'nianbao-read.so' "lint opens the reader's module"
unlike "$(cat trace)" 'nianbao-publish.so|libpango' "and not the PDF's, nor Pango"

# A command without its modules: a copy of the binary alone in a folder.
mkdir -p alone
cp "$NB_BIN" alone/nianbao
nb -d s.db init
./alone/nianbao lint p.html >o 2>e
is "$?" 2 "without the reader's module, lint exits 2"
like "$(cat e)" 'nianbao-read.so is not installed \(looked beside the nianbao executable and in .*lib/nianbao\): run make \(or make install\) again' \
    "and names the module and what to do"
./alone/nianbao -d s.db --version >o 2>e
is "$?" 0 "without the modules, the rest of the command works"

# A copy two folders below a folder where someone left a module and scripts (as in /tmp):
# neither is taken. The copy's own folder and ../lib/nianbao are the only places looked in.
mkdir -p planted/a/b planted/scripts planted/a/lib/nianbao
cp "$NB_BIN" planted/a/b/nianbao
echo 'not a shared object' >planted/nianbao-read.so
echo 'not a shared object' >planted/a/nianbao-read.so
printf 'print("PLANTED")\nos.exit(7)\n' >planted/scripts/cli.lua
(unset NIANBAO_HOME; ./planted/a/b/nianbao lint p.html >o 2>e; echo "$?" >rc)
unlike "$(cat o e)" 'PLANTED' "scripts left two folders above a copy are not run"
(./planted/a/b/nianbao lint p.html >o 2>e; echo "$?" >rc)
unlike "$(cat e)" 'cannot load .*planted' "modules left one or two folders above a copy are not opened"
like "$(cat e)" 'nianbao-read.so is not installed' "(it says the module is missing)"
cp "$module" planted/a/lib/nianbao/nianbao-read.so
./planted/a/b/nianbao lint p.html >o 2>e
unlike "$(cat e)" 'not installed|cannot load' "../lib/nianbao beside the copy's folder is looked in (an installation's layout)"

# A module that is not one: refused with the loader's words, not a crash.
cp "$NB_BIN" alone/nianbao
echo 'not a shared object' >alone/nianbao-read.so
./alone/nianbao lint p.html >o 2>e
is "$?" 2 "a broken module: exit 2"
like "$(cat e)" 'cannot load .*alone/nianbao-read.so' "and the message names it"
# A module of another version (its table another layout): refused, not called.
if command -v cc >/dev/null; then
    printf 'const struct { int version; } nb_publish = {1}, nb_read = {99};\n' >old.c
    cc -shared -fPIC -o alone/nianbao-publish.so old.c && cp alone/nianbao-publish.so alone/nianbao-read.so
    ./alone/nianbao lint p.html >o 2>e
    like "$? $(cat e)" '^2 .*alone/nianbao-read.so is from another version of nianbao: run make' \
        "a reader's module of another version: refused, what to do said"
    printf '%s\n' '编号,收到日期,申请人类型,办结日期,办理结果' 'A1,2020-01-05,自然人,2020-01-20,予以公开' >v.csv
    nb -d v.db init
    nb -d v.db import --body 沈河区 request v.csv
    ./alone/nianbao -d v.db report --body 沈河区 --year 2020 --to pdf --out oo >o 2>e
    like "$(cat e)" 'alone/nianbao-publish.so is from another version of nianbao' \
        "a PDF's module of the version before the split (1): refused"
fi

# ---- PDF: through the PDF's module alone (no poppler, no reader's module) ----
if [ -n "$(pkg-config --libs pangocairo 2>/dev/null)" ]; then
    rm -f p.db
    printf '%s\n' '编号,收到日期,申请人类型,办结日期,办理结果' 'A1,2020-01-05,自然人,2020-01-20,予以公开' >r.csv
    nb -d p.db init
    nb -d p.db import --body 沈河区 request r.csv
    strace -f -e trace=openat -o pdf.trace "$NB_BIN" -d p.db report --body 沈河区 --year 2020 --to pdf --out op >/dev/null 2>&1
    like "$(cat pdf.trace)" 'nianbao-publish.so' "report --to pdf opens the PDF's module"
    unlike "$(cat pdf.trace)" 'nianbao-read.so|libpoppler' "and not the reader's, nor poppler"
    check "the PDF is written" test -s op/沈河区-2020.pdf
    rm -rf alone && mkdir -p alone
    cp "$NB_BIN" alone/nianbao
    cp "$module" alone/nianbao-read.so
    ./alone/nianbao -d p.db report --body 沈河区 --year 2020 --to pdf,json --out op2 >o 2>e
    is "$?" 2 "without the PDF's module (the reader's beside it), a PDF report exits 2"
    like "$(cat e)" 'nianbao-publish.so is not installed' "and names the module"
    check "the other formats are written" test -s op2/沈河区-2020.json
fi

# ---- XLSX: written by the command itself, with no module, no libxlsxwriter, no libcrypto ----
unlike "$libs" 'libxlsxwriter|libcrypto' "the command is not linked with libxlsxwriter or libcrypto"
rm -f x.db
printf '%s\n' '编号,收到日期,申请人类型,办结日期,办理结果' 'A1,2020-01-05,自然人,2020-01-20,予以公开' >r.csv
nb -d x.db init
nb -d x.db import --body 沈河区 request r.csv
# (no exit status under strace: LeakSanitizer, in make check, ends a traced process with 1)
strace -f -e trace=openat -o xlsx.trace "$NB_BIN" -d x.db report --body 沈河区 --year 2020 --to xlsx --out o1 >/dev/null 2>&1
unlike "$(cat xlsx.trace)" 'nianbao-publish.so|nianbao-read.so|nianbao-xlsx.so|libxlsxwriter|libcrypto' \
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
