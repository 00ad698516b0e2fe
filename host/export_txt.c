/* export_txt.c - the plain-text exporter: the seed report's pipe-row style.
 *
 * Merged cells: a merge's text is written at its top-left cell and the
 * covered cells stay empty. The checks follow, one line each. Depends on libc. */
#include "export.h"
#include "export_checks.h"
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

/* "[FAIL] H1 error 标题: 公式 (左 220, 右 219)", then the message and the
 * evidence on indented lines. */
static nb_err txt_check(FILE *f, const nb_check *k, char *err, size_t errlen)
{
    char *evidence = nb_check_evidence(k, " ");

    if (!evidence) {
        snprintf(err, errlen, "out of memory");
        return NB_ERR_NOMEM;
    }
    fprintf(f, "[%s] %s %s ", nb_check_text(k, NB_CHECK_STATUS), nb_check_text(k, NB_CHECK_ID),
            nb_check_text(k, NB_CHECK_SEVERITY));
    nb_put_lines(f, nb_check_text(k, NB_CHECK_TITLE), " ");
    fputs(": ", f);
    nb_put_lines(f, nb_check_text(k, NB_CHECK_FORMULA), " ");
    fputs(" (左 ", f);
    nb_put_lines(f, nb_check_value_text(&k->left, "空白"), " ");
    fputs(", 右 ", f);
    nb_put_lines(f, nb_check_value_text(&k->right, "空白"), " ");
    fputs(")\n", f);
    if (k->message && *k->message) {
        fputs("  " NB_CHECK_MESSAGE ": ", f);
        nb_put_lines(f, k->message, " ");
        fputc('\n', f);
    }
    if (k->nevidence > 0) {
        fputs("  " NB_CHECK_EVIDENCE ": ", f);
        nb_put_lines(f, evidence, " ");
        fputc('\n', f);
    }
    free(evidence);
    return NB_OK;
}

/* The title, the blocks, the checks. */
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
    if (rc == NB_OK && doc->nchecks > 0)
        fputs("\n" NB_CHECK_HEADING "\n", f);
    for (int i = 0; i < doc->nchecks && rc == NB_OK; i++)
        rc = txt_check(f, &doc->checks[i], err, errlen);
    return rc;
}

nb_err nb_export_txt(const nb_doc *doc, const char *path, char *err, size_t errlen)
{
    nb_out o;
    nb_err rc;

    if ((rc = nb_blocks_valid(doc, path, err, errlen)) != NB_OK)
        return rc;
    if ((rc = nb_out_open(&o, path, err, errlen)) != NB_OK)
        return rc;
    if ((rc = txt_write(o.f, doc, err, errlen)) != NB_OK)
        return nb_out_fail(&o, rc, err, errlen);
    return nb_out_finish(&o, err, errlen);
}
