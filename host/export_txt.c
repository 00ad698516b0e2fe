/* export_txt.c - the plain-text exporter: the seed report's pipe-row style.
 *
 * Merged cells: a merge's text is written at its top-left cell and the
 * covered cells stay empty. */
#include "export_util.h"
#include "export_grid.h"

#include <stdio.h>
#include <stdlib.h>

/* Display text of a check value: "空白" for a blank. */
static const char *check_value_text(const nb_cell *c)
{
    if (c->type == NB_V_BLANK)
        return "空白";
    return str_or_empty(c->text);
}



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
            nb_put_lines(f, grid_text(t, owner, r, c), " ");
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
        nb_put_lines(f, str_or_empty(k->title), " ");
        fputs(": ", f);
        nb_put_lines(f, str_or_empty(k->formula), " ");
        fputs(" (左 ", f);
        nb_put_lines(f, check_value_text(&k->left), " ");
        fputs(", 右 ", f);
        nb_put_lines(f, check_value_text(&k->right), " ");
        fputs(")\n", f);
        if (k->message && *k->message) {
            fputs("  说明: ", f);
            nb_put_lines(f, k->message, " ");
            fputc('\n', f);
        }
        if (k->nevidence > 0) {
            fputs("  证据: ", f);
            for (int e = 0; e < k->nevidence; e++) {
                if (e > 0)
                    fputs(", ", f);
                nb_put_lines(f, str_or_empty(k->evidence[e]), " ");
            }
            fputc('\n', f);
        }
    }
}

int nb_export_txt(const nb_doc *doc, const char *path, char *err, size_t errlen)
{
    FILE *f;

    if (!nb_blocks_valid(doc, err, errlen))
        return nb_out_err_prefix(path, err, errlen);
    if (!(f = nb_out_open(path, err, errlen)))
        return -1;
    nb_put_lines(f, str_or_empty(doc->title), " ");
    fputs("\n\n", f);
    for (int b = 0; b < doc->nblocks; b++) {
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
            if (txt_table(f, &doc->tables[blk->table], err, errlen) != 0)
                return nb_out_fail(f, path, err, errlen);
            break;
        }
    }
    if (doc->nchecks > 0)
        txt_checks(f, doc);
    return nb_out_close(f, path, err, errlen);
}
