/* records.h - reading records back: filtered cursors, counts, read-only SQL, single inserts.
 *
 * Depends on store.h, pack.h and codes.h; no Lua. A cursor owns its statement and its
 * parts' cursor; nb_rows_close frees them (safe to call twice). */
#ifndef NB_RECORDS_H
#define NB_RECORDS_H

#include "codes.h"
#include "pack.h"
#include "store.h"

/* field = value; categorical values are national codes or labels, dates YYYYMMDD or
 * any date text, other fields as text. */
typedef struct {
    const char *field;
    const char *value;
} nb_filter;

typedef struct {
    const nb_kind *kind;
    int64_t body;      /* 0: every body */
    int year;          /* 0: every year; else the kind's first date field in YEAR */
    const nb_filter *filters;
    int nfilters;
    int64_t after_rid; /* 0: every record; else those of a larger rid alone (a cursor opened
                          again past the records read: remap.c) */
} nb_query;

/* A record as nb_rows_next gives it; the texts valid until the next call. */
typedef struct {
    int64_t rid;
    int64_t body_id, src;            /* the body's and the source's ids */
    const char *body;                /* the body's name */
    const char *id;
    int64_t ival[NB_MAX_FIELDS];     /* coded fields: dates YYYYMMDD, categories' dictionary
                                        ids, numbers and 分; 0 for an empty date or category */
    const char *text[NB_MAX_FIELDS]; /* text fields; NULL when empty */
    const char *source, *raw, *header; /* the source's path, the row's raw values, the
                                          source's header */
    long line;
} nb_row;

/* A cursor over the records of a query: the coded values from the packed columns (pack.h),
 * the rest (id, text fields, source, line, raw) from the rows, joined on rid, by body (in
 * body order) and in rid order within a body. */
typedef struct nb_rows {
    nb_store *store;
    const nb_kind *kind;
    int open;                        /* 0 once done or closed */
    int none;                        /* a filter no record can match */
    int nwant;                       /* coded filters: column WANT_COL[i] holds WANT[i] */
    int want_col[NB_MAX_FIELDS + 1];
    int64_t want[NB_MAX_FIELDS + 1];
    int64_t lo, hi;                  /* the year's day codes (0: every year) */
    int64_t after;                   /* records of a larger rid alone (0: all) */
    int period_col;                  /* the packed column of the kind's period */
    int narrowed;                    /* the rows' statement filters too (id, text fields) */
    int need_rows;                   /* the rows are read (0: nb_count without narrowing) */
    int coded;                       /* nb_rows_open_coded: the row's coded values filled */
    int64_t visited;                 /* records looked at, passed or not (a reader's work) */
    int col_of[NB_MAX_FIELDS];       /* the packed column of each field, -1 for text */
    nb_pack_cursor *cur;
    const nb_pack_part *part;        /* the part being read, at AT */
    int at;
    sqlite3_stmt *rows;              /* the body's rows in rid order */
    int64_t rows_body;               /* the body bound to it (0: none) */
    int has_row;                     /* rows stands on a row */
    int advance;                     /* it is the row given last: step past it first */
    nb_row row;
} nb_rows;

nb_err nb_rows_open(nb_store *s, const nb_query *q, nb_rows *r, char *err, size_t errlen);
/* The same cursor for a reader of the coded values alone: unless Q filters on the id or a
 * text field (then as nb_rows_open), the rows are not read, and r->row holds only the rid,
 * the body's id and the coded values (every pointer NULL, line 0, src 0). */
nb_err nb_rows_open_coded(nb_store *s, const nb_query *q, nb_rows *r, char *err, size_t errlen);
/* 1: a row is ready in r->row; 0: done; -1: error in ERR. */
int nb_rows_next(nb_rows *r, char *err, size_t errlen);
void nb_rows_close(nb_rows *r);
/* Frees R when its store is closed already (its statements finalized, not kept). */
void nb_rows_abandon(nb_rows *r);

/* Walks the raw values a row keeps (RAW, as nb_coder_raw made it; HEADER: its
 * source's header, unit-separated). Each call puts the next value's column
 * name (or "#N" when the header has none) into NAME and its text into VALUE
 * and returns 1; 0 at the end. *POS starts at 0. A row stored before rows
 * kept only what differs (RAW without NB_RAW_COL) holds every column.
 * Returns -1 when out of memory. */
int nb_raw_next(const char *raw, const char *header, size_t *pos, nb_buf *name, nb_buf *value);
/* As nb_raw_next, giving the value's column number (1-based) in *COL, not its name. */
int nb_raw_next_col(const char *raw, size_t *pos, long *col, nb_buf *value);

nb_err nb_count(nb_store *s, const nb_query *q, int64_t *n, char *err, size_t errlen);

/* Prepares SQL, refusing anything that would write. The caller finalizes. */
nb_err nb_query_prepare(nb_store *s, const char *sql, sqlite3_stmt **st, char *err, size_t errlen);

/* The years in which BODY has report data (records of kinds whose
 * report_data is set, by their period field, or a narrative), in order, in
 * a new array *YEARS of *N (the caller frees it; NULL when none). */
nb_err nb_body_years(nb_store *s, int64_t body, int **years, int *n, char *err, size_t errlen);

/* Where a record came from: its id, source file and line. */
typedef struct {
    char *id;           /* owned by its nb_record_refs */
    const char *source; /* the same */
    long line;
} nb_record_ref;

/* Where N records came from: REF[i] the record of the i-th rid asked for. */
typedef struct {
    nb_record_ref *ref;
    int n;
    char **paths; /* the sources' paths, each once */
    int64_t *src;
    int npaths, paths_cap;
    int *slot;    /* an index of src: the place of each in paths, -1 free; slot_cap a power of 2 */
    int slot_cap;
} nb_record_refs_t;

/* Looks up the N records RIDS of KIND into *OUT (nb_record_refs_free frees it, whatever
 * the result), in one pass over the rows of each body whose packed parts span one of them
 * (a kind's table has no index on rid), then, for any not found so (a record not yet in its
 * parts), one over every row. NB_ERR_NOTFOUND, naming the first, when one is absent. */
nb_err nb_record_refs(nb_store *s, const nb_kind *kind, int n, const int64_t *rids,
                      nb_record_refs_t *out, char *err, size_t errlen);
void nb_record_refs_free(nb_record_refs_t *r);

#endif
