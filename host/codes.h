/* codes.h - the catalogue: record kinds, their fields and rules, and the national values.
 *
 * The one owner of these facts. The store's schema and dictionary (store.c,
 * through numbered migrations), the importer's header aliases, validation and
 * coding (import.c, validate.c), the tabulation's dimensions (tabulate.c),
 * the Lua API (nianbao.kinds, nianbao.codes) and the reference pages are all
 * made from it. Adding a national value or a kind is an edit here (with the
 * schema version that adds it in `since`) plus one migration step (store.c).
 * No dependencies. */
#ifndef NB_CODES_H
#define NB_CODES_H

/* Most fields a kind may have (the importer keeps per-field state). */
#define NB_MAX_FIELDS 16

typedef enum {
    NB_F_TEXT = 0, /* free text */
    NB_F_DATE,     /* YYYYMMDD integer */
    NB_F_CAT,      /* dictionary-coded category */
    NB_F_INT,      /* non-negative integer; an empty value counts 1 */
    NB_F_MONEY     /* integer 分 */
} nb_ftype;

/* One national value of a dictionary, in the order the national tables print it. */
typedef struct {
    const char *code;     /* national code: "person", "3.1" */
    const char *label;    /* official label: "自然人", "属于国家秘密" */
    const char *variants; /* other accepted spellings, '|' separated, or NULL */
    int group;            /* 1: a heading over the codes "CODE.n" ("3" 不予公开), not a
                             value a record can take (not in the store's dictionary) */
    int since;            /* schema version that added it to the store's dictionary */
    const char *typos;    /* misspellings seen in published reports that change the
                             meaning ("危机" for "危及"): read as the value like variants,
                             and a warning in nianbao lint; '|' separated, or NULL */
} nb_value;

typedef struct {
    const char *name;     /* "outcome" */
    const char *label;    /* "办理结果" */
    const nb_value *values;
    int nvalues;
} nb_dict;

typedef struct {
    const char *name;    /* canonical field name, also the column */
    const char *aliases; /* Chinese header aliases, '|' separated; the first is the main one */
    nb_ftype type;
    int required;        /* 1: a row without it is refused */
    const char *dict;    /* NB_F_CAT: national dictionary; NULL: open vocabulary (a
                            value is added to the store's dictionary when first met) */
    int since;           /* schema version that added the column */
    int ahead;           /* NB_F_DATE: 1 when a date may lie more than a year ahead (a
                            document's planned repeal); other dates that far are typos */
} nb_field;

typedef enum {
    NB_RULE_ORDER, /* date a, when given, is not before date b: closed >= received */
    NB_RULE_PAIR   /* result a is given exactly when date b is: outcome <-> closed */
} nb_rule_type;

typedef struct {
    nb_rule_type type;
    const char *a, *b; /* field names */
} nb_rule;

/* How records of a kind flow through a year (tabulate.c's nb_flow): opened on
 * START, closed on END (empty: open) with RESULT, broken down by BY. */
typedef struct {
    const char *start, *end, *result, *by;
    int states_as_rows; /* 1: rows new, carried_in, each result, closed, carried_out and
                           columns BY (requests, 表三); 0: rows BY and columns each
                           result, then "pending" (cases, 表四) */
} nb_flowdef;

typedef struct {
    const char *name;     /* "request" */
    const char *label;    /* "依申请公开申请" */
    const char *table;    /* SQL table name */
    int id_required;      /* 0: id optional, "FILE:LINE" used when absent */
    int report_data;      /* 1: its records feed the report tables (store:years) */
    const char *period;   /* date field that places a record in a year */
    const nb_field *fields;
    int nfields;
    const nb_rule *rules;
    int nrules;
    const nb_flowdef *flow; /* NULL: no flow */
    int since;            /* schema version that added the kind */
} nb_kind;

/* The columns of a bodies file (name, parent, code, rollup), and the column of a
 * record file that names each row's body (body 机关 单位). */
extern const nb_field nb_body_fields[];
extern const int nb_nbody_fields;
extern const nb_field nb_record_body;

extern const nb_kind nb_kinds[];
extern const int nb_nkinds;
extern const nb_dict nb_dicts[];
extern const int nb_ndicts;

/* NULL when unknown. */
const nb_kind *nb_kind_find(const char *name);
/* The id's Chinese header (its canonical one is "id"). */
#define NB_ID_HEADER "编号"

/* Index of field NAME (canonical or an alias) in kind K, -1 for "id" (编号),
 * -2 if unknown. */
int nb_field_find(const nb_kind *k, const char *name);
/* Index of the field named NAME (canonical or an alias) among FIELDS[0..N), or -1. */
int nb_fields_find(const nb_field *fields, int n, const char *name);
/* The national dictionary NAME, or NULL. */
const nb_dict *nb_dict_find(const char *name);
/* The national value CODE of dictionary DICT (groups included), or NULL. */
const nb_value *nb_value_find(const char *dict, const char *code);

/* The heading (group) of DICT whose code, label or a variant TEXT is ("不予公开", "3"),
 * or NULL: a value no record may take; its items are the codes "CODE.n". */
const nb_value *nb_value_heading(const char *dict, const char *text);
/* The national value of DICT whose code, label or a variant is TEXT (groups
 * excluded); a code wins over a label ("其他" is 6.3's label, not a code). */
const nb_value *nb_value_match(const char *dict, const char *text);
/* The main Chinese alias of field F (the first of its aliases). Writes at
 * most N bytes into OUT and returns OUT. */
const char *nb_field_alias(const nb_field *f, char *out, unsigned n);

#endif
