/* import.h - bulk import of a record file (CSV, XLSX) into the store, in one transaction.
 *
 * Reads rows with reader.c, validates and codes them with coder.c, writes
 * them with writer.c: every row or none. Problems go to the caller's
 * diagnostics callback as they are found (err.h). Depends on store.h,
 * reader.h, coder.h, writer.h, mapping.h; no Lua. */
#ifndef NB_IMPORT_H
#define NB_IMPORT_H

#include "mapping.h"
#include "store.h"

/* A file of at least this many bytes is imported through a rollback journal
 * (nb_store_bulk): its transaction is then mostly new pages, written once. */
#define NB_BULK_BYTES ((long long)4 << 20)

/* What an import replaces besides the rows it updates (nianbao import --replace). */
enum {
    NB_REPLACE_NONE = 0, /* rows not in the file stay (but an id-less file's own earlier rows) */
    NB_REPLACE_SAME = 1, /* the body's rows of the kind from files of this name, in any folder */
    NB_REPLACE_ALL = 2   /* all the body's rows of the kind */
};

typedef struct {
    const char *path;      /* file to read */
    const char *sheet;     /* XLSX sheet name or NULL */
    const char *kind;      /* record kind name */
    const char *body;      /* body name, created when new; NULL when the file names each
                              row's body in a body column (then, when given, each row's
                              body must be this one) */
    const char *parent;    /* NULL, or the body's parent (created when new), set in the
                              same transaction and checked before anything is written */
    int dry_run;           /* validate and count, write nothing */
    int cover_year;        /* 0, or a year whose records of the kind this file holds in full
                              (each body of the file): there, no records counts 0 */
    int replace;           /* NB_REPLACE_*: rows of the body (each body of the file) that
                              the file does not bring are removed, in the same transaction */
    const nb_mapping *map; /* may be NULL */
    nb_diag_fn diag;       /* every problem found, as it is found (may be NULL) */
    void *diag_ud;
    void (*progress)(void *ud, long rows); /* every 100,000 rows read (may be NULL) */
    void *progress_ud;
    void (*created)(void *ud, const char *body); /* each body the import creates (may be
                                                    NULL; undone with a failed import) */
    void *created_ud;
} nb_import_opts;

typedef struct {
    long read, inserted, updated, refused;
    long unchanged;    /* rows exactly as an earlier import of this file wrote them: not
                          written again */
    long removed;      /* rows gone: of an earlier import of the same id-less file, and
                          those --replace removed */
    int body_created;  /* bodies created */
    int problems;      /* diagnostics given (notes not counted) */
    int copy;          /* 1: the file refused as a copy of another one (NB_ERR_INPUT, ERR
                          says which): a refused file, not a failure of the command */
    char digest[65];   /* the file's digest when it was checked for copies (its rows known
                          by FILE:LINE), else "" */
} nb_import_stats;

/* Imports one file. NB_OK when every row was accepted (and, unless dry_run,
 * written); NB_ERR_INPUT when the file or rows were refused (the reasons given
 * to opts->diag, a summary in ERR; nothing written); other errors with a
 * message in ERR, nothing written. Rows without an id (kinds whose id is
 * optional) are named "PATH:LINE"; a file is known by its canonical path, so
 * importing it again, however its path is spelt, replaces its earlier rows. */
nb_err nb_import(nb_store *s, const nb_import_opts *o, nb_import_stats *st, char *err,
                 size_t errlen);

/* Files of several files' import committed together: up to this many bytes of files in
 * one transaction. */
#define NB_GROUP_BYTES ((long long)64 << 20)

/* After file I of nb_import_files: its outcome as nb_import's (RC, ST, ERR), in its group's
 * transaction, not yet committed. Returns 0 to go on, nonzero to stop after this file. */
typedef int (*nb_import_each_fn)(void *ud, int i, nb_err rc, const nb_import_stats *st,
                                 const char *err);

/* The signal (SIGINT, SIGTERM) that stopped an import of this process, or 0. The imports
 * after it fail at once (NB_ERR_INTERRUPTED); the command should end by it (main.c). */
int nb_import_stopped(void);

/* Imports the N files PATHS with the options O (its path ignored), each all or none as
 * nb_import makes it, and hands each outcome to EACH. The files are committed together in
 * groups of up to NB_GROUP_BYTES (one transaction, each file a savepoint in it): a hundred
 * small files write the store about once where a transaction each wrote it about five
 * times. A refused file is undone alone; the others of its group are kept. A dry run
 * imports each file by itself. When EACH stops the import, the files before are committed.
 * NB_OK when every group committed (the files' own outcomes went to EACH); otherwise the
 * failure that undid a group, ERR naming the files undone with it (their outcomes, given
 * to EACH, did not last), nothing of that group written, and no file after it imported. */
nb_err nb_import_files(nb_store *s, const nb_import_opts *o, const char *const *paths, int n,
                       nb_import_each_fn each, void *ud, char *err, size_t errlen);

#endif
