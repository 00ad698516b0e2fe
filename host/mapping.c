/* mapping.c - local values and header aliases of a body, checked against the catalogue. */
#include "mapping.h"
#include "coder.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "codes.h"

void nb_mapping_init(nb_mapping *m)
{
    memset(m, 0, sizeof *m);
    nb_strmap_init(&m->values);
    nb_strmap_init(&m->aliases);
}

void nb_mapping_free(nb_mapping *m)
{
    nb_strmap_free(&m->values);
    nb_strmap_free(&m->aliases);
    for (int i = 0; i < m->nstrs; i++)
        free(m->strs[i]);
    free(m->strs);
    memset(m, 0, sizeof *m);
}

static int mapping_str(nb_mapping *m, const char *s)
{
    char **n = realloc(m->strs, (size_t)(m->nstrs + 1) * sizeof *n);
    if (!n)
        return -1;
    m->strs = n;
    if (!(m->strs[m->nstrs] = strdup(s)))
        return -1;
    return m->nstrs++;
}

/* Joins PARTS with the unit separator into a new string (NULL: out of memory). */
static char *join_key(const char *a, const char *b, const char *c)
{
    nb_buf k = {0};
    if (nb_buf_printf(&k, c ? "%s\037%s\037%s" : "%s\037%s", a, b, c) != 0) {
        nb_buf_free(&k);
        return NULL;
    }
    return k.data;
}

static nb_err put(nb_mapping *m, nb_strmap *map, char *key, const char *target, char *err,
                  size_t errlen)
{
    int idx = key ? mapping_str(m, target) : -1;
    int rc = idx < 0 || nb_strmap_put(map, key, idx, NULL, NULL) != 0;
    free(key);
    if (rc) {
        snprintf(err, errlen, "out of memory");
        return NB_ERR_NOMEM;
    }
    return NB_OK;
}

nb_err nb_mapping_section(const char *kind, const char *sub, int is_alias, char *err, size_t errlen)
{
    const char *named = is_alias ? sub : kind;
    const nb_kind *k = nb_kind_find(named);
    if (!k) {
        snprintf(err, errlen, "unknown record kind '%s'", named);
        return NB_ERR_INPUT;
    }
    int f = is_alias ? 0 : nb_field_find(k, sub);
    if (f < 0 || (!is_alias && k->fields[f].type != NB_F_CAT)) {
        snprintf(err, errlen, "%s.%s is not a categorical field", kind, sub);
        return NB_ERR_INPUT;
    }
    return NB_OK;
}

nb_err nb_mapping_value(nb_mapping *m, const char *kind, const char *field, const char *local,
                        const char *code, char *err, size_t errlen)
{
    nb_err rc = nb_mapping_section(kind, field, 0, err, errlen);
    if (rc)
        return rc;
    const nb_kind *k = nb_kind_find(kind);
    int f = nb_field_find(k, field);
    if (strlen(local) > NB_CAT_VALUE_MOST || strlen(code) > NB_CAT_VALUE_MOST) {
        snprintf(err, errlen, "%s.%s['%s'] = '%s': longer than " NB_STR(NB_CAT_VALUE_MOST)
                 " bytes (a category's value)", kind, field, local, code);
        return NB_ERR_INPUT;
    }
    const char *dict = k->fields[f].dict;
    const nb_value *v = dict ? nb_value_find(dict, code) : NULL;
    if (dict && (!v || v->group)) {
        snprintf(err, errlen, "%s.%s['%s'] = '%s': not a national code of %s", kind, field,
                 local, code, k->fields[f].name);
        return NB_ERR_INPUT;
    }
    return put(m, &m->values, join_key(kind, k->fields[f].name, local), code, err, errlen);
}

nb_err nb_mapping_alias(nb_mapping *m, const char *kind, const char *header, const char *field,
                        char *err, size_t errlen)
{
    nb_err rc = nb_mapping_section("aliases", kind, 1, err, errlen);
    if (rc)
        return rc;
    const nb_kind *k = nb_kind_find(kind);
    int f = nb_field_find(k, field);
    if (f == -2) {
        snprintf(err, errlen, "alias '%s': %s has no field '%s'", header, kind, field);
        return NB_ERR_INPUT;
    }
    return put(m, &m->aliases, join_key(kind, header, NULL), f == -1 ? "id" : k->fields[f].name,
               err, errlen);
}

static const char *lookup(const nb_mapping *m, const nb_strmap *map, char *key)
{
    int64_t *idx = key ? nb_strmap_get(map, key) : NULL;
    free(key);
    return idx ? m->strs[*idx] : NULL;
}

const char *nb_mapping_code(const nb_mapping *m, const char *kind, const char *field,
                            const char *local)
{
    if (!m || m->values.len == 0)
        return NULL;
    return lookup(m, &m->values, join_key(kind, field, local));
}

const char *nb_mapping_field(const nb_mapping *m, const char *kind, const char *header)
{
    if (!m || m->aliases.len == 0)
        return NULL;
    return lookup(m, &m->aliases, join_key(kind, header, NULL));
}
