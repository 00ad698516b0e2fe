/* lua_export.c - marshals a report document (a Lua table) into an nb_doc and calls the
 * exporters of export.h: nianbao.export(doc, {dir=, name=, formats=}), where doc is a
 * document made with nianbao.document or a Lua table (lua_doc.c reads it). */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "doc.h"
#include "export.h"
#include "export_util.h"
#include "lua_nb.h"

/* The string at the stack top; raises naming WHERE and KEY. */
static const char *top_str(lua_State *L, const char *where, const char *key)
{
    if (lua_type(L, -1) != LUA_TSTRING)
        luaL_error(L, "%s: field '%s' must be a string (got %s)", where, key,
                   luaL_typename(L, -1));
    return lua_tostring(L, -1);
}

/* 1 when NAME can name files in a folder: not empty, no '/', not starting with '.',
 * no control characters. */
static int name_ok(const char *name)
{
    if (!*name || *name == '.')
        return 0;
    for (const unsigned char *p = (const unsigned char *)name; *p; p++)
        if (*p == '/' || *p < 0x20 || *p == 0x7f)
            return 0;
    return strlen(name) < 200;
}

/* The exporters named by OPTS.formats (index OPTS), as a bit set of nb_exporters; all
 * when it is absent. An unknown name raises, listing the known ones. */
static unsigned wanted_formats(lua_State *L, int opts)
{
    int t = lua_getfield(L, opts, "formats");
    if (t == LUA_TNIL) {
        lua_pop(L, 1);
        return ~0u;
    }
    if (t != LUA_TTABLE) /* a string wrote every format */
        return (unsigned)luaL_error(L, "export: option 'formats': a list of names, e.g. {\"md\"} (got %s)",
                                    lua_typename(L, t));
    unsigned want = 0;
    int n = (int)luaL_len(L, -1);
    for (int i = 1; i <= n; i++) {
        lua_geti(L, -1, i);
        const char *f = top_str(L, "export", "formats");
        const nb_exporter *x = nb_exporter_find(f);
        if (!x) {
            luaL_Buffer b;
            luaL_buffinit(L, &b);
            for (int e = 0; e < nb_nexporters; e++) {
                if (e)
                    luaL_addstring(&b, ", ");
                luaL_addstring(&b, nb_exporters[e].name);
            }
            luaL_pushresult(&b);
            return (unsigned)luaL_error(L, "export: unknown format '%s' (%s)", f,
                                        lua_tostring(L, -1));
        }
        want |= 1u << (x - nb_exporters);
        lua_pop(L, 1);
    }
    lua_pop(L, 1);
    return want;
}

/* nianbao.export(doc, {dir = "out", name = "report", formats = {"xlsx", ...}, sha256 = bool})
 * -> array of written paths [, message] | nil, message; with sha256, the array's field
 * sha256 maps each path to the SHA-256 of its bytes. Each format is written on its
 * own: one that fails does not keep the others from being written; the message names
 * every failure. */
static int l_export(lua_State *L)
{
    luaL_checktype(L, 2, LUA_TTABLE);
    static const char *const keys[] = {"dir", "name", "formats", "sha256", NULL};
    nb_lua_check_keys(L, 2, "export", keys);
    if (!luaL_testudata(L, 1, NB_MT_DOC))
        luaL_checktype(L, 1, LUA_TTABLE);
    nb_doc *doc = nb_lua_todoc(L, 1);
    lua_getfield(L, 2, "dir");
    const char *dir = lua_isnil(L, -1) ? "out" : top_str(L, "export", "dir");
    lua_getfield(L, 2, "name");
    const char *name = top_str(L, "export", "name");
    if (!name_ok(name))
        return luaL_error(L, "export: name '%s' must be a file name (no '/', not starting "
                             "with '.', no control characters)", name);
    if (!nb_lua_may_write(L, dir)) {
        lua_pushnil(L);
        lua_pushfstring(L, "%s: scripts write only in the working folder, the store's folder "
                           "or the command's --out (sandbox)", dir);
        return 2;
    }
    if (mkdir(dir, 0777) == 0) {
        nb_out_folder_made(dir);
    } else if (errno != EEXIST) {
        lua_pushnil(L);
        lua_pushfstring(L, "%s: cannot create folder: %s", dir, strerror(errno));
        return 2;
    }
    unsigned want = wanted_formats(L, 2);
    lua_getfield(L, 2, "sha256");
    int sha256 = lua_toboolean(L, -1);
    lua_pop(L, 1);
    static nb_export_errs errs; /* static: 32 KB; nianbao runs one thread */
    unsigned written = nb_export_group(doc, dir, name, want, sha256, errs);
    lua_newtable(L);
    int out = lua_gettop(L), n = 0;
    luaL_Buffer fails;
    luaL_buffinit(L, &fails);
    int nfail = 0;
    for (int e = 0; e < nb_nexporters; e++) {
        const nb_exporter *x = &nb_exporters[e];
        if (!(want & (1u << e)))
            continue;
        if (!(written & (1u << e))) {
            luaL_addstring(&fails, nfail++ ? "\n" : "");
            luaL_addstring(&fails, errs[e]);
            continue;
        }
        if (x->per_table) {
            for (int t = 0; t < doc->ntables; t++) {
                lua_pushfstring(L, "%s/%s-%s%s", dir, name, doc->tables[t].id, x->ext);
                lua_rawseti(L, out, ++n);
            }
        } else {
            lua_pushfstring(L, "%s/%s%s", dir, name, x->ext);
            lua_rawseti(L, out, ++n);
        }
    }
    if (sha256) { /* paths.sha256: path -> the SHA-256 of the bytes written */
        lua_createtable(L, 0, n);
        for (int i = 1; i <= n; i++) {
            lua_rawgeti(L, out, i);
            const char *hex = nb_out_placed_sha256(lua_tostring(L, -1));
            if (hex) {
                lua_pushstring(L, hex);
                lua_rawset(L, -3);
            } else {
                lua_pop(L, 1);
            }
        }
        lua_setfield(L, out, "sha256");
    }
    luaL_pushresult(&fails);
    if (!nfail) {
        lua_settop(L, out);
        return 1;
    }
    lua_pushvalue(L, out);
    if (n == 0) {
        lua_pop(L, 1);
        lua_pushnil(L);
    }
    lua_insert(L, -2);
    return 2;
}

/* nianbao.formats() -> { {name=, ext=, suffix=, per_table=}, ... }: the exporters, in the
 * order they write. */
static int l_formats(lua_State *L)
{
    lua_createtable(L, nb_nexporters, 0);
    for (int e = 0; e < nb_nexporters; e++) {
        lua_createtable(L, 0, 4);
        lua_pushstring(L, nb_exporters[e].name);
        lua_setfield(L, -2, "name");
        /* the suffix nianbao.export adds to NAME: none for per-table exporters */
        lua_pushstring(L, nb_exporters[e].per_table ? "" : nb_exporters[e].ext);
        lua_setfield(L, -2, "ext");
        /* the suffix of its files: NAME.suffix, or NAME-TABLE.suffix for each table */
        lua_pushstring(L, nb_exporters[e].ext);
        lua_setfield(L, -2, "suffix");
        lua_pushboolean(L, nb_exporters[e].per_table);
        lua_setfield(L, -2, "per_table");
        lua_rawseti(L, -2, e + 1);
    }
    return 1;
}

/* nianbao.text_width(s) -> display width (East Asian wide characters count 2) */
static int l_text_width(lua_State *L)
{
    lua_pushinteger(L, nb_text_width(luaL_checkstring(L, 1)));
    return 1;
}

int nb_open_export(lua_State *L)
{
    luaL_checktype(L, 1, LUA_TTABLE);
    lua_pushcfunction(L, l_export);
    lua_setfield(L, 1, "export");
    lua_pushcfunction(L, l_text_width);
    lua_setfield(L, 1, "text_width");
    lua_pushcfunction(L, l_formats);
    lua_setfield(L, 1, "formats");
    return 0;
}
