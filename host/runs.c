/* runs.c - regenerations and digests (runs.h). */
#include "runs.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "codes.h"

static nb_err put_checks(nb_store *s, int64_t run, const nb_run_check *c, int n, char *err,
                         size_t errlen)
{
    sqlite3_stmt *st;
    if (sqlite3_prepare_v2(s->db,
                           "INSERT OR REPLACE INTO run_check(run, rule, severity, status, pass, "
                           "fail, na, file, hash) VALUES(?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)",
                           -1, &st, NULL) != SQLITE_OK)
        return nb_store_sql_fail(s, err, errlen, "recording the checks");
    int rc = SQLITE_DONE;
    for (int i = 0; i < n && rc == SQLITE_DONE; i++) {
        sqlite3_reset(st);
        sqlite3_bind_int64(st, 1, run);
        sqlite3_bind_text(st, 2, c[i].rule, -1, SQLITE_STATIC);
        sqlite3_bind_text(st, 3, c[i].severity, -1, SQLITE_STATIC);
        sqlite3_bind_text(st, 4, c[i].status, -1, SQLITE_STATIC);
        sqlite3_bind_int64(st, 5, c[i].pass);
        sqlite3_bind_int64(st, 6, c[i].fail);
        sqlite3_bind_int64(st, 7, c[i].na);
        sqlite3_bind_text(st, 8, c[i].file ? c[i].file : "", -1, SQLITE_STATIC);
        sqlite3_bind_text(st, 9, c[i].hash ? c[i].hash : "", -1, SQLITE_STATIC);
        rc = sqlite3_step(st);
    }
    sqlite3_finalize(st);
    return rc == SQLITE_DONE ? NB_OK : nb_store_sql_fail(s, err, errlen, "recording the checks");
}

static nb_err put_values(nb_store *s, int64_t body, int year, const nb_run_value *v, int n,
                         char *err, size_t errlen)
{
    sqlite3_stmt *del, *ins = NULL;
    if (sqlite3_prepare_v2(s->db, "DELETE FROM run_value WHERE body = ?1 AND year = ?2", -1, &del,
                           NULL) != SQLITE_OK)
        return nb_store_sql_fail(s, err, errlen, "recording the cells");
    sqlite3_bind_int64(del, 1, body);
    sqlite3_bind_int(del, 2, year);
    int rc = sqlite3_step(del);
    sqlite3_finalize(del);
    if (rc == SQLITE_DONE &&
        sqlite3_prepare_v2(s->db, "INSERT OR REPLACE INTO run_value(body, year, tbl, row, col, text) "
                                  "VALUES(?1, ?2, ?3, ?4, ?5, ?6)", -1, &ins, NULL) != SQLITE_OK)
        rc = SQLITE_ERROR;
    for (int i = 0; i < n && rc == SQLITE_DONE; i++) {
        sqlite3_reset(ins);
        sqlite3_bind_int64(ins, 1, body);
        sqlite3_bind_int(ins, 2, year);
        sqlite3_bind_text(ins, 3, v[i].tbl, -1, SQLITE_STATIC);
        sqlite3_bind_text(ins, 4, v[i].row, -1, SQLITE_STATIC);
        sqlite3_bind_text(ins, 5, v[i].col, -1, SQLITE_STATIC);
        if (v[i].text)
            sqlite3_bind_text(ins, 6, v[i].text, -1, SQLITE_STATIC);
        else
            sqlite3_bind_null(ins, 6);
        rc = sqlite3_step(ins);
    }
    sqlite3_finalize(ins);
    return rc == SQLITE_DONE ? NB_OK : nb_store_sql_fail(s, err, errlen, "recording the cells");
}

nb_err nb_run_put(nb_store *s, int64_t body, int year, const char *format, const char *data,
                  const nb_run_check *checks, int nchecks, const nb_run_value *values,
                  int nvalues, int64_t *id, char *err, size_t errlen)
{
    nb_err rc = nb_store_begin(s, err, errlen);
    if (rc)
        return rc;
    sqlite3_stmt *st;
    if (sqlite3_prepare_v2(s->db, "INSERT INTO run(body, year, format, data) VALUES(?1, ?2, ?3, ?4)",
                           -1, &st, NULL) != SQLITE_OK) {
        rc = nb_store_sql_fail(s, err, errlen, "recording the run");
    } else {
        sqlite3_bind_int64(st, 1, body);
        sqlite3_bind_int(st, 2, year);
        sqlite3_bind_text(st, 3, format, -1, SQLITE_STATIC);
        sqlite3_bind_text(st, 4, data, -1, SQLITE_STATIC);
        if (sqlite3_step(st) != SQLITE_DONE)
            rc = nb_store_sql_fail(s, err, errlen, "recording the run");
        sqlite3_finalize(st);
    }
    *id = sqlite3_last_insert_rowid(s->db);
    if (!rc)
        rc = put_checks(s, *id, checks, nchecks, err, errlen);
    if (!rc)
        rc = put_values(s, body, year, values, nvalues, err, errlen);
    if (rc) {
        nb_store_rollback(s);
        return rc;
    }
    return nb_store_commit(s, err, errlen);
}

/* ---- digests ---- */

typedef struct {
    int64_t *ids;
    nb_hash *h;
    int n;
} digests;

static int body_index(const digests *d, int64_t body)
{
    int lo = 0, hi = d->n - 1;
    while (lo <= hi) {
        int mid = (lo + hi) / 2;
        if (d->ids[mid] == body)
            return mid;
        if (d->ids[mid] < body)
            lo = mid + 1;
        else
            hi = mid - 1;
    }
    return -1;
}

/* Adds every row of SQL (first column: the body id) to its body's hash, column by
 * column; a NULL and an empty text differ. TAG names the table in the hash. */
static nb_err hash_rows(nb_store *s, digests *d, const char *sql, const char *tag, char *err,
                        size_t errlen)
{
    sqlite3_stmt *st;
    if (sqlite3_prepare_v2(s->db, sql, -1, &st, NULL) != SQLITE_OK)
        return nb_store_sql_fail(s, err, errlen, "computing digests");
    int rc, ncol = sqlite3_column_count(st);
    while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
        int i = body_index(d, sqlite3_column_int64(st, 0));
        if (i < 0)
            continue;
        nb_hash_str(&d->h[i], tag);
        for (int c = 1; c < ncol; c++) {
            if (sqlite3_column_type(st, c) == SQLITE_NULL) {
                nb_hash_add(&d->h[i], "\x01", 1);
                continue;
            }
            const unsigned char *v = sqlite3_column_text(st, c);
            nb_hash_add(&d->h[i], v, (size_t)sqlite3_column_bytes(st, c));
            nb_hash_add(&d->h[i], "", 1);
        }
    }
    sqlite3_finalize(st);
    return rc == SQLITE_DONE ? NB_OK : nb_store_sql_fail(s, err, errlen, "computing digests");
}

nb_err nb_body_digests(nb_store *s, int64_t **ids, char **hex, int *n, char *err, size_t errlen)
{
    digests d = {0};
    *ids = NULL;
    *hex = NULL;
    *n = 0;
    sqlite3_stmt *st;
    if (sqlite3_prepare_v2(s->db, "SELECT id FROM body ORDER BY id", -1, &st, NULL) != SQLITE_OK)
        return nb_store_sql_fail(s, err, errlen, "computing digests");
    int cap = 0, rc;
    nb_err e = NB_OK;
    while (!e && (rc = sqlite3_step(st)) == SQLITE_ROW) {
        if (d.n == cap) {
            cap = cap ? cap * 2 : 64;
            int64_t *ni = realloc(d.ids, (size_t)cap * sizeof *ni);
            nb_hash *nh = ni ? realloc(d.h, (size_t)cap * sizeof *nh) : NULL;
            if (ni)
                d.ids = ni;
            if (nh)
                d.h = nh;
            if (!ni || !nh) {
                snprintf(err, errlen, "out of memory");
                e = NB_ERR_NOMEM;
                break;
            }
        }
        d.ids[d.n] = sqlite3_column_int64(st, 0);
        nb_hash_init(&d.h[d.n++]);
    }
    sqlite3_finalize(st);
    char sql[512];
    /* Records in rid order: the raw text and the source line are provenance, not data. */
    for (int k = 0; !e && k < nb_nkinds; k++) {
        nb_buf cols = {0};
        for (int f = 0; f < nb_kinds[k].nfields; f++)
            nb_buf_printf(&cols, ", %s", nb_kinds[k].fields[f].name);
        snprintf(sql, sizeof sql, "SELECT body, id%s FROM %s ORDER BY body, rid",
                 cols.data ? cols.data : "", nb_kinds[k].table);
        nb_buf_free(&cols);
        e = hash_rows(s, &d, sql, nb_kinds[k].name, err, errlen);
    }
    static const char *const others[][2] = {
        {"SELECT body, year, markdown FROM text ORDER BY body, year", "text"},
        {"SELECT body, role, name, content FROM script ORDER BY body, role, name", "script"},
        {"SELECT body, year, format, tbl, row, col, value FROM figures ORDER BY body, year, tbl, "
         "row, col", "figures"},
        {"SELECT body, kind, year FROM coverage ORDER BY body, kind, year", "coverage"},
    };
    for (size_t i = 0; !e && i < sizeof others / sizeof others[0]; i++)
        e = hash_rows(s, &d, others[i][0], others[i][1], err, errlen);
    if (!e && !(*hex = malloc((size_t)(d.n ? d.n : 1) * NB_HASH_HEX))) {
        snprintf(err, errlen, "out of memory");
        e = NB_ERR_NOMEM;
    }
    for (int i = 0; !e && i < d.n; i++)
        nb_hash_hex(&d.h[i], *hex + (size_t)i * NB_HASH_HEX);
    free(d.h);
    if (e) {
        free(d.ids);
        free(*hex);
        *hex = NULL;
        return e;
    }
    *ids = d.ids;
    *n = d.n;
    return NB_OK;
}
