"""xlsx_hostile.py NAMES LONG TEXT - reads back the workbooks test_export.c writes from odd
input (tests/unit/test_export.c, test_xlsx_hostile) with independent readers: Python's
XML parser on every part, and openpyxl. Prints what is wrong, one line each; exits 1 if
anything is."""
import sys
import xml.etree.ElementTree as ET
import zipfile

import openpyxl

names_path, long_path, text_path = sys.argv[1:4]
bad = []


def want(cond, what):
    if not cond:
        bad.append(what)


def units(s):
    return sum(2 if ord(ch) > 0xFFFF else 1 for ch in s)


for path in (names_path, long_path, text_path):
    with zipfile.ZipFile(path) as z:
        for name in z.namelist():
            try:
                ET.fromstring(z.read(name))
            except ET.ParseError as e:
                bad.append("%s: %s is not well-formed XML: %s" % (path, name, e))

# Sheet names from a malformed title, a U+FFFE, and names that differ only in case.
wb = openpyxl.load_workbook(names_path)
want(wb.sheetnames[2:6] == ["ÄBC", "äbc (2)", "ＡＢ", "ａｂ (2)"],
     "names differing only in case are made unique: %r" % wb.sheetnames)
want(wb.sheetnames[0] == "ok\ufffd" and wb.sheetnames[1] == "bad\ufffd\ufffdx\ufffd\ufffd\ufffdy",
     "malformed characters become U+FFFD: %r" % wb.sheetnames[:2])
for ws in wb.worksheets:
    want(ws.print_title_rows == "$1:$4", "print titles of %r: %r" % (ws.title, ws.print_title_rows))
    # (openpyxl gives the header's codes as they are: "&&" is Excel's "&")
    want(ws.oddHeader.left.text == "B_x0041_&&甲", "header text as written: %r" % ws.oddHeader.left.text)
    for r, dim in ws.row_dimensions.items():
        want(dim.height is None or dim.height <= 409, "row %d of %r is %r points high" % (r, ws.title, dim.height))

# A body of 300 characters: the subtitle keeps the year; the header keeps its report and
# year, within Excel's 255 characters.
ws = openpyxl.load_workbook(long_path).worksheets[0]
want(ws["A2"].value == "机" * 300 + "　2020年度", "subtitle: %r" % (ws["A2"].value or "")[-20:])
h = ws.oddHeader
want(h.center.text == "政府信息公开工作年度报告" and h.right.text == "2020年度",
     "header: centre %r, right %r" % (h.center.text, h.right.text))
with zipfile.ZipFile(long_path) as z:
    raw = ET.fromstring(z.read("xl/worksheets/sheet1.xml"))
ns = "{http://schemas.openxmlformats.org/spreadsheetml/2006/main}"
header = raw.find(ns + "headerFooter").find(ns + "oddHeader").text
want(units(header) <= 255 and units(header) >= 250, "header of %d characters" % units(header))

# A carriage return kept (as Excel writes it), and malformed bytes counted as the
# characters they become.
with zipfile.ZipFile(text_path) as z:
    sst = z.read("xl/sharedStrings.xml").decode()
want("a_x000D_\nb_x000D_c" in sst and "\r" not in sst, "carriage returns written _x000D_")
ws = openpyxl.load_workbook(text_path).worksheets[0]
v = ws["B4"].value
want(v is not None and units(v) == 32767 and v.endswith("…"), "a cell of malformed bytes: %d characters" % units(v or ""))

for b in bad:
    print(b)
sys.exit(1 if bad else 0)
