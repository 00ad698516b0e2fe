/* export_md.c - the Markdown exporter: headings, paragraphs and GFM tables.
 *
 * Merged cells: a merge's text is written at its top-left cell and the
 * covered cells stay empty; the first grid row is the GFM header row. */
#include "export_util.h"
#include "export_grid.h"

#include <stdio.h>
#include <stdlib.h>


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

    if (!nb_blocks_valid(doc, err, errlen))
        return nb_out_err_prefix(path, err, errlen);
    if (!(f = nb_out_open(path, err, errlen)))
        return -1;
    fputs("# ", f);
    nb_put_lines(f, str_or_empty(doc->title), " ");
    fputc('\n', f);
    for (int b = 0; b < doc->nblocks; b++) {
        const nb_block *blk = &doc->blocks[b];
        const char *caption;
        fputc('\n', f);
        switch (blk->type) {
        case NB_BLOCK_HEADING:
            fputs(blk->level <= 1 ? "## " : "### ", f);
            nb_put_lines(f, str_or_empty(blk->text), " ");
            fputc('\n', f);
            break;
        case NB_BLOCK_PARA:
            nb_put_lines(f, str_or_empty(blk->text), "\n");
            fputc('\n', f);
            break;
        case NB_BLOCK_TABLE:
            if ((caption = nb_table_caption(doc, b))) {
                fputs("**", f);
                nb_put_lines(f, caption, " ");
                fputs("**\n\n", f);
            }
            if (md_table(f, &doc->tables[blk->table], err, errlen) != 0)
                return nb_out_fail(f, path, err, errlen);
            break;
        }
    }
    if (doc->nchecks > 0)
        md_checks(f, doc);
    return nb_out_close(f, path, err, errlen);
}
