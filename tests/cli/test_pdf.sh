#!/bin/sh
# test_pdf.sh - the PDF report (--to pdf) from the command line: the Shenhe 2020 report (format
# gov2019) and its 2021 report (gov2021). The text pdftotext -layout takes from the pages holds
# every label and every number of the report's tables (its TXT export, the same document); the
# fonts are embedded; title, author and pages are set; the same report gives the same bytes;
# and the round trip: that text, and the PDF itself, read back by lint give exactly the
# report's JSON tables.
. tests/cli/lib.sh
for tool in pdftotext pdffonts pdfinfo; do
    if ! command -v $tool >/dev/null 2>&1; then
        not_ok "pdf tools: $tool is missing: install the Debian package poppler-utils"
        exit 1
    fi
done
B=沈阳市沈河区人民政府
(cd "$NIANBAO_HOME" && DEMO_OUT=$T/demo NB_BIN=$NB_BIN sh examples/shenhe/demo.sh) >demo.log 2>&1
is "$?" 0 "demo store built"

# cells.py TXT LAYOUT: the labels and numbers of the tables in TXT (the report's pipe rows)
# that the pdftotext -layout text LAYOUT lacks. A label broken over lines is found word by
# word on the lines below one another; numbers are counted: as many as the tables have.
cat >cells.py <<'PY'
import re, sys
from collections import Counter
number = re.compile(r"^[+-]?\d+(\.\d+)?(万元)?$|^/$")
labels, numbers = set(), Counter()
for line in open(sys.argv[1], encoding="utf-8"):
    if "|" not in line:
        continue
    for cell in line.split("|")[:-1]:
        cell = cell.strip()
        if number.match(cell):
            numbers[cell] += 1
        elif cell:
            labels.add(cell)
lines = [l.split() for l in open(sys.argv[2], encoding="utf-8").read().replace("\f", "\n").split("\n")]
found = Counter(w for l in lines for w in l)

def read(rest, i, depth):
    """REST begins with a word of line I, and what it leaves is read from the lines below."""
    if i >= len(lines) or depth > 6:
        return False
    for w in lines[i]:
        if rest.startswith(w):
            left = rest[len(w):]
            if not left or any(read(left, j, depth + 1) for j in range(i + 1, min(i + 5, len(lines)))):
                return True
    return False

missing = [l for l in sorted(labels) if not any(read(l.replace(" ", ""), i, 0) for i in range(len(lines)))]
short = ["%s (%d of %d)" % (n, found[n], k) for n, k in sorted(numbers.items()) if found[n] < k]
print(" ".join(missing + short) or "none", len(labels), sum(numbers.values()))
PY

# same.py LINT_JSON REPORT_JSON: the format, the cells that differ or are extra, the findings.
cat >same.py <<'PY'
import json, sys
got = json.load(open(sys.argv[1]))
want = json.load(open(sys.argv[2]))["tables"]
g = got["tables"]
diff = [f"{t}.{r}.{c}: {g.get(t, {}).get(r, {}).get(c)} != {v}"
        for t in want for r in want[t] for c, v in want[t][r].items() if g.get(t, {}).get(r, {}).get(c) != v]
extra = [f"{t}.{r}.{c}" for t in g for r in g[t] for c in g[t][r] if c not in want.get(t, {}).get(r, {})]
print(got["format"], " ".join(diff + extra) or "same", len(got["findings"]))
PY

for y in 2020 2021; do
    fmt=$([ $y = 2020 ] && echo gov2019 || echo gov2021)
    nb -d demo/shenhe.db report --body $B --year $y --to pdf,json,txt --out o$y
    pdf=o$y/$B-$y.pdf
    is "$rc" 0 "$y: report --to pdf,json,txt exits 0"
    check "$y: the PDF is written" test -s "$pdf"
    pdftotext -layout "$pdf" $y.txt
    is "$?" 0 "$y: pdftotext reads the PDF"

    # every label and number of the tables, in the text of the pages
    got=$(python3 cells.py o$y/$B-$y.txt $y.txt)
    like "$got" "^none [0-9]{2,} [0-9]{3,}$" "$y: pdftotext -layout has every label and every number of the tables"

    # the fonts: at least two, every one embedded
    fonts=$(pdffonts "$pdf" | awk 'NR > 2 { n++; if ($(NF-4) == "yes") e++ } END { print n + 0, e + 0 }')
    like "$fonts" "^([2-9]) \\1$" "$y: pdffonts shows every font embedded"

    # title, author, pages
    info=$(pdfinfo "$pdf")
    title=$(head -1 o$y/$B-$y.txt)
    like "$info" "Title: +$title" "$y: pdfinfo: the title is the report's"
    like "$info" "Author: +$B" "$y: pdfinfo: the author is the body"
    like "$info" "Pages: +([4-9]|[1-9][0-9])" "$y: pdfinfo: the pages"
    like "$info" "Page size: +595.276 x 841.89 pts \\(A4\\)" "$y: pdfinfo: A4"

    # the same report again: the same bytes
    nb -d demo/shenhe.db report --body $B --year $y --to pdf --out again$y
    check "$y: the same report gives the same bytes" cmp -s "$pdf" again$y/$B-$y.pdf

    # the round trip: the text of the pages, read back by lint, is exactly the report's JSON
    nb lint --year $y --json $y.txt
    printf '%s\n' "$out" >rt$y.json
    is "$rc:$(python3 same.py rt$y.json o$y/$B-$y.json)" "0:$fmt same 0" \
       "$y: pdftotext -layout, then lint --json: exactly the report's tables, no finding"
    # ... and the PDF itself, read by lint
    nb lint --year $y --json "$pdf"
    printf '%s\n' "$out" >rp$y.json
    is "$rc:$(python3 same.py rp$y.json o$y/$B-$y.json)" "0:$fmt same 0" \
       "$y: lint --json of the PDF: exactly the report's tables, no finding"
done
# ---- the narrative read back from the PDF: its sentences wrap over lines ----
# numbers typed by hand that differ from the tables: lint of the PDF finds what lint of the
# HTML finds (T1 read each line of the PDF's text alone, and found none)
cp demo/shenhe.db t1.db
sed -e 's/{{requests.new.total}}/999/' -e 's/{{requests.carried_in.total}}/998/' \
    "$NIANBAO_HOME/examples/shenhe/text/2020.md" >2020.md
nb -d t1.db import --body $B text 2020.md
nb -d t1.db report --body $B --year 2020 --to html,pdf --out t1
nb lint t1/$B-2020.html
html_t1=$(printf '%s\n' "$out" | grep -c "≠")
nb lint t1/$B-2020.pdf
is "$(printf '%s\n' "$out" | grep -c "≠"):$html_t1" "2:2" "T1 in the PDF's wrapped sentences: the two numbers, as in the HTML"
like "$out" "999" "and names the number"
is "$(printf '%s\n' "$out" | tail -1 | sed 's/^.*检查/检查/')" \
   "$(nb lint t1/$B-2020.html; printf '%s\n' "$out" | tail -1 | sed 's/^.*检查/检查/')" "the same checks as the HTML's"
finish
