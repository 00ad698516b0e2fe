/* export_checks.h - the fields of a check result as the JSON exporter writes them: their
 * keys, in order, and how to reach each one.
 *
 * A report's other formats never show check results; the check file (lib/checkfile.lua)
 * is a document of its own, in Chinese. Private to the exporters; depends on libc only. */
#ifndef NB_EXPORT_CHECKS_H
#define NB_EXPORT_CHECKS_H

#include "doc.h"

/* The fields of a check result, in order; the evidence and message follow them. */
enum {
    NB_CHECK_ID,       /* id */
    NB_CHECK_SEVERITY, /* severity: error, warning, info */
    NB_CHECK_TITLE,    /* title */
    NB_CHECK_FORMULA,  /* formula */
    NB_CHECK_LEFT,     /* left: a value (nb_check_value) */
    NB_CHECK_RIGHT,    /* right: a value */
    NB_CHECK_STATUS,   /* status: PASS, FAIL, NOT_ASSESSABLE */
    NB_CHECK_FIELDS
};

/* JSON keys of the fields: "id" ... "status". */
extern const char *const nb_check_keys[NB_CHECK_FIELDS];

/* The string of text field COL (id, severity, title, formula, status) as
 * stored, NULL when absent; NULL for the other fields. */
const char *nb_check_field(const nb_check *k, int col);

/* The value of field COL (left or right), NULL for the other fields. */
const nb_cell *nb_check_value(const nb_check *k, int col);

#endif
