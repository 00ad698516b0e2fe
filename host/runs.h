/* runs.h - the history of regenerations and the fingerprint of what a report is made of.
 *
 * Each regenerated report is a run: its body, year, format, the hash of its output, its
 * checks by rule (status and counts, with the rule file and its hash), and its cells (the
 * latest run's only, kept for the next run's list of changes). The digest of a body is
 * the SHA-256 of everything of it that a report reads: its records of every kind, its
 * narratives, stored scripts, imported figures and declared years. Depends on store.h,
 * codes.h, hash.h; no Lua. */
#ifndef NB_RUNS_H
#define NB_RUNS_H

#include <stdint.h>

#include "hash.h"
#include "codes.h"
#include "doc.h"
#include "store.h"

typedef struct {
    const char *rule, *severity, *status, *file, *hash;
    long pass, fail, na;
} nb_run_check;

typedef struct {
    const char *tbl, *row, *col, *text; /* text NULL: a blank cell */
} nb_run_value;

/* Records a run of BODY for YEAR: the run and its checks, and the cells VALUES replace
 * the body's cells of that year (of a key given twice, the last); one transaction. *ID
 * gets the run's id. The cells of a body and year are kept as one text (run_cells): a
 * line for each, in key order, so that a run that changes no cell writes none. */
nb_err nb_run_put(nb_store *s, int64_t body, int year, const char *format, const char *data,
                  const nb_run_check *checks, int nchecks, const nb_run_value *values,
                  int nvalues, int64_t *id, char *err, size_t errlen);

/* The data cells of DOC as a run keeps them (nb_run_put's VALUES): every cell with a column
 * key and a row key (its own, else its grid row's) that is not a header, each key once (its
 * first cell: what every format prints for it), in the document's order; TEXT the display
 * text, NULL for a blank. *OUT (the caller frees it) points into DOC. NB_ERR_NOMEM. */
nb_err nb_run_values_of_doc(const nb_doc *doc, nb_run_value **out, int *n, char *err, size_t errlen);

/* The cells kept of the last run of BODY for YEAR, in key order: *OUT gets *N of them
 * (none when the body has no run of that year), pointing into *TEXT; the caller frees
 * both. NB_ERR_INPUT when the kept text is damaged (the message names the body, year and
 * line), NB_ERR_NOMEM, NB_ERR_SQL. */
nb_err nb_run_cells(nb_store *s, int64_t body, int year, nb_run_value **out, int *n, char **text,
                    char *err, size_t errlen);

/* The digest of each body: *HEX gets N entries of NB_HASH_HEX bytes, indexed like *IDS
 * (the body ids, ascending). Both the caller's to free. A body's digest is the SHA-256 of
 * the hash of its records of each kind it holds (in the catalogue's order: the kind's name
 * and the SHA-256 of its rows in rid order), then of its narratives, stored scripts,
 * imported figures and declared years; a body that holds nothing has the digest of
 * nothing. The hash of a body's records of a kind is kept in the store until they change
 * (table digest, schema step 6; carried on by a transaction that only adds records,
 * nb_digest_carry): only the pairs without one read their rows, by the rid
 * ranges of their packed parts (every body and none kept: one pass over the table). KEEP:
 * the hashes computed are stored, in a transaction of their own, when the store is
 * writable here and not inside the caller's transaction (a failure to store them is not
 * an error). ONLY[0..NONLY) (any order, repeats allowed; ids that name no body are left
 * out): those bodies alone; ONLY NULL: every body. A body's digest is the same either
 * way. Everything is read in one transaction. */
nb_err nb_body_digests(nb_store *s, const int64_t *only, int nonly, int keep, int64_t **ids,
                       char **hex, int *n, char *err, size_t errlen);

/* The records of BODY of kind K changed (inside the caller's transaction): raises the
 * pair's gen and forgets its kept hash. nb_pack_sync calls it for every pair it wrote. */
nb_err nb_digest_forget(nb_store *s, const nb_kind *k, int64_t body, char *err, size_t errlen);

/* A value of a row as the store holds it. */
typedef struct {
    int type;          /* SQLITE_NULL, SQLITE_INTEGER or SQLITE_TEXT */
    int64_t i;         /* the integer */
    const char *t;     /* the text, LEN bytes */
    size_t len;
} nb_dvalue;

/* Adds one row of kind K, its id and fields V[0..N) (as stored), to H as the hash of a
 * body's records reads it from the rows. */
void nb_digest_row(nb_hash *h, const nb_kind *k, const nb_dvalue *v, int n);

/* What a record's digest hashes of its source: NB_SOURCE_DIGEST bytes of the SHA-256 of
 * the source's PATH and HEADER (NULL: none), made once a source rather than hashing them
 * with every record (some 100 bytes a record: a tenth of an import). */
#define NB_SOURCE_DIGEST 16
void nb_source_digest(const char *path, const char *header, unsigned char *out);

/* The source digest of source SRC read from the store; NB_OK, or an error in ERR. */
nb_err nb_source_digest_of(nb_store *s, int64_t src, unsigned char *out, char *err, size_t errlen);

/* The hash kept for (K, BODY), when there is one with the state it was made in: *STATE
 * is the hash of the pair's records so far, to carry on (nb_digest_carry). Returns 1 when
 * so, 0 when none is kept, -1 and ERR on a store error. */
int nb_digest_state(nb_store *s, const nb_kind *k, int64_t body, nb_hash *state, char *err,
                    size_t errlen);

/* The records of BODY of kind K changed by records added after the others alone, every one
 * of them added to STATE (carried on from nb_digest_state, or from a new hash when the pair
 * had no records): raises the pair's gen and keeps the hash STATE gives, with STATE (inside
 * the caller's transaction). nb_pack_sync calls it instead of nb_digest_forget: an import
 * of new records reads none of the body's records again, now or at the next regeneration. */
nb_err nb_digest_carry(nb_store *s, const nb_kind *k, int64_t body, const nb_hash *state,
                       char *err, size_t errlen);

/* Forgets every kept hash (init --repack; a step that adds a column to a kind). */
nb_err nb_digest_forget_all(nb_store *s, char *err, size_t errlen);

/* Compares every kept hash, and the state kept with it, with one computed from the rows
 * (all of a kind's, in one pass, not by the packs' ranges): *BAD counts the pairs that
 * differ, WHY says the first. */
nb_err nb_digest_verify(nb_store *s, long *bad, char *why, size_t whylen, char *err,
                        size_t errlen);

/* The digest of the program that makes reports, into HEX (NB_HASH_HEX bytes): the SHA-256
 * of the bytes of EXE (the running executable: /proc/self/exe; NULL: none) and of each of
 * MODULES[0..NMODULES) (nianbao-publish.so, which lays out the PDF, and nianbao-read.so,
 * which a body's rules may read pages with; NULL: none), then of each
 * Lua file under HOME/lib and HOME/scripts (the modules and scripts it runs), by path in
 * byte order, each as its path below HOME, a NUL and the SHA-256 of its bytes. Two builds
 * or two homes that differ in any of them differ (a regeneration leaves a report as it is
 * only when the program that made it is this one). NB_ERR_IO, naming the path, when one
 * cannot be read; NB_ERR_NOMEM. */
nb_err nb_program_digest(const char *exe, const char *const *modules, int nmodules,
                         const char *home, char *hex, char *err, size_t errlen);

/* The digest of the fonts a PDF may be laid out with, into HEX: the path, size and time of
 * change of every file under the folders DIRS[0..N) (fontconfig's configuration and the
 * font folders; one that is not there adds its name alone), folders in byte order, at
 * most 8 levels and 200,000 files deep. A font installed, removed or replaced changes it,
 * as does a changed configuration. */
void nb_fonts_digest(const char *const *dirs, int n, char *hex);

/* The folders fontconfig reads its configuration and fonts from here, into OUT[0..MAX):
 * FONTCONFIG_FILE and FONTCONFIG_PATH when set, /etc/fonts, the system's and the local
 * font folders, the user's (~/.fonts, $XDG_DATA_HOME/fonts, $XDG_CONFIG_HOME/fontconfig).
 * Returns how many. */
int nb_font_folders(char (*out)[4096], int max);

#endif
