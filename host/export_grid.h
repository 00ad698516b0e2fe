/* export_grid.h - private helpers shared by the exporters: the merge map of a table.
 *
 * Used only by the exporters, export_*.c (static inline, so each gets
 * its own copy and nothing joins the public interface of doc.h). A table's
 * merge map gives, for every grid cell, the index of the merge covering it or
 * -1; building it validates the table's shape and its merges. Depends on libc. */
#ifndef NB_EXPORT_GRID_H
#define NB_EXPORT_GRID_H

#include <stdio.h>
#include <stdlib.h>

#include "doc.h"
#include "err.h"

/* NB_OK when the table's sizes are consistent (cells present, header rows
 * within the rows, merges present); else NB_ERR_INPUT with a message naming
 * the table (not the file). Merges are checked by grid_owner_map. */
static inline nb_err grid_shape_valid(const nb_table *t, char *err, size_t errlen)
{
    if (t->nrows < 0 || t->ncols < 0 || (t->nrows > 0 && t->ncols > 0 && !t->cells)
        || t->header_rows < 0 || t->header_rows > t->nrows || t->nmerges < 0
        || (t->nmerges > 0 && !t->merges)) {
        snprintf(err, errlen, "table '%s': malformed (%d rows, %d columns, %d header rows)",
                 t->id ? t->id : "", t->nrows, t->ncols, t->header_rows);
        return NB_ERR_INPUT;
    }
    return NB_OK;
}

/* Builds in *OWNER a malloc'd array of nrows*ncols merge indexes (-1: not
 * merged); the caller frees it. NB_ERR_INPUT when the table is malformed (bad
 * sizes, a merge out of range or overlapping another), NB_ERR_NOMEM; then
 * *OWNER is NULL and ERR says why, naming the table (not the file). */
static inline nb_err grid_owner_map(const nb_table *t, int **owner, char *err, size_t errlen)
{
    const char *id = t->id ? t->id : "";
    size_t n;
    int *map;
    nb_err rc = grid_shape_valid(t, err, errlen);

    *owner = NULL;
    if (rc != NB_OK)
        return rc;
    n = (size_t)t->nrows * (size_t)t->ncols;
    if (!(map = malloc((n ? n : 1) * sizeof *map))) {
        snprintf(err, errlen, "table '%s': out of memory", id);
        return NB_ERR_NOMEM;
    }
    for (size_t i = 0; i < n; i++)
        map[i] = -1;
    for (int m = 0; m < t->nmerges; m++) {
        const nb_merge *g = &t->merges[m];
        if (g->r1 < 0 || g->c1 < 0 || g->r1 > g->r2 || g->c1 > g->c2
            || g->r2 >= t->nrows || g->c2 >= t->ncols) {
            snprintf(err, errlen, "table '%s': merge %d (rows %d-%d, columns %d-%d) is out of range",
                     id, m + 1, g->r1, g->r2, g->c1, g->c2);
            free(map);
            return NB_ERR_INPUT;
        }
        for (int r = g->r1; r <= g->r2; r++) {
            for (int c = g->c1; c <= g->c2; c++) {
                int *o = &map[(size_t)r * t->ncols + c];
                if (*o >= 0) {
                    snprintf(err, errlen, "table '%s': merge %d overlaps merge %d at row %d, column %d",
                             id, m + 1, *o + 1, r, c);
                    free(map);
                    return NB_ERR_INPUT;
                }
                *o = m;
            }
        }
    }
    *owner = map;
    return NB_OK;
}

/* The cell at (R, C). */
static inline const nb_cell *grid_cell(const nb_table *t, int r, int c)
{
    return &t->cells[(size_t)r * t->ncols + c];
}

/* 1 when (R, C) lies inside a merge but is not its top-left cell. */
static inline int grid_covered(const nb_table *t, const int *owner, int r, int c)
{
    int m = owner[(size_t)r * t->ncols + c];
    return m >= 0 && (t->merges[m].r1 != r || t->merges[m].c1 != c);
}

/* The merge whose top-left cell is (R, C), or NULL. */
static inline const nb_merge *grid_merge_at(const nb_table *t, const int *owner, int r, int c)
{
    int m = owner[(size_t)r * t->ncols + c];
    if (m >= 0 && t->merges[m].r1 == r && t->merges[m].c1 == c)
        return &t->merges[m];
    return NULL;
}

/* Display text of (R, C): "" for covered cells and missing texts. */
static inline const char *grid_text(const nb_table *t, const int *owner, int r, int c)
{
    const nb_cell *cell = grid_cell(t, r, c);
    if (grid_covered(t, owner, r, c) || !cell->text)
        return "";
    return cell->text;
}

/* 1 when row R is a heading row: a header row, or a row whose visible cells
 * are all header cells (the "第二十条第（一）项" and "信息内容" rows of 表二).
 * Heading rows are centred; labels beside data are left-aligned. */
static inline int grid_heading_row(const nb_table *t, const int *owner, int r)
{
    int seen = 0;

    if (r < t->header_rows)
        return 1;
    for (int c = 0; c < t->ncols; c++) {
        if (grid_covered(t, owner, r, c))
            continue;
        if (!grid_cell(t, r, c)->header)
            return 0;
        seen = 1;
    }
    return seen;
}

/* 1 when the cell holds a number (written right-aligned). */
static inline int grid_is_number(const nb_cell *c)
{
    return c->type == NB_V_INT || c->type == NB_V_NUM;
}

#endif
