/* export_xlsx.c - the XLSX exporter: the report's tables in the official printed look.
 *
 * One worksheet per table (a merged title row in 黑体 above a fully bordered
 * grid in 宋体, merged headers, numbers as numbers with number formats, column
 * widths and row heights computed from the text, A4 print setup). The check
 * results are not written (a check file is a document of its own). The workbook's creation time comes
 * from the document, so the same document gives the same bytes. Text over
 * Excel's 32,767 characters is cut to fit, with "…" (a check's note: "…（共 N
 * 条）"). The library writes the workbook to a temporary file that is renamed
 * into place (export_util.h). Depends on libxlsxwriter. */
#include "export.h"
#include "export_grid.h"
#include "export_layout.h"
#include "export_util.h"

#include <errno.h>
#include <limits.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "xlsxwriter.h"

#define BODY_FONT "宋体"
#define BODY_SIZE 11
#define TITLE_FONT "黑体"
#define TITLE_SIZE 14
#define GB2312_CHARSET 134

#define PORTRAIT_MAX 100.0 /* total width (character units) that still prints upright */
#define LINE_HEIGHT 14.0   /* points per wrapped line of 宋体 11 */
#define ROW_PAD 6.0        /* points added to every row */
#define ROW_MAX 409.0      /* Excel's tallest row, in points */
#define TITLE_HEIGHT 30.0  /* points: the title row, one line */
#define TITLE_LINE 20.0    /* points per further line of the title */
#define WIDE_TABLE 8       /* more columns than this: landscape */
#define EXCEL_TEXT_MAX 32767 /* characters (UTF-16 units) a cell can hold */
#define BLOCK_ROWS 2       /* the title block above every table: the report, the body and year */
#define TEXT_SHEET "正文"  /* the sheet of the narrative */
#define TEXT_COLUMN 72.0   /* its one column's width, Excel units (about 32 CJK characters) */

/* Number formats, one per kind of value. */
enum { NF_NONE, NF_INT, NF_SIGNED, NF_MONEY, NF_MONEY_UNIT, NF_SIGNED_GENERAL, NF_COUNT };

static const char *const num_formats[NF_COUNT] = {
    NULL, "0", "+0;-0;0", "0.00", "0.00\"万元\"", "+General;-General;0",
};

enum { AL_CENTER, AL_LEFT, AL_RIGHT, AL_COUNT };

/* The workbook being written and its formats, made on first use. */
typedef struct {
    lxw_workbook *wb;
    const nb_doc *doc;
    const char *path; /* the file as the user named it, for messages */
    lxw_format *title;
    lxw_format *doc_title, *subtitle, *heading, *para; /* the title block and the 正文 sheet */
    lxw_format *cells[AL_COUNT][NF_COUNT];
    char (*names)[LXW_SHEETNAME_MAX * 4 + 1]; /* sheet names given so far */
    int nnames;
    char *err;
    size_t errlen;
} xlsx;

static lxw_format *cell_format(xlsx *x, int align, int nf)
{
    static const uint8_t aligns[AL_COUNT] = {LXW_ALIGN_CENTER, LXW_ALIGN_LEFT, LXW_ALIGN_RIGHT};
    lxw_format **slot = &x->cells[align][nf];

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

/* A format of the title block or the 正文 sheet: FONT at SIZE points, BOLD, centred
 * or left, wrapped; made once into *SLOT. */
static lxw_format *text_format(xlsx *x, lxw_format **slot, const char *font, double size, int bold,
                               int centre)
{
    if (!*slot) {
        lxw_format *f = workbook_add_format(x->wb);
        if (!f)
            return NULL;
        format_set_font_name(f, font);
        format_set_font_size(f, size);
        format_set_font_charset(f, GB2312_CHARSET);
        if (bold)
            format_set_bold(f);
        format_set_align(f, centre ? LXW_ALIGN_CENTER : LXW_ALIGN_LEFT);
        format_set_align(f, centre ? LXW_ALIGN_VERTICAL_CENTER : LXW_ALIGN_VERTICAL_TOP);
        format_set_text_wrap(f);
        *slot = f;
    }
    return *slot;
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
static lxw_format *format_for(xlsx *x, const nb_cell *c, int heading)
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
    return cell_format(x, align, nf);
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

/* Excel's column unit: characters of the default font. */
static const nb_layout_units excel_units = {
    .per_unit = 1.1, /* Excel units per nb_text_width unit (宋体 vs the default font) */
    .pad = 3.0,      /* borders and the one-level indent */
    .col_min = 8.0,
    .col_max = 60.0,
    .cell_max = 45.0, /* widest a cell may make its columns; longer text wraps */
};

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
 * page wide, title block and header rows repeated, centred, page numbers below
 * ("— 1 —", counting the report's pages: its sheets hold nothing else). */
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
    return worksheet_set_footer(ws, "&C— &P —");
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
    nb_layout_widths(t, s->owner, &excel_units, s->widths);
    nb_layout_lines(t, s->owner, &excel_units, s->widths, s->lines);
    for (int c = 0; c < t->ncols; c++) {
        if ((e = worksheet_set_column(s->ws, (lxw_col_t)c, (lxw_col_t)c, s->widths[c], NULL)))
            return fail(x, s->name, -1, c, e);
    }
    return NB_OK;
}

/* The table's title row, below the title block, merged across the grid, tall
 * enough for the title's wrapped lines. */
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
    title_lines = nb_layout_text_lines(title, nb_layout_capacity(&excel_units, total) * BODY_SIZE / TITLE_SIZE, &widest);
    e = worksheet_set_row(s->ws, BLOCK_ROWS, TITLE_HEIGHT + (title_lines - 1) * TITLE_LINE, NULL);
    if (!e && t->ncols > 1)
        e = merge_text(s->ws, BLOCK_ROWS, 0, BLOCK_ROWS, t->ncols - 1, title, tf);
    else if (!e)
        e = write_text(s->ws, BLOCK_ROWS, 0, title, tf);
    return e ? fail(x, s->name, BLOCK_ROWS, 0, e) : NB_OK;
}

/* Grid cell (R, C) on sheet row ROW: a merge's top-left cell writes the
 * merge (bordering every covered cell), then its number if it has one. */
static nb_err sheet_cell(xlsx *x, sheet *s, int r, int c, int heading)
{
    const nb_table *t = s->t;
    const nb_cell *cell = grid_cell(t, r, c);
    const nb_merge *g = grid_merge_at(t, s->owner, r, c);
    const char *text = grid_text(t, s->owner, r, c);
    int row = s->top + r;
    lxw_format *f = format_for(x, cell, heading);
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

/* The title block above a table: the report's title, then the body and the year, on
 * rows 0 and 1, merged across the table's columns. */
static nb_err sheet_block(xlsx *x, sheet *s)
{
    const nb_doc *doc = x->doc;
    lxw_format *tf = text_format(x, &x->doc_title, TITLE_FONT, TITLE_SIZE, 1, 1);
    lxw_format *sf = text_format(x, &x->subtitle, BODY_FONT, BODY_SIZE, 0, 1);
    char line[512];
    int last = s->t->ncols > 0 ? s->t->ncols - 1 : 0;
    lxw_error e;

    if (!tf || !sf)
        return fail_memory(x);
    snprintf(line, sizeof line, "%s　%d年度", doc->body ? doc->body : "", doc->year);
    e = worksheet_set_row(s->ws, 0, TITLE_HEIGHT, NULL);
    if (!e)
        e = last > 0 ? merge_text(s->ws, 0, 0, 0, last, doc->title ? doc->title : "", tf)
                     : write_text(s->ws, 0, 0, doc->title ? doc->title : "", tf);
    if (!e)
        e = last > 0 ? merge_text(s->ws, 1, 0, 1, last, line, sf) : write_text(s->ws, 1, 0, line, sf);
    return e ? fail(x, s->name, 0, 0, e) : NB_OK;
}

/* The printed header of every sheet: the body, the report and the year; "&" doubled as
 * Excel's header codes want, cut to Excel's 255 characters. */
static lxw_error print_header(lxw_worksheet *ws, const nb_doc *doc)
{
    char h[256 * 4], *o = h, *end = h + 250;
    char year[32];
    const char *parts[] = {"&L", doc->body ? doc->body : "", "&C政府信息公开工作年度报告&R", year};
    int cut = 0;

    snprintf(year, sizeof year, "%d年度", doc->year);

    for (size_t i = 0; i < sizeof parts / sizeof *parts; i++) {
        int code = i % 2 == 0;
        for (const char *p = parts[i]; *p; p++) {
            if (o >= end) {
                cut = 1;
                break;
            }
            if (!code && *p == '&')
                *o++ = '&';
            *o++ = *p;
        }
    }
    if (cut) { /* not inside a character */
        while (o > h && ((unsigned char)o[-1] & 0xC0) == 0x80)
            o--;
        if (o > h && ((unsigned char)o[-1] & 0x80))
            o--;
    }
    *o = '\0';
    return worksheet_set_header(ws, h);
}

/* Writes table T on a new sheet NAME: the title block, its title, its grid. */
static nb_err write_sheet(xlsx *x, const nb_table *t, const char *name)
{
    const char *title = t->title && *t->title ? t->title : NULL;
    sheet s = {.t = t, .name = name, .top = BLOCK_ROWS + (title ? 1 : 0)};
    nb_err rc = sheet_begin(x, &s);
    lxw_error e;

    if (rc == NB_OK)
        rc = sheet_block(x, &s);
    if (rc == NB_OK && title)
        rc = sheet_title(x, &s, title);
    if (rc == NB_OK && (e = print_header(s.ws, x->doc)))
        rc = fail(x, name, -1, -1, e);
    for (int r = 0; r < t->nrows && rc == NB_OK; r++)
        rc = sheet_row(x, &s, r);
    if (rc == NB_OK && (e = page_setup(s.ws, t->ncols, s.widths, s.top + t->header_rows)))
        rc = fail(x, name, -1, -1, e);
    free(s.owner);
    free(s.widths);
    free(s.lines);
    return rc;
}

/* ---- the workbook ----------------------------------------------------- */

/* Where libxlsxwriter puts the dozen temporary files of a workbook's parts: $TMPDIR when
 * set, else /dev/shm (memory) when there is one we may write, else its default. Creating
 * and removing a dozen files on disk for each workbook cost half of writing it (ext4
 * searching for a free inode past the ones just freed). */
static char *parts_dir(void)
{
    static char dir[PATH_MAX];
    static int known;
    if (!known) {
        const char *env = getenv("TMPDIR");
        struct stat sb;
        if (env && *env && strlen(env) < sizeof dir)
            snprintf(dir, sizeof dir, "%s", env);
        else if (stat("/dev/shm", &sb) == 0 && S_ISDIR(sb.st_mode) && access("/dev/shm", W_OK | X_OK) == 0)
            snprintf(dir, sizeof dir, "/dev/shm");
        known = 1;
    }
    return dir[0] ? dir : NULL;
}

/* A new workbook writing to FILE, with the document's properties. */
static nb_err workbook_open(xlsx *x, const nb_doc *doc, const char *file)
{
    lxw_doc_properties props;
    lxw_error e;
    lxw_workbook_options opts = {.tmpdir = parts_dir()};

    x->names = calloc((size_t)doc->ntables + 1, sizeof *x->names);
    if (!x->names || !(x->wb = workbook_new_opt(file, &opts)))
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

/* One row of the 正文 sheet: TEXT in F, tall enough for its lines in a column W wide
 * at SIZE points. */
static lxw_error text_row(lxw_worksheet *ws, int row, const char *text, lxw_format *f, double w, double size)
{
    int widest, lines = nb_layout_text_lines(text, nb_layout_capacity(&excel_units, w) * BODY_SIZE / size, &widest);
    lxw_error e = worksheet_set_row(ws, (lxw_row_t)row, fmin(lines * LINE_HEIGHT * size / BODY_SIZE + ROW_PAD, ROW_MAX),
                                    NULL);
    return e ? e : write_text(ws, row, 0, text, f);
}

/* The 正文 sheet NAME: the report's title, then its parts in order, headings and
 * paragraphs, each table named by the sheet that holds it (TABLE_SHEETS). */
static nb_err write_text_sheet(xlsx *x, const nb_doc *doc, const char *name, const char **table_sheets)
{
    lxw_worksheet *ws = workbook_add_worksheet(x->wb, name);
    lxw_format *tf = text_format(x, &x->doc_title, TITLE_FONT, TITLE_SIZE, 1, 1);
    lxw_format *hf = text_format(x, &x->heading, TITLE_FONT, BODY_SIZE + 1, 1, 0);
    lxw_format *pf = text_format(x, &x->para, BODY_FONT, BODY_SIZE, 0, 0);
    int row = 0;
    lxw_error e;

    if (!ws || !tf || !hf || !pf)
        return fail_memory(x);
    e = worksheet_set_column(ws, 0, 0, TEXT_COLUMN, NULL);
    if (!e)
        e = text_row(ws, row++, doc->title ? doc->title : "", tf, TEXT_COLUMN, TITLE_SIZE);
    for (int b = 0; b < doc->nblocks && !e; b++) {
        const nb_block *blk = &doc->blocks[b];
        char line[512];
        switch (blk->type) {
        case NB_BLOCK_HEADING:
            e = text_row(ws, row++, blk->text ? blk->text : "", hf, TEXT_COLUMN, BODY_SIZE + 1);
            break;
        case NB_BLOCK_PARA:
            e = text_row(ws, row++, blk->text ? blk->text : "", pf, TEXT_COLUMN, BODY_SIZE);
            break;
        case NB_BLOCK_TABLE:
            snprintf(line, sizeof line, "（见工作表“%s”）", table_sheets[blk->table]);
            e = text_row(ws, row++, line, pf, TEXT_COLUMN, BODY_SIZE);
            break;
        }
    }
    if (!e) {
        worksheet_set_paper(ws, 9);
        worksheet_set_portrait(ws);
        worksheet_fit_to_pages(ws, 1, 0);
        worksheet_set_margins(ws, 0.75, 0.75, 0.9, 0.9);
        e = print_header(ws, doc);
    }
    if (!e)
        e = worksheet_set_footer(ws, "&C— &P —");
    return e ? fail(x, name, row, 0, e) : NB_OK;
}

/* The 正文 sheet when the document has paragraphs or headings, then one sheet per
 * table; a blank sheet when there is nothing. The names are chosen first (x->names
 * holds them), so 正文 can name the tables' sheets. */
static nb_err workbook_sheets(xlsx *x, const nb_doc *doc)
{
    nb_err rc = NB_OK;
    int text = 0;
    const char *text_name = NULL, **names = calloc((size_t)doc->ntables + 1, sizeof *names);

    if (!names)
        return fail_memory(x);
    for (int b = 0; b < doc->nblocks; b++)
        text |= doc->blocks[b].type != NB_BLOCK_TABLE;
    if (text)
        text_name = sheet_name(x, TEXT_SHEET, "text");
    for (int i = 0; i < doc->ntables; i++)
        names[i] = sheet_name(x, doc->tables[i].title, doc->tables[i].id);
    if (text)
        rc = write_text_sheet(x, doc, text_name, names);
    for (int i = 0; i < doc->ntables && rc == NB_OK; i++)
        rc = write_sheet(x, &doc->tables[i], names[i]);
    if (rc == NB_OK && doc->ntables == 0 && !text && !workbook_add_worksheet(x->wb, NULL))
        rc = fail_memory(x);
    free(names);
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
    xlsx x = {.doc = doc, .path = path, .err = err, .errlen = errlen};
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
