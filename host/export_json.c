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


/* The stream is written by nb_put_n and its kin (export_util.h), without stdio's lock. */

/* A JSON string: runs of characters that need no escape are written whole. */
static void json_string(FILE *f, const char *s)
{
    putc_unlocked('"', f);
    while (*s) {
        size_t n = 0;
        while (s[n] && (unsigned char)s[n] >= 0x20 && s[n] != '"' && s[n] != '\\')
            n++;
        nb_put_n(f, s, n);
        s += n;
        if (!*s)
            break;
        unsigned char ch = (unsigned char)*s++;
        switch (ch) {
        case '"': nb_put_s(f, "\\\""); break;
        case '\\': nb_put_s(f, "\\\\"); break;
        case '\n': nb_put_s(f, "\\n"); break;
        case '\r': nb_put_s(f, "\\r"); break;
        case '\t': nb_put_s(f, "\\t"); break;
        case '\b': nb_put_s(f, "\\b"); break;
        case '\f': nb_put_s(f, "\\f"); break;
        default: fprintf(f, "\\u%04x", ch); break;
        }
    }
    putc_unlocked('"', f);
}

static void json_string_or_null(FILE *f, const char *s)
{
    if (s)
        json_string(f, s);
    else
        nb_put_s(f, "null");
}

/* A number: money as shown (two decimals, trailing zeros trimmed: 21350.46,
 * 12.5, 7), other decimals in their shortest exact form. */
static void json_number(FILE *f, const nb_cell *c)
{
    char buf[64];
    double v = c->num;

    if (!isfinite(v)) {
        nb_put_s(f, "null");
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
    nb_put_s(f, buf);
}

static void json_value(FILE *f, const nb_cell *c)
{
    switch (c->type) {
    case NB_V_INT:
        nb_put_ll(f, c->i);
        break;
    case NB_V_NUM:
        json_number(f, c);
        break;
    case NB_V_TEXT:
        json_string(f, str_or_empty(c->text));
        break;
    default:
        nb_put_s(f, "null");
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

/* A table's cells by row key: POS[0..N) the grid positions of the cells that have a row
 * key, grouped by it, each group in grid order (sorted by key, then position). */
typedef struct {
    const nb_table *t;
    size_t *pos, n;
} json_index;

/* A cell with a row key, for the sort: its key read once (each comparison read both
 * cells' keys through the grid again: a tenth of a regeneration's JSON). */
typedef struct {
    const char *rk;
    size_t pos;
} keyed_pos;

static int pos_cmp(const void *x, const void *y)
{
    const keyed_pos *a = x, *b = y;
    int c = a->rk == b->rk ? 0 : strcmp(a->rk, b->rk); /* a grid row's cells share theirs */
    return c ? c : (a->pos < b->pos ? -1 : a->pos > b->pos);
}

static nb_err json_index_make(const nb_table *t, json_index *ix)
{
    size_t n = (size_t)t->nrows * (size_t)t->ncols;
    keyed_pos *k = malloc((n ? n : 1) * sizeof *k);
    ix->t = t;
    ix->n = 0;
    ix->pos = malloc((n ? n : 1) * sizeof *ix->pos);
    if (!ix->pos || !k) {
        free(k);
        free(ix->pos);
        ix->pos = NULL;
        return NB_ERR_NOMEM;
    }
    for (size_t a = 0; a < n; a++) {
        const char *rk, *key;
        json_keys_at(t, a, &rk, &key);
        if (rk)
            k[ix->n++] = (keyed_pos){rk, a};
    }
    qsort(k, ix->n, sizeof *k, pos_cmp);
    for (size_t i = 0; i < ix->n; i++)
        ix->pos[i] = k[i].pos;
    free(k);
    return NB_OK;
}

/* The end of the group that starts at I. */
static size_t group_end(const json_index *ix, size_t i)
{
    const char *rk, *rk2, *key;
    json_keys_at(ix->t, ix->pos[i], &rk, &key);
    size_t j = i + 1;
    while (j < ix->n && (json_keys_at(ix->t, ix->pos[j], &rk2, &key), strcmp(rk, rk2) == 0))
        j++;
    return j;
}

/* Rejects a table of the wrong shape, and duplicate keys, which would make
 * the JSON ambiguous: NB_ERR_INPUT. Its index is made into IX (kept for the writing: made
 * there again, it was the JSON's largest sort). */
static nb_err json_table_valid(const nb_doc *doc, int i, json_index *ix_out, char *err, size_t errlen)
{
    const nb_table *t = &doc->tables[i];
    nb_err rc = grid_shape_valid(t, err, errlen);

    if (rc != NB_OK)
        return rc;
    for (int j = 0; j < i; j++) {
        if (doc->tables[j].id && strcmp(doc->tables[j].id, t->id) == 0) {
            snprintf(err, errlen, "duplicate table id '%s' (tables %d and %d)", t->id, j + 1, i + 1);
            return NB_ERR_INPUT;
        }
    }
    json_index ix;
    if (json_index_make(t, &ix) != NB_OK) {
        snprintf(err, errlen, "out of memory");
        return NB_ERR_NOMEM;
    }
    *ix_out = ix;
    /* within each row, a column key once (a row has a few cells) */
    for (size_t g = 0; g < ix.n && rc == NB_OK;) {
        size_t end = group_end(&ix, g);
        for (size_t a = g; a < end && rc == NB_OK; a++) {
            const char *rk, *key, *rk2, *key2;
            json_keys_at(t, ix.pos[a], &rk, &key);
            for (size_t b = g; b < a && key; b++) {
                json_keys_at(t, ix.pos[b], &rk2, &key2);
                if (key2 && strcmp(key, key2) == 0) {
                    snprintf(err, errlen, "table '%s': row '%s' has column key '%s' twice", t->id, rk, key);
                    rc = NB_ERR_INPUT;
                    break;
                }
            }
        }
        g = end;
    }
    return rc;
}

/* Checks every table with an id, making its index into IXS[i] (freed by the caller, as
 * the indexes of the others: a table without an id has none, pos NULL). */
static nb_err json_doc_valid(const nb_doc *doc, json_index *ixs, char *err, size_t errlen)
{
    nb_err rc = NB_OK;

    for (int i = 0; i < doc->ntables && rc == NB_OK; i++) {
        if (doc->tables[i].id)
            rc = json_table_valid(doc, i, &ixs[i], err, errlen);
    }
    return rc;
}

/* The object of the row whose cells are POS[G..END) (grid order): its cells with a key. */
static void json_row(FILE *f, const json_index *ix, size_t g, size_t end)
{
    const char *rk, *key;
    int first_cell = 1;

    json_keys_at(ix->t, ix->pos[g], &rk, &key);
    json_string(f, rk);
    nb_put_s(f, ": {");
    for (size_t i = g; i < end; i++) {
        json_keys_at(ix->t, ix->pos[i], &rk, &key);
        if (!key)
            continue;
        nb_put_s(f, first_cell ? "\n        " : ",\n        ");
        first_cell = 0;
        json_string(f, key);
        nb_put_s(f, ": ");
        json_value(f, &ix->t->cells[ix->pos[i]]);
    }
    nb_put_s(f, first_cell ? "}" : "\n      }");
}

typedef struct {
    size_t first, g, end; /* the row's first grid position; its cells POS[G..END) */
} json_group;

static int group_cmp(const void *x, const void *y)
{
    const json_group *a = x, *b = y;
    return a->first < b->first ? -1 : a->first > b->first;
}

/* A table's object (its index IX): its rows by key, in order of first appearance.
 * NB_ERR_NOMEM. */
static nb_err json_table(FILE *f, const nb_table *t, const json_index *ixp)
{
    const json_index ix = *ixp;
    json_group *groups = NULL;
    size_t ng = 0;

    if (!(groups = malloc((ix.n ? ix.n : 1) * sizeof *groups)))
        return NB_ERR_NOMEM;
    for (size_t g = 0; g < ix.n;) {
        size_t end = group_end(&ix, g);
        groups[ng++] = (json_group){ix.pos[g], g, end};
        g = end;
    }
    qsort(groups, ng, sizeof *groups, group_cmp);
    json_string(f, t->id);
    nb_put_s(f, ": {");
    for (size_t i = 0; i < ng; i++) {
        nb_put_s(f, i ? ",\n      " : "\n      ");
        json_row(f, &ix, groups[i].g, groups[i].end);
    }
    nb_put_s(f, ng ? "\n    }" : "}");
    free(groups);
    return NB_OK;
}

/* "tables": the tables with an id (their indexes IXS). NB_ERR_NOMEM. */
static nb_err json_tables(FILE *f, const nb_doc *doc, const json_index *ixs)
{
    int first_table = 1;

    nb_put_s(f, "  \"tables\": {");
    for (int i = 0; i < doc->ntables; i++) {
        if (!doc->tables[i].id)
            continue;
        nb_put_s(f, first_table ? "\n    " : ",\n    ");
        first_table = 0;
        if (json_table(f, &doc->tables[i], &ixs[i]) != NB_OK)
            return NB_ERR_NOMEM;
    }
    nb_put_s(f, first_table ? "},\n" : "\n  },\n");
    return NB_OK;
}

/* A check: the fields of export_checks.h by their keys, then the evidence
 * and the message (kept apart, and whole). */
static void json_check(FILE *f, const nb_check *k)
{
    nb_put_s(f, "    {");
    for (int c = 0; c < NB_CHECK_FIELDS; c++) {
        const nb_cell *v = nb_check_value(k, c);
        nb_put_s(f, c ? ",\n      \"" : "\n      \"");
        nb_put_s(f, nb_check_keys[c]);
        nb_put_s(f, "\": ");
        if (v)
            json_value(f, v);
        else
            json_string_or_null(f, nb_check_field(k, c));
    }
    nb_put_s(f, ",\n      \"evidence\": [");
    for (int e = 0; e < k->nevidence; e++) {
        nb_put_s(f, e ? ",\n        " : "\n        ");
        json_string_or_null(f, k->evidence[e]);
    }
    nb_put_s(f, k->nevidence > 0 ? "\n      ]" : "]");
    if (k->message) {
        nb_put_s(f, ",\n      \"message\": ");
        json_string(f, k->message);
    }
    nb_put_s(f, "\n    }");
}

static nb_err json_write(FILE *f, const nb_doc *doc, const json_index *ixs)
{
    nb_put_s(f, "{\n  \"body\": ");
    json_string_or_null(f, doc->body);
    fprintf(f, ",\n  \"year\": %d,\n  \"format\": ", doc->year);
    json_string_or_null(f, doc->format);
    nb_put_s(f, ",\n");
    if (json_tables(f, doc, ixs) != NB_OK)
        return NB_ERR_NOMEM;
    nb_put_s(f, "  \"checks\": [");
    for (int i = 0; i < doc->nchecks; i++) {
        nb_put_s(f, i ? ",\n" : "\n");
        json_check(f, &doc->checks[i]);
    }
    nb_put_s(f, doc->nchecks > 0 ? "\n  ]\n}\n" : "]\n}\n");
    return NB_OK;
}

nb_err nb_export_json(const nb_doc *doc, const char *path, char *err, size_t errlen)
{
    nb_out o;
    nb_err rc;
    json_index *ixs = calloc((size_t)doc->ntables + 1, sizeof *ixs);

    if (!ixs) {
        snprintf(err, errlen, "out of memory");
        return nb_err_prefix(NB_ERR_NOMEM, path, err, errlen);
    }
    if ((rc = json_doc_valid(doc, ixs, err, errlen)) != NB_OK) {
        rc = nb_err_prefix(rc, path, err, errlen);
    } else if ((rc = nb_out_open(&o, path, err, errlen)) == NB_OK) {
        if (json_write(o.f, doc, ixs) != NB_OK) {
            snprintf(err, errlen, "out of memory");
            rc = nb_out_fail(&o, NB_ERR_NOMEM, err, errlen);
        } else {
            rc = nb_out_finish(&o, err, errlen);
        }
    }
    for (int i = 0; i < doc->ntables; i++)
        free(ixs[i].pos);
    free(ixs);
    return rc;
}
