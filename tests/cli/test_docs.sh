#!/bin/sh
# test_docs.sh - the reference pages are current (made from their owners by `make docs`),
# the man page is made from the command table, and `make install` gives a binary that
# works from any folder with its scripts under PREFIX/share/nianbao.
. tests/cli/lib.sh
R=$NIANBAO_HOME
for p in records formats narrative; do
    nb run "$R/tools/reference.lua" "$p"
    printf '%s\n' "$out" >"$p.md"
    if diff -u "$R/docs/$p.md" "$p.md" >"$p.diff"; then
        ok "docs/$p.md is current"
    else
        not_ok "docs/$p.md is current (run make docs)" "$(head -20 "$p.diff")"
    fi
done
like "$(cat records.md)" "\| applicant \| 申请人类型 \| category \| yes \| \[applicant\]" "records: a field with its Chinese header and dictionary"
like "$(cat records.md)" "\| 3.3 \| 危及“三安全一稳定” \| 危及\"三安全一稳定\" \| 危机“三安全一稳定”" "records: a national value with its variants and misspellings"
like "$(cat formats.md)" "\| 6.3 \| 3.其他 \| person \| requests\[6.3, person\] \+ requests\[6, person\] \|" "formats: gov2021's 6.3 takes an unspecified 6"
like "$(cat formats.md)" "items_now\[license\] − items_prev\[license\] \(signed\)" "formats: a signed change"

# The man page, from the command table: every command and option.
nb help --man
is "$rc" 0 "help --man: exit 0"
printf '%s\n' "$out" >nianbao.1
for word in '.SS import' '.SS report' '\\-\\-dry\\-run' '\\-\\-format ID' '.SH EXIT STATUS'; do
    like "$out" "$word" "man page: $word"
done
groff -k -man -Tutf8 -ww -P-cbou nianbao.1 >nianbao.txt 2>groff.err
is "$?:$(cat groff.err)" "0:" "man page: groff reads it without a warning"
like "$(cat nianbao.txt)" "nianbao import \[-d FILE\] \[--body NAME\]" "man page: renders the usage"
like "$(cat nianbao.txt)" "(政府信息公开工作年度报告)" "man page: renders Chinese (UTF-8, through preconv)"

# make install: the binary works from any folder; NIANBAO_HOME is not needed.
make -s -C "$R" install DESTDIR="$T/root" PREFIX=/opt/nb >install.log 2>&1
is "$?" 0 "make install"
check "installed: the binary" test -x root/opt/nb/bin/nianbao
check "installed: scripts and lib" test -f root/opt/nb/share/nianbao/scripts/cli.lua -a -f root/opt/nb/share/nianbao/lib/report.lua
check "installed: the man page" cmp -s nianbao.1 root/opt/nb/share/man/man1/nianbao.1
check "installed: the module for PDF" test -f root/opt/nb/lib/nianbao/nianbao-publish.so
check "installed: the module for reading HTML and PDF" test -f root/opt/nb/lib/nianbao/nianbao-read.so
check "installed: no module for XLSX (the command writes workbooks itself)" test ! -e root/opt/nb/lib/nianbao/nianbao-xlsx.so
mkdir elsewhere
cp root/opt/nb/bin/nianbao elsewhere/copied
(
    unset NIANBAO_HOME
    cd elsewhere
    ../root/opt/nb/bin/nianbao -d x.db init >../installed.out 2>&1; echo "$?" >>../installed.out
    printf '<p>x</p>\n' >p.html
    ../root/opt/nb/bin/nianbao lint p.html >../lint.out 2>&1; echo "$?" >>../lint.out
    printf '%s\n' '编号,收到日期,申请人类型,办结日期,办理结果' 'A1,2020-01-05,自然人,2020-01-20,予以公开' >r.csv
    ../root/opt/nb/bin/nianbao -d x.db import --body 沈河区 request r.csv >/dev/null 2>&1
    ../root/opt/nb/bin/nianbao -d x.db report --body 沈河区 --year 2020 --to xlsx --out o >../xlsx.out 2>&1
    echo "$?" >>../xlsx.out
    ./copied -d y.db init >../copied.out 2>&1; echo "$?" >>../copied.out
    NIANBAO_HOME="$R" ./copied -d z.db init >../home.out 2>&1; echo "$?" >>../home.out
)
is "$(cat installed.out)" "created store x.db (schema version 10)
0" "the installed binary works from another folder"
like "$(cat lint.out)" "p.html: no table of the national formats found" "the installed binary opens its module (lint of a page)"
is "$(tail -1 xlsx.out)" 0 "the installed binary opens its XLSX module (report --to xlsx)"
check "and writes the workbook" test -s elsewhere/o/沈河区-2020.xlsx
like "$(cat copied.out)" "cannot open" "a copied binary without its scripts says what it misses"
is "$(tail -1 home.out)" 0 "NIANBAO_HOME tells a copied binary where the scripts are"
finish
