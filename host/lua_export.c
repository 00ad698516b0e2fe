/* lua_export.c - marshals report documents to the exporters (doc.h): nianbao.export. */
#include "lua_nb.h"

int nb_open_export(lua_State *L)
{
    luaL_checktype(L, 1, LUA_TTABLE);
    return 0;
}
