/* export_xlsx.c - the XLSX exporter: the report's tables in the official printed look.
 *
 * One worksheet per table (a merged title row in 黑体 above a fully bordered
 * grid in 宋体, merged headers, numbers as numbers with number formats, column
 * widths and row heights computed from the text, A4 print setup), then a
 * "检查结果" sheet when there are checks. The workbook's creation time comes
 * from the document, so the same document gives the same bytes. Depends on
 * libxlsxwriter. */
#include "doc.h"
#include "export_grid.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include "xlsxwriter.h"

#define BODY_FONT "宋体"
#define BODY_SIZE 11
#define TITLE_FONT "黑体"
#define TITLE_SIZE 14
#define GB2312_CHARSET 134

#define COL_MIN 8.0        /* column width bounds, in Excel character units */
#define COL_MAX 60.0
#define CELL_MAX 45.0      /* widest a cell may make its columns; longer text wraps */
#define WIDTH_PER_UNIT 1.1 /* Excel units per nb_text_width unit (宋体 vs the default font) */
#define WIDTH_PAD 3.0      /* borders and the one-level indent */
#define UNBROKEN 20        /* text this wide (10 CJK characters) is not split to fit a tall merge */
#define HEAD_UNBROKEN 8    /* header text wider than this (4 CJK characters) wraps in two lines */
#define PORTRAIT_MAX 100.0 /* total width (character units) that still prints upright */
#define LINE_HEIGHT 14.0   /* points per wrapped line of 宋体 11 */
#define ROW_PAD 6.0        /* points added to every row */
#define ROW_MAX 409.0      /* Excel's tallest row, in points */
#define TITLE_HEIGHT 30.0  /* points: the title row, one line */
#define TITLE_LINE 20.0    /* points per further line of the title */
#define WIDE_TABLE 8       /* more columns than this: landscape */

/* Number formats, one per kind of value. */
enum { NF_NONE, NF_INT, NF_SIGNED, NF_MONEY, NF_MONEY_UNIT, NF_SIGNED_GENERAL, NF_COUNT };

static const char *const num_formats[NF_COUNT] = {
    NULL, "0", "+0;-0;0", "0.00", "0.00\"万元\"", "+General;-General;0",
};

enum { AL_CENTER, AL_LEFT, AL_RIGHT, AL_COUNT };
enum { FONT_PLAIN, FONT_ALERT, FONT_COUNT };

/* The workbook being written and its formats, made on first use. */
typedef struct {
    lxw_workbook *wb;
    const char *path;
    lxw_format *title;
    lxw_format *cells[AL_COUNT][NF_COUNT][FONT_COUNT];
    char (*names)[LXW_SHEETNAME_MAX * 4 + 1]; /* sheet names given so far */
    int nnames;
    char *err;
    size_t errlen;
} xlsx;

static lxw_format *cell_format(xlsx *x, int align, int nf, int font)
{
    static const uint8_t aligns[AL_COUNT] = {LXW_ALIGN_CENTER, LXW_ALIGN_LEFT, LXW_ALIGN_RIGHT};
    lxw_format **slot = &x->cells[align][nf][font];

    if (!*slot) {
        lxw_format *f = workbook_add_format(x->wb);
        if (!f)
            return NULL;
        format_set_font_name(f, BODY_FONT);
        format_set_font_size(f, BODY_SIZE);
        format_set_font_charset(f, GB2312_CHARSET);
        format_set_border(f, LXW_BORDER_THIN);
        format_set_align(f, aligns[align]);
        format_set_align(f, LXW_ALIGN_VERTICAL_CENTER);
        format_set_text_wrap(f);
        if (align != AL_CENTER)
            format_set_indent(f, 1);
        if (num_formats[nf])
            format_set_num_format(f, num_formats[nf]);
        if (font == FONT_ALERT) {
            format_set_bold(f);
            format_set_font_color(f, 0xC00000);
        }
        *slot = f;
    }
    return *slot;
}

static lxw_format *title_format(xlsx *x)
{
    if (!x->title) {
        lxw_format *f = workbook_add_format(x->wb);
        if (!f)
            return NULL;
        format_set_font_name(f, TITLE_FONT);
        format_set_font_size(f, TITLE_SIZE);
        format_set_font_charset(f, GB2312_CHARSET);
        format_set_bold(f);
        format_set_align(f, LXW_ALIGN_CENTER);
        format_set_align(f, LXW_ALIGN_VERTICAL_CENTER);
        format_set_text_wrap(f);
        x->title = f;
    }
    return x->title;
}

/* Number format kind of a numeric cell. */
static int number_format_of(const nb_cell *c)
{
    switch (c->fmt) {
    case NB_FMT_SIGNED:
        return c->type == NB_V_INT ? NF_SIGNED : NF_SIGNED_GENERAL;
    case NB_FMT_MONEY:
        return NF_MONEY;
    case NB_FMT_MONEY_UNIT:
        return NF_MONEY_UNIT;
    default:
        return c->type == NB_V_INT ? NF_INT : NF_NONE;
    }
}

/* 1 when the cell is written with worksheet_write_number. */
static int writes_number(const nb_cell *c)
{
    return c->type == NB_V_INT || (c->type == NB_V_NUM && isfinite(c->num));
}

/* The format of a cell: heading rows centred, labels and text left, numbers
 * (and the text of data cells, such as "/") right. */
static lxw_format *format_for(xlsx *x, const nb_cell *c, int heading, int alert)
{
    int align, nf = NF_NONE;

    if (writes_number(c))
        nf = number_format_of(c);
    if (heading)
        align = AL_CENTER;
    else if (c->header)
        align = AL_LEFT;
    else if (writes_number(c) || c->key)
        align = AL_RIGHT;
    else
        align = AL_LEFT;
    return cell_format(x, align, nf, alert ? FONT_ALERT : FONT_PLAIN);
}

/* ---- errors ----------------------------------------------------------- */

static int fail(xlsx *x, const char *sheet, int row, int col, lxw_error e)
{
    if (sheet && row >= 0) {
        char cell[LXW_MAX_CELL_NAME_LENGTH];
        lxw_rowcol_to_cell(cell, (lxw_row_t)row, (lxw_col_t)col);
        snprintf(x->err, x->errlen, "%s: sheet '%s' cell %s: %s", x->path, sheet, cell, lxw_strerror(e));
    } else if (sheet) {
        snprintf(x->err, x->errlen, "%s: sheet '%s': %s", x->path, sheet, lxw_strerror(e));
    } else {
        snprintf(x->err, x->errlen, "%s: %s", x->path, lxw_strerror(e));
    }
    return -1;
}

static int fail_memory(xlsx *x)
{
    return fail(x, NULL, -1, -1, LXW_ERROR_MEMORY_MALLOC_FAILED);
}

/* ---- sheet names ------------------------------------------------------ */

static int ascii_casecmp(const char *a, const char *b)
{
    for (;; a++, b++) {
        int ca = (unsigned char)*a, cb = (unsigned char)*b;
        if (ca >= 'A' && ca <= 'Z')
            ca += 'a' - 'A';
        if (cb >= 'A' && cb <= 'Z')
            cb += 'a' - 'A';
        if (ca != cb || !ca)
            return ca - cb;
    }
}

/* Copies WANT into OUT as a valid sheet name of at most LIMIT UTF-16 units:
 * []:*?/\ become '_', control characters are dropped, apostrophes at either
 * end are removed. */
static void sheet_name_clean(char *out, const char *want, int limit)
{
    const unsigned char *p = (const unsigned char *)(want ? want : "");
    size_t n = 0;
    int units = 0;

    while (*p) {
        size_t len = *p < 0x80 ? 1 : (*p & 0xE0) == 0xC0 ? 2 : (*p & 0xF0) == 0xE0 ? 3
                   : (*p & 0xF8) == 0xF0 ? 4 : 0;
        int u = len == 4 ? 2 : 1;
        size_t k;
        for (k = 1; k < len && (p[k] & 0xC0) == 0x80; k++)
            ;
        if (len == 0 || k < len) /* malformed: skip the byte */
            len = 1, u = 0;
        if (units + u > limit)
            break;
        if (u == 0 || *p < 0x20 || *p == 0x7F) {
            p += len;
            continue;
        }
        if (len == 1 && strchr("[]:*?/\\", *p))
            out[n] = '_';
        else
            memcpy(out + n, p, len);
        n += len;
        units += u;
        p += len;
    }
    out[n] = '\0';
    while (out[0] == '\'')
        memmove(out, out + 1, strlen(out));
    n = strlen(out);
    while (n > 0 && out[n - 1] == '\'')
        out[--n] = '\0';
}

static int sheet_name_taken(const xlsx *x, const char *name)
{
    if (ascii_casecmp(name, "History") == 0)
        return 1;
    for (int i = 0; i < x->nnames; i++) {
        if (ascii_casecmp(x->names[i], name) == 0)
            return 1;
    }
    return 0;
}

/* Picks a unique valid sheet name from WANT (else FALLBACK, else "表N"),
 * adding " (2)", " (3)"... on a clash. Returns the stored name. */
static const char *sheet_name(xlsx *x, const char *want, const char *fallback)
{
    char *out = x->names[x->nnames];
    char base[LXW_SHEETNAME_MAX * 4 + 1];

    sheet_name_clean(base, want, LXW_SHEETNAME_MAX);
    if (!*base)
        sheet_name_clean(base, fallback, LXW_SHEETNAME_MAX);
    if (!*base)
        snprintf(base, sizeof base, "表%d", x->nnames + 1);
    strcpy(out, base);
    for (int n = 2; sheet_name_taken(x, out); n++) {
        char suffix[16];
        int len = snprintf(suffix, sizeof suffix, " (%d)", n);
        sheet_name_clean(out, base, LXW_SHEETNAME_MAX - len);
        strcat(out, suffix);
    }
    x->nnames++;
    return out;
}

/* ---- layout: widths and heights ---------------------------------------- */

/* Width of the widest line of S, in nb_text_width units, and its number of
 * lines when wrapped at CAPACITY units (CAPACITY <= 0: no wrapping). */
static int text_lines(const char *s, double capacity, int *widest)
{
    int lines = 0, wmax = 0;
    char *copy = strdup(s ? s : ""), *line, *next;

    if (!copy) {
        *widest = 0;
        return 1;
    }
    for (line = copy; line; line = next) {
        int w;
        next = strchr(line, '\n');
        if (next)
            *next++ = '\0';
        w = nb_text_width(line);
        if (w > wmax)
            wmax = w;
        lines += capacity > 0 && w > 0 ? (int)ceil(w / capacity) : 1;
    }
    free(copy);
    *widest = wmax;
    return lines > 0 ? lines : 1;
}

static double width_for(int text_width)
{
    return ceil(text_width * WIDTH_PER_UNIT + WIDTH_PAD);
}

static double capacity_of(double width)
{
    double cap = (width - WIDTH_PAD) / WIDTH_PER_UNIT;
    return cap > 1 ? cap : 1;
}

/* 1 when column C holds numbers and, below the header, nothing but numbers,
 * blanks and header cells: such columns get one common width. */
static int data_column(const nb_table *t, const int *owner, int c)
{
    int numbers = 0;

    for (int r = t->header_rows; r < t->nrows; r++) {
        const nb_cell *cell = grid_cell(t, r, c);
        if (grid_covered(t, owner, r, c) || cell->header || cell->type == NB_V_BLANK)
            continue;
        if (!grid_is_number(cell))
            return 0;
        numbers++;
    }
    return numbers > 0;
}

/* Column widths: single cells first, then merges spread any shortfall over
 * their columns; a merge over several rows may wrap into that many lines. */
static void layout_widths(const nb_table *t, const int *owner, double *w)
{
    double widest = 0;

    for (int c = 0; c < t->ncols; c++)
        w[c] = 0;
    for (int r = 0; r < t->nrows; r++) {
        for (int c = 0; c < t->ncols; c++) {
            int tw;
            double need;
            if (owner[(size_t)r * t->ncols + c] >= 0)
                continue;
            text_lines(grid_text(t, owner, r, c), 0, &tw);
            if (r < t->header_rows && tw > HEAD_UNBROKEN) /* headers wrap into two lines */
                tw = (tw + 1) / 2 + 1 > HEAD_UNBROKEN ? (tw + 1) / 2 + 1 : HEAD_UNBROKEN;
            need = fmin(width_for(tw), CELL_MAX);
            if (need > w[c])
                w[c] = need;
        }
    }
    for (int span = 1; span <= t->ncols; span++) { /* narrow merges first */
        for (int m = 0; m < t->nmerges; m++) {
            const nb_merge *g = &t->merges[m];
            int rows = g->r2 - g->r1 + 1, cols = g->c2 - g->c1 + 1, tw, lines, per_line;
            double need, have = 0;
            if (cols != span)
                continue;
            text_lines(grid_text(t, owner, g->r1, g->c1), 0, &tw);
            /* Long text in a tall merge wraps into balanced lines, one per
             * row at most; up to UNBROKEN it stays on one line. */
            lines = (tw + UNBROKEN - 1) / UNBROKEN;
            if (lines > rows)
                lines = rows;
            per_line = lines > 1 ? (tw + lines - 1) / lines + 1 : tw;
            need = fmin(width_for(per_line), CELL_MAX); /* longer merged text wraps */
            for (int c = g->c1; c <= g->c2; c++)
                have += w[c];
            if (need > have) {
                double add = ceil((need - have) / cols);
                for (int c = g->c1; c <= g->c2; c++)
                    w[c] += add;
            }
        }
    }
    for (int c = 0; c < t->ncols; c++) {
        if (data_column(t, owner, c) && w[c] > widest)
            widest = w[c];
    }
    for (int c = 0; c < t->ncols; c++) {
        if (data_column(t, owner, c))
            w[c] = widest;
        w[c] = fmax(COL_MIN, fmin(COL_MAX, w[c]));
    }
}

/* Lines per row: enough for every cell's wrapped text; a merge over several
 * rows spreads what it lacks over them. */
static void layout_lines(const nb_table *t, const int *owner, const double *w, int *lines)
{
    int widest;

    for (int r = 0; r < t->nrows; r++) {
        lines[r] = 1;
        for (int c = 0; c < t->ncols; c++) {
            int n;
            if (owner[(size_t)r * t->ncols + c] >= 0)
                continue;
            n = text_lines(grid_text(t, owner, r, c), capacity_of(w[c]), &widest);
            if (n > lines[r])
                lines[r] = n;
        }
    }
    for (int span = 1; span <= t->nrows; span++) { /* short merges first */
        for (int m = 0; m < t->nmerges; m++) {
            const nb_merge *g = &t->merges[m];
            double width = 0;
            int need, have = 0, rows = g->r2 - g->r1 + 1;
            if (rows != span)
                continue;
            for (int c = g->c1; c <= g->c2; c++)
                width += w[c];
            need = text_lines(grid_text(t, owner, g->r1, g->c1), capacity_of(width), &widest);
            for (int r = g->r1; r <= g->r2; r++)
                have += lines[r];
            if (need > have) {
                int add = (need - have + rows - 1) / rows;
                for (int r = g->r1; r <= g->r2; r++)
                    lines[r] += add;
            }
        }
    }
}

/* ---- writing ---------------------------------------------------------- */

static lxw_error write_value(lxw_worksheet *ws, int row, int col, const nb_cell *c, const char *text,
                             lxw_format *f)
{
    if (c->type == NB_V_INT)
        return worksheet_write_number(ws, (lxw_row_t)row, (lxw_col_t)col, (double)c->i, f);
    if (writes_number(c))
        return worksheet_write_number(ws, (lxw_row_t)row, (lxw_col_t)col, c->num, f);
    if (!*text)
        return worksheet_write_blank(ws, (lxw_row_t)row, (lxw_col_t)col, f);
    return worksheet_write_string(ws, (lxw_row_t)row, (lxw_col_t)col, text, f);
}

/* Print setup: A4, landscape when wide (many columns or a wide total), one
 * page wide, title and header rows repeated, centred, page numbers below. */
static lxw_error page_setup(lxw_worksheet *ws, int ncols, const double *widths, int repeat_rows)
{
    double total = 0;

    for (int c = 0; c < ncols; c++)
        total += widths[c];
    worksheet_set_paper(ws, 9);
    if (ncols > WIDE_TABLE || total > PORTRAIT_MAX)
        worksheet_set_landscape(ws);
    else
        worksheet_set_portrait(ws);
    worksheet_fit_to_pages(ws, 1, 0);
    worksheet_set_margins(ws, 0.6, 0.6, 0.75, 0.75);
    worksheet_center_horizontally(ws);
    if (repeat_rows > 0) {
        lxw_error e = worksheet_repeat_rows(ws, 0, (lxw_row_t)(repeat_rows - 1));
        if (e)
            return e;
    }
    return worksheet_set_footer(ws, "&C第 &P 页，共 &N 页");
}

/* Writes table T on a new sheet. ALERT_COL >= 0: in that column, cells whose
 * text is "FAIL" get the alert font (the checks sheet's 结果 column). */
static int write_sheet(xlsx *x, const nb_table *t, const char *name, int alert_col)
{
    lxw_worksheet *ws;
    int *owner, *lines = NULL, top, rc = -1;
    double *widths = NULL;
    lxw_error e = LXW_NO_ERROR;
    const char *title = t->title && *t->title ? t->title : NULL;
    double total = 0;
    int title_lines, widest;

    owner = grid_owner_map(t, x->err, x->errlen);
    if (!owner) {
        char msg[512];
        snprintf(msg, sizeof msg, "%s", x->err);
        snprintf(x->err, x->errlen, "%s: %s", x->path, msg);
        return -1;
    }
    if (!(ws = workbook_add_worksheet(x->wb, name))) {
        snprintf(x->err, x->errlen, "%s: cannot add sheet '%s'", x->path, name);
        goto done;
    }
    widths = malloc((t->ncols ? t->ncols : 1) * sizeof *widths);
    lines = malloc((t->nrows ? t->nrows : 1) * sizeof *lines);
    if (!widths || !lines) {
        fail_memory(x);
        goto done;
    }
    top = title ? 1 : 0;
    layout_widths(t, owner, widths);
    layout_lines(t, owner, widths, lines);

    for (int c = 0; c < t->ncols && !e; c++)
        e = worksheet_set_column(ws, (lxw_col_t)c, (lxw_col_t)c, widths[c], NULL);
    if (e) {
        fail(x, name, -1, -1, e);
        goto done;
    }
    if (title) {
        lxw_format *tf = title_format(x);
        if (!tf) {
            fail_memory(x);
            goto done;
        }
        for (int c = 0; c < t->ncols; c++)
            total += widths[c];
        /* The title font is TITLE_SIZE/BODY_SIZE times wider than the body's. */
        title_lines = text_lines(title, capacity_of(total) * BODY_SIZE / TITLE_SIZE, &widest);
        e = worksheet_set_row(ws, 0, TITLE_HEIGHT + (title_lines - 1) * TITLE_LINE, NULL);
        if (!e && t->ncols > 1)
            e = worksheet_merge_range(ws, 0, 0, 0, (lxw_col_t)(t->ncols - 1), title, tf);
        else if (!e)
            e = worksheet_write_string(ws, 0, 0, title, tf);
        if (e) {
            fail(x, name, 0, 0, e);
            goto done;
        }
    }
    for (int r = 0; r < t->nrows; r++) {
        int heading = grid_heading_row(t, owner, r), row = top + r;
        e = worksheet_set_row(ws, (lxw_row_t)row, fmin(lines[r] * LINE_HEIGHT + ROW_PAD, ROW_MAX), NULL);
        if (e) {
            fail(x, name, row, 0, e);
            goto done;
        }
        for (int c = 0; c < t->ncols; c++) {
            const nb_cell *cell = grid_cell(t, r, c);
            const nb_merge *g = grid_merge_at(t, owner, r, c);
            const char *text = grid_text(t, owner, r, c);
            int alert = c == alert_col && strcmp(text, "FAIL") == 0;
            lxw_format *f;
            if (grid_covered(t, owner, r, c))
                continue;
            if (!(f = format_for(x, cell, heading, alert))) {
                fail_memory(x);
                goto done;
            }
            if (g && (g->r2 > g->r1 || g->c2 > g->c1)) {
                /* merge_range borders every covered cell with F too. */
                e = worksheet_merge_range(ws, (lxw_row_t)(top + g->r1), (lxw_col_t)g->c1,
                                          (lxw_row_t)(top + g->r2), (lxw_col_t)g->c2,
                                          writes_number(cell) ? "" : text, f);
                if (!e && writes_number(cell))
                    e = write_value(ws, row, c, cell, text, f);
            } else {
                e = write_value(ws, row, c, cell, text, f);
            }
            if (e) {
                fail(x, name, row, c, e);
                goto done;
            }
        }
    }
    e = page_setup(ws, t->ncols, widths, top + t->header_rows);
    if (e) {
        fail(x, name, -1, -1, e);
        goto done;
    }
    rc = 0;
done:
    free(owner);
    free(widths);
    free(lines);
    return rc;
}

/* ---- the checks sheet -------------------------------------------------- */

static const char *const check_headers[] = {
    "编号", "级别", "检查项", "公式", "左值", "右值", "结果", "说明/证据",
};
#define CHECK_COLS 8
#define CHECK_STATUS_COL 6

/* "message\n证据：a, b" (allocated), or NULL on out of memory. */
static char *check_note(const nb_check *k)
{
    size_t n = (k->message ? strlen(k->message) : 0) + 16;
    char *s;

    for (int e = 0; e < k->nevidence; e++)
        n += (k->evidence[e] ? strlen(k->evidence[e]) : 0) + 2;
    if (!(s = malloc(n)))
        return NULL;
    strcpy(s, k->message ? k->message : "");
    if (k->nevidence > 0) {
        if (*s)
            strcat(s, "\n");
        strcat(s, "证据：");
        for (int e = 0; e < k->nevidence; e++) {
            if (e > 0)
                strcat(s, ", ");
            strcat(s, k->evidence[e] ? k->evidence[e] : "");
        }
    }
    return s;
}

/* A text cell borrowing S (the table below is never freed by nb_doc_free). */
static nb_cell text_cell(const char *s, int header)
{
    nb_cell c = {.type = NB_V_TEXT, .fmt = NB_FMT_PLAIN, .text = (char *)(s ? s : ""),
                 .header = header};
    return c;
}

/* The checks as a table borrowing the document's strings, then one sheet. */
static int write_checks(xlsx *x, const nb_doc *doc)
{
    nb_table t;
    nb_cell *cells;
    char **notes;
    int rc = -1, n = doc->nchecks;

    memset(&t, 0, sizeof t);
    cells = calloc((size_t)(n + 1) * CHECK_COLS, sizeof *cells);
    notes = calloc((size_t)n, sizeof *notes);
    if (!cells || !notes) {
        fail_memory(x);
        goto done;
    }
    for (int c = 0; c < CHECK_COLS; c++)
        cells[c] = text_cell(check_headers[c], 1);
    for (int i = 0; i < n; i++) {
        const nb_check *k = &doc->checks[i];
        nb_cell *row = &cells[(size_t)(i + 1) * CHECK_COLS];
        if (!(notes[i] = check_note(k))) {
            fail_memory(x);
            goto done;
        }
        row[0] = text_cell(k->id, 0);
        row[1] = text_cell(k->severity, 0);
        row[2] = text_cell(k->title, 0);
        row[3] = text_cell(k->formula, 0);
        row[4] = k->left;
        row[5] = k->right;
        row[6] = text_cell(k->status, 0);
        row[7] = text_cell(notes[i], 0);
        for (int c = 4; c <= 5; c++) {
            row[c].key = NULL;
            row[c].header = 0;
            if (!row[c].text)
                row[c].text = "";
        }
    }
    t.id = "checks";
    t.title = "检查结果";
    t.nrows = n + 1;
    t.ncols = CHECK_COLS;
    t.header_rows = 1;
    t.cells = cells;
    rc = write_sheet(x, &t, sheet_name(x, "检查结果", "checks"), CHECK_STATUS_COL);
done:
    if (notes) {
        for (int i = 0; i < n; i++)
            free(notes[i]);
    }
    free(notes);
    free(cells);
    return rc;
}

/* ---- the workbook ----------------------------------------------------- */

/* Fails early, with the system's reason, when PATH cannot be written (the
 * library would only say so at the end, and print to stderr). Leaves no new
 * file behind. */
static int probe_path(const char *path, char *err, size_t errlen)
{
    struct stat st;
    int existed = stat(path, &st) == 0;
    FILE *f = fopen(path, "ab");

    if (!f) {
        snprintf(err, errlen, "%s: %s", path, strerror(errno));
        return -1;
    }
    fclose(f);
    if (!existed)
        remove(path);
    return 0;
}

int nb_export_xlsx(const nb_doc *doc, const char *path, char *err, size_t errlen)
{
    xlsx x;
    lxw_doc_properties props;
    lxw_error e;
    int saved;

    memset(&x, 0, sizeof x);
    x.path = path;
    x.err = err;
    x.errlen = errlen;
    for (int b = 0; b < doc->nblocks; b++) {
        if (doc->blocks[b].type == NB_BLOCK_TABLE
            && (doc->blocks[b].table < 0 || doc->blocks[b].table >= doc->ntables)) {
            snprintf(err, errlen, "%s: block %d names table %d of %d", path, b + 1,
                     doc->blocks[b].table, doc->ntables);
            return -1;
        }
    }
    if (probe_path(path, err, errlen) != 0)
        return -1;
    x.names = calloc((size_t)doc->ntables + 1, sizeof *x.names);
    if (!x.names)
        return fail_memory(&x);
    if (!(x.wb = workbook_new(path))) {
        free(x.names);
        return fail_memory(&x);
    }

    memset(&props, 0, sizeof props);
    props.title = doc->title;
    props.subject = "政府信息公开工作年度报告";
    props.company = doc->body;
    props.keywords = doc->format;
    /* libxlsxwriter takes 0 as "now": keep 0 fixed at one second past it. */
    props.created = doc->created ? (time_t)doc->created : (time_t)1;
    if ((e = workbook_set_properties(x.wb, &props)) != LXW_NO_ERROR) {
        lxw_workbook_free(x.wb);
        free(x.names);
        return fail(&x, NULL, -1, -1, e);
    }

    for (int i = 0; i < doc->ntables; i++) {
        const nb_table *t = &doc->tables[i];
        if (write_sheet(&x, t, sheet_name(&x, t->title, t->id), -1) != 0) {
            lxw_workbook_free(x.wb);
            free(x.names);
            return -1;
        }
    }
    if (doc->nchecks > 0 && write_checks(&x, doc) != 0) {
        lxw_workbook_free(x.wb);
        free(x.names);
        return -1;
    }
    if (doc->ntables == 0 && doc->nchecks == 0 && !workbook_add_worksheet(x.wb, NULL)) {
        lxw_workbook_free(x.wb);
        free(x.names);
        return fail_memory(&x);
    }
    free(x.names);

    errno = 0;
    e = workbook_close(x.wb);
    saved = errno;
    if (e != LXW_NO_ERROR) {
        if (saved && (e == LXW_ERROR_CREATING_XLSX_FILE || e == LXW_ERROR_CREATING_TMPFILE))
            snprintf(err, errlen, "%s: %s (%s)", path, lxw_strerror(e), strerror(saved));
        else
            snprintf(err, errlen, "%s: %s", path, lxw_strerror(e));
        return -1;
    }
    return 0;
}
