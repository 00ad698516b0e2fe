/* insert.h - one record given as field/value texts, validated and stored (store:insert).
 *
 * Exactly the rules and messages of an imported row (coder.c), written with
 * writer.c. Depends on store.h, coder.h, writer.h; no Lua. */
#ifndef NB_INSERT_H
#define NB_INSERT_H

#include "store.h"

/* Validates and stores one record of KIND for BODY (created when new) given
 * as N name/value text pairs. SOURCE ("SCRIPT:LINE") stands for the file:
 * a record without an id is named "SOURCE#N". An existing id is updated.
 * *INSERTED is 1 for a new record, 0 for an update. NB_ERR_INPUT with the
 * first reason in ERR ("SOURCE: field 'x': ...") for a refused record; the
 * store is unchanged then. Inside the caller's transaction when one is open,
 * else in its own. */
nb_err nb_record_insert(nb_store *s, const char *kind, const char *body, const char *const *names,
                        const char *const *values, int n, const char *source, int *inserted,
                        char *err, size_t errlen);

#endif
