/* export_json.c - the JSON exporter: the stable contract of DESIGN.md (tables by row and
 * column key, then the checks, whole: every evidence item). Depends on libc. */
#include "export.h"
#include "export_checks.h"
#include "export_grid.h"
#include "export_util.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>


/* A JSON string: runs of characters that need no escape are written whole. */
static void json_string(FILE *f, const char *s)
{
    fputc('"', f);
    while (*s) {
        size_t n = 0;
        while (s[n] && (unsigned char)s[n] >= 0x20 && s[n] != '"' && s[n] != '\\')
            n++;
        fwrite(s, 1, n, f);
        s += n;
        if (!*s)
            break;
        unsigned char ch = (unsigned char)*s++;
        switch (ch) {
        case '"': fputs("\\\"", f); break;
        case '\\': fputs("\\\\", f); break;
        case '\n': fputs("\\n", f); break;
        case '\r': fputs("\\r", f); break;
        case '\t': fputs("\\t", f); break;
        case '\b': fputs("\\b", f); break;
        case '\f': fputs("\\f", f); break;
        default: fprintf(f, "\\u%04x", ch); break;
        }
    }
    fputc('"', f);
}

static void json_string_or_null(FILE *f, const char *s)
{
    if (s)
        json_string(f, s);
    else
        fputs("null", f);
}

/* A number: money as shown (two decimals, trailing zeros trimmed: 21350.46,
 * 12.5, 7), other decimals in their shortest exact form. */
static void json_number(FILE *f, const nb_cell *c)
{
    char buf[64];
    double v = c->num;

    if (!isfinite(v)) {
        fputs("null", f);
        return;
    }
    if (c->fmt == NB_FMT_MONEY || c->fmt == NB_FMT_MONEY_UNIT) {
        char *end;
        snprintf(buf, sizeof buf, "%.2f", v);
        end = buf + strlen(buf);
        while (end > buf && end[-1] == '0')
            *--end = '\0';
        if (end > buf && end[-1] == '.')
            *--end = '\0';
        if (strcmp(buf, "-0") == 0)
            strcpy(buf, "0");
    } else if (v == 0) {
        strcpy(buf, "0");
    } else {
        for (int prec = 1; prec <= 17; prec++) {
            snprintf(buf, sizeof buf, "%.*g", prec, v);
            if (strtod(buf, NULL) == v)
                break;
        }
    }
    fputs(buf, f);
}

static void json_value(FILE *f, const nb_cell *c)
{
    switch (c->type) {
    case NB_V_INT:
        fprintf(f, "%lld", c->i);
        break;
    case NB_V_NUM:
        json_number(f, c);
        break;
    case NB_V_TEXT:
        json_string(f, str_or_empty(c->text));
        break;
    default:
        fputs("null", f);
        break;
    }
}

/* The JSON row key of cell (r, c): its own, else its grid row's. */
static const char *json_row_key(const nb_table *t, int r, int c)
{
    const nb_cell *cell = grid_cell(t, r, c);
    if (cell->row)
        return cell->row;
    return t->row_keys ? t->row_keys[r] : NULL;
}

/* The row key and column key of grid position A (row-major); either may be NULL. */
static void json_keys_at(const nb_table *t, size_t a, const char **row, const char **col)
{
    int r = (int)(a / (size_t)t->ncols), c = (int)(a % (size_t)t->ncols);

    *row = json_row_key(t, r, c);
    *col = grid_cell(t, r, c)->key;
}

/* Rejects a table of the wrong shape, and duplicate keys, which would make
 * the JSON ambiguous: NB_ERR_INPUT. */
static nb_err json_table_valid(const nb_doc *doc, int i, char *err, size_t errlen)
{
    const nb_table *t = &doc->tables[i];
    size_t n = (size_t)t->nrows * (size_t)t->ncols;
    nb_err rc = grid_shape_valid(t, err, errlen);

    if (rc != NB_OK)
        return rc;
    for (int j = 0; j < i; j++) {
        if (doc->tables[j].id && strcmp(doc->tables[j].id, t->id) == 0) {
            snprintf(err, errlen, "duplicate table id '%s' (tables %d and %d)", t->id, j + 1, i + 1);
            return NB_ERR_INPUT;
        }
    }
    for (size_t a = 0; a < n; a++) {
        const char *rk, *key, *rk2, *key2;
        json_keys_at(t, a, &rk, &key);
        for (size_t b = 0; b < a && rk && key; b++) {
            json_keys_at(t, b, &rk2, &key2);
            if (rk2 && key2 && strcmp(rk, rk2) == 0 && strcmp(key, key2) == 0) {
                snprintf(err, errlen, "table '%s': row '%s' has column key '%s' twice", t->id, rk, key);
                return NB_ERR_INPUT;
            }
        }
    }
    return NB_OK;
}

static nb_err json_doc_valid(const nb_doc *doc, char *err, size_t errlen)
{
    nb_err rc = NB_OK;

    for (int i = 0; i < doc->ntables && rc == NB_OK; i++) {
        if (doc->tables[i].id)
            rc = json_table_valid(doc, i, err, errlen);
    }
    return rc;
}

/* 1 when row key RK appears before grid position A (with or without cells). */
static int json_row_seen(const nb_table *t, size_t a, const char *rk)
{
    for (size_t b = 0; b < a; b++) {
        const char *rk2, *key2;
        json_keys_at(t, b, &rk2, &key2);
        if (rk2 && strcmp(rk2, rk) == 0)
            return 1;
    }
    return 0;
}

/* The object of row RK: its cells with a key, in grid order from position A. */
static void json_row(FILE *f, const nb_table *t, size_t a, const char *rk)
{
    size_t n = (size_t)t->nrows * (size_t)t->ncols;
    int first_cell = 1;

    json_string(f, rk);
    fputs(": {", f);
    for (size_t b = a; b < n; b++) {
        const char *rk2, *key;
        json_keys_at(t, b, &rk2, &key);
        if (!key || !rk2 || strcmp(rk2, rk) != 0)
            continue;
        fputs(first_cell ? "\n        " : ",\n        ", f);
        first_cell = 0;
        json_string(f, key);
        fputs(": ", f);
        json_value(f, &t->cells[b]);
    }
    fputs(first_cell ? "}" : "\n      }", f);
}

/* A table's object: its rows by key, in order of first appearance. */
static void json_table(FILE *f, const nb_table *t)
{
    size_t n = (size_t)t->nrows * (size_t)t->ncols;
    int first_row = 1;

    json_string(f, t->id);
    fputs(": {", f);
    for (size_t a = 0; a < n; a++) {
        const char *rk, *key;
        json_keys_at(t, a, &rk, &key);
        if (!rk || json_row_seen(t, a, rk))
            continue;
        fputs(first_row ? "\n      " : ",\n      ", f);
        first_row = 0;
        json_row(f, t, a, rk);
    }
    fputs(first_row ? "}" : "\n    }", f);
}

/* "tables": the tables with an id. */
static void json_tables(FILE *f, const nb_doc *doc)
{
    int first_table = 1;

    fputs("  \"tables\": {", f);
    for (int i = 0; i < doc->ntables; i++) {
        if (!doc->tables[i].id)
            continue;
        fputs(first_table ? "\n    " : ",\n    ", f);
        first_table = 0;
        json_table(f, &doc->tables[i]);
    }
    fputs(first_table ? "},\n" : "\n  },\n", f);
}

/* A check: the fields of export_checks.h by their keys, then the evidence
 * and the message (kept apart, and whole). */
static void json_check(FILE *f, const nb_check *k)
{
    fputs("    {", f);
    for (int c = 0; c < NB_CHECK_FIELDS; c++) {
        const nb_cell *v = nb_check_value(k, c);
        fprintf(f, "%s\n      \"%s\": ", c ? "," : "", nb_check_keys[c]);
        if (v)
            json_value(f, v);
        else
            json_string_or_null(f, nb_check_field(k, c));
    }
    fputs(",\n      \"evidence\": [", f);
    for (int e = 0; e < k->nevidence; e++) {
        fputs(e ? ",\n        " : "\n        ", f);
        json_string_or_null(f, k->evidence[e]);
    }
    fputs(k->nevidence > 0 ? "\n      ]" : "]", f);
    if (k->message) {
        fputs(",\n      \"message\": ", f);
        json_string(f, k->message);
    }
    fputs("\n    }", f);
}

static void json_write(FILE *f, const nb_doc *doc)
{
    fputs("{\n  \"body\": ", f);
    json_string_or_null(f, doc->body);
    fprintf(f, ",\n  \"year\": %d,\n  \"format\": ", doc->year);
    json_string_or_null(f, doc->format);
    fputs(",\n", f);
    json_tables(f, doc);
    fputs("  \"checks\": [", f);
    for (int i = 0; i < doc->nchecks; i++) {
        fputs(i ? ",\n" : "\n", f);
        json_check(f, &doc->checks[i]);
    }
    fputs(doc->nchecks > 0 ? "\n  ]\n}\n" : "]\n}\n", f);
}

nb_err nb_export_json(const nb_doc *doc, const char *path, char *err, size_t errlen)
{
    nb_out o;
    nb_err rc;

    if ((rc = json_doc_valid(doc, err, errlen)) != NB_OK)
        return nb_err_prefix(rc, path, err, errlen);
    if ((rc = nb_out_open(&o, path, err, errlen)) != NB_OK)
        return rc;
    json_write(o.f, doc);
    return nb_out_finish(&o, err, errlen);
}
