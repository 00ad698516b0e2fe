#!/bin/sh
# lint.sh - nianbao lint of REPORTS published reports (default 1,000), generated from the
# seed (tests/lint/seed.txt) with varied numbers (seeded: the same files each run), a
# quarter in each input form: text with pipe rows, Word-style HTML, DOCX, and a PDF's
# text (pdftotext -layout). Each run lints them all in one command; prints the median of
# RUNS runs (default 5), the spread, and reports per second. (make bench runs it.)
set -eu
cd "$(dirname "$0")/.."
REPORTS=${REPORTS:-1000}
RUNS=${RUNS:-5}
NB=$(pwd)/${NB_BIN:-nianbao}
D=bench/data/lint
[ -x "$NB" ] || { echo "bench: no $NB (run make)" >&2; exit 1; }
if [ ! -f "$D/.done-$REPORTS" ]; then
    rm -rf "$D" && mkdir -p "$D"
    python3 - "$D" "$REPORTS" <<'PY'
import random, subprocess, sys
d, n = sys.argv[1], int(sys.argv[2])
rnd = random.Random(2026)
seed = open("tests/lint/seed.txt", encoding="utf-8").read().split("\n")
for i in range(n):
    out = []
    for line in seed:
        if "|" in line:
            cells = line.split("|")
            # vary every plain count (keeps the labels, signs and units as the page has them)
            cells = [(" %d " % rnd.randint(0, 500)) if c.strip().isdigit() else c for c in cells]
            line = "|".join(cells)
        out.append(line)
    path = "%s/r%04d.txt" % (d, i)
    open(path, "w", encoding="utf-8").write("\n".join(out))
    form = i % 4
    if form == 1:
        subprocess.run(["python3", "tests/lint/mkdocx.py", path, path[:-4] + ".docx"], check=True)
    elif form == 2:
        subprocess.run(["python3", "tests/lint/mkpdftext.py", path, path[:-4] + "-pdf.txt"], check=True)
    if form in (1, 2):
        import os; os.remove(path)
    if form == 3:
        import html
        rows, page, in_t = out, ["<html><body>"], False
        for line in rows:
            if "|" in line:
                cells = [c.strip() for c in line.split("|")]
                if not in_t:
                    page.append("<table border=1>"); in_t = True
                page.append("<tr>" + "".join("<td><span>%s</span><o:p></o:p></td>" % html.escape(c) for c in cells) + "</tr>")
            else:
                if in_t:
                    page.append("</table>"); in_t = False
                page.append("<p>%s</p>" % html.escape(line))
        page.append("</body></html>")
        open(path[:-4] + ".html", "w", encoding="gb18030").write("\n".join(page))
        os.remove(path)
PY
    touch "$D/.done-$REPORTS"
fi
: >"$D/times"
i=1
while [ "$i" -le "$RUNS" ]; do
    t0=$(date +%s.%N)
    (cd "$D" && "$NB" lint --year 2020 r* >/dev/null 2>&1) || true
    t1=$(date +%s.%N)
    awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.3f\n", b - a }' >>"$D/times"
    echo "lint run $i: $(tail -1 "$D/times") s for $REPORTS reports"
    i=$((i + 1))
done
sort -g "$D/times" | awk -v n="$REPORTS" '{ v[NR] = $1 } END {
    m = NR % 2 ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2
    printf "lint of %d reports (a quarter each: text, HTML, DOCX, PDF text), %d runs: median %.2f s (%.2f-%.2f), %.0f reports/s\n", n, NR, m, v[1], v[NR], n / m }'
