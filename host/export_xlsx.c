/* export_xlsx.c - the XLSX exporter: the report's tables in the official printed look.
 *
 * One worksheet per table (a merged title row in 黑体 above a fully bordered
 * grid in 宋体, merged headers, numbers as numbers with number formats, column
 * widths and row heights computed from the text, A4 print setup), then a
 * "检查结果" sheet when there are checks. The workbook's creation time comes
 * from the document, so the same document gives the same bytes. Text over
 * Excel's 32,767 characters is cut to fit, with "…" (a check's note: "…（共 N
 * 条）"). The library writes the workbook to a temporary file that is renamed
 * into place (export_util.h). Depends on libxlsxwriter. */
#include "export.h"
#include "export_checks.h"
#include "export_grid.h"
#include "export_util.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
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
#define EXCEL_TEXT_MAX 32767 /* characters (UTF-16 units) a cell can hold */

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
    const char *path; /* the file as the user named it, for messages */
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

/* The nb_err of a library error: I/O, memory, or (the rest) a document that
 * Excel cannot hold. */
static nb_err code_of(lxw_error e)
{
    switch (e) {
    case LXW_ERROR_MEMORY_MALLOC_FAILED:
        return NB_ERR_NOMEM;
    case LXW_ERROR_CREATING_XLSX_FILE:
    case LXW_ERROR_CREATING_TMPFILE:
    case LXW_ERROR_READING_TMPFILE:
    case LXW_ERROR_ZIP_FILE_OPERATION:
    case LXW_ERROR_ZIP_PARAMETER_ERROR:
    case LXW_ERROR_ZIP_BAD_ZIP_FILE:
    case LXW_ERROR_ZIP_INTERNAL_ERROR:
    case LXW_ERROR_ZIP_FILE_ADD:
    case LXW_ERROR_ZIP_CLOSE:
        return NB_ERR_IO;
    default:
        return NB_ERR_INPUT;
    }
}

/* "PATH: sheet 'S' cell B3: <lxw_strerror>" (or "column B", or the sheet or
 * file alone when ROW or COL is -1 or SHEET NULL). */
static nb_err fail(xlsx *x, const char *sheet, int row, int col, lxw_error e)
{
    char where[LXW_MAX_CELL_NAME_LENGTH + 16] = "", name[LXW_MAX_CELL_NAME_LENGTH];

    if (row >= 0) {
        lxw_rowcol_to_cell(name, (lxw_row_t)row, (lxw_col_t)col);
        snprintf(where, sizeof where, " cell %s", name);
    } else if (col >= 0) {
        lxw_col_to_name(name, (lxw_col_t)col, 0);
        snprintf(where, sizeof where, " column %s", name);
    }
    if (sheet)
        snprintf(x->err, x->errlen, "%s: sheet '%s'%s: %s", x->path, sheet, where, lxw_strerror(e));
    else
        snprintf(x->err, x->errlen, "%s: %s", x->path, lxw_strerror(e));
    return code_of(e);
}

static nb_err fail_memory(xlsx *x)
{
    return fail(x, NULL, -1, -1, LXW_ERROR_MEMORY_MALLOC_FAILED);
}

/* ---- text over Excel's limit -------------------------------------------- */

/* Length in UTF-16 units (as Excel counts characters) of the first BYTES
 * bytes of S; a malformed byte counts one. */
static long utf16_units(const char *s, size_t bytes)
{
    long n = 0;

    for (size_t i = 0; i < bytes && s[i]; i++) {
        unsigned char ch = (unsigned char)s[i];
        if ((ch & 0xC0) != 0x80)
            n += (ch & 0xF8) == 0xF0 ? 2 : 1;
    }
    return n;
}

/* Bytes of the longest start of S that has at most MAX UTF-16 units and
 * ends at a character boundary. */
static size_t utf8_prefix(const char *s, long max)
{
    size_t i = 0, end = 0;
    long n = 0;

    for (; s[i]; i++) {
        unsigned char ch = (unsigned char)s[i];
        if ((ch & 0xC0) == 0x80)
            continue;
        end = i; /* a character starts here: the text may end before it */
        n += (ch & 0xF8) == 0xF0 ? 2 : 1;
        if (n > max)
            return end;
    }
    return i;
}

/* TEXT as a cell can hold it: TEXT itself when it fits Excel's limit, else a
 * copy cut at a character boundary and ending with SUFFIX, in *COPY (the
 * caller frees it). NULL on out of memory. */
static const char *fitted(const char *text, const char *suffix, char **copy)
{
    size_t keep, slen = strlen(suffix);

    *copy = NULL;
    if (utf16_units(text, (size_t)-1) <= EXCEL_TEXT_MAX)
        return text;
    keep = utf8_prefix(text, EXCEL_TEXT_MAX - utf16_units(suffix, slen));
    if (!(*copy = malloc(keep + slen + 1)))
        return NULL;
    memcpy(*copy, text, keep);
    memcpy(*copy + keep, suffix, slen + 1);
    return *copy;
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

/* One sheet being written: its table, layout and place. */
typedef struct {
    const nb_table *t;
    const char *name;  /* the sheet's name */
    lxw_worksheet *ws;
    int *owner;        /* the table's merge map */
    double *widths;    /* per column, Excel character units */
    int *lines;        /* per grid row, lines of text */
    int top;           /* 1 when a title row is above the grid */
    int alert_col;     /* column whose "FAIL" cells get the alert font, or -1 */
} sheet;

/* Writes TEXT, shortened with "…" when it is over Excel's limit. */
static lxw_error write_text(lxw_worksheet *ws, int row, int col, const char *text, lxw_format *f)
{
    char *copy;
    const char *s = fitted(text, "…", &copy);
    lxw_error e;

    if (!s)
        return LXW_ERROR_MEMORY_MALLOC_FAILED;
    e = worksheet_write_string(ws, (lxw_row_t)row, (lxw_col_t)col, s, f);
    free(copy);
    return e;
}

/* Merges rows R1..R2, columns C1..C2 with TEXT (shortened as write_text). */
static lxw_error merge_text(lxw_worksheet *ws, int r1, int c1, int r2, int c2, const char *text,
                            lxw_format *f)
{
    char *copy;
    const char *s = fitted(text, "…", &copy);
    lxw_error e;

    if (!s)
        return LXW_ERROR_MEMORY_MALLOC_FAILED;
    e = worksheet_merge_range(ws, (lxw_row_t)r1, (lxw_col_t)c1, (lxw_row_t)r2, (lxw_col_t)c2, s, f);
    free(copy);
    return e;
}

static lxw_error write_value(lxw_worksheet *ws, int row, int col, const nb_cell *c, const char *text,
                             lxw_format *f)
{
    if (c->type == NB_V_INT)
        return worksheet_write_number(ws, (lxw_row_t)row, (lxw_col_t)col, (double)c->i, f);
    if (writes_number(c))
        return worksheet_write_number(ws, (lxw_row_t)row, (lxw_col_t)col, c->num, f);
    if (!*text)
        return worksheet_write_blank(ws, (lxw_row_t)row, (lxw_col_t)col, f);
    return write_text(ws, row, col, text, f);
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

/* Validates the table, adds the worksheet, lays the table out and sets the
 * column widths. */
static nb_err sheet_begin(xlsx *x, sheet *s)
{
    const nb_table *t = s->t;
    lxw_error e = LXW_NO_ERROR;
    nb_err rc = grid_owner_map(t, &s->owner, x->err, x->errlen);

    if (rc != NB_OK)
        return nb_err_prefix(rc, x->path, x->err, x->errlen);
    if (!(s->ws = workbook_add_worksheet(x->wb, s->name))) {
        /* Its name is valid and unique (sheet_name), so memory ran out. */
        snprintf(x->err, x->errlen, "%s: cannot add sheet '%s': out of memory", x->path, s->name);
        return NB_ERR_NOMEM;
    }
    s->widths = malloc((t->ncols ? t->ncols : 1) * sizeof *s->widths);
    s->lines = malloc((t->nrows ? t->nrows : 1) * sizeof *s->lines);
    if (!s->widths || !s->lines)
        return fail_memory(x);
    layout_widths(t, s->owner, s->widths);
    layout_lines(t, s->owner, s->widths, s->lines);
    for (int c = 0; c < t->ncols; c++) {
        if ((e = worksheet_set_column(s->ws, (lxw_col_t)c, (lxw_col_t)c, s->widths[c], NULL)))
            return fail(x, s->name, -1, c, e);
    }
    return NB_OK;
}

/* The title row above the grid, merged across it, tall enough for the
 * title's wrapped lines. */
static nb_err sheet_title(xlsx *x, sheet *s, const char *title)
{
    const nb_table *t = s->t;
    lxw_format *tf = title_format(x);
    double total = 0;
    int title_lines, widest;
    lxw_error e;

    if (!tf)
        return fail_memory(x);
    for (int c = 0; c < t->ncols; c++)
        total += s->widths[c];
    /* The title font is TITLE_SIZE/BODY_SIZE times wider than the body's. */
    title_lines = text_lines(title, capacity_of(total) * BODY_SIZE / TITLE_SIZE, &widest);
    e = worksheet_set_row(s->ws, 0, TITLE_HEIGHT + (title_lines - 1) * TITLE_LINE, NULL);
    if (!e && t->ncols > 1)
        e = merge_text(s->ws, 0, 0, 0, t->ncols - 1, title, tf);
    else if (!e)
        e = write_text(s->ws, 0, 0, title, tf);
    return e ? fail(x, s->name, 0, 0, e) : NB_OK;
}

/* Grid cell (R, C) on sheet row ROW: a merge's top-left cell writes the
 * merge (bordering every covered cell), then its number if it has one. */
static nb_err sheet_cell(xlsx *x, sheet *s, int r, int c, int heading)
{
    const nb_table *t = s->t;
    const nb_cell *cell = grid_cell(t, r, c);
    const nb_merge *g = grid_merge_at(t, s->owner, r, c);
    const char *text = grid_text(t, s->owner, r, c);
    int row = s->top + r, alert = c == s->alert_col && strcmp(text, "FAIL") == 0;
    lxw_format *f = format_for(x, cell, heading, alert);
    lxw_error e;

    if (!f)
        return fail_memory(x);
    if (g && (g->r2 > g->r1 || g->c2 > g->c1)) {
        e = merge_text(s->ws, s->top + g->r1, g->c1, s->top + g->r2, g->c2,
                       writes_number(cell) ? "" : text, f);
        if (!e && writes_number(cell))
            e = write_value(s->ws, row, c, cell, text, f);
    } else {
        e = write_value(s->ws, row, c, cell, text, f);
    }
    return e ? fail(x, s->name, row, c, e) : NB_OK;
}

/* Grid row R: its height, then its visible cells. */
static nb_err sheet_row(xlsx *x, sheet *s, int r)
{
    int heading = grid_heading_row(s->t, s->owner, r), row = s->top + r;
    double height = fmin(s->lines[r] * LINE_HEIGHT + ROW_PAD, ROW_MAX);
    lxw_error e = worksheet_set_row(s->ws, (lxw_row_t)row, height, NULL);
    nb_err rc = NB_OK;

    if (e)
        return fail(x, s->name, row, 0, e);
    for (int c = 0; c < s->t->ncols && rc == NB_OK; c++) {
        if (!grid_covered(s->t, s->owner, r, c))
            rc = sheet_cell(x, s, r, c, heading);
    }
    return rc;
}

/* Writes table T on a new sheet NAME. ALERT_COL >= 0: in that column, cells
 * whose text is "FAIL" get the alert font (the checks sheet's 结果 column). */
static nb_err write_sheet(xlsx *x, const nb_table *t, const char *name, int alert_col)
{
    const char *title = t->title && *t->title ? t->title : NULL;
    sheet s = {.t = t, .name = name, .top = title ? 1 : 0, .alert_col = alert_col};
    nb_err rc = sheet_begin(x, &s);
    lxw_error e;

    if (rc == NB_OK && title)
        rc = sheet_title(x, &s, title);
    for (int r = 0; r < t->nrows && rc == NB_OK; r++)
        rc = sheet_row(x, &s, r);
    if (rc == NB_OK && (e = page_setup(s.ws, t->ncols, s.widths, s.top + t->header_rows)))
        rc = fail(x, name, -1, -1, e);
    free(s.owner);
    free(s.widths);
    free(s.lines);
    return rc;
}

/* ---- the checks sheet -------------------------------------------------- */

/* A text cell borrowing S (the table below is never freed by nb_doc_free). */
static nb_cell text_cell(const char *s, int header)
{
    nb_cell c = {.type = NB_V_TEXT, .fmt = NB_FMT_PLAIN, .text = (char *)(s ? s : ""),
                 .header = header};
    return c;
}

/* The note of K as the cell holds it: when over Excel's limit, cut and ended
 * with "…（共 N 条）", N the number of evidence items (JSON keeps them all).
 * Allocated; NULL on out of memory. */
static char *check_note_cell(const nb_check *k)
{
    char suffix[64], *note = nb_check_note(k, "\n", NULL), *copy;

    if (!note)
        return NULL;
    snprintf(suffix, sizeof suffix, "…（共 %d 条）", k->nevidence);
    if (!fitted(note, k->nevidence > 0 ? suffix : "…", &copy)) {
        free(note);
        return NULL;
    }
    if (copy) {
        free(note);
        note = copy;
    }
    return note;
}

/* Row I + 1 of the checks table: check K's columns, NOTE its note. */
static void check_row(nb_cell *row, const nb_check *k, const char *note)
{
    for (int c = 0; c < NB_CHECK_COLS; c++) {
        const nb_cell *v = nb_check_value(k, c);
        if (v) {
            row[c] = *v; /* a number stays a number */
            row[c].key = NULL;
            row[c].row = NULL;
            row[c].header = 0;
            row[c].text = (char *)nb_check_text(k, c);
        } else {
            row[c] = text_cell(c == NB_CHECK_NOTE ? note : nb_check_text(k, c), 0);
        }
    }
}

/* The checks as a table borrowing the document's strings, then one sheet. */
static nb_err write_checks(xlsx *x, const nb_doc *doc)
{
    int n = doc->nchecks;
    nb_table t = {.id = "checks", .title = NB_CHECK_HEADING, .nrows = n + 1, .ncols = NB_CHECK_COLS,
                  .header_rows = 1};
    char **notes = calloc((size_t)n + 1, sizeof *notes);
    nb_err rc = NB_OK;

    t.cells = calloc((size_t)(n + 1) * NB_CHECK_COLS, sizeof *t.cells);
    if (!t.cells || !notes)
        rc = fail_memory(x);
    for (int c = 0; c < NB_CHECK_COLS && rc == NB_OK; c++)
        t.cells[c] = text_cell(nb_check_headers[c], 1);
    for (int i = 0; i < n && rc == NB_OK; i++) {
        if (!(notes[i] = check_note_cell(&doc->checks[i])))
            rc = fail_memory(x);
        else
            check_row(&t.cells[(size_t)(i + 1) * NB_CHECK_COLS], &doc->checks[i], notes[i]);
    }
    if (rc == NB_OK)
        rc = write_sheet(x, &t, sheet_name(x, NB_CHECK_HEADING, "checks"), NB_CHECK_STATUS);
    for (int i = 0; notes && i < n; i++)
        free(notes[i]);
    free(notes);
    free(t.cells);
    return rc;
}

/* ---- the workbook ----------------------------------------------------- */

/* A new workbook writing to FILE, with the document's properties. */
static nb_err workbook_open(xlsx *x, const nb_doc *doc, const char *file)
{
    lxw_doc_properties props;
    lxw_error e;

    x->names = calloc((size_t)doc->ntables + 1, sizeof *x->names);
    if (!x->names || !(x->wb = workbook_new(file)))
        return fail_memory(x);
    memset(&props, 0, sizeof props);
    props.title = doc->title;
    props.subject = "政府信息公开工作年度报告";
    props.company = doc->body;
    props.keywords = doc->format;
    /* libxlsxwriter takes 0 as "now": keep 0 fixed at one second past it. */
    props.created = doc->created ? (time_t)doc->created : (time_t)1;
    if ((e = workbook_set_properties(x->wb, &props)) != LXW_NO_ERROR)
        return fail(x, NULL, -1, -1, e);
    return NB_OK;
}

/* One sheet per table, then the checks; a blank sheet when there is nothing. */
static nb_err workbook_sheets(xlsx *x, const nb_doc *doc)
{
    nb_err rc = NB_OK;

    for (int i = 0; i < doc->ntables && rc == NB_OK; i++) {
        const nb_table *t = &doc->tables[i];
        rc = write_sheet(x, t, sheet_name(x, t->title, t->id), -1);
    }
    if (rc == NB_OK && doc->nchecks > 0)
        rc = write_checks(x, doc);
    if (rc == NB_OK && doc->ntables == 0 && doc->nchecks == 0 && !workbook_add_worksheet(x->wb, NULL))
        rc = fail_memory(x);
    return rc;
}

/* Writes the file: the library assembles and zips it at close. */
static nb_err workbook_write(xlsx *x)
{
    lxw_error e;
    int saved;
    nb_err rc;

    errno = 0;
    e = workbook_close(x->wb);
    saved = errno;
    x->wb = NULL;
    if (e == LXW_NO_ERROR)
        return NB_OK;
    rc = fail(x, NULL, -1, -1, e);
    if (saved && rc == NB_ERR_IO)
        snprintf(x->err, x->errlen, "%s: %s (%s)", x->path, lxw_strerror(e), strerror(saved));
    return rc;
}

nb_err nb_export_xlsx(const nb_doc *doc, const char *path, char *err, size_t errlen)
{
    xlsx x = {.path = path, .err = err, .errlen = errlen};
    nb_out o;
    nb_err rc;

    if ((rc = nb_blocks_valid(doc, path, err, errlen)) != NB_OK)
        return rc;
    if ((rc = nb_out_reserve(&o, path, err, errlen)) != NB_OK)
        return rc;
    rc = workbook_open(&x, doc, nb_out_write_path(&o));
    if (rc == NB_OK)
        rc = workbook_sheets(&x, doc);
    if (rc == NB_OK)
        rc = workbook_write(&x);
    if (rc == NB_OK)
        rc = nb_zip_check(nb_out_write_path(&o), path, err, errlen);
    if (x.wb)
        lxw_workbook_free(x.wb);
    free(x.names);
    if (rc != NB_OK) {
        nb_out_discard(&o);
        return rc;
    }
    return nb_out_finish(&o, err, errlen);
}
