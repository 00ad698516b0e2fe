/* lua_delete.c - marshals delete.h: store:delete(kind, body, ids, opts),
 * store:delete_body(body, opts), store:delete_script(body, name, opts),
 * store:delete_year(body, what, year, opts). Each returns the counts of what went (or
 * would go, with dry_run = true) or nil, message. */
#include <string.h>

#include "codes.h"
#include "delete.h"
#include "lua_nb.h"

static const char *const dry_keys[] = {"dry_run", NULL};
static const char *const body_keys[] = {"force", "dry_run", NULL};
static const char *const year_keys[] = {"kind", "dry_run", NULL};

/* The options at IDX (nil or a table of KEYS alone: a key typed wrong raises, where it
 * was read as absent: {dryrun = true} deleted for real). */
static void check_opts(lua_State *L, int idx, const char *fn, const char *const *keys)
{
    if (lua_isnoneornil(L, idx))
        return;
    luaL_checktype(L, idx, LUA_TTABLE);
    nb_lua_check_keys(L, idx, fn, keys);
}

static int opt_flag(lua_State *L, int idx, const char *key)
{
    if (lua_isnoneornil(L, idx))
        return 0;
    luaL_checktype(L, idx, LUA_TTABLE);
    lua_getfield(L, idx, key);
    int v = lua_toboolean(L, -1);
    lua_pop(L, 1);
    return v;
}

/* { records = { kind = n, … }, texts =, scripts =, figures =, runs =, coverage = } or nil,
 * message. */
static int push_counts(lua_State *L, nb_err rc, const nb_delete_counts *c, const char *err)
{
    if (rc) {
        lua_pushnil(L);
        lua_pushstring(L, err);
        return 2;
    }
    lua_createtable(L, 0, 6);
    lua_createtable(L, 0, nb_nkinds);
    for (int i = 0; i < nb_nkinds && i < NB_DELETE_MAX_KINDS; i++)
        if (c->records[i]) {
            lua_pushinteger(L, c->records[i]);
            lua_setfield(L, -2, nb_kinds[i].name);
        }
    lua_setfield(L, -2, "records");
    static const char *const names[] = {"texts", "scripts", "figures", "runs", "coverage"};
    const long vals[] = {c->texts, c->scripts, c->figures, c->runs, c->coverage};
    for (int i = 0; i < 5; i++) {
        lua_pushinteger(L, vals[i]);
        lua_setfield(L, -2, names[i]);
    }
    return 1;
}

/* store:delete(kind, body, {id, …}, {dry_run =}) */
static int l_delete(lua_State *L)
{
    nb_store *s = nb_check_writable(L, 1, "store:delete");
    const char *kind = luaL_checkstring(L, 2), *body = luaL_checkstring(L, 3);
    luaL_checktype(L, 4, LUA_TTABLE);
    lua_settop(L, 5); /* the options (nil when not given) at 5, whatever is pushed after */
    check_opts(L, 5, "store:delete", dry_keys);
    int dry = opt_flag(L, 5, "dry_run");
    int n = (int)luaL_len(L, 4);
    const char **ids = lua_newuserdatauv(L, ((size_t)n + 1) * sizeof *ids, 0);
    lua_createtable(L, n, 0); /* 7: the id strings kept alive (the caller's table untouched) */
    for (int i = 0; i < n; i++) {
        lua_geti(L, 4, i + 1);
        if (lua_type(L, -1) != LUA_TSTRING)
            return luaL_error(L, "store:delete: ids are strings (id %d is a %s)", i + 1,
                              luaL_typename(L, -1));
        ids[i] = lua_tostring(L, -1);
        lua_rawseti(L, 7, i + 1);
    }
    nb_delete_counts c;
    char err[1024];
    nb_err rc = nb_delete_records(s, body, kind, ids, n, dry, &c, err, sizeof err);
    return push_counts(L, rc, &c, err);
}

/* store:delete_body(body, {force =, dry_run =}) */
static int l_delete_body(lua_State *L)
{
    nb_store *s = nb_check_writable(L, 1, "store:delete_body");
    const char *body = luaL_checkstring(L, 2);
    check_opts(L, 3, "store:delete_body", body_keys);
    nb_delete_counts c;
    char err[1024];
    nb_err rc = nb_delete_body(s, body, opt_flag(L, 3, "force"), opt_flag(L, 3, "dry_run"), &c,
                               err, sizeof err);
    return push_counts(L, rc, &c, err);
}

/* store:delete_script(body, name, {dry_run =}) */
static int l_delete_script(lua_State *L)
{
    nb_store *s = nb_check_writable(L, 1, "store:delete_script");
    const char *body = luaL_checkstring(L, 2), *name = luaL_checkstring(L, 3);
    check_opts(L, 4, "store:delete_script", dry_keys);
    nb_delete_counts c;
    char err[1024];
    nb_err rc = nb_delete_script(s, body, name, opt_flag(L, 4, "dry_run"), &c, err, sizeof err);
    return push_counts(L, rc, &c, err);
}

/* store:delete_year(body, "text" | "figures" | "coverage", year, {kind =, dry_run =}): a
 * year's narrative, imported figures, or declaration that its records of KIND are complete */
static int l_delete_year(lua_State *L)
{
    static const char *const whats[] = {"text", "figures", "coverage", NULL};
    nb_store *s = nb_check_writable(L, 1, "store:delete_year");
    const char *body = luaL_checkstring(L, 2);
    int what = luaL_checkoption(L, 3, NULL, whats);
    int year = nb_lua_year(L, 4, "store:delete_year");
    check_opts(L, 5, "store:delete_year", year_keys);
    const char *kind = NULL;
    if (!lua_isnoneornil(L, 5) && lua_getfield(L, 5, "kind") != LUA_TNIL) {
        if (lua_type(L, -1) != LUA_TSTRING)
            return luaL_error(L, "store:delete_year: option kind: a record kind's name (got %s)",
                              luaL_typename(L, -1));
        kind = lua_tostring(L, -1); /* kept alive by the options table */
    }
    if (what == NB_DELETE_COVERAGE && !kind)
        return luaL_error(L, "store:delete_year: coverage: give the option kind (a record kind)");
    nb_delete_counts c;
    char err[1024];
    nb_err rc = nb_delete_year(s, body, (nb_delete_what)what, kind, year, opt_flag(L, 5, "dry_run"),
                               &c, err, sizeof err);
    return push_counts(L, rc, &c, err);
}

static const luaL_Reg store_methods[] = {
    {"delete", l_delete},
    {"delete_body", l_delete_body},
    {"delete_script", l_delete_script},
    {"delete_year", l_delete_year},
    {NULL, NULL},
};

int nb_open_delete(lua_State *L)
{
    luaL_checktype(L, 1, LUA_TTABLE);
    nb_add_store_methods(L, store_methods);
    return 0;
}
