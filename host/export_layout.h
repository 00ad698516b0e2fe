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

/* Frees the lines of text kept wrapped (done at exit; tests call it to start cold). */
void nb_layout_kept_free(void);

/* Test seam: the slot where a line of text S wrapped at CAPACITY is kept. */
int nb_layout_test_slot(const char *s, double capacity);

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

/* ---- where a line of text may end ------------------------------------------- */

/* Break classes, best first: where a line of a label, header or title may end. A
 * printed form breaks at the best class that fits; Chinese has no spaces, so the words
 * of the national tables' vocabulary (export_layout.c) tell where a break falls between
 * words (商业/企业, 社会/公益/组织) rather than inside one (商业企/业). */
typedef enum {
    NB_BRK_NONE = 0, /* not a place between characters (before the first, after the last) */
    NB_BRK_PUNCT,    /* after punctuation or a space, before an opening bracket or a number */
    NB_BRK_PARTICLE, /* after 的 或 和 及 与 并 后 */
    NB_BRK_WORD,     /* between two words of the vocabulary, or after a numbering ("1.") */
    NB_BRK_CHAR,     /* anywhere else line breaking allows (between any two CJK characters) */
    NB_BRK_INWORD,   /* inside a known word */
    NB_BRK_ANY,      /* where line breaking does not allow one (inside a Latin word) */
    NB_BRK_CLASSES
} nb_brk;

/* The break class before each code point of TEXT (LEN bytes of UTF-8; a malformed byte
 * counts as one character): a malloc'd array of *N + 1 classes, [0] and [*N] NB_BRK_NONE;
 * NULL on out of memory. ALLOWED, when given (*N + 1 flags, as Pango's is_line_break),
 * says where Unicode line breaking allows a break; NULL: the module's own rule (at
 * spaces, between CJK characters, between CJK and Latin text; not inside Latin words
 * or numbers, before closing or after opening punctuation). */
unsigned char *nb_layout_breaks(const char *text, size_t len, const unsigned char *allowed, int *n);

#endif
