/* lua_host.c - what only the command line may do, handed to scripts/cli.lua as its first
 * argument and never to a script: open (or create) the store the user named, read the
 * files named on the command line, run the user's script, write to stderr, and end the
 * command with a given exit status. */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <sqlite3.h>

#include "export_util.h"
#include "files.h"
#include "hash.h"
#include "lua_nb.h"
#include "texts.h"

#ifndef NB_VERSION
#define NB_VERSION "0.2.0"
#endif

static const char *const modes[] = {"write", "create", "read", NULL};

/* host.open(path, mode [, wait_seconds]) -> store | nil, message, "busy"|"old"|"input" */
static int h_open(lua_State *L)
{
    const char *path = luaL_checkstring(L, 1);
    int mode = luaL_checkoption(L, 2, "write", modes);
    lua_Number wait = luaL_optnumber(L, 3, 0);
    if (wait < 0 || wait > 86400)
        return luaL_argerror(L, 3, "seconds from 0 to 86400");
    return nb_push_store(L, path, mode, wait > 0 ? (int)(wait * 1000) : 0);
}

#define NB_MT_BUF "nianbao.buf"

static int buf_gc(lua_State *L)
{
    nb_buf_free(luaL_checkudata(L, 1, NB_MT_BUF));
    return 0;
}

/* host.read_file(path) -> text | nil, message: a regular UTF-8 text file, bounded. */
static int h_read_file(lua_State *L)
{
    const char *path = luaL_checkstring(L, 1);
    nb_buf *b = lua_newuserdatauv(L, sizeof *b, 0); /* owns the text if a push raises */
    memset(b, 0, sizeof *b);
    if (luaL_newmetatable(L, NB_MT_BUF)) {
        lua_pushcfunction(L, buf_gc);
        lua_setfield(L, -2, "__gc");
    }
    lua_setmetatable(L, -2);
    const char *text;
    char err[1024];
    if (nb_text_file(path, b, &text, err, sizeof err) != NB_OK) {
        lua_pushnil(L);
        lua_pushstring(L, err);
        return 2;
    }
    lua_pushstring(L, text);
    nb_buf_free(b);
    return 1;
}

/* host.fail(message [, status]): ends the command: "nianbao: MESSAGE" alone on stderr,
 * exit STATUS (default 2). */
static int h_fail(lua_State *L)
{
    const char *msg = luaL_checkstring(L, 1);
    lua_Integer status = luaL_optinteger(L, 2, 2);
    lua_createtable(L, 0, 2);
    lua_pushstring(L, msg);
    lua_setfield(L, -2, "message");
    lua_pushinteger(L, status);
    lua_setfield(L, -2, "status");
    luaL_setmetatable(L, NB_MT_FAIL);
    return lua_error(L);
}

/* host.run(path, args...) -> the script's results. An error in it ends the command with
 * its message (and traceback) as given. */
static int h_run(lua_State *L)
{
    const char *path = luaL_checkstring(L, 1);
    int nargs = lua_gettop(L) - 1;
    int base = lua_gettop(L) - nargs;
    if (nb_lua_run(L, path, nargs, LUA_MULTRET) != LUA_OK) {
        if (lua_type(L, -1) == LUA_TSTRING) { /* formatted already: pass it on as it is */
            lua_pushcfunction(L, h_fail);
            lua_insert(L, -2);
            lua_call(L, 1, 0);
        }
        return lua_error(L);
    }
    return lua_gettop(L) - base;
}

/* host.isatty(fd) -> boolean */
static int h_isatty(lua_State *L)
{
    lua_pushboolean(L, isatty((int)luaL_checkinteger(L, 1)));
    return 1;
}

/* host.eprint(...): the strings on stderr, then a newline. */
static int h_eprint(lua_State *L)
{
    int n = lua_gettop(L);
    fflush(stdout);
    for (int i = 1; i <= n; i++)
        fputs(luaL_checkstring(L, i), stderr);
    fputc('\n', stderr);
    fflush(stderr);
    return 0;
}

/* host.version() -> {nianbao=, schema=, lua=, sqlite=} */
static int h_version(lua_State *L)
{
    lua_createtable(L, 0, 4);
    lua_pushstring(L, NB_VERSION);
    lua_setfield(L, -2, "nianbao");
    lua_pushinteger(L, NB_SCHEMA_VERSION);
    lua_setfield(L, -2, "schema");
    lua_pushstring(L, LUA_RELEASE);
    lua_setfield(L, -2, "lua");
    lua_pushstring(L, sqlite3_libversion());
    lua_setfield(L, -2, "sqlite");
    return 1;
}

/* host.step_what(version) -> what migration step VERSION brought, or nil */
static int h_step_what(lua_State *L)
{
    const char *what = nb_store_step_what((int)luaL_checkinteger(L, 1));
    if (!what)
        return 0;
    lua_pushstring(L, what);
    return 1;
}

/* host.set_store(path): the store of the command (-d FILE): nianbao.db and the default
 * of nianbao.open for the scripts it runs. */
static int h_set_store(lua_State *L)
{
    const char *path = luaL_checkstring(L, 1);
    nb_config *cfg = (nb_config *)nb_lua_config(L);
    if (strlen(path) >= sizeof cfg->db)
        return luaL_error(L, "-d: the path is too long");
    memcpy(cfg->db, path, strlen(path) + 1);
    lua_getfield(L, LUA_REGISTRYINDEX, "nianbao.module");
    lua_pushstring(L, path);
    lua_setfield(L, -2, "db");
    return 0;
}

/* host.set_limits{seconds =, memory =, instructions =}: the command's limits (the time
 * limit counts from now). */
static int h_set_limits(lua_State *L)
{
    luaL_checktype(L, 1, LUA_TTABLE);
    nb_limits *lim = nb_lua_limits(L);
    if (lua_getfield(L, 1, "memory") != LUA_TNIL) {
        lua_Integer m = luaL_checkinteger(L, -1);
        if (m < (1 << 20))
            return luaL_error(L, "--limit-memory: at least 1M");
        lim->mem_limit = (size_t)m;
    }
    if (lua_getfield(L, 1, "instructions") != LUA_TNIL) {
        lua_Integer n = luaL_checkinteger(L, -1);
        lim->max_instructions = n < 0 ? 0 : n;
    }
    if (lua_getfield(L, 1, "seconds") != LUA_TNIL) {
        lua_Integer n = luaL_checkinteger(L, -1);
        lim->max_seconds = n < 0 ? 0 : (int)n;
    }
    nb_lua_set_limits(L, lim);
    return 0;
}

/* host.allow_write(dir): scripts (nianbao.export) may write into DIR too: the command's
 * --out. */
static int h_allow_write(lua_State *L)
{
    const char *dir = luaL_checkstring(L, 1);
    nb_config *cfg = (nb_config *)nb_lua_config(L);
    if (strlen(dir) >= sizeof cfg->out)
        return luaL_error(L, "--out: the path is too long");
    memcpy(cfg->out, dir, strlen(dir) + 1);
    return 0;
}

/* host.write_file(path, text) -> true | nil, message: a whole file, written under a
 * temporary name and renamed (never half-written), where scripts may write. */
static int h_write_file(lua_State *L)
{
    size_t len;
    const char *path = luaL_checkstring(L, 1), *text = luaL_checklstring(L, 2, &len);
    char dir[4096], err[1024];
    snprintf(dir, sizeof dir, "%s", path);
    char *slash = strrchr(dir, '/');
    if (slash)
        *slash = '\0';
    else
        snprintf(dir, sizeof dir, ".");
    if (!nb_lua_may_write(L, dir)) {
        lua_pushnil(L);
        lua_pushfstring(L, "%s: the command writes only in its --out folder (sandbox)", path);
        return 2;
    }
    nb_out o;
    nb_err rc = nb_out_open(&o, path, err, sizeof err);
    if (!rc) {
        fwrite(text, 1, len, o.f);
        rc = nb_out_finish(&o, err, sizeof err);
    }
    if (rc) {
        lua_pushnil(L);
        lua_pushstring(L, err);
        return 2;
    }
    lua_pushboolean(L, 1);
    return 1;
}

/* host.mkdir(dir) -> true | nil, message: a folder (its parents too) where scripts may
 * write. */
static int h_mkdir(lua_State *L)
{
    const char *dir = luaL_checkstring(L, 1);
    char p[4096];
    if (strlen(dir) >= sizeof p)
        return luaL_error(L, "mkdir: the path is too long");
    snprintf(p, sizeof p, "%s", dir);
    for (char *q = p + 1;; q++) {
        if (*q != '/' && *q != '\0')
            continue;
        char c = *q;
        *q = '\0';
        struct stat sb;
        int exists = stat(p, &sb) == 0 && S_ISDIR(sb.st_mode);
        if (!exists && !nb_lua_may_write(L, p)) {
            lua_pushnil(L);
            lua_pushfstring(L, "%s: the command writes only in its --out folder (sandbox)", dir);
            return 2;
        }
        if (!exists && mkdir(p, 0777) != 0 && errno != EEXIST) {
            lua_pushnil(L);
            lua_pushfstring(L, "%s: cannot create folder: %s", p, strerror(errno));
            return 2;
        }
        *q = c;
        if (c == '\0')
            break;
    }
    lua_pushboolean(L, 1);
    return 1;
}

/* host.sha256_file(path) -> hex | nil, message: the SHA-256 of a file (any bytes), as
 * sha256sum prints it. */
static int h_sha256_file(lua_State *L)
{
    const char *path = luaL_checkstring(L, 1);
    FILE *f = fopen(path, "rb");
    if (!f) {
        lua_pushnil(L);
        lua_pushfstring(L, "%s: %s", path, strerror(errno));
        return 2;
    }
    nb_hash h;
    char buf[65536], hex[NB_HASH_HEX];
    size_t n;
    nb_hash_init(&h);
    while ((n = fread(buf, 1, sizeof buf, f)) > 0)
        nb_hash_add(&h, buf, n);
    int bad = ferror(f);
    fclose(f);
    if (bad) {
        lua_pushnil(L);
        lua_pushfstring(L, "%s: cannot be read", path);
        return 2;
    }
    nb_hash_hex(&h, hex);
    lua_pushstring(L, hex);
    return 1;
}

static const luaL_Reg host_funcs[] = {
    {"write_file", h_write_file}, {"mkdir", h_mkdir}, {"sha256_file", h_sha256_file},
    {"allow_write", h_allow_write},
    {"set_limits", h_set_limits},
    {"set_store", h_set_store},
    {"open", h_open},       {"read_file", h_read_file}, {"fail", h_fail},
    {"run", h_run},         {"isatty", h_isatty},       {"eprint", h_eprint},
    {"version", h_version}, {"step_what", h_step_what}, {NULL, NULL},
};

void nb_push_host(lua_State *L)
{
    luaL_newlib(L, host_funcs);
    lua_pushstring(L, nb_lua_config(L)->home);
    lua_setfield(L, -2, "home");
}
