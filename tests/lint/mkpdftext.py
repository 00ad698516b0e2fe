#!/usr/bin/env python3
# mkpdftext.py - writes a published report (text with pipe rows, as tests/lint/seed.txt) the
# way `pdftotext -layout` gives a PDF's text: cells in columns padded with spaces, the long
# label of 表三's （二） broken over two lines, and a page break (a form feed and the page
# number "— 3 —") in the middle of 表三.
# Usage: mkpdftext.py IN.txt OUT.txt
import sys

out = []
for line in open(sys.argv[1], encoding="utf-8").read().split("\n"):
    if "|" not in line:
        out.append(line)
        continue
    cells = [c.strip() for c in line.split("|")]
    while cells and cells[-1] == "":
        cells.pop()
    rest = ""
    if cells and cells[0].startswith("(二)部分公开"):
        cut = cells[0].index("不计其他情形")
        cells[0], rest = cells[0][:cut], cells[0][cut:]
    out.append("    " + "   ".join(c.ljust(8) for c in cells).rstrip())
    if rest:
        out.append("    " + rest)
    if cells and cells[0].startswith("5.属于三类内部事务信息"):
        out.append("\f")
        out.append("                                   — 3 —")
open(sys.argv[2], "w", encoding="utf-8").write("\n".join(out))
