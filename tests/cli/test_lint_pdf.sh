#!/bin/sh
# test_lint_pdf.sh - nianbao lint reads a PDF itself, through poppler (host/pdf.c), not the
# text pdftotext makes of it. tests/lint/seed.pdf is the seed report as a portal publishes
# it (made once from tests/lint/mkseedhtml.py's page by LibreOffice and reviewed; no
# LibreOffice here): its tables have merged cells, labels wrapped over two and three lines
# around their row's figures, and 表三 runs over two pages under its repeated header rows.
# Lint of it gives the seed text's figures, findings and checks. A file that is not a PDF
# poppler can open, an encrypted one and one without text give exit status 2 and say so;
# a PDF marked "no copying" (an owner password only) is read.
. tests/cli/lib.sh
cp "$NIANBAO_HOME/tests/lint/seed.txt" seed.txt
cp "$NIANBAO_HOME/tests/lint/seed.pdf" seed.pdf

# ---- the fixture is what the test says it is ----
page4=$(pdftotext -layout -f 4 -l 4 seed.pdf - 2>/dev/null)
page5=$(pdftotext -layout -f 5 -l 5 seed.pdf - 2>/dev/null)
like "$page4" "6\.属于四类过程性" "fixture: 表三 starts on page 4"
like "$(printf '%s\n' "$page5" | sed -n 1p)" "申请人情况" "fixture: page 5 starts with 表三's header again"
like "$page5" "7\.属于行政法案卷" "fixture: 表三 goes on on page 5"

# ---- the seed as a PDF: what the seed text gives ----
nb lint seed.pdf
is "$rc" 0 "seed.pdf: exit 0 (warnings only)"
is "$out" "seed.pdf: 按 gov2019 读取，2020 年（表二 8/8 行，表三 23/23 行，表四 1/1 行）
seed.pdf:123: 提示：标签 “一、本年新收到政府信息公开申请数量” 与规定的 “一、本年新收政府信息公开申请数量” 不同（按后者读取）
seed.pdf:124: 提示：标签 “二、上年结转政府信息公开数量” 与规定的 “二、上年结转政府信息公开申请数量” 不同（按后者读取）
seed.pdf:130: 警告：标签 “3.危机“三安全一稳定”” 与规定的 “3.危及“三安全一稳定”” 不同，含义已变
seed.pdf:139: 警告：标签 “7.属于行政法案卷” 与规定的 “7.属于行政执法案卷” 不同，含义已变
seed.pdf:142: 提示：标签 “2.没有现成信息需另行制作” 的写法与规定的 “2.没有现成信息需要另行制作” 不同
seed.pdf: 0 个错误，2 个警告，3 个提示；检查 44 项通过，0 项无法判断" \
   "seed.pdf: every row of the three tables (表三 across the page break), the seed's typos and drift, every check passes"
pdf_out=$out
nb lint seed.txt
strip() { printf '%s\n' "$1" | sed -E 's/^seed\.(txt|pdf)(:[0-9]+)?: //'; }
is "$(strip "$pdf_out")" "$(strip "$out")" "seed.pdf: the same findings and checks as the seed text (but for the lines)"

nb lint --json seed.txt
printf '%s\n' "$out" >txt.json
nb lint --json seed.pdf
is "$rc" 0 "seed.pdf --json: exit 0"
printf '%s\n' "$out" >pdf.json
is "$(python3 - <<'PY'
import json
a, b = json.load(open("pdf.json")), json.load(open("txt.json"))
out = []
for k in ("format", "year", "tables", "marks"):
    if a[k] != b[k]:
        out.append(k + " differ")
if [f["message"] for f in a["findings"]] != [f["message"] for f in b["findings"]]:
    out.append("findings differ")
if [(c["id"], c["status"], c.get("left"), c.get("right")) for c in a["checks"]] != \
   [(c["id"], c["status"], c.get("left"), c.get("right")) for c in b["checks"]]:
    out.append("checks differ")
print(" ".join(out) or "same")
PY
)" same "seed.pdf --json: the seed text's tables, marks, findings and checks, exactly"
nb -d s.db init
nb -d s.db import --body 沈河区 --year 2020 report pdf.json
is "$rc:$out" "0:pdf.json: 198 cells of 沈河区 2020 (gov2019) stored as imported figures
created body 沈河区" \
   "seed.pdf --json: imported as a past year's figures"

# a PDF is known by its first bytes, whatever its name
cp seed.pdf report-attachment
nb lint --year 2020 report-attachment
like "$out" "^report-attachment: 按 gov2019 读取，2020 年（表二 8/8 行，表三 23/23 行，表四 1/1 行）" \
   "a PDF without .pdf in its name: read as a PDF"

# ---- a report's PDF, its tables' rules: columns kept (found by a tester on the example
# city, whose roll-up's PDFs all failed) ----
# nianbao's own PDF of a year whose total is as wide as its cell: the figure before it
# was run into it ("304 29685": a row of six cells); a row blank but for its label, under
# a row with figures: its label was joined to theirs; blank cells inside a row: its
# figures moved left
python3 - <<'PY'
import json
cols = ["person", "business", "research", "ngo", "legal", "other", "total"]
row = lambda *v: dict(zip(cols, v))
req = {"new": row(24864, 3030, 533, 305, 649, 304, 29685), "carried_in": row(0, 0, 0, 0, 0, 0, 0),
       "1": row(12802, 1552, 256, 154, 348, 165, 15277), "total": row(23218, 2830, 490, 282, 601, 290, 27711),
       "carried_out": row(1646, 200, 43, 23, 48, 14, 1974)}
g = ["upheld", "corrected", "other", "pending", "total"]
tables = {"active": {"rule": {"made": 1, "repealed": 0, "in_force": 7}, "license": {"decisions": 24876}},
          "requests": req,
          "appeals": {"review": dict(zip(g, [1, 0, 1, 1, 3])), "suit_after_review": dict(zip(g, [0, 1, 0, 0, 1]))}}
json.dump({"format": "gov2021", "tables": tables}, open("rules.json", "w"))
PY
nb -d r.db init
nb -d r.db import --body 某市 --year 2022 report rules.json
nb -d r.db report --body 某市 --year 2022 --to pdf,json --out r
cat >lines.lua <<'LUA'
for _, l in ipairs(nianbao.pdf_lines(assert(nianbao.read_text(...)))) do
  print((l.text:gsub("\227\128\128", "_")))
end
LUA
nb run lines.lua r/某市-2022.pdf
like "$out" "^一、本年新收政府信息公开申请数量  24864  3030  533  305  649  304  29685$" \
   "rules: a total as wide as its cell is a figure of its own"
like "$out" "^规章  1  0  7$" "rules: a row's label is not joined to the blank row's below it"
like "$out" "^行政规范性文件$" "rules: the blank row's label is a line of its own"
like "$out" "^1  0  1  1  3  _  _  _  _  _  0  1  0  0  1$" \
   "rules: the blank cells inside a row are written (an ideographic space), its figures keep their columns"
nb lint --json r/某市-2022.pdf
printf '%s\n' "$out" >rules-lint.json
is "$(python3 - rules-lint.json r/某市-2022.json <<'PY'
import json, sys
got, want = json.load(open(sys.argv[1])), json.load(open(sys.argv[2]))
print("same" if got["tables"] == want["tables"] and not got["findings"] else
      json.dumps([got["tables"], got["findings"]], ensure_ascii=False)[:600])
PY
)" same "rules: lint reads the PDF back to exactly its JSON, no finding"

# ---- what cannot be read: exit 2, said ----
printf 'this is not a PDF\n' >bad.pdf
nb lint bad.pdf
is "$rc:$err" "2:bad.pdf: not a PDF file that can be read (poppler: PDF document is damaged)" \
   "garbage named .pdf: exit 2, poppler's words"
head -c 100000 seed.pdf >cut.pdf
nb lint cut.pdf
is "$rc:$err" "2:cut.pdf: not a PDF file that can be read (poppler: PDF document is damaged)" \
   "a PDF cut short: exit 2, said"

# PDFs written here: one encrypted with a password (RC4, the standard security handler,
# as the PDF reference gives it), one with an owner password only (opens without one:
# "no copying" is a flag), one without text
python3 - <<'PY'
import hashlib
PAD = bytes.fromhex("28BF4E5E4E758A4164004E56FFFA01082E2E00B6D0683E802F0CA9FE6453697A")
def rc4(key, data):
    s, j = list(range(256)), 0
    for i in range(256):
        j = (j + s[i] + key[i % len(key)]) % 256
        s[i], s[j] = s[j], s[i]
    i = j = 0
    out = bytearray()
    for c in data:
        i = (i + 1) % 256
        j = (j + s[i]) % 256
        s[i], s[j] = s[j], s[i]
        out.append(c ^ s[(s[i] + s[j]) % 256])
    return bytes(out)
def pad(pw):
    return (pw.encode() + PAD)[:32]
def write(path, text, user=None, owner="owner", P=-60):
    ident = bytes(range(16))
    content = b"BT /F1 12 Tf 72 720 Td (" + text.encode() + b") Tj ET"
    objs = [b"<< /Type /Catalog /Pages 2 0 R >>", b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
            b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Resources << /Font << /F1 5 0 R >> >>"
            b" /Contents 4 0 R >>", None, b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>"]
    trailer = b""
    if user is not None:
        o = rc4(hashlib.md5(pad(owner)).digest()[:5], pad(user))
        key = hashlib.md5(pad(user) + o + (P & 0xFFFFFFFF).to_bytes(4, "little") + ident).digest()[:5]
        u = rc4(key, PAD)
        content = rc4(hashlib.md5(key + (4).to_bytes(3, "little") + bytes(2)).digest()[:10], content)
        objs.append(b"<< /Filter /Standard /V 1 /R 2 /O <%s> /U <%s> /P %d >>" % (o.hex().encode(), u.hex().encode(), P))
        trailer = b" /Encrypt 6 0 R"
    objs[3] = b"<< /Length %d >>\nstream\n" % len(content) + content + b"\nendstream"
    out, offs = b"%PDF-1.4\n", []
    for i, o in enumerate(objs, 1):
        offs.append(len(out))
        out += b"%d 0 obj\n" % i + o + b"\nendobj\n"
    x = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objs) + 1) + b"".join(b"%010d 00000 n \n" % o for o in offs)
    out += b"trailer\n<< /Size %d /Root 1 0 R /ID [<%s> <%s>]%s >>\nstartxref\n%d\n%%%%EOF\n" % (
        len(objs) + 1, ident.hex().encode(), ident.hex().encode(), trailer, x)
    open(path, "wb").write(out)
write("locked.pdf", "Annual report", user="secret")
write("nocopy.pdf", "A notice without a table.", user="")
write("scan.pdf", "")
PY
nb lint locked.pdf
is "$rc:$err" "2:locked.pdf: an encrypted PDF: it opens only with its password, which nianbao does not take (poppler: Document is encrypted)" \
   "encrypted: exit 2, said, with poppler's words"
if pdftotext -upw secret locked.pdf - 2>/dev/null | grep -q "Annual report"; then
    ok "encrypted: the file is a real encrypted PDF (its password opens it)"
else
    not_ok "encrypted: the file is a real encrypted PDF (its password opens it)"
fi
nb lint nocopy.pdf
is "$rc:$err" "2:nocopy.pdf: no table of the national formats found" \
   "an owner password only: opened and read (no table in it)"
nb lint scan.pdf
is "$rc:$err" "2:scan.pdf: no text in the PDF (scanned pages: nianbao does not read text from images)" \
   "no text: exit 2, said"

# several files: one unreadable PDF stops the run, as an unreadable Word document does
nb lint seed.txt bad.pdf
is "$rc" 2 "a bad PDF among several files: exit 2"

# ---- the command says it reads PDFs ----
nb help lint
like "$out" "PDF files \(their text, through poppler" "help lint: PDF files are read"
nb help
like "$out" "lint .*PDF files" "help: the summary names PDF files"
finish
