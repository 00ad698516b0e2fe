/* mapping.h - a body's local values and header aliases, mapped to the national catalogue.
 *
 * A district's mapping script (Lua) says which local value stands for which
 * national code ("不掌握" -> outcome 4.1) and which local header names which
 * field ("申请编号" -> id). lua_import.c compiles the script's table into an
 * nb_mapping once; the importer looks values up in it. Depends on codes.h and
 * util.h; no Lua. */
#ifndef NB_MAPPING_H
#define NB_MAPPING_H

#include <stddef.h>

#include "err.h"
#include "util.h"

typedef struct {
    nb_strmap values;  /* "kind\037field\037local" -> index into strs (the national code) */
    nb_strmap aliases; /* "kind\037header" -> index into strs (the field name) */
    char **strs;       /* owned strings */
    int nstrs;
} nb_mapping;

void nb_mapping_init(nb_mapping *m);
void nb_mapping_free(nb_mapping *m);

/* Checks a section of a mapping before its entries (an empty one too: a field name
 * typed wrong is refused, not stored as a mapping that maps nothing): KIND.SUB, a
 * categorical field of a known kind; for the aliases (IS_ALIAS), SUB a known kind.
 * NB_ERR_INPUT with a reason in ERR. */
nb_err nb_mapping_section(const char *kind, const char *sub, int is_alias, char *err, size_t errlen);

/* Maps LOCAL to national CODE for KIND.FIELD. NB_ERR_INPUT with a reason in
 * ERR when the kind or field is unknown, the field is not categorical or the
 * code is not a national value of its dictionary; NB_ERR_NOMEM. */
nb_err nb_mapping_value(nb_mapping *m, const char *kind, const char *field, const char *local,
                        const char *code, char *err, size_t errlen);

/* Declares HEADER as an alias of KIND.FIELD (or "id"). NB_ERR_INPUT with a
 * reason in ERR for an unknown kind or field; NB_ERR_NOMEM. */
nb_err nb_mapping_alias(nb_mapping *m, const char *kind, const char *header, const char *field,
                        char *err, size_t errlen);

/* The national code LOCAL stands for in KIND.FIELD, or NULL. */
const char *nb_mapping_code(const nb_mapping *m, const char *kind, const char *field,
                            const char *local);

/* The field name HEADER stands for in KIND, or NULL. */
const char *nb_mapping_field(const nb_mapping *m, const char *kind, const char *header);

#endif
