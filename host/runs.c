/* runs.c - regenerations and digests (runs.h). */
#include "runs.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "codes.h"

#include <jansson.h>

/* The rows of a run as one JSON array (one INSERT reads it through json_each): row by
 * row, each statement of a transaction keeps a journal of the pages it changes, and
 * SQLite writes that journal to a temporary file once it passes 64 KiB, which with
 * 16 KiB pages was every row: 4 MB written per report. NULL when out of memory. */
static char *checks_json(const nb_run_check *c, int n)
{
    json_t *a = json_array();
    for (int i = 0; a && i < n; i++) {
        json_t *r = json_pack("[sssIIIss]", c[i].rule, c[i].severity, c[i].status,
                              (json_int_t)c[i].pass, (json_int_t)c[i].fail, (json_int_t)c[i].na,
                              c[i].file ? c[i].file : "", c[i].hash ? c[i].hash : "");
        if (!r || json_array_append_new(a, r) != 0) {
            json_decref(a);
            return NULL;
        }
    }
    char *text = a ? json_dumps(a, JSON_COMPACT) : NULL;
    json_decref(a);
    return text;
}

/* The JSON array of cells [tbl, row, col, text|null] of V[I] for each I in IDX[0..N). */
static char *values_json(const nb_run_value *v, const int *idx, int n)
{
    json_t *a = json_array();
    for (int k = 0; a && k < n; k++) {
        const nb_run_value *x = &v[idx[k]];
        json_t *r = json_pack("[sss]", x->tbl, x->row, x->col);
        if (r && json_array_append_new(r, x->text ? json_string(x->text) : json_null()) != 0) {
            json_decref(r);
            r = NULL;
        }
        if (!r || json_array_append_new(a, r) != 0) {
            json_decref(a);
            return NULL;
        }
    }
    char *text = a ? json_dumps(a, JSON_COMPACT) : NULL;
    json_decref(a);
    return text;
}

/* Cells compared by key (tbl, row, col), as SQLite's BINARY collation orders them. */
static int key_cmp(const nb_run_value *a, const nb_run_value *b)
{
    int c = strcmp(a->tbl, b->tbl);
    if (!c)
        c = strcmp(a->row, b->row);
    return c ? c : strcmp(a->col, b->col);
}

static const nb_run_value *sort_base;

static int idx_cmp(const void *a, const void *b)
{
    return key_cmp(&sort_base[*(const int *)a], &sort_base[*(const int *)b]);
}

static int same_text(const char *a, const char *b)
{
    return a && b ? strcmp(a, b) == 0 : a == b;
}

/* Runs SQL with ?1 = A, ?2 = B and ?3 = the text T. */
static nb_err exec3(nb_store *s, const char *sql, int64_t a, int64_t b, const char *t,
                    const char *what, char *err, size_t errlen)
{
    sqlite3_stmt *st;
    if (sqlite3_prepare_v2(s->db, sql, -1, &st, NULL) != SQLITE_OK)
        return nb_store_sql_fail(s, err, errlen, what);
    sqlite3_bind_int64(st, 1, a);
    sqlite3_bind_int64(st, 2, b);
    if (t)
        sqlite3_bind_text(st, 3, t, -1, SQLITE_STATIC);
    int rc = sqlite3_step(st);
    sqlite3_finalize(st);
    return rc == SQLITE_DONE ? NB_OK : nb_store_sql_fail(s, err, errlen, what);
}

static nb_err put_checks(nb_store *s, int64_t run, const nb_run_check *c, int n, char *err,
                         size_t errlen)
{
    char *j = checks_json(c, n);
    if (!j) {
        snprintf(err, errlen, "%s: out of memory recording the checks", s->path);
        return NB_ERR_NOMEM;
    }
    nb_err rc = exec3(s,
                      "INSERT OR REPLACE INTO run_check(run, rule, severity, status, pass, fail, "
                      "na, file, hash) SELECT ?1, value->>0, value->>1, value->>2, value->>3, "
                      "value->>4, value->>5, value->>6, value->>7 FROM json_each(?3)",
                      run, 0, j, "recording the checks", err, errlen);
    free(j);
    return rc;
}

/* The cells of BODY and YEAR become V[0..N): only the ones that differ from the stored
 * ones are written (a regeneration that changes nothing writes no cell), in two
 * statements. */
static nb_err put_values(nb_store *s, int64_t body, int year, const nb_run_value *v, int n,
                         char *err, size_t errlen)
{
    int *order = malloc(((size_t)n + 1) * sizeof *order), *put = NULL, nput = 0;
    nb_run_value *old = NULL;
    int nold = 0, cap = 0;
    char *del = NULL, *ins = NULL;
    nb_buf keys = {0}; /* the stored cells' texts, NUL-separated; OLD points into it */
    sqlite3_stmt *st = NULL;
    nb_err rc = order ? NB_OK : NB_ERR_NOMEM;
    for (int i = 0; i < n && order; i++)
        order[i] = i;
    if (order) {
        sort_base = v;
        qsort(order, (size_t)n, sizeof *order, idx_cmp);
    }
    /* the stored cells, in key order */
    if (!rc && sqlite3_prepare_v2(s->db, "SELECT tbl, row, col, text FROM run_value "
                                         "WHERE body = ?1 AND year = ?2 ORDER BY tbl, row, col",
                                  -1, &st, NULL) != SQLITE_OK)
        rc = NB_ERR_SQL;
    size_t *offs = NULL;
    if (!rc) {
        sqlite3_bind_int64(st, 1, body);
        sqlite3_bind_int(st, 2, year);
        int step;
        while (!rc && (step = sqlite3_step(st)) == SQLITE_ROW) {
            if (nold == cap) {
                cap = cap ? 2 * cap : 256;
                size_t *more = realloc(offs, (size_t)cap * 5 * sizeof *offs);
                if (!more) {
                    rc = NB_ERR_NOMEM;
                    break;
                }
                offs = more;
            }
            for (int c = 0; c < 4; c++) {
                const char *t = (const char *)sqlite3_column_text(st, c);
                offs[(size_t)nold * 5 + (size_t)c] = t ? keys.len : (size_t)-1;
                if (t && nb_buf_add(&keys, t, strlen(t) + 1))
                    rc = NB_ERR_NOMEM;
            }
            nold++;
        }
        if (!rc && step != SQLITE_DONE)
            rc = NB_ERR_SQL;
    }
    sqlite3_finalize(st);
    if (!rc && nold && !(old = malloc((size_t)nold * sizeof *old)))
        rc = NB_ERR_NOMEM;
    for (int i = 0; !rc && i < nold; i++) {
        const char *f[4];
        for (int c = 0; c < 4; c++) {
            size_t o = offs[(size_t)i * 5 + (size_t)c];
            f[c] = o == (size_t)-1 ? NULL : keys.data + o;
        }
        old[i] = (nb_run_value){f[0] ? f[0] : "", f[1] ? f[1] : "", f[2] ? f[2] : "", f[3]};
    }
    free(offs);
    /* merge: new or changed cells are put, stored cells no longer given are deleted */
    int *gone = NULL, ngone = 0;
    if (!rc && (!(put = malloc(((size_t)n + 1) * sizeof *put)) ||
                !(gone = malloc(((size_t)nold + 1) * sizeof *gone))))
        rc = NB_ERR_NOMEM;
    for (int i = 0, j = 0; !rc && (i < n || j < nold);) {
        int c = i == n ? 1 : j == nold ? -1 : key_cmp(&v[order[i]], &old[j]);
        if (c < 0 || (c == 0 && !same_text(v[order[i]].text, old[j].text)))
            put[nput++] = order[i];
        if (c > 0)
            gone[ngone++] = j;
        if (c <= 0) {
            /* a key given twice: the last one given wins, as row by row it did */
            while (i + 1 < n && key_cmp(&v[order[i]], &v[order[i + 1]]) == 0)
                put[nput++] = order[++i];
            i++;
        }
        if (c >= 0)
            j++;
    }
    if (!rc && ngone && !(del = values_json(old, gone, ngone)))
        rc = NB_ERR_NOMEM;
    if (!rc && nput && !(ins = values_json(v, put, nput)))
        rc = NB_ERR_NOMEM;
    if (rc == NB_ERR_NOMEM)
        snprintf(err, errlen, "%s: out of memory recording the cells", s->path);
    else if (rc)
        rc = nb_store_sql_fail(s, err, errlen, "recording the cells");
    if (!rc && del)
        rc = exec3(s, "DELETE FROM run_value WHERE body = ?1 AND year = ?2 AND (tbl, row, col) "
                      "IN (SELECT value->>0, value->>1, value->>2 FROM json_each(?3))",
                   body, year, del, "recording the cells", err, errlen);
    if (!rc && ins)
        rc = exec3(s,
                   "INSERT OR REPLACE INTO run_value(body, year, tbl, row, col, text) "
                   "SELECT ?1, ?2, value->>0, value->>1, value->>2, value->>3 FROM json_each(?3)",
                   body, year, ins, "recording the cells", err, errlen);
    free(del);
    free(ins);
    free(put);
    free(gone);
    free(old);
    free(order);
    nb_buf_free(&keys);
    return rc;
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

/* A span of rids, both ends included. */
typedef struct {
    int64_t lo, hi;
} rid_range;

/* Adds every row of SQL (first column: the body id) to its body's hash, column by
 * column; a NULL and an empty text differ. TAG names the table in the hash. With
 * RANGES[0..NRANGES), SQL has ?1 and ?2 and runs once for each range, in order. */
static nb_err hash_rows(nb_store *s, digests *d, const char *sql, const char *tag,
                        const rid_range *ranges, int nranges, char *err, size_t errlen)
{
    sqlite3_stmt *st;
    if (sqlite3_prepare_v2(s->db, sql, -1, &st, NULL) != SQLITE_OK)
        return nb_store_sql_fail(s, err, errlen, "computing digests");
    int rc = SQLITE_DONE, ncol = sqlite3_column_count(st);
    size_t taglen = strlen(tag) + 1; /* with its NUL, as nb_hash_str */
    /* a row's bytes go to the hash in one call (the same bytes as column by column) */
    unsigned char row[512];
    for (int r = 0; r < (ranges ? nranges : 1) && rc == SQLITE_DONE; r++) {
        if (ranges) {
            sqlite3_reset(st);
            sqlite3_bind_int64(st, 1, ranges[r].lo);
            sqlite3_bind_int64(st, 2, ranges[r].hi);
        }
        while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
            int i = body_index(d, sqlite3_column_int64(st, 0));
            if (i < 0)
                continue;
            size_t n = 0;
            nb_hash_add(&d->h[i], tag, taglen);
            for (int c = 1; c < ncol; c++) {
                int type = sqlite3_column_type(st, c);
                if (n + 9 > sizeof row) {
                    nb_hash_add(&d->h[i], row, n);
                    n = 0;
                }
                if (type == SQLITE_NULL) {
                    row[n++] = '\x01';
                } else if (type == SQLITE_INTEGER) { /* as 8 bytes, not as text */
                    uint64_t v = (uint64_t)sqlite3_column_int64(st, c);
                    row[n++] = '\x02';
                    for (int k = 0; k < 8; k++)
                        row[n++] = (unsigned char)(v >> (8 * k));
                } else {
                    const unsigned char *v = sqlite3_column_text(st, c);
                    size_t len = (size_t)sqlite3_column_bytes(st, c);
                    if (n + len + 1 > sizeof row) {
                        nb_hash_add(&d->h[i], row, n);
                        nb_hash_add(&d->h[i], v, len);
                        n = 0;
                    } else {
                        memcpy(row + n, v, len);
                        n += len;
                    }
                    row[n++] = '\0';
                }
            }
            nb_hash_add(&d->h[i], row, n);
        }
    }
    sqlite3_finalize(st);
    return rc == SQLITE_DONE ? NB_OK : nb_store_sql_fail(s, err, errlen, "computing digests");
}

/* The rids of D's bodies' records of kind K, as the ascending, disjoint spans that cover
 * their packed parts (each part's rid_lo to rid_hi; overlapping or adjacent ones merged):
 * the records of those bodies in rid order, with other bodies' records between, which
 * hash_rows passes over. *OUT is the caller's to free. */
static nb_err kind_ranges(nb_store *s, const digests *d, const nb_kind *k, rid_range **out,
                          int *nout, char *err, size_t errlen)
{
    *out = NULL;
    *nout = 0;
    sqlite3_stmt *st;
    if (sqlite3_prepare_v2(s->db, "SELECT body, rid_lo, rid_hi FROM pack WHERE kind = ?1 "
                                  "ORDER BY rid_lo", -1, &st, NULL) != SQLITE_OK)
        return nb_store_sql_fail(s, err, errlen, "computing digests");
    sqlite3_bind_text(st, 1, k->name, -1, SQLITE_STATIC);
    rid_range *r = NULL;
    int n = 0, cap = 0, rc;
    while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
        if (body_index(d, sqlite3_column_int64(st, 0)) < 0)
            continue;
        int64_t lo = sqlite3_column_int64(st, 1), hi = sqlite3_column_int64(st, 2);
        if (n > 0 && lo <= r[n - 1].hi + 1) {
            if (hi > r[n - 1].hi)
                r[n - 1].hi = hi;
            continue;
        }
        if (n == cap) {
            cap = cap ? cap * 2 : 16;
            rid_range *nr = realloc(r, (size_t)cap * sizeof *nr);
            if (!nr) {
                free(r);
                sqlite3_finalize(st);
                snprintf(err, errlen, "out of memory");
                return NB_ERR_NOMEM;
            }
            r = nr;
        }
        r[n].lo = lo;
        r[n++].hi = hi;
    }
    sqlite3_finalize(st);
    if (rc != SQLITE_DONE) {
        free(r);
        return nb_store_sql_fail(s, err, errlen, "computing digests");
    }
    *out = r;
    *nout = n;
    return NB_OK;
}

static int cmp_id(const void *a, const void *b)
{
    int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;
    return (x > y) - (x < y);
}

/* Whether ID is in SORTED[0..N). */
static int has_id(const int64_t *sorted, int n, int64_t id)
{
    return bsearch(&id, sorted, (size_t)n, sizeof *sorted, cmp_id) != NULL;
}

nb_err nb_body_digests(nb_store *s, const int64_t *only, int nonly, int64_t **ids, char **hex,
                       int *n, char *err, size_t errlen)
{
    digests d = {0};
    *ids = NULL;
    *hex = NULL;
    *n = 0;
    int64_t *want = NULL;
    if (only) {
        if (!(want = malloc((size_t)(nonly > 0 ? nonly : 1) * sizeof *want))) {
            snprintf(err, errlen, "out of memory");
            return NB_ERR_NOMEM;
        }
        if (nonly > 0)
            memcpy(want, only, (size_t)nonly * sizeof *want);
        qsort(want, (size_t)nonly, sizeof *want, cmp_id);
    }
    sqlite3_stmt *st;
    if (sqlite3_prepare_v2(s->db, "SELECT id FROM body ORDER BY id", -1, &st, NULL) != SQLITE_OK) {
        free(want);
        return nb_store_sql_fail(s, err, errlen, "computing digests");
    }
    int cap = 0, rc, every = 1;
    nb_err e = NB_OK;
    while (!e && (rc = sqlite3_step(st)) == SQLITE_ROW) {
        int64_t id = sqlite3_column_int64(st, 0);
        if (want && !has_id(want, nonly, id)) {
            every = 0;
            continue;
        }
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
        d.ids[d.n] = id;
        nb_hash_init(&d.h[d.n++]);
    }
    sqlite3_finalize(st);
    free(want);
    char sql[512];
    /* Records in rid order: the raw text and the source line are provenance, not data. */
    for (int k = 0; !e && k < nb_nkinds; k++) {
        nb_buf cols = {0};
        for (int f = 0; f < nb_kinds[k].nfields; f++)
            nb_buf_printf(&cols, ", %s", nb_kinds[k].fields[f].name);
        rid_range *ranges = NULL;
        int nranges = 0;
        if (every) {
            /* in rid order, without a sort: each body's hash still takes its rows in rid order */
            snprintf(sql, sizeof sql, "SELECT body, id%s FROM %s ORDER BY rid",
                     cols.data ? cols.data : "", nb_kinds[k].table);
        } else {
            snprintf(sql, sizeof sql, "SELECT body, id%s FROM %s WHERE rid BETWEEN ?1 AND ?2 "
                     "ORDER BY rid", cols.data ? cols.data : "", nb_kinds[k].table);
            e = kind_ranges(s, &d, &nb_kinds[k], &ranges, &nranges, err, errlen);
        }
        nb_buf_free(&cols);
        if (!e && (every || nranges > 0))
            e = hash_rows(s, &d, sql, nb_kinds[k].name, ranges, nranges, err, errlen);
        free(ranges);
    }
    static const char *const others[][2] = {
        {"SELECT body, year, markdown FROM text ORDER BY body, year", "text"},
        {"SELECT body, role, name, content FROM script ORDER BY body, role, name", "script"},
        {"SELECT body, year, format, tbl, row, col, value FROM figures ORDER BY body, year, tbl, "
         "row, col", "figures"},
        {"SELECT body, kind, year FROM coverage ORDER BY body, kind, year", "coverage"},
    };
    for (size_t i = 0; !e && i < sizeof others / sizeof others[0]; i++)
        e = hash_rows(s, &d, others[i][0], others[i][1], NULL, 0, err, errlen);
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
