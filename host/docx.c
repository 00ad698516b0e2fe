/* docx.c - the lines of a published report's Word document (docx.h). */
#include "docx.h"
#include "zipmem.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <expat.h>
#include <minizip/unzip.h>

#define MAX_XML (64 * 1024 * 1024) /* word/document.xml inflated */
#define MAX_DEPTH 16               /* tables inside tables */
#define CHUNK 65536

/* ---- the document ---- */

/* A table being read: the cells of its current row. */
typedef struct {
    nb_buf texts;   /* the row's cell texts, each NUL-terminated */
    size_t *off;    /* where each starts in texts */
    size_t n, cap;
    int framed;     /* a cell of the row holds a table */
    int in_cell;
} level;

typedef struct {
    XML_Parser p;
    nb_html_fn fn;
    void *ud;
    level lv[MAX_DEPTH];
    int depth;      /* tables open */
    int in_t;       /* inside w:t */
    nb_buf para;    /* a paragraph outside tables */
    long line;      /* lines given */
    nb_err rc;
    char err[256];
} doc;

static void stop(doc *d, nb_err rc, const char *fmt, ...) __attribute__((format(printf, 3, 4)));

static void stop(doc *d, nb_err rc, const char *fmt, ...)
{
    if (!d->rc) {
        va_list ap;
        va_start(ap, fmt);
        vsnprintf(d->err, sizeof d->err, fmt, ap);
        va_end(ap);
        d->rc = rc;
    }
    XML_StopParser(d->p, XML_FALSE);
}

static const char *local(const char *name)
{
    const char *c = strrchr(name, ':');
    return c ? c + 1 : name;
}

/* The buffer text goes to: the innermost open cell, or the paragraph. */
static nb_buf *target(doc *d)
{
    if (d->depth > 0) {
        level *l = &d->lv[d->depth - 1];
        return l->in_cell ? &l->texts : NULL;
    }
    return &d->para;
}

/* Appends S[0..N) to B with whitespace runs as one space. */
static int add(nb_buf *b, const char *s, size_t n)
{
    int bad = 0;
    for (size_t i = 0; i < n; i++) {
        char c = s[i];
        if (c == ' ' || c == '\t' || c == '\n' || c == '\r') {
            if (b->len && b->data[b->len - 1] != ' ' && b->data[b->len - 1] != '\0')
                bad |= nb_buf_add(b, " ", 1);
        } else {
            bad |= nb_buf_add(b, &c, 1);
        }
    }
    return bad;
}

static int give(doc *d, const char *text, const char *const *cells, size_t n)
{
    if (++d->line > NB_HTML_MAX_LINES) {
        stop(d, NB_ERR_LIMIT, "more than %d lines of text", NB_HTML_MAX_LINES);
        return -1;
    }
    if (d->fn(d->ud, d->line, text, cells, n)) {
        XML_StopParser(d->p, XML_FALSE);
        return -1;
    }
    return 0;
}

/* The text of B from START, without a trailing space, NUL-terminated. */
static char *finish(nb_buf *b, size_t start)
{
    while (b->len > start && b->data[b->len - 1] == ' ')
        b->len--;
    if (nb_buf_add(b, "", 1) != 0)
        return NULL;
    return b->data + start;
}

static void XMLCALL on_start(void *ud, const XML_Char *name, const XML_Char **atts)
{
    doc *d = ud;
    const char *n = local(name);
    if (strcmp(n, "tbl") == 0) {
        if (d->depth == MAX_DEPTH) {
            stop(d, NB_ERR_LIMIT, "tables nested more than %d deep", MAX_DEPTH);
            return;
        }
        if (d->depth > 0)
            d->lv[d->depth - 1].framed = 1;
        level *l = &d->lv[d->depth++];
        l->texts.len = 0;
        l->n = 0;
        l->framed = 0;
        l->in_cell = 0;
    } else if (strcmp(n, "tr") == 0 && d->depth > 0) {
        level *l = &d->lv[d->depth - 1];
        l->texts.len = 0;
        l->n = 0;
        l->framed = 0;
    } else if (strcmp(n, "tc") == 0 && d->depth > 0) {
        level *l = &d->lv[d->depth - 1];
        if (l->n == NB_HTML_MAX_CELLS) {
            stop(d, NB_ERR_LIMIT, "a table row of more than %d cells", NB_HTML_MAX_CELLS);
            return;
        }
        if (l->n == l->cap) {
            size_t cap = l->cap ? l->cap * 2 : 16;
            size_t *o = realloc(l->off, cap * sizeof *o);
            if (!o) {
                stop(d, NB_ERR_NOMEM, "out of memory");
                return;
            }
            l->off = o;
            l->cap = cap;
        }
        l->off[l->n++] = l->texts.len;
        l->in_cell = 1;
    } else if (strcmp(n, "t") == 0) {
        d->in_t = 1;
    } else if (strcmp(n, "tab") == 0 || strcmp(n, "br") == 0 || strcmp(n, "p") == 0) {
        nb_buf *b = target(d);
        if (b && b->len && add(b, " ", 1))
            stop(d, NB_ERR_NOMEM, "out of memory");
    }
    (void)atts;
}

static void XMLCALL on_end(void *ud, const XML_Char *name)
{
    doc *d = ud;
    const char *n = local(name);
    if (strcmp(n, "t") == 0) {
        d->in_t = 0;
    } else if (strcmp(n, "tc") == 0 && d->depth > 0) {
        level *l = &d->lv[d->depth - 1];
        if (!finish(&l->texts, l->off[l->n - 1]))
            stop(d, NB_ERR_NOMEM, "out of memory");
        l->in_cell = 0;
    } else if (strcmp(n, "tr") == 0 && d->depth > 0) {
        level *l = &d->lv[d->depth - 1];
        if (l->framed || l->n == 0)
            return; /* a frame: its tables gave their rows */
        const char **cells = malloc(l->n * sizeof *cells);
        if (!cells) {
            stop(d, NB_ERR_NOMEM, "out of memory");
            return;
        }
        for (size_t i = 0; i < l->n; i++)
            cells[i] = l->texts.data + l->off[i];
        give(d, NULL, cells, l->n);
        free(cells);
    } else if (strcmp(n, "tbl") == 0 && d->depth > 0) {
        d->depth--;
    } else if (strcmp(n, "p") == 0 && d->depth == 0) {
        const char *t = finish(&d->para, 0);
        if (!t)
            stop(d, NB_ERR_NOMEM, "out of memory");
        else if (*t)
            give(d, t, NULL, 0);
        d->para.len = 0;
    }
}

static void XMLCALL on_text(void *ud, const XML_Char *s, int len)
{
    doc *d = ud;
    if (!d->in_t)
        return;
    nb_buf *b = target(d);
    if (b && add(b, s, (size_t)len))
        stop(d, NB_ERR_NOMEM, "out of memory");
}

nb_err nb_docx_lines(const char *data, size_t len, nb_html_fn fn, void *ud, char *err,
                     size_t errlen)
{
    nb_zipmem m = {.data = (char *)data, .len = len}; /* read only: never written */
    zlib_filefunc64_def io;
    nb_zipmem_io(&io, &m);
    unzFile zip = unzOpen2_64("", &io);
    if (!zip) {
        snprintf(err, errlen, "not a DOCX file (no zip archive)");
        return NB_ERR_INPUT;
    }
    if (unzLocateFile(zip, "word/document.xml", 0) != UNZ_OK || unzOpenCurrentFile(zip) != UNZ_OK) {
        unzClose(zip);
        snprintf(err, errlen, "not a DOCX file (no word/document.xml)");
        return NB_ERR_INPUT;
    }
    doc *d = calloc(1, sizeof *d);
    char *buf = malloc(CHUNK);
    if (!d || !buf || !(d->p = XML_ParserCreate("UTF-8"))) {
        free(buf);
        free(d);
        unzCloseCurrentFile(zip);
        unzClose(zip);
        snprintf(err, errlen, "out of memory");
        return NB_ERR_NOMEM;
    }
    d->fn = fn;
    d->ud = ud;
    XML_SetUserData(d->p, d);
    XML_SetElementHandler(d->p, on_start, on_end);
    XML_SetCharacterDataHandler(d->p, on_text);
    size_t total = 0;
    for (;;) {
        int n = unzReadCurrentFile(zip, buf, CHUNK);
        if (n < 0) {
            stop(d, NB_ERR_INPUT, "word/document.xml: damaged zip entry");
            break;
        }
        if ((total += (size_t)n) > MAX_XML) {
            stop(d, NB_ERR_LIMIT, "word/document.xml: more than %d MiB inflated", MAX_XML >> 20);
            break;
        }
        if (XML_Parse(d->p, buf, n, n == 0) == XML_STATUS_ERROR) {
            if (!d->rc && XML_GetErrorCode(d->p) != XML_ERROR_ABORTED)
                stop(d, NB_ERR_INPUT, "word/document.xml:%lu: %s",
                     (unsigned long)XML_GetCurrentLineNumber(d->p),
                     XML_ErrorString(XML_GetErrorCode(d->p)));
            break;
        }
        if (n == 0 || d->rc)
            break;
    }
    nb_err rc = d->rc;
    if (rc)
        snprintf(err, errlen, "%s", d->err);
    XML_ParserFree(d->p);
    for (int i = 0; i < MAX_DEPTH; i++) {
        nb_buf_free(&d->lv[i].texts);
        free(d->lv[i].off);
    }
    nb_buf_free(&d->para);
    free(d);
    free(buf);
    unzCloseCurrentFile(zip);
    unzClose(zip);
    return rc;
}
