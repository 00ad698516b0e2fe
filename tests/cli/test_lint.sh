#!/bin/sh
# test_lint.sh - nianbao lint reads published reports (text with pipe rows) back: the
# seed gives exactly its numbers (the Shenhe 2020 figures) and its two meaning-changing
# typos, the JSON imports as a past year's figures, and each fault gives exactly its
# findings: a blank 总计 column, an outcome row that breaks H3, a 表四 group whose 总计 is
# 0, a label typo, cells run together, a carry-over that breaks Y1 between two files (in
# either order), a file with no national table.
. tests/cli/lib.sh
SEED=$NIANBAO_HOME/tests/lint/seed.txt
EX=$NIANBAO_HOME/examples/shenhe
cp "$SEED" seed.txt

# ---- the seed ----
nb lint seed.txt
is "$rc" 0 "seed: exit 0 (warnings only)"
is "$out" "seed.txt: 按 gov2019 读取，2020 年（表二 8/8 行，表三 23/23 行，表四 1/1 行）
seed.txt:49: 提示：标签 “一、本年新收到政府信息公开申请数量” 与规定的 “一、本年新收政府信息公开申请数量” 不同（按后者读取）
seed.txt:50: 提示：标签 “二、上年结转政府信息公开数量” 与规定的 “二、上年结转政府信息公开申请数量” 不同（按后者读取）
seed.txt:55: 警告：标签 “3.危机“三安全一稳定”” 与规定的 “3.危及“三安全一稳定”” 不同，含义已变
seed.txt:59: 警告：标签 “7.属于行政法案卷” 与规定的 “7.属于行政执法案卷” 不同，含义已变
seed.txt:62: 提示：标签 “2.没有现成信息需另行制作” 的写法与规定的 “2.没有现成信息需要另行制作” 不同
seed.txt: 0 个错误，2 个警告，3 个提示；检查 44 项通过，0 项无法判断" \
   "seed: the format and year, its two typos as warnings, the drift as notes, every check passes"

nb lint --json seed.txt
is "$rc" 0 "seed --json: exit 0"
printf '%s\n' "$out" >seed.json
is "$(python3 - "$EX/expected-2020.json" <<'PY'
import json, sys
got = json.load(open("seed.json"))["tables"]
want = json.load(open(sys.argv[1]))
diff = [f"{t}.{r}.{c}: {got.get(t, {}).get(r, {}).get(c)} != {v}"
        for t in want for r in want[t] for c, v in want[t][r].items()
        if got.get(t, {}).get(r, {}).get(c) != v]
extra = [f"{t}.{r}.{c}" for t in got for r in got[t] for c in got[t][r]
         if c not in want.get(t, {}).get(r, {})]
print("\n".join(diff + extra) or "same")
PY
)" "same" "seed --json: exactly the seed's numbers (expected-2020.json), signs and 万元 read"
like "$(cat seed.json)" '"code": "typo"' "seed --json: the findings are there"
nb -d s.db init
nb -d s.db import --body 沈河区 --year 2020 report seed.json
is "$rc:$out" "0:seed.json: 198 cells of 沈河区 2020 (gov2019) stored as imported figures
created body 沈河区" \
   "seed --json: imported as a past year's figures"

# lint --json of several files writes an array of reports; imported as it is, it said "the
# file: an object (got an array)" (found by a walk through the README)
cp seed.txt seed2.txt
nb lint --json seed.txt seed2.txt
printf '%s\n' "$out" >two.json
is "$(python3 -c 'import json,sys; print(len(json.load(open(sys.argv[1]))))' two.json)" 2 "(lint --json of two files: an array of two)"
nb -d s.db import --body 沈河区 --year 2020 report two.json
is "$rc:$err" "2:nianbao: two.json: several reports (an array, as lint --json writes for several files); a year's figures are one report: lint its file alone with --json" \
   "an array of reports imported: refused, saying what to do"

# ---- faults, each from the seed ----
# a check's cell on a row whose key holds a dot (表三's 3.3): named by its labels (it was
# named by nothing: "：0 ≠ 1", in check files too; found by a review)
sed '55s/| 0 | 0 |/| 1 | 0 |/' seed.txt >subrow.txt
nb lint subrow.txt
is "$(printf '%s\n' "$out" | grep -A1 ' H2 ' | tail -1)" "    表三 “三、本年度办理结果 （三）不予公开 3.危及“三安全一稳定”” 申请人情况 总计：0 ≠ 1（第 55 行）" \
   "H2 on a sub-row (3.3): the cell named by its labels"
# a blank 总计 column (三、本年新收 … row and the carried-in row): missing, not 0
sed -e '49s/| 220 |/|  |/' -e '50s/| 7 |/|  |/2' seed.txt >blank.txt
nb lint blank.txt
is "$rc" 0 "blank 总计: no error (a blank is not a sum of 0)"
like "$out" "blank.txt: 0 个错误，2 个警告，3 个提示；检查 [0-9]+ 项通过，[1-9][0-9]* 项无法判断" \
   "blank 总计: the checks on it are not assessable"

# an outcome row that breaks H3: （一）予以公开 person 7 -> 8 (and its 总计)
sed '51s/| 7 | 0 | 0 | 0 | 0 | 0 | 7 |/| 8 | 0 | 0 | 0 | 0 | 0 | 8 |/' seed.txt >h3.txt
nb lint h3.txt
is "$rc" 1 "H3 broken: exit 1"
is "$(printf '%s\n' "$out" | grep -A2 'H3')" "h3.txt: 错误 H3 未通过：表三（七）总计等于各办理结果之和（（七）总计 = （一）+（二）+（三）+（四）+（五）+（六）各项之和）
    表三 “三、本年度办理结果 （七）总计” 申请人情况 自然人：191 ≠ 192（第 51–70 行）
    表三 “三、本年度办理结果 （七）总计” 申请人情况 总计：192 ≠ 193（第 51–70 行）" "H3 broken: the rule, its formula, the numbers of each failing column and the lines of its cells"

# a 表四 group whose 总计 is 0 while its cells are not
sed '76s/^4 | 1 | 0 | 0 | 5 |/4 | 1 | 0 | 0 | 0 |/' seed.txt >h4.txt
nb lint h4.txt
is "$rc" 1 "H4 broken: exit 1"
like "$out" "错误 H4 未通过" "H4 broken: named"
like "$out" "    表四 行政复议 总计：0 ≠ 5" "H4 broken: the group (by its labels) and the numbers"

# a meaning-changing typo the catalogue knows (行政止公开 for 行政法规禁止公开)
sed '54s/2.其他法律行政法规禁止公开/2.其他法律行政止公开/' seed.txt >typo.txt
nb lint typo.txt
like "$out" "typo.txt:54: 警告：标签 “2.其他法律行政止公开” 与规定的 “2.其他法律行政法规禁止公开” 不同，含义已变" \
   "a typo: a warning with the official label"
is "$rc" 0 "a typo: still read (exit 0)"

# cells run together: never guessed
sed '51s/| 7 | 0 | 0 | 0 | 0 | 0 | 7 |/| 7000007 |/' seed.txt >run.txt
nb lint run.txt
is "$rc" 1 "cells run together: exit 1"
like "$out" "run.txt:51: 错误：三、收到和处理政府信息公开申请情况 “（一）予以公开”：应有 7 个数据格，读到 1 个，无法对应，未读取" \
   "cells run together: the row named as unreadable, with its text"

# 表四's figures that do not fit its row: an error, never read as a blank table (it was
# left unread, unsaid)
sed '76s/^.*$/4 | 1 | 0 |/' seed.txt >short4.txt
nb lint short4.txt
is "$rc" 1 "表四 short of cells: exit 1"
like "$out" "short4.txt:76: 错误：四、政府信息公开行政复议、行政诉讼情况：应有 15 个数据格，读到 3 个，无法对应，未读取：4 \| 1 \| 0 \|" \
   "表四 short of cells: the row named as unreadable, with its text"

# a carry-over that breaks Y1 between two files of one body, in either order
cp seed.txt 沈河区2019.txt
cp seed.txt 沈河区2020.txt
nb lint 沈河区2020.txt 沈河区2019.txt
is "$rc" 1 "Y1 across files: exit 1"
like "$out" "沈河区2020.txt: 错误 Y1 未通过" "Y1 across files: the later year fails Y1"
like "$out" "    表三 “二、上年结转政府信息公开申请数量” 申请人情况 自然人：7 ≠ 35" "Y1 across files: 上年结转 against the year before's 结转下年度"
nb lint 沈河区2019.txt 沈河区2020.txt
is "$(printf '%s\n' "$out" | grep -c 'Y1 未通过')" 1 "Y1 across files: the same in the other order"
nb lint 沈河区2020.txt
is "$rc" 0 "one year alone: no Y1"

# text in GB18030 (Windows' Chinese text): read as the UTF-8 text is; neither: said
iconv -f UTF-8 -t GB18030 seed.txt >gb.txt
nb lint gb.txt
is "$(printf '%s\n' "$out" | sed 's/^gb.txt/seed.txt/')" "$(cd "$T" && "$NB_BIN" lint seed.txt)" "GB18030 text: the same lines and findings"
printf 'ab\377 | 1 |\n' >bad.txt
nb lint bad.txt
is "$rc:$err" "2:bad.txt: not UTF-8 or GB18030 text (byte 3: 0xFF)" "neither UTF-8 nor GB18030: exit 2, the byte named"

# a file outside the working folder is read (the command line names it)
mkdir -p elsewhere && cp seed.txt elsewhere/s.txt
(cd elsewhere && mkdir -p w && cd w && "$NB_BIN" lint ../s.txt >/dev/null 2>&1)
is "$?" 0 "a file named on the command line is read wherever it is"

# not a report
printf '通知\n这里没有表格。\n' >note.txt
nb lint note.txt
is "$rc:$err" "2:note.txt: no table of the national formats found" "no table: exit 2, said"
nb lint nosuch.txt
is "$rc" 2 "a missing file: exit 2"
# ---- the same seed as Word writes HTML (split spans, o:p, &nbsp;), UTF-8 and GB18030 ----
python3 - "$SEED" <<'PY'
import html, sys
rows, out, in_table = open(sys.argv[1], encoding="utf-8").read().split("\n"), [], False
out.append('<html xmlns:o="urn:schemas-microsoft-com:office:office"><head>'
           '<meta http-equiv=Content-Type content="text/html; charset=gb2312"></head><body>')
for line in rows:
    if "|" in line:
        cells = [c.strip() for c in line.split("|")]
        while cells and cells[-1] == "":
            cells.pop()
        if not in_table:
            out.append("<table class=MsoNormalTable border=1 cellspacing=0>")
            in_table = True
        tds = []
        for c in cells:
            h = len(c) // 2
            tds.append("<td><p class=MsoNormal><o:p>&nbsp;</o:p></p></td>" if not c else
                       "<td valign=top><p class=MsoNormal align=center><span style='font-family:宋体'>%s"
                       "</span><span lang=EN-US>%s<o:p></o:p></span></p></td>" % (html.escape(c[:h]), html.escape(c[h:])))
        out.append("<tr>" + "".join(tds) + "</tr>")
    else:
        if in_table:
            out.append("</table>")
            in_table = False
        if line.strip():
            out.append("<p class=MsoNormal><span>%s</span></p>" % html.escape(line))
out.append("</table></body></html>" if in_table else "</body></html>")
page = "\n".join(out)
open("word.html", "w", encoding="utf-8").write(page)
open("word-gb.html", "w", encoding="gb18030").write(page)
PY
for f in word.html word-gb.html; do
    nb lint --year 2020 "$f"
    is "$(printf '%s\n' "$out" | sed -n '1p;$p')" "$f: 按 gov2019 读取，2020 年（表二 8/8 行，表三 23/23 行，表四 1/1 行）
$f: 0 个错误，2 个警告，3 个提示；检查 44 项通过，0 项无法判断" "$f: every row, the same findings as the text"
    nb lint --year 2020 --json "$f"
    printf '%s\n' "$out" >"$f.json"
    is "$(python3 -c 'import json,sys; a=json.load(open(sys.argv[1]))["tables"]; b=json.load(open("seed.json"))["tables"]; print("same" if a == b else "differ")' "$f.json")" \
       same "$f: exactly the figures of the text"
done

# ---- the seed as a Word document (split runs, a vertical merge, empty cells) ----
python3 "$NIANBAO_HOME/tests/lint/mkdocx.py" seed.txt seed.docx
nb lint --year 2020 seed.docx
is "$(printf '%s\n' "$out" | sed 's/^seed.docx/seed.txt/')" "$(cd "$T" && "$NB_BIN" lint seed.txt)" \
   "docx: the same lines and findings as the text"
nb lint --year 2020 --json seed.docx
printf '%s\n' "$out" >docx.json
is "$(python3 -c 'import json,sys; a=json.load(open("docx.json"))["tables"]; b=json.load(open("seed.json"))["tables"]; print("same" if a == b else "differ")')" \
   same "docx: exactly the figures of the text"
# a table framed in a table's cell: the rows inside are read
python3 - <<'PY'
import zipfile
W = 'xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main"'
def tc(t): return f"<w:tc><w:p><w:r><w:t>{t}</w:t></w:r></w:p></w:tc>"
inner = "<w:tbl><w:tr>" + tc("四、政府信息公开行政复议、行政诉讼情况") + "</w:tr><w:tr>" + "".join(tc(x) for x in "4 1 0 0 5 4 0 0 7 11 2 0 0 0 2".split()) + "</w:tr></w:tbl>"
doc = f'<w:document {W}><w:body><w:tbl><w:tr><w:tc>{inner}<w:p/></w:tc></w:tr></w:tbl></w:body></w:document>'
with zipfile.ZipFile("frame.docx", "w") as z:
    z.writestr("word/document.xml", doc)
with zipfile.ZipFile("nodoc.docx", "w") as z:
    z.writestr("word/other.xml", "<x/>")
PY
nb lint --year 2020 --json frame.docx
like "$out" '"suit_after_review": \{' "docx: a table framed in a cell is read"
nb lint nodoc.docx
is "$rc:$err" "2:nodoc.docx: not a DOCX file (no word/document.xml)" "docx: a zip without a document, said"

# ---- round trip: every report nianbao writes is read back to exactly its JSON ----
(cd "$NIANBAO_HOME" && DEMO_OUT=$T/demo NB_BIN=$NB_BIN sh examples/shenhe/demo.sh) >demo.log 2>&1
BODY=沈阳市沈河区人民政府
"$NB_BIN" -d demo/shenhe.db report --body $BODY --year 2021 --out demo >/dev/null 2>&1
for y in 2020 2021; do
    for ext in html txt md xlsx; do
        f=demo/$BODY-$y.$ext
        nb lint --year $y --json "$f"
        printf '%s\n' "$out" >rt.json
        is "$rc:$(python3 - rt.json "demo/$BODY-$y.json" <<'PY'
import json, sys
got = json.load(open(sys.argv[1]))
want = json.load(open(sys.argv[2]))
want = want.get("tables", want)
g = got["tables"]
diff = [f"{t}.{r}.{c}" for t in want for r in want[t] for c in want[t][r]
        if g.get(t, {}).get(r, {}).get(c) != want[t][r][c]]
extra = [f"{t}.{r}.{c}" for t in g for r in g[t] for c in g[t][r] if c not in want.get(t, {}).get(r, {})]
print(got["format"], " ".join(diff + extra) or "same", len(got["findings"]))
PY
)" "0:gov$( [ $y = 2020 ] && echo 2019 || echo 2021) same 0" "round trip $y $ext: read back to exactly its JSON, no finding"
    done
done
# ---- a workbook: its findings and the cells a check names are placed by sheet and row ----
python3 - demo/$BODY-2020.xlsx broken.xlsx <<'PY'
import sys, zipfile
# 表三's sheet (the workbook's third): the 自然人 cell of 上年结转 one more (H1, H2)
src, dst = sys.argv[1], sys.argv[2]
with zipfile.ZipFile(src) as z, zipfile.ZipFile(dst, "w", zipfile.ZIP_DEFLATED) as out:
    for item in z.infolist():
        data = z.read(item.filename)
        if item.filename == "xl/worksheets/sheet3.xml":
            text = data.decode()
            import re
            m = re.search(r'<row r="(\d+)"[^>]*>(?:(?!</row>).)*?<c r="D\1"[^>]*><v>7</v>', text)
            cell = 'r="D%s"' % m.group(1)
            i = text.index(cell)
            j = text.index("<v>7</v>", i)
            text = text[:j] + "<v>8</v>" + text[j + len("<v>7</v>"):]
            data = text.encode()
        out.writestr(item, data)
PY
nb lint broken.xlsx
S=三、收到和处理政府信息公开申请情况
is "$rc:$(printf '%s\n' "$out" | grep '≠')" "1:    表三 “一、本年新收政府信息公开申请数量” 申请人情况 自然人：227 ≠ 226（$S!7–29）
    表三 “二、上年结转政府信息公开申请数量” 申请人情况 总计：7 ≠ 8（$S!8）" \
   "xlsx with an error: exit 1, a check's cells placed by sheet and row (one sheet named once)"
nb lint --json broken.xlsx
is "$(printf '%s\n' "$out" | python3 -c '
import json, sys
d = json.load(sys.stdin)
print([(c["id"], c["lines"], c["places"]) for c in d["checks"] if c["status"] == "FAIL"])')" \
   "[('H1', [53, 54, 74, 75], ['$S!7', '$S!8', '$S!28', '$S!29']), ('H2', [54], ['$S!8'])]" "xlsx --json: the places of a failed check's cells"

# T1 in a workbook: the narrative's number placed by its sheet and row, not a line count
/usr/bin/python3 - demo/$BODY-2020.xlsx <<'PY'
import openpyxl, sys
wb = openpyxl.load_workbook(sys.argv[1])
ws = wb["正文"]
done = False
for row in ws.iter_rows():
    for c in row:
        if not done and isinstance(c.value, str) and "220" in c.value:
            c.value = c.value.replace("220", "221", 1)
            done = True
wb.save("t1.xlsx")
PY
nb lint --year 2020 t1.xlsx
like "$out" "221 ≠ 220（正文 一、总体情况 正文!8；表格 $S!7）" "xlsx: T1's number placed by sheet and row"
# a workbook made by hand: the seed in one sheet, its paragraphs in column A beside the
# tables (openpyxl, Debian's: a test package). Every row read, and the paragraphs are the
# narrative T1 reads (44 checks, as the text), not rows.
/usr/bin/python3 - <<'PY'
import openpyxl
wb = openpyxl.Workbook()
ws = wb.active
ws.title = "年报"
for line in open("seed.txt", encoding="utf-8"):
    line = line.strip()
    if "|" in line:
        cells = [c.strip() for c in line.strip("|").split("|")]
        ws.append([int(c) if c.isdigit() else (c or None) for c in cells])
    elif line:
        ws.append([None, line] if "。" in line else [line]) # sentences in column B
wb.save("hand.xlsx")
PY
nb lint --year 2020 hand.xlsx
is "$rc:$(printf '%s\n' "$out" | sed -n '1p;$p')" "0:hand.xlsx: 按 gov2019 读取，2020 年（表二 8/8 行，表三 23/23 行，表四 1/1 行）
hand.xlsx: 0 个错误，2 个警告，3 个提示；检查 44 项通过，0 项无法判断" "a hand-made workbook of one sheet: every row, the narrative checked"
like "$out" "hand.xlsx:年报!55: 警告：标签 “3.危机“三安全一稳定”” 与规定的 “3.危及“三安全一稳定”” 不同，含义已变" \
   "a hand-made workbook: a finding placed by sheet and row"
nb lint --year 2020 --json hand.xlsx
printf '%s\n' "$out" >hand.json
is "$(python3 -c 'import json,sys; a=json.load(open(sys.argv[1])); b=json.load(open("seed.json")); print("same" if a["tables"] == b["tables"] else "differ", [c["status"] for c in a["checks"] if c["id"] == "T1"][0])' hand.json)" \
   "same PASS" "a hand-made workbook: exactly the seed's figures, T1 passes on its paragraphs"

# ---- several files: each read, those that cannot be said, the worst status ----
cp seed.txt good.txt
nb lint good.txt nosuch.txt
is "$rc:$(printf '%s\n' "$out" | tail -1):$err" "2:good.txt: 0 个错误，2 个警告，3 个提示；检查 44 项通过，0 项无法判断:nosuch.txt: No such file or directory" \
   "a missing file among others: the others read, the missing one said, exit 2"
printf '\320\317\021\340\241\261\032\341rest' >old.xls
nb lint old.xls
is "$rc:$err" "2:old.xls: an old Word or Excel file (.doc, .xls): lint reads .docx and .xlsx; save it as one of them" "an old .xls: said what to do"
cp demo/$BODY-2020.xlsx named.docx
nb lint named.docx
is "$rc:$err" "2:named.docx: not a DOCX file (no word/document.xml)" "a workbook named .docx: read as the name says, and said"

# ---- round trip with blank cells: rows blank, cells blank in a row's middle, a table
# blank, large totals (found by a tester on the example city: 14 of its 78 PDFs, and its
# Markdown, HTML, DOCX and TXT of the same years, were misread). Each made from imported
# figures with holes, in both formats; each read back to exactly its JSON (blank cells
# null, not absent), no finding, with and without its year in the file name. ----
python3 - demo/$BODY-2020.json demo/$BODY-2021.json <<'PY'
import copy, json, sys
g19 = json.load(open(sys.argv[1]))["tables"]
g21 = json.load(open(sys.argv[2]))["tables"]
def without(tables, *keys):
    t = copy.deepcopy(tables)
    for k in keys:
        parts = k.split("/")
        d = t
        for p in parts[:-1]:
            d = d[p]
        del d[parts[-1]]
    return t
def keep(tables, table, rows):
    t = copy.deepcopy(tables)
    t[table] = {r: v for r, v in t[table].items() if r in rows}
    return t
cases = {
    # 表二's first rows blank (no 规章 or 规范性文件 records): the tables' shape is ambiguous
    "甲局-2019": ("gov2019", without(g19, "active/rule", "active/normative")),
    # imported figures: 表二 blank, 表三's outcome rows blank, 表四's 诉讼 groups blank
    "乙区-2019": ("gov2019", without(keep(keep(g19, "requests", {"new", "carried_in", "total", "carried_out"}),
                                     "appeals", {"review"}), "active")),
    # 表四 blank (no cases), a blank cell inside a row of 表二 and of 表三
    "丙局-2020": ("gov2019", without(g19, "appeals", "active/license/items_change",
                                     "requests/3.3/business", "requests/3.3/research")),
    # 2021: the long labels of （六） blank, a 表二 row blank, a 表四 group blank
    "丁局-2021": ("gov2021", without(g21, "requests/6.1", "requests/6.2", "active/normative", "appeals/suit")),
    # 2021 with requests only (表二 and 表四 blank)
    "戊局-2021": ("gov2021", keep(without(g21, "active", "appeals"), "requests", set(g21["requests"]))),
}
# large totals: a total as wide as its column beside a figure in the one before it
big = copy.deepcopy(g21)
big["requests"]["new"] = dict(zip(["person", "business", "research", "ngo", "legal", "other", "total"],
                                  [24864, 3030, 533, 305, 649, 304, 29685]))
big["requests"]["total"] = dict(zip(["person", "business", "research", "ngo", "legal", "other", "total"],
                                    [23218, 2830, 490, 282, 601, 290, 27711]))
cases["己市-2022"] = ("gov2021", big)
# Markdown's and TXT's merged label cells before a row's first figure, blank; blank rows
# with labels wrapped in a narrow column (wide figures); 表四 with one figure
wide = copy.deepcopy(g21)
req = wide["requests"]
del req["new"]["person"], req["new"]["total"]
for r in ("3.3", "6.1", "6.2"):
    del req[r]
req["1"]["person"], req["2"]["business"], req["4.1"]["research"], req["5.5"]["total"] = 123456, 123456, 1234567, 123456
wide["appeals"] = {"review": {"corrected": 7}}
cases["庚局-2022"] = ("gov2021", wide)
for name, (fmt, tables) in cases.items():
    json.dump({"format": fmt, "tables": tables}, open("blank-%s.json" % name, "w"), ensure_ascii=False)
PY
# and holes found at random (tests/lint/blank-*.json): a blank row's label over seven lines
# of a narrow column, one whose numbering ("3.") is a line apart, 表四 of one figure
# alone on its page
cp "$NIANBAO_HOME/tests/lint/blank-narrow-2022.json" blank-辛局-2022.json
cp "$NIANBAO_HOME/tests/lint/blank-numbering-2023.json" blank-壬局-2023.json
cp "$NIANBAO_HOME/tests/lint/blank-alone-2022.json" blank-癸局-2022.json
BLANK="甲局-2019 乙区-2019 丙局-2020 丁局-2021 戊局-2021 己市-2022 庚局-2022 辛局-2022 壬局-2023 癸局-2022"
"$NB_BIN" -d bl.db init >/dev/null 2>&1
for c in $BLANK; do
    b=${c%-*} y=${c#*-}
    "$NB_BIN" -d bl.db import --body $b --year $y report blank-$c.json >/dev/null 2>&1
    "$NB_BIN" -d bl.db report --body $b --year $y --to md,html,docx,pdf,txt,xlsx,json --out bl >/dev/null 2>&1
done
# roundtrip FILE JSON: "format tables findings" of lint --json FILE against the report's
# JSON, "same" where they are
roundtrip() {
    "$NB_BIN" lint --json "$1" >rt.json 2>rt.err
    python3 - rt.json "$2" <<'PY'
import json, sys
try:
    got = json.load(open(sys.argv[1]))
except ValueError:
    print("no JSON:", open("rt.err").read().strip()); sys.exit()
want = json.load(open(sys.argv[2]))
g, w = got["tables"], want["tables"]
def cell(d, t, r, c):
    try:
        return d[t][r][c]
    except (KeyError, TypeError):
        return "absent"
diff = ["%s.%s.%s=%s" % (t, r, c, cell(g, t, r, c)) for t in w for r in w[t] for c in w[t][r]
        if cell(g, t, r, c) != w[t][r][c]]
extra = ["+%s.%s.%s" % (t, r, c) for t in g for r in (g[t] or {}) for c in (g[t][r] or {})
         if cell(w, t, r, c) == "absent"]
out = [got["format"] if got["format"] != want["format"] else "same",
       " ".join((diff + extra)[:6]) or "same",
       "; ".join(f["message"] for f in got["findings"][:2]) or "same"]
print(" | ".join(out))
PY
}
for c in $BLANK; do
    b=${c%-*}
    for ext in md html docx pdf txt xlsx; do
        is "$(roundtrip bl/$c.$ext bl/$c.json)" "same | same | same" "blank cells, $c.$ext: read back to exactly its JSON, no finding"
    done
done
# the format from the tables alone (no year in the file's name)
for c in 甲局-2019 乙区-2019 丙局-2020 丁局-2021 戊局-2021; do
    for ext in md pdf; do
        cp bl/$c.$ext noyear.$ext
        is "$(roundtrip noyear.$ext bl/$c.json)" "same | same | same" "blank cells, $c.$ext without its year: the format from the tables"
    done
done
# the format forced: the same reading
nb lint --format gov2019 bl/甲局-2019.md
is "$rc:$(printf '%s\n' "$out" | sed -n 1p)" "0:bl/甲局-2019.md: 按 gov2019 读取，2019 年（表二 8/8 行，表三 23/23 行，表四 1/1 行）" \
   "blank 表二 rows, --format gov2019: every row read (its blank rows are there)"
# A 2019-format report with only requests (表二 and 表四 blank): read as gov2019, not as
# gov2021 (whose 表三 has two rows more, which read blank from the one row 2019 prints),
# with or without the year.
printf '编号,收到日期,申请人类型,办结日期,办理结果\nQ1,2020-03-01,自然人,2020-03-10,予以公开\nQ2,2020-04-01,企业,2020-04-12,予以公开\n' >q.csv
"$NB_BIN" -d q.db init >/dev/null 2>&1
"$NB_BIN" -d q.db import --body 某局 request q.csv >/dev/null 2>&1
"$NB_BIN" -d q.db report --body 某局 --year 2020 --to html,json --out q >/dev/null 2>&1
nb lint --json q/某局-2020.html
printf '%s\n' "$out" >q.json
is "$rc:$(python3 -c 'import json,sys; d = json.load(open(sys.argv[1])); print(d["format"], len(d["findings"]))' q.json)" \
   "0:gov2019 0" "a 2019 report with blank 表二 and 表四: read as gov2019, no finding"
cp q/某局-2020.html q/report.html
nb lint --json q/report.html
printf '%s\n' "$out" >q.json
is "$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["format"])' q.json)" "gov2019" "and without its year"
# ---- layout findings ----
# a 2021 year that prints （六）其他处理 as one row: read into 3.其他 (the format's own rule
# for what is not specified), the two rows before it blank, a warning
python3 - "demo/$BODY-2021.txt" <<'PY'
import sys
out, skip = [], 0
for line in open(sys.argv[1], encoding="utf-8").read().split("\n"):
    if "（六）其他处理" in line:
        out.append(" | （六）其他处理 |  | 11 | 0 | 0 | 0 | 0 | 0 | 11 |")
        skip = 2
    elif skip:
        skip -= 1
    else:
        out.append(line)
open("six.txt", "w", encoding="utf-8").write("\n".join(out))
PY
nb lint --year 2021 six.txt
is "$rc" 0 "（六） as one row in 2021: read (exit 0)"
like "$out" "six.txt:[0-9]+: 警告：三、收到和处理政府信息公开申请情况 “（六）其他处理” 印成一行，格式中分为 “1.申请人无正当理由逾期不补正、行政机关不再处理其政府信息公开申请”、“2.申请人逾期未按收费通知要求缴纳费用、行政机关不再处理其政府信息公开申请”、“3.其他”；按 “3.其他” 读取，其余为空白" \
   "（六） as one row in 2021: the layout finding names the rows"
is "$(printf '%s\n' "$out" | grep -c '缺少一行')" 0 "（六） as one row in 2021: its rows are not also missing"
like "$out" "检查 [0-9]+ 项通过，[1-9][0-9]* 项无法判断" "（六） as one row in 2021: the sums over blank rows are not assessable"

# a 2020 year printed in the 2021 tables
nb lint --year 2020 "demo/$BODY-2021.txt"
like "$out" "警告：表格是 gov2021 的格式，而 2020 年的报告应按 gov2019" "2021 tables in a 2020 report: said"

# a format given with --format: read in it, and the table's own format said (a gov2019
# table read with --format gov2021 was said to be "gov2021 的格式")
nb lint --format gov2021 seed.txt
like "$out" "seed.txt: 警告：表格是 gov2019 的格式，按指定的 gov2021 读取" "--format other than the table's: said, naming both"
unlike "$out" "表格是 gov2021 的格式" "--format other than the table's: the table is not said to be in the format given"
like "$(printf '%s\n' "$out" | sed -n 1p)" "^seed.txt: 按 gov2021 读取" "--format other than the table's: read as given"
nb lint --format gov2019 seed.txt
unlike "$out" "表格是" "--format of the table's own format: nothing said"

# an empty row before 表四's figures (a page's spacer): not its row, which has figures
sed '75a\
 |  |  |  |  |  |  |  |  |  |  |  |  |  |  |' seed.txt >spacer.txt
nb lint --json spacer.txt
printf '%s\n' "$out" >spacer.json
is "$rc:$(python3 -c 'import json,sys; a=json.load(open(sys.argv[1])); b=json.load(open("seed.json")); print(a["tables"] == b["tables"], len(a["findings"]) == len(b["findings"]))' spacer.json)" \
   "0:True True" "an empty row before 表四's figures: the figures read, no finding more"

# a local row the format does not have: reported, the rest read
sed '69a\
(八)其他情形 | 1 | 0 | 0 | 0 | 0 | 0 | 1 |' seed.txt >extra.txt
nb lint extra.txt
like "$out" "extra.txt:70: 警告：三、收到和处理政府信息公开申请情况 中有格式之外的一行 “\(八\)其他情形”，未读取" \
   "an extra local row: a layout warning"
like "$out" "extra.txt: 0 个错误，3 个警告，3 个提示；检查 44 项通过" "an extra local row: the rest read and checked"
# ---- the narrative against the tables (check T1's phrases) ----
sed 's/信息220件/信息221件/' seed.txt >t1.txt
nb lint t1.txt
is "$rc" 0 "narrative: a number that disagrees is a warning (exit 0)"
is "$(printf '%s\n' "$out" | grep -A1 ' T1 ')" "t1.txt: 警告 T1 未通过：正文数字与表格一致（正文中的数字 = 对应表格单元格）
    表三 “一、本年新收政府信息公开申请数量” 申请人情况 总计，“221”：221 ≠ 220（正文 一、总体情况 第11行；表格 第 49 行）" "narrative: the number, the cell and the lines"
# ---- a PDF's text (pdftotext -layout): columns, a label broken over two lines, a page break ----
python3 "$NIANBAO_HOME/tests/lint/mkpdftext.py" seed.txt pdf.txt
nb lint pdf.txt
is "$(printf '%s\n' "$out" | sed -n '1p;$p')" "pdf.txt: 按 gov2019 读取，2020 年（表二 8/8 行，表三 23/23 行，表四 1/1 行）
pdf.txt: 0 个错误，2 个警告，3 个提示；检查 44 项通过，0 项无法判断" "pdf text: every row (the broken label joined, across the page break), the seed's findings"
nb lint --json pdf.txt
printf '%s\n' "$out" >pdf.json
is "$(python3 -c 'import json; a=json.load(open("pdf.json"))["tables"]; b=json.load(open("seed.json"))["tables"]; print("same" if a == b else "differ")')" \
   same "pdf text: exactly the figures of the seed"
# ---- many files: each has the whole instruction budget (one file costs more than a sixth
# of this limit, so six together would exceed it) ----
for i in 1 2 3 4 5 6; do cp seed.txt many$i.txt; done
nb lint --limit-instructions 1000000 many1.txt many2.txt many3.txt many4.txt many5.txt many6.txt
is "$rc:$(printf '%s\n' "$out" | grep -c '按 gov2019 读取')" "0:6" "many files: every one read within a per-file budget"
nb lint --limit-instructions 100000 seed.txt
is "$rc" 2 "many files: the limit still stops one file that exceeds it"
finish
