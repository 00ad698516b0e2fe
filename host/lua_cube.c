/* lua_cube.c - marshals the aggregation engine (tabulate.c): store:flow, stock, count_by, sum_by. */
#include "lua_nb.h"

int nb_open_aggregate(lua_State *L)
{
    luaL_checktype(L, 1, LUA_TTABLE);
    return 0;
}
