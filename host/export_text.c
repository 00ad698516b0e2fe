/* export_text.c - the text exporters: Markdown, plain text, HTML, CSV and JSON.
 *
 * Each writes the report document (doc.h) with stdio, in a fixed order, so
 * the same document always gives the same bytes. Merged cells: Markdown,
 * text and CSV write a merge's text at its top-left cell and leave the
 * covered cells empty; HTML uses rowspan/colspan. Depends on libc only. */
#include "doc.h"
#include "export_grid.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ---- files ------------------------------------------------------------ */

static FILE *out_open(const char *path, char *err, size_t errlen)
{
    FILE *f = fopen(path, "wb");
    if (!f)
        snprintf(err, errlen, "%s: %s", path, strerror(errno));
    return f;
}

/* Closes F; reports a write error (ferror or fclose) on PATH. */
static int out_close(FILE *f, const char *path, char *err, size_t errlen)
{
    int failed = ferror(f);
    int saved = errno;

    if (fclose(f) != 0 && !failed) {
        failed = 1;
        saved = errno;
    }
    if (failed) {
        snprintf(err, errlen, "%s: write failed: %s", path, strerror(saved ? saved : EIO));
        return -1;
    }
    return 0;
}

/* Prefixes the message in ERR with PATH; returns -1. */
static int err_prefix(const char *path, char *err, size_t errlen)
{
    char msg[512];

    snprintf(msg, sizeof msg, "%s", err);
    snprintf(err, errlen, "%s: %s", path, msg);
    return -1;
}

/* Abandons F after an error already described in ERR (without the path). */
static int out_fail(FILE *f, const char *path, char *err, size_t errlen)
{
    fclose(f);
    return err_prefix(path, err, errlen);
}

static const char *str_or_empty(const char *s)
{
    return s ? s : "";
}

/* Checks that every table block names an existing table. */
static int blocks_valid(const nb_doc *doc, char *err, size_t errlen)
{
    for (int b = 0; b < doc->nblocks; b++) {
        const nb_block *blk = &doc->blocks[b];
        if (blk->type == NB_BLOCK_TABLE && (blk->table < 0 || blk->table >= doc->ntables)) {
            snprintf(err, errlen, "block %d names table %d of %d", b + 1, blk->table, doc->ntables);
            return 0;
        }
    }
    return 1;
}

/* The caption to print before table block B, or NULL when the table has no
 * title or the block right before it is a heading with the same text. */
static const char *table_caption(const nb_doc *doc, int b)
{
    const nb_table *t = &doc->tables[doc->blocks[b].table];

    if (!t->title || !*t->title)
        return NULL;
    if (b > 0 && doc->blocks[b - 1].type == NB_BLOCK_HEADING && doc->blocks[b - 1].text
        && strcmp(doc->blocks[b - 1].text, t->title) == 0)
        return NULL;
    return t->title;
}

/* Writes S with newlines turned into NL (CRs dropped). */
static void put_lines(FILE *f, const char *s, const char *nl)
{
    for (; s && *s; s++) {
        if (*s == '\n')
            fputs(nl, f);
        else if (*s != '\r')
            fputc(*s, f);
    }
}

/* Display text of a check value: "空白" for a blank. */
static const char *check_value_text(const nb_cell *c)
{
    if (c->type == NB_V_BLANK)
        return "空白";
    return str_or_empty(c->text);
}


/* ---- Markdown --------------------------------------------------------- */

/* Text inside a GFM table cell: "|" escaped, newlines as <br>. */
static void md_text(FILE *f, const char *s)
{
    for (; s && *s; s++) {
        if (*s == '|')
            fputs("\\|", f);
        else if (*s == '\n')
            fputs("<br>", f);
        else if (*s != '\r')
            fputc(*s, f);
    }
}

static void md_cell(FILE *f, const char *s)
{
    fputs("| ", f);
    md_text(f, s);
    fputc(' ', f);
}

/* GFM delimiter row: right-aligned where the column holds numbers. */
static void md_delimiter(FILE *f, const nb_table *t, const int *owner)
{
    for (int c = 0; c < t->ncols; c++) {
        int num = 0;
        for (int r = t->header_rows; r < t->nrows && !num; r++)
            num = !grid_covered(t, owner, r, c) && grid_is_number(grid_cell(t, r, c));
        fputs(num ? "|---:" : "|---", f);
    }
    fputs("|\n", f);
}

/* The grid as one GFM table: its first row is the GFM header row, the other
 * header rows follow the delimiter row as ordinary rows. */
static int md_table(FILE *f, const nb_table *t, char *err, size_t errlen)
{
    int *owner = grid_owner_map(t, err, errlen);

    if (!owner)
        return -1;
    for (int r = 0; r < t->nrows && t->ncols > 0; r++) {
        for (int c = 0; c < t->ncols; c++)
            md_cell(f, grid_text(t, owner, r, c));
        fputs("|\n", f);
        if (r == 0)
            md_delimiter(f, t, owner);
    }
    free(owner);
    return 0;
}

/* "message<br>证据：a, b" for the last column of the checks. */
static void md_check_note(FILE *f, const nb_check *k)
{
    fputs("| ", f);
    md_text(f, k->message);
    if (k->nevidence > 0) {
        if (k->message && *k->message)
            fputs("<br>", f);
        fputs("证据：", f);
        for (int e = 0; e < k->nevidence; e++) {
            if (e > 0)
                fputs(", ", f);
            md_text(f, k->evidence[e]);
        }
    }
    fputs(" |\n", f);
}

static void md_checks(FILE *f, const nb_doc *doc)
{
    fputs("\n## 检查结果\n\n", f);
    fputs("| 编号 | 级别 | 检查项 | 公式 | 左值 | 右值 | 结果 | 说明/证据 |\n", f);
    fputs("|---|---|---|---|---:|---:|---|---|\n", f);
    for (int i = 0; i < doc->nchecks; i++) {
        const nb_check *k = &doc->checks[i];
        md_cell(f, str_or_empty(k->id));
        md_cell(f, str_or_empty(k->severity));
        md_cell(f, str_or_empty(k->title));
        md_cell(f, str_or_empty(k->formula));
        md_cell(f, k->left.type == NB_V_BLANK ? "" : str_or_empty(k->left.text));
        md_cell(f, k->right.type == NB_V_BLANK ? "" : str_or_empty(k->right.text));
        md_cell(f, str_or_empty(k->status));
        md_check_note(f, k);
    }
}

int nb_export_md(const nb_doc *doc, const char *path, char *err, size_t errlen)
{
    FILE *f;

    if (!blocks_valid(doc, err, errlen))
        return err_prefix(path, err, errlen);
    if (!(f = out_open(path, err, errlen)))
        return -1;
    fputs("# ", f);
    put_lines(f, str_or_empty(doc->title), " ");
    fputc('\n', f);
    for (int b = 0; b < doc->nblocks; b++) {
        const nb_block *blk = &doc->blocks[b];
        const char *caption;
        fputc('\n', f);
        switch (blk->type) {
        case NB_BLOCK_HEADING:
            fputs(blk->level <= 1 ? "## " : "### ", f);
            put_lines(f, str_or_empty(blk->text), " ");
            fputc('\n', f);
            break;
        case NB_BLOCK_PARA:
            put_lines(f, str_or_empty(blk->text), "\n");
            fputc('\n', f);
            break;
        case NB_BLOCK_TABLE:
            if ((caption = table_caption(doc, b))) {
                fputs("**", f);
                put_lines(f, caption, " ");
                fputs("**\n\n", f);
            }
            if (md_table(f, &doc->tables[blk->table], err, errlen) != 0)
                return out_fail(f, path, err, errlen);
            break;
        }
    }
    if (doc->nchecks > 0)
        md_checks(f, doc);
    return out_close(f, path, err, errlen);
}

/* ---- plain text ------------------------------------------------------- */

/* One table row as "a | b | c |" (the seed report's pipe-row style). */
static int txt_table(FILE *f, const nb_table *t, char *err, size_t errlen)
{
    int *owner = grid_owner_map(t, err, errlen);

    if (!owner)
        return -1;
    for (int r = 0; r < t->nrows && t->ncols > 0; r++) {
        for (int c = 0; c < t->ncols; c++) {
            if (c > 0)
                fputc(' ', f);
            put_lines(f, grid_text(t, owner, r, c), " ");
            fputs(" |", f);
        }
        fputc('\n', f);
    }
    free(owner);
    return 0;
}

/* "[FAIL] H1 error 标题: 公式 (左 220, 右 219)", then the message and the
 * evidence on indented lines. */
static void txt_checks(FILE *f, const nb_doc *doc)
{
    fputs("\n检查结果\n", f);
    for (int i = 0; i < doc->nchecks; i++) {
        const nb_check *k = &doc->checks[i];
        fprintf(f, "[%s] %s %s ", str_or_empty(k->status), str_or_empty(k->id),
                str_or_empty(k->severity));
        put_lines(f, str_or_empty(k->title), " ");
        fputs(": ", f);
        put_lines(f, str_or_empty(k->formula), " ");
        fputs(" (左 ", f);
        put_lines(f, check_value_text(&k->left), " ");
        fputs(", 右 ", f);
        put_lines(f, check_value_text(&k->right), " ");
        fputs(")\n", f);
        if (k->message && *k->message) {
            fputs("  说明: ", f);
            put_lines(f, k->message, " ");
            fputc('\n', f);
        }
        if (k->nevidence > 0) {
            fputs("  证据: ", f);
            for (int e = 0; e < k->nevidence; e++) {
                if (e > 0)
                    fputs(", ", f);
                put_lines(f, str_or_empty(k->evidence[e]), " ");
            }
            fputc('\n', f);
        }
    }
}

int nb_export_txt(const nb_doc *doc, const char *path, char *err, size_t errlen)
{
    FILE *f;

    if (!blocks_valid(doc, err, errlen))
        return err_prefix(path, err, errlen);
    if (!(f = out_open(path, err, errlen)))
        return -1;
    put_lines(f, str_or_empty(doc->title), " ");
    fputs("\n\n", f);
    for (int b = 0; b < doc->nblocks; b++) {
        const nb_block *blk = &doc->blocks[b];
        const char *caption;
        switch (blk->type) {
        case NB_BLOCK_HEADING:
            put_lines(f, str_or_empty(blk->text), " ");
            fputc('\n', f);
            break;
        case NB_BLOCK_PARA:
            put_lines(f, str_or_empty(blk->text), "\n");
            fputc('\n', f);
            break;
        case NB_BLOCK_TABLE:
            if ((caption = table_caption(doc, b))) {
                put_lines(f, caption, " ");
                fputc('\n', f);
            }
            if (txt_table(f, &doc->tables[blk->table], err, errlen) != 0)
                return out_fail(f, path, err, errlen);
            break;
        }
    }
    if (doc->nchecks > 0)
        txt_checks(f, doc);
    return out_close(f, path, err, errlen);
}

/* ---- HTML ------------------------------------------------------------- */

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

static int html_table(FILE *f, const nb_table *t, const char *caption, char *err, size_t errlen)
{
    int *owner = grid_owner_map(t, err, errlen);
    int thead;

    if (!owner)
        return -1;
    thead = t->header_rows > 0 && !html_merge_crosses_header(t);
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
    return 0;
}

static void html_checks(FILE *f, const nb_doc *doc)
{
    fputs("<section class=\"checks\">\n<h2>检查结果</h2>\n<table class=\"checks\">\n<thead>\n"
          "<tr><th>编号</th><th>级别</th><th>检查项</th><th>公式</th><th>左值</th><th>右值</th>"
          "<th>结果</th><th>说明/证据</th></tr>\n</thead>\n<tbody>\n", f);
    for (int i = 0; i < doc->nchecks; i++) {
        const nb_check *k = &doc->checks[i];
        fputs("<tr class=\"status-", f);
        html_class(f, k->status);
        fputs(" severity-", f);
        html_class(f, k->severity);
        fputs("\"><td>", f);
        html_text(f, k->id, "<br>");
        fputs("</td><td>", f);
        html_text(f, k->severity, "<br>");
        fputs("</td><td>", f);
        html_text(f, k->title, "<br>");
        fputs("</td><td>", f);
        html_text(f, k->formula, "<br>");
        fputs("</td><td class=\"num\">", f);
        html_text(f, k->left.type == NB_V_BLANK ? "" : k->left.text, "<br>");
        fputs("</td><td class=\"num\">", f);
        html_text(f, k->right.type == NB_V_BLANK ? "" : k->right.text, "<br>");
        fputs("</td><td class=\"status\">", f);
        html_text(f, k->status, "<br>");
        fputs("</td><td>", f);
        html_text(f, k->message, "<br>");
        if (k->nevidence > 0) {
            if (k->message && *k->message)
                fputs("<br>", f);
            fputs("证据：", f);
            for (int e = 0; e < k->nevidence; e++) {
                if (e > 0)
                    fputs(", ", f);
                html_text(f, k->evidence[e], " ");
            }
        }
        fputs("</td></tr>\n", f);
    }
    fputs("</tbody>\n</table>\n</section>\n", f);
}

int nb_export_html(const nb_doc *doc, const char *path, char *err, size_t errlen)
{
    FILE *f;

    if (!blocks_valid(doc, err, errlen))
        return err_prefix(path, err, errlen);
    if (!(f = out_open(path, err, errlen)))
        return -1;
    fputs("<!DOCTYPE html>\n<html lang=\"zh-CN\">\n<head>\n<meta charset=\"utf-8\">\n<title>", f);
    html_text(f, doc->title, " ");
    fprintf(f, "</title>\n<style>\n%s</style>\n</head>\n<body>\n<h1>", html_style);
    html_text(f, doc->title, "<br>");
    fputs("</h1>\n", f);
    for (int b = 0; b < doc->nblocks; b++) {
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
            if (html_table(f, &doc->tables[blk->table], table_caption(doc, b), err, errlen) != 0)
                return out_fail(f, path, err, errlen);
            break;
        }
    }
    if (doc->nchecks > 0)
        html_checks(f, doc);
    fputs("</body>\n</html>\n", f);
    return out_close(f, path, err, errlen);
}

/* ---- CSV -------------------------------------------------------------- */

/* One RFC 4180 field: quoted when it holds a comma, quote, CR or LF. */
static void csv_field(FILE *f, const char *s)
{
    if (strpbrk(s, ",\"\r\n")) {
        fputc('"', f);
        for (; *s; s++) {
            if (*s == '"')
                fputc('"', f);
            fputc(*s, f);
        }
        fputc('"', f);
    } else {
        fputs(s, f);
    }
}

/* PREFIX-<id>.csv; characters that cannot be in a file name become '_'. A
 * table without an id is named by its 1-based position: PREFIX-table3.csv. */
static char *csv_path(const char *prefix, const nb_table *t, int index)
{
    char num[32];
    const char *id = t->id && *t->id ? t->id : NULL;
    size_t n;
    char *p, *name;

    if (!id) {
        snprintf(num, sizeof num, "table%d", index + 1);
        id = num;
    }
    n = strlen(prefix) + 1 + strlen(id) + 5;
    if (!(p = malloc(n)))
        return NULL;
    snprintf(p, n, "%s-%s.csv", prefix, id);
    for (name = p + strlen(prefix) + 1; *name && strcmp(name, ".csv") != 0; name++) {
        if (*name == '/' || *name == '\\' || (unsigned char)*name < 0x20)
            *name = '_';
    }
    return p;
}

static int csv_table(const nb_table *t, const char *path, char *err, size_t errlen)
{
    int *owner = grid_owner_map(t, err, errlen);
    FILE *f;

    if (!owner)
        return err_prefix(path, err, errlen);
    if (!(f = out_open(path, err, errlen))) {
        free(owner);
        return -1;
    }
    fputs("\xEF\xBB\xBF", f);
    for (int r = 0; r < t->nrows && t->ncols > 0; r++) {
        for (int c = 0; c < t->ncols; c++) {
            if (c > 0)
                fputc(',', f);
            csv_field(f, grid_text(t, owner, r, c));
        }
        fputs("\r\n", f);
    }
    free(owner);
    return out_close(f, path, err, errlen);
}

int nb_export_csv(const nb_doc *doc, const char *prefix, char *err, size_t errlen)
{
    for (int i = 0; i < doc->ntables; i++) {
        char *path = csv_path(prefix, &doc->tables[i], i);
        int rc;
        if (!path) {
            snprintf(err, errlen, "%s: out of memory", prefix);
            return -1;
        }
        for (int j = 0; j < i; j++) {
            char *other = csv_path(prefix, &doc->tables[j], j);
            int same = other && strcmp(other, path) == 0;
            free(other);
            if (same) {
                snprintf(err, errlen, "%s: two tables would be written to this file (tables %d and %d)",
                         path, j + 1, i + 1);
                free(path);
                return -1;
            }
        }
        rc = csv_table(&doc->tables[i], path, err, errlen);
        free(path);
        if (rc != 0)
            return -1;
    }
    return 0;
}

/* ---- JSON ------------------------------------------------------------- */

static void json_string(FILE *f, const char *s)
{
    fputc('"', f);
    for (; *s; s++) {
        unsigned char ch = (unsigned char)*s;
        switch (ch) {
        case '"': fputs("\\\"", f); break;
        case '\\': fputs("\\\\", f); break;
        case '\n': fputs("\\n", f); break;
        case '\r': fputs("\\r", f); break;
        case '\t': fputs("\\t", f); break;
        case '\b': fputs("\\b", f); break;
        case '\f': fputs("\\f", f); break;
        default:
            if (ch < 0x20)
                fprintf(f, "\\u%04x", ch);
            else
                fputc(ch, f);
            break;
        }
    }
    fputc('"', f);
}

static void json_string_or_null(FILE *f, const char *s)
{
    if (s)
        json_string(f, s);
    else
        fputs("null", f);
}

/* A number: money as shown (two decimals, trailing zeros trimmed: 21350.46,
 * 12.5, 7), other decimals in their shortest exact form. */
static void json_number(FILE *f, const nb_cell *c)
{
    char buf[64];
    double v = c->num;

    if (!isfinite(v)) {
        fputs("null", f);
        return;
    }
    if (c->fmt == NB_FMT_MONEY || c->fmt == NB_FMT_MONEY_UNIT) {
        char *end;
        snprintf(buf, sizeof buf, "%.2f", v);
        end = buf + strlen(buf);
        while (end > buf && end[-1] == '0')
            *--end = '\0';
        if (end > buf && end[-1] == '.')
            *--end = '\0';
        if (strcmp(buf, "-0") == 0)
            strcpy(buf, "0");
    } else if (v == 0) {
        strcpy(buf, "0");
    } else {
        for (int prec = 1; prec <= 17; prec++) {
            snprintf(buf, sizeof buf, "%.*g", prec, v);
            if (strtod(buf, NULL) == v)
                break;
        }
    }
    fputs(buf, f);
}

static void json_value(FILE *f, const nb_cell *c)
{
    switch (c->type) {
    case NB_V_INT:
        fprintf(f, "%lld", c->i);
        break;
    case NB_V_NUM:
        json_number(f, c);
        break;
    case NB_V_TEXT:
        json_string(f, str_or_empty(c->text));
        break;
    default:
        fputs("null", f);
        break;
    }
}

/* The JSON row key of cell (r, c): its own, else its grid row's. */
static const char *json_row_key(const nb_table *t, int r, int c)
{
    const nb_cell *cell = grid_cell(t, r, c);
    if (cell->row)
        return cell->row;
    return t->row_keys ? t->row_keys[r] : NULL;
}

/* Rejects duplicate keys, which would make the JSON ambiguous. */
static int json_keys_unique(const nb_doc *doc, char *err, size_t errlen)
{
    for (int i = 0; i < doc->ntables; i++) {
        const nb_table *t = &doc->tables[i];
        if (!t->id)
            continue;
        for (int j = 0; j < i; j++) {
            if (doc->tables[j].id && strcmp(doc->tables[j].id, t->id) == 0) {
                snprintf(err, errlen, "duplicate table id '%s' (tables %d and %d)", t->id, j + 1, i + 1);
                return 0;
            }
        }
        size_t n = (size_t)t->nrows * (size_t)t->ncols;
        for (size_t a = 0; a < n; a++) {
            int r = (int)(a / (size_t)t->ncols), c = (int)(a % (size_t)t->ncols);
            const char *rk = json_row_key(t, r, c), *key = grid_cell(t, r, c)->key;
            if (!rk || !key)
                continue;
            for (size_t b = 0; b < a; b++) {
                int r2 = (int)(b / (size_t)t->ncols), c2 = (int)(b % (size_t)t->ncols);
                const char *rk2 = json_row_key(t, r2, c2), *key2 = grid_cell(t, r2, c2)->key;
                if (rk2 && key2 && strcmp(rk, rk2) == 0 && strcmp(key, key2) == 0) {
                    snprintf(err, errlen, "table '%s': row '%s' has column key '%s' twice",
                             t->id, rk, key);
                    return 0;
                }
            }
        }
    }
    return 1;
}

/* "tables": tables with an id; rows by key in order of first appearance;
 * in each, the cells with a key, in grid order. */
static void json_tables(FILE *f, const nb_doc *doc)
{
    int first_table = 1;

    fputs("  \"tables\": {", f);
    for (int i = 0; i < doc->ntables; i++) {
        const nb_table *t = &doc->tables[i];
        int first_row = 1;
        if (!t->id)
            continue;
        fputs(first_table ? "\n    " : ",\n    ", f);
        first_table = 0;
        json_string(f, t->id);
        fputs(": {", f);
        size_t n = (size_t)t->nrows * (size_t)t->ncols;
        for (size_t a = 0; a < n; a++) {
            int r = (int)(a / (size_t)t->ncols), c = (int)(a % (size_t)t->ncols);
            const char *rk = json_row_key(t, r, c);
            if (!rk)
                continue;
            /* Only at the first appearance of the row key (with or without cells). */
            int seen = 0;
            for (size_t b = 0; b < a && !seen; b++) {
                const char *rk2 = json_row_key(t, (int)(b / (size_t)t->ncols), (int)(b % (size_t)t->ncols));
                seen = rk2 && strcmp(rk2, rk) == 0;
            }
            if (seen)
                continue;
            int first_cell = 1;
            fputs(first_row ? "\n      " : ",\n      ", f);
            first_row = 0;
            json_string(f, rk);
            fputs(": {", f);
            for (size_t b = a; b < n; b++) {
                int r2 = (int)(b / (size_t)t->ncols), c2 = (int)(b % (size_t)t->ncols);
                const nb_cell *cell = grid_cell(t, r2, c2);
                const char *rk2 = json_row_key(t, r2, c2);
                if (!cell->key || !rk2 || strcmp(rk2, rk) != 0)
                    continue;
                fputs(first_cell ? "\n        " : ",\n        ", f);
                first_cell = 0;
                json_string(f, cell->key);
                fputs(": ", f);
                json_value(f, cell);
            }
            fputs(first_cell ? "}" : "\n      }", f);
        }
        fputs(first_row ? "}" : "\n    }", f);
    }
    fputs(first_table ? "},\n" : "\n  },\n", f);
}

static void json_check(FILE *f, const nb_check *k)
{
    fputs("    {\n      \"id\": ", f);
    json_string_or_null(f, k->id);
    fputs(",\n      \"severity\": ", f);
    json_string_or_null(f, k->severity);
    fputs(",\n      \"title\": ", f);
    json_string_or_null(f, k->title);
    fputs(",\n      \"formula\": ", f);
    json_string_or_null(f, k->formula);
    fputs(",\n      \"left\": ", f);
    json_value(f, &k->left);
    fputs(",\n      \"right\": ", f);
    json_value(f, &k->right);
    fputs(",\n      \"status\": ", f);
    json_string_or_null(f, k->status);
    fputs(",\n      \"evidence\": [", f);
    for (int e = 0; e < k->nevidence; e++) {
        fputs(e ? ",\n        " : "\n        ", f);
        json_string_or_null(f, k->evidence[e]);
    }
    fputs(k->nevidence > 0 ? "\n      ]" : "]", f);
    if (k->message) {
        fputs(",\n      \"message\": ", f);
        json_string(f, k->message);
    }
    fputs("\n    }", f);
}

int nb_export_json(const nb_doc *doc, const char *path, char *err, size_t errlen)
{
    FILE *f;

    if (!json_keys_unique(doc, err, errlen))
        return err_prefix(path, err, errlen);
    if (!(f = out_open(path, err, errlen)))
        return -1;
    fputs("{\n  \"body\": ", f);
    json_string_or_null(f, doc->body);
    fprintf(f, ",\n  \"year\": %d,\n  \"format\": ", doc->year);
    json_string_or_null(f, doc->format);
    fputs(",\n", f);
    json_tables(f, doc);
    fputs("  \"checks\": [", f);
    for (int i = 0; i < doc->nchecks; i++) {
        fputs(i ? ",\n" : "\n", f);
        json_check(f, &doc->checks[i]);
    }
    fputs(doc->nchecks > 0 ? "\n  ]\n}\n" : "]\n}\n", f);
    return out_close(f, path, err, errlen);
}
