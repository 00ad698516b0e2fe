/* lua_nb.h - what the Lua binding files share: metatable names, loaders, runtime.
 *
 * The binding files (lua_*.c) only marshal between Lua and the core; the
 * runtime (lua_runtime.c) builds the sandboxed state. Depends on Lua 5.4. */
#ifndef NB_LUA_NB_H
#define NB_LUA_NB_H

#include <lauxlib.h>
#include <lua.h>
#include <stddef.h>

#include "doc.h"
#include "pool.h"
#include "store.h"

#define NB_MT_STORE "nianbao.store"
#define NB_MT_ROWS "nianbao.rows"
#define NB_MT_CUBE "nianbao.cube"
#define NB_MT_FAIL "nianbao.fail" /* error objects of nianbao.fail: data errors */
#define NB_MT_DOC "nianbao.doc"   /* report documents (lua_doc.c) */

/* Limits of a sandboxed state (lua_limits.c). */
typedef struct {
    size_t mem_limit;        /* bytes; 0: none */
    size_t mem_used;         /* bytes now allocated */
    long long max_instructions; /* VM instructions per script run; 0: none */
    long long steps;         /* instructions (and query steps) spent in this run */
    int exceeded;            /* the instruction limit was reached (sticky) */
    int max_seconds;         /* wall-clock limit of the command; 0: none */
    nb_pool pool;            /* the state's small blocks (nb_lua_alloc): released by the
                                owner after lua_close, with nb_pool_release */
} nb_limits;

/* Where the program's scripts/ and lib/ live, and the default store. */
typedef struct {
    char home[4096];    /* folder holding scripts/ and lib/ */
    char db[4096];      /* store path given with -d, default ./nianbao.db */
    char out[4096];     /* a folder the command writes into (report --out), or "" */
    char **reads;       /* files the command's own arguments name (host.allow_read): scripts
                           may read them wherever they are */
    size_t nreads;
} nb_config;

/* 1 when scripts may read PATH: it lies in the working folder or the store's folder. */
int nb_lua_may_read(lua_State *L, const char *path);
/* Raises "FN: unknown option 'K' (options: …)" when the options table at IDX has a key
 * not in KEYS (NULL-terminated): a key typed wrong ({yaer = 2020}, {readonyl = true})
 * was ignored without a word. Nothing when IDX is not a table. lua_util.c. */
void nb_lua_check_keys(lua_State *L, int idx, const char *fn, const char *const *keys);
/* The year at IDX (an integer from 1900 to 9999), or raises "WHAT: a year, …" naming what
 * it got (a string "2020" said as a string). */
int nb_lua_year(lua_State *L, int idx, const char *what);
/* The same for any table: "WHERE: unknown NOUN 'K' (NOUNs: …ALSO)"; an integer key from 1
 * to LIST (0: none) is known too (a row's cells). lua_util.c. */
void nb_lua_check_names(lua_State *L, int idx, const char *where, const char *const *keys,
                        const char *noun, int list, const char *also);
/* Pushes the strings of LIST (NULL-terminated) joined by ", ". lua_util.c. */
void nb_lua_push_list(lua_State *L, const char *const *list);
/* Pushes the record kinds of codes.c, "request, case, …", for a message about an unknown
 * one (the list cannot drift). */
void nb_lua_push_kinds(lua_State *L);
/* Raises an argument error unless argument IDX names a script role (texts.h
 * nb_script_roles), naming them. */
void nb_lua_check_role(lua_State *L, int idx);
/* The result of a call that returns true | nil, message: true when RC is NB_OK, else nil
 * and ERR. Returns the number of values pushed. */
int nb_lua_push_status(lua_State *L, nb_err rc, const char *err);
/* Pushes the bytes of the regular file PATH (at most NB_MAX_TEXT_FILE), or nil and the
 * message; no sandbox check (nianbao.read_text checks first; the command line's own
 * host.read_bytes reads the files it is given). Returns the number of values pushed. */
int nb_lua_push_file(lua_State *L, const char *path);
/* 1 when scripts may write into folder DIR: the working folder, the store's folder, or the
 * command's --out. */
int nb_lua_may_write(lua_State *L, const char *dir);

/* Creates a sandboxed state using L's allocator limits in LIM (owned by the
 * caller, must outlive the state). NULL on out of memory. */
lua_State *nb_lua_new(nb_limits *lim, const nb_config *cfg);

/* Loads and runs script PATH in its own environment with NARGS arguments
 * already on the stack; leaves NRESULTS results. On error returns non-zero
 * and leaves one string "SCRIPT:LINE: message\ntraceback" on the stack. */
int nb_lua_run(lua_State *L, const char *path, int nargs, int nresults);

/* Compiles script PATH (text only) with its own environment, without running
 * it: pushes the function, or an error message and returns non-zero. */
int nb_lua_load(lua_State *L, const char *path);

/* Loads a module of the program (scripts/NAME.lua or lib/NAME.lua) as
 * require would. Raises on error. */
void nb_lua_require(lua_State *L, const char *name);

/* The limits of the state (set by nb_lua_new). */
nb_limits *nb_lua_limits(lua_State *L);

/* The configuration of the state (set by nb_lua_new). */
const nb_config *nb_lua_config(lua_State *L);

/* Pushes the command line's own API (lua_host.c), for scripts/cli.lua only. */
void nb_push_host(lua_State *L);

/* ---- limits (lua_limits.c) ---- */

/* The allocator with the memory limit (UD: the nb_limits): small blocks from its pool,
 * except in a build with AddressSanitizer, which must see every block. */
void *nb_lua_alloc(void *ud, void *ptr, size_t osize, size_t nsize);
/* Sets SQLite's heap limit and the time limit (an alarm); the instruction limit applies
 * once nb_lua_count_instructions has been called. */
void nb_lua_set_limits(lua_State *L, nb_limits *lim);
/* From now on every Lua instruction counts against the instruction limit: called before a
 * chunk that is not the program's own is compiled (a user's script, a body's stored script,
 * a --rules file, load()). */
void nb_lua_count_instructions(lua_State *L);
/* pcall and xpcall of the sandbox (upvalue 1: the real one): a reached limit goes on up. */
int nb_lua_pcall(lua_State *L);
/* Wraps string.find, match, gmatch and gsub of the string table at IDX: patterns that
 * could backtrack without bound are refused. */
void nb_lua_guard_patterns(lua_State *L, int idx);
/* The instructions left to the running script (-1: no limit). */
long long nb_lua_budget(lua_State *L);
/* Counts INSTRUCTIONS (e.g. SQLite steps) against the script. Returns 1 when a limit is
 * reached (it stays reached: the caller raises, and pcall cannot swallow it). */
int nb_lua_spend(lua_State *L, long long instructions);
/* A new script run starts with the whole budget. */
void nb_lua_reset_steps(lua_State *L);

/* Pushes a new environment of the sandbox (for a chunk the host loads). */
void nb_lua_push_env(lua_State *L);

/* Adds the methods M to the store's method table (a binding group's store methods). */
void nb_add_store_methods(lua_State *L, const luaL_Reg *m);

/* Loaders of the binding groups, registered in lua_runtime.c's one table. */
int nb_open_records(lua_State *L);   /* lua_records.c: nianbao.open, store methods */
int nb_open_aggregate(lua_State *L); /* lua_cube.c: store:flow/stock/count/sum, cubes */
int nb_open_export(lua_State *L);    /* lua_export.c: nianbao.export */
int nb_open_doc(lua_State *L);       /* lua_doc.c: nianbao.document, doc methods */
int nb_open_import(lua_State *L);    /* lua_import.c: store:import, store:put_script */
int nb_open_figures(lua_State *L);   /* lua_figures.c: nianbao.read_figures, store:figures, put_figures, coverage */
int nb_open_runs(lua_State *L);      /* lua_runs.c: store:put_run, last_run, run_values, digests */
int nb_open_pack(lua_State *L);      /* lua_pack.c: store:verify_packs, repack */
int nb_open_delete(lua_State *L);    /* lua_delete.c: store:delete, delete_body, delete_script */
int nb_open_util(lua_State *L);      /* lua_util.c: dates, working days */
/* Pushes a userdata holding a pointer (NULL) that is free()d when it is collected: set
 * it to memory the C code allocates, so a Lua error cannot leak it. */
void **nb_lua_owned(lua_State *L);
/* Raises a data error (nianbao.fail's): bad input, not a fault of a script; the command
 * line prints MSG alone and exits with STATUS (0: 2). */
int nb_lua_data_error(lua_State *L, const char *msg, lua_Integer status);
int nb_open_codes(lua_State *L);     /* lua_codes.c: nianbao.kinds, nianbao.codes */
int nb_open_published(lua_State *L); /* lua_published.c: nianbao.html_lines, docx_lines */

/* Replaces the table at the top of the stack with its deep read-only proxy
 * (lua_freeze.c); NAME names it in the error an assignment raises. */
void nb_lua_freeze(lua_State *L, const char *name);
/* 1 when the value at IDX is such a proxy. */
int nb_lua_frozen(lua_State *L, int idx);

/* The document at IDX: a document userdata, or a Lua table read into a new
 * one that replaces it on the stack. Raises on a malformed table. */
nb_doc *nb_lua_todoc(lua_State *L, int idx);

/* Opens the store at PATH in MODE (nb_open_mode; a wait for a lock, up to
 * BUSY_MS or NB_BUSY_MS when 0, is said on stderr) and pushes it: returns 1. On
 * failure pushes nil, the message and "busy", "old" or "input", and returns 3. */
int nb_push_store(lua_State *L, const char *path, int mode, int busy_ms);

/* The store userdata at IDX (raises if closed or not a store). */
nb_store *nb_check_store(lua_State *L, int idx);

/* The store at IDX, which must be writable through this handle (not store:readonly's,
 * not opened read-only); raises naming WHAT otherwise. */
nb_store *nb_check_writable(lua_State *L, int idx, const char *what);
/* The store handle at IDX is in use by a call that runs Lua code meanwhile (DELTA 1 as it
 * begins, -1 as it ends, raising nothing in between): store:close refuses until then. */
void nb_lua_store_busy(lua_State *L, int idx, int delta);

/* Whether the store at IDX is writable through this handle (nb_check_writable's test,
 * without raising). */
int nb_store_writable_here(lua_State *L, int idx);

/* The id of the body named at IDX; raises "no body named 'X' (bodies: ...)"
 * for an unknown one: the same in every API. */
int64_t nb_check_body(lua_State *L, nb_store *s, int idx);

#endif
