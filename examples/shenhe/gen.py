#!/usr/bin/env python3
"""Deterministic generator of the Shenhe example data set (沈阳市沈河区人民政府, 2019-2021).

Python 3 standard library only, fixed random seed; writes into its own folder whatever the cwd:

  data/*.csv            record-level data (Chinese header aliases, local codes)
  map.lua               the district's mapping script (local value -> national code)
  holidays/20NN.csv     State Council holiday schedules (日期,类型 放假/上班,说明)
  expected-2021.json    the 2021 tables (gov2021 keys) computed from the data written

It then re-reads what it wrote, applies DESIGN.md's counting rules with its own mapping,
and checks the 2020 result against expected-2020.json (typed by hand from the seed report,
not written here). It exits non-zero on any mismatch.

Late requests (answered later than 20 working days; a local check must flag exactly these):
    SH-2020-0024, SH-2020-0118, SH-2020-0143
Working-day rule used: the deadline is the 20th working day after the day of receipt (the day
of receipt itself is not counted); a working day is Mon-Fri not listed as `holiday`, or any
day listed as `workday` (make-up day). All other answered requests take at most 19 working
days, so they are on time under either convention (receipt day counted or not); the late
ones take 24 or more.
On time only thanks to the holiday files (a plain Mon-Fri count without holidays would flag
them too): SH-2020-0008 (over the extended Spring Festival), SH-2020-0124, SH-2020-0131,
SH-2020-0132, SH-2020-0134 (over National Day), SH-2021-0018 (over Spring Festival 2021).
"""

import csv
import datetime as dt
import io
import json
import os
import random
import re
import sys
from decimal import Decimal, ROUND_HALF_UP

HERE = os.path.dirname(os.path.abspath(__file__))
DATA = os.path.join(HERE, "data")
SEED = 20201231
LATE_IDS = ["SH-2020-0024", "SH-2020-0118", "SH-2020-0143"]
HOLIDAY_SENSITIVE = ["SH-2020-0008", "SH-2020-0124", "SH-2020-0131", "SH-2020-0132",
                     "SH-2020-0134", "SH-2021-0018"]

D = dt.date


def iso(d):
    return d.isoformat() if d else ""


def drange(a, b):
    """Days a..b inclusive."""
    while a <= b:
        yield a
        a += dt.timedelta(days=1)


# --------------------------------------------------------------------------------------------
# Holidays (国务院办公厅 annual notices on public-holiday arrangements)
# --------------------------------------------------------------------------------------------
HOLIDAYS = {
    2019: {
        "note": "国务院办公厅关于2019年部分节假日安排的通知（含劳动节调整为5月1日至4日的补充通知）",
        "periods": [
            ("元旦", D(2019, 1, 1), D(2019, 1, 1), []),
            ("春节", D(2019, 2, 4), D(2019, 2, 10), [D(2019, 2, 2), D(2019, 2, 3)]),
            ("清明节", D(2019, 4, 5), D(2019, 4, 7), []),
            ("劳动节", D(2019, 5, 1), D(2019, 5, 4), [D(2019, 4, 28), D(2019, 5, 5)]),
            ("端午节", D(2019, 6, 7), D(2019, 6, 9), []),
            ("中秋节", D(2019, 9, 13), D(2019, 9, 15), []),
            ("国庆节", D(2019, 10, 1), D(2019, 10, 7), [D(2019, 9, 29), D(2019, 10, 12)]),
        ],
    },
    2020: {
        "note": "国务院办公厅关于2020年部分节假日安排的通知；春节假期因新冠肺炎疫情延长至2月2日"
                "（原定2月1日的调休上班取消）",
        "periods": [
            ("元旦", D(2020, 1, 1), D(2020, 1, 1), []),
            ("春节（含延长假期）", D(2020, 1, 24), D(2020, 2, 2), [D(2020, 1, 19)]),
            ("清明节", D(2020, 4, 4), D(2020, 4, 6), []),
            ("劳动节", D(2020, 5, 1), D(2020, 5, 5), [D(2020, 4, 26), D(2020, 5, 9)]),
            ("端午节", D(2020, 6, 25), D(2020, 6, 27), [D(2020, 6, 28)]),
            ("国庆节、中秋节", D(2020, 10, 1), D(2020, 10, 8), [D(2020, 9, 27), D(2020, 10, 10)]),
        ],
    },
    2021: {
        "note": "国务院办公厅关于2021年部分节假日安排的通知",
        "periods": [
            ("元旦", D(2021, 1, 1), D(2021, 1, 3), []),
            ("春节", D(2021, 2, 11), D(2021, 2, 17), [D(2021, 2, 7), D(2021, 2, 20)]),
            ("清明节", D(2021, 4, 3), D(2021, 4, 5), []),
            ("劳动节", D(2021, 5, 1), D(2021, 5, 5), [D(2021, 4, 25), D(2021, 5, 8)]),
            ("端午节", D(2021, 6, 12), D(2021, 6, 14), []),
            ("中秋节", D(2021, 9, 19), D(2021, 9, 21), [D(2021, 9, 18)]),
            ("国庆节", D(2021, 10, 1), D(2021, 10, 7), [D(2021, 9, 26), D(2021, 10, 9)]),
        ],
    },
}
CAL_FIRST, CAL_LAST = D(2019, 1, 1), D(2021, 12, 31)


def holiday_file_text(year):
    """The year's schedule as a CSV the importer reads (kind holiday):
    日期,类型,说明 with 类型 放假 (a day off) or 上班 (a make-up working day)."""
    h = HOLIDAYS[year]
    out = ["日期,类型,说明"]
    rows = []
    for name, a, b, makeup in h["periods"]:
        rows += [(d, "放假", name) for d in drange(a, b)]
        rows += [(m, "上班", name + "调休") for m in makeup]
    for d, what, name in sorted(rows):
        out.append("%s,%s,%s" % (d.isoformat(), what, name))
    return "\n".join(out) + "\n"


def read_holiday_files():
    hol, work = set(), set()
    for year in (2019, 2020, 2021):
        path = os.path.join(HERE, "holidays", "%d.csv" % year)
        with open(path, encoding="utf-8", newline="") as f:
            rows = list(csv.reader(f))
        assert rows[0] == ["日期", "类型", "说明"], "%s: bad header" % path
        for n, row in enumerate(rows[1:], 2):
            m = re.fullmatch(r"(\d{4})-(\d{2})-(\d{2})", row[0])
            assert m and row[1] in ("放假", "上班"), "%s:%d: bad line" % (path, n)
            d = D(int(m[1]), int(m[2]), int(m[3]))
            assert d.year == year, "%s:%d: wrong year" % (path, n)
            if row[1] == "放假":
                hol.add(d)
            else:
                assert d.weekday() >= 5, "%s:%d: make-up day is not a weekend" % (path, n)
                work.add(d)
    assert not (hol & work)
    return hol, work


class Calendar:
    def __init__(self, hol, work):
        self.hol, self.work = hol, work

    def is_workday(self, d):
        assert CAL_FIRST <= d <= CAL_LAST, "date outside the holiday files: %s" % d
        return d in self.work or (d.weekday() < 5 and d not in self.hol)

    def after(self, d, k):
        """The k-th working day after d (d itself not counted)."""
        while k > 0:
            d += dt.timedelta(days=1)
            if self.is_workday(d):
                k -= 1
        return d

    def between(self, a, b):
        """Working days in (a, b]."""
        return sum(1 for x in drange(a + dt.timedelta(days=1), b) if self.is_workday(x))


# --------------------------------------------------------------------------------------------
# Codes and the district's mapping
# --------------------------------------------------------------------------------------------
APPLICANTS = ["person", "business", "research", "ngo", "legal", "other"]
APPLICANT_LOCAL = {  # local value -> national code
    "个人": "person", "企业": "business", "科研院所": "research",
    "公益组织": "ngo", "律所": "legal", "其他组织": "other",
}
LOCAL_OF_APPLICANT = {v: k for k, v in APPLICANT_LOCAL.items()}

OUTCOMES_2019 = ["1", "2", "3.1", "3.2", "3.3", "3.4", "3.5", "3.6", "3.7", "3.8",
                 "4.1", "4.2", "4.3", "5.1", "5.2", "5.3", "5.4", "5.5", "6"]
OUTCOMES_2021 = OUTCOMES_2019[:-1] + ["6.1", "6.2", "6.3"]
OUTCOME_LOCAL = {  # local value -> national code (groups as in map.lua)
    "GK": "1", "BFGK": "2",
    "BM": "3.1", "FJ": "3.2", "SAN": "3.3", "DSF": "3.4", "NBSW": "3.5", "GCX": "3.6",
    "ZFAJ": "3.7", "CX": "3.8",
    "不掌握": "4.1", "NA01": "4.1", "信息不存在": "4.1", "ZZ": "4.2", "BZBM": "4.3",
    "XF": "5.1", "CF": "5.2", "CBW": "5.3", "DLFF": "5.4", "QR": "5.5",
    "BZYQ": "6.1", "JFYQ": "6.2", "QT": "6",
}
# National codes and labels are accepted as they are (only those the data uses are needed here).
OUTCOME_NATIONAL = {c: c for c in OUTCOMES_2021 + ["6"]}
OUTCOME_NATIONAL.update({"予以公开": "1", "部分公开": "2"})
LOCAL_OF_OUTCOME = {"1": "GK", "2": "BFGK", "3.1": "BM", "3.2": "FJ", "3.3": "SAN", "3.4": "DSF",
                    "3.5": "NBSW", "3.6": "GCX", "3.7": "ZFAJ", "3.8": "CX", "4.2": "ZZ",
                    "4.3": "BZBM", "5.1": "XF", "5.2": "CF", "5.3": "CBW", "5.4": "DLFF",
                    "5.5": "QR", "6.1": "BZYQ", "6.2": "JFYQ", "6": "QT"}

CASE_KIND = {"行政复议": "review", "未经复议直接起诉": "suit", "复议后起诉": "suit_after_review"}
CASE_RESULT = {"维持": "upheld", "纠正": "corrected", "其他": "other"}
DOC_KIND = {"规章": "rule", "规范性文件": "normative"}
MATTER_KIND = {"行政许可": "license", "其他对外管理服务事项": "service", "行政处罚": "penalty",
               "行政强制": "coercion", "行政事业性收费": "fee"}
DECISION_KIND = {k: v for k, v in MATTER_KIND.items() if v != "fee"}
LABEL_OF = {v: k for k, v in MATTER_KIND.items()}

MAP_LUA = """\
-- 沈阳市沈河区人民政府：依申请公开办理系统的本地代码 → 国家统计代码（nianbao 映射脚本）。
-- 结构：记录类别 → 字段 → 本地值 → 国家代码（字符串）。国家代码与国家标签（如 "1"、"予以公开"）
-- 无需映射即可导入；本表未覆盖的其他值在导入时被拒绝。
return {
  request = {
    -- 申请人类型：本地申请人分类 → 表三申请人列
    applicant = {
%(applicant)s
    },
    -- 办理结果：本地办结代码 → 表三办理结果行
    outcome = {
%(outcome)s
    },
  },
}
"""
OUTCOME_GROUPS = [
    ("（一）予以公开、（二）部分公开", ["GK", "BFGK"]),
    ("（三）不予公开 1-8", ["BM", "FJ", "SAN", "DSF", "NBSW", "GCX", "ZFAJ", "CX"]),
    ("（四）无法提供：三种本地写法都表示“本机关不掌握相关政府信息”", ["不掌握", "NA01", "信息不存在", "ZZ", "BZBM"]),
    ("（五）不予处理 1-5", ["XF", "CF", "CBW", "DLFF", "QR"]),
    ("（六）其他处理：逾期不补正、逾期不缴费、其他（2019 格式并入一行，2021 格式中 6 计入 6.3）",
     ["BZYQ", "JFYQ", "QT"]),
]
APPLICANT_NOTE = {"person": "自然人", "business": "商业企业", "research": "科研机构",
                  "ngo": "社会公益组织", "legal": "法律服务机构", "other": "其他"}


def map_lua_text():
    def q(s):
        return '["%s"]' % s
    app = ["      %s = \"%s\",  -- %s" % (q(k), v, APPLICANT_NOTE[v])
           for k, v in APPLICANT_LOCAL.items()]
    out = []
    seen = []
    for note, keys in OUTCOME_GROUPS:
        out.append("      -- " + note)
        for k in keys:
            out.append("      %s = \"%s\"," % (q(k), OUTCOME_LOCAL[k]))
            seen.append(k)
    assert sorted(seen) == sorted(OUTCOME_LOCAL)
    return MAP_LUA % {"applicant": "\n".join(app), "outcome": "\n".join(out)}


# --------------------------------------------------------------------------------------------
# Generation
# --------------------------------------------------------------------------------------------
def weighted(rng, items, weights):
    return rng.choices(items, weights=weights, k=1)[0]


def rand_day(rng, a, b):
    return a + dt.timedelta(days=rng.randrange((b - a).days + 1))


def month_end(y, m):
    return (D(y + (m == 12), m % 12 + 1, 1) - dt.timedelta(days=1))


MONTH_W = {
    2019: [8, 6, 9, 9, 10, 10, 10, 9, 10, 8, 10, 9],
    2020: [8, 3, 6, 9, 10, 10, 10, 10, 10, 8, 10, 9],   # epidemic dip in February-March
    2021: [8, 7, 9, 9, 10, 10, 10, 9, 10, 8, 10, 9],
}


class Gen:
    def __init__(self, cal):
        self.cal = cal
        self.rng = random.Random(SEED)

    # ---- requests --------------------------------------------------------------------------
    def received_in(self, a, b):
        """A receipt date in [a, b]; mostly working days, sometimes a weekend (online)."""
        rng = self.rng
        while True:
            d = rand_day(rng, a, b)
            if self.cal.is_workday(d) or rng.random() < 0.15:
                return d

    def received_weighted(self, year, last=None):
        rng = self.rng
        while True:
            m = weighted(rng, range(1, 13), MONTH_W[year])
            d = self.received_in(D(year, m, 1), month_end(year, m))
            if last is None or d <= last:
                return d

    def close_k(self, received, lo, hi, kmin=1, kmax=19):
        """Pick k in [kmin, kmax] so that the k-th working day after receipt is in [lo, hi]."""
        ks, d, k = [], received, 0
        while k < kmax:
            d += dt.timedelta(days=1)
            if d > hi:
                break
            if self.cal.is_workday(d):
                k += 1
                if k >= kmin and d >= lo:
                    ks.append(k)
        if not ks:
            return None
        # mostly quick answers, a tail towards the deadline
        w = [3 if k <= 12 else 1 for k in ks]
        return weighted(self.rng, ks, w)

    def make_request(self, received, closed, applicant, outcome):
        return {"received": received, "closed": closed, "applicant": applicant,
                "outcome": outcome}

    def closed_request(self, applicant, outcome, rlo, rhi, clo, chi, kmin=1, kmax=19,
                       weighted_year=None):
        while True:
            if weighted_year:
                r = self.received_weighted(weighted_year, rhi)
                if r < rlo:
                    continue
            else:
                r = self.received_in(rlo, rhi)
            k = self.close_k(r, clo, chi, kmin, kmax)
            if k is not None:
                return self.make_request(r, self.cal.after(r, k), applicant, outcome)

    def requests(self):
        rng = self.rng
        reqs = []
        Y19E, Y20S, Y20E, Y21S, Y21E = (D(2019, 12, 31), D(2020, 1, 1), D(2020, 12, 31),
                                        D(2021, 1, 1), D(2021, 12, 31))

        # 2020 closures: the seed's outcome distribution (persons 191, business 1)
        seed_person = {"1": 7, "2": 2, "3.2": 20, "3.4": 9, "3.6": 1, "3.8": 5, "4.1": 80,
                       "4.2": 3, "4.3": 61, "5.2": 3}
        pool = [o for o, n in seed_person.items() for _ in range(n)]
        assert len(pool) == 191
        rng.shuffle(pool)
        carried_in_outcomes, closed20_outcomes = pool[:7], pool[7:]

        # -- 2019: received and closed in 2019 (must not count in 2020) --------------------
        w19 = [8, 2, 3, 4, 1, 3, 4, 1, 2, 2, 1, 3, 15, 40, 3, 20, 2, 3, 1, 1, 1, 2]
        codes19 = ["1", "2", "3.1", "3.2", "3.3", "3.4", "3.5", "3.6", "3.7", "3.8", "6", "5.5",
                   "4.3", "4.1", "4.2", "4.1", "5.1", "5.2", "5.3", "5.4", "3.2", "4.2"]
        apps19 = ["person"] * 140 + ["business"] * 6 + ["legal"] * 2 + ["other"] * 2
        # edge: received 2019-12-20, closed on the last day of 2019
        reqs.append(self.make_request(D(2019, 12, 20), D(2019, 12, 31), "person", "4.1"))
        for a in apps19[1:]:
            reqs.append(self.closed_request(a, weighted(rng, codes19, w19), D(2019, 1, 2),
                                            D(2019, 12, 20), D(2019, 1, 1), Y19E,
                                            weighted_year=2019))
        # -- 2019 -> 2020 carried in: 7 persons --------------------------------------------
        # edge: received 2019-12-31, closed 2020-01-02
        reqs.append(self.make_request(D(2019, 12, 31), D(2020, 1, 2), "person",
                                      carried_in_outcomes[0]))
        for o in carried_in_outcomes[1:]:
            reqs.append(self.closed_request("person", o, D(2019, 12, 2), D(2019, 12, 30),
                                            Y20S, D(2020, 1, 31)))

        # -- 2020: received and closed in 2020 ---------------------------------------------
        late = []
        for i, o in enumerate(closed20_outcomes):
            if i in (20, 70, 120):   # three answered late (24+ working days)
                r = self.closed_request("person", o, D(2020, 3, 2), D(2020, 10, 30), Y20S,
                                        Y20E, kmin=24, kmax=30)
                late.append(r)
            else:
                r = self.closed_request("person", o, Y20S, D(2020, 12, 30), Y20S, Y20E,
                                        weighted_year=2020)
            reqs.append(r)
        reqs.append(self.closed_request("business", "4.1", D(2020, 6, 1), D(2020, 6, 30),
                                        Y20S, Y20E))
        # -- 2020 -> 2021 carried out: 35 persons, closed in January 2021 ---------------
        pool21 = self.outcomes_2021(35 + 166)
        carried_out_outcomes, closed21_outcomes = pool21[:35], pool21[35:]
        # edge: received 2020-12-31, closed 2021-01-04
        reqs.append(self.make_request(D(2020, 12, 31), D(2021, 1, 4), "person",
                                      carried_out_outcomes[0]))
        for o in carried_out_outcomes[1:]:
            reqs.append(self.closed_request("person", o, D(2020, 12, 7), D(2020, 12, 31),
                                            Y21S, D(2021, 3, 31)))

        # -- 2021: 180 new; 166 closed in 2021, 14 still open at the end of 2021 --------
        apps21 = (["person"] * 158 + ["business"] * 9 + ["research"] * 2 + ["ngo"] * 3
                  + ["legal"] * 5 + ["other"] * 3)
        open21 = set([5, 40, 77] + list(range(100, 111)))   # indexes into the shuffled list
        rng.shuffle(apps21)
        it = iter(closed21_outcomes)
        for i, a in enumerate(apps21):
            if i in open21:
                r = self.received_in(D(2021, 12, 13), Y21E)
                reqs.append(self.make_request(r, None, a, None))
            else:
                reqs.append(self.closed_request(a, next(it), Y21S, D(2021, 12, 30), Y21S,
                                                Y21E, weighted_year=2021))
        assert next(it, None) is None

        # ids: per year of receipt, in order of receipt
        reqs.sort(key=lambda q: (q["received"], q["closed"] or D(9999, 1, 1),
                                 q["applicant"], q["outcome"] or ""))
        seq = {}
        for q in reqs:
            y = q["received"].year
            seq[y] = seq.get(y, 0) + 1
            q["id"] = "SH-%d-%04d" % (y, seq[y])
        late_ids = sorted(q["id"] for q in late)
        assert late_ids == LATE_IDS, "update LATE_IDS / docstring: %s" % late_ids

        # local values
        for q in reqs:
            q["applicant_local"] = LOCAL_OF_APPLICANT[q["applicant"]]
            o = q["outcome"]
            if o is None:
                q["outcome_local"] = ""
            elif o == "4.1":
                q["outcome_local"] = weighted(rng, ["不掌握", "NA01", "信息不存在"], [5, 3, 2])
            else:
                q["outcome_local"] = LOCAL_OF_OUTCOME[o]
            d = q["received"]
            if not self.cal.is_workday(d):
                q["channel"] = "网络"
            else:
                q["channel"] = weighted(rng, ["网络", "信函", "当面"], [6, 3, 1])
        # national code / label accepted as they are: a few 予以公开 rows in 2020 and 2021
        gk = [q for q in reqs if q["outcome"] == "1"]
        gk20 = [q for q in gk if q["closed"].year == 2020]
        gk21 = [q for q in gk if q["closed"].year == 2021]
        gk20[1]["outcome_local"] = "1"
        gk20[4]["outcome_local"] = "予以公开"
        gk21[2]["outcome_local"] = "1"
        gk21[5]["outcome_local"] = "予以公开"
        self.reqs = reqs
        return reqs

    def outcomes_2021(self, n):
        """Outcomes of requests closed in 2021: every code at least once, then weighted."""
        rng = self.rng
        base = [c for c in OUTCOMES_2021 if c != "6.3"] + ["6"]   # QT (6) counts as 6.3
        w = {"1": 10, "2": 4, "3.2": 6, "3.4": 4, "3.6": 2, "3.8": 3, "4.1": 35, "4.2": 3,
             "4.3": 18, "5.2": 2, "6.1": 2, "6": 1}
        out = list(base)
        codes = list(w)
        while len(out) < n:
            out.append(weighted(rng, codes, [w[c] for c in codes]))
        rng.shuffle(out)
        return out

    # ---- cases -----------------------------------------------------------------------------
    def cases(self):
        R, S, F = "行政复议", "未经复议直接起诉", "复议后起诉"
        c = [
            # concluded in 2019: not active in 2020
            ("FY-2019-001", R, D(2019, 3, 12), D(2019, 5, 20), "维持"),
            ("FY-2019-002", R, D(2019, 10, 8), D(2019, 12, 31), "纠正"),   # edge: last day
            ("SS-2019-001", S, D(2019, 4, 16), D(2019, 9, 27), "维持"),
            # review, active in 2020: 4 upheld + 1 corrected
            ("FY-2019-003", R, D(2019, 12, 16), D(2020, 2, 14), "维持"),   # filed 2019
            ("FY-2020-001", R, D(2020, 4, 9), D(2020, 6, 5), "维持"),
            ("FY-2020-002", R, D(2020, 6, 22), D(2020, 8, 19), "纠正"),
            ("FY-2020-003", R, D(2020, 8, 3), D(2020, 9, 30), "维持"),
            ("FY-2020-004", R, D(2020, 10, 26), D(2020, 12, 22), "维持"),
            # suit, active in 2020: 4 upheld + 7 pending at the end of 2020
            ("SS-2019-002", S, D(2019, 11, 5), D(2020, 4, 17), "维持"),
            ("SS-2020-001", S, D(2020, 3, 23), D(2020, 7, 10), "维持"),
            ("SS-2020-002", S, D(2020, 5, 18), D(2020, 9, 4), "维持"),
            ("SS-2020-003", S, D(2020, 7, 6), D(2020, 11, 20), "维持"),
            ("SS-2020-004", S, D(2020, 8, 24), D(2021, 1, 15), "维持"),
            ("SS-2020-005", S, D(2020, 9, 15), D(2021, 3, 26), "维持"),
            ("SS-2020-006", S, D(2020, 10, 20), D(2021, 4, 23), "纠正"),
            ("SS-2020-007", S, D(2020, 11, 9), D(2021, 5, 14), "其他"),
            ("SS-2020-008", S, D(2020, 11, 30), D(2021, 6, 11), "维持"),
            ("SS-2020-009", S, D(2020, 12, 14), None, None),              # pending end 2021
            ("SS-2020-010", S, D(2020, 12, 31), None, None),              # edge: filed 12-31
            # suit after review, active in 2020: 2 upheld
            ("FS-2020-001", F, D(2020, 2, 24), D(2020, 6, 19), "维持"),
            ("FS-2020-002", F, D(2020, 7, 27), D(2020, 11, 13), "维持"),
            # 2021
            ("FY-2021-001", R, D(2021, 3, 8), D(2021, 5, 6), "维持"),
            ("FY-2021-002", R, D(2021, 6, 15), D(2021, 8, 12), "其他"),
            ("FY-2021-003", R, D(2021, 11, 22), None, None),
            ("SS-2021-001", S, D(2021, 4, 12), D(2021, 9, 24), "维持"),
            ("SS-2021-002", S, D(2021, 9, 6), None, None),
            ("FS-2021-001", F, D(2021, 8, 30), D(2021, 12, 10), "纠正"),
        ]
        return sorted(c)

    # ---- documents -------------------------------------------------------------------------
    def documents(self):
        N = "规范性文件"
        return [
            ("SHZF-2017-08", N, D(2017, 6, 12), D(2017, 6, 15), D(2019, 11, 20),
             "沈阳市沈河区人民政府关于印发沈河区老旧小区物业管理暂行办法的通知"),
            ("SHZF-2018-05", N, D(2018, 9, 3), D(2018, 9, 7), D(2021, 6, 30),
             "沈阳市沈河区人民政府关于印发沈河区促进楼宇经济发展若干政策的通知"),
            ("SHZF-2019-03", N, D(2019, 4, 22), D(2019, 4, 26), None,
             "沈阳市沈河区人民政府关于印发沈河区行政机关政策文件解读实施办法（试行）的通知"),
            ("SHZF-2021-02", N, D(2021, 3, 15), D(2021, 3, 19), None,
             "沈阳市沈河区人民政府关于印发沈河区促进楼宇经济高质量发展若干政策的通知"),
            ("SHZF-2021-06", N, D(2021, 7, 8), D(2021, 7, 12), None,
             "沈阳市沈河区人民政府关于印发沈河区城市更新项目管理办法的通知"),
            ("SHZF-2021-11", N, D(2021, 12, 24), D(2021, 12, 30), None,
             "沈阳市沈河区人民政府关于印发沈河区\"一网通办\"事项管理办法的通知"),
        ]

    # ---- matters ---------------------------------------------------------------------------
    # kind: (delisted in 2019 of the pre-2019 ones, listed at end of 2019, added 2020,
    #        delisted 2020, added 2021, delisted 2021)
    MATTER_PLAN = {
        "license": (4, 95, 30, 5, 12, 3),
        "service": (3, 149, 70, 4, 20, 6),
        "penalty": (10, 1341, 12, 70, 25, 15),
        "coercion": (1, 49, 2, 8, 1, 2),
        "fee": (1, 12, 10, 1, 0, 3),
    }
    MATTER_PREFIX = {"license": "XK", "service": "FW", "penalty": "CF", "coercion": "QZ",
                     "fee": "SF"}

    MATTER_OBJECTS = {
        "license": [("区市场监督管理局", "食品经营许可"), ("区卫生健康局", "公共场所卫生许可"),
                    ("区教育局", "民办学校办学许可"), ("区住房和城乡建设局", "建筑工程施工许可"),
                    ("区城市管理执法局", "城市道路挖掘许可"), ("区城市管理执法局", "户外广告设置许可"),
                    ("区文化旅游和广播电视局", "娱乐场所经营许可"), ("区卫生健康局", "医疗机构执业登记"),
                    ("区应急管理局", "危险化学品经营许可"), ("区人力资源和社会保障局", "人力资源服务许可")],
        "service": [("区民政局", "社会救助审核"), ("区人力资源和社会保障局", "就业登记"),
                    ("区民政局", "老年人优待证办理"), ("区退役军人事务局", "退役军人优待证办理"),
                    ("区残疾人联合会", "残疾人两项补贴审核"), ("区人力资源和社会保障局", "社会保险参保登记"),
                    ("区教育局", "学籍信息变更"), ("区医疗保障局", "医疗保险关系转移接续")],
        "penalty": [("区市场监督管理局", "食品安全法"), ("区市场监督管理局", "广告法"),
                    ("区市场监督管理局", "消费者权益保护法"), ("区市场监督管理局", "产品质量法"),
                    ("区应急管理局", "安全生产法"), ("区生态环境分局", "大气污染防治法"),
                    ("区城市管理执法局", "城乡规划法"), ("区发展和改革局", "价格法"),
                    ("区市场监督管理局", "药品管理法"), ("区人力资源和社会保障局", "劳动保障监察条例")],
        "coercion": [("区市场监督管理局", "查封场所、设施或者财物"), ("区市场监督管理局", "扣押财物"),
                     ("区城市管理执法局", "代履行"), ("区生态环境分局", "查封、扣押排污设施"),
                     ("区人力资源和社会保障局", "加处罚款")],
        "fee": [("区城市管理执法局", "城市道路占用费"), ("区城市管理执法局", "城市道路挖掘修复费"),
                ("区城市管理执法局", "城市生活垃圾处理费"), ("区自然资源分局", "不动产登记费"),
                ("区城市管理执法局", "户外广告设施占用费"), ("区公安分局", "证照工本费"),
                ("区自然资源分局", "土地闲置费"), ("区人力资源和社会保障局", "考试考务费"),
                ("区档案馆", "档案查询复制费"), ("区住房和城乡建设局", "房屋租赁登记费"),
                ("区水务局", "污水处理费")],
    }

    def matter_name(self, kind, i):
        objs = self.MATTER_OBJECTS[kind]
        dept, obj = objs[i % len(objs)]
        if kind == "penalty":
            if i == 6:
                # an ASCII comma: the CSV writer must quote this field (RFC 4180)
                return "%s：对擅自占用,挖掘城市道路行为的行政处罚" % dept
            return "%s：对违反《%s》第%d条规定行为的行政处罚" % (dept, obj, 10 + i // len(objs))
        if kind == "fee":
            return "%s：%s" % (dept, obj) + ("" if i < len(objs) else "（第%d项）" % (i + 1))
        return "%s：%s（第%d项）" % (dept, obj, i + 1)

    def matters(self):
        rng = self.rng
        rows = []
        for kind, (del19, n19, add20, del20, add21, del21) in self.MATTER_PLAN.items():
            items = []
            # in the list before 2019: most on the day the first 权责清单 was published
            n_pre = del19 + (n19 * 7) // 10
            for _ in range(n_pre):
                listed = D(2018, 6, 29)
                if rng.random() >= 0.7:      # before the holiday files: any Mon-Fri
                    listed = rand_day(rng, D(2018, 7, 2), D(2018, 12, 28))
                    while listed.weekday() >= 5:
                        listed -= dt.timedelta(days=1)
                items.append([listed, None])
            pre_rows = list(items)
            for x in rng.sample(pre_rows, del19):
                x[1] = self.received_in(D(2019, 2, 1), D(2019, 12, 20))
            for _ in range(n19 - (n_pre - del19)):
                items.append([self.received_in(D(2019, 1, 2), D(2019, 12, 27)), None])
            alive19 = [x for x in items if x[1] is None]
            assert len(alive19) == n19
            for x in rng.sample(alive19, del20):
                x[1] = self.received_in(D(2020, 1, 6), D(2020, 12, 25))
            for _ in range(add20):
                items.append([self.received_in(D(2020, 1, 2), D(2020, 12, 28)), None])
            alive20 = [x for x in items if x[1] is None]
            for x in rng.sample(alive20, del21):
                x[1] = self.received_in(D(2021, 1, 4), D(2021, 12, 24))
            for _ in range(add21):
                items.append([self.received_in(D(2021, 1, 4), D(2021, 12, 27)), None])
            items.sort(key=lambda x: (x[0], x[1] or D(9999, 1, 1)))
            for i, (listed, delisted) in enumerate(items):
                rows.append(("%s%04d" % (self.MATTER_PREFIX[kind], i + 1), LABEL_OF[kind],
                             listed, delisted, self.matter_name(kind, i)))
        return rows

    # ---- decisions -------------------------------------------------------------------------
    def split(self, total, weights):
        rng = self.rng
        w = [x * rng.uniform(0.85, 1.15) for x in weights]
        s = sum(w)
        parts = [max(1, int(total * x / s)) for x in w]
        diff = total - sum(parts)
        order = sorted(range(len(parts)), key=lambda j: (-parts[j], j))
        i = 0
        while diff:
            j = order[i % len(order)]
            if diff > 0:
                parts[j] += 1
                diff -= 1
            elif parts[j] > 1:
                parts[j] -= 1
                diff += 1
            i += 1
        assert sum(parts) == total and min(parts) >= 1
        return parts

    DECISION_TOTALS = {
        2019: {"license": 20540, "service": 590112, "penalty": 201, "coercion": 45},
        2020: {"license": 22113, "service": 638407, "penalty": 153, "coercion": 33},
        2021: {"license": 24876, "service": 702315, "penalty": 187, "coercion": 21},
    }

    def decisions(self):
        rng = self.rng
        rows = []
        for year, totals in self.DECISION_TOTALS.items():
            for kind in ("license", "service"):     # monthly totals, dated the month's end
                parts = self.split(totals[kind], MONTH_W[year])
                for m, n in enumerate(parts, 1):
                    rows.append((LABEL_OF[kind], month_end(year, m), n))
            for kind in ("penalty", "coercion"):    # daily totals
                left = totals[kind]
                per_day = {}
                while left:
                    n = min(left, weighted(rng, [1, 2, 3], [6, 3, 1]))
                    m = weighted(rng, range(1, 13), MONTH_W[year])
                    d = self.received_in(D(year, m, 1), month_end(year, m))
                    while not self.cal.is_workday(d):
                        d += dt.timedelta(days=1)
                        if d.year != year:
                            d = D(year, 12, 1)
                            continue
                    per_day[d] = per_day.get(d, 0) + n
                    left -= n
                for d in sorted(per_day):
                    rows.append((LABEL_OF[kind], d, per_day[d]))
        order = list(DECISION_KIND)
        rows.sort(key=lambda r: (r[1], order.index(r[0])))
        return rows

    # ---- money -----------------------------------------------------------------------------
    def amounts(self, total_fen, n, sigma):
        rng = self.rng
        w = [rng.lognormvariate(0, sigma) for _ in range(n)]
        s = sum(w)
        parts = [int(total_fen * x / s) for x in w]
        big = max(range(n), key=lambda j: (parts[j], -j))
        parts[big] += total_fen - sum(parts)
        assert sum(parts) == total_fen and min(parts) > 0
        return parts

    PURCHASES = {2019: (61, 19862150000), 2020: (67, 21350460000), 2021: (72, 22417830000)}
    CHARGES = {2020: (96, 41080000), 2021: (88, 35270000)}

    def purchases(self):
        rows = []
        for year, (n, total) in self.PURCHASES.items():
            dates = sorted(self.working_day_in(year) for _ in range(n))
            for i, (d, a) in enumerate(zip(dates, self.amounts(total, n, 1.0)), 1):
                rows.append(("CG-%d-%03d" % (year, i), d, a))
        return rows

    def charges(self):
        rng = self.rng
        items = ["城市道路占用费", "城市道路挖掘修复费", "城市生活垃圾处理费", "不动产登记费",
                 "户外广告设施占用费", "证照工本费"]
        rows = []
        for year, (n, total) in self.CHARGES.items():
            dates = sorted(self.working_day_in(year) for _ in range(n))
            for i, (d, a) in enumerate(zip(dates, self.amounts(total, n, 0.8)), 1):
                rows.append(("JF-%d-%04d" % (year, i), d, a,
                             weighted(rng, items, [5, 3, 4, 2, 2, 1])))
        return rows

    def working_day_in(self, year):
        while True:
            d = rand_day(self.rng, D(year, 1, 1), D(year, 12, 31))
            if self.cal.is_workday(d):
                return d


def yuan(fen):
    return "%d.%02d" % divmod(fen, 100)


# --------------------------------------------------------------------------------------------
# Writing
# --------------------------------------------------------------------------------------------
def write_text(path, text):
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, "w", encoding="utf-8", newline="\n") as f:
        f.write(text)


def write_csv(name, header, rows):
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\n", quoting=csv.QUOTE_MINIMAL)
    w.writerow(header)
    for r in rows:
        w.writerow(["" if v is None else v for v in r])
    write_text(os.path.join(DATA, name), buf.getvalue())
    return len(rows)


def generate(cal):
    g = Gen(cal)
    reqs = g.requests()
    n = {}
    n["requests"] = write_csv(
        "requests.csv", ["编号", "收到日期", "申请人类型", "办结日期", "办理结果", "申请方式"],
        [(q["id"], iso(q["received"]), q["applicant_local"], iso(q["closed"]),
          q["outcome_local"], q["channel"]) for q in reqs])
    n["cases"] = write_csv("cases.csv", ["编号", "类型", "收案日期", "审结日期", "结果"],
                           [(i, k, iso(f), iso(c), r) for i, k, f, c, r in g.cases()])
    n["documents"] = write_csv(
        "documents.csv", ["编号", "类型", "制发日期", "公开日期", "废止日期", "标题"],
        [(i, k, iso(m), iso(p), iso(r), t) for i, k, m, p, r, t in g.documents()])
    n["matters"] = write_csv("matters.csv", ["编号", "类型", "列入日期", "移出日期", "名称"],
                             [(i, k, iso(a), iso(b), nm) for i, k, a, b, nm in g.matters()])
    n["decisions"] = write_csv("decisions.csv", ["类型", "日期", "数量"],
                               [(k, iso(d), c) for k, d, c in g.decisions()])
    n["purchases"] = write_csv("purchases.csv", ["编号", "日期", "金额"],
                               [(i, iso(d), yuan(a)) for i, d, a in g.purchases()])
    n["charges"] = write_csv("charges.csv", ["编号", "日期", "金额", "项目"],
                             [(i, iso(d), yuan(a), it) for i, d, a, it in g.charges()])
    return n


# --------------------------------------------------------------------------------------------
# Verification: re-read the files, map, count by DESIGN.md's rules
# --------------------------------------------------------------------------------------------
class Bad(Exception):
    pass


def fail(msg):
    raise Bad(msg)


def read_csv(name, header):
    path = os.path.join(DATA, name)
    with open(path, "rb") as f:
        raw = f.read()
    if raw.startswith(b"\xef\xbb\xbf"):
        fail("%s: has a BOM" % name)
    if b"\r" in raw:
        fail("%s: has CR characters" % name)
    text = raw.decode("utf-8")
    rows = list(csv.reader(io.StringIO(text, newline="")))
    if rows[0] != header:
        fail("%s: header %r" % (name, rows[0]))
    out = []
    for n, r in enumerate(rows[1:], 2):
        if len(r) != len(header):
            fail("%s:%d: %d fields" % (name, n, len(r)))
        out.append((n, dict(zip(header, r))))
    return out


def pdate(s, where, empty_ok=False):
    if s == "":
        if empty_ok:
            return None
        fail("%s: empty date" % where)
    if not re.fullmatch(r"\d{4}-\d{2}-\d{2}", s):
        fail("%s: bad date %r" % (where, s))
    try:
        return dt.date.fromisoformat(s)
    except ValueError:
        fail("%s: impossible date %r" % (where, s))


def pmoney(s, where):
    m = re.fullmatch(r"(\d+)\.(\d{2})", s)
    if not m:
        fail("%s: bad amount %r" % (where, s))
    v = int(m[1]) * 100 + int(m[2])
    if v <= 0:
        fail("%s: amount not positive" % where)
    return v


def parse_map_lua():
    with open(os.path.join(HERE, "map.lua"), encoding="utf-8") as f:
        text = f.read()
    out = {}
    for field in ("applicant", "outcome"):
        m = re.search(r"\b%s\s*=\s*\{(.*?)\n\s*\}" % field, text, re.S)
        if not m:
            fail("map.lua: no %s table" % field)
        body = re.sub(r"--[^\n]*", "", m[1])
        out[field] = dict(re.findall(r'\[\s*"([^"]+)"\s*\]\s*=\s*"([^"]+)"', body))
    return out


def load_all():
    mp = parse_map_lua()
    if mp["applicant"] != APPLICANT_LOCAL or mp["outcome"] != OUTCOME_LOCAL:
        fail("map.lua disagrees with gen.py's own mapping")
    app_map = dict(APPLICANT_LOCAL)
    out_map = dict(OUTCOME_NATIONAL)
    out_map.update(OUTCOME_LOCAL)

    F = "requests.csv"
    reqs, seen = [], set()
    for n, r in read_csv(F, ["编号", "收到日期", "申请人类型", "办结日期", "办理结果", "申请方式"]):
        w = "%s:%d" % (F, n)
        rid = r["编号"]
        if rid in seen:
            fail("%s: duplicate id %s" % (w, rid))
        seen.add(rid)
        rec = pdate(r["收到日期"], w)
        if not re.fullmatch(r"SH-%d-\d{4}" % rec.year, rid):
            fail("%s: id %s does not carry the year of receipt" % (w, rid))
        clo = pdate(r["办结日期"], w, empty_ok=True)
        if r["申请人类型"] not in app_map:
            fail("%s: unmapped applicant %r" % (w, r["申请人类型"]))
        o = r["办理结果"]
        if (clo is None) != (o == ""):
            fail("%s: closed date and outcome must go together" % w)
        if o and o not in out_map:
            fail("%s: unmapped outcome %r" % (w, o))
        if clo and clo < rec:
            fail("%s: closed before received" % w)
        if r["申请方式"] not in ("网络", "信函", "当面"):
            fail("%s: channel %r" % (w, r["申请方式"]))
        reqs.append({"id": rid, "received": rec, "closed": clo,
                     "applicant": app_map[r["申请人类型"]], "outcome": out_map.get(o)})

    F = "cases.csv"
    cases = []
    for n, r in read_csv(F, ["编号", "类型", "收案日期", "审结日期", "结果"]):
        w = "%s:%d" % (F, n)
        f, c = pdate(r["收案日期"], w), pdate(r["审结日期"], w, empty_ok=True)
        if r["类型"] not in CASE_KIND:
            fail("%s: kind %r" % (w, r["类型"]))
        if (c is None) != (r["结果"] == "") or (r["结果"] and r["结果"] not in CASE_RESULT):
            fail("%s: result %r / concluded" % (w, r["结果"]))
        if c and c < f:
            fail("%s: concluded before filed" % w)
        cases.append({"id": r["编号"], "kind": CASE_KIND[r["类型"]], "filed": f, "concluded": c,
                      "result": CASE_RESULT.get(r["结果"])})

    F = "documents.csv"
    docs = []
    for n, r in read_csv(F, ["编号", "类型", "制发日期", "公开日期", "废止日期", "标题"]):
        w = "%s:%d" % (F, n)
        if r["类型"] not in DOC_KIND or not r["标题"]:
            fail("%s: kind/title" % w)
        docs.append({"kind": DOC_KIND[r["类型"]], "made": pdate(r["制发日期"], w),
                     "published": pdate(r["公开日期"], w, True),
                     "repealed": pdate(r["废止日期"], w, True)})

    F = "matters.csv"
    matters, seen = [], set()
    for n, r in read_csv(F, ["编号", "类型", "列入日期", "移出日期", "名称"]):
        w = "%s:%d" % (F, n)
        if r["类型"] not in MATTER_KIND or r["编号"] in seen:
            fail("%s: kind or duplicate id" % w)
        seen.add(r["编号"])
        a, b = pdate(r["列入日期"], w), pdate(r["移出日期"], w, True)
        if b and b < a:
            fail("%s: delisted before listed" % w)
        matters.append({"kind": MATTER_KIND[r["类型"]], "listed": a, "delisted": b})

    F = "decisions.csv"
    decisions = []
    for n, r in read_csv(F, ["类型", "日期", "数量"]):
        w = "%s:%d" % (F, n)
        if r["类型"] not in DECISION_KIND or not re.fullmatch(r"[1-9]\d*", r["数量"]):
            fail("%s: kind/count" % w)
        decisions.append({"kind": DECISION_KIND[r["类型"]], "date": pdate(r["日期"], w),
                          "count": int(r["数量"])})

    purchases = [{"date": pdate(r["日期"], "purchases.csv:%d" % n),
                  "fen": pmoney(r["金额"], "purchases.csv:%d" % n)}
                 for n, r in read_csv("purchases.csv", ["编号", "日期", "金额"])]
    charges = [{"date": pdate(r["日期"], "charges.csv:%d" % n),
                "fen": pmoney(r["金额"], "charges.csv:%d" % n)}
               for n, r in read_csv("charges.csv", ["编号", "日期", "金额", "项目"])]
    return dict(requests=reqs, cases=cases, docs=docs, matters=matters, decisions=decisions,
                purchases=purchases, charges=charges)


def wan(fen):
    """分 -> 万元, two decimals."""
    return (Decimal(fen) / Decimal(1000000)).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)


def table_requests(reqs, y, fmt):
    s, e = D(y, 1, 1), D(y, 12, 31)
    rows = OUTCOMES_2019 if fmt == "gov2019" else OUTCOMES_2021
    keys = ["new", "carried_in"] + rows + ["total", "carried_out"]
    t = {k: {a: 0 for a in APPLICANTS + ["total"]} for k in keys}

    def add(row, a):
        t[row][a] += 1
        t[row]["total"] += 1

    for q in reqs:
        a, r, c = q["applicant"], q["received"], q["closed"]
        if s <= r <= e:
            add("new", a)
        if r < s and (c is None or c >= s):
            add("carried_in", a)
        if c is not None and s <= c <= e:
            o = q["outcome"]
            if fmt == "gov2019" and o in ("6.1", "6.2", "6.3"):
                o = "6"
            if fmt == "gov2021" and o == "6":
                o = "6.3"
            add(o, a)
            add("total", a)
        if r <= e and (c is None or c > e):
            add("carried_out", a)
    return t


def table_appeals(cases, y):
    s, e = D(y, 1, 1), D(y, 12, 31)
    t = {k: {c: 0 for c in ["upheld", "corrected", "other", "pending", "total"]}
         for k in ["review", "suit", "suit_after_review"]}
    for c in cases:
        if c["filed"] > e or (c["concluded"] and c["concluded"] < s):
            continue
        col = c["result"] if c["concluded"] and c["concluded"] <= e else "pending"
        t[c["kind"]][col] += 1
        t[c["kind"]]["total"] += 1
    return t


def in_year(d, y):
    return d is not None and d.year == y


def table_active(db, y, fmt):
    e, pe = D(y, 12, 31), D(y - 1, 12, 31)
    t = {}

    def alive(x, end, start_key, stop_key):
        return x[start_key] is not None and x[start_key] <= end and (
            x[stop_key] is None or x[stop_key] > end)

    def decisions(kind):
        return sum(d["count"] for d in db["decisions"] if d["kind"] == kind and d["date"].year == y)

    for kind in ("rule", "normative"):
        docs = [d for d in db["docs"] if d["kind"] == kind]
        if fmt == "gov2019":
            t[kind] = {"made": sum(in_year(d["made"], y) for d in docs),
                       "published": sum(in_year(d["published"], y) for d in docs),
                       "public_total": sum(alive(d, e, "published", "repealed") for d in docs)}
        else:
            t[kind] = {"made": sum(in_year(d["made"], y) for d in docs),
                       "repealed": sum(in_year(d["repealed"], y) for d in docs),
                       "in_force": sum(alive(d, e, "made", "repealed") for d in docs)}
    if fmt == "gov2019":
        for kind in ("license", "service", "penalty", "coercion", "fee"):
            ms = [m for m in db["matters"] if m["kind"] == kind]
            prev = sum(alive(m, pe, "listed", "delisted") for m in ms)
            now = sum(alive(m, e, "listed", "delisted") for m in ms)
            t[kind] = {"items_prev": prev, "items_change": now - prev}
            if kind != "fee":
                t[kind]["decisions"] = decisions(kind)
        ps = [p for p in db["purchases"] if p["date"].year == y]
        t["purchase"] = {"count": len(ps), "amount": wan(sum(p["fen"] for p in ps))}
    else:
        for kind in ("license", "penalty", "coercion"):
            t[kind] = {"decisions": decisions(kind)}
        t["fee"] = {"amount": wan(sum(c["fen"] for c in db["charges"] if c["date"].year == y))}
    return t


def report(db, y, fmt):
    return {"active": table_active(db, y, fmt), "requests": table_requests(db["requests"], y, fmt),
            "appeals": table_appeals(db["cases"], y)}


def dump_json(tables):
    """Stable layout: one row per line."""
    def val(v):
        if isinstance(v, Decimal):
            return str(v)
        return json.dumps(v, ensure_ascii=False)

    out = ["{"]
    tids = list(tables)
    for i, tid in enumerate(tids):
        out.append('  "%s": {' % tid)
        rows = list(tables[tid])
        for j, rk in enumerate(rows):
            cells = ", ".join('"%s": %s' % (ck, val(cv)) for ck, cv in tables[tid][rk].items())
            out.append('    "%s": {%s}%s' % (rk, cells, "," if j < len(rows) - 1 else ""))
        out.append("  }" + ("," if i < len(tids) - 1 else ""))
    out.append("}")
    return "\n".join(out) + "\n"


def diff_tables(got, want, path=""):
    errs = []
    if isinstance(want, dict):
        if not isinstance(got, dict):
            return ["%s: got %r, want an object" % (path, got)]
        for k in want:
            if k not in got:
                errs.append("%s.%s: missing" % (path, k))
            else:
                errs += diff_tables(got[k], want[k], "%s.%s" % (path, k))
        for k in got:
            if k not in want:
                errs.append("%s.%s: unexpected (%r)" % (path, k, got[k]))
        return errs
    if type(got) is bool or got != want:
        return ["%s: got %s, want %s" % (path, got, want)]
    return []


def identities(t, label):
    errs = []
    rq = t["requests"]
    outcome_rows = [k for k in rq if k not in ("new", "carried_in", "total", "carried_out")]
    for col in APPLICANTS + ["total"]:
        if rq["new"][col] + rq["carried_in"][col] != rq["total"][col] + rq["carried_out"][col]:
            errs.append("%s H1 %s" % (label, col))
        if rq["total"][col] != sum(rq[k][col] for k in outcome_rows):
            errs.append("%s H3 %s" % (label, col))
    for rk, row in rq.items():
        if row["total"] != sum(row[a] for a in APPLICANTS):
            errs.append("%s H2 %s" % (label, rk))
    for rk, row in t["appeals"].items():
        if row["total"] != row["upheld"] + row["corrected"] + row["other"] + row["pending"]:
            errs.append("%s H4 %s" % (label, rk))
    return errs


def check_text(year, tables):
    """Every {{table.row.col}} placeholder in text/YEAR.md names a cell of that year's tables."""
    path = os.path.join(HERE, "text", "%d.md" % year)
    if not os.path.exists(path):
        return ["text/%d.md missing" % year]
    with open(path, encoding="utf-8") as f:
        text = f.read()
    errs = []
    heads = re.findall(r"^## (.+)$", text, re.M)
    if heads != ["一、总体情况", "五、存在的主要问题及改进情况", "六、其他需要报告的事项"]:
        errs.append("text/%d.md: ## headings %r" % (year, heads))
    for ph in re.findall(r"\{\{([^}]*)\}\}", text):
        parts = ph.split(".")
        if len(parts) != 3:
            errs.append("text/%d.md: placeholder {{%s}} is not table.row.col" % (year, ph))
            continue
        t, r, c = parts
        if c not in tables.get(t, {}).get(r, {}):
            errs.append("text/%d.md: placeholder {{%s}} names no cell" % (year, ph))
    return errs


def verify(cal):
    db = load_all()
    errs = []

    # working days: exactly the three known late requests
    late = sorted(q["id"] for q in db["requests"]
                  if q["closed"] and cal.between(q["received"], q["closed"]) > 20)
    if late != LATE_IDS:
        errs.append("late requests %s, want %s" % (late, LATE_IDS))
    slow = max(cal.between(q["received"], q["closed"]) for q in db["requests"]
               if q["closed"] and q["id"] not in LATE_IDS)
    naive = sorted(q["id"] for q in db["requests"] if q["closed"] and q["id"] not in LATE_IDS
                   and sum(1 for x in drange(q["received"] + dt.timedelta(days=1), q["closed"])
                           if x.weekday() < 5) > 20)
    if naive != HOLIDAY_SENSITIVE:
        errs.append("holiday-sensitive requests %s, want %s" % (naive, HOLIDAY_SENSITIVE))
    if slow > 19:
        errs.append("an on-time request takes %d working days (keep <= 19)" % slow)

    with open(os.path.join(HERE, "expected-2020.json"), encoding="utf-8") as f:
        want20 = json.load(f, parse_float=Decimal)
    got20 = report(db, 2020, "gov2019")
    errs += diff_tables(got20, want20, "2020")
    errs += identities(got20, "2020")
    errs += check_text(2020, want20)

    got21 = report(db, 2021, "gov2021")
    errs += identities(got21, "2021")
    for col in APPLICANTS + ["total"]:
        if got21["requests"]["carried_in"][col] != got20["requests"]["carried_out"][col]:
            errs.append("Y1 2020->2021 %s" % col)
    errs += check_text(2021, got21)

    # Y2 2019->2020 (both gov2019): items_prev(2020) = items_prev(2019) + items_change(2019)
    got19 = report(db, 2019, "gov2019")
    for k in ("license", "service", "penalty", "coercion", "fee"):
        a19 = got19["active"][k]
        if a19["items_prev"] + a19["items_change"] != got20["active"][k]["items_prev"]:
            errs.append("Y2 %s" % k)
    return db, got20, got21, late, errs


def main():
    os.makedirs(DATA, exist_ok=True)
    for year in HOLIDAYS:
        write_text(os.path.join(HERE, "holidays", "%d.csv" % year), holiday_file_text(year))
    write_text(os.path.join(HERE, "map.lua"), map_lua_text())
    cal = Calendar(*read_holiday_files())
    counts = generate(cal)
    try:
        db, got20, got21, late, errs = verify(cal)
    except Bad as e:
        print("gen.py: bad data: %s" % e, file=sys.stderr)
        return 1
    write_text(os.path.join(HERE, "expected-2021.json"), dump_json(got21))

    print("wrote " + ", ".join("%s %d" % kv for kv in counts.items()) + " rows")
    r20, r21 = got20["requests"], got21["requests"]
    print("2020 (gov2019): new %d, carried in %d, closed %d, carried out %d; appeals %s; "
          "purchases %d / %s万元" % (
              r20["new"]["total"], r20["carried_in"]["total"], r20["total"]["total"],
              r20["carried_out"]["total"],
              "/".join(str(got20["appeals"][k]["total"]) for k in got20["appeals"]),
              got20["active"]["purchase"]["count"], got20["active"]["purchase"]["amount"]))
    a21 = got21["active"]
    print("2021 (gov2021): new %d, carried in %d, closed %d, carried out %d; appeals %s; "
          "normative %d/%d/%d; decisions %d/%d/%d; fee %s万元" % (
              r21["new"]["total"], r21["carried_in"]["total"], r21["total"]["total"],
              r21["carried_out"]["total"],
              "/".join(str(got21["appeals"][k]["total"]) for k in got21["appeals"]),
              a21["normative"]["made"], a21["normative"]["repealed"],
              a21["normative"]["in_force"], a21["license"]["decisions"],
              a21["penalty"]["decisions"], a21["coercion"]["decisions"], a21["fee"]["amount"]))
    print("late (> 20 working days): " + ", ".join(late))
    if errs:
        for e in errs:
            print("MISMATCH " + e, file=sys.stderr)
        return 1
    print("OK: 2020 tables equal expected-2020.json")
    return 0


if __name__ == "__main__":
    sys.exit(main())
