/* test_tabulate.c - unit tests of host/tabulate.c: flows, stocks, counts and sums over a small store. */
#include "records.h"
#include "store.h"
#include "insert.h"
#include "tabulate.h"
#include "t.h"

#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define MISSING (-999999) /* a label that is not in the cube */

static char dir[64];
static nb_store *st;
static int64_t body_a, body_b; /* 甲区, 乙区 */

/* Inserts one record of KIND for BODY given as "field=value;field=value"; 1 when it was
 * inserted, else 0 with the reason in ERR. */
static int insert(const char *kind, const char *body, const char *spec, char *err, size_t errlen)
{
    char buf[512], *names[16], *values[16], *save = NULL;
    int n = 0, inserted = 0;
    snprintf(buf, sizeof buf, "%s", spec);
    for (char *p = strtok_r(buf, ";", &save); p && n < 16; p = strtok_r(NULL, ";", &save)) {
        char *eq = strchr(p, '=');
        *eq = '\0';
        names[n] = p;
        values[n++] = eq + 1;
    }
    /* A kind without ids takes "SOURCE:LINE" as id: one source per insert keeps them apart. */
    static int line;
    char source[64];
    snprintf(source, sizeof source, "test_tabulate.c:%d", ++line);
    nb_err rc = nb_record_insert(st, kind, body, (const char *const *)names,
                                 (const char *const *)values, n, source, &inserted, err, errlen);
    return rc == NB_OK && inserted == 1;
}

/* insert, checked. */
static void ins(const char *kind, const char *body, const char *spec)
{
    char err[512] = "", name[600];
    int ok = insert(kind, body, spec, err, sizeof err);
    snprintf(name, sizeof name, "insert %s %s {%s}%s%s", kind, body, spec, *err ? ": " : "", err);
    CHECK(ok, name);
}

/* insert, without a check of its own (for loops of many): 1 when inserted. */
static int ins_quiet(const char *kind, const char *body, const char *spec)
{
    char err[512] = "";
    int ok = insert(kind, body, spec, err, sizeof err);
    if (!ok)
        printf("# insert %s %s {%s}: %s\n", kind, body, spec, err);
    return ok;
}

/* Cell of C at the labels given (NULL = sum of that dimension), one per dimension. */
static long long cell(const nb_cube *c, ...)
{
    int idx[NB_CUBE_MAXDIMS];
    va_list ap;
    va_start(ap, c);
    for (int d = 0; d < c->ndims; d++) {
        const char *l = va_arg(ap, const char *);
        idx[d] = l ? nb_cube_label(c, d, l) : -1;
        if (l && idx[d] < 0) {
            va_end(ap);
            return MISSING;
        }
    }
    va_end(ap);
    return (long long)nb_cube_get(c, idx);
}

static void is_num(long long got, long long want, const char *name)
{
    char line[300];
    if (got == want)
        snprintf(line, sizeof line, "%s", name);
    else
        snprintf(line, sizeof line, "%s (got %lld, want %lld)", name, got, want);
    CHECK(got == want, line);
}

/* The rid of record ID of KIND's TABLE in BODY (-1 when absent). */
static int64_t rid_of(const char *table, int64_t body, const char *id)
{
    char sql[200];
    sqlite3_stmt *s;
    int64_t rid = -1;
    snprintf(sql, sizeof sql, "SELECT rid FROM %s WHERE body = ?1 AND id = ?2", table);
    if (sqlite3_prepare_v2(st->db, sql, -1, &s, NULL) != SQLITE_OK)
        return -1;
    sqlite3_bind_int64(s, 1, body);
    sqlite3_bind_text(s, 2, id, -1, SQLITE_STATIC);
    if (sqlite3_step(s) == SQLITE_ROW)
        rid = sqlite3_column_int64(s, 0);
    sqlite3_finalize(s);
    return rid;
}

static int cmp_rid(const void *a, const void *b)
{
    int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;
    return (x > y) - (x < y);
}

/* The rids behind a cell of C equal exactly WANT (N of them, any order). */
static void ids_are(const nb_cube *c, const int *idx, const int64_t *want, int n, const char *name)
{
    nb_idlist got = {0};
    int rc = nb_cube_ids(c, idx, &got);
    int same = rc == 0 && got.n == n;
    if (same && n > 0) {
        int64_t w[16];
        memcpy(w, want, (size_t)n * sizeof *w);
        qsort(w, (size_t)n, sizeof *w, cmp_rid);
        qsort(got.rid, (size_t)got.n, sizeof *got.rid, cmp_rid);
        for (int i = 0; i < n; i++)
            if (got.rid[i] != w[i])
                same = 0;
    }
    char line[300];
    snprintf(line, sizeof line, "%s (rc %d, %d ids, want %d)", name, rc, got.n, n);
    CHECK(same, same ? name : line);
    free(got.rid);
}

static nb_cube *flow(const char *kind, int64_t body, int year, int track)
{
    nb_scope sc = {.kind = kind, .body = body, .year = year, .track_ids = track};
    nb_cube *c = NULL;
    char err[256] = "";
    nb_err rc = nb_flow(st, &sc, &c, err, sizeof err);
    char name[400];
    snprintf(name, sizeof name, "nb_flow %s body %lld year %d%s%s", kind, (long long)body, year,
             rc ? ": " : "", err);
    CHECK(rc == NB_OK && c != NULL, name);
    return c;
}

static void load(void)
{
    /* Requests of 甲区. */
    ins("request", "甲区", "id=R1;received=2020-12-31;applicant=person;closed=2021-01-01;outcome=1");
    ins("request", "甲区", "id=R2;received=2021-01-01;applicant=business;closed=2021-01-15;outcome=3.1");
    ins("request", "甲区", "id=R3;received=2020-06-01;applicant=person");
    ins("request", "甲区", "id=R4;received=2021-12-31;applicant=legal;closed=2021-12-31;outcome=6.2");
    ins("request", "甲区", "id=R5;received=2019-03-01;applicant=other;closed=2019-12-31;outcome=2");
    ins("request", "甲区", "id=R6;received=2020-02-02;applicant=ngo;closed=2020-12-31;outcome=6");
    /* Requests of 乙区 (the same id R1 is another record there). */
    ins("request", "乙区", "id=R1;received=2021-05-01;applicant=person;closed=2021-06-01;outcome=1");
    ins("request", "乙区", "id=Q2;received=2020-11-01;applicant=research");
    /* Cases of 甲区. */
    ins("case", "甲区", "id=C1;kind=review;filed=2021-03-01;concluded=2021-05-01;result=upheld");
    ins("case", "甲区", "id=C2;kind=suit;filed=2021-11-01;concluded=2022-02-01;result=corrected");
    ins("case", "甲区", "id=C3;kind=review;filed=2019-01-01;concluded=2020-06-01;result=other");
    ins("case", "甲区", "id=C4;kind=suit_after_review;filed=2021-12-31");
    ins("case", "甲区", "id=C5;kind=review;filed=2020-12-01;concluded=2021-01-01;result=corrected");
    /* Matters of 甲区 (stock at the end of the year). */
    ins("matter", "甲区", "id=M1;kind=license;listed=2019-01-01;delisted=2020-12-31");
    ins("matter", "甲区", "id=M2;kind=license;listed=2020-12-31");
    ins("matter", "甲区", "id=M3;kind=penalty;listed=2020-01-01;delisted=2021-01-01");
    ins("matter", "乙区", "id=M4;kind=fee;listed=2021-06-01");
    /* Documents of 甲区. */
    ins("document", "甲区", "id=D1;kind=rule;made=2019-05-01;published=2019-05-02;repealed=2021-12-31");
    ins("document", "甲区", "id=D2;kind=normative;made=2021-12-31");
    ins("document", "甲区", "id=D3;kind=normative;made=2020-01-01;repealed=2022-01-01");
    /* Decisions (count defaults to 1) and purchases (money in 分). */
    ins("decision", "甲区", "kind=license;date=2021-03-01;count=5");
    ins("decision", "甲区", "kind=license;date=2021-12-31;count=2");
    ins("decision", "甲区", "kind=penalty;date=2022-01-01;count=7");
    ins("decision", "甲区", "kind=penalty;date=2020-12-31");
    ins("decision", "乙区", "kind=license;date=2021-07-01;count=3");
    ins("purchase", "甲区", "id=P1;date=2021-02-01;amount=1234.56");
    ins("purchase", "甲区", "id=P2;date=2021-12-31;amount=10000");
    ins("purchase", "甲区", "id=P3;date=2022-01-01;amount=5");
}

static void test_requests(void)
{
    nb_cube *c = flow("request", body_a, 2020, 0);
    if (c) {
        CHECK(c->ndims == 2, "request flow of one body and year: 2 dimensions");
        CHECK_STR(c->dim_name[0], "row", "request flow: first dimension is row");
        CHECK_STR(c->dim_name[1], "applicant", "request flow: second dimension is applicant");
        is_num(c->dim_len[0], 26, "request flow: 26 rows (new, carried_in, outcomes, closed, carried_out)");
        is_num(nb_cube_label(c, 1, "legal"), 4, "applicant labels in national order");
        is_num(nb_cube_label(c, 0, "nope"), -1, "an unknown label is -1");
        is_num(nb_cube_label(c, 7, "new"), -1, "a label in a dimension out of range is -1");
        is_num(cell(c, "new", "person"), 2, "2020 new person: received 12-31 and 06-01");
        is_num(cell(c, "new", "ngo"), 1, "2020 new ngo");
        is_num(cell(c, "new", NULL), 3, "2020 new total");
        is_num(cell(c, "carried_in", NULL), 0, "2020 carried_in: the 2019 request closed 12-31 is not carried");
        is_num(cell(c, "6", "ngo"), 1, "2020 outcome 6 closed 12-31 counts in 2020");
        is_num(cell(c, "closed", NULL), 1, "2020 closed total");
        is_num(cell(c, "1", NULL), 0, "2020 outcome 1: closed 01-01 of 2021 is not closed in 2020");
        is_num(cell(c, "carried_out", "person"), 2, "2020 carried_out person: closed 2021-01-01 and open");
        is_num(cell(c, "carried_out", NULL), 2, "2020 carried_out total");
        is_num(cell(c, NULL, NULL), 3 + 1 + 1 + 2, "whole-cube sum adds every row");
        nb_cube_free(c);
    }

    c = flow("request", body_a, 2021, 0);
    if (c) {
        is_num(cell(c, "new", "business"), 1, "2021 new business: received 01-01");
        is_num(cell(c, "new", "legal"), 1, "2021 new legal: received 12-31");
        is_num(cell(c, "new", "person"), 0, "2021 new person: the 12-31 request belongs to 2020");
        is_num(cell(c, "carried_in", "person"), 2, "2021 carried_in person: received 2020-12-31 and open one");
        is_num(cell(c, "1", "person"), 1, "2021 outcome 1 person: closed 2021-01-01");
        is_num(cell(c, "3.1", "business"), 1, "2021 outcome 3.1");
        is_num(cell(c, "6.2", "legal"), 1, "2021 outcome 6.2: received and closed 12-31");
        is_num(cell(c, "6", NULL), 0, "2021 outcome 6 unspecified: none");
        is_num(cell(c, "closed", NULL), 3, "2021 closed total");
        is_num(cell(c, "carried_out", "person"), 1, "2021 carried_out: the open request");
        is_num(cell(c, "carried_out", NULL), 1, "2021 carried_out total");
        nb_cube_free(c);
    }

    c = flow("request", body_a, 2019, 0);
    if (c) {
        is_num(cell(c, "new", "other"), 1, "2019 new other");
        is_num(cell(c, "2", "other"), 1, "2019 outcome 2 closed 12-31");
        is_num(cell(c, "carried_out", NULL), 0, "2019 nothing carried out");
        nb_cube_free(c);
    }

    c = flow("request", body_a, 2023, 0);
    if (c) {
        is_num(cell(c, "carried_in", "person"), 1, "2023 (no data): the open request is carried in");
        is_num(cell(c, "carried_out", "person"), 1, "2023 (no data): the open request is carried out");
        is_num(cell(c, "new", NULL), 0, "2023 (no data): nothing new");
        nb_cube_free(c);
    }

    c = flow("request", body_b, 2021, 0);
    if (c) {
        is_num(cell(c, "new", NULL), 1, "乙区 2021 new: its own R1 only");
        is_num(cell(c, "carried_in", "research"), 1, "乙区 2021 carried_in research");
        nb_cube_free(c);
    }

    /* The identity new + carried_in = closed + carried_out, and closed = the sum of outcomes. */
    static const char *const applicants[] = {"person", "business", "research", "ngo", "legal", "other"};
    for (int64_t b = body_a; b <= body_b; b++) {
        for (int y = 2018; y <= 2023; y++) {
            c = flow("request", b, y, 0);
            if (!c)
                continue;
            int ok = 1, outcomes = 1;
            for (int a = 0; a < 6; a++) {
                const char *ap = applicants[a];
                if (cell(c, "new", ap) + cell(c, "carried_in", ap) !=
                    cell(c, "closed", ap) + cell(c, "carried_out", ap))
                    ok = 0;
                long long sum = 0;
                for (int r = 2; r < 24; r++)
                    sum += cell(c, c->labels[0][r], ap);
                if (sum != cell(c, "closed", ap))
                    outcomes = 0;
            }
            char name[120];
            snprintf(name, sizeof name, "body %lld %d: new + carried_in = closed + carried_out per applicant",
                     (long long)b, y);
            CHECK(ok, name);
            snprintf(name, sizeof name, "body %lld %d: closed = sum of the outcome rows", (long long)b, y);
            CHECK(outcomes, name);
            nb_cube_free(c);
        }
    }
}

static void test_every_body_and_year(void)
{
    nb_cube *c = flow("request", 0, 2021, 0);
    if (c) {
        is_num(c->ndims, 3, "every body: 3 dimensions");
        CHECK_STR(c->dim_name[0], "body", "every body: a leading body dimension");
        is_num(c->dim_len[0], 2, "every body: two bodies");
        CHECK_STR(c->labels[0][0], "甲区", "every body: labels are body names (1)");
        CHECK_STR(c->labels[0][1], "乙区", "every body: labels are body names (2)");
        is_num(cell(c, "乙区", "new", "person"), 1, "every body: 乙区 new person");
        is_num(cell(c, "甲区", "new", NULL), 2, "every body: 甲区 new");
        is_num(cell(c, NULL, "new", NULL), 3, "every body: all new");
        is_num(cell(c, NULL, "1", "person"), 2, "every body: outcome 1 person in both bodies");
        nb_cube_free(c);
    }

    c = flow("request", body_a, 0, 0);
    if (c) {
        is_num(c->ndims, 3, "every year: 3 dimensions");
        CHECK_STR(c->dim_name[0], "year", "every year: a leading year dimension");
        is_num(c->dim_len[0], 3, "every year: 2019 to 2021, the years of the data");
        CHECK_STR(c->labels[0][0], "2019", "every year: first label");
        CHECK_STR(c->labels[0][2], "2021", "every year: last label");
        is_num(cell(c, "2020", "carried_out", "person"), 2, "every year: 2020 carried_out person");
        is_num(cell(c, "2021", "carried_in", "person"), 2, "every year: 2021 carried_in person");
        is_num(cell(c, "2019", "new", NULL), 1, "every year: 2019 new");
        is_num(cell(c, "2021", "closed", NULL), 3, "every year: 2021 closed");
        nb_cube_free(c);
    }

    c = flow("request", 0, 0, 0);
    if (c) {
        is_num(c->ndims, 4, "every body and year: 4 dimensions");
        CHECK_STR(c->dim_name[0], "body", "every body and year: body first");
        CHECK_STR(c->dim_name[1], "year", "every body and year: year second");
        is_num(c->dim_len[1], 3, "every body and year: years of all bodies' data");
        is_num(cell(c, "乙区", "2020", "carried_out", "research"), 1, "乙区 2020 carried_out research");
        is_num(cell(c, "乙区", "2021", "carried_in", "research"), 1, "乙区 2021 carried_in research");
        is_num(cell(c, "甲区", "2021", "carried_in", "person"), 2, "甲区 2021 carried_in person");
        is_num(cell(c, "乙区", "2019", NULL, NULL), 0, "乙区 2019: nothing");
        is_num(cell(c, NULL, "2021", "new", NULL), 3, "2021 new over both bodies");
        nb_cube_free(c);
    }
}

static void test_cases(void)
{
    nb_cube *c = flow("case", body_a, 2021, 0);
    if (c) {
        CHECK_STR(c->dim_name[0], "kind", "case flow: first dimension is kind");
        CHECK_STR(c->dim_name[1], "status", "case flow: second dimension is status");
        is_num(cell(c, "review", "upheld"), 1, "2021 review upheld");
        is_num(cell(c, "review", "corrected"), 1, "2021 review corrected: filed 2020, concluded 01-01");
        is_num(cell(c, "review", "other"), 0, "2021: the case concluded in 2020 is not counted");
        is_num(cell(c, "review", NULL), 2, "2021 review total");
        is_num(cell(c, "suit", "pending"), 1, "2021 suit pending: concluded in 2022");
        is_num(cell(c, "suit", "corrected"), 0, "2021 suit: its result belongs to 2022");
        is_num(cell(c, "suit_after_review", "pending"), 1, "2021 suit_after_review pending: filed 12-31, open");
        nb_cube_free(c);
    }
    c = flow("case", body_a, 2022, 0);
    if (c) {
        is_num(cell(c, "suit", "corrected"), 1, "2022 suit corrected");
        is_num(cell(c, "suit", "pending"), 0, "2022 suit: no longer pending");
        is_num(cell(c, "suit_after_review", "pending"), 1, "2022: the open case is still pending");
        is_num(cell(c, "review", NULL), 0, "2022 review: none active");
        nb_cube_free(c);
    }
    c = flow("case", body_a, 2020, 0);
    if (c) {
        is_num(cell(c, "review", "other"), 1, "2020 review other: concluded 2020-06-01");
        is_num(cell(c, "review", "pending"), 1, "2020 review pending: filed 12-01, concluded next year");
        is_num(cell(c, "suit", NULL), 0, "2020 suit: none filed yet");
        nb_cube_free(c);
    }
}

static nb_cube *stock(const char *kind, int64_t body, int year, const char *start, const char *end,
                      int at, const char *by)
{
    nb_scope sc = {.kind = kind, .body = body, .year = year};
    nb_cube *c = NULL;
    char err[256] = "", name[400];
    nb_err rc = nb_stock(st, &sc, start, end, at, by, &c, err, sizeof err);
    snprintf(name, sizeof name, "nb_stock %s %d at %d%s%s", kind, year, at, rc ? ": " : "", err);
    CHECK(rc == NB_OK && c != NULL, name);
    return c;
}

static void test_stock(void)
{
    nb_cube *c = stock("matter", body_a, 2020, "listed", "delisted", 0, "kind");
    if (c) {
        CHECK_STR(c->dim_name[0], "kind", "stock by kind: the dimension is named after the field");
        CHECK(nb_cube_label(c, 0, "service") >= 0, "stock by kind: every national kind is a label");
        is_num(cell(c, "license"), 1, "end 2020: delisted 12-31 is gone, listed 12-31 stands");
        is_num(cell(c, "penalty"), 1, "end 2020: delisted 2021-01-01 still stands");
        is_num(cell(c, "service"), 0, "end 2020: no service matters");
        is_num(cell(c, NULL), 2, "end 2020: total");
        nb_cube_free(c);
    }
    c = stock("matter", body_a, 2019, "listed", "delisted", 0, "kind");
    if (c) {
        is_num(cell(c, "license"), 1, "end 2019: the license later delisted stands");
        is_num(cell(c, NULL), 1, "end 2019: total");
        nb_cube_free(c);
    }
    c = stock("matter", body_a, 2021, "listed", "delisted", 0, "kind");
    if (c) {
        is_num(cell(c, "penalty"), 0, "end 2021: delisted 2021-01-01");
        is_num(cell(c, "license"), 1, "end 2021: license");
        is_num(cell(c, "fee"), 0, "end 2021: 乙区's fee matter is not 甲区's");
        nb_cube_free(c);
    }
    c = stock("matter", body_a, 2020, "listed", "delisted", 20201230, "kind");
    if (c) {
        is_num(cell(c, "license"), 1, "at 2020-12-30: the one delisted 12-31 stands, listed 12-31 not yet");
        is_num(cell(c, "penalty"), 1, "at 2020-12-30: penalty");
        nb_cube_free(c);
    }
    c = stock("matter", 0, 2021, "listed", "delisted", 0, NULL);
    if (c) {
        is_num(c->ndims, 1, "stock of every body without breakdown: only the body dimension");
        is_num(cell(c, "乙区"), 1, "end 2021: 乙区 one matter");
        is_num(cell(c, "甲区"), 1, "end 2021: 甲区 one matter");
        nb_cube_free(c);
    }
    c = stock("document", body_a, 0, "made", "repealed", 0, "kind");
    if (c) {
        CHECK_STR(c->dim_name[0], "year", "stock of every year: a year dimension");
        is_num(c->dim_len[0], 4, "stock of every year: 2019 to 2022 (a repeal date in 2022)");
        is_num(cell(c, "2020", "rule"), 1, "documents in force end 2020: the rule");
        is_num(cell(c, "2021", "rule"), 0, "documents in force end 2021: the rule repealed 12-31 is not");
        is_num(cell(c, "2021", "normative"), 2, "documents in force end 2021: made 12-31 and repealed 2022");
        is_num(cell(c, "2022", "normative"), 1, "documents in force end 2022: repealed 2022-01-01 is not");
        nb_cube_free(c);
    }
    c = stock("matter", body_a, 2020, "列入日期", "移出日期", 0, "类型");
    if (c) {
        CHECK_STR(c->dim_name[0], "kind", "stock by header aliases: the dimension has the canonical name");
        is_num(cell(c, "license"), 1, "stock by header aliases: same cells");
        nb_cube_free(c);
    }
    nb_scope sc = {.kind = "matter", .body = body_a, .year = 2020};
    nb_cube *bad = NULL;
    char err[256] = "";
    CHECK(nb_stock(st, &sc, "name", NULL, 0, NULL, &bad, err, sizeof err) == NB_ERR_INPUT && !bad,
          "stock: a start field that is not a date is refused");
    CHECK(nb_stock(st, &sc, "listed", "delisted", 0, "name", &bad, err, sizeof err) == NB_ERR_INPUT && !bad,
          "stock: a breakdown by a text field is refused");
    CHECK_STR(err, "matter has no categorical field 'name'", "stock: the breakdown message");
}

static nb_cube *count(const char *kind, int64_t body, int year, const char *date, const char *by,
                      const char *sum, int track)
{
    nb_scope sc = {.kind = kind, .body = body, .year = year, .track_ids = track};
    nb_cube *c = NULL;
    char err[256] = "", name[400];
    nb_err rc = nb_count_by(st, &sc, date, by, sum, &c, err, sizeof err);
    snprintf(name, sizeof name, "nb_count_by %s %d by %s sum %s%s%s", kind, year, by ? by : "-",
             sum ? sum : "-", rc ? ": " : "", err);
    CHECK(rc == NB_OK && c != NULL, name);
    return c;
}

static void test_count_sum(void)
{
    nb_cube *c = count("decision", body_a, 2021, "date", "kind", "count", 0);
    if (c) {
        is_num(cell(c, "license"), 7, "decisions 2021 license: 5 + 2 (12-31 included)");
        is_num(cell(c, "penalty"), 0, "decisions 2021 penalty: 2020-12-31 and 2022-01-01 are outside");
        is_num(cell(c, NULL), 7, "decisions 2021 total");
        nb_cube_free(c);
    }
    c = count("decision", body_a, 2020, "date", "kind", "count", 0);
    if (c) {
        is_num(cell(c, "penalty"), 1, "decisions 2020: count defaults to 1");
        nb_cube_free(c);
    }
    c = count("decision", body_a, 2021, "date", "kind", NULL, 0);
    if (c) {
        is_num(cell(c, "license"), 2, "count_by without sum counts records");
        nb_cube_free(c);
    }
    c = count("decision", 0, 2021, "date", "kind", "count", 0);
    if (c) {
        is_num(cell(c, "乙区", "license"), 3, "decisions of every body: 乙区 license");
        is_num(cell(c, NULL, "license"), 10, "decisions of every body: license total");
        nb_cube_free(c);
    }
    c = count("decision", body_a, 0, "date", "kind", "count", 0);
    if (c) {
        is_num(c->dim_len[0], 3, "decisions of every year: 2020 to 2022");
        is_num(cell(c, "2022", "penalty"), 7, "decisions of every year: 2022 penalty");
        is_num(cell(c, "2020", NULL), 1, "decisions of every year: 2020");
        nb_cube_free(c);
    }
    c = count("decision", body_a, 2021, "日期", "类型", "数量", 0);
    if (c) {
        CHECK_STR(c->dim_name[0], "kind", "sum by header aliases: the dimension has the canonical name");
        is_num(cell(c, "license"), 7, "sum by header aliases: same cells");
        nb_cube_free(c);
    }
    c = count("purchase", body_a, 2021, "date", NULL, "amount", 0);
    if (c) {
        is_num(c->ndims, 0, "a sum of one body and year without breakdown has no dimensions");
        is_num(cell(c), 123456 + 1000000, "purchase amount 2021 in 分: 1234.56 + 10000 元");
        nb_cube_free(c);
    }
    c = count("purchase", body_a, 2021, "date", NULL, NULL, 0);
    if (c) {
        is_num(cell(c), 2, "purchases 2021: two (12-31 included, 2022-01-01 not)");
        nb_cube_free(c);
    }
    nb_scope sc = {.kind = "purchase", .body = body_a, .year = 2021};
    nb_cube *bad = NULL;
    char err[256] = "";
    CHECK(nb_count_by(st, &sc, "date", NULL, "id", &bad, err, sizeof err) == NB_ERR_INPUT && !bad,
          "sum: a field that is not a number is refused");
    CHECK_STR(err, "sum: 'purchase' has no number field 'id'", "sum: the message");
    CHECK(nb_count_by(st, &sc, "amount", NULL, NULL, &bad, err, sizeof err) == NB_ERR_INPUT && !bad,
          "count: a date field that is not a date is refused");
    sc.kind = "nonsense";
    CHECK(nb_flow(st, &sc, &bad, err, sizeof err) == NB_ERR_INPUT && !bad, "flow: unknown kind refused");
    sc.kind = "matter";
    CHECK(nb_flow(st, &sc, &bad, err, sizeof err) == NB_ERR_INPUT && !bad, "flow: a kind without a flow refused");
    CHECK_STR(err, "flow: kind 'matter' has no flow (request or case)", "flow: the message");
}

static void test_ids(void)
{
    int64_t r1 = rid_of("request", body_a, "R1"), r2 = rid_of("request", body_a, "R2"),
            r3 = rid_of("request", body_a, "R3"), r4 = rid_of("request", body_a, "R4"),
            b1 = rid_of("request", body_b, "R1");
    CHECK(r1 > 0 && r2 > 0 && r3 > 0 && r4 > 0 && b1 > 0 && b1 != r1, "rids of the requests");

    nb_cube *c = flow("request", body_a, 2021, 0);
    if (c) {
        int idx[2] = {-1, -1};
        nb_idlist l = {0};
        CHECK(nb_cube_ids(c, idx, &l) == -1 && l.n == 0, "ids: a cube without track_ids has none");
        free(l.rid);
        nb_cube_free(c);
    }

    c = flow("request", body_a, 2021, 1);
    if (c) {
        int in_person[2] = {nb_cube_label(c, 0, "carried_in"), nb_cube_label(c, 1, "person")};
        int64_t w1[] = {r1, r3};
        ids_are(c, in_person, w1, 2, "ids: carried_in person are R1 and R3");
        int closed[2] = {nb_cube_label(c, 0, "closed"), -1};
        int64_t w2[] = {r1, r2, r4};
        ids_are(c, closed, w2, 3, "ids: closed in 2021 are R1, R2, R4");
        int out[2] = {nb_cube_label(c, 0, "carried_out"), -1};
        int64_t w3[] = {r3};
        ids_are(c, out, w3, 1, "ids: carried_out is R3");
        int none[2] = {nb_cube_label(c, 0, "5.1"), -1};
        ids_are(c, none, NULL, 0, "ids: an empty cell lists no ids");
        nb_cube_free(c);
    }

    c = flow("request", 0, 2021, 1);
    if (c) {
        int new_person[3] = {-1, nb_cube_label(c, 1, "new"), nb_cube_label(c, 2, "person")};
        int64_t w[] = {b1};
        ids_are(c, new_person, w, 1, "ids of every body: 2021 new person is 乙区's R1 only");
        nb_cube_free(c);
    }

    c = count("purchase", body_a, 2021, "date", NULL, "amount", 1);
    if (c) {
        int64_t w[] = {rid_of("purchase", body_a, "P1"), rid_of("purchase", body_a, "P2")};
        ids_are(c, NULL, w, 2, "ids of a sum: the purchases of 2021");
        nb_cube_free(c);
    }
}

/* C and D (the same cube, from the packed columns and from the rows) have the same cells,
 * each with the same rids (sorted here). */
static void cubes_same(nb_cube *c, nb_cube *d, const char *name)
{
    int same = c && d && c->ndims == d->ndims && c->ncells == d->ncells;
    for (int k = 0; same && k < c->ndims; k++)
        same = c->dim_len[k] == d->dim_len[k];
    size_t i = 0;
    for (; same && i < c->ncells; i++) {
        same = c->cells[i] == d->cells[i];
        if (same && c->ids && d->ids) {
            nb_idlist *x = &c->ids[i], *y = &d->ids[i];
            same = x->n == y->n;
            if (same && x->n) {
                qsort(x->rid, (size_t)x->n, sizeof *x->rid, cmp_rid);
                qsort(y->rid, (size_t)y->n, sizeof *y->rid, cmp_rid);
                same = memcmp(x->rid, y->rid, (size_t)x->n * sizeof *x->rid) == 0;
            }
        } else if (same) {
            same = !c->ids && !d->ids;
        }
    }
    char line[400];
    snprintf(line, sizeof line, "%s (cell %zu: %lld and %lld)", name, i - 1,
             same || !c || !d || i == 0 ? 0LL : (long long)c->cells[i - 1],
             same || !c || !d || i == 0 ? 0LL : (long long)d->cells[i - 1]);
    CHECK(same, same ? name : line);
}

/* A tabulation reads a part of more records than a slice (pack.c: 1,024) a slice at a
 * time: the cells and the rids behind them are the rows' own, across the slices. */
static void test_slices(void)
{
    static const char *const applicants[] = {"person", "business", "legal", "research", "ngo", "other"};
    static const char *const outcomes[] = {"1", "2", "3.1", "6", "6.2"};
    static const char *const matters[] = {"license", "penalty", "fee"};
    unsigned x = 12345;
#define NEXT() (x = x * 1103515245u + 12345u, (x >> 8) % 100000u)
    char err[256] = "";
    CHECK(nb_store_begin(st, err, sizeof err) == NB_OK, "slices: a transaction");
    int made = 0;
    for (int i = 0; i < 2600; i++) {
        char spec[300], closed[64] = "";
        int y = 2018 + (int)(NEXT() % 5), m = 1 + (int)(NEXT() % 12), d = 1 + (int)(NEXT() % 28);
        int later = (int)(NEXT() % 2), outcome = (int)(NEXT() % 5), applicant = (int)(NEXT() % 6);
        int matter = (int)(NEXT() % 3), gone = (int)(NEXT() % 2), kind = (int)(NEXT() % 2);
        int n = 1 + (int)(NEXT() % 9);
        if (NEXT() % 4)
            snprintf(closed, sizeof closed, ";closed=%d-%02d-%02d;outcome=%s", y + later, m, d,
                     outcomes[outcome]);
        snprintf(spec, sizeof spec, "id=S%d;received=%d-%02d-%02d;applicant=%s%s", i, y, m, d,
                 applicants[applicant], closed);
        made += ins_quiet("request", "丙区", spec);
        snprintf(spec, sizeof spec, "id=SM%d;kind=%s;listed=%d-%02d-%02d%s", i, matters[matter], y,
                 m, d, gone ? ";delisted=2023-07-01" : "");
        made += ins_quiet("matter", "丙区", spec);
        snprintf(spec, sizeof spec, "kind=%s;date=%d-%02d-%02d;count=%d", matters[kind], y, m, d, n);
        made += ins_quiet("decision", "丙区", spec);
    }
    CHECK(made == 3 * 2600, "slices: 2,600 requests, matters and decisions inserted");
#undef NEXT
    CHECK(nb_store_commit(st, err, sizeof err) == NB_OK, "slices: committed");
    int64_t body = 0;
    CHECK(nb_store_body(st, "丙区", 0, &body, NULL, err, sizeof err) == NB_OK, "slices: body 丙区");
    for (int pass = 0; pass < 2; pass++) {
        int64_t b = pass ? 0 : body; /* the body alone; every body */
        for (int year = 2019; year <= 2022; year++) {
            int yr = year == 2022 ? 0 : year; /* 0: every year */
            char name[200];
            nb_scope sc = {.kind = "request", .body = b, .year = yr, .track_ids = 1};
            nb_scope sr = sc;
            sr.rows = 1;
            nb_cube *c = NULL, *d = NULL;
            CHECK(nb_flow(st, &sc, &c, err, sizeof err) == NB_OK &&
                  nb_flow(st, &sr, &d, err, sizeof err) == NB_OK, "slices: flows");
            snprintf(name, sizeof name, "slices: the flow of body %lld, year %d, from the packs is the rows'",
                     (long long)b, yr);
            cubes_same(c, d, name);
            nb_cube_free(c), nb_cube_free(d);
            c = d = NULL;
            sc.kind = sr.kind = "matter";
            CHECK(nb_stock(st, &sc, "listed", "delisted", 0, "kind", &c, err, sizeof err) == NB_OK &&
                  nb_stock(st, &sr, "listed", "delisted", 0, "kind", &d, err, sizeof err) == NB_OK,
                  "slices: stocks");
            snprintf(name, sizeof name, "slices: the stock of body %lld, year %d, from the packs is the rows'",
                     (long long)b, yr);
            cubes_same(c, d, name);
            nb_cube_free(c), nb_cube_free(d);
            c = d = NULL;
            sc.kind = sr.kind = "decision";
            CHECK(nb_count_by(st, &sc, "date", "kind", "count", &c, err, sizeof err) == NB_OK &&
                  nb_count_by(st, &sr, "date", "kind", "count", &d, err, sizeof err) == NB_OK,
                  "slices: sums");
            snprintf(name, sizeof name, "slices: the sum of body %lld, year %d, from the packs is the rows'",
                     (long long)b, yr);
            cubes_same(c, d, name);
            nb_cube_free(c), nb_cube_free(d);
        }
    }
}

int main(void)
{
    snprintf(dir, sizeof dir, "/tmp/nbtab.XXXXXX");
    if (!mkdtemp(dir)) {
        perror("mkdtemp");
        return 1;
    }
    char path[128], err[512] = "";
    snprintf(path, sizeof path, "%s/t.db", dir);
    nb_err rc = nb_store_open(path, 1, &st, err, sizeof err);
    CHECK(rc == NB_OK, "open a new store");
    if (rc != NB_OK) {
        printf("# %s\n", err);
        T_DONE();
    }
    load();
    CHECK(nb_store_body(st, "甲区", 0, &body_a, NULL, err, sizeof err) == NB_OK, "body 甲区 exists");
    CHECK(nb_store_body(st, "乙区", 0, &body_b, NULL, err, sizeof err) == NB_OK, "body 乙区 exists");
    CHECK(body_b == body_a + 1, "bodies numbered in order of creation");

    test_requests();
    test_every_body_and_year();
    test_cases();
    test_stock();
    test_count_sum();
    test_ids();
    test_slices();

    nb_store_close(st);
    char sql[256];
    snprintf(sql, sizeof sql, "%s/t.db-wal", dir);
    unlink(sql);
    snprintf(sql, sizeof sql, "%s/t.db-shm", dir);
    unlink(sql);
    unlink(path);
    rmdir(dir);
    T_DONE();
}
