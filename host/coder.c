/* coder.c - one row of text in, one coded record (or the reasons it is refused) out. */
#include "coder.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

/* Distinct unknown values remembered with their counts; more are only counted. */
#define MAX_UNKNOWN 1000
/* Bytes of the values the coder remembers (code_of), each counted with 48 of the map's:
   past them a value is looked up each time. A field has a few values, but a file may give
   any number (30,000 distinct applicants of 4 KB kept 120 MB, found by a review). */
#define CODED_MOST ((size_t)4 << 20)

/* An unknown categorical value, reported once with its count. */
typedef struct {
    int field;
    char *value;
    long count;
    long first_line;
} unknown_val;

struct nb_coder {
    nb_store *s;
    const nb_kind *k;
    const nb_mapping *map;
    int allow_serial;
    int latest;                /* the latest date a record may have (YYYYMMDD): a year ahead */
    char latest_why[80];       /* and why a later one is refused */
    int col_of[NB_MAX_FIELDS]; /* column of each field, -1 when absent */
    int id_col;
    int body_col;              /* column naming each row's body, -1 when absent */
    nb_buf header;             /* the header as given, unit-separated */
    size_t ncols;              /* the header's columns */
    /* value met -> dictionary id (0: unknown) times 2, plus 1 when the value is
       the stored one's own code or label (nothing to keep of it) */
    nb_strmap coded[NB_MAX_FIELDS];
    size_t coded_bytes;        /* their values' bytes, within CODED_MOST */
    long open_values[NB_MAX_FIELDS]; /* an open vocabulary's values in the store (-1: not
                                        counted yet) */
    int plain[NB_MAX_FIELDS];  /* the last row's value of the field is its stored one's */
    unknown_val *unknown;
    int nunknown;
    long unknown_more;         /* rows with unknown values beyond MAX_UNKNOWN */
    nb_strmap unknown_idx;     /* "field\037value" -> index into unknown */
    /* The kind's rules, as field indexes. */
    int order_a[NB_MAX_FIELDS], order_b[NB_MAX_FIELDS], norder;
    int pair_a[NB_MAX_FIELDS], pair_b[NB_MAX_FIELDS], npair;
};

static void diag(nb_diag_fn fn, void *ud, const char *file, long line, const char *field,
                 const char *reason, const char *value, int note)
{
    nb_diag d = {file, line, field, reason, value, note};
    if (fn)
        fn(ud, &d);
}

nb_err nb_coder_new(nb_store *s, const nb_kind *k, const nb_mapping *map, int allow_serial,
                    nb_coder **out, char *err, size_t errlen)
{
    nb_coder *c = calloc(1, sizeof *c);
    *out = NULL;
    if (!c) {
        snprintf(err, errlen, "out of memory");
        return NB_ERR_NOMEM;
    }
    c->s = s;
    c->k = k;
    c->map = map;
    c->allow_serial = allow_serial;
    /* A date more than a year from today is a typo (2202 for 2022): no event of a record
       lies that far ahead, and a calendar of holidays is published a year ahead at most
       (but a field the catalogue marks: a document's planned repeal). */
    time_t now = time(NULL);
    struct tm tm;
    if (localtime_r(&now, &tm)) {
        int y = tm.tm_year + 1900 + 1, m = tm.tm_mon + 1, d = tm.tm_mday;
        if (m == 2 && d == 29)
            d = 28;
        c->latest = y * 10000 + m * 100 + d;
        snprintf(c->latest_why, sizeof c->latest_why, "more than a year from today (after %04d-%02d-%02d)",
                 y, m, d);
    } else {
        c->latest = 99991231;
    }
    c->id_col = -1;
    c->body_col = -1;
    for (int f = 0; f < NB_MAX_FIELDS; f++) {
        c->col_of[f] = -1;
        c->open_values[f] = -1;
        nb_strmap_init(&c->coded[f]);
    }
    nb_strmap_init(&c->unknown_idx);
    for (int r = 0; r < k->nrules; r++) {
        int a = nb_field_find(k, k->rules[r].a), b = nb_field_find(k, k->rules[r].b);
        if (k->rules[r].type == NB_RULE_ORDER) {
            c->order_a[c->norder] = a;
            c->order_b[c->norder++] = b;
        } else {
            c->pair_a[c->npair] = a;
            c->pair_b[c->npair++] = b;
        }
    }
    *out = c;
    return NB_OK;
}

void nb_coder_free(nb_coder *c)
{
    if (!c)
        return;
    for (int f = 0; f < NB_MAX_FIELDS; f++)
        nb_strmap_free(&c->coded[f]);
    for (int i = 0; i < c->nunknown; i++)
        free(c->unknown[i].value);
    free(c->unknown);
    nb_strmap_free(&c->unknown_idx);
    nb_buf_free(&c->header);
    free(c);
}

const char *nb_coder_header_text(const nb_coder *c)
{
    return c->header.data ? c->header.data : "";
}

const nb_kind *nb_coder_kind(const nb_coder *c)
{
    return c->k;
}

int nb_coder_body_column(const nb_coder *c)
{
    return c->body_col;
}

int nb_coder_column(const nb_coder *c, int f)
{
    return f == -1 ? c->id_col : c->col_of[f];
}

/* ---- header ---- */

/* The field a header name stands for: -1 id, 0.. a field, -2 none. */
static int header_field(const nb_coder *c, const char *name)
{
    int f = nb_field_find(c->k, name);
    if (f == -2) {
        const char *mapped = nb_mapping_field(c->map, c->k->name, name);
        if (mapped)
            f = nb_field_find(c->k, mapped);
    }
    return f;
}

/* The characters of S (UTF-8) into CP (at most MAX); returns their number. */
static int chars_of(const char *s, uint32_t *cp, int max)
{
    int n = 0;
    for (const unsigned char *p = (const unsigned char *)s; *p && n < max;) {
        int len = *p < 0x80 ? 1 : *p < 0xe0 ? 2 : *p < 0xf0 ? 3 : 4;
        uint32_t c = *p++;
        for (int i = 1; i < len && *p; i++)
            c = c << 8 | *p++;
        cp[n++] = c;
    }
    return n;
}

/* The characters A and B begin or end with alike (the longer run of the two); *SHORTER
 * gets the fewer characters of the two. */
static int common_affix(const char *a, const char *b, int *shorter)
{
    uint32_t x[64], y[64];
    int nx = chars_of(a, x, 64), ny = chars_of(b, y, 64), pre = 0, suf = 0;
    *shorter = nx < ny ? nx : ny;
    while (pre < *shorter && x[pre] == y[pre])
        pre++;
    while (suf < *shorter && x[nx - 1 - suf] == y[ny - 1 - suf])
        suf++;
    return pre > suf ? pre : suf;
}

#define NEAR_NONE (-3)

/* The field whose column the file lacks that column NAME most looks like (it begins or
 * ends like one of the field's headers, two characters and half the shorter at least:
 * 办结时间 for 办结日期, 处理结果 for 办理结果), -1 for the id's (编号), or NEAR_NONE. */
static int near_field(const nb_coder *c, const char *name)
{
    const nb_kind *k = c->k;
    int best = NEAR_NONE, best_common = 1, shorter;
    if (c->id_col < 0) { /* the id first: 申请编号 is 编号's, not 申请人类型's (a tie) */
        int common = common_affix(name, NB_ID_HEADER, &shorter);
        if (common > best_common && 2 * common >= shorter) {
            best = -1;
            best_common = common;
        }
    }
    for (int f = 0; f < k->nfields; f++) {
        if (c->col_of[f] >= 0)
            continue;
        char headers[256];
        snprintf(headers, sizeof headers, "%s|%s", k->fields[f].aliases ? k->fields[f].aliases : "",
                 k->fields[f].name);
        char *save;
        for (char *h = strtok_r(headers, "|", &save); h; h = strtok_r(NULL, "|", &save)) {
            int common = common_affix(name, h, &shorter);
            if (common > best_common && 2 * common >= shorter) {
                best = f;
                best_common = common;
            }
        }
    }
    return best;
}

/* Reports every required column that is absent. Returns 1 if any. */
static int missing_columns(nb_coder *c, const char *file, nb_diag_fn fn, void *ud)
{
    const nb_kind *k = c->k;
    char reason[256], alias[64];
    int bad = 0;
    if (c->id_col < 0 && k->id_required) {
        diag(fn, ud, file, 1, NULL, "missing required column 'id' (" NB_ID_HEADER ")", NULL, 0);
        bad = 1;
    }
    for (int f = 0; f < k->nfields; f++)
        if (c->col_of[f] < 0 && k->fields[f].required) {
            snprintf(reason, sizeof reason, "missing required column '%s' (%s)",
                     k->fields[f].name, nb_field_alias(&k->fields[f], alias, sizeof alias));
            diag(fn, ud, file, 1, NULL, reason, NULL, 0);
            bad = 1;
        }
    return bad;
}

/* Whether the header H of one column holds tabs or semicolons (a file not separated by
 * commas): said, with the header shown (a tab as \t). 1 when said. */
static int one_column(const char *file, const char *h, nb_diag_fn fn, void *ud)
{
    const char *sep = strchr(h, '\t') ? "tabs" : strchr(h, ';') ? "semicolons" : NULL;
    if (!sep)
        return 0;
    nb_buf r = {0};
    nb_buf_printf(&r, "the header is one column ('");
    const char *p = h;
    for (; *p && r.len < 200; p++) /* a character cut at 200 bytes is ended by "…" */
        if (*p == '\t')
            nb_buf_adds(&r, "\\t");
        else
            nb_buf_add(&r, p, 1);
    while (*p && ((unsigned char)*p & 0xC0) == 0x80) /* the rest of a character begun */
        nb_buf_add(&r, p++, 1);
    nb_buf_printf(&r, "%s'): its columns are apart by %s; nianbao reads CSV with commas between "
                      "columns (save the file as CSV, comma-separated)", *p ? "…" : "", sep);
    diag(fn, ud, file, 1, NULL, r.data ? r.data : "", NULL, 0);
    nb_buf_free(&r);
    return 1;
}

nb_err nb_coder_header(nb_coder *c, const char *file, char **h, size_t n, nb_diag_fn fn,
                       void *ud)
{
    const nb_kind *k = c->k;
    int bad = 0;
    char reason[1024];
    if (n == 1 && one_column(file, h[0], fn, ud))
        return NB_ERR_INPUT;
    c->header.len = 0;
    c->ncols = n;
    for (size_t col = 0; col < n; col++) {
        char *name = nb_trim(h[col]);
        if ((col && nb_buf_add(&c->header, "\037", 1)) || nb_buf_adds(&c->header, name))
            return NB_ERR_NOMEM;
        if (strchr(name, '\037')) { /* the store keeps the header's names separated by it */
            snprintf(reason, sizeof reason, "column %zu's name holds the control character 0x1f "
                     "(unit separator): rename the column", col + 1);
            diag(fn, ud, file, 1, NULL, reason, NULL, 0);
            bad = 1;
            continue;
        }
        int f = header_field(c, name);
        if (f == -2 && nb_fields_find(&nb_record_body, 1, name) == 0) {
            if (c->body_col >= 0) {
                snprintf(reason, sizeof reason, "columns '%s' and '%s' both name the body",
                         h[c->body_col], name);
                diag(fn, ud, file, 1, NULL, reason, NULL, 0);
                bad = 1;
            } else {
                c->body_col = (int)col;
            }
            continue;
        }
        if (f == -2)
            continue; /* noted below, once every field's column is known */
        int *slot = f == -1 ? &c->id_col : &c->col_of[f];
        if (*slot >= 0) {
            snprintf(reason, sizeof reason, "columns '%s' and '%s' both give field '%s'",
                     h[*slot], name, f == -1 ? "id" : k->fields[f].name);
            diag(fn, ud, file, 1, NULL, reason, NULL, 0);
            bad = 1;
            continue;
        }
        *slot = (int)col;
    }
    for (size_t col = 0; col < n; col++) {
        const char *name = h[col];
        if (!*name || (int)col == c->body_col || header_field(c, name) != -2 ||
            strchr(name, '\037'))
            continue;
        char like[160] = "";
        int f = near_field(c, name);
        if (f >= 0) {
            char alias[64];
            snprintf(like, sizeof like, " (if it is %s, %s, which the file lacks, name the column so)",
                     nb_field_alias(&k->fields[f], alias, sizeof alias), k->fields[f].name);
        } else if (f == -1) {
            snprintf(like, sizeof like, " (if it is " NB_ID_HEADER ", id, which the file lacks, name the column so)");
        }
        snprintf(reason, sizeof reason, "note: column '%s' is not a field of %s; kept with the raw values%s",
                 name, k->name, like);
        diag(fn, ud, file, 1, NULL, reason, NULL, 1);
    }
    bad |= missing_columns(c, file, fn, ud);
    return bad ? NB_ERR_INPUT : NB_OK;
}

/* ---- categories ---- */

/* Remembers unknown VALUE of field F at LINE (counted once per value). */
static void note_unknown(nb_coder *c, int f, const char *value, long line)
{
    nb_buf key = {0};
    if (nb_buf_printf(&key, "%d\037%s", f, value) != 0) {
        nb_buf_free(&key);
        return;
    }
    int64_t *idx = nb_strmap_get(&c->unknown_idx, key.data);
    if (idx) {
        c->unknown[*idx].count++;
    } else if (c->nunknown >= MAX_UNKNOWN) {
        c->unknown_more++;
    } else {
        unknown_val *u = realloc(c->unknown, (size_t)(c->nunknown + 1) * sizeof *u);
        char *v = u ? strdup(value) : NULL;
        if (u)
            c->unknown = u;
        if (v && nb_strmap_put(&c->unknown_idx, key.data, c->nunknown, NULL, NULL) == 0) {
            u[c->nunknown] = (unknown_val){f, v, 1, line};
            c->nunknown++;
        } else {
            free(v);
            c->unknown_more++;
        }
    }
    nb_buf_free(&key);
}

/* Dictionary id of VALUE for field F: 0 when unknown; *PLAIN: VALUE is the
 * stored value's own code or label. A field has few distinct values, so each
 * is looked up once (the mapping, the catalogue, or the store's open
 * vocabulary) and then found in the field's own map. */
static nb_err code_of(nb_coder *c, int f, const char *value, int64_t *id, int *plain,
                      const char **why, char *err, size_t errlen)
{
    int64_t *known = nb_strmap_get(&c->coded[f], value);
    if (known) {
        *id = *known >> 1;
        *plain = (int)(*known & 1);
        return NB_OK;
    }
    const nb_field *fd = &c->k->fields[f];
    const char *v = nb_mapping_code(c->map, c->k->name, fd->name, value);
    *plain = !v;
    if (!v)
        v = value;
    *id = 0;
    if (!fd->dict) { /* open vocabulary: every value is welcome, up to NB_OPEN_VALUES_MOST */
        if (!(*id = nb_store_code(c->s, fd->name, v))) {
            if (c->open_values[f] < 0) {
                nb_err rc = nb_store_code_count(c->s, fd->name, &c->open_values[f], err, errlen);
                if (rc)
                    return rc;
            }
            if (c->open_values[f] >= NB_OPEN_VALUES_MOST) {
                *why = "a new value past the " NB_STR(NB_OPEN_VALUES_MOST) " the category may "
                       "have in a store (is the column free text?)";
                return NB_OK;
            }
            nb_err rc = nb_store_code_add(c->s, fd->name, v, NULL, id, err, errlen);
            if (rc)
                return rc;
            c->open_values[f]++;
        }
    } else {
        const nb_value *nv = nb_value_match(fd->dict, v);
        *id = nv ? nb_store_code(c->s, fd->dict, nv->code) : 0;
        *plain = *plain && nv && (strcmp(nv->code, v) == 0 || strcmp(nv->label, v) == 0);
    }
    /* out of memory, or past CODED_MOST: not remembered */
    size_t bytes = strlen(value) + 48;
    if (c->coded_bytes + bytes <= CODED_MOST &&
        nb_strmap_put(&c->coded[f], value, *id * 2 + *plain, NULL, NULL) == 0)
        c->coded_bytes += bytes;
    return NB_OK;
}

long nb_coder_unknowns(nb_coder *c, const char *file, int one_row, nb_diag_fn fn, void *ud)
{
    char reason[512];
    long n = 0;
    for (int i = 0; i < c->nunknown; i++, n++) {
        unknown_val *u = &c->unknown[i];
        nb_buf r = {0};
        const char *dict = c->k->fields[u->field].dict;
        const nb_value *h = dict ? nb_value_heading(dict, u->value) : NULL;
        if (h) { /* 不予公开: a heading over the items a record takes */
            if (one_row)
                nb_buf_printf(&r, "'%s' is a heading of the national table, not a value: give "
                                  "one of its items", u->value);
            else
                nb_buf_printf(&r, "'%s' in %ld row%s, first at line %ld, is a heading of the "
                                  "national table, not a value: give one of its items", u->value,
                              u->count, u->count == 1 ? "" : "s", u->first_line);
            const nb_dict *d = nb_dict_find(dict);
            size_t hl = strlen(h->code);
            for (int j = 0; j < d->nvalues; j++)
                if (strncmp(d->values[j].code, h->code, hl) == 0 && d->values[j].code[hl] == '.')
                    nb_buf_printf(&r, ", %s %s", d->values[j].code, d->values[j].label);
        } else if (one_row)
            nb_buf_printf(&r, "unknown value '%s' (not a national code or label)", u->value);
        else
            nb_buf_printf(&r, "unknown value '%s' in %ld row%s, first at line %ld (not a "
                              "national code or label%s)", u->value, u->count,
                          u->count == 1 ? "" : "s", u->first_line,
                          c->map ? ", and not in the mapping" : "; map it with --map");
        diag(fn, ud, file, u->first_line, c->k->fields[u->field].name, r.data ? r.data : "",
             NULL, 0);
        nb_buf_free(&r);
        free(u->value);
    }
    if (c->unknown_more) {
        snprintf(reason, sizeof reason, "%ld more rows with unknown values, of more than %d "
                                        "distinct values", c->unknown_more, MAX_UNKNOWN);
        diag(fn, ud, file, 0, NULL, reason, NULL, 0);
        n++;
    }
    c->nunknown = 0;
    c->unknown_more = 0;
    nb_strmap_free(&c->unknown_idx);
    nb_strmap_init(&c->unknown_idx);
    return n;
}

/* ---- rows ---- */

static const char *cell(char **fields, size_t n, int col)
{
    return col >= 0 && (size_t)col < n ? fields[col] : "";
}

/* 1 when V is exactly DDDD-DD-DD (digits). */
static int is_iso_date(const char *v)
{
    for (int i = 0; i < 10; i++)
        if (i == 4 || i == 7 ? v[i] != '-' : (v[i] < '0' || v[i] > '9'))
            return 0;
    return v[10] == '\0';
}

/* Codes the value V of field F into REC. Returns 0 (good), 1 (refused, told
 * to FN) or -1 (store error in ERR, code in *RC). */
static int code_field(nb_coder *c, int f, const char *v, const char *file, long line,
                      nb_rec *rec, nb_diag_fn fn, void *ud, nb_err *rc, char *err,
                      size_t errlen)
{
    const nb_field *fd = &c->k->fields[f];
    const char *why;
    char canon[32];
    int ymd;
    switch (fd->type) {
    case NB_F_TEXT:
        rec->text[f] = v;
        c->plain[f] = 1;
        return 0;
    case NB_F_DATE:
        if (nb_date_parse(v, c->allow_serial, &ymd, &why) != 0)
            break;
        if (ymd > c->latest && !fd->ahead) {
            why = c->latest_why;
            break;
        }
        rec->ival[f] = ymd;
        /* a date written YYYY-MM-DD that parsed is the canonical form itself (most files):
           not formatted again to compare */
        if (is_iso_date(v)) {
            c->plain[f] = 1;
            return 0;
        }
        /* YYYYMMDD is the stored value itself, and an XLSX date cell is its day
           number: nothing of either to keep (an XLSX file's every date: not formatted) */
        if (c->allow_serial && nb_all_digits(v)) {
            c->plain[f] = 1;
            return 0;
        }
        nb_date_format(ymd, canon);
        c->plain[f] = strcmp(canon, v) == 0 ||
                      (nb_all_digits(v) && (c->allow_serial || (strlen(v) == 8 &&
                       memcmp(canon, v, 4) == 0 && memcmp(canon + 5, v + 4, 2) == 0 &&
                       memcmp(canon + 8, v + 6, 2) == 0)));
        return 0;
    case NB_F_CAT:
        why = "longer than " NB_STR(NB_CAT_VALUE_MOST) " bytes (a category's value: is the column "
              "free text?)";
        if (strlen(v) > NB_CAT_VALUE_MOST)
            break;
        why = NULL;
        if ((*rc = code_of(c, f, v, &rec->ival[f], &c->plain[f], &why, err, errlen)))
            return -1;
        if (why)
            break;
        if (!rec->ival[f]) {
            note_unknown(c, f, v, line);
            return 1;
        }
        return 0;
    case NB_F_INT:
        why = "not a whole number";
        if (nb_int_parse(v, &rec->ival[f]) != 0)
            break;
        snprintf(canon, sizeof canon, "%lld", (long long)rec->ival[f]);
        c->plain[f] = strcmp(canon, v) == 0;
        return 0;
    case NB_F_MONEY:
        if (nb_money_parse(v, &rec->ival[f], &why) != 0)
            break;
        nb_money_format(rec->ival[f], canon);
        c->plain[f] = strcmp(canon, v) == 0;
        return 0;
    }
    diag(fn, ud, file, line, fd->name, why, v, 0);
    return 1;
}

/* The kind's rules over a row whose fields are all good. Returns 1 when one
 * fails (told to FN). */
static int check_rules(nb_coder *c, const char *file, long line, char **fields, size_t n,
                       const nb_rec *rec, nb_diag_fn fn, void *ud)
{
    const nb_kind *k = c->k;
    char reason[256];
    int bad = 0;
    for (int r = 0; r < c->norder; r++) {
        int a = c->order_a[r], b = c->order_b[r];
        if (rec->has[a] && rec->has[b] && rec->ival[a] < rec->ival[b]) {
            char da[11], db[11];
            nb_date_format((int)rec->ival[a], da);
            nb_date_format((int)rec->ival[b], db);
            snprintf(reason, sizeof reason, "before %s %s", k->fields[b].name, db);
            diag(fn, ud, file, line, k->fields[a].name, reason, da, 0);
            bad = 1;
        }
    }
    for (int r = 0; r < c->npair; r++) {
        int a = c->pair_a[r], b = c->pair_b[r];
        if (rec->has[a] == rec->has[b])
            continue;
        snprintf(reason, sizeof reason, rec->has[a] ? "given but no %s date" : "missing, but %s is given",
                 k->fields[b].name);
        diag(fn, ud, file, line, k->fields[a].name, reason,
             cell(fields, n, c->col_of[rec->has[a] ? a : b]), 0);
        bad = 1;
    }
    return bad;
}

nb_err nb_coder_row(nb_coder *c, const char *file, long line, char **fields, size_t n,
                    nb_rec *rec, nb_diag_fn fn, void *ud, char *err, size_t errlen)
{
    const nb_kind *k = c->k;
    int bad = 0;
    nb_err rc = NB_OK;
    for (size_t i = 0; i < n; i++)
        nb_trim(fields[i]);
    for (size_t i = c->ncols; i < n; i++)
        if (*fields[i]) { /* a value no column names: data shifted, or dropped silently */
            char reason[160];
            snprintf(reason, sizeof reason,
                     "a value in field %zu of the row, past the header's %zu columns (a comma outside "
                     "quotes?)", i + 1, c->ncols);
            diag(fn, ud, file, line, NULL, reason, fields[i], 0);
            bad = 1;
            break;
        }
    rec->id = cell(fields, n, c->id_col);
    rec->body = cell(fields, n, c->body_col);
    if (!*rec->id && k->id_required) {
        diag(fn, ud, file, line, "id", "missing value", "", 0);
        bad = 1;
    }
    for (int f = 0; f < k->nfields; f++) {
        const char *v = cell(fields, n, c->col_of[f]);
        rec->has[f] = *v != '\0';
        rec->ival[f] = 0;
        rec->text[f] = NULL;
        c->plain[f] = 1;
        if (!rec->has[f]) {
            if (k->fields[f].required) {
                diag(fn, ud, file, line, k->fields[f].name, "missing value", "", 0);
                bad = 1;
            } else if (k->fields[f].type == NB_F_INT) {
                rec->ival[f] = 1, rec->has[f] = 1; /* a count defaults to 1 */
                c->plain[f] = 0; /* the blank is kept: "1" was not given */
            }
            continue;
        }
        int r = code_field(c, f, v, file, line, rec, fn, ud, &rc, err, errlen);
        if (r < 0)
            return rc;
        bad |= r;
    }
    if (!bad)
        bad = check_rules(c, file, line, fields, n, rec, fn, ud);
    return bad ? NB_ERR_INPUT : NB_OK;
}

/* Appends value V to B with the separators in it escaped (ESC before it). */
static int put_escaped(nb_buf *b, const char *v)
{
    static const char special[] = {NB_RAW_ESC, NB_RAW_COL, NB_RAW_NEXT, '\0'};
    int bad = 0;
    for (const char *p = v; *p;) {
        size_t plain = strcspn(p, special);
        bad |= nb_buf_add(b, p, plain);
        p += plain;
        if (*p) {
            bad |= nb_buf_add(b, (char[]){NB_RAW_ESC}, 1) | nb_buf_add(b, p, 1);
            p++;
        }
    }
    return bad;
}

void nb_coder_plain(nb_coder *c, int f)
{
    c->plain[f] = 1;
}

int nb_coder_raw(const nb_coder *c, char **fields, size_t n, const nb_rec *rec,
                 const char *body, nb_buf *out)
{
    const nb_kind *k = c->k;
    int bad = 0, kept = 0;
    out->len = 0;
    if (out->data)
        out->data[0] = '\0';
    for (size_t col = 0; col < n; col++) {
        const char *v = fields[col];
        int keep = *v != '\0'; /* another column: kept unless blank */
        if ((int)col == c->id_col)
            keep = strcmp(v, rec->id) != 0;
        else if ((int)col == c->body_col)
            keep = !body || strcmp(v, body) != 0;
        else
            for (int f = 0; f < k->nfields; f++)
                if (c->col_of[f] == (int)col) {
                    keep = !c->plain[f];
                    break;
                }
        if (!keep)
            continue;
        /* the column's number and NB_RAW_COL (printed with "%zu%c", 4% of an import) */
        char num[24];
        size_t at = sizeof num;
        num[--at] = NB_RAW_COL;
        for (size_t d = col + 1; d; d /= 10)
            num[--at] = (char)('0' + d % 10);
        if (kept++)
            bad |= nb_buf_add(out, (char[]){NB_RAW_NEXT}, 1);
        bad |= nb_buf_add(out, num + at, sizeof num - at) | put_escaped(out, v);
    }
    if (!out->data && !bad)
        bad |= nb_buf_adds(out, "");
    return bad;
}
