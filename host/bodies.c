/* bodies.c - the body tree: listing, subtrees, record counts, parents, bodies files. */
#include "bodies.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "codes.h"
#include "pack.h"
#include "reader.h"

/* ---- reading ---- */

void nb_bodies_free(nb_bodies *b)
{
    for (int i = 0; i < b->n; i++) {
        free(b->v[i].name);
        free(b->v[i].code);
    }
    free(b->v);
    b->v = NULL;
    b->n = 0;
}

static char *dup_col(sqlite3_stmt *st, int col)
{
    const char *t = (const char *)sqlite3_column_text(st, col);
    return t ? strdup(t) : NULL;
}

nb_err nb_bodies_read(nb_store *s, nb_bodies *out, char *err, size_t errlen)
{
    sqlite3_stmt *st;
    memset(out, 0, sizeof *out);
    if (sqlite3_prepare_v2(s->db, "SELECT id, coalesce(parent, 0), name, code, rollup FROM body "
                                  "ORDER BY id",
                           -1, &st, NULL) != SQLITE_OK)
        return nb_store_sql_fail(s, err, errlen, "reading the bodies");
    int step, cap = 0, bad = 0;
    while (!bad && (step = sqlite3_step(st)) == SQLITE_ROW) {
        if (out->n == cap) {
            cap = cap ? cap * 2 : 16;
            nb_body *nv = realloc(out->v, (size_t)cap * sizeof *nv);
            if (!nv) {
                bad = 1;
                break;
            }
            out->v = nv;
        }
        nb_body *b = &out->v[out->n];
        b->id = sqlite3_column_int64(st, 0);
        b->parent = sqlite3_column_int64(st, 1);
        b->name = dup_col(st, 2);
        b->code = dup_col(st, 3);
        b->rollup = sqlite3_column_int(st, 4) != 0;
        out->n++;
        bad = !b->name || (sqlite3_column_type(st, 3) != SQLITE_NULL && !b->code);
    }
    sqlite3_finalize(st);
    if (bad) {
        nb_bodies_free(out);
        snprintf(err, errlen, "out of memory");
        return NB_ERR_NOMEM;
    }
    if (step != SQLITE_DONE) {
        nb_bodies_free(out);
        return nb_store_sql_fail(s, err, errlen, "reading the bodies");
    }
    return NB_OK;
}

const nb_body *nb_bodies_find(const nb_bodies *b, int64_t id)
{
    for (int i = 0; i < b->n; i++)
        if (b->v[i].id == id)
            return &b->v[i];
    return NULL;
}

nb_err nb_bodies_subtree(const nb_bodies *b, int64_t id, int64_t **ids, int *n)
{
    /* The tree has no cycle (every link is checked), so each body is met once; the
       bound keeps a damaged store from looping. */
    int64_t *out = malloc(((size_t)b->n + 1) * sizeof *out);
    *ids = NULL;
    *n = 0;
    if (!out)
        return NB_ERR_NOMEM;
    int len = 0;
    out[len++] = id;
    for (int at = 0; at < len && len <= b->n; at++)
        for (int i = 0; i < b->n && len <= b->n; i++)
            if (b->v[i].parent == out[at] && b->v[i].id != id)
                out[len++] = b->v[i].id;
    *ids = out;
    *n = len;
    return NB_OK;
}

typedef struct {
    nb_buf res;
    const char *kind;
    int nomem;
} stats_acc;

static int64_t year_of(int64_t day)
{
    return day ? nb_pack_ymd(day) / 10000 : 0;
}

static int add_stat(void *ud, int64_t body, long records, int64_t lo, int64_t hi)
{
    stats_acc *a = ud;
    nb_kind_stat ks = {.body = body, .kind = a->kind, .count = records,
                       .first = (int)year_of(lo), .last = (int)year_of(hi)};
    a->nomem = nb_buf_add(&a->res, &ks, sizeof ks) != 0;
    return a->nomem;
}

static int kind_index(const char *kind)
{
    for (int k = 0; k < nb_nkinds; k++)
        if (nb_kinds[k].name == kind)
            return k;
    return nb_nkinds;
}

static int stat_cmp(const void *a, const void *b)
{
    const nb_kind_stat *x = a, *y = b;
    if (x->body != y->body)
        return x->body < y->body ? -1 : 1;
    return kind_index(x->kind) - kind_index(y->kind);
}

/* From the packed columns (pack.h): the parts' record counts and the stats of the period
 * column, not a scan of every record (1.8 s at 1e7 records; regen and roll-ups ask for
 * the body tree, which holds these). */
nb_err nb_bodies_stats(nb_store *s, nb_kind_stat **out, int *n, char *err, size_t errlen)
{
    stats_acc a = {0};
    *out = NULL;
    *n = 0;
    nb_err rc = NB_OK;
    for (int k = 0; !rc && k < nb_nkinds; k++) {
        int col[NB_MAX_FIELDS];
        nb_pack_columns(&nb_kinds[k], NULL, col);
        a.kind = nb_kinds[k].name;
        rc = nb_pack_bodies(s, &nb_kinds[k], col[nb_field_find(&nb_kinds[k], nb_kinds[k].period)],
                            add_stat, &a, err, errlen);
        if (!rc && a.nomem) {
            snprintf(err, errlen, "out of memory");
            rc = NB_ERR_NOMEM;
        }
    }
    if (rc) {
        nb_buf_free(&a.res);
        return rc;
    }
    *n = (int)(a.res.len / sizeof **out);
    *out = (nb_kind_stat *)a.res.data;
    if (*n > 1)
        qsort(*out, (size_t)*n, sizeof **out, stat_cmp);
    return NB_OK;
}

/* ---- parents ---- */

nb_err nb_store_body_parent(nb_store *s, int64_t child, int64_t parent, char *err, size_t errlen)
{
    sqlite3_stmt *st;
    if (sqlite3_prepare_v2(s->db, "UPDATE body SET parent = ?2 WHERE id = ?1", -1, &st, NULL))
        return nb_store_sql_fail(s, err, errlen, "setting a parent");
    sqlite3_bind_int64(st, 1, child);
    if (parent)
        sqlite3_bind_int64(st, 2, parent);
    int rc = sqlite3_step(st);
    sqlite3_finalize(st);
    return rc == SQLITE_DONE ? NB_OK : nb_store_sql_fail(s, err, errlen, "setting a parent");
}

/* The parent of body ID, 0 for none. */
static nb_err parent_of(nb_store *s, int64_t id, int64_t *parent, char *err, size_t errlen)
{
    sqlite3_stmt *st;
    if (sqlite3_prepare_v2(s->db, "SELECT parent FROM body WHERE id = ?1", -1, &st, NULL))
        return nb_store_sql_fail(s, err, errlen, "reading a parent");
    sqlite3_bind_int64(st, 1, id);
    *parent = sqlite3_step(st) == SQLITE_ROW ? sqlite3_column_int64(st, 0) : 0;
    sqlite3_finalize(st);
    return NB_OK;
}

nb_err nb_store_link_parent(nb_store *s, const char *child, const char *parent, int *created,
                            char *err, size_t errlen)
{
    nb_store_quiet(s);
    int64_t c, p;
    nb_err rc;
    if (strcmp(child, parent) == 0) {
        snprintf(err, errlen, "%s: '%s' cannot be its own parent", s->path, child);
        return NB_ERR_INPUT;
    }
    if ((rc = nb_store_body(s, child, 0, &c, NULL, err, errlen)) ||
        (rc = nb_store_body(s, parent, 1, &p, created, err, errlen)))
        return rc;
    /* Walk up from the parent: meeting the child would close a cycle. */
    for (int64_t a = p, depth = 0; a && depth < 1000; depth++) {
        if (a == c) {
            snprintf(err, errlen, "%s: '%s' cannot be the parent of '%s' (it is below it)",
                     s->path, parent, child);
            return NB_ERR_INPUT;
        }
        if ((rc = parent_of(s, a, &a, err, errlen)))
            return rc;
    }
    return nb_store_body_parent(s, c, p, err, errlen);
}

nb_err nb_store_set_parent(nb_store *s, const char *child, const char *parent, char *err,
                           size_t errlen)
{
    nb_err rc = nb_store_begin(s, err, errlen);
    if (rc)
        return rc;
    if ((rc = nb_store_link_parent(s, child, parent, NULL, err, errlen))) {
        nb_store_rollback(s);
        return rc;
    }
    return nb_store_commit(s, err, errlen);
}

/* ---- bodies files ---- */

enum { COL_NAME, COL_PARENT, COL_CODE, COL_ROLLUP, NCOLS };

/* One row of a bodies file, as read (strings owned). */
typedef struct {
    long line;
    char *v[NCOLS]; /* NULL or "" when absent */
    int rollup;
} body_row;

typedef struct {
    const nb_bodies_opts *o;
    nb_bodies_result *r;
    int col[NCOLS]; /* field index -> file column, -1 absent */
    body_row *rows;
    long nrows, cap;
    int problems;
    struct told {
        long line, seq;
        char *field, *reason, *value; /* copies; NULL: none (or out of memory) */
    } *told;                          /* the problems, given to the diag callback in line order */
    int ntold, captold;
} bodies_file;

static char *dup_or_null(const char *s)
{
    return s ? strdup(s) : NULL;
}

/* A problem at LINE, kept until told (tell_all): they are found pass by pass (a name
 * missing while reading, a name given twice and a parent unknown after), and are told by
 * line. A problem not kept (no memory) is still counted. */
static void tell(bodies_file *f, long line, const char *field, const char *reason,
                 const char *value)
{
    f->problems++;
    if (!f->o->diag)
        return;
    if (f->ntold == f->captold) {
        int cap = f->captold ? f->captold * 2 : 16;
        struct told *n = realloc(f->told, (size_t)cap * sizeof *n);
        if (!n)
            return;
        f->told = n, f->captold = cap;
    }
    f->told[f->ntold] = (struct told){line, f->ntold, dup_or_null(field), dup_or_null(reason),
                                      dup_or_null(value)};
    f->ntold++;
}

static int told_cmp(const void *a, const void *b)
{
    const struct told *x = a, *y = b;
    if (x->line != y->line)
        return x->line < y->line ? -1 : 1;
    return x->seq < y->seq ? -1 : x->seq > y->seq;
}

/* The problems kept, by line (then as found), to the diag callback; freed. */
static void tell_all(bodies_file *f)
{
    if (f->ntold > 1)
        qsort(f->told, (size_t)f->ntold, sizeof *f->told, told_cmp);
    for (int i = 0; i < f->ntold; i++) {
        struct told *t = &f->told[i];
        nb_diag d = {f->o->path, t->line, t->field, t->reason ? t->reason : "(out of memory)", t->value, 0};
        f->o->diag(f->o->diag_ud, &d);
        free(t->field);
        free(t->reason);
        free(t->value);
    }
    free(f->told);
    f->told = NULL;
    f->ntold = f->captold = 0;
}

/* The header: every column a field of a bodies file, each once, the name present. */
static void read_header(bodies_file *f, char **fields, size_t n)
{
    for (int c = 0; c < NCOLS; c++)
        f->col[c] = -1;
    for (size_t i = 0; i < n; i++) {
        int c = nb_fields_find(nb_body_fields, nb_nbody_fields, fields[i]);
        if (c < 0) {
            tell(f, 1, NULL, "not a column of a bodies file (name 名称, parent 上级, code 代码, "
                             "rollup 汇总)",
                 fields[i]);
        } else if (f->col[c] >= 0) {
            tell(f, 1, nb_body_fields[c].name, "column given twice", fields[i]);
        } else {
            f->col[c] = (int)i;
        }
    }
    if (f->col[COL_NAME] < 0)
        tell(f, 1, NULL, "missing required column 'name' (名称)", NULL);
}

int nb_body_name_ok(const char *name)
{
    return nb_store_body_name_ok(name);
}

/* Keeps one row; checks what can be checked on its own. Returns -1 on out of memory. */
static int keep_row(bodies_file *f, long line, char **fields, size_t n)
{
    if (f->nrows == f->cap) {
        long cap = f->cap ? f->cap * 2 : 64;
        body_row *nr = realloc(f->rows, (size_t)cap * sizeof *nr);
        if (!nr)
            return -1;
        f->rows = nr;
        f->cap = cap;
    }
    body_row *row = &f->rows[f->nrows++];
    memset(row, 0, sizeof *row);
    row->line = line;
    for (int c = 0; c < NCOLS; c++) {
        const char *v = f->col[c] >= 0 && (size_t)f->col[c] < n ? fields[f->col[c]] : "";
        if (!(row->v[c] = strdup(v)))
            return -1;
    }
    if (!nb_body_name_ok(row->v[COL_NAME]))
        tell(f, line, "name", *row->v[COL_NAME] ? "not a body name (blank, a space before or after "
                                                  "it, control characters, not UTF-8, or over 200 bytes)"
                                                : "missing value",
             *row->v[COL_NAME] ? row->v[COL_NAME] : NULL);
    if (*row->v[COL_ROLLUP]) {
        const nb_value *yn = nb_value_match("yes_no", row->v[COL_ROLLUP]);
        if (!yn)
            tell(f, line, "rollup", "not yes or no (是/否)", row->v[COL_ROLLUP]);
        row->rollup = yn && strcmp(yn->code, "yes") == 0;
    }
    if (*row->v[COL_PARENT] && strcmp(row->v[COL_PARENT], row->v[COL_NAME]) == 0)
        tell(f, line, "parent", "a body cannot be its own parent", row->v[COL_PARENT]);
    return 0;
}

static void free_rows(bodies_file *f)
{
    for (long i = 0; i < f->nrows; i++)
        for (int c = 0; c < NCOLS; c++)
            free(f->rows[i].v[c]);
    free(f->rows);
}

/* Reads the header and every row. */
static nb_err read_file(bodies_file *f, char *err, size_t errlen)
{
    nb_reader *rd;
    char rerr[512];
    nb_err rc = nb_reader_open(f->o->path, f->o->sheet, &rd, rerr, sizeof rerr);
    if (rc) {
        snprintf(err, errlen, "%s: %s", f->o->path, rerr);
        return rc;
    }
    size_t n;
    char **fields;
    long line = 0;
    int header = 1;
    while ((rc = nb_reader_next(rd, &n, &fields, &line, rerr, sizeof rerr)) == NB_OK) {
        if (header) {
            read_header(f, fields, n);
            header = 0;
            if (f->problems)
                break;
            continue;
        }
        f->r->read++;
        if (keep_row(f, line, fields, n) != 0) {
            rc = NB_ERR_NOMEM;
            snprintf(rerr, sizeof rerr, "out of memory");
            break;
        }
    }
    nb_reader_close(rd);
    if (rc == NB_DONE && header) {
        snprintf(err, errlen, "%s: empty file", f->o->path);
        return NB_ERR_INPUT;
    }
    if (rc == NB_ERR_INPUT || rc == NB_ERR_LIMIT) {
        tell(f, line, NULL, rerr, NULL);
        return NB_OK;
    }
    if (rc != NB_DONE && rc != NB_OK) {
        snprintf(err, errlen, "%s:%ld: %s", f->o->path, line, rerr);
        return rc;
    }
    return NB_OK;
}

/* Names given twice, and parents that are neither rows nor bodies of the store. */
static void check_rows(bodies_file *f, nb_store *s, const nb_bodies *known)
{
    nb_strmap seen;
    nb_strmap_init(&seen);
    for (long i = 0; i < f->nrows; i++) {
        body_row *row = &f->rows[i];
        int64_t *first = nb_strmap_get(&seen, row->v[COL_NAME]);
        if (first) {
            char why[64];
            snprintf(why, sizeof why, "given twice (first at line %lld)", (long long)*first);
            tell(f, row->line, "name", why, row->v[COL_NAME]);
        } else if (nb_strmap_put(&seen, row->v[COL_NAME], row->line, NULL, NULL) != 0) {
            tell(f, row->line, NULL, "out of memory", NULL);
        }
    }
    for (long i = 0; i < f->nrows; i++) {
        const char *p = f->rows[i].v[COL_PARENT];
        int in_store = 0;
        for (int b = 0; *p && b < known->n && !in_store; b++)
            in_store = strcmp(known->v[b].name, p) == 0;
        if (*p && !nb_strmap_get(&seen, p) && !in_store)
            tell(f, f->rows[i].line, "parent",
                 "neither a row of this file nor a body of the store", p);
    }
    (void)s;
    nb_strmap_free(&seen);
}

/* Sets the code and roll-up flag of body ID from ROW, each only when the file has its
 * column (a column the file lacks leaves what the store holds; an empty cell clears);
 * *CHANGED when they differ from before. */
static nb_err set_attrs(const bodies_file *f, nb_store *s, int64_t id, const body_row *row,
                        int *changed, char *err, size_t errlen)
{
    int code = f->col[COL_CODE] >= 0, rollup = f->col[COL_ROLLUP] >= 0;
    *changed = 0;
    if (!code && !rollup)
        return NB_OK;
    char sql[160];
    snprintf(sql, sizeof sql, "UPDATE body SET %s WHERE id = ?1 AND (%s)",
             code && rollup ? "code = ?2, rollup = ?3" : code ? "code = ?2" : "rollup = ?3",
             code && rollup ? "code IS NOT ?2 OR rollup <> ?3" : code ? "code IS NOT ?2" : "rollup <> ?3");
    sqlite3_stmt *st;
    if (sqlite3_prepare_v2(s->db, sql, -1, &st, NULL) != SQLITE_OK)
        return nb_store_sql_fail(s, err, errlen, "updating a body");
    sqlite3_bind_int64(st, 1, id);
    if (code && *row->v[COL_CODE])
        sqlite3_bind_text(st, 2, row->v[COL_CODE], -1, SQLITE_STATIC);
    if (rollup)
        sqlite3_bind_int(st, 3, row->rollup);
    int rc = sqlite3_step(st);
    sqlite3_finalize(st);
    if (rc != SQLITE_DONE)
        return nb_store_sql_fail(s, err, errlen, "updating a body");
    *changed = sqlite3_changes(s->db) > 0;
    return NB_OK;
}

/* Writes every row inside the caller's transaction: bodies first, then parents. */
static nb_err write_rows(bodies_file *f, nb_store *s, const nb_bodies *known, char *err,
                         size_t errlen)
{
    nb_err rc = NB_OK;
    char *changed = calloc((size_t)f->nrows + 1, 1);
    if (!changed)
        return NB_ERR_NOMEM;
    for (long i = 0; !rc && i < f->nrows; i++) {
        body_row *row = &f->rows[i];
        int64_t id;
        int created = 0, ch = 0;
        rc = nb_store_body(s, row->v[COL_NAME], 1, &id, &created, err, errlen);
        if (!rc)
            rc = set_attrs(f, s, id, row, &ch, err, errlen);
        if (created)
            f->r->created++;
        changed[i] = created ? 2 : (char)ch;
    }
    /* parents: a file without the column leaves them as they are */
    for (long i = 0; !rc && f->col[COL_PARENT] >= 0 && i < f->nrows; i++) {
        body_row *row = &f->rows[i];
        int64_t id, parent = 0, before = 0;
        if ((rc = nb_store_body(s, row->v[COL_NAME], 0, &id, NULL, err, errlen)))
            break;
        const nb_body *old = nb_bodies_find(known, id);
        before = old ? old->parent : 0;
        if (*row->v[COL_PARENT]) {
            rc = nb_store_link_parent(s, row->v[COL_NAME], row->v[COL_PARENT], NULL, err, errlen);
            if (rc == NB_ERR_INPUT) { /* a cycle: name the row */
                tell(f, row->line, "parent", err, row->v[COL_PARENT]);
                rc = NB_OK;
                continue;
            }
            if (!rc)
                rc = nb_store_body(s, row->v[COL_PARENT], 0, &parent, NULL, err, errlen);
        } else {
            rc = nb_store_body_parent(s, id, 0, err, errlen);
        }
        if (!rc && parent != before && changed[i] == 0)
            changed[i] = 1;
    }
    for (long i = 0; !rc && i < f->nrows; i++) {
        if (changed[i] == 1)
            f->r->updated++;
        else if (changed[i] == 0)
            f->r->unchanged++;
    }
    free(changed);
    return rc;
}

nb_err nb_bodies_import(nb_store *s, const nb_bodies_opts *o, nb_bodies_result *r, char *err,
                        size_t errlen)
{
    bodies_file f = {.o = o, .r = r};
    nb_bodies known = {0};
    memset(r, 0, sizeof *r);
    if (nb_store_owns_file(s, o->path)) { /* read, it would drop the store's locks */
        snprintf(err, errlen, "%s: this is the store itself (or its journal), not a file of bodies",
                 o->path);
        return NB_ERR_INPUT;
    }
    nb_err rc = read_file(&f, err, errlen);
    if (!rc)
        rc = nb_bodies_read(s, &known, err, errlen);
    if (!rc)
        check_rows(&f, s, &known);
    if (!rc && !f.problems && !(rc = nb_store_begin(s, err, errlen))) {
        rc = write_rows(&f, s, &known, err, errlen);
        if (rc || f.problems || o->dry_run)
            nb_store_rollback(s);
        else
            rc = nb_store_commit(s, err, errlen);
    }
    if (!rc && f.problems) {
        r->refused = f.problems;
        r->created = r->updated = r->unchanged = 0;
        snprintf(err, errlen, "%s: %d problem%s; nothing written", o->path, f.problems,
                 f.problems == 1 ? "" : "s");
        rc = NB_ERR_INPUT;
    }
    tell_all(&f);
    nb_bodies_free(&known);
    free_rows(&f);
    return rc;
}
