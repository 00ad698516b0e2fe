/* lua_runtime.c - the sandboxed Lua state: the libraries scripts get, read-only where they
 * are shared, a per-script _ENV, require limited to the program's folders, a restricted
 * environment for a body's stored rules and layouts, and error messages that show the
 * user's frames. The limits that stop a runaway script are in lua_limits.c. */
#include <dirent.h>
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <lualib.h>

#include "bundle.h"
#include "files.h"
#include "lua_nb.h"

#define REG_CONFIG "nianbao.config"
#define REG_LIMITS "nianbao.limits"
#define REG_SANDBOX "nianbao.sandbox"       /* the base every script reads through */
#define REG_RESTRICTED "nianbao.restricted" /* the base of a body's rules and layouts */
#define REG_LOADED "nianbao.loaded"
#define REG_MODULE "nianbao.module"         /* the real nianbao table */
#define REG_BUNDLE "nianbao.bundle"         /* HOME/compiled/all.luab, read once */

/* The one table of binding groups (as Lua's linit.c). Each adds its
 * functions to the nianbao table on the stack top. */
static const luaL_Reg nb_groups[] = {
    {"records", nb_open_records},
    {"aggregate", nb_open_aggregate},
    {"import", nb_open_import},
    {"delete", nb_open_delete},
    {"figures", nb_open_figures},
    {"runs", nb_open_runs},
    {"pack", nb_open_pack},
    {"export", nb_open_export},
    {"document", nb_open_doc},
    {"util", nb_open_util},
    {"codes", nb_open_codes},
    {"published", nb_open_published},
    {NULL, NULL},
};

/* What a body's stored rules and layouts may not use: they compute from the store,
 * read-only, and emit results; they do not open, read or write files. */
static const char *const restricted_names[] = {"open", "export", "read_text", "read_figures", NULL};

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

/* rawset refuses the shared (read-only) tables. */
static int sb_rawset(lua_State *L)
{
    luaL_checktype(L, 1, LUA_TTABLE);
    if (nb_lua_frozen(L, 1))
        return luaL_error(L, "rawset: shared tables cannot be changed");
    luaL_checkany(L, 2);
    luaL_checkany(L, 3);
    lua_settop(L, 3);
    lua_rawset(L, 1);
    return 1;
}

/* ---- denied capabilities ---- */

static int denied(lua_State *L)
{
    return luaL_error(L, "%s is not available in %s (sandbox)", lua_tostring(L, lua_upvalueindex(1)),
                      lua_tostring(L, lua_upvalueindex(2)));
}

static void deny_in(lua_State *L, const char *table, const char *name, const char *where)
{
    char full[64];
    snprintf(full, sizeof full, "%s%s%s", table ? table : "", table ? "." : "", name);
    lua_pushstring(L, full);
    lua_pushstring(L, where);
    lua_pushcclosure(L, denied, 2);
    lua_setfield(L, -2, name);
}

static void deny(lua_State *L, const char *table, const char *name)
{
    deny_in(L, table, name, "nianbao scripts");
}

/* ---- per-script environments ---- */

static int env_index(lua_State *L)
{
    /* upvalue 1: the base table */
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

/* Pushes a new environment reading through the base in the registry at BASE. */
static void push_env_of(lua_State *L, const char *base)
{
    lua_newtable(L);
    lua_newtable(L); /* metatable */
    lua_getfield(L, LUA_REGISTRYINDEX, base);
    lua_pushcclosure(L, env_index, 1);
    lua_setfield(L, -2, "__index");
    lua_pushcfunction(L, env_newindex);
    lua_setfield(L, -2, "__newindex");
    lua_pushliteral(L, "sandbox");
    lua_setfield(L, -2, "__metatable");
    lua_setmetatable(L, -2);
}

/* A script's chunk is Lua text: compiled (binary) chunks are refused, whatever the mode
 * asked (Lua's own message said "mode is 't'" to a load that asked for 'b'). */
#define BINARY_REFUSED "attempt to load a binary chunk (scripts load Lua text only)"

static int is_binary(const char *s, size_t len)
{
    return len > 0 && s[0] == LUA_SIGNATURE[0];
}

/* Compiles S (text only) named NAME with a new environment of BASE: pushes the
 * function, or nil and the message (returns 2). */
static int load_with(lua_State *L, const char *s, size_t len, const char *name, int env_idx,
                     const char *base)
{
    nb_lua_count_instructions(L); /* not the program's own: counted */
    if (is_binary(s, len)) {
        lua_pushnil(L);
        lua_pushliteral(L, BINARY_REFUSED);
        return 2;
    }
    if (luaL_loadbufferx(L, s, len, name, "t") != LUA_OK) {
        lua_pushnil(L);
        lua_insert(L, -2);
        return 2;
    }
    if (env_idx)
        lua_pushvalue(L, env_idx);
    else
        push_env_of(L, base);
    if (!lua_setupvalue(L, -2, 1))
        lua_pop(L, 1);
    return 1;
}

/* load(chunk [, name [, mode [, env]]]): text chunks only; the default environment is a
 * new one of the sandbox (upvalue 1: the registry key of its base). */
static int safe_load(lua_State *L)
{
    size_t len;
    const char *s = luaL_checklstring(L, 1, &len);
    const char *name = luaL_optstring(L, 2, s);
    const char *mode = luaL_optstring(L, 3, "bt");
    if (!strchr(mode, 't') && !is_binary(s, len)) { /* as Lua's load says */
        lua_pushnil(L);
        lua_pushfstring(L, "attempt to load a text chunk (mode is '%s')", mode);
        return 2;
    }
    return load_with(L, s, len, name, lua_isnone(L, 4) ? 0 : 4,
                     lua_tostring(L, lua_upvalueindex(1)));
}

/* nianbao.load_restricted(text, name) -> function | nil, message: compiles a body's
 * stored rule file or layout for the restricted environment: it reads the store only
 * through what it is given, and cannot open, read or write files. */
static int l_load_restricted(lua_State *L)
{
    size_t len;
    const char *s = luaL_checklstring(L, 1, &len);
    const char *name = luaL_checkstring(L, 2);
    lua_pushfstring(L, "@%s", name);
    return load_with(L, s, len, lua_tostring(L, -1), 0, REG_RESTRICTED);
}

/* nianbao.freeze(t) -> a read-only view of T (deep: tables reached through it are
 * read-only too), as the shared libraries are. */
static int l_freeze(lua_State *L)
{
    luaL_checktype(L, 1, LUA_TTABLE);
    lua_settop(L, 1);
    nb_lua_freeze(L, "a read-only table");
    return 1;
}

/* ---- loading script files ---- */

/* 1 when PATH is one of the program's own files (HOME/lib/…, HOME/scripts/…; a path
 * going through ".." below HOME is not). */
static int program_file(lua_State *L, const char *path)
{
    const nb_config *cfg = nb_lua_config(L);
    size_t hl = strlen(cfg->home);
    return strncmp(path, cfg->home, hl) == 0 && !strstr(path + hl, "..") &&
           (strncmp(path + hl, "/lib/", 5) == 0 || strncmp(path + hl, "/scripts/", 9) == 0);
}

/* 1 when a compiled file changed at SEC, NSEC is at least as new as the source of status
 * SRC. */
static int as_new(int64_t sec, long nsec, const struct stat *src)
{
    return sec > (int64_t)src->st_mtim.tv_sec ||
           (sec == (int64_t)src->st_mtim.tv_sec && nsec >= src->st_mtim.tv_nsec);
}

static int bundle_gc(lua_State *L)
{
    nb_buf_free(lua_touserdata(L, 1));
    return 0;
}

/* The bundle of the compiled files (bundle.h), HOME/compiled/all.luab, as the command read
 * it at the first module loaded, kept in the registry: its bytes (none when it could not be
 * read or is not a whole bundle). */
static const nb_buf *the_bundle(lua_State *L)
{
    if (lua_getfield(L, LUA_REGISTRYINDEX, REG_BUNDLE) == LUA_TUSERDATA) {
        const nb_buf *bd = lua_touserdata(L, -1);
        lua_pop(L, 1);
        return bd;
    }
    lua_pop(L, 1);
    nb_buf *bd = lua_newuserdatauv(L, sizeof *bd, 0);
    memset(bd, 0, sizeof *bd);
    lua_createtable(L, 0, 1);
    lua_pushcfunction(L, bundle_gc);
    lua_setfield(L, -2, "__gc");
    lua_setmetatable(L, -2);
    lua_setfield(L, LUA_REGISTRYINDEX, REG_BUNDLE);
    char path[PATH_MAX], err[256];
    nb_bundle_entry e;
    if (snprintf(path, sizeof path, "%s/compiled/all.luab", nb_lua_config(L)->home) >= (int)sizeof path ||
        nb_file_read(path, NB_MAX_TEXT_FILE, bd, err, sizeof err) != NB_OK ||
        nb_bundle_find(bd->data, bd->len, "", &e) < 0)
        nb_buf_free(bd); /* none, or not whole: each file is read on its own */
    return bd;
}

/* The program's own files (HOME/lib/…, HOME/scripts/…) are compiled by make into
 * HOME/compiled/…luac (tools/luacomp.c, chunk named as the source would be), and all of
 * them into the bundle HOME/compiled/all.luab, read whole at the first: one read where
 * there were some twenty (bundle.h). Parsing the sources was about a third of loading the
 * formats and checks, several ms a command. The bytecode is used only when it is at least
 * as new as the source (an edited source is read again; a bundle's entry keeps the time of
 * the compiled file it was made from, so bytecode older than its source is not run
 * however new the bundle), and only for those files: a
 * user's or a body's script is always text. Bytecode that does not load (another Lua) is
 * passed over: the file's own .luac, then the source. Pushes the function and returns 1,
 * or returns 0 with nothing pushed. */
static int load_compiled(lua_State *L, const char *path)
{
    const nb_config *cfg = nb_lua_config(L);
    size_t hl = strlen(cfg->home);
    if (!program_file(L, path))
        return 0;
    char cpath[PATH_MAX];
    struct stat src, bin;
    if (snprintf(cpath, sizeof cpath, "%s/compiled%sc", cfg->home, path + hl) >= (int)sizeof cpath ||
        stat(path, &src) != 0)
        return 0;
    const nb_buf *bd = the_bundle(L);
    nb_bundle_entry e;
    if (bd->data && nb_bundle_find(bd->data, bd->len, path + hl + 1, &e) == 1 &&
        as_new(e.sec, e.nsec, &src)) {
        if (luaL_loadbufferx(L, e.code, e.len, cpath, "b") == LUA_OK)
            return 1;
        lua_pop(L, 1);
    }
    /* read with its status (one open, no stat of its own), then kept when it is at least
       as new as the source */
    nb_buf b = {0};
    char err[256];
    int fresh = nb_file_read_st(cpath, NB_MAX_TEXT_FILE, &b, &bin, err, sizeof err) == NB_OK &&
                as_new((int64_t)bin.st_mtim.tv_sec, bin.st_mtim.tv_nsec, &src);
    int rc = fresh ? luaL_loadbufferx(L, b.data ? b.data : "", b.len, cpath, "b") : LUA_OK;
    nb_buf_free(&b);
    if (!fresh)
        return 0;
    if (rc != LUA_OK) {
        lua_pop(L, 1);
        return 0;
    }
    return 1;
}

/* Reads script PATH (a regular file, bounded), skipping a first "#" line as lua.c does
 * (keeping the line numbers), and compiles it with a new sandbox environment; a script not
 * the program's own counts its instructions from then on. On error pushes the message and
 * returns non-zero. */
static int load_in_env(lua_State *L, const char *path)
{
    nb_buf b = {0};
    char err[1024];
    if (!program_file(L, path))
        nb_lua_count_instructions(L);
    if (load_compiled(L, path)) {
        push_env_of(L, REG_SANDBOX);
        lua_setupvalue(L, -2, 1);
        return LUA_OK;
    }
    if (nb_file_read(path, NB_MAX_TEXT_FILE, &b, err, sizeof err) != NB_OK) {
        /* "PATH: No such file or directory" -> "PATH: cannot open: No such ..." */
        size_t n = strlen(path);
        if (strncmp(err, path, n) == 0 && strncmp(err + n, ": ", 2) == 0 &&
            strncmp(err + n + 2, "not a regular", 13) != 0 && strncmp(err + n + 2, "too large", 9) != 0)
            lua_pushfstring(L, "%s: cannot open: %s", path, err + n + 2);
        else
            lua_pushstring(L, err);
        return LUA_ERRFILE;
    }
    const char *s = b.data ? b.data : "";
    size_t len = b.len, start = nb_bom_len(s, len), skip = start; /* as nb_text_file */
    if (len > skip && s[skip] == '#')
        while (skip < len && s[skip] != '\n')
            skip++;
    char name[4200];
    snprintf(name, sizeof name, "@%s", path);
    size_t at = skip > start && skip < len ? skip + 1 : skip; /* past a '#' line's newline */
    if (is_binary(s + at, len - at)) {
        nb_buf_free(&b);
        lua_pushfstring(L, "%s: " BINARY_REFUSED, path);
        return LUA_ERRSYNTAX;
    }
    /* the chunk owns nothing of b: copy first, then free, then raise nothing */
    int rc = luaL_loadbufferx(L, s + skip, len - skip, name, "t");
    nb_buf_free(&b);
    if (rc != LUA_OK)
        return rc;
    push_env_of(L, REG_SANDBOX);
    lua_setupvalue(L, -2, 1);
    return LUA_OK;
}

/* ---- require ---- */

static int is_file(const char *p)
{
    return access(p, R_OK) == 0; /* one system call, where fopen and fclose made two */
}

/* Finds module NAME: the program's (lib/, scripts/, scripts/checks/; *PROGRAM set), or
 * beside the running script. Writes its path into PATH. */
static int find_module(lua_State *L, const char *name, char *path, size_t n, int *program)
{
    const nb_config *cfg = nb_lua_config(L);
    char rel[512];
    snprintf(rel, sizeof rel, "%s", name);
    for (char *p = rel; *p; p++)
        if (*p == '.')
            *p = '/';
    if (strstr(rel, "..") || rel[0] == '/')
        return 0;
    const char *dirs[] = {"lib", "scripts", "scripts/checks"};
    *program = 1;
    for (size_t i = 0; i < sizeof dirs / sizeof dirs[0]; i++) {
        snprintf(path, n, "%s/%s/%s.lua", cfg->home, dirs[i], rel);
        if (is_file(path))
            return 1;
    }
    *program = 0;
    lua_getfield(L, LUA_REGISTRYINDEX, "nianbao.scriptdir");
    const char *sd = lua_tostring(L, -1);
    int found = 0;
    if (sd) {
        snprintf(path, n, "%s/%s.lua", sd, rel);
        found = is_file(path);
    }
    lua_pop(L, 1);
    return found;
}

/* require(name): the program's modules are loaded once and shared, read-only, by every
 * script; a module beside the running script is the script's own (cached by its path). */
static int nb_require(lua_State *L)
{
    const char *name = luaL_checkstring(L, 1);
    char path[4700];
    int program;
    lua_settop(L, 1);
    lua_getfield(L, LUA_REGISTRYINDEX, REG_LOADED); /* 2 */
    if (lua_getfield(L, 2, name) != LUA_TNIL)
        return 1;
    lua_pop(L, 1);
    if (!find_module(L, name, path, sizeof path, &program)) {
        const nb_config *cfg = nb_lua_config(L);
        return luaL_error(L, "module '%s' not found (looked in %s/lib, %s/scripts and "
                             "beside the script)", name, cfg->home, cfg->home);
    }
    if (!program && lua_getfield(L, 2, path) != LUA_TNIL)
        return 1;
    lua_settop(L, 2);
    if (load_in_env(L, path) != LUA_OK)
        return lua_error(L);
    lua_pushstring(L, name);
    lua_call(L, 1, 1);
    if (lua_isnil(L, -1)) {
        lua_pop(L, 1);
        lua_pushboolean(L, 1);
    }
    if (program)
        nb_lua_freeze(L, name);
    lua_pushvalue(L, -1);
    lua_setfield(L, 2, program ? name : path);
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

/* Sorts the array of strings at IDX. */
static void sort_names(lua_State *L, int idx)
{
    lua_getfield(L, LUA_REGISTRYINDEX, "nianbao.sort");
    lua_pushvalue(L, idx);
    lua_call(L, 1, 0);
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
    lua_createtable(L, 0, 4);
    push_method_names(L, NB_MT_STORE);
    lua_setfield(L, -2, "store");
    push_method_names(L, NB_MT_CUBE);
    lua_setfield(L, -2, "cube");
    push_method_names(L, NB_MT_DOC);
    lua_setfield(L, -2, "doc");
    lua_newtable(L);
    int out = lua_gettop(L), n = 0;
    lua_getfield(L, LUA_REGISTRYINDEX, REG_MODULE);
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

/* The folder of the store (".": the working folder) into OUT. */
static void store_folder(const nb_config *cfg, char *out, size_t n)
{
    const char *slash = strrchr(cfg->db, '/');
    if (!slash)
        snprintf(out, n, ".");
    else if (slash == cfg->db)
        snprintf(out, n, "/");
    else
        snprintf(out, n, "%.*s", (int)(slash - cfg->db), cfg->db);
}

int nb_lua_may_read(lua_State *L, const char *path)
{
    const nb_config *cfg = nb_lua_config(L);
    char folder[4096];
    store_folder(cfg, folder, sizeof folder);
    for (size_t i = 0; i < cfg->nreads; i++)
        if (strcmp(cfg->reads[i], path) == 0)
            return 1;
    return nb_path_within(path, ".") || nb_path_within(path, folder) ||
           nb_path_within(path, cfg->home);
}

int nb_lua_may_write(lua_State *L, const char *dir)
{
    const nb_config *cfg = nb_lua_config(L);
    char folder[4096];
    store_folder(cfg, folder, sizeof folder);
    return nb_path_within(dir, ".") || nb_path_within(dir, folder) ||
           (cfg->out[0] && nb_path_within(dir, cfg->out));
}

/* Copies the fields NAMES of the table at FROM into the table on top. */
static void copy_fields(lua_State *L, int from, const char *const *names)
{
    for (int i = 0; names[i]; i++) {
        lua_getfield(L, from, names[i]);
        lua_setfield(L, -2, names[i]);
    }
}

/* The standard libraries, then the changes to the shared ones: string.dump denied,
 * patterns guarded (they act through the string metatable too). */
static void open_libs(lua_State *L)
{
    luaL_requiref(L, LUA_GNAME, luaopen_base, 1);
    luaL_requiref(L, LUA_TABLIBNAME, luaopen_table, 1);
    luaL_requiref(L, LUA_STRLIBNAME, luaopen_string, 1);
    luaL_requiref(L, LUA_MATHLIBNAME, luaopen_math, 1);
    luaL_requiref(L, LUA_UTF8LIBNAME, luaopen_utf8, 1);
    luaL_requiref(L, LUA_OSLIBNAME, luaopen_os, 1);
    luaL_requiref(L, LUA_IOLIBNAME, luaopen_io, 1);
    lua_pop(L, 7);
    lua_getglobal(L, "string");
    deny(L, "string", "dump");
    nb_lua_guard_patterns(L, -1);
    lua_pop(L, 1);
    lua_getglobal(L, "table");
    lua_getfield(L, -1, "sort");
    lua_setfield(L, LUA_REGISTRYINDEX, "nianbao.sort");
    lua_pop(L, 1);
    lua_pushliteral(L, ""); /* getmetatable("") must not hand out the real string table */
    if (lua_getmetatable(L, -1)) {
        lua_pushliteral(L, "locked");
        lua_setfield(L, -2, "__metatable");
        lua_pop(L, 1);
    }
    lua_pop(L, 1);
}

/* Pushes the base: the functions and libraries every script reads through to. LOAD_BASE
 * names the base that load() gives its chunks. */
static void push_base(lua_State *L, const char *load_base)
{
    static const char *const names[] = {
        "assert", "error", "ipairs", "next", "pairs", "print", "rawequal", "rawget", "rawlen",
        "select", "setmetatable", "getmetatable", "tonumber", "tostring", "type",
        "collectgarbage", "_VERSION", "table", "string", "math", "utf8", NULL};
    lua_newtable(L);
    int base = lua_gettop(L);
    lua_pushglobaltable(L);
    int g = lua_gettop(L);
    for (int i = 0; names[i]; i++) {
        lua_getfield(L, g, names[i]);
        lua_setfield(L, base, names[i]);
    }
    static const char *const protected_calls[] = {"pcall", "xpcall", NULL};
    for (int i = 0; protected_calls[i]; i++) {
        lua_getfield(L, g, protected_calls[i]);
        lua_pushcclosure(L, nb_lua_pcall, 1);
        lua_setfield(L, base, protected_calls[i]);
    }
    lua_settop(L, base);
    lua_pushcfunction(L, sb_rawset);
    lua_setfield(L, -2, "rawset");
    deny(L, NULL, "dofile");
    deny(L, NULL, "loadfile");
    lua_pushstring(L, load_base);
    lua_pushcclosure(L, safe_load, 1);
    lua_setfield(L, -2, "load");
    lua_pushcfunction(L, nb_require);
    lua_setfield(L, -2, "require");
}

/* Pushes os (time and dates only) and io (writing to stdout only; files are written
 * through nianbao.export) into the base on top. */
static void add_os_io(lua_State *L)
{
    lua_getglobal(L, "os");
    lua_newtable(L);
    static const char *const os_ok[] = {"time", "date", "clock", "difftime", NULL};
    copy_fields(L, lua_gettop(L) - 1, os_ok);
    lua_remove(L, -2);
    static const char *const os_no[] = {"execute", "exit", "getenv", "remove", "rename",
                                        "tmpname", "setlocale", NULL};
    for (int i = 0; os_no[i]; i++)
        deny(L, "os", os_no[i]);
    lua_setfield(L, -2, "os");
    lua_newtable(L);
    lua_pushcfunction(L, sb_write);
    lua_setfield(L, -2, "write");
    static const char *const io_no[] = {"open", "popen", "lines", "read", "input", "output",
                                        "tmpfile", "close", NULL};
    for (int i = 0; io_no[i]; i++)
        deny(L, "io", io_no[i]);
    lua_setfield(L, -2, "io");
}

/* Names the host's functions for Lua's argument errors: a function called as a value
 * (pcall(store.count, store)) is looked up in the registry's loaded table, which scripts
 * never see (their require has its own), and was named '?'; now 'store.count',
 * 'nianbao.open'. */
static void name_functions(lua_State *L)
{
    luaL_getsubtable(L, LUA_REGISTRYINDEX, LUA_LOADED_TABLE);
    lua_getfield(L, LUA_REGISTRYINDEX, REG_MODULE);
    lua_setfield(L, -2, "nianbao");
    static const char *const mts[][2] = {{NB_MT_STORE, "store"}, {NB_MT_CUBE, "cube"},
                                         {NB_MT_DOC, "doc"}};
    for (size_t i = 0; i < sizeof mts / sizeof mts[0]; i++) {
        luaL_getmetatable(L, mts[i][0]);
        if (lua_istable(L, -1) && lua_getfield(L, -1, "__index") == LUA_TTABLE)
            lua_setfield(L, -3, mts[i][1]);
        else
            lua_pop(L, 1);
        lua_pop(L, 1);
    }
    lua_pop(L, 1);
}

/* Pushes the nianbao module: every binding group adds to it. The real table is kept in
 * the registry (nianbao.api reads it); scripts get a read-only proxy. */
static void push_nianbao(lua_State *L)
{
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
    lua_pushcfunction(L, l_load_restricted);
    lua_setfield(L, -2, "load_restricted");
    lua_pushcfunction(L, l_freeze);
    lua_setfield(L, -2, "freeze");
    lua_pushvalue(L, -1);
    lua_setfield(L, LUA_REGISTRYINDEX, REG_MODULE);
    static const char *const mts[] = {NB_MT_STORE, NB_MT_CUBE, NB_MT_ROWS, NB_MT_DOC, NULL};
    for (int i = 0; mts[i]; i++)
        protect_metatable(L, mts[i]);
}

/* Makes the base at the top shared: its libraries and the base itself read-only
 * (_G is the base's proxy), kept in the registry at KEY. */
static void seal_base(lua_State *L, const char *key)
{
    static const char *const shared[] = {"string", "table", "math", "utf8", "os", "io", NULL};
    for (int i = 0; shared[i]; i++) {
        lua_getfield(L, -1, shared[i]);
        nb_lua_freeze(L, shared[i]);
        lua_setfield(L, -2, shared[i]);
    }
    lua_pushvalue(L, -1);
    nb_lua_freeze(L, "_G");
    lua_setfield(L, -2, "_G");
    lua_setfield(L, LUA_REGISTRYINDEX, key);
}

/* The base of a body's rules and layouts: the sandbox's, with a nianbao that cannot
 * open, read or write files, and load() making chunks of this base. */
static void make_restricted(lua_State *L)
{
    push_base(L, REG_RESTRICTED);
    add_os_io(L);
    lua_newtable(L); /* the restricted nianbao */
    lua_getfield(L, LUA_REGISTRYINDEX, REG_MODULE);
    lua_pushnil(L);
    while (lua_next(L, -2)) {
        lua_pushvalue(L, -2);
        lua_insert(L, -2);
        lua_settable(L, -5);
    }
    lua_pop(L, 1);
    for (int i = 0; restricted_names[i]; i++)
        deny_in(L, "nianbao", restricted_names[i], "rules and layouts");
    nb_lua_freeze(L, "nianbao");
    lua_setfield(L, -2, "nianbao");
    seal_base(L, REG_RESTRICTED);
}

static int open_all(lua_State *L)
{
    const nb_config *cfg = lua_touserdata(L, 1);
    nb_limits *lim = lua_touserdata(L, 2);
    lua_settop(L, 0);
    lua_pushlightuserdata(L, (void *)cfg);
    lua_setfield(L, LUA_REGISTRYINDEX, REG_CONFIG);
    lua_pushlightuserdata(L, lim);
    lua_setfield(L, LUA_REGISTRYINDEX, REG_LIMITS);
    lua_newtable(L);
    lua_setfield(L, LUA_REGISTRYINDEX, REG_LOADED);
    open_libs(L);
    push_nianbao(L);
    name_functions(L);
    lua_getfield(L, LUA_REGISTRYINDEX, REG_LOADED);
    lua_pushvalue(L, -2);
    nb_lua_freeze(L, "nianbao");
    lua_pushvalue(L, -1);
    lua_setfield(L, -3, "nianbao"); /* require "nianbao" */
    push_base(L, REG_SANDBOX);
    add_os_io(L);
    lua_insert(L, -2);
    lua_setfield(L, -2, "nianbao");
    seal_base(L, REG_SANDBOX);
    make_restricted(L);
    return 0;
}

lua_State *nb_lua_new(nb_limits *lim, const nb_config *cfg)
{
    lua_State *L = lua_newstate(nb_lua_alloc, lim);
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
    nb_lua_set_limits(L, lim);
    return L;
}

/* 1 when the chunk SOURCE ("@path") is one of the program's own files: under HOME/lib/ or
 * HOME/scripts/ (compiled or not: the bytecode keeps the source's name). */
static int program_source(lua_State *L, const char *source)
{
    const char *home = nb_lua_config(L)->home;
    size_t n = strlen(home);
    if (source[0] != '@' || strncmp(source + 1, home, n) != 0)
        return 0;
    const char *rest = source + 1 + n;
    return strncmp(rest, "/lib/", 5) == 0 || strncmp(rest, "/scripts/", 9) == 0;
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
    /* An error raised in a user's file (a body's rule, a layout, a --rules file) shows the
       user's frames alone: the program's own files (HOME/lib, HOME/scripts) that called it
       are not theirs. One raised in the program's shows every frame. */
    int users = -1;
    for (int level = 1; users < 0 && level < levels - outer && lua_getstack(L, level, &ar); level++) {
        lua_getinfo(L, "Sl", &ar);
        if (strcmp(ar.what, "C") != 0 && ar.currentline >= 0)
            users = !program_source(L, ar.source);
    }
    for (int level = 1; level < levels - outer && lua_getstack(L, level, &ar); level++) {
        lua_getinfo(L, "Sln", &ar);
        if (strcmp(ar.what, "C") == 0 || ar.currentline < 0 || (users > 0 && program_source(L, ar.source)))
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
    nb_lua_reset_steps(L);
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

void nb_lua_push_env(lua_State *L)
{
    push_env_of(L, REG_SANDBOX);
}

void nb_lua_require(lua_State *L, const char *name)
{
    lua_pushcfunction(L, nb_require);
    lua_pushstring(L, name);
    lua_call(L, 1, 1);
}
