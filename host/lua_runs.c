/* lua_runs.c - marshals runs.h: store:put_run(s), store:last_run, store:run_values,
 * store:digests (what `nianbao regen` records and compares). */
#include <stdlib.h>
#include <string.h>

#include "lua_nb.h"
#include "runs.h"

/* The string field KEY of the table at IDX (NULL when absent); raises when it is not a
 * string. Not converted: a number's string, made on the stack and popped, would be
 * freed while its pointer is kept. */
static const char *field_str(lua_State *L, int idx, const char *key)
{
    int t = lua_getfield(L, idx, key);
    if (t != LUA_TNIL && t != LUA_TSTRING)
        luaL_error(L, "store:put_run: a check's %s is a %s, not a string", key, lua_typename(L, t));
    const char *v = lua_tostring(L, -1);
    lua_pop(L, 1); /* the string stays alive in the table */
    return v;
}

static long field_int(lua_State *L, int idx, const char *key)
{
    lua_getfield(L, idx, key);
    long v = (long)lua_tointeger(L, -1);
    lua_pop(L, 1);
    return v;
}

/* One run's arguments, read from the Lua stack (the strings stay the Lua values'). */
typedef struct {
    int64_t body;
    int year;
    const char *format, *data;
    nb_run_check *c;
    nb_run_value *v;
    int nc, nv;
} run_args;

/* Reads the arguments of a run at BASE..BASE+5 (body, year, format, data, checks, values)
 * into R: checks {{rule =, severity =, status =, pass =, fail =, na =, file =, hash =}, …},
 * values {{table, row, col, text|nil}, …} or the report's document (its data cells:
 * nb_run_values_of_doc). Raises on a bad one; pushes two values owning R's arrays. */
static void read_run(lua_State *L, nb_store *s, int base, run_args *r)
{
    r->body = nb_check_body(L, s, base);
    r->year = (int)luaL_checkinteger(L, base + 1);
    if (lua_type(L, base + 2) != LUA_TSTRING || lua_type(L, base + 3) != LUA_TSTRING)
        luaL_error(L, "store:put_run: the format and the data are strings"); /* (as field_str) */
    r->format = lua_tostring(L, base + 2), r->data = lua_tostring(L, base + 3);
    int checks = base + 4, values = base + 5;
    luaL_checktype(L, checks, LUA_TTABLE);
    const nb_doc *doc = luaL_testudata(L, values, NB_MT_DOC) ? nb_lua_todoc(L, values) : NULL;
    if (!doc)
        luaL_checktype(L, values, LUA_TTABLE);
    char err[1024];
    int nc = (int)luaL_len(L, checks), nv = doc ? 0 : (int)luaL_len(L, values);
    void **owned_c = nb_lua_owned(L), **owned_v = nb_lua_owned(L);
    nb_run_check *c = *owned_c = calloc((size_t)nc + 1, sizeof *c);
    nb_run_value *v = NULL;
    if (doc) { /* the document's own cells (the strings are the document's) */
        if (nb_run_values_of_doc(doc, &v, &nv, err, sizeof err) != NB_OK)
            luaL_error(L, "%s", err);
        *owned_v = v;
    } else {
        v = *owned_v = calloc((size_t)nv + 1, sizeof *v);
    }
    if (!c || !v)
        luaL_error(L, "out of memory");
    for (int i = 0; i < nc; i++) {
        lua_rawgeti(L, checks, i + 1);
        int t = lua_gettop(L);
        luaL_checktype(L, t, LUA_TTABLE);
        c[i] = (nb_run_check){.rule = field_str(L, t, "rule"), .severity = field_str(L, t, "severity"),
                              .status = field_str(L, t, "status"), .file = field_str(L, t, "file"),
                              .hash = field_str(L, t, "hash"), .pass = field_int(L, t, "pass"),
                              .fail = field_int(L, t, "fail"), .na = field_int(L, t, "na")};
        if (!c[i].rule || !c[i].severity || !c[i].status)
            luaL_error(L, "store:put_run: check %d needs rule, severity and status", i + 1);
        lua_pop(L, 1); /* the strings stay alive in the checks table */
    }
    for (int i = 0; !doc && i < nv; i++) {
        lua_rawgeti(L, values, i + 1);
        const char **f[4] = {&v[i].tbl, &v[i].row, &v[i].col, &v[i].text};
        for (int k = 0; k < 4; k++) {
            int t = lua_rawgeti(L, -1, k + 1);
            if (t != LUA_TNIL && t != LUA_TSTRING) /* (as field_str) */
                luaL_error(L, "store:put_run: value %d is {table, row, col, text}: strings", i + 1);
            *f[k] = lua_tostring(L, -1);
            lua_pop(L, 1); /* the string stays alive in the value's table */
        }
        if (!v[i].tbl || !v[i].row || !v[i].col)
            luaL_error(L, "store:put_run: value %d is {table, row, col, text}", i + 1);
        lua_pop(L, 1);
    }
    r->c = c, r->v = v, r->nc = nc, r->nv = nv;
}

/* store:put_run(body, year, format, data, checks, values) -> id (read_run) */
static int l_put_run(lua_State *L)
{
    nb_store *s = nb_check_writable(L, 1, "store:put_run");
    run_args r;
    read_run(L, s, 2, &r);
    char err[1024];
    int64_t id;
    if (nb_run_put(s, r.body, r.year, r.format, r.data, r.c, r.nc, r.v, r.nv, &id, err,
                   sizeof err) != NB_OK)
        return luaL_error(L, "%s", err);
    lua_pushinteger(L, id);
    return 1;
}

/* store:put_runs({{body, year, format, data, checks, values}, …}) -> ids: the runs in one
 * transaction, all or none (each commit of its own rewrote the pages of the run tables
 * and took the store's locks: a regeneration records a body's reports together). Every
 * run is read (and may raise) before any is written. */
static int l_put_runs(lua_State *L)
{
    nb_store *s = nb_check_writable(L, 1, "store:put_runs");
    luaL_checktype(L, 2, LUA_TTABLE);
    int n = (int)luaL_len(L, 2);
    void **owned = nb_lua_owned(L);
    run_args *r = *owned = calloc((size_t)n + 1, sizeof *r);
    if (!r)
        return luaL_error(L, "out of memory");
    for (int i = 0; i < n; i++) {
        luaL_checkstack(L, 12, "store:put_runs"); /* its table, six values, two owners, two */
        if (lua_rawgeti(L, 2, i + 1) != LUA_TTABLE)
            return luaL_error(L, "store:put_runs: run %d is {body, year, format, data, checks, "
                                 "values}", i + 1);
        int t = lua_gettop(L);
        for (int k = 1; k <= 6; k++)
            lua_rawgeti(L, t, k); /* t+1 .. t+6; the values live on in the run's table */
        read_run(L, s, t + 1, &r[i]); /* pushes the two owners of its arrays */
        lua_rotate(L, t, 2);
        lua_settop(L, t + 1); /* the owners kept; the run's values live on in its table */
    }
    /* nothing that may raise between the begin and the commit or rollback */
    lua_createtable(L, n, 0);
    void **owned_ids = nb_lua_owned(L);
    int64_t *ids = *owned_ids = calloc((size_t)n + 1, sizeof *ids);
    if (!ids)
        return luaL_error(L, "out of memory");
    char err[1024];
    nb_err rc = nb_store_begin(s, err, sizeof err);
    if (rc)
        return luaL_error(L, "%s", err);
    for (int i = 0; !rc && i < n; i++)
        rc = nb_run_put(s, r[i].body, r[i].year, r[i].format, r[i].data, r[i].c, r[i].nc, r[i].v,
                        r[i].nv, &ids[i], err, sizeof err);
    if (rc) {
        nb_store_rollback(s);
        return luaL_error(L, "%s", err);
    }
    if (nb_store_commit(s, err, sizeof err) != NB_OK)
        return luaL_error(L, "%s", err);
    lua_pushvalue(L, -2); /* the table, its ids' owner kept below it */
    for (int i = 0; i < n; i++) {
        lua_pushinteger(L, ids[i]);
        lua_rawseti(L, -2, i + 1);
    }
    return 1;
}

/* The statement of SQL (kept by the store between calls) with BODY (and YEAR) bound; the
 * caller gives it back (nb_store_stmt_give) on every path but a Lua error while it reads
 * the rows (which only pushes strings: the statement is then finalized at close). */
static sqlite3_stmt *prepare(lua_State *L, nb_store *s, const char *sql, int64_t body, int year)
{
    sqlite3_stmt *st = nb_store_stmt(s, sql);
    if (!st)
        luaL_error(L, "%s", sqlite3_errmsg(s->db));
    sqlite3_bind_int64(st, 1, body);
    sqlite3_bind_int(st, 2, year);
    return st;
}

static const char last_run_sql[] = "SELECT id, format, data FROM run WHERE body = ?1 AND "
                                   "year = ?2 ORDER BY id DESC LIMIT 1";
static const char run_checks_sql[] = "SELECT rule, severity, status, pass, fail, na, file, hash "
                                     "FROM run_check WHERE run = ?1";

/* store:last_run(body, year) -> {id =, format =, data =, checks = {rule = {severity =,
 * status =, pass =, fail =, na =, file =, hash =}}} | nil */
static int l_last_run(lua_State *L)
{
    nb_store *s = nb_check_store(L, 1);
    int64_t body = nb_check_body(L, s, 2);
    int year = (int)luaL_checkinteger(L, 3);
    lua_createtable(L, 0, 4);
    sqlite3_stmt *st = prepare(L, s, last_run_sql, body, year);
    int64_t id = 0;
    if (sqlite3_step(st) == SQLITE_ROW) {
        id = sqlite3_column_int64(st, 0);
        lua_pushinteger(L, id);
        lua_setfield(L, -2, "id");
        lua_pushstring(L, (const char *)sqlite3_column_text(st, 1));
        lua_setfield(L, -2, "format");
        lua_pushstring(L, (const char *)sqlite3_column_text(st, 2));
        lua_setfield(L, -2, "data");
    }
    nb_store_stmt_give(s, last_run_sql, st);
    if (!id) {
        lua_pushnil(L);
        return 1;
    }
    lua_newtable(L);
    st = prepare(L, s, run_checks_sql, id, 0);
    while (sqlite3_step(st) == SQLITE_ROW) {
        lua_createtable(L, 0, 7);
        static const char *const names[] = {"severity", "status", "pass", "fail", "na", "file", "hash"};
        for (int c = 1; c <= 7; c++) {
            if (c >= 3 && c <= 5)
                lua_pushinteger(L, sqlite3_column_int64(st, c));
            else
                lua_pushstring(L, (const char *)sqlite3_column_text(st, c));
            lua_setfield(L, -2, names[c - 1]);
        }
        lua_setfield(L, -2, (const char *)sqlite3_column_text(st, 0));
    }
    nb_store_stmt_give(s, run_checks_sql, st);
    lua_setfield(L, -2, "checks");
    return 1;
}

/* store:run_values(body, year) -> {["table\trow\tcol"] = text | false} of the latest run */
static int l_run_values(lua_State *L)
{
    nb_store *s = nb_check_store(L, 1);
    int64_t body = nb_check_body(L, s, 2);
    int year = (int)luaL_checkinteger(L, 3);
    nb_run_value *v;
    char err[512], **text = (char **)nb_lua_owned(L);
    int n;
    void **owned_v = nb_lua_owned(L);
    nb_err rc = nb_run_cells(s, body, year, &v, &n, text, err, sizeof err);
    if (rc == NB_ERR_INPUT) /* damaged data, not a fault of the script */
        return nb_lua_data_error(L, err, 0);
    if (rc)
        return luaL_error(L, "%s", err);
    *owned_v = v;
    lua_createtable(L, 0, n);
    luaL_Buffer key;
    for (int i = 0; i < n; i++) {
        luaL_buffinit(L, &key);
        luaL_addstring(&key, v[i].tbl);
        luaL_addchar(&key, '\t');
        luaL_addstring(&key, v[i].row);
        luaL_addchar(&key, '\t');
        luaL_addstring(&key, v[i].col);
        luaL_pushresult(&key);
        if (v[i].text)
            lua_pushstring(L, v[i].text);
        else
            lua_pushboolean(L, 0);
        lua_rawset(L, -3);
    }
    return 1;
}

/* store:digests([bodies]) -> {body name = SHA-256 of everything of it a report reads}:
 * of every body, or of the bodies named in the list BODIES (an unknown name raises). */
static int l_digests(lua_State *L)
{
    nb_store *s = nb_check_store(L, 1);
    lua_settop(L, 2); /* the list, or nil: the owned buffers go above it */
    void **owned_only = nb_lua_owned(L), **owned_ids = nb_lua_owned(L), **owned_hex = nb_lua_owned(L);
    int64_t *only = NULL;
    int nonly = 0;
    if (!lua_isnil(L, 2)) {
        luaL_checktype(L, 2, LUA_TTABLE);
        lua_Integer len = luaL_len(L, 2);
        if (len < 0 || len > 1000000)
            return luaL_argerror(L, 2, "a list of body names");
        only = malloc((size_t)(len > 0 ? len : 1) * sizeof *only);
        if (!only)
            return luaL_error(L, "out of memory");
        *owned_only = only;
        for (lua_Integer i = 1; i <= len; i++) {
            if (lua_geti(L, 2, i) != LUA_TSTRING)
                return luaL_error(L, "store:digests: bodies[%I] must be a body name", i);
            only[nonly++] = nb_check_body(L, s, -1);
            lua_pop(L, 1);
        }
    }
    int64_t *ids;
    char *hex, err[1024];
    int n;
    if (nb_body_digests(s, only, nonly, nb_store_writable_here(L, 1), &ids, &hex, &n, err,
                        sizeof err) != NB_OK)
        return luaL_error(L, "%s", err);
    *owned_ids = ids;
    *owned_hex = hex;
    lua_createtable(L, 0, n);
    sqlite3_stmt *st;
    if (sqlite3_prepare_v2(s->db, "SELECT name FROM body WHERE id = ?1", -1, &st, NULL) != SQLITE_OK)
        return luaL_error(L, "%s", sqlite3_errmsg(s->db));
    for (int i = 0; i < n; i++) {
        sqlite3_reset(st);
        sqlite3_bind_int64(st, 1, ids[i]);
        if (sqlite3_step(st) == SQLITE_ROW) {
            lua_pushstring(L, hex + (size_t)i * NB_HASH_HEX);
            lua_setfield(L, -2, (const char *)sqlite3_column_text(st, 0));
        }
    }
    sqlite3_finalize(st);
    return 1;
}

/* store:verify_digests() -> bad, message: the (kind, body) pairs whose kept digest
 * differs from their rows (0 when all match), and what the first is. */
static int l_verify_digests(lua_State *L)
{
    nb_store *s = nb_check_store(L, 1);
    long bad;
    char why[512], err[1024];
    if (nb_digest_verify(s, &bad, why, sizeof why, err, sizeof err))
        return luaL_error(L, "%s", err);
    lua_pushinteger(L, bad);
    lua_pushstring(L, why);
    return 2;
}

static const luaL_Reg store_methods[] = {
    {"verify_digests", l_verify_digests},
    {"put_run", l_put_run},
    {"put_runs", l_put_runs},
    {"last_run", l_last_run},
    {"run_values", l_run_values},
    {"digests", l_digests},
    {NULL, NULL},
};

int nb_open_runs(lua_State *L)
{
    luaL_checktype(L, 1, LUA_TTABLE);
    nb_add_store_methods(L, store_methods);
    return 0;
}
