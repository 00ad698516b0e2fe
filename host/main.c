/* main.c - the nianbao command: builds the Lua state, runs scripts/cli.lua (the one command
 * table: every command, its options, its usage) in one protected call, prints the error
 * of a failed command on one line, and exits with the command's status. */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sqlite3.h>

#include "import.h"
#include "lua_nb.h"
#include "pool.h"

#ifndef NB_HOME
#define NB_HOME "/usr/local/share/nianbao" /* make install sets PREFIX/share/nianbao */
#endif

/* The folder with scripts/ and lib/: $NIANBAO_HOME; else the executable's folder (a
 * build tree) or PREFIX/share/nianbao (an installed binary: PREFIX/bin/nianbao), else the
 * compiled-in NB_HOME. Nothing above (nb_near_exe): build-san/nianbao and the like are
 * run with NIANBAO_HOME, as the tests do. */
static void find_home(nb_config *cfg)
{
    static const char *const under[] = {"", "/../share/nianbao"};
    const char *env = getenv("NIANBAO_HOME");
    if (env && *env) {
        snprintf(cfg->home, sizeof cfg->home, "%s", env);
        return;
    }
    if (nb_near_exe(under, 2, "scripts/cli.lua", cfg->home, sizeof cfg->home) != 0)
        snprintf(cfg->home, sizeof cfg->home, "%s", NB_HOME);
}

typedef struct {
    int argc;
    char **argv;
    int status;
} cli;

static int pmain(lua_State *L)
{
    cli *c = lua_touserdata(L, 1);
    char script[sizeof ((nb_config *)0)->home + 32];
    snprintf(script, sizeof script, "%s/scripts/cli.lua", nb_lua_config(L)->home);
    lua_settop(L, 0);
    nb_push_host(L);
    luaL_checkstack(L, c->argc + 8, "too many arguments");
    for (int i = 1; i < c->argc; i++)
        lua_pushstring(L, c->argv[i]);
    if (nb_lua_run(L, script, c->argc, 1) != LUA_OK)
        return lua_error(L);
    c->status = lua_isinteger(L, -1) ? (int)lua_tointeger(L, -1) : 0;
    return 0;
}

/* Prints the error of a failed command: a data error's message alone (with the status it
 * carries), anything else as it is. */
static int report(lua_State *L)
{
    int status = 2;
    const char *msg;
    if (lua_type(L, -1) == LUA_TTABLE) {
        lua_getfield(L, -1, "status");
        if (lua_isinteger(L, -1))
            status = (int)lua_tointeger(L, -1);
        lua_getfield(L, -2, "message");
    }
    msg = lua_tostring(L, -1);
    fflush(stdout);
    fprintf(stderr, "nianbao: %s\n", msg ? msg : "(error object is not a string)");
    return status;
}

int main(int argc, char **argv)
{
    static nb_config cfg;
    static nb_limits lim;
    cli c = {argc, argv, 0};
    nb_memory_setup(); /* first: before anything is allocated (pool.h) */
    /* A write past the file size limit (ulimit -f) fails with EFBIG, said as any failure
       to write (the store's transaction rolled back), instead of the signal killing the
       process without a word. */
    signal(SIGXFSZ, SIG_IGN);
    /* No page cache made ahead for each connection (SQLite's default: 20 pages, 333 KB of
       16 KB pages, each slot's head written at the first transaction): a report reads its
       pages through the store's mapping, and met those slots as some 20 page faults. */
    sqlite3_config(SQLITE_CONFIG_PAGECACHE, (void *)0, 0, 0);
    find_home(&cfg);
    snprintf(cfg.db, sizeof cfg.db, "nianbao.db"); /* the command line's -d changes it */
    /* The defaults (the options --limit-* of every command change them, and the
       variables NIANBAO_MEMORY_LIMIT and NIANBAO_INSTRUCTION_LIMIT, which cli.lua reads as
       those options are read): 1 GiB, about a second of a plain loop, ten minutes. */
    lim.mem_limit = (size_t)1 << 30;
    lim.max_instructions = 300LL * 1000 * 1000;
    lim.max_seconds = 600;
    lua_State *L = nb_lua_new(&lim, &cfg);
    if (!L) {
        nb_pool_release(&lim.pool);
        return 2;
    }
    lua_pushcfunction(L, pmain);
    lua_pushlightuserdata(L, &c);
    if (lua_pcall(L, 1, 0, 0) != LUA_OK)
        c.status = report(L);
    lua_close(L);
    nb_pool_release(&lim.pool);
    for (size_t i = 0; i < cfg.nreads; i++)
        free(cfg.reads[i]);
    free(cfg.reads);
    /* An import stopped by Ctrl-C or SIGTERM (its file undone, said): the command ends by
       that signal, as it would have without the handler, so that a shell's loop stops. */
    int sig = nb_import_stopped();
    if (sig) {
        fflush(NULL);
        signal(sig, SIG_DFL);
        raise(sig);
    }
    return c.status;
}
