/* xmlscan_diff.h - reads a document with host/xmlscan.c and with expat, and
 * compares what the handlers were given. Used by the unit test
 * (tests/unit/test_xmlscan.c) and the fuzz target (tests/fuzz/fuzz_xmlscan.c).
 *
 * The events are written as lines: "S name a=v ...", "E name", and "T text"
 * for the text between two tags, however it was split. The scanner is fed in
 * chunks of CHUNK bytes and stopped after every STOP_EVERY-th event (0: never),
 * as the XLSX reader stops it after every row. */
#ifndef NB_XMLSCAN_DIFF_H
#define NB_XMLSCAN_DIFF_H

#include <expat.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "xmlscan.h"

typedef struct {
    char *out;        /* the lines */
    size_t len, cap;
    char *text;       /* text not yet written */
    size_t tlen, tcap;
    long events;
    int stop_every;
    nb_xmlscan *x;    /* to stop, or NULL (expat) */
    int nomem;
} xs_trace;

static void xs_put(char **b, size_t *len, size_t *cap, const char *s, size_t n, int *nomem)
{
    if (*len + n + 1 > *cap) {
        size_t c = *cap ? *cap * 2 : 256;
        while (c < *len + n + 1)
            c *= 2;
        char *m = realloc(*b, c);
        if (!m) {
            *nomem = 1;
            return;
        }
        *b = m;
        *cap = c;
    }
    memcpy(*b + *len, s, n);
    *len += n;
    (*b)[*len] = '\0';
}

/* Puts S escaped: controls, space, '=' and '\\' as \xHH, so that no two event
 * streams print the same. */
static void xs_put_esc(xs_trace *t, const char *s, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)s[i];
        if (c <= ' ' || c == '=' || c == '\\') {
            char h[5];
            snprintf(h, sizeof h, "\\x%02X", c);
            xs_put(&t->out, &t->len, &t->cap, h, 4, &t->nomem);
        } else {
            xs_put(&t->out, &t->len, &t->cap, s + i, 1, &t->nomem);
        }
    }
}

static void xs_flush(xs_trace *t)
{
    if (!t->tlen)
        return;
    xs_put(&t->out, &t->len, &t->cap, "T ", 2, &t->nomem);
    xs_put_esc(t, t->text, t->tlen);
    xs_put(&t->out, &t->len, &t->cap, "\n", 1, &t->nomem);
    t->tlen = 0;
}

static void xs_event(xs_trace *t)
{
    if (t->x && t->stop_every && ++t->events % t->stop_every == 0)
        nb_xmlscan_stop(t->x);
}

static void xs_start(void *ud, const char *name, const char **atts)
{
    xs_trace *t = ud;
    xs_flush(t);
    xs_put(&t->out, &t->len, &t->cap, "S ", 2, &t->nomem);
    xs_put_esc(t, name, strlen(name));
    for (; atts[0]; atts += 2) {
        xs_put(&t->out, &t->len, &t->cap, " ", 1, &t->nomem);
        xs_put_esc(t, atts[0], strlen(atts[0]));
        xs_put(&t->out, &t->len, &t->cap, "=", 1, &t->nomem);
        xs_put_esc(t, atts[1], strlen(atts[1]));
    }
    xs_put(&t->out, &t->len, &t->cap, "\n", 1, &t->nomem);
    xs_event(t);
}

static void xs_end(void *ud, const char *name)
{
    xs_trace *t = ud;
    xs_flush(t);
    xs_put(&t->out, &t->len, &t->cap, "E ", 2, &t->nomem);
    xs_put_esc(t, name, strlen(name));
    xs_put(&t->out, &t->len, &t->cap, "\n", 1, &t->nomem);
    xs_event(t);
}

static void xs_chars(void *ud, const char *s, int len)
{
    xs_trace *t = ud;
    xs_put(&t->text, &t->tlen, &t->tcap, s, (size_t)len, &t->nomem);
    xs_event(t);
}

static void xs_free(xs_trace *t)
{
    free(t->out);
    free(t->text);
}

/* Expat's lines for DOC into T; 1 when it accepts the document. */
static int xs_expat(const char *doc, size_t n, xs_trace *t)
{
    XML_Parser p = XML_ParserCreate(NULL);
    if (!p)
        return 0;
    XML_SetUserData(p, t);
    XML_SetElementHandler(p, xs_start, xs_end);
    XML_SetCharacterDataHandler(p, xs_chars);
    int ok = XML_Parse(p, doc, (int)n, 1) == XML_STATUS_OK;
    XML_ParserFree(p);
    xs_flush(t);
    return ok;
}

/* The scanner's lines for DOC into T: NB_XS_OK, NB_XS_BAIL or NB_XS_NOMEM. */
static int xs_scan(const char *doc, size_t n, size_t chunk, int stop_every, xs_trace *t)
{
    nb_xmlscan *x = nb_xmlscan_new(xs_start, xs_end, xs_chars, t);
    if (!x)
        return NB_XS_NOMEM;
    t->x = x;
    t->stop_every = stop_every;
    size_t at = 0;
    int rc = NB_XS_OK;
    for (;;) {
        size_t k = n - at < chunk ? n - at : chunk;
        char *b = nb_xmlscan_buffer(x, k);
        if (!b) {
            rc = NB_XS_BAIL;
            break;
        }
        memcpy(b, doc + at, k);
        at += k;
        rc = nb_xmlscan_parse(x, k, at == n);
        while (rc == NB_XS_STOPPED)
            rc = nb_xmlscan_resume(x);
        if (rc != NB_XS_OK || at == n)
            break;
    }
    nb_xmlscan_free(x);
    xs_flush(t);
    return rc;
}

/* Whether the lines A, but a last text line, begin the lines B: what the
 * scanner gave before it bailed is what expat gives first (the XLSX reader
 * passes over the rows it gave). */
static int xs_prefix(const char *a, const char *b)
{
    size_t n = strlen(a);
    if (n >= 2) {
        const char *last = a + n - 1; /* the final '\n' */
        while (last > a && last[-1] != '\n')
            last--;
        if (last[0] == 'T')
            n = (size_t)(last - a);
    }
    return strncmp(a, b, n) == 0;
}

/* Compares the two on DOC: 0 the same lines, 1 the scanner bailed, -1 they
 * differ (WHY says how: the scanner accepted what expat refuses, other lines,
 * or before it bailed it gave what expat does not give first). */
static int xs_diff(const char *doc, size_t n, size_t chunk, int stop_every, char *why,
                   size_t whylen)
{
    xs_trace a = {0}, b = {0};
    int sr = xs_scan(doc, n, chunk ? chunk : 1, stop_every, &a);
    int res = 1;
    if (sr == NB_XS_OK) {
        int eok = xs_expat(doc, n, &b);
        if (a.nomem || b.nomem) {
            res = 1;
        } else if (!eok) {
            snprintf(why, whylen, "the scanner accepts what expat refuses");
            res = -1;
        } else if (strcmp(a.out ? a.out : "", b.out ? b.out : "") != 0) {
            snprintf(why, whylen, "scanner:\n%.400s\nexpat:\n%.400s", a.out ? a.out : "",
                     b.out ? b.out : "");
            res = -1;
        } else {
            res = 0;
        }
    } else if (sr == NB_XS_BAIL && xs_expat(doc, n, &b) && !a.nomem && !b.nomem &&
               !xs_prefix(a.out ? a.out : "", b.out ? b.out : "")) {
        snprintf(why, whylen, "before it bailed, scanner:\n%.400s\nexpat:\n%.400s",
                 a.out ? a.out : "", b.out ? b.out : "");
        res = -1;
    }
    xs_free(&a);
    xs_free(&b);
    return res;
}

#endif
