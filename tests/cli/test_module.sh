# test_module.sh - nianbao-publish.so (host/publish.h): the command starts without the
# libraries of HTML, PDF and layout, opens the module when it reads or writes those, and
# says what to do when the module is missing; `make install` puts it where the
# installed command finds it (test_docs.sh runs make install).
. "$(dirname "$0")/lib.sh"

libs=$(ldd "$NB_BIN")
if printf '%s\n' "$libs" | grep -Eq 'libxml2|libpoppler|libpango|libcairo'; then
    not_ok "the command is not linked with libxml2, poppler, Pango or Cairo" "$libs"
else
    ok "the command is not linked with libxml2, poppler, Pango or Cairo"
fi
module=$(dirname "$NB_BIN")/nianbao-publish.so
check "the module is built beside the command" test -f "$module"
mlibs=$(ldd "$module")
like "$mlibs" 'libpoppler-glib' "the module is linked with poppler"
like "$mlibs" 'libxml2' "the module is linked with libxml2"

# The seed's report as HTML, read back through the module.
printf '<html><body><p>沈阳市沈河区2020年政府信息公开工作年度报告</p></body></html>\n' >p.html
nb lint p.html
like "$err$out" 'p.html' "lint of an HTML page runs (through the module)"
if strace -f -e trace=openat "$NB_BIN" --version 2>&1 >/dev/null | grep -q 'nianbao-publish.so'; then
    not_ok "--version does not open the module"
else
    ok "--version does not open the module"
fi
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

# A module that is not one: refused with the loader's words, not a crash.
cp "$NB_BIN" alone/nianbao
echo 'not a shared object' >alone/nianbao-publish.so
./alone/nianbao lint p.html >o 2>e
is "$?" 2 "a broken module: exit 2"
like "$(cat e)" 'cannot load .*alone/nianbao-publish.so' "and the message names it"
finish
