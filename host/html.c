/* html.c - the lines of a published report's HTML page (html.h), through libxml2. */
#include "html.h"

#include <limits.h>
#include <stdlib.h>
#include <stdio.h>
#include <string.h>

#include <libxml/HTMLparser.h>
#include <libxml/tree.h>
#include <libxml/xmlerror.h>

typedef struct {
    nb_html_fn fn;
    void *ud;
    nb_buf text;  /* the block being read, spaces collapsed */
    long text_line;
    long nlines;
    nb_err rc;
    char *err;
    size_t errlen;
} walker;

static int named(const xmlNode *n, const char *name)
{
    return n->type == XML_ELEMENT_NODE && xmlStrcasecmp(n->name, (const xmlChar *)name) == 0;
}

static int in_list(const xmlNode *n, const char *const *names)
{
    for (; *names; names++)
        if (named(n, *names))
            return 1;
    return 0;
}

/* Elements whose text is not the page's. */
static const char *const hidden[] = {"head", "script", "style", "noscript", "template", NULL};
/* Elements that end a line before and after them. */
static const char *const blocks[] = {
    "p", "div", "h1", "h2", "h3", "h4", "h5", "h6", "li", "ul", "ol", "dl", "dt", "dd",
    "section", "article", "header", "footer", "nav", "aside", "main", "blockquote", "pre",
    "center", "form", "fieldset", "address", "figure", "figcaption", "caption", "hr",
    "tr", "td", "th", "thead", "tbody", "tfoot", "body", "html", NULL};

static int fail(walker *w, nb_err rc, const char *msg)
{
    if (!w->rc) {
        w->rc = rc;
        snprintf(w->err, w->errlen, "%s", msg);
    }
    return -1;
}

/* Appends TEXT to B: whitespace (ASCII, no-break and ideographic spaces) as one space,
 * none at the start. */
static int add_text(nb_buf *b, const char *text)
{
    int bad = 0;
    for (const unsigned char *p = (const unsigned char *)text; *p;) {
        size_t n = 0;
        if (*p == ' ' || *p == '\t' || *p == '\n' || *p == '\r' || *p == '\f')
            n = 1;
        else if (p[0] == 0xC2 && p[1] == 0xA0)
            n = 2;
        else if (p[0] == 0xE3 && p[1] == 0x80 && p[2] == 0x80)
            n = 3;
        if (n) {
            if (b->len && b->data[b->len - 1] != ' ')
                bad |= nb_buf_add(b, " ", 1);
            p += n;
            continue;
        }
        size_t run = 1;
        while (p[run] && p[run] != ' ' && p[run] != '\t' && p[run] != '\n' && p[run] != '\r' &&
               p[run] != '\f' && p[run] != 0xC2 && p[run] != 0xE3)
            run++;
        bad |= nb_buf_add(b, (const char *)p, run);
        p += run;
    }
    return bad;
}

/* B without its trailing space, as a string. */
static const char *trimmed(nb_buf *b)
{
    while (b->len && b->data[b->len - 1] == ' ')
        b->len--;
    if (nb_buf_add(b, "", 0) != 0)
        return NULL;
    b->data[b->len] = '\0';
    return b->data;
}

static int count_line(walker *w)
{
    if (++w->nlines > NB_HTML_MAX_LINES) {
        char msg[96];
        snprintf(msg, sizeof msg, "more than %d lines of text", NB_HTML_MAX_LINES);
        return fail(w, NB_ERR_LIMIT, msg);
    }
    return 0;
}

/* Gives the block read so far as a line (when it has text). */
static int flush(walker *w)
{
    const char *t = trimmed(&w->text);
    if (!t)
        return fail(w, NB_ERR_NOMEM, "out of memory");
    int rc = 0;
    if (*t && !(rc = count_line(w)) && w->fn(w->ud, w->text_line, t, NULL, 0))
        rc = -1;
    w->text.len = 0;
    return rc;
}

/* The text inside N (cells: every text below it, blocks and breaks as spaces). */
static int text_of(const xmlNode *n, nb_buf *b)
{
    int bad = 0;
    for (const xmlNode *c = n->children; c && !bad; c = c->next) {
        if (c->type == XML_TEXT_NODE || c->type == XML_CDATA_SECTION_NODE)
            bad |= add_text(b, (const char *)c->content);
        else if (c->type == XML_ELEMENT_NODE && !in_list(c, hidden)) {
            if (named(c, "br") || in_list(c, blocks))
                bad |= add_text(b, " ");
            bad |= text_of(c, b);
        }
    }
    return bad;
}

static int has_table(const xmlNode *n)
{
    for (const xmlNode *c = n->children; c; c = c->next)
        if (named(c, "table") || (c->type == XML_ELEMENT_NODE && has_table(c)))
            return 1;
    return 0;
}

static int walk(walker *w, const xmlNode *n);

/* A row: its cells as one line, or, when a cell holds a table (a frame), what is
 * inside the cells. */
static int row(walker *w, const xmlNode *tr)
{
    size_t n = 0;
    for (const xmlNode *c = tr->children; c; c = c->next)
        if (named(c, "td") || named(c, "th")) {
            if (has_table(c))
                return walk(w, tr);
            n++;
        }
    if (n > NB_HTML_MAX_CELLS) {
        char msg[96];
        snprintf(msg, sizeof msg, "line %ld: a table row of more than %d cells",
                 (long)xmlGetLineNo(tr), NB_HTML_MAX_CELLS);
        return fail(w, NB_ERR_LIMIT, msg);
    }
    nb_buf texts = {0};
    size_t *off = n ? malloc(n * sizeof *off) : NULL;
    const char **cells = n ? malloc(n * sizeof *cells) : NULL;
    int bad = n && (!off || !cells), i = 0;
    for (const xmlNode *c = tr->children; c && !bad; c = c->next)
        if (named(c, "td") || named(c, "th")) {
            nb_buf one = {0};
            bad |= text_of(c, &one);
            const char *t = bad ? NULL : trimmed(&one);
            bad |= !t;
            off[i++] = texts.len;
            if (!bad)
                bad |= nb_buf_add(&texts, t, strlen(t) + 1);
            nb_buf_free(&one);
        }
    int rc = 0;
    if (bad) {
        rc = fail(w, NB_ERR_NOMEM, "out of memory");
    } else {
        for (size_t k = 0; k < n; k++)
            cells[k] = texts.data + off[k];
        if (!(rc = count_line(w)) && w->fn(w->ud, (long)xmlGetLineNo(tr), NULL, cells, n))
            rc = -1;
    }
    free(off);
    free(cells);
    nb_buf_free(&texts);
    return rc;
}

/* The rows of table T (in thead, tbody, tfoot or directly in it), and its caption. */
static int table_rows(walker *w, const xmlNode *t)
{
    for (const xmlNode *c = t->children; c; c = c->next) {
        int rc = 0;
        if (named(c, "tr"))
            rc = row(w, c);
        else if (named(c, "thead") || named(c, "tbody") || named(c, "tfoot"))
            rc = table_rows(w, c);
        else if (c->type == XML_ELEMENT_NODE && !in_list(c, hidden))
            rc = walk(w, c) || flush(w);
        if (rc)
            return rc;
    }
    return 0;
}

static int walk(walker *w, const xmlNode *n)
{
    for (const xmlNode *c = n->children; c; c = c->next) {
        int rc = 0;
        if (c->type == XML_TEXT_NODE || c->type == XML_CDATA_SECTION_NODE) {
            if (!w->text.len)
                w->text_line = (long)xmlGetLineNo(c);
            if (add_text(&w->text, (const char *)c->content))
                rc = fail(w, NB_ERR_NOMEM, "out of memory");
        } else if (c->type != XML_ELEMENT_NODE || in_list(c, hidden)) {
            continue;
        } else if (named(c, "br")) {
            rc = flush(w);
        } else if (named(c, "table")) {
            rc = flush(w) || table_rows(w, c) || flush(w);
        } else if (in_list(c, blocks)) {
            rc = flush(w) || walk(w, c) || flush(w);
        } else {
            rc = walk(w, c);
        }
        if (rc)
            return -1;
    }
    return 0;
}

/* libxml2 writes some errors (a byte the encoding cannot decode) to stderr whatever the
 * parser's options: the page is the user's input, and what it gives is what counts. */
static void quiet(void *ctx, const char *msg, ...)
{
    (void)ctx;
    (void)msg;
}

nb_err nb_html_lines(const char *data, size_t len, nb_html_fn fn, void *ud,
                     const char **encoding, char *err, size_t errlen)
{
    if (len > INT_MAX) {
        snprintf(err, errlen, "too large");
        return NB_ERR_LIMIT;
    }
    const char *enc = nb_utf8_invalid_at((const unsigned char *)data, len) == len ? "UTF-8"
                                                                                  : "GB18030";
    *encoding = enc;
    xmlInitParser();
    xmlGenericErrorFunc before = xmlGenericError;
    void *before_ctx = xmlGenericErrorContext;
    xmlSetGenericErrorFunc(NULL, quiet);
    htmlDocPtr doc = htmlReadMemory(data, (int)len, NULL, enc,
                                    HTML_PARSE_RECOVER | HTML_PARSE_NOERROR |
                                        HTML_PARSE_NOWARNING | HTML_PARSE_NONET);
    xmlSetGenericErrorFunc(before_ctx, before);
    xmlNode *root = doc ? xmlDocGetRootElement(doc) : NULL;
    if (!root) {
        if (doc)
            xmlFreeDoc(doc);
        snprintf(err, errlen, "not an HTML page (nothing in it could be read as HTML)");
        return NB_ERR_INPUT;
    }
    walker w = {.fn = fn, .ud = ud, .err = err, .errlen = errlen};
    if (!walk(&w, (xmlNode *)doc))
        flush(&w);
    nb_buf_free(&w.text);
    xmlFreeDoc(doc);
    return w.rc;
}
