#!/bin/sh
# test_docx.sh - nianbao report --to docx: the Shenhe 2020 report (gov2019) and its 2021 report
# (gov2021) read back with python-docx (tests/golden/read_docx.py, an independent reader): the
# title, every part heading, every table's data cells equal to the report's JSON cell by cell,
# the merges as the HTML of the same report has them, repeated header rows, rows kept whole,
# borders, the styles' fonts and sizes (GB/T 9704), A4 with its margins, the page number
# footers with a PAGE field, the core properties; the same report twice gives the same bytes;
# and nianbao lint reads the DOCX back to exactly the report's JSON tables.
. tests/cli/lib.sh
PY=${NB_PYTHON3:-/usr/bin/python3}
READ=$NIANBAO_HOME/tests/golden/read_docx.py
BODY=沈阳市沈河区人民政府

if ! "$PY" -c 'import docx' 2>/dev/null; then
    not_ok "python-docx is installed" \
        "$PY cannot import docx: install the Debian package python3-docx (make test-deps)"
    finish
    exit
fi
ok "python-docx is installed"

# The Shenhe store, as make demo builds it (its report step may stop on a format that is
# not built on this machine: only the store is used here).
(cd "$NIANBAO_HOME" && DEMO_OUT="$T/demo" NB_BIN="$NB_BIN" sh examples/shenhe/demo.sh) >demo.log 2>&1
check "the Shenhe store is built" test -s demo/shenhe.db

for year in 2020 2021; do
    nb -d demo/shenhe.db report --body "$BODY" --year $year --to docx,json,html --out r$year
    is "$rc" 0 "$year: report --to docx,json,html exits 0"
    check "$year: the DOCX is written" test -s "r$year/$BODY-$year.docx"
    "$PY" "$READ" --json "r$year/$BODY-$year.docx" >r$year.read.json 2>r$year.read.err
    is "$?:$(cat r$year.read.err)" "0:" "$year: python-docx reads the DOCX"

    # Every assertion on what python-docx read, as TAP lines.
    "$PY" - "$year" "r$year/$BODY-$year" "r$year.read.json" <<'PY' >r$year.tap 2>r$year.tap.err
import html.parser, json, re, sys

year, base, readfile = sys.argv[1], sys.argv[2], sys.argv[3]
d = json.load(open(readfile))
report = json.load(open(base + ".json"))
page = open(base + ".html", encoding="utf-8").read()
failed = 0


def check(cond, name, detail=""):
    global failed
    print(("ok - " if cond else "not ok - ") + year + ": " + name)
    if not cond:
        failed += 1
        for line in str(detail).splitlines()[:12]:
            print("#   " + line)


# ---- what the HTML of the same report says: title, headings, merges, header rows ----
class Page(html.parser.HTMLParser):
    def __init__(self):
        super().__init__()
        self.title, self.h2, self.h3, self.tables = "", [], [], []
        self.tag, self.text, self.in_thead = None, "", False

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag in ("title", "h2", "h3"):
            self.tag, self.text = tag, ""
        elif tag == "table":
            self.tables.append({"rows": [], "merges": [], "head": 0, "taken": set()})
        elif tag == "thead":
            self.in_thead = True
        elif tag == "tr" and self.tables:
            t = self.tables[-1]
            t["rows"].append(0)
            if self.in_thead:
                t["head"] += 1
        elif tag in ("td", "th") and self.tables:
            t = self.tables[-1]
            r, c = len(t["rows"]) - 1, 0
            while (r, c) in t["taken"]:
                c += 1
            rs, cs = int(a.get("rowspan", 1)), int(a.get("colspan", 1))
            for i in range(r, r + rs):
                for j in range(c, c + cs):
                    t["taken"].add((i, j))
            if rs > 1 or cs > 1:
                t["merges"].append([r, c, r + rs - 1, c + cs - 1])

    def handle_endtag(self, tag):
        if tag == "thead":
            self.in_thead = False
        if tag == self.tag:
            if tag == "title":
                self.title = self.text
            else:
                getattr(self, tag).append(self.text)
            self.tag = None

    def handle_data(self, data):
        if self.tag:
            self.text += data


p = Page()
p.feed(page)
paras = [b for b in d["blocks"] if b["type"] == "paragraph"]
tables = d["tables"]

# ---- the text ----
titles = [b["text"] for b in paras if b["style"] == "Title"]
check(len(titles) == 1 and titles[0].replace("\n", "") == p.title and p.title.endswith("年政府信息公开工作年度报告"),
      "the title, in the Title style: " + p.title, titles)
parts = ["一、总体情况", "二、主动公开政府信息情况", "三、收到和处理政府信息公开申请情况",
         "四、政府信息公开行政复议、行政诉讼情况", "五、存在的主要问题及改进情况", "六、其他需要报告的事项"]
h1 = [b["text"] for b in paras if b["style"] == "Heading 1"]
check(h1 == parts and h1 == p.h2, "the six part headings, in order, in Heading 1", h1)
h2 = [b["text"] for b in paras if b["style"] == "Heading 2"]
check(h2 == p.h3 and len(h2) >= 4, "the %d level-2 headings, in Heading 2" % len(h2), h2)
check(any(len(b["text"]) > 50 for b in paras if b["style"] == "Normal"), "the narrative paragraphs, in Normal")
order = [b["type"] == "table" and "T" or b["text"] for b in d["blocks"] if b["type"] == "table" or b["style"] == "Heading 1"]
check(order == [parts[0], parts[1], "T", parts[2], "T", parts[3], "T", parts[4], parts[5]],
      "表二–表四 each right after its part heading", order)

# ---- the tables' data cells against the JSON, cell by cell ----
def value(text):
    t = text.strip()
    if t == "":
        return None
    m = re.fullmatch(r"([+-]?\d+)", t)
    if m:
        return int(m.group(1))
    m = re.fullmatch(r"([+-]?\d+\.\d+)(万元)?", t)
    if m:
        return float(m.group(1))
    return t


check(len(tables) == 3, "three tables (表二, 表三, 表四)", len(tables))
for t, tid in zip(tables, ["active", "requests", "appeals"]):
    want = [(r, c, v) for r in report["tables"][tid] for c, v in report["tables"][tid][r].items()]
    got = [value(c["text"]) for row in t["rows"] for c in row["cells"] if c["style"] == "表格数据"]
    bad = [f"{r}.{c}: DOCX {g!r}, JSON {v!r}" for (r, c, v), g in zip(want, got) if g != v]
    check(len(got) == len(want) and not bad,
          f"{tid}: its {len(want)} data cells equal the JSON's, cell by cell",
          [f"{len(got)} data cells, {len(want)} in the JSON"] + bad)
    check(t["merges"] == sorted(p.tables[tables.index(t)]["merges"]),
          f"{tid}: the {len(t['merges'])} merges (gridSpan, vMerge) are the report's",
          f"DOCX {t['merges']}\nHTML {sorted(p.tables[tables.index(t)]['merges'])}")
    heads = [row["header"] for row in t["rows"]]
    n = p.tables[tables.index(t)]["head"]
    check(heads == [True] * n + [False] * (len(heads) - n),
          f"{tid}: w:tblHeader on its {n} header rows and no others", heads)
    check(all(row["cant_split"] for row in t["rows"]), f"{tid}: no row split across pages (w:cantSplit)")
    check(t["borders"] == dict.fromkeys(["top", "left", "bottom", "right", "insideH", "insideV"], "single"),
          f"{tid}: single borders on every cell edge", t["borders"])
    check(t["layout"] == "fixed" and sum(t["grid"]) <= 8845 and all(w > 0 for w in t["grid"]),
          f"{tid}: fixed column widths within the text block (156 mm)", t["grid"])
    check(all(row["columns"] == len(t["grid"]) for row in t["rows"]),
          f"{tid}: every row covers the grid's {len(t['grid'])} columns", [row["columns"] for row in t["rows"]])
req = tables[1]["rows"]
check([c["text"] for c in req[0]["cells"]][:1] == ["（本列数据的勾稽关系为：第一项加第二项之和，等于第三项加第四项之和）"]
      and req[0]["cells"][0]["span"] == 3 and req[0]["cells"][0]["vmerge"] == "restart"
      and req[1]["cells"][0]["vmerge"] == "continue" and req[0]["cells"][1]["text"] == "申请人情况"
      and req[0]["cells"][1]["span"] == 7,
      "表三's header: the note over 3 columns and 3 rows, 申请人情况 over 7", req[0]["cells"])
check(all(c["style"] == "表格表头" for row in req[:3] for c in row["cells"]), "表三's header cells in 表格表头 (bold, centred)")

# ---- styles ----
st = d["styles"]
def style(name, font, size, **more):
    s = st.get(name, {})
    got = {k: s.get(k) for k in ["font", "size_pt"] + list(more)}
    want = dict(font=font, size_pt=size, **more)
    check(got == want, f"style {name}: {font} {size}pt {more or ''}", f"got {got}")
style("Normal", "仿宋_GB2312", 16.0, line="579", line_rule="exact", first_line_chars="200", jc="both")
style("Title", "方正小标宋简体", 22.0, jc="center", first_line_chars="0")
style("Heading 1", "黑体", 16.0, outline_level=0)
style("Heading 2", "楷体_GB2312", 16.0, outline_level=1)
style("表格表头", "宋体", 10.5, bold=True, jc="center")
style("表格项目", "宋体", 10.5, jc="left")
style("表格数据", "宋体", 10.5, jc="center")

# ---- the page, the footers, the properties ----
s = d["sections"]
check(len(s) == 1 and {k: s[0][k] for k in ("width_mm", "height_mm", "orientation")}
      == {"width_mm": 210.0, "height_mm": 297.0, "orientation": "portrait"}, "A4 portrait", s)
check(len(s) == 1 and [s[0][k] for k in ("top_mm", "bottom_mm", "left_mm", "right_mm")] == [37.0, 35.0, 28.0, 26.0],
      "GB/T 9704 margins: top 37, bottom 35, left 28, right 26 mm", s)
f, e = s[0]["footer"], s[0]["even_footer"]
check(f["text"] == "— 1 —" and f["fields"] == ["PAGE"] and f["jc"] == ["right"] and not f["linked"],
      "odd pages: “— N —” (a PAGE field) on the right", f)
check(e["text"] == "— 1 —" and e["fields"] == ["PAGE"] and e["jc"] == ["left"] and not e["linked"]
      and d["even_and_odd"], "even pages: “— N —” (a PAGE field) on the left", [e, d["even_and_odd"]])
check(d["core"]["title"] == p.title and d["core"]["creator"] == report["body"],
      "core properties: title and creator (the body)", d["core"])
check(d["core"]["created"] == "%d-01-01T00:00:00" % (int(year) + 1),
      "core properties: created, the report's fixed time (1 January of the year after)", d["core"])
sys.exit(1 if failed else 0)
PY
    pyrc=$?
    cat r$year.tap
    failed=$((failed + $(grep -c '^not ok' r$year.tap)))
    if [ $pyrc -ne 0 ] && ! grep -q '^not ok' r$year.tap; then
        not_ok "$year: the checks of what python-docx read ran to their end" "$(cat r$year.tap.err)"
    fi

    # The same report again: the same bytes (the creation time and zip dates are the report's).
    nb -d demo/shenhe.db report --body "$BODY" --year $year --to docx --out again$year
    check "$year: the same report twice gives the same bytes" \
        cmp -s "r$year/$BODY-$year.docx" "again$year/$BODY-$year.docx"

    # Read back by lint: the DOCX's tables are exactly the report's JSON tables.
    nb lint "r$year/$BODY-$year.docx"
    like "$out" "0 个错误，0 个警告，0 个提示" "$year: lint reads the DOCX with no finding"
    nb lint --json "r$year/$BODY-$year.docx"
    printf '%s\n' "$out" >lint$year.json
    is "$("$PY" -c 'import json, sys
a = json.load(open(sys.argv[1]))["tables"]
b = json.load(open(sys.argv[2]))["tables"]
print("same" if a == b else "differ:\n" + json.dumps(a, ensure_ascii=False) + "\n" + json.dumps(b, ensure_ascii=False))' \
        lint$year.json "r$year/$BODY-$year.json")" same "$year: lint --json of the DOCX: exactly the report's tables"
done

# The check file as a DOCX: its tables of free text (titles, formulas, notes) wrap within
# the text block like labels, not as unbreakable figures wider than the page.
nb -d demo/shenhe.db report --body "$BODY" --year 2020 --to docx --checks --out ck
is "$rc" 0 "report --to docx --checks exits 0"
"$PY" "$READ" --json "ck/$BODY-2020-检查结果.docx" >ck.read.json 2>ck.read.err
is "$("$PY" -c 'import json, sys
d = json.load(open(sys.argv[1]))
bad = [(t["grid"], sum(t["grid"])) for t in d["tables"] if sum(t["grid"]) > 8845]
print(len(d["tables"]), "tables", "fit" if not bad else "too wide: %r" % bad)' ck.read.json)" "2 tables fit" \
   "the check file's two tables fit the 156 mm text block"
finish
