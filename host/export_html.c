/* export_html.c - the HTML exporter: one page for print (A4) that survives being pasted
 * into Word, WPS, LibreOffice or a portal's rich-text editor.
 *
 * Nothing depends on the stylesheet alone: every table carries border, cellspacing,
 * cellpadding and width attributes, a <colgroup> of column widths (from
 * export_layout.h, as the XLSX and the other printed forms lay them out) and every
 * cell its border, padding and alignment as inline style; a header no wider than
 * four CJK characters (自然人, 商业企业, 尚未审结) is kept on one line. The
 * stylesheet adds print: A4 with GB/T 9704 margins, the fonts of the document's
 * roles (nb_doc_font), page numbers "— 1 —" at the foot (CSS page margin boxes; a
 * Word footer field for Word), headings kept with what follows them, and rows not
 * split. A heading row's cells are <th>, labels beside data <th class="label">,
 * numbers <td class="num">. The check results are not written (a check file is a
 * document of its own). Depends on libc. */
#include "export.h"
#include "export_grid.h"
#include "export_layout.h"
#include "export_util.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define TEXT_WIDTH_PT 442.0 /* A4 less GB/T 9704's side margins (28 mm, 26 mm): 156 mm */
#define PX_PER_PT (96.0 / 72.0)

#define NOWRAP_WIDTH 8 /* headers this wide or narrower (4 CJK characters) stay on one line */

/* The inline style of every cell: what a pasted table keeps. */
#define CELL_STYLE "border:1px solid #000;padding:2pt 3pt;vertical-align:middle;line-height:1.25;overflow-wrap:anywhere;"

static const char html_style[] =
    "@page { size: A4; margin: 37mm 26mm 35mm 28mm;\n"
    "        @bottom-center { content: \"— \" counter(page) \" —\"; font-size: 14pt; } }\n"
    "body { font-size: 16pt; line-height: 1.75; color: #000; }\n"
    "h1 { font-size: 22pt; font-weight: normal; text-align: center; line-height: 1.4; margin: 0 0 1em; }\n"
    "h2 { font-size: 16pt; font-weight: normal; margin: 0.6em 0 0.3em; text-indent: 2em;\n"
    "     page-break-after: avoid; break-after: avoid; }\n"
    "h3 { font-size: 16pt; font-weight: bold; margin: 0.3em 0; text-indent: 2em;\n"
    "     page-break-after: avoid; break-after: avoid; }\n"
    "p { text-indent: 2em; margin: 0; text-align: justify; orphans: 2; widows: 2; }\n"

    "table { border-collapse: collapse; margin: 0.5em 0; line-height: 1.3; }\n"
    "caption { font-size: 12pt; padding: 0.3em; page-break-after: avoid; break-after: avoid; }\n"
    "thead { display: table-header-group; }\n"
    "th { font-weight: normal; }\n"
    "@media screen { body { max-width: 180mm; margin: 1em auto; } }\n";

static void html_text(FILE *f, const char *s, const char *nl)
{
    for (; s && *s; s++) {
        switch (*s) {
        case '&': nb_put_s(f, "&amp;"); break;
        case '<': nb_put_s(f, "&lt;"); break;
        case '>': nb_put_s(f, "&gt;"); break;
        case '"': nb_put_s(f, "&quot;"); break;
        case '\'': nb_put_s(f, "&#39;"); break;
        case '\n': nb_put_s(f, nl); break;
        case '\r': break;
        default: putc_unlocked(*s, f); break;
        }
    }
}

/* A class name from S: lower case letters, digits and '-'. */
static void html_class(FILE *f, const char *s)
{
    for (; s && *s; s++) {
        unsigned char ch = (unsigned char)*s;
        if (ch >= 'A' && ch <= 'Z')
            putc_unlocked(ch - 'A' + 'a', f);
        else if ((ch >= 'a' && ch <= 'z') || (ch >= '0' && ch <= '9') || ch == '-')
            putc_unlocked(ch, f);
        else
            putc_unlocked('-', f);
    }
}

/* 1 when a merge crosses the line between header rows and body rows (then
 * the table gets no <thead>, which a rowspan cannot cross). */
static int html_merge_crosses_header(const nb_table *t)
{
    for (int m = 0; m < t->nmerges; m++) {
        if (t->merges[m].r1 < t->header_rows && t->merges[m].r2 >= t->header_rows)
            return 1;
    }
    return 0;
}

/* font-family: the families of LIST (comma-separated) quoted, then GENERIC. */
static void html_fonts(FILE *f, const char *list, const char *generic)
{
    const char *p = list;

    nb_put_s(f, "font-family:");
    while (*p) {
        size_t n = strcspn(p, ",");
        putc_unlocked('\'', f);
        for (size_t i = 0; i < n; i++) {
            if (p[i] != '\'' && p[i] != '"' && p[i] != '<' && p[i] != '>' && p[i] != '&' && p[i] != ';')
                putc_unlocked(p[i], f);
        }
        nb_put_s(f, "',");
        p += n;
        if (*p == ',')
            p++;
    }
    fprintf(f, "%s;", generic);
}

/* The width in points of the cell at R, C (its merge's columns), PCT the columns'
 * widths in per cent. */
static double cell_width(const nb_table *t, const int *owner, int r, int c, const double *pct)
{
    const nb_merge *g = grid_merge_at(t, owner, r, c);
    double w = 0;

    for (int k = g ? g->c1 : c; k <= (g ? g->c2 : c); k++)
        w += pct[k] * TEXT_WIDTH_PT / 100;
    return w;
}

/* 1 when text WIDEST units wide (nb_text_width) fits on one line of the cell at R, C
 * (its merge's columns) at SIZE points, PCT the columns' widths in per cent. */
static int fits(const nb_table *t, const int *owner, int r, int c, const double *pct, double size,
                int widest)
{
    return widest * size / 2 + 8.0 <= cell_width(t, owner, r, c, pct);
}

/* Writes header TEXT in a cell W points wide at SIZE points: when it is a short run of
 * CJK characters (up to eight) that does not fit on one line, in lines broken between
 * its words (export_layout.h: 商业/企业, 社会/公益/组织), packed as the width allows, the
 * way Chinese report tables print them, never 商业企/业. Returns 0 (nothing written)
 * for other text, or when its words do not fit the width. */
static int html_words(FILE *f, const char *text, double w, double size)
{
    const unsigned char *p = (const unsigned char *)text;
    int n = 0, nbrk, per_line, on_line = 0, piece = 0, fits_all = 1;
    unsigned char *brk;

    for (; *p; p += 3, n++) { /* three-byte UTF-8 in the CJK ideographs */
        if (p[0] != 0xE4 && !(p[0] >= 0xE5 && p[0] <= 0xE9))
            return 0;
        if (!p[1] || !p[2])
            return 0;
    }
    per_line = (int)((w - 8.0) / size);
    if (n < 3 || n > 8 || n <= per_line)
        return 0;
    if (!(brk = nb_layout_breaks(text, strlen(text), NULL, &nbrk)) || nbrk != n) {
        free(brk);
        return 0;
    }
    for (int i = 1; i <= n; i++) { /* every piece between breaks fits a line */
        piece++;
        if (i == n || brk[i] <= NB_BRK_WORD) {
            fits_all &= piece <= per_line;
            piece = 0;
        }
    }
    for (int i = 0; fits_all && i < n;) {
        int end = i + 1;
        while (end < n && brk[end] > NB_BRK_WORD)
            end++; /* the word from i to end */
        if (on_line > 0 && on_line + (end - i) > per_line) {
            nb_put_s(f, "<br>");
            on_line = 0;
        }
        nb_put_n(f, text + 3 * i, (size_t)(3 * (end - i)));
        on_line += end - i;
        i = end;
    }
    free(brk);
    return fits_all;
}

/* A cell; PCT[c] is column c's share of the width in per cent, SIZE its font size. */
/* A cell's width attribute of each column: ' width="P%"', P its per cent rounded. */
typedef char width_attr[24];

/* A cell of T at R, C; PCT the columns' widths in per cent (WATTR their attributes), its
 * text SIZE points (SZ, the number). Written by pieces: a table's cells were a report's
 * some 1,500 fprintf calls, 60% of its HTML's time. */
static void html_cell(FILE *f, const nb_table *t, const int *owner, int r, int c, int heading,
                      const double *pct, const width_attr *wattr, const char *size, double sz)
{
    const nb_cell *cell = grid_cell(t, r, c);
    const nb_merge *g = grid_merge_at(t, owner, r, c);
    const char *tag = heading || cell->header ? "th" : "td";
    const char *text = grid_text(t, owner, r, c);
    int label = !heading && cell->header, num = !heading && !cell->header && (grid_is_number(cell) || cell->key);
    int widest, nowrap = 0;

    nb_layout_text_lines(text, 0, &widest);
    putc_unlocked('<', f);
    nb_put_s(f, tag);
    if (label)
        nb_put_s(f, " class=\"label\"");
    else if (num)
        nb_put_s(f, " class=\"num\"");
    if (g && g->r2 > g->r1) {
        nb_put_s(f, " rowspan=\"");
        nb_put_ll(f, g->r2 - g->r1 + 1);
        putc_unlocked('"', f);
    }
    if (g && g->c2 > g->c1) {
        nb_put_s(f, " colspan=\"");
        nb_put_ll(f, g->c2 - g->c1 + 1);
        putc_unlocked('"', f);
    }
    nb_put_s(f, label ? " align=\"left\" valign=\"middle\"" : " align=\"center\" valign=\"middle\"");
    if (!g || g->c2 == g->c1)
        nb_put_s(f, wattr[c]);
    if (num || (!label && widest <= NOWRAP_WIDTH && fits(t, owner, r, c, pct, sz, widest)))
        nowrap = 1;
    if (nowrap)
        nb_put_s(f, " nowrap");
    nb_put_s(f, " style=\"" CELL_STYLE "font-size:");
    nb_put_s(f, size);
    nb_put_s(f, label ? "pt;text-align:left;" : "pt;text-align:center;");
    if (nowrap)
        nb_put_s(f, "white-space:nowrap;");
    nb_put_s(f, "\">");
    if (nowrap || label || !html_words(f, text, cell_width(t, owner, r, c, pct), sz))
        html_text(f, text, "<br>");
    nb_put_s(f, "</");
    nb_put_s(f, tag);
    putc_unlocked('>', f);
}

/* Takes up to EXCESS points from the columns of T that are (DATA 1) or are not (DATA 0)
 * data columns, in proportion to what each has over FLOOR. Returns what is left. */
static double shrink(const nb_table *t, const int *owner, double *w, int data, double floor, double excess)
{
    double spare = 0, k;

    for (int c = 0; c < t->ncols; c++) {
        if (nb_layout_data_column(t, owner, c) == data && w[c] > floor)
            spare += w[c] - floor;
    }
    if (excess <= 0 || spare <= 0)
        return excess;
    k = fmin(1.0, excess / spare);
    for (int c = 0; c < t->ncols; c++) {
        if (nb_layout_data_column(t, owner, c) == data && w[c] > floor)
            w[c] -= (w[c] - floor) * k;
    }
    return excess - spare * k;
}

/* Column widths of T, in per cent of the text width, into PCT: laid out (export_layout.h)
 * for text of SIZE points, then fitted to the text width. A table too wide first narrows
 * its data columns down to three CJK characters (自然人; longer headers wrap between
 * two-character words: 商业/企业), then its label columns down to four (or their share
 * of the width, for a table of many columns); a narrower one grows evenly, so every
 * table is as wide as the text. */
static void column_widths(const nb_table *t, const int *owner, double size, double *pct)
{
    const nb_layout_units pt = {
        .per_unit = size / 2, .pad = 8.0, .col_min = 2 * size, .col_max = 16 * size, .cell_max = 11 * size,
    };
    double share = TEXT_WIDTH_PT / (t->ncols ? t->ncols : 1), total = 0, excess;

    nb_layout_widths(t, owner, &pt, pct);
    for (int c = 0; c < t->ncols; c++)
        total += pct[c];
    excess = shrink(t, owner, pct, 1, fmin(3 * size + pt.pad, share), total - TEXT_WIDTH_PT);
    shrink(t, owner, pct, 0, fmin(4 * size + pt.pad, share), excess);
    total = 0;
    for (int c = 0; c < t->ncols; c++)
        total += pct[c];
    for (int c = 0; c < t->ncols; c++)
        pct[c] = total > 0 ? 100.0 * pct[c] / total : 100.0 / t->ncols;
}

/* <table ...> with its attributes, caption and column widths PCT (per cent of the
 * text width), its text SIZE points. */
static void html_table_open(FILE *f, const nb_doc *doc, const nb_table *t, const double *pct,
                            const char *size, const char *caption)
{
    nb_put_s(f, "<table class=\"report\"");
    if (t->id && *t->id) {
        nb_put_s(f, " id=\"table-");
        html_class(f, t->id);
        putc_unlocked('"', f);
    }
    fprintf(f, " border=\"1\" cellspacing=\"0\" cellpadding=\"3\" width=\"100%%\""
               " style=\"width:100%%;table-layout:fixed;border-collapse:collapse;border:1px solid #000;font-size:%spt;",
            size);
    html_fonts(f, nb_doc_font(doc, NB_FONT_BODY), "serif");
    nb_put_s(f, "\">\n");
    if (caption) {
        nb_put_s(f, "<caption>");
        html_text(f, caption, " ");
        nb_put_s(f, "</caption>\n");
    }
    nb_put_s(f, "<colgroup>");
    for (int c = 0; c < t->ncols; c++)
        fprintf(f, "<col width=\"%.0f\" style=\"width:%.1f%%\">", pct[c] * TEXT_WIDTH_PT / 100 * PX_PER_PT,
                pct[c]);
    nb_put_s(f, "</colgroup>\n");
}

static nb_err html_table(FILE *f, const nb_doc *doc, const nb_table *t, const char *caption, char *err,
                         size_t errlen)
{
    int *owner, thead;
    nb_err rc = grid_owner_map(t, &owner, err, errlen);

    if (rc != NB_OK)
        return rc;
    double *pct = malloc((t->ncols ? (size_t)t->ncols : 1) * sizeof *pct);
    width_attr *wattr = malloc((t->ncols ? (size_t)t->ncols : 1) * sizeof *wattr);
    const char *size = t->ncols > 8 ? "9" : "10.5";
    double sz = atof(size);

    if (!pct || !wattr) {
        free(pct);
        free(wattr);
        free(owner);
        snprintf(err, errlen, "table '%s': out of memory", t->id ? t->id : "");
        return NB_ERR_NOMEM;
    }
    column_widths(t, owner, sz, pct);
    for (int c = 0; c < t->ncols; c++)
        snprintf(wattr[c], sizeof wattr[c], " width=\"%.0f%%\"", pct[c]);
    thead = t->header_rows > 0 && !html_merge_crosses_header(t);
    html_table_open(f, doc, t, pct, size, caption);
    for (int r = 0; r < t->nrows; r++) {
        int heading = grid_heading_row(t, owner, r);
        if (thead && r == 0)
            nb_put_s(f, "<thead>\n");
        if (r == (thead ? t->header_rows : 0))
            nb_put_s(f, "<tbody>\n");
        nb_put_s(f, "<tr>");
        for (int c = 0; c < t->ncols; c++) {
            if (!grid_covered(t, owner, r, c))
                html_cell(f, t, owner, r, c, heading, pct, (const width_attr *)wattr, size, sz);
        }
        nb_put_s(f, "</tr>\n");
        if (thead && r == t->header_rows - 1)
            nb_put_s(f, "</thead>\n");
    }
    if (t->nrows > (thead ? t->header_rows : 0))
        nb_put_s(f, "</tbody>\n");
    nb_put_s(f, "</table>\n");
    free(pct);
    free(wattr);
    free(owner);
    return NB_OK;
}

/* <!DOCTYPE html> to <body><h1>: the title and the print style. */
static void html_head(FILE *f, const nb_doc *doc)
{
    nb_put_s(f, "<!DOCTYPE html>\n<html lang=\"zh-CN\">\n<head>\n<meta charset=\"utf-8\">\n<title>");
    html_text(f, doc->title, " ");
    fprintf(f, "</title>\n<style>\n%s", html_style);
    nb_put_s(f, "body, p, td, th { ");
    html_fonts(f, nb_doc_font(doc, NB_FONT_BODY), "serif");
    nb_put_s(f, " }\nh1 { ");
    html_fonts(f, nb_doc_font(doc, NB_FONT_TITLE), "serif");
    nb_put_s(f, " }\nh2 { ");
    html_fonts(f, nb_doc_font(doc, NB_FONT_HEADING), "sans-serif");
    nb_put_s(f, " }\n</style>\n</head>\n<body>\n<h1 style=\"text-align:center;font-size:22pt;font-weight:normal;");
    html_fonts(f, nb_doc_font(doc, NB_FONT_TITLE), "serif");
    nb_put_s(f, "\">");
    html_text(f, doc->title, "<br>");
    nb_put_s(f, "</h1>\n");
}

/* The page: head, blocks. Each heading and paragraph carries its font and size inline. */
static nb_err html_write(FILE *f, const nb_doc *doc, char *err, size_t errlen)
{
    nb_err rc = NB_OK;

    html_head(f, doc);
    for (int b = 0; b < doc->nblocks && rc == NB_OK; b++) {
        const nb_block *blk = &doc->blocks[b];
        switch (blk->type) {
        case NB_BLOCK_HEADING:
            fputs(blk->level <= 1 ? "<h2 style=\"font-size:16pt;font-weight:normal;text-indent:2em;"
                                  : "<h3 style=\"font-size:16pt;font-weight:bold;text-indent:2em;", f);
            html_fonts(f, nb_doc_font(doc, blk->level <= 1 ? NB_FONT_HEADING : NB_FONT_BODY),
                       blk->level <= 1 ? "sans-serif" : "serif");
            nb_put_s(f, "\">");
            html_text(f, blk->text, " ");
            nb_put_s(f, blk->level <= 1 ? "</h2>\n" : "</h3>\n");
            break;
        case NB_BLOCK_PARA:
            nb_put_s(f, "<p style=\"font-size:16pt;text-indent:2em;");
            html_fonts(f, nb_doc_font(doc, NB_FONT_BODY), "serif");
            nb_put_s(f, "\">");
            html_text(f, blk->text, "<br>");
            nb_put_s(f, "</p>\n");
            break;
        case NB_BLOCK_TABLE:
            rc = html_table(f, doc, &doc->tables[blk->table], nb_table_caption(doc, b), err, errlen);
            break;
        }
    }
    if (rc == NB_OK)
        nb_put_s(f, "</body>\n</html>\n");
    return rc;
}

nb_err nb_export_html(const nb_doc *doc, const char *path, char *err, size_t errlen)
{
    return nb_export_stream(doc, path, html_write, err, errlen);
}
