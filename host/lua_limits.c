/* lua_limits.c - what stops a runaway script: the memory limit (the state's allocator), the
 * instruction limit (a count hook, shared with store:query's SQLite steps, installed when the
 * first chunk that is not the program's own is compiled), the time limit
 * (a watchdog: SIGALRM stops the script at its next instruction and interrupts SQLite;
 * if it is stuck in C - a finalizer, a string pattern - a second alarm ends the process
 * with the message, after removing unfinished output files), and string patterns that
 * could backtrack without bound, which are refused. Limits are sticky: pcall cannot
 * swallow them. */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <ctype.h>
#include <string.h>
#include <unistd.h>

#include "files.h"
#include "lua_nb.h"

#define HOOK_STEP 1000      /* instructions between two calls of the count hook */
#define HARD_STOP_SECONDS 2 /* after the time limit, the grace before the process ends */

static nb_limits *g_lim;            /* the one state's limits */
static lua_State *g_L;              /* the one state, for the watchdog */
static volatile sig_atomic_t g_timed_out;
static int g_counting;              /* the count hook is installed (nb_lua_count_instructions) */

/* ---- memory ---- */

#if defined(__SANITIZE_ADDRESS__)
#define PLAIN_ALLOC 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define PLAIN_ALLOC 1
#endif
#endif

void *nb_lua_alloc(void *ud, void *ptr, size_t osize, size_t nsize)
{
    nb_limits *lim = ud;
    size_t old = ptr ? osize : 0;
    if (nsize == 0) {
#ifdef PLAIN_ALLOC
        free(ptr);
#else
        nb_pool_free(&lim->pool, ptr, old);
#endif
        lim->mem_used -= old;
        return NULL;
    }
    if (lim->mem_limit && nsize > old && lim->mem_used + (nsize - old) > lim->mem_limit)
        return NULL;
#ifdef PLAIN_ALLOC
    void *p = realloc(ptr, nsize);
#else
    void *p = nb_pool_realloc(&lim->pool, ptr, old, nsize);
#endif
    if (p)
        lim->mem_used = lim->mem_used - old + nsize;
    return p;
}

/* ---- instructions and time ---- */

/* Raises the limit that was reached (sticky: pcall re-raises it). */
static int limit_error(lua_State *L)
{
    if (g_timed_out)
        return luaL_error(L, "time limit exceeded (%d seconds)", g_lim->max_seconds);
    return luaL_error(L, "instruction limit exceeded (%I instructions)",
                      (lua_Integer)g_lim->max_instructions);
}

static int limit_reached(void)
{
    return g_timed_out || (g_lim && g_lim->exceeded);
}

static void count_hook(lua_State *L, lua_Debug *ar)
{
    (void)ar;
    if (g_timed_out) {
        /* Once: back to every HOOK_STEP instructions, so the message handler runs; the
           limit stays sticky through the hook and the pcall wrappers. */
        lua_sethook(L, count_hook, LUA_MASKCOUNT, HOOK_STEP);
        lua_pushfstring(L, "time limit exceeded (%d seconds)", g_lim->max_seconds);
        lua_error(L); /* no position here: the message handler adds the running line */
    }
    g_lim->steps += HOOK_STEP;
    if (g_lim->max_instructions && g_lim->steps > g_lim->max_instructions) {
        g_lim->exceeded = 1;
        lua_pushfstring(L, "instruction limit exceeded (%I instructions)",
                        (lua_Integer)g_lim->max_instructions);
        lua_error(L);
    }
}

long long nb_lua_budget(lua_State *L)
{
    (void)L;
    if (!g_lim->max_instructions)
        return -1;
    long long left = g_lim->max_instructions - g_lim->steps;
    return left > 0 ? left : 0;
}

int nb_lua_spend(lua_State *L, long long instructions)
{
    (void)L;
    g_lim->steps += instructions;
    if (g_lim->max_instructions && g_lim->steps > g_lim->max_instructions)
        g_lim->exceeded = 1;
    return limit_reached();
}

void nb_lua_reset_steps(lua_State *L)
{
    (void)L;
    g_lim->steps = 0;
}

/* pcall and xpcall: the base library's, but once a limit is reached the error goes on
 * up, so `while true do pcall(f) end` ends. */
static int sb_pcall_k(lua_State *L, int status, lua_KContext ctx)
{
    (void)status, (void)ctx;
    if (limit_reached())
        return limit_error(L);
    return lua_gettop(L);
}

int nb_lua_pcall(lua_State *L)
{
    lua_pushvalue(L, lua_upvalueindex(1)); /* the real pcall or xpcall */
    lua_insert(L, 1);
    lua_callk(L, lua_gettop(L) - 1, LUA_MULTRET, 0, sb_pcall_k);
    return sb_pcall_k(L, LUA_OK, 0);
}

/* The second alarm: the script is stuck where no hook runs. Says where the Lua stack
 * stands, removes the output files being written, and ends the process. */
static void hard_stop(void)
{
    char msg[1200];
    int n = snprintf(msg, sizeof msg, "nianbao: time limit exceeded (%d seconds)",
                     g_lim->max_seconds);
    lua_Debug ar;
    for (int level = 0; g_L && level < 50 && lua_getstack(g_L, level, &ar); level++) {
        if (lua_getinfo(g_L, "Sl", &ar) && ar.currentline > 0) {
            n += snprintf(msg + n, sizeof msg - (size_t)n, " in %s:%d", ar.short_src,
                          ar.currentline);
            break;
        }
    }
    snprintf(msg + n, sizeof msg - (size_t)n, "; stopped in C code (a finalizer, a string "
                                               "pattern or a query)\n");
    nb_temp_cleanup();
    if (write(2, msg, strlen(msg)) < 0)
        _exit(2);
    _exit(2);
}

static void on_alarm(int sig)
{
    (void)sig;
    if (g_timed_out) {
        hard_stop();
        return;
    }
    g_timed_out = 1;
    /* At the script's next instruction, call or line: the hook raises. */
    lua_sethook(g_L, count_hook, LUA_MASKCALL | LUA_MASKRET | LUA_MASKLINE | LUA_MASKCOUNT, 1);
    nb_store_interrupt_all();
    alarm(HARD_STOP_SECONDS);
}

/* Until this is called the count hook is not installed: it makes every Lua instruction a
 * call (luaG_traceexec), and a regeneration of 700 reports ran 15.1 billion instructions
 * with it from the start, 13.45 without (callgrind). A command that reads files it was
 * given calls it at once (scripts/cli.lua); report, regen, check and explain, which run
 * the program's scripts over the store, when the first chunk that is not the program's own
 * is compiled (load_with, load_in_env): a body's stored script counts from then on, with
 * everything after it. The sandbox has no coroutine library: the main thread is the only
 * one, and the hook set on it holds for every chunk. */
void nb_lua_count_instructions(lua_State *L)
{
    if (g_counting || !g_lim) /* no limits yet (nb_lua_set_limits): nothing to count against */
        return;
    g_counting = 1;
    lua_sethook(g_L, count_hook, LUA_MASKCOUNT, HOOK_STEP);
    if (L != g_L)
        lua_sethook(L, count_hook, LUA_MASKCOUNT, HOOK_STEP);
}

void nb_lua_set_limits(lua_State *L, nb_limits *lim)
{
    g_lim = lim;
    g_L = L;
    if (g_counting)
        lua_sethook(L, count_hook, LUA_MASKCOUNT, HOOK_STEP);
    if (lim->mem_limit)
        sqlite3_hard_heap_limit64((sqlite3_int64)lim->mem_limit);
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_alarm;
    sigemptyset(&sa.sa_mask);
    sigaction(SIGALRM, &sa, NULL);
    alarm(lim->max_seconds > 0 ? (unsigned)lim->max_seconds : 0);
}

/* ---- string patterns ---- */

/* The worst case of Lua's matcher (lstrlib.c) on a subject, without running it: it tries
 * each start (one, anchored with ^), and at each a repetition (*, +, -) of a single-character
 * class may take as many characters as the longest run of the subject that the class
 * matches, every count tried when what follows fails; %b may take the rest of the subject.
 * So its work is at most (starts) x the product of (run + 1) over the repetitions: "a*b" on
 * 200,000 "a"s is 4e10 steps, "%d+年" on any text a few times its length. The single-
 * character classes as the matcher reads them: */
static int class_match(int c, int cl)
{
    int res;
    switch (tolower(cl)) {
    case 'a': res = isalpha(c); break;
    case 'c': res = iscntrl(c); break;
    case 'd': res = isdigit(c); break;
    case 'g': res = isgraph(c); break;
    case 'l': res = islower(c); break;
    case 'p': res = ispunct(c); break;
    case 's': res = isspace(c); break;
    case 'u': res = isupper(c); break;
    case 'w': res = isalnum(c); break;
    case 'x': res = isxdigit(c); break;
    default: return cl == c;
    }
    if (isupper(cl))
        res = !res;
    return res;
}

/* C in the set P[0..end) ("[...]", END at its "]"). */
static int set_match(int c, const char *p, const char *end)
{
    int sig = 1;
    if (*(p + 1) == '^') {
        sig = 0;
        p++;
    }
    while (++p < end) {
        if (*p == '%') {
            p++;
            if (p < end && class_match(c, (unsigned char)*p))
                return sig;
        } else if (*(p + 1) == '-' && p + 2 < end) {
            p += 2;
            if ((unsigned char)*(p - 2) <= c && c <= (unsigned char)*p)
                return sig;
        } else if ((unsigned char)*p == c) {
            return sig;
        }
    }
    return !sig;
}

/* C matched by the single-character class P[0..end). */
static int item_match(int c, const char *p, const char *end)
{
    if (*p == '.')
        return 1;
    if (*p == '%')
        return class_match(c, (unsigned char)p[1]);
    if (*p == '[')
        return set_match(c, p, end - 1);
    return (unsigned char)*p == c;
}

/* The longest run of S[0..n) matched by the class P[0..end). */
static size_t longest_run(const char *s, size_t n, const char *p, const char *end)
{
    size_t best = 0, run = 0;
    for (size_t i = 0; i < n; i++) {
        run = item_match((unsigned char)s[i], p, end) ? run + 1 : 0;
        if (run > best)
            best = run;
    }
    return best;
}

/* The end of the single-character class at P[0..plen) (a literal, ".", %x or a set), or
 * NULL when P does not begin with one. */
/* The index of the "]" closing the set whose "[" is at P[I-1] (plen when none), as the
 * matcher reads a set: a leading "^", a "]" first taken as a character, "%x" escapes. */
static size_t set_close(const char *p, size_t plen, size_t i)
{
    if (i < plen && p[i] == '^')
        i++;
    if (i < plen && p[i] == ']')
        i++;
    while (i < plen && p[i] != ']')
        i += p[i] == '%' ? 2 : 1;
    return i < plen ? i : plen;
}

static const char *class_end(const char *p, size_t plen)
{
    size_t i;
    if (plen == 0 || strchr("()$^", p[0]))
        return NULL;
    if (p[0] == '%') {
        if (plen < 2 || strchr("bf0123456789", p[1]))
            return NULL;
        return p + 2;
    }
    if (p[0] == '[') {
        i = set_close(p, plen, 1);
        return i < plen ? p + i + 1 : NULL;
    }
    return p + 1;
}

/* The starts an unanchored pattern is tried at that can match: every one, or when the
 * pattern begins with a single-character class taken once ("\n[^\n]*|" tries lines, not
 * characters), the subject's characters of that class. */
static size_t starts(const char *s, size_t n, const char *p, size_t plen)
{
    const char *end = class_end(p, plen);
    if (!end || (end < p + plen && strchr("*+-?", *end)))
        return n + 1;
    size_t k = 0;
    for (size_t i = 0; i < n; i++)
        k += item_match((unsigned char)s[i], p, end) != 0;
    return k + 1;
}

/* The matcher's worst case on S[0..n) for pattern P[0..plen) (see above); *Q the
 * repetitions. A pattern too malformed to read is left to the matcher's own error. */
static double pattern_work(const char *s, size_t n, const char *p, size_t plen, int *q)
{
    size_t i = 0;
    double work = 1;
    *q = 0;
    if (plen > 0 && p[0] == '^')
        i = 1;
    else
        work = (double)starts(s, n, p, plen); /* every start where its first item matches */
    while (i < plen) {
        const char *item = p + i;
        char c = p[i++];
        if (c == '(' || c == ')' || (c == '$' && i == plen))
            continue;
        if (c == '%' && i < plen) {
            char e = p[i++];
            if (e == 'b') { /* %bxy: up to the rest of the subject */
                i += 2;
                work *= (double)n + 1;
                continue;
            }
            if (e == 'f') { /* %f[set]: a frontier takes no character */
                if (i < plen && p[i] == '[')
                    i = set_close(p, plen, i + 1) + 1;
                continue;
            }
            if (e >= '0' && e <= '9') /* a capture again: its length, no choice */
                continue;
        } else if (c == '[') {
            i = set_close(p, plen, i);
            if (i >= plen)
                return work; /* "missing ]": the matcher says so */
            i++;
        }
        const char *end = p + (i < plen ? i : plen);
        if (i < plen && (p[i] == '*' || p[i] == '+' || p[i] == '-')) {
            (*q)++;
            i++;
            work *= (double)longest_run(s, n, item, end) + 1;
        } else if (i < plen && p[i] == '?') {
            i++;
            work *= 2;
        }
    }
    return work;
}

/* The worst case a pattern of two repetitions or more may take: a few seconds of the
 * matcher. One repetition alone is let through: "(.-)\n" over a page without a line break
 * is quadratic too, and the program's own readers of published pages use such patterns. */
#define PATTERN_WORK 1e9

static int guarded(lua_State *L)
{
    const char *name = lua_tostring(L, lua_upvalueindex(2));
    size_t n, plen;
    const char *s = luaL_checklstring(L, 1, &n);
    const char *p = luaL_checklstring(L, 2, &plen);
    int plain = strcmp(name, "find") == 0 && lua_toboolean(L, 4);
    if (!plain) {
        int q;
        double work = pattern_work(s, n, p, plen, &q);
        if (q >= 2 && work > PATTERN_WORK) {
            char why[128]; /* lua_pushfstring has no %e */
            snprintf(why, sizeof why, "its worst case, %.0e steps, is over %.0e in nianbao scripts",
                     work, PATTERN_WORK);
            return luaL_error(L, "string.%s: a pattern with %d repetitions (*, +, -) may take "
                                 "too long on %d characters (%s)", name, q, (int)n, why);
        }
    }
    lua_pushvalue(L, lua_upvalueindex(1));
    lua_insert(L, 1);
    lua_call(L, lua_gettop(L) - 1, LUA_MULTRET);
    return lua_gettop(L);
}

void nb_lua_guard_patterns(lua_State *L, int string_table)
{
    static const char *const names[] = {"find", "match", "gmatch", "gsub", NULL};
    string_table = lua_absindex(L, string_table);
    for (int i = 0; names[i]; i++) {
        lua_getfield(L, string_table, names[i]);
        lua_pushstring(L, names[i]);
        lua_pushcclosure(L, guarded, 2);
        lua_setfield(L, string_table, names[i]);
    }
}
