/* export_html.c - the HTML exporter: one page for print (A4), tables with rowspan/colspan.
 *
 * A heading row's cells are <th>, labels beside data <th class="label">,
 * numbers <td class="num">; the checks follow as a table whose rows carry
 * their status and severity as classes. Depends on libc. */
#include "export.h"
#include "export_checks.h"
#include "export_grid.h"
#include "export_util.h"

#include <stdio.h>
#include <stdlib.h>


static const char html_style[] =
    "@page { size: A4; margin: 20mm 18mm; }\n"
    "body { font-family: \"SimSun\", \"宋体\", \"Songti SC\", \"STSong\", \"Noto Serif CJK SC\",\n"
    "       \"Source Han Serif SC\", serif; font-size: 12pt; line-height: 1.6;\n"
    "       max-width: 180mm; margin: 0 auto; color: #000; }\n"
    "h1 { font-family: \"SimHei\", \"黑体\", \"Heiti SC\", \"Noto Sans CJK SC\", sans-serif;\n"
    "     font-size: 18pt; text-align: center; margin: 0.5em 0 1em; }\n"
    "h2, h3 { font-family: \"SimHei\", \"黑体\", \"Heiti SC\", \"Noto Sans CJK SC\", sans-serif;\n"
    "         font-size: 14pt; margin: 1em 0 0.4em; }\n"
    "h3 { font-size: 12pt; }\n"
    "p { text-indent: 2em; margin: 0.3em 0; }\n"
    "table { border-collapse: collapse; margin: 0.6em auto; font-size: 10.5pt;\n"
    "        line-height: 1.3; page-break-inside: avoid; break-inside: avoid; }\n"
    "table.wide { font-size: 9pt; width: 100%; }\n"
    "table.wide th, table.wide td { padding: 2pt 2pt; }\n"
    "table.report td.num { min-width: 2.4em; }\n"
    "caption { font-family: \"SimHei\", \"黑体\", sans-serif; font-size: 12pt; padding: 0.3em; }\n"
    "table.checks { width: 100%; font-size: 9pt; page-break-inside: auto; break-inside: auto; }\n"
    "table.checks td { vertical-align: top; }\n"
    "table.checks td:nth-child(3), table.checks td:nth-child(4) { min-width: 9em; }\n"
    "table.checks td:nth-child(8) { word-break: break-all; }\n"
    "th, td { border: 1px solid #000; padding: 2pt 4pt; vertical-align: middle; }\n"
    "th { font-weight: normal; text-align: center; }\n"
    "th.label { text-align: left; }\n"
    "td.num { text-align: right; white-space: nowrap; }\n"
    "tr.status-pass td.status { color: #060; }\n"
    "tr.status-fail td.status { color: #c00; font-weight: bold; }\n"
    "tr.status-not-assessable td.status { color: #960; }\n"
    "@media print { body { max-width: none; } }\n";

static void html_text(FILE *f, const char *s, const char *nl)
{
    for (; s && *s; s++) {
        switch (*s) {
        case '&': fputs("&amp;", f); break;
        case '<': fputs("&lt;", f); break;
        case '>': fputs("&gt;", f); break;
        case '"': fputs("&quot;", f); break;
        case '\'': fputs("&#39;", f); break;
        case '\n': fputs(nl, f); break;
        case '\r': break;
        default: fputc(*s, f); break;
        }
    }
}

/* A class name from S: lower case letters, digits and '-'. */
static void html_class(FILE *f, const char *s)
{
    for (; s && *s; s++) {
        unsigned char ch = (unsigned char)*s;
        if (ch >= 'A' && ch <= 'Z')
            fputc(ch - 'A' + 'a', f);
        else if ((ch >= 'a' && ch <= 'z') || (ch >= '0' && ch <= '9') || ch == '-')
            fputc(ch, f);
        else
            fputc('-', f);
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

static void html_cell(FILE *f, const nb_table *t, const int *owner, int r, int c, int heading)
{
    const nb_cell *cell = grid_cell(t, r, c);
    const nb_merge *g = grid_merge_at(t, owner, r, c);
    const char *tag = heading || cell->header ? "th" : "td";

    fprintf(f, "<%s", tag);
    if (!heading && cell->header)
        fputs(" class=\"label\"", f);
    else if (!heading && (grid_is_number(cell) || cell->key))
        fputs(" class=\"num\"", f);
    if (g && g->r2 > g->r1)
        fprintf(f, " rowspan=\"%d\"", g->r2 - g->r1 + 1);
    if (g && g->c2 > g->c1)
        fprintf(f, " colspan=\"%d\"", g->c2 - g->c1 + 1);
    fputc('>', f);
    html_text(f, grid_text(t, owner, r, c), "<br>");
    fprintf(f, "</%s>", tag);
}

/* <table ...> and its caption. */
static void html_table_open(FILE *f, const nb_table *t, const char *caption)
{
    fputs("<table class=\"report", f);
    if (t->ncols > 8)
        fputs(" wide", f);
    fputc('"', f);
    if (t->id && *t->id) {
        fputs(" id=\"table-", f);
        html_class(f, t->id);
        fputc('"', f);
    }
    fputs(">\n", f);
    if (caption) {
        fputs("<caption>", f);
        html_text(f, caption, " ");
        fputs("</caption>\n", f);
    }
}

static nb_err html_table(FILE *f, const nb_table *t, const char *caption, char *err, size_t errlen)
{
    int *owner, thead;
    nb_err rc = grid_owner_map(t, &owner, err, errlen);

    if (rc != NB_OK)
        return rc;
    thead = t->header_rows > 0 && !html_merge_crosses_header(t);
    html_table_open(f, t, caption);
    for (int r = 0; r < t->nrows; r++) {
        int heading = grid_heading_row(t, owner, r);
        if (thead && r == 0)
            fputs("<thead>\n", f);
        if (r == (thead ? t->header_rows : 0))
            fputs("<tbody>\n", f);
        fputs("<tr>", f);
        for (int c = 0; c < t->ncols; c++) {
            if (!grid_covered(t, owner, r, c))
                html_cell(f, t, owner, r, c, heading);
        }
        fputs("</tr>\n", f);
        if (thead && r == t->header_rows - 1)
            fputs("</thead>\n", f);
    }
    if (t->nrows > (thead ? t->header_rows : 0))
        fputs("</tbody>\n", f);
    fputs("</table>\n", f);
    free(owner);
    return NB_OK;
}

/* One check as a table row; the note's evidence keeps to one line. */
static nb_err html_check(FILE *f, const nb_check *k, char *err, size_t errlen)
{
    char *note = nb_check_note(k, "\n", " ");

    if (!note) {
        snprintf(err, errlen, "out of memory");
        return NB_ERR_NOMEM;
    }
    fputs("<tr class=\"status-", f);
    html_class(f, k->status);
    fputs(" severity-", f);
    html_class(f, k->severity);
    fputs("\">", f);
    for (int c = 0; c < NB_CHECK_COLS; c++) {
        if (c == NB_CHECK_LEFT || c == NB_CHECK_RIGHT)
            fputs("<td class=\"num\">", f);
        else if (c == NB_CHECK_STATUS)
            fputs("<td class=\"status\">", f);
        else
            fputs("<td>", f);
        html_text(f, c == NB_CHECK_NOTE ? note : nb_check_text(k, c), "<br>");
        fputs("</td>", f);
    }
    fputs("</tr>\n", f);
    free(note);
    return NB_OK;
}

static nb_err html_checks(FILE *f, const nb_doc *doc, char *err, size_t errlen)
{
    nb_err rc = NB_OK;

    fputs("<section class=\"checks\">\n<h2>" NB_CHECK_HEADING "</h2>\n<table class=\"checks\">\n"
          "<thead>\n<tr>", f);
    for (int c = 0; c < NB_CHECK_COLS; c++) {
        fputs("<th>", f);
        html_text(f, nb_check_headers[c], " ");
        fputs("</th>", f);
    }
    fputs("</tr>\n</thead>\n<tbody>\n", f);
    for (int i = 0; i < doc->nchecks && rc == NB_OK; i++)
        rc = html_check(f, &doc->checks[i], err, errlen);
    fputs("</tbody>\n</table>\n</section>\n", f);
    return rc;
}

/* <!DOCTYPE html> to <body><h1>: the title and the print style. */
static void html_head(FILE *f, const nb_doc *doc)
{
    fputs("<!DOCTYPE html>\n<html lang=\"zh-CN\">\n<head>\n<meta charset=\"utf-8\">\n<title>", f);
    html_text(f, doc->title, " ");
    fprintf(f, "</title>\n<style>\n%s</style>\n</head>\n<body>\n<h1>", html_style);
    html_text(f, doc->title, "<br>");
    fputs("</h1>\n", f);
}

/* The page: head, blocks, checks. */
static nb_err html_write(FILE *f, const nb_doc *doc, char *err, size_t errlen)
{
    nb_err rc = NB_OK;

    html_head(f, doc);
    for (int b = 0; b < doc->nblocks && rc == NB_OK; b++) {
        const nb_block *blk = &doc->blocks[b];
        switch (blk->type) {
        case NB_BLOCK_HEADING:
            fputs(blk->level <= 1 ? "<h2>" : "<h3>", f);
            html_text(f, blk->text, " ");
            fputs(blk->level <= 1 ? "</h2>\n" : "</h3>\n", f);
            break;
        case NB_BLOCK_PARA:
            fputs("<p>", f);
            html_text(f, blk->text, "<br>");
            fputs("</p>\n", f);
            break;
        case NB_BLOCK_TABLE:
            rc = html_table(f, &doc->tables[blk->table], nb_table_caption(doc, b), err, errlen);
            break;
        }
    }
    if (rc == NB_OK && doc->nchecks > 0)
        rc = html_checks(f, doc, err, errlen);
    if (rc == NB_OK)
        fputs("</body>\n</html>\n", f);
    return rc;
}

nb_err nb_export_html(const nb_doc *doc, const char *path, char *err, size_t errlen)
{
    nb_out o;
    nb_err rc;

    if ((rc = nb_blocks_valid(doc, path, err, errlen)) != NB_OK)
        return rc;
    if ((rc = nb_out_open(&o, path, err, errlen)) != NB_OK)
        return rc;
    if ((rc = html_write(o.f, doc, err, errlen)) != NB_OK)
        return nb_out_fail(&o, rc, err, errlen);
    return nb_out_finish(&o, err, errlen);
}
