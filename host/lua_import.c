/* lua_import.c - marshals the importer: store:import(kind, path, opts), store:put_script,
 * and a mapping script's table compiled into an nb_mapping (mapping.h). */
#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "bodies.h"
#include "codes.h"
#include "import.h"
#include "lua_nb.h"
#include "mapping.h"
#include "remap.h"
#include "texts.h"

#define NB_MT_IMPORT "nianbao.import"

/* Messages shown before "... and N more messages": the errors first, the notes in what
 * they leave, at least MAX_NOTES of them (a file of 2,000 columns that are not fields noted
 * them all, and the rows' errors went unseen). */
#define MAX_SHOWN 50
#define MAX_NOTES 10

/* What one import owns while it runs, in a userdata so a Lua error cannot leak it. */
typedef struct {
    nb_mapping map;
    int has_map;
    nb_buf lines;     /* the first MAX_SHOWN notes and errors, in the order given, each
                         NUL-terminated after a byte that says which ('n' or 'e') */
    int notes, errors, total; /* notes and errors kept, messages given */
    const char *path; /* for the progress line */
    int progress_shown;
    nb_buf created;   /* bodies the import created, each NUL-terminated */
    int ncreated;
} import_ud;

static int l_import_gc(lua_State *L)
{
    import_ud *u = luaL_checkudata(L, 1, NB_MT_IMPORT);
    if (u->has_map)
        nb_mapping_free(&u->map);
    u->has_map = 0;
    nb_buf_free(&u->lines);
    nb_buf_free(&u->created);
    return 0;
}

/* Keeps the name of a body the import created. */
static void keep_created(void *ud, const char *body)
{
    import_ud *u = ud;
    if (nb_buf_add(&u->created, body, strlen(body) + 1) == 0)
        u->ncreated++;
}

/* Reads the table at IDX, shaped
 *   { <kind> = { <field> = { [local] = "national code", ... }, ... },
 *     aliases = { <kind> = { [header] = "field", ... } } }
 * into M. Raises with "MAP: <reason>" on a bad entry. */
void nb_mapping_from_lua(lua_State *L, int idx, nb_mapping *m, const char *map_path);

/* One [local] = code entry (or [header] = field of the aliases) of KIND.SUB. */
static void mapping_entry(lua_State *L, nb_mapping *m, const char *map_path, const char *kind,
                          const char *sub, int is_alias)
{
    char err[512];
    if (lua_type(L, -2) != LUA_TSTRING || lua_type(L, -1) != LUA_TSTRING)
        luaL_error(L, "%s: %s.%s: entries are [\"local value\"] = \"code\" strings", map_path,
                   kind, sub);
    const char *local = lua_tostring(L, -2), *target = lua_tostring(L, -1);
    nb_err rc = is_alias ? nb_mapping_alias(m, sub, local, target, err, sizeof err)
                         : nb_mapping_value(m, kind, sub, local, target, err, sizeof err);
    if (rc != NB_OK)
        luaL_error(L, "%s: %s", map_path, err);
}

void nb_mapping_from_lua(lua_State *L, int idx, nb_mapping *m, const char *map_path)
{
    idx = lua_absindex(L, idx);
    if (!lua_istable(L, idx))
        luaL_error(L, "%s: a mapping script returns a table (got %s)", map_path,
                   luaL_typename(L, idx));
    lua_pushnil(L);
    while (lua_next(L, idx)) {
        if (lua_type(L, -2) != LUA_TSTRING || !lua_istable(L, -1))
            luaL_error(L, "%s: top-level keys are record kinds (or 'aliases') with table values",
                       map_path);
        const char *kind = lua_tostring(L, -2);
        int is_alias = strcmp(kind, "aliases") == 0;
        if (!is_alias && !nb_kind_find(kind)) /* an empty section too: it would map nothing */
            luaL_error(L, "%s: unknown record kind '%s'", map_path, kind);
        lua_pushnil(L);
        while (lua_next(L, -2)) {
            if (lua_type(L, -2) != LUA_TSTRING || !lua_istable(L, -1))
                luaL_error(L, "%s: %s: keys are %s with table values", map_path, kind,
                           is_alias ? "record kinds" : "field names");
            const char *sub = lua_tostring(L, -2);
            char err[512];
            if (nb_mapping_section(kind, sub, is_alias, err, sizeof err) != NB_OK)
                luaL_error(L, "%s: %s", map_path, err);
            lua_pushnil(L);
            while (lua_next(L, -2)) {
                mapping_entry(L, m, map_path, kind, sub, is_alias);
                lua_pop(L, 1);
            }
            lua_pop(L, 1);
        }
        lua_pop(L, 1);
    }
}

/* Keeps the first MAX_SHOWN diagnostics as lines, counts them all. */
static void keep_diag(void *ud, const nb_diag *d)
{
    import_ud *u = ud;
    char line[2048];
    u->total++;
    int *kept = d->note ? &u->notes : &u->errors;
    if (*kept >= MAX_SHOWN)
        return;
    line[0] = d->note ? 'n' : 'e';
    nb_diag_format(d, line + 1, sizeof line - 1);
    if (nb_buf_add(&u->lines, line, strlen(line) + 1) == 0)
        (*kept)++;
}

/* On a terminal: "\rFILE: N rows read". */
static void show_progress(void *ud, long rows)
{
    import_ud *u = ud;
    fprintf(stderr, "\r%s: %ld rows read", u->path, rows);
    fflush(stderr);
    u->progress_shown = 1;
}

/* The string option KEY of OPTS (IDX), or NULL. */
static const char *opt_str(lua_State *L, int idx, const char *key)
{
    int t = lua_getfield(L, idx, key);
    const char *v = NULL;
    if (t == LUA_TSTRING)
        v = lua_tostring(L, -1);
    else if (t != LUA_TNIL)
        luaL_error(L, "store:import: option '%s' must be a string (got %s)", key, lua_typename(L, t));
    lua_pop(L, 1); /* the string stays alive in the options table */
    return v;
}

static int opt_bool(lua_State *L, int idx, const char *key)
{
    lua_getfield(L, idx, key);
    int v = lua_toboolean(L, -1);
    lua_pop(L, 1);
    return v;
}

/* "input", "busy", ...: the kind of failure, for the caller to choose an exit status. */
static const char *failure_name(nb_err e)
{
    switch (e) {
    case NB_ERR_BUSY: return "busy";
    case NB_ERR_INPUT: return "input";
    case NB_ERR_IO: return "io";
    case NB_ERR_NOMEM: return "nomem";
    case NB_ERR_LIMIT: return "limit";
    case NB_ERR_INTERRUPTED: return "interrupted";
    default: return "store";
    }
}

/* Pushes the kept messages and the count of the others into the table at the top. */
static void push_messages(lua_State *L, const import_ud *u)
{
    int least = u->notes < MAX_NOTES ? u->notes : MAX_NOTES;
    int errors = u->errors < MAX_SHOWN - least ? u->errors : MAX_SHOWN - least;
    int notes = u->notes < MAX_SHOWN - errors ? u->notes : MAX_SHOWN - errors;
    lua_createtable(L, notes + errors, 0);
    int shown = 0, n = 0, e = 0;
    for (const char *p = u->lines.data; n + e < u->notes + u->errors; p += strlen(p) + 1) {
        int *seen = *p == 'n' ? &n : &e;
        if (*seen < (*p == 'n' ? notes : errors)) {
            lua_pushstring(L, p + 1);
            lua_rawseti(L, -2, ++shown);
        }
        (*seen)++;
    }
    lua_setfield(L, -2, "messages");
    lua_pushinteger(L, u->total - shown);
    lua_setfield(L, -2, "more");
}

/* Pushes the result table: counts, the kept messages and how many more there were. */
static void push_result(lua_State *L, const import_ud *u, const nb_import_stats *st, nb_err rc)
{
    lua_createtable(L, 0, 10);
    static const char *const names[] = {"read",    "inserted", "updated",
                                        "unchanged", "refused", "removed"};
    /* a refused file wrote nothing: its counts of what was written are 0, and no body
       was made (the rows counted before the refusal were rolled back with it) */
    int kept = rc == NB_OK;
    const long vals[] = {st->read,      kept ? st->inserted : 0, kept ? st->updated : 0,
                         kept ? st->unchanged : 0, st->refused,  kept ? st->removed : 0};
    for (int i = 0; i < 6; i++) {
        lua_pushinteger(L, vals[i]);
        lua_setfield(L, -2, names[i]);
    }
    lua_pushboolean(L, kept && st->body_created > 0);
    lua_setfield(L, -2, "body_created");
    int ncreated = kept ? u->ncreated : 0;
    lua_createtable(L, ncreated, 0);
    const char *p = u->created.data;
    for (int i = 0; i < ncreated; i++, p += strlen(p) + 1) {
        lua_pushstring(L, p);
        lua_rawseti(L, -2, i + 1);
    }
    lua_setfield(L, -2, "created");
    push_messages(L, u);
    if (rc) {
        lua_pushstring(L, st->copy ? "copy" : failure_name(rc));
        lua_setfield(L, -2, "failure");
    }
}

/* Pushes nil, ERR and {failure = RC's kind}: 3 values. */
static int push_failure(lua_State *L, nb_err rc, const char *err)
{
    lua_pushnil(L);
    lua_pushstring(L, err);
    lua_createtable(L, 0, 1);
    lua_pushstring(L, failure_name(rc));
    lua_setfield(L, -2, "failure");
    return 3;
}

/* store:import("text", path, {body=, year=, dry_run=}) */
static int import_text(lua_State *L, nb_store *s, const char *path, const char *body)
{
    static const char *const keys[] = {"body", "parent", "year", "dry_run", NULL};
    nb_lua_check_keys(L, 4, "store:import", keys);
    lua_getfield(L, 4, "year");
    lua_Integer year = lua_isnil(L, -1) ? 0 : luaL_checkinteger(L, -1);
    if (year && (year < 1990 || year > 2100))
        return luaL_error(L, "store:import: option 'year': a year from 1990 to 2100");
    char err[1024];
    int used = 0, created = 0;
    const char *parent = opt_str(L, 4, "parent");
    nb_err rc = nb_import_text(s, path, body, parent, (int)year, opt_bool(L, 4, "dry_run"), &used,
                               &created, err, sizeof err);
    if (rc) {
        return push_failure(L, rc, err);
    }
    lua_createtable(L, 0, 3);
    lua_pushboolean(L, 1);
    lua_setfield(L, -2, "stored");
    lua_pushinteger(L, used);
    lua_setfield(L, -2, "year");
    lua_pushinteger(L, nb_text_year_of_name(path)); /* 0: none */
    lua_setfield(L, -2, "name_year");
    lua_createtable(L, 2, 0); /* the bodies it created (or would), as a record import's */
    int n = 0;
    if (created & NB_TEXT_BODY_CREATED) {
        lua_pushstring(L, body);
        lua_rawseti(L, -2, ++n);
    }
    if (created & NB_TEXT_PARENT_CREATED) {
        lua_pushstring(L, parent);
        lua_rawseti(L, -2, ++n);
    }
    lua_setfield(L, -2, "created");
    return 1;
}

/* store:import("bodies", path, {sheet=, dry_run=}) -> result | nil, message, result:
 * the body tree from a bodies file. */
static int import_bodies(lua_State *L, nb_store *s, const char *path)
{
    static const char *const keys[] = {"sheet", "dry_run", NULL};
    nb_lua_check_keys(L, 4, "store:import", keys);
    import_ud *u = lua_newuserdatauv(L, sizeof *u, 0);
    memset(u, 0, sizeof *u);
    luaL_setmetatable(L, NB_MT_IMPORT);
    nb_bodies_opts o = {.path = path, .sheet = opt_str(L, 4, "sheet"),
                        .dry_run = opt_bool(L, 4, "dry_run"), .diag = keep_diag, .diag_ud = u};
    nb_bodies_result r;
    char err[1024];
    nb_err rc = nb_bodies_import(s, &o, &r, err, sizeof err);
    int nret = 1;
    if (rc) {
        lua_pushnil(L);
        lua_pushstring(L, err);
        nret = 3;
    }
    lua_createtable(L, 0, 8);
    static const char *const names[] = {"read", "created", "updated", "unchanged", "refused"};
    const long vals[] = {r.read, r.created, r.updated, r.unchanged, r.refused};
    for (int i = 0; i < 5; i++) {
        lua_pushinteger(L, vals[i]);
        lua_setfield(L, -2, names[i]);
    }
    push_messages(L, u);
    if (rc) {
        lua_pushstring(L, failure_name(rc));
        lua_setfield(L, -2, "failure");
    }
    return nret;
}

/* The options of store:import at IDX for KIND into O (the mapping kept by U). */
static void import_opts(lua_State *L, int idx, const char *fn, const char *kind, import_ud *u,
                        nb_import_opts *o)
{
    static const char *const keys[] = {"body", "parent", "map", "sheet", "year", "replace", "dry_run",
                                       "progress", NULL};
    nb_lua_check_keys(L, idx, fn, keys);
    int t = lua_getfield(L, idx, "map");
    if (t == LUA_TTABLE) {
        nb_mapping_init(&u->map);
        u->has_map = 1;
        nb_mapping_from_lua(L, -1, &u->map, "map");
    } else if (t != LUA_TNIL) { /* a file's name was taken for no mapping at all */
        luaL_error(L, "%s: option 'map' is a mapping's table (a map script's value: "
                      "require or dofile it), not a %s", fn, lua_typename(L, t));
    }
    lua_pop(L, 1);
    const char *replace = opt_str(L, idx, "replace");
    int rmode = NB_REPLACE_NONE;
    if (replace && strcmp(replace, "same") == 0)
        rmode = NB_REPLACE_SAME;
    else if (replace && strcmp(replace, "all") == 0)
        rmode = NB_REPLACE_ALL;
    else if (replace)
        luaL_error(L, "store:import: option 'replace' is 'same' or 'all' (got '%s')", replace);
    lua_getfield(L, idx, "year");
    lua_Integer cover = lua_isnil(L, -1) ? 0 : luaL_checkinteger(L, -1);
    lua_pop(L, 1);
    if (cover && (cover < 1990 || cover > 2100))
        luaL_error(L, "store:import: option 'year': a year from 1990 to 2100");
    *o = (nb_import_opts){.replace = rmode, .cover_year = (int)cover, .sheet = opt_str(L, idx, "sheet"),
                          .kind = kind, .body = opt_str(L, idx, "body"), .parent = opt_str(L, idx, "parent"),
                          .dry_run = opt_bool(L, idx, "dry_run"), .map = u->has_map ? &u->map : NULL,
                          .diag = keep_diag, .diag_ud = u,
                          .progress = opt_bool(L, idx, "progress") ? show_progress : NULL,
                          .progress_ud = u, .created = keep_created, .created_ud = u};
}

static import_ud *new_import_ud(lua_State *L)
{
    import_ud *u = lua_newuserdatauv(L, sizeof *u, 0);
    memset(u, 0, sizeof *u);
    luaL_setmetatable(L, NB_MT_IMPORT);
    return u;
}

/* store:import(kind, path, {body=, parent=, map=, sheet=, year=, replace=, dry_run=, progress=})
 * -> result | nil, message, result */
static int l_import(lua_State *L)
{
    nb_store *s = nb_check_writable(L, 1, "store:import");
    const char *kind = luaL_checkstring(L, 2), *path = luaL_checkstring(L, 3);
    luaL_checktype(L, 4, LUA_TTABLE);
    if (!nb_lua_may_read(L, path)) /* as nianbao.read_text: the file would be in the store */
        return luaL_error(L, "store:import: %s: scripts read files only in the working folder and "
                             "the store's folder (sandbox)", path);
    if (strcmp(kind, "bodies") == 0)
        return import_bodies(L, s, path);
    if (strcmp(kind, "text") != 0 && !nb_kind_find(kind)) { /* a programming error: raised */
        nb_lua_push_kinds(L);
        return luaL_error(L, "store:import: unknown kind '%s' (kinds: %s, text, bodies; a body's "
                             "rules, layout or map: store:put_script; a published report's "
                             "tables: store:put_figures)", kind, lua_tostring(L, -1));
    }
    const char *body = opt_str(L, 4, "body");
    if (strcmp(kind, "text") == 0) {
        if (!body)
            return luaL_error(L, "store:import: option 'body' (the body's name) is required");
        return import_text(L, s, path, body);
    }
    import_ud *u = new_import_ud(L);
    u->path = path;
    nb_import_opts o;
    import_opts(L, 4, "store:import", kind, u, &o);
    o.path = path;
    nb_import_stats st;
    char err[1024];
    nb_err rc = nb_import(s, &o, &st, err, sizeof err);
    if (u->progress_shown)
        fputs("\r\033[K", stderr); /* clear the progress line */
    if (rc == NB_OK) {
        push_result(L, u, &st, rc);
        return 1;
    }
    lua_pushnil(L);
    lua_pushstring(L, err);
    push_result(L, u, &st, rc);
    return 3;
}

/* What store:import_files hands each file's outcome to. */
typedef struct {
    lua_State *L;
    import_ud *u;
    const char *const *paths;
    int n;
    int each;    /* stack index of the Lua function */
    int raised;  /* the stack index of the error EACH raised, or 0 */
} each_ctx;

/* One file's outcome, for each_call. */
typedef struct {
    each_ctx *c;
    int i;
    nb_err rc;
    const nb_import_stats *st;
    const char *err;
} each_args;

/* each_call(args, EACH): calls EACH(path, result) or EACH(path, nil, message, result)
 * (protected: each_file). */
static int each_call(lua_State *L)
{
    each_args *a = lua_touserdata(L, 1);
    each_ctx *c = a->c;
    lua_pushvalue(L, 2); /* EACH */
    lua_pushstring(L, c->paths[a->i]);
    if (a->rc == NB_OK) {
        push_result(L, c->u, a->st, a->rc);
        lua_call(L, 2, 1);
    } else {
        lua_pushnil(L);
        lua_pushstring(L, a->err);
        push_result(L, c->u, a->st, a->rc);
        lua_call(L, 4, 1);
    }
    return 1;
}

/* Hands file I's outcome to EACH; its false stops. An error (EACH's own, or no memory for
 * the result) stops too, and is raised again once the files before are committed. */
static int each_file(void *ud, int i, nb_err rc, const nb_import_stats *st, const char *err)
{
    each_ctx *c = ud;
    lua_State *L = c->L;
    import_ud *u = c->u;
    if (u->progress_shown)
        fputs("\r\033[K", stderr);
    each_args a = {.c = c, .i = i, .rc = rc, .st = st, .err = err};
    int stop = 1;
    lua_pushcfunction(L, each_call);
    lua_pushlightuserdata(L, &a);
    lua_pushvalue(L, c->each);
    if (lua_pcall(L, 2, 1, 0) != LUA_OK)
        c->raised = lua_gettop(L); /* left there: nothing more is pushed (it stops) */
    else {
        stop = lua_isboolean(L, -1) && !lua_toboolean(L, -1);
        lua_pop(L, 1);
    }
    /* the next file's messages, bodies and progress line of its own */
    nb_buf_free(&u->lines);
    nb_buf_free(&u->created);
    u->notes = u->errors = u->total = u->ncreated = u->progress_shown = 0;
    u->path = i + 1 < c->n ? c->paths[i + 1] : NULL;
    return stop;
}

/* store:import_files(kind, {path, ...}, opts, each) -> true | nil, message, {failure =}: records of
 * KIND from several files, each all or none as store:import makes it, committed together
 * in groups (nb_import_files); each file's outcome is handed to EACH as store:import
 * returns it, after the path. */
static int l_import_files(lua_State *L)
{
    nb_store *s = nb_check_writable(L, 1, "store:import_files");
    const char *kind = luaL_checkstring(L, 2);
    luaL_checktype(L, 3, LUA_TTABLE);
    luaL_checktype(L, 4, LUA_TTABLE);
    luaL_checktype(L, 5, LUA_TFUNCTION);
    if (!nb_kind_find(kind))
        return luaL_error(L, "store:import_files: '%s' is not a record kind", kind);
    lua_Integer n = luaL_len(L, 3);
    if (n < 0 || n > INT_MAX / (lua_Integer)sizeof(char *))
        return luaL_error(L, "store:import_files: too many files");
    luaL_checkstack(L, 16, "store:import_files");
    /* the paths and the options copied into tables of the call's own (6, 7): EACH may
       change the caller's, and their strings must live until the last file */
    lua_createtable(L, (int)n, 0);
    const char **paths = lua_newuserdatauv(L, (size_t)(n ? n : 1) * sizeof *paths, 0);
    for (lua_Integer i = 1; i <= n; i++) {
        if (lua_geti(L, 3, i) != LUA_TSTRING)
            return luaL_error(L, "store:import_files: file %d is not a path (got %s)", (int)i,
                              luaL_typename(L, -1));
        paths[i - 1] = lua_tostring(L, -1);
        if (!nb_lua_may_read(L, paths[i - 1]))
            return luaL_error(L, "store:import_files: %s: scripts read files only in the working "
                                 "folder and the store's folder (sandbox)", paths[i - 1]);
        lua_rawseti(L, 6, i);
    }
    lua_rawsetp(L, 6, paths); /* table 6 keeps the array of pointers too */
    lua_newtable(L);
    for (lua_pushnil(L); lua_next(L, 4); lua_pop(L, 1)) {
        lua_pushvalue(L, -2);
        lua_pushvalue(L, -2);
        lua_rawset(L, 7);
    }
    import_ud *u = new_import_ud(L);
    nb_import_opts o;
    import_opts(L, 7, "store:import_files", kind, u, &o);
    u->path = n ? paths[0] : NULL;
    each_ctx c = {.L = L, .u = u, .paths = paths, .n = (int)n, .each = 5, .raised = 0};
    char err[2048];
    nb_lua_store_busy(L, 1, 1); /* store:close refuses while EACH runs */
    nb_err rc = nb_import_files(s, &o, paths, (int)n, each_file, &c, err, sizeof err);
    nb_lua_store_busy(L, 1, -1);
    if (c.raised && rc) /* EACH's error, and the group's failure after it, both told */
        return luaL_error(L, "%s; and then: %s", luaL_tolstring(L, c.raised, NULL), err);
    if (c.raised) {
        lua_pushvalue(L, c.raised);
        return lua_error(L);
    }
    if (rc) {
        return push_failure(L, rc, err);
    }
    lua_pushboolean(L, 1);
    return 1;
}

/* store:put_script(body, role, name, content): stores a body's rules, layout or map
 * script (the caller has checked it). */
static int l_put_script(lua_State *L)
{
    nb_store *s = nb_check_writable(L, 1, "store:put_script");
    const char *body = luaL_checkstring(L, 2), *role = luaL_checkstring(L, 3);
    const char *name = luaL_checkstring(L, 4), *content = luaL_checkstring(L, 5);
    nb_lua_check_role(L, 3);
    char err[1024];
    if (nb_store_put_script(s, body, role, name, content, err, sizeof err) != NB_OK) {
        lua_pushnil(L);
        lua_pushstring(L, err);
        return 2;
    }
    lua_pushboolean(L, 1);
    return 1;
}

/* Each kind store:remap coded (kept in C: nb_remap's transaction is open meanwhile, and a
 * Lua error must not leave it). */
#define REMAP_KINDS 32 /* more than the catalogue's kinds */
typedef struct {
    int n;
    struct {
        const char *kind;
        long records, changed;
    } k[REMAP_KINDS];
} remap_kinds;

static void keep_kind(void *ud, const char *kind, long records, long changed)
{
    remap_kinds *r = ud;
    if (r->n < REMAP_KINDS) {
        r->k[r->n].kind = kind;
        r->k[r->n].records = records;
        r->k[r->n++].changed = changed;
    }
}

/* store:remap(body, {map=, dry_run=}) -> result | nil, message, result: the body's stored
 * records coded again with MAP (a mapping's table; none: national values only). */
static int l_remap(lua_State *L)
{
    static const char *const keys[] = {"map", "dry_run", NULL};
    nb_store *s = nb_check_writable(L, 1, "store:remap");
    const char *body = luaL_checkstring(L, 2);
    if (lua_isnoneornil(L, 3)) {
        lua_settop(L, 2);
        lua_newtable(L);
    }
    luaL_checktype(L, 3, LUA_TTABLE);
    nb_lua_check_keys(L, 3, "store:remap", keys);
    import_ud *u = new_import_ud(L); /* 4 */
    int t = lua_getfield(L, 3, "map");
    if (t == LUA_TTABLE) {
        nb_mapping_init(&u->map);
        u->has_map = 1;
        nb_mapping_from_lua(L, -1, &u->map, "map");
    } else if (t != LUA_TNIL) {
        return luaL_error(L, "store:remap: option 'map' is a mapping's table (a map script's "
                             "value), not a %s", lua_typename(L, t));
    }
    lua_pop(L, 1);
    remap_kinds kinds = {0};
    nb_remap_opts o = {.body = body, .map = u->has_map ? &u->map : NULL,
                       .dry_run = opt_bool(L, 3, "dry_run"), .diag = keep_diag, .diag_ud = u,
                       .kind_done = keep_kind, .kind_ud = &kinds};
    nb_remap_stats st;
    char err[1024];
    nb_err rc = nb_remap(s, &o, &st, err, sizeof err);
    int nret = 1;
    if (rc) {
        lua_pushnil(L);
        lua_pushstring(L, err);
        nret = 3;
    }
    lua_createtable(L, 0, 6);
    lua_pushinteger(L, st.records);
    lua_setfield(L, -2, "records");
    lua_pushinteger(L, rc ? 0 : st.changed); /* a refusal changed nothing */
    lua_setfield(L, -2, "changed");
    lua_createtable(L, kinds.n, 0);
    for (int i = 0; i < kinds.n; i++) {
        lua_createtable(L, 0, 3);
        lua_pushstring(L, kinds.k[i].kind);
        lua_setfield(L, -2, "kind");
        lua_pushinteger(L, kinds.k[i].records);
        lua_setfield(L, -2, "records");
        lua_pushinteger(L, rc ? 0 : kinds.k[i].changed);
        lua_setfield(L, -2, "changed");
        lua_rawseti(L, -2, i + 1);
    }
    lua_setfield(L, -2, "kinds");
    push_messages(L, u);
    if (rc) {
        lua_pushstring(L, failure_name(rc));
        lua_setfield(L, -2, "failure");
    }
    return nret;
}

/* nianbao.mapping_check(map, name): raises "NAME: reason" unless MAP is a mapping table
 * every entry of which names a known kind, field and national code. */
static int l_mapping_check(lua_State *L)
{
    const char *name = luaL_optstring(L, 2, "map");
    import_ud *u = lua_newuserdatauv(L, sizeof *u, 0); /* frees the mapping on an error */
    memset(u, 0, sizeof *u);
    luaL_setmetatable(L, NB_MT_IMPORT);
    nb_mapping_init(&u->map);
    u->has_map = 1;
    nb_mapping_from_lua(L, 1, &u->map, name);
    nb_mapping_free(&u->map);
    u->has_map = 0;
    lua_pushboolean(L, 1);
    return 1;
}

static const luaL_Reg funcs[] = {
    {"mapping_check", l_mapping_check},
    {NULL, NULL},
};

static const luaL_Reg store_methods[] = {
    {"import", l_import},
    {"import_files", l_import_files},
    {"put_script", l_put_script},
    {"remap", l_remap},
    {NULL, NULL},
};

int nb_open_import(lua_State *L)
{
    luaL_checktype(L, 1, LUA_TTABLE);
    if (luaL_newmetatable(L, NB_MT_IMPORT)) {
        lua_pushcfunction(L, l_import_gc);
        lua_setfield(L, -2, "__gc");
    }
    lua_pop(L, 1);
    lua_pushvalue(L, 1);
    luaL_setfuncs(L, funcs, 0);
    lua_pop(L, 1);
    nb_add_store_methods(L, store_methods);
    return 0;
}
