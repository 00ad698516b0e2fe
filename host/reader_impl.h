/* reader_impl.h - what the reader's files share (reader.c, reader_csv.c, reader_xlsx.c).
 *
 * Private to the reader: callers use reader.h. reader.c opens the file and
 * hands the descriptor to the kind's open function, which extends the common
 * struct nb_reader (its first member) with its own state. No Lua. */
#ifndef NB_READER_IMPL_H
#define NB_READER_IMPL_H

#include <stddef.h>

#include "reader.h"

/* The part of a reader common to both kinds. */
struct nb_reader {
    const char *encoding; /* what nb_reader_encoding returns */
    int fd;               /* the file (a regular one); -1 when closed */
    char **fields;        /* the row handed out by nb_reader_next */
    size_t fields_cap;
    /* The kind's nb_reader_next (*nfields and *fields already cleared). */
    nb_err (*next)(nb_reader *r, size_t *nfields, char ***fields, long *line, char *err,
                   size_t errlen);
    /* Frees what the kind added; nb_reader_close frees the rest. */
    void (*free)(nb_reader *r);
    /* A workbook's sheets (nb_reader_sheets), NULL for a kind without sheets. */
    size_t (*sheets)(const nb_reader *r, char *out, size_t outlen);
    /* The name of a workbook's sheet I (nb_reader_sheet), NULL for a kind without sheets. */
    const char *(*sheet)(const nb_reader *r, size_t i);
    /* Whether sheet I is hidden (nb_reader_sheet_hidden), NULL for a kind without sheets. */
    int (*sheet_hidden)(const nb_reader *r, size_t i);
    /* The rows read ahead in a thread of their own (nb_reader_read_ahead), or NULL. */
    struct nb_reader_ahead *ahead;
};

/* Open FD (a regular file, positioned at its start) as CSV or XLSX. They own
 * FD from the call on: on failure it is closed and *OUT is NULL. Errors as
 * nb_reader_open's. */
nb_err nb_csv_open(int fd, nb_reader **out, char *err, size_t errlen);
nb_err nb_xlsx_open(int fd, const char *sheet, nb_reader **out, char *err, size_t errlen);

/* Reads R's rows ahead in a thread of their own from now on, a batch at a time (its
 * kind's next runs there, and nothing else of R until nb_reader_close joins it): the
 * caller codes one batch while the next is read. When no thread or memory can be had,
 * R reads in the caller's thread as before. */
void nb_reader_read_ahead(nb_reader *r);

/* Bytes of a workbook's shared strings held in memory (their texts and offsets); the
 * texts past it go to a temporary file (reader_xlsx.c). 16 MiB; tests lower it. */
extern size_t nb_xlsx_sst_in_memory;

/* Blocks of that file read back so far, by every reader (for the tests). */
long nb_xlsx_blocks_read(void);

/* Formats a message into ERR (nothing if ERR is NULL or ERRLEN is 0). */
void nb_reader_seterr(char *err, size_t errlen, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* Returns P (an array of SIZE-byte elements, capacity *CAP, USED in use)
 * reallocated to hold N more, or NULL if out of memory (P is then unchanged). */
void *nb_reader_grow(void *p, size_t *cap, size_t used, size_t n, size_t size);

/* Makes room for N fields in R->fields; returns 0 or -1 (out of memory). */
int nb_reader_fields_reserve(nb_reader *r, size_t n);

#endif
