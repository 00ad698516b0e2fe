/* lua_host.c - what only the command line may do, handed to scripts/cli.lua as its first
 * argument and never to a script: open (or create) the store the user named, read the
 * files named on the command line, run the user's script, write to stderr, and end the
 * command with a given exit status. */
#define _GNU_SOURCE /* sched_getaffinity, CPU_COUNT */
#include <errno.h>
#include <sched.h>
#include <stdlib.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <sqlite3.h>

#include "export_util.h"
#include "files.h"
#include "hash.h"
#include "lua_nb.h"
#include "publish.h"
#include "runs.h"
#include "texts.h"
#include "workers.h"

#ifndef NB_VERSION
#define NB_VERSION "0.2.0"
#endif

static const char *const modes[] = {"write", "create", "read", "verify", NULL};

/* host.open(path, mode [, wait_seconds]) -> store | nil, message, "busy"|"old"|"input".
 * MODE "verify" (init --verify): as "create" (a store brought up to date first), but a
 * store this user may not write is opened to read (verifying reads alone). */
static int h_open(lua_State *L)
{
    const char *path = luaL_checkstring(L, 1);
    int mode = luaL_checkoption(L, 2, "write", modes);
    if (mode == 3)
        mode = access(path, F_OK) == 0 && !nb_store_may_write(path) ? NB_OPEN_READ : NB_OPEN_CREATE;
    int given = !lua_isnoneornil(L, 3);
    lua_Number wait = luaL_optnumber(L, 3, 0);
    if (wait < 0 || wait > 86400)
        return luaL_argerror(L, 3, "seconds from 0 to 86400");
    /* none given: the store's default; 0: not at all (below 1 ms) */
    return nb_push_store(L, path, mode, !given ? 0 : wait * 1000 >= 1 ? (int)(wait * 1000) : -1);
}

#define NB_MT_BUF "nianbao.buf"

static int buf_gc(lua_State *L)
{
    nb_buf_free(luaL_checkudata(L, 1, NB_MT_BUF));
    return 0;
}

/* A buffer on the stack that owns what it holds if a push raises (freed when collected). */
static nb_buf *owned_buf(lua_State *L)
{
    nb_buf *b = lua_newuserdatauv(L, sizeof *b, 0);
    memset(b, 0, sizeof *b);
    if (luaL_newmetatable(L, NB_MT_BUF)) {
        lua_pushcfunction(L, buf_gc);
        lua_setfield(L, -2, "__gc");
    }
    lua_setmetatable(L, -2);
    return b;
}

/* host.read_file(path) -> text | nil, message: a regular UTF-8 text file, bounded. */
static int h_read_file(lua_State *L)
{
    const char *path = luaL_checkstring(L, 1);
    nb_buf *b = owned_buf(L);
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

/* host.folders(dir) -> { name, … } (sorted; none when DIR is not there) | nil, message: the
 * folders in DIR, at most 100,000 (regen looks for the folders of bodies gone). */
static int h_folders(lua_State *L)
{
    const char *dir = luaL_checkstring(L, 1);
    nb_buf *b = owned_buf(L); /* freed with it whatever happens */
    size_t n;
    char err[1024];
    if (nb_dir_folders(dir, 100000, b, &n, err, sizeof err) != NB_OK) {
        lua_pushnil(L);
        lua_pushstring(L, err);
        return 2;
    }
    lua_createtable(L, (int)n, 0);
    const char *p = b->data;
    for (size_t i = 0; i < n; i++, p += strlen(p) + 1) {
        lua_pushstring(L, p);
        lua_rawseti(L, -2, (lua_Integer)i + 1);
    }
    /* in byte order (as `ls` in the C locale) */
    lua_getglobal(L, "table");
    lua_getfield(L, -1, "sort");
    lua_pushvalue(L, -3);
    lua_call(L, 1, 0);
    lua_pop(L, 1);
    return 1;
}

/* host.read_bytes(path) -> bytes | nil, message: a regular file of at most 16 MiB, as it
 * is (a page named on the command line, wherever it is, in whatever encoding). */
static int h_read_bytes(lua_State *L)
{
    return nb_lua_push_file(L, luaL_checkstring(L, 1));
}

/* host.fail(message [, status]): ends the command: "nianbao: MESSAGE" alone on stderr,
 * exit STATUS (default 2). */
static int h_fail(lua_State *L)
{
    return nb_lua_data_error(L, luaL_checkstring(L, 1), luaL_optinteger(L, 2, 2));
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

/* host.cpus() -> the processors this process may run on (its affinity mask), at least 1 */
static int h_cpus(lua_State *L)
{
    cpu_set_t set;
    long n = sched_getaffinity(0, sizeof set, &set) == 0 ? CPU_COUNT(&set) : sysconf(_SC_NPROCESSORS_ONLN);
    lua_pushinteger(L, n > 0 ? n : 1);
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

/* host.reset_instructions(): the instruction limit counts from here again (a command
 * that does the same work for each of many files gives each file the whole budget). */
static int h_reset_instructions(lua_State *L)
{
    nb_lua_reset_steps(L);
    return 0;
}

/* host.count_instructions(): the instruction limit counts the program's own scripts too,
 * from now on (a command that reads untrusted files: lint, import). */
static int h_count_instructions(lua_State *L)
{
    nb_lua_count_instructions(L);
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

/* host.allow_read(path): the file PATH (a command-line argument of the command) may be read
 * by the store's import and nianbao.read_text/read_figures wherever it is. Only the
 * command line's program has host: a user's script cannot widen its own sandbox. */
static int h_allow_read(lua_State *L)
{
    const char *path = luaL_checkstring(L, 1);
    nb_config *cfg = (nb_config *)nb_lua_config(L);
    char **n = realloc(cfg->reads, (cfg->nreads + 1) * sizeof *n);
    if (!n)
        return luaL_error(L, "out of memory");
    cfg->reads = n;
    if (!(cfg->reads[cfg->nreads] = strdup(path)))
        return luaL_error(L, "out of memory");
    cfg->nreads++;
    return 0;
}

/* host.getenv(name) -> string | nil: a variable of the command's environment (the
 * limits' defaults; host is the command line's alone). */
static int h_getenv(lua_State *L)
{
    const char *v = getenv(luaL_checkstring(L, 1));
    if (v)
        lua_pushstring(L, v);
    else
        lua_pushnil(L);
    return 1;
}

/* host.defer_sync(dir): the files written from now on in DIR (and by forked workers) are
 * synced together by host.sync_files, not one by one (nb_out_defer_sync). */
static int h_defer_sync(lua_State *L)
{
    nb_out_defer_sync(1, luaL_optstring(L, 1, NULL));
    return 0;
}

/* host.sync_files(dir) -> true | nil, message: syncs the file system of DIR: every file
 * written since host.defer_sync. */
static int h_sync_files(lua_State *L)
{
    char err[1024];
    if (nb_out_sync_deferred(luaL_checkstring(L, 1), err, sizeof err) != NB_OK) {
        lua_pushnil(L);
        lua_pushstring(L, err);
        return 2;
    }
    lua_pushboolean(L, 1);
    return 1;
}

/* 1 with nil and the message pushed when the folder of PATH is not one scripts may write
 * in (the sandbox), else 0. */
static int denied(lua_State *L, const char *path)
{
    char dir[4096];
    snprintf(dir, sizeof dir, "%s", path);
    char *slash = strrchr(dir, '/');
    if (slash)
        *slash = '\0';
    else
        snprintf(dir, sizeof dir, ".");
    if (nb_lua_may_write(L, dir))
        return 0;
    lua_pushnil(L);
    lua_pushfstring(L, "%s: the command writes only in its --out folder (sandbox)", path);
    return 1;
}

/* host.write_file(path, text) -> true | nil, message: a whole file, written under a
 * temporary name and renamed (never half-written), where scripts may write. */
static int h_write_file(lua_State *L)
{
    size_t len;
    const char *path = luaL_checkstring(L, 1), *text = luaL_checklstring(L, 2, &len);
    char err[1024];
    if (denied(L, path))
        return 2;
    nb_out o;
    nb_err rc = nb_out_open(&o, path, err, sizeof err);
    if (!rc) {
        fwrite(text, 1, len, o.f);
        rc = nb_out_finish(&o, err, sizeof err);
    }
    return nb_lua_push_status(L, rc, err);
}

/* host.remove_file(path) -> true | nil, message: removes a file (not a folder) where
 * scripts may write; a file that is not there is no error. */
static int h_remove_file(lua_State *L)
{
    const char *path = luaL_checkstring(L, 1);
    if (denied(L, path))
        return 2;
    struct stat sb;
    if (lstat(path, &sb) == 0 && S_ISDIR(sb.st_mode)) {
        lua_pushnil(L);
        lua_pushfstring(L, "%s: a folder, not a file", path);
        return 2;
    }
    if (unlink(path) != 0 && errno != ENOENT) {
        lua_pushnil(L);
        lua_pushfstring(L, "%s: cannot remove: %s", path, strerror(errno));
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
        int made = !exists && mkdir(p, 0777) == 0;
        if (made)
            nb_out_folder_made(p); /* its entry in its parent, on disk with the files */
        if (!exists && !made &&
            (errno != EEXIST || stat(p, &sb) != 0 || !S_ISDIR(sb.st_mode))) {
            lua_pushnil(L);
            lua_pushfstring(L, "%s: cannot create folder: %s", p,
                            errno == EEXIST ? "a file of that name is in the way" : strerror(errno));
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
    char hex[NB_HASH_HEX], err[4352];
    if (nb_sha256_file(path, hex, err, sizeof err) != 0) {
        lua_pushnil(L);
        lua_pushstring(L, err);
        return 2;
    }
    lua_pushstring(L, hex);
    return 1;
}

/* publish.c's, in the command; the fuzz targets link the publishing code itself, without
 * publish.c: there the reference is weak, and NULL. */
extern int nb_publish_path(char *path, size_t size) __attribute__((weak));
extern int nb_read_path(char *path, size_t size) __attribute__((weak));

/* host.fonts_digest() -> hex: the digest of the fonts and font configuration a PDF may be
 * laid out with (nb_fonts_digest of nb_font_folders). */
static int h_fonts_digest(lua_State *L)
{
    char dirs[10][4096], hex[NB_HASH_HEX];
    const char *list[10];
    int n = nb_font_folders(dirs, 10);
    for (int i = 0; i < n; i++)
        list[i] = dirs[i];
    nb_fonts_digest(list, n, hex);
    lua_pushstring(L, hex);
    return 1;
}

/* host.program_digest() -> hex | nil, message: the digest of this program, its executable,
 * its modules (the PDF's, and the reader's, which a body's rules may call) and the Lua
 * files of its home (nb_program_digest). */
static int h_program_digest(lua_State *L)
{
    char hex[NB_HASH_HEX], err[4352];
#ifdef __linux__
    const char *exe = "/proc/self/exe";
#else
    const char *exe = NULL;
#endif
    char pdf[4200], reader[4200];
    const char *mods[2] = {nb_publish_path && nb_publish_path(pdf, sizeof pdf) == 0 ? pdf : NULL,
                           nb_read_path && nb_read_path(reader, sizeof reader) == 0 ? reader : NULL};
    if (nb_program_digest(exe, mods, 2, nb_lua_config(L)->home, hex, err, sizeof err) != NB_OK) {
        lua_pushnil(L);
        lua_pushstring(L, err);
        return 2;
    }
    lua_pushstring(L, hex);
    return 1;
}

/* ---- worker processes (regen --jobs N) ---- */

#define NB_MT_WORKER "nianbao.worker"

static nb_worker *check_worker(lua_State *L, int idx)
{
    return luaL_checkudata(L, idx, NB_MT_WORKER);
}

/* host.fork(store) -> 0, worker (in the worker) | pid, worker (in the parent). The store
 * is opened anew on both sides; no query may be open (collect the garbage first). */
static int h_fork(lua_State *L)
{
    nb_store *s = nb_check_store(L, 1);
    lua_gc(L, LUA_GCCOLLECT); /* finalizes the cursors nothing refers to any more */
    nb_worker *w = lua_newuserdatauv(L, sizeof *w, 0);
    w->pid = -1;
    w->fd = -1;
    w->status = 0;
    luaL_setmetatable(L, NB_MT_WORKER);
    char err[1024];
    nb_err rc = nb_worker_start(s, w, err, sizeof err);
    if (rc && w->pid == 0) { /* the worker could not open the store: it ends */
        fprintf(stderr, "nianbao: %s\n", err);
        _exit(2);
    }
    if (rc)
        return luaL_error(L, "%s", err);
    lua_pushinteger(L, w->pid);
    lua_insert(L, -2);
    return 2;
}

/* worker:send(message): in the worker, one message (a string) to the parent. */
static int w_send(lua_State *L)
{
    nb_worker *w = check_worker(L, 1);
    size_t len;
    const char *data = luaL_checklstring(L, 2, &len);
    char err[256];
    if (w->pid != 0 || w->fd < 0)
        return luaL_error(L, "worker:send: only a worker sends");
    if (nb_worker_send(w, data, len, err, sizeof err))
        return luaL_error(L, "%s", err);
    return 0;
}

/* worker:status() -> the exit status of an ended worker, or nil while it runs. */
static int w_status(lua_State *L)
{
    nb_worker *w = check_worker(L, 1);
    if (w->pid <= 0 || w->fd >= 0)
        return 0;
    lua_pushinteger(L, w->status);
    return 1;
}

/* Copies the workers of the list at IDX into WS (at most MAX); returns how many. */
static int workers_of(lua_State *L, int idx, nb_worker *ws, int max)
{
    luaL_checktype(L, idx, LUA_TTABLE);
    int n = (int)luaL_len(L, idx);
    if (n > max)
        luaL_error(L, "at most %d workers", max);
    for (int i = 0; i < n; i++) {
        lua_geti(L, idx, i + 1);
        ws[i] = *check_worker(L, -1);
        lua_pop(L, 1);
    }
    return n;
}

static void workers_back(lua_State *L, int idx, const nb_worker *ws, int n)
{
    for (int i = 0; i < n; i++) {
        lua_geti(L, idx, i + 1);
        *check_worker(L, -1) = ws[i];
        lua_pop(L, 1);
    }
}

/* host.receive(workers [, seconds]) -> i, message | i, nil, status (worker i ended) |
 * nil (the time ran out, a signal came, or all have ended). */
static int h_receive(lua_State *L)
{
    nb_worker ws[64];
    int n = workers_of(L, 1, ws, 64);
    lua_Number secs = luaL_optnumber(L, 2, -1);
    int which;
    char *data, err[512];
    size_t len;
    nb_err rc = nb_worker_receive(ws, n, secs < 0 ? -1 : (int)(secs * 1000), &which, &data, &len,
                                  err, sizeof err);
    workers_back(L, 1, ws, n);
    if (rc)
        return luaL_error(L, "%s", err);
    if (which < 0)
        return 0;
    lua_pushinteger(L, which + 1);
    if (!data) {
        lua_pushnil(L);
        lua_pushinteger(L, ws[which].status);
        return 3;
    }
    lua_pushlstring(L, data, len);
    free(data);
    return 2;
}

/* host.stop_workers(workers): ends the workers still running. */
static int h_stop_workers(lua_State *L)
{
    nb_worker ws[64];
    int n = workers_of(L, 1, ws, 64);
    nb_worker_stop_all(ws, n);
    workers_back(L, 1, ws, n);
    return 0;
}

/* host.exit(status): a worker ends here (its output flushed, nothing else run). */
static int h_exit(lua_State *L)
{
    int status = (int)luaL_checkinteger(L, 1);
    fflush(NULL);
    _exit(status);
}

static const luaL_Reg worker_methods[] = {{"send", w_send}, {"status", w_status}, {NULL, NULL}};

static const luaL_Reg host_funcs[] = {
    {"fork", h_fork}, {"receive", h_receive}, {"stop_workers", h_stop_workers}, {"exit", h_exit},
    {"write_file", h_write_file}, {"mkdir", h_mkdir}, {"sha256_file", h_sha256_file},
    {"program_digest", h_program_digest}, {"fonts_digest", h_fonts_digest},
    {"remove_file", h_remove_file},
    {"defer_sync", h_defer_sync}, {"sync_files", h_sync_files},
    {"allow_write", h_allow_write},
    {"allow_read", h_allow_read},
    {"getenv", h_getenv},
    {"set_limits", h_set_limits}, {"reset_instructions", h_reset_instructions},
    {"count_instructions", h_count_instructions},
    {"set_store", h_set_store},
    {"open", h_open},       {"read_file", h_read_file}, {"read_bytes", h_read_bytes},
    {"folders", h_folders},
    {"fail", h_fail},
    {"run", h_run},         {"isatty", h_isatty},       {"eprint", h_eprint},
    {"cpus", h_cpus},
    {"version", h_version}, {"step_what", h_step_what}, {NULL, NULL},
};

void nb_push_host(lua_State *L)
{
    if (luaL_newmetatable(L, NB_MT_WORKER)) {
        luaL_newlib(L, worker_methods);
        lua_setfield(L, -2, "__index");
    }
    lua_pop(L, 1);
    luaL_newlib(L, host_funcs);
    lua_pushstring(L, nb_lua_config(L)->home);
    lua_setfield(L, -2, "home");
}
