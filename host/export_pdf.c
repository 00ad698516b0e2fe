/* export_pdf.c - the PDF exporter: the report on A4 in the style of a government
 * document (GB/T 9704), laid out with Pango and drawn with Cairo.
 *
 * The page: A4 with margins of 37 mm (top), 35 mm (bottom), 28 mm (left) and
 * 26 mm (right); the title in NB_FONT_TITLE at 22 pt, centred, broken between
 * words into balanced lines; part headings (level 1) in NB_FONT_HEADING and
 * sub-headings (level 2) in the body font in bold, both 16 pt; paragraphs in
 * NB_FONT_BODY at 16 pt, justified, the first line indented two characters,
 * 22 lines to a page; the page number "— 1 —" centred 7 mm below the text. A
 * heading is kept with the first lines of what follows it; a paragraph leaves
 * no single line at the foot or the head of a page. The font roles are
 * comma-separated family lists, which Pango takes as they are: a machine with
 * the licensed 仿宋/黑体 uses them, others fall back to Noto CJK.
 *
 * Tables: every cell ruled, merges as merged cells, header rows centred (bold
 * where the cell is a header) and repeated at the top of every page the table
 * runs onto; rows are never split (but one taller than a whole page, which
 * goes on line by line), a table never breaks after one of its heading rows,
 * and a section of it (a heading row and its rows, as 表二's 第二十条第（五）项)
 * goes whole on to the next page rather than being cut.
 * Column widths come from the text measured by Pango: a column is at least as
 * wide as its widest unbreakable word (header words of up to four characters
 * are never broken; labels break after punctuation first, then after
 * particles such as 或, then between the words of the tables' vocabulary, and
 * only then anywhere), and the rest of the width goes where it saves the most
 * lines; a table too wide for that gets smaller text (10.5 pt down to 5), and
 * one too wide even then narrower columns than its words (numbers are never
 * broken). Every line of a cell sits on a line of its row, so the text taken
 * from the page (pdftotext -layout) keeps a row's label and numbers on one
 * line, columns apart.
 *
 * Fonts: each role's font is cut down to the document's characters first
 * (pdf_fonts.h: Cairo reads a whole font for each glyph it embeds).
 *
 * Metadata: title, author (the body), creator, and the creation date from
 * doc->created, so the same document always gives the same bytes. The file
 * is written through nb_out (export_util.h): complete or not at all.
 * Without Pango and Cairo at build time (no NB_HAVE_PDF) the exporter refuses
 * and names the packages to install. Depends on Pango, PangoCairo, Cairo
 * (cairo-pdf), GLib, pdf_fonts.c and libc. */
#include "export.h"
#include "export_grid.h"
#include "export_layout.h"
#include "export_util.h"
#include "wml.h"

#include <stdio.h>

#ifndef NB_HAVE_PDF

nb_err nb_export_pdf(const nb_doc *doc, const char *path, char *err, size_t errlen)
{
    (void)doc;
    snprintf(err, errlen,
             "%s: this nianbao was built without PDF output (Pango and Cairo were not found); "
             "install the Debian packages libpango1.0-dev and libcairo2-dev and rebuild",
             path);
    return NB_ERR_INPUT;
}

#else

#include <cairo-pdf.h>
#include <cairo.h>
#include <math.h>
#include <pango/pangocairo.h>
#include <pango/pangofc-fontmap.h>
#include <stdlib.h>
#include <string.h>

#include "pdf_fonts.h"

/* ---- the page (points) ----------------------------------------------------- */

#define MM (72.0 / 25.4)
#define PAGE_W (210.0 * MM)
#define PAGE_H (297.0 * MM)
#define LEFT (28.0 * MM)
#define TOP (37.0 * MM)
#define TEXT_W ((210.0 - 28.0 - 26.0) * MM)
#define BOTTOM ((297.0 - 35.0) * MM)   /* the foot of the text */
#define TEXT_H (BOTTOM - TOP)
#define FOLIO_GAP (7.0 * MM)           /* from the text to the page number */

#define TITLE_SIZE 22.0                /* 二号 */
#define TITLE_PITCH 36.0
#define BODY_SIZE 16.0                 /* 三号 */
#define BODY_PITCH (TEXT_H / 22.0)     /* 22 lines to a page: 28.99 pt */
#define FOLIO_SIZE 14.0                /* 四号 */
#define CAPTION_SIZE 14.0
#define CAPTION_PITCH 24.0

#define CELL_PAD_X 3.0                 /* inside a cell, each side */
#define CELL_PAD_Y 3.0
#define LABEL_INDENT 0.6               /* before a left-aligned label, times the text size: with
                                          the padding, a gap pdftotext -layout prints as spaces */
#define TABLE_PITCH 1.3                /* line pitch of table text, times its size */
#define TABLE_BEFORE 6.0               /* space above a table (below a caption) */
#define TABLE_AFTER 14.0
#define RULE 0.5                       /* cell borders */
#define EPS 0.01

/* Table text sizes and line breaking, tried in order until the table's
 * narrowest layout fits the text width. */
enum { MODE_STRICT, MODE_RELAXED, MODE_LOOSE };
static const struct {
    double size;
    int mode;
} table_tries[] = {
    {10.5, MODE_STRICT}, {10.0, MODE_STRICT}, {10.5, MODE_RELAXED}, {10.0, MODE_RELAXED},
    {9.5, MODE_RELAXED}, {9.0, MODE_RELAXED}, {8.5, MODE_RELAXED}, {8.0, MODE_RELAXED},
    {8.0, MODE_LOOSE},   {7.0, MODE_LOOSE},
};

/* Break classes (export_layout.h), by the names this file uses. */
enum {
    BRK_PUNCT = NB_BRK_PUNCT,
    BRK_PARTICLE = NB_BRK_PARTICLE,
    BRK_WORD = NB_BRK_WORD,
    BRK_CHAR = NB_BRK_CHAR,
    BRK_INWORD = NB_BRK_INWORD,
    BRK_ANY = NB_BRK_ANY,
    BRK_CLASSES = NB_BRK_CLASSES
};

enum { AL_LEFT, AL_CENTER };
enum { F_TITLE, F_HEADING, F_SUBHEADING, F_BODY, F_FOLIO, F_CAPTION, F_COUNT };

/* ---- the exporter's state ---------------------------------------------------- */

typedef struct {
    const nb_doc *doc;
    cairo_surface_t *surface;
    cairo_t *cr;
    PangoContext *pc;
    PangoLayout *measure;              /* a layout for measuring text */
    PangoFontDescription *fonts[F_COUNT];
    nb_pdf_fonts *subsets;             /* the fonts cut down to the document (pdf_fonts.h) */
    int page;                          /* the current page, from 1 */
    double y;                          /* the top of the free space on it */
    int outline_part;                  /* outline id of the last part heading */
    nb_err rc;                         /* the first failure */
    char *err;
    size_t errlen;
} pdf;

/* Valid UTF-8 for Pango (which warns on anything else): a copy to g_free. */
static char *utf8_copy(const char *s, gssize len)
{
    return g_utf8_make_valid(s ? s : "", s ? len : 0);
}

static PangoFontDescription *font_new(const char *families, double size, int bold)
{
    PangoFontDescription *f = pango_font_description_new();
    pango_font_description_set_family(f, families);
    pango_font_description_set_absolute_size(f, size * PANGO_SCALE);
    if (bold)
        pango_font_description_set_weight(f, PANGO_WEIGHT_BOLD);
    return f;
}

/* The family list of ROLE: the document's own, its subset's family first when there is one. */
static const char *role_font(const pdf *p, nb_font_role role)
{
    const char *sub = nb_pdf_fonts_family(p->subsets, (int)role);
    return sub ? sub : nb_doc_font(p->doc, role);
}

/* A layout of TEXT (any bytes) in FONT, unwrapped. */
static PangoLayout *layout_new(pdf *p, const PangoFontDescription *font, const char *text)
{
    PangoLayout *l = pango_layout_new(p->pc);
    char *s = utf8_copy(text, -1);
    pango_layout_set_font_description(l, font);
    pango_layout_set_text(l, s, -1);
    g_free(s);
    return l;
}

/* ---- measured text and line breaking ------------------------------------- */

/* One paragraph measured for line breaking: the positions of its characters
 * at 1 pt (scaled by the size in use) and where a line may end. */
typedef struct {
    char *s;            /* the text, valid UTF-8 (g_free) */
    int n;              /* characters */
    int *off;           /* n + 1 byte offsets */
    double *x;          /* n + 1 pen positions at 1 pt */
    unsigned char *brk; /* n + 1: break class before character i (0 at the ends) */
} mtext;

static void mtext_free(mtext *m)
{
    g_free(m->s);
    free(m->off);
    free(m->x);
    free(m->brk);
}

/* Measures TEXT (LEN bytes) in FONT at 1 pt. NB_ERR_NOMEM. */
static nb_err mtext_init(pdf *p, mtext *m, const PangoFontDescription *font, const char *text, int len)
{
    PangoFontDescription *unit = pango_font_description_copy(font);
    const PangoLogAttr *attrs;
    PangoRectangle logical;
    int nattrs, nclasses;
    unsigned char *allowed, *classes;
    const char *s;

    memset(m, 0, sizeof *m);
    m->s = utf8_copy(text, len);
    m->n = (int)g_utf8_strlen(m->s, -1);
    m->off = malloc(((size_t)m->n + 1) * sizeof *m->off);
    m->x = malloc(((size_t)m->n + 1) * sizeof *m->x);
    m->brk = calloc((size_t)m->n + 1, 1);
    if (!m->off || !m->x || !m->brk) {
        pango_font_description_free(unit);
        mtext_free(m);
        memset(m, 0, sizeof *m);
        return NB_ERR_NOMEM;
    }
    pango_font_description_set_absolute_size(unit, 100 * PANGO_SCALE); /* measured at 100 pt */
    pango_layout_set_font_description(p->measure, unit);
    pango_layout_set_text(p->measure, m->s, -1);
    pango_font_description_free(unit);
    attrs = pango_layout_get_log_attrs_readonly(p->measure, &nattrs);
    s = m->s;
    for (int i = 0; i <= m->n; i++) {
        m->off[i] = (int)(s - m->s);
        if (i < m->n)
            s = g_utf8_next_char(s);
    }
    for (int i = 0; i < m->n; i++) {
        PangoRectangle pos;
        pango_layout_index_to_pos(p->measure, m->off[i], &pos);
        m->x[i] = pos.x / (double)PANGO_SCALE / 100.0;
    }
    pango_layout_get_extents(p->measure, NULL, &logical);
    m->x[m->n] = logical.width / (double)PANGO_SCALE / 100.0;
    /* where a line may end: Pango's line breaking, classed by export_layout.h */
    allowed = calloc((size_t)m->n + 1, 1);
    for (int i = 1; allowed && i < m->n; i++)
        allowed[i] = i < nattrs && attrs[i].is_line_break;
    classes = allowed ? nb_layout_breaks(m->s, strlen(m->s), allowed, &nclasses) : NULL;
    free(allowed);
    if (!classes || nclasses != m->n) {
        free(classes);
        mtext_free(m);
        memset(m, 0, sizeof *m);
        return NB_ERR_NOMEM;
    }
    memcpy(m->brk, classes, (size_t)m->n + 1);
    free(classes);
    for (int i = 1; i < m->n; i++) {
        if (m->x[i] < m->x[i - 1]) /* clusters measured out of order: keep it monotonic */
            m->x[i] = m->x[i - 1];
    }
    m->brk[0] = m->brk[m->n] = 0;
    if (m->n > 0 && m->x[m->n] < m->x[m->n - 1])
        m->x[m->n] = m->x[m->n - 1];
    return NB_OK;
}

/* Lines of M at width W (points, at SIZE) breaking only at classes up to K;
 * -1 when some piece between allowed breaks is wider than W. */
static int greedy_lines(const mtext *m, double size, double w, int k)
{
    int lines = 1, start = 0, last = 0;

    for (int i = 1; i <= m->n; i++) {
        if ((m->x[i] - m->x[start]) * size > w + EPS) {
            if (last <= start)
                return -1;
            lines++;
            start = last;
            if ((m->x[i] - m->x[start]) * size > w + EPS)
                return -1;
        }
        if (i < m->n && m->brk[i] <= k)
            last = i;
    }
    return lines;
}

/* The fewest lines of M at width W with breaks of classes up to MAXK, and in
 * *CLASS the best class that gives them. When nothing fits, every character
 * on a line of its own. */
static int fewest_lines(const mtext *m, double size, double w, int maxk, int *class)
{
    int best = -1, bestk = BRK_ANY;

    if (m->n == 0) {
        *class = 0;
        return 1;
    }
    for (int k = 0; k <= BRK_ANY; k++) {
        int n = greedy_lines(m, size, w, k);
        if (k > maxk && best > 0)
            break; /* beyond what the cell allows only when nothing fitted */
        if (n > 0 && (best < 0 || n < best)) {
            best = n;
            bestk = k;
        }
    }
    *class = bestk;
    return best > 0 ? best : m->n;
}

/* The width of the widest piece of M between breaks of classes up to K. */
static double widest_piece(const mtext *m, double size, int k)
{
    double widest = 0;
    int start = 0;

    for (int i = 1; i <= m->n; i++) {
        if (i == m->n || m->brk[i] <= k) {
            double w = (m->x[i] - m->x[start]) * size;
            if (w > widest)
                widest = w;
            start = i;
        }
    }
    return widest;
}

/* The cost of a break of each class, in units of the text size squared. */
static const double break_cost[BRK_CLASSES] = {0, 0, 0.25, 1, 4, 9, 16};

/* The ends of the lines of M at width W breaking first-fit at the positions
 * POS (NPOS of them, from 0 to M->n) into ENDS; returns the number of lines. */
static int greedy_ends(const mtext *m, double size, double w, const int *pos, int npos, int *ends)
{
    int start = 0, last = 0, line = 0;

    for (int j = 1; j < npos; j++) {
        if ((m->x[pos[j]] - m->x[start]) * size > w + EPS && last > start) {
            ends[line++] = last;
            start = last;
        }
        last = pos[j];
    }
    ends[line++] = m->n;
    return line;
}

/* Chooses where M's lines end at width W: the fewest lines, with the best
 * break class that gives them, of lengths as even as those breaks allow
 * (between equals, the longer first line). Writes the ends (character
 * indexes, the last is M->n) into ENDS (M->n + 1 entries); returns the
 * number of lines, or -1 when out of memory. */
static int break_lines(const mtext *m, double size, double w, int maxk, int *ends)
{
    int k, nlines = fewest_lines(m, size, w, maxk, &k);
    int *pos, npos = 0, *from;
    double *cost;

    if (m->n == 0) {
        ends[0] = 0;
        return 1;
    }
    if (nlines >= m->n && greedy_lines(m, size, w, BRK_ANY) < 0) {
        for (int i = 0; i < m->n; i++) /* nothing fits: a character a line */
            ends[i] = i + 1;
        return m->n;
    }
    pos = malloc(((size_t)m->n + 1) * sizeof *pos);
    if (!pos)
        return -1;
    pos[npos++] = 0;
    for (int i = 1; i < m->n; i++) {
        if (m->brk[i] <= k)
            pos[npos++] = i;
    }
    pos[npos++] = m->n;
    if (npos > 120 || nlines == 1) { /* one line, or long text: first fit */
        nlines = greedy_ends(m, size, w, pos, npos, ends);
        free(pos);
        return nlines;
    }
    /* cost[l * npos + j]: the least cost of l lines ending at pos[j] */
    cost = malloc((size_t)(nlines + 1) * npos * sizeof *cost);
    from = malloc((size_t)(nlines + 1) * npos * sizeof *from);
    if (!cost || !from) {
        free(pos);
        free(cost);
        free(from);
        return -1;
    }
    for (int i = 0; i < (nlines + 1) * npos; i++) {
        cost[i] = INFINITY;
        from[i] = -1;
    }
    cost[0] = 0;
    for (int l = 1; l <= nlines; l++) {
        for (int j = 1; j < npos; j++) {
            for (int a = 0; a < j; a++) {
                double lw = (m->x[pos[j]] - m->x[pos[a]]) * size, c;
                if (!isfinite(cost[(l - 1) * npos + a]) || lw > w + EPS)
                    continue;
                c = cost[(l - 1) * npos + a] + (w - lw) * (w - lw)
                    + (j < npos - 1 ? break_cost[m->brk[pos[j]]] * size * size : 0);
                if (c <= cost[l * npos + j]) {
                    cost[l * npos + j] = c;
                    from[l * npos + j] = a;
                }
            }
        }
    }
    if (isfinite(cost[nlines * npos + npos - 1])) {
        for (int l = nlines, j = npos - 1; l > 0; l--) {
            ends[l - 1] = pos[j];
            j = from[l * npos + j];
        }
    } else { /* not expected (the first-fit breaks fit), but then those */
        nlines = greedy_ends(m, size, w, pos, npos, ends);
    }
    free(pos);
    free(cost);
    free(from);
    return nlines;
}

/* Appends the lines of M ending at ENDS (N of them) to S, a newline between
 * two, without the spaces at their ends. */
static void lines_append(GString *s, const mtext *m, const int *ends, int n)
{
    int start = 0;

    for (int l = 0; l < n; l++) {
        int a = start, b = ends[l];
        while (a < b && m->s[m->off[a]] == ' ')
            a++;
        while (b > a && m->s[m->off[b - 1]] == ' ')
            b--;
        if (l > 0)
            g_string_append_c(s, '\n');
        g_string_append_len(s, m->s + m->off[a], m->off[b] - m->off[a]);
        start = ends[l];
    }
}

/* ---- drawing lines ------------------------------------------------------------- */

/* Draws line I of layout L in a line of height PITCH whose top is at TOP:
 * from X plus the line's own offset in the layout (indent, alignment), or
 * with AL_CENTER centred in the AVAIL points from X. */
static void draw_line(pdf *p, PangoLayout *l, int i, double x, double top, double pitch, int align,
                      double avail)
{
    PangoLayoutIter *it = pango_layout_get_iter(l);
    PangoRectangle logical;
    double baseline, lx;

    for (int k = 0; k < i && pango_layout_iter_next_line(it); k++)
        ;
    pango_layout_iter_get_line_extents(it, NULL, &logical);
    baseline = (pango_layout_iter_get_baseline(it) - logical.y) / (double)PANGO_SCALE;
    lx = logical.x / (double)PANGO_SCALE;
    if (align == AL_CENTER)
        lx = (avail - logical.width / (double)PANGO_SCALE) / 2;
    cairo_move_to(p->cr, x + lx, top + (pitch - logical.height / (double)PANGO_SCALE) / 2 + baseline);
    pango_cairo_show_layout_line(p->cr, pango_layout_iter_get_line_readonly(it));
    pango_layout_iter_free(it);
}

/* ---- pages ---------------------------------------------------------------- */

static void page_finish(pdf *p)
{
    char folio[32];
    PangoLayout *l;
    PangoRectangle logical;

    snprintf(folio, sizeof folio, "—\u2002%d\u2002—", p->page); /* en spaces */
    l = layout_new(p, p->fonts[F_FOLIO], folio);
    pango_layout_get_extents(l, NULL, &logical);
    cairo_move_to(p->cr, LEFT + (TEXT_W - logical.width / (double)PANGO_SCALE) / 2, BOTTOM + FOLIO_GAP);
    pango_cairo_show_layout(p->cr, l);
    g_object_unref(l);
}

static void page_new(pdf *p)
{
    page_finish(p);
    cairo_show_page(p->cr);
    p->page++;
    p->y = TOP;
}

static int at_page_top(const pdf *p)
{
    return p->y <= TOP + EPS;
}

/* ---- tables: measuring and widths ---------------------------------------- */

/* A cell of a table: one grid cell, or a merge. */
typedef struct {
    int r1, c1, r2, c2;
    int bold, align;
    int header_row;    /* in a heading row: its words are kept whole */
    int centred;       /* vertically centred (heading rows), else on its rows' lines */
    int number;        /* a number or a short data text: never broken */
    int maxk;          /* the worst break class allowed */
    mtext *m;          /* the paragraphs (the text split at newlines) */
    int nm;
    PangoLayout *shown; /* the text broken into lines, once laid out */
    int nshown;
    int home;          /* the slice of the table whose part shows the text */
} tcell;

typedef struct {
    const nb_table *t;
    int *owner;
    tcell *cells;
    int ncells;
    double size, pitch;
    PangoFontDescription *font, *bold;
    double *w;         /* column widths */
    int *base;         /* lines per row from its own cells */
    int *lines;        /* lines per row, with what tall merges need */
    double *h;         /* row heights */
    double caption_h;  /* 0: no caption */
    PangoLayout *caption;
    /* the table's slices, one per page it runs onto: body rows first..last,
     * all their lines but the first row's before line from and the last
     * row's from line to on (only a row taller than a page is cut) */
    int *first, *last, *from, *to, nslices;
    int *fresh;        /* slice begins on a new page */
} table;

static double cell_inner(const table *tb, const tcell *c)
{
    double w = -2 * CELL_PAD_X - (c->align == AL_LEFT ? LABEL_INDENT * tb->size : 0);
    for (int k = c->c1; k <= c->c2; k++)
        w += tb->w[k];
    return w;
}

static int cell_lines(const table *tb, const tcell *c, double inner)
{
    int n = 0, k;
    for (int i = 0; i < c->nm; i++)
        n += fewest_lines(&c->m[i], tb->size, inner, c->maxk, &k);
    return n > 0 ? n : 1;
}

static double cell_min(const table *tb, const tcell *c)
{
    double w = 0;
    for (int i = 0; i < c->nm; i++) {
        double x = widest_piece(&c->m[i], tb->size, c->maxk);
        if (x > w)
            w = x;
    }
    return w + 2 * CELL_PAD_X + (c->align == AL_LEFT ? LABEL_INDENT * tb->size : 0) + 0.5;
}

/* Lines per row and row heights at the current widths; the table's height. */
static double table_rows(table *tb)
{
    const nb_table *t = tb->t;
    double total = 0;

    for (int r = 0; r < t->nrows; r++)
        tb->base[r] = 1;
    for (int i = 0; i < tb->ncells; i++) {
        tcell *c = &tb->cells[i];
        if (c->r1 == c->r2) {
            int n = cell_lines(tb, c, cell_inner(tb, c));
            if (n > tb->base[c->r1])
                tb->base[c->r1] = n;
        }
    }
    memcpy(tb->lines, tb->base, (size_t)t->nrows * sizeof *tb->lines);
    for (int i = 0; i < tb->ncells; i++) { /* a tall merge may need more lines than its rows */
        tcell *c = &tb->cells[i];
        if (c->r1 != c->r2) {
            int need = cell_lines(tb, c, cell_inner(tb, c)), have = 0;
            for (int r = c->r1; r <= c->r2; r++)
                have += tb->lines[r];
            for (int r = c->r2; need > have; r = r == c->r1 ? c->r2 : r - 1, have++)
                tb->lines[r]++;
        }
    }
    for (int r = 0; r < t->nrows; r++) {
        tb->h[r] = tb->lines[r] * tb->pitch + 2 * CELL_PAD_Y;
        total += tb->h[r];
    }
    return total;
}

/* The column of C's span that grows when C needs more width: its widest. */
static int grow_column(const table *tb, const tcell *c)
{
    int best = c->c2;
    for (int k = c->c2; k >= c->c1; k--) {
        if (tb->w[k] > tb->w[best] + EPS)
            best = k;
    }
    return best;
}

/* The least inner width at which C takes at most N lines (N >= 1). */
static double width_for_lines(const table *tb, const tcell *c, int n)
{
    double lo = cell_inner(tb, c), hi = lo;

    for (int i = 0; i < c->nm; i++) {
        double full = (c->m[i].x[c->m[i].n] - c->m[i].x[0]) * tb->size + 2 * EPS;
        if (full > hi)
            hi = full;
    }
    if (cell_lines(tb, c, hi) > n)
        return -1;
    while (hi - lo > 0.05) {
        double mid = (lo + hi) / 2;
        if (cell_lines(tb, c, mid) <= n)
            hi = mid;
        else
            lo = mid;
    }
    return hi;
}

/* 1 when column C holds numbers and, below the header, nothing but numbers,
 * blanks and header cells. */
static int data_column(const table *tb, int c)
{
    const nb_table *t = tb->t;
    int numbers = 0;

    for (int r = t->header_rows; r < t->nrows; r++) {
        const nb_cell *cell = grid_cell(t, r, c);
        if (grid_covered(t, tb->owner, r, c) || cell->header || cell->type == NB_V_BLANK)
            continue;
        if (!grid_is_number(cell))
            return 0;
        numbers++;
    }
    return numbers > 0;
}

/* The break class each cell allows in MODE. */
static void table_mode(table *tb, int mode)
{
    for (int i = 0; i < tb->ncells; i++) {
        tcell *c = &tb->cells[i];
        int short_word = 1;
        for (int k = 0; k < c->nm; k++)
            short_word = short_word && nb_text_width(c->m[k].s) <= 8;
        if (c->number)
            c->maxk = 0; /* a number is read whole or not at all */
        else if (c->header_row && mode == MODE_STRICT)
            c->maxk = short_word ? 0 : BRK_WORD;
        else if (c->header_row && mode == MODE_RELAXED)
            c->maxk = BRK_WORD;
        else if (c->r2 > c->r1)
            c->maxk = mode == MODE_LOOSE ? BRK_ANY : BRK_INWORD; /* a tall merge: near-vertical text */
        else
            c->maxk = mode == MODE_LOOSE ? BRK_ANY : BRK_CHAR;
    }
}


/* The narrowest widths: each column as wide as its cells' widest pieces;
 * merges that need more give it to the widest column they span. The total. */
static double table_min_widths(table *tb)
{
    const nb_table *t = tb->t;
    double total = 0;

    for (int c = 0; c < t->ncols; c++)
        tb->w[c] = 2 * CELL_PAD_X + tb->size; /* at least one character */
    for (int span = 1; span <= t->ncols; span++) {
        for (int i = 0; i < tb->ncells; i++) {
            tcell *c = &tb->cells[i];
            double need, have = 0;
            if (c->c2 - c->c1 + 1 != span)
                continue;
            need = cell_min(tb, c);
            for (int k = c->c1; k <= c->c2; k++)
                have += tb->w[k];
            if (need > have)
                tb->w[grow_column(tb, c)] += need - have;
        }
    }
    for (int c = 0; c < t->ncols; c++)
        total += tb->w[c];
    return total;
}

/* The width of each column that must grow for the cells of candidate CAND
 * to take a line less: a row's tallest cells (CAND < nrows, cells FIRST..END
 * of the row), or a tall merge (cell CAND - nrows). Into INC; 0 when there
 * is nothing to take. */
static int candidate(table *tb, int cand, int first, int end, double *inc)
{
    const nb_table *t = tb->t;
    int any = 0;

    for (int c = 0; c < t->ncols; c++)
        inc[c] = 0;
    if (cand >= t->nrows) {
        first = cand - t->nrows;
        end = first + 1;
    }
    for (int i = first; i < end; i++) {
        tcell *c = &tb->cells[i];
        int n = cell_lines(tb, c, cell_inner(tb, c));
        double need;
        if (cand < t->nrows ? c->r1 != c->r2 || n < tb->base[cand] : c->r1 == c->r2 || n <= 1)
            continue;
        if ((need = width_for_lines(tb, c, n - 1)) < 0)
            return 0; /* this cell cannot take a line less: nor can the row */
        need -= cell_inner(tb, c);
        if (need > inc[grow_column(tb, c)])
            inc[grow_column(tb, c)] = need;
        any = 1;
    }
    return any;
}

/* Gives the width left over where it saves the most height: each step
 * takes one line off a row (all of its tallest cells) or off a tall merge,
 * whichever saves the most per point of width. Within a budget of work (a
 * long table keeps its narrowest widths, then table_spread's). */
static void table_grow(table *tb, double avail)
{
    const nb_table *t = tb->t;
    double *inc = malloc((size_t)t->ncols * sizeof *inc);
    double *best_inc = malloc((size_t)t->ncols * sizeof *best_inc);
    int *row_first = malloc(((size_t)t->nrows + 1) * sizeof *row_first);
    long budget = 20000000L / (tb->ncells + 1); /* measures of the whole table */
    double used = 0;

    if (!inc || !best_inc || !row_first) {
        free(inc);
        free(best_inc);
        free(row_first);
        return;
    }
    /* cells are in grid order: those of row r (its first row) are row_first[r].. */
    for (int r = 0, i = 0; r <= t->nrows; r++) {
        while (i < tb->ncells && tb->cells[i].r1 < r)
            i++;
        row_first[r] = i;
    }
    for (int c = 0; c < t->ncols; c++)
        used += tb->w[c];
    for (int step = 0; step < 400 && budget > 0; step++) {
        double height = table_rows(tb), best_ratio = 0;
        for (int cand = 0; cand < t->nrows + tb->ncells && budget > 0; cand++) {
            double cost = 0, gain;
            if (cand < t->nrows && tb->base[cand] <= 1)
                continue;
            if (cand >= t->nrows && tb->cells[cand - t->nrows].r1 == tb->cells[cand - t->nrows].r2)
                continue;
            if (!candidate(tb, cand, cand < t->nrows ? row_first[cand] : 0,
                           cand < t->nrows ? row_first[cand + 1] : 0, inc))
                continue;
            for (int c = 0; c < t->ncols; c++)
                cost += inc[c];
            if (cost < 0.25)
                cost = 0.25;
            if (used + cost > avail + EPS)
                continue;
            for (int c = 0; c < t->ncols; c++)
                tb->w[c] += inc[c];
            gain = height - table_rows(tb);
            budget--;
            for (int c = 0; c < t->ncols; c++)
                tb->w[c] -= inc[c];
            if (gain > EPS && gain / cost > best_ratio + 1e-9) {
                best_ratio = gain / cost;
                memcpy(best_inc, inc, (size_t)t->ncols * sizeof *inc);
            }
        }
        if (best_ratio <= 0)
            break;
        for (int c = 0; c < t->ncols; c++) {
            tb->w[c] += best_inc[c];
            used += best_inc[c];
        }
    }
    table_rows(tb);
    free(inc);
    free(best_inc);
    free(row_first);
}

/* The width still left: first the data columns made as wide as the widest of
 * them, then the rest shared in proportion to the widths. */
static void table_spread(table *tb, double avail)
{
    const nb_table *t = tb->t;
    double used = 0, widest = 0;
    int ndata = 0;

    for (int c = 0; c < t->ncols; c++) {
        used += tb->w[c];
        if (data_column(tb, c)) {
            ndata++;
            if (tb->w[c] > widest)
                widest = tb->w[c];
        }
    }
    while (ndata > 0 && avail - used > EPS) { /* raise the narrowest data columns */
        double low = INFINITY, next = INFINITY;
        int nlow = 0;
        for (int c = 0; c < t->ncols; c++) {
            if (!data_column(tb, c))
                continue;
            if (tb->w[c] < low - EPS) {
                next = low;
                low = tb->w[c];
                nlow = 1;
            } else if (fabs(tb->w[c] - low) <= EPS) {
                nlow++;
            } else if (tb->w[c] < next) {
                next = tb->w[c];
            }
        }
        if (low >= widest - EPS)
            break;
        double step = fmin(fmin(next, widest) - low, (avail - used) / nlow);
        for (int c = 0; c < t->ncols; c++) {
            if (data_column(tb, c) && fabs(tb->w[c] - low) <= EPS)
                tb->w[c] += step;
        }
        used += step * nlow;
    }
    if (used > 0) {
        double scale = avail / used;
        for (int c = 0; c < t->ncols; c++)
            tb->w[c] *= scale;
    }
}

static void table_free(table *tb)
{
    if (tb->cells) {
        for (int i = 0; i < tb->ncells; i++) {
            for (int k = 0; k < tb->cells[i].nm; k++)
                mtext_free(&tb->cells[i].m[k]);
            free(tb->cells[i].m);
            if (tb->cells[i].shown)
                g_object_unref(tb->cells[i].shown);
        }
    }
    if (tb->caption)
        g_object_unref(tb->caption);
    if (tb->font)
        pango_font_description_free(tb->font);
    if (tb->bold)
        pango_font_description_free(tb->bold);
    free(tb->owner);
    free(tb->cells);
    free(tb->w);
    free(tb->base);
    free(tb->lines);
    free(tb->h);
    free(tb->first);
    free(tb->last);
    free(tb->from);
    free(tb->to);
    free(tb->fresh);
    memset(tb, 0, sizeof *tb);
}

/* Splits the cell's text at newlines and measures each part. */
static nb_err cell_measure(pdf *p, table *tb, tcell *c, const char *text)
{
    int parts = 1;
    const char *s, *nl;

    for (s = text; (nl = strchr(s, '\n')); s = nl + 1)
        parts++;
    c->m = calloc((size_t)parts, sizeof *c->m);
    if (!c->m)
        return NB_ERR_NOMEM;
    for (s = text;; s = nl + 1) {
        nb_err rc;
        int len;
        nl = strchr(s, '\n');
        len = nl ? (int)(nl - s) : (int)strlen(s);
        if (len > 0 && s[len - 1] == '\r')
            len--;
        if ((rc = mtext_init(p, &c->m[c->nm], c->bold ? tb->bold : tb->font, s, len)) != NB_OK)
            return rc;
        c->nm++;
        if (!nl)
            break;
    }
    return NB_OK;
}

/* Lays table T out: its cells measured, its column widths for the text width
 * and its row heights. NB_ERR_INPUT (a malformed table: ERR names it, not the
 * file) or NB_ERR_NOMEM. */
static nb_err table_init(pdf *p, table *tb, const nb_table *t, const char *caption)
{
    const char *body = role_font(p, NB_FONT_BODY);
    size_t n;
    nb_err rc;
    double narrowest = 0;
    int fits = 0;

    memset(tb, 0, sizeof *tb);
    tb->t = t;
    if ((rc = grid_owner_map(t, &tb->owner, p->err, p->errlen)) != NB_OK)
        return rc;
    n = (size_t)t->nrows * t->ncols;
    tb->cells = calloc(n ? n : 1, sizeof *tb->cells);
    tb->w = calloc(t->ncols ? t->ncols : 1, sizeof *tb->w);
    tb->base = calloc(t->nrows ? t->nrows : 1, sizeof *tb->base);
    tb->lines = calloc(t->nrows ? t->nrows : 1, sizeof *tb->lines);
    tb->h = calloc(t->nrows ? t->nrows : 1, sizeof *tb->h);
    if (!tb->cells || !tb->w || !tb->base || !tb->lines || !tb->h)
        return NB_ERR_NOMEM;
    /* measured at 1 pt, then scaled: the size tried does not matter here */
    tb->font = font_new(body, 10, 0);
    tb->bold = font_new(body, 10, 1);
    for (int r = 0; r < t->nrows; r++) {
        int heading = grid_heading_row(t, tb->owner, r);
        for (int col = 0; col < t->ncols; col++) {
            const nb_merge *g;
            const nb_cell *cell = grid_cell(t, r, col);
            tcell *c;
            if (grid_covered(t, tb->owner, r, col))
                continue;
            c = &tb->cells[tb->ncells];
            g = grid_merge_at(t, tb->owner, r, col);
            c->r1 = c->r2 = r;
            c->c1 = c->c2 = col;
            if (g) {
                c->r2 = g->r2;
                c->c2 = g->c2;
            }
            c->header_row = heading;
            c->centred = 1;
            for (int r2 = c->r1; r2 <= c->r2; r2++)
                c->centred = c->centred && grid_heading_row(t, tb->owner, r2);
            c->bold = heading && cell->header;
            c->number = grid_is_number(cell) || (!cell->header && nb_text_width(cell->text) <= 4);
            /* centred: headings, numbers and short marks ("/"), tall merges; left:
             * labels and longer text */
            c->align = heading || c->number || c->r2 > c->r1 ? AL_CENTER : AL_LEFT;
            c->home = -1;
            tb->ncells++;
            if ((rc = cell_measure(p, tb, c, grid_text(t, tb->owner, r, col))) != NB_OK)
                return rc;
        }
    }
    /* the largest size and strictest breaking whose narrowest layout fits */
    for (size_t i = 0; i < sizeof table_tries / sizeof table_tries[0] && !fits; i++) {
        tb->size = table_tries[i].size;
        table_mode(tb, table_tries[i].mode);
        narrowest = table_min_widths(tb);
        fits = narrowest <= TEXT_W + EPS;
    }
    while (!fits && t->ncols > 0 && tb->size > 5.0) { /* smaller still, down to 5 pt */
        tb->size = fmax(5.0, tb->size * fmin(0.95, TEXT_W / narrowest));
        narrowest = table_min_widths(tb);
        fits = narrowest <= TEXT_W + EPS;
    }
    tb->pitch = tb->size * TABLE_PITCH;
    if (t->ncols > 0) {
        if (!fits) { /* too many columns for the page even so: squeezed, the text overflowing */
            for (int c = 0; c < t->ncols; c++)
                tb->w[c] *= TEXT_W / narrowest;
        } else {
            table_grow(tb, TEXT_W);
            table_spread(tb, TEXT_W);
        }
    }
    table_rows(tb);
    pango_font_description_set_absolute_size(tb->font, tb->size * PANGO_SCALE);
    pango_font_description_set_absolute_size(tb->bold, tb->size * PANGO_SCALE);
    /* each cell's text broken into its lines */
    for (int i = 0; i < tb->ncells; i++) {
        tcell *c = &tb->cells[i];
        GString *s = g_string_new(NULL);
        double inner = cell_inner(tb, c);
        for (int k = 0; k < c->nm; k++) {
            int *ends = malloc(((size_t)c->m[k].n + 1) * sizeof *ends), nl;
            if (!ends || (nl = break_lines(&c->m[k], tb->size, inner, c->maxk, ends)) < 0) {
                free(ends);
                g_string_free(s, TRUE);
                return NB_ERR_NOMEM;
            }
            if (k > 0)
                g_string_append_c(s, '\n');
            lines_append(s, &c->m[k], ends, nl);
            free(ends);
        }
        c->shown = pango_layout_new(p->pc);
        pango_layout_set_font_description(c->shown, c->bold ? tb->bold : tb->font);
        pango_layout_set_text(c->shown, s->str, (int)s->len);
        c->nshown = s->len || c->nm > 1 ? pango_layout_get_line_count(c->shown) : 0;
        g_string_free(s, TRUE);
    }
    if (caption && *caption) {
        tb->caption = layout_new(p, p->fonts[F_CAPTION], caption);
        pango_layout_set_width(tb->caption, (int)(TEXT_W * PANGO_SCALE));
        pango_layout_set_wrap(tb->caption, PANGO_WRAP_WORD_CHAR);
        pango_layout_set_alignment(tb->caption, PANGO_ALIGN_CENTER);
        tb->caption_h = pango_layout_get_line_count(tb->caption) * CAPTION_PITCH;
    }
    return NB_OK;
}

/* ---- tables: pages and drawing ------------------------------------------- */

static double header_height(const table *tb)
{
    double h = 0;
    for (int r = 0; r < tb->t->header_rows; r++)
        h += tb->h[r];
    return h;
}

/* What must go on the page where the table begins: the space above, the
 * caption, the header rows and the body rows up to the first data row. */
static double table_keep(const table *tb)
{
    const nb_table *t = tb->t;
    double h = TABLE_BEFORE + tb->caption_h + header_height(tb);

    for (int r = t->header_rows; r < t->nrows; r++) {
        h += tb->h[r];
        if (!grid_heading_row(t, tb->owner, r))
            break;
    }
    return h;
}

/* A merge over this many rows or fewer (a group of 表三: （五）不予处理's five) is not cut
 * by a page: its label shows in one part alone, the other part's rows without it. */
#define KEEP_ROWS 8

/* 1 when the table may go on to a new page after body row R. */
static int break_after(const table *tb, int r)
{
    const nb_table *t = tb->t;

    if (grid_heading_row(t, tb->owner, r))
        return 0; /* a heading row stays with what it heads */
    for (int i = 0; i < tb->ncells; i++) { /* a tall merge whose text fits in neither part */
        const tcell *c = &tb->cells[i];
        int above = 0, below = 0;
        if (c->r1 > r || c->r2 <= r)
            continue;
        if (c->r2 - c->r1 + 1 <= KEEP_ROWS && c->nshown > 0)
            return 0; /* a small group with a label: kept whole */
        for (int k = c->r1; k <= c->r2; k++)
            *(k <= r ? &above : &below) += 1;
        if (c->nshown > above && c->nshown > below)
            return 0;
    }
    return 1;
}

static void slice_add(table *tb, int first, int from, int last, int to, int fresh)
{
    int n = tb->nslices++;
    tb->first[n] = first;
    tb->from[n] = from;
    tb->last[n] = last;
    tb->to[n] = to;
    tb->fresh[n] = fresh;
}

/* Cuts the body rows into slices, one per page, starting at Y on the current
 * page. NB_ERR_NOMEM. */
static nb_err table_plan(table *tb, double y)
{
    const nb_table *t = tb->t;
    int a = t->header_rows, a_line = 0, fresh = 0;
    size_t cap = 2;
    double head = header_height(tb);

    for (int r = a; r < t->nrows; r++) /* a slice per row at most, or per line of a cut row */
        cap += (size_t)tb->lines[r];
    tb->first = malloc(cap * sizeof *tb->first);
    tb->last = malloc(cap * sizeof *tb->last);
    tb->from = malloc(cap * sizeof *tb->from);
    tb->to = malloc(cap * sizeof *tb->to);
    tb->fresh = malloc(cap * sizeof *tb->fresh);
    if (!tb->first || !tb->last || !tb->from || !tb->to || !tb->fresh)
        return NB_ERR_NOMEM;
    tb->nslices = 0;
    if (a >= t->nrows) {
        slice_add(tb, a, 0, a - 1, 0, 0);
        return NB_OK;
    }
    while (a < t->nrows) {
        double room = BOTTOM - y - head, used = 0, at_section = 0;
        int b = a, ok = -1, section = -1, end;
        while (b < t->nrows) {
            double h = b == a ? tb->h[b] - a_line * tb->pitch : tb->h[b];
            if (used + h > room + EPS)
                break;
            used += h;
            if (b + 1 < t->nrows && break_after(tb, b)) {
                ok = b;
                if (grid_heading_row(t, tb->owner, b + 1)) { /* a section (表二's 第二十条…) begins */
                    section = b;
                    at_section = used;
                }
            }
            b++;
        }
        if (b == t->nrows)
            end = t->nrows - 1;
        else if (section >= a && used - at_section <= TEXT_H / 3)
            end = section; /* a section whole on the next page rather than cut */
        else if (ok >= a)
            end = ok;
        else if (b > a && y <= TOP + EPS)
            end = b - 1; /* nowhere to break on a whole page: break anyway */
        else if (y > TOP + EPS) {
            y = TOP; /* nothing fits here: begin on the next page */
            fresh = 1;
            continue;
        } else { /* a row taller than a page: as many of its lines as fit, the rest after */
            int fit = (int)floor((room - 2 * CELL_PAD_Y + EPS) / tb->pitch);
            if (fit < 1)
                fit = 1;
            if (a_line + fit >= tb->lines[a]) {
                slice_add(tb, a, a_line, a, tb->lines[a], fresh);
                a++;
                a_line = 0;
            } else {
                slice_add(tb, a, a_line, a, a_line + fit, fresh);
                a_line += fit;
            }
            y = TOP;
            fresh = 1;
            continue;
        }
        slice_add(tb, a, a_line, end, tb->lines[end], fresh);
        a = end + 1;
        a_line = 0;
        y = TOP;
        fresh = 1;
    }
    return NB_OK;
}

/* The slice each body cell shows its text in: where most of its rows are. */
static void table_homes(table *tb)
{
    for (int i = 0; i < tb->ncells; i++) {
        tcell *c = &tb->cells[i];
        int most = -1;
        if (c->r2 < tb->t->header_rows)
            continue;
        for (int s = 0; s < tb->nslices; s++) {
            int lines = 0;
            for (int r = c->r1 > tb->first[s] ? c->r1 : tb->first[s]; r <= c->r2 && r <= tb->last[s]; r++)
                lines++;
            if (lines > most) {
                most = lines;
                c->home = s;
            }
        }
    }
}

/* Where the rows of a slice are on its page: each row's top, height and
 * lines shown (from lo to hi). */
typedef struct {
    double *top, *h;
    int *lo, *hi;
} place;

/* Draws cell C over rows R1..R2 placed at PL, with its text when SHOW. */
static void cell_draw(pdf *p, const table *tb, const tcell *c, int r1, int r2, const place *pl, int show)
{
    double x = LEFT, w = 0, y = pl->top[r1], h = 0;
    int slots, start;

    for (int k = 0; k < c->c1; k++)
        x += tb->w[k];
    for (int k = c->c1; k <= c->c2; k++)
        w += tb->w[k];
    for (int r = r1; r <= r2; r++)
        h += pl->h[r];
    cairo_rectangle(p->cr, x, y, w, h);
    cairo_stroke(p->cr);
    if (!show || c->nshown == 0)
        return;
    x += CELL_PAD_X + (c->align == AL_LEFT ? LABEL_INDENT * tb->size : 0);
    w -= 2 * CELL_PAD_X + (c->align == AL_LEFT ? LABEL_INDENT * tb->size : 0);
    if ((c->centred && pl->lo[r1] == 0 && pl->hi[r2] == tb->lines[r2])
        || (r1 != r2 && c->nshown > r2 - r1 + 1)) { /* centred in the cell */
        double top = y + (h - c->nshown * tb->pitch) / 2;
        for (int line = 0; line < c->nshown; line++)
            draw_line(p, c->shown, line, x, top + line * tb->pitch, tb->pitch, c->align, w);
        return;
    }
    /* On the lines of its rows, so that text taken from the page keeps each
     * row's label and numbers on one line: a cell of one row from its first
     * line on; a merge over rows one line a row, on their first lines,
     * centred over them (the other lines of a row hold its label alone). */
    if (r1 == r2) {
        for (int line = pl->lo[r1]; line < pl->hi[r1] && line < c->nshown; line++)
            draw_line(p, c->shown, line, x, pl->top[r1] + CELL_PAD_Y + (line - pl->lo[r1]) * tb->pitch,
                      tb->pitch, c->align, w);
        return;
    }
    slots = r2 - r1 + 1;
    start = (slots - c->nshown) / 2;
    for (int line = 0; line < c->nshown; line++) {
        int r = r1 + start + line;
        if (pl->lo[r] == 0) /* the row's first line is on this page */
            draw_line(p, c->shown, line, x, pl->top[r] + CELL_PAD_Y, tb->pitch, c->align, w);
    }
}

/* Draws slice S at the current position: the header rows, then its rows. */
static nb_err slice_draw(pdf *p, table *tb, int s)
{
    const nb_table *t = tb->t;
    size_t n = (size_t)t->nrows;
    place pl = {malloc(n * sizeof *pl.top), malloc(n * sizeof *pl.h), malloc(n * sizeof *pl.lo),
                malloc(n * sizeof *pl.hi)};
    double y = p->y;
    nb_err rc = NB_OK;

    if (!pl.top || !pl.h || !pl.lo || !pl.hi) {
        rc = NB_ERR_NOMEM;
        goto done;
    }
    for (int r = 0; r < t->nrows; r++) {
        int shown = r < t->header_rows || (r >= tb->first[s] && r <= tb->last[s]);
        pl.lo[r] = r == tb->first[s] ? tb->from[s] : 0;
        pl.hi[r] = r == tb->last[s] ? tb->to[s] : tb->lines[r];
        pl.h[r] = pl.lo[r] == 0 && pl.hi[r] == tb->lines[r] ? tb->h[r]
                                                            : (pl.hi[r] - pl.lo[r]) * tb->pitch + 2 * CELL_PAD_Y;
        pl.top[r] = shown ? y : -1;
        if (shown)
            y += pl.h[r];
    }
    cairo_set_line_width(p->cr, RULE);
    cairo_set_source_rgb(p->cr, 0, 0, 0);
    for (int i = 0; i < tb->ncells; i++) {
        const tcell *c = &tb->cells[i];
        int r1 = c->r1, r2 = c->r2;
        if (r1 < t->header_rows) { /* the header: on every page */
            if (r2 >= t->header_rows)
                r2 = s == 0 ? (r2 < tb->last[s] ? r2 : tb->last[s]) : t->header_rows - 1;
            cell_draw(p, tb, c, r1, r2, &pl, 1);
            continue;
        }
        if (r1 < tb->first[s])
            r1 = tb->first[s];
        if (r2 > tb->last[s])
            r2 = tb->last[s];
        if (r1 > r2)
            continue;
        cell_draw(p, tb, c, r1, r2, &pl, c->r1 == c->r2 || c->home == s); /* a cut row: its lines on each page */
    }
    p->y = y;
done:
    free(pl.top);
    free(pl.h);
    free(pl.lo);
    free(pl.hi);
    return rc;
}

static nb_err table_draw(pdf *p, table *tb)
{
    nb_err rc;

    if (tb->t->nrows == 0 || tb->t->ncols == 0) {
        if (tb->caption) {
            for (int i = 0; i < pango_layout_get_line_count(tb->caption); i++)
                draw_line(p, tb->caption, i, LEFT, p->y + i * CAPTION_PITCH, CAPTION_PITCH, AL_LEFT, TEXT_W);
            p->y += tb->caption_h + TABLE_AFTER;
        }
        return NB_OK;
    }
    if (!at_page_top(p) && p->y + table_keep(tb) > BOTTOM + EPS)
        page_new(p);
    if (tb->caption) {
        for (int i = 0; i < pango_layout_get_line_count(tb->caption); i++)
            draw_line(p, tb->caption, i, LEFT, p->y + i * CAPTION_PITCH, CAPTION_PITCH, AL_LEFT, TEXT_W);
        p->y += tb->caption_h;
    }
    if (!at_page_top(p))
        p->y += TABLE_BEFORE;
    if ((rc = table_plan(tb, p->y)) != NB_OK)
        return rc;
    table_homes(tb);
    for (int s = 0; s < tb->nslices; s++) {
        if (tb->fresh[s] && (s > 0 || !at_page_top(p)))
            page_new(p);
        if ((rc = slice_draw(p, tb, s)) != NB_OK)
            return rc;
    }
    p->y += TABLE_AFTER;
    return NB_OK;
}

/* ---- the document's blocks ---------------------------------------------- */

typedef struct {
    PangoLayout *l; /* a heading or a paragraph */
    int nlines;
    table tb;       /* a table */
    int is_table;
} block;

static PangoLayout *text_layout(pdf *p, const nb_block *b)
{
    int role = b->type == NB_BLOCK_PARA ? F_BODY : b->level <= 1 ? F_HEADING : F_SUBHEADING;
    PangoLayout *l = layout_new(p, p->fonts[role], b->text);

    pango_layout_set_width(l, (int)(TEXT_W * PANGO_SCALE));
    pango_layout_set_wrap(l, PANGO_WRAP_WORD_CHAR);
    pango_layout_set_indent(l, (int)(2 * BODY_SIZE * PANGO_SCALE));
    if (b->type == NB_BLOCK_PARA)
        pango_layout_set_justify(l, TRUE);
    return l;
}

/* How much of block B must be on the page where it begins: a heading with
 * what it keeps, two lines of a paragraph, a table's head. */
static double block_keep(const pdf *p, const block *blocks, int b)
{
    const nb_doc *doc = p->doc;
    const block *x = &blocks[b];

    if (x->is_table)
        return table_keep(&x->tb);
    if (doc->blocks[b].type == NB_BLOCK_HEADING) {
        double h = x->nlines * BODY_PITCH;
        if (b + 1 < doc->nblocks && h < TEXT_H)
            h += block_keep(p, blocks, b + 1);
        return h;
    }
    return (x->nlines < 2 ? x->nlines : 2) * BODY_PITCH;
}

/* Adds an outline entry for heading B on the current page. */
static void outline_add(pdf *p, const nb_block *b)
{
    char dest[64];
    char *text = utf8_copy(b->text, -1);
    int id;

    snprintf(dest, sizeof dest, "page=%d pos=[%d %d]", p->page, (int)LEFT, (int)p->y);
    id = cairo_pdf_surface_add_outline(p->surface, b->level <= 1 ? CAIRO_PDF_OUTLINE_ROOT : p->outline_part,
                                       text, dest, 0);
    if (b->level <= 1)
        p->outline_part = id;
    g_free(text);
}

/* Draws heading or paragraph B: a heading whole, on the page that has room
 * for it and what it keeps; a paragraph line by line, never leaving one line
 * alone at the foot or head of a page. */
static void text_draw(pdf *p, const block *blocks, int b)
{
    const block *x = &blocks[b];
    int n = x->nlines, i = 0;

    if (p->doc->blocks[b].type == NB_BLOCK_HEADING) {
        if (!at_page_top(p) && p->y + block_keep(p, blocks, b) > BOTTOM + EPS)
            page_new(p);
        outline_add(p, &p->doc->blocks[b]);
        for (i = 0; i < n; i++)
            draw_line(p, x->l, i, LEFT, p->y + i * BODY_PITCH, BODY_PITCH, AL_LEFT, TEXT_W);
        p->y += n * BODY_PITCH;
        return;
    }
    while (i < n) {
        int fit = (int)floor((BOTTOM - p->y + EPS) / BODY_PITCH), rest = n - i, take;
        if (fit < 0)
            fit = 0;
        if (fit >= rest) {
            take = rest;
        } else {
            take = fit;
            if (i == 0 && take < 2)
                take = 0; /* no first line alone at the foot of a page */
            else if (rest - take == 1 && take > 1)
                take = i == 0 && take - 1 < 2 ? 0 : take - 1; /* nor a last line alone at the head */
            if (take == 0 && at_page_top(p))
                take = fit > 0 ? fit : 1;
        }
        for (int k = 0; k < take; k++, i++)
            draw_line(p, x->l, i, LEFT, p->y + k * BODY_PITCH, BODY_PITCH, AL_LEFT, TEXT_W);
        p->y += take * BODY_PITCH;
        if (i < n)
            page_new(p);
    }
}

/* The title: centred, in balanced lines broken between words. */
static nb_err title_draw(pdf *p)
{
    mtext m;
    int *ends, n;
    GString *s;
    PangoLayout *l;
    nb_err rc;

    if (!p->doc->title || !*p->doc->title)
        return NB_OK;
    if ((rc = mtext_init(p, &m, p->fonts[F_TITLE], p->doc->title, (int)strlen(p->doc->title))) != NB_OK)
        return rc;
    ends = malloc(((size_t)m.n + 1) * sizeof *ends);
    if (!ends || (n = break_lines(&m, TITLE_SIZE, TEXT_W, BRK_ANY, ends)) < 0) {
        free(ends);
        mtext_free(&m);
        return NB_ERR_NOMEM;
    }
    s = g_string_new(NULL);
    lines_append(s, &m, ends, n);
    l = layout_new(p, p->fonts[F_TITLE], s->str);
    for (int i = 0; i < n; i++)
        draw_line(p, l, i, LEFT, p->y + i * TITLE_PITCH, TITLE_PITCH, AL_CENTER, TEXT_W);
    p->y += n * TITLE_PITCH + BODY_PITCH; /* and a blank line */
    g_object_unref(l);
    g_string_free(s, TRUE);
    free(ends);
    mtext_free(&m);
    return NB_OK;
}

/* ---- the file -------------------------------------------------------------- */

static cairo_status_t write_out(void *closure, const unsigned char *data, unsigned int length)
{
    FILE *f = closure;
    return fwrite(data, 1, length, f) == length ? CAIRO_STATUS_SUCCESS : CAIRO_STATUS_WRITE_ERROR;
}

static nb_err cairo_failed(pdf *p, cairo_status_t st)
{
    if (p->rc != NB_OK)
        return p->rc;
    p->rc = st == CAIRO_STATUS_NO_MEMORY ? NB_ERR_NOMEM : NB_ERR_IO;
    snprintf(p->err, p->errlen, "%s", cairo_status_to_string(st));
    return p->rc;
}

static void fonts_init(pdf *p)
{
    const char *body = role_font(p, NB_FONT_BODY);
    p->fonts[F_TITLE] = font_new(role_font(p, NB_FONT_TITLE), TITLE_SIZE, 0);
    p->fonts[F_HEADING] = font_new(role_font(p, NB_FONT_HEADING), BODY_SIZE, 0);
    p->fonts[F_SUBHEADING] = font_new(body, BODY_SIZE, 1);
    p->fonts[F_BODY] = font_new(body, BODY_SIZE, 0);
    p->fonts[F_FOLIO] = font_new(role_font(p, NB_FONT_TITLE), FOLIO_SIZE, 0);
    p->fonts[F_CAPTION] = font_new(role_font(p, NB_FONT_HEADING), CAPTION_SIZE, 0);
}

/* Lays out and draws the whole document into P's surface. */
static nb_err pdf_write(pdf *p)
{
    const nb_doc *doc = p->doc;
    block *blocks = calloc(doc->nblocks > 0 ? (size_t)doc->nblocks : 1, sizeof *blocks);
    nb_err rc = NB_OK;

    if (!blocks) {
        snprintf(p->err, p->errlen, "out of memory");
        return NB_ERR_NOMEM;
    }
    for (int b = 0; b < doc->nblocks && rc == NB_OK; b++) {
        const nb_block *blk = &doc->blocks[b];
        if (blk->type == NB_BLOCK_TABLE) {
            blocks[b].is_table = 1;
            rc = table_init(p, &blocks[b].tb, &doc->tables[blk->table], nb_table_caption(doc, b));
            if (rc == NB_ERR_NOMEM)
                snprintf(p->err, p->errlen, "out of memory");
        } else {
            blocks[b].l = text_layout(p, blk);
            blocks[b].nlines = pango_layout_get_line_count(blocks[b].l);
        }
    }
    if (rc == NB_OK)
        rc = title_draw(p);
    for (int b = 0; b < doc->nblocks && rc == NB_OK; b++) {
        if (blocks[b].is_table)
            rc = table_draw(p, &blocks[b].tb);
        else
            text_draw(p, blocks, b);
    }
    if (rc == NB_OK)
        page_finish(p);
    if (rc == NB_ERR_NOMEM)
        snprintf(p->err, p->errlen, "out of memory");
    for (int b = 0; b < doc->nblocks; b++) {
        if (blocks[b].l)
            g_object_unref(blocks[b].l);
        table_free(&blocks[b].tb);
    }
    free(blocks);
    return rc;
}

/* The fonts of the document's roles cut down to the characters it shows (pdf_fonts.h):
 * its title, headings, paragraphs, captions and cells, and the page numbers, into
 * P->subsets (NULL when none could be made: the whole fonts then). NB_ERR_IO when the disk
 * could not take them (full, failing). */
static nb_err subsets_make(pdf *p)
{
    const nb_doc *doc = p->doc;
    nb_pdf_fonts *f = nb_pdf_fonts_new();
    p->subsets = NULL;
    if (!f)
        return NB_OK;
    nb_pdf_fonts_text(f, doc->title);
    for (int b = 0; b < doc->nblocks; b++)
        nb_pdf_fonts_text(f, doc->blocks[b].text);
    for (int t = 0; t < doc->ntables; t++) {
        const nb_table *tb = &doc->tables[t];
        nb_pdf_fonts_text(f, tb->title);
        for (int i = 0; i < tb->nrows * tb->ncols; i++)
            nb_pdf_fonts_text(f, tb->cells[i].text);
    }
    /* the page numbers ("—\u20021\u2002—", page_finish) and, to be safe, printable ASCII */
    nb_pdf_fonts_text(f, "—\u2002 !\"#$%&'()*+,-./0123456789:;<=>?@ABCDEFGHIJKLMNOPQRSTUVWXYZ"
                         "[\\]^_`abcdefghijklmnopqrstuvwxyz{|}~");
    const char *lists[NB_FONT_ROLES];
    int weights[NB_FONT_ROLES];
    for (int r = 0; r < NB_FONT_ROLES; r++) {
        lists[r] = nb_doc_font(doc, (nb_font_role)r);
        /* the body's bold: sub-headings and table headers (fonts_init, table_init) */
        weights[r] = NB_PDF_REGULAR | (r == NB_FONT_BODY ? NB_PDF_BOLD : 0);
    }
    int made = nb_pdf_fonts_make(f, NB_FONT_ROLES, lists, weights) != NULL, e = nb_pdf_fonts_error(f);
    if (e) {
        snprintf(p->err, p->errlen, "cannot write the fonts cut down to the document in %s: %s",
                 nb_pdf_fonts_folder(), strerror(e));
        p->rc = NB_ERR_IO;
    }
    if (made && !e)
        p->subsets = f;
    else
        nb_pdf_fonts_free(f);
    return p->rc;
}

/* Sets up Cairo and Pango on the stream F, writes the document, and takes
 * everything down again. */
static nb_err pdf_render(pdf *p, FILE *f)
{
    PangoFontMap *fm;
    cairo_font_options_t *fo;
    cairo_status_t st;
    char date[32];
    nb_err rc;

    if ((rc = subsets_make(p)) != NB_OK)
        return rc;
    p->surface = cairo_pdf_surface_create_for_stream(write_out, f, PAGE_W, PAGE_H);
    if ((st = cairo_surface_status(p->surface)) != CAIRO_STATUS_SUCCESS) {
        cairo_surface_destroy(p->surface);
        nb_pdf_fonts_free(p->subsets);
        return cairo_failed(p, st);
    }
    cairo_pdf_surface_set_metadata(p->surface, CAIRO_PDF_METADATA_TITLE, str_or_empty(p->doc->title));
    cairo_pdf_surface_set_metadata(p->surface, CAIRO_PDF_METADATA_AUTHOR, str_or_empty(p->doc->body));
    cairo_pdf_surface_set_metadata(p->surface, CAIRO_PDF_METADATA_CREATOR, "nianbao");
    nb_opc_w3cdtf(p->doc->created, date); /* ISO 8601 in UTC, as the Word document has it */
    cairo_pdf_surface_set_metadata(p->surface, CAIRO_PDF_METADATA_CREATE_DATE, date);
    cairo_pdf_surface_set_metadata(p->surface, CAIRO_PDF_METADATA_MOD_DATE, date);
    p->cr = cairo_create(p->surface);
    /* a font map of our own, freed at the end: Pango's shared default one keeps
     * the fontconfig patterns its threads matched (valgrind: lost) */
    fm = pango_cairo_font_map_new();
    if (p->subsets && PANGO_IS_FC_FONT_MAP(fm))
        pango_fc_font_map_set_config(PANGO_FC_FONT_MAP(fm), nb_pdf_fonts_config(p->subsets));
    p->pc = pango_font_map_create_context(fm);
    fo = cairo_font_options_create();
    cairo_font_options_set_hint_style(fo, CAIRO_HINT_STYLE_NONE);
    cairo_font_options_set_hint_metrics(fo, CAIRO_HINT_METRICS_OFF);
    pango_cairo_context_set_font_options(p->pc, fo);
    cairo_font_options_destroy(fo);
    pango_context_set_round_glyph_positions(p->pc, FALSE);
    pango_context_set_language(p->pc, pango_language_from_string("zh-cn"));
    pango_cairo_update_context(p->cr, p->pc);
    p->measure = pango_layout_new(p->pc);
    fonts_init(p);
    p->page = 1;
    p->y = TOP;

    rc = pdf_write(p);

    for (int i = 0; i < F_COUNT; i++)
        pango_font_description_free(p->fonts[i]);
    g_object_unref(p->measure);
    g_object_unref(p->pc);
    if (rc == NB_OK && (st = cairo_status(p->cr)) != CAIRO_STATUS_SUCCESS)
        rc = cairo_failed(p, st);
    cairo_destroy(p->cr);
    cairo_surface_finish(p->surface);
    if (rc == NB_OK && (st = cairo_surface_status(p->surface)) != CAIRO_STATUS_SUCCESS)
        rc = cairo_failed(p, st);
    cairo_surface_destroy(p->surface);
    if (p->subsets && PANGO_IS_FC_FONT_MAP(fm)) /* Pango keeps its reference to the last */
        pango_fc_font_map_set_config(PANGO_FC_FONT_MAP(fm), NULL);
    g_object_unref(fm);
    nb_pdf_fonts_free(p->subsets);
    return rc;
}

#include "pdf_lsan.h"

nb_err nb_export_pdf(const nb_doc *doc, const char *path, char *err, size_t errlen)
{
    pdf p;
    nb_out o;
    nb_err rc;

    if ((rc = nb_blocks_valid(doc, path, err, errlen)) != NB_OK)
        return rc;
    for (int i = 0; i < doc->ntables; i++) { /* malformed tables refused before anything is made */
        int *owner;
        if ((rc = grid_owner_map(&doc->tables[i], &owner, err, errlen)) != NB_OK)
            return nb_err_prefix(rc, path, err, errlen);
        free(owner);
    }
    if ((rc = nb_out_open(&o, path, err, errlen)) != NB_OK)
        return rc;
    memset(&p, 0, sizeof p);
    p.doc = doc;
    p.err = err;
    p.errlen = errlen;
    if ((rc = pdf_render(&p, o.f)) != NB_OK)
        return nb_out_fail(&o, rc, err, errlen);
    return nb_out_finish(&o, err, errlen);
}

#endif
