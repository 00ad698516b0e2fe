"""check_xlsx.py - reads the Shenhe 2020 XLSX back with openpyxl (an independent reader) and checks
values, merges, fonts and number formats. Prints TAP lines."""
import sys

import openpyxl

path = sys.argv[1]
wb = openpyxl.load_workbook(path)
failed = 0


def check(cond, name):
    global failed
    print(("ok - " if cond else "not ok - ") + name)
    if not cond:
        failed += 1


def find(ws, text):
    for row in ws.iter_rows():
        for c in row:
            if c.value == text:
                return c
    return None


names = wb.sheetnames
check(len(names) == 4, "four sheets: 正文 and the three tables, no checks (%s)" % names)
check(names[0] == "正文", "first sheet is 正文")
active, requests, appeals = wb[names[1]], wb[names[2]], wb[names[3]]
text = [c.value for c in wb["正文"]["A"]]
check(text[0] == "沈阳市沈河区人民政府2020年政府信息公开工作年度报告", "正文 opens with the title")
for part in ("一、总体情况", "五、存在的主要问题及改进情况", "六、其他需要报告的事项"):
    check(part in text, "正文 holds part %s" % part)
for ws in (active, requests, appeals):
    check(ws["A1"].value == "沈阳市沈河区人民政府2020年政府信息公开工作年度报告"
          and ws["A2"].value == "沈阳市沈河区人民政府　2020年度", "title block on %s" % ws.title)
    check(ws.oddHeader.left.text == "沈阳市沈河区人民政府" and ws.oddHeader.right.text == "2020年度",
          "printed header on %s" % ws.title)

# 表三: values by row label.
row = find(requests, "一、本年新收政府信息公开申请数量").row
got = [requests.cell(row=row, column=c).value for c in range(4, 11)]
check(got == [219, 1, 0, 0, 0, 0, 220], "表三 new row values %s" % got)
check(all(isinstance(v, int) for v in got), "表三 values are numbers, not text")
row = find(requests, "四、结转下年度继续办理").row
got = [requests.cell(row=row, column=c).value for c in range(4, 11)]
check(got == [35, 0, 0, 0, 0, 0, 35], "表三 carried_out row values %s" % got)
note = find(requests, "（本列数据的勾稽关系为：第一项加第二项之和，等于第三项加第四项之和）")
merged = [str(m) for m in requests.merged_cells.ranges]
check(note is not None and any(m.startswith(note.coordinate + ":") for m in merged),
      "表三 note cell is merged (%s)" % (note.coordinate if note else None))
c = find(requests, "三、本年度办理结果")
span = [m for m in requests.merged_cells.ranges if m.min_row == c.row and m.min_col == c.column]
check(len(span) == 1 and span[0].max_row - span[0].min_row + 1 == 20, "表三 三、本年度办理结果 spans 20 rows")
check(find(requests, "3.危及“三安全一稳定”") is not None, "表三 label 3.危及“三安全一稳定” exact")

# 表二: signed changes and money.
lic = find(active, "行政许可").row
check(active.cell(row=lic, column=2).value == 95, "表二 行政许可 上一年项目数量 95")
chg = active.cell(row=lic, column=3)
check(chg.value == 25 and chg.number_format == "+0;-0;0", "表二 本年增/减 +25 as signed number")
pen = find(active, "行政处罚").row
check(active.cell(row=pen, column=3).value == -58, "表二 行政处罚 本年增/减 -58")
buy = find(active, "政府集中采购").row
amt = active.cell(row=buy, column=3)
check(abs(amt.value - 21350.46) < 1e-9 and "万元" in amt.number_format, "表二 采购总金额 21350.46 万元")

# 表四
data_row = [appeals.cell(row=appeals.max_row, column=c).value for c in range(1, 16)]
check(data_row == [4, 1, 0, 0, 5, 4, 0, 0, 7, 11, 2, 0, 0, 0, 2], "表四 data row %s" % data_row)

# Fonts: every table cell has an explicit font; 宋体 in tables.
cell = requests.cell(row=find(requests, "自然人").row, column=find(requests, "自然人").column)
check(cell.font.name == "宋体", "header font 宋体 (%s)" % cell.font.name)
data = requests.cell(row=row, column=4)
check(data.font.name == "宋体", "data font 宋体")
check(requests.page_setup.paperSize in (9, "9"), "A4 paper")
sys.exit(1 if failed else 0)
