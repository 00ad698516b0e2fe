/* import.c - one file of records in, all rows or none written. */
#include "import.h"

#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "coder.h"
#include "codes.h"
#include "reader.h"
#include "writer.h"

/* An id of the file while the ids come in order: its text in import.id_text. */
typedef struct {
    size_t off;
    long line;
} listed_id;

typedef struct {
    nb_store *s;
    const nb_import_opts *o;
    const nb_kind *k;
    nb_import_stats *st;
    nb_reader *r;
    nb_coder *coder;
    nb_writer *writer;
    char canonical[PATH_MAX]; /* the file's canonical path: its identity */
    int writing;          /* 0 once a row was refused: stop writing, keep validating */
    int64_t body_id, src_id;
    /* Ids seen in this file. While each id comes after the one before (shorter
       first, then bytewise) none can repeat, and they are only listed; the first
       one out of order moves them all into the map, which checks the rest. */
    nb_strmap ids;        /* id -> line, once ids_mapped */
    int ids_mapped;
    nb_buf id_text;       /* listed ids, each NUL-terminated */
    listed_id *id_list;
    size_t nids, ids_cap, last_id_len;
} import_state;

/* Passes a diagnostic on to the caller, counting the problems. */
static void tell(void *ud, const nb_diag *d)
{
    import_state *im = ud;
    if (!d->note)
        im->st->problems++;
    if (im->o->diag)
        im->o->diag(im->o->diag_ud, d);
}

static void problem(import_state *im, long line, const char *field, const char *reason,
                    const char *value)
{
    nb_diag d = {im->o->path, line, field, reason, value, 0};
    tell(im, &d);
}

/* ---- duplicate ids in the file ---- */

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

/* Appends ID (in order after the last one) to the list. */
static int id_list_add(import_state *im, const char *id, size_t len, long line)
{
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

/* Records ID, met at LINE. Returns 0 when new, 1 when the file had it before
 * (*FIRST: the line where), -1 when out of memory. */
static int id_seen(import_state *im, const char *id, long line, int64_t *first)
{
    size_t len = strlen(id);
    if (!im->ids_mapped) {
        const char *last = im->nids ? im->id_text.data + im->id_list[im->nids - 1].off : "";
        if (im->nids == 0 || len > im->last_id_len ||
            (len == im->last_id_len && memcmp(id, last, len) > 0))
            return id_list_add(im, id, len, line);
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

/* ---- rows ---- */

/* Validates one row and, while every row so far was good, queues it.
 * NB_OK (accepted), NB_ERR_INPUT (refused), or a store error in ERR. */
static nb_err do_row(import_state *im, char **fields, size_t n, long line, char *err,
                     size_t errlen)
{
    nb_rec rec;
    nb_err rc = nb_coder_row(im->coder, im->o->path, line, fields, n, &rec, tell, im, err,
                             errlen);
    if (rc != NB_OK && rc != NB_ERR_INPUT)
        return rc;
    int bad = rc == NB_ERR_INPUT;
    char idbuf[PATH_MAX + 32];
    const char *id = rec.id;
    if (!*id && !im->k->id_required) {
        snprintf(idbuf, sizeof idbuf, "%s:%ld", im->o->path, line);
        id = idbuf;
    }
    if (*id) {
        int64_t first = 0;
        int seen = id_seen(im, id, line, &first);
        if (seen < 0) {
            snprintf(err, errlen, "out of memory");
            return NB_ERR_NOMEM;
        }
        if (seen) {
            char reason[64];
            snprintf(reason, sizeof reason, "duplicate id, first at line %lld", (long long)first);
            problem(im, line, "id", reason, id);
            bad = 1;
        }
    }
    if (bad) {
        im->writing = 0;
        nb_writer_drop(im->writer); /* nothing will be written */
        return NB_ERR_INPUT;
    }
    int64_t rid = 0;
    if ((rc = nb_writer_find(im->writer, id, &rid, err, errlen)))
        return rc;
    if (rid)
        im->st->updated++;
    else
        im->st->inserted++;
    if (!im->writing)
        return NB_OK;
    return nb_writer_put(im->writer, &rec, id, rid, line, fields, n, err, errlen);
}

/* Reads and imports every row after the header. */
static nb_err read_rows(import_state *im, char *err, size_t errlen)
{
    size_t n;
    char **fields;
    long line;
    char rerr[512];
    for (;;) {
        nb_err rs = nb_reader_next(im->r, &n, &fields, &line, rerr, sizeof rerr);
        if (rs == NB_DONE)
            return NB_OK;
        im->st->read++;
        if (rs == NB_ERR_IO || rs == NB_ERR_NOMEM) { /* the file, not a row, failed */
            snprintf(err, errlen, "%s:%ld: %s", im->o->path, line, rerr);
            return rs;
        }
        if (rs != NB_OK) { /* the row that could not be read is refused too */
            problem(im, line, NULL, rerr, NULL);
            im->st->refused++;
            im->writing = 0;
            return NB_OK;
        }
        if (im->o->progress && im->st->read % 100000 == 0)
            im->o->progress(im->o->progress_ud, im->st->read);
        nb_err rc = do_row(im, fields, n, line, err, errlen);
        if (rc == NB_ERR_INPUT)
            im->st->refused++;
        else if (rc)
            return rc;
    }
}

/* ---- the file ---- */

/* A re-import of a file replaces the earlier import of that file: its rows
 * that this import did not update (they still point at an older source) are
 * removed, so a corrected file with fewer rows leaves no stale rows behind.
 * The file is known by its canonical path; sources of stores before version 2
 * have none and are known by the ids "PATH:LINE" of their rows. */
static nb_err remove_stale(import_state *im, char *err, size_t errlen)
{
    char sql[512];
    snprintf(sql, sizeof sql,
             "DELETE FROM %s WHERE body = ?1 AND src <> ?2 AND (src IN (SELECT id FROM source "
             "WHERE canonical = ?4 AND kind = ?5) OR substr(id, 1, length(?3) + 1) = ?3 || ':')",
             im->k->table);
    sqlite3_stmt *st;
    if (sqlite3_prepare_v2(im->s->db, sql, -1, &st, NULL) != SQLITE_OK) {
        snprintf(err, errlen, "%s: %s", im->s->path, sqlite3_errmsg(im->s->db));
        return NB_ERR_SQL;
    }
    sqlite3_bind_int64(st, 1, im->body_id);
    sqlite3_bind_int64(st, 2, im->src_id);
    sqlite3_bind_text(st, 3, im->o->path, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 4, im->canonical, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 5, im->k->name, -1, SQLITE_STATIC);
    int rc = sqlite3_step(st);
    sqlite3_finalize(st);
    if (rc != SQLITE_DONE) {
        snprintf(err, errlen, "%s: %s", im->s->path, sqlite3_errmsg(im->s->db));
        return NB_ERR_SQL;
    }
    im->st->removed = sqlite3_changes(im->s->db);
    return NB_OK;
}

/* The body, its parent and the source, inside the transaction. */
static nb_err open_body(import_state *im, char *err, size_t errlen)
{
    const nb_import_opts *o = im->o;
    nb_err rc = nb_store_body(im->s, o->body, 1, &im->body_id, &im->st->body_created, err,
                              errlen);
    if (!rc && o->parent)
        rc = nb_store_link_parent(im->s, o->body, o->parent, err, errlen);
    if (!rc)
        rc = nb_store_source(im->s, o->path, im->canonical, im->k->name, im->body_id,
                             nb_reader_encoding(im->r), nb_coder_header_text(im->coder),
                             &im->src_id, err, errlen);
    if (!rc)
        rc = nb_writer_new(im->s, im->k, im->body_id, im->src_id, &im->writer, err, errlen);
    return rc;
}

/* Reads the header and every row, and writes them unless a row was refused. */
static nb_err import_file(import_state *im, char *err, size_t errlen)
{
    const nb_import_opts *o = im->o;
    size_t n;
    char **fields;
    long line;
    char rerr[512];
    nb_err rc = nb_reader_next(im->r, &n, &fields, &line, rerr, sizeof rerr);
    if (rc == NB_DONE) {
        snprintf(err, errlen, "%s: empty file", o->path);
        return NB_ERR_INPUT;
    }
    if (rc) {
        snprintf(err, errlen, "%s:%ld: %s", o->path, line, rerr);
        return rc;
    }
    if (nb_coder_header(im->coder, o->path, fields, n, tell, im) != NB_OK) {
        snprintf(err, errlen, "%s: the header does not fit kind '%s'", o->path, im->k->name);
        return NB_ERR_INPUT;
    }
    if ((rc = open_body(im, err, errlen)) || (rc = read_rows(im, err, errlen)) ||
        (rc = nb_store_source_encoding(im->s, im->src_id, nb_reader_encoding(im->r), err,
                                       errlen)))
        return rc;
    nb_coder_unknowns(im->coder, o->path, 0, tell, im); /* each refused its rows already */
    if (im->st->refused) {
        snprintf(err, errlen, "%s: %ld row%s refused; nothing written", o->path,
                 im->st->refused, im->st->refused == 1 ? "" : "s");
        return NB_ERR_INPUT;
    }
    if (o->dry_run)
        return NB_OK;
    if ((rc = nb_writer_flush(im->writer, err, errlen)))
        return rc;
    if (!im->k->id_required && (rc = remove_stale(im, err, errlen)))
        return rc;
    return nb_store_commit(im->s, err, errlen);
}

/* Every row refers to the body and the source made in the same transaction,
 * which no one else can change: the foreign-key checks on each row could not
 * fail, and they add about 15% to the insert. The pragma has no effect inside
 * a transaction, so it is set around it. Returns 1 when it was switched off. */
static int foreign_keys_off(nb_store *s)
{
    int on = 0;
    sqlite3_stmt *fk;
    if (!sqlite3_get_autocommit(s->db))
        return 0;
    if (sqlite3_prepare_v2(s->db, "PRAGMA foreign_keys", -1, &fk, NULL) == SQLITE_OK) {
        if (sqlite3_step(fk) == SQLITE_ROW)
            on = sqlite3_column_int(fk, 0);
        sqlite3_finalize(fk);
    }
    return on && sqlite3_exec(s->db, "PRAGMA foreign_keys = OFF", NULL, NULL, NULL) == SQLITE_OK;
}

/* The kinds, for the message about an unknown one. */
static nb_err unknown_kind(const char *kind, char *err, size_t errlen)
{
    nb_buf kinds = {0};
    for (int i = 0; i < nb_nkinds; i++)
        nb_buf_printf(&kinds, "%s%s", i ? ", " : "", nb_kinds[i].name);
    snprintf(err, errlen, "unknown record kind '%s' (kinds: %s)", kind,
             kinds.data ? kinds.data : "");
    nb_buf_free(&kinds);
    return NB_ERR_INPUT;
}

nb_err nb_import(nb_store *s, const nb_import_opts *o, nb_import_stats *st, char *err,
                 size_t errlen)
{
    import_state im = {.s = s, .o = o, .st = st, .writing = !o->dry_run};
    memset(st, 0, sizeof *st);
    if (!(im.k = nb_kind_find(o->kind)))
        return unknown_kind(o->kind, err, errlen);
    char rerr[512];
    nb_err rc = nb_reader_open(o->path, o->sheet, &im.r, rerr, sizeof rerr);
    if (rc) {
        snprintf(err, errlen, "%s: %s", o->path, rerr);
        return rc;
    }
    if (!realpath(o->path, im.canonical))
        snprintf(im.canonical, sizeof im.canonical, "%s", o->path);
    nb_strmap_init(&im.ids);
    rc = nb_coder_new(s, im.k, o->map, strcmp(nb_reader_encoding(im.r), "XLSX") == 0,
                      &im.coder, err, errlen);
    int fk_off = foreign_keys_off(s);
    if (!rc && !(rc = nb_store_begin(s, err, errlen))) {
        rc = import_file(&im, err, errlen);
        if (rc || o->dry_run) {
            nb_store_rollback(s);
            nb_store_codes_reload(s); /* open-vocabulary codes added are gone too */
        }
    }
    if (fk_off)
        sqlite3_exec(s->db, "PRAGMA foreign_keys = ON", NULL, NULL, NULL);
    nb_writer_free(im.writer);
    nb_coder_free(im.coder);
    nb_reader_close(im.r);
    nb_strmap_free(&im.ids);
    nb_buf_free(&im.id_text);
    free(im.id_list);
    return rc;
}
