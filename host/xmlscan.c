/* xmlscan.c - a fast scanner of plain XML; outside its subset it bails (xmlscan.h). */
#define _GNU_SOURCE /* memmem */
#include "xmlscan.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#define XS_MAX_TOKEN (1u << 20) /* a tag, or a run of text, at most */
#define XS_MAX_DEPTH 256
#define XS_MAX_ATTS 64
#define XS_MAX_NAMES 65536      /* the open elements' names, in all */

struct nb_xmlscan {
    nb_xs_start start;
    nb_xs_end end;
    nb_xs_chars chars;
    void *ud;
    char *buf;           /* the window: bytes [pos, len) not read yet */
    size_t cap, len, pos;
    int final;           /* no input after the window's */
    int stop;            /* a handler asked to stop */
    int started;         /* past the first byte (an XML declaration only there) */
    int root_done;
    int failed;          /* bailed or out of memory: every later call says so again */
    int depth;
    char *names;         /* the open elements' names, each NUL-terminated */
    size_t names_len, names_cap;
    size_t name_at[XS_MAX_DEPTH];
    char *scratch;       /* decoded text */
    size_t scratch_cap;
    const char *atts[2 * XS_MAX_ATTS + 1];
};

/* The result of reading one token. */
enum { T_DONE, T_MORE, T_BAIL, T_NOMEM };

nb_xmlscan *nb_xmlscan_new(nb_xs_start start, nb_xs_end end, nb_xs_chars chars, void *ud)
{
    nb_xmlscan *x = calloc(1, sizeof *x);
    if (x) {
        x->start = start;
        x->end = end;
        x->chars = chars;
        x->ud = ud;
    }
    return x;
}

void nb_xmlscan_free(nb_xmlscan *x)
{
    if (!x)
        return;
    free(x->buf);
    free(x->names);
    free(x->scratch);
    free(x);
}

char *nb_xmlscan_buffer(nb_xmlscan *x, size_t n)
{
    if (x->pos > 0) {
        memmove(x->buf, x->buf + x->pos, x->len - x->pos);
        x->len -= x->pos;
        x->pos = 0;
    }
    if (n > XS_MAX_TOKEN || x->len > XS_MAX_TOKEN)
        return NULL;
    if (x->len + n + 1 > x->cap) {
        size_t cap = x->cap ? x->cap : 4096;
        while (cap < x->len + n + 1)
            cap *= 2;
        char *b = realloc(x->buf, cap);
        if (!b)
            return NULL;
        x->buf = b;
        x->cap = cap;
    }
    return x->buf + x->len;
}

void nb_xmlscan_stop(nb_xmlscan *x)
{
    x->stop = 1;
}

/* ---- characters ---- */

/* The classes of a byte, looked up rather than tested (the scanner's inner loops). */
enum { C_SPACE = 1, C_NAME_START = 2, C_NAME = 4, C_PLAIN = 8 };

static const unsigned char classes[256] = {
#define R8(x) x, x, x, x, x, x, x, x
    ['\t'] = C_SPACE, ['\n'] = C_SPACE, ['\r'] = C_SPACE, [' '] = C_SPACE | C_PLAIN,
    /* ASCII from the space on is plain text, but for '&', '<' and ']' */
    ['!'] = C_PLAIN, ['"'] = C_PLAIN, ['#'] = C_PLAIN, ['$'] = C_PLAIN, ['%'] = C_PLAIN,
    ['\''] = C_PLAIN, ['('] = C_PLAIN, [')'] = C_PLAIN, ['*'] = C_PLAIN, ['+'] = C_PLAIN,
    [','] = C_PLAIN, ['-'] = C_PLAIN | C_NAME, ['.'] = C_PLAIN | C_NAME, ['/'] = C_PLAIN,
    ['0'] = C_PLAIN | C_NAME, ['1'] = C_PLAIN | C_NAME, ['2'] = C_PLAIN | C_NAME,
    ['3'] = C_PLAIN | C_NAME, ['4'] = C_PLAIN | C_NAME, ['5'] = C_PLAIN | C_NAME,
    ['6'] = C_PLAIN | C_NAME, ['7'] = C_PLAIN | C_NAME, ['8'] = C_PLAIN | C_NAME,
    ['9'] = C_PLAIN | C_NAME, [':'] = C_PLAIN | C_NAME | C_NAME_START, [';'] = C_PLAIN,
    ['='] = C_PLAIN, ['>'] = C_PLAIN, ['?'] = C_PLAIN, ['@'] = C_PLAIN,
    ['A'] = R8(C_PLAIN | C_NAME | C_NAME_START), ['I'] = R8(C_PLAIN | C_NAME | C_NAME_START),
    ['Q'] = R8(C_PLAIN | C_NAME | C_NAME_START), ['Y'] = C_PLAIN | C_NAME | C_NAME_START,
    ['Z'] = C_PLAIN | C_NAME | C_NAME_START, ['['] = C_PLAIN, ['\\'] = C_PLAIN, ['^'] = C_PLAIN,
    ['_'] = C_PLAIN | C_NAME | C_NAME_START, ['`'] = C_PLAIN,
    ['a'] = R8(C_PLAIN | C_NAME | C_NAME_START), ['i'] = R8(C_PLAIN | C_NAME | C_NAME_START),
    ['q'] = R8(C_PLAIN | C_NAME | C_NAME_START), ['y'] = C_PLAIN | C_NAME | C_NAME_START,
    ['z'] = C_PLAIN | C_NAME | C_NAME_START, ['{'] = C_PLAIN, ['|'] = C_PLAIN, ['}'] = C_PLAIN,
    ['~'] = C_PLAIN, [0x7F] = C_PLAIN,
#undef R8
};

static int is_space(unsigned char c)
{
    return classes[c] & C_SPACE;
}

static int name_start(unsigned char c)
{
    return classes[c] & C_NAME_START;
}

static int name_char(unsigned char c)
{
    return classes[c] & C_NAME;
}

/* Whether C passes in text as it is: ASCII from the space on but '&', '<' and ']'. */
static int plain(unsigned char c)
{
    return classes[c] & C_PLAIN;
}

/* The end of the name at S (S itself when none). */
static const char *name_end(const char *s, const char *e)
{
    if (s == e || !name_start((unsigned char)*s))
        return s;
    while (++s < e && name_char((unsigned char)*s))
        ;
    return s;
}

/* The length of the UTF-8 character at S (before E) that XML allows, 0 when
 * it is not one (a bad sequence, a surrogate, U+FFFE or U+FFFF). */
static size_t utf8_char(const unsigned char *s, const unsigned char *e)
{
    unsigned c = s[0];
    if (c >= 0xC2 && c <= 0xDF)
        return e - s >= 2 && (s[1] & 0xC0) == 0x80 ? 2 : 0;
    if (c >= 0xE0 && c <= 0xEF) {
        if (e - s < 3 || (s[1] & 0xC0) != 0x80 || (s[2] & 0xC0) != 0x80)
            return 0;
        if ((c == 0xE0 && s[1] < 0xA0) || (c == 0xED && s[1] > 0x9F))
            return 0;
        if (c == 0xEF && s[1] == 0xBF && (s[2] == 0xBE || s[2] == 0xBF))
            return 0;
        return 3;
    }
    if (c >= 0xF0 && c <= 0xF4) {
        if (e - s < 4 || (s[1] & 0xC0) != 0x80 || (s[2] & 0xC0) != 0x80 ||
            (s[3] & 0xC0) != 0x80)
            return 0;
        if ((c == 0xF0 && s[1] < 0x90) || (c == 0xF4 && s[1] > 0x8F))
            return 0;
        return 4;
    }
    return 0;
}

size_t nb_put_utf8(char *o, uint32_t u)
{
    if (u < 0x80) {
        o[0] = (char)u;
        return 1;
    }
    if (u < 0x800) {
        o[0] = (char)(0xC0 | u >> 6);
        o[1] = (char)(0x80 | (u & 0x3F));
        return 2;
    }
    if (u < 0x10000) {
        o[0] = (char)(0xE0 | u >> 12);
        o[1] = (char)(0x80 | (u >> 6 & 0x3F));
        o[2] = (char)(0x80 | (u & 0x3F));
        return 3;
    }
    o[0] = (char)(0xF0 | u >> 18);
    o[1] = (char)(0x80 | (u >> 12 & 0x3F));
    o[2] = (char)(0x80 | (u >> 6 & 0x3F));
    o[3] = (char)(0x80 | (u & 0x3F));
    return 4;
}

/* Decodes the reference at S ('&', before E) into O; the bytes written, with
 * *USED the reference's length; 0 when it is not one XML allows here. */
static size_t reference(const char *s, const char *e, char *o, size_t *used)
{
    static const struct {
        const char *name;
        char c;
    } named[] = {{"lt;", '<'}, {"gt;", '>'}, {"amp;", '&'}, {"quot;", '"'}, {"apos;", '\''}};
    const char *p = s + 1;
    if (p < e && *p != '#') {
        for (size_t i = 0; i < sizeof named / sizeof named[0]; i++) {
            size_t n = strlen(named[i].name);
            if ((size_t)(e - p) >= n && memcmp(p, named[i].name, n) == 0) {
                *o = named[i].c;
                *used = n + 1;
                return 1;
            }
        }
        return 0;
    }
    int hex = ++p < e && *p == 'x';
    p += hex;
    uint32_t u = 0;
    int digits = 0;
    for (; p < e && *p != ';'; p++, digits++) {
        unsigned d;
        if (*p >= '0' && *p <= '9')
            d = (unsigned)(*p - '0');
        else if (hex && (*p | 0x20) >= 'a' && (*p | 0x20) <= 'f')
            d = (unsigned)((*p | 0x20) - 'a' + 10);
        else
            return 0;
        if (digits >= 8)
            return 0;
        u = u * (hex ? 16 : 10) + d;
    }
    if (p == e || digits == 0)
        return 0;
    if (!(u == 0x9 || u == 0xA || u == 0xD || (u >= 0x20 && u <= 0xD7FF) ||
          (u >= 0xE000 && u <= 0xFFFD) || (u >= 0x10000 && u <= 0x10FFFF)))
        return 0;
    *used = (size_t)(p + 1 - s);
    return nb_put_utf8(o, u);
}

/* Checks the text or attribute value [S, E) and decodes its references into
 * OUT (which may be S itself: decoding never lengthens). ATTR: an attribute
 * value (no '<'; a tab, newline or carriage return, which expat would turn into
 * spaces, bails). Returns the decoded length, or -1 to bail. */
static long decode(const char *s, const char *e, char *out, int attr)
{
    const char *p = s;
    while (p < e && plain((unsigned char)*p)) /* the usual: nothing to decode */
        p++;
    if (out != s)
        memmove(out, s, (size_t)(p - s));
    char *o = out + (p - s);
    while (p < e) {
        unsigned char c = (unsigned char)*p;
        if (plain(c)) {
            *o++ = (char)c;
            p++;
        } else if (c == '&') {
            size_t used;
            size_t n = reference(p, e, o, &used);
            if (!n)
                return -1;
            o += n;
            p += used;
        } else if (c == ']') {
            if (!attr && e - p >= 3 && p[1] == ']' && p[2] == '>')
                return -1;
            *o++ = ']';
            p++;
        } else if (c == '<') {
            return -1;
        } else if (c == '\t' || c == '\n' || c == '\r') {
            /* as expat: a line end (CR LF, or CR) is LF; in an attribute value every
               tab and line end is a space */
            p += c == '\r' && p + 1 < e && p[1] == '\n' ? 2 : 1;
            *o++ = attr ? ' ' : c == '\t' ? '\t' : '\n';
        } else if (c < 0x80) { /* other controls */
            return -1;
        } else {
            size_t n = utf8_char((const unsigned char *)p, (const unsigned char *)e);
            if (!n)
                return -1;
            for (size_t i = 0; i < n; i++) /* o never passes p: in place is safe */
                *o++ = *p++;
        }
    }
    return (long)(o - out);
}

/* ---- tokens ---- */

/* Finds NEEDLE (LEN bytes) in [S, E), or NULL. */
static const char *find(const char *s, const char *e, const char *needle, size_t len)
{
    return e - s >= (long)len ? memmem(s, (size_t)(e - s), needle, len) : NULL;
}

/* Whether [S, E) is made of characters XML allows (comments, PIs). */
static int plain_chars(const char *s, const char *e)
{
    while (s < e) {
        unsigned char c = (unsigned char)*s;
        if (c >= 0x20 && c < 0x80) {
            s++;
        } else if (c == '\t' || c == '\n' || c == '\r') {
            s++;
        } else if (c >= 0x80) {
            size_t n = utf8_char((const unsigned char *)s, (const unsigned char *)e);
            if (!n)
                return 0;
            s += n;
        } else {
            return 0;
        }
    }
    return 1;
}

/* Skips spaces. */
static const char *spaces(const char *s, const char *e)
{
    while (s < e && is_space((unsigned char)*s))
        s++;
    return s;
}

/* Matches S? NAME S? '=' S? quote VALUE quote at *P, the value one of VALUES
 * (NULL: any name characters, compared without case with UTF-8 when ENC). */
static int pseudo_attr(const char **p, const char *e, const char *name, const char *const *values,
                       int enc)
{
    const char *s = spaces(*p, e);
    size_t n = strlen(name);
    if (s == *p || (size_t)(e - s) < n || memcmp(s, name, n) != 0)
        return 0;
    s = spaces(s + n, e);
    if (s == e || *s != '=')
        return 0;
    s = spaces(s + 1, e);
    if (s == e || (*s != '"' && *s != '\''))
        return 0;
    const char *v = s + 1, *q = memchr(v, *s, (size_t)(e - v));
    if (!q)
        return 0;
    int ok = 0;
    if (enc)
        ok = q - v == 5 && (v[0] | 0x20) == 'u' && (v[1] | 0x20) == 't' &&
             (v[2] | 0x20) == 'f' && v[3] == '-' && v[4] == '8';
    for (; values && *values; values++)
        ok |= (size_t)(q - v) == strlen(*values) && memcmp(v, *values, (size_t)(q - v)) == 0;
    if (ok)
        *p = q + 1;
    return ok;
}

/* The XML declaration [S, E) ("<?xml" to "?>"): version 1.0, UTF-8 or no
 * encoding, standalone yes or no. */
static int declaration(const char *s, const char *e)
{
    static const char *const v10[] = {"1.0", NULL}, *const yesno[] = {"yes", "no", NULL};
    const char *p = s + 5;
    e -= 2;
    if (!pseudo_attr(&p, e, "version", v10, 0))
        return 0;
    pseudo_attr(&p, e, "encoding", NULL, 1);
    pseudo_attr(&p, e, "standalone", yesno, 0);
    return spaces(p, e) == e;
}

/* <?...?> at P: skipped. The declaration only at the first byte. */
static int pi(nb_xmlscan *x, const char *p, const char *e, size_t *len)
{
    const char *q = find(p + 2, e, "?>", 2);
    if (!q)
        return T_MORE;
    *len = (size_t)(q + 2 - p);
    const char *t = p + 2, *te = name_end(t, q);
    if (te == t)
        return T_BAIL;
    int xml = te - t == 3 && (t[0] | 0x20) == 'x' && (t[1] | 0x20) == 'm' && (t[2] | 0x20) == 'l';
    if (xml)
        return !x->started && memcmp(t, "xml", 3) == 0 && declaration(p, q + 2) ? T_DONE : T_BAIL;
    if (te < q && !is_space((unsigned char)*te))
        return T_BAIL;
    return plain_chars(te, q) ? T_DONE : T_BAIL;
}

/* <!--...--> at P: skipped. */
static int comment(const char *p, const char *e, size_t *len)
{
    const char *q = find(p + 4, e, "--", 2);
    if (!q)
        return T_MORE;
    if (q + 2 == e)
        return T_MORE;
    if (q[2] != '>')
        return T_BAIL;
    *len = (size_t)(q + 3 - p);
    return plain_chars(p + 4, q) ? T_DONE : T_BAIL;
}

static int push(nb_xmlscan *x, const char *name, size_t len)
{
    size_t n = len + 1;
    if (x->depth == XS_MAX_DEPTH || x->names_len + n > XS_MAX_NAMES)
        return T_BAIL;
    if (x->names_len + n > x->names_cap) {
        size_t cap = x->names_cap ? x->names_cap * 2 : 256;
        while (cap < x->names_len + n)
            cap *= 2;
        char *m = realloc(x->names, cap);
        if (!m)
            return T_NOMEM;
        x->names = m;
        x->names_cap = cap;
    }
    x->name_at[x->depth++] = x->names_len;
    char *to = x->names + x->names_len;
    for (size_t i = 0; i < len; i++) /* names are short: no call */
        to[i] = name[i];
    to[len] = '\0';
    x->names_len += n;
    return T_DONE;
}

/* A start tag at P (before E), read in one pass: its length into *LEN, its name and
 * attributes NUL-terminated and decoded in place, then the handlers. Nothing is written
 * before the tag is whole (T_MORE reads the window again). A tag that bails on a prefix
 * would bail whole: the result is the same as reading it to its '>' first. */
static int start_tag(nb_xmlscan *x, char *p, char *e, size_t *len)
{
    struct {
        char *a, *ae, *v, *ve;
        int plain;
    } at[XS_MAX_ATTS];
    if (x->root_done)
        return T_BAIL; /* a second root */
    char *name = p + 1, *q = (char *)name_end(name, e);
    if (q == e)
        return T_MORE;
    if (q == name)
        return T_BAIL;
    char *name_stop = q, *gt;
    int natts = 0, empty;
    for (;;) {
        char *s = (char *)spaces(q, e);
        if (s == e)
            return T_MORE;
        if (*s == '>' || *s == '/') {
            if (*s == '/' && s + 1 == e)
                return T_MORE;
            if (*s == '/' && s[1] != '>')
                return T_BAIL;
            empty = *s == '/';
            gt = s + empty;
            break;
        }
        if (s == q)
            return T_BAIL; /* no space before the attribute */
        char *a = s, *ae = (char *)name_end(a, e);
        if (ae == e)
            return T_MORE;
        if (ae == a)
            return T_BAIL;
        s = (char *)spaces(ae, e);
        if (s == e)
            return T_MORE;
        if (*s != '=')
            return T_BAIL;
        s = (char *)spaces(s + 1, e);
        if (s == e)
            return T_MORE;
        if (*s != '"' && *s != '\'')
            return T_BAIL;
        char quote = *s, *v = s + 1, *ve = v;
        int plain_value = 1;
        for (; ve < e && *ve != quote; ve++) /* values are short: no call */
            plain_value &= (classes[(unsigned char)*ve] & C_PLAIN) != 0;
        if (ve == e)
            return T_MORE;
        if (natts == XS_MAX_ATTS)
            return T_BAIL;
        at[natts].a = a;
        at[natts].ae = ae;
        at[natts].v = v;
        at[natts].ve = ve;
        at[natts].plain = plain_value;
        natts++;
        q = ve + 1;
    }
    *len = (size_t)(gt + 1 - p);
    for (int i = 0; i < natts; i++) {
        long n = at[i].plain ? at[i].ve - at[i].v : decode(at[i].v, at[i].ve, at[i].v, 1);
        if (n < 0)
            return T_BAIL;
        *at[i].ae = '\0';
        at[i].v[n] = '\0';
        for (int k = 0; k < i; k++)
            if (x->atts[2 * k][0] == at[i].a[0] && strcmp(x->atts[2 * k], at[i].a) == 0)
                return T_BAIL; /* an attribute twice */
        x->atts[2 * i] = at[i].a;
        x->atts[2 * i + 1] = at[i].v;
    }
    *name_stop = '\0';
    x->atts[2 * natts] = NULL;
    if (!empty) {
        int rc = push(x, name, (size_t)(name_stop - name));
        if (rc != T_DONE)
            return rc;
    }
    if (x->start)
        x->start(x->ud, name, x->atts);
    if (empty) {
        if (x->end)
            x->end(x->ud, name);
        if (x->depth == 0)
            x->root_done = 1;
    }
    return T_DONE;
}

/* An end tag [P, GT]: the open element's. */
static int end_tag(nb_xmlscan *x, char *p, char *gt)
{
    char *name = p + 2, *q = (char *)name_end(name, gt);
    if (q == name || spaces(q, gt) != gt || x->depth == 0)
        return T_BAIL;
    const char *open = x->names + x->name_at[x->depth - 1];
    size_t len = x->names_len - x->name_at[x->depth - 1] - 1;
    if (len != (size_t)(q - name))
        return T_BAIL;
    for (size_t i = 0; i < len; i++) /* names are short: no call */
        if (open[i] != name[i])
            return T_BAIL;
    x->depth--;
    x->names_len = x->name_at[x->depth];
    if (x->depth == 0)
        x->root_done = 1;
    if (x->end)
        x->end(x->ud, open); /* still there: the next push writes over it */
    return T_DONE;
}

/* Text [P, LT): outside the root only spaces, inside given to the handler. */
static int text(nb_xmlscan *x, const char *p, const char *lt)
{
    if (x->depth == 0)
        return spaces(p, lt) == lt ? T_DONE : T_BAIL;
    const char *s = p, *c = p;
    size_t n = (size_t)(lt - p);
    /* plain ASCII without controls, references or ']' passes as it is */
    while (c < lt && plain((unsigned char)*c))
        c++;
    if (c < lt) {
        if (n > x->scratch_cap) {
            char *b = realloc(x->scratch, n);
            if (!b)
                return T_NOMEM;
            x->scratch = b;
            x->scratch_cap = n;
        }
        long m = decode(p, lt, x->scratch, 0);
        if (m < 0)
            return T_BAIL;
        s = x->scratch;
        n = (size_t)m;
    }
    if (n && x->chars)
        x->chars(x->ud, s, (int)n);
    return T_DONE;
}

/* Reads the token at the window's position. */
static int token(nb_xmlscan *x)
{
    char *p = x->buf + x->pos, *e = x->buf + x->len;
    size_t len = 0;
    int rc;
    if (!x->started && e - p >= 3 && memcmp(p, "\xEF\xBB\xBF", 3) == 0)
        return T_BAIL; /* a byte order mark: expat's */
    if (*p != '<') {
        const char *lt = memchr(p, '<', (size_t)(e - p));
        if (!lt && !(x->final && x->root_done))
            return T_MORE;
        if (!lt) /* after the root, at the end: spaces only */
            lt = e;
        rc = text(x, p, lt);
        len = (size_t)(lt - p);
    } else if (e - p < 2) {
        return T_MORE;
    } else if (p[1] == '?') {
        rc = pi(x, p, e, &len);
    } else if (p[1] == '!') {
        if (e - p < 4)
            return T_MORE;
        if (memcmp(p, "<!--", 4) != 0)
            return T_BAIL; /* a DOCTYPE, a CDATA section */
        rc = comment(p, e, &len);
    } else if (p[1] == '/') {
        char *gt = memchr(p, '>', (size_t)(e - p)); /* no quotes in an end tag */
        if (!gt)
            return T_MORE;
        len = (size_t)(gt + 1 - p);
        rc = end_tag(x, p, gt);
    } else {
        rc = start_tag(x, p, e, &len);
    }
    if (rc == T_DONE) {
        x->pos += len;
        x->started = 1;
    }
    return rc == T_DONE && len > XS_MAX_TOKEN ? T_BAIL : rc;
}

static int scan(nb_xmlscan *x)
{
    if (x->failed) /* the window may be half decoded: never read it again */
        return x->failed;
    for (;;) {
        if (x->stop) {
            x->stop = 0;
            return NB_XS_STOPPED;
        }
        if (x->pos == x->len) {
            if (!x->final)
                return NB_XS_OK;
            return x->root_done && x->depth == 0 ? NB_XS_OK : (x->failed = NB_XS_BAIL);
        }
        int rc = token(x);
        if (rc == T_MORE && !x->final && x->len - x->pos <= XS_MAX_TOKEN)
            return NB_XS_OK;
        if (rc == T_MORE || rc == T_BAIL)
            return x->failed = NB_XS_BAIL;
        if (rc == T_NOMEM)
            return x->failed = NB_XS_NOMEM;
    }
}

int nb_xmlscan_parse(nb_xmlscan *x, size_t n, int final)
{
    x->len += n;
    x->final = final;
    return scan(x);
}

int nb_xmlscan_resume(nb_xmlscan *x)
{
    return scan(x);
}
