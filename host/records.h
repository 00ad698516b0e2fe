/* records.h - reading records back: filtered cursors, counts, read-only SQL, single inserts.
 *
 * Depends on store.h and codes.h; no Lua. A cursor owns its prepared
 * statement; nb_rows_close finalizes it (safe to call twice). */
#ifndef NB_RECORDS_H
#define NB_RECORDS_H

#include "codes.h"
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
} nb_query;

typedef struct nb_rows {
    nb_store *store;
    const nb_kind *kind;
    sqlite3_stmt *st;  /* NULL once closed */
} nb_rows;

/* Column layout of a cursor row: */
#define NB_COL_RID 0
#define NB_COL_BODY 1   /* body name */
#define NB_COL_ID 2
#define NB_COL_FIELD0 3 /* then the kind's fields in order */
/* after the fields: source path, line, raw, the source's header */

nb_err nb_rows_open(nb_store *s, const nb_query *q, nb_rows *r, char *err, size_t errlen);
/* 1: a row is ready; 0: done; -1: error in ERR. */
int nb_rows_next(nb_rows *r, char *err, size_t errlen);
void nb_rows_close(nb_rows *r);

/* Walks the raw values a row keeps (RAW, as nb_coder_raw made it; HEADER: its
 * source's header, unit-separated). Each call puts the next value's column
 * name (or "#N" when the header has none) into NAME and its text into VALUE
 * and returns 1; 0 at the end. *POS starts at 0. A row stored before rows
 * kept only what differs (RAW without NB_RAW_COL) holds every column.
 * Returns -1 when out of memory. */
int nb_raw_next(const char *raw, const char *header, size_t *pos, nb_buf *name, nb_buf *value);

nb_err nb_count(nb_store *s, const nb_query *q, int64_t *n, char *err, size_t errlen);

/* Prepares SQL, refusing anything that would write. The caller finalizes. */
nb_err nb_query_prepare(nb_store *s, const char *sql, sqlite3_stmt **st, char *err, size_t errlen);

/* The years in which BODY has report data (records of kinds whose
 * report_data is set, by their period field, or a narrative), in order, in
 * a new array *YEARS of *N (the caller frees it; NULL when none). */
nb_err nb_body_years(nb_store *s, int64_t body, int **years, int *n, char *err, size_t errlen);

/* Where a record came from: its id, source file and line. */
typedef struct {
    char id[256];
    char source[1024];
    long line;
} nb_record_ref;

/* Looks up record RID of KIND. NB_ERR_NOTFOUND when absent. */
nb_err nb_record_ref_get(nb_store *s, const nb_kind *kind, int64_t rid, nb_record_ref *ref,
                         char *err, size_t errlen);

#endif
