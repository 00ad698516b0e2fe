#!/usr/bin/env python3
# mkseedhtml.py - writes the seed report (tests/lint/seed.txt: text with pipe rows) as a
# portal publishes it: an HTML page whose tables have the merged cells of the national
# format (表三's 三、本年度办理结果 over 20 rows, (三)/(四)/(五) over their items, the
# header rows spanning columns), header rows in <thead> so that a word processor repeats
# them on every page a table runs over. The seed's own wording is kept (its drift and its
# typos). tests/lint/seed.pdf was made from this page once, with
#   python3 tests/lint/mkseedhtml.py tests/lint/seed.txt seed.html
#   soffice --headless --infilter="HTML (StarWriter)" --convert-to pdf:writer_pdf_Export seed.html
# and reviewed by eye; the tests read the PDF and do not need LibreOffice.
# Usage: mkseedhtml.py IN.txt OUT.html
import html
import re
import sys

lines = open(sys.argv[1], encoding="utf-8").read().split("\n")
esc = html.escape
TABLE = '<table border="1" cellspacing="0" cellpadding="4" width="100%">'


def cells_of(line):
    cells = [c.strip() for c in line.split("|")]
    while cells and cells[-1] == "":
        cells.pop()
    return cells


def is_number(c):
    return re.match(r"^[+-]?[0-9]+(\.[0-9]+)?(万元)?$", c) is not None


out = ["""<!DOCTYPE html>
<html lang="zh-CN"><head><meta charset="utf-8">
<title>沈阳市沈河区人民政府2020年政府信息公开工作年度报告</title>
<style>
body { font-family: "Noto Serif CJK SC", "Noto Sans CJK SC", serif; font-size: 12pt; }
h1 { font-size: 18pt; text-align: center; }
h2 { font-size: 14pt; }
h3 { font-size: 12pt; }
p { text-indent: 2em; }
table { border-collapse: collapse; font-size: 10.5pt; }
th, td { border: 1px solid #000; padding: 2pt 4pt; vertical-align: middle; }
th { font-weight: normal; }
td { text-align: center; }
</style></head><body>
<h1>沈阳市沈河区人民政府2020年政府信息公开工作年度报告</h1>"""]

i = 0
while i < len(lines):
    line = lines[i]
    if "|" not in line:
        t = line.strip()
        if t:
            heading = (t[:2] in ("一、", "二、", "三、", "四、", "五、", "六、") and len(t) < 30)
            sub = t.startswith("(") and len(t) < 20
            out.append("<h2>%s</h2>" % esc(t) if heading else "<h3>%s</h3>" % esc(t) if sub
                       else "<p>%s</p>" % esc(t))
        i += 1
        continue
    # a table: its pipe rows
    rows = []
    while i < len(lines) and "|" in lines[i]:
        rows.append(cells_of(lines[i]))
        i += 1
    first = rows[0][0]
    if first.startswith("第二十条"):  # 表二: four columns, a heading row per item
        out.append(TABLE)
        for r in rows:
            if len(r) == 1:
                out.append('<tr><th colspan="4">%s</th></tr>' % esc(r[0]))
            else:
                r = r + [""] * (4 - len(r))
                out.append("<tr>" + "".join(("<th>%s</th>" if j == 0 or r[0] == "信息内容" else "<td>%s</td>")
                                            % esc(c) for j, c in enumerate(r)) + "</tr>")
        out.append("</table>")
    elif first == "申请人情况":  # 表三
        head, body = rows[:3], rows[3:]
        out.append(TABLE + "<thead>")
        out.append('<tr><th rowspan="3" colspan="3"></th><th colspan="7">%s</th></tr>' % esc(head[0][0]))
        out.append('<tr><th rowspan="2">%s</th><th colspan="5">%s</th><th rowspan="2">%s</th></tr>'
                   % tuple(esc(c) for c in head[1]))
        out.append("<tr>" + "".join("<th>%s</th>" % esc(c) for c in head[2]) + "</tr>")
        out.append("</thead><tbody>")
        spans = {"三、": 20, "(三)": 8, "(四)": 3, "(五)": 5}
        for r in body:
            k = next(j for j, c in enumerate(r) if is_number(c))
            labels, nums = r[:k], r[k:]
            tds = "".join("<td>%s</td>" % esc(c) for c in nums)
            if len(labels) == 2:
                span = next(v for k, v in spans.items() if labels[0].startswith(k))
                own = labels[1]
                cols = 2 if labels[0].startswith("三、") else 1
                out.append('<tr><th rowspan="%d">%s</th><th colspan="%d">%s</th>%s</tr>'
                           % (span, esc(labels[0]), cols, esc(own), tds))
            else:
                own = labels[0]
                cols = 3 if own[:2] in ("一、", "二、", "四、") else 2 if own.startswith("(") else 1
                out.append('<tr><th colspan="%d">%s</th>%s</tr>' % (cols, esc(own), tds))
        out.append("</tbody></table>")
    else:  # 表四: three header rows, one data row
        head, body = rows[:3], rows[3:]
        out.append(TABLE + "<thead>")
        out.append('<tr><th colspan="5">%s</th><th colspan="10">%s</th></tr>' % tuple(esc(c) for c in head[0]))
        h = head[1]
        out.append("<tr>" + "".join('<th rowspan="2">%s</th>' % esc(c) for c in h[:5])
                   + "".join('<th colspan="5">%s</th>' % esc(c) for c in h[5:]) + "</tr>")
        out.append("<tr>" + "".join("<th>%s</th>" % esc(c) for c in head[2]) + "</tr>")
        out.append("</thead><tbody>")
        for r in body:
            out.append("<tr>" + "".join("<td>%s</td>" % esc(c) for c in r) + "</tr>")
        out.append("</tbody></table>")
out.append("</body></html>")
open(sys.argv[2], "w", encoding="utf-8").write("\n".join(out) + "\n")
