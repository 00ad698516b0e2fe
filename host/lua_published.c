/* lua_published.c - marshals html.h, docx.h, pdf.h and workbook.h: nianbao.html_lines,
 * nianbao.docx_lines, nianbao.pdf_lines and nianbao.workbook_lines,
 * a published report's HTML page, Word document, PDF or workbook as lines (what nianbao lint
 * reads). */
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "docx.h"
#include "html.h"
#include "lua_nb.h"
#include "pdf.h"
#include "workbook.h"

typedef struct {
    lua_State *L;
    lua_Integer n; /* lines given so far */
} lines_ud;

/* Appends {line =, text =} or {line =, cells = {…}} to the list on the stack top. */
static int add_line(void *ud, long line, const char *text, const char *const *cells, size_t n)
{
    lines_ud *u = ud;
    lua_State *L = u->L;
    lua_createtable(L, 0, 2);
    lua_pushinteger(L, line);
    lua_setfield(L, -2, "line");
    if (cells) {
        lua_createtable(L, (int)n, 0);
        for (size_t i = 0; i < n; i++) {
            lua_pushstring(L, cells[i]);
            lua_rawseti(L, -2, (lua_Integer)i + 1);
        }
        lua_setfield(L, -2, "cells");
    } else {
        lua_pushstring(L, text);
        lua_setfield(L, -2, "text");
    }
    lua_rawseti(L, -2, ++u->n);
    return 0;
}

/* The result of a reader that filled the list on the stack top: the list (and ENC when
 * given), or nil and the message. */
static int result(lua_State *L, nb_err rc, const char *err, const char *enc)
{
    if (rc) {
        lua_pushnil(L);
        lua_pushstring(L, err);
        return 2;
    }
    if (!enc)
        return 1;
    lua_pushstring(L, enc);
    return 2;
}

/* nianbao.html_lines(page) -> { {line =, text =} | {line =, cells = {…}}, … }, encoding
 * | nil, message */
static int l_html_lines(lua_State *L)
{
    size_t len;
    const char *page = luaL_checklstring(L, 1, &len);
    char err[512];
    lua_newtable(L);
    lines_ud u = {L, 0};
    const char *enc = NULL;
    nb_err rc = nb_html_lines(page, len, add_line, &u, &enc, err, sizeof err);
    return result(L, rc, err, enc);
}

/* nianbao.docx_lines(document) -> { {line =, text =} | {line =, cells = {…}}, … } | nil, message */
static int l_docx_lines(lua_State *L)
{
    size_t len;
    const char *data = luaL_checklstring(L, 1, &len);
    char err[512];
    lua_newtable(L);
    lines_ud u = {L, 0};
    nb_err rc = nb_docx_lines(data, len, add_line, &u, err, sizeof err);
    return result(L, rc, err, NULL);
}

typedef struct {
    nb_buf b; /* each line: its number, then its text with its NUL */
    int nomem;
} kept_lines;

/* Keeps a PDF's line in UD (a kept_lines). */
static int keep_line(void *ud, long line, const char *text, const char *const *cells, size_t n)
{
    (void)cells;
    (void)n;
    kept_lines *k = ud;
    k->nomem = nb_buf_add(&k->b, &line, sizeof line) || nb_buf_add(&k->b, text, strlen(text) + 1);
    return k->nomem;
}

/* When a reader that kept its lines in K failed (RC, ERR) or K ran out of memory: pushes
 * nil and the message and returns 1; else 0. */
static int kept_failed(lua_State *L, nb_err rc, const kept_lines *k, const char *err)
{
    if (!rc && !k->nomem)
        return 0;
    lua_pushnil(L);
    lua_pushstring(L, rc ? err : "out of memory");
    return 1;
}

/* Takes the string at *AT of K and moves *AT past it. */
static const char *take_string(const kept_lines *k, size_t *at)
{
    const char *s = k->b.data + *at;
    *at += strlen(s) + 1;
    return s;
}

/* Takes the long at *AT of K and moves *AT past it. */
static long take_long(const kept_lines *k, size_t *at)
{
    long v;
    memcpy(&v, k->b.data + *at, sizeof v);
    *at += sizeof v;
    return v;
}

/* nianbao.pdf_lines(document) -> { {line =, text =}, … } | nil, message: the lines of a
 * PDF as `pdftotext -layout` gives them (pdf.h); a page starts with a form feed. poppler
 * reads the whole document first, no Lua call in between (a Lua error cannot leave its
 * objects behind); the lines are kept in a buffer the stack owns until they are pushed. */
static int l_pdf_lines(lua_State *L)
{
    size_t len;
    const char *data = luaL_checklstring(L, 1, &len);
    void **owned = nb_lua_owned(L);
    char err[512];
    kept_lines k = {{0}, 0};
    nb_err rc = nb_pdf_lines(data, len, keep_line, &k, err, sizeof err);
    *owned = k.b.data;
    if (kept_failed(L, rc, &k, err))
        return 2;
    lua_newtable(L);
    lines_ud u = {L, 0};
    for (size_t at = 0; at + sizeof(long) < k.b.len;) {
        long line = take_long(&k, &at);
        add_line(&u, line, take_string(&k, &at), NULL, 0);
    }
    return 1;
}

/* Keeps a workbook's line in UD (a kept_lines): its number, its row, the count of its
 * cells (SIZE_MAX: a text), its sheet's name, then its text or cells, each with its NUL. */
static int keep_row(void *ud, long line, const char *sheet, long row, const char *text,
                    const char *const *cells, size_t n)
{
    kept_lines *k = ud;
    size_t count = cells ? n : SIZE_MAX;
    int bad = nb_buf_add(&k->b, &line, sizeof line) || nb_buf_add(&k->b, &row, sizeof row) ||
              nb_buf_add(&k->b, &count, sizeof count) || nb_buf_add(&k->b, sheet, strlen(sheet) + 1);
    if (!cells)
        bad = bad || nb_buf_add(&k->b, text, strlen(text) + 1);
    for (size_t i = 0; cells && i < n && !bad; i++)
        bad = nb_buf_add(&k->b, cells[i], strlen(cells[i]) + 1);
    k->nomem = bad;
    return bad;
}

/* nianbao.workbook_lines(bytes) -> { {line =, sheet =, row =, text = | cells = {…}}, … }
 * | nil, message: an XLSX workbook's lines (workbook.h). Read whole first, as a PDF's. */
static int l_workbook_lines(lua_State *L)
{
    size_t len;
    const char *data = luaL_checklstring(L, 1, &len);
    void **owned = nb_lua_owned(L);
    char err[512];
    kept_lines k = {{0}, 0};
    nb_err rc = nb_workbook_lines(data, len, keep_row, &k, err, sizeof err);
    *owned = k.b.data;
    if (kept_failed(L, rc, &k, err))
        return 2;
    lua_newtable(L);
    lua_Integer count = 0;
    for (size_t at = 0; at < k.b.len;) {
        long line = take_long(&k, &at), row = take_long(&k, &at);
        size_t n;
        memcpy(&n, k.b.data + at, sizeof n);
        at += sizeof n;
        lua_createtable(L, 0, 4);
        lua_pushinteger(L, line);
        lua_setfield(L, -2, "line");
        lua_pushinteger(L, row);
        lua_setfield(L, -2, "row");
        lua_pushstring(L, take_string(&k, &at));
        lua_setfield(L, -2, "sheet");
        if (n == SIZE_MAX) {
            lua_pushstring(L, take_string(&k, &at));
            lua_setfield(L, -2, "text");
        } else {
            lua_createtable(L, (int)n, 0);
            for (size_t i = 0; i < n; i++) {
                lua_pushstring(L, take_string(&k, &at));
                lua_rawseti(L, -2, (lua_Integer)i + 1);
            }
            lua_setfield(L, -2, "cells");
        }
        lua_rawseti(L, -2, ++count);
    }
    return 1;
}

/* nianbao.text_utf8(bytes) -> text, encoding | nil, message: UTF-8 as it is, else
 * GB18030 converted. */
static int l_text_utf8(lua_State *L)
{
    size_t len, bad;
    const char *s = luaL_checklstring(L, 1, &len);
    void **owned = nb_lua_owned(L); /* the text, freed with it whatever happens */
    nb_buf b = {0};
    const char *enc;
    nb_err rc = nb_text_utf8(s, len, &b, &enc, &bad);
    *owned = b.data;
    if (rc) {
        lua_pushnil(L);
        char msg[80] = "out of memory";
        const unsigned char *u = (const unsigned char *)s;
        if (rc != NB_ERR_NOMEM && len >= 2 && ((u[0] == 0xFF && u[1] == 0xFE) || (u[0] == 0xFE && u[1] == 0xFF)))
            snprintf(msg, sizeof msg, "UTF-16 text (Notepad's \"Unicode\"): save it as UTF-8");
        else if (rc != NB_ERR_NOMEM)
            snprintf(msg, sizeof msg, "not UTF-8 or GB18030 text (byte %zu: 0x%02X)", bad + 1,
                     bad < len ? (unsigned)(unsigned char)s[bad] : 0u);
        lua_pushstring(L, msg);
        return 2;
    }
    lua_pushlstring(L, b.data ? b.data : "", b.len);
    lua_pushstring(L, enc);
    return 2;
}

static const luaL_Reg funcs[] = {
    {"text_utf8", l_text_utf8},
    {"docx_lines", l_docx_lines},
    {"html_lines", l_html_lines},
    {"pdf_lines", l_pdf_lines},
    {"workbook_lines", l_workbook_lines},
    {NULL, NULL},
};

int nb_open_published(lua_State *L)
{
    luaL_checktype(L, 1, LUA_TTABLE);
    lua_pushvalue(L, 1);
    luaL_setfuncs(L, funcs, 0);
    lua_pop(L, 1);
    return 0;
}
