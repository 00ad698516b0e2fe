/* records.c - filtered cursors, counts and read-only SQL over the record tables. */
#include "records.h"

#include "coder.h"
#include "pack.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Builds "FROM t JOIN ... WHERE ..." and binds it. */
static nb_err build(nb_store *s, const nb_query *q, const char *select, sqlite3_stmt **out,
                    char *err, size_t errlen)
{
    const nb_kind *k = q->kind;
    nb_buf b = {0};
    nb_buf_printf(&b, "%s FROM %s r JOIN body b ON b.id = r.body JOIN source s ON s.id = r.src "
                      "WHERE 1", select, k->table);
    if (q->body)
        nb_buf_adds(&b, " AND r.body = ?1");
    if (q->year)
        nb_buf_printf(&b, " AND r.%s BETWEEN ?2 AND ?3", k->period);
    for (int i = 0; i < q->nfilters; i++) {
        const char *name = q->filters[i].field;
        int f = nb_field_find(k, name);
        if (f == -2) {
            snprintf(err, errlen, "%s has no field '%s'", k->name, name);
            nb_buf_free(&b);
            return NB_ERR_INPUT;
        }
        nb_buf_printf(&b, " AND r.%s = ?%d", f == -1 ? "id" : k->fields[f].name, i + 4);
    }
    nb_buf_adds(&b, " ORDER BY r.rid");
    if (!b.data) {
        snprintf(err, errlen, "out of memory");
        return NB_ERR_NOMEM;
    }
    sqlite3_stmt *st;
    if (sqlite3_prepare_v2(s->db, b.data, -1, &st, NULL) != SQLITE_OK) {
        snprintf(err, errlen, "%s: %s", s->path, sqlite3_errmsg(s->db));
        nb_buf_free(&b);
        return NB_ERR_SQL;
    }
    nb_buf_free(&b);
    if (q->body)
        sqlite3_bind_int64(st, 1, q->body);
    if (q->year) {
        sqlite3_bind_int(st, 2, q->year * 10000 + 101);
        sqlite3_bind_int(st, 3, q->year * 10000 + 1231);
    }
    for (int i = 0; i < q->nfilters; i++) {
        int f = nb_field_find(k, q->filters[i].field);
        const char *v = q->filters[i].value;
        if (f >= 0 && k->fields[f].type == NB_F_CAT) {
            const char *dict = k->fields[f].dict ? k->fields[f].dict : k->fields[f].name;
            int64_t code = nb_store_code(s, dict, v);
            if (!code && k->fields[f].dict) {
                /* A national label or a known variant names its code too. */
                const nb_value *nv = nb_value_match(dict, v);
                code = nv ? nb_store_code(s, dict, nv->code) : 0;
            }
            if (!code && k->fields[f].dict) {
                snprintf(err, errlen, "field '%s': unknown value '%s'", k->fields[f].name, v);
                sqlite3_finalize(st);
                return NB_ERR_INPUT;
            } /* an open list: a value not in it matches no record (id 0 is none's) */
            sqlite3_bind_int64(st, i + 4, code);
        } else if (f >= 0 && k->fields[f].type == NB_F_DATE) {
            int ymd;
            const char *why;
            if (nb_date_parse(v, 0, &ymd, &why) != 0) {
                snprintf(err, errlen, "field '%s': %s (%s)", k->fields[f].name, why, v);
                sqlite3_finalize(st);
                return NB_ERR_INPUT;
            }
            sqlite3_bind_int(st, i + 4, ymd);
        } else {
            sqlite3_bind_text(st, i + 4, v, -1, SQLITE_TRANSIENT);
        }
    }
    *out = st;
    return NB_OK;
}

nb_err nb_rows_open(nb_store *s, const nb_query *q, nb_rows *r, char *err, size_t errlen)
{
    memset(r, 0, sizeof *r);
    nb_buf sel = {0};
    nb_buf_adds(&sel, "SELECT r.rid, b.name, r.id");
    for (int f = 0; f < q->kind->nfields; f++)
        nb_buf_printf(&sel, ", r.%s", q->kind->fields[f].name);
    nb_buf_adds(&sel, ", s.path, r.line, r.raw, s.header");
    if (!sel.data) {
        snprintf(err, errlen, "out of memory");
        return NB_ERR_NOMEM;
    }
    nb_err rc = build(s, q, sel.data, &r->st, err, errlen);
    nb_buf_free(&sel);
    if (rc == NB_OK) {
        r->store = s;
        r->kind = q->kind;
    }
    return rc;
}

int nb_rows_next(nb_rows *r, char *err, size_t errlen)
{
    if (!r->st)
        return 0;
    int rc = sqlite3_step(r->st);
    if (rc == SQLITE_ROW)
        return 1;
    if (rc == SQLITE_DONE)
        return 0;
    snprintf(err, errlen, "%s: %s", r->store->path, sqlite3_errmsg(r->store->db));
    return -1;
}

void nb_rows_close(nb_rows *r)
{
    if (r->st)
        sqlite3_finalize(r->st);
    r->st = NULL;
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

int nb_raw_next(const char *raw, const char *header, size_t *pos, nb_buf *name, nb_buf *value)
{
    int sparse = strchr(raw, NB_RAW_COL) != NULL;
    while (*raw && *pos != SIZE_MAX) {
        const char *p = raw + *pos;
        long col = 1;
        if (sparse) {
            char *end;
            col = strtol(p, &end, 10);
            p = *end == NB_RAW_COL ? end + 1 : end;
        } else { /* every column in order: its number is the separators before it, plus one */
            for (const char *q = raw; q < p; q++)
                col += *q == NB_RAW_NEXT;
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
        bad |= header_name(header, col, name);
        return bad ? -1 : 1;
    }
    return 0;
}

nb_err nb_count(nb_store *s, const nb_query *q, int64_t *n, char *err, size_t errlen)
{
    sqlite3_stmt *st;
    nb_err rc = build(s, q, "SELECT count(*)", &st, err, errlen);
    if (rc)
        return rc;
    *n = 0;
    if (sqlite3_step(st) == SQLITE_ROW)
        *n = sqlite3_column_int64(st, 0);
    sqlite3_finalize(st);
    return NB_OK;
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
        snprintf(err, errlen, "%s", sqlite3_errmsg(s->db));
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

nb_err nb_record_ref_get(nb_store *s, const nb_kind *kind, int64_t rid, nb_record_ref *ref,
                         char *err, size_t errlen)
{
    char sql[256];
    snprintf(sql, sizeof sql,
             "SELECT r.id, s.path, r.line FROM %s r JOIN source s ON s.id = r.src WHERE r.rid = ?1",
             kind->table);
    sqlite3_stmt *st;
    if (sqlite3_prepare_v2(s->db, sql, -1, &st, NULL) != SQLITE_OK) {
        snprintf(err, errlen, "%s", sqlite3_errmsg(s->db));
        return NB_ERR_SQL;
    }
    sqlite3_bind_int64(st, 1, rid);
    nb_err rc = NB_ERR_NOTFOUND;
    if (sqlite3_step(st) == SQLITE_ROW) {
        snprintf(ref->id, sizeof ref->id, "%s", (const char *)sqlite3_column_text(st, 0));
        snprintf(ref->source, sizeof ref->source, "%s", (const char *)sqlite3_column_text(st, 1));
        ref->line = (long)sqlite3_column_int64(st, 2);
        rc = NB_OK;
    } else {
        snprintf(err, errlen, "no %s record with rid %lld", kind->name, (long long)rid);
    }
    sqlite3_finalize(st);
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
        snprintf(err, errlen, "%s: %s", s->path, sqlite3_errmsg(s->db));
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
            snprintf(err, errlen, "%s: %s", s->path, sqlite3_errmsg(s->db));
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
