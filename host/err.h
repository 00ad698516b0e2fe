/* err.h - the error contract of the core: status codes, their text, and diagnostics.
 *
 * Every core function that can fail returns an nb_err and, where it takes
 * one, writes a message naming what and where into a caller's buffer
 * (char *err, size_t errlen): the file and line, the table or field, and the
 * library's own text (sqlite3_errmsg, strerror). Problems found
 * in input data (a refused row, an unknown value) are not errors of the call
 * but diagnostics: the validating code hands each one, structured, to the
 * caller's nb_diag_fn, which prints, counts or keeps it. No dependencies. */
#ifndef NB_ERR_H
#define NB_ERR_H

#include <stddef.h>

typedef enum {
    NB_OK = 0,
    NB_ERR_NOMEM,    /* out of memory */
    NB_ERR_IO,       /* cannot open, read or write a file */
    NB_ERR_SQL,      /* SQLite failed; the message has sqlite3_errmsg */
    NB_ERR_VERSION,  /* store written by a newer nianbao */
    NB_ERR_NOSTORE,  /* no store at the path, or not a nianbao store */
    NB_ERR_NOTFOUND, /* a named thing (body, record, sheet) does not exist */
    NB_ERR_INPUT,    /* bad input data; the message or the diagnostics say why */
    NB_ERR_OLD,      /* store of an older schema: 'nianbao init' brings it up to date */
    NB_ERR_BUSY,     /* the store stayed locked by another process */
    NB_ERR_LIMIT,    /* a size or time limit was reached */
    NB_ERR_INTERRUPTED, /* stopped by the user (Ctrl-C, SIGTERM) */
    NB_DONE          /* not an error: no more rows */
} nb_err;

/* A short English text for E ("out of memory"); never NULL. */
const char *nb_strerror(nb_err e);

/* The user's request to stop (Ctrl-C, SIGTERM) while an import runs: noted by its signal
 * handler (nb_stop_note only writes a flag: safe there), read by the import's row loop and
 * by the store's wait for a lock, which give up at once. nb_stop_signal: the signal, or 0. */
void nb_stop_note(int sig);
int nb_stop_signal(void);

/* One problem in input data, as found by validation. Strings are owned by
 * the caller of the callback and valid only during the call. */
typedef struct {
    const char *file;   /* data file (or "SCRIPT:LINE" of store:insert) */
    long line;          /* 1-based line or sheet row; 0 for the whole file */
    const char *field;  /* canonical field name, or NULL */
    const char *reason; /* what is wrong, e.g. "before received 2020-03-05" */
    const char *value;  /* the value as given, or NULL */
    int note;           /* 1: for information (a column kept only in the raw
                           values), not a reason to refuse anything */
} nb_diag;

/* Receives each diagnostic; UD is the caller's. */
typedef void (*nb_diag_fn)(void *ud, const nb_diag *d);

/* Writes D as one line, "FILE:LINE: field 'F': REASON (VALUE)" (parts that
 * are absent left out), into OUT. Returns the length it needed, as snprintf. */
int nb_diag_format(const nb_diag *d, char *out, size_t outlen);

#endif
