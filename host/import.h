/* import.h - import of record files (CSV, XLSX) and narrative texts into the store.
 *
 * Reads rows with reader.c, maps headers to fields (canonical names, Chinese
 * aliases, mapping aliases), codes categorical values (national code, label,
 * known variant, or the body's mapping), validates every row and writes all
 * rows in one transaction, or none. Depends on store.h, reader.h, codes.h;
 * no Lua (the mapping script is compiled into an nb_mapping by lua_import.c). */
#ifndef NB_IMPORT_H
#define NB_IMPORT_H

#include <stdio.h>

#include "store.h"

/* Local values and header aliases of one body, for every kind and field. */
typedef struct {
    nb_strmap values;  /* "kind\037field\037local" -> index into codes */
    nb_strmap aliases; /* "kind\037header" -> index into fields */
    char **strs;       /* owned strings: national codes and field names */
    int nstrs;
} nb_mapping;

void nb_mapping_init(nb_mapping *m);
void nb_mapping_free(nb_mapping *m);
/* Maps LOCAL to national CODE for KIND.FIELD. Returns 0, or -1 with a reason
 * in ERR (unknown kind or field, field not categorical, code not national). */
int nb_mapping_value(nb_mapping *m, const char *kind, const char *field, const char *local,
                     const char *code, char *err, size_t errlen);
/* Declares HEADER as an alias of KIND.FIELD. Returns 0 or -1 with ERR. */
int nb_mapping_alias(nb_mapping *m, const char *kind, const char *header, const char *field,
                     char *err, size_t errlen);

typedef struct {
    const char *path;      /* file to read */
    const char *sheet;     /* XLSX sheet name or NULL */
    const char *kind;      /* record kind name */
    const char *body;      /* body name; created when new */
    int dry_run;           /* validate and count, write nothing */
    const nb_mapping *map; /* may be NULL */
    FILE *msgs;            /* row messages (stderr) */
    int max_messages;      /* row messages shown before "... N more" (0: 50) */
    int progress;          /* show a progress line on msgs (a terminal) */
} nb_import_opts;

typedef struct {
    long read, inserted, updated, refused;
    long removed;      /* id-less rows of an earlier import of the same file, now gone */
    int body_created;
} nb_import_stats;

/* Imports one file. Returns NB_OK when every row was accepted (and, unless
 * dry_run, written); NB_ERR_INPUT when rows were refused (messages written to
 * opts->msgs; nothing written); other errors with a message in ERR. */
nb_err nb_import(nb_store *s, const nb_import_opts *o, nb_import_stats *st, char *err,
                 size_t errlen);

/* Imports a Markdown narrative for BODY and YEAR (YEAR 0: taken from a
 * four-digit number in the file name). */
nb_err nb_import_text(nb_store *s, const char *path, const char *body, int year, int dry_run,
                      char *err, size_t errlen);

/* Stores a Lua script file (ROLE "rules" or "layout") for BODY; the name
 * kept is the file's base name. (The caller checks that it compiles.) */
nb_err nb_import_script(nb_store *s, const char *path, const char *body, const char *role,
                        int dry_run, char *err, size_t errlen);

#endif
