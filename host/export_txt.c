/* export_txt.c - the plain-text exporter: the seed report's pipe-row style.
 *
 * Merged cells: a merge's text is written at its top-left cell and the
 * covered cells stay empty. The check results are not written (a check file
 * is a document of its own). Depends on libc. */
#include "export.h"
#include "export_grid.h"
#include "export_util.h"

#include <stdio.h>
#include <stdlib.h>

/* One table row as "a | b | c |" (the seed report's pipe-row style). */
static nb_err txt_table(FILE *f, const nb_table *t, char *err, size_t errlen)
{
    int *owner;
    nb_err rc = grid_owner_map(t, &owner, err, errlen);

    if (rc != NB_OK)
        return rc;
    for (int r = 0; r < t->nrows && t->ncols > 0; r++) {
        for (int c = 0; c < t->ncols; c++) {
            if (c > 0)
                fputc(' ', f);
            nb_put_lines(f, grid_text(t, owner, r, c), " ");
            fputs(" |", f);
        }
        fputc('\n', f);
    }
    free(owner);
    return NB_OK;
}

/* The title, the blocks. */
static nb_err txt_write(FILE *f, const nb_doc *doc, char *err, size_t errlen)
{
    nb_err rc = NB_OK;

    nb_put_lines(f, str_or_empty(doc->title), " ");
    fputs("\n\n", f);
    for (int b = 0; b < doc->nblocks && rc == NB_OK; b++) {
        const nb_block *blk = &doc->blocks[b];
        const char *caption;
        switch (blk->type) {
        case NB_BLOCK_HEADING:
            nb_put_lines(f, str_or_empty(blk->text), " ");
            fputc('\n', f);
            break;
        case NB_BLOCK_PARA:
            nb_put_lines(f, str_or_empty(blk->text), "\n");
            fputc('\n', f);
            break;
        case NB_BLOCK_TABLE:
            if ((caption = nb_table_caption(doc, b))) {
                nb_put_lines(f, caption, " ");
                fputc('\n', f);
            }
            rc = txt_table(f, &doc->tables[blk->table], err, errlen);
            break;
        }
    }
    return rc;
}

nb_err nb_export_txt(const nb_doc *doc, const char *path, char *err, size_t errlen)
{
    return nb_export_stream(doc, path, txt_write, err, errlen);
}
