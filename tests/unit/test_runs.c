/* test_runs.c - unit tests of host/runs.c: a run's checks and cells. The cells of a
 * body and year are replaced by each run, writing only those that differ; after every
 * run the stored cells are exactly the ones given. */
#include "runs.h"
#include "t.h"

#include <stdlib.h>
#include <string.h>

static char dir[64];

/* The stored cells of BODY and YEAR as "tbl row col=text|-" lines, in key order. */
static const char *cells(nb_store *s, int64_t body, int year)
{
    static char out[4096];
    sqlite3_stmt *st;
    size_t n = 0;
    out[0] = '\0';
    if (sqlite3_prepare_v2(s->db, "SELECT tbl, row, col, coalesce(text, '-') FROM run_value WHERE "
                                  "body = ?1 AND year = ?2 ORDER BY tbl, row, col", -1, &st, NULL) != SQLITE_OK)
        return "(no query)";
    sqlite3_bind_int64(st, 1, body);
    sqlite3_bind_int(st, 2, year);
    while (sqlite3_step(st) == SQLITE_ROW && n < sizeof out - 200)
        n += (size_t)snprintf(out + n, sizeof out - n, "%s %s %s=%s;", sqlite3_column_text(st, 0),
                              sqlite3_column_text(st, 1), sqlite3_column_text(st, 2),
                              sqlite3_column_text(st, 3));
    sqlite3_finalize(st);
    return out;
}

/* The number of rows of run_value written (inserted, replaced or deleted) by the last
 * statements, counted with sqlite3_total_changes around a put. */
static nb_err put(nb_store *s, int64_t body, int year, const nb_run_value *v, int n, int *changed)
{
    char err[512] = "";
    nb_run_check c[] = {{.rule = "H1", .severity = "error", .status = "PASS", .pass = 3, .file = "f",
                         .hash = "h"},
                        {.rule = "Y1", .severity = "error", .status = "FAIL", .fail = 1}};
    int64_t id;
    int before = sqlite3_total_changes(s->db);
    nb_err rc = nb_run_put(s, body, year, "gov2019", "d", c, 2, v, n, &id, err, sizeof err);
    if (rc)
        printf("# nb_run_put: %s\n", err);
    /* the run and its two checks are three of the changes */
    *changed = sqlite3_total_changes(s->db) - before - 3;
    return rc;
}

int main(void)
{
    char cmd[128], err[512], path[128];
    snprintf(dir, sizeof dir, "/tmp/nb_runs_XXXXXX");
    if (!mkdtemp(dir)) {
        perror("mkdtemp");
        return 2;
    }
    snprintf(path, sizeof path, "%s/r.db", dir);
    nb_store *s = NULL;
    int64_t b1, b2;
    if (nb_store_open(path, NB_OPEN_CREATE, &s, err, sizeof err) != NB_OK ||
        nb_store_body(s, "甲区", 1, &b1, NULL, err, sizeof err) != NB_OK ||
        nb_store_body(s, "乙区", 1, &b2, NULL, err, sizeof err) != NB_OK) {
        printf("not ok - cannot create the store: %s\n", err);
        return 1;
    }
    int changed;
    nb_run_value first[] = {{"requests", "new", "person", "5"}, {"requests", "new", "total", "7"},
                            {"active", "rule", "made", NULL}, {"requests", "carried_in", "person", "0"}};
    CHECK(put(s, b1, 2020, first, 4, &changed) == NB_OK && changed == 4, "a first run writes every cell");
    CHECK_STR(cells(s, b1, 2020),
              "active rule made=-;requests carried_in person=0;requests new person=5;requests new total=7;",
              "the cells as given, a blank one as NULL");
    nb_run_value other[] = {{"requests", "new", "person", "9"}};
    CHECK(put(s, b2, 2020, other, 1, &changed) == NB_OK && put(s, b1, 2021, other, 1, &changed) == NB_OK,
          "runs of another body and another year");

    CHECK(put(s, b1, 2020, first, 4, &changed) == NB_OK && changed == 0, "the same cells again: nothing written");
    CHECK(t_count(s, "SELECT count(*) FROM run WHERE body = 1 AND year = 2020") == 2 &&
              t_count(s, "SELECT count(*) FROM run_check") == 8,
          "but the run and its checks are recorded");

    /* one changed, one blank now, one gone, one new, and a key given twice (the last wins) */
    nb_run_value second[] = {{"requests", "new", "total", "8"},   {"active", "rule", "made", "2"},
                             {"requests", "new", "person", NULL}, {"appeals", "review", "total", "1"},
                             {"appeals", "review", "total", "3"}};
    CHECK(put(s, b1, 2020, second, 5, &changed) == NB_OK, "a run that changes cells");
    CHECK_STR(cells(s, b1, 2020),
              "active rule made=2;appeals review total=3;requests new person=-;requests new total=8;",
              "exactly the cells given: changed, blanked, added, the gone one removed");
    CHECK(changed == 6, "only those written: 5 given (one key twice) and the one removed");
    CHECK_STR(cells(s, b2, 2020), "requests new person=9;", "another body's cells are untouched");
    CHECK_STR(cells(s, b1, 2021), "requests new person=9;", "another year's cells are untouched");

    CHECK(put(s, b1, 2020, NULL, 0, &changed) == NB_OK && changed == 4, "a run with no cells removes them all");
    CHECK_STR(cells(s, b1, 2020), "", "none left");

    /* text that JSON must escape, and a cell text that looks like a number */
    nb_run_value odd[] = {{"t\"1", "r\\n", "c\t", "a\nb\"c\\"}, {"t", "r", "c", "007"}};
    CHECK(put(s, b1, 2019, odd, 2, &changed) == NB_OK && changed == 2, "escaped keys and texts");
    CHECK_STR(cells(s, b1, 2019), "t r c=007;t\"1 r\\n c\t=a\nb\"c\\;", "kept byte for byte, texts stay text");
    CHECK(put(s, b1, 2019, odd, 2, &changed) == NB_OK && changed == 0, "and compared byte for byte");
    CHECK(t_count(s, "SELECT count(*) FROM run_check WHERE rule = 'H1' AND pass = 3 AND file = 'f' AND hash = 'h' "
                     "AND typeof(pass) = 'integer'") == 8,
          "the checks' fields as given, counts as integers");

    nb_store_close(s);
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
    if (system(cmd) != 0)
        fprintf(stderr, "cannot remove %s\n", dir);
    T_DONE();
}
