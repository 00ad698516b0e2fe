/* export_csv.c - the CSV exporter: one RFC 4180 file per table (UTF-8 with BOM, CRLF).
 *
 * Merged cells: a merge's text is written at its top-left cell and the
 * covered cells stay empty. */
#include "export_util.h"
#include "export_grid.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>


/* One RFC 4180 field: quoted when it holds a comma, quote, CR or LF. */
static void csv_field(FILE *f, const char *s)
{
    if (strpbrk(s, ",\"\r\n")) {
        fputc('"', f);
        for (; *s; s++) {
            if (*s == '"')
                fputc('"', f);
            fputc(*s, f);
        }
        fputc('"', f);
    } else {
        fputs(s, f);
    }
}

/* PREFIX-<id>.csv; characters that cannot be in a file name become '_'. A
 * table without an id is named by its 1-based position: PREFIX-table3.csv. */
static char *csv_path(const char *prefix, const nb_table *t, int index)
{
    char num[32];
    const char *id = t->id && *t->id ? t->id : NULL;
    size_t n;
    char *p, *name;

    if (!id) {
        snprintf(num, sizeof num, "table%d", index + 1);
        id = num;
    }
    n = strlen(prefix) + 1 + strlen(id) + 5;
    if (!(p = malloc(n)))
        return NULL;
    snprintf(p, n, "%s-%s.csv", prefix, id);
    for (name = p + strlen(prefix) + 1; *name && strcmp(name, ".csv") != 0; name++) {
        if (*name == '/' || *name == '\\' || (unsigned char)*name < 0x20)
            *name = '_';
    }
    return p;
}

static int csv_table(const nb_table *t, const char *path, char *err, size_t errlen)
{
    int *owner = grid_owner_map(t, err, errlen);
    FILE *f;

    if (!owner)
        return nb_out_err_prefix(path, err, errlen);
    if (!(f = nb_out_open(path, err, errlen))) {
        free(owner);
        return -1;
    }
    fputs("\xEF\xBB\xBF", f);
    for (int r = 0; r < t->nrows && t->ncols > 0; r++) {
        for (int c = 0; c < t->ncols; c++) {
            if (c > 0)
                fputc(',', f);
            csv_field(f, grid_text(t, owner, r, c));
        }
        fputs("\r\n", f);
    }
    free(owner);
    return nb_out_close(f, path, err, errlen);
}

int nb_export_csv(const nb_doc *doc, const char *prefix, char *err, size_t errlen)
{
    for (int i = 0; i < doc->ntables; i++) {
        char *path = csv_path(prefix, &doc->tables[i], i);
        int rc;
        if (!path) {
            snprintf(err, errlen, "%s: out of memory", prefix);
            return -1;
        }
        for (int j = 0; j < i; j++) {
            char *other = csv_path(prefix, &doc->tables[j], j);
            int same = other && strcmp(other, path) == 0;
            free(other);
            if (same) {
                snprintf(err, errlen, "%s: two tables would be written to this file (tables %d and %d)",
                         path, j + 1, i + 1);
                free(path);
                return -1;
            }
        }
        rc = csv_table(&doc->tables[i], path, err, errlen);
        free(path);
        if (rc != 0)
            return -1;
    }
    return 0;
}
