/* tabulate.c - one-pass aggregation of records into cubes (flows, stocks, counts, sums). */
#include "tabulate.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "codes.h"

/* ---- cubes ---- */

void nb_cube_free(nb_cube *c)
{
    if (!c)
        return;
    for (int d = 0; d < c->ndims; d++) {
        for (int i = 0; c->labels[d] && i < c->dim_len[d]; i++)
            free(c->labels[d][i]);
        free(c->labels[d]);
        free(c->dim_name[d]);
    }
    if (c->ids)
        for (size_t i = 0; i < c->ncells; i++)
            free(c->ids[i].rid);
    free(c->ids);
    free(c->cells);
    free(c->table);
    free(c);
}

/* Adds dimension NAME with N labels (copied). Returns 0 or -1. */
static int cube_dim(nb_cube *c, const char *name, int n, const char *const *labels)
{
    int d = c->ndims;
    if (d == NB_CUBE_MAXDIMS)
        return -1;
    c->ndims++;
    c->dim_name[d] = strdup(name);
    c->dim_len[d] = n;
    c->labels[d] = calloc((size_t)(n ? n : 1), sizeof(char *));
    if (!c->dim_name[d] || !c->labels[d])
        return -1;
    for (int i = 0; i < n; i++)
        if (!(c->labels[d][i] = strdup(labels[i])))
            return -1;
    return 0;
}

static int cube_alloc(nb_cube *c, int track)
{
    c->ncells = 1;
    for (int d = 0; d < c->ndims; d++)
        c->ncells *= (size_t)c->dim_len[d];
    c->cells = calloc(c->ncells ? c->ncells : 1, sizeof *c->cells);
    if (!c->cells)
        return -1;
    if (track && !(c->ids = calloc(c->ncells ? c->ncells : 1, sizeof *c->ids)))
        return -1;
    return 0;
}

static int cell_add(nb_cube *c, size_t i, int64_t v, int64_t rid)
{
    if (__builtin_add_overflow(c->cells[i], v, &c->cells[i])) {
        c->overflow = 1;
        return -1;
    }
    if (!c->ids)
        return 0;
    nb_idlist *l = &c->ids[i];
    if (l->n == l->cap) {
        int cap = l->cap ? l->cap * 2 : 4;
        int64_t *r = realloc(l->rid, (size_t)cap * sizeof *r);
        if (!r)
            return -1;
        l->rid = r;
        l->cap = cap;
    }
    l->rid[l->n++] = rid;
    return 0;
}

int nb_cube_label(const nb_cube *c, int d, const char *label)
{
    if (d < 0 || d >= c->ndims)
        return -1;
    for (int i = 0; i < c->dim_len[d]; i++)
        if (strcmp(c->labels[d][i], label) == 0)
            return i;
    return -1;
}

/* Calls FN for every cell matching IDX (-1 = all of that dimension). */
static int cube_walk(const nb_cube *c, const int *idx, int d, size_t off,
                     int (*fn)(const nb_cube *, size_t, void *), void *ud)
{
    if (d == c->ndims)
        return fn(c, off, ud);
    size_t stride = 1;
    for (int e = d + 1; e < c->ndims; e++)
        stride *= (size_t)c->dim_len[e];
    if (idx[d] >= 0)
        return cube_walk(c, idx, d + 1, off + (size_t)idx[d] * stride, fn, ud);
    for (int i = 0; i < c->dim_len[d]; i++)
        if (cube_walk(c, idx, d + 1, off + (size_t)i * stride, fn, ud) != 0)
            return -1;
    return 0;
}

static int sum_fn(const nb_cube *c, size_t off, void *ud)
{
    *(int64_t *)ud += c->cells[off];
    return 0;
}

int64_t nb_cube_get(const nb_cube *c, const int *idx)
{
    int64_t v = 0;
    cube_walk(c, idx, 0, 0, sum_fn, &v);
    return v;
}

static int ids_fn(const nb_cube *c, size_t off, void *ud)
{
    nb_idlist *out = ud;
    const nb_idlist *l = &c->ids[off];
    if (l->n == 0)
        return 0;
    if (out->n + l->n > out->cap) {
        int cap = out->n + l->n + 16;
        int64_t *r = realloc(out->rid, (size_t)cap * sizeof *r);
        if (!r)
            return -1;
        out->rid = r;
        out->cap = cap;
    }
    memcpy(out->rid + out->n, l->rid, (size_t)l->n * sizeof *l->rid);
    out->n += l->n;
    return 0;
}

int nb_cube_ids(const nb_cube *c, const int *idx, nb_idlist *out)
{
    if (!c->ids)
        return -1;
    return cube_walk(c, idx, 0, 0, ids_fn, out);
}

/* The error of a failed cell_add. */
static nb_err add_failed(const nb_cube *c, char *err, size_t errlen)
{
    snprintf(err, errlen, "%s", c->overflow ? "a sum is too large for 64-bit integers"
                                            : "out of memory");
    return c->overflow ? NB_ERR_INPUT : NB_ERR_NOMEM;
}

/* NB_OK when a row loop ended at SQLITE_DONE, else the database error. */
static nb_err step_result(nb_store *s, int step, char *err, size_t errlen)
{
    if (step == SQLITE_DONE)
        return NB_OK;
    snprintf(err, errlen, "%s: %s", s->path, sqlite3_errmsg(s->db));
    return NB_ERR_SQL;
}

/* ---- shared set-up ---- */

typedef struct {
    nb_store *s;
    const nb_scope *sc;
    const nb_kind *k;
    nb_cube *c;
    int64_t *body_index; /* body id -> index, -1 absent (when every body) */
    int64_t max_body;
    int y0, ny;          /* years y0 .. y0+ny-1 */
    size_t inner;        /* cells per (body, year) block */
} tab;

static nb_err fail(char *err, size_t errlen, const char *msg)
{
    snprintf(err, errlen, "%s", msg);
    return NB_ERR_NOMEM;
}

/* Field index by name in the kind; -1 when absent. */
static int field(const nb_kind *k, const char *name)
{
    if (!name)
        return -1;
    int f = nb_field_find(k, name);
    return f >= 0 ? f : -1;
}

/* Labels of the dictionary of field F, in dictionary order. */
static int dict_labels(nb_store *s, const nb_field *fd, const char ***out)
{
    const char *dict = fd->dict ? fd->dict : fd->name;
    int n = 0;
    const char **l = calloc((size_t)s->ncodes + 1, sizeof *l);
    if (!l)
        return -1;
    for (int i = 0; i < s->ncodes; i++)
        if (s->dict_of[i] && strcmp(s->dict_of[i], dict) == 0)
            l[n++] = s->code_of[i];
    *out = l;
    return n;
}

/* Sets up the body and year dimensions. YMIN/YMAX: data range when every year. */
static nb_err tab_begin(tab *t, nb_store *s, const nb_scope *sc, int ymin, int ymax, char *err,
                        size_t errlen)
{
    memset(t, 0, sizeof *t);
    t->s = s;
    t->sc = sc;
    t->k = nb_kind_find(sc->kind);
    if (!t->k) {
        snprintf(err, errlen, "unknown record kind '%s'", sc->kind);
        return NB_ERR_INPUT;
    }
    t->c = calloc(1, sizeof *t->c);
    if (!t->c)
        return fail(err, errlen, "out of memory");
    t->c->kind = t->k->name;
    t->c->table = strdup(t->k->table);
    if (sc->body == 0) {
        sqlite3_stmt *st;
        if (sqlite3_prepare_v2(s->db, "SELECT id, name FROM body ORDER BY id", -1, &st, NULL)) {
            snprintf(err, errlen, "%s", sqlite3_errmsg(s->db));
            return NB_ERR_SQL;
        }
        char **names = NULL;
        int n = 0, bad = 0, step;
        int64_t *ids = NULL;
        while (!bad && (step = sqlite3_step(st)) == SQLITE_ROW) {
            char **nn = realloc(names, (size_t)(n + 1) * sizeof *nn);
            if (nn)
                names = nn;
            int64_t *ni = nn ? realloc(ids, (size_t)(n + 1) * sizeof *ni) : NULL;
            if (ni)
                ids = ni;
            char *name = ni ? strdup((const char *)sqlite3_column_text(st, 1)) : NULL;
            if (!name) {
                bad = 1;
                break;
            }
            ids[n] = sqlite3_column_int64(st, 0);
            names[n++] = name;
            if (ids[n - 1] > t->max_body)
                t->max_body = ids[n - 1];
        }
        sqlite3_finalize(st);
        if (!bad && step != SQLITE_DONE) {
            for (int i = 0; i < n; i++)
                free(names[i]);
            free(names);
            free(ids);
            return step_result(s, step, err, errlen);
        }
        if (!bad) {
            t->body_index = calloc((size_t)t->max_body + 1, sizeof *t->body_index);
            bad = !t->body_index;
        }
        if (!bad) {
            for (int64_t i = 0; i <= t->max_body; i++)
                t->body_index[i] = -1;
            for (int i = 0; i < n; i++)
                t->body_index[ids[i]] = i;
            bad = cube_dim(t->c, "body", n, (const char *const *)names) != 0;
        }
        for (int i = 0; i < n; i++)
            free(names[i]);
        free(names);
        free(ids);
        if (bad)
            return fail(err, errlen, "out of memory");
    }
    if (sc->year) {
        t->y0 = sc->year;
        t->ny = 1;
    } else {
        t->y0 = ymin;
        t->ny = ymax >= ymin && ymin > 0 ? ymax - ymin + 1 : 0;
        char **labels = calloc((size_t)t->ny + 1, sizeof *labels);
        if (!labels)
            return fail(err, errlen, "out of memory");
        int bad = 0;
        for (int i = 0; i < t->ny; i++) {
            labels[i] = malloc(8);
            if (!labels[i])
                bad = 1;
            else
                snprintf(labels[i], 8, "%d", t->y0 + i);
        }
        if (!bad && cube_dim(t->c, "year", t->ny, (const char *const *)labels) != 0)
            bad = 1;
        for (int i = 0; i < t->ny; i++)
            free(labels[i]);
        free(labels);
        if (bad)
            return fail(err, errlen, "out of memory");
    }
    return NB_OK;
}

/* After the inner dimensions were added: allocate. */
static nb_err tab_alloc(tab *t, char *err, size_t errlen)
{
    if (cube_alloc(t->c, t->sc->track_ids) != 0)
        return fail(err, errlen, "out of memory");
    int outer = (t->sc->body == 0) + (t->sc->year == 0);
    t->inner = 1;
    for (int d = outer; d < t->c->ndims; d++)
        t->inner *= (size_t)t->c->dim_len[d];
    return NB_OK;
}

/* Offset of the (body, year index) block; (size_t)-1 when out of scope. */
static size_t block(tab *t, int64_t body, int yi)
{
    size_t off = 0;
    if (t->sc->body == 0) {
        if (body < 0 || body > t->max_body || t->body_index[body] < 0)
            return (size_t)-1;
        off = (size_t)t->body_index[body] * (size_t)(t->sc->year ? 1 : t->ny);
    }
    if (t->sc->year == 0)
        off += (size_t)yi;
    return off * t->inner;
}

static void tab_end(tab *t)
{
    free(t->body_index);
}

/* Prepares SELECT rid, body, <cols> FROM kind [WHERE body = ?]. */
static nb_err select_rows(tab *t, const char *cols, sqlite3_stmt **st, char *err, size_t errlen)
{
    char sql[512];
    snprintf(sql, sizeof sql, "SELECT rid, body, %s FROM %s%s", cols, t->k->table,
             t->sc->body ? " WHERE body = ?1" : "");
    if (sqlite3_prepare_v2(t->s->db, sql, -1, st, NULL) != SQLITE_OK) {
        snprintf(err, errlen, "%s", sqlite3_errmsg(t->s->db));
        return NB_ERR_SQL;
    }
    if (t->sc->body)
        sqlite3_bind_int64(*st, 1, t->sc->body);
    return NB_OK;
}

/* Data year range of an expression, for every-year cubes. */
static void year_range(nb_store *s, const nb_scope *sc, const char *table, const char *lo,
                       const char *hi, int *ymin, int *ymax)
{
    char sql[512];
    *ymin = *ymax = 0;
    if (sc->year)
        return;
    snprintf(sql, sizeof sql, "SELECT min(%s) / 10000, max(%s) / 10000 FROM %s%s", lo, hi, table,
             sc->body ? " WHERE body = ?1" : "");
    sqlite3_stmt *st;
    if (sqlite3_prepare_v2(s->db, sql, -1, &st, NULL) != SQLITE_OK)
        return;
    if (sc->body)
        sqlite3_bind_int64(st, 1, sc->body);
    if (sqlite3_step(st) == SQLITE_ROW) {
        *ymin = sqlite3_column_int(st, 0);
        *ymax = sqlite3_column_int(st, 1);
    }
    sqlite3_finalize(st);
}

static nb_err finish(tab *t, nb_err rc, nb_cube **out)
{
    tab_end(t);
    if (rc != NB_OK) {
        nb_cube_free(t->c);
        *out = NULL;
    } else {
        *out = t->c;
    }
    return rc;
}

/* ---- flows ---- */

static const char *const request_rows[] = {
    "new", "carried_in", "1", "2", "3.1", "3.2", "3.3", "3.4", "3.5", "3.6", "3.7", "3.8",
    "4.1", "4.2", "4.3", "5.1", "5.2", "5.3", "5.4", "5.5", "6", "6.1", "6.2", "6.3",
    "closed", "carried_out"};
#define REQ_NEW 0
#define REQ_IN 1
#define REQ_CLOSED 24
#define REQ_OUT 25
static const char *const applicants[] = {"person", "business", "research", "ngo", "legal", "other"};
static const char *const case_rows[] = {"review", "suit", "suit_after_review"};
static const char *const case_cols[] = {"upheld", "corrected", "other", "pending"};

static int index_of(const char *const *list, int n, const char *s)
{
    for (int i = 0; s && i < n; i++)
        if (strcmp(list[i], s) == 0)
            return i;
    return -1;
}

/* The two inner dimensions of a flow, the cells, and the row cursor. */
static nb_err flow_begin(tab *t, const char *rows_name, int nrows, const char *const *rows,
                         const char *cols_name, int ncols, const char *const *cols,
                         const char *select, sqlite3_stmt **st, char *err, size_t errlen)
{
    nb_err rc;
    if (cube_dim(t->c, rows_name, nrows, rows) || cube_dim(t->c, cols_name, ncols, cols))
        return fail(err, errlen, "out of memory");
    if ((rc = tab_alloc(t, err, errlen)))
        return rc;
    return select_rows(t, select, st, err, errlen);
}

static nb_err flow_requests(tab *t, char *err, size_t errlen)
{
    sqlite3_stmt *st;
    int step;
    nb_err rc = flow_begin(t, "row", 26, request_rows, "applicant", 6, applicants,
                           "received, closed, applicant, outcome", &st, err, errlen);
    if (rc)
        return rc;
    while ((step = sqlite3_step(st)) == SQLITE_ROW) {
        int64_t rid = sqlite3_column_int64(st, 0), body = sqlite3_column_int64(st, 1);
        int r = sqlite3_column_int(st, 2), cl = sqlite3_column_int(st, 3);
        int a = index_of(applicants, 6, nb_store_code_str(t->s, sqlite3_column_int64(st, 4)));
        int o = index_of(request_rows, 26, nb_store_code_str(t->s, sqlite3_column_int64(st, 5)));
        if (a < 0)
            continue;
        for (int yi = 0; yi < t->ny; yi++) {
            size_t b = block(t, body, yi);
            if (b == (size_t)-1)
                break;
            int y = t->y0 + yi, ys = y * 10000 + 101, ye = y * 10000 + 1231;
            int ok = 0;
            if (r >= ys && r <= ye)
                ok |= cell_add(t->c, b + (size_t)(REQ_NEW * 6 + a), 1, rid);
            if (r < ys && (cl == 0 || cl >= ys))
                ok |= cell_add(t->c, b + (size_t)(REQ_IN * 6 + a), 1, rid);
            if (cl >= ys && cl <= ye && o >= 0) {
                ok |= cell_add(t->c, b + (size_t)(o * 6 + a), 1, rid);
                ok |= cell_add(t->c, b + (size_t)(REQ_CLOSED * 6 + a), 1, rid);
            }
            if (r <= ye && (cl == 0 || cl > ye))
                ok |= cell_add(t->c, b + (size_t)(REQ_OUT * 6 + a), 1, rid);
            if (ok) {
                sqlite3_finalize(st);
                return add_failed(t->c, err, errlen);
            }
        }
    }
    sqlite3_finalize(st);
    return step_result(t->s, step, err, errlen);
}

static nb_err flow_cases(tab *t, char *err, size_t errlen)
{
    sqlite3_stmt *st;
    int step;
    nb_err rc = flow_begin(t, "kind", 3, case_rows, "status", 4, case_cols,
                           "kind, filed, concluded, result", &st, err, errlen);
    if (rc)
        return rc;
    while ((step = sqlite3_step(st)) == SQLITE_ROW) {
        int64_t rid = sqlite3_column_int64(st, 0), body = sqlite3_column_int64(st, 1);
        int k = index_of(case_rows, 3, nb_store_code_str(t->s, sqlite3_column_int64(st, 2)));
        int f = sqlite3_column_int(st, 3), cl = sqlite3_column_int(st, 4);
        int res = index_of(case_cols, 3, nb_store_code_str(t->s, sqlite3_column_int64(st, 5)));
        if (k < 0)
            continue;
        for (int yi = 0; yi < t->ny; yi++) {
            size_t b = block(t, body, yi);
            if (b == (size_t)-1)
                break;
            int y = t->y0 + yi, ys = y * 10000 + 101, ye = y * 10000 + 1231;
            if (f > ye || (cl != 0 && cl < ys))
                continue; /* not active in the year */
            int col = (cl >= ys && cl <= ye && res >= 0) ? res : 3;
            if (cell_add(t->c, b + (size_t)(k * 4 + col), 1, rid)) {
                sqlite3_finalize(st);
                return add_failed(t->c, err, errlen);
            }
        }
    }
    sqlite3_finalize(st);
    return step_result(t->s, step, err, errlen);
}

nb_err nb_flow(nb_store *s, const nb_scope *sc, nb_cube **out, char *err, size_t errlen)
{
    tab t;
    int ymin, ymax;
    nb_err rc;
    *out = NULL;
    if (strcmp(sc->kind, "request") == 0) {
        year_range(s, sc, "request", "received", "max(received, coalesce(closed, 0))", &ymin,
                   &ymax);
    } else if (strcmp(sc->kind, "case") == 0) {
        year_range(s, sc, "appeal", "filed", "max(filed, coalesce(concluded, 0))", &ymin, &ymax);
    } else {
        snprintf(err, errlen, "flow: kind '%s' has no flow (request or case)", sc->kind);
        return NB_ERR_INPUT;
    }
    if ((rc = tab_begin(&t, s, sc, ymin, ymax, err, errlen)) == NB_OK)
        rc = sc->kind[0] == 'r' ? flow_requests(&t, err, errlen) : flow_cases(&t, err, errlen);
    return finish(&t, rc, out);
}

/* ---- stocks, counts and sums ---- */

/* Adds the breakdown dimension of field BY (or none); returns its field index. */
static int by_dim(tab *t, const char *by, char *err, size_t errlen, nb_err *rc)
{
    *rc = NB_OK;
    if (!by)
        return -1;
    int f = field(t->k, by);
    if (f < 0 || t->k->fields[f].type != NB_F_CAT) {
        snprintf(err, errlen, "%s has no categorical field '%s'", t->k->name, by);
        *rc = NB_ERR_INPUT;
        return -1;
    }
    const char **labels = NULL;
    int n = dict_labels(t->s, &t->k->fields[f], &labels);
    if (n < 0 || cube_dim(t->c, t->k->fields[f].name, n, labels) != 0) {
        free(labels);
        *rc = fail(err, errlen, "out of memory");
        return -1;
    }
    free(labels);
    return f;
}

static int by_index(tab *t, int d, int64_t code)
{
    const char *s = nb_store_code_str(t->s, code);
    return s ? nb_cube_label(t->c, d, s) : -1;
}

nb_err nb_stock(nb_store *s, const nb_scope *sc, const char *start, const char *end, int at,
                const char *by, nb_cube **out, char *err, size_t errlen)
{
    tab t;
    nb_err rc;
    *out = NULL;
    const nb_kind *k = nb_kind_find(sc->kind);
    int fs = k ? field(k, start) : -1, fe = k ? field(k, end) : -1;
    if (!k || fs < 0 || k->fields[fs].type != NB_F_DATE || (end && (fe < 0 || k->fields[fe].type != NB_F_DATE))) {
        snprintf(err, errlen, "stock: '%s' needs date fields (start '%s', end '%s')", sc->kind,
                 start ? start : "", end ? end : "");
        return NB_ERR_INPUT;
    }
    start = k->fields[fs].name; /* canonical names: the caller may give a header alias */
    end = end ? k->fields[fe].name : NULL;
    int ymin = 0, ymax = 0;
    nb_scope at_scope;
    if (at && !sc->year) { /* a stock at one date: one block, no year dimension */
        at_scope = *sc;
        at_scope.year = at / 10000;
        sc = &at_scope;
    }
    if (!at) {
        char hi[128];
        snprintf(hi, sizeof hi, "max(%s, coalesce(%s, 0))", start, end ? end : "0");
        year_range(s, sc, k->table, start, hi, &ymin, &ymax);
    }
    if ((rc = tab_begin(&t, s, sc, ymin, ymax, err, errlen)))
        return finish(&t, rc, out);
    int fb = by_dim(&t, by, err, errlen, &rc);
    if (rc || (rc = tab_alloc(&t, err, errlen)))
        return finish(&t, rc, out);
    char cols[256];
    snprintf(cols, sizeof cols, "%s, %s, %s", start, end ? end : "NULL",
             fb >= 0 ? k->fields[fb].name : "NULL");
    sqlite3_stmt *st;
    int step;
    if ((rc = select_rows(&t, cols, &st, err, errlen)))
        return finish(&t, rc, out);
    int bd = t.c->ndims - 1;
    while ((step = sqlite3_step(st)) == SQLITE_ROW) {
        if (sqlite3_column_type(st, 2) == SQLITE_NULL)
            continue;
        int64_t rid = sqlite3_column_int64(st, 0), body = sqlite3_column_int64(st, 1);
        int a = sqlite3_column_int(st, 2), e = sqlite3_column_int(st, 3);
        int bi = 0;
        if (fb >= 0 && (bi = by_index(&t, bd, sqlite3_column_int64(st, 4))) < 0)
            continue;
        for (int yi = 0; yi < t.ny; yi++) {
            size_t b = block(&t, body, yi);
            if (b == (size_t)-1)
                break;
            int date = at ? at : (t.y0 + yi) * 10000 + 1231;
            if (a <= date && (e == 0 || e > date) && cell_add(t.c, b + (size_t)bi, 1, rid)) {
                sqlite3_finalize(st);
                return finish(&t, add_failed(t.c, err, errlen), out);
            }
        }
    }
    sqlite3_finalize(st);
    return finish(&t, step_result(t.s, step, err, errlen), out);
}

nb_err nb_count_by(nb_store *s, const nb_scope *sc, const char *date, const char *by,
                   const char *sum, nb_cube **out, char *err, size_t errlen)
{
    tab t;
    nb_err rc;
    *out = NULL;
    const nb_kind *k = nb_kind_find(sc->kind);
    int fd = k ? field(k, date) : -1, fsum = k ? field(k, sum) : -1;
    if (!k || fd < 0 || k->fields[fd].type != NB_F_DATE) {
        snprintf(err, errlen, "count: '%s' has no date field '%s'", sc->kind, date ? date : "");
        return NB_ERR_INPUT;
    }
    if (sum && (fsum < 0 || (k->fields[fsum].type != NB_F_INT &&
                             k->fields[fsum].type != NB_F_MONEY))) {
        snprintf(err, errlen, "sum: '%s' has no number field '%s'", sc->kind, sum);
        return NB_ERR_INPUT;
    }
    date = k->fields[fd].name; /* canonical names: the caller may give a header alias */
    sum = sum ? k->fields[fsum].name : NULL;
    int ymin = 0, ymax = 0;
    year_range(s, sc, k->table, date, date, &ymin, &ymax);
    if ((rc = tab_begin(&t, s, sc, ymin, ymax, err, errlen)))
        return finish(&t, rc, out);
    int fb = by_dim(&t, by, err, errlen, &rc);
    if (rc || (rc = tab_alloc(&t, err, errlen)))
        return finish(&t, rc, out);
    char cols[256];
    snprintf(cols, sizeof cols, "%s, %s, %s", date, fsum >= 0 ? sum : "1",
             fb >= 0 ? k->fields[fb].name : "NULL");
    sqlite3_stmt *st;
    int step;
    if ((rc = select_rows(&t, cols, &st, err, errlen)))
        return finish(&t, rc, out);
    int bd = t.c->ndims - 1;
    while ((step = sqlite3_step(st)) == SQLITE_ROW) {
        int64_t rid = sqlite3_column_int64(st, 0), body = sqlite3_column_int64(st, 1);
        int d = sqlite3_column_int(st, 2);
        int64_t v = sqlite3_column_int64(st, 3);
        int yi = t.sc->year ? (d / 10000 == t.sc->year ? 0 : -1) : d / 10000 - t.y0;
        if (yi < 0 || yi >= t.ny)
            continue;
        int bi = 0;
        if (fb >= 0 && (bi = by_index(&t, bd, sqlite3_column_int64(st, 4))) < 0)
            continue;
        size_t b = block(&t, body, yi);
        if (b == (size_t)-1)
            continue;
        if (cell_add(t.c, b + (size_t)bi, v, rid)) {
            sqlite3_finalize(st);
            return finish(&t, add_failed(t.c, err, errlen), out);
        }
    }
    sqlite3_finalize(st);
    return finish(&t, step_result(t.s, step, err, errlen), out);
}
