/* lua_cube.c - marshals the aggregation engine (tabulate.c): store:flow, stock, count_by,
 * sum_by, and cube objects (get, ids, records, dims). */
#include <stdlib.h>
#include <string.h>

#include "codes.h"
#include "lua_nb.h"
#include "records.h"
#include "tabulate.h"
#include "util.h"

typedef struct {
    nb_cube *c; /* NULL once collected */
} cube_ud;

static int l_cube_gc(lua_State *L)
{
    cube_ud *u = luaL_checkudata(L, 1, NB_MT_CUBE);
    nb_cube_free(u->c);
    u->c = NULL;
    return 0;
}

static int l_idlist_gc(lua_State *L)
{
    nb_idlist *ids = luaL_checkudata(L, 1, "nianbao.idlist");
    free(ids->rid);
    ids->rid = NULL;
    ids->n = ids->cap = 0;
    return 0;
}

static int l_refs_gc(lua_State *L)
{
    nb_record_refs_free(luaL_checkudata(L, 1, "nianbao.refs"));
    return 0;
}

static nb_cube *check_cube(lua_State *L, int idx)
{
    cube_ud *u = luaL_checkudata(L, idx, NB_MT_CUBE);
    if (!u->c)
        luaL_error(L, "cube is freed");
    return u->c;
}

/* Pushes OPTS[KEY] without metamethods (a metamethod could close the
 * store under our feet) and returns its type. */
static int raw_field(lua_State *L, int idx, const char *key)
{
    lua_pushstring(L, key);
    return lua_rawget(L, idx);
}

#define SCOPE_KEYS "body", "year", "years", "ids", "rows"

/* Reads {body=, year=, ids=} at IDX into SC. */
static void check_scope(lua_State *L, nb_store *s, int idx, const char *kind, nb_scope *sc)
{
    memset(sc, 0, sizeof *sc);
    sc->kind = kind;
    if (!nb_kind_find(kind))
        luaL_error(L, "unknown record kind '%s'", kind);
    if (lua_isnoneornil(L, idx))
        return;
    if (!lua_istable(L, idx))
        luaL_error(L, "options must be a table (got %s)", luaL_typename(L, idx));
    int t = raw_field(L, idx, "year");
    if (t != LUA_TNIL) {
        sc->year = nb_lua_year(L, -1, "option 'year'");
    }
    lua_pop(L, 1);
    if (raw_field(L, idx, "years") != LUA_TNIL) {
        int ok = lua_istable(L, -1) && !sc->year;
        lua_Integer y[2] = {0, 0};
        for (int i = 0; ok && i < 2; i++) {
            ok = lua_rawgeti(L, -1 - i, i + 1) == LUA_TNUMBER && lua_isinteger(L, -1);
            y[i] = ok ? lua_tointeger(L, -1) : 0;
        }
        lua_pop(L, 2);
        if (!ok || y[0] < 1900 || y[1] > 9999 || y[0] > y[1])
            luaL_error(L, "option 'years': {first, last} with 1900 <= first <= last <= 9999, "
                          "without 'year'");
        sc->ymin = (int)y[0];
        sc->ymax = (int)y[1];
    }
    lua_pop(L, 1);
    raw_field(L, idx, "ids");
    int ids_given = !lua_isnil(L, -1), ids = lua_toboolean(L, -1);
    lua_pop(L, 1);
    raw_field(L, idx, "rows");
    sc->rows = lua_toboolean(L, -1);
    lua_pop(L, 1);
    if (raw_field(L, idx, "body") != LUA_TNIL) {
        if (lua_type(L, -1) != LUA_TSTRING)
            luaL_error(L, "option 'body': a body name (got %s)", luaL_typename(L, -1));
        sc->body = nb_check_body(L, s, lua_gettop(L));
    }
    lua_pop(L, 1);
    sc->track_ids = ids_given ? ids : (sc->body && sc->year);
}

/* The string option KEY of the table at IDX, or NULL. The string stays
 * alive while the table holds it. */
static const char *opt_field(lua_State *L, int idx, const char *key)
{
    const char *v = NULL;
    if (!lua_istable(L, idx))
        return NULL;
    int t = raw_field(L, idx, key);
    if (t == LUA_TSTRING)
        v = lua_tostring(L, -1);
    else if (t != LUA_TNIL)
        luaL_error(L, "option '%s': a field name (got %s)", key, lua_typename(L, t));
    lua_pop(L, 1);
    return v;
}

/* Pushes an empty cube userdata that keeps the store (at 1) alive; the
 * engine's result is stored into it, so an error cannot leak the cube. */
static cube_ud *new_cube(lua_State *L)
{
    cube_ud *u = lua_newuserdatauv(L, sizeof *u, 1);
    u->c = NULL;
    luaL_setmetatable(L, NB_MT_CUBE);
    lua_pushvalue(L, 1);
    lua_setiuservalue(L, -2, 1);
    return u;
}

/* store:flow(kind, {body=, year=, ids=}) -> cube */
static int l_flow(lua_State *L)
{
    nb_store *s = nb_check_store(L, 1);
    nb_scope sc;
    check_scope(L, s, 3, luaL_checkstring(L, 2), &sc);
    static const char *const keys[] = {SCOPE_KEYS, NULL};
    nb_lua_check_keys(L, 3, "store:flow", keys);
    lua_settop(L, 3);
    cube_ud *u = new_cube(L); /* own the result before making it */
    char err[512];
    if (nb_flow(s, &sc, &u->c, err, sizeof err) != NB_OK)
        return luaL_error(L, "%s", err);
    return 1;
}

/* store:stock(kind, {start=, ["end"]=, at=, by=, body=, year=, ids=}) -> cube */
static int l_stock(lua_State *L)
{
    nb_store *s = nb_check_store(L, 1);
    nb_scope sc;
    check_scope(L, s, 3, luaL_checkstring(L, 2), &sc);
    static const char *const keys[] = {SCOPE_KEYS, "start", "end", "at", "by", NULL};
    nb_lua_check_keys(L, 3, "store:stock", keys);
    const char *start = opt_field(L, 3, "start"), *end = opt_field(L, 3, "end");
    const char *by = opt_field(L, 3, "by");
    int at = 0;
    if (lua_istable(L, 3)) {
        if (raw_field(L, 3, "at") != LUA_TNIL) {
            lua_Integer v = lua_isinteger(L, -1) ? lua_tointeger(L, -1) : 0;
            if (v < 19000101 || v > 99991231 ||
                !nb_date_valid((int)(v / 10000), (int)(v / 100 % 100), (int)(v % 100)))
                return luaL_error(L, "option 'at': a date YYYYMMDD (got %s)",
                                  luaL_tolstring(L, -1, NULL));
            at = (int)v;
        }
        lua_pop(L, 1);
    }
    if (!start)
        return luaL_error(L, "stock: give start = the field that opens a record's life");
    if (at && (sc.year || sc.ymin)) /* at decided, the years read as nothing */
        return luaL_error(L, "store:stock: give year (or years) or at, not both");
    lua_settop(L, 3);
    cube_ud *u = new_cube(L);
    char err[512];
    if (nb_stock(s, &sc, start, end, at, by, &u->c, err, sizeof err) != NB_OK)
        return luaL_error(L, "%s", err);
    return 1;
}

static int count_or_sum(lua_State *L, const char *sum, int opts)
{
    nb_store *s = nb_check_store(L, 1);
    nb_scope sc;
    check_scope(L, s, opts, luaL_checkstring(L, 2), &sc);
    static const char *const keys[] = {SCOPE_KEYS, "date", "by", NULL};
    nb_lua_check_keys(L, opts, sum ? "store:sum_by" : "store:count_by", keys);
    const char *date = opt_field(L, opts, "date"), *by = opt_field(L, opts, "by");
    const nb_kind *k = nb_kind_find(sc.kind);
    if (!date) /* default: the kind's first date field */
        for (int f = 0; f < k->nfields && !date; f++)
            if (k->fields[f].type == NB_F_DATE)
                date = k->fields[f].name;
    lua_settop(L, opts);
    cube_ud *u = new_cube(L);
    char err[512];
    if (nb_count_by(s, &sc, date, by, sum, &u->c, err, sizeof err) != NB_OK)
        return luaL_error(L, "%s", err);
    return 1;
}

/* store:count_by(kind, {date=, by=, body=, year=, ids=}) -> cube */
static int l_count_by(lua_State *L)
{
    return count_or_sum(L, NULL, 3);
}

/* store:sum_by(kind, field, {date=, by=, body=, year=, ids=}) -> cube (money in 分) */
static int l_sum_by(lua_State *L)
{
    const char *f = luaL_checkstring(L, 3); /* stays on the stack below the options */
    return count_or_sum(L, f, 4);
}

/* Reads labels at FROM.. into IDX (missing trailing: every label). */
static void check_index(lua_State *L, const nb_cube *c, int from, int *idx)
{
    int n = lua_gettop(L) - from + 1;
    if (n > c->ndims)
        luaL_error(L, "cube has %d dimensions, got %d labels", c->ndims, n);
    for (int d = 0; d < c->ndims; d++) {
        idx[d] = -1;
        if (d >= n || lua_isnil(L, from + d))
            continue;
        const char *label = luaL_checkstring(L, from + d);
        if (strcmp(label, "total") == 0)
            continue;
        idx[d] = nb_cube_label(c, d, label);
        if (idx[d] < 0) {
            luaL_Buffer b;
            luaL_buffinit(L, &b);
            for (int i = 0; i < c->dim_len[d]; i++) {
                if (i)
                    luaL_addstring(&b, ", ");
                luaL_addstring(&b, c->labels[d][i]);
            }
            luaL_pushresult(&b);
            luaL_error(L, "cube has no '%s' in dimension '%s' (labels: %s)", label,
                       c->dim_name[d], lua_tostring(L, -1));
        }
    }
}

/* cube:get(label, ...) -> integer; "total" (or nil) sums a dimension */
static int l_cube_get(lua_State *L)
{
    nb_cube *c = check_cube(L, 1);
    int idx[NB_CUBE_MAXDIMS];
    check_index(L, c, 2, idx);
    lua_pushinteger(L, nb_cube_get(c, idx));
    return 1;
}

/* cube:records(label, ...) -> array of {rid=, id=, source=, line=}; its errors begin with
 * FN (cube:records, or cube:ids, which is made from it) */
static int records_of(lua_State *L, const char *fn)
{
    nb_cube *c = check_cube(L, 1);
    int idx[NB_CUBE_MAXDIMS];
    check_index(L, c, 2, idx);
    lua_getiuservalue(L, 1, 1);
    nb_store *s = nb_check_store(L, -1);
    lua_pop(L, 1);
    if (!c->ids)
        return luaL_error(L, "%s: this cube keeps no record ids (make it with ids = true)", fn);
    /* The id list is owned by a userdata, so an error below cannot leak it. */
    nb_idlist *ids = lua_newuserdatauv(L, sizeof *ids, 0);
    memset(ids, 0, sizeof *ids);
    luaL_setmetatable(L, "nianbao.idlist");
    if (nb_cube_ids(c, idx, ids) != 0)
        return luaL_error(L, "%s: out of memory", fn);
    const nb_kind *k = nb_kind_find(c->kind);
    int n = ids->n;
    /* the refs owned by a userdata too: an error below cannot leak them */
    nb_record_refs_t *refs = lua_newuserdatauv(L, sizeof *refs, 0);
    memset(refs, 0, sizeof *refs);
    luaL_setmetatable(L, "nianbao.refs");
    char err[512];
    if (nb_record_refs(s, k, n, ids->rid, refs, err, sizeof err) != NB_OK)
        return luaL_error(L, "%s", err);
    lua_createtable(L, n, 0);
    for (int i = 0; i < n; i++) {
        lua_createtable(L, 0, 4);
        lua_pushinteger(L, ids->rid[i]);
        lua_setfield(L, -2, "rid");
        lua_pushstring(L, refs->ref[i].id);
        lua_setfield(L, -2, "id");
        lua_pushstring(L, refs->ref[i].source);
        lua_setfield(L, -2, "source");
        lua_pushinteger(L, refs->ref[i].line);
        lua_setfield(L, -2, "line");
        lua_rawseti(L, -2, i + 1);
    }
    return 1;
}

static int l_cube_records(lua_State *L)
{
    return records_of(L, "cube:records");
}

/* cube:ids(label, ...) -> array of record ids (text) */
static int l_cube_ids(lua_State *L)
{
    records_of(L, "cube:ids");
    lua_Integer n = luaL_len(L, -1);
    lua_createtable(L, (int)n, 0);
    for (lua_Integer i = 1; i <= n; i++) {
        lua_rawgeti(L, -2, i);
        lua_getfield(L, -1, "id");
        lua_rawseti(L, -3, i);
        lua_pop(L, 1);
    }
    return 1;
}

/* cube:slice(label | {label, ...}) -> cube without the first dimension: the cells at LABEL
 * ("total": the sum), or the sum of those at the LABELS */
static int l_cube_slice(lua_State *L)
{
    nb_cube *c = check_cube(L, 1);
    int single, *idx = NULL, n = 0;
    if (lua_istable(L, 2)) {
        n = (int)luaL_len(L, 2);
        idx = lua_newuserdatauv(L, (size_t)(n ? n : 1) * sizeof *idx, 0);
        for (int i = 0; i < n; i++) {
            lua_rawgeti(L, 2, i + 1);
            const char *label = lua_tostring(L, -1);
            idx[i] = label ? nb_cube_label(c, 0, label) : -1;
            if (idx[i] < 0)
                return luaL_error(L, "cube:slice: no '%s' in dimension '%s'",
                                  label ? label : luaL_typename(L, -1), c->ndims ? c->dim_name[0] : "");
            lua_pop(L, 1);
        }
    } else {
        const char *label = luaL_checkstring(L, 2);
        single = strcmp(label, "total") == 0 ? -1 : nb_cube_label(c, 0, label);
        if (single < 0 && strcmp(label, "total") != 0)
            return luaL_error(L, "cube:slice: no '%s' in dimension '%s'", label, c->ndims ? c->dim_name[0] : "");
        n = single < 0 ? -1 : 1;
        idx = lua_newuserdatauv(L, sizeof *idx, 0);
        idx[0] = single;
    }
    cube_ud *u = lua_newuserdatauv(L, sizeof *u, 1);
    u->c = NULL;
    luaL_setmetatable(L, NB_MT_CUBE);
    lua_getiuservalue(L, 1, 1); /* the store, kept alive by the new cube too */
    lua_setiuservalue(L, -2, 1);
    char err[256];
    if (nb_cube_slice_set(c, idx, n, &u->c, err, sizeof err) != NB_OK)
        return luaL_error(L, "cube:slice: %s", err);
    return 1;
}

/* cube:dims() -> array of {name=, labels={...}} */
static int l_cube_dims(lua_State *L)
{
    nb_cube *c = check_cube(L, 1);
    lua_createtable(L, c->ndims, 0);
    for (int d = 0; d < c->ndims; d++) {
        lua_createtable(L, 0, 2);
        lua_pushstring(L, c->dim_name[d]);
        lua_setfield(L, -2, "name");
        lua_createtable(L, c->dim_len[d], 0);
        for (int i = 0; i < c->dim_len[d]; i++) {
            lua_pushstring(L, c->labels[d][i]);
            lua_rawseti(L, -2, i + 1);
        }
        lua_setfield(L, -2, "labels");
        lua_rawseti(L, -2, d + 1);
    }
    return 1;
}

static int l_cube_tostring(lua_State *L)
{
    nb_cube *c = check_cube(L, 1);
    lua_pushfstring(L, "nianbao.cube (%s, %d dimensions)", c->kind, c->ndims);
    return 1;
}

static const luaL_Reg cube_methods[] = {
    {"get", l_cube_get},
    {"ids", l_cube_ids},
    {"records", l_cube_records},
    {"dims", l_cube_dims},
    {"slice", l_cube_slice},
    {NULL, NULL},
};

static const luaL_Reg store_methods[] = {
    {"flow", l_flow},
    {"stock", l_stock},
    {"count_by", l_count_by},
    {"sum_by", l_sum_by},
    {NULL, NULL},
};

int nb_open_aggregate(lua_State *L)
{
    luaL_checktype(L, 1, LUA_TTABLE);
    if (luaL_newmetatable(L, NB_MT_CUBE)) {
        luaL_newlib(L, cube_methods);
        lua_setfield(L, -2, "__index");
        lua_pushcfunction(L, l_cube_gc);
        lua_setfield(L, -2, "__gc");
        lua_pushcfunction(L, l_cube_gc);
        lua_setfield(L, -2, "__close");
        lua_pushcfunction(L, l_cube_tostring);
        lua_setfield(L, -2, "__tostring");
    }
    lua_pop(L, 1);
    if (luaL_newmetatable(L, "nianbao.idlist")) {
        lua_pushcfunction(L, l_idlist_gc);
        lua_setfield(L, -2, "__gc");
    }
    lua_pop(L, 1);
    if (luaL_newmetatable(L, "nianbao.refs")) {
        lua_pushcfunction(L, l_refs_gc);
        lua_setfield(L, -2, "__gc");
    }
    lua_pop(L, 1);
    /* Add the aggregation methods to the store's method table. */
    nb_add_store_methods(L, store_methods);
    return 0;
}
