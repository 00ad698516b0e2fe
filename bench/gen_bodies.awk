# gen_bodies.awk - writes a deterministic request CSV of many bodies for the regen
# benchmark: ROWS requests spread over BODIES bodies (机关 column) and the years
# FIRST..LAST, each closed 1-60 days after it was received (some still open).
#
#   awk -v rows=1000000 -v bodies=100 -v first=2018 -v last=2024 -f bench/gen_bodies.awk
#
# Park-Miller random numbers (products below 2^53): every awk gives the same file.
function rnd(n) { seed = (seed * 16807) % 2147483647; return int(seed / 2147483647 * n) }
function leap(y) { return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0 }
BEGIN {
    if (rows == "") rows = 1000000
    if (bodies == "") bodies = 100
    if (first == "") first = 2018
    if (last == "") last = 2024
    seed = 20240101
    split("31 28 31 30 31 30 31 31 30 31 30 31", md, " ")
    nd = 0
    for (y = first; y <= last + 1; y++)
        for (m = 1; m <= 12; m++)
            for (d = 1; d <= md[m] + (m == 2 && leap(y)); d++)
                day[nd++] = sprintf("%04d-%02d-%02d", y, m, d)
    span = 0
    for (y = first; y <= last; y++) span += 365 + leap(y)
    na = split("自然人 自然人 自然人 自然人 自然人 自然人 商业企业 科研机构 社会公益组织 法律服务机构 其他", app, " ")
    no = split("1 1 1 1 2 2 3.1 3.4 3.6 4.1 4.1 4.2 5.1 5.2 6.3", out, " ")
    print "编号,收到日期,申请人类型,办结日期,办理结果,机关"
    for (i = 1; i <= rows; i++) {
        r = rnd(span)
        b = sprintf("机关%03d", rnd(bodies) + 1)
        if (rnd(100) < 2 && r > span - 90)
            printf "Q%07d,%s,%s,,,%s\n", i, day[r], app[rnd(na) + 1], b
        else
            printf "Q%07d,%s,%s,%s,%s,%s\n", i, day[r], app[rnd(na) + 1], day[r + 1 + rnd(60)], out[rnd(no) + 1], b
    }
}
