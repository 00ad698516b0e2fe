/* tabulate.h - the aggregation engine: flows, stocks, counts and sums into cubes.
 *
 * Each function makes one pass over the rows of one record kind, for one
 * (body, year) or for every body and year at once, and returns a cube: an
 * n-dimensional array of int64 cells with labelled dimensions, and, when asked,
 * the record ids (rid) behind every cell. Counting rules are DESIGN.md's.
 * Depends on store.h and codes.h; no Lua. */
#ifndef NB_TABULATE_H
#define NB_TABULATE_H

#include "store.h"

#define NB_CUBE_MAXDIMS 4

typedef struct {
    int64_t *rid;  /* record rids, in row order */
    int n, cap;
} nb_idlist;

typedef struct nb_cube {
    int ndims;
    char *dim_name[NB_CUBE_MAXDIMS];  /* "body", "year", "row", "applicant" ... */
    int dim_len[NB_CUBE_MAXDIMS];
    char **labels[NB_CUBE_MAXDIMS];   /* dim_len[d] labels each */
    int64_t *cells;                   /* product of dim_len, row-major */
    size_t ncells;
    nb_idlist *ids;                   /* per cell, NULL when not tracked */
    const char *kind;                 /* record kind (static string) */
    char *table;                      /* SQL table of the kind, for id lookups */
    int overflow;                     /* a sum passed the int64 range (an error) */
} nb_cube;

typedef struct {
    const char *kind;  /* record kind */
    int64_t body;      /* body id; 0: every body (adds a "body" dimension) */
    int year;          /* calendar year; 0: every year (adds "year"): YMIN..YMAX when
                          YMIN is not 0, else the years of the data */
    int ymin, ymax;
    int track_ids;     /* keep the rids behind each cell */
    int rows;          /* read the records one by one (the records_ tables, vtab.c), not
                          the packed columns in bulk: the reference the bulk passes are
                          tested against */
} nb_scope;

/* Flow of requests or cases through the year.
 * request: dims row x applicant. Rows: new, carried_in, every outcome code
 *   (1, 2, 3.1 ... 6.3), closed (all outcomes), carried_out. Columns: the
 *   six applicant codes.
 * case: dims kind x status. Rows: review, suit, suit_after_review. Columns:
 *   upheld, corrected, other (concluded in the year), pending (active in
 *   the year and open at its end).
 * Counting rules: new = received in Y; carried_in = received before Y and
 * not closed before Y; closed by outcome = closed in Y; carried_out =
 * received by the end of Y and not closed by then. */
nb_err nb_flow(nb_store *s, const nb_scope *sc, nb_cube **out, char *err, size_t errlen);

/* Records standing at the end of the year (or at AT, YYYYMMDD, when not 0):
 * START <= date and (END is empty or END > date), by the categorical field BY
 * (NULL: no breakdown). E.g. matters listed at the end of Y-1 by kind. */
nb_err nb_stock(nb_store *s, const nb_scope *sc, const char *start, const char *end, int at,
                const char *by, nb_cube **out, char *err, size_t errlen);

/* Records whose DATE field falls in the year, by the categorical field BY
 * (NULL: none); counted, or, with SUM, the sum of that integer or money
 * field (money in 分). */
nb_err nb_count_by(nb_store *s, const nb_scope *sc, const char *date, const char *by,
                   const char *sum, nb_cube **out, char *err, size_t errlen);

void nb_cube_free(nb_cube *c);

/* A new cube without C's first dimension: the cells at INDEX of it, or their sum over
 * it (INDEX -1), with the record ids when C keeps them. E.g. one body's cube out of
 * one for every body. */
nb_err nb_cube_slice(const nb_cube *c, int index, nb_cube **out, char *err, size_t errlen);

/* The same over a set: the sum of the cells at INDEX[0..N) of C's first dimension (each
 * index once; N -1: every index). A roll-up's cube out of one for every body: the
 * indexes of the bodies of its subtree (a record belongs to one body: counted once). */
nb_err nb_cube_slice_set(const nb_cube *c, const int *index, int n, nb_cube **out, char *err,
                         size_t errlen);

/* Index of LABEL in dimension D, -1 when absent. */
int nb_cube_label(const nb_cube *c, int d, const char *label);
/* Cell value at IDX (one index per dimension; -1 sums the dimension). */
int64_t nb_cube_get(const nb_cube *c, const int *idx);
/* Appends the rids behind IDX (-1 sums) into OUT (caller frees out->rid).
 * Returns 0, or -1 when ids were not tracked or on out of memory. */
int nb_cube_ids(const nb_cube *c, const int *idx, nb_idlist *out);

#endif
