/* figures.h - a year's figures imported from a published report: the tables of the
 * JSON contract ({"body", "year", "format", "tables": {table: {row: {col: number|null}}}},
 * or the tables object alone) read into cells, and stored as the figures of a body and
 * year, replacing the ones before. Which tables, rows and columns a format has is the
 * format's (Lua) business: the caller checks the keys. Depends on store.h, jansson. */
#ifndef NB_FIGURES_H
#define NB_FIGURES_H

#include "store.h"

#define NB_FIGURES_MAX_BYTES (16L << 20)
#define NB_FIGURES_MAX_CELLS 20000
#define NB_FIGURES_MAX_KEY 200

typedef struct {
    char *tbl, *row, *col;
    int blank;    /* null in the file: a blank cell */
    double value;
} nb_figure;

typedef struct {
    nb_figure *v;
    int n;
    int year;     /* 0 when the file does not say */
    char *format; /* NULL when the file does not say */
    char *body;   /* NULL when the file does not say */
} nb_figures;

/* Reads the JSON file PATH. A syntax error names the file, line and column; a value
 * that is not a number or null, or a key that is empty, too long or holds a control
 * character, names its place (tables.requests.new.person). */
nb_err nb_figures_read(const char *path, nb_figures *out, char *err, size_t errlen);
void nb_figures_free(nb_figures *f);

/* Stores F as the figures of body BODY (created when new) for YEAR in FORMAT (from
 * SOURCE), replacing those before, in one transaction. */
nb_err nb_figures_put(nb_store *s, const char *body, int year, const char *format,
                      const nb_figures *f, const char *source, char *err, size_t errlen);

#endif
