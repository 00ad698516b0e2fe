/* vtab.c - each kind's records as a read-only SQL table (vtab.h). */
#include "vtab.h"

#include "records.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* The connection's share of the modules: its store (NULL once the store is closed: a
 * statement finalized after that frees its cursors without it), the work its cursors did
 * since it was last taken, the cursors reading. Freed with the last module. */
struct nb_vtabs {
    nb_store *store;
    int64_t work;
    int cursors;
    int refs; /* modules that point to it */
};

/* What a module is made with: the connection's share and the kind. */
typedef struct {
    struct nb_vtabs *conn;
    const nb_kind *kind;
} rv_aux;

typedef struct {
    sqlite3_vtab base;
    struct nb_vtabs *conn;
    const nb_kind *kind;
} rv_table;

typedef struct {
    sqlite3_vtab_cursor base;
    nb_rows rows;
    int on;  /* rows stands on a record */
    int used; /* rows was opened (closed or not) */
    int counted; /* rows is open, counted in the connection's cursors */
} rv_cursor;

/* The most cursors reading at once on a connection: each holds a part's columns decoded
 * (some 400 KB for a request), outside the script's memory limit, until its last record. */
#define MAX_CURSORS 32

/* The work a cursor's open costs (an SQL statement prepared, the parts looked up), in
 * records read. */
#define OPEN_WORK 1000

/* The columns: rid, body, id, the fields, then src, line, raw. */
enum { COL_RID, COL_BODY, COL_ID, COL_FIELDS };

/* idxNum's bits: which constraints xFilter gets, in this order; whether the statement
 * reads a column only the rows hold (else the packed columns alone are read). */
enum { BY_BODY = 1, BY_ID = 2, ROWS = 4 };

/* Column COL's bit in colUsed (the 64th stands for every column from there on). */
static sqlite3_uint64 col_bit(int col)
{
    return (sqlite3_uint64)1 << (col < 63 ? col : 63);
}

static int rv_connect(sqlite3 *db, void *aux, int argc, const char *const *argv,
                      sqlite3_vtab **vt, char **errp)
{
    (void)argc;
    (void)argv;
    const rv_aux *a = aux;
    const nb_kind *k = a->kind;
    nb_buf b = {0};
    int bad = nb_buf_adds(&b, "CREATE TABLE x(rid INTEGER, body INTEGER, id TEXT");
    for (int f = 0; f < k->nfields; f++)
        bad |= nb_buf_printf(&b, ", \"%s\" %s", k->fields[f].name,
                             k->fields[f].type == NB_F_TEXT ? "TEXT" : "INTEGER");
    bad |= nb_buf_adds(&b, ", src INTEGER, line INTEGER, raw TEXT)");
    int rc = bad ? SQLITE_NOMEM : sqlite3_declare_vtab(db, b.data);
    nb_buf_free(&b);
    if (rc != SQLITE_OK) {
        *errp = sqlite3_mprintf("records_%s: %s", k->table, rc == SQLITE_NOMEM ? "out of memory"
                                                                              : NB_ERRMSG(db));
        return rc;
    }
    rv_table *t = sqlite3_malloc(sizeof *t);
    if (!t)
        return SQLITE_NOMEM;
    memset(t, 0, sizeof *t);
    t->conn = a->conn;
    t->kind = k;
    *vt = &t->base;
    return SQLITE_OK;
}

static int rv_disconnect(sqlite3_vtab *vt)
{
    sqlite3_free(vt);
    return SQLITE_OK;
}

/* Uses an equality on the body and one on the id (compared as the rows' own column: BINARY). */
static int rv_best_index(sqlite3_vtab *vt, sqlite3_index_info *info)
{
    int at[2] = {-1, -1};
    for (int i = 0; i < info->nConstraint; i++) {
        const struct sqlite3_index_constraint *c = &info->aConstraint[i];
        if (!c->usable || c->op != SQLITE_INDEX_CONSTRAINT_EQ)
            continue;
        if (c->iColumn == COL_BODY)
            at[0] = i;
        else if (c->iColumn == COL_ID &&
                 sqlite3_stricmp(sqlite3_vtab_collation(info, i), "BINARY") == 0 &&
                 !sqlite3_vtab_in(info, i, -1)) /* an IN list: SQLite's own, with its affinity */
            at[1] = i;
    }
    int args = 0;
    info->idxNum = 0;
    for (int j = 0; j < 2; j++)
        if (at[j] >= 0) {
            info->aConstraintUsage[at[j]].argvIndex = ++args;
            /* the body's test is the cursor's; the id's SQLite makes again (a value that is
               no plain text is not given to the cursor) */
            info->aConstraintUsage[at[j]].omit = j == 0;
            info->idxNum |= j == 0 ? BY_BODY : BY_ID;
        }
    const nb_kind *k = ((rv_table *)vt)->kind;
    sqlite3_uint64 rows = col_bit(COL_ID);
    for (int f = 0; f < k->nfields; f++)
        if (k->fields[f].type == NB_F_TEXT)
            rows |= col_bit(COL_FIELDS + f);
    for (int c = 0; c < 3; c++) /* src, line, raw */
        rows |= col_bit(COL_FIELDS + k->nfields + c);
    if (info->colUsed & rows)
        info->idxNum |= ROWS;
    /* rough: a body holds a hundredth of the records, an id one or a few; reading the rows
       costs some five times more */
    double n = 1e6;
    if (info->idxNum & BY_BODY)
        n /= 100;
    if (info->idxNum & BY_ID)
        n = info->idxNum & BY_BODY ? 1 : 100;
    info->estimatedRows = (sqlite3_int64)n;
    info->estimatedCost = info->idxNum & ROWS ? 5 * n : n;
    return SQLITE_OK;
}

static int rv_open(sqlite3_vtab *vt, sqlite3_vtab_cursor **cp)
{
    (void)vt;
    rv_cursor *c = sqlite3_malloc(sizeof *c);
    if (!c)
        return SQLITE_NOMEM;
    memset(c, 0, sizeof *c);
    *cp = &c->base;
    return SQLITE_OK;
}

/* C's records cursor no longer counted as reading (it ended, or was closed). */
static void uncount(rv_cursor *c)
{
    if (c->counted)
        ((rv_table *)c->base.pVtab)->conn->cursors--;
    c->counted = 0;
}

/* Ends C's records cursor, if open: without the store once it is closed. */
static void end_rows(rv_cursor *c)
{
    if (c->used && ((rv_table *)c->base.pVtab)->conn->store)
        nb_rows_close(&c->rows);
    else if (c->used)
        nb_rows_abandon(&c->rows);
    c->used = 0;
    uncount(c);
}

static int rv_close(sqlite3_vtab_cursor *cp)
{
    rv_cursor *c = (rv_cursor *)cp;
    end_rows(c);
    sqlite3_free(c);
    return SQLITE_OK;
}

/* The cursor's error as the statement's: SQLITE_INTERRUPT when a statement of its own was
 * interrupted (the script's budget or time limit), else SQLITE_ERROR. */
static int fail(rv_cursor *c, const char *err)
{
    rv_table *t = (rv_table *)c->base.pVtab;
    sqlite3_free(t->base.zErrMsg);
    t->base.zErrMsg = sqlite3_mprintf("records_%s: %s", t->kind->table, err);
    c->on = 0;
    nb_store *s = t->conn->store;
    return s && sqlite3_errcode(s->db) == SQLITE_INTERRUPT ? SQLITE_INTERRUPT : SQLITE_ERROR;
}

static int rv_next(sqlite3_vtab_cursor *cp)
{
    rv_cursor *c = (rv_cursor *)cp;
    char err[1024];
    int64_t before = c->rows.visited;
    int got = nb_rows_next(&c->rows, err, sizeof err);
    ((rv_table *)cp->pVtab)->conn->work += c->rows.visited - before;
    if (got <= 0) /* done or failed: the cursor closed itself, its part let go of */
        uncount(c);
    if (got < 0)
        return fail(c, err);
    c->on = got;
    return SQLITE_OK;
}

/* The body a value names as the body column compares with it (INTEGER affinity): 0 when
 * none can be (text that is no number, a fraction, a number below 1). */
static int64_t body_of(sqlite3_value *v)
{
    int t = sqlite3_value_numeric_type(v);
    if (t == SQLITE_INTEGER)
        return sqlite3_value_int64(v) > 0 ? sqlite3_value_int64(v) : 0;
    if (t == SQLITE_FLOAT) {
        double d = sqlite3_value_double(v);
        return d >= 1 && d < 9.2e18 && d == (double)(int64_t)d ? (int64_t)d : 0;
    }
    return 0;
}

static int rv_filter(sqlite3_vtab_cursor *cp, int idx, const char *idxstr, int argc,
                     sqlite3_value **argv)
{
    (void)idxstr;
    (void)argc;
    rv_cursor *c = (rv_cursor *)cp;
    rv_table *t = (rv_table *)cp->pVtab;
    end_rows(c);
    c->on = 0;
    if (!t->conn->store)
        return fail(c, "the store is closed");
    t->conn->work += OPEN_WORK;
    nb_query q = {.kind = t->kind};
    nb_filter id = {"id", NULL};
    int a = 0;
    if (idx & BY_BODY) {
        q.body = body_of(argv[a++]);
        if (!q.body)
            return SQLITE_OK; /* no body: no record */
    }
    if (idx & BY_ID) {
        /* text without a NUL, to the cursor; NULL matches none; anything else (a number
           compared with the text as a number, a blob, a NUL) SQLite compares itself */
        sqlite3_value *v = argv[a++];
        if (sqlite3_value_type(v) == SQLITE_NULL)
            return SQLITE_OK;
        if (sqlite3_value_type(v) == SQLITE_TEXT) {
            id.value = (const char *)sqlite3_value_text(v);
            if (id.value && strlen(id.value) == (size_t)sqlite3_value_bytes(v)) {
                q.filters = &id;
                q.nfilters = 1;
            }
        }
    }
    char err[1024];
    if (t->conn->cursors >= MAX_CURSORS) {
        snprintf(err, sizeof err, "more than %d records_ tables read at once", MAX_CURSORS);
        return fail(c, err);
    }
    if ((idx & ROWS ? nb_rows_open : nb_rows_open_coded)(t->conn->store, &q, &c->rows, err, sizeof err))
        return fail(c, err);
    c->used = 1;
    c->counted = 1;
    t->conn->cursors++;
    return rv_next(cp);
}

static int rv_eof(sqlite3_vtab_cursor *cp)
{
    return !((rv_cursor *)cp)->on;
}

static int rv_column(sqlite3_vtab_cursor *cp, sqlite3_context *ctx, int col)
{
    rv_cursor *c = (rv_cursor *)cp;
    const nb_kind *k = c->rows.kind;
    const nb_row *w = &c->rows.row;
    switch (col) {
    case COL_RID:
        sqlite3_result_int64(ctx, w->rid);
        return SQLITE_OK;
    case COL_BODY:
        sqlite3_result_int64(ctx, w->body_id);
        return SQLITE_OK;
    case COL_ID:
        sqlite3_result_text(ctx, w->id, -1, SQLITE_TRANSIENT);
        return SQLITE_OK;
    }
    int f = col - COL_FIELDS;
    if (f < k->nfields) {
        const nb_field *fd = &k->fields[f];
        if (fd->type == NB_F_TEXT) {
            if (w->text[f])
                sqlite3_result_text(ctx, w->text[f], -1, SQLITE_TRANSIENT);
            else
                sqlite3_result_null(ctx);
        } else if (w->ival[f] == 0 && (fd->type == NB_F_DATE || fd->type == NB_F_CAT)) {
            sqlite3_result_null(ctx); /* empty: the rows held NULL */
        } else {
            sqlite3_result_int64(ctx, w->ival[f]);
        }
        return SQLITE_OK;
    }
    switch (f - k->nfields) {
    case 0:
        sqlite3_result_int64(ctx, w->src);
        break;
    case 1:
        sqlite3_result_int64(ctx, w->line);
        break;
    default:
        sqlite3_result_text(ctx, w->raw, -1, SQLITE_TRANSIENT);
    }
    return SQLITE_OK;
}

static int rv_rowid(sqlite3_vtab_cursor *cp, sqlite3_int64 *rowid)
{
    *rowid = ((rv_cursor *)cp)->rows.row.rid;
    return SQLITE_OK;
}

static const sqlite3_module module = {
    .iVersion = 0,
    .xCreate = NULL, /* eponymous only: no CREATE VIRTUAL TABLE */
    .xConnect = rv_connect,
    .xBestIndex = rv_best_index,
    .xDisconnect = rv_disconnect,
    .xDestroy = rv_disconnect,
    .xOpen = rv_open,
    .xClose = rv_close,
    .xFilter = rv_filter,
    .xNext = rv_next,
    .xEof = rv_eof,
    .xColumn = rv_column,
    .xRowid = rv_rowid,
};

/* A module's aux, freed with the module (the connection's share with the last). */
static void aux_free(void *p)
{
    rv_aux *a = p;
    if (--a->conn->refs == 0)
        free(a->conn);
    free(a);
}

nb_err nb_vtab_register(nb_store *s, char *err, size_t errlen)
{
    struct nb_vtabs *conn = calloc(1, sizeof *conn);
    if (!conn) {
        snprintf(err, errlen, "out of memory");
        return NB_ERR_NOMEM;
    }
    conn->store = s;
    conn->refs = 1; /* this function's, until the modules are made */
    s->vtabs = conn;
    nb_err rc = NB_OK;
    for (int i = 0; !rc && i < nb_nkinds; i++) {
        rv_aux *a = malloc(sizeof *a);
        char name[64];
        snprintf(name, sizeof name, "records_%s", nb_kinds[i].table);
        if (!a) {
            snprintf(err, errlen, "out of memory");
            rc = NB_ERR_NOMEM;
            break;
        }
        a->conn = conn;
        a->kind = &nb_kinds[i];
        conn->refs++;
        /* the destructor frees A even when the module is not made */
        if (sqlite3_create_module_v2(s->db, name, &module, a, aux_free) != SQLITE_OK) {
            snprintf(err, errlen, "%s: %s", s->path, NB_ERRMSG(s->db));
            rc = NB_ERR_SQL;
        }
    }
    if (--conn->refs == 0) { /* no module made */
        free(conn);
        s->vtabs = NULL;
    }
    return rc;
}

void nb_vtab_abandon(nb_store *s)
{
    if (s->vtabs)
        s->vtabs->store = NULL;
    s->vtabs = NULL;
}

int64_t nb_vtab_work(nb_store *s)
{
    if (!s->vtabs)
        return 0;
    int64_t w = s->vtabs->work;
    s->vtabs->work = 0;
    return w;
}
