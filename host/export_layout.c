/* export_layout.c - column widths and row lines of a table from the width of its text. */
#include "export_layout.h"
#include "export_grid.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#define UNBROKEN 20      /* text this wide (10 CJK characters) is not split to fit a tall merge */
#define HEAD_UNBROKEN 8  /* header text wider than this (4 CJK characters) wraps in two lines */

int nb_layout_text_lines(const char *s, double capacity, int *widest)
{
    int lines = 0, wmax = 0;
    char *copy = strdup(s ? s : ""), *line, *next;

    if (!copy) {
        *widest = 0;
        return 1;
    }
    for (line = copy; line; line = next) {
        int w;
        next = strchr(line, '\n');
        if (next)
            *next++ = '\0';
        w = nb_text_width(line);
        if (w > wmax)
            wmax = w;
        lines += capacity > 0 && w > 0 ? (int)ceil(w / capacity) : 1;
    }
    free(copy);
    *widest = wmax;
    return lines > 0 ? lines : 1;
}

static double width_for(const nb_layout_units *u, int text_width)
{
    return ceil(text_width * u->per_unit + u->pad);
}

double nb_layout_capacity(const nb_layout_units *u, double w)
{
    double cap = (w - u->pad) / u->per_unit;
    return cap > 1 ? cap : 1;
}

int nb_layout_data_column(const nb_table *t, const int *owner, int c)
{
    int numbers = 0;

    for (int r = t->header_rows; r < t->nrows; r++) {
        const nb_cell *cell = grid_cell(t, r, c);
        if (grid_covered(t, owner, r, c) || cell->header || cell->type == NB_V_BLANK)
            continue;
        if (!grid_is_number(cell))
            return 0;
        numbers++;
    }
    return numbers > 0;
}

void nb_layout_widths(const nb_table *t, const int *owner, const nb_layout_units *u, double *w)
{
    double widest = 0;

    for (int c = 0; c < t->ncols; c++)
        w[c] = 0;
    for (int r = 0; r < t->nrows; r++) {
        for (int c = 0; c < t->ncols; c++) {
            int tw;
            double need;
            if (owner[(size_t)r * t->ncols + c] >= 0)
                continue;
            nb_layout_text_lines(grid_text(t, owner, r, c), 0, &tw);
            if (r < t->header_rows && tw > HEAD_UNBROKEN) /* headers wrap into two lines */
                tw = (tw + 1) / 2 + 1 > HEAD_UNBROKEN ? (tw + 1) / 2 + 1 : HEAD_UNBROKEN;
            need = fmin(width_for(u, tw), u->cell_max);
            if (need > w[c])
                w[c] = need;
        }
    }
    for (int span = 1; span <= t->ncols; span++) { /* narrow merges first */
        for (int m = 0; m < t->nmerges; m++) {
            const nb_merge *g = &t->merges[m];
            int rows = g->r2 - g->r1 + 1, cols = g->c2 - g->c1 + 1, tw, lines, per_line;
            double need, have = 0;
            if (cols != span)
                continue;
            nb_layout_text_lines(grid_text(t, owner, g->r1, g->c1), 0, &tw);
            /* Long text in a tall merge wraps into balanced lines, one per
             * row at most; up to UNBROKEN it stays on one line. */
            lines = (tw + UNBROKEN - 1) / UNBROKEN;
            if (lines > rows)
                lines = rows;
            per_line = lines > 1 ? (tw + lines - 1) / lines + 1 : tw;
            need = fmin(width_for(u, per_line), u->cell_max); /* longer merged text wraps */
            for (int c = g->c1; c <= g->c2; c++)
                have += w[c];
            if (need > have) {
                double add = ceil((need - have) / cols);
                for (int c = g->c1; c <= g->c2; c++)
                    w[c] += add;
            }
        }
    }
    for (int c = 0; c < t->ncols; c++) {
        if (nb_layout_data_column(t, owner, c) && w[c] > widest)
            widest = w[c];
    }
    for (int c = 0; c < t->ncols; c++) {
        if (nb_layout_data_column(t, owner, c))
            w[c] = widest;
        w[c] = fmax(u->col_min, fmin(u->col_max, w[c]));
    }
}

void nb_layout_lines(const nb_table *t, const int *owner, const nb_layout_units *u, const double *w,
                     int *lines)
{
    int widest;

    for (int r = 0; r < t->nrows; r++) {
        lines[r] = 1;
        for (int c = 0; c < t->ncols; c++) {
            int n;
            if (owner[(size_t)r * t->ncols + c] >= 0)
                continue;
            n = nb_layout_text_lines(grid_text(t, owner, r, c), nb_layout_capacity(u, w[c]), &widest);
            if (n > lines[r])
                lines[r] = n;
        }
    }
    for (int span = 1; span <= t->nrows; span++) { /* short merges first */
        for (int m = 0; m < t->nmerges; m++) {
            const nb_merge *g = &t->merges[m];
            double width = 0;
            int need, have = 0, rows = g->r2 - g->r1 + 1;
            if (rows != span)
                continue;
            for (int c = g->c1; c <= g->c2; c++)
                width += w[c];
            need = nb_layout_text_lines(grid_text(t, owner, g->r1, g->c1), nb_layout_capacity(u, width),
                                        &widest);
            for (int r = g->r1; r <= g->r2; r++)
                have += lines[r];
            if (need > have) {
                int add = (need - have + rows - 1) / rows;
                for (int r = g->r1; r <= g->r2; r++)
                    lines[r] += add;
            }
        }
    }
}
