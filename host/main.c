/* main.c - the nianbao command line: parses the command, runs it inside one protected call. */
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <lualib.h>

#include "import.h"
#include "texts.h"
#include "lua_nb.h"

#define NB_VERSION "0.1.0"

void nb_mapping_from_lua(lua_State *L, int idx, nb_mapping *m, const char *map_path);

static const char usage[] =
    "usage: nianbao COMMAND [OPTIONS]\n"
    "\n"
    "  init    [-d FILE]                       create or upgrade a store (default ./nianbao.db)\n"
    "  import  [-d FILE] --body NAME [--parent NAME] [--map MAP.lua] [--sheet NAME]\n"
    "          [--year Y] [--dry-run]\n"
    "          KIND FILE                       import records (KIND: request, case, document,\n"
    "                                          matter, decision, charge, purchase, holiday),\n"
    "                                          a narrative (text), or a body's own Lua script\n"
    "                                          (rules, layout)\n"
    "  report  [-d FILE] --body NAME --year Y [--format gov2019|gov2021] [--out DIR]\n"
    "          [--to xlsx,md,txt,html,csv,json] write the annual report\n"
    "  check   [-d FILE] --body NAME --year Y   run the consistency checks\n"
    "  explain [-d FILE] --body NAME --year Y TABLE ROW COL   records behind one cell\n"
    "  run     [-d FILE] SCRIPT [ARGS...]      run a Lua script with the nianbao API\n"
    "\n"
    "Exit status: 0 all well, 1 checks found errors, 2 bad usage or bad input.\n";

/* C resources of one command, owned here so a Lua error cannot leak them. */
typedef struct {
    int argc;
    char **argv;
    nb_config cfg;
    nb_limits lim;
    nb_store *store;
    nb_mapping map;
    int status;      /* exit status */
} cli;

static int usage_error(lua_State *L, const char *fmt, const char *arg)
{
    lua_pushfstring(L, fmt, arg);
    lua_pushliteral(L, "\n(nianbao help shows the commands)");
    lua_concat(L, 2);
    return lua_error(L);
}

static int cmd_init(lua_State *L, cli *c)
{
    char err[1024];
    struct stat sb;
    int existed = stat(c->cfg.db, &sb) == 0;
    if (nb_store_open(c->cfg.db, 1, &c->store, err, sizeof err) != NB_OK)
        return luaL_error(L, "%s", err);
    printf("%s store %s (schema version %d)\n", existed ? "opened" : "created", c->cfg.db,
           nb_store_version(c->store));
    return 0;
}

/* After a successful import: BODY belongs to PARENT. */
static int link_parent(lua_State *L, cli *c, const char *body, const char *parent)
{
    char err[1024];
    if (nb_store_set_parent(c->store, body, parent, err, sizeof err) != NB_OK) {
        fflush(stdout);
        fprintf(stderr, "nianbao: %s\n", err);
        c->status = 2;
        return -1;
    }
    (void)L;
    printf("%s belongs to %s\n", body, parent);
    return 0;
}

typedef struct {
    int shown, max;
} msg_cap;

static void print_diag(void *ud, const nb_diag *d)
{
    msg_cap *cap = ud;
    if (cap->shown++ >= cap->max)
        return;
    char line[2048];
    nb_diag_format(d, line, sizeof line);
    fprintf(stderr, "%s\n", line);
}

static void show_progress(void *ud, long rows)
{
    fprintf(stderr, "\r%s: %ld rows read", (const char *)ud, rows);
    fflush(stderr);
}

static int cmd_import(lua_State *L, cli *c, int argi)
{
    const char *body = NULL, *map = NULL, *sheet = NULL, *kind = NULL, *file = NULL;
    const char *parent = NULL;
    int dry = 0, year = 0;
    for (int i = argi; i < c->argc; i++) {
        const char *a = c->argv[i];
        if (strcmp(a, "--body") == 0 && i + 1 < c->argc)
            body = c->argv[++i];
        else if (strcmp(a, "--parent") == 0 && i + 1 < c->argc)
            parent = c->argv[++i];
        else if (strcmp(a, "--map") == 0 && i + 1 < c->argc)
            map = c->argv[++i];
        else if (strcmp(a, "--sheet") == 0 && i + 1 < c->argc)
            sheet = c->argv[++i];
        else if (strcmp(a, "--year") == 0 && i + 1 < c->argc) {
            char *end;
            long y = strtol(c->argv[++i], &end, 10);
            if (*end || y < 1990 || y > 2100)
                return usage_error(L, "import: --year: not a year (%s)", c->argv[i]);
            year = (int)y;
        }
        else if (strcmp(a, "--dry-run") == 0)
            dry = 1;
        else if (a[0] == '-' && a[1])
            return usage_error(L, "import: unknown option '%s'", a);
        else if (!kind)
            kind = a;
        else if (!file)
            file = a;
        else
            return usage_error(L, "import: unexpected argument '%s'", a);
    }
    if (!body)
        return usage_error(L, "import: --body NAME is required%s", "");
    if (!kind || !file)
        return usage_error(L, "import: give KIND and FILE%s", "");
    char err[1024];
    if (nb_store_open(c->cfg.db, 0, &c->store, err, sizeof err) != NB_OK)
        return luaL_error(L, "%s", err);
    if (strcmp(kind, "text") == 0) {
        if (nb_import_text(c->store, file, body, year, dry, err, sizeof err) != NB_OK)
            return luaL_error(L, "%s", err);
        printf("%s: text stored for %s%s\n", file, body, dry ? " (dry run: nothing written)" : "");
        if (parent && !dry)
            link_parent(L, c, body, parent);
        return 0;
    }
    if (strcmp(kind, "rules") == 0 || strcmp(kind, "layout") == 0) {
        /* Refuse a script that does not compile before storing it. */
        if (nb_lua_load(L, file) != LUA_OK)
            return lua_error(L);
        nb_buf b = {0};
        const char *text;
        const char *slash = strrchr(file, '/');
        if (nb_text_file(file, &b, &text, err, sizeof err) != NB_OK)
            return luaL_error(L, "%s", err);
        nb_err src = dry ? NB_OK : nb_store_put_script(c->store, body, kind, slash ? slash + 1 : file,
                                                       text, err, sizeof err);
        nb_buf_free(&b);
        if (src != NB_OK)
            return luaL_error(L, "%s", err);
        printf("%s: %s script stored for %s%s\n", file, kind, body,
               dry ? " (dry run: nothing written)" : "");
        if (parent && !dry)
            link_parent(L, c, body, parent);
        return 0;
    }
    if (map) {
        if (nb_lua_run(L, map, 0, 1) != LUA_OK)
            return lua_error(L);
        nb_mapping_from_lua(L, -1, &c->map, map);
        lua_pop(L, 1);
    }
    msg_cap cap = {0, 50};
    nb_import_opts o = {.path = file, .sheet = sheet, .kind = kind, .body = body,
                        .dry_run = dry, .map = map ? &c->map : NULL, .diag = print_diag,
                        .diag_ud = &cap, .progress = isatty(2) ? show_progress : NULL,
                        .progress_ud = (void *)file};
    nb_import_stats st;
    nb_err rc = nb_import(c->store, &o, &st, err, sizeof err);
    if (cap.shown > cap.max)
        fprintf(stderr, "%s: ... and %d more messages\n", file, cap.shown - cap.max);
    if (isatty(2) && st.read >= 100000)
        fputs("\r\033[K", stderr); /* clear the progress line */
    if (rc == NB_ERR_INPUT && strncmp(err, "unknown record kind", 19) == 0) {
        size_t n = strlen(err);
        if (n && err[n - 1] == ')')
            snprintf(err + n - 1, sizeof err - n + 1, ", text, rules, layout)");
    }
    if (rc != NB_OK && rc != NB_ERR_INPUT)
        return luaL_error(L, "%s", err);
    if (rc == NB_ERR_INPUT && st.read == 0 && st.refused == 0)
        return luaL_error(L, "%s", err);
    fflush(stderr);
    printf("%s: %ld row%s read, %ld inserted, %ld updated, %ld refused%s\n", file, st.read,
           st.read == 1 ? "" : "s", rc == NB_OK ? st.inserted : 0, rc == NB_OK ? st.updated : 0,
           st.refused,
           rc != NB_OK ? "; nothing written" : dry ? " (dry run: nothing written)" : "");
    if (rc == NB_OK && st.removed)
        printf("%s: %ld row%s of the earlier import of this file removed\n", file, st.removed,
               st.removed == 1 ? "" : "s");
    if (rc == NB_OK && st.body_created && !dry)
        printf("created body %s\n", body);
    if (rc == NB_OK && parent && !dry && link_parent(L, c, body, parent) != 0)
        return 0;
    if (rc != NB_OK)
        c->status = 2;
    return 0;
}

/* Runs SCRIPT with ARGS; an integer result is the exit status. */
static int run_script(lua_State *L, cli *c, const char *script, int argi)
{
    int n = 0;
    for (int i = argi; i < c->argc; i++, n++)
        lua_pushstring(L, c->argv[i]);
    if (nb_lua_run(L, script, n, 1) != LUA_OK)
        return lua_error(L);
    if (lua_isinteger(L, -1))
        c->status = (int)lua_tointeger(L, -1);
    return 0;
}

static int pmain(lua_State *L)
{
    cli *c = lua_touserdata(L, 1);
    int i = 1;
    /* Options before the command: -d FILE. */
    const char *cmd = NULL;
    int argi = 0;
    for (; i < c->argc; i++) {
        if (strcmp(c->argv[i], "-d") == 0 && i + 1 < c->argc) {
            snprintf(c->cfg.db, sizeof c->cfg.db, "%s", c->argv[++i]);
        } else if (!cmd) {
            cmd = c->argv[i];
            argi = i + 1;
            break;
        }
    }
    if (!cmd || strcmp(cmd, "help") == 0 || strcmp(cmd, "--help") == 0 || strcmp(cmd, "-h") == 0) {
        fputs(usage, cmd ? stdout : stderr);
        c->status = cmd ? 0 : 2;
        return 0;
    }
    if (strcmp(cmd, "--version") == 0 || strcmp(cmd, "version") == 0) {
        printf("nianbao %s (schema %d, %s, SQLite %s)\n", NB_VERSION, NB_SCHEMA_VERSION,
               LUA_RELEASE, sqlite3_libversion());
        return 0;
    }
    /* -d may also follow the command. Remove it from the argument list. */
    int w = argi;
    for (int r = argi; r < c->argc; r++) {
        if (strcmp(c->argv[r], "-d") == 0 && r + 1 < c->argc) {
            snprintf(c->cfg.db, sizeof c->cfg.db, "%s", c->argv[++r]);
            continue;
        }
        if (strcmp(cmd, "run") == 0 && w > argi) { /* the script's own arguments */
            for (; r < c->argc; r++)
                c->argv[w++] = c->argv[r];
            break;
        }
        c->argv[w++] = c->argv[r];
    }
    c->argc = w;
    if (strcmp(cmd, "init") == 0) {
        if (argi < c->argc)
            return usage_error(L, "init: unexpected argument '%s'", c->argv[argi]);
        return cmd_init(L, c);
    }
    if (strcmp(cmd, "import") == 0)
        return cmd_import(L, c, argi);
    if (strcmp(cmd, "run") == 0) {
        if (argi >= c->argc)
            return usage_error(L, "run: give a SCRIPT%s", "");
        return run_script(L, c, c->argv[argi], argi + 1);
    }
    if (strcmp(cmd, "report") == 0 || strcmp(cmd, "check") == 0 || strcmp(cmd, "explain") == 0 ||
        strcmp(cmd, "regen") == 0) {
        /* The reporting commands are written in Lua: scripts/cli.lua. */
        char script[4200];
        snprintf(script, sizeof script, "%s/scripts/cli.lua", c->cfg.home);
        int n = 1;
        lua_pushstring(L, cmd);
        for (int a = argi; a < c->argc; a++, n++)
            lua_pushstring(L, c->argv[a]);
        if (nb_lua_run(L, script, n, 1) != LUA_OK)
            return lua_error(L);
        if (lua_isinteger(L, -1))
            c->status = (int)lua_tointeger(L, -1);
        return 0;
    }
    return usage_error(L, "unknown command '%s'", cmd);
}

/* The folder with scripts/ and lib/: $NIANBAO_HOME, else the executable's
 * folder or its parent (build-san/nianbao). */
static void find_home(nb_config *cfg)
{
    const char *env = getenv("NIANBAO_HOME");
    if (env && *env) {
        snprintf(cfg->home, sizeof cfg->home, "%s", env);
        return;
    }
    char exe[PATH_MAX];
    ssize_t n = readlink("/proc/self/exe", exe, sizeof exe - 1);
    snprintf(cfg->home, sizeof cfg->home, ".");
    if (n <= 0)
        return;
    exe[n] = '\0';
    for (int up = 0; up < 3; up++) {
        char *slash = strrchr(exe, '/');
        if (!slash)
            return;
        *slash = '\0';
        char probe[PATH_MAX + 32];
        struct stat sb;
        snprintf(probe, sizeof probe, "%s/scripts/cli.lua", exe);
        if (stat(probe, &sb) == 0) {
            snprintf(cfg->home, sizeof cfg->home, "%s", exe);
            return;
        }
    }
}

int main(int argc, char **argv)
{
    static cli c;
    c.argc = argc;
    c.argv = argv;
    snprintf(c.cfg.db, sizeof c.cfg.db, "nianbao.db");
    find_home(&c.cfg);
    c.lim.mem_limit = (size_t)1 << 30;
    c.lim.max_instructions = 20LL * 1000 * 1000 * 1000;
    const char *mem = getenv("NIANBAO_MEMORY_LIMIT");
    if (mem && *mem)
        c.lim.mem_limit = (size_t)strtoull(mem, NULL, 10);
    const char *ins = getenv("NIANBAO_INSTRUCTION_LIMIT");
    if (ins && *ins)
        c.lim.max_instructions = strtoll(ins, NULL, 10);
    nb_mapping_init(&c.map);
    /* -d is known before the state is built: scripts see it as nianbao.db
       (pmain takes -d out of the arguments wherever it stands). */
    for (int i = 1; i + 1 < argc; i++)
        if (strcmp(argv[i], "-d") == 0)
            snprintf(c.cfg.db, sizeof c.cfg.db, "%s", argv[++i]);
    /* SQLite's own memory gets the same ceiling as the Lua heap. */
    sqlite3_hard_heap_limit64((sqlite3_int64)c.lim.mem_limit);
    lua_State *L = nb_lua_new(&c.lim, &c.cfg);
    if (!L)
        return 2;
    lua_pushcfunction(L, pmain);
    lua_pushlightuserdata(L, &c);
    int rc = lua_pcall(L, 1, 0, 0);
    if (rc != LUA_OK) {
        const char *msg = lua_tostring(L, -1);
        fflush(stdout);
        fprintf(stderr, "nianbao: %s\n", msg ? msg : "(error object is not a string)");
        c.status = 2;
    }
    lua_close(L);
    nb_store_close(c.store);
    nb_mapping_free(&c.map);
    return c.status;
}
