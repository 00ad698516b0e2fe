/* export_util.c - what the text exporters share: output files, document checks, text lines.
 *
 * Private to the exporters (declared in export_util.h). Depends on libc only. */
#include "export_util.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ---- output files ---------------------------------------------------- */

FILE *nb_out_open(const char *path, char *err, size_t errlen)
{
    FILE *f = fopen(path, "wb");
    if (!f)
        snprintf(err, errlen, "%s: %s", path, strerror(errno));
    return f;
}

/* Closes F; reports a write error (ferror or fclose) on PATH. */
int nb_out_close(FILE *f, const char *path, char *err, size_t errlen)
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
int nb_out_err_prefix(const char *path, char *err, size_t errlen)
{
    char msg[512];

    snprintf(msg, sizeof msg, "%s", err);
    snprintf(err, errlen, "%s: %s", path, msg);
    return -1;
}

/* Abandons F after an error already described in ERR (without the path). */
int nb_out_fail(FILE *f, const char *path, char *err, size_t errlen)
{
    fclose(f);
    return nb_out_err_prefix(path, err, errlen);
}

/* ---- the document ----------------------------------------------------- */

/* Checks that every table block names an existing table. */
int nb_blocks_valid(const nb_doc *doc, char *err, size_t errlen)
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
const char *nb_table_caption(const nb_doc *doc, int b)
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
void nb_put_lines(FILE *f, const char *s, const char *nl)
{
    for (; s && *s; s++) {
        if (*s == '\n')
            fputs(nl, f);
        else if (*s != '\r')
            fputc(*s, f);
    }
}

