/* export_util.h - private helpers shared by the exporters (export_*.c): output files,
 * document checks and text lines.
 *
 * Not part of the public interface (doc.h). Depends on libc only. */
#ifndef NB_EXPORT_UTIL_H
#define NB_EXPORT_UTIL_H

#include <stddef.h>
#include <stdio.h>

#include "doc.h"

/* Opens PATH for writing; NULL with "PATH: reason" in ERR. */
FILE *nb_out_open(const char *path, char *err, size_t errlen);

/* Closes F; reports a write error (ferror or fclose) on PATH. Returns 0 or -1. */
int nb_out_close(FILE *f, const char *path, char *err, size_t errlen);

/* Prefixes the message in ERR with PATH; returns -1. */
int nb_out_err_prefix(const char *path, char *err, size_t errlen);

/* Abandons F after an error already described in ERR (without the path). */
int nb_out_fail(FILE *f, const char *path, char *err, size_t errlen);

/* Checks that every table block names an existing table (1), else 0 with a message. */
int nb_blocks_valid(const nb_doc *doc, char *err, size_t errlen);

/* The caption to print before table block B, or NULL when the table has no
 * title or the block right before it is a heading with the same text. */
const char *nb_table_caption(const nb_doc *doc, int b);

/* Writes S with newlines turned into NL (CRs dropped). */
void nb_put_lines(FILE *f, const char *s, const char *nl);

static inline const char *str_or_empty(const char *s)
{
    return s ? s : "";
}

#endif
