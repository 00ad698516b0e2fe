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

#include "hash.h"
#include "store.h"

typedef struct {
    const char *rule, *severity, *status, *file, *hash;
    long pass, fail, na;
} nb_run_check;

typedef struct {
    const char *tbl, *row, *col, *text; /* text NULL: a blank cell */
} nb_run_value;

/* Records a run of BODY for YEAR: the run and its checks, and the cells VALUES replace
 * the body's cells of that year; one transaction. *ID gets the run's id. */
nb_err nb_run_put(nb_store *s, int64_t body, int year, const char *format, const char *data,
                  const nb_run_check *checks, int nchecks, const nb_run_value *values,
                  int nvalues, int64_t *id, char *err, size_t errlen);

/* The digest of each body: *HEX gets N entries of NB_HASH_HEX bytes, indexed like *IDS
 * (the body ids, ascending). Both the caller's to free. A body that holds nothing has the
 * digest of nothing. ONLY[0..NONLY) (any order, repeats allowed; ids that name no body
 * are left out): those bodies alone, read from their records' rid ranges (the packed
 * parts' rid_lo and rid_hi, merged), so that a regeneration's worker reads about its own
 * share of the store; ONLY NULL: every body, in one pass over each table. A body's digest
 * is the same either way. */
nb_err nb_body_digests(nb_store *s, const int64_t *only, int nonly, int64_t **ids, char **hex,
                       int *n, char *err, size_t errlen);

#endif
