/* lua_util.c - marshals the date helpers: nianbao.date, date_format, weekday, add_days, days_between. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "files.h"
#include "hash.h"
#include "lua_nb.h"
#include "texts.h"
#include "util.h"

/* nianbao.date(text) -> YYYYMMDD | nil, reason */
static int l_date(lua_State *L)
{
    const char *s = luaL_checkstring(L, 1);
    int ymd;
    const char *why;
    if (nb_date_parse(s, 0, &ymd, &why) != 0) {
        lua_pushnil(L);
        lua_pushfstring(L, "%s (%s)", why, s);
        return 2;
    }
    lua_pushinteger(L, ymd);
    return 1;
}

static int check_ymd(lua_State *L, int idx)
{
    lua_Integer v = luaL_checkinteger(L, idx);
    if (v < 19000101 || v > 99991231 || !nb_date_valid((int)(v / 10000), (int)(v / 100 % 100),
                                                       (int)(v % 100)))
        luaL_argerror(L, idx, "not a YYYYMMDD date");
    return (int)v;
}

/* nianbao.date_format(ymd) -> "YYYY-MM-DD" */
static int l_date_format(lua_State *L)
{
    char out[11];
    nb_date_format(check_ymd(L, 1), out);
    lua_pushstring(L, out);
    return 1;
}

/* nianbao.weekday(ymd) -> 1 (Monday) .. 7 (Sunday) */
static int l_weekday(lua_State *L)
{
    lua_pushinteger(L, nb_date_weekday(check_ymd(L, 1)) + 1);
    return 1;
}

/* nianbao.add_days(ymd, n) -> ymd */
static int l_add_days(lua_State *L)
{
    int ymd = check_ymd(L, 1);
    lua_Integer n = luaL_checkinteger(L, 2);
    if (n < -3000000 || n > 3000000) /* about 8000 years either way */
        return luaL_argerror(L, 2, "too many days");
    int out = nb_date_from_days(nb_date_days(ymd) + (long)n);
    if (out < 19000101 || out > 99991231)
        return luaL_error(L, "add_days: the result is outside 1900-9999");
    lua_pushinteger(L, out);
    return 1;
}

/* nianbao.days_between(a, b) -> b - a in days */
static int l_days_between(lua_State *L)
{
    int a = check_ymd(L, 1), b = check_ymd(L, 2);
    lua_pushinteger(L, nb_date_days(b) - nb_date_days(a));
    return 1;
}

#define NB_MT_TEXTBUF "nianbao.textbuf"

static int textbuf_gc(lua_State *L)
{
    nb_buf_free(luaL_checkudata(L, 1, NB_MT_TEXTBUF));
    return 0;
}

#define NB_MT_OWNED "nianbao.owned"

static int owned_gc(lua_State *L)
{
    void **p = luaL_checkudata(L, 1, NB_MT_OWNED);
    free(*p);
    *p = NULL;
    return 0;
}

void **nb_lua_owned(lua_State *L)
{
    void **p = lua_newuserdatauv(L, sizeof *p, 0);
    *p = NULL;
    if (luaL_newmetatable(L, NB_MT_OWNED)) {
        lua_pushcfunction(L, owned_gc);
        lua_setfield(L, -2, "__gc");
    }
    lua_setmetatable(L, -2);
    return p;
}

/* nianbao.sha256(s) -> the SHA-256 of S in hex, as sha256sum prints it */
static int l_sha256(lua_State *L)
{
    size_t len;
    const char *s = luaL_checklstring(L, 1, &len);
    char hex[NB_HASH_HEX];
    nb_sha256_hex(s, len, hex);
    lua_pushstring(L, hex);
    return 1;
}

/* nianbao.read_text(path) -> string | nil, message. Reads a regular file of at most 16 MiB
 * in the working folder or the store's folder (scripts may read, never write: files are
 * written only through nianbao.export). */
static int l_read_text(lua_State *L)
{
    const char *path = luaL_checkstring(L, 1);
    if (!nb_lua_may_read(L, path)) {
        lua_pushnil(L);
        lua_pushfstring(L, "%s: scripts read files only in the working folder and the store's "
                           "folder (sandbox)", path);
        return 2;
    }
    return nb_lua_push_file(L, path);
}

void nb_lua_push_list(lua_State *L, const char *const *list)
{
    luaL_Buffer b;
    luaL_buffinit(L, &b);
    for (int i = 0; list[i]; i++) {
        if (i)
            luaL_addstring(&b, ", ");
        luaL_addstring(&b, list[i]);
    }
    luaL_pushresult(&b);
}

void nb_lua_check_role(lua_State *L, int idx)
{
    const char *role = luaL_checkstring(L, idx);
    if (nb_script_role(role))
        return;
    nb_lua_push_list(L, nb_script_roles);
    luaL_argerror(L, idx, lua_pushfstring(L, "role '%s' is none of %s", role, lua_tostring(L, -1)));
}

void nb_lua_check_names(lua_State *L, int idx, const char *where, const char *const *keys,
                        const char *noun, int list, const char *also)
{
    if (!lua_istable(L, idx))
        return;
    idx = lua_absindex(L, idx);
    for (lua_pushnil(L); lua_next(L, idx); lua_pop(L, 1)) {
        if (list && lua_isinteger(L, -2) && lua_tointeger(L, -2) >= 1 && lua_tointeger(L, -2) <= list)
            continue;
        int known = 0;
        if (lua_type(L, -2) == LUA_TSTRING)
            for (int i = 0; keys[i] && !known; i++)
                known = strcmp(lua_tostring(L, -2), keys[i]) == 0;
        if (known)
            continue;
        nb_lua_push_list(L, keys); /* key, value, the list */
        const char *names = lua_tostring(L, -1);
        const char *key = luaL_tolstring(L, -3, NULL);
        luaL_error(L, "%s: unknown %s '%s' (%ss: %s%s)", where, noun, key, noun, names,
                   also ? also : "");
    }
}

void nb_lua_push_kinds(lua_State *L)
{
    luaL_Buffer b;
    luaL_buffinit(L, &b);
    for (int i = 0; i < nb_nkinds; i++) {
        luaL_addstring(&b, i ? ", " : "");
        luaL_addstring(&b, nb_kinds[i].name);
    }
    luaL_pushresult(&b);
}

int nb_lua_year(lua_State *L, int idx, const char *what)
{
    if (lua_isinteger(L, idx) && lua_tointeger(L, idx) >= 1900 && lua_tointeger(L, idx) <= 9999)
        return (int)lua_tointeger(L, idx);
    if (lua_type(L, idx) == LUA_TSTRING) /* "2020": a number is asked, not its text */
        return luaL_error(L, "%s: a year, an integer from 1900 to 9999 (got the string '%s')",
                          what, lua_tostring(L, idx));
    return luaL_error(L, "%s: a year, an integer from 1900 to 9999 (got %s)", what,
                      luaL_tolstring(L, idx, NULL));
}

void nb_lua_check_keys(lua_State *L, int idx, const char *fn, const char *const *keys)
{
    nb_lua_check_names(L, idx, fn, keys, "option", 0, NULL);
}

int nb_lua_push_status(lua_State *L, nb_err rc, const char *err)
{
    if (rc) {
        lua_pushnil(L);
        lua_pushstring(L, err);
        return 2;
    }
    lua_pushboolean(L, 1);
    return 1;
}

int nb_lua_push_file(lua_State *L, const char *path)
{
    /* The text belongs to a userdata, so an error while pushing it cannot leak it. */
    nb_buf *b = lua_newuserdatauv(L, sizeof *b, 0);
    memset(b, 0, sizeof *b);
    luaL_setmetatable(L, NB_MT_TEXTBUF);
    char err[1024];
    if (nb_file_read(path, NB_MAX_TEXT_FILE, b, err, sizeof err) != NB_OK) {
        lua_pushnil(L);
        lua_pushstring(L, err);
        return 2;
    }
    lua_pushlstring(L, b->data ? b->data : "", b->len);
    nb_buf_free(b);
    return 1;
}

/* nianbao.fail(message): raises a data error — bad input, not a bug in a
 * script: the command line prints the message alone, without a traceback,
 * and exits with status 2. pcall sees a table {message = ...} that prints
 * as its message. */
static int l_fail(lua_State *L)
{
    return nb_lua_data_error(L, luaL_checkstring(L, 1), 0);
}

int nb_lua_data_error(lua_State *L, const char *msg, lua_Integer status)
{
    lua_createtable(L, 0, 2);
    lua_pushstring(L, msg);
    lua_setfield(L, -2, "message");
    if (status) {
        lua_pushinteger(L, status);
        lua_setfield(L, -2, "status");
    }
    luaL_setmetatable(L, NB_MT_FAIL);
    return lua_error(L);
}

static int l_fail_tostring(lua_State *L)
{
    lua_getfield(L, 1, "message");
    return 1;
}

static const luaL_Reg funcs[] = {
    {"fail", l_fail},
    {"read_text", l_read_text},
    {"sha256", l_sha256},
    {"date", l_date},
    {"date_format", l_date_format},
    {"weekday", l_weekday},
    {"add_days", l_add_days},
    {"days_between", l_days_between},
    {NULL, NULL},
};

int nb_open_util(lua_State *L)
{
    luaL_checktype(L, 1, LUA_TTABLE);
    if (luaL_newmetatable(L, NB_MT_TEXTBUF)) {
        lua_pushcfunction(L, textbuf_gc);
        lua_setfield(L, -2, "__gc");
    }
    lua_pop(L, 1);
    if (luaL_newmetatable(L, NB_MT_FAIL)) {
        lua_pushcfunction(L, l_fail_tostring);
        lua_setfield(L, -2, "__tostring");
    }
    lua_pop(L, 1);
    lua_pushvalue(L, 1);
    luaL_setfuncs(L, funcs, 0);
    lua_pop(L, 1);
    return 0;
}
