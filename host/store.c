/* store.c - the SQLite store: schema, migrations, bodies, dictionaries, texts. */
#include "store.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "codes.h"

static nb_err sql_fail(nb_store *s, char *err, size_t errlen, const char *what)
{
    snprintf(err, errlen, "%s: %s: %s", s->path, what, sqlite3_errmsg(s->db));
    return NB_ERR_SQL;
}

static nb_err exec(nb_store *s, const char *sql, char *err, size_t errlen)
{
    char *msg = NULL;
    if (sqlite3_exec(s->db, sql, NULL, NULL, &msg) != SQLITE_OK) {
        snprintf(err, errlen, "%s: %s", s->path, msg ? msg : sqlite3_errmsg(s->db));
        sqlite3_free(msg);
        return NB_ERR_SQL;
    }
    return NB_OK;
}

/* Schema version 1: generated from codes.c so the record tables and the
 * importer agree by construction. */
static int schema_v1(nb_buf *b)
{
    int rc = nb_buf_adds(b,
        "CREATE TABLE body(\n"
        "  id INTEGER PRIMARY KEY,\n"
        "  name TEXT NOT NULL UNIQUE,\n"
        "  parent INTEGER REFERENCES body(id));\n"
        "CREATE TABLE source(\n"
        "  id INTEGER PRIMARY KEY,\n"
        "  path TEXT NOT NULL,\n"
        "  kind TEXT NOT NULL,\n"
        "  body INTEGER NOT NULL REFERENCES body(id),\n"
        "  encoding TEXT,\n"
        "  header TEXT,\n"
        "  imported TEXT NOT NULL DEFAULT (datetime('now')));\n"
        "CREATE TABLE dict(\n"
        "  id INTEGER PRIMARY KEY,\n"
        "  dict TEXT NOT NULL,\n"
        "  code TEXT NOT NULL,\n"
        "  label TEXT,\n"
        "  UNIQUE(dict, code));\n"
        "CREATE TABLE text(\n"
        "  body INTEGER NOT NULL REFERENCES body(id),\n"
        "  year INTEGER NOT NULL,\n"
        "  markdown TEXT NOT NULL,\n"
        "  source TEXT,\n"
        "  PRIMARY KEY(body, year));\n"
        "CREATE TABLE script(\n"
        "  body INTEGER NOT NULL REFERENCES body(id),\n"
        "  role TEXT NOT NULL,\n"
        "  name TEXT NOT NULL,\n"
        "  content TEXT NOT NULL,\n"
        "  PRIMARY KEY(body, role, name));\n");
    for (int k = 0; k < nb_nkinds; k++) {
        const nb_kind *kd = &nb_kinds[k];
        rc |= nb_buf_printf(b,
            "CREATE TABLE %s(\n"
            "  rid INTEGER PRIMARY KEY,\n"
            "  body INTEGER NOT NULL REFERENCES body(id),\n"
            "  id TEXT NOT NULL,\n", kd->table);
        for (int f = 0; f < kd->nfields; f++) {
            const nb_field *fd = &kd->fields[f];
            rc |= nb_buf_printf(b, "  %s %s%s,\n", fd->name,
                                fd->type == NB_F_TEXT ? "TEXT" : "INTEGER",
                                fd->required ? " NOT NULL" : "");
        }
        rc |= nb_buf_printf(b,
            "  src INTEGER NOT NULL REFERENCES source(id),\n"
            "  line INTEGER NOT NULL,\n"
            "  raw TEXT NOT NULL,\n"
            "  UNIQUE(body, id));\n");
    }
    for (int i = 0; i < nb_ncatvals; i++) {
        const nb_catval *c = &nb_catvals[i];
        rc |= nb_buf_printf(b, "INSERT INTO dict(dict, code, label) VALUES('%s', '%s', '%s');\n",
                            c->dict, c->code, c->label);
    }
    return rc;
}

/* Brings the store to NB_SCHEMA_VERSION. A file without a schema (version 0)
 * gets one only with CREATE, and only when it holds no tables of its own. */
static nb_err migrate(nb_store *s, int create, char *err, size_t errlen)
{
    int v = nb_store_version(s);
    if (v > NB_SCHEMA_VERSION) {
        snprintf(err, errlen,
                 "%s: store has schema version %d; this nianbao knows versions up to %d "
                 "(use a newer nianbao)",
                 s->path, v, NB_SCHEMA_VERSION);
        return NB_ERR_VERSION;
    }
    if (v == 0) {
        sqlite3_stmt *st;
        int tables = 0;
        if (sqlite3_prepare_v2(s->db, "SELECT count(*) FROM sqlite_master", -1, &st, NULL) ==
            SQLITE_OK) {
            if (sqlite3_step(st) == SQLITE_ROW)
                tables = sqlite3_column_int(st, 0);
            sqlite3_finalize(st);
        }
        if (tables) {
            snprintf(err, errlen, "%s: not a nianbao store (an SQLite database with other tables)",
                     s->path);
            return NB_ERR_NOSTORE;
        }
        if (!create) {
            snprintf(err, errlen, "%s: not a nianbao store (empty; create one with "
                                  "'nianbao init -d %s')", s->path, s->path);
            return NB_ERR_NOSTORE;
        }
        /* Before the first table, while the file is empty: with 16 KiB pages
           rather than the default 4 KiB, a large import writes a quarter as many
           pages (each twice, through the WAL) and its b-trees stay shallower. */
        nb_err prc = exec(s, "PRAGMA page_size = 16384", err, errlen);
        if (prc)
            return prc;
    }
    if (v == NB_SCHEMA_VERSION)
        return NB_OK;
    nb_err rc = exec(s, "BEGIN IMMEDIATE", err, errlen);
    if (rc)
        return rc;
    for (int next = v + 1; next <= NB_SCHEMA_VERSION; next++) {
        nb_buf b = {0};
        int bad = 0;
        switch (next) {
        case 1: bad = schema_v1(&b); break;
        }
        if (!bad)
            bad = nb_buf_printf(&b, "PRAGMA user_version = %d;", next);
        if (bad) {
            nb_buf_free(&b);
            exec(s, "ROLLBACK", err, errlen);
            snprintf(err, errlen, "%s: out of memory", s->path);
            return NB_ERR_NOMEM;
        }
        rc = exec(s, b.data, err, errlen);
        nb_buf_free(&b);
        if (rc) {
            char keep[512];
            snprintf(keep, sizeof keep, "%s", err);
            sqlite3_exec(s->db, "ROLLBACK", NULL, NULL, NULL);
            snprintf(err, errlen, "%s", keep);
            return rc;
        }
    }
    return exec(s, "COMMIT", err, errlen);
}

static int remember_code(nb_store *s, int64_t id, const char *dict, const char *code);

/* Reads the dictionary into memory. Only reads: opening a store must not
 * write (another process may be importing into it). */
static nb_err load_codes(nb_store *s, char *err, size_t errlen)
{
    sqlite3_stmt *st;
    if (sqlite3_prepare_v2(s->db, "SELECT id, dict, code FROM dict ORDER BY id", -1, &st, NULL))
        return sql_fail(s, err, errlen, "reading the dictionary");
    nb_err rc = NB_OK;
    while (sqlite3_step(st) == SQLITE_ROW) {
        int64_t id = sqlite3_column_int64(st, 0);
        const char *d = (const char *)sqlite3_column_text(st, 1);
        const char *c = (const char *)sqlite3_column_text(st, 2);
        if (remember_code(s, id, d, c) != 0) {
            rc = NB_ERR_NOMEM;
            snprintf(err, errlen, "%s: out of memory", s->path);
            break;
        }
    }
    sqlite3_finalize(st);
    return rc;
}

int nb_store_codes_reload(nb_store *s)
{
    for (int i = 0; i < s->ncodes; i++) {
        free(s->code_of[i]);
        free(s->dict_of[i]);
        s->code_of[i] = s->dict_of[i] = NULL;
    }
    nb_strmap_free(&s->codes);
    nb_strmap_init(&s->codes);
    char err[256];
    return load_codes(s, err, sizeof err) == NB_OK ? 0 : -1;
}

nb_err nb_store_open(const char *path, int create, nb_store **out, char *err, size_t errlen)
{
    *out = NULL;
    struct stat sb;
    if (!create && stat(path, &sb) != 0) {
        snprintf(err, errlen, "%s: no store here (create one with 'nianbao init -d %s')", path,
                 path);
        return NB_ERR_NOSTORE;
    }
    nb_store *s = calloc(1, sizeof *s);
    if (!s || !(s->path = strdup(path))) {
        free(s);
        snprintf(err, errlen, "out of memory");
        return NB_ERR_NOMEM;
    }
    nb_strmap_init(&s->codes);
    /* One thread per connection: no SQLite mutex around every call (a bind or
       step of a million-row import takes it each time). */
    int flags = SQLITE_OPEN_READWRITE | SQLITE_OPEN_NOMUTEX | (create ? SQLITE_OPEN_CREATE : 0);
    nb_err rc = NB_OK;
    if (sqlite3_open_v2(path, &s->db, flags, NULL) != SQLITE_OK) {
        rc = sql_fail(s, err, errlen, "cannot open");
        goto fail;
    }
    sqlite3_busy_timeout(s->db, 5000);
    /* A file that is not SQLite fails here with "file is not a database". */
    if ((rc = exec(s, "PRAGMA foreign_keys = ON; SELECT count(*) FROM sqlite_master;", err,
                   errlen)))
        goto fail;
    /* WAL only once it is known to be our store: a refused file stays as it was. */
    if ((rc = migrate(s, create, err, errlen)) ||
        (rc = exec(s, "PRAGMA journal_mode = WAL; PRAGMA synchronous = NORMAL;", err, errlen)))
        goto fail;
    if ((rc = load_codes(s, err, errlen)))
        goto fail;
    *out = s;
    return NB_OK;
fail:
    nb_store_close(s);
    return rc;
}

void nb_store_close(nb_store *s)
{
    if (!s)
        return;
    if (s->db)
        sqlite3_close_v2(s->db);
    for (int i = 0; i < s->ncodes; i++) {
        free(s->code_of[i]);
        free(s->dict_of[i]);
    }
    free(s->code_of);
    free(s->dict_of);
    nb_strmap_free(&s->codes);
    free(s->path);
    free(s);
}

int nb_store_version(nb_store *s)
{
    sqlite3_stmt *st;
    int v = -1;
    if (sqlite3_prepare_v2(s->db, "PRAGMA user_version", -1, &st, NULL) == SQLITE_OK) {
        if (sqlite3_step(st) == SQLITE_ROW)
            v = sqlite3_column_int(st, 0);
        sqlite3_finalize(st);
    }
    return v;
}

static int code_key(char *key, size_t n, const char *dict, const char *code)
{
    return snprintf(key, n, "%s\037%s", dict, code) < (int)n;
}

int64_t nb_store_code(nb_store *s, const char *dict, const char *code)
{
    char key[512];
    if (!code_key(key, sizeof key, dict, code))
        return 0;
    int64_t *v = nb_strmap_get(&s->codes, key);
    return v ? *v : 0;
}

const char *nb_store_code_str(const nb_store *s, int64_t id)
{
    return id > 0 && id < s->ncodes ? s->code_of[id] : NULL;
}

static int remember_code(nb_store *s, int64_t id, const char *dict, const char *code)
{
    char key[512];
    if (!code_key(key, sizeof key, dict, code))
        return -1;
    if (id >= s->ncodes) {
        int n = (int)id + 64;
        char **c = realloc(s->code_of, (size_t)n * sizeof *c);
        if (!c)
            return -1;
        s->code_of = c;
        char **d = realloc(s->dict_of, (size_t)n * sizeof *d);
        if (!d)
            return -1;
        s->dict_of = d;
        for (int i = s->ncodes; i < n; i++)
            s->code_of[i] = s->dict_of[i] = NULL;
        s->ncodes = n;
    }
    free(s->code_of[id]);
    free(s->dict_of[id]);
    s->code_of[id] = strdup(code);
    s->dict_of[id] = strdup(dict);
    if (!s->code_of[id] || !s->dict_of[id])
        return -1;
    return nb_strmap_put(&s->codes, key, id, NULL, NULL);
}

int64_t nb_store_code_add(nb_store *s, const char *dict, const char *code, const char *label)
{
    int64_t id = nb_store_code(s, dict, code);
    if (id)
        return id;
    {
        sqlite3_stmt *st;
        if (sqlite3_prepare_v2(s->db,
                               "INSERT INTO dict(dict, code, label) VALUES(?1, ?2, ?3) "
                               "ON CONFLICT(dict, code) DO UPDATE SET code = code RETURNING id",
                               -1, &st, NULL) != SQLITE_OK)
            return 0;
        sqlite3_bind_text(st, 1, dict, -1, SQLITE_STATIC);
        sqlite3_bind_text(st, 2, code, -1, SQLITE_STATIC);
        if (label)
            sqlite3_bind_text(st, 3, label, -1, SQLITE_STATIC);
        if (sqlite3_step(st) == SQLITE_ROW)
            id = sqlite3_column_int64(st, 0);
        sqlite3_finalize(st);
    }
    if (id && remember_code(s, id, dict, code) != 0)
        return 0;
    return id;
}

nb_err nb_store_body(nb_store *s, const char *name, int create, int64_t *id, int *created,
                     char *err, size_t errlen)
{
    sqlite3_stmt *st;
    if (created)
        *created = 0;
    *id = 0;
    if (sqlite3_prepare_v2(s->db, "SELECT id FROM body WHERE name = ?1", -1, &st, NULL))
        return sql_fail(s, err, errlen, "looking up a body");
    sqlite3_bind_text(st, 1, name, -1, SQLITE_STATIC);
    if (sqlite3_step(st) == SQLITE_ROW)
        *id = sqlite3_column_int64(st, 0);
    sqlite3_finalize(st);
    if (*id)
        return NB_OK;
    if (!create) {
        snprintf(err, errlen, "%s: no body named '%s'", s->path, name);
        return NB_ERR_NOTFOUND;
    }
    if (sqlite3_prepare_v2(s->db, "INSERT INTO body(name) VALUES(?1)", -1, &st, NULL))
        return sql_fail(s, err, errlen, "creating a body");
    sqlite3_bind_text(st, 1, name, -1, SQLITE_STATIC);
    int rc = sqlite3_step(st);
    sqlite3_finalize(st);
    if (rc != SQLITE_DONE)
        return sql_fail(s, err, errlen, "creating a body");
    *id = sqlite3_last_insert_rowid(s->db);
    if (created)
        *created = 1;
    return NB_OK;
}

nb_err nb_store_body_parent(nb_store *s, int64_t child, int64_t parent, char *err, size_t errlen)
{
    sqlite3_stmt *st;
    if (sqlite3_prepare_v2(s->db, "UPDATE body SET parent = ?2 WHERE id = ?1", -1, &st, NULL))
        return sql_fail(s, err, errlen, "setting a parent");
    sqlite3_bind_int64(st, 1, child);
    if (parent)
        sqlite3_bind_int64(st, 2, parent);
    int rc = sqlite3_step(st);
    sqlite3_finalize(st);
    return rc == SQLITE_DONE ? NB_OK : sql_fail(s, err, errlen, "setting a parent");
}

nb_err nb_store_begin(nb_store *s, char *err, size_t errlen)
{
    return exec(s, "BEGIN IMMEDIATE", err, errlen);
}

nb_err nb_store_commit(nb_store *s, char *err, size_t errlen)
{
    return exec(s, "COMMIT", err, errlen);
}

void nb_store_rollback(nb_store *s)
{
    sqlite3_exec(s->db, "ROLLBACK", NULL, NULL, NULL);
}

nb_err nb_store_text_put(nb_store *s, int64_t body, int year, const char *text,
                         const char *source, char *err, size_t errlen)
{
    sqlite3_stmt *st;
    if (sqlite3_prepare_v2(s->db,
                           "INSERT INTO text(body, year, markdown, source) VALUES(?1, ?2, ?3, ?4) "
                           "ON CONFLICT(body, year) DO UPDATE SET markdown = excluded.markdown, "
                           "source = excluded.source",
                           -1, &st, NULL))
        return sql_fail(s, err, errlen, "storing a text");
    sqlite3_bind_int64(st, 1, body);
    sqlite3_bind_int(st, 2, year);
    sqlite3_bind_text(st, 3, text, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 4, source, -1, SQLITE_STATIC);
    int rc = sqlite3_step(st);
    sqlite3_finalize(st);
    return rc == SQLITE_DONE ? NB_OK : sql_fail(s, err, errlen, "storing a text");
}

nb_err nb_store_source(nb_store *s, const char *path, const char *kind, int64_t body,
                       const char *encoding, const char *header, int64_t *id, char *err,
                       size_t errlen)
{
    sqlite3_stmt *st;
    if (sqlite3_prepare_v2(s->db,
                           "INSERT INTO source(path, kind, body, encoding, header) "
                           "VALUES(?1, ?2, ?3, ?4, ?5)",
                           -1, &st, NULL))
        return sql_fail(s, err, errlen, "recording a source");
    sqlite3_bind_text(st, 1, path, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 2, kind, -1, SQLITE_STATIC);
    sqlite3_bind_int64(st, 3, body);
    sqlite3_bind_text(st, 4, encoding, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 5, header, -1, SQLITE_STATIC);
    int rc = sqlite3_step(st);
    sqlite3_finalize(st);
    if (rc != SQLITE_DONE)
        return sql_fail(s, err, errlen, "recording a source");
    *id = sqlite3_last_insert_rowid(s->db);
    return NB_OK;
}

nb_err nb_store_script_put(nb_store *s, int64_t body, const char *role, const char *name,
                           const char *content, char *err, size_t errlen)
{
    sqlite3_stmt *st;
    if (sqlite3_prepare_v2(s->db,
                           "INSERT INTO script(body, role, name, content) VALUES(?1, ?2, ?3, ?4) "
                           "ON CONFLICT(body, role, name) DO UPDATE SET content = excluded.content",
                           -1, &st, NULL))
        return sql_fail(s, err, errlen, "storing a script");
    sqlite3_bind_int64(st, 1, body);
    sqlite3_bind_text(st, 2, role, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 3, name, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 4, content, -1, SQLITE_STATIC);
    int rc = sqlite3_step(st);
    sqlite3_finalize(st);
    return rc == SQLITE_DONE ? NB_OK : sql_fail(s, err, errlen, "storing a script");
}

nb_err nb_store_set_parent(nb_store *s, const char *child, const char *parent, char *err,
                           size_t errlen)
{
    int64_t c, p;
    nb_err rc = nb_store_begin(s, err, errlen);
    if (rc)
        return rc;
    if ((rc = nb_store_body(s, child, 0, &c, NULL, err, errlen)) ||
        (rc = nb_store_body(s, parent, 1, &p, NULL, err, errlen)))
        goto fail;
    /* Walk up from the parent: meeting the child would close a cycle. */
    for (int64_t a = p, depth = 0; a && depth < 1000; depth++) {
        if (a == c) {
            snprintf(err, errlen, "%s: '%s' cannot be the parent of '%s' (it is below it)",
                     s->path, parent, child);
            rc = NB_ERR_INPUT;
            goto fail;
        }
        sqlite3_stmt *st;
        if (sqlite3_prepare_v2(s->db, "SELECT parent FROM body WHERE id = ?1", -1, &st, NULL)) {
            rc = sql_fail(s, err, errlen, "reading a parent");
            goto fail;
        }
        sqlite3_bind_int64(st, 1, a);
        a = sqlite3_step(st) == SQLITE_ROW ? sqlite3_column_int64(st, 0) : 0;
        sqlite3_finalize(st);
    }
    if ((rc = nb_store_body_parent(s, c, p, err, errlen)))
        goto fail;
    return nb_store_commit(s, err, errlen);
fail:
    nb_store_rollback(s);
    return rc;
}
