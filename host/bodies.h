/* bodies.h - the body tree: bodies (机关) with their parent, code and roll-up flag.
 *
 * A city, its districts, their departments and streets: each body has at
 * most one parent, and the tree has no cycle. A body declared a roll-up gets
 * a 汇总 report of its own records and those of every body below it. The
 * tree is built by `import --parent` or from a bodies file (one row per body:
 * name, parent, code, rollup; column names and aliases from the catalogue,
 * codes.c). Depends on store.h, reader.h, codes.h; no Lua. */
#ifndef NB_BODIES_H
#define NB_BODIES_H

#include "store.h"

typedef struct {
    int64_t id;
    int64_t parent; /* 0: none */
    char *name;
    char *code;     /* NULL: none */
    int rollup;     /* 1: a 汇总 of the bodies below it */
} nb_body;

typedef struct {
    nb_body *v; /* in the order the bodies were made */
    int n;
} nb_bodies;

/* 1 when NAME can name a body: not empty, no control characters, at most 200 bytes. */
int nb_body_name_ok(const char *name);

/* Every body of the store. The caller frees with nb_bodies_free. */
nb_err nb_bodies_read(nb_store *s, nb_bodies *out, char *err, size_t errlen);
void nb_bodies_free(nb_bodies *b);
/* The body with id ID, or NULL. */
const nb_body *nb_bodies_find(const nb_bodies *b, int64_t id);
/* The ids of body ID and of every body below it (ID first, then level by level,
 * each level in the order the bodies were made). *IDS is the caller's to free. */
nb_err nb_bodies_subtree(const nb_bodies *b, int64_t id, int64_t **ids, int *n);

/* The records of one kind of one body: how many, and the first and last year of
 * the kind's period field (0 when none). */
typedef struct {
    int64_t body;
    const char *kind; /* the catalogue's name */
    long count;
    int first, last;
} nb_kind_stat;

/* The records of every kind of every body that has any, by body id then kind
 * in catalogue order. *OUT is the caller's to free. */
nb_err nb_bodies_stats(nb_store *s, nb_kind_stat **out, int *n, char *err, size_t errlen);

/* Sets the parent of body CHILD to body PARENT (0: none). */
nb_err nb_store_body_parent(nb_store *s, int64_t child, int64_t parent, char *err, size_t errlen);
/* Makes body PARENT (created when new: then *CREATED is 1, when CREATED is not NULL) the
 * parent of body CHILD, inside the caller's transaction. Refuses a cycle (a body its own
 * ancestor, or its own parent) with NB_ERR_INPUT. */
nb_err nb_store_link_parent(nb_store *s, const char *child, const char *parent, int *created,
                            char *err, size_t errlen);
/* The same in a transaction of its own. */
nb_err nb_store_set_parent(nb_store *s, const char *child, const char *parent, char *err,
                           size_t errlen);

typedef struct {
    const char *path;  /* the bodies file: CSV or XLSX */
    const char *sheet; /* XLSX sheet or NULL */
    int dry_run;       /* check and count, write nothing */
    nb_diag_fn diag;   /* every problem, as found (may be NULL) */
    void *diag_ud;
} nb_bodies_opts;

typedef struct {
    long read;      /* rows */
    long created;   /* bodies new to the store */
    long updated;   /* existing bodies whose parent, code or roll-up flag changed */
    long unchanged; /* existing bodies as the file has them */
    long refused;   /* problems found (then nothing is written) */
} nb_bodies_result;

/* Builds or updates the body tree from a bodies file: each row's body is created
 * when new, and gets the row's parent (none when empty), code and roll-up flag
 * (no when empty). A parent is a row of the file or a body of the store. Every
 * row or none: a problem (a missing name, a name given twice, an unknown parent,
 * a cycle, a roll-up flag that is not yes or no) is a diagnostic, and the result
 * NB_ERR_INPUT with nothing written. */
nb_err nb_bodies_import(nb_store *s, const nb_bodies_opts *o, nb_bodies_result *r, char *err,
                        size_t errlen);

#endif
