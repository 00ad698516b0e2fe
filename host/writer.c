/* writer.c - batched inserts and in-place updates of coded records. */
#include "writer.h"

#include "async.h"
#include "pack.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* The rows whose coded values alone changed that a run of moved rows holds (nb_writer); a
 * run of a file with every tenth row changed: some 640 rows, one statement. */
#define RUN_CHANGES_MOST 64

/* Rows per multi-row INSERT of records new to their bodies. */
#define BATCH_ROWS 256
/* Batches handed to the helper thread at a time (nb_writer_async): each handing over
 * wakes a thread, which on a virtual machine may take as long as a batch (some 30 us).
 * 16 against 8: an import of 1e6 rows 7% faster, its groups twice the memory (two
 * arrays of 4096 rows of 472 bytes, 3.9 MB, and their texts). A large file's queue gives
 * an idle helper each batch as it fills (nb_batch_early). */
#define GROUP_BATCHES 16
#define GROUP_ROWS (BATCH_ROWS * GROUP_BATCHES)
/* Bytes of texts a queue gathers before its rows are written, whatever their count: rows
 * of megabytes (a record may have 2 MiB) are written a few at a time, not a group's 4,096
 * (rows of 1e6 in the bench have some 150 bytes: a group's are 0.6 MB). Its whole batches
 * go, and the rest waits for its batch to fill while within bounds (flush_text). A buffer
 * grown past TEXT_KEEP is let go once its rows are written: every body that has rows has
 * a queue of its own. */
#define TEXT_MOST (4 << 20)
#define TEXT_KEEP (1 << 20)
/* Bytes of texts a writer reads ahead (at least one row), and past which it lets them go
 * once its row is done (nb_writer_let_go): each writer of a file naming 20 bodies of rows
 * of 4 MB held its body's last read, 80 MB. */
#define AHEAD_TEXT_MOST (256 << 10)
#define AHEAD_TEXT_KEEP (1 << 20)
/* Those two buffers of every body, each under its size to let go, are counted in all
 * (the store's texts_kept) once past KEPT_SMALL: past TEXTS_KEPT_MOST in all, each is let
 * go after its row too. A file of 100 bodies' rows of 0.6 MB, re-imported changed, kept
 * 1 MiB of each of them for each body: 150 MB over a small import, 26 MB with this. The
 * bench's imports never count one (their buffers are under KEPT_SMALL). */
#define KEPT_SMALL (64 << 10)
#define TEXTS_KEPT_MOST (4 << 20)

/* A record waiting to be written: its body and source, its values, and offsets and
 * lengths of its texts in the queue's text. */
typedef struct {
    long line;
    int64_t rid;             /* row to update, 0 to insert */
    int64_t body, src;
    int coded_changed;       /* an update changes a coded field (the packs must follow) */
    size_t id, id_len, raw, raw_len;
    size_t text[NB_MAX_FIELDS], text_len[NB_MAX_FIELDS];
    int64_t ival[NB_MAX_FIELDS];
    unsigned char has[NB_MAX_FIELDS];
} pending_row;

/* A row of a body read ahead of the finds (nb_writer_find): its texts in the writer's
 * ahead_text, at id and raw; its fields in ahead_val (a row's nfields values: a number,
 * or a text's place in ahead_text), those it has in HAS (bit f). Some 100 bytes a request
 * (456 with a slot for every possible field: 20 MB of a re-import naming 3,000 bodies). */
typedef struct {
    int64_t rid, src;
    long line;
    size_t id, id_len, raw, raw_len;
    unsigned has;
} ahead_row;
_Static_assert(NB_MAX_FIELDS <= 32, "ahead_row.has holds a bit a field");

/* The keys under which the store keeps a kind's statements of the writers between uses
 * (nb_store_stmt_take): bytes of the kind's own, apart from the row statements' (step_row:
 * its table and label), shared by every writer of the kind, as none stays open. */
#define KEY_FIND(k) ((const void *)((const char *)(k) + 1))
#define KEY_FIND_AFTER(k) ((const void *)((const char *)(k) + 2))
#define KEY_MOVE(k) ((const void *)((const char *)(k) + 3))
#define KEY_MOVE_IDS(k) ((const void *)((const char *)(k) + 4))

/* A run of moved rows of rids alone up to this many is written id by id (end_moves); a
 * longer one by its rids' range, a pass over its body's rows. */
#define MOVE_BY_ID 4096

/* Rows a read ahead takes: after a seek; at most, the rows of all the import's bodies that
 * have rows shared among them, but no fewer than AHEAD_LEAST each (a read costs a seek: a
 * body's own file re-imported with every line moved, 8% slower by 16 rows than by 256). */
#define AHEAD_SEEK 2
#define AHEAD_ALL 4096
#define AHEAD_LEAST 16
#define AHEAD_MOST 256

/* Records waiting to be written, of one kind: a writer's own, or the queue of every body
 * new to the kind in one import (nb_batch_new), whose batches mix the bodies' rows. */
struct nb_batch {
    nb_store *s;
    const nb_kind *k;
    const char *file;        /* the rows' file, for messages (NULL: the store) */
    int batched;             /* new records go by BATCH_ROWS (prepared at the first) */
    sqlite3_stmt *ins_batch; /* BATCH_ROWS rows; NULL when rows go one by one */
    /* the body and the source bound to each row of ins_batch (0: none): bound again only
       when they change, so a file of one body binds them once */
    int64_t (*bound)[2];     /* BATCH_ROWS pairs, made with ins_batch (a queue of a body
                                that has rows never batches: 4 KB each of 3,000 bodies) */
    pending_row *pending;    /* cap slots */
    int npending, cap;       /* cap: 1, BATCH_ROWS with ins_batch, a group with async */
    int updates;             /* pending rows that update (never so in a batch: then all
                                go one by one) */
    nb_buf text;
    size_t text_counted, sent_counted; /* of text and sent_text in the store's texts_kept */
    /* A full group of batches is stepped in the helper thread of async
       (nb_writer_async) while the next one fills: the one in flight is sent (its texts
       in sent_text). helper: the import's, waited for before a row is written here
       (any queue's group may be in flight). */
    nb_async *async, *helper;
    int may_group;        /* the queue may take group buffers once its rows fill a batch */
    /* An idle helper may be given each batch as it fills (nb_writer_put), while the
       import's own thread writes no row of the kind: then the rows take their rids in the
       file's order whatever the timing. Ended (nb_batch_early_end) when a body that has
       rows needs a writer (its rows, written here, take the next rid: where they fall
       among the shared rows must not depend on when the helper was idle), or when a row
       is refused. */
    int early;
    int readers;          /* the import's writers of bodies that have rows (they read ahead) */
    nb_write_fail *fail;  /* the import's record of a group that failed (its first):
                             every writer's next call says so */
    pending_row *sent;
    nb_buf sent_text;
    int in_flight;        /* a batch was given to async and its done has not run */
    int nsent;            /* its rows: whole batches */
    int sent_rc;          /* the result code of its last step, SQLite's message */
    int sent_failed_at;   /* the batch that failed */
    int64_t sent_last[GROUP_BATCHES]; /* the last rid of each batch */
    char sent_msg[256];
};

struct nb_writer {
    nb_store *s;
    const nb_kind *k;
    int64_t body, src;
    int existing;            /* the body already has rows of the kind */
    nb_batch *q;             /* where its records wait: own, or shared */
    int own_q;
    /* Rows whose values are the found row's, their line moved (or their file): a run of
       them whose lines moved by as many, written by one UPDATE (end_moves). The run is of
       consecutive rids (MOVE_RIDS: a file imported again in its order), or of rows next to
       each other in the body's ids (MOVE_IDS: each found next to the one before among the
       rows read ahead, see find_locked; a city's file, whose rows name its bodies in turn,
       gave each body's rows rids far apart). */
    int64_t move_lo, move_hi;
    nb_buf move_lo_id, move_hi_id;
    nb_buf move_ids; /* the run's ids, each ending in a NUL, while it has at most
                        MOVE_BY_ID rows: a run of rids alone is written id by id (its body's
                        rows are keyed by id: a range of rids is a pass over all of them) */
    long move_by, move_first, move_last; /* lines: the change, the run's first and last */
    int nmoves;
    enum { MOVE_ONE, MOVE_RIDS, MOVE_IDS } move_as;
    long move_seq;           /* the find (nfound) that found the run's last row */
    /* The run's rows whose coded values alone changed (nb_writer_put): for each, its rid,
       its nfields values, then its has bits as a mask; changed in their parts once the
       run is written (end_moves), so that a run refused leaves them as they were (a
       refused store:insert inside a caller's transaction, which goes on). At most
       RUN_CHANGES_MOST: then the run is written. */
    int64_t *run_changes;
    int nrun_changes, run_changes_cap;
    /* The row nb_writer_find found last: its fields (texts in ahead_text, at found_off,
       until the next find), its source, line and raw values. */
    int64_t found_rid, found_ival[NB_MAX_FIELDS], found_src;
    unsigned char found_has[NB_MAX_FIELDS];
    size_t found_off[NB_MAX_FIELDS], found_raw;
    long found_line;
    /* find reads the body's rows in id order ahead of the ids asked for, while they come
       in that order (read_ahead); no statement stays open between two finds (an open one
       is visited by SQLite each time it writes or opens another: a re-import of 1e6 rows
       naming 100 bodies spent 30% of its time there, each body's walk open). */
    ahead_row *ahead;        /* want rows' room */
    int64_t *ahead_val;      /* their fields: nfields a row */
    const int *readers;      /* the import's count of writers that read ahead (NULL: one) */
    nb_buf ahead_text;
    size_t ahead_counted;    /* of ahead_text in the store's texts_kept */
    int nahead, at, room;    /* rows read, the first not passed, the room for them */
    int ahead_end;           /* they reach the body's last row */
    int want;                /* rows the next read takes */
    long seq;                /* the place of ahead[0] among the rows read in a line: one
                                row's is its predecessor's + 1 in ids (read_ahead) */
    nb_buf last_id;          /* the id asked for last */
    int has_last;
    long found_at;           /* the place of the row found last (-1: none) */
    long nfound;             /* finds that found their row */
    int found_next;          /* the last one found the row next in ids to the one found before */
    /* Earlier sources of this file for the body (nb_writer_same_file), in order. */
    int64_t *same;
    size_t nsame;
};

/* Counts buffer B in the store's texts_kept (its room, once past KEPT_SMALL) in place of
 * what *COUNTED said of it. */
static void count_kept(nb_store *s, const nb_buf *b, size_t *counted)
{
    size_t now = b->cap > KEPT_SMALL ? b->cap : 0;
    s->texts_kept = s->texts_kept - *counted + now;
    *counted = now;
}

/* 1 when buffer B, its texts done with, is to be let go: past KEEP, or past KEPT_SMALL
 * while the writers keep more than TEXTS_KEPT_MOST in all. */
static int let_go_text(const nb_store *s, const nb_buf *b, size_t keep)
{
    return b->cap > keep || (b->cap > KEPT_SMALL && s->texts_kept > TEXTS_KEPT_MOST);
}

static nb_err sql_fail(nb_store *s, char *err, size_t errlen)
{
    snprintf(err, errlen, "%s: %s", s->path, NB_ERRMSG(s->db));
    return NB_ERR_SQL;
}

static nb_err nomem(char *err, size_t errlen)
{
    snprintf(err, errlen, "out of memory");
    return NB_ERR_NOMEM;
}

/* 1 when field F of K is a column of its table: a text field, or any field of a table that
 * holds the coded values too (nb_store_wide); the coded values are in the packs. */
static int stored(nb_store *s, const nb_kind *k, int f)
{
    return k->fields[f].type == NB_F_TEXT || nb_store_wide(s, k);
}

/* Appends ", name" (or ", name = ?N") for every field of K its table holds, N numbered
 * from BASE (a row's parameters: ?BASE+1 body, ?BASE+2 id, ?BASE+3.. the fields, then
 * src, line, raw and the rid: bind_row). */
static int field_list(nb_buf *b, nb_store *s, const nb_kind *k, int assign, int base)
{
    int bad = 0;
    for (int f = 0; f < k->nfields; f++)
        if (stored(s, k, f))
            bad |= assign ? nb_buf_printf(b, ", %s = ?%d", k->fields[f].name, base + f + 3)
                          : nb_buf_printf(b, ", %s", k->fields[f].name);
    return bad;
}

/* Appends the values of a row's INSERT: "(?BASE+1, ?BASE+2, ...)" (field_list's numbers). */
static int value_list(nb_buf *b, nb_store *s, const nb_kind *k, int base)
{
    int n = k->nfields;
    int bad = nb_buf_printf(b, "(?%d, ?%d", base + 1, base + 2);
    for (int f = 0; f < n; f++)
        if (stored(s, k, f))
            bad |= nb_buf_printf(b, ", ?%d", base + f + 3);
    return bad | nb_buf_printf(b, ", ?%d, ?%d, ?%d, ?%d)", base + n + 3, base + n + 4,
                               base + n + 5, base + n + 6);
}

/* The one-row INSERT (UPDATE) of K into *ST. Parameters: ?1 body, ?2 id, ?3.. the fields,
 * then src, line, raw and the rid (the new row's, given by nb_pack_rids); the row to update
 * is the body's with the id, whose key stays as it is. SQLite's code. */
static int prepare_row(nb_store *s, const nb_kind *k, int update, sqlite3_stmt **st)
{
    int n = k->nfields, bad = 0;
    nb_buf b = {0};
    if (!update) {
        bad |= nb_buf_printf(&b, "INSERT INTO %s(body, id", k->table) | field_list(&b, s, k, 0, 0);
        bad |= nb_buf_adds(&b, ", src, line, raw, rid) VALUES") | value_list(&b, s, k, 0);
    } else {
        bad |= nb_buf_printf(&b, "UPDATE OR FAIL %s SET src = ?%d, line = ?%d, raw = ?%d", k->table,
                             n + 3, n + 4, n + 5);
        bad |= field_list(&b, s, k, 1, 0) | nb_buf_adds(&b, " WHERE body = ?1 AND id = ?2");
    }
    int rc = bad ? SQLITE_NOMEM : sqlite3_prepare_v2(s->db, b.data, -1, st, NULL);
    nb_buf_free(&b);
    return rc;
}

/* The read of a body's rows in id order, from an id on (AFTER: after it), into *ST: the
 * store's kept one, or made: the id, the rid, the text fields, the source, line and raw
 * values. SQLite's code. */
static int prepare_read(nb_writer *w, int after, sqlite3_stmt **st)
{
    *st = nb_store_stmt_take(w->s, after ? KEY_FIND_AFTER(w->k) : KEY_FIND(w->k));
    if (*st)
        return SQLITE_OK;
    nb_buf b = {0};
    int bad = nb_buf_adds(&b, "SELECT id, rid");
    for (int f = 0; f < w->k->nfields; f++) /* the coded values come from the packs (ahead_values) */
        if (w->k->fields[f].type == NB_F_TEXT)
            bad |= nb_buf_printf(&b, ", %s", w->k->fields[f].name);
    bad |= nb_buf_printf(&b, ", src, line, raw FROM %s WHERE body = ?1 AND id %s ?2 "
                             "ORDER BY id LIMIT ?3", w->k->table, after ? ">" : ">=");
    int rc = bad ? SQLITE_NOMEM : sqlite3_prepare_v2(w->s->db, b.data, -1, st, NULL);
    nb_buf_free(&b);
    return rc;
}

/* Prepares the INSERT of BATCH_ROWS rows, at Q's first record. Without it (out of
 * memory, an SQLite with fewer variables) the rows go one by one.
 *
 * OR FAIL: a failing statement keeps the rows it wrote before the failure, so
 * SQLite needs no statement journal, which would copy each page the statement
 * changes to a temporary file first. A failure ends the import, and the whole
 * transaction is rolled back: still all rows or none. */
static void prepare_batch(nb_batch *q)
{
    const nb_kind *k = q->k;
    nb_buf b = {0};
    q->batched = 0;
    /* the same statement for every import: kept by the store from the one before */
    q->ins_batch = nb_store_stmt_take(q->s, k);
    if (!q->ins_batch) {
        int bad = nb_buf_printf(&b, "INSERT OR FAIL INTO %s(body, id", k->table);
        bad |= field_list(&b, q->s, k, 0, 0) | nb_buf_adds(&b, ", src, line, raw, rid) VALUES");
        for (int i = 0; i < BATCH_ROWS; i++)
            bad |= nb_buf_adds(&b, i ? ", " : "") | value_list(&b, q->s, k, i * (k->nfields + 6));
        if (!bad && sqlite3_prepare_v2(q->s->db, b.data, -1, &q->ins_batch, NULL) != SQLITE_OK) {
            sqlite3_finalize(q->ins_batch);
            q->ins_batch = NULL;
        }
    }
    nb_buf_free(&b);
    pending_row *more = q->ins_batch ? realloc(q->pending, BATCH_ROWS * sizeof *more) : NULL;
    if (more)
        q->pending = more;
    /* zeros: a kept statement's bindings are another's */
    if (!more || !(q->bound = calloc(BATCH_ROWS, sizeof *q->bound))) {
        sqlite3_finalize(q->ins_batch);
        q->ins_batch = NULL;
        return;
    }
    q->cap = BATCH_ROWS;
}

/* A queue of kind K; BATCHED: its new records go by batches. NULL when out of memory. */
static nb_batch *queue_new(nb_store *s, const nb_kind *k, int batched)
{
    nb_batch *q = calloc(1, sizeof *q);
    if (!q || !(q->pending = calloc(1, sizeof *q->pending))) {
        free(q);
        return NULL;
    }
    q->s = s, q->k = k, q->cap = 1, q->batched = batched;
    return q;
}

nb_err nb_batch_new(nb_store *s, const nb_kind *k, const char *file, nb_batch **out, char *err,
                    size_t errlen)
{
    if (!(*out = queue_new(s, k, 1)))
        return nomem(err, errlen);
    (*out)->file = file;
    return NB_OK;
}

void nb_batch_early(nb_batch *q, int on)
{
    q->early = on;
}

void nb_batch_free(nb_batch *q)
{
    if (!q)
        return;
    if (q->in_flight)
        nb_async_wait(q->async);
    q->s->texts_kept -= q->text_counted + q->sent_counted;
    free(q->sent);
    nb_buf_free(&q->sent_text);
    nb_store_stmt_give(q->s, q->k, q->ins_batch);
    free(q->pending);
    free(q->bound);
    nb_buf_free(&q->text);
    free(q);
}

void nb_writer_file(nb_writer *w, const char *file)
{
    if (w->own_q)
        w->q->file = file;
}

nb_err nb_writer_new(nb_store *s, const nb_kind *k, int64_t body, int64_t src, nb_batch *shared,
                     nb_writer **out, char *err, size_t errlen)
{
    nb_writer *w = calloc(1, sizeof *w);
    *out = NULL;
    if (!w)
        return nomem(err, errlen);
    w->s = s, w->k = k, w->body = body, w->src = src;
    w->found_at = -1;
    char q[256];
    sqlite3_stmt *ex;
    snprintf(q, sizeof q, "SELECT EXISTS(SELECT 1 FROM %s WHERE body = ?1)", k->table);
    if (sqlite3_prepare_v2(s->db, q, -1, &ex, NULL) == SQLITE_OK) {
        sqlite3_bind_int64(ex, 1, body);
        if (sqlite3_step(ex) == SQLITE_ROW)
            w->existing = sqlite3_column_int(ex, 0);
        sqlite3_finalize(ex);
    }
    if (w->existing && shared) {
        shared->readers++;
        w->readers = &shared->readers;
    }
    /* a body new to the kind: its records join the shared batches */
    if (!w->existing && shared && shared->k == k) {
        w->q = shared;
    } else if (!(w->q = queue_new(s, k, !w->existing))) {
        nb_writer_free(w);
        return nomem(err, errlen);
    } else {
        w->own_q = 1;
        nb_err rc = shared ? nb_batch_early_end(shared, err, errlen) : NB_OK;
        if (rc) {
            nb_writer_free(w);
            return rc;
        }
    }
    *out = w;
    return NB_OK;
}

void nb_writer_free(nb_writer *w)
{
    if (!w)
        return;
    if (w->own_q)
        nb_batch_free(w->q);
    w->s->texts_kept -= w->ahead_counted;
    free(w->ahead);
    free(w->ahead_val);
    nb_buf_free(&w->ahead_text);
    nb_buf_free(&w->last_id);
    nb_buf_free(&w->move_lo_id);
    nb_buf_free(&w->move_hi_id);
    nb_buf_free(&w->move_ids);
    free(w->same);
    free(w->run_changes);
    free(w);
}

static nb_err flush_rows(nb_batch *q, char *err, size_t errlen);
static nb_err settle(nb_batch *q, char *err, size_t errlen);

/* Keeps a copy of text value V (and its NUL) in the rows read ahead, at *OFF; 1 when out
 * of memory. */
static int keep_value(nb_writer *w, sqlite3_value *v, size_t *off, size_t *len)
{
    const char *t = (const char *)sqlite3_value_text(v);
    *len = t ? (size_t)sqlite3_value_bytes(v) : 0;
    *off = w->ahead_text.len;
    return nb_buf_add(&w->ahead_text, t ? t : "", *len + 1) != 0;
}

/* The order of the index on (body, id): bytes, then the shorter first. */
static int id_cmp(const char *a, size_t alen, const char *b, size_t blen)
{
    int c = memcmp(a, b, alen < blen ? alen : blen);
    return c ? c : (alen > blen) - (alen < blen);
}

static int cmp_rid_at(const void *a, const void *b)
{
    int64_t x = ((const int64_t *)a)[0], y = ((const int64_t *)b)[0];
    return (x > y) - (x < y);
}

/* The coded values of the rows read ahead, from the packed columns (nb_pack_values: as the
 * transaction sees them), into their ahead_val and has bits: a date as YYYYMMDD, an empty
 * date or category not had (a number is never empty). A record whose parts are to be made
 * again from the rows (a damaged part, a change the parts could not follow) has its values
 * read from its row. 0, -1 on SQLite's error, 1 out of memory, 2 a record no part holds
 * (a damaged store). */
static int ahead_values(nb_writer *w)
{
    const nb_kind *k = w->k;
    int n = w->nahead, field[NB_MAX_FIELDS], ncols = nb_pack_columns(k, field, NULL);
    if (!n || !ncols)
        return 0;
    int64_t *pairs = malloc((size_t)n * 2 * sizeof *pairs), *vals = malloc((size_t)n * (size_t)ncols * sizeof *vals);
    int64_t *rids = malloc((size_t)n * sizeof *rids);
    signed char *got = malloc((size_t)n);
    int r = !pairs || !vals || !rids || !got, sorted = 1;
    for (int i = 0; !r && i < n; i++) {
        pairs[2 * i] = w->ahead[i].rid, pairs[2 * i + 1] = i;
        sorted &= !i || w->ahead[i].rid > w->ahead[i - 1].rid;
    }
    if (!r && !sorted) /* read in id order: parts in rid order (a file's rows took their rids
                          in its order: mostly so already) */
        qsort(pairs, (size_t)n, 2 * sizeof *pairs, cmp_rid_at);
    for (int i = 0; !r && i < n; i++)
        rids[i] = pairs[2 * i];
    char err[256];
    nb_err vrc = r ? NB_OK : nb_pack_values(w->s, k, w->body, n, rids, vals, got, err, sizeof err);
    if (vrc)
        r = vrc == NB_ERR_NOMEM ? 1 : -1;
    sqlite3_stmt *row = NULL;
    for (int i = 0; !r && i < n; i++) {
        int at = (int)pairs[2 * i + 1];
        ahead_row *a = &w->ahead[at];
        int64_t *val = w->ahead_val + (size_t)at * (size_t)k->nfields;
        if (got[i] == 0) {
            r = 2;
            break;
        }
        if (got[i] == 2 && !nb_store_wide(w->s, k)) { /* a damaged part: the only copy */
            r = 2;
            break;
        }
        if (got[i] == 2) { /* the row's values: its parts are made again from the rows */
            if (!row) {
                nb_buf b = {0};
                int bad = nb_buf_adds(&b, "SELECT rid");
                for (int c = 0; c < ncols; c++)
                    bad |= nb_buf_printf(&b, ", coalesce(%s, 0)", k->fields[field[c]].name);
                bad |= nb_buf_printf(&b, " FROM %s WHERE rid = ?1", k->table);
                int prc = bad ? SQLITE_NOMEM : sqlite3_prepare_v2(w->s->db, b.data, -1, &row, NULL);
                nb_buf_free(&b);
                if (prc != SQLITE_OK) {
                    r = prc == SQLITE_NOMEM ? 1 : -1;
                    break;
                }
            }
            sqlite3_reset(row);
            sqlite3_bind_int64(row, 1, rids[i]);
            if (sqlite3_step(row) != SQLITE_ROW) {
                r = -1;
                break;
            }
            for (int c = 0; c < ncols; c++) {
                int64_t x = sqlite3_column_int64(row, c + 1);
                vals[(size_t)i * (size_t)ncols + (size_t)c] = k->fields[field[c]].type == NB_F_DATE ? nb_pack_day((int)x) : x;
            }
        }
        for (int c = 0; c < ncols; c++) {
            int f = field[c];
            int64_t x = vals[(size_t)i * (size_t)ncols + (size_t)c];
            nb_ftype t = k->fields[f].type;
            if ((t == NB_F_DATE || t == NB_F_CAT) && x == 0)
                continue; /* empty */
            val[f] = t == NB_F_DATE ? nb_pack_ymd(x) : x;
            a->has |= 1u << f;
        }
    }
    sqlite3_finalize(row);
    free(pairs);
    free(vals);
    free(rids);
    free(got);
    return r;
}

static long rows_read; /* nb_writer_rows_read (finds run in the import's thread alone) */

long nb_writer_rows_read(void)
{
    return rows_read;
}

/* Reads the next w->want rows of the body in id order from ID on (AFTER: after it) in
 * place of those read before, and resets the statement: none is left open. The rows read
 * after the last of those before follow it in ids: their places go on from its
 * (seq); any other read starts a place apart. 0, -1 on SQLite's error, 1 out of memory. */
static int read_ahead(nb_writer *w, const char *id, size_t len, int after)
{
    const nb_kind *k = w->k;
    sqlite3_stmt *st;
    if (w->want > w->room) {
        ahead_row *more = realloc(w->ahead, (size_t)w->want * sizeof *more);
        if (!more)
            return 1;
        w->ahead = more;
        size_t nval = (size_t)w->want * (size_t)(k->nfields ? k->nfields : 1);
        int64_t *val = realloc(w->ahead_val, nval * sizeof *val);
        if (!val)
            return 1;
        w->ahead_val = val;
        w->room = w->want;
    }
    if (prepare_read(w, after, &st) != SQLITE_OK) {
        sqlite3_finalize(st);
        w->nahead = 0;
        return -1;
    }
    sqlite3_bind_int64(st, 1, w->body);
    sqlite3_bind_text(st, 2, id, (int)len, SQLITE_TRANSIENT); /* ID may be in ahead_text */
    sqlite3_bind_int(st, 3, w->want);
    w->seq += w->nahead + (after ? 0 : 2);
    w->nahead = w->at = 0;
    w->ahead_text.len = 0; /* ID bound (a copy): the buffer may go */
    if (let_go_text(w->s, &w->ahead_text, AHEAD_TEXT_KEEP))
        nb_buf_free(&w->ahead_text);
    int rc = SQLITE_DONE, bad = 0;
    while ((!w->nahead || w->ahead_text.len <= AHEAD_TEXT_MOST) &&
           (rc = sqlite3_step(st)) == SQLITE_ROW && w->nahead < w->want) {
        int64_t *val = w->ahead_val + (size_t)w->nahead * (size_t)k->nfields;
        ahead_row *a = &w->ahead[w->nahead++];
        rows_read++;
        bad |= keep_value(w, sqlite3_column_value(st, 0), &a->id, &a->id_len);
        a->rid = sqlite3_column_int64(st, 1);
        a->has = 0;
        int c = 2;
        for (int f = 0; f < k->nfields; f++) {
            val[f] = 0;
            if (k->fields[f].type != NB_F_TEXT)
                continue;
            sqlite3_value *v = sqlite3_column_value(st, c++);
            size_t off, tlen;
            if (sqlite3_value_type(v) == SQLITE_NULL)
                continue;
            a->has |= 1u << f;
            bad |= keep_value(w, v, &off, &tlen);
            val[f] = (int64_t)off;
        }
        a->src = sqlite3_column_int64(st, c);
        a->line = (long)sqlite3_column_int64(st, c + 1);
        bad |= keep_value(w, sqlite3_column_value(st, c + 2), &a->raw, &a->raw_len);
    }
    w->ahead_end = rc == SQLITE_DONE && w->nahead < w->want; /* not so when cut short */
    count_kept(w->s, &w->ahead_text, &w->ahead_counted);
    sqlite3_reset(st);
    nb_store_stmt_give(w->s, after ? KEY_FIND_AFTER(k) : KEY_FIND(k), st);
    if (rc != SQLITE_DONE && rc != SQLITE_ROW) {
        w->nahead = 0;
        return -1;
    }
    int r = bad ? 1 : ahead_values(w);
    if (r)
        w->nahead = 0;
    return r;
}

static nb_err find_locked(nb_writer *w, const char *id, int64_t *rid, char *err, size_t errlen);

/* The row of ID, under the connection's mutex taken once (see flush_rows): the read and
 * the reading of its columns make some fifteen calls. The helper waits meanwhile. */
static nb_err find(nb_writer *w, const char *id, int64_t *rid, char *err, size_t errlen)
{
    sqlite3_mutex *m = sqlite3_db_mutex(w->s->db);
    sqlite3_mutex_enter(m);
    nb_err rc = find_locked(w, id, rid, err, errlen);
    sqlite3_mutex_leave(m);
    return rc;
}

/* An id after the one asked for last is met among the rows read ahead, reading on while
 * they fall short of it (twice as many each time, up to the body's share: most); any
 * other, or one too far on, by a read from it (AHEAD_SEEK rows). Sets found_next: the row
 * found is the one next in ids to the row found before (the same read, or one after it). */
static nb_err find_locked(nb_writer *w, const char *id, int64_t *rid, char *err, size_t errlen)
{
    const nb_kind *k = w->k;
    size_t len = strlen(id);
    int after = w->has_last && w->room && id_cmp(w->last_id.data, w->last_id.len, id, len) < 0;
    int r = 0, found = 0, passed = 0, n = w->readers && *w->readers > 1 ? *w->readers : 1;
    int most = AHEAD_ALL / n < AHEAD_LEAST  ? AHEAD_LEAST
               : AHEAD_ALL / n > AHEAD_MOST ? AHEAD_MOST
                                            : AHEAD_ALL / n;
    long prev = w->found_at;
    w->found_at = -1;
    w->found_next = 0;
    w->has_last = 0;
    if (!after) {
        w->want = AHEAD_SEEK;
        r = read_ahead(w, id, len, 0);
    }
    while (!r) {
        const char *text = w->ahead_text.data;
        int c = -1;
        while (w->at < w->nahead &&
               (c = id_cmp(text + w->ahead[w->at].id, w->ahead[w->at].id_len, id, len)) < 0)
            w->at++, passed++;
        if (w->at < w->nahead) {
            found = c == 0;
            break;
        }
        if (w->ahead_end)
            break; /* past the body's last row */
        if (passed > 2 * AHEAD_LEAST) {
            /* far on: a read from it (rows were passed: the row found cannot be next to the
               one found before) */
            w->want = AHEAD_SEEK;
            r = read_ahead(w, id, len, 0);
        } else {
            const ahead_row *last = &w->ahead[w->nahead - 1];
            w->want = w->want * 2 > most ? most : w->want * 2;
            r = read_ahead(w, text + last->id, last->id_len, 1);
        }
    }
    if (r < 0)
        return sql_fail(w->s, err, errlen);
    if (r == 2)
        return nb_pack_damaged(w->s, k, w->body, err, errlen);
    w->last_id.len = 0;
    int bad = r || nb_buf_add(&w->last_id, id, len);
    if (!bad && found) {
        const ahead_row *a = &w->ahead[w->at];
        const int64_t *val = w->ahead_val + (size_t)w->at * (size_t)k->nfields;
        for (int f = 0; f < k->nfields; f++) {
            w->found_has[f] = (a->has >> f) & 1;
            if (k->fields[f].type == NB_F_TEXT)
                w->found_off[f] = (size_t)val[f];
            else
                w->found_ival[f] = val[f];
        }
        w->found_raw = a->raw;
        w->found_src = a->src;
        w->found_line = a->line;
        *rid = w->found_rid = a->rid;
        w->found_at = w->seq + w->at;
        w->found_next = prev >= 0 && w->found_at == prev + 1;
        w->nfound++;
    }
    if (bad) {
        *rid = w->found_rid = 0;
        w->found_at = -1;
        w->found_next = 0;
        snprintf(err, errlen, "out of memory");
        return NB_ERR_NOMEM;
    }
    w->has_last = 1;
    return NB_OK;
}

void nb_writer_let_go(nb_writer *w)
{
    /* kept while the id asked for was not there and the row after it is still to come
       (new ids before a row of megabytes read it again for each: 4x as slow), while the
       writers keep no more than TEXTS_KEPT_MOST in all (100 bodies' rows of 0.6 MB, each
       followed by a new id, kept 93 MB) */
    if (!let_go_text(w->s, &w->ahead_text, AHEAD_TEXT_KEEP) ||
        (!w->found_rid && w->at < w->nahead && w->s->texts_kept <= TEXTS_KEPT_MOST))
        return;
    w->seq += w->nahead + 2; /* the next read starts a place apart: its first row is not
                                next to the one found last */
    w->nahead = w->at = 0;
    w->has_last = 0;
    w->found_rid = 0;
    w->found_at = -1;
    nb_buf_free(&w->ahead_text);
    count_kept(w->s, &w->ahead_text, &w->ahead_counted);
}

nb_err nb_writer_find(nb_writer *w, const char *id, int64_t *rid, char *err, size_t errlen)
{
    *rid = w->found_rid = 0;
    return w->existing ? find(w, id, rid, err, errlen) : NB_OK;
}

static nb_err end_moves(nb_writer *w, char *err, size_t errlen);

nb_err nb_writer_lookup(nb_writer *w, const char *id, int64_t *rid, char *err, size_t errlen)
{
    *rid = w->found_rid = 0;
    /* the rows written first, moved ones too: a repeat of a moved row's id is found with
       this file's source and the line it moved to */
    nb_err rc = end_moves(w, err, errlen);
    if (!rc)
        rc = flush_rows(w->q, err, errlen);
    if (!rc)
        rc = settle(w->q, err, errlen);
    w->has_last = 0; /* the row is read again, as it is now */
    return rc ? rc : find(w, id, rid, err, errlen);
}

void nb_writer_found_at(const nb_writer *w, int64_t *src, long *line)
{
    *src = w->found_src;
    *line = w->found_line;
}

nb_err nb_writer_same_file(nb_writer *w, const char *canonical, char *err, size_t errlen)
{
    sqlite3_stmt *st;
    if (sqlite3_prepare_v2(w->s->db, "SELECT id FROM source WHERE canonical = ?1 AND kind = ?2 "
                           "AND body = ?3 AND id <> ?4 ORDER BY id", -1, &st, NULL) != SQLITE_OK)
        return sql_fail(w->s, err, errlen);
    sqlite3_bind_text(st, 1, canonical, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 2, w->k->name, -1, SQLITE_STATIC);
    sqlite3_bind_int64(st, 3, w->body);
    sqlite3_bind_int64(st, 4, w->src);
    size_t cap = 0;
    int rc;
    while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
        if (w->nsame == cap) {
            int64_t *more = realloc(w->same, (cap = cap ? cap * 2 : 8) * sizeof *more);
            if (!more) {
                sqlite3_finalize(st);
                snprintf(err, errlen, "out of memory");
                return NB_ERR_NOMEM;
            }
            w->same = more;
        }
        w->same[w->nsame++] = sqlite3_column_int64(st, 0);
    }
    sqlite3_finalize(st);
    return rc == SQLITE_DONE ? NB_OK : sql_fail(w->s, err, errlen);
}

size_t nb_writer_same_count(const nb_writer *w)
{
    return w->nsame;
}

int nb_writer_has_rows(const nb_writer *w)
{
    return w->existing;
}

static int cmp_id(const void *a, const void *b)
{
    int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;
    return (x > y) - (x < y);
}

/* Whether REC and RAW are the values and raw values of the row nb_writer_find found last:
 * SAME_ALL, SAME_ROW when only coded values differ (the row's columns are the same), or
 * SAME_NOT. */
enum { SAME_NOT, SAME_ROW, SAME_ALL };
static int same_values(const nb_writer *w, const nb_rec *rec, const char *raw)
{
    const nb_kind *k = w->k;
    const char *found = w->ahead_text.data;
    int coded = 0;
    if (strcmp(raw, found + w->found_raw))
        return SAME_NOT;
    for (int f = 0; f < k->nfields; f++) {
        int text = k->fields[f].type == NB_F_TEXT;
        if (rec->has[f] != w->found_has[f]) {
            if (text)
                return SAME_NOT;
            coded = 1;
        } else if (rec->has[f] && (text ? strcmp(rec->text[f], found + w->found_off[f]) != 0
                                        : rec->ival[f] != w->found_ival[f])) {
            if (text)
                return SAME_NOT;
            coded = 1;
        }
    }
    return coded ? SAME_ROW : SAME_ALL;
}

int nb_writer_unchanged(nb_writer *w, const nb_rec *rec, int64_t rid, long line, const char *raw)
{
    if (!w->nsame || !rid || rid != w->found_rid || line != w->found_line ||
        !bsearch(&w->found_src, w->same, w->nsame, sizeof *w->same, cmp_id))
        return 0;
    return same_values(w, rec, raw) == SAME_ALL;
}

/* P's id and fields as the store keeps them (its texts in TEXT), into V (what
 * bind_row binds, and what the pair's digest hashes); returns their count. */
static int row_values(const nb_kind *k, const char *text, const pending_row *p, nb_dvalue *v)
{
    v[0] = (nb_dvalue){SQLITE_TEXT, 0, text + p->id, p->id_len};
    for (int f = 0; f < k->nfields; f++)
        v[f + 1] = !p->has[f] ? (nb_dvalue){SQLITE_NULL, 0, NULL, 0}
                   : k->fields[f].type == NB_F_TEXT
                       ? (nb_dvalue){SQLITE_TEXT, 0, text + p->text[f], p->text_len[f]}
                       : (nb_dvalue){SQLITE_INTEGER, p->ival[f], NULL, 0};
    return k->nfields + 1;
}

/* What the pair's digest hashes of P: its id and fields (row_values), then its source,
 * line and raw values, as runs.c's rows_sql reads them back (a rule may name where a
 * record came from: its reports read its provenance too). Returns their count. */
static int digest_values(const nb_kind *k, const char *text, const pending_row *p, nb_dvalue *v)
{
    int n = row_values(k, text, p, v);
    v[n++] = (nb_dvalue){SQLITE_INTEGER, p->src, NULL, 0};
    v[n++] = (nb_dvalue){SQLITE_INTEGER, p->line, NULL, 0};
    v[n++] = (nb_dvalue){SQLITE_TEXT, 0, text + p->raw, p->raw_len};
    return n;
}

/* Binds pending row P (its texts in TEXT) to the parameters BASE+1.. of ST; its body and
 * source unless BOUND says they are bound already (BOUND NULL: always). */
static void bind_row(const nb_kind *k, sqlite3_stmt *st, int base, const char *text,
                     const pending_row *p, int64_t rid, int64_t *bound)
{
    if (!bound || bound[0] != p->body) {
        sqlite3_bind_int64(st, base + 1, p->body);
        if (bound)
            bound[0] = p->body;
    }
    if (!bound || bound[1] != p->src) {
        sqlite3_bind_int64(st, base + k->nfields + 3, p->src);
        if (bound)
            bound[1] = p->src;
    }
    nb_dvalue v[NB_MAX_FIELDS + 1];
    int n = row_values(k, text, p, v);
    for (int c = 0; c < n; c++) /* the id at BASE+2, the fields after it */
        if (v[c].type == SQLITE_NULL)
            sqlite3_bind_null(st, base + c + 2);
        else if (v[c].type == SQLITE_TEXT)
            sqlite3_bind_text(st, base + c + 2, v[c].t, (int)v[c].len, SQLITE_STATIC);
        else
            sqlite3_bind_int64(st, base + c + 2, v[c].i);
    sqlite3_bind_int64(st, base + k->nfields + 4, p->line);
    sqlite3_bind_text(st, base + k->nfields + 5, text + p->raw, (int)p->raw_len, SQLITE_STATIC);
    sqlite3_bind_int64(st, base + k->nfields + 6, rid);
}

/* Forgets the queued records (after a failed write). */
static void drop(nb_batch *q)
{
    q->npending = q->updates = 0;
    q->text.len = 0;
    if (let_go_text(q->s, &q->text, TEXT_KEEP))
        nb_buf_free(&q->text);
    count_kept(q->s, &q->text, &q->text_counted);
}

/* Writes row P (texts in TEXT) by itself: an UPDATE of its rid, or an INSERT of a new
 * rid (nb_pack_rids), in *RID. SQLite's code. */
static int step_row(nb_batch *q, const char *text, const pending_row *p, int64_t *rid)
{
    /* kept by the store between rows, under keys of the kind's own (not K: the batch's):
       one statement for every writer (each writer's own, some 20 KB with its reads, took
       66 MB for 3,000 bodies with rows) */
    const void *key = p->rid ? (const void *)&q->k->table : (const void *)&q->k->label;
    sqlite3_stmt *st = nb_store_stmt_take(q->s, key);
    int rc = st ? SQLITE_OK : prepare_row(q->s, q->k, p->rid != 0, &st);
    *rid = p->rid;
    if (rc == SQLITE_OK && !p->rid)
        rc = nb_pack_rids(q->s, q->k, 1, rid);
    if (rc != SQLITE_OK) {
        nb_store_stmt_give(q->s, key, st);
        return rc;
    }
    bind_row(q->k, st, 0, text, p, *rid, NULL);
    rc = sqlite3_step(st);
    /* a rid not used stays given: counted again from the parts, the count would leave out
       the records still in memory (a gap is no harm) */
    sqlite3_reset(st);
    nb_store_stmt_give(q->s, key, st);
    return rc;
}

/* The packed parts follow row P (texts in TEXT), written as record RID: an update that
 * leaves the coded fields as they were leaves the parts too (the pair's kept digest is
 * forgotten all the same). */
static nb_err follow_row(nb_batch *q, const char *text, const pending_row *p, int64_t rid,
                         char *err, size_t errlen)
{
    if (p->rid)
        return p->coded_changed
                   ? nb_pack_update(q->s, q->k, p->body, p->rid, p->ival, p->has, err, errlen)
                   : nb_pack_changed(q->s, q->k, p->body, err, errlen);
    nb_dvalue v[NB_MAX_FIELDS + 4];
    int nv = digest_values(q->k, text, p, v);
    return nb_pack_append(q->s, q->k, p->body, rid, p->ival, p->has, v, nv, err, errlen);
}

/* The packed parts follow a batch written: its BATCH_ROWS ROWS (texts in TEXT) took
 * the rids up to LAST, in order (one statement), whatever their bodies. */
static nb_err append_batch(nb_batch *q, const pending_row *rows, const char *text, int64_t last,
                           char *err, size_t errlen)
{
    for (int i = 0; i < BATCH_ROWS; i++) {
        nb_dvalue v[NB_MAX_FIELDS + 4];
        int nv = digest_values(q->k, text, &rows[i], v);
        nb_err rc = nb_pack_append(q->s, q->k, rows[i].body, last - BATCH_ROWS + 1 + i,
                                   rows[i].ival, rows[i].has, v, nv, err, errlen);
        if (rc)
            return rc;
    }
    return NB_OK;
}

/* Writes the batch of BATCH_ROWS ROWS (texts in TEXT), their rids given in order
 * (nb_pack_rids); SQLite's code, and the last rid in *LAST. */
static int step_batch(nb_batch *q, const pending_row *rows, const char *text, int64_t *last)
{
    int64_t first;
    int rc = nb_pack_rids(q->s, q->k, BATCH_ROWS, &first);
    if (rc != SQLITE_OK)
        return rc;
    for (int i = 0; i < BATCH_ROWS; i++)
        bind_row(q->k, q->ins_batch, i * (q->k->nfields + 6), text, &rows[i], first + i,
                 q->bound[i]);
    rc = sqlite3_step(q->ins_batch);
    /* the rids not used stay given (step_row), and a failing batch keeps the rows it wrote
       before its failure (OR FAIL) */
    *last = first + BATCH_ROWS - 1;
    return rc;
}

/* In the helper thread: the batches in flight, bound and stepped in turn. It holds
 * the connection's mutex throughout, so that their last rids and a message are their
 * own whatever the import's thread asks of SQLite meanwhile (it waits), and leaves
 * the connection's last rid as it found it: an insert of the import's thread reads
 * its own rid even when the batches ran between its step and the reading. */
static void batch_run(void *ud)
{
    nb_batch *q = ud;
    sqlite3_mutex *m = sqlite3_db_mutex(q->s->db);
    sqlite3_mutex_enter(m);
    sqlite3_int64 theirs = sqlite3_last_insert_rowid(q->s->db);
    q->sent_rc = SQLITE_DONE;
    for (int b = 0; q->sent_rc == SQLITE_DONE && b * BATCH_ROWS < q->nsent; b++) {
        q->sent_rc = step_batch(q, q->sent + b * BATCH_ROWS, q->sent_text.data, &q->sent_last[b]);
        q->sent_failed_at = b;
        if (q->sent_rc != SQLITE_DONE)
            snprintf(q->sent_msg, sizeof q->sent_msg, "%s", NB_ERRMSG(q->s->db));
        sqlite3_reset(q->ins_batch);
    }
    if (q->sent_rc != SQLITE_DONE) {
        /* A full disk, an I/O error, no memory, an interrupt or a trigger's ROLLBACK
           ends the transaction: what the import's thread writes until it sees the
           failure would be kept, each statement its own transaction. Another one is
           begun, which the import's rollback ends. */
        if (sqlite3_get_autocommit(q->s->db))
            sqlite3_exec(q->s->db, "BEGIN", NULL, NULL, NULL);
        __atomic_store_n(&q->fail->failed, 1, __ATOMIC_RELEASE);
    }
    sqlite3_set_last_insert_rowid(q->s->db, theirs);
    sqlite3_mutex_leave(m);
}

/* "FILE:LINE: cannot store the row: " for the row FIRST (LAST the same), or "FILE: lines
 * A to B: cannot store one of the rows: " for the batch FIRST..LAST, into ERR (SQLite says
 * which statement failed, not which of its rows). */
static void where(const nb_batch *q, const pending_row *first, const pending_row *last,
                  char *err, size_t errlen)
{
    const char *file = q->file ? q->file : q->s->path;
    if (first == last)
        snprintf(err, errlen, "%s:%ld: cannot store the row: ", file, first->line);
    else
        snprintf(err, errlen, "%s: lines %ld to %ld: cannot store one of the rows: ", file,
                 first->line, last->line);
}

/* In the import's thread, once batch_run has returned: the parts follow the rows. */
static void batch_done(void *ud)
{
    nb_batch *q = ud;
    nb_write_fail *f = q->fail;
    q->in_flight = 0;
    if (f->rc)
        return;
    if (q->sent_rc != SQLITE_DONE) {
        const pending_row *first = &q->sent[q->sent_failed_at * BATCH_ROWS];
        where(q, first, first + BATCH_ROWS - 1, f->err, sizeof f->err);
        size_t len = strlen(f->err);
        snprintf(f->err + len, sizeof f->err - len, "%s", q->sent_msg);
        f->rc = NB_ERR_SQL;
        return;
    }
    for (int b = 0; !f->rc && b * BATCH_ROWS < q->nsent; b++)
        f->rc = append_batch(q, q->sent + b * BATCH_ROWS, q->sent_text.data, q->sent_last[b],
                             f->err, sizeof f->err);
    if (f->rc) /* the parts could not follow (out of memory): the import stops as well */
        __atomic_store_n(&f->failed, 1, __ATOMIC_RELEASE);
}

/* Waits for the queue's batch in flight: a group's failure, if any (this queue's or
 * another's of the import), is this call's. */
static nb_err settle(nb_batch *q, char *err, size_t errlen)
{
    if (q->in_flight)
        nb_async_wait(q->async);
    if (!q->fail || !q->fail->rc)
        return NB_OK;
    snprintf(err, errlen, "%s", q->fail->err);
    return q->fail->rc;
}

int nb_writer_failed(const nb_write_fail *f)
{
    return __atomic_load_n(&f->failed, __ATOMIC_ACQUIRE);
}

void nb_writer_async(nb_writer *w, nb_async *a, int groups, nb_write_fail *fail)
{
    nb_batch *q = w->q;
    /* only on a connection SQLite serializes: the import's thread may use it meanwhile */
    if (!a || !fail || q->helper || !sqlite3_db_mutex(w->s->db))
        return;
    q->helper = a;
    q->fail = fail;
    q->may_group = groups;
}

/* Takes the buffers of groups (about 4 MB), once the queue has a batch's worth of
 * rows: a body of a few rows never does. When out of memory the rows go on being
 * written here. */
static void take_groups(nb_batch *q)
{
    q->may_group = 0;
    if (!(q->sent = malloc(GROUP_ROWS * sizeof *q->sent)))
        return;
    pending_row *more = realloc(q->pending, GROUP_ROWS * sizeof *more);
    if (!more) {
        free(q->sent);
        q->sent = NULL;
        return;
    }
    q->pending = more;
    q->cap = GROUP_ROWS;
    q->async = q->helper;
}

static nb_err write_rows(nb_batch *q, int upto, char *err, size_t errlen);

/* Hands the rows pending (whole batches, the queue settled) to the helper. */
static void send_group(nb_batch *q)
{
    pending_row *p = q->sent;
    nb_buf t = q->sent_text;
    size_t counted = q->sent_counted;
    q->sent = q->pending, q->sent_text = q->text, q->nsent = q->npending;
    q->sent_counted = q->text_counted;
    q->pending = p, q->text = t, q->text_counted = counted;
    drop(q);
    q->in_flight = 1;
    nb_async_submit(q->async, (nb_job){batch_run, batch_done, q});
}

/* Writes the first UPTO rows pending in this thread (the queue settled): no group of any
 * queue in flight meanwhile. */
static nb_err write_here(nb_batch *q, int upto, char *err, size_t errlen)
{
    nb_async_wait(q->helper);
    /* The helper idle, the connection's mutex is taken once for the rows, not at each of
       SQLite's calls (two atomic operations each; a re-import of rows whose lines moved
       makes some forty calls a row). Recursive: SQLite's own calls take it again. */
    sqlite3_mutex *m = sqlite3_db_mutex(q->s->db);
    sqlite3_mutex_enter(m);
    nb_err rc = write_rows(q, upto, err, errlen);
    sqlite3_mutex_leave(m);
    return rc;
}

static nb_err flush_rows(nb_batch *q, char *err, size_t errlen)
{
    nb_err frc = settle(q, err, errlen);
    if (frc) {
        drop(q);
        return frc;
    }
    /* a full group, or whole batches the idle helper may take now (nb_writer_put) */
    if (q->async && !q->updates && q->npending && q->npending % BATCH_ROWS == 0) {
        send_group(q);
        return NB_OK;
    }
    return q->npending ? write_here(q, q->npending, err, errlen) : NB_OK;
}

/* The rows pending once their texts pass TEXT_MOST: their whole batches written here and
 * the rest kept pending while its texts are within TEXT_MOST, or, without a whole batch,
 * all kept while within twice as much; else all of them written. Rows of megabytes among
 * small ones were written one by one, each a search of the table from its root, which
 * reads on its way every key of megabytes it compares (2-3x as slow). */
static nb_err flush_text(nb_batch *q, char *err, size_t errlen)
{
    int whole = q->ins_batch && !q->updates ? q->npending - q->npending % BATCH_ROWS : 0;
    size_t rest = whole < q->npending ? q->text.len - q->pending[whole].id : 0;
    if (!whole && q->ins_batch && !q->updates && q->text.len <= 2 * (size_t)TEXT_MOST)
        return NB_OK;
    if (!whole || whole == q->npending || rest > TEXT_MOST)
        return flush_rows(q, err, errlen);
    nb_err frc = settle(q, err, errlen);
    if (frc) {
        drop(q);
        return frc;
    }
    return write_here(q, whole, err, errlen);
}

nb_err nb_batch_early_end(nb_batch *q, char *err, size_t errlen)
{
    if (!q->early)
        return NB_OK;
    q->early = 0;
    nb_err rc = flush_rows(q, err, errlen);
    return rc ? rc : settle(q, err, errlen);
}

/* Keeps the rows pending from FROM on, and their texts, at the start of the queue. A row's
 * texts follow its predecessor's, its id first (nb_writer_put). */
static void keep_rest(nb_batch *q, int from)
{
    const nb_kind *k = q->k;
    size_t base = q->pending[from].id;
    int n = q->npending - from;
    memmove(q->pending, q->pending + from, (size_t)n * sizeof *q->pending);
    memmove(q->text.data, q->text.data + base, q->text.len - base + 1);
    q->text.len -= base;
    for (int i = 0; i < n; i++) {
        pending_row *p = &q->pending[i];
        p->id -= base;
        p->raw -= base;
        for (int f = 0; f < k->nfields; f++)
            if (p->has[f] && k->fields[f].type == NB_F_TEXT)
                p->text[f] -= base;
    }
    q->npending = n; /* none updates: only whole batches go before the rest */
}

/* Writes the first UPTO rows pending, by batches and then one by one; the rest stay. */
static nb_err write_rows(nb_batch *q, int upto, char *err, size_t errlen)
{
    int done = 0, rc, batch = 1; /* batch: the statement that fails is a batch's */
    for (; q->ins_batch && !q->updates && upto - done >= BATCH_ROWS; done += BATCH_ROWS) {
        int64_t last;
        rc = step_batch(q, q->pending + done, q->text.data, &last);
        sqlite3_reset(q->ins_batch);
        if (rc != SQLITE_DONE)
            goto fail;
        nb_err prc = append_batch(q, q->pending + done, q->text.data, last, err, errlen);
        if (prc) {
            drop(q);
            return prc;
        }
    }
    for (; done < upto; done++) {
        const pending_row *p = &q->pending[done];
        int64_t rid = 0;
        batch = 0;
        rc = step_row(q, q->text.data, p, &rid);
        if (rc != SQLITE_DONE)
            goto fail;
        nb_err prc = follow_row(q, q->text.data, p, rid, err, errlen);
        if (prc) {
            drop(q);
            return prc;
        }
    }
    if (upto < q->npending)
        keep_rest(q, upto);
    else
        drop(q);
    return NB_OK;
fail:
    where(q, &q->pending[done], &q->pending[done + (batch ? BATCH_ROWS - 1 : 0)], err, errlen);
    size_t len = strlen(err);
    snprintf(err + len, errlen - len, "%s", NB_ERRMSG(q->s->db));
    drop(q);
    return NB_ERR_SQL;
}

static inline int buf_put(nb_buf *b, const char *s, size_t n)
{
    if (b->len + n + 1 > b->cap)
        return nb_buf_add(b, s, n);
    memcpy(b->data + b->len, s, n);
    b->len += n;
    b->data[b->len] = '\0';
    return 0;
}

/* Writes the run of moved rows (move_row), if any: their source, their lines moved. The
 * rows read ahead stay true: the run's are passed, and a row found again is read again
 * (nb_writer_lookup). */
static nb_err end_moves(nb_writer *w, char *err, size_t errlen)
{
    if (!w->nmoves)
        return NB_OK;
    int nchanges = w->nrun_changes;
    w->nrun_changes = 0; /* the run's changes: applied below once it is written, else dropped */
    nb_err rc = settle(w->q, err, errlen);
    if (rc) {
        w->nmoves = 0;
        return rc;
    }
    nb_async_wait(w->q->helper);
    pending_row first = {.line = w->move_first}, last = {.line = w->move_last};
    int n = w->nmoves, step = SQLITE_OK;
    /* a run of ids: their range; a short run of rids: id by id, each its own range */
    int ids = w->move_as == MOVE_IDS || n <= MOVE_BY_ID, one_by_one = w->move_as != MOVE_IDS && ids;
    w->nmoves = 0;
    const void *key = ids ? KEY_MOVE_IDS(w->k) : KEY_MOVE(w->k);
    sqlite3_stmt *st = nb_store_stmt_take(w->s, key);
    if (!st) {
        char *sql = sqlite3_mprintf(ids ? "UPDATE OR FAIL %s SET src = ?1, line = line + ?2 "
                                          "WHERE body = ?3 AND id BETWEEN ?4 AND ?5"
                                        : "UPDATE OR FAIL %s SET src = ?1, line = line + ?2 "
                                          "WHERE body = ?5 AND rid BETWEEN ?3 AND ?4", w->k->table);
        step = !sql ? SQLITE_NOMEM : sqlite3_prepare_v2(w->s->db, sql, -1, &st, NULL);
        sqlite3_free(sql);
    }
    int changed = 0;
    if (step == SQLITE_OK) {
        sqlite3_bind_int64(st, 1, w->src);
        sqlite3_bind_int64(st, 2, w->move_by);
        if (one_by_one) {
            sqlite3_bind_int64(st, 3, w->body);
            for (size_t at = 0; step == SQLITE_OK && at < w->move_ids.len;) {
                const char *id = w->move_ids.data + at;
                int len = (int)strlen(id);
                sqlite3_bind_text(st, 4, id, len, SQLITE_STATIC);
                sqlite3_bind_text(st, 5, id, len, SQLITE_STATIC);
                step = sqlite3_step(st);
                changed += sqlite3_changes(w->s->db);
                sqlite3_reset(st);
                step = step == SQLITE_DONE ? SQLITE_OK : step;
                at += (size_t)len + 1;
            }
            if (step == SQLITE_OK)
                step = SQLITE_DONE;
        } else {
            if (ids) {
                sqlite3_bind_int64(st, 3, w->body);
                sqlite3_bind_text(st, 4, w->move_lo_id.data, (int)w->move_lo_id.len, SQLITE_STATIC);
                sqlite3_bind_text(st, 5, w->move_hi_id.data, (int)w->move_hi_id.len, SQLITE_STATIC);
            } else {
                sqlite3_bind_int64(st, 3, w->move_lo);
                sqlite3_bind_int64(st, 4, w->move_hi);
                sqlite3_bind_int64(st, 5, w->body);
            }
            step = sqlite3_step(st);
            changed = sqlite3_changes(w->s->db);
        }
        sqlite3_reset(st);
        sqlite3_clear_bindings(st);
        nb_store_stmt_give(w->s, key, st);
    } else {
        sqlite3_finalize(st);
    }
    if (step == SQLITE_DONE && changed != n)
        step = SQLITE_CORRUPT; /* a row of the run's range was not moved: never so */
    if (step != SQLITE_DONE) {
        where(w->q, &first, n == 1 ? &first : &last, err, errlen);
        size_t len = strlen(err);
        snprintf(err + len, errlen - len, "%s",
                 step == SQLITE_CORRUPT ? "the rows changed under the import"
                                        : NB_ERRMSG(w->s->db));
        return NB_ERR_SQL;
    }
    /* the rows whose coded values alone changed: their records changed in their parts; the
       others' values are the rows': the parts stay. The pair's kept digest is forgotten, as
       for any update. */
    size_t stride = (size_t)w->k->nfields + 2;
    for (int i = 0; i < nchanges; i++) {
        const int64_t *c = w->run_changes + (size_t)i * stride;
        unsigned char has[NB_MAX_FIELDS];
        for (int f = 0; f < w->k->nfields; f++)
            has[f] = (unsigned char)(c[1 + w->k->nfields] >> f & 1);
        rc = nb_pack_update(w->s, w->k, w->body, c[0], c + 1, has, err, errlen);
        if (rc)
            return rc;
    }
    return nb_pack_changed(w->s, w->k, w->body, err, errlen);
}

/* Row RID (the one nb_writer_find found), id ID, again with its values and raw values, at
 * LINE of this writer's file: added to the run of moved rows, which one UPDATE writes (a
 * file with a line added at its top moved every row: an UPDATE of each row by itself, 1.6 s
 * of a 2.5 s re-import of 1e6 rows, by perf). */
static nb_err move_row(nb_writer *w, int64_t rid, const char *id, long line, char *err,
                       size_t errlen)
{
    long by = line - w->found_line;
    size_t len = strlen(id);
    if (w->nmoves && by == w->move_by) {
        int rids = w->move_as != MOVE_IDS && rid == w->move_hi + 1;
        int ids = w->move_as != MOVE_RIDS && w->found_next && w->move_seq == w->nfound - 1;
        if (rids || ids) {
            if (nb_buf_reserve(&w->move_hi_id, len)) /* the run as it was, if not */
                return nomem(err, errlen);
            if (w->move_as == MOVE_ONE) /* ids first: a range of the body's key */
                w->move_as = ids ? MOVE_IDS : MOVE_RIDS;
            if (w->nmoves < MOVE_BY_ID && nb_buf_add(&w->move_ids, id, len + 1))
                return nomem(err, errlen);
            w->move_hi = rid;
            w->move_last = line;
            w->move_seq = w->nfound;
            w->move_hi_id.len = 0;
            nb_buf_add(&w->move_hi_id, id, len); /* room reserved */
            w->nmoves++;
            return NB_OK;
        }
    }
    nb_err rc = end_moves(w, err, errlen);
    if (rc)
        return rc;
    w->move_lo = w->move_hi = rid;
    w->move_by = by;
    w->move_first = w->move_last = line;
    w->move_as = MOVE_ONE;
    w->move_seq = w->nfound;
    w->move_lo_id.len = w->move_hi_id.len = w->move_ids.len = 0;
    if (nb_buf_add(&w->move_lo_id, id, len) || nb_buf_add(&w->move_hi_id, id, len) ||
        nb_buf_add(&w->move_ids, id, len + 1))
        return nomem(err, errlen);
    w->nmoves = 1;
    return NB_OK;
}

nb_err nb_writer_put(nb_writer *w, const nb_rec *rec, const char *id, int64_t rid, long line,
                     const char *raw, char *err, size_t errlen)
{
    const nb_kind *k = w->k;
    int same = rid && rid == w->found_rid ? same_values(w, rec, raw) : SAME_NOT;
    if (same == SAME_ALL)
        return move_row(w, rid, id, line, err, errlen);
    /* Only coded values changed, which the packed parts alone hold: the row's columns are
       written with the run of moved rows, its record changed in its part once the run is
       written (end_moves; an UPDATE of the row by itself, and the run broken, cost a
       re-import of 1e6 rows naming 100 bodies, every tenth changed, about a fifth of its
       time). A store whose rows hold the coded values too (nb_store_wide) writes the row. */
    if (same == SAME_ROW && !nb_store_wide(w->s, k)) {
        nb_err rc = w->nrun_changes == RUN_CHANGES_MOST ? end_moves(w, err, errlen) : NB_OK;
        if (!rc)
            rc = move_row(w, rid, id, line, err, errlen);
        if (rc)
            return rc;
        size_t stride = (size_t)k->nfields + 2;
        if (w->nrun_changes == w->run_changes_cap) {
            int cap = w->run_changes_cap ? 2 * w->run_changes_cap : 8;
            int64_t *more = realloc(w->run_changes, (size_t)cap * stride * sizeof *more);
            if (!more)
                return nomem(err, errlen);
            w->run_changes = more;
            w->run_changes_cap = cap;
        }
        int64_t *c = w->run_changes + (size_t)w->nrun_changes++ * stride, mask = 0;
        c[0] = rid;
        for (int f = 0; f < k->nfields; f++) {
            c[1 + f] = rec->ival[f];
            mask |= (int64_t)(rec->has[f] != 0) << f;
        }
        c[1 + k->nfields] = mask;
        return NB_OK;
    }
    nb_err mrc = end_moves(w, err, errlen);
    if (mrc)
        return mrc;
    nb_batch *q = w->q;
    if (q->batched)
        prepare_batch(q);
    nb_buf *b = &q->text;
    pending_row *p = &q->pending[q->npending];
    int bad = 0;
    p->line = line;
    p->rid = rid;
    p->body = w->body;
    p->src = w->src;
    p->id = b->len;
    p->id_len = strlen(id);
    bad |= buf_put(b, id, p->id_len);
    p->coded_changed = rid != w->found_rid; /* not what find found: assume a change */
    for (int f = 0; f < k->nfields; f++) {
        p->has[f] = rec->has[f];
        p->ival[f] = rec->ival[f];
        if (rid && k->fields[f].type != NB_F_TEXT &&
            (rec->has[f] != w->found_has[f] || (rec->has[f] && rec->ival[f] != w->found_ival[f])))
            p->coded_changed = 1;
        if (rec->has[f] && k->fields[f].type == NB_F_TEXT) {
            p->text[f] = b->len;
            p->text_len[f] = strlen(rec->text[f]);
            bad |= buf_put(b, rec->text[f], p->text_len[f]);
        }
    }
    p->raw = b->len;
    p->raw_len = strlen(raw);
    bad |= buf_put(b, raw, p->raw_len);
    if (bad)
        return nomem(err, errlen);
    q->npending++;
    q->updates += rid != 0;
    if (q->may_group && q->ins_batch && q->npending == BATCH_ROWS)
        take_groups(q);
    if (q->npending == q->cap ||
        (q->early && q->async && !q->updates && q->npending % BATCH_ROWS == 0 &&
         nb_async_idle(q->async)))
        return flush_rows(q, err, errlen);
    return b->len > TEXT_MOST ? flush_text(q, err, errlen) : NB_OK;
}

nb_err nb_writer_flush(nb_writer *w, char *err, size_t errlen)
{
    w->has_last = 0; /* the rows read ahead may change from now on */
    nb_err rc = end_moves(w, err, errlen);
    if (!rc)
        rc = flush_rows(w->q, err, errlen);
    return rc ? rc : settle(w->q, err, errlen);
}
