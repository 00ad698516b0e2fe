# gen.awk - the example city's records, deterministic: the same files on every machine
# (its own random numbers, a Lehmer generator, not awk's rand). Writes into DIR:
#   bodies.csv     示例市 (a roll-up), 3 districts, each with 2 departments and 1 street
#   requests.csv   about 200,000 依申请公开 requests 2019-2024, a 机关 column per row
#   cases.csv documents.csv matters.csv decisions.csv purchases.csv charges.csv
#   南城区人民政府-2019.json   that district's published 2019 tables (its records
#                  start in 2020), with the arithmetic slip its published report made
# Usage: awk -v DIR=out/city -f examples/city/gen.awk
# Deliberate faults, each caught by a check:
#   - 南城区人民政府 2019 exists only as a published report, whose 本年新收 总计 is
#     not the sum of its columns (H2) and whose rows do not add up (H1), whose 结转下年度 does not match 2020's 上年结转
#     computed from records that start in 2020 (Y1), and which the 汇总 of 示例市
#     therefore cannot match (RU1 names 南城区人民政府);
#   - 西城区财政局 has no 复议诉讼 cases (D1: 表四 blank, not 0);
#   - the 2023 narrative of 东城区人民政府 types 新收 by hand, wrong (T1).

function rnd() { SEED = (SEED * 48271) % 2147483647; return SEED / 2147483647 }
function ri(a, b) { return a + int(rnd() * (b - a + 1)) }
function pick(list, n,   x) { split(list, x, " "); return x[ri(1, n)] }
# Day number <-> date, days since 2000-01-01 (the proleptic Gregorian calendar).
function leap(y) { return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0 }
function ydays(y) { return leap(y) ? 366 : 365 }
function date(d,   y, m, ml, d1) {
    if (d in DATE) return DATE[d]
    d1 = d
    y = 2000
    while (d >= ydays(y)) { d -= ydays(y); y++ }
    split("31 28 31 30 31 30 31 31 30 31 30 31", ml, " ")
    if (leap(y)) ml[2] = 29
    m = 1
    while (d >= ml[m]) { d -= ml[m]; m++ }
    return DATE[d1] = sprintf("%04d-%02d-%02d", y, m, d + 1)
}
function day0(y,   d, k) { d = 0; for (k = 2000; k < y; k++) d += ydays(k); return d }

function applicant(   r) {
    r = rnd()
    return r < 0.84 ? "自然人" : r < 0.94 ? "商业企业" : r < 0.96 ? "科研机构" : r < 0.97 ? "社会公益组织" : r < 0.99 ? "法律服务机构" : "其他"
}
function outcome(   r) {
    r = rnd()
    if (r < 0.55) return "1"
    if (r < 0.65) return "2"
    if (r < 0.75) return "3." ri(1, 8)
    if (r < 0.90) return "4." ri(1, 3)
    if (r < 0.97) return "5." ri(1, 5)
    return "6." ri(1, 3)
}

function requests(body, per_year, first,   y, n, i, rec, clo, d0) {
    for (y = first; y <= 2024; y++) {
        d0 = day0(y)
        n = int(per_year * (0.8 + 0.4 * rnd()))
        for (i = 1; i <= n; i++) {
            rec = d0 + ri(0, ydays(y) - 1)
            clo = rec + ri(1, 40)
            if (rnd() < 0.01) clo = rec + ri(200, 400)
            printf "%s-%d-%05d,%s,%s,", CODE[body], y, i, date(rec), applicant() > REQ
            if (clo < day0(2025) - 60) printf "%s,%s,%s\n", date(clo), outcome(), body > REQ
            else printf ",,%s\n", body > REQ
            NREQ++
        }
    }
}

function others(body, first,   y, i, n, d0, k, f, c) {
    for (y = first; y <= 2024; y++) {
        d0 = day0(y)
        n = body == "西城区财政局" ? 0 : ri(1, 6)
        for (i = 1; i <= n; i++) {
            k = pick("行政复议 行政复议 未经复议直接起诉 复议后起诉", 4)
            f = d0 + ri(0, ydays(y) - 1)
            c = f + ri(20, 200)
            if (c < day0(2025) - 30)
                printf "%s-AJ-%d-%d,%s,%s,%s,%s,%s\n", CODE[body], y, i, k, date(f), date(c), pick("维持 维持 纠正 其他", 4), body > CASE
            else
                printf "%s-AJ-%d-%d,%s,%s,,,%s\n", CODE[body], y, i, k, date(f), body > CASE
        }
        for (i = 1; i <= ri(0, 4); i++) {
            f = d0 + ri(0, ydays(y) - 10)
            printf "%s-WJ-%d-%d,%s,%s,%s,%s,%s\n", CODE[body], y, i, (rnd() < 0.1 ? "规章" : "规范性文件"), date(f), date(f + ri(1, 7)),
                (rnd() < 0.2 ? date(f + ri(400, 1500)) : ""), body > DOC
        }
        for (i = 1; i <= ri(2, 12); i++) {
            k = pick("行政许可 其他对外管理服务事项 行政处罚 行政强制 行政事业性收费", 5)
            f = d0 + ri(0, ydays(y) - 1)
            printf "%s-SX-%d-%d,%s,%s,%s,%s,%s\n", CODE[body], y, i, k, date(f), (rnd() < 0.15 ? date(f + ri(100, 900)) : ""), k "事项" i, body > MAT
        }
        for (i = 1; i <= 12; i++)
            printf "%s,%s,%d,%s\n", pick("行政许可 其他对外管理服务事项 行政处罚 行政强制", 4), date(d0 + (i - 1) * 30 + ri(0, 27)), ri(1, 400), body > DEC
        for (i = 1; i <= ri(1, 8); i++)
            printf "%s-CG-%d-%d,%s,%d.%02d,%s\n", CODE[body], y, i, date(d0 + ri(0, ydays(y) - 1)), ri(5000, 3000000), ri(0, 99), body > PUR
        for (i = 1; i <= ri(2, 10); i++)
            printf "%s,%d.%02d,%s,%s\n", date(d0 + ri(0, ydays(y) - 1)), ri(100, 90000), ri(0, 99), pick("不动产登记费 城市道路占用费 证照工本费", 3), body > CHG
    }
}

BEGIN {
    if (DIR == "") DIR = "out/city"
    SEED = 20241231
    REQ = DIR "/requests.csv"; CASE = DIR "/cases.csv"; DOC = DIR "/documents.csv"; MAT = DIR "/matters.csv"
    DEC = DIR "/decisions.csv"; PUR = DIR "/purchases.csv"; CHG = DIR "/charges.csv"
    print "编号,收到日期,申请人类型,办结日期,办理结果,机关" > REQ
    print "编号,类型,收案日期,审结日期,结果,机关" > CASE
    print "编号,类型,制发日期,公开日期,废止日期,机关" > DOC
    print "编号,类型,列入日期,移出日期,名称,机关" > MAT
    print "类型,日期,数量,机关" > DEC
    print "编号,日期,金额,机关" > PUR
    print "日期,金额,项目,机关" > CHG
    B = DIR "/bodies.csv"
    print "名称,上级,代码,汇总" > B
    print "示例市人民政府,,990100,是" > B
    CODE["示例市人民政府"] = "SL"
    split("东城区 西城区 南城区", d, " ")
    split("DC XC NC", dc, " ")
    nb = 0
    list[++nb] = "示例市人民政府"; size["示例市人民政府"] = 2000
    for (i = 1; i <= 3; i++) {
        gov = d[i] "人民政府"
        print gov ",示例市人民政府,99010" i "," > B
        CODE[gov] = dc[i]; list[++nb] = gov; size[gov] = 4000
        split(d[i] "财政局 " d[i] "市场监督管理局 " d[i] "中心街道办事处", dept, " ")
        for (j = 1; j <= 3; j++) {
            print dept[j] "," gov ",," > B
            CODE[dept[j]] = dc[i] j; list[++nb] = dept[j]; size[dept[j]] = j == 3 ? 500 : 3000
        }
    }
    for (i = 1; i <= nb; i++) {
        first = list[i] == "南城区人民政府" ? 2020 : 2019
        requests(list[i], size[list[i]], first)
        others(list[i], first)
    }
    # 南城区人民政府 2019, as published: 新收 总计 typed 3912 (the columns sum to 3921),
    # 结转下年度 96 (its records, which start in 2020, carry nothing in).
    J = DIR "/南城区人民政府-2019.json"
    printf "{\"body\": \"南城区人民政府\", \"year\": 2019, \"format\": \"gov2019\", \"tables\": {\n" > J
    printf "  \"requests\": {\n" > J
    printf "    \"new\": {\"person\": 3302, \"business\": 389, \"research\": 80, \"ngo\": 40, \"legal\": 80, \"other\": 30, \"total\": 3912},\n" > J
    printf "    \"carried_in\": {\"person\": 60, \"business\": 8, \"research\": 1, \"ngo\": 0, \"legal\": 1, \"other\": 0, \"total\": 70},\n" > J
    printf "    \"total\": {\"person\": 3290, \"business\": 380, \"research\": 78, \"ngo\": 40, \"legal\": 78, \"other\": 29, \"total\": 3895},\n" > J
    printf "    \"carried_out\": {\"person\": 72, \"business\": 17, \"research\": 3, \"ngo\": 0, \"legal\": 3, \"other\": 1, \"total\": 96}\n" > J
    printf "  },\n  \"appeals\": {\n" > J
    printf "    \"review\": {\"upheld\": 3, \"corrected\": 1, \"other\": 0, \"pending\": 1, \"total\": 5}\n" > J
    printf "  }\n}}\n" > J
    printf "%d requests for %d bodies written to %s\n", NREQ, nb, DIR
}
