/* import.c - record and text import: header mapping, coding, validation, one transaction. */
#include "import.h"

#include <errno.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "codes.h"
#include "reader.h"

/* ---- mapping ---- */

void nb_mapping_init(nb_mapping *m)
{
    memset(m, 0, sizeof *m);
    nb_strmap_init(&m->values);
    nb_strmap_init(&m->aliases);
}

void nb_mapping_free(nb_mapping *m)
{
    nb_strmap_free(&m->values);
    nb_strmap_free(&m->aliases);
    for (int i = 0; i < m->nstrs; i++)
        free(m->strs[i]);
    free(m->strs);
    memset(m, 0, sizeof *m);
}

static int mapping_str(nb_mapping *m, const char *s)
{
    char **n = realloc(m->strs, (size_t)(m->nstrs + 1) * sizeof *n);
    if (!n)
        return -1;
    m->strs = n;
    if (!(m->strs[m->nstrs] = strdup(s)))
        return -1;
    return m->nstrs++;
}

int nb_mapping_value(nb_mapping *m, const char *kind, const char *field, const char *local,
                     const char *code, char *err, size_t errlen)
{
    const nb_kind *k = nb_kind_find(kind);
    if (!k) {
        snprintf(err, errlen, "unknown record kind '%s'", kind);
        return -1;
    }
    int f = nb_field_find(k, field);
    if (f < 0 || k->fields[f].type != NB_F_CAT) {
        snprintf(err, errlen, "%s.%s is not a categorical field", kind, field);
        return -1;
    }
    const char *dict = k->fields[f].dict;
    if (dict && !nb_catval_find(dict, code)) {
        snprintf(err, errlen, "%s.%s['%s'] = '%s': not a national code of %s", kind, field,
                 local, code, k->fields[f].name);
        return -1;
    }
    char key[1024];
    snprintf(key, sizeof key, "%s\037%s\037%s", kind, k->fields[f].name, local);
    int idx = mapping_str(m, code);
    if (idx < 0 || nb_strmap_put(&m->values, key, idx, NULL, NULL) != 0) {
        snprintf(err, errlen, "out of memory");
        return -1;
    }
    return 0;
}

int nb_mapping_alias(nb_mapping *m, const char *kind, const char *header, const char *field,
                     char *err, size_t errlen)
{
    const nb_kind *k = nb_kind_find(kind);
    if (!k) {
        snprintf(err, errlen, "unknown record kind '%s'", kind);
        return -1;
    }
    int f = nb_field_find(k, field);
    if (f == -2) {
        snprintf(err, errlen, "alias '%s': %s has no field '%s'", header, kind, field);
        return -1;
    }
    char key[1024];
    snprintf(key, sizeof key, "%s\037%s", kind, header);
    int idx = mapping_str(m, f == -1 ? "id" : k->fields[f].name);
    if (idx < 0 || nb_strmap_put(&m->aliases, key, idx, NULL, NULL) != 0) {
        snprintf(err, errlen, "out of memory");
        return -1;
    }
    return 0;
}

/* ---- import state ---- */

/* An unknown categorical value, reported once with its count. */
typedef struct {
    int field;
    char *value;
    long count;
    long first_line;
} unknown_val;

/* An id of the file while the ids come in order: its text in import_state.id_text. */
typedef struct {
    size_t off;
    long line;
} listed_id;

/* A validated row waiting to be written: its values, and offsets and lengths
 * of its texts in import_state.pending_text. */
typedef struct {
    long line;
    int64_t rid;             /* row to update, 0 to insert */
    size_t id, id_len, raw, raw_len;
    size_t text[16], text_len[16]; /* NB_F_TEXT fields */
    int64_t ival[16];
    unsigned char has[16];
} pending_row;

/* Rows per multi-row INSERT when the body has no rows of the kind yet: with
 * one statement per row, SQLite spends about a third of the import starting
 * and finishing statements. */
#define BATCH_ROWS 256

typedef struct {
    nb_store *s;
    const nb_import_opts *o;
    const nb_kind *k;
    nb_import_stats *st;
    int col_of[32];      /* field index (-1 id, 0..) -> column, -1 when absent */
    int id_col;
    nb_strmap catmap[16]; /* per field: accepted value -> dictionary id */
    nb_strmap coded[16];  /* per field: value met in the file -> dictionary id, 0 unknown */
    /* Ids seen in this file. While each id comes after the one before (shorter
       first, then bytewise) none can repeat, and they are only listed; the first
       one out of order moves them all into the map, which checks the rest. */
    nb_strmap ids;        /* id -> line, once ids_mapped */
    int ids_mapped;
    nb_buf id_text;       /* listed ids, each NUL-terminated */
    listed_id *id_list;
    size_t nids, ids_cap;
    size_t last_id_len;   /* length of the last listed id */
    unknown_val *unknown;
    int nunknown;
    nb_strmap unknown_idx; /* "field\037value" -> index into unknown */
    int shown;
    int writing;          /* 0 once a row was refused: stop writing, keep validating */
    int64_t body_id;
    int64_t src_id;
    int existing;         /* the body already has rows of this kind */
    int allow_serial;     /* XLSX: a number in a date field is an Excel serial */
    const char *autoid;   /* store:insert: the id of a record given without one */
    /* The order and pair rules of this kind, as field indexes. */
    int order_later[4], order_earlier[4], norder;
    int pair_result[4], pair_date[4], npair;
    sqlite3_stmt *ins, *find, *upd;
    sqlite3_stmt *ins_batch; /* BATCH_ROWS rows; NULL when rows go one by one */
    pending_row *pending;    /* rows not yet written (BATCH_ROWS slots with ins_batch, else 1) */
    int npending;
    nb_buf pending_text;
    const char *basename;
} import_state;

static void row_msg(import_state *im, long line, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static void row_msg(import_state *im, long line, const char *fmt, ...)
{
    int max = im->o->max_messages > 0 ? im->o->max_messages : 50;
    if (im->shown++ >= max)
        return;
    va_list ap;
    va_start(ap, fmt);
    fprintf(im->o->msgs, "%s:%ld: ", im->o->path, line);
    vfprintf(im->o->msgs, fmt, ap);
    fputc('\n', im->o->msgs);
    va_end(ap);
}

static int build_catmaps(import_state *im)
{
    const nb_kind *k = im->k;
    for (int f = 0; f < k->nfields; f++) {
        nb_strmap_init(&im->catmap[f]);
        nb_strmap_init(&im->coded[f]);
        if (k->fields[f].type != NB_F_CAT || !k->fields[f].dict)
            continue;
        const char *dict = k->fields[f].dict;
        for (int i = 0; i < nb_ncatvals; i++) {
            const nb_catval *c = &nb_catvals[i];
            if (strcmp(c->dict, dict) != 0)
                continue;
            int64_t id = nb_store_code(im->s, dict, c->code);
            if (!id)
                return -1;
            /* A label never overrides a code (outcome "其他" is 6.3, not a code). */
            if (nb_strmap_put(&im->catmap[f], c->code, id, NULL, NULL) != 0)
                return -1;
            if (!nb_strmap_get(&im->catmap[f], c->label) &&
                nb_strmap_put(&im->catmap[f], c->label, id, NULL, NULL) != 0)
                return -1;
            if (c->variants) {
                char buf[512];
                snprintf(buf, sizeof buf, "%s", c->variants);
                for (char *save = NULL, *v = strtok_r(buf, "|", &save); v;
                     v = strtok_r(NULL, "|", &save))
                    if (!nb_strmap_get(&im->catmap[f], v) &&
                        nb_strmap_put(&im->catmap[f], v, id, NULL, NULL) != 0)
                        return -1;
            }
        }
    }
    return 0;
}

/* Dictionary id of VALUE for field F; 0 when unknown. A field has few distinct
 * values, so each is looked up once (mapping, national dictionary or open
 * vocabulary) and then found in the field's own map. */
static int64_t code_of(import_state *im, int f, const char *value)
{
    int64_t *known = nb_strmap_get(&im->coded[f], value);
    if (known)
        return *known;
    const nb_field *fd = &im->k->fields[f];
    const char *v = value;
    int64_t id;
    if (im->o->map && im->o->map->values.len) {
        char key[1024];
        snprintf(key, sizeof key, "%s\037%s\037%s", im->k->name, fd->name, value);
        int64_t *idx = nb_strmap_get(&im->o->map->values, key);
        if (idx)
            v = im->o->map->strs[*idx];
    }
    if (!fd->dict) { /* open vocabulary: every value is welcome */
        id = nb_store_code_add(im->s, fd->name, v, NULL);
        if (!id)
            return 0; /* the store failed: ask again next time */
    } else {
        int64_t *d = nb_strmap_get(&im->catmap[f], v);
        id = d ? *d : 0;
    }
    nb_strmap_put(&im->coded[f], value, id, NULL, NULL); /* out of memory: not remembered */
    return id;
}

static void note_unknown(import_state *im, int f, const char *value, long line)
{
    char key[1024];
    snprintf(key, sizeof key, "%d\037%s", f, value);
    int64_t *idx = nb_strmap_get(&im->unknown_idx, key);
    if (idx) {
        im->unknown[*idx].count++;
        return;
    }
    unknown_val *u = realloc(im->unknown, (size_t)(im->nunknown + 1) * sizeof *u);
    if (!u)
        return;
    im->unknown = u;
    u[im->nunknown].field = f;
    u[im->nunknown].value = strdup(value);
    u[im->nunknown].count = 1;
    u[im->nunknown].first_line = line;
    nb_strmap_put(&im->unknown_idx, key, im->nunknown, NULL, NULL);
    im->nunknown++;
}

static nb_err prepare(import_state *im, char *err, size_t errlen)
{
    const nb_kind *k = im->k;
    nb_buf b = {0};
    nb_buf_printf(&b, "INSERT INTO %s(body, id", k->table);
    for (int f = 0; f < k->nfields; f++)
        nb_buf_printf(&b, ", %s", k->fields[f].name);
    nb_buf_adds(&b, ", src, line, raw) VALUES(?1, ?2");
    for (int f = 0; f < k->nfields; f++)
        nb_buf_printf(&b, ", ?%d", f + 3);
    nb_buf_printf(&b, ", ?%d, ?%d, ?%d)", k->nfields + 3, k->nfields + 4, k->nfields + 5);
    int rc = sqlite3_prepare_v2(im->s->db, b.data, -1, &im->ins, NULL);
    b.len = 0;
    if (rc == SQLITE_OK) {
        nb_buf_printf(&b, "UPDATE %s SET body = ?1, id = ?2", k->table);
        for (int f = 0; f < k->nfields; f++)
            nb_buf_printf(&b, ", %s = ?%d", k->fields[f].name, f + 3);
        nb_buf_printf(&b, ", src = ?%d, line = ?%d, raw = ?%d WHERE rid = ?%d", k->nfields + 3,
                      k->nfields + 4, k->nfields + 5, k->nfields + 6);
        rc = sqlite3_prepare_v2(im->s->db, b.data, -1, &im->upd, NULL);
    }
    if (rc == SQLITE_OK) {
        b.len = 0;
        nb_buf_printf(&b, "SELECT rid FROM %s WHERE body = ?1 AND id = ?2", k->table);
        rc = sqlite3_prepare_v2(im->s->db, b.data, -1, &im->find, NULL);
    }
    nb_buf_free(&b);
    if (rc != SQLITE_OK) {
        snprintf(err, errlen, "%s: %s", im->s->path, sqlite3_errmsg(im->s->db));
        return NB_ERR_SQL;
    }
    if (!(im->pending = calloc(1, sizeof *im->pending))) { /* prepare_batch makes more */
        snprintf(err, errlen, "out of memory");
        return NB_ERR_NOMEM;
    }
    return NB_OK;
}

/* Prepares the INSERT of BATCH_ROWS rows. Without it (out of memory, an SQLite
 * with fewer variables) the rows go one by one, as they do into a body that
 * already has rows of the kind (each may be an update).
 *
 * OR FAIL: a failing statement keeps the rows it wrote before the failure, so
 * SQLite needs no statement journal, which would copy each page the statement
 * changes to a temporary file first. A failure ends the import, and the whole
 * transaction is rolled back: still all rows or none. */
static void prepare_batch(import_state *im)
{
    const nb_kind *k = im->k;
    nb_buf b = {0};
    int bad = nb_buf_printf(&b, "INSERT OR FAIL INTO %s(body, id", k->table);
    for (int f = 0; f < k->nfields; f++)
        bad |= nb_buf_printf(&b, ", %s", k->fields[f].name);
    bad |= nb_buf_adds(&b, ", src, line, raw) VALUES");
    for (int i = 0; i < BATCH_ROWS; i++) {
        bad |= nb_buf_adds(&b, i ? ", (?, ?" : "(?, ?");
        for (int f = 0; f < k->nfields + 3; f++)
            bad |= nb_buf_adds(&b, ", ?");
        bad |= nb_buf_adds(&b, ")");
    }
    if (!bad && sqlite3_prepare_v2(im->s->db, b.data, -1, &im->ins_batch, NULL) != SQLITE_OK) {
        sqlite3_finalize(im->ins_batch);
        im->ins_batch = NULL;
    }
    nb_buf_free(&b);
    pending_row *more = im->ins_batch ? realloc(im->pending, BATCH_ROWS * sizeof *more) : NULL;
    if (!more) {
        sqlite3_finalize(im->ins_batch);
        im->ins_batch = NULL;
        return;
    }
    im->pending = more;
    /* The body and the source are the same in every row: bound once, they
       stay bound across resets. */
    for (int i = 0; i < BATCH_ROWS; i++) {
        int base = i * (k->nfields + 5);
        sqlite3_bind_int64(im->ins_batch, base + 1, im->body_id);
        sqlite3_bind_int64(im->ins_batch, base + k->nfields + 3, im->src_id);
    }
}

static const struct {
    const char *kind, *later, *earlier;
} order_rules[] = {
    {"request", "closed", "received"},
    {"case", "concluded", "filed"},
    {"document", "published", "made"},
    {"document", "repealed", "made"},
    {"matter", "delisted", "listed"},
};

/* A result field needs its date and the date needs its result. */
static const struct {
    const char *kind, *result, *date;
} pair_rules[] = {
    {"request", "outcome", "closed"},
    {"case", "result", "concluded"},
};

static const char *cell(char **fields, size_t n, int col)
{
    return col >= 0 && (size_t)col < n ? fields[col] : "";
}

/* Finds the order and pair rules of the kind once, not on every row. */
static void find_rules(import_state *im)
{
    const nb_kind *k = im->k;
    for (size_t r = 0; r < sizeof order_rules / sizeof order_rules[0]; r++)
        if (strcmp(order_rules[r].kind, k->name) == 0 && im->norder < 4) {
            im->order_later[im->norder] = nb_field_find(k, order_rules[r].later);
            im->order_earlier[im->norder++] = nb_field_find(k, order_rules[r].earlier);
        }
    for (size_t r = 0; r < sizeof pair_rules / sizeof pair_rules[0]; r++)
        if (strcmp(pair_rules[r].kind, k->name) == 0 && im->npair < 4) {
            im->pair_result[im->npair] = nb_field_find(k, pair_rules[r].result);
            im->pair_date[im->npair++] = nb_field_find(k, pair_rules[r].date);
        }
}

/* Moves the listed ids into the map (they are all different). */
static int ids_to_map(import_state *im)
{
    for (size_t i = 0; i < im->nids; i++)
        if (nb_strmap_put(&im->ids, im->id_text.data + im->id_list[i].off, im->id_list[i].line,
                          NULL, NULL) != 0)
            return -1;
    nb_buf_free(&im->id_text);
    free(im->id_list);
    im->id_list = NULL;
    im->nids = im->ids_cap = 0;
    im->ids_mapped = 1;
    return 0;
}

/* Records ID, met at LINE. Returns 0 when new, 1 when the file had it before
 * (*FIRST: the line where), -1 when out of memory. */
static int id_seen(import_state *im, const char *id, long line, int64_t *first)
{
    size_t len = strlen(id);
    if (!im->ids_mapped) {
        const char *last = im->nids ? im->id_text.data + im->id_list[im->nids - 1].off : "";
        if (im->nids == 0 || len > im->last_id_len ||
            (len == im->last_id_len && memcmp(id, last, len) > 0)) {
            if (im->nids == im->ids_cap) {
                size_t cap = im->ids_cap ? im->ids_cap * 2 : 1024;
                listed_id *l = realloc(im->id_list, cap * sizeof *l);
                if (!l)
                    return -1;
                im->id_list = l;
                im->ids_cap = cap;
            }
            im->id_list[im->nids].off = im->id_text.len;
            im->id_list[im->nids++].line = line;
            im->last_id_len = len;
            return nb_buf_add(&im->id_text, id, len + 1);
        }
        if (ids_to_map(im) != 0)
            return -1;
    }
    int existed = 0;
    if (nb_strmap_put(&im->ids, id, line, &existed, first) != 0)
        return -1;
    if (existed)
        nb_strmap_put(&im->ids, id, *first, NULL, NULL); /* keep the first line */
    return existed;
}

/* Binds pending row P to the parameters BASE+1.. of W (INSERT, or UPDATE with
 * the rid); the body and the source too unless they are bound already. */
static void bind_row(import_state *im, sqlite3_stmt *w, int base, const pending_row *p,
                     int body_and_source)
{
    const nb_kind *k = im->k;
    const char *text = im->pending_text.data;
    if (body_and_source) {
        sqlite3_bind_int64(w, base + 1, im->body_id);
        sqlite3_bind_int64(w, base + k->nfields + 3, im->src_id);
    }
    sqlite3_bind_text(w, base + 2, text + p->id, (int)p->id_len, SQLITE_STATIC);
    for (int f = 0; f < k->nfields; f++) {
        if (!p->has[f])
            sqlite3_bind_null(w, base + f + 3);
        else if (k->fields[f].type == NB_F_TEXT)
            sqlite3_bind_text(w, base + f + 3, text + p->text[f], (int)p->text_len[f],
                              SQLITE_STATIC);
        else
            sqlite3_bind_int64(w, base + f + 3, p->ival[f]);
    }
    sqlite3_bind_int64(w, base + k->nfields + 4, p->line);
    sqlite3_bind_text(w, base + k->nfields + 5, text + p->raw, (int)p->raw_len, SQLITE_STATIC);
    if (p->rid)
        sqlite3_bind_int64(w, base + k->nfields + 6, p->rid);
}

/* Writes the pending rows: a full batch in one statement, others one by one.
 * Returns 0, or -1 with a message in ERR (naming the first row of a batch). */
static int flush_rows(import_state *im, char *err, size_t errlen)
{
    int done = 0;
    if (im->npending == BATCH_ROWS && im->ins_batch) {
        for (int i = 0; i < BATCH_ROWS; i++)
            bind_row(im, im->ins_batch, i * (im->k->nfields + 5), &im->pending[i], 0);
        int rc = sqlite3_step(im->ins_batch);
        sqlite3_reset(im->ins_batch);
        if (rc != SQLITE_DONE)
            goto fail;
        done = BATCH_ROWS;
    }
    for (; done < im->npending; done++) {
        const pending_row *p = &im->pending[done];
        sqlite3_stmt *w = p->rid ? im->upd : im->ins;
        bind_row(im, w, 0, p, 1);
        int rc = sqlite3_step(w);
        sqlite3_reset(w);
        if (rc != SQLITE_DONE)
            goto fail;
    }
    im->npending = 0;
    im->pending_text.len = 0;
    return 0;
fail:
    snprintf(err, errlen, "%s:%ld: cannot store the row: %s", im->o->path,
             im->pending[done].line, sqlite3_errmsg(im->s->db));
    im->npending = 0;
    im->pending_text.len = 0;
    return -1;
}

/* nb_buf_add, without the call while there is room. */
static inline int buf_put(nb_buf *b, const char *s, size_t n)
{
    if (b->len + n + 1 > b->cap)
        return nb_buf_add(b, s, n);
    memcpy(b->data + b->len, s, n);
    b->len += n;
    b->data[b->len] = '\0';
    return 0;
}

/* Copies the validated row into the pending rows and writes them when the
 * batch is full (or at once, when rows go one by one). Returns 0 or -1. */
static int queue_row(import_state *im, char **fields, size_t n, const char *id, long line,
                     int64_t rid, const int64_t *ival, const int *has, char *err, size_t errlen)
{
    const nb_kind *k = im->k;
    nb_buf *b = &im->pending_text;
    pending_row *p = &im->pending[im->npending];
    int bad = 0;
    p->line = line;
    p->rid = rid;
    p->id = b->len;
    p->id_len = strlen(id);
    bad |= buf_put(b, id, p->id_len);
    for (int f = 0; f < k->nfields; f++) {
        p->has[f] = (unsigned char)has[f];
        p->ival[f] = ival[f];
        if (has[f] && k->fields[f].type == NB_F_TEXT) {
            const char *v = cell(fields, n, im->col_of[f]);
            p->text[f] = b->len;
            p->text_len[f] = strlen(v);
            bad |= buf_put(b, v, p->text_len[f]);
        }
    }
    /* The raw values, unit-separated. */
    p->raw = b->len;
    for (size_t i = 0; i < n; i++) {
        if (i)
            bad |= buf_put(b, "\037", 1);
        bad |= buf_put(b, fields[i], strlen(fields[i]));
    }
    p->raw_len = b->len - p->raw;
    if (bad) {
        snprintf(err, errlen, "out of memory");
        return -1;
    }
    im->npending++;
    if (im->ins_batch && im->npending < BATCH_ROWS)
        return 0;
    return flush_rows(im, err, errlen);
}

/* Validates and codes one row into VALS; writes it unless a row was refused.
 * Returns 0 (accepted), 1 (refused) or -1 (database failure, message in ERR). */
static int do_row(import_state *im, char **fields, size_t n, long line, char *err,
                  size_t errlen)
{
    const nb_kind *k = im->k;
    int64_t ival[16];
    int has[16];
    int bad = 0;
    for (size_t i = 0; i < n; i++)
        nb_trim(fields[i]);
    char idbuf[600];
    const char *id = cell(fields, n, im->id_col);
    if (!*id) {
        if (k->id_required) {
            row_msg(im, line, "field 'id': missing value ()");
            bad = 1;
        } else {
            if (im->autoid)
                snprintf(idbuf, sizeof idbuf, "%s", im->autoid);
            else
                snprintf(idbuf, sizeof idbuf, "%s:%ld", im->basename, line);
            id = idbuf;
        }
    }
    for (int f = 0; f < k->nfields; f++) {
        const nb_field *fd = &k->fields[f];
        const char *v = cell(fields, n, im->col_of[f]);
        has[f] = *v != '\0';
        ival[f] = 0;
        if (!has[f]) {
            if (fd->required) {
                row_msg(im, line, "field '%s': missing value ()", fd->name);
                bad = 1;
            } else if (fd->type == NB_F_INT) {
                ival[f] = 1, has[f] = 1; /* count defaults to 1 */
            }
            continue;
        }
        const char *why;
        int ymd;
        switch (fd->type) {
        case NB_F_TEXT:
            break;
        case NB_F_DATE:
            if (nb_date_parse(v, im->allow_serial, &ymd, &why) != 0) {
                row_msg(im, line, "field '%s': %s (%s)", fd->name, why, v);
                bad = 1;
            } else {
                ival[f] = ymd;
            }
            break;
        case NB_F_CAT:
            ival[f] = code_of(im, f, v);
            if (!ival[f]) {
                note_unknown(im, f, v, line);
                bad = 1;
            }
            break;
        case NB_F_INT:
            if (nb_int_parse(v, &ival[f]) != 0) {
                row_msg(im, line, "field '%s': not a whole number (%s)", fd->name, v);
                bad = 1;
            }
            break;
        case NB_F_MONEY:
            if (nb_money_parse(v, &ival[f], &why) != 0) {
                row_msg(im, line, "field '%s': %s (%s)", fd->name, why, v);
                bad = 1;
            }
            break;
        }
    }
    if (!bad) {
        for (int r = 0; r < im->norder; r++) {
            int a = im->order_later[r], b = im->order_earlier[r];
            if (has[a] && has[b] && ival[a] < ival[b]) {
                char da[11], db[11];
                nb_date_format((int)ival[a], da);
                nb_date_format((int)ival[b], db);
                row_msg(im, line, "field '%s': before %s %s (%s)", k->fields[a].name,
                        k->fields[b].name, db, da);
                bad = 1;
            }
        }
        for (int r = 0; r < im->npair; r++) {
            int a = im->pair_result[r], b = im->pair_date[r];
            if (has[a] && !has[b]) {
                row_msg(im, line, "field '%s': given but no %s date (%s)", k->fields[a].name,
                        k->fields[b].name, cell(fields, n, im->col_of[a]));
                bad = 1;
            } else if (has[b] && !has[a]) {
                row_msg(im, line, "field '%s': missing, but %s is given (%s)", k->fields[a].name,
                        k->fields[b].name, cell(fields, n, im->col_of[b]));
                bad = 1;
            }
        }
    }
    if (*id) {
        int64_t first = 0;
        int seen = id_seen(im, id, line, &first);
        if (seen < 0) {
            snprintf(err, errlen, "out of memory");
            return -1;
        }
        if (seen) {
            row_msg(im, line, "field 'id': duplicate id, first at line %lld (%s)",
                    (long long)first, id);
            bad = 1;
        }
    }
    if (bad) {
        im->writing = 0;
        im->npending = 0; /* nothing will be written */
        return 1;
    }
    /* Look up an earlier import of the same id: update instead of insert. */
    int64_t rid = 0;
    if (im->existing) {
        sqlite3_bind_int64(im->find, 1, im->body_id);
        sqlite3_bind_text(im->find, 2, id, -1, SQLITE_STATIC);
        if (sqlite3_step(im->find) == SQLITE_ROW)
            rid = sqlite3_column_int64(im->find, 0);
        sqlite3_reset(im->find);
    }
    if (rid)
        im->st->updated++;
    else
        im->st->inserted++;
    if (!im->writing)
        return 0;
    return queue_row(im, fields, n, id, line, rid, ival, has, err, errlen);
}

/* Maps the header row to fields. Returns 0 or 1 when a required column is missing. */
static int map_header(import_state *im, char **h, size_t n, nb_buf *header)
{
    const nb_kind *k = im->k;
    int bad = 0;
    for (int f = 0; f < 32; f++)
        im->col_of[f] = -1;
    im->id_col = -1;
    for (size_t c = 0; c < n; c++) {
        char *name = nb_trim(h[c]);
        if (c)
            nb_buf_add(header, "\037", 1);
        nb_buf_adds(header, name);
        int f = nb_field_find(k, name);
        if (f == -2 && im->o->map) {
            char key[1024];
            snprintf(key, sizeof key, "%s\037%s", k->name, name);
            int64_t *idx = nb_strmap_get(&im->o->map->aliases, key);
            if (idx)
                f = nb_field_find(k, im->o->map->strs[*idx]);
        }
        if (f == -2) {
            if (*name)
                fprintf(im->o->msgs, "%s:1: note: column '%s' is not a field of %s; kept with the raw values\n",
                        im->o->path, name, k->name);
            continue;
        }
        int *slot = f == -1 ? &im->id_col : &im->col_of[f];
        if (*slot >= 0) {
            fprintf(im->o->msgs, "%s:1: columns '%s' and '%s' both give field '%s'\n",
                    im->o->path, h[*slot], name, f == -1 ? "id" : k->fields[f].name);
            bad = 1;
            continue;
        }
        *slot = (int)c;
    }
    if (im->id_col < 0 && k->id_required) {
        fprintf(im->o->msgs, "%s:1: missing required column 'id' (编号)\n", im->o->path);
        bad = 1;
    }
    for (int f = 0; f < k->nfields; f++)
        if (im->col_of[f] < 0 && k->fields[f].required) {
            fprintf(im->o->msgs, "%s:1: missing required column '%s' (%s)\n", im->o->path,
                    k->fields[f].name, k->fields[f].alias);
            bad = 1;
        }
    return bad;
}

static void state_free(import_state *im)
{
    for (int f = 0; f < im->k->nfields; f++)
        nb_strmap_free(&im->catmap[f]);
    nb_strmap_free(&im->ids);
    nb_strmap_free(&im->unknown_idx);
    for (int i = 0; i < im->nunknown; i++)
        free(im->unknown[i].value);
    free(im->unknown);
    for (int f = 0; f < im->k->nfields; f++)
        nb_strmap_free(&im->coded[f]);
    nb_buf_free(&im->id_text);
    free(im->id_list);
    sqlite3_finalize(im->ins);
    sqlite3_finalize(im->upd);
    sqlite3_finalize(im->find);
    sqlite3_finalize(im->ins_batch);
    free(im->pending);
    nb_buf_free(&im->pending_text);
}

/* A re-import of a file of id-less rows replaces the earlier import of that
 * file: its rows that this import did not update (they still point at an
 * older source) are removed, so a corrected file with fewer rows leaves no
 * stale rows behind. */
static nb_err remove_stale(import_state *im, char *err, size_t errlen)
{
    char sql[256];
    snprintf(sql, sizeof sql,
             "DELETE FROM %s WHERE body = ?1 AND src <> ?2 AND substr(id, 1, length(?3) + 1) = ?3 || ':'",
             im->k->table);
    sqlite3_stmt *st;
    if (sqlite3_prepare_v2(im->s->db, sql, -1, &st, NULL) != SQLITE_OK) {
        snprintf(err, errlen, "%s: %s", im->s->path, sqlite3_errmsg(im->s->db));
        return NB_ERR_SQL;
    }
    sqlite3_bind_int64(st, 1, im->body_id);
    sqlite3_bind_int64(st, 2, im->src_id);
    sqlite3_bind_text(st, 3, im->o->path, -1, SQLITE_STATIC);
    int rc = sqlite3_step(st);
    sqlite3_finalize(st);
    if (rc != SQLITE_DONE) {
        snprintf(err, errlen, "%s: %s", im->s->path, sqlite3_errmsg(im->s->db));
        return NB_ERR_SQL;
    }
    im->st->removed = sqlite3_changes(im->s->db);
    return NB_OK;
}

nb_err nb_import(nb_store *s, const nb_import_opts *o, nb_import_stats *st, char *err,
                 size_t errlen)
{
    memset(st, 0, sizeof *st);
    const nb_kind *k = nb_kind_find(o->kind);
    if (!k) {
        /* The list comes from codes.c so it cannot drift; the command line
           also takes text, rules and layout. */
        nb_buf kinds = {0};
        for (int i = 0; i < nb_nkinds; i++)
            nb_buf_printf(&kinds, "%s, ", nb_kinds[i].name);
        snprintf(err, errlen, "unknown record kind '%s' (kinds: %stext, rules, layout)", o->kind,
                 kinds.data ? kinds.data : "");
        nb_buf_free(&kinds);
        return NB_ERR_INPUT;
    }
    char rerr[256];
    nb_reader *r;
    if (nb_reader_open(o->path, o->sheet, &r, rerr, sizeof rerr) != NB_OK) {
        snprintf(err, errlen, "%s: %s", o->path, rerr);
        return NB_ERR_INPUT;
    }
    import_state im;
    memset(&im, 0, sizeof im);
    im.s = s;
    im.o = o;
    im.k = k;
    im.st = st;
    im.writing = !o->dry_run;
    im.allow_serial = strcmp(nb_reader_encoding(r), "XLSX") == 0;
    nb_strmap_init(&im.ids);
    nb_strmap_init(&im.unknown_idx);
    /* Rows without an id are named "PATH:LINE" (the path as given). */
    im.basename = o->path;
    nb_err rc = NB_OK;
    int in_tx = 0;
    size_t n;
    char **fields;
    long line;
    nb_buf header = {0};

    int fk_off = 0;
    find_rules(&im);
    if (build_catmaps(&im) != 0) {
        snprintf(err, errlen, "out of memory");
        rc = NB_ERR_NOMEM;
        goto done;
    }
    nb_err rs = nb_reader_next(r, &n, &fields, &line, rerr, sizeof rerr);
    if (rs != NB_OK && rs != NB_DONE) {
        snprintf(err, errlen, "%s:%ld: %s", o->path, line, rerr);
        rc = NB_ERR_INPUT;
        goto done;
    }
    if (rs == NB_DONE) {
        snprintf(err, errlen, "%s: empty file", o->path);
        rc = NB_ERR_INPUT;
        goto done;
    }
    if (map_header(&im, fields, n, &header)) {
        snprintf(err, errlen, "%s: the header does not fit kind '%s'", o->path, k->name);
        rc = NB_ERR_INPUT;
        goto done;
    }
    /* Every row refers to the body and the source found or made just below, in
       the same transaction, which no one else can change: the foreign-key checks
       on each row could not fail, and they add about 15% to the insert. The
       pragma has no effect inside a transaction, so it is set around it. */
    if (sqlite3_get_autocommit(s->db)) {
        sqlite3_stmt *fk;
        if (sqlite3_prepare_v2(s->db, "PRAGMA foreign_keys", -1, &fk, NULL) == SQLITE_OK) {
            if (sqlite3_step(fk) == SQLITE_ROW)
                fk_off = sqlite3_column_int(fk, 0);
            sqlite3_finalize(fk);
        }
        if (fk_off && sqlite3_exec(s->db, "PRAGMA foreign_keys = OFF", NULL, NULL, NULL))
            fk_off = 0;
    }
    if ((rc = nb_store_begin(s, err, errlen)))
        goto done;
    in_tx = 1;
    if ((rc = nb_store_body(s, o->body, 1, &im.body_id, &st->body_created, err, errlen)))
        goto done;
    if ((rc = nb_store_source(s, o->path, k->name, im.body_id, nb_reader_encoding(r),
                              header.data ? header.data : "", &im.src_id, err, errlen)))
        goto done;
    if ((rc = prepare(&im, err, errlen)))
        goto done;
    {
        char q[256];
        sqlite3_stmt *ex;
        snprintf(q, sizeof q, "SELECT EXISTS(SELECT 1 FROM %s WHERE body = ?1)", k->table);
        if (sqlite3_prepare_v2(s->db, q, -1, &ex, NULL) == SQLITE_OK) {
            sqlite3_bind_int64(ex, 1, im.body_id);
            if (sqlite3_step(ex) == SQLITE_ROW)
                im.existing = sqlite3_column_int(ex, 0);
            sqlite3_finalize(ex);
        }
    }
    if (!im.existing && im.writing)
        prepare_batch(&im);
    for (;;) {
        rs = nb_reader_next(r, &n, &fields, &line, rerr, sizeof rerr);
        if (rs == NB_DONE)
            break;
        if (rs != NB_OK) {
            fprintf(o->msgs, "%s:%ld: %s\n", o->path, line, rerr);
            st->read++; /* the row that could not be read is refused too */
            st->refused++;
            im.writing = 0;
            break;
        }
        st->read++;
        if (o->progress && st->read % 100000 == 0) {
            fprintf(o->msgs, "\r%s: %ld rows read", o->path, st->read);
            fflush(o->msgs);
        }
        int res = do_row(&im, fields, n, line, err, errlen);
        if (res < 0) {
            rc = NB_ERR_SQL;
            goto done;
        }
        if (res > 0)
            st->refused++;
    }
    if (o->progress && st->read >= 100000)
        fputs("\r\033[K", o->msgs); /* clear the progress line */
    for (int i = 0; i < im.nunknown; i++) {
        unknown_val *u = &im.unknown[i];
        fprintf(o->msgs,
                "%s:%ld: field '%s': unknown value '%s' in %ld row%s, first at line %ld "
                "(not a national code or label%s)\n",
                o->path, u->first_line, k->fields[u->field].name, u->value, u->count,
                u->count == 1 ? "" : "s", u->first_line,
                o->map ? ", and not in the mapping" : "; map it with --map");
    }
    {
        int max = o->max_messages > 0 ? o->max_messages : 50;
        if (im.shown > max)
            fprintf(o->msgs, "%s: ... and %d more messages\n", o->path, im.shown - max);
    }
    if (st->refused) {
        snprintf(err, errlen, "%s: %ld row%s refused; nothing written", o->path, st->refused,
                 st->refused == 1 ? "" : "s");
        rc = NB_ERR_INPUT;
        goto done;
    }
    if (!o->dry_run) {
        if (flush_rows(&im, err, errlen) != 0) {
            rc = NB_ERR_SQL;
            goto done;
        }
        if (!k->id_required && im.existing && (rc = remove_stale(&im, err, errlen)))
            goto done;
        if ((rc = nb_store_commit(s, err, errlen)))
            goto done;
        in_tx = 0;
    }
done:
    if (in_tx) {
        nb_store_rollback(s);
        /* Open-vocabulary codes added in the transaction are gone too. */
        nb_store_codes_reload(s);
    }
    if (fk_off)
        sqlite3_exec(s->db, "PRAGMA foreign_keys = ON", NULL, NULL, NULL);
    nb_buf_free(&header);
    state_free(&im);
    nb_reader_close(r);
    return rc;
}

/* Reads the whole file PATH into B (NUL-terminated). An empty file is NB_ERR_INPUT. */
static nb_err read_whole(const char *path, nb_buf *b, char *err, size_t errlen)
{
    FILE *f = fopen(path, "rb");
    if (!f) {
        snprintf(err, errlen, "%s: %s", path, strerror(errno));
        return NB_ERR_IO;
    }
    char chunk[8192];
    size_t got;
    int bad = 0;
    while ((got = fread(chunk, 1, sizeof chunk, f)) > 0)
        bad |= nb_buf_add(b, chunk, got);
    fclose(f);
    if (bad) {
        snprintf(err, errlen, "out of memory");
        nb_buf_free(b);
        return NB_ERR_NOMEM;
    }
    if (!b->data || b->len == 0) {
        snprintf(err, errlen, "%s: empty file", path);
        nb_buf_free(b);
        return NB_ERR_INPUT;
    }
    return NB_OK;
}

/* Runs PUT for body BODY (created when new) in one transaction. */
typedef nb_err (*body_put)(nb_store *s, int64_t body, const void *ud, char *err, size_t errlen);

static nb_err with_body(nb_store *s, const char *body, body_put put, const void *ud, char *err,
                        size_t errlen)
{
    int64_t id;
    nb_err rc = nb_store_begin(s, err, errlen);
    if (rc)
        return rc;
    rc = nb_store_body(s, body, 1, &id, NULL, err, errlen);
    if (!rc)
        rc = put(s, id, ud, err, errlen);
    if (!rc)
        rc = nb_store_commit(s, err, errlen);
    if (rc)
        nb_store_rollback(s);
    return rc;
}

typedef struct {
    int year;
    const char *text, *path, *role, *name;
} stored_file;

static nb_err put_text(nb_store *s, int64_t body, const void *ud, char *err, size_t errlen)
{
    const stored_file *f = ud;
    return nb_store_text_put(s, body, f->year, f->text, f->path, err, errlen);
}

static nb_err put_script(nb_store *s, int64_t body, const void *ud, char *err, size_t errlen)
{
    const stored_file *f = ud;
    return nb_store_script_put(s, body, f->role, f->name, f->text, err, errlen);
}

nb_err nb_import_text(nb_store *s, const char *path, const char *body, int year, int dry_run,
                      char *err, size_t errlen)
{
    nb_buf b = {0};
    nb_err rc = read_whole(path, &b, err, errlen);
    if (rc)
        return rc;
    const char *text = b.data;
    if (b.len >= 3 && memcmp(text, "\xef\xbb\xbf", 3) == 0)
        text += 3;
    if (year == 0) {
        const char *slash = strrchr(path, '/');
        const char *p = slash ? slash + 1 : path;
        for (; *p; p++)
            if (p[0] >= '1' && p[0] <= '2' && sscanf(p, "%4d", &year) == 1 && year >= 1990 &&
                year <= 2100)
                break;
        if (!*p)
            year = 0;
    }
    if (year == 0) {
        snprintf(err, errlen, "%s: give the year with --year (none in the file name)", path);
        nb_buf_free(&b);
        return NB_ERR_INPUT;
    }
    stored_file f = {.year = year, .text = text, .path = path};
    if (!dry_run)
        rc = with_body(s, body, put_text, &f, err, errlen);
    nb_buf_free(&b);
    return rc;
}

/* ---- single records (store:insert) ---- */

#include "records.h"

nb_err nb_record_insert(nb_store *s, const char *kind, const char *body, const char *const *names,
                        const char *const *values, int n, const char *source, int *inserted,
                        char *err, size_t errlen)
{
    const nb_kind *k = nb_kind_find(kind);
    *inserted = 0;
    if (!k) {
        snprintf(err, errlen, "unknown record kind '%s'", kind);
        return NB_ERR_INPUT;
    }
    char *msgbuf = NULL;
    size_t msglen = 0;
    FILE *msgs = open_memstream(&msgbuf, &msglen);
    if (!msgs) {
        snprintf(err, errlen, "out of memory");
        return NB_ERR_NOMEM;
    }
    nb_import_opts o = {.path = source, .kind = kind, .body = body, .msgs = msgs};
    nb_import_stats st;
    memset(&st, 0, sizeof st);
    import_state im;
    memset(&im, 0, sizeof im);
    im.s = s;
    im.o = &o;
    im.k = k;
    im.st = &st;
    im.writing = 1;
    im.basename = source;
    nb_strmap_init(&im.ids);
    nb_strmap_init(&im.unknown_idx);
    nb_err rc = NB_OK;
    char **h = calloc((size_t)n + 1, sizeof *h);
    char **v = calloc((size_t)n + 1, sizeof *v);
    nb_buf header = {0};
    int in_tx = 0;
    find_rules(&im);
    if (!h || !v || build_catmaps(&im) != 0) {
        snprintf(err, errlen, "out of memory");
        rc = NB_ERR_NOMEM;
        goto done;
    }
    for (int i = 0; i < n; i++) {
        h[i] = strdup(names[i]);
        v[i] = strdup(values[i]);
        if (!h[i] || !v[i]) {
            snprintf(err, errlen, "out of memory");
            rc = NB_ERR_NOMEM;
            goto done;
        }
    }
    if (map_header(&im, h, (size_t)n, &header)) {
        rc = NB_ERR_INPUT;
        goto done;
    }
    in_tx = sqlite3_get_autocommit(s->db);
    if (in_tx && (rc = nb_store_begin(s, err, errlen))) {
        in_tx = 0;
        goto done;
    }
    if ((rc = nb_store_body(s, body, 1, &im.body_id, NULL, err, errlen)))
        goto done;
    /* One source row per script line (and body and kind), not one per record. */
    {
        sqlite3_stmt *q;
        if (sqlite3_prepare_v2(s->db,
                               "SELECT id FROM source WHERE path = ?1 AND kind = ?2 AND body = ?3 "
                               "AND encoding = 'lua' AND header = ?4 LIMIT 1",
                               -1, &q, NULL) == SQLITE_OK) {
            sqlite3_bind_text(q, 1, source, -1, SQLITE_STATIC);
            sqlite3_bind_text(q, 2, kind, -1, SQLITE_STATIC);
            sqlite3_bind_int64(q, 3, im.body_id);
            sqlite3_bind_text(q, 4, header.data ? header.data : "", -1, SQLITE_STATIC);
            if (sqlite3_step(q) == SQLITE_ROW)
                im.src_id = sqlite3_column_int64(q, 0);
            sqlite3_finalize(q);
        }
    }
    if (!im.src_id &&
        (rc = nb_store_source(s, source, kind, im.body_id, "lua", header.data ? header.data : "",
                              &im.src_id, err, errlen)))
        goto done;
    if ((rc = prepare(&im, err, errlen)))
        goto done;
    im.existing = 1;
    /* A record without an id gets a fresh one, "SOURCE#N", so records
       inserted from one script line (a loop) do not replace each other. */
    char autoid[1200];
    {
        char q[200];
        sqlite3_stmt *mx;
        long long next = 1;
        snprintf(q, sizeof q, "SELECT coalesce(max(rid), 0) + 1 FROM %s", k->table);
        if (sqlite3_prepare_v2(s->db, q, -1, &mx, NULL) == SQLITE_OK) {
            if (sqlite3_step(mx) == SQLITE_ROW)
                next = sqlite3_column_int64(mx, 0);
            sqlite3_finalize(mx);
        }
        snprintf(autoid, sizeof autoid, "%s#%lld", source, next);
        im.autoid = autoid;
    }
    int res = do_row(&im, v, (size_t)n, 1, err, errlen);
    if (res < 0) {
        rc = NB_ERR_SQL;
        goto done;
    }
    if (res > 0 || im.nunknown) {
        for (int i = 0; i < im.nunknown; i++)
            fprintf(msgs, "%s:1: field '%s': unknown value '%s' (not a national code or label)\n",
                    source, k->fields[im.unknown[i].field].name, im.unknown[i].value);
        rc = NB_ERR_INPUT;
        goto done;
    }
    *inserted = st.inserted == 1;
    if (in_tx) {
        if ((rc = nb_store_commit(s, err, errlen)))
            goto done;
        in_tx = 0;
    }
done:
    if (in_tx) {
        nb_store_rollback(s);
        nb_store_codes_reload(s);
    }
    fclose(msgs);
    if (rc == NB_ERR_INPUT && msglen) {
        /* The first message, without its trailing newline, and "SOURCE:1: "
           (the record is line 1 of its own source) shortened to "SOURCE: ". */
        char *nl = strchr(msgbuf, '\n');
        if (nl)
            *nl = '\0';
        size_t sl = strlen(source);
        if (strncmp(msgbuf, source, sl) == 0 && strncmp(msgbuf + sl, ":1: ", 4) == 0)
            snprintf(err, errlen, "%s: %s", source, msgbuf + sl + 4);
        else
            snprintf(err, errlen, "%s", msgbuf);
    }
    free(msgbuf);
    for (int i = 0; h && v && i < n; i++) {
        free(h[i]);
        free(v[i]);
    }
    free(h);
    free(v);
    nb_buf_free(&header);
    state_free(&im);
    return rc;
}

nb_err nb_import_script(nb_store *s, const char *path, const char *body, const char *role,
                        int dry_run, char *err, size_t errlen)
{
    nb_buf b = {0};
    nb_err rc = read_whole(path, &b, err, errlen);
    if (rc)
        return rc;
    const char *slash = strrchr(path, '/');
    stored_file f = {.text = b.data, .role = role, .name = slash ? slash + 1 : path};
    if (!dry_run)
        rc = with_body(s, body, put_script, &f, err, errlen);
    nb_buf_free(&b);
    return rc;
}
