/* insert.c - store:insert: one record through the importer's coder and writer. */
#include "insert.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "coder.h"
#include "pack.h"
#include "writer.h"

/* The first problem, as one line without a line number. */
typedef struct {
    char msg[1024];
    int seen;
} first_problem;

static void keep_first(void *ud, const nb_diag *d)
{
    first_problem *p = ud;
    if (d->note || p->seen++)
        return;
    nb_diag one = *d;
    one.line = 0;
    nb_diag_format(&one, p->msg, sizeof p->msg);
}

/* One source row per script line (and body and kind), not one per record. */
static nb_err source_of(nb_store *s, const char *source, const char *kind, int64_t body,
                        const char *header, int64_t *src, char *err, size_t errlen)
{
    sqlite3_stmt *q;
    *src = 0;
    if (sqlite3_prepare_v2(s->db,
                           "SELECT id FROM source WHERE path = ?1 AND kind = ?2 AND body = ?3 "
                           "AND encoding = 'lua' AND header = ?4 LIMIT 1",
                           -1, &q, NULL) == SQLITE_OK) {
        sqlite3_bind_text(q, 1, source, -1, SQLITE_STATIC);
        sqlite3_bind_text(q, 2, kind, -1, SQLITE_STATIC);
        sqlite3_bind_int64(q, 3, body);
        sqlite3_bind_text(q, 4, header, -1, SQLITE_STATIC);
        if (sqlite3_step(q) == SQLITE_ROW)
            *src = sqlite3_column_int64(q, 0);
        sqlite3_finalize(q);
    }
    if (*src)
        return NB_OK;
    return nb_store_source(s, source, NULL, kind, body, "lua", header, src, err, errlen);
}

/* "SOURCE#N" for a record given without an id, N the rid it will take (nb_pack_rids):
 * records inserted from one script line (a loop) do not replace each other. */
static void fresh_id(nb_store *s, const nb_kind *k, const char *source, char *out, size_t n)
{
    int64_t next = 1;
    if (nb_pack_rids(s, k, 0, &next) != SQLITE_OK)
        next = 1;
    snprintf(out, n, "%s#%lld", source, (long long)next);
}

/* Codes the values and writes the record, inside the transaction. */
static nb_err put(nb_store *s, nb_coder *c, const char *body, const char *source, char **v,
                  int n, int *inserted, first_problem *fp, char *err, size_t errlen)
{
    const nb_kind *k = NULL;
    int64_t body_id, src, rid = 0;
    nb_writer *w = NULL;
    nb_rec rec;
    char id[1200];
    nb_err rc = nb_coder_row(c, source, 1, v, (size_t)n, &rec, keep_first, fp, err, errlen);
    long unknown = nb_coder_unknowns(c, source, 1, keep_first, fp);
    if (rc == NB_ERR_INPUT || unknown) {
        snprintf(err, errlen, "%s", fp->msg);
        return NB_ERR_INPUT;
    }
    if (rc || (rc = nb_store_body(s, body, 1, &body_id, NULL, err, errlen)) ||
        (rc = source_of(s, source, nb_coder_kind(c)->name, body_id, nb_coder_header_text(c),
                        &src, err, errlen)))
        return rc;
    k = nb_coder_kind(c);
    if (*rec.id)
        snprintf(id, sizeof id, "%s", rec.id);
    else
        fresh_id(s, k, source, id, sizeof id);
    nb_buf raw = {0};
    if (nb_coder_raw(c, v, (size_t)n, &rec, body, &raw)) {
        snprintf(err, errlen, "out of memory");
        rc = NB_ERR_NOMEM;
    } else if (!(rc = nb_writer_new(s, k, body_id, src, NULL, &w, err, errlen)) &&
               !(rc = nb_writer_find(w, id, &rid, err, errlen)) &&
               !(rc = nb_writer_put(w, &rec, id, rid, 1, raw.data, err, errlen))) {
        rc = nb_writer_flush(w, err, errlen);
    }
    nb_buf_free(&raw);
    nb_writer_free(w);
    *inserted = rc == NB_OK && rid == 0;
    return rc;
}

/* Copies of the N texts of SRC (the coder trims in place). NULL: out of memory. */
static char **copy_all(const char *const *src, int n)
{
    char **v = calloc((size_t)n + 1, sizeof *v);
    for (int i = 0; v && i < n; i++)
        if (!(v[i] = strdup(src[i]))) {
            for (int j = 0; j < i; j++)
                free(v[j]);
            free(v);
            return NULL;
        }
    return v;
}

static void free_all(char **v, int n)
{
    for (int i = 0; v && i < n; i++)
        free(v[i]);
    free(v);
}

nb_err nb_record_insert(nb_store *s, const char *kind, const char *body, const char *const *names,
                        const char *const *values, int n, const char *source, int *inserted,
                        char *err, size_t errlen)
{
    const nb_kind *k = nb_kind_find(kind);
    first_problem fp = {"", 0};
    nb_coder *c = NULL;
    *inserted = 0;
    if (!k) {
        snprintf(err, errlen, "unknown record kind '%s'", kind);
        return NB_ERR_INPUT;
    }
    char **h = copy_all(names, n), **v = copy_all(values, n);
    nb_err rc = h && v ? nb_coder_new(s, k, NULL, 0, &c, err, errlen) : NB_ERR_NOMEM;
    if (rc == NB_ERR_NOMEM && !c)
        snprintf(err, errlen, "out of memory");
    if (!rc && nb_coder_header(c, source, h, (size_t)n, keep_first, &fp) != NB_OK) {
        snprintf(err, errlen, "%s", fp.msg);
        rc = NB_ERR_INPUT;
    }
    /* the caller's transaction (nb_store_begin), if any: a snapshot's read transaction
       (nb_store_snapshot) is not one, and a write ends it. A caller's transaction that a
       failure ended is refused by nb_store_begin, saying so (its writes would be kept
       alone, each its own transaction, the packed columns not written). */
    int own_tx = s->depth == 0;
    if (!rc && (own_tx || s->ended || sqlite3_get_autocommit(s->db)))
        rc = nb_store_begin(s, err, errlen);
    if (!rc) {
        rc = put(s, c, body, source, v, n, inserted, &fp, err, errlen);
        if (own_tx) {
            if (rc)
                nb_store_rollback(s);
            else
                rc = nb_store_commit(s, err, errlen); /* a failed commit has rolled back */
        }
    }
    nb_coder_free(c);
    free_all(h, n);
    free_all(v, n);
    return rc;
}
