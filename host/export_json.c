/* export_json.c - the JSON exporter: the stable contract of DESIGN.md (tables by row and
 * column key, then the checks). */
#include "export_util.h"
#include "export_grid.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>


static void json_string(FILE *f, const char *s)
{
    fputc('"', f);
    for (; *s; s++) {
        unsigned char ch = (unsigned char)*s;
        switch (ch) {
        case '"': fputs("\\\"", f); break;
        case '\\': fputs("\\\\", f); break;
        case '\n': fputs("\\n", f); break;
        case '\r': fputs("\\r", f); break;
        case '\t': fputs("\\t", f); break;
        case '\b': fputs("\\b", f); break;
        case '\f': fputs("\\f", f); break;
        default:
            if (ch < 0x20)
                fprintf(f, "\\u%04x", ch);
            else
                fputc(ch, f);
            break;
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

/* Rejects duplicate keys, which would make the JSON ambiguous. */
static int json_keys_unique(const nb_doc *doc, char *err, size_t errlen)
{
    for (int i = 0; i < doc->ntables; i++) {
        const nb_table *t = &doc->tables[i];
        if (!t->id)
            continue;
        for (int j = 0; j < i; j++) {
            if (doc->tables[j].id && strcmp(doc->tables[j].id, t->id) == 0) {
                snprintf(err, errlen, "duplicate table id '%s' (tables %d and %d)", t->id, j + 1, i + 1);
                return 0;
            }
        }
        size_t n = (size_t)t->nrows * (size_t)t->ncols;
        for (size_t a = 0; a < n; a++) {
            int r = (int)(a / (size_t)t->ncols), c = (int)(a % (size_t)t->ncols);
            const char *rk = json_row_key(t, r, c), *key = grid_cell(t, r, c)->key;
            if (!rk || !key)
                continue;
            for (size_t b = 0; b < a; b++) {
                int r2 = (int)(b / (size_t)t->ncols), c2 = (int)(b % (size_t)t->ncols);
                const char *rk2 = json_row_key(t, r2, c2), *key2 = grid_cell(t, r2, c2)->key;
                if (rk2 && key2 && strcmp(rk, rk2) == 0 && strcmp(key, key2) == 0) {
                    snprintf(err, errlen, "table '%s': row '%s' has column key '%s' twice",
                             t->id, rk, key);
                    return 0;
                }
            }
        }
    }
    return 1;
}

/* "tables": tables with an id; rows by key in order of first appearance;
 * in each, the cells with a key, in grid order. */
static void json_tables(FILE *f, const nb_doc *doc)
{
    int first_table = 1;

    fputs("  \"tables\": {", f);
    for (int i = 0; i < doc->ntables; i++) {
        const nb_table *t = &doc->tables[i];
        int first_row = 1;
        if (!t->id)
            continue;
        fputs(first_table ? "\n    " : ",\n    ", f);
        first_table = 0;
        json_string(f, t->id);
        fputs(": {", f);
        size_t n = (size_t)t->nrows * (size_t)t->ncols;
        for (size_t a = 0; a < n; a++) {
            int r = (int)(a / (size_t)t->ncols), c = (int)(a % (size_t)t->ncols);
            const char *rk = json_row_key(t, r, c);
            if (!rk)
                continue;
            /* Only at the first appearance of the row key (with or without cells). */
            int seen = 0;
            for (size_t b = 0; b < a && !seen; b++) {
                const char *rk2 = json_row_key(t, (int)(b / (size_t)t->ncols), (int)(b % (size_t)t->ncols));
                seen = rk2 && strcmp(rk2, rk) == 0;
            }
            if (seen)
                continue;
            int first_cell = 1;
            fputs(first_row ? "\n      " : ",\n      ", f);
            first_row = 0;
            json_string(f, rk);
            fputs(": {", f);
            for (size_t b = a; b < n; b++) {
                int r2 = (int)(b / (size_t)t->ncols), c2 = (int)(b % (size_t)t->ncols);
                const nb_cell *cell = grid_cell(t, r2, c2);
                const char *rk2 = json_row_key(t, r2, c2);
                if (!cell->key || !rk2 || strcmp(rk2, rk) != 0)
                    continue;
                fputs(first_cell ? "\n        " : ",\n        ", f);
                first_cell = 0;
                json_string(f, cell->key);
                fputs(": ", f);
                json_value(f, cell);
            }
            fputs(first_cell ? "}" : "\n      }", f);
        }
        fputs(first_row ? "}" : "\n    }", f);
    }
    fputs(first_table ? "},\n" : "\n  },\n", f);
}

static void json_check(FILE *f, const nb_check *k)
{
    fputs("    {\n      \"id\": ", f);
    json_string_or_null(f, k->id);
    fputs(",\n      \"severity\": ", f);
    json_string_or_null(f, k->severity);
    fputs(",\n      \"title\": ", f);
    json_string_or_null(f, k->title);
    fputs(",\n      \"formula\": ", f);
    json_string_or_null(f, k->formula);
    fputs(",\n      \"left\": ", f);
    json_value(f, &k->left);
    fputs(",\n      \"right\": ", f);
    json_value(f, &k->right);
    fputs(",\n      \"status\": ", f);
    json_string_or_null(f, k->status);
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

int nb_export_json(const nb_doc *doc, const char *path, char *err, size_t errlen)
{
    FILE *f;

    if (!json_keys_unique(doc, err, errlen))
        return nb_out_err_prefix(path, err, errlen);
    if (!(f = nb_out_open(path, err, errlen)))
        return -1;
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
    return nb_out_close(f, path, err, errlen);
}
