#!/usr/bin/env python3
# mkdocx.py - writes a published report (text with pipe rows, as tests/lint/seed.txt) as a
# Word document the way Word stores one: paragraphs of runs, tables of w:tr/w:tc whose
# labels are split over several runs, empty cells as empty paragraphs, and, for the
# first cell of 表三's outcome groups, a vertical merge whose continued cells are empty.
# Usage: mkdocx.py IN.txt OUT.docx   (python3's zipfile only)
import sys
import zipfile
from xml.sax.saxutils import escape

W = 'xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main"'


def runs(text):
    if not text:
        return '<w:p><w:pPr><w:jc w:val="center"/></w:pPr></w:p>'
    h = len(text) // 2
    parts = [text[:h], text[h:]] if h else [text]
    return "<w:p>" + "".join(
        f'<w:r><w:rPr><w:rFonts w:hint="eastAsia"/></w:rPr><w:t xml:space="preserve">{escape(p)}</w:t></w:r>'
        for p in parts if p) + "</w:p>"


def main():
    lines = open(sys.argv[1], encoding="utf-8").read().split("\n")
    body, in_table = [], False
    for line in lines:
        if "|" in line:
            cells = [c.strip() for c in line.split("|")]
            while cells and cells[-1] == "":
                cells.pop()
            if not in_table:
                body.append("<w:tbl><w:tblPr><w:tblBorders/></w:tblPr>")
                in_table = True
            tcs = []
            for c in cells:
                props = '<w:tcPr><w:vMerge w:val="restart"/></w:tcPr>' if c.startswith("三、本年度") else ""
                tcs.append(f"<w:tc>{props}{runs(c)}</w:tc>")
            body.append("<w:tr>" + "".join(tcs) + "</w:tr>")
        else:
            if in_table:
                body.append("</w:tbl>")
                in_table = False
            if line.strip():
                body.append(runs(line))
    if in_table:
        body.append("</w:tbl>")
    doc = (f'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n<w:document {W}><w:body>'
           + "".join(body) + "<w:sectPr/></w:body></w:document>")
    with zipfile.ZipFile(sys.argv[2], "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr("[Content_Types].xml",
                   '<?xml version="1.0" encoding="UTF-8"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
                   '<Default Extension="xml" ContentType="application/xml"/>'
                   '<Override PartName="/word/document.xml" ContentType="application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml"/></Types>')
        z.writestr("word/document.xml", doc)


main()
