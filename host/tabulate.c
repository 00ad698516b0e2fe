/* tabulate.c - one-pass aggregation of records into cubes (flows, stocks, counts, sums). */
#include "tabulate.h"

#include "pack.h"

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

/* Appends RID to the ids of cell I. */
static int add_id(nb_cube *c, size_t i, int64_t rid)
{
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

static int cell_add(nb_cube *c, size_t i, int64_t v, int64_t rid)
{
    if (__builtin_add_overflow(c->cells[i], v, &c->cells[i])) {
        c->overflow = 1;
        return -1;
    }
    return c->ids ? add_id(c, i, rid) : 0;
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

nb_err nb_cube_slice(const nb_cube *c, int index, nb_cube **out, char *err, size_t errlen)
{
    if (index == -1)
        return nb_cube_slice_set(c, NULL, -1, out, err, errlen);
    return nb_cube_slice_set(c, &index, 1, out, err, errlen);
}

nb_err nb_cube_slice_set(const nb_cube *c, const int *index, int nidx, nb_cube **out, char *err,
                         size_t errlen)
{
    *out = NULL;
    int bad_index = c->ndims < 1;
    for (int j = 0; !bad_index && j < nidx; j++)
        bad_index = index[j] < 0 || index[j] >= c->dim_len[0];
    if (bad_index) {
        snprintf(err, errlen, "slice: the cube has %d dimensions (at least 1) and %d labels in "
                              "the first", c->ndims, c->ndims ? c->dim_len[0] : 0);
        return NB_ERR_INPUT;
    }
    char *pick = calloc((size_t)c->dim_len[0] + 1, 1);
    nb_cube *n = pick ? calloc(1, sizeof *n) : NULL;
    int bad = !n;
    for (int j = 0; pick && j < c->dim_len[0]; j++)
        pick[j] = nidx < 0;
    for (int j = 0; pick && j < nidx; j++)
        pick[index[j]] = 1;
    for (int d = 1; !bad && d < c->ndims; d++)
        bad = cube_dim(n, c->dim_name[d], c->dim_len[d], (const char *const *)c->labels[d]) != 0;
    if (!bad) {
        n->kind = c->kind;
        bad = !(n->table = strdup(c->table)) || cube_alloc(n, c->ids != NULL) != 0;
    }
    size_t inner = n ? n->ncells : 0;
    for (int i = 0; !bad && i < c->dim_len[0]; i++) {
        if (!pick[i])
            continue;
        for (size_t k = 0; !bad && k < inner; k++) {
            const nb_idlist *l = c->ids ? &c->ids[(size_t)i * inner + k] : NULL;
            if (__builtin_add_overflow(n->cells[k], c->cells[(size_t)i * inner + k], &n->cells[k]))
                n->overflow = bad = 1;
            for (int r = 0; !bad && l && r < l->n; r++)
                bad = add_id(n, k, l->rid[r]) != 0;
        }
    }
    free(pick);
    if (bad) {
        nb_err rc = n && n->overflow ? NB_ERR_INPUT : NB_ERR_NOMEM;
        snprintf(err, errlen, "%s", rc == NB_ERR_INPUT ? "a sum is too large for 64-bit integers"
                                                       : "out of memory");
        nb_cube_free(n);
        return rc;
    }
    *out = n;
    return NB_OK;
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
    snprintf(err, errlen, "%s: %s", s->path, NB_ERRMSG(s->db));
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

/* Body ids beyond this are damage, not data (the id indexes an array). */
#define MAX_BODY_ID 10000000

/* The bodies of the store, in the order they were made: names and ids. */
typedef struct {
    char **names;
    int64_t *ids;
    int n;
} body_list;

static void body_list_free(body_list *b)
{
    for (int i = 0; i < b->n; i++)
        free(b->names[i]);
    free(b->names);
    free(b->ids);
}

static nb_err read_bodies(nb_store *s, body_list *b, int64_t *max, char *err, size_t errlen)
{
    sqlite3_stmt *st;
    int step, bad = 0;
    memset(b, 0, sizeof *b);
    if (sqlite3_prepare_v2(s->db, "SELECT id, name FROM body ORDER BY id", -1, &st, NULL)) {
        snprintf(err, errlen, "%s", NB_ERRMSG(s->db));
        return NB_ERR_SQL;
    }
    while (!bad && (step = sqlite3_step(st)) == SQLITE_ROW) {
        int64_t id = sqlite3_column_int64(st, 0);
        char **nn = realloc(b->names, (size_t)(b->n + 1) * sizeof *nn);
        if (nn)
            b->names = nn;
        int64_t *ni = nn ? realloc(b->ids, (size_t)(b->n + 1) * sizeof *ni) : NULL;
        if (ni)
            b->ids = ni;
        char *name = ni ? strdup((const char *)sqlite3_column_text(st, 1)) : NULL;
        bad = !name;
        if (name) {
            b->ids[b->n] = id;
            b->names[b->n++] = name;
            *max = id > *max ? id : *max;
        }
    }
    sqlite3_finalize(st);
    if (bad)
        return fail(err, errlen, "out of memory");
    if (*max > MAX_BODY_ID) {
        snprintf(err, errlen, "%s: damaged store: body id %lld", s->path, (long long)*max);
        return NB_ERR_NOSTORE;
    }
    return step_result(s, step, err, errlen);
}

/* The body dimension (every body of the store) and the index of each body id. */
static nb_err body_dim(tab *t, char *err, size_t errlen)
{
    body_list b;
    nb_err rc = read_bodies(t->s, &b, &t->max_body, err, errlen);
    if (!rc) {
        t->body_index = calloc((size_t)t->max_body + 1, sizeof *t->body_index);
        if (!t->body_index || cube_dim(t->c, "body", b.n, (const char *const *)b.names) != 0)
            rc = fail(err, errlen, "out of memory");
    }
    for (int64_t i = 0; !rc && i <= t->max_body; i++)
        t->body_index[i] = -1;
    for (int i = 0; !rc && i < b.n; i++)
        t->body_index[b.ids[i]] = i;
    body_list_free(&b);
    return rc;
}

/* The year dimension: YMIN .. YMAX. */
static nb_err year_dim(tab *t, int ymin, int ymax, char *err, size_t errlen)
{
    t->y0 = ymin;
    t->ny = ymax >= ymin && ymin > 0 ? ymax - ymin + 1 : 0;
    char **labels = calloc((size_t)t->ny + 1, sizeof *labels);
    int bad = !labels;
    for (int i = 0; !bad && i < t->ny; i++) {
        if (!(labels[i] = malloc(8)))
            bad = 1;
        else
            snprintf(labels[i], 8, "%d", t->y0 + i);
    }
    if (!bad && cube_dim(t->c, "year", t->ny, (const char *const *)labels) != 0)
        bad = 1;
    for (int i = 0; labels && i < t->ny; i++)
        free(labels[i]);
    free(labels);
    return bad ? fail(err, errlen, "out of memory") : NB_OK;
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
    if (!t->c || !(t->c->table = strdup(t->k->table)))
        return fail(err, errlen, "out of memory");
    t->c->kind = t->k->name;
    nb_err rc = sc->body == 0 ? body_dim(t, err, errlen) : NB_OK;
    if (rc)
        return rc;
    if (sc->year) {
        t->y0 = sc->year;
        t->ny = 1;
        return NB_OK;
    }
    return year_dim(t, ymin, ymax, err, errlen);
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

/* Prepares SELECT rid, body, <cols> FROM records_<kind> [WHERE body = ?]: the records one by
 * one, as store:query reads them (vtab.c), not the packed columns in bulk. */
static nb_err select_rows(tab *t, const char *cols, sqlite3_stmt **st, char *err, size_t errlen)
{
    char sql[512];
    snprintf(sql, sizeof sql, "SELECT rid, body, %s FROM records_%s%s", cols, t->k->table,
             t->sc->body ? " WHERE body = ?1" : "");
    if (sqlite3_prepare_v2(t->s->db, sql, -1, st, NULL) != SQLITE_OK) {
        snprintf(err, errlen, "%s", NB_ERRMSG(t->s->db));
        return NB_ERR_SQL;
    }
    if (t->sc->body)
        sqlite3_bind_int64(*st, 1, t->sc->body);
    return NB_OK;
}

/* The years of a cube of every year: none for one year, the scope's YMIN..YMAX when it
 * gives them, else the data's: from the earliest START to the latest START or END (END
 * NULL: START alone), from the packed columns' stats (or, with sc->rows, the records one
 * by one). */
static void data_years(nb_store *s, const nb_scope *sc, const nb_kind *k, const char *start,
                       const char *end, int *ymin, int *ymax)
{
    *ymin = *ymax = 0;
    if (sc->year)
        return;
    if (sc->ymin) {
        *ymin = sc->ymin;
        *ymax = sc->ymax;
        return;
    }
    if (!sc->rows) {
        int col[NB_MAX_FIELDS];
        int64_t lo, hi, lo2, hi2 = 0;
        char err[256];
        nb_pack_columns(k, NULL, col);
        if (nb_pack_range(s, k, sc->body, col[field(k, start)], &lo, &hi, err, sizeof err) ||
            (end && nb_pack_range(s, k, sc->body, col[field(k, end)], &lo2, &hi2, err, sizeof err)) ||
            lo == 0)
            return;
        *ymin = nb_pack_ymd(lo) / 10000;
        *ymax = nb_pack_ymd(hi > hi2 ? hi : hi2) / 10000;
        return;
    }
    char sql[512];
    snprintf(sql, sizeof sql,
             "SELECT min(%s) / 10000, max(max(%s, coalesce(%s, 0))) / 10000 FROM records_%s%s", start,
             start, end ? end : "0", k->table, sc->body ? " WHERE body = ?1" : "");
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

/* ---- the packed columns ---- */

/* A pass over the packed columns of the cube's kind, in its scope. */
typedef struct {
    tab *t;
    nb_pack_cursor *cur;
    int col_of[NB_MAX_FIELDS]; /* field -> packed column */
    int64_t *jan1;             /* day codes of 1 January of y0 .. y0+ny */
    size_t block0;             /* the current part's body's first block */
    int skip;                  /* the current part's body is out of scope */
} packs;

static nb_err packs_begin(packs *p, tab *t, char *err, size_t errlen)
{
    memset(p, 0, sizeof *p);
    p->t = t;
    nb_pack_columns(t->k, NULL, p->col_of);
    if (!(p->jan1 = malloc(((size_t)t->ny + 1) * sizeof *p->jan1)))
        return fail(err, errlen, "out of memory");
    for (int i = 0; i <= t->ny; i++)
        p->jan1[i] = nb_pack_day((t->y0 + i) * 10000 + 101);
    /* what the open transaction changed, written into the parts first (as a level's begin
       does): a cube made after a write at the caller's level counts it */
    nb_err rc = t->s->pack && t->s->depth > 0 ? nb_pack_sync(t->s, err, errlen) : NB_OK;
    if (!rc)
        rc = nb_pack_open(t->s, t->k, t->sc->body, &p->cur, err, errlen);
    if (!rc)
        nb_pack_slices(p->cur); /* each record is read once, in order */
    return rc;
}

/* The next part, with the offset of its body's first block. */
static nb_err packs_next(packs *p, const nb_pack_part **part, char *err, size_t errlen)
{
    nb_err rc = nb_pack_next(p->cur, part, err, errlen);
    if (rc == NB_OK) {
        p->block0 = block(p->t, (*part)->body, 0);
        p->skip = p->block0 == (size_t)-1 || p->t->ny == 0;
    }
    return rc;
}

static nb_err packs_end(packs *p, nb_err rc)
{
    nb_pack_close(p->cur);
    free(p->jan1);
    return rc == NB_DONE ? NB_OK : rc;
}

/* The index of the year of day code D among the NY years starting at JAN1[0]: -1 before
 * them, NY after them. */
static int year_index(const int64_t *jan1, int ny, int64_t d)
{
    if (d < jan1[0])
        return -1;
    if (d >= jan1[ny])
        return ny;
    int i = (int)((d - jan1[0]) / 366);
    while (d >= jan1[i + 1])
        i++;
    return i;
}

/* ---- flows ---- */

/* A dimension made of a dictionary's values in catalogue order (national) or
 * store order (open vocabulary), with fixed labels before and after, and the
 * index of each dictionary id in it. */
typedef struct {
    const char **labels;
    int n;
    int *index_of_id; /* dictionary id -> label index, -1 when not in it */
} dict_dim;

static void dict_dim_free(dict_dim *d)
{
    free(d->labels);
    free(d->index_of_id);
}

static int dict_dim_make(nb_store *s, const char *dict, const char *const *before, int nbefore,
                         const char *const *after, int nafter, dict_dim *d)
{
    const nb_dict *nd = nb_dict_find(dict);
    int max = nbefore + nafter + (nd ? nd->nvalues : s->ncodes);
    memset(d, 0, sizeof *d);
    d->labels = calloc((size_t)max + 1, sizeof *d->labels);
    d->index_of_id = malloc(((size_t)s->ncodes + 1) * sizeof *d->index_of_id);
    if (!d->labels || !d->index_of_id)
        return -1;
    for (int i = 0; i <= s->ncodes; i++)
        d->index_of_id[i] = -1;
    for (int i = 0; i < nbefore; i++)
        d->labels[d->n++] = before[i];
    for (int i = 0; nd && i < nd->nvalues; i++) {
        if (nd->values[i].group)
            continue;
        int64_t id = nb_store_code(s, dict, nd->values[i].code);
        if (id > 0 && id < s->ncodes)
            d->index_of_id[id] = d->n;
        d->labels[d->n++] = nd->values[i].code;
    }
    for (int i = 0; !nd && i < s->ncodes; i++)
        if (s->dict_of[i] && strcmp(s->dict_of[i], dict) == 0) {
            d->index_of_id[i] = d->n;
            d->labels[d->n++] = s->code_of[i];
        }
    for (int i = 0; i < nafter; i++)
        d->labels[d->n++] = after[i];
    return 0;
}

/* The index in D of dictionary id ID (a column value), -1 when none. */
static int dim_index(const nb_store *s, const dict_dim *d, int64_t id)
{
    return id > 0 && id < s->ncodes ? d->index_of_id[id] : -1;
}

/* The dictionary of field NAME of kind K. */
static const char *field_dict(const nb_kind *k, const char *name)
{
    const nb_field *f = &k->fields[nb_field_find(k, name)];
    return f->dict ? f->dict : f->name;
}

/* The dimensions of a flow: states and results by the breakdown (requests) or
 * the breakdown by results and pending (cases). */
typedef struct {
    dict_dim rows, cols;
    int state_rows;            /* rows are states and results */
    int r_new, r_in, r_closed, r_out; /* state rows (state_rows) */
    int c_pending;             /* pending column (!state_rows) */
} flow_dims;

static const char *const states_before[] = {"new", "carried_in"};
static const char *const states_after[] = {"closed", "carried_out"};
static const char *const pending[] = {"pending"};

static nb_err flow_dims_make(tab *t, const nb_flowdef *fd, flow_dims *fl, char *err,
                             size_t errlen)
{
    const char *rdict = field_dict(t->k, fd->result), *bdict = field_dict(t->k, fd->by);
    int bad;
    memset(fl, 0, sizeof *fl);
    fl->state_rows = fd->states_as_rows;
    if (fl->state_rows)
        bad = dict_dim_make(t->s, rdict, states_before, 2, states_after, 2, &fl->rows) ||
              dict_dim_make(t->s, bdict, NULL, 0, NULL, 0, &fl->cols) ||
              cube_dim(t->c, "row", fl->rows.n, fl->rows.labels) ||
              cube_dim(t->c, fd->by, fl->cols.n, fl->cols.labels);
    else
        bad = dict_dim_make(t->s, bdict, NULL, 0, NULL, 0, &fl->rows) ||
              dict_dim_make(t->s, rdict, NULL, 0, pending, 1, &fl->cols) ||
              cube_dim(t->c, fd->by, fl->rows.n, fl->rows.labels) ||
              cube_dim(t->c, "status", fl->cols.n, fl->cols.labels);
    if (bad)
        return fail(err, errlen, "out of memory");
    fl->r_new = 0, fl->r_in = 1;
    fl->r_closed = fl->rows.n - 2, fl->r_out = fl->rows.n - 1;
    fl->c_pending = fl->cols.n - 1;
    return tab_alloc(t, err, errlen);
}

/* Adds record RID (opened OPEN, closed CLOSE or 0, result index RES in the
 * result dimension or -1, breakdown index BY) to the block B of the year from YS to YE
 * (dates as YYYYMMDD, or day codes of the packed columns: any order-keeping code). */
static int flow_add(tab *t, const flow_dims *fl, size_t b, int64_t ys, int64_t ye, int64_t open,
                    int64_t close, int res, int by, int64_t rid)
{
    int ok = 0;
    size_t nc = (size_t)fl->cols.n;
    int closed_in = close >= ys && close <= ye;
    int open_at_end = open <= ye && (close == 0 || close > ye);
    if (!fl->state_rows) {
        if (open > ye || (close != 0 && close < ys))
            return 0; /* not active in the year */
        int col = closed_in && res >= 0 ? res : fl->c_pending;
        return cell_add(t->c, b + (size_t)by * nc + (size_t)col, 1, rid);
    }
    if (open >= ys && open <= ye)
        ok |= cell_add(t->c, b + (size_t)fl->r_new * nc + (size_t)by, 1, rid);
    if (open < ys && (close == 0 || close >= ys))
        ok |= cell_add(t->c, b + (size_t)fl->r_in * nc + (size_t)by, 1, rid);
    if (closed_in && res >= 0) {
        ok |= cell_add(t->c, b + (size_t)res * nc + (size_t)by, 1, rid);
        ok |= cell_add(t->c, b + (size_t)fl->r_closed * nc + (size_t)by, 1, rid);
    }
    if (open_at_end)
        ok |= cell_add(t->c, b + (size_t)fl->r_out * nc + (size_t)by, 1, rid);
    return ok;
}

/* One pass over the kind's rows (when the record ids are kept). */
static nb_err flow_from_rows(tab *t, const nb_flowdef *fd, flow_dims *fl, char *err,
                             size_t errlen)
{
    sqlite3_stmt *st = NULL;
    char cols[256];
    int step = SQLITE_DONE;
    snprintf(cols, sizeof cols, "%s, %s, %s, %s", fd->start, fd->end, fd->result, fd->by);
    nb_err rc = select_rows(t, cols, &st, err, errlen);
    dict_dim *res_dim = fl->state_rows ? &fl->rows : &fl->cols;
    dict_dim *by_dim = fl->state_rows ? &fl->cols : &fl->rows;
    while (!rc && (step = sqlite3_step(st)) == SQLITE_ROW) {
        int64_t rid = sqlite3_column_int64(st, 0), body = sqlite3_column_int64(st, 1);
        int open = sqlite3_column_int(st, 2), close = sqlite3_column_int(st, 3);
        int res = dim_index(t->s, res_dim, sqlite3_column_int64(st, 4));
        int by = dim_index(t->s, by_dim, sqlite3_column_int64(st, 5));
        if (by < 0)
            continue;
        for (int yi = 0; yi < t->ny; yi++) {
            size_t b = block(t, body, yi);
            if (b == (size_t)-1)
                break;
            int y = t->y0 + yi;
            if (flow_add(t, fl, b, y * 10000 + 101, y * 10000 + 1231, open, close, res, by, rid)) {
                rc = add_failed(t->c, err, errlen);
                break;
            }
        }
    }
    if (!rc)
        rc = step_result(t->s, step, err, errlen);
    sqlite3_finalize(st);
    return rc;
}

/* One pass over the kind's packed columns: each record visits only the years from its
 * opening to its closing (in the others it counts nowhere). */
static nb_err flow_from_packs(tab *t, const nb_flowdef *fd, flow_dims *fl, char *err,
                              size_t errlen)
{
    packs p;
    nb_err rc = packs_begin(&p, t, err, errlen);
    int cs = p.col_of[field(t->k, fd->start)], ce = p.col_of[field(t->k, fd->end)];
    int cr = p.col_of[field(t->k, fd->result)], cb = p.col_of[field(t->k, fd->by)];
    if (!rc) {
        /* the parts whose records are all opened after the years, or all closed before
           them, are not read; of the others, the four columns a flow reads alone */
        const int want[] = {cs, ce, cr, cb};
        nb_pack_window(p.cur, cs, ce, p.jan1[0], p.jan1[t->ny]);
        nb_pack_want(p.cur, want, 4);
    }
    dict_dim *res_dim = fl->state_rows ? &fl->rows : &fl->cols;
    dict_dim *by_dim = fl->state_rows ? &fl->cols : &fl->rows;
    const nb_pack_part *part;
    int in[NB_PACK_PART]; /* the part's records in the years */
    while (!rc && (rc = packs_next(&p, &part, err, errlen)) == NB_OK) {
        if (p.skip)
            continue;
        const int64_t *open = part->col[cs], *close = part->col[ce];
        const int64_t *result = part->col[cr], *byv = part->col[cb];
        int64_t lo = p.jan1[0], hi = p.jan1[t->ny]; /* the years' first day, the day after */
        /* a part whose stats put all its records in the years is read whole; of another,
           the records in the years are picked first, without a branch: in a body's history
           of many years, in random order, whether each is in is a coin toss the processor
           cannot guess */
        const int *pick = NULL;
        int nin = part->n;
        if (!part->in_window) {
            nin = 0;
            for (int i = 0; i < part->n; i++) {
                in[nin] = i;
                /* opened before the years' end, and open or closed after their start */
                nin += (open[i] < hi) & ((close[i] == 0) | (close[i] >= lo));
            }
            pick = in;
        }
        for (int j = 0; j < nin && !rc; j++) {
            int i = pick ? pick[j] : j;
            int by = dim_index(t->s, by_dim, byv[i]);
            if (by < 0)
                continue;
            int res = dim_index(t->s, res_dim, result[i]);
            int first = year_index(p.jan1, t->ny, open[i]);
            int last = close[i] ? year_index(p.jan1, t->ny, close[i]) : t->ny - 1;
            if (first < 0)
                first = 0;
            if (last >= t->ny)
                last = t->ny - 1;
            for (int yi = first; yi <= last; yi++)
                if (flow_add(t, fl, p.block0 + (size_t)yi * t->inner, p.jan1[yi],
                             p.jan1[yi + 1] - 1, open[i], close[i], res, by, part->rid[i])) {
                    rc = add_failed(t->c, err, errlen);
                    break;
                }
        }
    }
    return packs_end(&p, rc);
}

static nb_err flow_rows(tab *t, const nb_flowdef *fd, char *err, size_t errlen)
{
    flow_dims fl;
    nb_err rc = flow_dims_make(t, fd, &fl, err, errlen);
    if (!rc)
        rc = t->sc->rows ? flow_from_rows(t, fd, &fl, err, errlen)
                              : flow_from_packs(t, fd, &fl, err, errlen);
    dict_dim_free(&fl.rows);
    dict_dim_free(&fl.cols);
    return rc;
}

/* The kinds that have a flow, for the message about one that has none. */
static nb_err no_flow(const char *kind, char *err, size_t errlen)
{
    nb_buf b = {0};
    for (int i = 0; i < nb_nkinds; i++)
        if (nb_kinds[i].flow)
            nb_buf_printf(&b, "%s%s", b.len ? " or " : "", nb_kinds[i].name);
    snprintf(err, errlen, "flow: kind '%s' has no flow (%s)", kind, b.data ? b.data : "");
    nb_buf_free(&b);
    return NB_ERR_INPUT;
}

nb_err nb_flow(nb_store *s, const nb_scope *sc, nb_cube **out, char *err, size_t errlen)
{
    tab t;
    int ymin, ymax;
    nb_err rc;
    *out = NULL;
    const nb_kind *k = nb_kind_find(sc->kind);
    if (!k || !k->flow)
        return no_flow(sc->kind, err, errlen);
    data_years(s, sc, k, k->flow->start, k->flow->end, &ymin, &ymax);
    if ((rc = tab_begin(&t, s, sc, ymin, ymax, err, errlen)) == NB_OK)
        rc = flow_rows(&t, k->flow, err, errlen);
    return finish(&t, rc, out);
}

/* ---- stocks, counts and sums ---- */

/* Adds the breakdown dimension of field BY (or none) into D; returns its
 * field index. */
static int by_dim(tab *t, const char *by, dict_dim *d, char *err, size_t errlen, nb_err *rc)
{
    *rc = NB_OK;
    memset(d, 0, sizeof *d);
    if (!by)
        return -1;
    int f = field(t->k, by);
    if (f < 0 || t->k->fields[f].type != NB_F_CAT) {
        snprintf(err, errlen, "%s has no categorical field '%s'", t->k->name, by);
        *rc = NB_ERR_INPUT;
        return -1;
    }
    const nb_field *fd = &t->k->fields[f];
    if (dict_dim_make(t->s, fd->dict ? fd->dict : fd->name, NULL, 0, NULL, 0, d) != 0 ||
        cube_dim(t->c, fd->name, d->n, d->labels) != 0) {
        *rc = fail(err, errlen, "out of memory");
        return -1;
    }
    return f;
}

/* A stock or count in the making: the breakdown and the row cursor. */
typedef struct {
    tab t;
    dict_dim bd;
    int fb;              /* breakdown field, -1 none */
    sqlite3_stmt *st;
} pass;

/* After tab_begin: the breakdown dimension, the cells, and the cursor over
 * "rid, body, COLS, <breakdown>". */
static nb_err pass_begin(pass *p, const char *by, const char *cols, char *err, size_t errlen)
{
    nb_err rc;
    char sel[512];
    p->fb = by_dim(&p->t, by, &p->bd, err, errlen, &rc);
    if (rc || (rc = tab_alloc(&p->t, err, errlen)))
        return rc;
    if (!p->t.sc->rows)
        return NB_OK; /* from the packed columns */
    snprintf(sel, sizeof sel, "%s, %s", cols, p->fb >= 0 ? p->t.k->fields[p->fb].name : "NULL");
    return select_rows(&p->t, sel, &p->st, err, errlen);
}

/* The breakdown index of the current row (column COL), -1 to skip the row. */
static int pass_by(pass *p, int col)
{
    return p->fb < 0 ? 0 : dim_index(p->t.s, &p->bd, sqlite3_column_int64(p->st, col));
}

static nb_err pass_end(pass *p, nb_err rc, int step, nb_cube **out, char *err, size_t errlen)
{
    if (!rc)
        rc = step_result(p->t.s, step, err, errlen);
    sqlite3_finalize(p->st);
    dict_dim_free(&p->bd);
    return finish(&p->t, rc, out);
}

/* Checks the fields of a stock; sets their canonical names (the caller may
 * give a header alias). */
static nb_err stock_fields(const nb_kind *k, const char *kind, const char **start,
                           const char **end, char *err, size_t errlen)
{
    int fs = k ? field(k, *start) : -1, fe = k ? field(k, *end) : -1;
    if (!k || fs < 0 || k->fields[fs].type != NB_F_DATE ||
        (*end && (fe < 0 || k->fields[fe].type != NB_F_DATE))) {
        snprintf(err, errlen, "stock: '%s' needs date fields (start '%s', end '%s')", kind,
                 *start ? *start : "", *end ? *end : "");
        return NB_ERR_INPUT;
    }
    *start = k->fields[fs].name;
    *end = *end ? k->fields[fe].name : NULL;
    return NB_OK;
}

nb_err nb_stock(nb_store *s, const nb_scope *sc, const char *start, const char *end, int at,
                const char *by, nb_cube **out, char *err, size_t errlen)
{
    pass p = {0};
    char cols[256];
    int ymin = 0, ymax = 0, step = SQLITE_DONE;
    nb_scope at_scope;
    *out = NULL;
    const nb_kind *k = nb_kind_find(sc->kind);
    nb_err rc = stock_fields(k, sc->kind, &start, &end, err, errlen);
    if (rc)
        return rc;
    if (at && !sc->year) { /* a stock at one date: one block, no year dimension */
        at_scope = *sc;
        at_scope.year = at / 10000;
        sc = &at_scope;
    }
    int col[NB_MAX_FIELDS];
    nb_pack_columns(k, NULL, col);
    int cs = col[field(k, start)], ce = end ? col[field(k, end)] : -1;
    if (!at)
        data_years(s, sc, k, start, end, &ymin, &ymax);
    snprintf(cols, sizeof cols, "%s, %s", start, end ? end : "NULL");
    if ((rc = tab_begin(&p.t, s, sc, ymin, ymax, err, errlen)) ||
        (rc = pass_begin(&p, by, cols, err, errlen)))
        return pass_end(&p, rc, step, out, err, errlen);
    if (!sc->rows) {
        packs pk;
        const nb_pack_part *part;
        int cb = p.fb >= 0 ? col[p.fb] : -1;
        int64_t at_day = at ? nb_pack_day(at) : 0;
        rc = packs_begin(&pk, &p.t, err, errlen);
        while (!rc && (rc = packs_next(&pk, &part, err, errlen)) == NB_OK) {
            if (pk.skip)
                continue;
            const int64_t *a = part->col[cs], *e = ce >= 0 ? part->col[ce] : NULL;
            for (int i = 0; i < part->n && !rc; i++) {
                int bi = cb < 0 ? 0 : dim_index(s, &p.bd, part->col[cb][i]);
                if (a[i] == 0 || bi < 0)
                    continue;
                int64_t ei = e ? e[i] : 0;
                int first = at ? 0 : year_index(pk.jan1, p.t.ny, a[i]);
                for (int yi = first < 0 ? 0 : first; yi < p.t.ny; yi++) {
                    int64_t date = at ? at_day : pk.jan1[yi + 1] - 1;
                    if (ei != 0 && ei <= date)
                        break; /* ended: in no later year either */
                    if (a[i] <= date &&
                        cell_add(p.t.c, pk.block0 + (size_t)yi * p.t.inner + (size_t)bi, 1,
                                 part->rid[i])) {
                        rc = add_failed(p.t.c, err, errlen);
                        break;
                    }
                }
            }
        }
        rc = packs_end(&pk, rc);
        return pass_end(&p, rc, SQLITE_DONE, out, err, errlen);
    }
    while (!rc && (step = sqlite3_step(p.st)) == SQLITE_ROW) {
        int64_t rid = sqlite3_column_int64(p.st, 0), body = sqlite3_column_int64(p.st, 1);
        int a = sqlite3_column_int(p.st, 2), e = sqlite3_column_int(p.st, 3);
        int bi = pass_by(&p, 4);
        if (sqlite3_column_type(p.st, 2) == SQLITE_NULL || bi < 0)
            continue;
        for (int yi = 0; yi < p.t.ny && !rc; yi++) {
            size_t b = block(&p.t, body, yi);
            if (b == (size_t)-1)
                break;
            int date = at ? at : (p.t.y0 + yi) * 10000 + 1231;
            if (a <= date && (e == 0 || e > date) && cell_add(p.t.c, b + (size_t)bi, 1, rid))
                rc = add_failed(p.t.c, err, errlen);
        }
    }
    return pass_end(&p, rc, step, out, err, errlen);
}

/* Checks the fields of a count or sum; sets their canonical names. */
static nb_err count_fields(const nb_kind *k, const char *kind, const char **date,
                           const char **sum, char *err, size_t errlen)
{
    int fd = k ? field(k, *date) : -1, fsum = k ? field(k, *sum) : -1;
    if (!k || fd < 0 || k->fields[fd].type != NB_F_DATE) {
        snprintf(err, errlen, "count: '%s' has no date field '%s'", kind, *date ? *date : "");
        return NB_ERR_INPUT;
    }
    if (*sum && (fsum < 0 || (k->fields[fsum].type != NB_F_INT &&
                              k->fields[fsum].type != NB_F_MONEY))) {
        snprintf(err, errlen, "sum: '%s' has no number field '%s'", kind, *sum);
        return NB_ERR_INPUT;
    }
    *date = k->fields[fd].name;
    *sum = *sum ? k->fields[fsum].name : NULL;
    return NB_OK;
}

nb_err nb_count_by(nb_store *s, const nb_scope *sc, const char *date, const char *by,
                   const char *sum, nb_cube **out, char *err, size_t errlen)
{
    pass p = {0};
    char cols[256];
    int ymin = 0, ymax = 0, step = SQLITE_DONE;
    *out = NULL;
    const nb_kind *k = nb_kind_find(sc->kind);
    nb_err rc = count_fields(k, sc->kind, &date, &sum, err, errlen);
    if (rc)
        return rc;
    int col[NB_MAX_FIELDS];
    nb_pack_columns(k, NULL, col);
    int cd = col[field(k, date)], cv = sum ? col[field(k, sum)] : -1;
    data_years(s, sc, k, date, NULL, &ymin, &ymax);
    snprintf(cols, sizeof cols, "%s, %s", date, sum ? sum : "1");
    if ((rc = tab_begin(&p.t, s, sc, ymin, ymax, err, errlen)) ||
        (rc = pass_begin(&p, by, cols, err, errlen)))
        return pass_end(&p, rc, step, out, err, errlen);
    if (!sc->rows) {
        packs pk;
        const nb_pack_part *part;
        int cb = p.fb >= 0 ? col[p.fb] : -1;
        rc = packs_begin(&pk, &p.t, err, errlen);
        while (!rc && (rc = packs_next(&pk, &part, err, errlen)) == NB_OK) {
            if (pk.skip)
                continue;
            const int64_t *d = part->col[cd], *v = cv >= 0 ? part->col[cv] : NULL;
            for (int i = 0; i < part->n; i++) {
                int yi = year_index(pk.jan1, p.t.ny, d[i]);
                int bi = cb < 0 ? 0 : dim_index(s, &p.bd, part->col[cb][i]);
                if (yi < 0 || yi >= p.t.ny || bi < 0)
                    continue;
                if (cell_add(p.t.c, pk.block0 + (size_t)yi * p.t.inner + (size_t)bi, v ? v[i] : 1,
                             part->rid[i])) {
                    rc = add_failed(p.t.c, err, errlen);
                    break;
                }
            }
        }
        rc = packs_end(&pk, rc);
        return pass_end(&p, rc, SQLITE_DONE, out, err, errlen);
    }
    while (!rc && (step = sqlite3_step(p.st)) == SQLITE_ROW) {
        int64_t rid = sqlite3_column_int64(p.st, 0), body = sqlite3_column_int64(p.st, 1);
        int d = sqlite3_column_int(p.st, 2);
        int64_t v = sqlite3_column_int64(p.st, 3);
        int yi = p.t.sc->year ? (d / 10000 == p.t.sc->year ? 0 : -1) : d / 10000 - p.t.y0;
        int bi = pass_by(&p, 4);
        if (yi < 0 || yi >= p.t.ny || bi < 0)
            continue;
        size_t b = block(&p.t, body, yi);
        if (b != (size_t)-1 && cell_add(p.t.c, b + (size_t)bi, v, rid))
            rc = add_failed(p.t.c, err, errlen);
    }
    return pass_end(&p, rc, step, out, err, errlen);
}
