/* lua_freeze.c - deep read-only proxies of the tables every script shares.
 *
 * A proxy is an empty table whose metatable reads through to the real table
 * (kept only as an upvalue, never handed out): indexing, # and pairs work,
 * any assignment raises, rawset refuses it (__locked), getmetatable gives
 * "locked", and a table reached through it is itself a proxy (the same one
 * each time). So the catalogue, the libraries and the program's modules can
 * be shared by every script without one script changing them for another. */
#include <string.h>

#include "lua_nb.h"

#define REG_PROXIES "nianbao.proxies" /* weak map: real table -> its proxy */

static void push_proxy(lua_State *L, int real, int name);

/* Replaces the value at the top with its proxy when it is a table (name at
 * upvalue 2 of the running closure). */
static void freeze_top(lua_State *L)
{
    if (lua_type(L, -1) != LUA_TTABLE)
        return;
    push_proxy(L, lua_gettop(L), lua_upvalueindex(2));
    lua_remove(L, -2);
}

static int proxy_index(lua_State *L)
{
    lua_pushvalue(L, 2);
    lua_gettable(L, lua_upvalueindex(1));
    freeze_top(L);
    return 1;
}

static int proxy_newindex(lua_State *L)
{
    const char *name = lua_tostring(L, lua_upvalueindex(2));
    /* _G: a new name is a new global, refused as in a script's own environment. */
    if (strcmp(name, "_G") == 0 && lua_type(L, 2) == LUA_TSTRING) {
        lua_pushvalue(L, 2);
        if (lua_rawget(L, lua_upvalueindex(1)) == LUA_TNIL)
            return luaL_error(L, "assignment to undeclared global '%s' (declare it local)",
                              lua_tostring(L, 2));
    }
    return luaL_error(L, "'%s' is shared by every script and cannot be changed", name);
}

static int proxy_len(lua_State *L)
{
    lua_len(L, lua_upvalueindex(1));
    return 1;
}

/* The iterator of pairs(proxy): next over the real table. */
static int proxy_next(lua_State *L)
{
    lua_settop(L, 2);
    if (!lua_next(L, lua_upvalueindex(1)))
        return 0;
    freeze_top(L);
    return 2;
}

static int proxy_pairs(lua_State *L)
{
    lua_getmetatable(L, 1);
    lua_getfield(L, -1, "__next");
    lua_pushvalue(L, 1);
    lua_pushnil(L);
    return 3;
}

/* Pushes the proxy of the table at REAL, named by the string at NAME. */
static void push_proxy(lua_State *L, int real, int name)
{
    real = lua_absindex(L, real);
    name = name < 0 && name > LUA_REGISTRYINDEX ? lua_absindex(L, name) : name;
    if (nb_lua_frozen(L, real)) { /* a proxy already: itself */
        lua_pushvalue(L, real);
        return;
    }
    luaL_getsubtable(L, LUA_REGISTRYINDEX, REG_PROXIES);
    if (!lua_getmetatable(L, -1)) { /* make the map weak on first use */
        lua_createtable(L, 0, 1);
        lua_pushliteral(L, "k");
        lua_setfield(L, -2, "__mode");
        lua_setmetatable(L, -2);
    } else {
        lua_pop(L, 1);
    }
    lua_pushvalue(L, real);
    if (lua_rawget(L, -2) == LUA_TTABLE) {
        lua_remove(L, -2);
        return;
    }
    lua_pop(L, 1);
    lua_newtable(L);          /* proxy */
    lua_createtable(L, 0, 8); /* its metatable */
    static const struct {
        const char *event;
        lua_CFunction fn;
    } events[] = {{"__index", proxy_index}, {"__newindex", proxy_newindex},
                  {"__len", proxy_len}, {"__next", proxy_next}};
    for (size_t i = 0; i < sizeof events / sizeof events[0]; i++) {
        lua_pushvalue(L, real);
        lua_pushvalue(L, name);
        lua_pushcclosure(L, events[i].fn, 2);
        lua_setfield(L, -2, events[i].event);
    }
    lua_pushcfunction(L, proxy_pairs);
    lua_setfield(L, -2, "__pairs");
    lua_pushboolean(L, 1);
    lua_setfield(L, -2, "__locked");
    lua_pushliteral(L, "locked");
    lua_setfield(L, -2, "__metatable");
    lua_setmetatable(L, -2);
    lua_pushvalue(L, real);
    lua_pushvalue(L, -2);
    lua_rawset(L, -4);        /* map[real] = proxy */
    lua_remove(L, -2);        /* the map */
}

void nb_lua_freeze(lua_State *L, const char *name)
{
    if (lua_type(L, -1) != LUA_TTABLE)
        return;
    lua_pushstring(L, name);
    push_proxy(L, -2, -1);
    lua_replace(L, -3);
    lua_pop(L, 1);
}

int nb_lua_frozen(lua_State *L, int idx)
{
    int frozen = 0;
    if (lua_type(L, idx) == LUA_TTABLE && lua_getmetatable(L, idx)) {
        lua_pushliteral(L, "__locked");
        frozen = lua_rawget(L, -2) != LUA_TNIL;
        lua_pop(L, 2);
    }
    return frozen;
}
