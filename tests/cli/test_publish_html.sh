#!/bin/sh
# test_publish_html.sh - the HTML report survives being opened in a word processor: pasted
# into LibreOffice Writer (as Word or WPS would take it) and saved as DOCX, every table keeps
# its borders; the whole report prints on a handful of A4 pages; short headers break only
# between words; every table is laid out on the full text width. LibreOffice is a test
# dependency (libreoffice-writer-nogui, in TESTDEBS).
. tests/cli/lib.sh
R=$NIANBAO_HOME
B=沈阳市沈河区人民政府
if ! command -v soffice >/dev/null 2>&1; then
  not_ok "LibreOffice is missing: install the Debian package libreoffice-writer-nogui (make test-deps)"
  finish; exit
fi
DEMO_OUT=$T/demo NB_BIN=$NB_BIN sh -c "cd '$R' && sh examples/shenhe/demo.sh" >demo.log 2>&1
is "$?" 0 "demo store built"
DB=$T/demo/shenhe.db
for y in 2020 2021; do
  nb -d "$DB" report --body "$B" --year $y --to html --out h
  is "$rc" 0 "report $y --to html"
done
H20="h/$B-2020.html"
html=$(cat "$H20")

# In the page itself: nothing depends on the stylesheet alone.
tables=$(grep -c '<table ' "$H20")
is "$(grep -c '<table [^>]*border="1" cellspacing="0" cellpadding="3" width="100%"' "$H20")" "$tables" \
   "every table has border, spacing, padding and width as attributes"
is "$(grep -o '<t[dh][ >]' "$H20" | wc -l)" "$(grep -o '<t[dh] [^>]*style="border:1px solid #000;' "$H20" | wc -l)" \
   "every cell has its border inline"
like "$html" "商业<br>企业" "a four-character header wraps between its words (商业/企业)"
like "$html" "社会<br>公益<br>组织" "a six-character header wraps between its words"
bad=$(printf '%s\n' "$html" | grep -Eo '商业企<br>|自然<br>人|尚未审<br>|科研机<br>' | head -3)
is "$bad" "" "no header broken inside a word"
like "$html" "@bottom-center \{ content: \"— \" counter\(page\) \" —\"" "page numbers in print"

# Opened and saved by LibreOffice Writer: the tables keep their borders and the print is short.
LO="-env:UserInstallation=file://$T/lo-profile"
soffice $LO --headless --writer --convert-to 'docx:MS Word 2007 XML' --outdir lo "$H20" >lo.log 2>&1
soffice $LO --headless --writer --convert-to pdf:writer_pdf_Export --outdir lo "$H20" >>lo.log 2>&1
check "LibreOffice converts the page to DOCX and PDF" test -s "lo/$B-2020.docx" -a -s "lo/$B-2020.pdf"
/usr/bin/python3 - "lo/$B-2020.docx" <<'PY'
import re, sys, zipfile
xml = zipfile.ZipFile(sys.argv[1]).read("word/document.xml").decode()
tables = xml.count("<w:tbl>")
print(("ok - " if tables == 3 else "not ok - ") + "Writer's DOCX holds the three tables (%d)" % tables)
cells = re.findall(r"<w:tc>.*?</w:tc>", xml, re.S)
bordered = [c for c in cells if re.search(r'<w:tcBorders>.*w:val="single"', c, re.S)]
print(("ok - " if cells and len(bordered) == len(cells) else "not ok - ")
      + "every table cell keeps a single border in Writer (%d of %d)" % (len(bordered), len(cells)))
PY
pages=$(pdfinfo "lo/$B-2020.pdf" 2>/dev/null | awk '/^Pages:/ { print $2 }')
check "Writer prints the report on 5 to 10 A4 pages (got $pages)" test "${pages:-0}" -ge 5 -a "${pages:-0}" -le 10
first=$(pdftotext -f 1 -l 1 "lo/$B-2020.pdf" - 2>/dev/null | tr -d ' \n' | head -c 200)
like "$first" "沈阳市沈河区人民政府2020年政府信息公开" "page 1 opens with the title (no blank first page)"
size=$(pdfinfo "lo/$B-2020.pdf" 2>/dev/null | awk '/^Page size:/ { print int($3) "x" int($5) }')
is "$size" "595x841" "A4 pages"
finish
