/* lua_import.c - marshals a mapping script's table into an nb_mapping (import.h). */
#include <string.h>

#include "mapping.h"
#include "lua_nb.h"

/* Reads the table at IDX, shaped
 *   { <kind> = { <field> = { [local] = "national code", ... }, ... },
 *     aliases = { <kind> = { [header] = "field", ... } } }
 * into M. Raises with "MAP: <reason>" on a bad entry. */
void nb_mapping_from_lua(lua_State *L, int idx, nb_mapping *m, const char *map_path);

void nb_mapping_from_lua(lua_State *L, int idx, nb_mapping *m, const char *map_path)
{
    char err[512];
    idx = lua_absindex(L, idx);
    if (!lua_istable(L, idx))
        luaL_error(L, "%s: a mapping script returns a table (got %s)", map_path,
                   luaL_typename(L, idx));
    lua_pushnil(L);
    while (lua_next(L, idx)) {
        if (lua_type(L, -2) != LUA_TSTRING || !lua_istable(L, -1))
            luaL_error(L, "%s: top-level keys are record kinds (or 'aliases') with table values",
                       map_path);
        const char *kind = lua_tostring(L, -2);
        int is_alias = strcmp(kind, "aliases") == 0;
        lua_pushnil(L);
        while (lua_next(L, -2)) {
            if (lua_type(L, -2) != LUA_TSTRING || !lua_istable(L, -1))
                luaL_error(L, "%s: %s: keys are %s with table values", map_path, kind,
                           is_alias ? "record kinds" : "field names");
            const char *sub = lua_tostring(L, -2);
            lua_pushnil(L);
            while (lua_next(L, -2)) {
                if (lua_type(L, -2) != LUA_TSTRING || lua_type(L, -1) != LUA_TSTRING)
                    luaL_error(L, "%s: %s.%s: entries are [\"local value\"] = \"code\" strings",
                               map_path, kind, sub);
                const char *local = lua_tostring(L, -2), *target = lua_tostring(L, -1);
                int rc = is_alias ? nb_mapping_alias(m, sub, local, target, err, sizeof err)
                                  : nb_mapping_value(m, kind, sub, local, target, err, sizeof err);
                if (rc != 0)
                    luaL_error(L, "%s: %s", map_path, err);
                lua_pop(L, 1);
            }
            lua_pop(L, 1);
        }
        lua_pop(L, 1);
    }
}
