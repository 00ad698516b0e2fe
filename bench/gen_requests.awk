# gen_requests.awk - writes a deterministic request CSV for the import benchmark.
#
#   awk -v rows=1000000 -f bench/gen_requests.awk > bench/data/requests-1000000.csv
#
# Rows are what a body's register looks like: unique ids in order, received dates
# in 2019-2021 in several spellings, closed on or after received (some still open,
# with no closed date and no outcome), applicant types and outcomes as national
# codes and labels mixed, a few channels. The random numbers come from the
# Park-Miller generator (products stay below 2^53), so every awk gives the same file.

function rnd(n) { # integer in [0, n)
    seed = (seed * 16807) % 2147483647
    return int(seed / 2147483647 * n)
}

function pick(list, n) {
    return list[rnd(n) + 1]
}

BEGIN {
    if (rows == "")
        rows = 1000000
    seed = 20210101
    # Day number -> date, from 2019-01-01 over four years (closing runs into 2022).
    split("31 28 31 30 31 30 31 31 30 31 30 31", mdays, " ")
    nd = 0
    for (y = 2019; y <= 2022; y++)
        for (m = 1; m <= 12; m++) {
            last = mdays[m] + (m == 2 && y % 4 == 0)
            for (d = 1; d <= last; d++) {
                Y[nd] = y; M[nd] = m; D[nd] = d
                nd++
            }
        }
    span = 365 + 366 + 365 # 2019-01-01 .. 2021-12-31

    # Applicant: national labels, codes and known variants, weighted to individuals.
    na = split("自然人 自然人 自然人 自然人 自然人 person person 个人 公民 " \
               "商业企业 商业企业 business 企业 科研机构 社会公益组织 法律服务机构 legal 其他", app, " ")
    # Outcome: codes and labels, weighted to disclosure.
    no = split("1 1 1 予以公开 予以公开 2 部分公开 部分公开 3.1 3.4 保护第三方合法权益 3.6 " \
               "4.1 4.1 本机关不掌握相关政府信息 4.2 4.3 5.1 5.2 重复申请 5.3 6.1 6.3 其他", out, " ")
    nc = split("网上申请 网上申请 网上申请 信函 信函 当面 传真 电子邮件", chan, " ")

    print "编号,收到日期,申请人类型,办结日期,办理结果,申请方式"
    for (i = 1; i <= rows; i++) {
        r = rnd(span)
        f = rnd(10)
        if (f < 8)
            recv = sprintf("%04d-%02d-%02d", Y[r], M[r], D[r])
        else if (f < 9)
            recv = sprintf("%d/%d/%d", Y[r], M[r], D[r])
        else
            recv = sprintf("%d年%d月%d日", Y[r], M[r], D[r])
        if (rnd(100) < 6) { # still open
            closed = ""
            outcome = ""
        } else {
            c = r + rnd(35)
            closed = sprintf("%04d-%02d-%02d", Y[c], M[c], D[c])
            outcome = pick(out, no)
        }
        printf "YSQ%07d,%s,%s,%s,%s,%s\n", i, recv, pick(app, na), closed, outcome, pick(chan, nc)
    }
}
