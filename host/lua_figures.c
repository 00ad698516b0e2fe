/* lua_figures.c - marshals figures.h and the coverage of years: nianbao.read_figures,
 * store:put_figures, store:figures, store:coverage; and JSON text as Lua values
 * (nianbao.decode_json, through jansson as figures.c reads). */
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "figures.h"
#include "lua_nb.h"

#define NB_MT_FIGURES "nianbao.figures"

static int figures_gc(lua_State *L)
{
    nb_figures_free(luaL_checkudata(L, 1, NB_MT_FIGURES));
    return 0;
}

/* nianbao.read_figures(path) -> {year =, format =, body =, cells = {{tbl, row, col, value}, …}}
 * | nil, message (value nil: a blank cell) */
static int l_read_figures(lua_State *L)
{
    const char *path = luaL_checkstring(L, 1);
    if (!nb_lua_may_read(L, path)) {
        lua_pushnil(L);
        lua_pushfstring(L, "%s: scripts read files only in the working folder and the store's "
                           "folder (sandbox)", path);
        return 2;
    }
    nb_figures *f = lua_newuserdatauv(L, sizeof *f, 0);
    memset(f, 0, sizeof *f);
    luaL_setmetatable(L, NB_MT_FIGURES);
    char err[1024];
    if (nb_figures_read(path, f, err, sizeof err) != NB_OK) {
        lua_pushnil(L);
        lua_pushstring(L, err);
        return 2;
    }
    lua_createtable(L, 0, 4);
    if (f->year) {
        lua_pushinteger(L, f->year);
        lua_setfield(L, -2, "year");
    }
    if (f->format) {
        lua_pushstring(L, f->format);
        lua_setfield(L, -2, "format");
    }
    if (f->body) {
        lua_pushstring(L, f->body);
        lua_setfield(L, -2, "body");
    }
    lua_createtable(L, f->n, 0);
    for (int i = 0; i < f->n; i++) {
        lua_createtable(L, 4, 0);
        lua_pushstring(L, f->v[i].tbl);
        lua_rawseti(L, -2, 1);
        lua_pushstring(L, f->v[i].row);
        lua_rawseti(L, -2, 2);
        lua_pushstring(L, f->v[i].col);
        lua_rawseti(L, -2, 3);
        if (!f->v[i].blank) {
            double v = f->v[i].value;
            if (v == (double)(lua_Integer)v)
                lua_pushinteger(L, (lua_Integer)v);
            else
                lua_pushnumber(L, v);
            lua_rawseti(L, -2, 4);
        }
        lua_rawseti(L, -2, i + 1);
    }
    lua_setfield(L, -2, "cells");
    nb_figures_free(f);
    return 1;
}

/* store:put_figures(body, year, format, cells, source) -> true | nil, message: replaces
 * the body's figures of the year (the body is created when new; the caller has checked
 * the keys against the format). */
static int l_put_figures(lua_State *L)
{
    nb_store *s = nb_check_writable(L, 1, "store:put_figures");
    const char *body = luaL_checkstring(L, 2);
    lua_Integer year = luaL_checkinteger(L, 3);
    const char *format = luaL_checkstring(L, 4), *source = luaL_checkstring(L, 6);
    luaL_checktype(L, 5, LUA_TTABLE);
    nb_figures *f = lua_newuserdatauv(L, sizeof *f, 0);
    memset(f, 0, sizeof *f);
    luaL_setmetatable(L, NB_MT_FIGURES);
    lua_Integer n = luaL_len(L, 5);
    if (n > NB_FIGURES_MAX_CELLS)
        return luaL_error(L, "store:put_figures: more than %d cells", NB_FIGURES_MAX_CELLS);
    f->v = calloc((size_t)(n ? n : 1), sizeof *f->v);
    if (!f->v)
        return luaL_error(L, "out of memory");
    for (lua_Integer i = 1; i <= n; i++) {
        lua_rawgeti(L, 5, i);
        nb_figure *x = &f->v[f->n++];
        char **keys[3] = {&x->tbl, &x->row, &x->col};
        for (int k = 0; k < 3; k++) {
            lua_rawgeti(L, -1, k + 1);
            const char *v = lua_tostring(L, -1);
            if (!v || !(*keys[k] = strdup(v)))
                return luaL_error(L, "store:put_figures: cell %d: {table, row, col, value}", (int)i);
            lua_pop(L, 1);
        }
        lua_rawgeti(L, -1, 4);
        x->blank = lua_isnil(L, -1);
        x->value = x->blank ? 0 : luaL_checknumber(L, -1);
        lua_pop(L, 2);
    }
    char err[1024];
    nb_err rc = nb_figures_put(s, body, (int)year, format, f, source, err, sizeof err);
    nb_figures_free(f);
    return nb_lua_push_status(L, rc, err);
}

/* store:figures(body) -> {{year =, format =, source =}, …} by year;
 * store:figures(body, year) -> {format =, source =, values = {t = {r = {c = v|false}}}} | nil */
static int l_figures(lua_State *L)
{
    nb_store *s = nb_check_store(L, 1);
    int64_t body = nb_check_body(L, s, 2);
    int one = !lua_isnoneornil(L, 3);
    lua_Integer year = one ? luaL_checkinteger(L, 3) : 0;
    static const char year_sql[] = "SELECT format, source, tbl, row, col, value FROM figures "
                                   "WHERE body = ?1 AND year = ?2 ORDER BY tbl, row, col";
    static const char years_sql[] = "SELECT year, format, min(source) FROM figures WHERE body = ?1 "
                                    "GROUP BY year ORDER BY year";
    const char *sql = one ? year_sql : years_sql;
    sqlite3_stmt *st = nb_store_stmt(s, sql);
    if (!st)
        return luaL_error(L, "%s", sqlite3_errmsg(s->db));
    sqlite3_bind_int64(st, 1, body);
    if (one)
        sqlite3_bind_int64(st, 2, year);
    int i = 0, found = 0;
    lua_newtable(L);
    /* a Lua error below would leave ST out of the store (finalized at close): the pushes
       are of small strings in a loop that finishes; it is given back on every path */
    while (sqlite3_step(st) == SQLITE_ROW) {
        if (!one) {
            lua_createtable(L, 0, 3);
            lua_pushinteger(L, sqlite3_column_int(st, 0));
            lua_setfield(L, -2, "year");
            lua_pushstring(L, (const char *)sqlite3_column_text(st, 1));
            lua_setfield(L, -2, "format");
            lua_pushstring(L, (const char *)sqlite3_column_text(st, 2));
            lua_setfield(L, -2, "source");
            lua_rawseti(L, -2, ++i);
            continue;
        }
        if (!found) {
            found = 1;
            lua_pushstring(L, (const char *)sqlite3_column_text(st, 0));
            lua_setfield(L, -2, "format");
            lua_pushstring(L, (const char *)sqlite3_column_text(st, 1));
            lua_setfield(L, -2, "source");
            lua_newtable(L);
            lua_setfield(L, -2, "values");
        }
        lua_getfield(L, -1, "values");
        for (int c = 2; c <= 3; c++) {
            const char *k = (const char *)sqlite3_column_text(st, c);
            if (lua_getfield(L, -1, k) != LUA_TTABLE) {
                lua_pop(L, 1);
                lua_newtable(L);
                lua_pushvalue(L, -1);
                lua_setfield(L, -3, k);
            }
            lua_remove(L, -2);
        }
        if (sqlite3_column_type(st, 5) == SQLITE_NULL)
            lua_pushboolean(L, 0);
        else {
            double v = sqlite3_column_double(st, 5);
            if (v == (double)(lua_Integer)v)
                lua_pushinteger(L, (lua_Integer)v);
            else
                lua_pushnumber(L, v);
        }
        lua_setfield(L, -2, (const char *)sqlite3_column_text(st, 4));
        lua_pop(L, 1);
    }
    nb_store_stmt_give(s, sql, st);
    if (one && !found) {
        lua_pop(L, 1);
        lua_pushnil(L);
    }
    return 1;
}

/* store:coverage(body) -> {kind = {year = true, …}, …}: the years whose records of a kind
 * an import declared complete (import --year Y KIND FILE). */
static int l_coverage(lua_State *L)
{
    nb_store *s = nb_check_store(L, 1);
    int64_t body = nb_check_body(L, s, 2);
    static const char sql[] = "SELECT kind, year FROM coverage WHERE body = ?1";
    sqlite3_stmt *st = nb_store_stmt(s, sql);
    if (!st)
        return luaL_error(L, "%s", sqlite3_errmsg(s->db));
    sqlite3_bind_int64(st, 1, body);
    lua_newtable(L);
    while (sqlite3_step(st) == SQLITE_ROW) {
        const char *kind = (const char *)sqlite3_column_text(st, 0);
        if (lua_getfield(L, -1, kind) != LUA_TTABLE) {
            lua_pop(L, 1);
            lua_newtable(L);
            lua_pushvalue(L, -1);
            lua_setfield(L, -3, kind);
        }
        lua_pushboolean(L, 1);
        lua_rawseti(L, -2, sqlite3_column_int(st, 1));
        lua_pop(L, 1);
    }
    nb_store_stmt_give(s, sql, st);
    return 1;
}

/* ---- JSON text as Lua values ---- */

#define NB_MT_JSON "nianbao.json"

static int json_gc(lua_State *L)
{
    json_t **j = luaL_checkudata(L, 1, NB_MT_JSON);
    json_decref(*j);
    *j = NULL;
    return 0;
}

/* Pushes V; 0, or -1 (nothing pushed) when it nests more than MAX_DEPTH deep. */
#define MAX_DEPTH 200
static int push_json(lua_State *L, json_t *v, int depth)
{
    luaL_checkstack(L, 4, "JSON nested too deep");
    if (depth >= MAX_DEPTH && (json_is_object(v) || json_is_array(v))) /* the outermost at
        0: MAX_DEPTH levels of objects and arrays at most, whatever they hold */
        return -1;
    switch (json_typeof(v)) {
    case JSON_OBJECT: {
        const char *k;
        json_t *x;
        lua_createtable(L, 0, (int)json_object_size(v));
        json_object_foreach(v, k, x) {
            if (push_json(L, x, depth + 1))
                return lua_pop(L, 1), -1;
            lua_setfield(L, -2, k);
        }
        break;
    }
    case JSON_ARRAY: {
        size_t i;
        json_t *x;
        lua_createtable(L, (int)json_array_size(v), 0);
        json_array_foreach(v, i, x) {
            if (push_json(L, x, depth + 1))
                return lua_pop(L, 1), -1;
            lua_rawseti(L, -2, (lua_Integer)i + 1);
        }
        break;
    }
    case JSON_STRING: lua_pushlstring(L, json_string_value(v), json_string_length(v)); break;
    case JSON_INTEGER: lua_pushinteger(L, (lua_Integer)json_integer_value(v)); break;
    case JSON_REAL: lua_pushnumber(L, json_real_value(v)); break;
    case JSON_TRUE: lua_pushboolean(L, 1); break;
    case JSON_FALSE: lua_pushboolean(L, 0); break;
    default: lua_pushnil(L); break;
    }
    return 0;
}

/* nianbao.decode_json(text) -> value | nil, message: objects as tables, arrays as
 * sequences, null as nil; duplicate keys are refused. */
static int l_decode_json(lua_State *L)
{
    size_t len;
    const char *text = luaL_checklstring(L, 1, &len);
    json_t **j = lua_newuserdatauv(L, sizeof *j, 0);
    *j = NULL;
    luaL_setmetatable(L, NB_MT_JSON);
    json_error_t je;
    *j = json_loadb(text, len, JSON_REJECT_DUPLICATES | JSON_DECODE_ANY | JSON_ALLOW_NUL, &je);
    if (!*j) {
        lua_pushnil(L);
        lua_pushfstring(L, "line %d: %s", je.line, je.text);
        return 2;
    }
    int deep = push_json(L, *j, 0);
    json_decref(*j);
    *j = NULL;
    if (deep) {
        lua_pushnil(L);
        lua_pushfstring(L, "JSON nested more than %d deep", MAX_DEPTH);
        return 2;
    }
    return 1;
}

static const luaL_Reg funcs[] = {
    {"read_figures", l_read_figures},
    {"decode_json", l_decode_json},
    {NULL, NULL},
};

static const luaL_Reg store_methods[] = {
    {"put_figures", l_put_figures},
    {"figures", l_figures},
    {"coverage", l_coverage},
    {NULL, NULL},
};

int nb_open_figures(lua_State *L)
{
    luaL_checktype(L, 1, LUA_TTABLE);
    if (luaL_newmetatable(L, NB_MT_FIGURES)) {
        lua_pushcfunction(L, figures_gc);
        lua_setfield(L, -2, "__gc");
    }
    lua_pop(L, 1);
    if (luaL_newmetatable(L, NB_MT_JSON)) {
        lua_pushcfunction(L, json_gc);
        lua_setfield(L, -2, "__gc");
    }
    lua_pop(L, 1);
    lua_pushvalue(L, 1);
    luaL_setfuncs(L, funcs, 0);
    lua_pop(L, 1);
    nb_add_store_methods(L, store_methods);
    return 0;
}
