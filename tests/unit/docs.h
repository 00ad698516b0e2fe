/* docs.h - building report documents by hand in the exporters' unit tests (test_export.c,
 * test_wml.c, test_pdf.c): tables, cells and merges; nb_doc_free frees what they make.
 * Allocation failures abort: a test has nothing better to do. */
#ifndef NB_TEST_DOCS_H
#define NB_TEST_DOCS_H

#include <stdlib.h>
#include <string.h>

#include "doc.h"

static inline char *xstrdup(const char *s)
{
    char *p = strdup(s);
    if (!p)
        abort();
    return p;
}

static inline void *xcalloc(size_t n, size_t size)
{
    void *p = calloc(n ? n : 1, size);
    if (!p)
        abort();
    return p;
}

/* The cell at R, C of T. */
static inline nb_cell *at(nb_table *t, int r, int c)
{
    return &t->cells[r * t->ncols + c];
}

/* T as an empty NROWS x NCOLS table (every cell blank text) with room for MAX_MERGES merges. */
static inline void table_init(nb_table *t, const char *id, const char *title, int nrows, int ncols,
                              int header_rows, int max_merges)
{
    t->id = xstrdup(id);
    t->title = xstrdup(title);
    t->nrows = nrows;
    t->ncols = ncols;
    t->header_rows = header_rows;
    t->cells = xcalloc((size_t)nrows * ncols, sizeof *t->cells);
    for (int i = 0; i < nrows * ncols; i++)
        t->cells[i].text = xstrdup("");
    t->row_keys = xcalloc((size_t)nrows, sizeof *t->row_keys);
    t->merges = xcalloc((size_t)max_merges, sizeof *t->merges);
}

/* A text cell: a label (HEADER 1) or free text. */
static inline void put_text(nb_table *t, int r, int c, const char *s, int header)
{
    nb_cell *cell = at(t, r, c);
    free(cell->text);
    cell->type = NB_V_TEXT;
    cell->text = xstrdup(s);
    cell->header = header;
}

/* A data cell with a column key: TYPE INT (I) or NUM (NUM), BLANK or TEXT (S). */
static inline void put_data(nb_table *t, int r, int c, const char *key, nb_vtype type, nb_fmt fmt,
                            long long i, double num, const char *s)
{
    nb_cell *cell = at(t, r, c);
    free(cell->text);
    cell->type = type;
    cell->fmt = fmt;
    cell->i = i;
    cell->num = num;
    cell->text = type == NB_V_TEXT ? xstrdup(s) : NULL;
    if (!cell->text && !(cell->text = nb_cell_format(cell)))
        abort();
    free(cell->key);
    cell->key = xstrdup(key);
}

/* An integer data cell with a column key. */
static inline void put_int(nb_table *t, int r, int c, const char *key, long long v)
{
    put_data(t, r, c, key, NB_V_INT, NB_FMT_PLAIN, v, 0, NULL);
}

static inline void merge(nb_table *t, int r1, int c1, int r2, int c2)
{
    nb_merge m = {r1, c1, r2, c2};
    t->merges[t->nmerges++] = m;
}

static inline void row_key(nb_table *t, int r, const char *key)
{
    t->row_keys[r] = xstrdup(key);
}

#endif
