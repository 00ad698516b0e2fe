/* export_checks.c - the fields of check results as the JSON exporter writes them. */
#include "export_checks.h"

const char *const nb_check_keys[NB_CHECK_FIELDS] = {
    "id", "severity", "title", "formula", "left", "right", "status",
};

const char *nb_check_field(const nb_check *k, int col)
{
    switch (col) {
    case NB_CHECK_ID: return k->id;
    case NB_CHECK_SEVERITY: return k->severity;
    case NB_CHECK_TITLE: return k->title;
    case NB_CHECK_FORMULA: return k->formula;
    case NB_CHECK_STATUS: return k->status;
    default: return NULL;
    }
}

const nb_cell *nb_check_value(const nb_check *k, int col)
{
    if (col == NB_CHECK_LEFT)
        return &k->left;
    if (col == NB_CHECK_RIGHT)
        return &k->right;
    return NULL;
}
