/* codes.h - the record kinds, their fields and the national category codes.
 *
 * One static description drives the store schema, the import (header
 * aliases, validation, coding) and the Lua API. No dependencies. */
#ifndef NB_CODES_H
#define NB_CODES_H

typedef enum {
    NB_F_TEXT = 0, /* free text */
    NB_F_DATE,     /* YYYYMMDD integer */
    NB_F_CAT,      /* dictionary-coded category */
    NB_F_INT,      /* non-negative integer */
    NB_F_MONEY     /* integer 分 */
} nb_ftype;

typedef struct {
    const char *name;    /* canonical field name, also the column */
    const char *alias;   /* Chinese header alias */
    nb_ftype type;
    int required;        /* 1: a row without it is refused */
    const char *dict;    /* NB_F_CAT: dictionary name; NULL: open vocabulary */
} nb_field;

typedef struct {
    const char *name;    /* "request" */
    const char *label;   /* "依申请公开申请" */
    const char *table;   /* SQL table name */
    int id_required;     /* 0: id optional, "FILE:LINE" used when absent */
    int nfields;         /* fields after id */
    const nb_field *fields;
} nb_kind;

/* One national category value. */
typedef struct {
    const char *dict;    /* "applicant", "outcome", ... */
    const char *code;    /* national code: "person", "3.1" */
    const char *label;   /* official label */
    const char *variants;/* other accepted spellings, '|' separated, or NULL */
} nb_catval;

extern const nb_kind nb_kinds[];
extern const int nb_nkinds;
extern const nb_catval nb_catvals[];
extern const int nb_ncatvals;

/* NULL when unknown. */
const nb_kind *nb_kind_find(const char *name);
/* Index of field NAME (canonical or alias) in kind K, -1 for "id", -2 if unknown. */
int nb_field_find(const nb_kind *k, const char *name);
/* The national value for CODE in dictionary DICT, or NULL. */
const nb_catval *nb_catval_find(const char *dict, const char *code);

#endif
