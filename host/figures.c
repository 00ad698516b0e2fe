/* figures.c - a published report's tables as a year's figures (figures.h). */
#include "figures.h"

#include <jansson.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

void nb_figures_free(nb_figures *f)
{
    for (int i = 0; f->v && i < f->n; i++) {
        free(f->v[i].tbl);
        free(f->v[i].row);
        free(f->v[i].col);
    }
    free(f->v);
    free(f->format);
    free(f->body);
    memset(f, 0, sizeof *f);
}

static int key_ok(const char *k)
{
    size_t n = strlen(k);
    if (n == 0 || n > NB_FIGURES_MAX_KEY)
        return 0;
    for (const unsigned char *p = (const unsigned char *)k; *p; p++)
        if (*p < 0x20 || *p == 0x7f)
            return 0;
    return 1;
}

static const char *type_name(const json_t *v)
{
    switch (json_typeof(v)) {
    case JSON_OBJECT: return "an object";
    case JSON_ARRAY: return "an array";
    case JSON_STRING: return "a string";
    case JSON_TRUE:
    case JSON_FALSE: return "a boolean";
    default: return "a number";
    }
}

static nb_err add_cell(nb_figures *f, const char *t, const char *r, const char *c,
                       const json_t *v, const char *path, char *err, size_t errlen)
{
    if (f->n >= NB_FIGURES_MAX_CELLS) {
        snprintf(err, errlen, "%s: more than %d cells", path, NB_FIGURES_MAX_CELLS);
        return NB_ERR_LIMIT;
    }
    if (!json_is_null(v) && !json_is_number(v)) {
        snprintf(err, errlen, "%s: tables.%s.%s.%s: a number or null (got %s)", path, t, r, c,
                 type_name(v));
        return NB_ERR_INPUT;
    }
    if (f->n % 256 == 0) {
        nb_figure *nv = realloc(f->v, ((size_t)f->n + 256) * sizeof *nv);
        if (!nv)
            goto nomem;
        f->v = nv;
    }
    nb_figure *x = &f->v[f->n];
    memset(x, 0, sizeof *x);
    x->blank = json_is_null(v);
    x->value = x->blank ? 0 : json_number_value(v);
    x->tbl = strdup(t);
    x->row = strdup(r);
    x->col = strdup(c);
    f->n++;
    if (x->tbl && x->row && x->col)
        return NB_OK;
nomem:
    snprintf(err, errlen, "out of memory");
    return NB_ERR_NOMEM;
}

/* The object at KEY of the tables, rows of a table: every key checked. */
static nb_err object_of(const json_t *v, const char *where, const char *path, char *err,
                        size_t errlen)
{
    if (json_is_object(v))
        return NB_OK;
    snprintf(err, errlen, "%s: %s: an object (got %s)", path, where,
             json_is_null(v) ? "null" : type_name(v));
    return NB_ERR_INPUT;
}

static nb_err bad_key(const char *where, const char *key, const char *path, char *err,
                      size_t errlen)
{
    snprintf(err, errlen, "%s: %s: a key is empty, longer than %d bytes or holds a control "
             "character", path, where, NB_FIGURES_MAX_KEY);
    (void)key;
    return NB_ERR_INPUT;
}

static nb_err read_tables(nb_figures *f, const json_t *tables, const char *path, char *err,
                          size_t errlen)
{
    const char *t, *r, *c;
    json_t *tv, *rv, *cv;
    char where[256];
    nb_err rc = object_of(tables, "tables", path, err, errlen);
    json_object_foreach((json_t *)tables, t, tv) {
        if (rc)
            break;
        if (!key_ok(t))
            return bad_key("tables", t, path, err, errlen);
        snprintf(where, sizeof where, "tables.%s", t);
        if ((rc = object_of(tv, where, path, err, errlen)))
            break;
        json_object_foreach(tv, r, rv) {
            if (!key_ok(r))
                return bad_key(where, r, path, err, errlen);
            snprintf(where, sizeof where, "tables.%s.%s", t, r);
            if ((rc = object_of(rv, where, path, err, errlen)))
                break;
            json_object_foreach(rv, c, cv) {
                if (!key_ok(c))
                    return bad_key(where, c, path, err, errlen);
                if ((rc = add_cell(f, t, r, c, cv, path, err, errlen)))
                    break;
            }
            snprintf(where, sizeof where, "tables.%s", t);
            if (rc)
                break;
        }
    }
    if (!rc && f->n == 0) {
        snprintf(err, errlen, "%s: no table cells", path);
        rc = NB_ERR_INPUT;
    }
    return rc;
}

nb_err nb_figures_read(const char *path, nb_figures *out, char *err, size_t errlen)
{
    memset(out, 0, sizeof *out);
    struct stat sb;
    if (stat(path, &sb) != 0 || !S_ISREG(sb.st_mode)) {
        snprintf(err, errlen, "%s: not a readable file", path);
        return NB_ERR_IO;
    }
    if (sb.st_size > NB_FIGURES_MAX_BYTES) {
        snprintf(err, errlen, "%s: larger than %ld MiB", path, NB_FIGURES_MAX_BYTES >> 20);
        return NB_ERR_LIMIT;
    }
    json_error_t je;
    json_t *root = json_load_file(path, JSON_REJECT_DUPLICATES, &je);
    if (!root) {
        snprintf(err, errlen, "%s:%d:%d: %s", path, je.line, je.column, je.text);
        return NB_ERR_INPUT;
    }
    if (json_is_array(root)) {
        snprintf(err, errlen, "%s: several reports (an array, as lint --json writes for several files); "
                 "a year's figures are one report: lint its file alone with --json", path);
        json_decref(root);
        return NB_ERR_INPUT;
    }
    nb_err rc = object_of(root, "the file", path, err, errlen);
    json_t *tables = json_object_get(root, "tables");
    json_t *year = json_object_get(root, "year"), *fmt = json_object_get(root, "format");
    json_t *body = json_object_get(root, "body");
    if (!rc && year && !json_is_integer(year)) {
        snprintf(err, errlen, "%s: year: an integer (got %s)", path, type_name(year));
        rc = NB_ERR_INPUT;
    }
    if (!rc && ((fmt && !json_is_string(fmt)) || (body && !json_is_string(body)))) {
        snprintf(err, errlen, "%s: %s: a string", path, fmt && !json_is_string(fmt) ? "format" : "body");
        rc = NB_ERR_INPUT;
    }
    if (!rc) {
        out->year = year ? (int)json_integer_value(year) : 0;
        if ((fmt && !(out->format = strdup(json_string_value(fmt)))) ||
            (body && !(out->body = strdup(json_string_value(body))))) {
            snprintf(err, errlen, "out of memory");
            rc = NB_ERR_NOMEM;
        }
    }
    if (!rc)
        rc = read_tables(out, tables ? tables : root, path, err, errlen);
    json_decref(root);
    if (rc)
        nb_figures_free(out);
    return rc;
}

nb_err nb_figures_put(nb_store *s, const char *name, int year, const char *format,
                      const nb_figures *f, const char *source, char *err, size_t errlen)
{
    nb_err rc = nb_store_begin(s, err, errlen);
    if (rc)
        return rc;
    sqlite3_stmt *del = NULL, *ins = NULL;
    int64_t body;
    if ((rc = nb_store_body(s, name, 1, &body, NULL, err, errlen)))
        goto done;
    if (sqlite3_prepare_v2(s->db, "DELETE FROM figures WHERE body = ?1 AND year = ?2", -1, &del,
                           NULL) != SQLITE_OK ||
        sqlite3_prepare_v2(s->db,
                           "INSERT INTO figures(body, year, format, tbl, row, col, value, source) "
                           "VALUES(?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)",
                           -1, &ins, NULL) != SQLITE_OK) {
        rc = nb_store_sql_fail(s, err, errlen, "storing figures");
        goto done;
    }
    sqlite3_bind_int64(del, 1, body);
    sqlite3_bind_int(del, 2, year);
    if (sqlite3_step(del) != SQLITE_DONE) {
        rc = nb_store_sql_fail(s, err, errlen, "storing figures");
        goto done;
    }
    for (int i = 0; i < f->n; i++) {
        const nb_figure *x = &f->v[i];
        sqlite3_reset(ins);
        sqlite3_bind_int64(ins, 1, body);
        sqlite3_bind_int(ins, 2, year);
        sqlite3_bind_text(ins, 3, format, -1, SQLITE_STATIC);
        sqlite3_bind_text(ins, 4, x->tbl, -1, SQLITE_STATIC);
        sqlite3_bind_text(ins, 5, x->row, -1, SQLITE_STATIC);
        sqlite3_bind_text(ins, 6, x->col, -1, SQLITE_STATIC);
        if (x->blank)
            sqlite3_bind_null(ins, 7);
        else
            sqlite3_bind_double(ins, 7, x->value);
        sqlite3_bind_text(ins, 8, source, -1, SQLITE_STATIC);
        if (sqlite3_step(ins) != SQLITE_DONE) {
            rc = nb_store_sql_fail(s, err, errlen, "storing figures");
            goto done;
        }
    }
done:
    sqlite3_finalize(del);
    sqlite3_finalize(ins);
    if (rc) {
        nb_store_rollback(s);
        return rc;
    }
    return nb_store_commit(s, err, errlen);
}
