/* remap.c - a body's stored records coded again with a mapping (remap.h). */
#include "remap.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "coder.h"
#include "records.h"
#include "util.h"
#include "writer.h"

/* Bytes of changed records held before they are written: past it the cursor is closed,
 * they are written, and it is opened again past the last record read (nb_query.after_rid). */
#define PENDING_MOST ((size_t)8 << 20)

/* One source file of the body's records of the kind being coded. */
typedef struct {
    int64_t src;
    char *path;        /* its path, as imported (owned) */
    char *header;      /* its header, unit-separated (owned; cut into NAMES) */
    char **names;      /* the header's names (into HEADER) */
    int ncols;
    int serial;        /* a workbook's: a number in a date column is a day number */
    nb_coder *coder;   /* NULL: its header was refused (said once) */
} source_t;

/* A changed record held in PENDING, coded: this, then its coded values (NFIELDS int64_t),
 * its id, the texts of its text fields that have one, and its raw values, each
 * NUL-terminated. Written without its coder (which may be let go of meanwhile). */
typedef struct {
    int64_t rid, src;
    long line;
    uint32_t has; /* bit f: field f has a value */
} pending_t;

typedef struct {
    nb_store *s;
    const nb_kind *k;
    const nb_remap_opts *o;
    nb_remap_stats *st;
    int64_t body;
    source_t *srcs;
    int nsrc, capsrc;
    nb_buf row;            /* the row being made: its fields' texts, each NUL-terminated */
    size_t *off;           /* each column's text in ROW */
    char **fields;
    unsigned char *given;  /* each column: its text is one the row kept (its raw values) */
    int cap;               /* of OFF, FIELDS and GIVEN */
    nb_buf raw, val;
    nb_buf pending;
    long npending;
} remap_t;

static nb_err nomem(char *err, size_t errlen)
{
    snprintf(err, errlen, "out of memory");
    return NB_ERR_NOMEM;
}

/* Gives the caller every diagnostic but notes, and counts the rows refused. */
static void pass_diag(void *ud, const nb_diag *d)
{
    remap_t *m = ud;
    if (d->note)
        return;
    m->st->problems++;
    if (m->o->diag)
        m->o->diag(m->o->diag_ud, d);
}

static void refuse(remap_t *m, const char *file, long line, const char *field, const char *why,
                   const char *value)
{
    nb_diag d = {.file = file, .line = line, .field = field, .reason = why, .value = value};
    pass_diag(m, &d);
}

/* Source I let go of: the values its rows gave that the mapping does not know said (each
 * with its count and first line), its coder freed. */
static void let_go(remap_t *m, int i)
{
    source_t *e = &m->srcs[i];
    if (e->coder)
        nb_coder_unknowns(e->coder, e->path, 0, pass_diag, m);
    nb_coder_free(e->coder);
    free(e->path);
    free(e->header);
    free(e->names);
}

static void free_sources(remap_t *m)
{
    for (int i = 0; i < m->nsrc; i++)
        let_go(m, i);
    free(m->srcs);
    m->srcs = NULL;
    m->nsrc = m->capsrc = 0;
}

/* Room for N columns in OFF and FIELDS. */
static int room(remap_t *m, int n)
{
    if (n <= m->cap)
        return 0;
    int cap = n < 64 ? 64 : 2 * n;
    size_t *off = realloc(m->off, (size_t)cap * sizeof *off);
    if (off)
        m->off = off;
    char **fields = off ? realloc(m->fields, (size_t)cap * sizeof *fields) : NULL;
    if (fields)
        m->fields = fields;
    unsigned char *given = fields ? realloc(m->given, (size_t)cap) : NULL;
    if (!given)
        return -1;
    m->given = given;
    m->cap = cap;
    return 0;
}

/* Sources kept at once, each with its coder: a body's records from thousands of files took
 * a coder each (12,000 files of a row or two: 211 MB, by a review). Past it the oldest is
 * let go of; its records coming again take a new coder (a body's rids follow its imports,
 * but a re-import moves the rows it updates to its own source: their files interleave). */
#define SOURCES_MOST 256

/* The source SRC among those kept, or NULL. */
static source_t *find_source(remap_t *m, int64_t src)
{
    for (int i = m->nsrc - 1; i >= 0; i--)
        if (m->srcs[i].src == src)
            return &m->srcs[i];
    return NULL;
}

/* The source SRC (its PATH and HEADER), new, its coder made with the mapping. NULL on a
 * failure, *RC and ERR set. */
static source_t *source_for(remap_t *m, int64_t src, const char *path, const char *header,
                            nb_err *rc, char *err, size_t errlen)
{
    *rc = NB_OK;
    if (m->nsrc == SOURCES_MOST) { /* the records held need no coder */
        let_go(m, 0);
        memmove(m->srcs, m->srcs + 1, (size_t)(m->nsrc - 1) * sizeof *m->srcs);
        m->nsrc--;
    }
    if (m->nsrc == m->capsrc) {
        int cap = m->capsrc ? 2 * m->capsrc : 8;
        source_t *more = realloc(m->srcs, (size_t)cap * sizeof *more);
        if (!more) {
            *rc = nomem(err, errlen);
            return NULL;
        }
        m->srcs = more;
        m->capsrc = cap;
    }
    source_t *e = &m->srcs[m->nsrc];
    memset(e, 0, sizeof *e);
    e->src = src;
    e->path = strdup(path ? path : "");
    e->header = strdup(header ? header : "");
    if (!e->path || !e->header) {
        free(e->path);
        free(e->header);
        *rc = nomem(err, errlen);
        return NULL;
    }
    m->nsrc++;
    int n = 1;
    for (const char *p = e->header; *p; p++)
        n += *p == NB_RAW_NEXT;
    if (!(e->names = calloc((size_t)n + 1, sizeof *e->names))) {
        *rc = nomem(err, errlen);
        return NULL;
    }
    char *p = e->header;
    for (int i = 0; i < n; i++) {
        e->names[i] = p;
        p += strcspn(p, "\037");
        if (*p)
            *p++ = '\0';
    }
    e->ncols = n;
    sqlite3_stmt *q = NULL;
    if (sqlite3_prepare_v2(m->s->db, "SELECT encoding FROM source WHERE id = ?1", -1, &q,
                           NULL) != SQLITE_OK) {
        *rc = nb_store_sql_fail(m->s, err, errlen, "reading a source");
        return NULL;
    }
    sqlite3_bind_int64(q, 1, src);
    const unsigned char *enc = sqlite3_step(q) == SQLITE_ROW ? sqlite3_column_text(q, 0) : NULL;
    e->serial = enc && strcmp((const char *)enc, "XLSX") == 0;
    sqlite3_finalize(q);
    nb_coder *c = NULL;
    if ((*rc = nb_coder_new(m->s, m->k, m->o->map, e->serial, &c, err, errlen)))
        return NULL;
    int before = m->st->problems;
    nb_err hrc = nb_coder_header(c, e->path, e->names, (size_t)n, pass_diag, m);
    if (hrc != NB_OK && hrc != NB_ERR_INPUT) {
        nb_coder_free(c);
        *rc = hrc == NB_ERR_NOMEM ? nomem(err, errlen) : hrc;
        return NULL;
    }
    if (hrc == NB_ERR_INPUT || m->st->problems > before) {
        nb_coder_free(c); /* said: its records are not coded */
        if (m->st->problems == before)
            refuse(m, e->path, 1, NULL, "its header does not fit the kind with this mapping", NULL);
        return e;
    }
    e->coder = c;
    return e;
}

/* Puts TEXT as column COL's text of the row being made. */
static int put_col(remap_t *m, int col, const char *text)
{
    m->given[col] = 0;
    m->off[col] = m->row.len;
    return nb_buf_add(&m->row, text, strlen(text) + 1);
}

/* The text a file gives for field F's stored value V, as the coder reads it back to V
 * without keeping it among the raw values. */
static const char *stored_text(remap_t *m, int f, const nb_row *r, char *tmp, size_t n)
{
    const nb_field *fd = &m->k->fields[f];
    int64_t v = r->ival[f];
    switch (fd->type) {
    case NB_F_TEXT:
        return r->text[f] ? r->text[f] : "";
    case NB_F_DATE:
        if (!v)
            return "";
        snprintf(tmp, n, "%04d-%02d-%02d", (int)(v / 10000), (int)(v / 100 % 100), (int)(v % 100));
        return tmp;
    case NB_F_CAT: {
        const char *code = v ? nb_store_code_str(m->s, v) : NULL;
        return code ? code : "";
    }
    case NB_F_INT:
        snprintf(tmp, n, "%lld", (long long)v);
        return tmp;
    default:
        nb_money_format(v, tmp);
        return tmp;
    }
}

/* Row R made again in its source's columns (E), into FIELDS; *N their number; *KEEP the
 * categories whose text is their stored value's code (not one the row kept: the file gave
 * a national code or label), which stay as stored. */
static nb_err make_row(remap_t *m, source_t *e, const nb_row *r, int *n, uint32_t *keep,
                       char *err, size_t errlen)
{
    char tmp[64];
    int ncols = e->ncols, bad = 0;
    size_t pos = 0;
    long col;
    int more;
    while ((more = nb_raw_next_col(r->raw ? r->raw : "", &pos, &col, &m->val)) == 1)
        if (col > ncols && col <= 100000)
            ncols = (int)col;
    if (more < 0 || room(m, ncols))
        return nomem(err, errlen);
    m->row.len = 0;
    bad |= nb_buf_add(&m->row, "", 1);
    for (int j = 0; j < ncols; j++) {
        m->off[j] = 0;
        m->given[j] = 0;
    }
    int c = nb_coder_column(e->coder, -1);
    if (c >= 0 && c < ncols)
        bad |= put_col(m, c, r->id);
    c = nb_coder_body_column(e->coder);
    if (c >= 0 && c < ncols)
        bad |= put_col(m, c, r->body ? r->body : "");
    for (int f = 0; f < m->k->nfields; f++) {
        c = nb_coder_column(e->coder, f);
        if (c >= 0 && c < ncols)
            bad |= put_col(m, c, stored_text(m, f, r, tmp, sizeof tmp));
    }
    pos = 0;
    while ((more = nb_raw_next_col(r->raw ? r->raw : "", &pos, &col, &m->val)) == 1)
        if (col >= 1 && col <= ncols) {
            bad |= put_col(m, (int)col - 1, m->val.data);
            m->given[col - 1] = 1;
        }
    if (bad || more < 0)
        return nomem(err, errlen);
    *keep = 0;
    for (int f = 0; f < m->k->nfields; f++) {
        c = nb_coder_column(e->coder, f);
        if (m->k->fields[f].type == NB_F_CAT && c >= 0 && c < ncols && !m->given[c])
            *keep |= (uint32_t)1 << f;
    }
    for (int j = 0; j < ncols; j++)
        m->fields[j] = m->row.data + m->off[j];
    *n = ncols;
    return NB_OK;
}

/* The row in FIELDS (N) through E's coder into REC (problems to FN), the categories in
 * KEEP their values STORED (in field order, one for each) as they are, not the mapping's:
 * the file gave their national code or label. */
static nb_err code_again(remap_t *m, source_t *e, long line, int n, uint32_t keep,
                         const int64_t *stored, nb_rec *rec, nb_diag_fn fn, char *err,
                         size_t errlen)
{
    nb_err rc = nb_coder_row(e->coder, e->path, line, m->fields, (size_t)n, rec, fn, m, err,
                             errlen);
    if (rc)
        return rc;
    for (int f = 0, i = 0; f < m->k->nfields; f++)
        if (keep >> f & 1) {
            rec->ival[f] = stored[i++];
            rec->has[f] = rec->ival[f] != 0;
            nb_coder_plain(e->coder, f);
        }
    return NB_OK;
}

/* 1 when REC (as the coder made it again) holds R's values but for its categories; else 0,
 * each other value that differs refused, naming it. *CHANGED: a category differs. */
static int same_but_categories(remap_t *m, source_t *e, const nb_rec *rec, const nb_row *r,
                               int *changed)
{
    char was[64], now[64];
    int same = 1;
    *changed = 0;
    if (nb_coder_column(e->coder, -1) < 0) { /* a row without an id is known by FILE:LINE */
        size_t n = strlen(e->path);
        char *end;
        int prefix = strncmp(r->id, e->path, n) == 0; /* then r->id has N bytes at least */
        int by_line = prefix && r->id[n] == ':', by_insert = prefix && r->id[n] == '#';
        long v = (by_line || by_insert) && r->id[n + 1] != '-' ? strtol(r->id + n + 1, &end, 10)
                                                                : -1; /* store:insert's '#' */
        if (v < 0 || end == r->id + n + 1 || *end || (by_line && v != r->line)) {
            char why[512];
            snprintf(why, sizeof why, "the mapping's header aliases leave the file no id "
                     "column, and the record's id is %s: import the file again", r->id);
            refuse(m, e->path, r->line, "id", why, NULL);
            return 0;
        }
    } else if (strcmp(rec->id, r->id) != 0) {
        refuse(m, e->path, r->line, "id", "the mapping's header aliases give this row another id "
               "than the one stored: import the file again", rec->id);
        return 0;
    }
    for (int f = 0; f < m->k->nfields; f++) {
        const nb_field *fd = &m->k->fields[f];
        int64_t v = rec->has[f] ? rec->ival[f] : 0;
        if (fd->type == NB_F_CAT) {
            *changed |= v != r->ival[f];
            continue;
        }
        const char *a = rec->has[f] && fd->type == NB_F_TEXT ? rec->text[f] : "";
        const char *b = r->text[f] ? r->text[f] : "";
        if (fd->type == NB_F_TEXT ? strcmp(a, b) == 0 : v == r->ival[f])
            continue;
        nb_row as_now = *r;
        as_now.ival[f] = v;
        as_now.text[f] = a;
        char why[512];
        snprintf(why, sizeof why, "would be '%s' where '%s' is stored: a mapping changes "
                 "categories only (did its header aliases move a column? import the file "
                 "again)", stored_text(m, f, &as_now, now, sizeof now),
                 stored_text(m, f, r, was, sizeof was));
        refuse(m, e->path, r->line, fd->name, why, NULL);
        same = 0;
    }
    return same;
}

/* Holds REC, row R coded again (its raw values RAW), to be written. */
static int hold(remap_t *m, const nb_row *r, int64_t src, const nb_rec *rec, const char *raw)
{
    pending_t p = {.rid = r->rid, .src = src, .line = r->line};
    for (int f = 0; f < m->k->nfields; f++)
        p.has |= (uint32_t)(rec->has[f] != 0) << f;
    int bad = nb_buf_add(&m->pending, &p, sizeof p) |
              nb_buf_add(&m->pending, rec->ival, (size_t)m->k->nfields * sizeof *rec->ival) |
              nb_buf_add(&m->pending, r->id, strlen(r->id) + 1);
    for (int f = 0; f < m->k->nfields; f++)
        if (m->k->fields[f].type == NB_F_TEXT && rec->has[f])
            bad |= nb_buf_add(&m->pending, rec->text[f], strlen(rec->text[f]) + 1);
    bad |= nb_buf_add(&m->pending, raw, strlen(raw) + 1);
    m->npending += !bad;
    return bad;
}

/* The records held, one after another: *AT the next one's offset in PENDING; into REC, *P,
 * *ID and *RAW (pointing into PENDING). */
static void held_next(const remap_t *m, size_t *at, pending_t *p, nb_rec *rec, const char **id,
                      const char **raw)
{
    const char *d = m->pending.data;
    memcpy(p, d + *at, sizeof *p);
    *at += sizeof *p;
    memset(rec, 0, sizeof *rec);
    memcpy(rec->ival, d + *at, (size_t)m->k->nfields * sizeof *rec->ival);
    *at += (size_t)m->k->nfields * sizeof *rec->ival;
    *id = d + *at;
    *at += strlen(*id) + 1;
    rec->id = *id;
    rec->body = "";
    for (int f = 0; f < m->k->nfields; f++) {
        rec->has[f] = (unsigned char)(p->has >> f & 1);
        if (m->k->fields[f].type == NB_F_TEXT && rec->has[f]) {
            rec->text[f] = d + *at;
            *at += strlen(rec->text[f]) + 1;
        }
    }
    *raw = d + *at;
    *at += strlen(*raw) + 1;
}

/* Orders the held records by source, each source's in the order held (rid order). */
typedef struct {
    int64_t src;
    size_t at;
} held_ref;

static int by_source(const void *a, const void *b)
{
    const held_ref *x = a, *y = b;
    if (x->src != y->src)
        return x->src < y->src ? -1 : 1;
    return x->at < y->at ? -1 : x->at > y->at;
}

/* Writes the records held through a writer for each of their sources in turn (one at a
 * time: thousands of files' writers at once would hold their buffers together). */
static nb_err write_held(remap_t *m, char *err, size_t errlen)
{
    held_ref *refs = malloc((size_t)m->npending * sizeof *refs);
    if (!refs)
        return nomem(err, errlen);
    size_t at = 0;
    for (long i = 0; i < m->npending; i++) {
        pending_t p;
        nb_rec rec;
        const char *id, *raw;
        refs[i].at = at;
        held_next(m, &at, &p, &rec, &id, &raw);
        refs[i].src = p.src;
    }
    qsort(refs, (size_t)m->npending, sizeof *refs, by_source);
    nb_err rc = NB_OK;
    nb_writer *w = NULL;
    for (long i = 0; i < m->npending && !rc; i++) {
        pending_t p;
        nb_rec rec;
        const char *id, *raw;
        int64_t rid = 0;
        at = refs[i].at;
        held_next(m, &at, &p, &rec, &id, &raw);
        if (!w && (rc = nb_writer_new(m->s, m->k, m->body, p.src, NULL, &w, err, errlen)))
            break;
        rc = nb_writer_find(w, id, &rid, err, errlen);
        if (!rc && rid != p.rid) {
            snprintf(err, errlen, "%s: record %s of %s is no longer the one read", m->s->path,
                     id, m->k->name);
            rc = NB_ERR_SQL;
        }
        if (!rc)
            rc = nb_writer_put(w, &rec, id, rid, p.line, raw, err, errlen);
        if (!rc)
            nb_writer_let_go(w);
        if (!rc && (i + 1 == m->npending || refs[i + 1].src != p.src)) { /* its source done */
            rc = nb_writer_flush(w, err, errlen);
            nb_writer_free(w);
            w = NULL;
        }
    }
    nb_writer_free(w);
    free(refs);
    m->pending.len = 0;
    m->npending = 0;
    return rc;
}

/* Codes the body's records of kind M->k again. */
static nb_err remap_kind(remap_t *m, char *err, size_t errlen)
{
    int64_t after = 0;
    long records = 0, changed = 0;
    nb_err rc = NB_OK;
    for (int full = 1; full && !rc;) {
        nb_query q = {.kind = m->k, .body = m->body, .after_rid = after}; /* past those read */
        nb_rows r;
        if ((rc = nb_rows_open(m->s, &q, &r, err, errlen)))
            break;
        int more;
        full = 0;
        while (!rc && !full && (more = nb_rows_next(&r, err, errlen)) == 1) {
            const nb_row *row = &r.row;
            source_t *e = find_source(m, row->src);
            after = row->rid;
            records++;
            if (!e && !(e = source_for(m, row->src, row->source, row->header, &rc, err, errlen)))
                break;
            if (!e->coder) { /* its header refused, said once */
                m->st->refused++;
                continue;
            }
            int n, diff;
            uint32_t keep;
            int64_t stored[NB_MAX_FIELDS];
            nb_rec rec;
            if ((rc = make_row(m, e, row, &n, &keep, err, errlen)))
                break;
            for (int f = 0, i = 0; f < m->k->nfields; f++)
                if (keep >> f & 1)
                    stored[i++] = row->ival[f];
            rc = code_again(m, e, row->line, n, keep, stored, &rec, pass_diag, err, errlen);
            if (rc == NB_ERR_INPUT) {
                m->st->refused++;
                rc = NB_OK;
                continue;
            }
            if (rc)
                break;
            if (!same_but_categories(m, e, &rec, row, &diff)) {
                m->st->refused++;
                continue;
            }
            if (!diff)
                continue;
            changed++;
            if (!m->o->dry_run && !m->st->problems &&
                (nb_coder_raw(e->coder, m->fields, (size_t)n, &rec, m->o->body, &m->raw) ||
                 hold(m, row, e->src, &rec, m->raw.data ? m->raw.data : "")))
                rc = nomem(err, errlen);
            full = m->pending.len > PENDING_MOST;
        }
        if (!rc && more < 0)
            rc = NB_ERR_SQL;
        nb_rows_close(&r);
        if (!rc && m->st->problems) { /* nothing will be written: go on only to say why */
            m->pending.len = 0;
            m->npending = 0;
        } else if (!rc && m->npending) {
            rc = write_held(m, err, errlen);
        }
    }
    free_sources(m); /* each source's unknown values said */
    m->st->records += records;
    m->st->changed += changed;
    if (!rc && m->o->kind_done && records)
        m->o->kind_done(m->o->kind_ud, m->k->name, records, changed);
    return rc;
}

nb_err nb_remap(nb_store *s, const nb_remap_opts *o, nb_remap_stats *st, char *err,
                size_t errlen)
{
    memset(st, 0, sizeof *st);
    *err = '\0';
    int64_t body = 0;
    nb_err rc = nb_store_body(s, o->body, 0, &body, NULL, err, errlen);
    if (rc)
        return rc;
    if ((rc = nb_store_begin(s, err, errlen)))
        return rc;
    remap_t m = {.s = s, .o = o, .st = st, .body = body};
    for (int i = 0; i < nb_nkinds && !rc; i++) {
        int cats = 0;
        for (int f = 0; f < nb_kinds[i].nfields; f++)
            cats |= nb_kinds[i].fields[f].type == NB_F_CAT;
        if (!cats)
            continue;
        m.k = &nb_kinds[i];
        rc = remap_kind(&m, err, errlen);
    }
    free_sources(&m);
    free(m.off);
    free(m.fields);
    free(m.given);
    nb_buf_free(&m.row);
    nb_buf_free(&m.raw);
    nb_buf_free(&m.val);
    nb_buf_free(&m.pending);
    if (!rc && st->problems) {
        snprintf(err, errlen, "%s: %ld record%s refused with the mapping: nothing changed",
                 o->body, st->refused, st->refused == 1 ? "" : "s");
        rc = NB_ERR_INPUT;
    }
    if (rc || o->dry_run)
        nb_store_rollback(s);
    else
        rc = nb_store_commit(s, err, errlen);
    return rc;
}
