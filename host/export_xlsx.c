/* export_xlsx.c - the XLSX exporter: the report's tables in the official printed look.
 *
 * One worksheet per table (a merged title row in 黑体 above a fully bordered
 * grid in 宋体, merged headers, numbers as numbers with number formats, column
 * widths and row heights computed from the text, A4 print setup), after a 正文
 * sheet of the narrative when the document has one. The check results are not
 * written (a check file is a document of its own). Text over Excel's 32,767
 * characters is cut to fit, with "…" (a check's note: "…（共 N 条）").
 *
 * The SpreadsheetML (ECMA-376 part 1, §18) is written here, the way the DOCX
 * exporter writes its parts: each part into memory, escaped by wml.h's one routine,
 * zipped in memory (export_zip.c) at the document's own date, so the same document
 * gives the same bytes, and written to an atomic output file (export_util.h). The
 * elements follow the schema's order, as Excel insists; the parts are the ones
 * libxlsxwriter wrote for the same workbook (without its theme: the fonts are named).
 * A workbook of our own rather than libxlsxwriter's: it wrote every part to a
 * temporary file and read it back, and brought OpenSSL's libcrypto to every process
 * that wrote one (about 4 ms to load); here a report's workbook costs a fraction of a
 * millisecond. Depends on wml.h (XML), export_layout.h, minizip and zlib. */
#include "export.h"
#include "export_grid.h"
#include "export_layout.h"
#include "export_util.h"
#include "util.h"
#include "wml.h"

#include <locale.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <wctype.h>

#include <zlib.h>

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
#define HEADER_MAX 255     /* characters (UTF-16 units) of a printed header, its codes included */
#define EXCEL_ROWS 1048576 /* rows a worksheet holds */
#define EXCEL_COLS 16384   /* columns a worksheet holds */
#define SHEETNAME_MAX 31   /* characters (UTF-16 units) of a sheet's name */
#define BLOCK_ROWS 2       /* the title block above every table: the report, the body and year */
#define TEXT_SHEET "正文"  /* the sheet of the narrative */
#define TEXT_COLUMN 72.0   /* its one column's width, Excel units (about 32 CJK characters) */

#define NS_MAIN "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
#define NS_REL "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
#define CT_SHEET "application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"

/* Number formats, one per kind of value: custom formats from numFmtId 164. */
enum { NF_NONE, NF_INT, NF_SIGNED, NF_MONEY, NF_MONEY_UNIT, NF_SIGNED_GENERAL, NF_COUNT };

static const char *const num_formats[NF_COUNT] = {
    NULL, "0", "+0;-0;0", "0.00", "0.00\"万元\"", "+General;-General;0",
};

enum { AL_CENTER, AL_LEFT, AL_RIGHT, AL_COUNT };

/* The fonts of styles.xml, in order (font 0 is the workbook's default). */
enum { FONT_DEFAULT, FONT_TITLE, FONT_BODY, FONT_HEADING };

/* The cell formats (cellXfs) of styles.xml, in order: the title block and the 正文
 * sheet's, then the grid's, one per alignment and number format (XF_CELL). */
enum { XF_DEFAULT, XF_TITLE, XF_SUBTITLE, XF_HEADING, XF_PARA, XF_CELLS };
#define XF_CELL(align, nf) (XF_CELLS + (align) * NF_COUNT + (nf))
#define XF_COUNT XF_CELL(AL_COUNT, 0)

/* One cell of a sheet being written. */
typedef struct {
    unsigned char kind; /* 0 none, 'b' blank (a format only), 'i' integer, 'n' number, 's' text */
    unsigned char xf;
    int sst;            /* 's': the shared string's index */
    long long i;
    double num;
} xcell;

/* A sheet being written: its cells row by row, row heights, column widths, merges. */
typedef struct {
    const char *name;
    int nrows, ncols;
    xcell *cells;      /* nrows * ncols */
    double *heights;   /* per row, points; 0: the default */
    double *widths;    /* per column, Excel character units */
    nb_merge *merges;
    int nmerges;
    int print_rows;    /* rows repeated on every printed page (0: none) */
    int landscape, centred;
    double margin_lr, margin_tb;
} xsheet;

/* The workbook being written. */
typedef struct {
    const nb_doc *doc;
    const char *path; /* the file as the user named it, for messages */
    char (*names)[SHEETNAME_MAX * 4 + 1]; /* sheet names given so far */
    int nnames;
    xsheet *sheets;
    int nsheets;
    char **strings;   /* the shared strings, in order of first use */
    int nstrings, cap_strings;
    long string_refs;
    int *slots;       /* open addressing: index + 1 of a string, 0 free */
    int nslots;
    char *header;     /* the printed header of every sheet, as written */
    char *err;
    size_t errlen;
} xlsx;

static nb_err fail_memory(xlsx *x)
{
    snprintf(x->err, x->errlen, "%s: out of memory", x->path);
    return NB_ERR_NOMEM;
}

/* Column C's letters ("A", "XFD") into OUT. */
static void col_name(int c, char out[4])
{
    char tmp[4];
    int n = 0, k = 0;

    for (c++; c > 0 && n < 3; c = (c - 1) / 26)
        tmp[n++] = (char)('A' + (c - 1) % 26);
    while (n > 0)
        out[k++] = tmp[--n];
    out[k] = '\0';
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

/* The character at *S (well-formed UTF-8: nb_xml_chars), S moved past it. */
static unsigned next_char(const char **s)
{
    const unsigned char *p = (const unsigned char *)*s;
    unsigned c = p[0];
    int len = c < 0x80 ? 1 : c < 0xE0 ? 2 : c < 0xF0 ? 3 : 4;

    if (len > 1) {
        int i;
        c &= 0xFF >> (len + 1);
        for (i = 1; i < len && p[i]; i++)
            c = c << 6 | (p[i] & 0x3F);
        len = i; /* never past the end */
    }
    *s += len;
    return c;
}

/* C.UTF-8's character classes, made the first time a name's character may have a case
 * and kept for the process: newlocale reads the locale's files (0.4-0.7 ms here, 3% of
 * a report). 0 when the system has no C.UTF-8 (names are then compared as ASCII). */
static locale_t utf8_locale(void)
{
    static locale_t utf8;
    static int tried;
    if (!tried) {
        tried = 1;
        utf8 = newlocale(LC_CTYPE_MASK, "C.UTF-8", (locale_t)0);
    }
    return utf8;
}

int nb_xlsx_caseless(unsigned c)
{
    return (c >= 0x3000 && c <= 0x30FF) ||  /* CJK symbols and punctuation, kana */
           (c >= 0x3400 && c <= 0x4DBF) ||  /* CJK ideographs, extension A */
           (c >= 0x4E00 && c <= 0x9FFF) ||  /* CJK ideographs */
           (c >= 0xAC00 && c <= 0xD7A3) ||  /* Hangul syllables */
           (c >= 0xFF01 && c <= 0xFF20) ||  /* fullwidth punctuation and digits */
           (c >= 0xFF3B && c <= 0xFF40) || (c >= 0xFF5B && c <= 0xFFEF);
}

/* C in lower case: ASCII and the characters without case (nb_xlsx_caseless) by
 * themselves, the rest by the C.UTF-8 locale, else (no such locale) as they are. */
static unsigned fold(unsigned c)
{
    if (c < 0x80)
        return c >= 'A' && c <= 'Z' ? c + ('a' - 'A') : c;
    if (nb_xlsx_caseless(c))
        return c;
    locale_t utf8 = utf8_locale();
    return utf8 ? (unsigned)towlower_l((wint_t)c, utf8) : c;
}

/* 1 when sheet names A and B are one to Excel: the same but for case, in any script
 * ("ÄBC" and "äbc", fullwidth "ＡＢ" and "ａｂ"), as the C.UTF-8 locale folds it. */
static int same_name(const char *a, const char *b)
{
    while (*a && *b) {
        unsigned ca = next_char(&a), cb = next_char(&b);
        if (ca != cb && fold(ca) != fold(cb))
            return 0;
    }
    return !*a && !*b;
}

static int sheet_name_taken(const xlsx *x, const char *name)
{
    if (same_name(name, "History"))
        return 1;
    for (int i = 0; i < x->nnames; i++) {
        if (same_name(x->names[i], name))
            return 1;
    }
    return 0;
}

/* Picks a unique valid sheet name from WANT (else FALLBACK, else "表N"),
 * adding " (2)", " (3)"... on a clash. Returns the stored name. */
static const char *sheet_name(xlsx *x, const char *want, const char *fallback)
{
    char *out = x->names[x->nnames];
    char base[SHEETNAME_MAX * 4 + 1];
    /* the characters the workbook will hold (a malformed byte is one U+FFFD), so that the
       name is counted, compared and written as one */
    char *w = nb_xml_chars(want), *f = nb_xml_chars(fallback);

    sheet_name_clean(base, w, SHEETNAME_MAX);
    if (!*base)
        sheet_name_clean(base, f, SHEETNAME_MAX);
    free(w);
    free(f);
    if (!*base)
        snprintf(base, sizeof base, "表%d", x->nnames + 1);
    strcpy(out, base);
    for (int n = 2; sheet_name_taken(x, out); n++) {
        char suffix[16];
        int len = snprintf(suffix, sizeof suffix, " (%d)", n);
        sheet_name_clean(out, base, SHEETNAME_MAX - len);
        strcat(out, suffix);
    }
    x->nnames++;
    return out;
}

/* The printed header of every sheet: the body, the report and the year, as Excel's header
 * codes want it ("&" doubled), at most HEADER_MAX characters: the body is cut (at a
 * character) to leave room for the rest. A copy (nb_xml_chars' characters) the caller
 * frees; NULL when memory ran out. */
static char *print_header(const nb_doc *doc)
{
    char tail[96], *body = nb_xml_chars(doc->body ? doc->body : ""), *h, *o;
    long room;

    if (!body)
        return NULL;
    snprintf(tail, sizeof tail, "&C政府信息公开工作年度报告&R%d年度", doc->year);
    room = HEADER_MAX - 2 - utf16_units(tail, strlen(tail));
    if (!(h = o = malloc(2 + 2 * strlen(body) + strlen(tail) + 1))) {
        free(body);
        return NULL;
    }
    *o++ = '&', *o++ = 'L';
    for (const char *p = body; *p;) {
        const char *start = p;
        long units = (((unsigned char)*p & 0xF8) == 0xF0 ? 2 : 1) * (*p == '&' ? 2 : 1);
        next_char(&p);
        if ((room -= units) < 0)
            break;
        if (*start == '&')
            *o++ = '&';
        memcpy(o, start, (size_t)(p - start));
        o += p - start;
    }
    strcpy(o, tail);
    free(body);
    return h;
}

/* ---- shared strings --------------------------------------------------- */

static unsigned long hash_text(const char *s)
{
    unsigned long h = 5381;

    while (*s)
        h = h * 33 + (unsigned char)*s++;
    return h;
}

/* Makes the table of slots twice as big (at least 64) and places every string again. */
static int strings_grow(xlsx *x)
{
    int n = x->nslots ? x->nslots * 2 : 64;
    int *slots = calloc((size_t)n, sizeof *slots);

    if (!slots)
        return -1;
    for (int i = 0; i < x->nstrings; i++) {
        unsigned long h = hash_text(x->strings[i]) & (unsigned long)(n - 1);
        while (slots[h])
            h = (h + 1) & (unsigned long)(n - 1);
        slots[h] = i + 1;
    }
    free(x->slots);
    x->slots = slots;
    x->nslots = n;
    return 0;
}

/* 1 when S starts with "_xHHHH_": how a shared string escapes a character. */
static int escape_like(const char *s)
{
    if (s[0] != '_' || s[1] != 'x')
        return 0;
    for (int i = 2; i < 6; i++) {
        if (!s[i] || !strchr("0123456789ABCDEFabcdef", s[i]))
            return 0;
    }
    return s[6] == '_';
}

/* TEXT as a shared string or a header holds it: a copy where each "_" that starts what
 * reads as an escape (text such as "_x0041_", which Excel shows as "A") is written
 * "_x005F_", and a carriage return "_x000D_" (as Excel writes it: XML would read it as a
 * line feed); NULL when memory ran out. */
static char *string_copy(const char *text)
{
    size_t n = 0, len = strlen(text);
    char *out, *o;

    for (const char *p = text; *p; p++)
        n += *p == '\r' || escape_like(p);
    if (n == 0 || !(o = out = malloc(len + n * 6 + 1)))
        return n == 0 ? strdup(text) : NULL;
    for (const char *p = text; *p; p++) {
        if (*p == '\r') {
            memcpy(o, "_x000D_", 7);
            o += 7;
            continue;
        }
        if (escape_like(p)) {
            memcpy(o, "_x005F", 6);
            o += 6;
        }
        *o++ = *p;
    }
    *o = '\0';
    return out;
}

/* The index of TEXT in the shared strings, added when new; -1 when memory ran out. */
static int string_index(xlsx *x, const char *text)
{
    unsigned long h;
    char *copy = string_copy(text);

    if (!copy || (x->nstrings * 2 >= x->nslots && strings_grow(x) != 0)) {
        free(copy);
        return -1;
    }
    for (h = hash_text(copy) & (unsigned long)(x->nslots - 1); x->slots[h];
         h = (h + 1) & (unsigned long)(x->nslots - 1)) {
        if (strcmp(x->strings[x->slots[h] - 1], copy) == 0) {
            free(copy);
            x->string_refs++;
            return x->slots[h] - 1;
        }
    }
    if (x->nstrings == x->cap_strings) {
        int cap = x->cap_strings ? x->cap_strings * 2 : 64;
        char **s = realloc(x->strings, (size_t)cap * sizeof *s);
        if (!s) {
            free(copy);
            return -1;
        }
        x->strings = s;
        x->cap_strings = cap;
    }
    x->strings[x->nstrings] = copy;
    x->slots[h] = ++x->nstrings;
    x->string_refs++;
    return x->nstrings - 1;
}

/* ---- sheets in memory --------------------------------------------------- */

/* A new sheet NAME of NROWS by NCOLS, with room for NMERGES merges, into *OUT. NB_ERR_INPUT when a worksheet cannot hold
 * it, NB_ERR_NOMEM; the message names the file and the sheet. */
static nb_err sheet_new(xlsx *x, const char *name, int nrows, int ncols, int nmerges, xsheet **out)
{
    xsheet *s;
    char col[4];
    size_t rows = (size_t)(nrows > 0 ? nrows : 1);

    if (ncols > EXCEL_COLS) {
        col_name(EXCEL_COLS, col);
        snprintf(x->err, x->errlen, "%s: sheet '%s' column %s: a worksheet holds %d columns", x->path, name,
                 col, EXCEL_COLS);
        return NB_ERR_INPUT;
    }
    if (nrows > EXCEL_ROWS) {
        snprintf(x->err, x->errlen, "%s: sheet '%s' row %d: a worksheet holds %d rows", x->path, name,
                 EXCEL_ROWS + 1, EXCEL_ROWS);
        return NB_ERR_INPUT;
    }
    s = &x->sheets[x->nsheets++];
    memset(s, 0, sizeof *s);
    s->name = name;
    s->nrows = nrows;
    s->ncols = ncols > 0 ? ncols : 1;
    s->cells = calloc(rows * (size_t)s->ncols, sizeof *s->cells);
    s->heights = calloc(rows, sizeof *s->heights);
    s->widths = calloc((size_t)s->ncols, sizeof *s->widths);
    s->merges = malloc((size_t)(nmerges > 0 ? nmerges : 1) * sizeof *s->merges);
    if (!s->cells || !s->heights || !s->widths || !s->merges)
        return fail_memory(x);
    *out = s;
    return NB_OK;
}

static void sheet_free(xsheet *s)
{
    free(s->cells);
    free(s->heights);
    free(s->widths);
    free(s->merges);
}

static xcell *at(xsheet *s, int row, int col)
{
    return &s->cells[(size_t)row * (size_t)s->ncols + (size_t)col];
}

/* TEXT into (ROW, COL) with format XF: a blank cell when empty, shortened with "…" when
 * over Excel's limit. 0, or -1 when memory ran out. */
static int put_text(xlsx *x, xsheet *s, int row, int col, const char *text, int xf)
{
    xcell *c = at(s, row, col);
    char *copy = NULL, *chars = nb_xml_chars(text ? text : "");
    const char *fit = chars ? fitted(chars, "…", &copy) : NULL;

    c->xf = (unsigned char)xf;
    if (!fit) {
        free(chars);
        return -1;
    }
    if (!*fit) {
        c->kind = 'b';
    } else {
        c->kind = 's';
        c->sst = string_index(x, fit);
    }
    free(copy);
    free(chars);
    return c->kind == 's' && c->sst < 0 ? -1 : 0;
}

/* Merges rows R1..R2, columns C1..C2 holding TEXT: every covered cell gets the
 * format (its borders). 0, or -1 when memory ran out. */
static int put_merge(xlsx *x, xsheet *s, int r1, int c1, int r2, int c2, const char *text, int xf)
{
    for (int r = r1; r <= r2; r++)
        for (int c = c1; c <= c2; c++)
            *at(s, r, c) = (xcell){.kind = 'b', .xf = (unsigned char)xf};
    s->merges[s->nmerges++] = (nb_merge){.r1 = r1, .c1 = c1, .r2 = r2, .c2 = c2};
    return put_text(x, s, r1, c1, text, xf);
}

/* TEXT across the sheet's columns on ROW (merged when there are several). */
static int put_across(xlsx *x, xsheet *s, int row, const char *text, int xf)
{
    return s->ncols > 1 ? put_merge(x, s, row, 0, row, s->ncols - 1, text, xf) : put_text(x, s, row, 0, text, xf);
}

/* ---- a table's sheet ---------------------------------------------------- */

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

/* 1 when the cell is written as a number. */
static int writes_number(const nb_cell *c)
{
    return c->type == NB_V_INT || (c->type == NB_V_NUM && isfinite(c->num));
}

/* The format of a cell: heading rows centred, labels and text left, numbers
 * (and the text of data cells, such as "/") right. */
static int format_for(const nb_cell *c, int heading)
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
    return XF_CELL(align, nf);
}

/* Excel's column unit: characters of the default font. */
static const nb_layout_units excel_units = {
    .per_unit = 1.1, /* Excel units per nb_text_width unit (宋体 vs the default font) */
    .pad = 3.0,      /* borders and the one-level indent */
    .col_min = 8.0,
    .col_max = 60.0,
    .cell_max = 45.0, /* widest a cell may make its columns; longer text wraps */
};

/* Grid cell (R, C) of table T on sheet S: a merge's top-left cell writes the merge
 * (bordering every covered cell), then its number if it has one. */
static int table_cell(xlsx *x, xsheet *s, const nb_table *t, const int *owner, int top, int r, int c,
                      int heading)
{
    const nb_cell *cell = grid_cell(t, r, c);
    const nb_merge *g = grid_merge_at(t, owner, r, c);
    const char *text = grid_text(t, owner, r, c);
    int xf = format_for(cell, heading), number = writes_number(cell);
    xcell *out;

    if (g && (g->r2 > g->r1 || g->c2 > g->c1)) {
        if (put_merge(x, s, top + g->r1, g->c1, top + g->r2, g->c2, number ? "" : text, xf) != 0)
            return -1;
    } else if (!number) {
        return put_text(x, s, top + r, c, text, xf);
    }
    if (!number)
        return 0;
    out = at(s, top + r, c);
    out->xf = (unsigned char)xf;
    if (cell->type == NB_V_INT) {
        out->kind = 'i';
        out->i = cell->i;
    } else {
        out->kind = 'n';
        out->num = cell->num;
    }
    return 0;
}

/* The sheet NAME of table T: the title block (the report's title, then the body and the
 * year), the table's title, its grid; print setup: A4, landscape when wide (many columns
 * or a wide total), one page wide, the rows above the data repeated, centred. */
static nb_err table_sheet(xlsx *x, const nb_table *t, const char *name)
{
    const nb_doc *doc = x->doc;
    const char *title = t->title && *t->title ? t->title : NULL;
    int top = BLOCK_ROWS + (title ? 1 : 0), *owner = NULL, *lines = NULL, bad = 0;
    char *line;
    double total = 0;
    nb_err rc = grid_owner_map(t, &owner, x->err, x->errlen);
    xsheet *s = NULL;

    if (rc != NB_OK)
        return nb_err_prefix(rc, x->path, x->err, x->errlen);
    if ((rc = sheet_new(x, name, top + t->nrows, t->ncols, t->nmerges + top, &s)) != NB_OK) {
        free(owner);
        return rc;
    }
    if (!(lines = malloc((size_t)(t->nrows ? t->nrows : 1) * sizeof *lines))) {
        free(owner);
        return fail_memory(x);
    }
    nb_layout_widths(t, owner, &excel_units, s->widths);
    nb_layout_lines(t, owner, &excel_units, s->widths, lines);
    for (int c = 0; c < t->ncols; c++)
        total += s->widths[c];

    s->heights[0] = TITLE_HEIGHT;
    bad |= put_across(x, s, 0, doc->title ? doc->title : "", XF_TITLE);
    if (!(line = malloc(strlen(doc->body ? doc->body : "") + 32)))
        bad = 1;
    else
        sprintf(line, "%s　%d年度", doc->body ? doc->body : "", doc->year);
    bad |= line && put_across(x, s, 1, line, XF_SUBTITLE);
    free(line);
    if (title) {
        /* The title font is TITLE_SIZE/BODY_SIZE times wider than the body's. */
        int widest, n = nb_layout_text_lines(title, nb_layout_capacity(&excel_units, total) * BODY_SIZE / TITLE_SIZE,
                                             &widest);
        s->heights[BLOCK_ROWS] = fmin(TITLE_HEIGHT + (n - 1) * TITLE_LINE, ROW_MAX);
        bad |= put_across(x, s, BLOCK_ROWS, title, XF_TITLE);
    }
    for (int r = 0; r < t->nrows && !bad; r++) {
        int heading = grid_heading_row(t, owner, r);
        s->heights[top + r] = fmin(lines[r] * LINE_HEIGHT + ROW_PAD, ROW_MAX);
        for (int c = 0; c < t->ncols && !bad; c++) {
            if (!grid_covered(t, owner, r, c))
                bad |= table_cell(x, s, t, owner, top, r, c, heading);
        }
    }
    s->print_rows = top + t->header_rows;
    s->landscape = t->ncols > WIDE_TABLE || total > PORTRAIT_MAX;
    s->centred = 1;
    s->margin_lr = 0.6;
    s->margin_tb = 0.75;
    free(owner);
    free(lines);
    return bad ? fail_memory(x) : NB_OK;
}

/* ---- the 正文 sheet ------------------------------------------------------- */

/* Row ROW of the 正文 sheet: TEXT in format XF, tall enough for its lines at SIZE points. */
static int text_row(xlsx *x, xsheet *s, int row, const char *text, int xf, double size)
{
    int widest, lines = nb_layout_text_lines(text, nb_layout_capacity(&excel_units, TEXT_COLUMN) * BODY_SIZE / size,
                                             &widest);
    s->heights[row] = fmin(lines * LINE_HEIGHT * size / BODY_SIZE + ROW_PAD, ROW_MAX);
    return put_text(x, s, row, 0, text, xf);
}

/* The 正文 sheet NAME: the report's title, then its parts in order, headings and
 * paragraphs, each table named by the sheet that holds it (TABLE_SHEETS). */
static nb_err text_sheet(xlsx *x, const char *name, const char **table_sheets)
{
    const nb_doc *doc = x->doc;
    xsheet *s = NULL;
    int row = 0, bad = 0;
    nb_err rc = sheet_new(x, name, doc->nblocks + 1, 1, 0, &s);

    if (rc != NB_OK)
        return rc;
    s->widths[0] = TEXT_COLUMN;
    s->margin_lr = 0.75;
    s->margin_tb = 0.9;
    bad |= text_row(x, s, row++, doc->title ? doc->title : "", XF_TITLE, TITLE_SIZE);
    for (int b = 0; b < doc->nblocks && !bad; b++) {
        const nb_block *blk = &doc->blocks[b];
        char line[512];
        switch (blk->type) {
        case NB_BLOCK_HEADING:
            bad |= text_row(x, s, row++, blk->text ? blk->text : "", XF_HEADING, BODY_SIZE + 1);
            break;
        case NB_BLOCK_PARA:
            bad |= text_row(x, s, row++, blk->text ? blk->text : "", XF_PARA, BODY_SIZE);
            break;
        case NB_BLOCK_TABLE:
            snprintf(line, sizeof line, "（见工作表“%s”）", table_sheets[blk->table]);
            bad |= text_row(x, s, row++, line, XF_PARA, BODY_SIZE);
            break;
        }
    }
    return bad ? fail_memory(x) : NB_OK;
}

/* The 正文 sheet when the document has paragraphs or headings, then one sheet per
 * table; a blank sheet when there is nothing. The names are chosen first (x->names
 * holds them), so 正文 can name the tables' sheets. */
static nb_err workbook_sheets(xlsx *x)
{
    const nb_doc *doc = x->doc;
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
        rc = text_sheet(x, text_name, names);
    for (int i = 0; i < doc->ntables && rc == NB_OK; i++)
        rc = table_sheet(x, &doc->tables[i], names[i]);
    if (rc == NB_OK && x->nsheets == 0) {
        xsheet *blank;
        rc = sheet_new(x, "Sheet1", 0, 1, 0, &blank);
    }
    free(names);
    return rc;
}

/* ---- the parts ---------------------------------------------------------- */

/* Excel's stored width of a column W characters wide: the characters of the default
 * font's widest digit (7 pixels) and 5 pixels of padding, in 1/256ths. */
static double stored_width(double w)
{
    return floor((w * 7.0 + 5.0) / 7.0 * 256.0) / 256.0;
}

/* Appends the literal S (without its NUL) at P. */
#define PUT(p, s) (memcpy((p), (s), sizeof(s) - 1), (p) + sizeof(s) - 1)

/* The cell reference of ROW, COL ("B7") at P; returns the end. */
static char *put_ref(char *p, int row, int col)
{
    char name[4];

    col_name(col, name);
    for (const char *n = name; *n; n++)
        *p++ = *n;
    return nb_ll_text(p, (long long)row + 1);
}

static void ref(FILE *f, int row, int col)
{
    char buf[32];

    fwrite(buf, 1, (size_t)(put_ref(buf, row, col) - buf), f);
}

/* V as %.16g writes it, at P (room for 32 bytes); returns the end. A whole number of
 * fewer than 16 digits is the digits alone: written without printf (a row's height). */
static char *put_g(char *p, double v)
{
    if (v > -1e15 && v < 1e15 && v == (double)(long long)v && !(v == 0 && signbit(v)))
        return nb_ll_text(p, (long long)v);
    return p + snprintf(p, 32, "%.16g", v);
}

/* One cell, as <c r="B7" s="3" t="s"><v>12</v></c>, written in one piece: the worksheets
 * hold most of a workbook's bytes, and three fprintf a cell were 5% of a regeneration. */
static void put_cell(FILE *f, const xcell *cell, int r, int c)
{
    char buf[128], *p = buf;

    p = PUT(p, "<c r=\"");
    p = put_ref(p, r, c);
    p = PUT(p, "\" s=\"");
    p = nb_ll_text(p, cell->xf);
    *p++ = '"';
    if (cell->kind == 'b') {
        p = PUT(p, "/>");
    } else if (cell->kind == 's') {
        p = PUT(p, " t=\"s\"><v>");
        p = nb_ll_text(p, cell->sst);
        p = PUT(p, "</v></c>");
    } else if (cell->kind == 'i') {
        p = PUT(p, "><v>");
        p = nb_ll_text(p, cell->i);
        p = PUT(p, "</v></c>");
    } else {
        p += snprintf(p, 64, "><v>%.16G</v></c>", cell->num);
    }
    fwrite(buf, 1, (size_t)(p - buf), f);
}

static void worksheet_part(FILE *f, const xlsx *x, int index)
{
    const xsheet *s = &x->sheets[index];
    int last_col = s->ncols - 1;

    nb_xml_declaration(f);
    fputs("<worksheet xmlns=\"" NS_MAIN "\" xmlns:r=\"" NS_REL "\">", f);
    fputs("<sheetPr><pageSetUpPr fitToPage=\"1\"/></sheetPr>", f);
    fputs("<dimension ref=\"A1", f);
    if (s->nrows > 1 || s->ncols > 1) {
        fputc(':', f);
        ref(f, s->nrows > 0 ? s->nrows - 1 : 0, last_col);
    }
    fputs("\"/>", f);
    fprintf(f, "<sheetViews><sheetView%s workbookViewId=\"0\"/></sheetViews>", index == 0 ? " tabSelected=\"1\"" : "");
    fputs("<sheetFormatPr defaultRowHeight=\"15\"/>", f);
    if (s->nrows > 0) {
        fputs("<cols>", f);
        for (int c = 0; c < s->ncols; c++)
            fprintf(f, "<col min=\"%d\" max=\"%d\" width=\"%.16g\" customWidth=\"1\"/>", c + 1, c + 1,
                    stored_width(s->widths[c]));
        fputs("</cols>", f);
    }
    fputs("<sheetData>", f);
    for (int r = 0; r < s->nrows; r++) {
        char buf[96], *p = buf;
        p = PUT(p, "<row r=\"");
        p = nb_ll_text(p, (long long)r + 1);
        if (s->heights[r] > 0) {
            p = PUT(p, "\" ht=\"");
            p = put_g(p, s->heights[r]);
            p = PUT(p, "\" customHeight=\"1");
        }
        p = PUT(p, "\">");
        fwrite(buf, 1, (size_t)(p - buf), f);
        for (int c = 0; c < s->ncols; c++) {
            const xcell *cell = &s->cells[(size_t)r * (size_t)s->ncols + (size_t)c];
            if (cell->kind)
                put_cell(f, cell, r, c);
        }
        fputs("</row>", f);
    }
    fputs("</sheetData>", f);
    if (s->nmerges > 0) {
        fprintf(f, "<mergeCells count=\"%d\">", s->nmerges);
        for (int i = 0; i < s->nmerges; i++) {
            fputs("<mergeCell ref=\"", f);
            ref(f, s->merges[i].r1, s->merges[i].c1);
            fputc(':', f);
            ref(f, s->merges[i].r2, s->merges[i].c2);
            fputs("\"/>", f);
        }
        fputs("</mergeCells>", f);
    }
    if (s->nrows > 0) {
        if (s->centred)
            fputs("<printOptions horizontalCentered=\"1\"/>", f);
        fprintf(f, "<pageMargins left=\"%g\" right=\"%g\" top=\"%g\" bottom=\"%g\" header=\"0.3\" footer=\"0.3\"/>",
                s->margin_lr, s->margin_lr, s->margin_tb, s->margin_tb);
        fprintf(f, "<pageSetup paperSize=\"9\" fitToHeight=\"0\" orientation=\"%s\"/>",
                s->landscape ? "landscape" : "portrait");
        fputs("<headerFooter><oddHeader>", f);
        nb_xml_text(f, x->header);
        fputs("</oddHeader><oddFooter>&amp;C— &amp;P —</oddFooter></headerFooter>", f);
    }
    fputs("</worksheet>\n", f);
}

static void font(FILE *f, int bold, int size, const char *name)
{
    fprintf(f, "<font>%s<sz val=\"%d\"/><name val=\"%s\"/><family val=\"2\"/><charset val=\"%d\"/></font>",
            bold ? "<b/>" : "", size, name, GB2312_CHARSET);
}

/* One cellXfs entry: font FONT, border (0 none, 1 thin), number format NF, alignment. */
static void xf(FILE *f, int fontid, int border, int nf, const char *h, const char *v, int indent)
{
    fprintf(f, "<xf numFmtId=\"%d\" fontId=\"%d\" fillId=\"0\" borderId=\"%d\" xfId=\"0\"%s applyFont=\"1\"%s"
               " applyAlignment=\"1\"><alignment horizontal=\"%s\" vertical=\"%s\"%s wrapText=\"1\"/></xf>",
            num_formats[nf] ? 163 + nf : 0, fontid, border, num_formats[nf] ? " applyNumberFormat=\"1\"" : "",
            border ? " applyBorder=\"1\"" : "", h, v, indent ? " indent=\"1\"" : "");
}

static void styles_write(FILE *f)
{
    static const char *const aligns[AL_COUNT] = {"center", "left", "right"};

    nb_xml_declaration(f);
    fputs("<styleSheet xmlns=\"" NS_MAIN "\">", f);
    fprintf(f, "<numFmts count=\"%d\">", NF_COUNT - 1);
    for (int nf = 1; nf < NF_COUNT; nf++) {
        fprintf(f, "<numFmt numFmtId=\"%d\" formatCode=\"", 163 + nf);
        nb_xml_attr_value(f, num_formats[nf]);
        fputs("\"/>", f);
    }
    fputs("</numFmts><fonts count=\"4\">", f);
    fputs("<font><sz val=\"11\"/><name val=\"Calibri\"/><family val=\"2\"/></font>", f); /* FONT_DEFAULT */
    font(f, 1, TITLE_SIZE, TITLE_FONT);
    font(f, 0, BODY_SIZE, BODY_FONT);
    font(f, 1, BODY_SIZE + 1, TITLE_FONT);
    fputs("</fonts><fills count=\"2\"><fill><patternFill patternType=\"none\"/></fill>"
          "<fill><patternFill patternType=\"gray125\"/></fill></fills>"
          "<borders count=\"2\"><border><left/><right/><top/><bottom/><diagonal/></border><border>"
          "<left style=\"thin\"><color auto=\"1\"/></left><right style=\"thin\"><color auto=\"1\"/></right>"
          "<top style=\"thin\"><color auto=\"1\"/></top><bottom style=\"thin\"><color auto=\"1\"/></bottom>"
          "<diagonal/></border></borders>"
          "<cellStyleXfs count=\"1\"><xf numFmtId=\"0\" fontId=\"0\" fillId=\"0\" borderId=\"0\"/></cellStyleXfs>",
          f);
    fprintf(f, "<cellXfs count=\"%d\"><xf numFmtId=\"0\" fontId=\"0\" fillId=\"0\" borderId=\"0\" xfId=\"0\"/>",
            XF_COUNT);
    xf(f, FONT_TITLE, 0, NF_NONE, "center", "center", 0);  /* XF_TITLE */
    xf(f, FONT_BODY, 0, NF_NONE, "center", "center", 0);   /* XF_SUBTITLE */
    xf(f, FONT_HEADING, 0, NF_NONE, "left", "top", 0);     /* XF_HEADING */
    xf(f, FONT_BODY, 0, NF_NONE, "left", "top", 0);        /* XF_PARA */
    for (int a = 0; a < AL_COUNT; a++)
        for (int nf = 0; nf < NF_COUNT; nf++)
            xf(f, FONT_BODY, 1, nf, aligns[a], "center", a != AL_CENTER);
    fputs("</cellXfs><cellStyles count=\"1\"><cellStyle name=\"Normal\" xfId=\"0\" builtinId=\"0\"/></cellStyles>"
          "<dxfs count=\"0\"/><tableStyles count=\"0\" defaultTableStyle=\"TableStyleMedium9\""
          " defaultPivotStyle=\"PivotStyleLight16\"/></styleSheet>\n",
          f);
}

/* The styles part: the same bytes in every workbook (its fonts and number formats are the
 * program's), made once a process and copied after (its fifty-odd fprintf a workbook were
 * 1.4% of a regeneration's instructions). */
static char *styles_bytes;
static size_t styles_len;

static void styles_free(void)
{
    free(styles_bytes);
    styles_bytes = NULL;
}

static void styles_part(FILE *f)
{
    if (!styles_bytes) {
        char *buf = NULL;
        size_t len = 0;
        FILE *m = open_memstream(&buf, &len);
        if (m) {
            styles_write(m);
            int bad = ferror(m);
            if (fclose(m) == 0 && !bad && buf && atexit(styles_free) == 0) {
                styles_bytes = buf;
                styles_len = len;
                buf = NULL;
            }
        }
        free(buf);
    }
    if (styles_bytes)
        fwrite(styles_bytes, 1, styles_len, f);
    else
        styles_write(f); /* out of memory: made in place */
}

static void strings_part(FILE *f, const xlsx *x)
{
    nb_xml_declaration(f);
    fprintf(f, "<sst xmlns=\"" NS_MAIN "\" count=\"%ld\" uniqueCount=\"%d\">", x->string_refs, x->nstrings);
    for (int i = 0; i < x->nstrings; i++) {
        const char *s = x->strings[i];
        size_t n = strlen(s);
        /* Spaces at either end are kept only when the text says so (none is empty). */
        int keep = n > 0 && (strchr(" \t\n\r", s[0]) || strchr(" \t\n\r", s[n - 1]));
        fputs(keep ? "<si><t xml:space=\"preserve\">" : "<si><t>", f);
        nb_xml_text(f, s);
        fputs("</t></si>", f);
    }
    fputs("</sst>\n", f);
}

/* A sheet's name in a formula: quoted, its apostrophes doubled. */
static void quoted_name(FILE *f, const char *name)
{
    fputc('\'', f);
    for (const char *p = name; *p; p++) {
        if (*p == '\'')
            fputc('\'', f);
        if (*p == '&')
            fputs("&amp;", f);
        else if (*p == '<')
            fputs("&lt;", f);
        else if (*p == '>')
            fputs("&gt;", f);
        else
            fputc(*p, f);
    }
    fputc('\'', f);
}

static void workbook_part(FILE *f, const xlsx *x)
{
    int titles = 0;

    nb_xml_declaration(f);
    fputs("<workbook xmlns=\"" NS_MAIN "\" xmlns:r=\"" NS_REL "\">"
          "<workbookPr/><bookViews><workbookView xWindow=\"240\" yWindow=\"15\" windowWidth=\"16095\""
          " windowHeight=\"9660\"/></bookViews><sheets>",
          f);
    for (int i = 0; i < x->nsheets; i++) {
        fputs("<sheet name=\"", f);
        nb_xml_attr_value(f, x->sheets[i].name);
        fprintf(f, "\" sheetId=\"%d\" r:id=\"rId%d\"/>", i + 1, i + 1);
        titles |= x->sheets[i].print_rows > 0;
    }
    fputs("</sheets>", f);
    if (titles) {
        fputs("<definedNames>", f);
        for (int i = 0; i < x->nsheets; i++) {
            if (x->sheets[i].print_rows <= 0)
                continue;
            fprintf(f, "<definedName name=\"_xlnm.Print_Titles\" localSheetId=\"%d\">", i);
            quoted_name(f, x->sheets[i].name);
            fprintf(f, "!$1:$%d</definedName>", x->sheets[i].print_rows);
        }
        fputs("</definedNames>", f);
    }
    fputs("<calcPr calcId=\"124519\" fullCalcOnLoad=\"1\"/></workbook>\n", f);
}

static void workbook_rels_part(FILE *f, const xlsx *x)
{
    char id[16], target[40];

    nb_opc_rels_start(f);
    for (int i = 0; i < x->nsheets; i++) {
        snprintf(id, sizeof id, "rId%d", i + 1);
        snprintf(target, sizeof target, "worksheets/sheet%d.xml", i + 1);
        nb_opc_rel(f, id, "worksheet", target);
    }
    snprintf(id, sizeof id, "rId%d", x->nsheets + 1);
    nb_opc_rel(f, id, "styles", "styles.xml");
    snprintf(id, sizeof id, "rId%d", x->nsheets + 2);
    nb_opc_rel(f, id, "sharedStrings", "sharedStrings.xml");
    nb_opc_rels_end(f);
}

static void content_types_part(FILE *f, const xlsx *x)
{
    char part[48];

    nb_opc_types_start(f);
    nb_opc_override(f, "/docProps/app.xml", "application/vnd.openxmlformats-officedocument.extended-properties+xml");
    nb_opc_override(f, "/docProps/core.xml", "application/vnd.openxmlformats-package.core-properties+xml");
    nb_opc_override(f, "/xl/styles.xml", "application/vnd.openxmlformats-officedocument.spreadsheetml.styles+xml");
    nb_opc_override(f, "/xl/workbook.xml",
                    "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml");
    for (int i = 0; i < x->nsheets; i++) {
        snprintf(part, sizeof part, "/xl/worksheets/sheet%d.xml", i + 1);
        nb_opc_override(f, part, CT_SHEET);
    }
    nb_opc_override(f, "/xl/sharedStrings.xml",
                    "application/vnd.openxmlformats-officedocument.spreadsheetml.sharedStrings+xml");
    nb_opc_types_end(f);
}

static void package_rels_part(FILE *f)
{
    nb_opc_package_rels(f, "xl/workbook.xml");
}

static void core_part(FILE *f, const nb_doc *doc)
{
    const nb_opc_core c = {.title = str_or_empty(doc->title), .subject = "政府信息公开工作年度报告",
                           .creator = doc->body, .keywords = doc->format, .created = doc->created};
    nb_opc_core_write(f, &c);
}

/* The application is named as libxlsxwriter names it, Excel 2007 (12): LibreOffice lays out
 * the rows of a workbook from another application differently (taller than Excel). */
static void app_part(FILE *f, const nb_doc *doc)
{
    nb_xml_declaration(f);
    fputs("<Properties xmlns=\"http://schemas.openxmlformats.org/officeDocument/2006/extended-properties\""
          " xmlns:vt=\"http://schemas.openxmlformats.org/officeDocument/2006/docPropsVTypes\">"
          "<Application>Microsoft Excel</Application><DocSecurity>0</DocSecurity><ScaleCrop>false</ScaleCrop>",
          f);
    if (doc->body)
        nb_xml_data(f, "Company", NULL, doc->body);
    fputs("<LinksUpToDate>false</LinksUpToDate><SharedDoc>false</SharedDoc>"
          "<HyperlinksChanged>false</HyperlinksChanged><AppVersion>12.0000</AppVersion></Properties>\n",
          f);
}

/* Part I of the package being written: a sheet (0...), or the others (-1...; see package). */
typedef struct {
    const xlsx *x;
    int i;
} part_job;

static void write_part(FILE *f, void *ud)
{
    const part_job *j = ud;
    const xlsx *x = j->x;

    switch (j->i) {
    case -1: content_types_part(f, x); break;
    case -2: package_rels_part(f); break;
    case -3: app_part(f, x->doc); break;
    case -4: core_part(f, x->doc); break;
    case -5: workbook_part(f, x); break;
    case -6: workbook_rels_part(f, x); break;
    case -7: styles_part(f); break;
    case -8: strings_part(f, x); break;
    default: worksheet_part(f, x, j->i); break;
    }
}

/* Part I as NAME into Z: 0, or -1 when memory ran out. */
static int add_part(nb_zip *z, const xlsx *x, const char *name, int i)
{
    part_job j = {x, i};
    return nb_zip_add_written(z, name, write_part, &j);
}

/* The whole package into Z: the parts in the order libxlsxwriter zipped them. */
static nb_err package(nb_zip *z, const xlsx *x)
{
    static const char *const fixed[] = {"[Content_Types].xml", "_rels/.rels", "docProps/app.xml",
                                        "docProps/core.xml", "xl/workbook.xml", "xl/_rels/workbook.xml.rels"};
    char name[40];
    int bad = !z;

    for (int i = 0; !bad && i < (int)(sizeof fixed / sizeof *fixed); i++)
        bad = add_part(z, x, fixed[i], -1 - i);
    for (int i = 0; !bad && i < x->nsheets; i++) {
        snprintf(name, sizeof name, "xl/worksheets/sheet%d.xml", i + 1);
        bad = add_part(z, x, name, i);
    }
    if (!bad)
        bad = add_part(z, x, "xl/styles.xml", -7);
    if (!bad)
        bad = add_part(z, x, "xl/sharedStrings.xml", -8);
    return bad ? NB_ERR_NOMEM : NB_OK;
}

/* ---- the exporter ------------------------------------------------------- */

nb_err nb_export_xlsx(const nb_doc *doc, const char *path, char *err, size_t errlen)
{
    xlsx x = {.doc = doc, .path = path, .err = err, .errlen = errlen};
    nb_zip *z = NULL;
    const char *data = NULL;
    size_t len = 0;
    nb_out o;
    nb_err rc;

    if ((rc = nb_blocks_valid(doc, path, err, errlen)) != NB_OK)
        return rc;
    x.names = calloc((size_t)doc->ntables + 1, sizeof *x.names);
    x.sheets = calloc((size_t)doc->ntables + 1, sizeof *x.sheets);
    if ((x.header = print_header(doc)) != NULL) {
        char *escaped = string_copy(x.header);
        free(x.header);
        x.header = escaped;
    }
    rc = x.names && x.sheets && x.header ? workbook_sheets(&x) : fail_memory(&x);
    if (rc == NB_OK) {
        z = nb_zip_new(doc->created, Z_BEST_SPEED);
        if (package(z, &x) != NB_OK || nb_zip_finish(z, &data, &len) != 0)
            rc = fail_memory(&x);
    }
    if (rc == NB_OK && (rc = nb_out_open(&o, path, err, errlen)) == NB_OK) {
        fwrite(data, 1, len, o.f);
        rc = nb_out_finish(&o, err, errlen);
    }
    nb_zip_free(z);
    for (int i = 0; i < x.nsheets; i++)
        sheet_free(&x.sheets[i]);
    for (int i = 0; i < x.nstrings; i++)
        free(x.strings[i]);
    free(x.strings);
    free(x.slots);
    free(x.sheets);
    free(x.names);
    free(x.header);
    return rc;
}
