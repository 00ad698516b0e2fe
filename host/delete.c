/* delete.c - removing records by id, a body, a stored script, what a body has of a year:
 * all or nothing. */
#include "delete.h"
#include "pack.h"

#include <stdio.h>
#include <string.h>

#include "codes.h"

/* One integer from SQL with the body id bound to ?1 (and TEXT to ?2 when given). */
static nb_err count(nb_store *s, const char *sql, int64_t body, const char *text, long *out,
                    char *err, size_t errlen)
{
    sqlite3_stmt *st;
    if (sqlite3_prepare_v2(s->db, sql, -1, &st, NULL) != SQLITE_OK)
        return nb_store_sql_fail(s, err, errlen, "counting");
    sqlite3_bind_int64(st, 1, body);
    if (text)
        sqlite3_bind_text(st, 2, text, -1, SQLITE_STATIC);
    int rc = sqlite3_step(st);
    *out = rc == SQLITE_ROW ? (long)sqlite3_column_int64(st, 0) : 0;
    sqlite3_finalize(st);
    return rc == SQLITE_ROW ? NB_OK : nb_store_sql_fail(s, err, errlen, "counting");
}

/* Runs SQL (one statement) with the body id bound to ?1 and TEXT to ?2. */
static nb_err run(nb_store *s, const char *sql, int64_t body, const char *text, char *err,
                  size_t errlen)
{
    sqlite3_stmt *st;
    if (sqlite3_prepare_v2(s->db, sql, -1, &st, NULL) != SQLITE_OK)
        return nb_store_sql_fail(s, err, errlen, "deleting");
    sqlite3_bind_int64(st, 1, body);
    if (text)
        sqlite3_bind_text(st, 2, text, -1, SQLITE_STATIC);
    int rc = sqlite3_step(st);
    sqlite3_finalize(st);
    return rc == SQLITE_DONE ? NB_OK : nb_store_sql_fail(s, err, errlen, "deleting");
}

/* Commits, or rolls back on an error or a dry run. */
static nb_err end(nb_store *s, nb_err rc, int dry_run, char *err, size_t errlen)
{
    if (rc || dry_run) {
        nb_store_rollback(s);
        return rc;
    }
    return nb_store_commit(s, err, errlen);
}

nb_err nb_delete_records(nb_store *s, const char *body, const char *kind, const char *const *ids,
                         int n, int dry_run, nb_delete_counts *c, char *err, size_t errlen)
{
    memset(c, 0, sizeof *c);
    const nb_kind *k = nb_kind_find(kind);
    if (!k) {
        snprintf(err, errlen, "unknown record kind '%s'", kind);
        return NB_ERR_INPUT;
    }
    int64_t b;
    nb_err rc = nb_store_begin(s, err, errlen);
    if (rc)
        return rc;
    if ((rc = nb_store_body(s, body, 0, &b, NULL, err, errlen)))
        return end(s, rc, 1, err, errlen);
    char sql[256];
    nb_buf missing = {0};
    int nmissing = 0;
    snprintf(sql, sizeof sql, "SELECT count(*) FROM %s WHERE body = ?1 AND id = ?2", k->table);
    for (int i = 0; !rc && i < n; i++) {
        long there;
        rc = count(s, sql, b, ids[i], &there, err, errlen);
        if (!rc && !there && nmissing++ < 10)
            nb_buf_printf(&missing, "%s%s", nmissing > 1 ? ", " : "", ids[i]);
    }
    if (!rc && nmissing) {
        snprintf(err, errlen, "%s: %s has no %s record%s %s%s; nothing deleted", s->path, body,
                 kind, nmissing == 1 ? "" : "s", missing.data ? missing.data : "",
                 nmissing > 10 ? ", …" : "");
        rc = NB_ERR_NOTFOUND;
    }
    nb_buf_free(&missing);
    /* each record taken out of its packed part at commit (not the body's parts made again
       from the rows) */
    snprintf(sql, sizeof sql, "DELETE FROM %s WHERE body = ?1 AND id = ?2 RETURNING rid", k->table);
    sqlite3_stmt *st = NULL;
    if (!rc && sqlite3_prepare_v2(s->db, sql, -1, &st, NULL) != SQLITE_OK)
        rc = nb_store_sql_fail(s, err, errlen, "deleting");
    for (int i = 0; !rc && i < n; i++) {
        sqlite3_reset(st);
        sqlite3_bind_int64(st, 1, b);
        sqlite3_bind_text(st, 2, ids[i], -1, SQLITE_STATIC);
        int step;
        while (!rc && (step = sqlite3_step(st)) == SQLITE_ROW) {
            c->records[k - nb_kinds]++;
            rc = nb_pack_remove(s, k, b, sqlite3_column_int64(st, 0), err, errlen);
        }
        if (!rc && step != SQLITE_DONE)
            rc = nb_store_sql_fail(s, err, errlen, "deleting");
    }
    sqlite3_finalize(st);
    return end(s, rc, dry_run, err, errlen);
}

/* What body B holds, counted into C. */
static nb_err holdings(nb_store *s, int64_t b, nb_delete_counts *c, long *total, char *err,
                       size_t errlen)
{
    char sql[256];
    nb_err rc = NB_OK;
    *total = 0;
    for (int i = 0; !rc && i < nb_nkinds && i < NB_DELETE_MAX_KINDS; i++) {
        snprintf(sql, sizeof sql, "SELECT count(*) FROM %s WHERE body = ?1", nb_kinds[i].table);
        rc = count(s, sql, b, NULL, &c->records[i], err, errlen);
        *total += c->records[i];
    }
    static const char *const what[] = {"text", "script", "figures", "source", "run"};
    long *into[] = {&c->texts, &c->scripts, &c->figures, &c->sources, &c->runs};
    for (int i = 0; !rc && i < 5; i++) {
        snprintf(sql, sizeof sql, "SELECT count(*) FROM %s WHERE body = ?1", what[i]);
        rc = count(s, sql, b, NULL, into[i], err, errlen);
        if (i != 3) /* sources alone are history: they hold no data */
            *total += *into[i];
    }
    return rc;
}

/* "沈河区, 和平区": the bodies right below B (the first ten). */
static nb_err below(nb_store *s, int64_t b, nb_buf *out, int *n, char *err, size_t errlen)
{
    sqlite3_stmt *st;
    *n = 0;
    if (sqlite3_prepare_v2(s->db, "SELECT name FROM body WHERE parent = ?1 ORDER BY id", -1, &st,
                           NULL) != SQLITE_OK)
        return nb_store_sql_fail(s, err, errlen, "reading the bodies");
    sqlite3_bind_int64(st, 1, b);
    while (sqlite3_step(st) == SQLITE_ROW)
        if ((*n)++ < 10)
            nb_buf_printf(out, "%s%s", *n > 1 ? ", " : "", (const char *)sqlite3_column_text(st, 0));
    sqlite3_finalize(st);
    if (*n > 10)
        nb_buf_adds(out, ", …");
    return NB_OK;
}

nb_err nb_delete_body(nb_store *s, const char *body, int force, int dry_run, nb_delete_counts *c,
                      char *err, size_t errlen)
{
    memset(c, 0, sizeof *c);
    int64_t b;
    long total;
    int nbelow;
    nb_buf names = {0};
    nb_err rc = nb_store_begin(s, err, errlen);
    if (rc)
        return rc;
    if ((rc = nb_store_body(s, body, 0, &b, NULL, err, errlen)) ||
        (rc = below(s, b, &names, &nbelow, err, errlen)) ||
        (rc = holdings(s, b, c, &total, err, errlen))) {
        nb_buf_free(&names);
        return end(s, rc, 1, err, errlen);
    }
    if (nbelow) {
        snprintf(err, errlen, "%s: %s has bodies below it (%s): delete them or move them first",
                 s->path, body, names.data ? names.data : "");
        nb_buf_free(&names);
        return end(s, NB_ERR_INPUT, 1, err, errlen);
    }
    nb_buf_free(&names);
    if (total && !force) {
        snprintf(err, errlen, "%s: %s is not empty: give --force to delete it with all it holds",
                 s->path, body);
        return end(s, NB_ERR_INPUT, 1, err, errlen);
    }
    char sql[256];
    for (int i = 0; !rc && i < nb_nkinds; i++) {
        snprintf(sql, sizeof sql, "DELETE FROM %s WHERE body = ?1", nb_kinds[i].table);
        rc = run(s, sql, b, NULL, err, errlen);
    }
    if (!rc)
        rc = run(s, "DELETE FROM run_check WHERE run IN (SELECT id FROM run WHERE body = ?1)", b,
                 NULL, err, errlen);
    static const char *const tables[] = {"text",   "script", "figures", "coverage",
                                         "run_cells", "run", "source",  "pack",
                                         "digest", "body"}; /* a new body may take the id */
    for (int i = 0; !rc && i < (int)(sizeof tables / sizeof tables[0]); i++) {
        snprintf(sql, sizeof sql, "DELETE FROM %s WHERE %s = ?1", tables[i],
                 strcmp(tables[i], "body") == 0 ? "id" : "body");
        rc = run(s, sql, b, NULL, err, errlen);
    }
    return end(s, rc, dry_run, err, errlen);
}

nb_err nb_delete_script(nb_store *s, const char *body, const char *name, int dry_run,
                        nb_delete_counts *c, char *err, size_t errlen)
{
    memset(c, 0, sizeof *c);
    int64_t b;
    nb_err rc = nb_store_begin(s, err, errlen);
    if (rc)
        return rc;
    if (!(rc = nb_store_body(s, body, 0, &b, NULL, err, errlen)))
        rc = count(s, "SELECT count(*) FROM script WHERE body = ?1 AND name = ?2", b, name,
                   &c->scripts, err, errlen);
    if (!rc && !c->scripts) {
        snprintf(err, errlen, "%s: %s has no stored script named %s ('nianbao scripts --body %s' "
                 "lists them)", s->path, body, name, body);
        rc = NB_ERR_NOTFOUND;
    }
    if (!rc)
        rc = run(s, "DELETE FROM script WHERE body = ?1 AND name = ?2", b, name, err, errlen);
    return end(s, rc, dry_run, err, errlen);
}

/* SQL with the body bound to ?1, YEAR to ?2 and KIND (when not NULL) to ?3: into *OUT its
 * one value (a count; NULL: a statement that returns nothing), and, when YEARS is not
 * NULL, the text of its second column. */
static nb_err year_sql(nb_store *s, const char *sql, int64_t body, int year, const char *kind,
                       long *out, nb_buf *years, char *err, size_t errlen)
{
    sqlite3_stmt *st;
    if (sqlite3_prepare_v2(s->db, sql, -1, &st, NULL) != SQLITE_OK)
        return nb_store_sql_fail(s, err, errlen, "deleting");
    sqlite3_bind_int64(st, 1, body);
    sqlite3_bind_int(st, 2, year);
    if (kind)
        sqlite3_bind_text(st, 3, kind, -1, SQLITE_STATIC);
    int rc = sqlite3_step(st);
    if (out && rc == SQLITE_ROW) {
        *out = (long)sqlite3_column_int64(st, 0);
        const char *list = (const char *)sqlite3_column_text(st, 1);
        if (years && list)
            nb_buf_adds(years, list);
    }
    sqlite3_finalize(st);
    if (rc == (out ? SQLITE_ROW : SQLITE_DONE))
        return NB_OK;
    return nb_store_sql_fail(s, err, errlen, "deleting");
}

nb_err nb_delete_year(nb_store *s, const char *body, nb_delete_what what, const char *kind,
                      int year, int dry_run, nb_delete_counts *c, char *err, size_t errlen)
{
    /* per WHAT: the count of the year's and the years the body has, the removal, what
       it is called in a message */
    static const struct {
        const char *count, *remove, *noun;
    } q[] = {
        {"SELECT (SELECT count(*) FROM text WHERE body = ?1 AND year = ?2), "
         "(SELECT group_concat(year, ', ') FROM (SELECT year FROM text WHERE body = ?1 ORDER BY year))",
         "DELETE FROM text WHERE body = ?1 AND year = ?2", "narrative"},
        {"SELECT (SELECT count(*) FROM figures WHERE body = ?1 AND year = ?2), "
         "(SELECT group_concat(year, ', ') FROM (SELECT DISTINCT year FROM figures WHERE body = ?1 ORDER BY year))",
         "DELETE FROM figures WHERE body = ?1 AND year = ?2", "imported figures"},
        {"SELECT (SELECT count(*) FROM coverage WHERE body = ?1 AND year = ?2 AND kind = ?3), "
         "(SELECT group_concat(year, ', ') FROM (SELECT year FROM coverage WHERE body = ?1 AND kind = ?3 ORDER BY year))",
         "DELETE FROM coverage WHERE body = ?1 AND year = ?2 AND kind = ?3", NULL},
    };
    memset(c, 0, sizeof *c);
    if ((int)what < 0 || (int)what > NB_DELETE_COVERAGE) {
        snprintf(err, errlen, "delete: nothing of that name to remove of a year");
        return NB_ERR_INPUT;
    }
    const nb_kind *k = NULL;
    if (what == NB_DELETE_COVERAGE && !(k = nb_kind_find(kind ? kind : ""))) {
        snprintf(err, errlen, "unknown record kind '%s'", kind ? kind : "");
        return NB_ERR_INPUT;
    }
    const char *kname = k ? k->name : NULL;
    long *into = what == NB_DELETE_TEXT ? &c->texts : what == NB_DELETE_FIGURES ? &c->figures : &c->coverage;
    int64_t b;
    nb_buf years = {0};
    nb_err rc = nb_store_begin(s, err, errlen);
    if (rc)
        return rc;
    if (!(rc = nb_store_body(s, body, 0, &b, NULL, err, errlen)))
        rc = year_sql(s, q[what].count, b, year, kname, into, &years, err, errlen);
    if (!rc && !*into) {
        const char *has = years.data && *years.data ? years.data : "none";
        if (k)
            snprintf(err, errlen, "%s: %s has not declared its %s records of %d complete (the years "
                     "it has: %s)", s->path, body, kname, year, has);
        else
            snprintf(err, errlen, "%s: %s has no %s of %d (its years: %s)", s->path, body,
                     q[what].noun, year, has);
        rc = NB_ERR_NOTFOUND;
    }
    nb_buf_free(&years);
    if (!rc)
        rc = year_sql(s, q[what].remove, b, year, kname, NULL, NULL, err, errlen);
    return end(s, rc, dry_run, err, errlen);
}
