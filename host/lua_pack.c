/* lua_pack.c - marshals pack.h's maintenance: store:verify_packs() and store:repack(). */
#include "lua_nb.h"
#include "pack.h"
#include "runs.h"

/* store:verify_packs() -> bad, message: the (kind, body) pairs whose packed columns
 * differ from the records (0 when all match), and what the first is; raises on a
 * database error. */
static int l_verify_packs(lua_State *L)
{
    nb_store *s = nb_check_store(L, 1);
    long bad;
    char why[512], err[1024];
    if (nb_pack_verify(s, &bad, why, sizeof why, err, sizeof err))
        return luaL_error(L, "%s", err);
    lua_pushinteger(L, bad);
    lua_pushstring(L, why);
    return 2;
}

/* store:repack() -> lost | nil, message: the damaged parts and their records removed
 * (LOST: how many records), every packed column written again, and every kept digest
 * forgotten, in one transaction. */
static int l_repack(lua_State *L)
{
    nb_store *s = nb_check_writable(L, 1, "store:repack");
    char err[1024];
    long lost = 0;
    nb_err rc = nb_store_begin(s, err, sizeof err);
    if (!rc) {
        if ((rc = nb_pack_drop_damaged(s, &lost, err, sizeof err)) == NB_OK &&
            (rc = nb_pack_rebuild_all(s, err, sizeof err)) == NB_OK &&
            (rc = nb_digest_forget_all(s, err, sizeof err)) == NB_OK)
            rc = nb_store_commit(s, err, sizeof err);
        else
            nb_store_rollback(s);
    }
    if (rc)
        return nb_lua_push_status(L, rc, err);
    lua_pushinteger(L, lost);
    return 1;
}

static const luaL_Reg store_methods[] = {
    {"verify_packs", l_verify_packs},
    {"repack", l_repack},
    {NULL, NULL},
};

int nb_open_pack(lua_State *L)
{
    luaL_checktype(L, 1, LUA_TTABLE);
    nb_add_store_methods(L, store_methods);
    return 0;
}
