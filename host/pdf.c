/* pdf.c - the lines of a published report's PDF (pdf.h), through poppler-glib.
 *
 * A page is read in four steps. (1) poppler gives the page's text and one box per
 * character; the characters that are not spaces become glyphs. (2) Glyphs are grouped
 * into lines by their vertical centres, and each line into fragments: runs of glyphs
 * without a gap of a column between them. (3) A line with two figures or more is a data
 * line (a table row): the fragments left of its first figure are its labels. A label
 * cell that wraps is laid out over several lines around its row's figures (above and
 * below them when the cell is centred vertically, below when it is at the top); its
 * pieces are chained, top to bottom, into one label and the chain is written on the data
 * line. (4) Each line's fragments and the chains placed on it are written left to right,
 * two spaces apart.
 *
 * A page with a figure is also drawn (poppler through cairo, in memory) to find the
 * rules of its tables: a vertical rule between two glyphs ends a fragment (two cells'
 * figures close together are two figures), a horizontal rule between two pieces ends a
 * chain (the label of the row below is not the rest of this one's), and the cells
 * between the vertical rules that cross a line with figures, right of its labels, that
 * hold nothing are written as blank cells (an ideographic space), so that a row's
 * figures keep their columns when some of its cells are blank. */
#include "pdf.h"

#include <limits.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cairo.h>
#include <poppler.h>

/* Drawing a page, poppler looks for the fonts a document does not embed through
 * fontconfig, which keeps what it parses for good, as cairo keeps some of its own: under
 * LeakSanitizer those are theirs (as for the exporter; the fuzz target links this file
 * without it). */
#include "pdf_lsan.h"

/* Gaps and distances are measured in a glyph's height (its box: about 1.3 times the
 * font size). */
#define COLUMN_GAP 0.6  /* a wider gap between glyphs on a line starts a new column */
#define WORD_GAP 0.08   /* a wider gap between two Latin glyphs is a space */
#define SAME_LINE 0.3   /* centres closer than this are on one line */
#define WRAP_GAP 1.0    /* a cell's lines are at most this far apart */
#define NEAR_ROW 4.0    /* how far from its row a label's piece may be */
/* Bounds for hostile pages (real ones are far inside them). */
#define SCAN_LINES 16   /* lines looked at above and below one */
#define MAX_PIECES 16   /* lines of one wrapped cell */
#define SCAN_FRAGS 16   /* fragments of a line looked at under one */
#define BUDGET 4000000  /* lines and fragments looked at to join wrapped labels, a page */
/* Rules: the page drawn at RULE_SCALE pixels a point (at most RULE_MAX_PIXELS pixels). A
 * rule is a run of pixels, at most RULE_WIDTH points wide, darker by RULE_INK (of 255)
 * than the page RULE_AROUND points either side of it, all along where it is looked for:
 * across a line's height (text never inks a whole line's height), or across the overlap
 * of two pieces of text. */
#define RULE_SCALE 1.0
#define RULE_MAX_PIXELS (4u * 1024 * 1024)
#define RULE_INK 48
#define RULE_WIDTH 2.0
#define RULE_AROUND 2.0
#define BLANK_CELL "\xe3\x80\x80" /* an ideographic space: a blank cell */

typedef struct {
    uint32_t cp;
    double x0, y0, x1, y1;
    size_t seq; /* poppler's order, to keep sorts stable */
} glyph;

typedef struct {
    double x0, x1, y0, y1, h;
    size_t line;  /* its line */
    size_t off, len; /* its text in the page's text buffer */
    int figure;   /* a figure ("219", "+25", "21350.46万元") or a mark ("/", "—") */
    int digits;   /* a figure with digits */
    long next;    /* the chain's next piece, or -1 */
    long chain;   /* the chain it belongs to, or -1 */
    size_t cut;   /* where its last run of digits after a CJK character starts (0: none) */
    double cut_x0, cut_x1; /* the ends of the CJK character and of the first digit */
} frag;

typedef struct {
    double yc, y0, y1;
    size_t first, n; /* its fragments, left to right */
    int data;        /* a row of figures */
    double label_x;  /* where a data line's figures start */
    double reach;    /* how far right its fragments go (less their slack) */
} pline;

typedef struct {
    long first;   /* its first piece */
    long target;  /* the line it is written on */
    double x0, x1;
} chain;

/* The page drawn (ARGB32, premultiplied), to find its rules. */
typedef struct {
    unsigned char *px;
    size_t cap;
    int w, h, stride;
    double scale;  /* pixels a point */
    int drawn;     /* this page is drawn */
    int *dark;     /* scratch: a row's or a column's darkness */
    size_t capdark;
} picture;

typedef struct {
    nb_html_fn fn;
    void *ud;
    glyph *g;
    size_t ng, capg;
    frag *f;
    size_t nf, capf;
    pline *l;
    size_t nl, capl;
    chain *c;
    size_t nc, capc;
    size_t *order; /* a line's items, to sort */
    size_t capo;
    double *blank;  /* a line's blank cells (their x), to sort with its items */
    size_t capb;
    picture pic;
    nb_buf text;  /* the fragments' texts */
    nb_buf out;   /* the line being written */
    long line;    /* lines given */
    size_t given; /* bytes given */
    long budget;  /* work left to join wrapped labels on this page */
    int stopped;
} reader;

/* Room for one more in the array ARR of N of CAP: 0, or -1 (out of memory). */
#define GROW(arr, n, cap) ((n) < (cap) ? 0 : grow(&(arr), &(cap), sizeof *(arr)))

/* Makes room for NEED sizes in the array of indices *ARR of *CAP. 0, or -1. */
static int grow_to(size_t **arr, size_t *cap, size_t need)
{
    size_t *o = realloc(*arr, need * sizeof *o);
    if (!o)
        return -1;
    *arr = o;
    *cap = need;
    return 0;
}

/* Doubles the array whose pointer is at ARRP (any object pointer: copied as bytes). */
static int grow(void *arrp, size_t *cap, size_t size)
{
    void *old, *p;
    memcpy(&old, arrp, sizeof old);
    size_t c = *cap ? *cap * 2 : 256;
    if (!(p = realloc(old, c * size)))
        return -1;
    memcpy(arrp, &p, sizeof p);
    *cap = c;
    return 0;
}

/* ---- characters ---- */

/* CJK ideographs, kana, hangul, and full-width forms and punctuation: joined without
 * spaces. */
static int is_cjk(uint32_t cp)
{
    return (cp >= 0x2E80 && cp <= 0x9FFF) || (cp >= 0xAC00 && cp <= 0xD7AF) ||
           (cp >= 0xF900 && cp <= 0xFAFF) || (cp >= 0xFE30 && cp <= 0xFE4F) ||
           (cp >= 0xFF00 && cp <= 0xFFEF) || (cp >= 0x20000 && cp <= 0x3FFFF);
}

static int is_space(uint32_t cp)
{
    return cp <= 0x20 || (cp >= 0x7F && cp <= 0xA0) || cp == 0x3000 || cp == 0xFEFF ||
           (cp >= 0x2000 && cp <= 0x200B) || cp == 0x2028 || cp == 0x2029 || cp == 0xFFFD;
}

static int add_cp(nb_buf *b, uint32_t cp)
{
    char u[8];
    int n = g_unichar_to_utf8((gunichar)cp, u);
    return nb_buf_add(b, u, (size_t)n);
}

static int is_digit(uint32_t cp)
{
    return (cp >= '0' && cp <= '9') || (cp >= 0xFF10 && cp <= 0xFF19);
}

static int is_alnum_ascii(uint32_t cp)
{
    return (cp >= '0' && cp <= '9') || (cp >= 'A' && cp <= 'Z') || (cp >= 'a' && cp <= 'z');
}

/* A figure as a table prints one: signs, digits (ASCII or full-width) with separators and
 * a decimal point, a unit; or a mark for no figure ("/", dashes). *DIGITS when it has
 * digits. */
static int is_figure(const char *s, size_t n, int *digits)
{
    static const char *const units[] = {"万元", "元", "件", "个", "项", "条", "%", "％", NULL};
    const char *p = s, *end = s + n;
    *digits = 0;
    if (n == 1 && *s == '/')
        return 1;
    if (n == 3 && memcmp(s, "／", 3) == 0)
        return 1;
    int dashes = 1;
    for (const char *q = s; q < end;) {
        gunichar c = g_utf8_get_char(q);
        if (c != '-' && c != 0x2014 && c != 0x2013 && c != 0xFF0D && c != 0x2212)
            dashes = 0;
        q = g_utf8_next_char(q);
    }
    if (dashes && n > 0)
        return 1;
    while (p < end) { /* signs */
        gunichar c = g_utf8_get_char(p);
        if (c != '+' && c != '-' && c != 0xFF0B && c != 0xFF0D && c != 0x2212)
            break;
        p = g_utf8_next_char(p);
    }
    const char *num = p;
    int sep = 0; /* the last character read was a separator */
    while (p < end) {
        gunichar c = g_utf8_get_char(p);
        sep = c == ',' || c == '.' || c == 0xFF0C || c == 0xFF0E;
        if (is_digit(c))
            *digits = 1;
        else if (!sep || p == num)
            break;
        p = g_utf8_next_char(p);
    }
    if (!*digits || sep) { /* "1." numbers a label */
        *digits = 0;
        return 0;
    }
    if (p == end)
        return 1;
    for (int i = 0; units[i]; i++)
        if ((size_t)(end - p) == strlen(units[i]) && memcmp(p, units[i], (size_t)(end - p)) == 0)
            return 1;
    *digits = 0;
    return 0;
}

/* ---- step 1: the page's glyphs ---- */

static int finite_box(const PopplerRectangle *r)
{
    return isfinite(r->x1) && isfinite(r->y1) && isfinite(r->x2) && isfinite(r->y2) &&
           fabs(r->x1) < 1e6 && fabs(r->x2) < 1e6 && fabs(r->y1) < 1e6 && fabs(r->y2) < 1e6;
}

static nb_err read_glyphs(reader *r, PopplerPage *page, int pageno, char *err, size_t errlen)
{
    r->ng = 0;
    char *text = poppler_page_get_text(page);
    PopplerRectangle *rects = NULL;
    guint nrects = 0;
    if (!text || !poppler_page_get_text_layout(page, &rects, &nrects)) {
        g_free(text);
        g_free(rects);
        return NB_OK; /* no text on the page */
    }
    nb_err rc = NB_OK;
    const char *s = text;
    for (guint i = 0; *s && i < nrects; i++) {
        gunichar cp = g_utf8_get_char_validated(s, -1);
        if (cp == (gunichar)-1 || cp == (gunichar)-2)
            break; /* not UTF-8: poppler's text ends here for us */
        s = g_utf8_next_char(s);
        PopplerRectangle *b = &rects[i];
        if (is_space(cp) || !finite_box(b))
            continue;
        glyph g = {cp, fmin(b->x1, b->x2), fmin(b->y1, b->y2), fmax(b->x1, b->x2),
                   fmax(b->y1, b->y2), r->ng};
        if (g.y1 - g.y0 <= 0.01)
            continue; /* no height: not a glyph one sees */
        if (r->ng == NB_PDF_MAX_CHARS) {
            snprintf(err, errlen, "page %d: more than %d characters", pageno, NB_PDF_MAX_CHARS);
            rc = NB_ERR_LIMIT;
            break;
        }
        if (GROW(r->g, r->ng, r->capg)) {
            snprintf(err, errlen, "out of memory");
            rc = NB_ERR_NOMEM;
            break;
        }
        r->g[r->ng++] = g;
    }
    g_free(text);
    g_free(rects);
    return rc;
}

/* ---- the page's rules ---- */

/* Draws PAGE into R's picture. 0, or -1 (out of memory). A page cairo cannot draw has no
 * rules (drawn stays 0). */
static int draw_page(reader *r, PopplerPage *page)
{
    picture *pic = &r->pic;
    pic->drawn = 0;
    double pw = 0, ph = 0;
    poppler_page_get_size(page, &pw, &ph);
    if (!(pw >= 1 && ph >= 1 && pw < 1e5 && ph < 1e5))
        return 0;
    double scale = RULE_SCALE;
    if (pw * ph * scale * scale > RULE_MAX_PIXELS)
        scale = sqrt(RULE_MAX_PIXELS / (pw * ph));
    int w = (int)ceil(pw * scale), h = (int)ceil(ph * scale);
    int stride = cairo_format_stride_for_width(CAIRO_FORMAT_ARGB32, w);
    if (w < 1 || h < 1 || stride <= 0)
        return 0;
    size_t need = (size_t)stride * (size_t)h, most = (size_t)(w > h ? w : h);
    if (need > pic->cap) {
        unsigned char *px = realloc(pic->px, need);
        if (!px)
            return -1;
        pic->px = px;
        pic->cap = need;
    }
    if (most > pic->capdark) {
        int *d = realloc(pic->dark, most * sizeof *d);
        if (!d)
            return -1;
        pic->dark = d;
        pic->capdark = most;
    }
    memset(pic->px, 0, need);
    cairo_surface_t *surf = cairo_image_surface_create_for_data(pic->px, CAIRO_FORMAT_ARGB32, w, h, stride);
    cairo_t *cr = cairo_create(surf);
    int ok = cairo_status(cr) == CAIRO_STATUS_SUCCESS;
    if (ok) {
        cairo_scale(cr, scale, scale);
        poppler_page_render(page, cr);
        ok = cairo_status(cr) == CAIRO_STATUS_SUCCESS;
    }
    cairo_destroy(cr);
    cairo_surface_flush(surf);
    cairo_surface_destroy(surf);
    if (!ok)
        return 0;
    pic->w = w;
    pic->h = h;
    pic->stride = stride;
    pic->scale = scale;
    pic->drawn = 1;
    return 0;
}

/* How dark the pixel at X, Y is, 0 to 255: how far its most inked channel is from white
 * (a black or coloured rule is dark, white paper or a white fill is not). */
static int darkness(const picture *pic, int x, int y)
{
    uint32_t p;
    memcpy(&p, pic->px + (size_t)y * (size_t)pic->stride + (size_t)x * 4, sizeof p);
    int a = (int)(p >> 24), c = (int)((p >> 16) & 0xFF), g = (int)((p >> 8) & 0xFF), b = (int)(p & 0xFF);
    int lo = c < g ? c : g;
    return a - (lo < b ? lo : b);
}

static int clampi(double v, int lo, int hi)
{
    if (!(v > lo))
        return lo;
    if (v > hi)
        return hi;
    return (int)v;
}

/* The rules across DARK[LO..HI] (the darkness of each pixel, the least along the rule's
 * length): runs of pixels darker than the page around them, at most RULE_WIDTH wide,
 * darker by RULE_INK in all (a thin rule shares its ink between two pixels). Their
 * centres, in pixels, into AT (at most MAX), only those whose centre is in [FROM, TO].
 * Returns how many. */
static size_t find_rules(const picture *pic, const int *dark, int lo, int hi, double from, double to,
                         double *at, size_t max)
{
    int around = (int)ceil(RULE_AROUND * pic->scale), widest = (int)ceil(RULE_WIDTH * pic->scale);
    size_t n = 0;
    int start = -1, ink = 0;
    for (int x = lo; x <= hi + 1 && n < max; x++) {
        int over = 0;
        if (x <= hi) {
            int l = x - around >= lo ? dark[x - around] : 0, r = x + around <= hi ? dark[x + around] : 0;
            over = dark[x] - (l < r ? l : r);
        }
        if (over >= RULE_INK / 4) {
            if (start < 0)
                start = x, ink = 0;
            ink += over;
            continue;
        }
        if (start >= 0) {
            double c = (start + x - 1) / 2.0 + 0.5;
            if (x - start <= widest && ink >= RULE_INK && c >= from && c <= to)
                at[n++] = c;
            start = -1;
        }
    }
    return n;
}

/* The vertical rules that cross the whole of Y0..Y1 (points) between X0 and X1: their
 * centres, in points, into AT (at most MAX). Returns how many (0 on a page not drawn). */
static size_t vrules(reader *r, double x0, double x1, double y0, double y1, double *at, size_t max)
{
    picture *pic = &r->pic;
    if (!pic->drawn || max == 0)
        return 0;
    double s = pic->scale;
    int around = (int)ceil(RULE_AROUND * s);
    int top = clampi(ceil(y0 * s), 0, pic->h - 1), bottom = clampi(floor(y1 * s) - 1, 0, pic->h - 1);
    int lo = clampi(floor(x0 * s) - around, 0, pic->w - 1), hi = clampi(ceil(x1 * s) + around, 0, pic->w - 1);
    if (bottom < top || hi < lo)
        return 0;
    for (int x = lo; x <= hi; x++) {
        int least = 255;
        for (int y = top; y <= bottom && least > 0; y++) {
            int d = darkness(pic, x, y);
            if (d < least)
                least = d;
        }
        pic->dark[x] = least;
    }
    size_t n = find_rules(pic, pic->dark, lo, hi, x0 * s, x1 * s, at, max);
    for (size_t i = 0; i < n; i++)
        at[i] /= s;
    return n;
}

/* Whether a horizontal rule across the whole of X0..X1 (points) lies between Y0 and Y1. */
static int hrule(reader *r, double x0, double x1, double y0, double y1)
{
    picture *pic = &r->pic;
    if (!pic->drawn)
        return 0;
    double s = pic->scale, at;
    int around = (int)ceil(RULE_AROUND * s);
    int left = clampi(ceil(x0 * s), 0, pic->w - 1), right = clampi(floor(x1 * s) - 1, 0, pic->w - 1);
    int lo = clampi(floor(y0 * s) - around, 0, pic->h - 1), hi = clampi(ceil(y1 * s) + around, 0, pic->h - 1);
    if (right < left || hi < lo)
        return 0;
    for (int y = lo; y <= hi; y++) {
        int least = 255;
        for (int x = left; x <= right && least > 0; x++) {
            int d = darkness(pic, x, y);
            if (d < least)
                least = d;
        }
        pic->dark[y] = least;
    }
    return find_rules(pic, pic->dark, lo, hi, y0 * s, y1 * s, &at, 1) > 0;
}

/* ---- step 2: lines and fragments ---- */

static double yc_of(const glyph *g)
{
    return (g->y0 + g->y1) / 2;
}

static int by_centre(const void *a, const void *b)
{
    const glyph *x = a, *y = b;
    double u = yc_of(x), v = yc_of(y);
    if (u != v)
        return u < v ? -1 : 1;
    return x->seq < y->seq ? -1 : x->seq > y->seq;
}

static int by_x(const void *a, const void *b)
{
    const glyph *x = a, *y = b;
    if (x->x0 != y->x0)
        return x->x0 < y->x0 ? -1 : 1;
    return x->seq < y->seq ? -1 : x->seq > y->seq;
}

/* The fragments of the glyphs G[0..N), one line, left to right. */
static int add_line(reader *r, glyph *g, size_t n)
{
    qsort(g, n, sizeof *g, by_x);
    if (GROW(r->l, r->nl, r->capl))
        return -1;
    pline *ln = &r->l[r->nl];
    memset(ln, 0, sizeof *ln);
    ln->first = r->nf;
    ln->y0 = INFINITY;
    ln->y1 = -INFINITY;
    frag *f = NULL;
    const glyph *prev = NULL;
    for (size_t i = 0; i < n; i++) {
        const glyph *x = &g[i];
        double h = x->y1 - x->y0;
        if (prev) {
            double ph = prev->y1 - prev->y0, hh = h > ph ? h : ph;
            /* the same character drawn again over itself (a bold made by overprinting) */
            if (x->cp == prev->cp && x->x0 - prev->x0 < 0.25 * (prev->x1 - prev->x0 + 0.01))
                continue;
            double gap = x->x0 - prev->x1, at;
            if (gap >= COLUMN_GAP * hh) {
                f = NULL;
            } else if (gap > 0 && vrules(r, prev->x1, x->x0, fmin(prev->y0, x->y0), fmax(prev->y1, x->y1), &at, 1)) {
                f = NULL; /* a rule between them: two cells */
            } else if (gap >= WORD_GAP * hh && !is_cjk(x->cp) && !is_cjk(prev->cp)) {
                if (nb_buf_add(&r->text, " ", 1))
                    return -1;
                f->len++;
            }
        }
        if (!f) {
            if (GROW(r->f, r->nf, r->capf))
                return -1;
            f = &r->f[r->nf++];
            *f = (frag){x->x0, x->x1, x->y0, x->y1, 0, r->nl, r->text.len, 0, 0, 0, -1, -1, 0, 0, 0};
            ln->n++;
        } else if (is_cjk(prev->cp) && is_digit(x->cp)) {
            f->cut = f->len;
            f->cut_x0 = prev->x1;
            f->cut_x1 = x->x0;
        }
        size_t before = r->text.len;
        if (add_cp(&r->text, x->cp))
            return -1;
        f->len += r->text.len - before;
        if (x->x1 > f->x1)
            f->x1 = x->x1;
        if (x->y0 < f->y0)
            f->y0 = x->y0;
        if (x->y1 > f->y1)
            f->y1 = x->y1;
        f->h = f->y1 - f->y0;
        if (f->y0 < ln->y0)
            ln->y0 = f->y0;
        if (f->y1 > ln->y1)
            ln->y1 = f->y1;
        prev = x;
    }
    ln->yc = (ln->y0 + ln->y1) / 2;
    for (size_t i = ln->first; i < ln->first + ln->n; i++) {
        frag *x = &r->f[i];
        x->figure = is_figure(r->text.data + x->off, x->len, &x->digits);
    }
    /* a label run into its row's first figure ("申请数量219"), where a cell has no margin:
     * cut when figures follow on the line */
    for (size_t i = ln->first + ln->n; i-- > ln->first;) {
        frag *x = &r->f[i];
        int digits;
        if (x->figure || !x->cut || i + 1 == ln->first + ln->n || !r->f[i + 1].digits ||
            !is_figure(r->text.data + x->off + x->cut, x->len - x->cut, &digits) || !digits)
            continue;
        if (GROW(r->f, r->nf, r->capf))
            return -1;
        x = &r->f[i];
        memmove(x + 2, x + 1, (r->nf - i - 1) * sizeof *x);
        r->nf++;
        ln->n++;
        frag *t = x + 1;
        *t = *x;
        t->off = x->off + x->cut;
        t->len = x->len - x->cut;
        t->x0 = x->cut_x1;
        t->figure = t->digits = 1;
        t->cut = 0;
        x->len = x->cut;
        x->x1 = x->cut_x0;
        x->cut = 0;
    }
    /* a data line: two figures or more, one of them with digits */
    int figures = 0, digits = 0;
    ln->reach = -INFINITY;
    for (size_t i = ln->first; i < ln->first + ln->n; i++) {
        const frag *x = &r->f[i];
        ln->reach = fmax(ln->reach, x->x1 - 0.3 * x->h);
        if (x->figure && !figures)
            ln->label_x = x->x0;
        figures += x->figure;
        digits += x->digits;
    }
    ln->data = figures >= 2 && digits >= 1;
    r->nl++;
    return 0;
}

static int make_lines(reader *r)
{
    r->nf = r->nl = 0;
    r->text.len = 0;
    if (r->ng == 0)
        return 0;
    qsort(r->g, r->ng, sizeof *r->g, by_centre);
    size_t start = 0;
    double sum = 0, hmax = 0;
    for (size_t i = 0; i <= r->ng; i++) {
        if (i < r->ng) {
            double yc = yc_of(&r->g[i]), h = r->g[i].y1 - r->g[i].y0;
            if (i > start) {
                double mean = sum / (double)(i - start), hh = h > hmax ? h : hmax;
                if (fabs(yc - mean) <= SAME_LINE * hh) {
                    sum += yc;
                    if (h > hmax)
                        hmax = h;
                    continue;
                }
            } else {
                sum = yc;
                hmax = h;
                continue;
            }
        }
        if (i > start && add_line(r, r->g + start, i - start))
            return -1;
        if (i < r->ng) {
            start = i;
            sum = yc_of(&r->g[i]);
            hmax = r->g[i].y1 - r->g[i].y0;
        }
    }
    return 0;
}

/* ---- step 3: labels that wrap ---- */

static double fyc(const frag *f)
{
    return (f->y0 + f->y1) / 2;
}

/* Whether fragment F is left of data line D's figures, on a line that has nothing over
 * them (a header row has): where D's labels are. */
static int left_of(const reader *r, const frag *f, size_t d)
{
    const pline *dl = &r->l[d];
    if (!dl->data || f->figure || f->x1 > dl->label_x + 0.3 * f->h)
        return 0;
    return f->line == d || r->l[f->line].reach <= dl->label_x;
}

/* Whether fragment F may be a piece of a label of data line D: left of its figures and
 * near it. */
static int in_labels(const reader *r, const frag *f, size_t d)
{
    return fabs(fyc(f) - r->l[d].yc) <= NEAR_ROW * f->h && left_of(r, f, d);
}

/* The data line nearest to F whose label F may be a piece of, or -1. */
static long nearest_row(reader *r, const frag *f)
{
    long best = -1;
    double bd = INFINITY;
    size_t li = f->line;
    size_t lo = li > SCAN_LINES ? li - SCAN_LINES : 0;
    size_t hi = li + SCAN_LINES < r->nl ? li + SCAN_LINES : r->nl - 1;
    r->budget -= (long)(hi - lo + 1);
    for (size_t d = lo; d <= hi; d++) {
        if (!in_labels(r, f, d))
            continue;
        double dist = fabs(fyc(f) - r->l[d].yc);
        if (dist < bd - 1e-6 * f->h) {
            bd = dist;
            best = (long)d;
        }
    }
    return best;
}

/* The data lines a chain spanning Y0..Y1 with pieces FIRST.. and MORE crosses: their
 * centres in the span, a piece left of their figures. Returns how many (at most 2
 * are looked for), the first in *D. */
static int crossings(reader *r, long first, const frag *more, double y0, double y1, long *d)
{
    int n = 0;
    const frag *f0 = &r->f[first];
    size_t li = f0->line;
    size_t lo = li > SCAN_LINES ? li - SCAN_LINES : 0;
    size_t hi = li + 2 * SCAN_LINES < r->nl ? li + 2 * SCAN_LINES : r->nl - 1;
    for (size_t k = lo; k <= hi && n < 2; k++) {
        const pline *dl = &r->l[k];
        r->budget--;
        if (!dl->data || dl->yc < y0 || dl->yc > y1)
            continue;
        r->budget -= MAX_PIECES;
        int any = more && left_of(r, more, k);
        for (long p = first; p >= 0 && !any; p = r->f[p].next)
            any = left_of(r, &r->f[p], k);
        if (any) {
            if (n == 0)
                *d = (long)k;
            n++;
        }
    }
    return n;
}

/* The fragment on the first line below F's that overlaps it horizontally, within a
 * cell's line spacing; -1 when none. */
static long below(reader *r, const frag *f)
{
    for (size_t li = f->line + 1; li < r->nl && li <= f->line + SCAN_LINES; li++) {
        const pline *ln = &r->l[li];
        r->budget -= SCAN_FRAGS;
        if (ln->y0 - f->y1 > WRAP_GAP * f->h)
            return -1;
        /* the fragments of a line are left to right and apart: find the first that ends
         * after F starts */
        size_t lo = ln->first, hi = ln->first + ln->n;
        while (lo < hi) {
            size_t mid = lo + (hi - lo) / 2;
            if (r->f[mid].x1 <= f->x0)
                lo = mid + 1;
            else
                hi = mid;
        }
        long best = -1;
        double most = 0;
        for (size_t i = lo, k = 0; i < ln->first + ln->n && r->f[i].x0 < f->x1 && k < SCAN_FRAGS;
             i++, k++) {
            double ov = fmin(f->x1, r->f[i].x1) - fmax(f->x0, r->f[i].x0);
            if (ov > most) {
                most = ov;
                best = (long)i;
            }
        }
        if (best >= 0)
            return best;
    }
    return -1;
}

/* Whether F starts as a numbered label does ("8." "2、" "（三）" "(3)" "四、"): the first line
 * of a label, never the rest of one above it. */
static int numbered(const reader *r, const frag *f)
{
    const char *p = r->text.data + f->off, *end = p + f->len;
    gunichar c = g_utf8_get_char(p);
    int paren = c == '(' || c == 0xFF08;
    if (paren)
        p = g_utf8_next_char(p);
    const char *start = p;
    while (p < end) {
        c = g_utf8_get_char(p);
        if (!is_digit(c) && !g_utf8_strchr("一二三四五六七八九十", -1, c))
            break;
        p = g_utf8_next_char(p);
    }
    if (p == start || p >= end)
        return 0;
    c = g_utf8_get_char(p);
    if (paren)
        return c == ')' || c == 0xFF09;
    return c == '.' || c == 0x3001 || c == 0xFF0E || c == 0xFF0C;
}

/* The data line F is a label on, or -1. */
static long anchor_of(const reader *r, const frag *f)
{
    return r->l[f->line].data && in_labels(r, f, f->line) ? (long)f->line : -1;
}

/* Grows the chain that starts at fragment I downwards: pieces of one cell, their lines
 * at most a line's spacing apart, overlapping, with at most one data line among them or
 * crossed by them: the chain's row. A cell centred on its row (pieces above the row's
 * figures) takes a piece more below them only while that brings its centre nearer to the
 * row's; a cell at the top of its row (its first piece on the row) only a piece nearer to
 * its row than to the next. Returns the line to write the chain on (its row's, else its
 * first piece's), or -1 when it has one piece. */
static long grow_chain(reader *r, size_t i)
{
    frag *s = &r->f[i];
    long row = anchor_of(r, s); /* the chain's data line, once known */
    int top = row >= 0;         /* its first piece is on it */
    long last = (long)i, n = 1;
    double y0 = s->y0, y1 = s->y1;
    while (n < MAX_PIECES) {
        frag *l = &r->f[last];
        long gi = below(r, l);
        if (gi < 0)
            break;
        frag *g = &r->f[gi];
        if (g->chain != -1 || g->figure || g->y0 - l->y1 < -SAME_LINE * l->h ||
            g->h < 0.8 * l->h || g->h > 1.25 * l->h || numbered(r, g))
            break;
        if (g->y0 > l->y1 && hrule(r, fmax(l->x0, g->x0), fmin(l->x1, g->x1), l->y1, g->y0))
            break; /* a rule between them: the next row's cell */
        long d = -1;
        int nd = crossings(r, (long)i, g, y0, g->y1, &d);
        long g_anchor = anchor_of(r, g);
        if (nd > 1 || (g_anchor >= 0 && row >= 0 && g_anchor != row) ||
            (nd == 1 && row >= 0 && d != row) || (g_anchor >= 0 && nd == 1 && d != g_anchor))
            break; /* two rows */
        if (row >= 0 && top) {
            if (nearest_row(r, g) != row)
                break; /* nearer to the next row: its piece */
        } else if (row >= 0) {
            double c0 = (y0 + y1) / 2, c1 = (y0 + g->y1) / 2, yc = r->l[row].yc;
            if (fabs(c1 - yc) >= fabs(c0 - yc))
                break; /* centred already */
        }
        if (row < 0)
            row = g_anchor >= 0 ? g_anchor : nd == 1 ? d : -1;
        l->next = gi;
        g->chain = -3; /* in the chain being grown */
        last = gi;
        y1 = g->y1;
        n++;
    }
    if (n == 1)
        return -1;
    return row >= 0 ? row : (long)s->line; /* a cell beside no row: joined where it starts */
}

/* Chains the pieces of wrapped labels and decides the line each is written on (within a
 * budget of work: a hostile page gets its lines unjoined past it). */
static int make_chains(reader *r)
{
    r->nc = 0;
    r->budget = BUDGET;
    for (size_t i = 0; i < r->nf && r->budget > 0; i++) { /* past the budget: lines as they are */
        frag *s = &r->f[i];
        if (s->chain != -1 || s->figure || nearest_row(r, s) < 0)
            continue;
        s->chain = -3;
        long target = grow_chain(r, i);
        if (target >= 0 && GROW(r->c, r->nc, r->capc))
            return -1;
        double x0 = INFINITY, x1 = -INFINITY;
        for (long p = (long)i; p >= 0;) {
            frag *f = &r->f[p];
            long nx = f->next;
            if (target >= 0) {
                f->chain = (long)r->nc;
                x0 = fmin(x0, f->x0);
                x1 = fmax(x1, f->x1);
            } else {
                f->chain = p == (long)i ? -2 : -1; /* -2: looked at, left */
                f->next = -1;
            }
            p = nx;
        }
        if (target >= 0)
            r->c[r->nc++] = (chain){(long)i, target, x0, x1};
    }
    for (size_t i = 0; i < r->nf; i++)
        if (r->f[i].chain == -2)
            r->f[i].chain = -1;
    return 0;
}

/* ---- step 4: the lines ---- */

static uint32_t first_cp(const reader *r, const frag *f)
{
    return g_utf8_get_char(r->text.data + f->off);
}

static uint32_t last_cp(const reader *r, const frag *f)
{
    const char *end = r->text.data + f->off + f->len;
    return g_utf8_get_char(g_utf8_find_prev_char(r->text.data + f->off, end));
}

/* An item of a line: a fragment (I < NF), a chain (NF + its index) or a blank cell (NF +
 * NC + its index). */
static double item_x(const reader *r, size_t it)
{
    if (it < r->nf)
        return r->f[it].x0;
    if (it < r->nf + r->nc)
        return r->c[it - r->nf].x0;
    return r->blank[it - r->nf - r->nc];
}

static const reader *sort_r;

static int by_item_x(const void *a, const void *b)
{
    size_t x = *(const size_t *)a, y = *(const size_t *)b;
    double u = item_x(sort_r, x), v = item_x(sort_r, y);
    if (u != v)
        return u < v ? -1 : 1;
    return x < y ? -1 : x > y;
}

static int add_item(reader *r, size_t it)
{
    if (it < r->nf) {
        const frag *f = &r->f[it];
        return nb_buf_add(&r->out, r->text.data + f->off, f->len);
    }
    if (it >= r->nf + r->nc)
        return nb_buf_adds(&r->out, BLANK_CELL);
    const frag *prev = NULL;
    for (long p = r->c[it - r->nf].first; p >= 0; p = r->f[p].next) {
        const frag *f = &r->f[p];
        if (prev && is_alnum_ascii(last_cp(r, prev)) && is_alnum_ascii(first_cp(r, f)) &&
            nb_buf_add(&r->out, " ", 1))
            return -1;
        if (nb_buf_add(&r->out, r->text.data + f->off, f->len))
            return -1;
        prev = f;
    }
    return 0;
}

/* The blank cells of line I (a line with a figure on a drawn page): the cells between
 * the vertical rules that cross it, right of its labels, with nothing in them, their
 * centres into r->blank. Returns how many, or -1 (out of memory). */
static long blank_cells(reader *r, size_t i, const size_t *items, size_t n)
{
    const pline *ln = &r->l[i];
    enum { MAX_RULES = 256 };
    double rules[MAX_RULES];
    int figures = 0;
    double labels = -INFINITY; /* where its labels end */
    for (size_t k = 0; k < n; k++) {
        size_t it = items[k];
        if (it < r->nf && r->f[it].figure)
            figures++;
        else
            labels = fmax(labels, it < r->nf ? r->f[it].x1 : r->c[it - r->nf].x1);
    }
    if (!figures || !r->pic.drawn)
        return 0;
    size_t nr = vrules(r, 0, r->pic.w / r->pic.scale, ln->y0, ln->y1, rules, MAX_RULES);
    if (nr < 2 || nr == MAX_RULES) /* no table, or not one a report prints */
        return 0;
    long nb = 0;
    for (size_t k = 0; k + 1 < nr; k++) {
        double a = rules[k], b = rules[k + 1];
        if (a < labels || b - a < 0.5 * (ln->y1 - ln->y0))
            continue; /* a label's cell, or a double rule */
        int empty = 1;
        for (size_t j = 0; j < n && empty; j++) {
            size_t it = items[j];
            double x0 = item_x(r, it), x1 = it < r->nf ? r->f[it].x1 : r->c[it - r->nf].x1;
            empty = (x0 + x1) / 2 < a || (x0 + x1) / 2 > b;
        }
        if (!empty)
            continue;
        if ((size_t)nb == r->capb && grow(&r->blank, &r->capb, sizeof *r->blank))
            return -1;
        r->blank[nb++] = (a + b) / 2;
    }
    return nb;
}

static nb_err give_lines(reader *r, int page_break, char *err, size_t errlen)
{
    /* the chains written on each line: list[at[i]..at[i+1]) are line i's */
    size_t *at = calloc(r->nl + 2, sizeof *at);
    size_t *list = malloc((r->nc + 1) * sizeof *list);
    if (!at || !list) {
        free(at);
        free(list);
        snprintf(err, errlen, "out of memory");
        return NB_ERR_NOMEM;
    }
    for (size_t k = 0; k < r->nc; k++)
        at[r->c[k].target + 2]++;
    for (size_t i = 1; i < r->nl + 2; i++)
        at[i] += at[i - 1];
    for (size_t k = 0; k < r->nc; k++)
        list[at[r->c[k].target + 1]++] = k;
    nb_err rc = NB_OK;
    for (size_t i = 0; i < r->nl && !r->stopped && !rc; i++) {
        const pline *ln = &r->l[i];
        size_t n = 0;
        for (int pass = 0; pass < 2 && !rc; pass++) {
            /* the line's items (then its blank cells with them) */
            long nb = pass == 0 ? 0 : blank_cells(r, i, r->order, n);
            size_t need = ln->n + (at[i + 1] - at[i]) + (size_t)(nb > 0 ? nb : 0);
            if (nb < 0 || (need > r->capo && grow_to(&r->order, &r->capo, need))) {
                rc = NB_ERR_NOMEM;
                break;
            }
            if (pass == 0) {
                for (size_t k = ln->first; k < ln->first + ln->n; k++)
                    if (r->f[k].chain < 0)
                        r->order[n++] = k;
                for (size_t k = at[i]; k < at[i + 1]; k++)
                    r->order[n++] = r->nf + list[k];
            } else {
                for (long k = 0; k < nb; k++)
                    r->order[n++] = r->nf + r->nc + (size_t)k;
            }
        }
        if (rc)
            break;
        if (n == 0)
            continue;
        sort_r = r;
        qsort(r->order, n, sizeof *r->order, by_item_x);
        r->out.len = 0;
        if (page_break && nb_buf_add(&r->out, "\f", 1)) {
            rc = NB_ERR_NOMEM;
            break;
        }
        page_break = 0;
        for (size_t k = 0; k < n && !rc; k++)
            if ((k && nb_buf_add(&r->out, "  ", 2)) || add_item(r, r->order[k]))
                rc = NB_ERR_NOMEM;
        if (rc || nb_buf_add(&r->out, "", 1)) {
            rc = NB_ERR_NOMEM;
            break;
        }
        if (r->line == NB_HTML_MAX_LINES) {
            snprintf(err, errlen, "more than %d lines of text", NB_HTML_MAX_LINES);
            rc = NB_ERR_LIMIT;
            break;
        }
        if ((r->given += r->out.len) > NB_PDF_MAX_TEXT) {
            snprintf(err, errlen, "more than %u MiB of text", NB_PDF_MAX_TEXT >> 20);
            rc = NB_ERR_LIMIT;
            break;
        }
        if (r->fn(r->ud, ++r->line, r->out.data, NULL, 0))
            r->stopped = 1;
    }
    if (rc == NB_ERR_NOMEM)
        snprintf(err, errlen, "out of memory");
    free(at);
    free(list);
    return rc;
}

/* ---- the document ---- */

/* Whether the page's lines may have a table's row: a figure with digits (a row of one
 * figure, its other cells blank, too). */
static int has_rows(const reader *r)
{
    for (size_t k = 0; k < r->nf; k++)
        if (r->f[k].digits)
            return 1;
    return 0;
}

static nb_err read_page(reader *r, PopplerPage *page, int pageno, char *err, size_t errlen)
{
    nb_err rc = read_glyphs(r, page, pageno, err, errlen);
    if (rc)
        return rc;
    r->pic.drawn = 0;
    if (make_lines(r)) {
        snprintf(err, errlen, "out of memory");
        return NB_ERR_NOMEM;
    }
    /* a page that may have a table's rows: drawn, and its lines made again along its rules */
    if (has_rows(r) && (draw_page(r, page) || (r->pic.drawn && make_lines(r)))) {
        snprintf(err, errlen, "out of memory");
        return NB_ERR_NOMEM;
    }
    if (make_chains(r)) {
        snprintf(err, errlen, "out of memory");
        return NB_ERR_NOMEM;
    }
    return give_lines(r, pageno > 1 && r->line > 0, err, errlen);
}

nb_err nb_pdf_lines(const char *data, size_t len, nb_html_fn fn, void *ud, char *err,
                    size_t errlen)
{
    if (len > NB_PDF_MAX_BYTES) {
        snprintf(err, errlen, "a PDF file of more than %u MiB", NB_PDF_MAX_BYTES >> 20);
        return NB_ERR_LIMIT;
    }
    if (len > INT_MAX) {
        snprintf(err, errlen, "a PDF file too large");
        return NB_ERR_LIMIT;
    }
    GBytes *bytes = g_bytes_new_static(data, len);
    GError *gerr = NULL;
    PopplerDocument *doc = poppler_document_new_from_bytes(bytes, NULL, &gerr);
    if (!doc) {
        int encrypted = gerr && gerr->domain == POPPLER_ERROR && gerr->code == POPPLER_ERROR_ENCRYPTED;
        const char *why = gerr && gerr->message ? gerr->message : "unknown error";
        if (encrypted)
            snprintf(err, errlen, "an encrypted PDF: it opens only with its password, which "
                     "nianbao does not take (poppler: %s)", why);
        else
            snprintf(err, errlen, "not a PDF file that can be read (poppler: %s)", why);
        if (gerr)
            g_error_free(gerr);
        g_bytes_unref(bytes);
        return NB_ERR_INPUT;
    }
    nb_err rc = NB_OK;
    int pages = poppler_document_get_n_pages(doc);
    if (pages > NB_PDF_MAX_PAGES) {
        snprintf(err, errlen, "a PDF of %d pages, more than %d", pages, NB_PDF_MAX_PAGES);
        rc = NB_ERR_LIMIT;
    }
    reader r = {0};
    r.fn = fn;
    r.ud = ud;
    for (int i = 0; i < pages && !rc && !r.stopped; i++) {
        PopplerPage *page = poppler_document_get_page(doc, i);
        if (!page)
            continue; /* a page poppler cannot make: no text */
        rc = read_page(&r, page, i + 1, err, errlen);
        g_object_unref(page);
    }
    free(r.g);
    free(r.f);
    free(r.l);
    free(r.c);
    free(r.order);
    free(r.blank);
    free(r.pic.px);
    free(r.pic.dark);
    nb_buf_free(&r.text);
    nb_buf_free(&r.out);
    g_object_unref(doc);
    g_bytes_unref(bytes);
    return rc;
}
