/* test_pack.c - unit tests of host/pack.c: day codes, every column width (values that
 * need 0, 1, 2, 4 and 8 bytes), rids that do not follow each other, a rolled-back
 * transaction, a change made behind the packs' back (found by nb_pack_verify), a touched
 * record made again from the rows, a damaged part, and a transaction's listed changes read
 * back. */
#include "bodies.h"
#include "import.h"
#include "records.h"
#include "pack.h"
#include "tabulate.h"
#include "t.h"
#include "testdir.h"

#include <stdlib.h>
#include <string.h>

/* Imports TEXT as KIND records of BODY, from DIR/in.csv. */
static nb_err import(nb_store *s, const char *kind, const char *body, const char *text)
{
    return t_import(s, "in.csv", kind, body, text, 0);
}

/* The values of packed column COL of KIND's parts of every body, as "rid:value ...". */
static void column(nb_store *s, const char *kind, int col, char *out, size_t len)
{
    char err[256];
    nb_pack_cursor *c;
    const nb_pack_part *p;
    size_t used = 0;
    out[0] = '\0';
    if (nb_pack_open(s, nb_kind_find(kind), 0, &c, err, sizeof err))
        return;
    while (nb_pack_next(c, &p, err, sizeof err) == NB_OK)
        for (int i = 0; i < p->n && used < len; i++)
            used += (size_t)snprintf(out + used, len - used, "%s%lld:%lld", used ? " " : "",
                                     (long long)p->rid[i], (long long)p->col[col][i]);
    nb_pack_close(c);
}

/* store:repack's work: damaged parts and records in the rows or the parts alone removed,
 * every part written again; the records removed, or -1. */
static long repack(nb_store *s)
{
    char err[256];
    long lost = -1;
    if (nb_store_begin(s, err, sizeof err) != NB_OK)
        return -1;
    if (nb_pack_drop_damaged(s, &lost, err, sizeof err) != NB_OK ||
        nb_pack_rebuild_all(s, err, sizeof err) != NB_OK) {
        printf("# repack: %s\n", err);
        nb_store_rollback(s);
        return -1;
    }
    return nb_store_commit(s, err, sizeof err) == NB_OK ? lost : -1;
}

static long verify(nb_store *s)
{
    long bad = -1;
    char why[256], err[256];
    if (nb_pack_verify(s, &bad, why, sizeof why, err, sizeof err))
        printf("# verify: %s\n", err);
    return bad;
}

static void test_days(void)
{
    CHECK(nb_pack_day(0) == 0, "day code of no date: 0");
    CHECK(nb_pack_day(19000101) == 1, "1900-01-01 is day 1");
    CHECK(nb_pack_day(19700101) == 1 - nb_date_days(19000101), "1970-01-01 is as many days after 1900-01-01 as the calendar says");
    CHECK(nb_pack_ymd(1) == 19000101 && nb_pack_ymd(25568) == 19700101 && nb_pack_day(19700101) == 25568,
          "days 1 and 25,568 are 1900-01-01 and 1970-01-01, there and back");
    CHECK(nb_pack_day(19000301) == 60, "1900 is no leap year: 1 March is day 60");
    CHECK(nb_pack_ymd(nb_pack_day(20200229)) == 20200229, "a leap day there and back");
    CHECK(nb_pack_ymd(nb_pack_day(99991231)) == 99991231, "the last date there and back");
    CHECK(nb_pack_day(20210101) - nb_pack_day(20200101) == 366, "2020 has 366 days");
    /* the year by arithmetic (1901-2099) is the calendar's on every day, and past it */
    int bad = 0;
    for (int64_t d = 1; d <= nb_pack_day(22010101); d++)
        bad += nb_pack_year_of_day(d) != nb_pack_ymd(d) / 10000;
    CHECK(bad == 0, "the year of every day code from 1900 to 2200 is its date's");
    CHECK(nb_pack_year_of_day(nb_pack_day(99991231)) == 9999, "the year of the last date");
}

static void test_widths(nb_store *s)
{
    char got[512];
    /* amounts in 分: one value (width 0), then ranges of 1, 2, 4 and 8 bytes */
    import(s, "purchase", "甲",
           "编号,日期,金额\nP1,2020-01-01,5\nP2,2020-01-02,5\n");
    column(s, "purchase", 1, got, sizeof got);
    CHECK_STR(got, "1:500 2:500", "equal values: width 0, read back");
    import(s, "purchase", "乙",
           "编号,日期,金额\nQ1,2020-01-01,0\nQ2,2020-01-02,2.55\nQ3,2020-01-03,655.35\n"
           "Q4,2020-01-04,42949672.95\nQ5,1900-01-01,99999999999.99\n");
    column(s, "purchase", 1, got, sizeof got);
    CHECK_STR(got, "1:500 2:500 3:0 4:255 5:65535 6:4294967295 7:9999999999999",
              "values over 1, 2, 4 and 8 bytes");
    column(s, "purchase", 0, got, sizeof got);
    CHECK_STR(got, "1:43830 2:43831 3:43830 4:43831 5:43832 6:43833 7:1", "dates as day codes");
    CHECK(verify(s) == 0, "verify: the parts match the rows");
}

static void test_changes(nb_store *s)
{
    char err[256], got[512];
    /* rids that do not follow each other: 甲's records between 乙's */
    import(s, "request", "甲", "编号,收到日期,申请人类型\nA1,2020-01-05,自然人\n");
    import(s, "request", "乙", "编号,收到日期,申请人类型\nB1,2020-01-06,企业\n");
    import(s, "request", "甲", "编号,收到日期,申请人类型\nA2,2020-01-07,自然人\nA3,2020-01-08,企业\n");
    CHECK(verify(s) == 0, "gaps between a body's rids: verify passes");
    CHECK(t_count(s, "SELECT count(*) FROM pack WHERE kind = 'request'") == 2,
          "one part per body: the later import extends the body's part");
    column(s, "request", 0, got, sizeof got);
    CHECK_STR(got, "1:43834 3:43836 4:43837 2:43835", "rids kept with their gaps, by body");

    /* a rolled-back transaction leaves no trace (the digest carried on in it included) */
    long gen = t_count(s, "SELECT gen FROM digest WHERE kind = 'request' AND body = 1"),
         hashed = t_count(s, "SELECT length(hash) FROM digest WHERE kind = 'request' AND body = 1");
    nb_store_begin(s, err, sizeof err);
    int64_t ival[NB_MAX_FIELDS] = {20200101, 0, 0, 0};
    unsigned char has[NB_MAX_FIELDS] = {1, 0, 0, 0};
    nb_dvalue row[NB_MAX_FIELDS + 1] = {{SQLITE_TEXT, 0, "X99", 3}, {SQLITE_INTEGER, 20200101, NULL, 0}};
    for (int f = 1; f < nb_kind_find("request")->nfields; f++)
        row[f + 1] = (nb_dvalue){SQLITE_NULL, 0, NULL, 0};
    nb_pack_append(s, nb_kind_find("request"), 1, 99, ival, has, row,
                   nb_kind_find("request")->nfields + 1, err, sizeof err);
    nb_store_rollback(s);
    nb_store_begin(s, err, sizeof err);
    nb_store_commit(s, err, sizeof err);
    CHECK(t_count(s, "SELECT count(*) FROM pack WHERE rid_hi = 99") == 0,
          "rolled back: the noted append is forgotten");
    CHECK(t_count(s, "SELECT gen FROM digest WHERE kind = 'request' AND body = 1") == gen &&
              t_count(s, "SELECT length(hash) FROM digest WHERE kind = 'request' AND body = 1") == hashed,
          "rolled back: the pair's digest as it was");

    /* a change behind the packs' back is found; touched, it is made again */
    nb_store_exec(s, "UPDATE request SET received = 20200301 WHERE id = 'A2'", err, sizeof err);
    CHECK(verify(s) == 1, "a row changed without the packs: verify finds one body");
    nb_store_begin(s, err, sizeof err);
    int64_t rid = t_count(s, "SELECT rid FROM request WHERE id = 'A2'");
    nb_pack_touch(s, nb_kind_find("request"), t_count(s, "SELECT body FROM request WHERE id = 'A2'"),
                  rid, err, sizeof err);
    CHECK(nb_store_commit(s, err, sizeof err) == NB_OK, "touched and committed");
    CHECK(verify(s) == 0, "the touched part is made again from the rows");

    /* a damaged part: the reader says what to do, verify counts it */
    nb_store_exec(s, "UPDATE pack SET data = x'01' WHERE kind = 'request'", err, sizeof err);
    nb_pack_cursor *c;
    const nb_pack_part *p;
    nb_pack_open(s, nb_kind_find("request"), 0, &c, err, sizeof err);
    nb_err rc = nb_pack_next(c, &p, err, sizeof err);
    nb_pack_close(c);
    CHECK(rc == NB_ERR_NOSTORE && strstr(err, "nianbao init --repack"), "a damaged part: named, with the mend");
    CHECK(verify(s) == 2, "verify counts both damaged bodies");
    nb_store_begin(s, err, sizeof err);
    CHECK(nb_pack_rebuild_all(s, err, sizeof err) == NB_OK && nb_store_commit(s, err, sizeof err) == NB_OK,
          "rebuild all");
    CHECK(verify(s) == 0, "after the rebuild every part matches");
}

/* The years of a body and its statistics come from the parts: three parts of requests
 * (NB_PACK_PART each, in import order), the first holding 2019 and 2021 but not 2020,
 * the second only 2021 (skipped: its years are known), the third 2019 and 2020 (decoded:
 * its range holds 2020, not seen yet). */
static void test_years(nb_store *s)
{
    nb_buf csv = {0};
    nb_buf_adds(&csv, "编号,收到日期,申请人类型\n");
    for (int i = 0; i < 3 * NB_PACK_PART; i++) {
        int part = i / NB_PACK_PART;
        const char *date = part == 0 ? (i % 2 ? "2019-05-01" : "2021-05-01")
                           : part == 1 ? "2021-06-01" : (i % 3 ? "2019-07-01" : "2020-07-01");
        nb_buf_printf(&csv, "Y%d,%s,自然人\n", i, date);
    }
    CHECK(import(s, "request", "年区", csv.data) == NB_OK, "years: 3 parts imported");
    nb_buf_free(&csv);
    int64_t body = 0;
    char err[256];
    int *years = NULL, n = 0;
    nb_store_body(s, "年区", 0, &body, NULL, err, sizeof err);
    CHECK(t_count(s, "SELECT count(*) FROM pack WHERE kind = 'request' AND body = (SELECT id FROM body WHERE name = '年区')") == 3,
          "years: the body has three parts");
    CHECK(nb_body_years(s, body, &years, &n, err, sizeof err) == NB_OK && n == 3 && years[0] == 2019 &&
              years[1] == 2020 && years[2] == 2021,
          "years: 2019, 2020 (only in the third part) and 2021");
    free(years);
    /* One part from 2015 to 2017 without 2016, and one with 2016 only between 2015
       and 2017: the years between a part's first and last dates are read from it. */
    int64_t other = 0;
    CHECK(import(s, "request", "间区", "编号,收到日期,申请人类型\nA1,2015-03-01,自然人\n"
                                        "A2,2017-03-01,自然人\nA3,2017-12-31,自然人\n") == NB_OK &&
              nb_store_body(s, "间区", 0, &other, NULL, err, sizeof err) == NB_OK &&
              nb_body_years(s, other, &years, &n, err, sizeof err) == NB_OK && n == 2 &&
              years[0] == 2015 && years[1] == 2017,
          "years: a part from 2015 to 2017 without 2016 holds 2015 and 2017");
    free(years);
    CHECK(import(s, "request", "中区", "编号,收到日期,申请人类型\nB1,2015-03-01,自然人\n"
                                        "B2,2016-07-01,自然人\nB3,2017-03-01,自然人\n") == NB_OK &&
              nb_store_body(s, "中区", 0, &other, NULL, err, sizeof err) == NB_OK &&
              nb_body_years(s, other, &years, &n, err, sizeof err) == NB_OK && n == 3 &&
              years[0] == 2015 && years[1] == 2016 && years[2] == 2017,
          "years: 2016 between a part's first and last dates is found");
    free(years);
    nb_kind_stat *ks = NULL;
    CHECK(nb_bodies_stats(s, &ks, &n, err, sizeof err) == NB_OK, "stats: from the parts");
    int found = 0;
    for (int i = 0; i < n; i++)
        if (ks[i].body == body && strcmp(ks[i].kind, "request") == 0)
            found = ks[i].count == 3 * NB_PACK_PART && ks[i].first == 2019 && ks[i].last == 2021;
    CHECK(found, "stats: the records counted, first and last year");
    int ordered = 1;
    for (int i = 1; i < n; i++)
        ordered &= ks[i - 1].body <= ks[i].body;
    CHECK(ordered, "stats: in body order");
    free(ks);
}

/* The flow of BODY's requests in YEAR from the parts (ROWS 0) or the rows; NULL on failure. */
static nb_cube *flow_of(nb_store *s, int64_t body, int year, int rows)
{
    nb_scope sc = {.kind = "request", .body = body, .year = year, .rows = rows};
    nb_cube *c = NULL;
    char err[256];
    if (nb_flow(s, &sc, &c, err, sizeof err) != NB_OK) {
        printf("# flow: %s\n", err);
        return NULL;
    }
    return c;
}

/* Whether the flow of BODY's requests in YEAR from the parts has the cells of the one from
 * the rows; *SKIPPED the parts the window left out on the way. */
static int flow_as_rows(nb_store *s, int64_t body, int year, long *skipped)
{
    long before = nb_pack_parts_skipped();
    nb_cube *p = flow_of(s, body, year, 0);
    *skipped = nb_pack_parts_skipped() - before;
    nb_cube *r = flow_of(s, body, year, 1);
    int same = p && r && p->ncells == r->ncells &&
               memcmp(p->cells, r->cells, p->ncells * sizeof *p->cells) == 0;
    nb_cube_free(p);
    nb_cube_free(r);
    return same;
}

/* The parts of BODY's requests a cursor windowed to the years Y0..Y1 reads (*READ), and
 * those of them whose stats put every record in the years (*WHOLE: nb_pack_part.in_window);
 * 0, or -1 on error. */
static int parts_in_window(nb_store *s, int64_t body, int y0, int y1, int *read, int *whole)
{
    const nb_kind *k = nb_kind_find("request");
    int col[NB_MAX_FIELDS];
    nb_pack_columns(k, NULL, col);
    nb_pack_cursor *c = NULL;
    const nb_pack_part *part;
    char err[256];
    nb_err rc = nb_pack_open(s, k, body, &c, err, sizeof err);
    *read = *whole = 0;
    if (rc == NB_OK)
        nb_pack_window(c, col[nb_field_find(k, k->flow->start)], col[nb_field_find(k, k->flow->end)],
                       nb_pack_day(y0 * 10000 + 101), nb_pack_day((y1 + 1) * 10000 + 101));
    while (rc == NB_OK && (rc = nb_pack_next(c, &part, err, sizeof err)) == NB_OK) {
        (*read)++; /* a part at a time: the cursor is not sliced */
        *whole += part->in_window;
    }
    nb_pack_close(c);
    return rc == NB_DONE ? 0 : -1;
}

/* A body's records imported a year at a time, each year's file filling one part: the flow
 * of a year reads the parts that can hold a record open in it alone (from their stats),
 * and counts what the rows count; a part of a year long past with a request never closed
 * is read (its zeros); stats written before the zero counts leave no part out; stats
 * that are not the part's values are found by nb_pack_verify. */
static void test_window(void)
{
    char err[512];
    nb_store *s = NULL;
    if (nb_store_open(tmp("w.db"), NB_OPEN_CREATE, &s, err, sizeof err) != NB_OK ||
        nb_store_keep_values(s, err, sizeof err) != NB_OK) {
        printf("not ok - cannot create the store: %s\n", err);
        return;
    }
    size_t cap = 64 * NB_PACK_PART + 64;
    char *csv = malloc(cap);
    for (int y = 2015; y <= 2020 && csv; y++) {
        size_t used = (size_t)snprintf(csv, cap, "编号,收到日期,申请人类型,办结日期,办理结果\n");
        for (int i = 0; i < NB_PACK_PART; i++) {
            int m = 1 + i % 11, d = 1 + i % 28;
            if (y == 2015 && i < 3) /* never closed: carried into every year after */
                used += (size_t)snprintf(csv + used, cap - used, "Y%d-%d,%d-%02d-%02d,自然人,,\n",
                                         y, i, y, m, d);
            else /* closed the month after, the same year */
                used += (size_t)snprintf(csv + used, cap - used,
                                         "Y%d-%d,%d-%02d-%02d,自然人,%d-%02d-%02d,1\n", y, i, y, m, d, y,
                                         m + 1, d);
        }
        CHECK(t_import(s, "w.csv", "request", "丙", csv, 0) == NB_OK, "a year's file imported");
    }
    free(csv);
    int64_t body = t_count(s, "SELECT id FROM body WHERE name = '丙'");
    CHECK(t_count(s, "SELECT count(*) FROM pack WHERE kind = 'request'") == 6,
          "window: six years, a part each");
    long skipped = -1;
    CHECK(flow_as_rows(s, body, 2019, &skipped), "window: the flow of 2019 is the rows'");
    CHECK(skipped == 4, "window: 2016-2018 (closed before 2019) and 2020 (opened after) not read");
    nb_cube *c = flow_of(s, body, 2019, 0);
    CHECK(c && c->ncells > 0, "window: a cube");
    int64_t total = 0;
    for (size_t i = 0; c && i < c->ncells; i++)
        total += c->cells[i];
    CHECK(total > 0, "window: 2019's records counted");
    nb_cube_free(c);
    CHECK(flow_as_rows(s, body, 2015, &skipped) && skipped == 5,
          "window: 2015 reads its own part alone, and counts it as the rows do");
    CHECK(flow_as_rows(s, body, 2021, &skipped) && skipped == 5,
          "window: 2021 reads 2015's part alone (its requests never closed)");
    CHECK(verify(s) == 0, "window: verify passes, the stats included");
    /* a part all of whose records the stats put in the years is read whole (the flow picks
       none out of it); one that holds records of other years is not */
    int read = 0, whole = 0;
    CHECK(parts_in_window(s, body, 2019, 2019, &read, &whole) == 0 && read == 2 && whole == 1,
          "window: of 2019, 2015's part is read (open requests) and 2019's alone is whole");
    CHECK(parts_in_window(s, body, 2015, 2020, &read, &whole) == 0 && read == 6 && whole == 6,
          "window: of 2015-2020, every part is read whole");
    CHECK(parts_in_window(s, body, 2016, 2020, &read, &whole) == 0 && read == 6 && whole == 5,
          "window: of 2016-2020, 2015's part is read, not whole (its closed requests)");
    /* the window's edges: opened on its last day and closed on its first are in it; opened
       on the day after it is not; a part of requests all still open is whole */
    CHECK(t_import(s, "e.csv", "request", "戊",
                   "编号,收到日期,申请人类型,办结日期,办理结果\n"
                   "E1,2019-01-01,自然人,2019-01-01,1\nE2,2019-12-31,自然人,2020-01-10,1\n", 0) == NB_OK &&
              t_import(s, "f.csv", "request", "己",
                       "编号,收到日期,申请人类型,办结日期,办理结果\n"
                       "F1,2019-06-01,自然人,2019-06-02,1\nF2,2020-01-01,自然人,2020-01-02,1\n", 0) == NB_OK &&
              t_import(s, "g.csv", "request", "庚",
                       "编号,收到日期,申请人类型,办结日期,办理结果\n"
                       "G1,2019-03-01,自然人,,\nG2,2019-04-01,自然人,,\n", 0) == NB_OK,
          "window: three small bodies imported");
    int64_t e = t_count(s, "SELECT id FROM body WHERE name = '戊'"),
            f = t_count(s, "SELECT id FROM body WHERE name = '己'"),
            g = t_count(s, "SELECT id FROM body WHERE name = '庚'");
    CHECK(parts_in_window(s, e, 2019, 2019, &read, &whole) == 0 && read == 1 && whole == 1,
          "window: opened on the last day, closed on the first: whole");
    CHECK(parts_in_window(s, f, 2019, 2019, &read, &whole) == 0 && read == 1 && whole == 0,
          "window: a request opened the day after the years: not whole");
    CHECK(parts_in_window(s, g, 2019, 2019, &read, &whole) == 0 && read == 1 && whole == 1,
          "window: every request still open: whole");

    /* stats as a part written before the zero counts has them: every part read */
    CHECK(nb_store_exec(s, "UPDATE pack SET stats = substr(stats, 1, length(stats) * 2 / 3)", err,
                        sizeof err) == NB_OK, "window: the zero counts cut off");
    CHECK(flow_as_rows(s, body, 2019, &skipped) && skipped == 0,
          "window: stats without zero counts: every part read, the same cells");
    CHECK(parts_in_window(s, body, 2019, 2019, &read, &whole) == 0 && read == 6 && whole == 1,
          "window: stats without zero counts: 2019's part still read whole (its ranges say so)");
    CHECK(verify(s) == 0, "window: stats without zero counts pass verify");

    /* a part's stats that are not its values: found */
    CHECK(nb_pack_rebuild_all(s, err, sizeof err) == NB_OK, "window: parts made again");
    CHECK(flow_as_rows(s, body, 2019, &skipped) && skipped == 4, "window: the zero counts again");
    /* the five columns' ranges (80 bytes), then their zero counts: closed is the third */
    CHECK(t_count(s, "SELECT length(stats) FROM pack WHERE rid_lo = 1") == 120 &&
              t_count(s, "SELECT count(*) FROM pack WHERE rid_lo = 1 AND "
                         "substr(stats, 97, 8) = x'0300000000000000'") == 1,
          "window: 2015's part counts its 3 requests never closed");
    CHECK(nb_store_exec(s, "UPDATE pack SET stats = substr(stats, 1, 96) || zeroblob(8) || "
                           "substr(stats, 105) WHERE rid_lo = 1", err, sizeof err) == NB_OK,
          "window: 2015's part said to have no request open");
    CHECK(verify(s) == 1, "window: a part whose zero counts are wrong fails verify");
    nb_store_close(s);
}

/* The statements on S's connection. */
static int statements(nb_store *s)
{
    int n = 0;
    for (sqlite3_stmt *st = sqlite3_next_stmt(s->db, NULL); st; st = sqlite3_next_stmt(s->db, st))
        n++;
    return n;
}

/* The runs of the statement on S's connection whose text begins with SQL (SQLite's count),
 * -1 when there is none. */
static int runs_of(nb_store *s, const char *sql)
{
    for (sqlite3_stmt *st = sqlite3_next_stmt(s->db, NULL); st; st = sqlite3_next_stmt(s->db, st))
        if (strncmp(sqlite3_sql(st), sql, strlen(sql)) == 0)
            return sqlite3_stmt_status(st, SQLITE_STMTSTATUS_RUN, 0);
    return -1;
}

/* The records in a column's text (column()). */
static long records(const char *text)
{
    long n = 0;
    for (; *text; text++)
        n += *text == ':';
    return n;
}

/* A cursor's statement is kept for the next cursor (a report opens one for each cube, and
 * "which years" asks every kind): the next prepares none, starts from the first part
 * whatever the last one read, and two cursors open at once have a statement each. */
static void test_kept(nb_store *s)
{
    static char all[1 << 20], again[1 << 20], got[1 << 20]; /* every record's "rid:day" */
    char err[256];
    const nb_kind *k = nb_kind_find("request");
    const char *every = "SELECT body, stats, data FROM pack WHERE kind = ?1 ORDER BY";
    column(s, "request", 0, all, sizeof all);
    int before = statements(s), runs = runs_of(s, every);
    column(s, "request", 0, again, sizeof again);
    CHECK(runs >= 1 && runs_of(s, every) == runs + 1 && statements(s) == before,
          "kept: a second cursor runs the first one's statement, prepares none");
    CHECK(all[0] && strcmp(all, again) == 0, "kept: the second reads what the first read");

    /* one left after its first part: the next cursor starts from the first */
    nb_pack_cursor *a, *b;
    const nb_pack_part *p;
    nb_pack_open(s, k, 0, &a, err, sizeof err);
    CHECK(nb_pack_next(a, &p, err, sizeof err) == NB_OK, "kept: a first part read");
    nb_pack_close(a);
    column(s, "request", 0, got, sizeof got);
    CHECK_STR(got, all, "kept: a cursor after one left midway reads every part");

    /* two at once: each its own statement, each every part */
    nb_pack_open(s, k, 0, &a, err, sizeof err);
    nb_pack_open(s, k, 0, &b, err, sizeof err);
    int na = 0, nb = 0, ra, rb;
    do {
        const nb_pack_part *pa, *pb;
        ra = nb_pack_next(a, &pa, err, sizeof err);
        rb = nb_pack_next(b, &pb, err, sizeof err);
        na += ra == NB_OK, nb += rb == NB_OK;
    } while (ra == NB_OK && rb == NB_OK);
    nb_pack_close(a);
    nb_pack_close(b);
    long parts = t_count(s, "SELECT count(*) FROM pack WHERE kind = 'request'");
    CHECK(parts > 1 && na == parts && nb == parts && ra == NB_DONE && rb == NB_DONE,
          "kept: two cursors open at once read every part each");
    if (na != parts || nb != parts)
        printf("# %ld parts; read %d and %d\n", parts, na, nb);

    /* the years: the second asking prepares nothing, and says the same */
    unsigned char seen1[9999 - 1900 + 1] = {0}, seen2[sizeof seen1] = {0};
    int64_t body = t_count(s, "SELECT body FROM pack WHERE kind = 'request' LIMIT 1");
    CHECK(nb_pack_years(s, k, body, 0, seen1, err, sizeof err) == NB_OK, "kept: the years");
    before = statements(s), runs = runs_of(s, "SELECT rowid, stats FROM pack");
    CHECK(nb_pack_years(s, k, body, 0, seen2, err, sizeof err) == NB_OK && statements(s) == before &&
              runs >= 1 && runs_of(s, "SELECT rowid, stats FROM pack") == runs + 1 &&
              memcmp(seen1, seen2, sizeof seen1) == 0,
          "kept: the years asked again: the same, no statement prepared");

    /* kept across a write: a new record read by the kept statement */
    import(s, "request", "甲", "编号,收到日期,申请人类型\nK1,2026-07-15,自然人\n");
    column(s, "request", 0, got, sizeof got);
    char day[32];
    snprintf(day, sizeof day, ":%lld", (long long)nb_pack_day(20260715));
    CHECK(records(got) == records(all) + 1 && strstr(got, day) && !strstr(all, day),
          "kept: a record imported since is read");
}

/* A packed column holds 0 for an empty value: a date's 0 is no day, a code's 0 no value.
 * A number's 0 is a number, so no number field may be empty in a record: an amount is
 * required, an empty count is stored as 1 (coder.c). The packs can then be the only copy
 * of the coded values (docs/dev/store-v2-plan.md) without a mark for "none". */
static void test_numbers_never_empty(void)
{
    int bad = 0;
    for (int i = 0; i < nb_nkinds; i++)
        for (int f = 0; f < nb_kinds[i].nfields; f++) {
            const nb_field *x = &nb_kinds[i].fields[f];
            if ((x->type == NB_F_MONEY && !x->required) ||
                (x->type != NB_F_TEXT && x->type != NB_F_DATE && x->type != NB_F_CAT &&
                 x->type != NB_F_INT && x->type != NB_F_MONEY)) {
                printf("# %s.%s may be empty, and its 0 is a value\n", nb_kinds[i].name, x->name);
                bad++;
            }
        }
    CHECK(bad == 0, "every number field is required or given a default: a packed 0 is never 'empty'");
    /* from schema step 9 a kind's coded values are in its parts alone: a coded field new to
       an older kind would need a column more in every part (store.c catalogue_step adds a
       column for a text field alone) */
    bad = 0;
    for (int i = 0; i < nb_nkinds; i++)
        for (int f = 0; f < nb_kinds[i].nfields; f++) {
            const nb_field *x = &nb_kinds[i].fields[f];
            if (x->type != NB_F_TEXT && x->since >= 9 && x->since != nb_kinds[i].since) {
                printf("# %s.%s: a coded field added to an older kind\n", nb_kinds[i].name, x->name);
                bad++;
            }
        }
    CHECK(bad == 0, "no coded field is added to a kind after schema step 9 (the parts have no column for it)");
}

/* A store as nianbao makes it: its tables hold no coded values, the parts are their only
 * copy. Verify compares the rids with the rows' and checks the values themselves; repack
 * merges the parts from the parts; a damaged part cannot be made again and says so. */
static void test_narrow(void)
{
    char err[512], before[512], got[512];
    nb_store *s = NULL;
    if (nb_store_open(tmp("n.db"), NB_OPEN_CREATE, &s, err, sizeof err) != NB_OK) {
        printf("not ok - cannot create the store: %s\n", err);
        return;
    }
    const nb_kind *req = nb_kind_find("request");
    CHECK(!nb_store_wide(s, req) &&
              t_count(s, "SELECT count(*) FROM pragma_table_info('request') WHERE name IN "
                         "('received', 'applicant', 'closed', 'outcome', 'channel')") == 0 &&
              t_count(s, "SELECT count(*) FROM sqlite_master WHERE name = 'request' AND "
                         "sql LIKE '%PRIMARY KEY(body, id)) WITHOUT ROWID%'") == 1,
          "narrow: the table keyed by body and id, without the coded fields");
    CHECK(import(s, "request", "甲", "编号,收到日期,申请人类型,办结日期,办理结果\n"
                                    "A1,2020-01-05,自然人,2020-01-20,1\nA2,2020-01-07,企业,,\n"
                                    "A3,2020-01-08,自然人,2020-02-01,3.1\n") == NB_OK &&
              import(s, "request", "乙", "编号,收到日期,申请人类型\nB1,2020-01-06,企业\n") == NB_OK,
          "narrow: imported");
    CHECK(verify(s) == 0, "narrow: verify passes");
    column(s, "request", 0, before, sizeof before);
    CHECK_STR(before, "1:43834 2:43836 3:43837 4:43835", "narrow: the dates in the parts alone");
    CHECK(nb_store_begin(s, err, sizeof err) == NB_OK && nb_pack_rebuild_all(s, err, sizeof err) == NB_OK &&
              nb_store_commit(s, err, sizeof err) == NB_OK,
          "narrow: repacked");
    column(s, "request", 0, got, sizeof got);
    CHECK(strcmp(got, before) == 0 && verify(s) == 0, "narrow: repack keeps every value (from the parts)");

    /* a row gone behind the parts' back: its rid is in a part and not in the rows */
    CHECK(nb_store_begin(s, err, sizeof err) == NB_OK &&
              nb_store_exec(s, "DELETE FROM request WHERE id = 'A2'", err, sizeof err) == NB_OK &&
              verify(s) == 1,
          "narrow: a row removed without its parts: verify finds the body");
    nb_store_rollback(s);
    CHECK(verify(s) == 0, "narrow: rolled back, verify passes");

    /* a value no record may hold: an applicant the dictionary lacks */
    int64_t body = t_count(s, "SELECT id FROM body WHERE name = '乙'");
    int64_t ival[NB_MAX_FIELDS] = {20200106, 99999};
    unsigned char has[NB_MAX_FIELDS] = {1, 1};
    CHECK(nb_store_begin(s, err, sizeof err) == NB_OK &&
              nb_pack_update(s, req, body, 4, ival, has, err, sizeof err) == NB_OK &&
              nb_store_commit(s, err, sizeof err) == NB_OK && verify(s) == 1,
          "narrow: an applicant not in the dictionary: verify finds the body");
    ival[1] = nb_store_code(s, "applicant", "business");
    CHECK(nb_store_begin(s, err, sizeof err) == NB_OK &&
              nb_pack_update(s, req, body, 4, ival, has, err, sizeof err) == NB_OK &&
              nb_store_commit(s, err, sizeof err) == NB_OK && verify(s) == 0,
          "narrow: put right, verify passes");

    /* a damaged part: a record added to its body is refused, nothing written; repack
       cannot make it again */
    nb_store_exec(s, "UPDATE pack SET data = x'01' WHERE body = (SELECT id FROM body WHERE name = '甲')",
                  err, sizeof err);
    nb_err rc = t_import(s, "more.csv", "request", "甲", "编号,收到日期,申请人类型\nA4,2020-03-01,自然人\n", 0);
    CHECK(rc == NB_ERR_NOSTORE && t_count(s, "SELECT count(*) FROM request") == 4,
          "narrow: a record added to a body whose part is damaged: refused, nothing written");
    nb_pack_cursor *c;
    const nb_pack_part *p;
    nb_pack_open(s, req, 0, &c, err, sizeof err);
    rc = nb_pack_next(c, &p, err, sizeof err);
    nb_pack_close(c);
    CHECK(rc == NB_ERR_NOSTORE && strstr(err, "coded values of the records they held are lost") &&
              strstr(err, "nianbao init --repack"),
          "narrow: a damaged part: named, with what can be done");
    CHECK(verify(s) == 1, "narrow: verify counts the damaged body");
    CHECK(nb_store_begin(s, err, sizeof err) == NB_OK && nb_pack_rebuild_all(s, err, sizeof err) == NB_ERR_NOSTORE,
          "narrow: the parts cannot make it again");
    nb_store_rollback(s);
    CHECK(repack(s) == 3 && verify(s) == 0 && t_count(s, "SELECT count(*) FROM request") == 1,
          "narrow: repack removes the damaged part with its 3 records; verify passes");

    /* a body's part gone: its record in the rows alone (its values lost), removed by repack;
       the next record does not take its rid */
    CHECK(import(s, "request", "丙", "编号,收到日期,申请人类型\nC1,2020-02-01,自然人\nC2,2020-02-02,企业\n") == NB_OK &&
              import(s, "request", "丁", "编号,收到日期,申请人类型\nD1,2020-02-03,自然人\n") == NB_OK,
          "narrow: more bodies");
    nb_store_exec(s, "DELETE FROM pack WHERE body = (SELECT id FROM body WHERE name = '丁')", err, sizeof err);
    CHECK(verify(s) == 1, "narrow: a record in the rows alone: verify finds the body");
    CHECK(repack(s) == 1 && verify(s) == 0 &&
              t_count(s, "SELECT count(*) FROM request WHERE id = 'D1'") == 0,
          "narrow: repack removes it");
    /* a record in the parts alone (its id lost) */
    nb_store_exec(s, "DELETE FROM request WHERE id = 'C1'", err, sizeof err);
    CHECK(verify(s) == 1, "narrow: a record in the parts alone: verify finds the body");
    CHECK(repack(s) == 1 && verify(s) == 0, "narrow: repack takes it out of the parts");
    column(s, "request", 0, got, sizeof got);
    CHECK(strstr(got, ":43862") && !strstr(got, ":43861"), "narrow: C2 kept, C1's values gone");
    /* statistics that are not the part's values: the values cannot be trusted */
    nb_store_exec(s, "UPDATE pack SET stats = zeroblob(length(stats)) WHERE body = "
                     "(SELECT id FROM body WHERE name = '丙')", err, sizeof err);
    CHECK(verify(s) == 1, "narrow: statistics not the values': verify finds the body");
    CHECK(repack(s) == 1 && verify(s) == 0 && t_count(s, "SELECT count(*) FROM request") == 1,
          "narrow: repack removes the part with its record, not writes it again with new statistics");
    CHECK(import(s, "request", "丁", "编号,收到日期,申请人类型\nD2,2020-02-04,自然人\n") == NB_OK &&
              t_count(s, "SELECT count(*) FROM (SELECT rid FROM request GROUP BY rid HAVING count(*) > 1)") == 0 &&
              verify(s) == 0,
          "narrow: a record added after: no rid twice");

    /* a part's row saying another range or count than its data (found by review: repack
       removed its records, and the next part's, by the range; verify saw nothing) */
    nb_buf big = {0};
    nb_buf_adds(&big, "编号,收到日期,申请人类型\n");
    for (int i = 0; i < 9000; i++)
        nb_buf_printf(&big, "E%05d,2020-%02d-%02d,自然人\n", i, 1 + i % 12, 1 + i % 28);
    CHECK(import(s, "request", "戊", big.data) == NB_OK, "narrow: 9,000 records: two parts");
    nb_buf_free(&big);
    const char *rows_e = "SELECT count(*) FROM request WHERE body = (SELECT id FROM body WHERE name = '戊')";
    const char *full = "body = (SELECT id FROM body WHERE name = '戊') AND n = 8192";
    char q[256];
    const char *sums = "SELECT sum(rid * 7 + received * 3 + applicant) FROM records_request";
    long long was = t_count(s, sums);
    snprintf(q, sizeof q, "UPDATE pack SET rid_hi = rid_hi + 1000000 WHERE %s", full);
    nb_store_exec(s, q, err, sizeof err);
    CHECK(verify(s) == 1, "narrow: a part's row with another range: verify finds the body");
    CHECK(repack(s) == 0 && verify(s) == 0 && t_count(s, rows_e) == 9000,
          "narrow: repack writes its row again from its data, removing nothing");
    snprintf(q, sizeof q, "UPDATE pack SET n = n - 1, rid_lo = rid_lo - 3 WHERE %s", full);
    nb_store_exec(s, q, err, sizeof err);
    CHECK(verify(s) == 1 && repack(s) == 0 && verify(s) == 0 && t_count(s, rows_e) == 9000,
          "narrow: another count and first rid: the same");
    CHECK(t_count(s, sums) == was && was > 0, "narrow: every value as it was");
    /* the short part damaged: exactly its records removed, counted once */
    nb_store_exec(s, "UPDATE pack SET data = x'01' WHERE body = (SELECT id FROM body WHERE name = '戊') "
                     "AND n < 8192", err, sizeof err);
    CHECK(repack(s) == 808 && verify(s) == 0 && t_count(s, rows_e) == 8192,
          "narrow: a damaged part of 808 records: those 808 removed, the other part's kept");
    nb_store_close(s);
}

/* Changes listed in a transaction, read back by nb_pack_values as it sees them: the record
 * changed last and of the largest rid included (the list is looked up only up to its
 * largest rid: a re-import's reads ahead, past it, skip the lookup), one above it and one
 * below untouched, one changed twice. */
static void test_listed(void)
{
    char err[512];
    nb_store *s = NULL;
    if (nb_store_open(tmp("l.db"), NB_OPEN_CREATE, &s, err, sizeof err) != NB_OK) {
        printf("not ok - cannot create the store: %s\n", err);
        return;
    }
    const nb_kind *req = nb_kind_find("request");
    CHECK(import(s, "request", "甲", "编号,收到日期,申请人类型\nA1,2020-01-05,自然人\n"
                                    "A2,2020-01-06,自然人\nA3,2020-01-07,自然人\n"
                                    "A4,2020-01-08,自然人\nA5,2020-01-09,自然人\n") == NB_OK,
          "listed: imported");
    int field[NB_MAX_FIELDS], col_of[NB_MAX_FIELDS];
    int ncols = nb_pack_columns(req, field, col_of), fa = -1;
    for (int f = 0; f < req->nfields; f++)
        if (strcmp(req->fields[f].name, "applicant") == 0)
            fa = f;
    if (fa < 0 || col_of[fa] < 0) {
        CHECK(0, "listed: a packed applicant column");
        nb_store_close(s);
        return;
    }
    int64_t body = t_count(s, "SELECT id FROM body WHERE name = '甲'");
    int64_t rid[5], vals[5 * NB_MAX_FIELDS];
    for (int i = 0; i < 5; i++) {
        char q[96];
        snprintf(q, sizeof q, "SELECT rid FROM request WHERE id = 'A%d'", i + 1);
        rid[i] = t_count(s, q);
    }
    int64_t person = nb_store_code(s, "applicant", "person"),
            business = nb_store_code(s, "applicant", "business"),
            other = nb_store_code(s, "applicant", "other");
    int64_t ival[NB_MAX_FIELDS] = {0};
    unsigned char has[NB_MAX_FIELDS] = {0};
    ival[0] = 20200105, has[0] = 1; /* received */
    has[fa] = 1;
    signed char got[5];
    int ok = nb_store_begin(s, err, sizeof err) == NB_OK;
    ival[fa] = business; /* A2 */
    ok = ok && nb_pack_update(s, req, body, rid[1], ival, has, err, sizeof err) == NB_OK;
    ival[fa] = other; /* A4, then A2 again */
    ok = ok && nb_pack_update(s, req, body, rid[3], ival, has, err, sizeof err) == NB_OK;
    ok = ok && nb_pack_update(s, req, body, rid[1], ival, has, err, sizeof err) == NB_OK;
    ok = ok && nb_pack_values(s, req, body, 5, rid, vals, got, err, sizeof err) == NB_OK;
    int c = col_of[fa];
    int64_t want[5] = {person, other, person, other, person};
    for (int i = 0; ok && i < 5; i++)
        ok = got[i] == 1 && vals[(size_t)i * (size_t)ncols + (size_t)c] == want[i];
    CHECK(ok, "listed: the changes as the transaction sees them (the largest rid changed "
              "included), the records not changed as they were");
    nb_store_rollback(s);
    ok = nb_pack_values(s, req, body, 5, rid, vals, got, err, sizeof err) == NB_OK;
    for (int i = 0; ok && i < 5; i++)
        ok = got[i] == 1 && vals[(size_t)i * (size_t)ncols + (size_t)c] == person;
    CHECK(ok, "listed: rolled back, every record as it was");
    nb_store_close(s);
}

int main(void)
{
    char cmd[128], err[512];
    snprintf(dir, sizeof dir, "/tmp/nb_pack_XXXXXX");
    if (!mkdtemp(dir)) {
        perror("mkdtemp");
        return 2;
    }
    nb_store *s = NULL;
    /* its tables keep the coded values too: the reference the parts are compared with */
    if (nb_store_open(tmp("p.db"), NB_OPEN_CREATE, &s, err, sizeof err) != NB_OK ||
        nb_store_keep_values(s, err, sizeof err) != NB_OK) {
        printf("not ok - cannot create the store: %s\n", err);
        return 1;
    }
    test_days();
    test_numbers_never_empty();
    test_widths(s);
    test_changes(s);
    test_years(s);
    test_kept(s);
    nb_store_close(s);
    test_window();
    test_narrow();
    test_listed();
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
    if (system(cmd) != 0)
        fprintf(stderr, "cannot remove %s\n", dir);
    T_DONE();
}
