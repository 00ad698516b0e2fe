/* lua_export.c - marshals a report document (a Lua table) into an nb_doc and calls the
 * exporters of doc.h: nianbao.export(doc, {dir=, name=, formats=}). */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "doc.h"
#include "lua_nb.h"

#define NB_MT_DOC "nianbao.doc"

/* The document under construction, owned by a userdata so an error raised
 * while reading the Lua table cannot leak it. */
typedef struct {
    nb_doc *doc;
} doc_ud;

static int l_doc_gc(lua_State *L)
{
    doc_ud *u = luaL_checkudata(L, 1, NB_MT_DOC);
    nb_doc_free(u->doc);
    u->doc = NULL;
    return 0;
}

static void *xcalloc(lua_State *L, size_t n, size_t size)
{
    void *p = calloc(n ? n : 1, size);
    if (!p)
        luaL_error(L, "out of memory");
    return p;
}

static char *xstrdup(lua_State *L, const char *s)
{
    char *p = strdup(s);
    if (!p)
        luaL_error(L, "out of memory");
    return p;
}

/* Copies string field KEY of the table at IDX (NULL when absent; raises when
 * REQUIRED and absent, or when not a string). */
static char *get_str(lua_State *L, int idx, const char *key, int required, const char *where)
{
    char *s = NULL;
    int t = lua_getfield(L, idx, key);
    if (t == LUA_TSTRING || t == LUA_TNUMBER)
        s = xstrdup(L, lua_tostring(L, -1));
    else if (t != LUA_TNIL || required)
        luaL_error(L, "%s: field '%s' must be a string (got %s)", where, key, lua_typename(L, t));
    lua_pop(L, 1);
    return s;
}

/* The integer at the stack top (DEF when nil); raises naming WHERE and KEY. */
static lua_Integer top_int(lua_State *L, lua_Integer def, const char *where, const char *key)
{
    if (lua_isnil(L, -1))
        return def;
    if (!lua_isinteger(L, -1))
        luaL_error(L, "%s: field '%s' must be an integer (got %s)", where, key,
                   luaL_typename(L, -1));
    return lua_tointeger(L, -1);
}

/* The string at the stack top; raises naming WHERE and KEY. */
static const char *top_str(lua_State *L, const char *where, const char *key)
{
    if (lua_type(L, -1) != LUA_TSTRING)
        luaL_error(L, "%s: field '%s' must be a string (got %s)", where, key,
                   luaL_typename(L, -1));
    return lua_tostring(L, -1);
}

/* Index of the string at the stack top in LIST; raises listing the choices. */
static int top_option(lua_State *L, const char *const *list, const char *where, const char *key)
{
    const char *v = top_str(L, where, key);
    for (int i = 0; list[i]; i++)
        if (strcmp(list[i], v) == 0)
            return i;
    luaL_Buffer b;
    luaL_buffinit(L, &b);
    for (int i = 0; list[i]; i++) {
        if (i)
            luaL_addstring(&b, ", ");
        luaL_addstring(&b, list[i]);
    }
    luaL_pushresult(&b);
    return luaL_error(L, "%s: field '%s': unknown '%s' (%s)", where, key, v, lua_tostring(L, -1));
}

static const char *const fmt_names[] = {"plain", "signed", "money", "money_unit", NULL};

/* Reads the cell value at the stack top into C (a string, a number, or a table
 * {text=, value=, fmt=, key=, header=}; nil/false blank). */
static void read_cell(lua_State *L, nb_cell *c, const char *where)
{
    int idx = lua_gettop(L);
    memset(c, 0, sizeof *c);
    switch (lua_type(L, idx)) {
    case LUA_TNIL:
    case LUA_TBOOLEAN:
        break;
    case LUA_TSTRING:
        c->type = NB_V_TEXT;
        c->text = xstrdup(L, lua_tostring(L, idx));
        return;
    case LUA_TNUMBER:
        lua_pushvalue(L, idx);
        goto number;
    case LUA_TTABLE:
        c->key = get_str(L, idx, "key", 0, where);
        c->row = get_str(L, idx, "row", 0, where);
        lua_getfield(L, idx, "header");
        c->header = lua_toboolean(L, -1);
        lua_pop(L, 1);
        if (lua_getfield(L, idx, "fmt") != LUA_TNIL)
            c->fmt = (nb_fmt)top_option(L, fmt_names, where, "fmt");
        lua_pop(L, 1);
        c->text = get_str(L, idx, "text", 0, where);
        if (lua_getfield(L, idx, "value") == LUA_TNUMBER)
            goto number;
        if (!lua_isnil(L, -1))
            luaL_error(L, "%s: a cell value must be a number (got %s)", where,
                       luaL_typename(L, -1));
        lua_pop(L, 1);
        if (c->text)
            c->type = NB_V_TEXT;
        break;
    default:
        luaL_error(L, "%s: a cell must be a string, number or table (got %s)", where,
                   luaL_typename(L, idx));
    }
    if (!c->text)
        c->text = xstrdup(L, "");
    return;
number:
    if (lua_isinteger(L, -1) && c->fmt != NB_FMT_MONEY && c->fmt != NB_FMT_MONEY_UNIT) {
        c->type = NB_V_INT;
        c->i = lua_tointeger(L, -1);
    } else {
        c->type = NB_V_NUM;
        c->num = lua_tonumber(L, -1);
    }
    lua_pop(L, 1);
    if (!c->text) {
        c->text = nb_cell_format(c);
        if (!c->text)
            luaL_error(L, "out of memory");
    }
}

static void read_table(lua_State *L, int idx, nb_table *t, int ti)
{
    char where[64];
    snprintf(where, sizeof where, "tables[%d]", ti + 1);
    t->id = get_str(L, idx, "id", 1, where);
    t->title = get_str(L, idx, "title", 0, where);
    lua_getfield(L, idx, "header_rows");
    t->header_rows = (int)top_int(L, 0, where, "header_rows");
    lua_pop(L, 1);
    if (lua_getfield(L, idx, "rows") != LUA_TTABLE)
        luaL_error(L, "%s (%s): field 'rows' must be a table", where, t->id);
    int rows = lua_gettop(L);
    int nrows = (int)luaL_len(L, rows), ncols = 0;
    lua_getfield(L, idx, "ncols");
    ncols = (int)top_int(L, 0, where, "ncols");
    lua_pop(L, 1);
    if (ncols <= 0)
        luaL_error(L, "%s (%s): field 'ncols' must be a positive integer", where, t->id);
    t->cells = xcalloc(L, (size_t)nrows * (size_t)ncols, sizeof *t->cells);
    t->row_keys = xcalloc(L, (size_t)nrows, sizeof *t->row_keys);
    t->ncols = ncols;
    for (int r = 0; r < nrows; r++) {
        char rw[96];
        snprintf(rw, sizeof rw, "%s (%s) row %d", where, t->id, r + 1);
        lua_rawgeti(L, rows, r + 1);
        int row = lua_gettop(L);
        luaL_checktype(L, row, LUA_TTABLE);
        t->row_keys[r] = get_str(L, row, "key", 0, rw);
        t->nrows = r + 1; /* cells up to here are freed with the document */
        for (int c = 0; c < ncols; c++) {
            lua_rawgeti(L, row, c + 1);
            read_cell(L, &t->cells[(size_t)r * (size_t)ncols + (size_t)c], rw);
            lua_pop(L, 1);
        }
        if (luaL_len(L, row) > ncols)
            luaL_error(L, "%s: %d cells, the table has %d columns", rw, (int)luaL_len(L, row),
                       ncols);
        lua_pop(L, 1);
    }
    t->nrows = nrows;
    lua_pop(L, 1);
    if (lua_getfield(L, idx, "merges") == LUA_TTABLE) {
        int m = lua_gettop(L), n = (int)luaL_len(L, m);
        t->merges = xcalloc(L, (size_t)n, sizeof *t->merges);
        for (int i = 0; i < n; i++) {
            lua_rawgeti(L, m, i + 1);
            int v[4];
            for (int j = 0; j < 4; j++) {
                lua_rawgeti(L, -1, j + 1);
                v[j] = (int)top_int(L, 0, where, "merges") - 1; /* 1-based in Lua */
                lua_pop(L, 1);
            }
            lua_pop(L, 1);
            if (v[0] < 0 || v[1] < 0 || v[2] < v[0] || v[3] < v[1] || v[2] >= nrows ||
                v[3] >= ncols)
                luaL_error(L, "%s (%s): merge %d {%d, %d, %d, %d} is outside the table", where,
                           t->id, i + 1, v[0] + 1, v[1] + 1, v[2] + 1, v[3] + 1);
            t->merges[i] = (nb_merge){v[0], v[1], v[2], v[3]};
            t->nmerges = i + 1;
        }
    }
    lua_pop(L, 1);
}

static void read_check(lua_State *L, int idx, nb_check *k, int i)
{
    char where[64];
    snprintf(where, sizeof where, "checks[%d]", i + 1);
    k->id = get_str(L, idx, "id", 1, where);
    k->severity = get_str(L, idx, "severity", 1, where);
    k->title = get_str(L, idx, "title", 1, where);
    k->formula = get_str(L, idx, "formula", 0, where);
    k->status = get_str(L, idx, "status", 1, where);
    k->message = get_str(L, idx, "message", 0, where);
    lua_getfield(L, idx, "left");
    read_cell(L, &k->left, where);
    lua_pop(L, 1);
    lua_getfield(L, idx, "right");
    read_cell(L, &k->right, where);
    lua_pop(L, 1);
    if (lua_getfield(L, idx, "evidence") == LUA_TTABLE) {
        int e = lua_gettop(L), n = (int)luaL_len(L, e);
        k->evidence = xcalloc(L, (size_t)n, sizeof *k->evidence);
        for (int j = 0; j < n; j++) {
            lua_rawgeti(L, e, j + 1);
            k->evidence[j] = xstrdup(L, top_str(L, where, "evidence"));
            k->nevidence = j + 1;
            lua_pop(L, 1);
        }
    }
    lua_pop(L, 1);
}

static const char *const block_types[] = {"heading", "para", "table", NULL};

/* Builds the nb_doc from the table at IDX into U->doc. */
static void read_doc(lua_State *L, int idx, doc_ud *u)
{
    luaL_checktype(L, idx, LUA_TTABLE);
    nb_doc *d = u->doc = xcalloc(L, 1, sizeof *d);
    d->title = get_str(L, idx, "title", 1, "document");
    d->body = get_str(L, idx, "body", 0, "document");
    d->format = get_str(L, idx, "format", 0, "document");
    lua_getfield(L, idx, "year");
    d->year = (int)top_int(L, 0, "document", "year");
    lua_pop(L, 1);
    lua_getfield(L, idx, "created");
    d->created = (long long)top_int(L, 0, "document", "created");
    lua_pop(L, 1);
    if (lua_getfield(L, idx, "tables") == LUA_TTABLE) {
        int t = lua_gettop(L), n = (int)luaL_len(L, t);
        d->tables = xcalloc(L, (size_t)n, sizeof *d->tables);
        for (int i = 0; i < n; i++) {
            lua_rawgeti(L, t, i + 1);
            d->ntables = i + 1;
            read_table(L, lua_gettop(L), &d->tables[i], i);
            lua_pop(L, 1);
        }
    }
    lua_pop(L, 1);
    if (lua_getfield(L, idx, "blocks") == LUA_TTABLE) {
        int t = lua_gettop(L), n = (int)luaL_len(L, t);
        d->blocks = xcalloc(L, (size_t)n, sizeof *d->blocks);
        for (int i = 0; i < n; i++) {
            lua_rawgeti(L, t, i + 1);
            int b = lua_gettop(L);
            nb_block *bl = &d->blocks[i];
            d->nblocks = i + 1;
            lua_getfield(L, b, "type");
            bl->type = (nb_block_type)top_option(L, block_types, "block", "type");
            lua_pop(L, 1);
            lua_getfield(L, b, "level");
            bl->level = (int)top_int(L, 1, "block", "level");
            lua_pop(L, 1);
            bl->text = get_str(L, b, "text", bl->type != NB_BLOCK_TABLE, "block");
            lua_getfield(L, b, "table");
            bl->table = (int)top_int(L, 1, "block", "table") - 1;
            lua_pop(L, 1);
            if (bl->type == NB_BLOCK_TABLE && (bl->table < 0 || bl->table >= d->ntables))
                luaL_error(L, "blocks[%d]: table %d does not exist", i + 1, bl->table + 1);
            lua_pop(L, 1);
        }
    }
    lua_pop(L, 1);
    if (lua_getfield(L, idx, "checks") == LUA_TTABLE) {
        int t = lua_gettop(L), n = (int)luaL_len(L, t);
        d->checks = xcalloc(L, (size_t)n, sizeof *d->checks);
        for (int i = 0; i < n; i++) {
            lua_rawgeti(L, t, i + 1);
            d->nchecks = i + 1;
            read_check(L, lua_gettop(L), &d->checks[i], i);
            lua_pop(L, 1);
        }
    }
    lua_pop(L, 1);
}

typedef int (*exporter)(const nb_doc *, const char *, char *, size_t);

static const struct {
    const char *name, *ext;
    exporter fn;
} exporters[] = {
    {"xlsx", ".xlsx", nb_export_xlsx}, {"md", ".md", nb_export_md},
    {"txt", ".txt", nb_export_txt},    {"html", ".html", nb_export_html},
    {"csv", "", nb_export_csv},        {"json", ".json", nb_export_json},
};

/* nianbao.export(doc, {dir = "out", name = "report", formats = {"xlsx", ...}})
 * -> array of written paths | nil, message */
static int l_export(lua_State *L)
{
    luaL_checktype(L, 1, LUA_TTABLE);
    luaL_checktype(L, 2, LUA_TTABLE);
    doc_ud *u = lua_newuserdatauv(L, sizeof *u, 0);
    u->doc = NULL;
    luaL_setmetatable(L, NB_MT_DOC);
    int ud = lua_gettop(L);
    read_doc(L, 1, u);
    lua_getfield(L, 2, "dir");
    const char *dir = lua_isnil(L, -1) ? "out" : top_str(L, "export", "dir");
    lua_getfield(L, 2, "name");
    const char *name = top_str(L, "export", "name");
    if (strchr(name, '/'))
        return luaL_error(L, "export: name '%s' must not contain '/'", name);
    if (mkdir(dir, 0777) != 0 && errno != EEXIST) {
        lua_pushnil(L);
        lua_pushfstring(L, "%s: cannot create folder: %s", dir, strerror(errno));
        return 2;
    }
    unsigned want = 0;
    if (lua_getfield(L, 2, "formats") == LUA_TTABLE) {
        int n = (int)luaL_len(L, -1);
        for (int i = 1; i <= n; i++) {
            lua_rawgeti(L, -1, i);
            const char *f = top_str(L, "export", "formats");
            size_t e = 0;
            while (e < sizeof exporters / sizeof exporters[0] && strcmp(exporters[e].name, f))
                e++;
            if (e == sizeof exporters / sizeof exporters[0])
                return luaL_error(L, "export: unknown format '%s' (xlsx, md, txt, html, csv, json)",
                                  f);
            want |= 1u << e;
            lua_pop(L, 1);
        }
    } else {
        want = ~0u;
    }
    lua_newtable(L);
    int out = lua_gettop(L), n = 0;
    for (size_t e = 0; e < sizeof exporters / sizeof exporters[0]; e++) {
        if (!(want & (1u << e)))
            continue;
        char path[4096], err[1024];
        snprintf(path, sizeof path, "%s/%s%s", dir, name, exporters[e].ext);
        if (exporters[e].fn(u->doc, path, err, sizeof err) != 0) {
            lua_pushnil(L);
            lua_pushstring(L, err);
            return 2;
        }
        if (strcmp(exporters[e].name, "csv") == 0) {
            for (int t = 0; t < u->doc->ntables; t++) {
                lua_pushfstring(L, "%s-%s.csv", path, u->doc->tables[t].id);
                lua_rawseti(L, out, ++n);
            }
        } else {
            lua_pushstring(L, path);
            lua_rawseti(L, out, ++n);
        }
    }
    nb_doc_free(u->doc);
    u->doc = NULL;
    (void)ud;
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
    if (luaL_newmetatable(L, NB_MT_DOC)) {
        lua_pushcfunction(L, l_doc_gc);
        lua_setfield(L, -2, "__gc");
    }
    lua_pop(L, 1);
    lua_pushcfunction(L, l_export);
    lua_setfield(L, 1, "export");
    lua_pushcfunction(L, l_text_width);
    lua_setfield(L, 1, "text_width");
    return 0;
}
