/* lua_doc.c - marshals the report document: a Lua table in, one nb_doc (doc.h) out, and its
 * methods: nianbao.document(t) -> doc; doc:cell(table, row, col) -> value, text;
 * doc:values(); doc:set_blocks(blocks); doc:set_checks(checks).
 *
 * The display text of every cell is computed once, in C (nb_cell_format), when the
 * document is made: the narrative's placeholders, the checks and every exporter read it
 * from here. */
#include <stdlib.h>
#include <string.h>

#include "doc.h"
#include "lua_nb.h"
#include "runs.h"
#include "util.h"

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
    nb_lua_push_list(L, list);
    return luaL_error(L, "%s: field '%s': unknown '%s' (%s)", where, key, v, lua_tostring(L, -1));
}

static const char *const fmt_names[] = {"plain", "signed", "money", "money_unit", NULL};

/* Reads the cell value at the stack top into C (a string, a number, or a table
 * {text=, value=, fmt=, key=, header=}; nil/false blank). */
/* Raises "WHERE: unknown field 'k' (fields: ...)" when the table at IDX has a key not in
 * FIELDS nor, when LIST, an integer from 1 to LIST (a row's cells): a field typed wrong
 * would be read as absent. */
static void check_fields(lua_State *L, int idx, const char *where, const char *const *fields,
                         int list)
{
    nb_lua_check_names(L, idx, where, fields, "field", list,
                       list ? ", and the cells 1 to ncols" : NULL);
}

/* The fields of a cell, a row, a table, a block and a check (a layout's cell also carries
 * its terms and unit, which format.lua reads). */
static const char *const cell_fields[] = {"text", "value", "fmt", "key", "row", "header",
                                          "terms", "unit", NULL};
static const char *const row_fields[] = {"key", NULL};
static const char *const table_fields[] = {"id", "title", "header_rows", "ncols", "rows",
                                           "merges", NULL};
static const char *const block_fields[] = {"type", "level", "text", "table", "line", NULL};
static const char *const result_fields[] = {"id", "severity", "title", "formula", "status",
                                            "message", "left", "right", "evidence", NULL};

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
        check_fields(L, idx, where, cell_fields, 0);
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

/* Most rows and columns of a table (Excel's own limits). */
#define MAX_ROWS 1048576
#define MAX_COLS 16384

/* The integer at the stack top within [LO, HI] (DEF when nil); raises naming
 * WHERE and KEY. */
static int top_range(lua_State *L, int def, int lo, int hi, const char *where, const char *key)
{
    lua_Integer v = top_int(L, def, where, key);
    if (v < lo || v > hi)
        luaL_error(L, "%s: field '%s' must be from %d to %d (got %I)", where, key, lo, hi, v);
    return (int)v;
}

/* Reads the rows of table T (the Lua table at ROWS) into its cells. */
static void read_rows(lua_State *L, int rows, nb_table *t, int nrows, const char *where)
{
    /* a row's location for messages: the table's once, then the row's number (snprintf
       for every row and check was 0.6% of a regeneration's instructions) */
    char rw[96];
    int at = snprintf(rw, sizeof rw, "%s (%s) row ", where, t->id);
    if (at < 0 || at > (int)sizeof rw - 24) /* room for the number */
        at = (int)sizeof rw - 24;
    for (int r = 0; r < nrows; r++) {
        *nb_ll_text(rw + at, r + 1) = '\0';
        lua_geti(L, rows, r + 1);
        int row = lua_gettop(L);
        luaL_checktype(L, row, LUA_TTABLE);
        t->row_keys[r] = get_str(L, row, "key", 0, rw);
        t->nrows = r + 1; /* cells up to here are freed with the document */
        for (int c = 0; c < t->ncols; c++) {
            lua_geti(L, row, c + 1);
            read_cell(L, &t->cells[(size_t)r * (size_t)t->ncols + (size_t)c], rw);
            lua_pop(L, 1);
        }
        if (luaL_len(L, row) > t->ncols)
            luaL_error(L, "%s: %d cells, the table has %d columns", rw, (int)luaL_len(L, row),
                       t->ncols);
        check_fields(L, row, rw, row_fields, t->ncols);
        lua_pop(L, 1);
    }
}

/* Reads the merges {r1, c1, r2, c2} (1-based) at the stack top into T. */
static void read_merges(lua_State *L, nb_table *t, const char *where)
{
    int m = lua_gettop(L);
    lua_Integer n = luaL_len(L, m);
    if (n < 0 || n > (lua_Integer)t->nrows * t->ncols)
        luaL_error(L, "%s (%s): more merges than cells", where, t->id);
    t->merges = xcalloc(L, (size_t)n, sizeof *t->merges);
    for (int i = 0; i < (int)n; i++) {
        if (lua_geti(L, m, i + 1) != LUA_TTABLE)
            luaL_error(L, "%s (%s): merge %d must be a table {r1, c1, r2, c2}", where, t->id, i + 1);
        int v[4];
        for (int j = 0; j < 4; j++) {
            lua_geti(L, -1, j + 1);
            v[j] = top_range(L, 0, 0, MAX_ROWS + MAX_COLS, where, "merges") - 1; /* 1-based */
            lua_pop(L, 1);
        }
        lua_pop(L, 1);
        if (v[0] < 0 || v[1] < 0 || v[2] < v[0] || v[3] < v[1] || v[2] >= t->nrows ||
            v[3] >= t->ncols)
            luaL_error(L, "%s (%s): merge %d {%d, %d, %d, %d} is outside the table", where, t->id,
                       i + 1, v[0] + 1, v[1] + 1, v[2] + 1, v[3] + 1);
        t->merges[i] = (nb_merge){v[0], v[1], v[2], v[3]};
        t->nmerges = i + 1;
    }
    if (t->nmerges < 2)
        return;
    /* no cell in two merges (XLSX refuses them, and which one a reader sees is anyone's
       guess): each merge's cells marked with its number, the first one marked again named */
    int *at = xcalloc(L, (size_t)t->nrows * (size_t)t->ncols, sizeof *at);
    for (int i = 0; i < t->nmerges; i++) {
        const nb_merge *g = &t->merges[i];
        for (int r = g->r1; r <= g->r2; r++)
            for (int c = g->c1; c <= g->c2; c++) {
                int *cell = &at[(size_t)r * (size_t)t->ncols + (size_t)c];
                if (*cell) {
                    const nb_merge *o = &t->merges[*cell - 1];
                    int first = *cell;
                    free(at);
                    luaL_error(L, "%s (%s): merge %d {%d, %d, %d, %d} overlaps merge %d {%d, %d, "
                               "%d, %d}", where, t->id, i + 1, g->r1 + 1, g->c1 + 1, g->r2 + 1,
                               g->c2 + 1, first, o->r1 + 1, o->c1 + 1, o->r2 + 1, o->c2 + 1);
                }
                *cell = i + 1;
            }
    }
    free(at);
}

/* 1 when ID can be a table id: it names files (NAME-ID.csv) and JSON keys. */
static int id_ok(const char *id)
{
    if (!*id || strlen(id) > 64)
        return 0;
    for (const char *p = id; *p; p++)
        if (!((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') || (*p >= '0' && *p <= '9') ||
              *p == '_' || *p == '-'))
            return 0;
    return 1;
}

static void read_table(lua_State *L, int idx, nb_table *t, int ti)
{
    char where[64];
    snprintf(where, sizeof where, "tables[%d]", ti + 1);
    t->id = get_str(L, idx, "id", 1, where);
    if (!id_ok(t->id))
        luaL_error(L, "%s: id '%s' must be 1 to 64 letters, digits, _ or - (it names files)", where,
                   t->id);
    char named[160];
    snprintf(named, sizeof named, "%s (%s)", where, t->id);
    check_fields(L, idx, named, table_fields, 0);
    t->title = get_str(L, idx, "title", 0, where);
    lua_getfield(L, idx, "header_rows");
    t->header_rows = top_range(L, 0, 0, MAX_ROWS, where, "header_rows");
    lua_pop(L, 1);
    if (lua_getfield(L, idx, "rows") != LUA_TTABLE)
        luaL_error(L, "%s (%s): field 'rows' must be a table", where, t->id);
    int rows = lua_gettop(L);
    lua_Integer nrows = luaL_len(L, rows);
    if (nrows < 0 || nrows > MAX_ROWS)
        luaL_error(L, "%s (%s): at most %d rows", where, t->id, MAX_ROWS);
    lua_getfield(L, idx, "ncols");
    if (lua_isnil(L, -1))
        luaL_error(L, "%s (%s): field 'ncols' must be a positive integer", where, t->id);
    t->ncols = top_range(L, 0, 1, MAX_COLS, where, "ncols");
    lua_pop(L, 1);
    t->cells = xcalloc(L, (size_t)nrows * (size_t)t->ncols, sizeof *t->cells);
    t->row_keys = xcalloc(L, (size_t)nrows, sizeof *t->row_keys);
    read_rows(L, rows, t, (int)nrows, where);
    t->nrows = (int)nrows;
    lua_pop(L, 1);
    if (lua_getfield(L, idx, "merges") == LUA_TTABLE)
        read_merges(L, t, where);
    lua_pop(L, 1);
}

static void read_check(lua_State *L, int idx, nb_check *k, int i)
{
    char where[32] = "checks[";
    memcpy(nb_ll_text(where + 7, i + 1), "]", 2);
    check_fields(L, idx, where, result_fields, 0);
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
            lua_geti(L, e, j + 1);
            k->evidence[j] = xstrdup(L, top_str(L, where, "evidence"));
            k->nevidence = j + 1;
            lua_pop(L, 1);
        }
    }
    lua_pop(L, 1);
}

static const char *const block_types[] = {"heading", "para", "table", NULL};

/* The number of elements of the list at the stack top (bounded). */
static int list_len(lua_State *L, const char *what)
{
    lua_Integer n = luaL_len(L, -1);
    if (n < 0 || n > MAX_ROWS)
        luaL_error(L, "document: at most %d %s", MAX_ROWS, what);
    return (int)n;
}

static void free_blocks(nb_doc *d)
{
    for (int i = 0; d->blocks && i < d->nblocks; i++)
        free(d->blocks[i].text);
    free(d->blocks);
    d->blocks = NULL;
    d->nblocks = 0;
}

static void free_checks(nb_doc *d)
{
    nb_doc empty = {0};
    nb_doc *tmp = calloc(1, sizeof *tmp);
    if (!tmp) /* nb_doc_free frees the checks; without memory, keep them */
        return;
    *tmp = empty;
    tmp->checks = d->checks;
    tmp->nchecks = d->nchecks;
    nb_doc_free(tmp);
    d->checks = NULL;
    d->nchecks = 0;
}

/* Reads the list of blocks at the stack top into D (replacing its blocks), of a document
 * of NTABLES tables. */
static void read_blocks(lua_State *L, nb_doc *d, int ntables)
{
    int t = lua_gettop(L), n = list_len(L, "blocks");
    free_blocks(d);
    d->blocks = xcalloc(L, (size_t)n, sizeof *d->blocks);
    for (int i = 0; i < n; i++) {
        lua_geti(L, t, i + 1);
        int b = lua_gettop(L);
        nb_block *bl = &d->blocks[i];
        d->nblocks = i + 1;
        if (lua_istable(L, b)) {
            char where[32] = "blocks[";
            memcpy(nb_ll_text(where + 7, i + 1), "]", 2);
            check_fields(L, b, where, block_fields, 0);
        }
        lua_getfield(L, b, "type");
        bl->type = (nb_block_type)top_option(L, block_types, "block", "type");
        lua_pop(L, 1);
        lua_getfield(L, b, "level");
        bl->level = top_range(L, 1, 1, 9, "block", "level");
        lua_pop(L, 1);
        bl->text = get_str(L, b, "text", bl->type != NB_BLOCK_TABLE, "block");
        lua_getfield(L, b, "table");
        bl->table = top_range(L, 1, 1, MAX_ROWS, "block", "table") - 1;
        lua_pop(L, 1);
        if (bl->type == NB_BLOCK_TABLE && bl->table >= ntables)
            luaL_error(L, "blocks[%d]: table %d does not exist", i + 1, bl->table + 1);
        lua_pop(L, 1);
    }
}

/* Reads the list of check results at the stack top into D (replacing its checks). */
static void read_checks(lua_State *L, nb_doc *d)
{
    int t = lua_gettop(L), n = list_len(L, "checks");
    free_checks(d);
    d->checks = xcalloc(L, (size_t)n, sizeof *d->checks);
    for (int i = 0; i < n; i++) {
        lua_geti(L, t, i + 1);
        d->nchecks = i + 1;
        read_check(L, lua_gettop(L), &d->checks[i], i);
        lua_pop(L, 1);
    }
}

/* Builds the nb_doc from the table at IDX into U->doc. */
static void read_doc(lua_State *L, int idx, doc_ud *u)
{
    luaL_checktype(L, idx, LUA_TTABLE);
    static const char *const keys[] = {"title", "body", "format", "year", "created", "fonts",
                                       "tables", "blocks", "checks", NULL};
    nb_lua_check_keys(L, idx, "document", keys);
    nb_doc *d = u->doc = xcalloc(L, 1, sizeof *d);
    d->title = get_str(L, idx, "title", 1, "document");
    d->body = get_str(L, idx, "body", 0, "document");
    d->format = get_str(L, idx, "format", 0, "document");
    lua_getfield(L, idx, "year");
    d->year = top_range(L, 0, 0, 9999, "document", "year");
    lua_pop(L, 1);
    lua_getfield(L, idx, "created");
    d->created = (long long)top_int(L, 0, "document", "created");
    lua_pop(L, 1);
    if (lua_getfield(L, idx, "fonts") == LUA_TTABLE) {
        for (int i = 0; i < NB_FONT_ROLES; i++)
            d->fonts[i] = get_str(L, lua_gettop(L), nb_font_role_names[i], 0, "document.fonts");
    } else if (!lua_isnil(L, -1)) {
        luaL_error(L, "document: field 'fonts' must be a table {title=, heading=, body=} (got %s)",
                   luaL_typename(L, -1));
    }
    lua_pop(L, 1);
    if (lua_getfield(L, idx, "tables") == LUA_TTABLE) {
        int t = lua_gettop(L), n = list_len(L, "tables");
        d->tables = xcalloc(L, (size_t)n, sizeof *d->tables);
        for (int i = 0; i < n; i++) {
            lua_geti(L, t, i + 1);
            d->ntables = i + 1;
            read_table(L, lua_gettop(L), &d->tables[i], i);
            lua_pop(L, 1);
        }
    }
    lua_pop(L, 1);
    if (lua_getfield(L, idx, "blocks") == LUA_TTABLE)
        read_blocks(L, d, d->ntables);
    lua_pop(L, 1);
    if (lua_getfield(L, idx, "checks") == LUA_TTABLE)
        read_checks(L, d);
    lua_pop(L, 1);
}

/* ---- the document object ---- */

static nb_doc *check_doc(lua_State *L, int idx)
{
    doc_ud *u = luaL_checkudata(L, idx, NB_MT_DOC);
    if (!u->doc)
        luaL_error(L, "document is freed");
    return u->doc;
}

nb_doc *nb_lua_todoc(lua_State *L, int idx)
{
    idx = lua_absindex(L, idx);
    if (luaL_testudata(L, idx, NB_MT_DOC))
        return check_doc(L, idx);
    doc_ud *u = lua_newuserdatauv(L, sizeof *u, 0);
    u->doc = NULL;
    luaL_setmetatable(L, NB_MT_DOC);
    read_doc(L, idx, u);
    lua_replace(L, idx); /* the document owns what it read; the table is not needed */
    return u->doc;
}

/* nianbao.document(t) -> doc */
static int l_document(lua_State *L)
{
    luaL_checktype(L, 1, LUA_TTABLE);
    lua_settop(L, 1);
    nb_lua_todoc(L, 1);
    return 1;
}

/* The cell ROW.COL of table ID, or NULL. */
static const nb_cell *find_cell(const nb_doc *d, const char *id, const char *row, const char *col)
{
    for (int t = 0; t < d->ntables; t++) {
        const nb_table *tb = &d->tables[t];
        if (strcmp(tb->id, id) != 0)
            continue;
        for (int r = 0; r < tb->nrows; r++)
            for (int c = 0; c < tb->ncols; c++) {
                const nb_cell *cell = &tb->cells[(size_t)r * (size_t)tb->ncols + (size_t)c];
                const char *rk = cell->row ? cell->row : tb->row_keys[r];
                if (cell->key && !cell->header && rk && strcmp(rk, row) == 0 &&
                    strcmp(cell->key, col) == 0)
                    return cell;
            }
    }
    return NULL;
}

/* Pushes the value of C: an integer, a number, or nil when blank. */
static void push_value(lua_State *L, const nb_cell *c)
{
    if (c->type == NB_V_INT)
        lua_pushinteger(L, c->i);
    else if (c->type == NB_V_NUM)
        lua_pushnumber(L, c->num);
    else if (c->type == NB_V_TEXT)
        lua_pushstring(L, c->text ? c->text : "");
    else
        lua_pushnil(L);
}

/* doc:cell(table, row, col) -> value, text (the text as every format prints it), or
 * nothing when the document has no such cell. A blank cell is nil, "". */
static int l_doc_cell(lua_State *L)
{
    nb_doc *d = check_doc(L, 1);
    const nb_cell *c = find_cell(d, luaL_checkstring(L, 2), luaL_checkstring(L, 3),
                                 luaL_checkstring(L, 4));
    if (!c)
        return 0;
    push_value(L, c);
    lua_pushstring(L, c->text ? c->text : "");
    return 2;
}

/* Pushes { table = { row = { col = x } } } for every data cell of D: its value (false when
 * blank; a key given twice: its last cell) or, with TEXTS, its printed text ("" when
 * blank; a key given twice: its first cell, as doc:cell finds it). */
static int push_cells(lua_State *L, const nb_doc *d, int texts)
{
    lua_newtable(L);
    for (int t = 0; t < d->ntables; t++) {
        const nb_table *tb = &d->tables[t];
        luaL_getsubtable(L, -1, tb->id);
        for (int r = 0; r < tb->nrows; r++)
            for (int c = 0; c < tb->ncols; c++) {
                const nb_cell *cell = &tb->cells[(size_t)r * (size_t)tb->ncols + (size_t)c];
                const char *rk = cell->row ? cell->row : tb->row_keys[r];
                if (!cell->key || cell->header || !rk)
                    continue;
                luaL_getsubtable(L, -1, rk);
                if (texts) {
                    int seen = lua_getfield(L, -1, cell->key) != LUA_TNIL;
                    lua_pop(L, 1);
                    if (seen) {
                        lua_pop(L, 1);
                        continue;
                    }
                    lua_pushstring(L, cell->text ? cell->text : "");
                } else if (cell->type == NB_V_BLANK)
                    lua_pushboolean(L, 0);
                else
                    push_value(L, cell);
                lua_setfield(L, -2, cell->key);
                lua_pop(L, 1);
            }
        lua_pop(L, 1);
    }
    return 1;
}

/* doc:values() -> { table = { row = { col = value } } }: the JSON contract's shape;
 * a blank cell is false (not assessable, and different from 0). */
static int l_doc_values(lua_State *L)
{
    return push_cells(L, check_doc(L, 1), 0);
}

/* doc:texts() -> { table = { row = { col = text } } }: the text every format prints for
 * each data cell, in one call. */
static int l_doc_texts(lua_State *L)
{
    return push_cells(L, check_doc(L, 1), 1);
}

/* doc:run_cells() -> { ["table\trow\tcol"] = text | false }, { key, … }: the data cells
 * a run keeps of the document (nb_run_values_of_doc: each key's first cell, false for a
 * blank), and their keys in the document's order. */
static int l_doc_run_cells(lua_State *L)
{
    const nb_doc *d = check_doc(L, 1);
    nb_run_value *v = NULL;
    int n = 0;
    char err[256];
    void **owned = nb_lua_owned(L);
    if (nb_run_values_of_doc(d, &v, &n, err, sizeof err) != NB_OK)
        return luaL_error(L, "%s", err);
    *owned = v;
    lua_createtable(L, 0, n);
    lua_createtable(L, n, 0);
    for (int i = 0; i < n; i++) {
        lua_pushfstring(L, "%s\t%s\t%s", v[i].tbl, v[i].row, v[i].col);
        lua_pushvalue(L, -1);
        lua_rawseti(L, -3, i + 1);
        if (v[i].text)
            lua_pushstring(L, v[i].text);
        else
            lua_pushboolean(L, 0);
        lua_rawset(L, -4);
    }
    return 2;
}

/* doc:set_blocks(blocks): the reading order (headings, paragraphs, tables). */
/* An empty document on the stack, freed with it: what set_blocks and set_checks read into
 * before the document's own are replaced (a list refused part-way leaves it as it was). */
static nb_doc *scratch(lua_State *L)
{
    doc_ud *u = lua_newuserdatauv(L, sizeof *u, 0);
    u->doc = NULL;
    luaL_setmetatable(L, NB_MT_DOC);
    return u->doc = xcalloc(L, 1, sizeof *u->doc);
}

/* The list at argument 2 read into a scratch document, then its blocks (CHECKS: its
 * checks) swapped with the document's: the scratch one frees the old ones. */
static int set_list(lua_State *L, int checks)
{
    nb_doc *d = check_doc(L, 1);
    luaL_checktype(L, 2, LUA_TTABLE);
    lua_settop(L, 2);
    nb_doc *tmp = scratch(L);
    lua_pushvalue(L, 2);
    if (checks) {
        read_checks(L, tmp);
        nb_check *old = d->checks;
        int n = d->nchecks;
        d->checks = tmp->checks, d->nchecks = tmp->nchecks;
        tmp->checks = old, tmp->nchecks = n;
    } else {
        read_blocks(L, tmp, d->ntables);
        nb_block *old = d->blocks;
        int n = d->nblocks;
        d->blocks = tmp->blocks, d->nblocks = tmp->nblocks;
        tmp->blocks = old, tmp->nblocks = n;
    }
    return 0;
}

static int l_doc_set_blocks(lua_State *L)
{
    return set_list(L, 0);
}

/* doc:set_checks(results): the check results (checks.lua's contract). */
static int l_doc_set_checks(lua_State *L)
{
    return set_list(L, 1);
}

static const luaL_Reg doc_methods[] = {
    {"cell", l_doc_cell},
    {"values", l_doc_values},
    {"texts", l_doc_texts},
    {"run_cells", l_doc_run_cells},
    {"set_blocks", l_doc_set_blocks},
    {"set_checks", l_doc_set_checks},
    {NULL, NULL},
};

int nb_open_doc(lua_State *L)
{
    luaL_checktype(L, 1, LUA_TTABLE);
    if (luaL_newmetatable(L, NB_MT_DOC)) {
        luaL_newlib(L, doc_methods);
        lua_setfield(L, -2, "__index");
        lua_pushcfunction(L, l_doc_gc);
        lua_setfield(L, -2, "__gc");
        lua_pushcfunction(L, l_doc_gc);
        lua_setfield(L, -2, "__close");
    }
    lua_pop(L, 1);
    lua_pushcfunction(L, l_document);
    lua_setfield(L, 1, "document");
    /* nianbao.fonts: { {role = "title", default = "方正小标宋简体,…"}, … } */
    lua_createtable(L, NB_FONT_ROLES, 0);
    for (int i = 0; i < NB_FONT_ROLES; i++) {
        lua_createtable(L, 0, 2);
        lua_pushstring(L, nb_font_role_names[i]);
        lua_setfield(L, -2, "role");
        lua_pushstring(L, nb_doc_font(NULL, (nb_font_role)i));
        lua_setfield(L, -2, "default");
        lua_rawseti(L, -2, i + 1);
    }
    lua_setfield(L, 1, "fonts");
    return 0;
}
