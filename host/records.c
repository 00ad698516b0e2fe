/* records.c - filtered cursors, counts and read-only SQL over the record tables. */
#include "records.h"

#include "coder.h"
#include "pack.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* A filter's value as the field's packed column holds it, into *V: a category's
 * dictionary id, a date's day code, a number. 1 when no record can hold it (a value not
 * in an open list, a number that is none); -1 with ERR when the value is refused. */
static int filter_value(nb_store *s, const nb_field *fd, const char *v, int64_t *out, char *err,
                        size_t errlen)
{
    if (fd->type == NB_F_CAT) {
        const char *dict = fd->dict ? fd->dict : fd->name;
        int64_t code = nb_store_code(s, dict, v);
        if (!code && fd->dict) {
            /* A national label or a known variant names its code too. */
            const nb_value *nv = nb_value_match(dict, v);
            code = nv ? nb_store_code(s, dict, nv->code) : 0;
        }
        if (!code && fd->dict) {
            snprintf(err, errlen, "field '%s': unknown value '%s'", fd->name, v);
            return -1;
        }
        *out = code;
        return code == 0; /* an open list: a value not in it matches no record */
    }
    if (fd->type == NB_F_DATE) {
        int ymd;
        const char *why;
        if (nb_date_parse(v, 0, &ymd, &why) != 0) {
            snprintf(err, errlen, "field '%s': %s (%s)", fd->name, why, v);
            return -1;
        }
        *out = nb_pack_day(ymd);
        return 0;
    }
    /* a number (分 for money), as SQLite compared the text with the column: a whole number
       however written ("5", "5.0", "5e0", Lua's 5.0), another matches none */
    char *end;
    while (*v == ' ')
        v++;
    long long n = strtoll(v, &end, 10);
    while (*end == ' ')
        end++;
    *out = n;
    if (end != v && *end == '\0')
        return 0;
    double d = strtod(v, &end);
    while (*end == ' ')
        end++;
    if (end == v || *end != '\0' || !(d >= -9.2e18 && d <= 9.2e18) || d != (double)(long long)d)
        return 1;
    *out = (long long)d;
    return 0;
}

/* The statement of the rows of a body in rid order, with the filters on the id and the
 * text fields (?2 on), into R->rows. */
static nb_err prepare_rows(nb_store *s, const nb_query *q, nb_rows *r, char *err, size_t errlen)
{
    const nb_kind *k = q->kind;
    nb_buf b = {0};
    int bad = nb_buf_adds(&b, "SELECT r.rid, b.name, r.id");
    for (int f = 0; f < k->nfields; f++)
        if (k->fields[f].type == NB_F_TEXT)
            bad |= nb_buf_printf(&b, ", r.%s", k->fields[f].name);
    bad |= nb_buf_printf(&b, ", s.path, r.line, r.raw, s.header, r.src FROM %s r JOIN body b ON b.id = r.body "
                             "JOIN source s ON s.id = r.src WHERE r.body = ?1", k->table);
    for (int i = 0; i < q->nfilters; i++) {
        int f = nb_field_find(k, q->filters[i].field);
        if (f == -1 || k->fields[f].type == NB_F_TEXT)
            bad |= nb_buf_printf(&b, " AND r.%s = ?%d", f == -1 ? "id" : k->fields[f].name, i + 2);
    }
    if (q->after_rid)
        bad |= nb_buf_printf(&b, " AND r.rid > ?%d", q->nfilters + 2);
    bad |= nb_buf_adds(&b, " ORDER BY r.rid");
    if (bad) {
        nb_buf_free(&b);
        snprintf(err, errlen, "out of memory");
        return NB_ERR_NOMEM;
    }
    int rc = sqlite3_prepare_v2(s->db, b.data, -1, &r->rows, NULL);
    nb_buf_free(&b);
    if (rc != SQLITE_OK) {
        snprintf(err, errlen, "%s: %s", s->path, NB_ERRMSG(s->db));
        return NB_ERR_SQL;
    }
    for (int i = 0; i < q->nfilters; i++) {
        int f = nb_field_find(k, q->filters[i].field);
        if (f == -1 || k->fields[f].type == NB_F_TEXT)
            sqlite3_bind_text(r->rows, i + 2, q->filters[i].value, -1, SQLITE_TRANSIENT);
    }
    if (q->after_rid)
        sqlite3_bind_int64(r->rows, q->nfilters + 2, q->after_rid);
    return NB_OK;
}

/* Opens R for Q; NEED_ROWS: the rows are read (a count that filters on coded fields alone
 * reads the parts alone). */
static nb_err open_query(nb_store *s, const nb_query *q, int need_rows, nb_rows *r, char *err,
                         size_t errlen)
{
    const nb_kind *k = q->kind;
    memset(r, 0, sizeof *r);
    r->store = s;
    r->kind = k;
    nb_pack_columns(k, NULL, r->col_of);
    for (int i = 0; i < q->nfilters; i++) {
        int f = nb_field_find(k, q->filters[i].field);
        if (f == -2) {
            snprintf(err, errlen, "%s has no field '%s'", k->name, q->filters[i].field);
            return NB_ERR_INPUT;
        }
        if (f == -1 || k->fields[f].type == NB_F_TEXT) {
            r->narrowed = 1;
            continue;
        }
        int64_t v;
        int none = filter_value(s, &k->fields[f], q->filters[i].value, &v, err, errlen);
        if (none < 0)
            return NB_ERR_INPUT;
        r->none |= none;
        r->want_col[r->nwant] = r->col_of[f];
        r->want[r->nwant++] = v;
    }
    /* the year: the period's day code within it (0, no date, is in none) */
    r->lo = r->hi = 0;
    if (q->year) {
        r->lo = nb_pack_day(q->year * 10000 + 101);
        r->hi = nb_pack_day(q->year * 10000 + 1231);
        r->period_col = r->col_of[nb_field_find(k, k->period)];
    }
    r->need_rows = need_rows || r->narrowed;
    r->after = q->after_rid;
    /* what the open transaction changed, written into the parts first (as a level's begin
       does): a write at the caller's level (a store:insert in an import's callback) is
       read back */
    nb_err rc = s->pack && s->depth > 0 ? nb_pack_sync(s, err, errlen) : NB_OK;
    if (!rc && r->need_rows)
        rc = prepare_rows(s, q, r, err, errlen);
    if (!rc)
        rc = nb_pack_open(s, k, q->body, &r->cur, err, errlen);
    if (rc) {
        nb_rows_close(r);
        return rc;
    }
    r->open = !r->none;
    return NB_OK;
}

nb_err nb_rows_open(nb_store *s, const nb_query *q, nb_rows *r, char *err, size_t errlen)
{
    return open_query(s, q, 1, r, err, errlen);
}

nb_err nb_rows_open_coded(nb_store *s, const nb_query *q, nb_rows *r, char *err, size_t errlen)
{
    nb_err rc = open_query(s, q, 0, r, err, errlen);
    r->coded = !rc;
    return rc;
}

/* 1 when record AT of part P passes R's coded filters and year. */
static int passes(const nb_rows *r, const nb_pack_part *p, int at)
{
    if (r->hi) {
        int64_t d = p->col[r->period_col][at];
        if (d < r->lo || d > r->hi)
            return 0;
    }
    for (int i = 0; i < r->nwant; i++)
        if (p->col[r->want_col[i]][at] != r->want[i])
            return 0;
    return 1;
}

/* Steps R's rows; 1 on a row, 0 at the end, -1 on an error (in ERR). */
static int step_rows(nb_rows *r, char *err, size_t errlen)
{
    int rc = sqlite3_step(r->rows);
    r->has_row = rc == SQLITE_ROW;
    if (rc == SQLITE_ROW || rc == SQLITE_DONE)
        return r->has_row;
    snprintf(err, errlen, "%s: %s", r->store->path, NB_ERRMSG(r->store->db));
    return -1;
}

/* Fills R->row's rid, body id and coded values from record AT of part P. */
static void fill_coded(nb_rows *r, const nb_pack_part *p, int at)
{
    const nb_kind *k = r->kind;
    nb_row *w = &r->row;
    w->rid = p->rid[at];
    w->body_id = p->body;
    for (int f = 0; f < k->nfields; f++) {
        int64_t v = k->fields[f].type == NB_F_TEXT ? 0 : p->col[r->col_of[f]][at];
        w->ival[f] = k->fields[f].type == NB_F_DATE && v ? nb_pack_ymd(v) : v;
        w->text[f] = NULL;
    }
}

/* Fills R->row from record AT of part P and the row R->rows stands on. */
static void fill(nb_rows *r, const nb_pack_part *p, int at)
{
    const nb_kind *k = r->kind;
    sqlite3_stmt *st = r->rows;
    nb_row *w = &r->row;
    fill_coded(r, p, at);
    w->body = (const char *)sqlite3_column_text(st, 1);
    w->id = (const char *)sqlite3_column_text(st, 2);
    int c = 3;
    for (int f = 0; f < k->nfields; f++)
        if (k->fields[f].type == NB_F_TEXT)
            w->text[f] = (const char *)sqlite3_column_text(st, c++);
    w->source = (const char *)sqlite3_column_text(st, c);
    w->line = (long)sqlite3_column_int64(st, c + 1);
    w->raw = (const char *)sqlite3_column_text(st, c + 2);
    w->header = (const char *)sqlite3_column_text(st, c + 3);
    w->src = sqlite3_column_int64(st, c + 4);
}

int nb_rows_next(nb_rows *r, char *err, size_t errlen)
{
    while (r->open) {
        if (!r->part || r->at >= r->part->n) {
            nb_err rc = nb_pack_next(r->cur, &r->part, err, errlen);
            if (rc == NB_DONE) {
                nb_rows_close(r);
                return 0;
            }
            if (rc) {
                nb_rows_close(r);
                return -1;
            }
            r->at = 0;
            if (r->after && r->part->n && r->part->rid[r->part->n - 1] <= r->after) {
                r->at = r->part->n; /* a part read before (its rids rise) */
                continue;
            }
            if (r->need_rows && r->part->body != r->rows_body) {
                sqlite3_reset(r->rows);
                sqlite3_bind_int64(r->rows, 1, r->part->body);
                r->rows_body = r->part->body;
                r->advance = 0;
                if (step_rows(r, err, errlen) < 0) {
                    nb_rows_close(r);
                    return -1;
                }
            }
            continue;
        }
        const nb_pack_part *p = r->part;
        int at = r->at++;
        r->visited++;
        if (p->rid[at] <= r->after || !passes(r, p, at))
            continue;
        if (!r->need_rows) {
            if (r->coded)
                fill_coded(r, p, at);
            else
                r->row.rid = p->rid[at];
            return 1;
        }
        if (r->advance) { /* past the row given last (its texts were valid until now) */
            r->advance = 0;
            if (step_rows(r, err, errlen) < 0) {
                nb_rows_close(r);
                return -1;
            }
        }
        while (r->has_row && sqlite3_column_int64(r->rows, 0) < p->rid[at])
            if (step_rows(r, err, errlen) < 0) {
                nb_rows_close(r);
                return -1;
            }
        if (!r->has_row || sqlite3_column_int64(r->rows, 0) != p->rid[at]) {
            if (r->narrowed)
                continue; /* a row the id or a text filter left out */
            snprintf(err, errlen, "%s: record %lld of %s is in the packed columns and not in the "
                     "rows (nianbao init --verify, then --repack)", r->store->path,
                     (long long)p->rid[at], r->kind->name);
            nb_rows_close(r);
            return -1;
        }
        fill(r, p, at);
        r->advance = 1;
        return 1;
    }
    return 0;
}

/* Frees R's statement and parts' cursor; the cursor's statement kept by its store when
 * KEEP (the store still open). */
static void rows_end(nb_rows *r, int keep)
{
    sqlite3_finalize(r->rows);
    r->rows = NULL;
    if (keep)
        nb_pack_close(r->cur);
    else
        nb_pack_abandon(r->cur);
    r->cur = NULL;
    r->part = NULL;
    r->open = 0;
}

void nb_rows_close(nb_rows *r)
{
    rows_end(r, 1);
}

void nb_rows_abandon(nb_rows *r)
{
    rows_end(r, 0);
}

/* Column COL (1-based) of HEADER into NAME, "#COL" when it has none. */
static int header_name(const char *header, long col, nb_buf *name)
{
    name->len = 0;
    const char *p = header ? header : "";
    for (long c = 1; c < col && p; c++) {
        p = strchr(p, NB_RAW_NEXT);
        if (p)
            p++;
    }
    size_t len = p ? strcspn(p, "\037") : 0;
    if (!len)
        return nb_buf_printf(name, "#%ld", col);
    return nb_buf_add(name, p, len) | nb_buf_adds(name, "");
}

int nb_raw_next_col(const char *raw, size_t *pos, long *col, nb_buf *value)
{
    int sparse = strchr(raw, NB_RAW_COL) != NULL;
    while (*raw && *pos != SIZE_MAX) {
        const char *p = raw + *pos;
        *col = 1;
        if (sparse) {
            char *end;
            *col = strtol(p, &end, 10);
            p = *end == NB_RAW_COL ? end + 1 : end;
        } else { /* every column in order: its number is the separators before it, plus one */
            for (const char *q = raw; q < p; q++)
                *col += *q == NB_RAW_NEXT;
        }
        int bad = 0;
        value->len = 0;
        while (*p && *p != NB_RAW_NEXT) {
            if (sparse && *p == NB_RAW_ESC && p[1])
                p++;
            bad |= nb_buf_add(value, p++, 1);
        }
        bad |= nb_buf_adds(value, "");
        *pos = *p == NB_RAW_NEXT ? (size_t)(p + 1 - raw) : SIZE_MAX;
        if (!sparse && !value->data[0])
            continue; /* an old row's blank column: nothing was given */
        return bad ? -1 : 1;
    }
    return 0;
}

int nb_raw_next(const char *raw, const char *header, size_t *pos, nb_buf *name, nb_buf *value)
{
    long col;
    int more = nb_raw_next_col(raw, pos, &col, value);
    if (more == 1 && header_name(header, col, name))
        return -1;
    return more;
}

nb_err nb_count(nb_store *s, const nb_query *q, int64_t *n, char *err, size_t errlen)
{
    nb_rows r;
    nb_err rc = open_query(s, q, 0, &r, err, errlen);
    if (rc)
        return rc;
    int more;
    *n = 0;
    while ((more = nb_rows_next(&r, err, errlen)) == 1)
        (*n)++;
    nb_rows_close(&r);
    return more < 0 ? NB_ERR_SQL : NB_OK;
}

/* Refuses ATTACH and DETACH, which SQLite counts as read-only but which
 * would create or read database files outside the store. */
/* Pragmas that only read (with no argument). */
static const char *const read_pragmas[] = {
    "table_info", "table_xinfo", "table_list", "index_list", "index_info", "index_xinfo",
    "foreign_key_list", "user_version", "schema_version", "page_count", "page_size",
    "database_list", "collation_list", "function_list", "pragma_list", "compile_options",
    "encoding", "freelist_count", "data_version", NULL};

/* What a script's query may not do, and the reason given. */
static int query_auth(void *ud, int action, const char *a, const char *b, const char *c,
                      const char *d)
{
    const char **why = ud;
    (void)c, (void)d;
    switch (action) {
    case SQLITE_ATTACH:
    case SQLITE_DETACH:
        *why = "ATTACH and DETACH are not available in nianbao scripts (sandbox)";
        return SQLITE_DENY;
    case SQLITE_TRANSACTION:
    case SQLITE_SAVEPOINT:
        /* A script's open transaction would swallow later writes. */
        *why = "transactions are not available in store:query (the host keeps them)";
        return SQLITE_DENY;
    case SQLITE_PRAGMA:
        for (int i = 0; read_pragmas[i]; i++)
            if (a && sqlite3_stricmp(a, read_pragmas[i]) == 0 &&
                (!b || strcmp(read_pragmas[i], "table_info") == 0 ||
                 strncmp(read_pragmas[i], "index_", 6) == 0 ||
                 strcmp(read_pragmas[i], "table_xinfo") == 0 ||
                 strcmp(read_pragmas[i], "foreign_key_list") == 0))
                return SQLITE_OK;
        *why = "this PRAGMA is not available in store:query (read-only pragmas only)";
        return SQLITE_DENY;
    }
    return SQLITE_OK;
}

nb_err nb_query_prepare(nb_store *s, const char *sql, sqlite3_stmt **st, char *err, size_t errlen)
{
    const char *tail = NULL;
    const char *denied = NULL;
    *st = NULL;
    sqlite3_set_authorizer(s->db, query_auth, (void *)&denied);
    int rc = sqlite3_prepare_v2(s->db, sql, -1, st, &tail);
    sqlite3_set_authorizer(s->db, NULL, NULL);
    if (denied) {
        sqlite3_finalize(*st);
        *st = NULL;
        snprintf(err, errlen, "%s", denied);
        return NB_ERR_INPUT;
    }
    if (rc != SQLITE_OK) {
        snprintf(err, errlen, "%s", NB_ERRMSG(s->db));
        return NB_ERR_SQL;
    }
    if (!*st) {
        snprintf(err, errlen, "empty SQL statement");
        return NB_ERR_INPUT;
    }
    while (tail && (*tail == ' ' || *tail == '\n' || *tail == '\t' || *tail == ';'))
        tail++;
    if (!sqlite3_stmt_readonly(*st) || (tail && *tail)) {
        snprintf(err, errlen, "%s", tail && *tail ? "one statement at a time"
                                                   : "the query is not read-only "
                                                     "(records are changed with import or "
                                                     "store:insert)");
        sqlite3_finalize(*st);
        *st = NULL;
        return NB_ERR_INPUT;
    }
    return NB_OK;
}

void nb_record_refs_free(nb_record_refs_t *r)
{
    for (int i = 0; r->ref && i < r->n; i++)
        free(r->ref[i].id);
    for (int i = 0; i < r->npaths; i++)
        free(r->paths[i]);
    free(r->ref);
    free(r->paths);
    free(r->src);
    free(r->slot);
    memset(r, 0, sizeof *r);
}

/* The slot of source SRC in OUT's index: its own, or the free one it would take. */
static unsigned ref_slot(const nb_record_refs_t *out, int64_t src)
{
    unsigned mask = (unsigned)out->slot_cap - 1;
    unsigned h = (unsigned)(((uint64_t)src * 0x9E3779B97F4A7C15u) >> 32) & mask;
    while (out->slot[h] >= 0 && out->src[out->slot[h]] != src)
        h = (h + 1) & mask;
    return h;
}

/* The path of source SRC (PATH as the row gives it) kept once in OUT; NULL out of memory.
 * Found through an index of the sources met: a cell's records may come from thousands of
 * files without ids, in any order (a search of them all for each record was quadratic). */
static const char *ref_path(nb_record_refs_t *out, int64_t src, const char *path)
{
    if (2 * (out->npaths + 1) > out->slot_cap) { /* the index made anew, twice as large */
        int cap = out->slot_cap ? 2 * out->slot_cap : 64;
        int *slot = malloc((size_t)cap * sizeof *slot);
        if (!slot)
            return NULL;
        for (int i = 0; i < cap; i++)
            slot[i] = -1;
        free(out->slot);
        out->slot = slot;
        out->slot_cap = cap;
        for (int i = 0; i < out->npaths; i++)
            out->slot[ref_slot(out, out->src[i])] = i;
    }
    unsigned h = ref_slot(out, src);
    if (out->slot[h] >= 0)
        return out->paths[out->slot[h]];
    if (out->npaths == out->paths_cap) {
        int cap = out->paths_cap ? 2 * out->paths_cap : 16;
        char **p = realloc(out->paths, (size_t)cap * sizeof *p);
        if (p)
            out->paths = p;
        int64_t *q = p ? realloc(out->src, (size_t)cap * sizeof *q) : NULL;
        if (!q)
            return NULL;
        out->src = q;
        out->paths_cap = cap;
    }
    char *copy = strdup(path ? path : "");
    if (!copy)
        return NULL;
    out->paths[out->npaths] = copy;
    out->src[out->npaths] = src;
    out->slot[h] = out->npaths++;
    return copy;
}

typedef struct {
    int64_t rid;
    int at;    /* its place in the caller's list */
    int found;
} ref_want;

static int cmp_want(const void *a, const void *b)
{
    const ref_want *x = a, *y = b;
    return (x->rid > y->rid) - (x->rid < y->rid);
}

/* The first of the N wanted (by rid) at or after RID. */
static int want_from(const ref_want *w, int n, int64_t rid)
{
    int lo = 0, hi = n;
    while (lo < hi) {
        int mid = lo + (hi - lo) / 2;
        if (w[mid].rid < rid)
            lo = mid + 1;
        else
            hi = mid;
    }
    return lo;
}

/* Reads the rows ST gives (rid, id, path, line, src) into the wanted of OUT; the count
 * found, or -1 out of memory. */
static int refs_from(sqlite3_stmt *st, ref_want *w, int n, nb_record_refs_t *out, int *step)
{
    int got = 0;
    while ((*step = sqlite3_step(st)) == SQLITE_ROW) {
        int i = want_from(w, n, sqlite3_column_int64(st, 0));
        for (; i < n && w[i].rid == sqlite3_column_int64(st, 0); i++) {
            if (w[i].found)
                continue;
            nb_record_ref *r = &out->ref[w[i].at];
            const char *id = (const char *)sqlite3_column_text(st, 1);
            r->id = strdup(id ? id : "");
            r->source = ref_path(out, sqlite3_column_int64(st, 4),
                                 (const char *)sqlite3_column_text(st, 2));
            if (!r->id || !r->source)
                return -1;
            r->line = (long)sqlite3_column_int64(st, 3);
            w[i].found = 1;
            got++;
        }
    }
    return got;
}

nb_err nb_record_refs(nb_store *s, const nb_kind *kind, int n, const int64_t *rids,
                      nb_record_refs_t *out, char *err, size_t errlen)
{
    memset(out, 0, sizeof *out);
    if (n <= 0)
        return NB_OK;
    out->ref = calloc((size_t)n, sizeof *out->ref);
    out->n = out->ref ? n : 0;
    ref_want *w = out->ref ? malloc((size_t)n * sizeof *w) : NULL;
    int64_t *bodies = NULL;
    int nb = 0, capb = 0, left = n;
    sqlite3_stmt *st = NULL;
    nb_err rc = NB_OK;
    if (!w) {
        snprintf(err, errlen, "out of memory");
        return NB_ERR_NOMEM;
    }
    for (int i = 0; i < n; i++)
        w[i] = (ref_want){rids[i], i, 0};
    qsort(w, (size_t)n, sizeof *w, cmp_want);
    /* the bodies whose parts span a wanted rid */
    if (sqlite3_prepare_v2(s->db, "SELECT body, rid_lo, rid_hi FROM pack WHERE kind = ?1", -1, &st,
                           NULL) != SQLITE_OK)
        goto sql;
    sqlite3_bind_text(st, 1, kind->name, -1, SQLITE_STATIC);
    int step;
    while ((step = sqlite3_step(st)) == SQLITE_ROW) {
        int64_t body = sqlite3_column_int64(st, 0);
        int i = want_from(w, n, sqlite3_column_int64(st, 1));
        if (i == n || w[i].rid > sqlite3_column_int64(st, 2))
            continue;
        int seen = 0;
        for (int b = 0; b < nb && !seen; b++)
            seen = bodies[b] == body;
        if (seen)
            continue;
        if (nb == capb) {
            capb = capb ? capb * 2 : 8;
            int64_t *more = realloc(bodies, (size_t)capb * sizeof *more);
            if (!more) {
                rc = NB_ERR_NOMEM;
                snprintf(err, errlen, "out of memory");
                goto done;
            }
            bodies = more;
        }
        bodies[nb++] = body;
    }
    if (step != SQLITE_DONE)
        goto sql;
    sqlite3_finalize(st);
    st = NULL;
    char sql[256];
    snprintf(sql, sizeof sql, "SELECT r.rid, r.id, s.path, r.line, r.src FROM %s r JOIN source s "
                              "ON s.id = r.src WHERE r.body = ?1", kind->table);
    if (sqlite3_prepare_v2(s->db, sql, -1, &st, NULL) != SQLITE_OK)
        goto sql;
    for (int b = 0; b < nb && left; b++) {
        sqlite3_reset(st);
        sqlite3_bind_int64(st, 1, bodies[b]);
        int got = refs_from(st, w, n, out, &step);
        if (got < 0)
            goto nomem;
        left -= got;
        if (step != SQLITE_DONE)
            goto sql;
    }
    sqlite3_finalize(st);
    st = NULL;
    if (left) { /* not in the parts yet: every row */
        snprintf(sql, sizeof sql, "SELECT r.rid, r.id, s.path, r.line, r.src FROM %s r JOIN source s "
                                  "ON s.id = r.src", kind->table);
        if (sqlite3_prepare_v2(s->db, sql, -1, &st, NULL) != SQLITE_OK)
            goto sql;
        int got = refs_from(st, w, n, out, &step);
        if (got < 0)
            goto nomem;
        left -= got;
        if (step != SQLITE_DONE)
            goto sql;
    }
    for (int i = 0; i < n && left; i++)
        if (!w[i].found) {
            snprintf(err, errlen, "no %s record with rid %lld", kind->name, (long long)w[i].rid);
            rc = NB_ERR_NOTFOUND;
            break;
        }
    goto done;
nomem:
    snprintf(err, errlen, "out of memory");
    rc = NB_ERR_NOMEM;
    goto done;
sql:
    snprintf(err, errlen, "%s", NB_ERRMSG(s->db));
    rc = NB_ERR_SQL;
done:
    sqlite3_finalize(st);
    free(w);
    free(bodies);
    return rc;
}

nb_err nb_body_years(nb_store *s, int64_t body, int **years, int *n, char *err, size_t errlen)
{
    *years = NULL;
    *n = 0;
    unsigned char *seen = calloc(8100, 1);
    if (!seen) {
        snprintf(err, errlen, "out of memory");
        return NB_ERR_NOMEM;
    }
    /* the records' years from the packed columns of their period field; the narratives' */
    nb_err rc = NB_OK;
    for (int i = 0; !rc && i < nb_nkinds; i++)
        if (nb_kinds[i].report_data) {
            int col[NB_MAX_FIELDS];
            nb_pack_columns(&nb_kinds[i], NULL, col);
            rc = nb_pack_years(s, &nb_kinds[i], body, col[nb_field_find(&nb_kinds[i], nb_kinds[i].period)],
                               seen, err, errlen);
        }
    sqlite3_stmt *st = NULL;
    if (!rc && sqlite3_prepare_v2(s->db, "SELECT year FROM text WHERE body = ?1", -1, &st, NULL) != SQLITE_OK) {
        snprintf(err, errlen, "%s: %s", s->path, NB_ERRMSG(s->db));
        rc = NB_ERR_SQL;
    }
    int step = SQLITE_DONE;
    if (!rc) {
        sqlite3_bind_int64(st, 1, body);
        while ((step = sqlite3_step(st)) == SQLITE_ROW) {
            int y = sqlite3_column_int(st, 0);
            if (y >= 1900 && y <= 9999)
                seen[y - 1900] = 1;
        }
        if (step != SQLITE_DONE) {
            snprintf(err, errlen, "%s: %s", s->path, NB_ERRMSG(s->db));
            rc = NB_ERR_SQL;
        }
    }
    sqlite3_finalize(st);
    int count = 0;
    for (int y = 0; y < 8100; y++)
        count += seen[y];
    int *out = rc ? NULL : malloc(((size_t)count + 1) * sizeof *out);
    if (!rc && !out) {
        snprintf(err, errlen, "out of memory");
        rc = NB_ERR_NOMEM;
    }
    for (int y = 0; out && y < 8100; y++)
        if (seen[y])
            out[(*n)++] = 1900 + y;
    free(seen);
    *years = out;
    return rc;
}
