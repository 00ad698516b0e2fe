/* export_md.c - the Markdown exporter: headings, paragraphs and GFM tables.
 *
 * Merged cells: a merge's text is written at its top-left cell and the
 * covered cells stay empty; the first grid row is the GFM header row. The
 * check results are not written (a check file is a document of its own).
 * Depends on libc. */
#include "export.h"
#include "export_grid.h"
#include "export_util.h"

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
static nb_err md_table(FILE *f, const nb_table *t, char *err, size_t errlen)
{
    int *owner;
    nb_err rc = grid_owner_map(t, &owner, err, errlen);

    if (rc != NB_OK)
        return rc;
    for (int r = 0; r < t->nrows && t->ncols > 0; r++) {
        for (int c = 0; c < t->ncols; c++)
            md_cell(f, grid_text(t, owner, r, c));
        fputs("|\n", f);
        if (r == 0)
            md_delimiter(f, t, owner);
    }
    free(owner);
    return NB_OK;
}

static void md_heading(FILE *f, const nb_block *blk)
{
    fputs(blk->level <= 1 ? "## " : "### ", f);
    nb_put_lines(f, str_or_empty(blk->text), " ");
    fputc('\n', f);
}

/* The title, the blocks. */
static nb_err md_write(FILE *f, const nb_doc *doc, char *err, size_t errlen)
{
    nb_err rc = NB_OK;

    fputs("# ", f);
    nb_put_lines(f, str_or_empty(doc->title), " ");
    fputc('\n', f);
    for (int b = 0; b < doc->nblocks && rc == NB_OK; b++) {
        const nb_block *blk = &doc->blocks[b];
        const char *caption;
        fputc('\n', f);
        switch (blk->type) {
        case NB_BLOCK_HEADING:
            md_heading(f, blk);
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
            rc = md_table(f, &doc->tables[blk->table], err, errlen);
            break;
        }
    }
    return rc;
}

nb_err nb_export_md(const nb_doc *doc, const char *path, char *err, size_t errlen)
{
    return nb_export_stream(doc, path, md_write, err, errlen);
}
