/* runs.c - regenerations and digests (runs.h). */
#include "runs.h"

#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "codes.h"
#include "records.h"

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

/* Cells compared by key (tbl, row, col), bytewise, as SQLite's BINARY collation orders
 * them. */
static int key_cmp(const nb_run_value *a, const nb_run_value *b)
{
    /* a table's cells share its id, a row's its key: the same pointer, the same text */
    int c = a->tbl == b->tbl ? 0 : strcmp(a->tbl, b->tbl);
    if (!c)
        c = a->row == b->row ? 0 : strcmp(a->row, b->row);
    return c ? c : a->col == b->col ? 0 : strcmp(a->col, b->col);
}

static const nb_run_value *sort_base;

/* By key, then in the order given (so that of a key given twice the last is known). */
static int idx_cmp(const void *a, const void *b)
{
    int i = *(const int *)a, j = *(const int *)b;
    int c = key_cmp(&sort_base[i], &sort_base[j]);
    return c ? c : (i > j) - (i < j);
}

/* S escaped into B: a backslash, a tab and a line feed as \\, \t and \n. */
static int add_escaped(nb_buf *b, const char *s)
{
    int bad = 0;
    const char *run = s;
    for (; *s; s++) {
        const char *e = *s == '\\' ? "\\\\" : *s == '\t' ? "\\t" : *s == '\n' ? "\\n" : NULL;
        if (e) {
            bad |= nb_buf_add(b, run, (size_t)(s - run)) | nb_buf_add(b, e, 2);
            run = s + 1;
        }
    }
    return bad | nb_buf_add(b, run, (size_t)(s - run));
}

/* The cells V[0..N) as the store keeps them (run_cells.cells), into OUT: a line for each
 * key in key order, "tbl TAB row TAB col TAB text" (a blank cell without its tab and
 * text), each part escaped (add_escaped), each line ended by a line feed; of a key given
 * twice, the last. The same cells give the same bytes whatever their order. */
static nb_err cells_text(const nb_run_value *v, int n, nb_buf *out)
{
    int *order = malloc(((size_t)n + 1) * sizeof *order);
    if (!order)
        return NB_ERR_NOMEM;
    int sorted = 1; /* a document's own cells come in key order (nb_run_values_of_doc) */
    for (int i = 0; i < n; i++) {
        order[i] = i;
        sorted = sorted && (i == 0 || key_cmp(&v[i - 1], &v[i]) < 0);
    }
    sort_base = v;
    if (!sorted)
        qsort(order, (size_t)n, sizeof *order, idx_cmp);
    int bad = nb_buf_add(out, "", 0); /* no cell: the empty text, not NULL */
    for (int k = 0; k < n && !bad; k++) {
        const nb_run_value *x = &v[order[k]];
        if (k + 1 < n && key_cmp(x, &v[order[k + 1]]) == 0)
            continue; /* a later one of the key follows */
        bad |= add_escaped(out, x->tbl) | nb_buf_add(out, "\t", 1) | add_escaped(out, x->row) |
               nb_buf_add(out, "\t", 1) | add_escaped(out, x->col);
        if (x->text)
            bad |= nb_buf_add(out, "\t", 1) | add_escaped(out, x->text);
        bad |= nb_buf_add(out, "\n", 1);
    }
    free(order);
    return bad ? NB_ERR_NOMEM : NB_OK;
}

/* Undoes add_escaped on the NUL-terminated S, in place; 0, or -1 for a backslash that
 * escapes nothing it makes. */
static int unescape(char *s)
{
    char *w = s;
    for (; *s; s++) {
        if (*s != '\\') {
            *w++ = *s;
            continue;
        }
        s++;
        if (*s == '\\' || *s == 't' || *s == 'n')
            *w++ = *s == 't' ? '\t' : *s == 'n' ? '\n' : '\\';
        else
            return -1;
    }
    *w = '\0';
    return 0;
}

static const char cells_sql[] = "SELECT cells FROM run_cells WHERE body = ?1 AND year = ?2";

/* Runs SQL with ?1 = A, ?2 = B and ?3 = the text T. */
static nb_err exec3(nb_store *s, const char *sql, int64_t a, int64_t b, const char *t,
                    const char *what, char *err, size_t errlen)
{
    sqlite3_stmt *st = nb_store_stmt(s, sql);
    if (!st)
        return nb_store_sql_fail(s, err, errlen, what);
    sqlite3_bind_int64(st, 1, a);
    sqlite3_bind_int64(st, 2, b);
    if (t)
        sqlite3_bind_text(st, 3, t, -1, SQLITE_STATIC);
    int rc = sqlite3_step(st);
    nb_err out = rc == SQLITE_DONE ? NB_OK : nb_store_sql_fail(s, err, errlen, what);
    nb_store_stmt_give(s, sql, st);
    return out;
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

/* The cells of BODY and YEAR become V[0..N): written only when they differ from the
 * stored ones (a regeneration that changes nothing writes no cell). */
static nb_err put_values(nb_store *s, int64_t body, int year, const nb_run_value *v, int n,
                         char *err, size_t errlen)
{
    nb_buf text = {0};
    if (cells_text(v, n, &text)) {
        nb_buf_free(&text);
        snprintf(err, errlen, "%s: out of memory recording the cells", s->path);
        return NB_ERR_NOMEM;
    }
    sqlite3_stmt *st = nb_store_stmt(s, cells_sql);
    if (!st) {
        nb_buf_free(&text);
        return nb_store_sql_fail(s, err, errlen, "recording the cells");
    }
    sqlite3_bind_int64(st, 1, body);
    sqlite3_bind_int(st, 2, year);
    int step = sqlite3_step(st), same = 0;
    if (step == SQLITE_ROW) { /* (an empty text's blob is NULL) */
        const void *kept = sqlite3_column_blob(st, 0);
        same = (size_t)sqlite3_column_bytes(st, 0) == text.len && (!text.len || memcmp(kept, text.data, text.len) == 0);
    }
    nb_err rc = step == SQLITE_ROW || step == SQLITE_DONE ? NB_OK
                                                          : nb_store_sql_fail(s, err, errlen, "recording the cells");
    nb_store_stmt_give(s, cells_sql, st);
    if (!rc && !same)
        rc = exec3(s, "INSERT OR REPLACE INTO run_cells(body, year, cells) VALUES(?1, ?2, ?3)", body, year,
                   text.data, "recording the cells", err, errlen);
    nb_buf_free(&text);
    return rc;
}

nb_err nb_run_cells(nb_store *s, int64_t body, int year, nb_run_value **out, int *n, char **text,
                    char *err, size_t errlen)
{
    *out = NULL;
    *n = 0;
    *text = NULL;
    sqlite3_stmt *st = nb_store_stmt(s, cells_sql);
    if (!st)
        return nb_store_sql_fail(s, err, errlen, "reading the cells");
    sqlite3_bind_int64(st, 1, body);
    sqlite3_bind_int(st, 2, year);
    int step = sqlite3_step(st);
    nb_err rc = NB_OK;
    char *t = NULL;
    if (step == SQLITE_ROW) {
        size_t len = (size_t)sqlite3_column_bytes(st, 0);
        if ((t = malloc(len + 1))) {
            if (len)
                memcpy(t, sqlite3_column_blob(st, 0), len);
            t[len] = '\0';
        } else {
            rc = NB_ERR_NOMEM;
        }
    } else if (step != SQLITE_DONE) {
        rc = nb_store_sql_fail(s, err, errlen, "reading the cells");
    }
    nb_store_stmt_give(s, cells_sql, st);
    if (rc || !t) {
        if (rc == NB_ERR_NOMEM)
            snprintf(err, errlen, "%s: out of memory reading the cells", s->path);
        return rc;
    }
    int lines = 0;
    for (const char *p = t; *p; p++)
        lines += *p == '\n';
    nb_run_value *v = calloc((size_t)lines + 1, sizeof *v);
    if (!v) {
        free(t);
        snprintf(err, errlen, "%s: out of memory reading the cells", s->path);
        return NB_ERR_NOMEM;
    }
    int k = 0, line = 0;
    for (char *p = t; *p && !rc; k++) {
        char *end = strchr(p, '\n'), *f[4] = {p, NULL, NULL, NULL};
        line++;
        if (!end) {
            rc = NB_ERR_INPUT;
            break;
        }
        *end = '\0';
        int nf = 1;
        for (char *q = p; *q; q++)
            if (*q == '\t') {
                *q = '\0';
                if (nf == 4) {
                    nf = 5; /* a tab too many */
                    break;
                }
                f[nf++] = q + 1;
            }
        if (nf < 3 || nf > 4 || unescape(f[0]) || unescape(f[1]) || unescape(f[2]) || (f[3] && unescape(f[3])))
            rc = NB_ERR_INPUT;
        v[k] = (nb_run_value){f[0], f[1], f[2], f[3]};
        p = end + 1;
    }
    if (rc) {
        sqlite3_stmt *q = NULL;
        const char *name = NULL;
        if (sqlite3_prepare_v2(s->db, "SELECT name FROM body WHERE id = ?1", -1, &q, NULL) == SQLITE_OK) {
            sqlite3_bind_int64(q, 1, body);
            if (sqlite3_step(q) == SQLITE_ROW)
                name = (const char *)sqlite3_column_text(q, 0);
        }
        snprintf(err, errlen, "%s: the kept cells of the last run of %s, %d, are damaged (line %d)", s->path,
                 name ? name : "a body", year, line);
        sqlite3_finalize(q);
        free(v);
        free(t);
        return rc;
    }
    *out = v;
    *n = k;
    *text = t;
    return NB_OK;
}

nb_err nb_run_values_of_doc(const nb_doc *doc, nb_run_value **out, int *n, char *err, size_t errlen)
{
    size_t cap = 0;
    *out = NULL;
    *n = 0;
    for (int t = 0; t < doc->ntables; t++)
        cap += (size_t)doc->tables[t].nrows * (size_t)doc->tables[t].ncols;
    nb_run_value *v = malloc((cap ? cap : 1) * sizeof *v);
    int *idx = malloc((cap ? cap : 1) * sizeof *idx);
    unsigned char *drop = calloc(cap ? cap : 1, 1);
    if (!v || !idx || !drop) {
        free(v);
        free(idx);
        free(drop);
        snprintf(err, errlen, "out of memory");
        return NB_ERR_NOMEM;
    }
    int k = 0;
    for (int t = 0; t < doc->ntables; t++) {
        const nb_table *tb = &doc->tables[t];
        for (int r = 0; r < tb->nrows; r++)
            for (int c = 0; c < tb->ncols; c++) {
                const nb_cell *cell = &tb->cells[(size_t)r * (size_t)tb->ncols + (size_t)c];
                const char *rk = cell->row ? cell->row : tb->row_keys ? tb->row_keys[r] : NULL;
                if (!cell->key || cell->header || !rk)
                    continue;
                v[k] = (nb_run_value){tb->id, rk, cell->key,
                                      cell->type == NB_V_BLANK ? NULL : cell->text ? cell->text : ""};
                idx[k] = k;
                k++;
            }
    }
    /* each key once: its first cell (by key, then in document order) */
    sort_base = v;
    qsort(idx, (size_t)k, sizeof *idx, idx_cmp);
    for (int i = 1; i < k; i++)
        if (key_cmp(&v[idx[i - 1]], &v[idx[i]]) == 0)
            drop[idx[i]] = 1;
    int m = 0;
    for (int i = 0; i < k; i++)
        if (!drop[i])
            v[m++] = v[i];
    free(idx);
    free(drop);
    *out = v;
    *n = m;
    return NB_OK;
}

nb_err nb_run_put(nb_store *s, int64_t body, int year, const char *format, const char *data,
                  const nb_run_check *checks, int nchecks, const nb_run_value *values,
                  int nvalues, int64_t *id, char *err, size_t errlen)
{
    nb_err rc = nb_store_begin(s, err, errlen);
    if (rc)
        return rc;
    static const char sql[] = "INSERT INTO run(body, year, format, data) VALUES(?1, ?2, ?3, ?4)";
    sqlite3_stmt *st = nb_store_stmt(s, sql);
    if (!st) {
        rc = nb_store_sql_fail(s, err, errlen, "recording the run");
    } else {
        sqlite3_bind_int64(st, 1, body);
        sqlite3_bind_int(st, 2, year);
        sqlite3_bind_text(st, 3, format, -1, SQLITE_STATIC);
        sqlite3_bind_text(st, 4, data, -1, SQLITE_STATIC);
        if (sqlite3_step(st) != SQLITE_DONE)
            rc = nb_store_sql_fail(s, err, errlen, "recording the run");
        nb_store_stmt_give(s, sql, st);
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
    long *rows; /* rows hashed for each body, or NULL */
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

/* A row's values gathered for the hash, given to it in one call (the same bytes as value
 * by value): NULL as 0x01, an integer as 0x02 and its 8 bytes (little-endian: not as
 * text), a text as its bytes and a NUL (a NULL and an empty text differ). The one spelling
 * of a row in a digest: hash_rows (from the rows) and nb_digest_row (a writer's records,
 * nb_digest_carry) both use it. */
typedef struct {
    nb_hash *h;
    size_t n;
    unsigned char b[512];
} row_buf;

static void put_flush(row_buf *r)
{
    nb_hash_add(r->h, r->b, r->n);
    r->n = 0;
}

/* A row of H begins: its TAG (LEN bytes, with its NUL). The buffer is not cleared: only
 * what is put is read. */
static void put_begin(row_buf *r, nb_hash *h, const char *tag, size_t len)
{
    r->h = h;
    r->n = 0;
    if (len > sizeof r->b) {
        nb_hash_add(h, tag, len);
        return;
    }
    memcpy(r->b, tag, len);
    r->n = len;
}

static void put_null(row_buf *r)
{
    if (r->n + 1 > sizeof r->b)
        put_flush(r);
    r->b[r->n++] = '\x01';
}

static void put_int(row_buf *r, int64_t x)
{
    if (r->n + 9 > sizeof r->b)
        put_flush(r);
    uint64_t v = (uint64_t)x;
    unsigned char *p = r->b + r->n; /* one store where the machine is little-endian */
    p[0] = '\x02';
    p[1] = (unsigned char)v, p[2] = (unsigned char)(v >> 8), p[3] = (unsigned char)(v >> 16);
    p[4] = (unsigned char)(v >> 24), p[5] = (unsigned char)(v >> 32), p[6] = (unsigned char)(v >> 40);
    p[7] = (unsigned char)(v >> 48), p[8] = (unsigned char)(v >> 56);
    r->n += 9;
}

static void put_text(row_buf *r, const void *t, size_t len)
{
    if (r->n + len + 1 > sizeof r->b) {
        put_flush(r);
        if (len + 1 > sizeof r->b) {
            nb_hash_add(r->h, t, len);
            len = 0;
        }
    }
    if (len)
        memcpy(r->b + r->n, t, len);
    r->n += len;
    r->b[r->n++] = '\0';
}

void nb_digest_row(nb_hash *h, const nb_kind *k, const nb_dvalue *v, int n)
{
    row_buf r;
    put_begin(&r, h, k->name, strlen(k->name) + 1);
    for (int c = 0; c < n; c++) {
        if (v[c].type == SQLITE_NULL)
            put_null(&r);
        else if (v[c].type == SQLITE_INTEGER)
            put_int(&r, v[c].i);
        else
            put_text(&r, v[c].t, v[c].len);
    }
    put_flush(&r);
}

void nb_source_digest(const char *path, const char *header, unsigned char *out)
{
    nb_hash h;
    unsigned char full[NB_HASH_SIZE];
    nb_hash_init(&h);
    nb_hash_str(&h, path ? path : "");
    if (header)
        nb_hash_str(&h, header);
    else
        nb_hash_add(&h, "\x01", 1); /* none: not an empty header */
    nb_hash_raw(&h, full);
    memcpy(out, full, NB_SOURCE_DIGEST);
}

nb_err nb_source_digest_of(nb_store *s, int64_t src, unsigned char *out, char *err, size_t errlen)
{
    static const char sql[] = "SELECT path, header FROM source WHERE id = ?1";
    sqlite3_stmt *q = nb_store_stmt(s, sql);
    if (!q)
        return nb_store_sql_fail(s, err, errlen, "reading a source");
    sqlite3_bind_int64(q, 1, src);
    int rc = sqlite3_step(q);
    if (rc == SQLITE_ROW)
        nb_source_digest((const char *)sqlite3_column_text(q, 0), (const char *)sqlite3_column_text(q, 1), out);
    sqlite3_reset(q);
    nb_store_stmt_give(s, sql, q);
    if (rc == SQLITE_ROW)
        return NB_OK;
    if (rc == SQLITE_DONE) {
        snprintf(err, errlen, "%s: damaged store: no source %lld", s->path, (long long)src);
        return NB_ERR_INPUT;
    }
    return nb_store_sql_fail(s, err, errlen, "reading a source");
}

/* Adds the rows of SQL (the body id first, then the columns hashed) to the hash of each
 * body of D (rows of other bodies are passed over), TAG and its NUL before each row
 * (naming the table), then its values (row_buf). */
static nb_err hash_rows(nb_store *s, digests *d, const char *sql, const char *tag, char *err,
                        size_t errlen)
{
    sqlite3_stmt *st;
    if (sqlite3_prepare_v2(s->db, sql, -1, &st, NULL) != SQLITE_OK)
        return nb_store_sql_fail(s, err, errlen, "computing digests");
    int rc, ncol = sqlite3_column_count(st);
    size_t taglen = strlen(tag) + 1; /* with its NUL, as nb_hash_str */
    while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
        int i = body_index(d, sqlite3_column_int64(st, 0));
        if (i < 0)
            continue;
        row_buf row;
        put_begin(&row, &d->h[i], tag, taglen);
        for (int c = 1; c < ncol; c++) {
            int type = sqlite3_column_type(st, c);
            if (type == SQLITE_NULL)
                put_null(&row);
            else if (type == SQLITE_INTEGER)
                put_int(&row, sqlite3_column_int64(st, c));
            else
                put_text(&row, sqlite3_column_text(st, c), (size_t)sqlite3_column_bytes(st, c));
        }
        put_flush(&row);
    }
    sqlite3_finalize(st);
    return rc == SQLITE_DONE ? NB_OK : nb_store_sql_fail(s, err, errlen, "computing digests");
}

/* Adds the records of kind K of each body of D to its hash, in rid order, as store:rows
 * reads them (records.h: the coded values from the packed columns, the rest from the rows):
 * K's name and its NUL, then the id, every field (an empty one as NULL), the source's
 * digest (nb_source_digest of its path and header: a rule may name where a record came
 * from, so a record re-imported unchanged from another file changes what its reports
 * read), the line and the raw values; writer.c's digest_values spells a new record the same
 * way (nb_digest_row). The rows hashed for each body in D->rows. */
static nb_err hash_records(nb_store *s, digests *d, const nb_kind *k, char *err, size_t errlen)
{
    size_t taglen = strlen(k->name) + 1;
    nb_buf path = {0}, header = {0};
    int have_src = 0, header_null = 0;
    unsigned char src_digest[NB_SOURCE_DIGEST];
    nb_err e = NB_OK;
    for (int i = 0; !e && i < d->n; i++) {
        nb_query q = {.kind = k, .body = d->ids[i]};
        nb_rows r;
        if ((e = nb_rows_open(s, &q, &r, err, errlen)))
            break;
        int more;
        while ((more = nb_rows_next(&r, err, errlen)) == 1) {
            const nb_row *w = &r.row;
            d->rows[i]++;
            /* the source's digest: made again when the source changes (a body's records
               come from few sources) */
            if (!have_src || strcmp(path.data, w->source) != 0 || header_null != !w->header ||
                (w->header && strcmp(header.data, w->header) != 0)) {
                path.len = header.len = 0;
                if (nb_buf_adds(&path, w->source) || nb_buf_adds(&header, w->header ? w->header : "")) {
                    snprintf(err, errlen, "out of memory");
                    e = NB_ERR_NOMEM;
                    break;
                }
                header_null = !w->header;
                nb_source_digest(w->source, w->header, src_digest);
                have_src = 1;
            }
            row_buf row;
            put_begin(&row, &d->h[i], k->name, taglen);
            put_text(&row, w->id, strlen(w->id));
            for (int f = 0; f < k->nfields; f++) {
                nb_ftype t = k->fields[f].type;
                if (t == NB_F_TEXT ? !w->text[f] : (t == NB_F_DATE || t == NB_F_CAT) && !w->ival[f])
                    put_null(&row);
                else if (t == NB_F_TEXT)
                    put_text(&row, w->text[f], strlen(w->text[f]));
                else
                    put_int(&row, w->ival[f]);
            }
            put_text(&row, src_digest, NB_SOURCE_DIGEST);
            put_int(&row, w->line);
            put_text(&row, w->raw ? w->raw : "", w->raw ? strlen(w->raw) : 0);
            put_flush(&row);
        }
        nb_rows_close(&r);
        if (!e && more < 0)
            e = NB_ERR_SQL;
    }
    nb_buf_free(&path);
    nb_buf_free(&header);
    return e;
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

/* ---- the digests kept ----
 *
 * A body's records of a kind are hashed (in rid order, as hash_rows) once, and the hash
 * is kept in the table digest until they change: every transaction that changes them
 * raises the pair's gen and forgets the hash (nb_digest_forget, from nb_pack_sync). A
 * hash is computed in a read transaction and kept, in a write transaction of its own,
 * only where the pair's gen is still the one read: a change committed in between (by
 * another process) raised it. A pair without records has no hash.
 *
 * The column hash holds the digest (NB_HASH_SIZE bytes), then the state of the hash after
 * the pair's last row (NB_HASH_STATE bytes, nb_hash_save). A transaction that only adds
 * records after the others carries that state on with them and keeps the new digest
 * (nb_digest_carry, from nb_pack_sync): the rows before are not read again. A digest kept
 * by an older nianbao is the digest alone: read all the same, never carried on. */
#define KEPT_SIZE (NB_HASH_SIZE + NB_HASH_STATE)

static int kept_size(int bytes)
{
    return bytes == NB_HASH_SIZE || bytes == KEPT_SIZE;
}

nb_err nb_digest_forget(nb_store *s, const nb_kind *k, int64_t body, char *err, size_t errlen)
{
    sqlite3_stmt *st;
    if (sqlite3_prepare_v2(s->db, "INSERT INTO digest(kind, body, gen) VALUES(?1, ?2, 1) "
                                  "ON CONFLICT(kind, body) DO UPDATE SET gen = gen + 1, hash = NULL",
                           -1, &st, NULL) != SQLITE_OK)
        return nb_store_sql_fail(s, err, errlen, "forgetting a digest");
    sqlite3_bind_text(st, 1, k->name, -1, SQLITE_STATIC);
    sqlite3_bind_int64(st, 2, body);
    int rc = sqlite3_step(st);
    sqlite3_finalize(st);
    return rc == SQLITE_DONE ? NB_OK : nb_store_sql_fail(s, err, errlen, "forgetting a digest");
}

nb_err nb_digest_forget_all(nb_store *s, char *err, size_t errlen)
{
    return nb_store_exec(s, "UPDATE digest SET gen = gen + 1, hash = NULL", err, errlen);
}

int nb_digest_state(nb_store *s, const nb_kind *k, int64_t body, nb_hash *state, char *err,
                    size_t errlen)
{
    static const char sql[] = "SELECT hash FROM digest WHERE kind = ?1 AND body = ?2";
    sqlite3_stmt *st = nb_store_stmt(s, sql);
    if (!st) {
        nb_store_sql_fail(s, err, errlen, "reading a digest");
        return -1;
    }
    sqlite3_bind_text(st, 1, k->name, -1, SQLITE_STATIC);
    sqlite3_bind_int64(st, 2, body);
    int rc = sqlite3_step(st), found = 0;
    if (rc == SQLITE_ROW && sqlite3_column_bytes(st, 0) == KEPT_SIZE) {
        const unsigned char *kept = sqlite3_column_blob(st, 0);
        found = nb_hash_load(state, kept + NB_HASH_SIZE, NB_HASH_STATE) == 0;
    }
    if (rc != SQLITE_ROW && rc != SQLITE_DONE) {
        nb_store_sql_fail(s, err, errlen, "reading a digest");
        found = -1;
    }
    nb_store_stmt_give(s, sql, st);
    return found;
}

nb_err nb_digest_carry(nb_store *s, const nb_kind *k, int64_t body, const nb_hash *state,
                       char *err, size_t errlen)
{
    static const char sql[] = "INSERT INTO digest(kind, body, gen, hash) VALUES(?1, ?2, 1, ?3) "
                              "ON CONFLICT(kind, body) DO UPDATE SET gen = gen + 1, hash = excluded.hash";
    unsigned char kept[KEPT_SIZE];
    nb_hash h = *state;
    nb_hash_save(&h, kept + NB_HASH_SIZE);
    nb_hash_raw(&h, kept);
    sqlite3_stmt *st = nb_store_stmt(s, sql);
    if (!st)
        return nb_store_sql_fail(s, err, errlen, "keeping a digest");
    sqlite3_bind_text(st, 1, k->name, -1, SQLITE_STATIC);
    sqlite3_bind_int64(st, 2, body);
    sqlite3_bind_blob(st, 3, kept, KEPT_SIZE, SQLITE_STATIC);
    int rc = sqlite3_step(st);
    nb_err out = rc == SQLITE_DONE ? NB_OK : nb_store_sql_fail(s, err, errlen, "keeping a digest");
    sqlite3_clear_bindings(st); /* KEPT is on the stack */
    nb_store_stmt_give(s, sql, st);
    return out;
}

/* A hash computed, to keep: the digest, then the state it was made from. */
typedef struct {
    const nb_kind *k;
    int64_t body, gen;
    unsigned char h[KEPT_SIZE];
} fresh_hash;

typedef struct {
    fresh_hash *f;
    int n, cap;
} fresh_list;

/* The hashes of kind K of D's bodies into KH[i] (HAVE[i]: the body has records of K):
 * the kept ones, and the others from the records (hash_records), added to FRESH. */
static nb_err kind_hashes(nb_store *s, const digests *d, const nb_kind *k,
                          unsigned char (*kh)[NB_HASH_SIZE], unsigned char *have, fresh_list *fresh,
                          char *err, size_t errlen)
{
    int64_t *gen = calloc((size_t)(d->n ? d->n : 1), sizeof *gen);
    digests need = {0};
    nb_err e = NB_OK;
    if (!gen) {
        snprintf(err, errlen, "out of memory");
        return NB_ERR_NOMEM;
    }
    memset(have, 0, (size_t)d->n);
    sqlite3_stmt *st;
    int rc, nkept = 0;
    if (sqlite3_prepare_v2(s->db, "SELECT body, gen, hash FROM digest WHERE kind = ?1", -1, &st,
                           NULL) != SQLITE_OK) {
        free(gen);
        return nb_store_sql_fail(s, err, errlen, "computing digests");
    }
    sqlite3_bind_text(st, 1, k->name, -1, SQLITE_STATIC);
    while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
        int i = body_index(d, sqlite3_column_int64(st, 0));
        if (i < 0)
            continue;
        gen[i] = sqlite3_column_int64(st, 1);
        if (kept_size(sqlite3_column_bytes(st, 2))) {
            memcpy(kh[i], sqlite3_column_blob(st, 2), NB_HASH_SIZE);
            have[i] = 1;
            nkept++;
        }
    }
    sqlite3_finalize(st);
    if (rc != SQLITE_DONE) {
        free(gen);
        return nb_store_sql_fail(s, err, errlen, "computing digests");
    }
    int *at = NULL; /* need's body i is d's at[i] */
    if (nkept < d->n) {
        int m = d->n - nkept;
        need.ids = malloc((size_t)m * sizeof *need.ids);
        need.h = malloc((size_t)m * sizeof *need.h);
        need.rows = calloc((size_t)m, sizeof *need.rows);
        at = malloc((size_t)m * sizeof *at);
        if (!need.ids || !need.h || !need.rows || !at) {
            snprintf(err, errlen, "out of memory");
            e = NB_ERR_NOMEM;
        }
        for (int i = 0; !e && i < d->n; i++)
            if (!have[i]) {
                at[need.n] = i;
                need.ids[need.n] = d->ids[i];
                nb_hash_init(&need.h[need.n++]);
            }
    }
    if (!e && need.n > 0) {
        e = hash_records(s, &need, k, err, errlen);
        for (int j = 0; !e && j < need.n; j++) {
            if (!need.rows[j])
                continue; /* no records: no hash */
            int i = at[j];
            unsigned char state[NB_HASH_STATE];
            nb_hash_save(&need.h[j], state);
            nb_hash_raw(&need.h[j], kh[i]);
            have[i] = 1;
            if (fresh->n == fresh->cap) {
                int cap = fresh->cap ? fresh->cap * 2 : 64;
                fresh_hash *nf = realloc(fresh->f, (size_t)cap * sizeof *nf);
                if (!nf) {
                    snprintf(err, errlen, "out of memory");
                    e = NB_ERR_NOMEM;
                    break;
                }
                fresh->f = nf;
                fresh->cap = cap;
            }
            fresh_hash *f = &fresh->f[fresh->n++];
            f->k = k;
            f->body = d->ids[i];
            f->gen = gen[i];
            memcpy(f->h, kh[i], NB_HASH_SIZE);
            memcpy(f->h + NB_HASH_SIZE, state, NB_HASH_STATE);
        }
    }
    free(need.ids);
    free(need.h);
    free(need.rows);
    free(at);
    free(gen);
    return e;
}

/* Keeps the hashes of FRESH whose pair's gen is still the one read, in a transaction of
 * its own. A failure (a store that another process holds, a full disk) keeps none and is
 * not an error: the digests are right all the same. */
static void keep_hashes(nb_store *s, const fresh_list *fresh)
{
    if (fresh->n == 0 || sqlite3_exec(s->db, "BEGIN IMMEDIATE", NULL, NULL, NULL) != SQLITE_OK)
        return;
    sqlite3_stmt *st;
    int ok = sqlite3_prepare_v2(s->db, "INSERT INTO digest(kind, body, gen, hash) VALUES(?1, ?2, ?3, ?4) "
                                       "ON CONFLICT(kind, body) DO UPDATE SET hash = excluded.hash "
                                       "WHERE gen = excluded.gen",
                                -1, &st, NULL) == SQLITE_OK;
    for (int i = 0; ok && i < fresh->n; i++) {
        const fresh_hash *f = &fresh->f[i];
        sqlite3_reset(st);
        sqlite3_bind_text(st, 1, f->k->name, -1, SQLITE_STATIC);
        sqlite3_bind_int64(st, 2, f->body);
        sqlite3_bind_int64(st, 3, f->gen);
        sqlite3_bind_blob(st, 4, f->h, KEPT_SIZE, SQLITE_STATIC);
        ok = sqlite3_step(st) == SQLITE_DONE;
    }
    sqlite3_finalize(st); /* NULL when the prepare failed: a no-op */
    if (!ok || sqlite3_exec(s->db, "COMMIT", NULL, NULL, NULL) != SQLITE_OK)
        sqlite3_exec(s->db, "ROLLBACK", NULL, NULL, NULL);
}

nb_err nb_body_digests(nb_store *s, const int64_t *only, int nonly, int keep, int64_t **ids,
                       char **hex, int *n, char *err, size_t errlen)
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
    /* one snapshot for everything read (a transaction of the caller's, or one of ours) */
    int own = sqlite3_get_autocommit(s->db);
    if (own && sqlite3_exec(s->db, "BEGIN", NULL, NULL, NULL) != SQLITE_OK) {
        free(want);
        return nb_store_sql_fail(s, err, errlen, "computing digests");
    }
    sqlite3_stmt *st;
    nb_err e = NB_OK;
    int cap = 0, rc;
    if (sqlite3_prepare_v2(s->db, "SELECT id FROM body ORDER BY id", -1, &st, NULL) != SQLITE_OK)
        e = nb_store_sql_fail(s, err, errlen, "computing digests");
    while (!e && (rc = sqlite3_step(st)) == SQLITE_ROW) {
        int64_t id = sqlite3_column_int64(st, 0);
        if (want && !has_id(want, nonly, id))
            continue;
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
    /* each kind's hash of the body's records, in the catalogue's order, then the rest */
    unsigned char(*kh)[NB_HASH_SIZE] = malloc((size_t)(d.n ? d.n : 1) * sizeof *kh);
    unsigned char *have = malloc((size_t)(d.n ? d.n : 1));
    fresh_list fresh = {0};
    if (!e && (!kh || !have)) {
        snprintf(err, errlen, "out of memory");
        e = NB_ERR_NOMEM;
    }
    for (int k = 0; !e && k < nb_nkinds; k++) {
        e = kind_hashes(s, &d, &nb_kinds[k], kh, have, &fresh, err, errlen);
        for (int i = 0; !e && i < d.n; i++)
            if (have[i]) {
                nb_hash_str(&d.h[i], nb_kinds[k].name);
                nb_hash_add(&d.h[i], kh[i], NB_HASH_SIZE);
            }
    }
    free(kh);
    free(have);
    static const char *const others[][2] = {
        {"SELECT body, year, markdown FROM text ORDER BY body, year", "text"},
        {"SELECT body, role, name, content FROM script ORDER BY body, role, name", "script"},
        {"SELECT body, year, format, tbl, row, col, value FROM figures ORDER BY body, year, tbl, "
         "row, col", "figures"},
        {"SELECT body, kind, year FROM coverage ORDER BY body, kind, year", "coverage"},
    };
    for (size_t i = 0; !e && i < sizeof others / sizeof others[0]; i++)
        e = hash_rows(s, &d, others[i][0], others[i][1], err, errlen);
    if (own && sqlite3_exec(s->db, e ? "ROLLBACK" : "COMMIT", NULL, NULL, NULL) != SQLITE_OK && !e)
        e = nb_store_sql_fail(s, err, errlen, "computing digests");
    if (!e && keep && own)
        keep_hashes(s, &fresh);
    free(fresh.f);
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

nb_err nb_digest_verify(nb_store *s, long *bad, char *why, size_t whylen, char *err,
                        size_t errlen)
{
    *bad = 0;
    if (why && whylen)
        why[0] = '\0';
    nb_err e = NB_OK;
    for (int k = 0; !e && k < nb_nkinds; k++) {
        const nb_kind *kd = &nb_kinds[k];
        digests d = {0};
        unsigned char(*kept)[KEPT_SIZE] = NULL;
        unsigned char *has_state = NULL;
        sqlite3_stmt *st;
        int cap = 0, rc;
        if (sqlite3_prepare_v2(s->db, "SELECT body, hash FROM digest WHERE kind = ?1 AND hash IS NOT NULL "
                                      "ORDER BY body", -1, &st, NULL) != SQLITE_OK)
            return nb_store_sql_fail(s, err, errlen, "verifying digests");
        sqlite3_bind_text(st, 1, kd->name, -1, SQLITE_STATIC);
        while (!e && (rc = sqlite3_step(st)) == SQLITE_ROW) {
            if (d.n == cap) {
                cap = cap ? cap * 2 : 64;
                int64_t *ni = realloc(d.ids, (size_t)cap * sizeof *ni);
                if (ni)
                    d.ids = ni;
                nb_hash *nh = ni ? realloc(d.h, (size_t)cap * sizeof *nh) : NULL;
                if (nh)
                    d.h = nh;
                long *nr = nh ? realloc(d.rows, (size_t)cap * sizeof *nr) : NULL;
                if (nr)
                    d.rows = nr;
                unsigned char(*nk)[KEPT_SIZE] = nr ? realloc(kept, (size_t)cap * sizeof *nk) : NULL;
                if (nk)
                    kept = nk;
                unsigned char *ns = nk ? realloc(has_state, (size_t)cap) : NULL;
                if (ns)
                    has_state = ns;
                if (!ns) {
                    snprintf(err, errlen, "out of memory");
                    e = NB_ERR_NOMEM;
                    break;
                }
            }
            d.ids[d.n] = sqlite3_column_int64(st, 0);
            d.rows[d.n] = 0;
            /* a digest kept without its state (by an older nianbao) is compared alone */
            int bytes = sqlite3_column_bytes(st, 1);
            memset(kept[d.n], 0, KEPT_SIZE);
            if (kept_size(bytes))
                memcpy(kept[d.n], sqlite3_column_blob(st, 1), (size_t)bytes);
            has_state[d.n] = bytes == KEPT_SIZE;
            nb_hash_init(&d.h[d.n++]);
        }
        sqlite3_finalize(st);
        if (!e && rc != SQLITE_DONE)
            e = nb_store_sql_fail(s, err, errlen, "verifying digests");
        if (!e && d.n > 0)
            e = hash_records(s, &d, kd, err, errlen);
        for (int i = 0; !e && i < d.n; i++) {
            unsigned char now[NB_HASH_SIZE], state[NB_HASH_STATE];
            nb_hash_save(&d.h[i], state);
            nb_hash_raw(&d.h[i], now);
            /* the state kept (when there is one) is the one the rows give too: an import
               of new records carries it on */
            if (d.rows[i] > 0 && memcmp(now, kept[i], NB_HASH_SIZE) == 0 &&
                (!has_state[i] || memcmp(kept[i] + NB_HASH_SIZE, state, NB_HASH_STATE) == 0))
                continue;
            if ((*bad)++ == 0 && why)
                snprintf(why, whylen, "the kept digest of the %s records of body %lld differs from the rows",
                         kd->name, (long long)d.ids[i]);
        }
        free(d.ids);
        free(d.h);
        free(d.rows);
        free(kept);
        free(has_state);
    }
    return e;
}

/* ---- the program's digest ---- */

typedef struct {
    char **paths; /* below the home */
    int n, cap;
} path_list;

/* Adds the Lua files under HOME/SUB (SUB's folders too, DEPTH levels more) to L; a folder
 * that is not there adds none. 0, or -1 with ERR (out of memory). */
static int lua_files(const char *home, const char *sub, int depth, path_list *l, char *err,
                     size_t errlen)
{
    char path[4096];
    snprintf(path, sizeof path, "%s/%s", home, sub);
    DIR *d = opendir(path);
    if (!d)
        return 0;
    struct dirent *e;
    int rc = 0;
    while (!rc && (e = readdir(d)) != NULL) {
        size_t len = strlen(e->d_name);
        if (e->d_name[0] == '.')
            continue;
        char rel[4096];
        if (snprintf(rel, sizeof rel, "%s/%s", sub, e->d_name) >= (int)sizeof rel)
            continue;
        if (len > 4 && strcmp(e->d_name + len - 4, ".lua") == 0) {
            if (l->n == l->cap) {
                int cap = l->cap ? 2 * l->cap : 64;
                char **p = realloc(l->paths, (size_t)cap * sizeof *p);
                if (!p) {
                    rc = -1;
                    break;
                }
                l->paths = p;
                l->cap = cap;
            }
            if (!(l->paths[l->n] = strdup(rel)))
                rc = -1;
            else
                l->n++;
        } else if (depth > 0) {
            char full[8192];
            struct stat st;
            snprintf(full, sizeof full, "%s/%s", home, rel);
            if (stat(full, &st) == 0 && S_ISDIR(st.st_mode))
                rc = lua_files(home, rel, depth - 1, l, err, errlen);
        }
    }
    closedir(d);
    if (rc && !err[0])
        snprintf(err, errlen, "out of memory");
    return rc;
}

static int path_cmp(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

nb_err nb_program_digest(const char *exe, const char *const *modules, int nmodules,
                         const char *home, char *hex, char *err, size_t errlen)
{
    nb_hash h;
    nb_err rc = NB_OK;
    path_list l = {0};
    err[0] = '\0';
    nb_hash_init(&h);
    if (exe && nb_hash_file(&h, exe, err, errlen) != 0)
        rc = NB_ERR_IO;
    for (int i = 0; i < nmodules; i++) {
        nb_hash_str(&h, "module");
        if (!rc && modules[i] && nb_hash_file(&h, modules[i], err, errlen) != 0)
            rc = NB_ERR_IO;
    }
    if (!rc && (lua_files(home, "lib", 2, &l, err, errlen) != 0 ||
                lua_files(home, "scripts", 2, &l, err, errlen) != 0))
        rc = NB_ERR_NOMEM;
    if (!rc)
        qsort(l.paths, (size_t)l.n, sizeof *l.paths, path_cmp);
    for (int i = 0; !rc && i < l.n; i++) {
        char full[8192];
        nb_hash one;
        unsigned char sum[NB_HASH_SIZE];
        snprintf(full, sizeof full, "%s/%s", home, l.paths[i]);
        nb_hash_init(&one);
        if (nb_hash_file(&one, full, err, errlen) != 0) {
            rc = NB_ERR_IO;
            break;
        }
        nb_hash_raw(&one, sum);
        nb_hash_str(&h, l.paths[i]);
        nb_hash_add(&h, sum, sizeof sum);
    }
    for (int i = 0; i < l.n; i++)
        free(l.paths[i]);
    free(l.paths);
    if (!rc)
        nb_hash_hex(&h, hex);
    return rc;
}

/* Adds each file under DIR (depth levels more) to H: its path, size and time of change, the
 * entries in byte order; *LEFT files at most (a folder that cannot be read adds nothing). */
static void hash_tree(nb_hash *h, const char *dir, int depth, long *left)
{
    struct dirent **list = NULL;
    int n = scandir(dir, &list, NULL, alphasort);
    for (int i = 0; i < n; i++) {
        const char *name = list[i]->d_name;
        char path[4096], line[4300];
        struct stat st;
        if (strcmp(name, ".") != 0 && strcmp(name, "..") != 0 && *left > 0 &&
            (size_t)snprintf(path, sizeof path, "%s/%s", dir, name) < sizeof path &&
            stat(path, &st) == 0) {
            if (S_ISDIR(st.st_mode)) {
                if (depth > 0)
                    hash_tree(h, path, depth - 1, left);
            } else {
                (*left)--;
                snprintf(line, sizeof line, "%s %lld %lld.%09ld", path, (long long)st.st_size,
                         (long long)st.st_mtim.tv_sec, st.st_mtim.tv_nsec);
                nb_hash_str(h, line);
            }
        }
        free(list[i]);
    }
    free(list);
}

void nb_fonts_digest(const char *const *dirs, int n, char *hex)
{
    nb_hash h;
    long left = 200000;
    nb_hash_init(&h);
    for (int i = 0; i < n; i++) {
        struct stat st;
        nb_hash_str(&h, dirs[i]);
        if (stat(dirs[i], &st) != 0)
            continue;
        if (S_ISDIR(st.st_mode))
            hash_tree(&h, dirs[i], 8, &left);
        else {
            char line[4300];
            snprintf(line, sizeof line, "%lld %lld.%09ld", (long long)st.st_size,
                     (long long)st.st_mtim.tv_sec, st.st_mtim.tv_nsec);
            nb_hash_str(&h, line);
        }
    }
    nb_hash_hex(&h, hex);
}

int nb_font_folders(char (*out)[4096], int max)
{
    const char *home = getenv("HOME"), *data = getenv("XDG_DATA_HOME"),
               *conf = getenv("XDG_CONFIG_HOME");
    const char *fixed[] = {getenv("FONTCONFIG_FILE"), getenv("FONTCONFIG_PATH"), "/etc/fonts",
                           "/usr/share/fonts", "/usr/local/share/fonts"};
    int n = 0;
    for (size_t i = 0; i < sizeof fixed / sizeof fixed[0] && n < max; i++)
        if (fixed[i] && *fixed[i])
            snprintf(out[n++], 4096, "%s", fixed[i]);
    if (home && *home && n < max)
        snprintf(out[n++], 4096, "%s/.fonts", home);
    if (n < max && data && *data)
        snprintf(out[n++], 4096, "%s/fonts", data);
    else if (n < max && home && *home)
        snprintf(out[n++], 4096, "%s/.local/share/fonts", home);
    if (n < max && conf && *conf)
        snprintf(out[n++], 4096, "%s/fontconfig", conf);
    else if (n < max && home && *home)
        snprintf(out[n++], 4096, "%s/.config/fontconfig", home);
    return n;
}
