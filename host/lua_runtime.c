/* lua_runtime.c - the sandboxed Lua state: allocator limit, count hook, per-script _ENV,
 * require limited to the program's folders, error messages with the user's frames. */
#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <lualib.h>

#include "lua_nb.h"

#define REG_CONFIG "nianbao.config"
#define REG_LIMITS "nianbao.limits"
#define REG_SANDBOX "nianbao.sandbox"
#define REG_LOADED "nianbao.loaded"

/* The one table of binding groups (as Lua's linit.c). Each adds its
 * functions to the nianbao table on the stack top. */
static const luaL_Reg nb_groups[] = {
    {"records", nb_open_records},
    {"aggregate", nb_open_aggregate},
    {"import", nb_open_import},
    {"export", nb_open_export},
    {"document", nb_open_doc},
    {"util", nb_open_util},
    {"codes", nb_open_codes},
    {NULL, NULL},
};

/* ---- allocator with a limit ---- */

static void *limited_alloc(void *ud, void *ptr, size_t osize, size_t nsize)
{
    nb_limits *lim = ud;
    size_t old = ptr ? osize : 0;
    if (nsize == 0) {
        free(ptr);
        lim->mem_used -= old;
        return NULL;
    }
    if (lim->mem_limit && nsize > old && lim->mem_used + (nsize - old) > lim->mem_limit)
        return NULL;
    void *p = realloc(ptr, nsize);
    if (p)
        lim->mem_used = lim->mem_used - old + nsize;
    return p;
}

/* ---- instruction limit ---- */

#define HOOK_STEP 1000

static void count_hook(lua_State *L, lua_Debug *ar)
{
    (void)ar;
    lua_getfield(L, LUA_REGISTRYINDEX, REG_LIMITS);
    nb_limits *lim = lua_touserdata(L, -1);
    lua_pop(L, 1);
    lua_getfield(L, LUA_REGISTRYINDEX, "nianbao.steps");
    lua_Integer steps = lua_tointeger(L, -1) + 1;
    lua_pop(L, 1);
    lua_pushinteger(L, steps);
    lua_setfield(L, LUA_REGISTRYINDEX, "nianbao.steps");
    if (lim && lim->max_instructions && steps * HOOK_STEP > lim->max_instructions) {
        lua_pushboolean(L, 1); /* sticky: pcall cannot swallow it (see sb_pcall) */
        lua_setfield(L, LUA_REGISTRYINDEX, "nianbao.exceeded");
        /* No position here: the message handler adds the running line. */
        lua_pushfstring(L, "instruction limit exceeded (%I instructions)",
                        (lua_Integer)lim->max_instructions);
        lua_error(L);
    }
}

/* pcall and xpcall: the base library's, but once the instruction limit is
 * exceeded the error goes on up, so `while true do pcall(f) end` ends. */
static int sb_pcall_k(lua_State *L, int status, lua_KContext ctx)
{
    (void)status, (void)ctx;
    lua_getfield(L, LUA_REGISTRYINDEX, "nianbao.exceeded");
    int exceeded = lua_toboolean(L, -1);
    lua_pop(L, 1);
    if (exceeded) {
        lua_getfield(L, LUA_REGISTRYINDEX, REG_LIMITS);
        nb_limits *lim = lua_touserdata(L, -1);
        lua_pushfstring(L, "instruction limit exceeded (%I instructions)",
                        (lua_Integer)(lim ? lim->max_instructions : 0));
        return lua_error(L);
    }
    return lua_gettop(L);
}

static int sb_pcall(lua_State *L)
{
    lua_pushvalue(L, lua_upvalueindex(1)); /* the real pcall or xpcall */
    lua_insert(L, 1);
    lua_callk(L, lua_gettop(L) - 1, LUA_MULTRET, 0, sb_pcall_k);
    return sb_pcall_k(L, LUA_OK, 0);
}

/* io.write to standard output; returns nothing (not the stdout handle). */
static int sb_write(lua_State *L)
{
    int n = lua_gettop(L);
    for (int i = 1; i <= n; i++) {
        size_t len;
        const char *s = luaL_checklstring(L, i, &len);
        fwrite(s, 1, len, stdout);
    }
    return 0;
}

/* ---- shared tables are read-only ---- */

static int locked_newindex(lua_State *L)
{
    return luaL_error(L, "'%s' is shared by every script and cannot be changed",
                      lua_tostring(L, lua_upvalueindex(1)));
}

static int locked_pairs(lua_State *L)
{
    lua_getglobal(L, "next");
    luaL_getmetafield(L, 1, "__index");
    lua_pushnil(L);
    return 3;
}

/* Replaces the table at the top with a read-only proxy of it named NAME. */
static void lock_table(lua_State *L, const char *name)
{
    lua_newtable(L);                 /* proxy */
    lua_createtable(L, 0, 5);        /* its metatable */
    lua_pushvalue(L, -3);
    lua_setfield(L, -2, "__index");
    lua_pushstring(L, name);
    lua_pushcclosure(L, locked_newindex, 1);
    lua_setfield(L, -2, "__newindex");
    lua_pushcfunction(L, locked_pairs);
    lua_setfield(L, -2, "__pairs");
    lua_pushboolean(L, 1);
    lua_setfield(L, -2, "__locked");
    lua_pushliteral(L, "locked");
    lua_setfield(L, -2, "__metatable");
    lua_setmetatable(L, -2);
    lua_remove(L, -2);               /* the real table stays reachable only through the proxy */
}

/* rawset refuses the shared tables (their metatable says __locked). */
static int sb_rawset(lua_State *L)
{
    luaL_checktype(L, 1, LUA_TTABLE);
    if (lua_getmetatable(L, 1)) {
        lua_pushliteral(L, "__locked");
        int locked = lua_rawget(L, -2) != LUA_TNIL;
        lua_pop(L, 2);
        if (locked)
            return luaL_error(L, "rawset: shared tables cannot be changed");
    }
    luaL_checkany(L, 2);
    luaL_checkany(L, 3);
    lua_settop(L, 3);
    lua_rawset(L, 1);
    return 1;
}

/* ---- denied capabilities ---- */

static int denied(lua_State *L)
{
    return luaL_error(L, "%s is not available in nianbao scripts (sandbox)",
                      lua_tostring(L, lua_upvalueindex(1)));
}

static void deny(lua_State *L, const char *table, const char *name)
{
    char full[64];
    snprintf(full, sizeof full, "%s%s%s", table ? table : "", table ? "." : "", name);
    lua_pushstring(L, full);
    lua_pushcclosure(L, denied, 1);
    lua_setfield(L, -2, name);
}

/* load(chunk [, name [, mode [, env]]]): text chunks only, default env is a
 * fresh sandbox environment. */
static void push_env(lua_State *L);

static int safe_load(lua_State *L)
{
    size_t len;
    const char *s = luaL_checklstring(L, 1, &len);
    const char *name = luaL_optstring(L, 2, s);
    int has_env = !lua_isnone(L, 4);
    if (luaL_loadbufferx(L, s, len, name, "t") != LUA_OK) {
        lua_pushnil(L);
        lua_insert(L, -2);
        return 2;
    }
    if (has_env)
        lua_pushvalue(L, 4);
    else
        push_env(L);
    if (!lua_setupvalue(L, -2, 1))
        lua_pop(L, 1);
    return 1;
}

/* ---- per-script environments ---- */

static int env_index(lua_State *L)
{
    /* upvalue 1: the sandbox base table */
    lua_pushvalue(L, 2);
    if (lua_rawget(L, lua_upvalueindex(1)) != LUA_TNIL)
        return 1;
    if (lua_type(L, 2) == LUA_TSTRING)
        return luaL_error(L, "undefined global '%s'", lua_tostring(L, 2));
    return 1;
}

static int env_newindex(lua_State *L)
{
    if (lua_type(L, 2) == LUA_TSTRING)
        return luaL_error(L, "assignment to undeclared global '%s' (declare it local)",
                          lua_tostring(L, 2));
    return luaL_error(L, "assignment to an undeclared global");
}

static void push_env(lua_State *L)
{
    lua_newtable(L);
    lua_newtable(L); /* metatable */
    lua_getfield(L, LUA_REGISTRYINDEX, REG_SANDBOX);
    lua_pushcclosure(L, env_index, 1);
    lua_setfield(L, -2, "__index");
    lua_pushcfunction(L, env_newindex);
    lua_setfield(L, -2, "__newindex");
    lua_pushliteral(L, "sandbox");
    lua_setfield(L, -2, "__metatable");
    lua_setmetatable(L, -2);
}

/* ---- require ---- */

static int file_exists(const char *p)
{
    FILE *f = fopen(p, "r");
    if (f)
        fclose(f);
    return f != NULL;
}

static int load_in_env(lua_State *L, const char *path)
{
    /* luaL_loadfilex owns its FILE on every path (lua_load does not raise),
       names the chunk "@path" and skips a #! line. */
    FILE *f = fopen(path, "rb");
    if (!f) {
        lua_pushfstring(L, "%s: cannot open: %s", path, strerror(errno));
        return LUA_ERRFILE;
    }
    fclose(f);
    int rc = luaL_loadfilex(L, path, "t");
    if (rc != LUA_OK)
        return rc;
    push_env(L);
    lua_setupvalue(L, -2, 1);
    return LUA_OK;
}

static int nb_require(lua_State *L)
{
    const char *name = luaL_checkstring(L, 1);
    lua_getfield(L, LUA_REGISTRYINDEX, REG_LOADED);
    if (lua_getfield(L, -1, name) != LUA_TNIL)
        return 1;
    lua_pop(L, 1);
    const nb_config *cfg = nb_lua_config(L);
    char rel[512], path[4700];
    snprintf(rel, sizeof rel, "%s", name);
    for (char *p = rel; *p; p++)
        if (*p == '.')
            *p = '/';
    if (strstr(rel, ".."))
        return luaL_error(L, "module '%s' not found", name);
    const char *dirs[] = {"lib", "scripts", "scripts/checks"};
    int found = 0;
    for (size_t i = 0; i < sizeof dirs / sizeof dirs[0] && !found; i++) {
        snprintf(path, sizeof path, "%s/%s/%s.lua", cfg->home, dirs[i], rel);
        found = file_exists(path);
    }
    if (!found) {
        /* Beside the running script. */
        lua_getfield(L, LUA_REGISTRYINDEX, "nianbao.scriptdir");
        const char *sd = lua_tostring(L, -1);
        if (sd) {
            snprintf(path, sizeof path, "%s/%s.lua", sd, rel);
            found = file_exists(path);
        }
        lua_pop(L, 1);
    }
    if (!found)
        return luaL_error(L, "module '%s' not found (looked in %s/lib, %s/scripts and "
                             "beside the script)", name, cfg->home, cfg->home);
    if (load_in_env(L, path) != LUA_OK)
        return lua_error(L);
    lua_pushstring(L, name);
    lua_call(L, 1, 1);
    if (lua_isnil(L, -1)) {
        lua_pop(L, 1);
        lua_pushboolean(L, 1);
    }
    lua_pushvalue(L, -1);
    lua_setfield(L, -3, name);
    return 1;
}

static int compare_names(const void *a, const void *b)
{
    return strcmp(a, b);
}

/* nianbao.script_names(folder) -> sorted names (without .lua) of the program's
 * scripts in scripts/FOLDER: the national formats are found this way. */
static int l_script_names(lua_State *L)
{
    const char *sub = luaL_checkstring(L, 1);
    for (const char *p = sub; *p; p++)
        if (!((*p >= 'a' && *p <= 'z') || (*p >= '0' && *p <= '9') || *p == '_'))
            return luaL_argerror(L, 1, "a folder name of a-z, 0-9 and _");
    char dir[4200];
    snprintf(dir, sizeof dir, "%s/scripts/%s", nb_lua_config(L)->home, sub);
    lua_newtable(L);
    DIR *d = opendir(dir);
    if (!d)
        return 1;
    /* The list is made in C first: a Lua error must not leak the DIR. */
    char names[256][64];
    int n = 0;
    struct dirent *e;
    while ((e = readdir(d)) != NULL && n < 256) {
        size_t len = strlen(e->d_name);
        if (len > 4 && len < 64 && strcmp(e->d_name + len - 4, ".lua") == 0 && e->d_name[0] != '.') {
            memcpy(names[n], e->d_name, len - 4);
            names[n++][len - 4] = '\0';
        }
    }
    closedir(d);
    qsort(names, (size_t)n, sizeof names[0], compare_names);
    for (int i = 0; i < n; i++) {
        lua_pushstring(L, names[i]);
        lua_rawseti(L, -2, i + 1);
    }
    return 1;
}

/* ---- the registered API ---- */

/* Sorts the array of strings at IDX with table.sort. */
static void sort_names(lua_State *L, int idx)
{
    lua_getglobal(L, "table");
    lua_getfield(L, -1, "sort");
    lua_pushvalue(L, idx);
    lua_call(L, 1, 0);
    lua_pop(L, 1);
}

/* Pushes the sorted names of the methods in metatable NAME's __index. */
static void push_method_names(lua_State *L, const char *mt)
{
    lua_newtable(L);
    int out = lua_gettop(L), n = 0;
    luaL_getmetatable(L, mt);
    lua_pushliteral(L, "__index");
    if (lua_rawget(L, -2) == LUA_TTABLE) {
        lua_pushnil(L);
        while (lua_next(L, -2)) {
            lua_pop(L, 1);
            lua_pushvalue(L, -1);
            lua_rawseti(L, out, ++n);
        }
    }
    lua_pop(L, 2);
    sort_names(L, out);
}

/* nianbao.api() -> {nianbao = {...}, store = {...}, cube = {...}, doc = {...}}: the names
 * the host registers, read from its own tables (docs are checked against it). */
static int l_api(lua_State *L)
{
    lua_createtable(L, 0, 3);
    push_method_names(L, NB_MT_STORE);
    lua_setfield(L, -2, "store");
    push_method_names(L, NB_MT_CUBE);
    lua_setfield(L, -2, "cube");
    push_method_names(L, NB_MT_DOC);
    lua_setfield(L, -2, "doc");
    /* The module's own fields: from the real table behind the proxy. */
    lua_newtable(L);
    int out = lua_gettop(L), n = 0;
    lua_getfield(L, LUA_REGISTRYINDEX, "nianbao.module");
    lua_pushnil(L);
    while (lua_next(L, -2)) {
        lua_pop(L, 1);
        lua_pushvalue(L, -1);
        lua_rawseti(L, out, ++n);
    }
    lua_pop(L, 1);
    sort_names(L, out);
    lua_setfield(L, -2, "nianbao");
    return 1;
}

/* Userdata metatables are not handed to scripts: their methods are shared. */
static void protect_metatable(lua_State *L, const char *mt)
{
    luaL_getmetatable(L, mt);
    if (lua_istable(L, -1)) {
        lua_pushstring(L, mt);
        lua_setfield(L, -2, "__metatable");
    }
    lua_pop(L, 1);
}

/* ---- state ---- */

nb_limits *nb_lua_limits(lua_State *L)
{
    lua_getfield(L, LUA_REGISTRYINDEX, REG_LIMITS);
    nb_limits *lim = lua_touserdata(L, -1);
    lua_pop(L, 1);
    return lim;
}

const nb_config *nb_lua_config(lua_State *L)
{
    lua_getfield(L, LUA_REGISTRYINDEX, REG_CONFIG);
    const nb_config *c = lua_touserdata(L, -1);
    lua_pop(L, 1);
    return c;
}

static int open_all(lua_State *L)
{
    const nb_config *cfg = lua_touserdata(L, 1);
    nb_limits *lim = lua_touserdata(L, 2);
    lua_pushlightuserdata(L, (void *)cfg);
    lua_setfield(L, LUA_REGISTRYINDEX, REG_CONFIG);
    lua_pushlightuserdata(L, lim);
    lua_setfield(L, LUA_REGISTRYINDEX, REG_LIMITS);
    lua_newtable(L);
    lua_setfield(L, LUA_REGISTRYINDEX, REG_LOADED);

    luaL_requiref(L, LUA_GNAME, luaopen_base, 1);
    luaL_requiref(L, LUA_TABLIBNAME, luaopen_table, 1);
    luaL_requiref(L, LUA_STRLIBNAME, luaopen_string, 1);
    luaL_requiref(L, LUA_MATHLIBNAME, luaopen_math, 1);
    luaL_requiref(L, LUA_UTF8LIBNAME, luaopen_utf8, 1);
    luaL_requiref(L, LUA_OSLIBNAME, luaopen_os, 1);
    luaL_requiref(L, LUA_IOLIBNAME, luaopen_io, 1);
    lua_settop(L, 2);

    /* The sandbox base: what every script environment reads through to. */
    lua_newtable(L);
    static const char *const base_names[] = {
        "assert", "error", "ipairs", "next", "pairs", "pcall", "print", "rawequal", "rawget",
        "rawlen", "rawset", "select", "setmetatable", "getmetatable", "tonumber", "tostring",
        "type", "xpcall", "collectgarbage", "_VERSION", "table", "string", "math", "utf8", NULL};
    lua_pushglobaltable(L);
    for (int i = 0; base_names[i]; i++) {
        lua_getfield(L, -1, base_names[i]);
        lua_setfield(L, -3, base_names[i]);
    }
    lua_pop(L, 1);
    static const char *const protected_calls[] = {"pcall", "xpcall", NULL};
    for (int i = 0; protected_calls[i]; i++) {
        lua_getfield(L, -1, protected_calls[i]);
        lua_pushcclosure(L, sb_pcall, 1);
        lua_setfield(L, -2, protected_calls[i]);
    }
    lua_pushcfunction(L, sb_rawset);
    lua_setfield(L, -2, "rawset");
    deny(L, NULL, "dofile");
    deny(L, NULL, "loadfile");
    lua_pushcfunction(L, safe_load);
    lua_setfield(L, -2, "load");
    lua_pushcfunction(L, nb_require);
    lua_setfield(L, -2, "require");
    /* string.dump makes binary chunks, which the sandbox never loads. */
    lua_getfield(L, -1, "string");
    deny(L, "string", "dump");
    lua_pop(L, 1);

    /* os: time and dates only. */
    lua_newtable(L);
    lua_getglobal(L, "os");
    static const char *const os_ok[] = {"time", "date", "clock", "difftime", NULL};
    for (int i = 0; os_ok[i]; i++) {
        lua_getfield(L, -1, os_ok[i]);
        lua_setfield(L, -3, os_ok[i]);
    }
    lua_pop(L, 1);
    static const char *const os_no[] = {"execute", "exit", "getenv", "remove", "rename",
                                        "tmpname", "setlocale", NULL};
    for (int i = 0; os_no[i]; i++)
        deny(L, "os", os_no[i]);
    lua_setfield(L, -2, "os");

    /* io: writing to stdout only; files are written through nianbao.export. */
    lua_newtable(L);
    lua_pushcfunction(L, sb_write);
    lua_setfield(L, -2, "write");
    static const char *const io_no[] = {"open", "popen", "lines", "read", "input", "output",
                                        "tmpfile", "close", NULL};
    for (int i = 0; io_no[i]; i++)
        deny(L, "io", io_no[i]);
    lua_setfield(L, -2, "io");

    /* The nianbao module: every binding group adds to it. */
    lua_newtable(L);
    for (const luaL_Reg *g = nb_groups; g->name; g++) {
        lua_pushcfunction(L, g->func);
        lua_pushvalue(L, -2);
        lua_call(L, 1, 0);
    }
    lua_pushcfunction(L, l_api);
    lua_setfield(L, -2, "api");
    lua_pushcfunction(L, l_script_names);
    lua_setfield(L, -2, "script_names");
    lua_pushvalue(L, -1);
    lua_setfield(L, LUA_REGISTRYINDEX, "nianbao.module");
    protect_metatable(L, NB_MT_STORE);
    protect_metatable(L, NB_MT_CUBE);
    protect_metatable(L, NB_MT_ROWS);
    protect_metatable(L, NB_MT_DOC);
    lock_table(L, "nianbao");
    lua_pushvalue(L, -1);
    lua_setfield(L, -3, "nianbao");
    lua_getfield(L, LUA_REGISTRYINDEX, REG_LOADED);
    lua_pushvalue(L, -2);
    lua_setfield(L, -2, "nianbao");
    lua_pop(L, 2);
    /* The libraries every script shares are read-only proxies. */
    static const char *const shared[] = {"string", "table", "math", "utf8", "os", "io", NULL};
    for (int i = 0; shared[i]; i++) {
        lua_getfield(L, -1, shared[i]);
        lock_table(L, shared[i]);
        lua_setfield(L, -2, shared[i]);
    }
    /* getmetatable("") must not hand out the real string table. */
    lua_pushliteral(L, "");
    if (lua_getmetatable(L, -1)) {
        lua_pushliteral(L, "locked");
        lua_setfield(L, -2, "__metatable");
        lua_pop(L, 1);
    }
    lua_pop(L, 1);
    lua_pushvalue(L, -1);
    lua_setfield(L, -2, "_G");
    /* _G is the base every script reads through: no new globals there either. */
    lua_newtable(L);
    lua_pushcfunction(L, env_newindex);
    lua_setfield(L, -2, "__newindex");
    lua_pushliteral(L, "sandbox");
    lua_setfield(L, -2, "__metatable");
    lua_pushboolean(L, 1);
    lua_setfield(L, -2, "__locked");
    lua_setmetatable(L, -2);
    lua_setfield(L, LUA_REGISTRYINDEX, REG_SANDBOX);
    return 0;
}

lua_State *nb_lua_new(nb_limits *lim, const nb_config *cfg)
{
    lua_State *L = lua_newstate(limited_alloc, lim);
    if (!L)
        return NULL;
    lua_pushcfunction(L, open_all);
    lua_pushlightuserdata(L, (void *)cfg);
    lua_pushlightuserdata(L, lim);
    if (lua_pcall(L, 2, 0, 0) != LUA_OK) {
        fprintf(stderr, "nianbao: cannot start Lua: %s\n", lua_tostring(L, -1));
        lua_close(L);
        return NULL;
    }
    lua_sethook(L, count_hook, LUA_MASKCOUNT, HOOK_STEP);
    return L;
}

/* Message handler: "SCRIPT:LINE: message" plus a traceback of Lua frames. */
static int msgh(lua_State *L)
{
    /* A data error (nianbao.fail) is the message alone: it names the data
       file and line itself, and a traceback of the program would be noise. */
    if (lua_type(L, 1) == LUA_TTABLE && lua_getmetatable(L, 1)) {
        luaL_getmetatable(L, NB_MT_FAIL);
        int is_fail = lua_rawequal(L, -1, -2);
        lua_pop(L, 2);
        if (is_fail) {
            lua_settop(L, 1);
            return 1; /* the object itself: its message, and the exit status it may carry */
        }
    }
    const char *msg = lua_tostring(L, 1);
    if (!msg) {
        if (luaL_callmeta(L, 1, "__tostring") && lua_type(L, -1) == LUA_TSTRING)
            msg = lua_tostring(L, -1);
        else
            msg = lua_pushfstring(L, "(error object is a %s value)", luaL_typename(L, 1));
    }
    luaL_Buffer b;
    luaL_buffinit(L, &b);
    lua_Debug ar;
    int first = 1;
    /* A message raised in C has no position: give it the first Lua frame's. */
    int has_pos = 0;
    {
        const char *colon = strchr(msg, ':');
        if (colon && colon[1] >= '0' && colon[1] <= '9')
            has_pos = 1;
    }
    /* Only the frames of the script that nb_lua_run started: the frames of the
       code that started it (the command line) are not the user's. */
    int levels = 0;
    while (lua_getstack(L, levels, &ar))
        levels++;
    lua_getfield(L, LUA_REGISTRYINDEX, "nianbao.rundepth");
    int outer = (int)lua_tointeger(L, -1);
    lua_pop(L, 1);
    for (int level = 1; level < levels - outer && lua_getstack(L, level, &ar); level++) {
        lua_getinfo(L, "Sln", &ar);
        if (strcmp(ar.what, "C") == 0 || ar.currentline < 0)
            continue;
        if (first) {
            if (!has_pos) {
                lua_pushfstring(L, "%s:%d: ", ar.short_src, ar.currentline);
                luaL_addvalue(&b);
            }
            luaL_addstring(&b, msg);
            luaL_addstring(&b, "\nstack traceback:");
            first = 0;
        }
        if (ar.name)
            lua_pushfstring(L, "\n\t%s:%d: in function '%s'", ar.short_src, ar.currentline,
                            ar.name);
        else if (*ar.what == 'm')
            lua_pushfstring(L, "\n\t%s:%d: in main chunk", ar.short_src, ar.currentline);
        else
            lua_pushfstring(L, "\n\t%s:%d: in function <%s:%d>", ar.short_src, ar.currentline,
                            ar.short_src, ar.linedefined);
        luaL_addvalue(&b);
    }
    if (first)
        luaL_addstring(&b, msg);
    luaL_pushresult(&b);
    return 1;
}

/* Runs the loaded chunk below its NARGS arguments with the message handler, the
 * frames of the caller marked as not the script's. */
static int run_chunk(lua_State *L, int nargs, int nresults, int handler)
{
    lua_Debug ar;
    int depth = 0;
    while (lua_getstack(L, depth, &ar))
        depth++;
    lua_getfield(L, LUA_REGISTRYINDEX, "nianbao.rundepth");
    lua_Integer saved = lua_tointeger(L, -1);
    lua_pop(L, 1);
    lua_pushinteger(L, depth);
    lua_setfield(L, LUA_REGISTRYINDEX, "nianbao.rundepth");
    int rc = lua_pcall(L, nargs, nresults, handler);
    lua_pushinteger(L, saved);
    lua_setfield(L, LUA_REGISTRYINDEX, "nianbao.rundepth");
    return rc;
}

int nb_lua_run(lua_State *L, const char *path, int nargs, int nresults)
{
    lua_pushinteger(L, 0);
    lua_setfield(L, LUA_REGISTRYINDEX, "nianbao.steps");
    /* Remember the script's folder for require. */
    const char *slash = strrchr(path, '/');
    if (slash)
        lua_pushlstring(L, path, (size_t)(slash - path));
    else
        lua_pushliteral(L, ".");
    lua_setfield(L, LUA_REGISTRYINDEX, "nianbao.scriptdir");
    int base = lua_gettop(L) - nargs + 1;
    lua_pushcfunction(L, msgh);
    lua_insert(L, base);
    int rc = load_in_env(L, path);
    if (rc != LUA_OK) {
        /* Syntax errors already read "SCRIPT:LINE: message". */
        lua_replace(L, base);
        lua_settop(L, base);
        return rc;
    }
    lua_insert(L, base + 1);
    rc = run_chunk(L, nargs, nresults, base);
    lua_remove(L, base);
    if (rc == LUA_ERRMEM) {
        /* The message handler is not called for memory errors, and the
           script's data is garbage now: free it, then say which limit. */
        lua_pop(L, 1);
        lua_gc(L, LUA_GCCOLLECT);
        lua_getfield(L, LUA_REGISTRYINDEX, REG_LIMITS);
        const nb_limits *lim = lua_touserdata(L, -1);
        lua_pop(L, 1);
        if (lim && lim->mem_limit)
            lua_pushfstring(L, "%s: memory limit exceeded (%I bytes)", path,
                            (lua_Integer)lim->mem_limit);
        else
            lua_pushfstring(L, "%s: not enough memory", path);
    }
    return rc;
}

int nb_lua_load(lua_State *L, const char *path)
{
    return load_in_env(L, path);
}

void nb_lua_require(lua_State *L, const char *name)
{
    lua_pushcfunction(L, nb_require);
    lua_pushstring(L, name);
    lua_call(L, 1, 1);
}
