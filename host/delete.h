/* delete.h - corrections that remove: records by id, a whole body, a stored script, a
 * year's narrative, imported figures or declared coverage.
 *
 * Each runs in one transaction and either removes everything it was asked to or
 * nothing (an id that is not there, a body with bodies below it, a body that is not
 * empty without FORCE); with DRY_RUN it counts and removes nothing. Depends on
 * store.h, bodies.h, codes.h; no Lua. */
#ifndef NB_DELETE_H
#define NB_DELETE_H

#include "store.h"

#define NB_DELETE_MAX_KINDS 32

/* What a deletion removed (or, dry, would remove). */
typedef struct {
    long records[NB_DELETE_MAX_KINDS]; /* by kind, in catalogue order */
    long texts, scripts, figures, sources, runs;
    long coverage; /* years a kind's records were declared complete in (import --year) */
} nb_delete_counts;

/* Removes the records IDS[0..N) of KIND of body BODY. Every id must be there: the
 * missing ones are named and nothing is removed (NB_ERR_NOTFOUND). */
nb_err nb_delete_records(nb_store *s, const char *body, const char *kind, const char *const *ids,
                         int n, int dry_run, nb_delete_counts *c, char *err, size_t errlen);

/* Removes body BODY. It may have no bodies below it (NB_ERR_INPUT names them); when it
 * holds anything (records, texts, scripts, figures, regenerations) only with FORCE, and
 * then everything it holds goes with it. */
nb_err nb_delete_body(nb_store *s, const char *body, int force, int dry_run, nb_delete_counts *c,
                      char *err, size_t errlen);

/* Removes the stored script NAME of BODY (of whatever role: layout, rules, map);
 * NB_ERR_NOTFOUND when the body has none of that name. */
nb_err nb_delete_script(nb_store *s, const char *body, const char *name, int dry_run,
                        nb_delete_counts *c, char *err, size_t errlen);

/* What of a year nb_delete_year removes. */
typedef enum {
    NB_DELETE_TEXT,     /* the narrative (import text) */
    NB_DELETE_FIGURES,  /* the imported figures (import report): every cell of the year */
    NB_DELETE_COVERAGE  /* the declaration that the records of a kind are complete
                           (import --year): a kind without records counts blank again */
} nb_delete_what;

/* Removes WHAT of body BODY and year YEAR (KIND: a record kind, for NB_DELETE_COVERAGE;
 * else ignored): an import of the wrong year or body is undone without removing the body.
 * NB_ERR_NOTFOUND when the body has none, naming the years it has; NB_ERR_INPUT for an
 * unknown KIND. */
nb_err nb_delete_year(nb_store *s, const char *body, nb_delete_what what, const char *kind,
                      int year, int dry_run, nb_delete_counts *c, char *err, size_t errlen);

#endif
