/* lua_records.c - marshals the store and record primitives: nianbao.open, store methods. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "files.h"
#include "insert.h"
#include "bodies.h"
#include "hash.h"
#include "lua_nb.h"
#include "records.h"
#include "vtab.h"

typedef struct {
    nb_store *s;  /* NULL once closed */
    int readonly; /* a handle that only reads (store:readonly) */
    int owner;    /* this handle closes the store; a read-only handle borrows it */
    int busy;     /* calls running Lua while they use the store (nb_lua_store_busy) */
} store_ud;

typedef struct {
    nb_rows rows;  /* rows.st NULL once closed */
} rows_ud;

/* A statement owned by a userdata on the stack, so an error raised while
 * results are pushed (out of memory) still finalizes it. */
#define NB_MT_STMT "nianbao.stmt"

typedef struct {
    sqlite3_stmt *st;
} stmt_ud;

static int l_stmt_gc(lua_State *L)
{
    stmt_ud *u = luaL_checkudata(L, 1, NB_MT_STMT);
    if (u->st)
        sqlite3_finalize(u->st);
    u->st = NULL;
    return 0;
}

/* Pushes a guard that owns ST; finalize with guard_done. */
static stmt_ud *guard(lua_State *L, sqlite3_stmt *st)
{
    stmt_ud *u = lua_newuserdatauv(L, sizeof *u, 0);
    u->st = NULL;
    luaL_setmetatable(L, NB_MT_STMT);
    u->st = st;
    return u;
}

static void guard_done(stmt_ud *u)
{
    if (u->st)
        sqlite3_finalize(u->st);
    u->st = NULL;
}

/* The statement of SQL, kept by store S between calls (nb_store_stmt), owned by guard U
 * until guard_give; raises when it cannot be prepared. */
static sqlite3_stmt *guard_take(lua_State *L, stmt_ud *u, nb_store *s, const char *sql)
{
    if (!(u->st = nb_store_stmt(s, sql)))
        luaL_error(L, "%s", sqlite3_errmsg(s->db));
    return u->st;
}

/* Gives U's statement back to S to keep under SQL. */
static void guard_give(stmt_ud *u, nb_store *s, const char *sql)
{
    nb_store_stmt_give(s, sql, u->st);
    u->st = NULL;
}

int64_t nb_check_body(lua_State *L, nb_store *s, int idx)
{
    const char *name = luaL_checkstring(L, idx);
    int64_t id;
    char err[2048];
    if (nb_store_body(s, name, 0, &id, NULL, err, sizeof err) != NB_OK)
        luaL_error(L, "%s", err);
    return id;
}

nb_store *nb_check_store(lua_State *L, int idx)
{
    store_ud *u = luaL_checkudata(L, idx, NB_MT_STORE);
    if (!u->s)
        luaL_error(L, "store is closed");
    if (!u->owner) { /* a read-only handle: its owner must still be open */
        lua_getiuservalue(L, idx, 1);
        store_ud *o = lua_touserdata(L, -1);
        lua_pop(L, 1);
        if (!o || !o->s) {
            u->s = NULL;
            luaL_error(L, "store is closed");
        }
    }
    return u->s;
}

/* "waiting for PATH (locked by another process)" on stderr, once. */
static void waiting(void *ud, const char *path)
{
    (void)ud;
    fprintf(stderr, "nianbao: waiting for %s (locked by another process) ...\n", path);
    fflush(stderr);
}

int nb_push_store(lua_State *L, const char *path, int mode, int busy_ms)
{
    store_ud *u = lua_newuserdatauv(L, sizeof *u, 1);
    *u = (store_ud){.readonly = mode == NB_OPEN_READ, .owner = 1};
    luaL_setmetatable(L, NB_MT_STORE);
    char err[2048];
    nb_store *s;
    nb_open_opts o = {.mode = mode, .busy_ms = busy_ms, .waiting = waiting};
    nb_err rc = nb_store_open_with(path, &o, &s, err, sizeof err);
    if (rc != NB_OK) {
        lua_pushnil(L);
        lua_pushstring(L, err);
        lua_pushstring(L, rc == NB_ERR_BUSY ? "busy" : rc == NB_ERR_OLD ? "old" : "input");
        return 3;
    }
    u->s = s;
    return 1;
}

/* nianbao.open([path [, {create = true, readonly = true}]]) -> store | nil, message.
 * Scripts open the command's store (-d FILE) only. */
static int l_open(lua_State *L)
{
    const char *db = nb_lua_config(L)->db;
    const char *path = luaL_optstring(L, 1, db);
    char a[4096], b[4096];
    if (strcmp(path, db) != 0 &&
        (nb_path_resolve(path, a) != 0 || nb_path_resolve(db, b) != 0 || strcmp(a, b) != 0)) {
        lua_pushnil(L);
        lua_pushfstring(L, "%s: scripts open only the command's store, %s (sandbox)", path, db);
        return 2;
    }
    int mode = NB_OPEN_WRITE;
    static const char *const keys[] = {"create", "readonly", NULL};
    nb_lua_check_keys(L, 2, "nianbao.open", keys);
    if (lua_istable(L, 2)) {
        lua_getfield(L, 2, "create");
        if (lua_toboolean(L, -1))
            mode = NB_OPEN_CREATE;
        lua_getfield(L, 2, "readonly");
        if (lua_toboolean(L, -1))
            mode = NB_OPEN_READ;
        lua_pop(L, 2);
    }
    if (nb_push_store(L, path, mode, 0) == 1)
        return 1;
    lua_pop(L, 1); /* nil, message */
    return 2;
}

/* store:close(); also __gc and __close. Idempotent. A handle store:readonly made borrows
 * its store and is not closed: the checks give one handle to a body's rules, and a rule
 * that closed it left the next ones none. */
static int l_store_close(lua_State *L)
{
    store_ud *u = luaL_checkudata(L, 1, NB_MT_STORE);
    if (!u->owner)
        return 0;
    if (u->busy)
        return luaL_error(L, "store:close: the store is in use by the call running this code "
                             "(store:import_files); close it after");
    if (u->s)
        nb_store_close(u->s);
    u->s = NULL;
    return 0;
}

void nb_lua_store_busy(lua_State *L, int idx, int delta)
{
    store_ud *u = luaL_checkudata(L, idx, NB_MT_STORE);
    u->busy += delta;
}

/* store:readonly() -> a handle to the same store that only reads: rules and layouts get
 * one. Writing through it raises. */
static int l_readonly(lua_State *L)
{
    nb_store *s = nb_check_store(L, 1);
    store_ud *u = lua_newuserdatauv(L, sizeof *u, 1);
    *u = (store_ud){.s = s, .readonly = 1};
    luaL_setmetatable(L, NB_MT_STORE);
    lua_pushvalue(L, 1); /* the owner stays alive while the handle is */
    lua_setiuservalue(L, -2, 1);
    return 1;
}

/* store:snapshot([on]) -> store: ON (the default) reads one snapshot until
 * store:snapshot(false) or the next write (nb_store_snapshot); raises when it cannot. */
static int l_snapshot(lua_State *L)
{
    nb_store *s = nb_check_store(L, 1);
    int on = lua_isnoneornil(L, 2) || lua_toboolean(L, 2);
    char err[512];
    if (nb_store_snapshot(s, on, err, sizeof err) != NB_OK)
        return luaL_error(L, "%s", err);
    lua_settop(L, 1);
    return 1;
}

int nb_store_writable_here(lua_State *L, int idx)
{
    nb_store *s = nb_check_store(L, idx);
    store_ud *u = lua_touserdata(L, idx);
    return !u->readonly && !s->readonly;
}

nb_store *nb_check_writable(lua_State *L, int idx, const char *what)
{
    nb_store *s = nb_check_store(L, idx);
    store_ud *u = lua_touserdata(L, idx);
    if (u->readonly || s->readonly)
        luaL_error(L, "%s: the store is open read-only here", what);
    return s;
}

static const nb_kind *check_kind(lua_State *L, int idx)
{
    const char *name = luaL_checkstring(L, idx);
    const nb_kind *k = nb_kind_find(name);
    if (!k) {
        nb_lua_push_kinds(L);
        luaL_error(L, "unknown record kind '%s' (%s)", name, lua_tostring(L, -1));
    }
    return k;
}

#define MAX_FILTERS 8

typedef struct {
    nb_filter f[MAX_FILTERS]; /* field and value point into strings the anchor keeps */
} filter_buf;

/* Reads kind at IDX and {body=, year=, <field>=value...} at IDX+1 into Q. Pushes an
 * anchor table that keeps the filters' strings alive (whatever their length) while it
 * stays on the stack. */
static void check_query(lua_State *L, nb_store *s, int idx, nb_query *q, filter_buf *fb)
{
    memset(q, 0, sizeof *q);
    q->kind = check_kind(L, idx);
    q->filters = fb->f;
    lua_newtable(L);
    int anchor = lua_gettop(L);
    if (lua_isnoneornil(L, idx + 1))
        return;
    luaL_checktype(L, idx + 1, LUA_TTABLE);
    lua_pushnil(L);
    while (lua_next(L, idx + 1)) {
        if (lua_type(L, -2) != LUA_TSTRING)
            luaL_error(L, "filter keys must be field names");
        const char *key = lua_tostring(L, -2);
        if (strcmp(key, "body") == 0) {
            if (lua_type(L, -1) != LUA_TSTRING)
                luaL_error(L, "filter 'body': a body name (got %s)", luaL_typename(L, -1));
            q->body = nb_check_body(L, s, lua_gettop(L));
        } else if (strcmp(key, "year") == 0) {
            q->year = nb_lua_year(L, -1, "filter 'year'");
        } else {
            if (nb_field_find(q->kind, key) == -2)
                luaL_error(L, "%s has no field '%s'", q->kind->name, key);
            if (q->nfilters == MAX_FILTERS)
                luaL_error(L, "too many filters (at most %d)", MAX_FILTERS);
            if (lua_type(L, -1) != LUA_TSTRING && lua_type(L, -1) != LUA_TNUMBER)
                luaL_error(L, "filter '%s' must be a string or number", key);
            int i = q->nfilters++;
            lua_pushvalue(L, -2); /* the key, a string: kept by the anchor */
            fb->f[i].field = lua_tostring(L, -1);
            lua_rawseti(L, anchor, 2 * i + 1);
            lua_pushvalue(L, -1); /* the value as text, kept by the anchor */
            fb->f[i].value = lua_tostring(L, -1);
            lua_rawseti(L, anchor, 2 * i + 2);
        }
        lua_pop(L, 1);
    }
}

/* Pushes the current row of R as a table: id, body, fields (categories as
 * codes, dates as YYYYMMDD integers, money as integer 分), source, line, and
 * raw (column name -> the file's text, where it differs from the fields). */
static void push_row(lua_State *L, nb_rows *r)
{
    const nb_row *w = &r->row;
    const nb_kind *k = r->kind;
    lua_createtable(L, 0, k->nfields + 6);
    lua_pushinteger(L, w->rid);
    lua_setfield(L, -2, "rid");
    lua_pushstring(L, w->body);
    lua_setfield(L, -2, "body");
    lua_pushstring(L, w->id);
    lua_setfield(L, -2, "id");
    for (int f = 0; f < k->nfields; f++) {
        nb_ftype t = k->fields[f].type;
        if (t == NB_F_TEXT ? w->text[f] == NULL : (t == NB_F_DATE || t == NB_F_CAT) && !w->ival[f])
            continue; /* empty */
        if (t == NB_F_TEXT)
            lua_pushstring(L, w->text[f]);
        else if (t == NB_F_CAT)
            lua_pushstring(L, nb_store_code_str(r->store, w->ival[f]));
        else
            lua_pushinteger(L, w->ival[f]);
        lua_setfield(L, -2, k->fields[f].name);
    }
    lua_pushstring(L, w->source);
    lua_setfield(L, -2, "source");
    lua_pushinteger(L, w->line);
    lua_setfield(L, -2, "line");
    /* raw: the values as the file gave them, where they differ from the fields */
    nb_buf name = {0}, value = {0};
    size_t pos = 0;
    int more;
    lua_newtable(L);
    while ((more = nb_raw_next(w->raw ? w->raw : "", w->header, &pos, &name, &value)) == 1) {
        lua_pushlstring(L, value.data, value.len);
        lua_setfield(L, -2, name.data);
    }
    nb_buf_free(&name);
    nb_buf_free(&value);
    if (more < 0)
        luaL_error(L, "out of memory");
    lua_setfield(L, -2, "raw");
}

/* 1 when the store of the cursor at IDX (its user value) is still open, through the
 * owner of a read-only handle. */
static int rows_store_open(lua_State *L, int idx)
{
    lua_getiuservalue(L, idx, 1);
    store_ud *su = lua_touserdata(L, -1);
    int open = su && su->s;
    if (open && !su->owner) {
        lua_getiuservalue(L, -1, 1);
        store_ud *o = lua_touserdata(L, -1);
        open = o && o->s;
        lua_pop(L, 1);
    }
    lua_pop(L, 1);
    return open;
}

/* Ends the cursor at IDX: its statements kept by its store, or finalized when the store
 * was closed meanwhile (its memory gone). */
static void rows_end(lua_State *L, int idx, rows_ud *u)
{
    if (rows_store_open(L, idx))
        nb_rows_close(&u->rows);
    else
        nb_rows_abandon(&u->rows);
}

static int l_rows_close(lua_State *L)
{
    rows_ud *u = luaL_checkudata(L, 1, NB_MT_ROWS);
    rows_end(L, 1, u);
    return 0;
}

static int rows_iter(lua_State *L)
{
    rows_ud *u = luaL_checkudata(L, lua_upvalueindex(1), NB_MT_ROWS);
    if (!u->rows.open) {
        rows_end(L, lua_upvalueindex(1), u);
        return 0;
    }
    /* The store must still be open (the cursor keeps it in a user value). */
    if (!rows_store_open(L, lua_upvalueindex(1))) {
        nb_rows_abandon(&u->rows);
        return luaL_error(L, "store is closed");
    }
    char err[512];
    int rc = nb_rows_next(&u->rows, err, sizeof err);
    if (rc == 1) {
        push_row(L, &u->rows);
        return 1;
    }
    nb_rows_close(&u->rows);
    if (rc < 0)
        return luaL_error(L, "%s", err);
    return 0;
}

/* for rec in store:rows(kind [, filters]) do ... end
 * Returns iterator, nil, nil, and a closing value that finalizes the cursor. */
static int l_rows(lua_State *L)
{
    nb_store *s = nb_check_store(L, 1);
    nb_query q;
    filter_buf fb;
    check_query(L, s, 2, &q, &fb);
    rows_ud *u = lua_newuserdatauv(L, sizeof *u, 1);
    memset(u, 0, sizeof *u);
    luaL_setmetatable(L, NB_MT_ROWS);
    lua_pushvalue(L, 1);
    lua_setiuservalue(L, -2, 1);
    char err[512];
    if (nb_rows_open(s, &q, &u->rows, err, sizeof err) != NB_OK)
        return luaL_error(L, "%s", err);
    lua_pushvalue(L, -1);
    lua_pushcclosure(L, rows_iter, 1);
    lua_insert(L, -2);
    lua_pushnil(L);
    lua_insert(L, -2);
    lua_pushnil(L);
    lua_insert(L, -2);
    return 4;
}

/* store:count(kind [, filters]) -> integer */
static int l_count(lua_State *L)
{
    nb_store *s = nb_check_store(L, 1);
    nb_query q;
    filter_buf fb;
    check_query(L, s, 2, &q, &fb);
    int64_t n;
    char err[512];
    if (nb_count(s, &q, &n, err, sizeof err) != NB_OK)
        return luaL_error(L, "%s", err);
    lua_pushinteger(L, n);
    return 1;
}

/* store:insert(kind, body, record) -> "inserted" | "updated"; nil, message on bad data */
static int l_insert(lua_State *L)
{
    nb_store *s = nb_check_writable(L, 1, "store:insert");
    const nb_kind *k = check_kind(L, 2);
    const char *body = luaL_checkstring(L, 3);
    luaL_checktype(L, 4, LUA_TTABLE);
    const char *names[40], *values[40];
    int n = 0;
    lua_pushnil(L);
    while (lua_next(L, 4)) {
        luaL_checkstack(L, 4, "too many fields");
        if (lua_type(L, -2) != LUA_TSTRING)
            return luaL_error(L, "record keys must be field names");
        if (n == 40)
            return luaL_error(L, "too many fields");
        int t = lua_type(L, -1);
        if (t != LUA_TSTRING && t != LUA_TNUMBER)
            return luaL_error(L, "field '%s': must be a string or number",
                              lua_tostring(L, -2));
        if (nb_field_find(k, lua_tostring(L, -2)) == -2)
            return luaL_error(L, "store:insert: %s has no field '%s'", k->name,
                              lua_tostring(L, -2));
        lua_pushvalue(L, -1);
        lua_tostring(L, -1);
        lua_replace(L, -2);
        names[n] = lua_tostring(L, -2);
        values[n] = lua_tostring(L, -1);
        n++;
        /* Keep key/value strings alive on the stack until the call. */
        lua_pushvalue(L, -2);
    }
    lua_Debug ar;
    char source[300] = "lua";
    if (lua_getstack(L, 1, &ar) && lua_getinfo(L, "Sl", &ar) && ar.currentline > 0)
        snprintf(source, sizeof source, "%s:%d", ar.short_src, ar.currentline);
    int inserted;
    char err[1024];
    nb_err rc = nb_record_insert(s, k->name, body, names, values, n, source, &inserted, err,
                                 sizeof err);
    if (rc == NB_ERR_INPUT) {
        lua_pushnil(L);
        lua_pushstring(L, err);
        return 2;
    }
    if (rc != NB_OK)
        return luaL_error(L, "%s", err);
    lua_pushstring(L, inserted ? "inserted" : "updated");
    return 1;
}

/* A script's query spends the script's own instruction budget, a step of SQLite's
 * progress handler costing QUERY_STEP instructions. */
typedef struct {
    long long left; /* progress calls left; -1: no limit */
    long long used; /* progress calls made */
    nb_store *s;
} query_budget;

#define QUERY_STEP 1000

/* Charges B with the records the records_ tables read since (vtab.h: a statement of their
 * own counts its steps apart), a record a step; 1 when its budget is spent. */
static int charge_vtabs(query_budget *b)
{
    long long n = nb_vtab_work(b->s) / QUERY_STEP;
    b->used += n;
    if (b->left >= 0)
        b->left = b->left > n ? b->left - n : 0;
    return b->left == 0;
}

static int query_progress(void *ud)
{
    query_budget *b = ud;
    b->used++;
    if (charge_vtabs(b))
        return 1;
    return b->left >= 0 && --b->left <= 0;
}

/* store:query(sql, ...) -> array of row tables (column name -> value) */
static int l_query(lua_State *L)
{
    nb_store *s = nb_check_store(L, 1);
    const char *sql = luaL_checkstring(L, 2);
    int nargs = lua_gettop(L) - 2;
    stmt_ud *g = guard(L, NULL); /* owns the statement from its birth */
    sqlite3_stmt *st;
    char err[1024];
    if (nb_query_prepare(s, sql, &st, err, sizeof err) != NB_OK)
        return luaL_error(L, "store:query: %s", err);
    long long left = nb_lua_budget(L);
    query_budget budget = {left < 0 ? -1 : left / QUERY_STEP + 1, 0, s};
    nb_vtab_work(s); /* the tables' work from here on */
    g->st = st;
    int want = sqlite3_bind_parameter_count(st);
    if (nargs != want) /* SQLite would bind a missing one as NULL, drop one too many */
        return luaL_error(L, "store:query: the query takes %d parameter%s, %d given", want,
                          want == 1 ? "" : "s", nargs);
    for (int i = 1; i <= nargs; i++) {
        int idx = i + 2;
        switch (lua_type(L, idx)) {
        case LUA_TNUMBER:
            if (lua_isinteger(L, idx))
                sqlite3_bind_int64(st, i, lua_tointeger(L, idx));
            else
                sqlite3_bind_double(st, i, lua_tonumber(L, idx));
            break;
        case LUA_TSTRING: {
            size_t len;
            const char *v = lua_tolstring(L, idx, &len); /* whole: a NUL in it too */
            sqlite3_bind_text64(st, i, v, len, SQLITE_TRANSIENT, SQLITE_UTF8);
            break;
        }
        case LUA_TNIL:
            break;
        case LUA_TBOOLEAN:
            sqlite3_bind_int(st, i, lua_toboolean(L, idx));
            break;
        default:
            return luaL_error(L, "store:query: parameter %d: a %s cannot be bound", i,
                              luaL_typename(L, idx));
        }
    }
    lua_newtable(L);
    int row = 0, rc;
    /* The handler is set only around each step: no Lua call (which could
       raise and leave it pointing at this frame) runs while it is set. */
    for (;;) {
        sqlite3_progress_handler(s->db, QUERY_STEP, query_progress, &budget);
        rc = sqlite3_step(st);
        sqlite3_progress_handler(s->db, 0, NULL, NULL);
        if (rc != SQLITE_ROW)
            break;
        int nc = sqlite3_column_count(st);
        lua_createtable(L, 0, nc);
        for (int c = 0; c < nc; c++) {
            switch (sqlite3_column_type(st, c)) {
            case SQLITE_INTEGER: lua_pushinteger(L, sqlite3_column_int64(st, c)); break;
            case SQLITE_FLOAT: lua_pushnumber(L, sqlite3_column_double(st, c)); break;
            case SQLITE_NULL: continue;
            default:
                lua_pushlstring(L, (const char *)sqlite3_column_text(st, c),
                                (size_t)sqlite3_column_bytes(st, c));
            }
            lua_setfield(L, -2, sqlite3_column_name(st, c));
        }
        lua_rawseti(L, -2, ++row);
    }
    charge_vtabs(&budget); /* what the tables read after the last progress call */
    if (rc == SQLITE_INTERRUPT) {
        guard_done(g);
        if (budget.left == 0 && nb_lua_spend(L, (budget.used + 1) * QUERY_STEP))
            return luaL_error(L, "store:query: instruction limit exceeded (%I SQLite steps)",
                              (lua_Integer)nb_lua_limits(L)->max_instructions);
        return luaL_error(L, "store:query: interrupted (the time limit)");
    }
    if (nb_lua_spend(L, budget.used * QUERY_STEP)) {
        guard_done(g);
        return luaL_error(L, "store:query: instruction limit exceeded (%I SQLite steps)",
                          (lua_Integer)nb_lua_limits(L)->max_instructions);
    }
    if (rc != SQLITE_DONE) {
        snprintf(err, sizeof err, "%s", sqlite3_errmsg(s->db));
        guard_done(g);
        return luaL_error(L, "store:query: %s", err);
    }
    guard_done(g);
    return 1;
}

/* Frees a body list when Lua unwinds. */
static int bodies_gc(lua_State *L)
{
    nb_bodies_free(luaL_checkudata(L, 1, "nianbao.bodies"));
    return 0;
}

/* The bodies of S in a userdata at the stack top (freed with it). */
static nb_bodies *read_bodies(lua_State *L, nb_store *s)
{
    nb_bodies *b = lua_newuserdatauv(L, sizeof *b, 0);
    memset(b, 0, sizeof *b);
    if (luaL_newmetatable(L, "nianbao.bodies")) {
        lua_pushcfunction(L, bodies_gc);
        lua_setfield(L, -2, "__gc");
    }
    lua_setmetatable(L, -2);
    char err[512];
    if (nb_bodies_read(s, b, err, sizeof err) != NB_OK)
        luaL_error(L, "%s", err);
    return b;
}

/* store:bodies() -> array of {id, name, parent = name|nil, code = text|nil, rollup = bool},
 * in the order the bodies were made */
static int l_bodies(lua_State *L)
{
    nb_store *s = nb_check_store(L, 1);
    nb_bodies *b = read_bodies(L, s);
    lua_createtable(L, b->n, 0);
    for (int i = 0; i < b->n; i++) {
        const nb_body *x = &b->v[i], *p = nb_bodies_find(b, x->parent);
        lua_createtable(L, 0, 5);
        lua_pushinteger(L, x->id);
        lua_setfield(L, -2, "id");
        lua_pushstring(L, x->name);
        lua_setfield(L, -2, "name");
        if (p) {
            lua_pushstring(L, p->name);
            lua_setfield(L, -2, "parent");
        }
        if (x->code) {
            lua_pushstring(L, x->code);
            lua_setfield(L, -2, "code");
        }
        lua_pushboolean(L, x->rollup);
        lua_setfield(L, -2, "rollup");
        lua_rawseti(L, -2, i + 1);
    }
    return 1;
}

/* store:stats() -> array of {body = name, kind =, count =, first =, last =}: the records
 * of each kind of each body, with the years they cover */
static int l_stats(lua_State *L)
{
    nb_store *s = nb_check_store(L, 1);
    nb_bodies *b = read_bodies(L, s);
    void **owned = nb_lua_owned(L);
    nb_kind_stat *ks = NULL;
    int n = 0;
    char err[512];
    if (nb_bodies_stats(s, &ks, &n, err, sizeof err) != NB_OK)
        return luaL_error(L, "%s", err);
    *owned = ks;
    lua_createtable(L, n, 0);
    for (int i = 0; i < n; i++) {
        const nb_body *x = nb_bodies_find(b, ks[i].body);
        lua_createtable(L, 0, 5);
        lua_pushstring(L, x ? x->name : "?");
        lua_setfield(L, -2, "body");
        lua_pushstring(L, ks[i].kind);
        lua_setfield(L, -2, "kind");
        lua_pushinteger(L, ks[i].count);
        lua_setfield(L, -2, "count");
        lua_pushinteger(L, ks[i].first);
        lua_setfield(L, -2, "first");
        lua_pushinteger(L, ks[i].last);
        lua_setfield(L, -2, "last");
        lua_rawseti(L, -2, i + 1);
    }
    return 1;
}

/* store:text(body, year) -> markdown, source file | nil */
static int l_text(lua_State *L)
{
    nb_store *s = nb_check_store(L, 1);
    const char *body = luaL_checkstring(L, 2);
    nb_check_body(L, s, 2);
    lua_Integer year = luaL_checkinteger(L, 3);
    static const char sql[] = "SELECT t.markdown, t.source FROM text t JOIN body b ON b.id = t.body "
                              "WHERE b.name = ?1 AND t.year = ?2";
    stmt_ud *g = guard(L, NULL); /* owns the statement while it is out of the store */
    sqlite3_stmt *st = guard_take(L, g, s, sql);
    sqlite3_bind_text(st, 1, body, -1, SQLITE_TRANSIENT);
    sqlite3_bind_int64(st, 2, year);
    int n = 1;
    if (sqlite3_step(st) == SQLITE_ROW) {
        lua_pushstring(L, (const char *)sqlite3_column_text(st, 0));
        lua_pushstring(L, (const char *)sqlite3_column_text(st, 1));
        n = 2;
    } else {
        lua_pushnil(L);
    }
    guard_give(g, s, sql);
    return n;
}

/* store:scripts(body, role) -> array of {name=, content=} in name order */
static int l_scripts(lua_State *L)
{
    nb_store *s = nb_check_store(L, 1);
    const char *body = luaL_checkstring(L, 2), *role = luaL_optstring(L, 3, NULL);
    nb_check_body(L, s, 2);
    if (role)
        nb_lua_check_role(L, 3);
    static const char sql[] = "SELECT s.name, s.content, s.role FROM script s JOIN body b ON b.id = "
                              "s.body WHERE b.name = ?1 AND (?2 IS NULL OR s.role = ?2) "
                              "ORDER BY s.role, s.name";
    stmt_ud *g = guard(L, NULL); /* owns the statement while it is out of the store */
    sqlite3_stmt *st = guard_take(L, g, s, sql);
    sqlite3_bind_text(st, 1, body, -1, SQLITE_TRANSIENT);
    if (role)
        sqlite3_bind_text(st, 2, role, -1, SQLITE_TRANSIENT);
    lua_newtable(L);
    int i = 0;
    while (sqlite3_step(st) == SQLITE_ROW) {
        const char *content = (const char *)sqlite3_column_text(st, 1);
        char hex[NB_HASH_HEX];
        nb_sha256_hex(content, (size_t)sqlite3_column_bytes(st, 1), hex);
        lua_createtable(L, 0, 4);
        lua_pushstring(L, (const char *)sqlite3_column_text(st, 0));
        lua_setfield(L, -2, "name");
        lua_pushlstring(L, content, (size_t)sqlite3_column_bytes(st, 1));
        lua_setfield(L, -2, "content");
        lua_pushstring(L, (const char *)sqlite3_column_text(st, 2));
        lua_setfield(L, -2, "role");
        lua_pushstring(L, hex);
        lua_setfield(L, -2, "hash");
        lua_rawseti(L, -2, ++i);
    }
    guard_give(g, s, sql);
    return 1;
}

/* store:years(body) -> sorted array of years with report data or texts */
static int l_years(lua_State *L)
{
    nb_store *s = nb_check_store(L, 1);
    int64_t body = nb_check_body(L, s, 2);
    int *years, n;
    char err[512];
    if (nb_body_years(s, body, &years, &n, err, sizeof err) != NB_OK)
        return luaL_error(L, "%s", err);
    lua_createtable(L, n, 0);
    for (int i = 0; i < n; i++) { /* cannot raise: the table has its slots */
        lua_pushinteger(L, years[i]);
        lua_rawseti(L, -2, i + 1);
    }
    free(years);
    return 1;
}

/* store:body(name) -> {id=, name=, parent=, code=, rollup=} (as a row of
 * store:bodies()); raises for an unknown body. */
static int l_body(lua_State *L)
{
    nb_store *s = nb_check_store(L, 1);
    int64_t id = nb_check_body(L, s, 2);
    static const char sql[] = "SELECT b.name, p.name, b.code, b.rollup FROM body b LEFT JOIN "
                              "body p ON p.id = b.parent WHERE b.id = ?1";
    stmt_ud *g = guard(L, NULL);
    sqlite3_stmt *st = guard_take(L, g, s, sql);
    sqlite3_bind_int64(st, 1, id);
    lua_createtable(L, 0, 5);
    lua_pushinteger(L, id);
    lua_setfield(L, -2, "id");
    if (sqlite3_step(st) == SQLITE_ROW) {
        lua_pushstring(L, (const char *)sqlite3_column_text(st, 0));
        lua_setfield(L, -2, "name");
        if (sqlite3_column_type(st, 1) != SQLITE_NULL) {
            lua_pushstring(L, (const char *)sqlite3_column_text(st, 1));
            lua_setfield(L, -2, "parent");
        }
        if (sqlite3_column_type(st, 2) != SQLITE_NULL) {
            lua_pushstring(L, (const char *)sqlite3_column_text(st, 2));
            lua_setfield(L, -2, "code");
        }
        lua_pushboolean(L, sqlite3_column_int(st, 3) != 0);
        lua_setfield(L, -2, "rollup");
    }
    guard_give(g, s, sql);
    return 1;
}

/* store:schema() -> version, version found at open (0: created then), path, and why the
 * migration's VACUUM failed (nil: it did not, or none ran) */
static int l_schema(lua_State *L)
{
    nb_store *s = nb_check_store(L, 1);
    lua_pushinteger(L, nb_store_version(s));
    lua_pushinteger(L, s->migrated_from);
    lua_pushstring(L, s->path);
    if (s->vacuum_failed[0])
        lua_pushstring(L, s->vacuum_failed);
    else
        lua_pushnil(L);
    return 4;
}

static int l_store_tostring(lua_State *L)
{
    store_ud *u = luaL_checkudata(L, 1, NB_MT_STORE);
    lua_pushfstring(L, "nianbao.store (%s)", u->s ? u->s->path : "closed");
    return 1;
}

void nb_add_store_methods(lua_State *L, const luaL_Reg *m)
{
    luaL_getmetatable(L, NB_MT_STORE);
    if (lua_getfield(L, -1, "__index") == LUA_TTABLE)
        luaL_setfuncs(L, m, 0);
    lua_pop(L, 2);
}

static const luaL_Reg store_methods[] = {
    {"close", l_store_close},
    {"rows", l_rows},
    {"count", l_count},
    {"insert", l_insert},
    {"query", l_query},
    {"bodies", l_bodies},
    {"stats", l_stats},
    {"text", l_text},
    {"years", l_years},
    {"scripts", l_scripts},
    {"schema", l_schema},
    {"body", l_body},
    {"readonly", l_readonly},
    {"snapshot", l_snapshot},
    {NULL, NULL},
};

int nb_open_records(lua_State *L)
{
    luaL_checktype(L, 1, LUA_TTABLE);
    if (luaL_newmetatable(L, NB_MT_STORE)) {
        luaL_newlib(L, store_methods);
        lua_setfield(L, -2, "__index");
        lua_pushcfunction(L, l_store_close);
        lua_setfield(L, -2, "__gc");
        lua_pushcfunction(L, l_store_close);
        lua_setfield(L, -2, "__close");
        lua_pushcfunction(L, l_store_tostring);
        lua_setfield(L, -2, "__tostring");
        lua_pushliteral(L, "nianbao.store");
        lua_setfield(L, -2, "__name");
    }
    lua_pop(L, 1);
    if (luaL_newmetatable(L, NB_MT_STMT)) {
        lua_pushcfunction(L, l_stmt_gc);
        lua_setfield(L, -2, "__gc");
    }
    lua_pop(L, 1);
    if (luaL_newmetatable(L, NB_MT_ROWS)) {
        lua_pushcfunction(L, l_rows_close);
        lua_setfield(L, -2, "__gc");
        lua_pushcfunction(L, l_rows_close);
        lua_setfield(L, -2, "__close");
    }
    lua_pop(L, 1);
    lua_pushcfunction(L, l_open);
    lua_setfield(L, 1, "open");
    lua_pushstring(L, nb_lua_config(L)->db);
    lua_setfield(L, 1, "db");
    return 0;
}
