/* export_layout.h - column widths and row lines of a table, from the width of its text:
 * one computation for every exporter that lays a table out (XLSX, HTML, DOCX, PDF).
 *
 * Widths come from nb_text_width (a CJK character counts 2 units, a Latin one 1), and
 * follow the same choices everywhere: a column is as wide as its widest single cell up
 * to a cap (longer text wraps), a header wider than four CJK characters wraps in two
 * balanced lines, a merge spreads what it lacks over its columns (a long text in a
 * tall merge wraps into up to one line per row), and the data columns of a table
 * (numbers below the header) get one common width. Each exporter gives its own unit
 * (Excel characters, points, em) through nb_layout_units. Private to the exporters;
 * depends on libc and doc.h. */
#ifndef NB_EXPORT_LAYOUT_H
#define NB_EXPORT_LAYOUT_H

#include "doc.h"

/* The unit an exporter measures columns in: a column holding text TW units wide
 * (nb_text_width) needs TW * per_unit + pad, within [col_min, col_max]; one cell
 * makes its column at most cell_max wide (longer text wraps). */
typedef struct {
    double per_unit; /* the exporter's units per nb_text_width unit */
    double pad;      /* borders and padding of a cell, in the exporter's units */
    double col_min, col_max, cell_max;
} nb_layout_units;

/* Width of the widest line of S (nb_text_width units) in *WIDEST, and the number of
 * lines it takes wrapped at CAPACITY units (CAPACITY <= 0: no wrapping). */
int nb_layout_text_lines(const char *s, double capacity, int *widest);

/* The text width (nb_text_width units) a column W wide (the exporter's units) holds. */
double nb_layout_capacity(const nb_layout_units *u, double w);

/* 1 when column C of T holds numbers and, below the header, nothing but numbers,
 * blanks and header cells (a data column: they share one width). */
int nb_layout_data_column(const nb_table *t, const int *owner, int c);

/* Column widths of T (OWNER its merge map, grid_owner_map) into W[ncols], in U's unit. */
void nb_layout_widths(const nb_table *t, const int *owner, const nb_layout_units *u, double *w);

/* Lines of text per row of T at widths W into LINES[nrows]: enough for every cell's
 * wrapped text; a merge over several rows spreads what it lacks over them. */
void nb_layout_lines(const nb_table *t, const int *owner, const nb_layout_units *u, const double *w,
                     int *lines);

#endif
