/* remap.h - a body's stored records coded again with a mapping, without their files.
 *
 * A mapping stored with a body (import map) applies to the imports after it; the records
 * imported before keep the codes their mapping gave them. nb_remap codes them again:
 * each row is made again as its file had it, from the values the row kept (nb_coder_raw:
 * every value that differs from what was stored, the local ones a mapping took among
 * them) and the stored values for the rest, in its source's header, and goes through the
 * importer's coder with the mapping given. A record whose coded values change is written
 * through the importer's writer (its packed part, its raw values, the body's digest);
 * every other stays as it is. All of it in one transaction, or nothing: a row the mapping
 * refuses (a local value it no longer maps, a rule it now breaks) is named with its file,
 * line and field, and nothing is written. Only categories may change: a row whose other
 * values would (the mapping's header aliases moved a column) is refused, naming them.
 * Depends on store.h, coder.h, writer.h, records.h, mapping.h; no Lua. */
#ifndef NB_REMAP_H
#define NB_REMAP_H

#include "err.h"
#include "mapping.h"
#include "store.h"

typedef struct {
    const char *body;      /* the body's name (it must exist) */
    const nb_mapping *map; /* the mapping to apply; NULL: none (national values only) */
    int dry_run;           /* count what would change, write nothing */
    nb_diag_fn diag;       /* every row refused, with its file, line and field (may be NULL) */
    void *diag_ud;
    /* Each kind of the body's records, once coded: how many, how many changed (or would).
       May be NULL. */
    void (*kind_done)(void *ud, const char *kind, long records, long changed);
    void *kind_ud;
} nb_remap_opts;

typedef struct {
    long records, changed;
    long refused; /* records the mapping refused */
    int problems; /* diagnostics given */
} nb_remap_stats;

/* Codes the body's records again (above). NB_OK when every record was coded (the changed
 * ones written, unless dry_run); NB_ERR_INPUT when rows were refused (each given to
 * o->diag, a summary in ERR); NB_ERR_NOTFOUND for an unknown body; another error with
 * ERR. Nothing is
 * written unless NB_OK: a transaction of its own (a savepoint inside the caller's). */
nb_err nb_remap(nb_store *s, const nb_remap_opts *o, nb_remap_stats *st, char *err,
                size_t errlen);

#endif
