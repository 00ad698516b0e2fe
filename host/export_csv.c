/* export_csv.c - the CSV exporter: one RFC 4180 file per table (UTF-8 with BOM, CRLF).
 *
 * Merged cells: a merge's text is written at its top-left cell and the
 * covered cells stay empty. Checks are not written (they are in the JSON).
 * Depends on libc. */
#include "export.h"
#include "export_grid.h"
#include "export_util.h"

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

/* The table as CSV: a BOM, then one CRLF line per grid row. */
static nb_err csv_write(FILE *f, const nb_table *t, char *err, size_t errlen)
{
    int *owner;
    nb_err rc = grid_owner_map(t, &owner, err, errlen);

    if (rc != NB_OK)
        return rc;
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
    return NB_OK;
}

static void paths_free(char **paths, int n)
{
    for (int i = 0; paths && i < n; i++)
        free(paths[i]);
    free(paths);
}

/* The file of each table into *PATHS (NTABLES entries); NB_ERR_INPUT when
 * two tables would share a file. */
static nb_err csv_paths(const nb_doc *doc, const char *prefix, char ***paths, char *err, size_t errlen)
{
    char **p = calloc((size_t)doc->ntables + 1, sizeof *p);

    *paths = NULL;
    for (int i = 0; p && i < doc->ntables; i++) {
        if (!(p[i] = csv_path(prefix, &doc->tables[i], i))) {
            paths_free(p, i);
            p = NULL;
            break;
        }
        for (int j = 0; j < i; j++) {
            if (strcmp(p[j], p[i]) == 0) {
                snprintf(err, errlen, "%s: two tables would be written to this file (tables %d and %d)",
                         p[i], j + 1, i + 1);
                paths_free(p, i + 1);
                return NB_ERR_INPUT;
            }
        }
    }
    if (!p) {
        snprintf(err, errlen, "%s: out of memory", prefix);
        return NB_ERR_NOMEM;
    }
    *paths = p;
    return NB_OK;
}

/* Writes table T to a temporary file for PATH in OUT: closed and synced, not yet renamed. */
static nb_err csv_table(const nb_table *t, const char *path, nb_out *out, char *err, size_t errlen)
{
    nb_err rc = nb_out_open(out, path, err, errlen);

    if (rc != NB_OK)
        return rc;
    if ((rc = csv_write(out->f, t, err, errlen)) != NB_OK)
        return nb_err_prefix(rc, path, err, errlen);
    return nb_out_close(out, err, errlen);
}

/* All tables are written under temporary names first; only when every one
 * succeeded are they renamed into place. */
nb_err nb_export_csv(const nb_doc *doc, const char *prefix, char *err, size_t errlen)
{
    char **paths;
    nb_out *outs;
    nb_err rc = csv_paths(doc, prefix, &paths, err, errlen);

    if (rc != NB_OK)
        return rc;
    if (!(outs = calloc((size_t)doc->ntables + 1, sizeof *outs))) {
        paths_free(paths, doc->ntables);
        snprintf(err, errlen, "%s: out of memory", prefix);
        return NB_ERR_NOMEM;
    }
    for (int i = 0; i < doc->ntables && rc == NB_OK; i++)
        rc = csv_table(&doc->tables[i], paths[i], &outs[i], err, errlen);
    for (int i = 0; i < doc->ntables && rc == NB_OK; i++)
        rc = nb_out_commit(&outs[i], err, errlen);
    for (int i = 0; i < doc->ntables; i++)
        nb_out_discard(&outs[i]);
    free(outs);
    paths_free(paths, doc->ntables);
    return rc;
}
