/* export_docx.c - the DOCX exporter: the whole report as a Chinese government document (GB/T 9704).
 *
 * The page is A4 with GB/T 9704's margins (top 37 mm, bottom 35 mm, left 28 mm,
 * right 26 mm). The title is in the title font at 二号 (22 pt), centred, broken
 * after the body's name when it is longer than a line; part headings (blocks of
 * level 1) are in the heading font (黑体) at 三号, level 2 in 楷体_GB2312 at
 * 三号; the body in the body font (仿宋_GB2312) at 三号, justified, indented by
 * two characters, on a fixed line pitch of 28.95 pt (22 lines to the page).
 * Page numbers "— 1 —" (a PAGE field between em dashes, 宋体 四号) sit at the
 * foot, on the right of odd pages and the left of even ones, one character in.
 * Each table is a Word table: its merges as w:gridSpan and w:vMerge, its header
 * rows repeated at the top of each page (w:tblHeader), no row split across
 * pages, single borders on every cell edge, text in 宋体 五号 (10.5 pt, smaller
 * for a table that cannot fit), heading rows centred and bold, labels left,
 * data centred. Column widths come from the text (nb_text_width): each column
 * gets what its words need unbroken, the rest of the line's width is shared by
 * what the text would need on one line, and a short heading is never broken
 * inside a word (自然人, 商业/企业, （三）/不予/公开) where a narrower column avoids it.
 * Every element's look comes from a named style (Title, heading 1, heading 2,
 * 表格表头, 表格项目, 表格数据, footer, Table Grid), so Word's navigation
 * shows the headings and a user restyles the whole report in one place.
 *
 * Fonts: Word takes one family per run (w:rFonts), so the first family of
 * nb_doc_font's comma-separated list is used; the rest are written as the font's
 * w:altName in word/fontTable.xml, which is where the format keeps alternative
 * names, with the font's class (serif or sans) and charset (GB2312): hints a
 * reader may use for a missing font (Word does; LibreOffice goes by fontconfig's
 * substitutes instead). 楷体_GB2312 (level-2 headings) and 宋体 (tables, page
 * numbers) are fixed, as GB/T 9704 and the XLSX exporter have them.
 *
 * The package (the parts are written in memory with wml.h, zipped in memory
 * (export_zip.c) at the document's own date, so the same document gives the same
 * bytes) is written to an atomic output file (export_util.h). The check results
 * are not written (a check file is a document of its own). Depends on wml.h,
 * minizip and zlib. */
#include "export.h"
#include "export_layout.h"
#include "export_grid.h"
#include "export_util.h"
#include "wml.h"

#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <zlib.h>

/* ---- the page and the type (twips and half-points) -------------------------- */

#define MARGIN_TOP NB_WML_MM(37)
#define MARGIN_BOTTOM NB_WML_MM(35)
#define MARGIN_LEFT NB_WML_MM(28)
#define MARGIN_RIGHT NB_WML_MM(26)
#define HEADER_DISTANCE NB_WML_MM(15)
#define FOOTER_DISTANCE NB_WML_MM(22) /* the page number's dash about 7 mm below the text */
#define TEXT_WIDTH (NB_WML_A4_WIDTH - MARGIN_LEFT - MARGIN_RIGHT)

#define LINE_PITCH 579    /* 28.95 pt: GB/T 9704's 22 lines on the 225 mm text block */
#define TITLE_LINE 720    /* 36 pt between the lines of a two-line title */
#define TITLE_SIZE 44     /* 二号 22 pt */
#define BODY_SIZE 32      /* 三号 16 pt */
#define PAGE_NUMBER_SIZE 28 /* 四号 14 pt */
#define FIRST_LINE 640    /* two characters of 三号, for readers without firstLineChars */
#define SUBHEADING_FONT "楷体_GB2312"
#define SUBHEADING_ALT "楷体,KaiTi,STKaiti"
#define TABLE_FONT "宋体"  /* tables and page numbers, as the XLSX exporter's */
#define TABLE_FONT_ALT "SimSun,Songti SC,Noto Serif CJK SC"

#define CELL_MARGIN 57    /* 1 mm left and right in every cell */
#define CELL_PAD (2 * CELL_MARGIN + 20) /* margins, borders and a little slack */
#define CELL_INSIDE (2 * CELL_MARGIN + 10) /* what a line of a cell loses to margins and borders */
#define BORDER 4          /* half a point */
#define LONG_TEXT 20      /* width units (10 CJK characters): longer text may break anywhere */
#define LONG_LEAST 8      /* the narrowest a column of long text gets, width units */

/* Table text sizes tried in turn until the table fits the line: 五号, 小五, 六号; then 六号
 * with headings broken anywhere (a table too wide for that runs into the margin). */
static const int table_sizes[] = {21, 18, 15};

/* Style ids. */
#define ST_TITLE "Title"
#define ST_H1 "Heading1"
#define ST_H2 "Heading2"
#define ST_CAPTION "Caption"
#define ST_TABLE_TEXT "TableText"
#define ST_TABLE_HEADING "TableHeading"
#define ST_TABLE_LABEL "TableLabel"
#define ST_TABLE_DATA "TableData"
#define ST_FOOTER "Footer"
#define ST_TABLE_GRID "TableGrid"

#define FAMILY_MAX 128

/* The export under way. */
typedef struct {
    const nb_doc *doc;
    const char *path;
    char *err;
    size_t errlen;
    char font[NB_FONT_ROLES][FAMILY_MAX]; /* the first family of each role */
    int nomem;    /* memory ran out while a part was written */
} docx;

/* ---- fonts ------------------------------------------------------------------ */

/* The first family of the comma-separated LIST, trimmed, into OUT. */
static void first_family(const char *list, char *out, size_t n)
{
    const char *end;

    while (*list == ' ')
        list++;
    end = list + strcspn(list, ",");
    while (end > list && end[-1] == ' ')
        end--;
    snprintf(out, n, "%.*s", (int)(end - list), list);
}

/* The families after the first of LIST ("" when none). */
static const char *other_families(const char *list)
{
    const char *comma = strchr(list, ',');

    if (!comma)
        return "";
    comma++;
    while (*comma == ' ')
        comma++;
    return comma;
}

/* ---- measuring text: widths and where a line may break ---------------------- */

typedef struct {
    unsigned char width; /* nb_text_width units: 2 wide, 1 narrow */
} ch;

/* The code point of the UTF-8 character at S and its length (a malformed
 * byte: itself, length 1). */
static unsigned decode(const unsigned char *s, int *len)
{
    unsigned c = s[0];
    int n = c < 0x80 ? 1 : (c & 0xE0) == 0xC0 ? 2 : (c & 0xF0) == 0xE0 ? 3 : (c & 0xF8) == 0xF0 ? 4 : 0;

    for (int i = 1; i < n; i++) {
        if ((s[i] & 0xC0) != 0x80)
            n = 0;
    }
    if (n <= 1) {
        *len = 1;
        return c;
    }
    c &= 0xFF >> (n + 1);
    for (int i = 1; i < n; i++)
        c = c << 6 | (s[i] & 0x3F);
    *len = n;
    return c;
}

/* The characters of the N bytes at S (one line); *COUNT of them. NULL on out of memory. */
static ch *chars_of(const char *s, size_t n, int *count)
{
    ch *out = malloc((n ? n : 1) * sizeof *out);
    int k = 0;

    if (!out)
        return NULL;
    for (size_t i = 0; i < n;) {
        char one[5];
        int len;
        decode((const unsigned char *)s + i, &len);
        if ((size_t)len > n - i)
            len = 1;
        memcpy(one, s + i, (size_t)len);
        one[len] = '\0';
        out[k].width = (unsigned char)(nb_text_width(one) > 1 ? 2 : 1);
        k++;
        i += (size_t)len;
    }
    *count = k;
    return out;
}

/* 1 when a line may break before character I, BRK the line's break classes
 * (export_layout.h): at punctuation and spaces, after a particle, between two words
 * of the tables' vocabulary or after a numbering (商业/企业, 社会/公益/组织, 1./属于),
 * never inside a word or a Latin word or number. */
static int may_break(const unsigned char *brk, int i)
{
    return brk[i] != NB_BRK_NONE && brk[i] <= NB_BRK_WORD;
}

/* Width units of one line of text and of its widest piece that may not break. */
static void measure_line(const char *s, size_t n, int *width, int *unbroken)
{
    int count, nbrk, w = 0, piece = 0, widest = 0;
    ch *c = chars_of(s, n, &count);
    unsigned char *brk = nb_layout_breaks(s, n, NULL, &nbrk);

    if (!c || !brk || nbrk != count) { /* out of memory: the whole line as one piece */
        free(c);
        free(brk);
        *width = *unbroken = nb_text_width(s);
        return;
    }
    for (int i = 0; i < count; i++) {
        if (may_break(brk, i))
            piece = 0;
        piece += c[i].width;
        w += c[i].width;
        if (piece > widest)
            widest = piece;
    }
    free(c);
    free(brk);
    *width = w;
    *unbroken = w > LONG_TEXT ? (widest < LONG_LEAST ? widest : LONG_LEAST) : widest;
}

/* The widest line of TEXT and the least width it can be set in. */
static void measure(const char *text, int *width, int *least)
{
    *width = *least = 0;
    for (const char *s = text ? text : ""; ; ) {
        size_t n = strcspn(s, "\n");
        int w, u;
        measure_line(s, n, &w, &u);
        if (w > *width)
            *width = w;
        if (u > *least)
            *least = u;
        if (!s[n])
            break;
        s += n + 1;
    }
}

/* 1 when each line of TEXT, filled greedily into lines of CAP width units as
 * Word fills a line of CJK text, breaks only where may_break allows. Long
 * lines (over LONG_TEXT) may break anywhere. */
static int wraps_well(const char *text, int cap)
{
    for (const char *s = text ? text : ""; ; ) {
        size_t n = strcspn(s, "\n");
        int count, nbrk, used = 0, ok = 1, total = 0;
        ch *c = chars_of(s, n, &count);
        unsigned char *brk = nb_layout_breaks(s, n, NULL, &nbrk);
        if (!c || !brk || nbrk != count) {
            free(c);
            free(brk);
            return 1;
        }
        for (int i = 0; i < count; i++)
            total += c[i].width;
        for (int i = 0; i < count && ok && total > cap && total <= LONG_TEXT; i++) {
            if (used > 0 && used + c[i].width > cap) {
                if (!may_break(brk, i))
                    ok = 0;
                used = 0;
            }
            used += c[i].width;
        }
        free(c);
        free(brk);
        if (!ok)
            return 0;
        if (!s[n])
            return 1;
        s += n + 1;
    }
}

/* ---- table layout ----------------------------------------------------------- */

/* What kind of paragraph a cell holds. */
enum { CELL_HEADING, CELL_LABEL, CELL_DATA };

static int cell_kind(const nb_table *t, const int *owner, int r, int c)
{
    const nb_cell *cell = grid_cell(t, r, c);

    if (grid_heading_row(t, owner, r))
        return CELL_HEADING;
    if (cell->header)
        return CELL_LABEL;
    /* a figure (a number, or the "/" of a data cell) is never broken; free text in a
     * table (a check file's notes) is set and wrapped as a label is */
    return cell->key || grid_is_number(cell) || cell->type != NB_V_TEXT ? CELL_DATA : CELL_LABEL;
}

/* The merge (or the single cell) whose top-left cell is (R, C). */
static nb_merge extent(const nb_table *t, const int *owner, int r, int c)
{
    const nb_merge *g = grid_merge_at(t, owner, r, c);
    nb_merge one = {r, c, r, c};
    return g ? *g : one;
}

/* The capacity, in width units, of a column WIDTH twips wide at SIZE. */
static int capacity(int width, int size)
{
    int cap = (width - CELL_INSIDE) / (size * 5);
    return cap > 0 ? cap : 0;
}

static int width_for(int units, int size)
{
    return units * size * 5 + CELL_PAD;
}

/* 1 when every single-column header cell of column C sets well at CAP. */
static int column_wraps_well(const nb_table *t, const int *owner, int c, int cap)
{
    for (int r = 0; r < t->nrows; r++) {
        nb_merge g;
        if (grid_covered(t, owner, r, c))
            continue;
        g = extent(t, owner, r, c);
        if (g.c2 == g.c1 && cell_kind(t, owner, r, c) != CELL_DATA
            && !wraps_well(grid_text(t, owner, r, c), cap))
            return 0;
    }
    return 1;
}

/* Lines TEXT takes when filled greedily into lines of CAP width units. */
static int lines_at(const char *text, int cap)
{
    int lines = 0;

    for (const char *s = text ? text : ""; ; ) {
        size_t n = strcspn(s, "\n");
        int count, used = 0;
        ch *c = chars_of(s, n, &count);
        lines++;
        for (int i = 0; c && i < count; i++) {
            if (used > 0 && used + c[i].width > cap) {
                lines++;
                used = 0;
            }
            used += c[i].width;
        }
        free(c);
        if (!s[n])
            return lines;
        s += n + 1;
    }
}

/* The lines of every cell over column C at the widths W. */
static long column_lines(const nb_table *t, const int *owner, const int *w, int size, int c)
{
    long lines = 0;

    for (int r = 0; r < t->nrows; r++) {
        for (int k = 0; k <= c; k++) {
            nb_merge g;
            int width = 0;
            if (grid_covered(t, owner, r, k))
                continue;
            g = extent(t, owner, r, k);
            if (g.c2 < c)
                continue;
            for (int j = g.c1; j <= g.c2; j++)
                width += w[j];
            lines += lines_at(grid_text(t, owner, r, k), capacity(width, size));
        }
    }
    return lines;
}

/* Shares LEFT twips out: to the label columns that want more, in proportion
 * to what they lack, then to the columns not settled (FIXED 0), in
 * proportion to their widths; a column takes nothing that would break its
 * headings inside a word. */
static void share_room(const nb_table *t, const int *owner, int size, const int *pf, const char *label,
                       const char *fixed, int *w, long left)
{
    int n = t->ncols;

    for (int pass = 0; pass < 2 && left > 0; pass++) {
        long share = 0, total = left;
        for (int c = 0; c < n; c++) {
            if (pass == 0 ? label[c] && pf[c] > w[c] : !fixed[c])
                share += pass == 0 ? pf[c] - w[c] : w[c];
        }
        for (int c = 0; c < n && share > 0; c++) {
            int was = w[c], add;
            if (!(pass == 0 ? label[c] && pf[c] > w[c] : !fixed[c]))
                continue;
            add = (int)(total * (pass == 0 ? pf[c] - w[c] : w[c]) / share);
            if (pass == 0 && add > pf[c] - w[c])
                add = pf[c] - w[c];
            if (add > left)
                add = (int)left;
            w[c] += add;
            if (!column_wraps_well(t, owner, c, capacity(w[c], size)))
                w[c] = was;
            left -= w[c] - was;
        }
    }
}

/* Takes OVER twips from the columns with the most to spare over their least
 * (columns not settled first): from each, just what is over where its
 * headings stay whole at that width, else down to the next width where they
 * do. Returns 1 when something was taken. */
static int take_excess(const nb_table *t, const int *owner, int size, const int *mn, const char *fixed,
                       int *w, long over)
{
    int n = t->ncols, took = 0;
    char *tried = calloc((size_t)n, 1);

    if (!tried)
        return 0;
    while (over > 0) {
        int pick = -1, best = -1;
        for (int c = 0; c < n; c++) {
            if (!tried[c] && w[c] > mn[c]
                && (pick < 0 || (!fixed[c] && fixed[pick])
                    || (!fixed[c] == !fixed[pick] && w[c] - mn[c] > w[pick] - mn[pick])))
                pick = c;
        }
        if (pick < 0)
            break;
        tried[pick] = 1;
        long target = w[pick] - over < mn[pick] ? mn[pick] : w[pick] - over;
        if (column_wraps_well(t, owner, pick, capacity((int)target, size))) {
            best = (int)target;
        } else {
            for (int k = capacity((int)target, size) - 1; k > 0 && width_for(k, size) >= mn[pick]; k--) {
                if (column_wraps_well(t, owner, pick, k)) {
                    best = width_for(k, size);
                    break;
                }
            }
        }
        if (best < 0 || best >= w[pick])
            continue;
        over -= w[pick] - best;
        w[pick] = best;
        took = 1;
    }
    free(tried);
    return took;
}

/* After the widths are shared out: a column whose headings would break
 * inside a word gets the nearest width where they do not (narrower if there
 * is one); where label columns still want more, the other columns are
 * narrowed as far as their text keeps its lines; then the line's width is
 * balanced: what is left goes to the label columns that want more, in
 * proportion, then to the columns not yet settled; what is over is taken
 * from the columns with the most room to spare. A column never takes a width
 * at which its headings break inside a word. */
static void refine(const nb_table *t, const int *owner, int size, const int *mn, const int *pf,
                   const char *label, int *w)
{
    int n = t->ncols, wanting = 0;
    long left;
    char *fixed = calloc((size_t)n, 1);

    if (!fixed)
        return;
    for (int c = 0; c < n; c++) {
        int cap = capacity(w[c], size), least = capacity(mn[c], size), best = -1;
        if (column_wraps_well(t, owner, c, cap))
            continue;
        for (int k = cap - 1; k >= least && k > 0 && best < 0; k--)
            if (column_wraps_well(t, owner, c, k))
                best = k;
        for (int k = cap + 1; k <= cap + LONG_TEXT && best < 0; k++)
            if (column_wraps_well(t, owner, c, k))
                best = k;
        if (best > 0) {
            w[c] = width_for(best, size);
            fixed[c] = 1;
        }
    }
    for (int c = 0; c < n; c++)
        wanting |= label[c] && pf[c] > w[c];
    for (int c = 0; c < n && wanting; c++) {
        int keep = w[c];
        long base;
        if (label[c] || fixed[c])
            continue;
        base = column_lines(t, owner, w, size, c);
        for (int k = capacity(w[c], size) - 1; k >= capacity(mn[c], size) && k > 0; k--) {
            w[c] = width_for(k, size);
            if (column_lines(t, owner, w, size, c) > base || !column_wraps_well(t, owner, c, k))
                break;
            keep = w[c];
        }
        w[c] = keep;
        fixed[c] = 1;
    }
    for (int round = 0; round < 4; round++) {
        left = TEXT_WIDTH;
        for (int c = 0; c < n; c++)
            left -= w[c];
        if (left < 0) {
            if (!take_excess(t, owner, size, mn, fixed, w, -left))
                break;
            continue; /* it may have taken more than was over */
        }
        if (left > 0)
            share_room(t, owner, size, pf, label, fixed, w, left);
        break;
    }
    free(fixed);
}

/* Column widths W (twips) for table T at text SIZE: the least each column
 * needs and what it would like, from its cells and then from the merges over
 * it (narrow ones first); the line's width shared out; then each column
 * narrowed where that keeps its headings' words whole, the width it gives up
 * going to the label columns that want more. Returns 1 when the least widths
 * fit the line. */
static int layout(const nb_table *t, const int *owner, int size, int loose, int *w)
{
    int n = t->ncols, fits;
    long sum_min = 0, sum_pref = 0;
    int *mn = calloc((size_t)n, sizeof *mn), *pf = calloc((size_t)n, sizeof *pf);
    char *label = calloc((size_t)n, 1);

    if (!mn || !pf || !label) { /* out of memory: equal columns */
        for (int c = 0; c < n; c++)
            w[c] = TEXT_WIDTH / n;
        free(mn);
        free(pf);
        free(label);
        return 1;
    }
    for (int c = 0; c < n; c++)
        mn[c] = pf[c] = width_for(2, size);
    for (int span = 1; span <= n; span++) { /* single columns first, then ever wider merges */
        for (int r = 0; r < t->nrows; r++) {
            for (int c = 0; c < n; c++) {
                int kind, want, least, rows, lines, have_min = 0, have_pref = 0;
                nb_merge g;
                if (grid_covered(t, owner, r, c))
                    continue;
                g = extent(t, owner, r, c);
                if (g.c2 - g.c1 + 1 != span)
                    continue;
                kind = cell_kind(t, owner, r, c);
                measure(grid_text(t, owner, r, c), &want, &least);
                if (kind == CELL_DATA)
                    least = want; /* numbers are not broken */
                else if (loose && least > 2)
                    least = 2; /* headings broken anywhere, one character a line at least */
                rows = g.r2 - g.r1 + 1;
                lines = rows < 3 ? rows : 3;
                if (kind != CELL_DATA && lines > 1 && (want + lines - 1) / lines > least)
                    want = (want + lines - 1) / lines; /* a tall merge may take several lines */
                if (kind == CELL_LABEL && span == 1)
                    label[c] = 1;
                least = width_for(least, size);
                want = width_for(want, size);
                if (want < least)
                    want = least;
                for (int k = g.c1; k <= g.c2; k++) {
                    have_min += mn[k];
                    have_pref += pf[k];
                }
                for (int k = g.c1; k <= g.c2; k++) {
                    if (least > have_min)
                        mn[k] += (least - have_min + span - 1) / span;
                    if (want > have_pref)
                        pf[k] += (want - have_pref + span - 1) / span;
                    if (pf[k] < mn[k])
                        pf[k] = mn[k];
                }
            }
        }
    }
    for (int c = 0; c < n; c++) {
        sum_min += mn[c];
        sum_pref += pf[c];
    }
    fits = sum_min <= TEXT_WIDTH;
    if (sum_pref <= TEXT_WIDTH) { /* room for everything: the rest in proportion */
        for (int c = 0; c < n; c++)
            w[c] = (int)(pf[c] + (TEXT_WIDTH - sum_pref) * pf[c] / sum_pref);
    } else if (fits) { /* the least for each, the rest where more is wanted */
        for (int c = 0; c < n; c++)
            w[c] = (int)(mn[c] + (TEXT_WIDTH - sum_min) * (pf[c] - mn[c]) / (sum_pref - sum_min));
    } else {
        for (int c = 0; c < n; c++)
            w[c] = mn[c];
    }
    if (fits && !loose)
        refine(t, owner, size, mn, pf, label, w);
    free(mn);
    free(pf);
    free(label);
    return fits;
}

/* ---- writing the parts ------------------------------------------------------ */

static void fonts_table(FILE *f, const docx *x)
{
    const char *names[5], *alts[5], *families[5];
    int k = 0;

    names[k] = x->font[NB_FONT_TITLE], alts[k] = other_families(nb_doc_font(x->doc, NB_FONT_TITLE)),
    families[k++] = "roman";
    names[k] = x->font[NB_FONT_HEADING], alts[k] = other_families(nb_doc_font(x->doc, NB_FONT_HEADING)),
    families[k++] = "swiss";
    names[k] = x->font[NB_FONT_BODY], alts[k] = other_families(nb_doc_font(x->doc, NB_FONT_BODY)),
    families[k++] = "roman";
    names[k] = SUBHEADING_FONT, alts[k] = SUBHEADING_ALT, families[k++] = "roman";
    names[k] = TABLE_FONT, alts[k] = TABLE_FONT_ALT, families[k++] = "roman";
    nb_wml_part_start(f, "w:fonts");
    for (int i = 0; i < k; i++) {
        int seen = 0;
        for (int j = 0; j < i; j++)
            seen |= strcmp(names[i], names[j]) == 0;
        if (!seen && *names[i])
            nb_wml_font(f, names[i], alts[i], families[i]);
    }
    nb_wml_part_end(f, "w:fonts");
}

static void styles(FILE *f, const docx *x)
{
    const nb_wml_rpr body_run = {.font = x->font[NB_FONT_BODY], .size = BODY_SIZE,
                                 .lang_east_asia = "zh-CN"};
    const nb_wml_ppr normal = {.jc = NB_WML_JC_BOTH, .line_rule = NB_WML_LINE_EXACT,
                               .line = LINE_PITCH, .indent_set = 1, .first_line = FIRST_LINE,
                               .first_line_chars = 200};
    const nb_wml_ppr title = {.jc = NB_WML_JC_CENTER, .indent_set = 1, .line_rule = NB_WML_LINE_EXACT,
                              .line = TITLE_LINE, .space_after = LINE_PITCH, .keep_next = 1};
    const nb_wml_rpr title_run = {.font = x->font[NB_FONT_TITLE], .size = TITLE_SIZE};
    const nb_wml_ppr h1 = {.keep_next = 1, .outline_level = 1};
    const nb_wml_rpr h1_run = {.font = x->font[NB_FONT_HEADING]};
    const nb_wml_ppr h2 = {.keep_next = 1, .outline_level = 2};
    const nb_wml_rpr h2_run = {.font = SUBHEADING_FONT};
    const nb_wml_ppr caption = {.keep_next = 1, .jc = NB_WML_JC_CENTER, .indent_set = 1};
    const nb_wml_ppr table_text = {.jc = NB_WML_JC_LEFT, .indent_set = 1, .line_rule = NB_WML_LINE_AUTO,
                                   .line = 240, .no_snap_to_grid = 1};
    const nb_wml_rpr table_run = {.font = TABLE_FONT, .size = table_sizes[0]};
    const nb_wml_ppr centred = {.jc = NB_WML_JC_CENTER};
    const nb_wml_rpr bold = {.bold = 1};
    const nb_wml_ppr footer = {.indent_set = 1, .line_rule = NB_WML_LINE_AUTO, .line = 240,
                               .no_snap_to_grid = 1};
    const nb_wml_rpr footer_run = {.font = TABLE_FONT, .size = PAGE_NUMBER_SIZE};
    const nb_wml_style list[] = {
        {NB_WML_STYLE_PARAGRAPH, "Normal", "Normal", NULL, NULL, 1, 1, 0, &normal, &body_run, 0, 0},
        {NB_WML_STYLE_CHARACTER, "DefaultParagraphFont", "Default Paragraph Font", NULL, NULL, 1, 0, 1,
         NULL, NULL, 0, 0},
        {NB_WML_STYLE_TABLE, "TableNormal", "Normal Table", NULL, NULL, 1, 0, 99, NULL, NULL, 0, 108},
        {NB_WML_STYLE_PARAGRAPH, ST_TITLE, "Title", "Normal", "Normal", 0, 1, 10, &title, &title_run, 0, 0},
        {NB_WML_STYLE_PARAGRAPH, ST_H1, "heading 1", "Normal", "Normal", 0, 1, 9, &h1, &h1_run, 0, 0},
        {NB_WML_STYLE_PARAGRAPH, ST_H2, "heading 2", "Normal", "Normal", 0, 1, 9, &h2, &h2_run, 0, 0},
        {NB_WML_STYLE_PARAGRAPH, ST_CAPTION, "caption", "Normal", "Normal", 0, 1, 35, &caption, &h1_run, 0, 0},
        {NB_WML_STYLE_PARAGRAPH, ST_TABLE_TEXT, "表格文字", "Normal", NULL, 0, 0, 0, &table_text, &table_run, 0, 0},
        {NB_WML_STYLE_PARAGRAPH, ST_TABLE_HEADING, "表格表头", ST_TABLE_TEXT, NULL, 0, 1, 0, &centred, &bold, 0, 0},
        {NB_WML_STYLE_PARAGRAPH, ST_TABLE_LABEL, "表格项目", ST_TABLE_TEXT, NULL, 0, 1, 0, NULL, NULL, 0, 0},
        {NB_WML_STYLE_PARAGRAPH, ST_TABLE_DATA, "表格数据", ST_TABLE_TEXT, NULL, 0, 1, 0, &centred, NULL, 0, 0},
        {NB_WML_STYLE_PARAGRAPH, ST_FOOTER, "footer", "Normal", NULL, 0, 0, 99, &footer, &footer_run, 0, 0},
        {NB_WML_STYLE_TABLE, ST_TABLE_GRID, "Table Grid", "TableNormal", NULL, 0, 0, 59, NULL, NULL, BORDER,
         CELL_MARGIN},
    };

    nb_wml_part_start(f, "w:styles");
    nb_wml_doc_defaults(f, &body_run, NULL);
    for (size_t i = 0; i < sizeof list / sizeof list[0]; i++)
        nb_wml_style_write(f, &list[i]);
    nb_wml_part_end(f, "w:styles");
}

static void settings(FILE *f)
{
    nb_xml_attrs a = NB_XML_ATTRS_INIT;

    nb_wml_part_start(f, "w:settings");
    nb_xml_attr_int(&a, "w:percent", 100);
    nb_xml_empty(f, "w:zoom", &a);
    nb_xml_val_int(f, "w:defaultTabStop", 420);
    nb_xml_empty(f, "w:evenAndOddHeaders", NULL);
    nb_xml_val(f, "w:characterSpacingControl", "doNotCompress");
    nb_xml_start(f, "w:compat", NULL);
    nb_xml_attrs_clear(&a);
    nb_xml_attr(&a, "w:name", "compatibilityMode");
    nb_xml_attr(&a, "w:uri", "http://schemas.microsoft.com/office/word");
    nb_xml_attr(&a, "w:val", "15");
    nb_xml_empty(f, "w:compatSetting", &a);
    nb_xml_end(f, "w:compat");
    nb_xml_attrs_clear(&a);
    nb_xml_attr(&a, "w:val", "en-US");
    nb_xml_attr(&a, "w:eastAsia", "zh-CN");
    nb_xml_empty(f, "w:themeFontLang", &a);
    nb_wml_part_end(f, "w:settings");
}

/* A footer: "— N —", right-aligned one character in (odd pages) or left. */
static void footer_part(FILE *f, int odd)
{
    nb_wml_ppr p = {.style = ST_FOOTER, .jc = odd ? NB_WML_JC_RIGHT : NB_WML_JC_LEFT, .indent_set = 1};

    if (odd)
        p.indent_right = PAGE_NUMBER_SIZE * 10;
    else
        p.indent_left = PAGE_NUMBER_SIZE * 10;
    nb_wml_part_start(f, "w:ftr");
    nb_wml_p_start(f, &p);
    nb_wml_run(f, NULL, "— ");
    nb_wml_field(f, NULL, "PAGE", "1");
    nb_wml_run(f, NULL, " —");
    nb_wml_p_end(f);
    nb_wml_part_end(f, "w:ftr");
}

/* The title, broken after the body's name when it is wider than a line. */
static void title(FILE *f, const docx *x)
{
    const char *t = str_or_empty(x->doc->title), *body = x->doc->body;
    size_t blen = body ? strlen(body) : 0;
    const nb_wml_ppr p = {.style = ST_TITLE};

    if (nb_text_width(t) * TITLE_SIZE * 5 > TEXT_WIDTH && blen > 0 && strlen(t) > blen
        && strncmp(t, body, blen) == 0) {
        nb_wml_p_start(f, &p);
        nb_wml_run(f, NULL, body);
        nb_xml_start(f, "w:r", NULL);
        nb_xml_empty(f, "w:br", NULL);
        nb_xml_end(f, "w:r");
        nb_wml_run(f, NULL, t + blen);
        nb_wml_p_end(f);
    } else {
        nb_wml_paragraph(f, &p, NULL, t);
    }
}

/* Writes table T; 0, or -1 when memory ran out. */
static int table(FILE *f, const nb_table *t, const int *owner)
{
    static const char *const styles_of[] = {ST_TABLE_HEADING, ST_TABLE_LABEL, ST_TABLE_DATA};
    int *w = malloc((size_t)(t->ncols > 0 ? t->ncols : 1) * sizeof *w);
    int size = table_sizes[0];
    size_t nsizes = sizeof table_sizes / sizeof table_sizes[0];

    if (!w)
        return -1;
    if (t->ncols == 0 || t->nrows == 0) { /* Word wants a row and a cell in a table: none */
        free(w);
        return 0;
    }
    for (size_t i = 0; i <= nsizes; i++) { /* the last try: the smallest type, words broken */
        size = table_sizes[i < nsizes ? i : nsizes - 1];
        if (layout(t, owner, size, i == nsizes, w) || i == nsizes)
            break;
    }
    const nb_wml_table tbl = {.style = ST_TABLE_GRID, .ncols = t->ncols, .grid = w, .center = 1,
                              .border = BORDER, .cell_margin = CELL_MARGIN, .fixed = 1};
    const nb_wml_rpr run = {.size = size != table_sizes[0] ? size : 0};
    int blocks = 0; /* heading rows inside the body (表二's blocks) */
    for (int r = t->header_rows; r < t->nrows; r++)
        blocks |= grid_heading_row(t, owner, r);
    nb_wml_table_start(f, &tbl);
    for (int r = 0; r < t->nrows; r++) {
        const nb_wml_row row = {.header = r < t->header_rows, .cant_split = 1};
        /* A heading row stays with the row after it; in a table of blocks, so
         * does every row but a block's last. */
        int keep = r + 1 < t->nrows
                   && (grid_heading_row(t, owner, r) || (blocks && !grid_heading_row(t, owner, r + 1)));
        nb_wml_row_start(f, &row);
        for (int c = 0; c < t->ncols; c++) {
            int m = owner[(size_t)r * t->ncols + c], first = 1;
            nb_wml_cell cell = {.span = 1, .vcenter = 1};
            nb_wml_ppr p = {.style = styles_of[cell_kind(t, owner, r, c)], .keep_next = keep};
            if (m >= 0) {
                const nb_merge *g = &t->merges[m];
                if (g->c1 != c)
                    continue;
                cell.span = g->c2 - g->c1 + 1;
                first = g->r1 == r;
                cell.vmerge = g->r2 == g->r1 ? NB_WML_VMERGE_NONE
                              : first        ? NB_WML_VMERGE_RESTART
                                             : NB_WML_VMERGE_CONTINUE;
                if (!first) /* the style of the merge's own cell */
                    p.style = styles_of[cell_kind(t, owner, g->r1, g->c1)];
            }
            for (int k = c; k < c + cell.span; k++)
                cell.width += w[k];
            nb_wml_cell_start(f, &cell);
            nb_xml_start(f, "w:p", NULL);
            nb_wml_ppr_write(f, &p, run.size ? &run : NULL); /* the mark's size too: even rows */
            if (first && *grid_text(t, owner, r, c))
                nb_wml_run(f, run.size ? &run : NULL, grid_text(t, owner, r, c));
            nb_wml_p_end(f);
            nb_wml_cell_end(f);
        }
        nb_wml_row_end(f);
    }
    nb_wml_table_end(f);
    free(w);
    return 0;
}

static void document(FILE *f, docx *x, int *const *owners)
{
    const nb_doc *doc = x->doc;
    const nb_wml_section page = {
        .width = NB_WML_A4_WIDTH, .height = NB_WML_A4_HEIGHT, .top = MARGIN_TOP,
        .bottom = MARGIN_BOTTOM, .left = MARGIN_LEFT, .right = MARGIN_RIGHT,
        .header = HEADER_DISTANCE, .footer = FOOTER_DISTANCE, .footer_default = "rIdFooterOdd",
        .footer_even = "rIdFooterEven", .line_pitch = LINE_PITCH};

    nb_wml_part_start(f, "w:document");
    title(f, x);
    for (int b = 0; b < doc->nblocks; b++) {
        const nb_block *blk = &doc->blocks[b];
        nb_wml_ppr p = {0};
        switch (blk->type) {
        case NB_BLOCK_HEADING:
            p.style = blk->level <= 1 ? ST_H1 : ST_H2;
            nb_wml_paragraph(f, &p, NULL, blk->text);
            break;
        case NB_BLOCK_PARA:
            nb_wml_paragraph(f, NULL, NULL, blk->text);
            break;
        case NB_BLOCK_TABLE: {
            const char *caption = nb_table_caption(doc, b);
            if (caption) {
                p.style = ST_CAPTION;
                nb_wml_paragraph(f, &p, NULL, caption);
            }
            if (table(f, &doc->tables[blk->table], owners[blk->table]) != 0)
                x->nomem = 1;
            nb_wml_paragraph(f, NULL, NULL, NULL); /* a line between the table and what follows */
            break;
        }
        }
    }
    nb_wml_section_write(f, &page);
    nb_wml_part_end(f, "w:document");
}

static void content_types(FILE *f)
{
    static const char *const parts[][2] = {
        {"/word/document.xml", "application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml"},
        {"/word/styles.xml", "application/vnd.openxmlformats-officedocument.wordprocessingml.styles+xml"},
        {"/word/settings.xml", "application/vnd.openxmlformats-officedocument.wordprocessingml.settings+xml"},
        {"/word/fontTable.xml", "application/vnd.openxmlformats-officedocument.wordprocessingml.fontTable+xml"},
        {"/word/footer1.xml", "application/vnd.openxmlformats-officedocument.wordprocessingml.footer+xml"},
        {"/word/footer2.xml", "application/vnd.openxmlformats-officedocument.wordprocessingml.footer+xml"},
        {"/docProps/core.xml", "application/vnd.openxmlformats-package.core-properties+xml"},
        {"/docProps/app.xml", "application/vnd.openxmlformats-officedocument.extended-properties+xml"},
    };

    nb_opc_types_start(f);
    for (size_t i = 0; i < sizeof parts / sizeof parts[0]; i++)
        nb_opc_override(f, parts[i][0], parts[i][1]);
    nb_opc_types_end(f);
}

static void package_rels(FILE *f)
{
    nb_opc_package_rels(f, "word/document.xml");
}

static void document_rels(FILE *f)
{
    nb_opc_rels_start(f);
    nb_opc_rel(f, "rIdStyles", "styles", "styles.xml");
    nb_opc_rel(f, "rIdSettings", "settings", "settings.xml");
    nb_opc_rel(f, "rIdFonts", "fontTable", "fontTable.xml");
    nb_opc_rel(f, "rIdFooterOdd", "footer", "footer1.xml");
    nb_opc_rel(f, "rIdFooterEven", "footer", "footer2.xml");
    nb_opc_rels_end(f);
}

static void core(FILE *f, const nb_doc *doc)
{
    const nb_opc_core c = {.title = str_or_empty(doc->title), .subject = "政府信息公开工作年度报告",
                           .creator = str_or_empty(doc->body), .keywords = doc->format,
                           .created = doc->created};
    nb_opc_core_write(f, &c);
}

static void app(FILE *f, const nb_doc *doc)
{
    nb_xml_attrs a = NB_XML_ATTRS_INIT;

    nb_xml_declaration(f);
    nb_xml_attr(&a, "xmlns", "http://schemas.openxmlformats.org/officeDocument/2006/extended-properties");
    nb_xml_attr(&a, "xmlns:vt", "http://schemas.openxmlformats.org/officeDocument/2006/docPropsVTypes");
    nb_xml_start(f, "Properties", &a);
    nb_xml_data(f, "Application", NULL, "nianbao");
    if (doc->body)
        nb_xml_data(f, "Company", NULL, doc->body);
    nb_xml_end(f, "Properties");
    fputc('\n', f);
}

/* ---- the package ----------------------------------------------------------- */

typedef void (*part_fn)(FILE *f, docx *x, int *const *owners);

static void p_types(FILE *f, docx *x, int *const *o) { (void)x, (void)o; content_types(f); }
static void p_rels(FILE *f, docx *x, int *const *o) { (void)x, (void)o; package_rels(f); }
static void p_document(FILE *f, docx *x, int *const *o) { document(f, x, o); }
static void p_document_rels(FILE *f, docx *x, int *const *o) { (void)x, (void)o; document_rels(f); }
static void p_styles(FILE *f, docx *x, int *const *o) { (void)o; styles(f, x); }
static void p_settings(FILE *f, docx *x, int *const *o) { (void)x, (void)o; settings(f); }
static void p_fonts(FILE *f, docx *x, int *const *o) { (void)o; fonts_table(f, x); }
static void p_footer1(FILE *f, docx *x, int *const *o) { (void)x, (void)o; footer_part(f, 1); }
static void p_footer2(FILE *f, docx *x, int *const *o) { (void)x, (void)o; footer_part(f, 0); }
static void p_core(FILE *f, docx *x, int *const *o) { (void)o; core(f, x->doc); }
static void p_app(FILE *f, docx *x, int *const *o) { (void)o; app(f, x->doc); }

/* The package's parts, in the order they are zipped. */
static const struct {
    const char *name;
    part_fn write;
} parts[] = {
    {"[Content_Types].xml", p_types},
    {"_rels/.rels", p_rels},
    {"word/document.xml", p_document},
    {"word/_rels/document.xml.rels", p_document_rels},
    {"word/styles.xml", p_styles},
    {"word/settings.xml", p_settings},
    {"word/fontTable.xml", p_fonts},
    {"word/footer1.xml", p_footer1},
    {"word/footer2.xml", p_footer2},
    {"docProps/core.xml", p_core},
    {"docProps/app.xml", p_app},
};

/* Part I of the package being written. */
typedef struct {
    int i;
    docx *x;
    int *const *owners;
} part_job;

static void write_part(FILE *f, void *ud)
{
    part_job *j = ud;
    parts[j->i].write(f, j->x, j->owners);
}

/* Writes part I and adds it to the archive Z. 0, or -1 when memory ran out. */
static int add_part(nb_zip *z, int i, docx *x, int *const *owners)
{
    part_job j = {i, x, owners};
    return nb_zip_add_written(z, parts[i].name, write_part, &j) != 0 || x->nomem ? -1 : 0;
}

/* The whole package into Z. */
static nb_err package(nb_zip *z, docx *x, int *const *owners)
{
    int bad = !z;

    for (size_t i = 0; !bad && i < sizeof parts / sizeof parts[0]; i++)
        bad = add_part(z, (int)i, x, owners) != 0;
    if (bad) {
        snprintf(x->err, x->errlen, "%s: out of memory", x->path);
        return NB_ERR_NOMEM;
    }
    return NB_OK;
}

/* ---- the exporter ----------------------------------------------------------- */

nb_err nb_export_docx(const nb_doc *doc, const char *path, char *err, size_t errlen)
{
    docx x = {.doc = doc, .path = path, .err = err, .errlen = errlen};
    int **owners;
    nb_zip *z = NULL;
    const char *zdata = NULL;
    size_t zlen = 0;
    nb_out o;
    nb_err rc;

    if ((rc = nb_blocks_valid(doc, path, err, errlen)) != NB_OK)
        return rc;
    if (!(owners = calloc((size_t)(doc->ntables > 0 ? doc->ntables : 1), sizeof *owners))) {
        snprintf(err, errlen, "%s: out of memory", path);
        return NB_ERR_NOMEM;
    }
    for (int i = 0; i < doc->ntables && rc == NB_OK; i++) {
        if ((rc = grid_owner_map(&doc->tables[i], &owners[i], err, errlen)) != NB_OK)
            nb_err_prefix(rc, path, err, errlen);
    }
    for (int r = 0; r < NB_FONT_ROLES; r++)
        first_family(nb_doc_font(doc, (nb_font_role)r), x.font[r], FAMILY_MAX);
    if (rc == NB_OK)
        rc = package(z = nb_zip_new(doc->created, Z_DEFAULT_COMPRESSION), &x, owners);
    if (rc == NB_OK && nb_zip_finish(z, &zdata, &zlen) != 0) {
        snprintf(err, errlen, "%s: out of memory", path);
        rc = NB_ERR_NOMEM;
    }
    for (int i = 0; i < doc->ntables; i++)
        free(owners[i]);
    free(owners);
    if (rc == NB_OK && (rc = nb_out_open(&o, path, err, errlen)) == NB_OK) {
        fwrite(zdata, 1, zlen, o.f);
        rc = nb_out_finish(&o, err, errlen);
    }
    nb_zip_free(z);
    return rc;
}
