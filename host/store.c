/* store.c - the SQLite store: schema, migrations, bodies, dictionaries, texts. */
#include "store.h"

#include "async.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "codes.h"
#include "pack.h"
#include "vtab.h"

/* The nb_err of SQLite's last error: a lock that outlasted the wait is
 * NB_ERR_BUSY, a read-only file NB_ERR_IO. */
static nb_err sql_code(nb_store *s)
{
    switch (sqlite3_errcode(s->db) & 0xff) {
    case SQLITE_BUSY:
    case SQLITE_LOCKED: return NB_ERR_BUSY;
    case SQLITE_READONLY:
    case SQLITE_CANTOPEN:
    case SQLITE_IOERR:
    case SQLITE_FULL: return NB_ERR_IO;
    case SQLITE_NOMEM: return NB_ERR_NOMEM;
    default: return NB_ERR_SQL;
    }
}

const char *nb_sqlite_errmsg(sqlite3 *db, char *buf, size_t len)
{
    int code = sqlite3_errcode(db) & 0xff, e = sqlite3_system_errno(db);
    if ((code == SQLITE_IOERR || code == SQLITE_FULL || code == SQLITE_CANTOPEN) && e > 0)
        snprintf(buf, len, "%s (%s)", sqlite3_errmsg(db), strerror(e));
    else
        snprintf(buf, len, "%s", sqlite3_errmsg(db));
    return buf;
}

nb_err nb_store_sql_fail(nb_store *s, char *err, size_t errlen, const char *what)
{
    snprintf(err, errlen, "%s: %s: %s", s->path, what, NB_ERRMSG(s->db));
    return sql_code(s);
}

nb_err nb_store_exec(nb_store *s, const char *sql, char *err, size_t errlen)
{
    char *msg = NULL;
    if (sqlite3_exec(s->db, sql, NULL, NULL, &msg) != SQLITE_OK) {
        snprintf(err, errlen, "%s: %s", s->path, NB_ERRMSG(s->db));
        sqlite3_free(msg);
        return sql_code(s);
    }
    return NB_OK;
}

/* ---- migrations ----
 *
 * Step N brings a store from schema version N-1 to N: it runs its own SQL,
 * then creates the tables of the kinds the catalogue added in N
 * (nb_kind.since), adds the columns of the fields added in N to older kinds
 * and puts the national values added in N into the dictionary. A step is never
 * changed once released: a new code or kind is a catalogue entry with the
 * next version in `since`, and a new row here. */

static const char base_sql[] =
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
    "  PRIMARY KEY(body, role, name));\n";

/* Step 3: the body tree and the batch work (issue "every year, every body"). */
static const char step3_sql[] =
    "ALTER TABLE body ADD COLUMN code TEXT;\n"
    "ALTER TABLE body ADD COLUMN rollup INTEGER NOT NULL DEFAULT 0;\n"
    /* A year's figures imported from a published report (the JSON contract): the
       report of that body and year shows them instead of counting records. */
    "CREATE TABLE figures(\n"
    "  body INTEGER NOT NULL REFERENCES body(id),\n"
    "  year INTEGER NOT NULL,\n"
    "  format TEXT NOT NULL,\n"
    "  tbl TEXT NOT NULL,\n"
    "  row TEXT NOT NULL,\n"
    "  col TEXT NOT NULL,\n"
    "  value REAL,\n"
    "  source TEXT NOT NULL,\n"
    "  PRIMARY KEY(body, year, tbl, row, col));\n"
    /* Years whose records of a kind an import declared complete (--year): there a
       kind without records counts 0, elsewhere its cells are blank. */
    "CREATE TABLE coverage(\n"
    "  body INTEGER NOT NULL REFERENCES body(id),\n"
    "  kind TEXT NOT NULL,\n"
    "  year INTEGER NOT NULL,\n"
    "  PRIMARY KEY(body, kind, year));\n"
    /* Each regenerated report: the hash of what it was made from, its checks (by
       rule, with the hash of the rule file that ran) and its cells (the latest run's,
       for the next run's changes). */
    "CREATE TABLE run(\n"
    "  id INTEGER PRIMARY KEY,\n"
    "  body INTEGER NOT NULL REFERENCES body(id),\n"
    "  year INTEGER NOT NULL,\n"
    "  format TEXT NOT NULL,\n"
    "  data TEXT NOT NULL,\n"
    "  at TEXT NOT NULL DEFAULT (datetime('now')));\n"
    "CREATE INDEX run_body_year ON run(body, year, id);\n"
    "CREATE TABLE run_check(\n"
    "  run INTEGER NOT NULL REFERENCES run(id) ON DELETE CASCADE,\n"
    "  rule TEXT NOT NULL,\n"
    "  severity TEXT NOT NULL,\n"
    "  status TEXT NOT NULL,\n"
    "  pass INTEGER NOT NULL,\n"
    "  fail INTEGER NOT NULL,\n"
    "  na INTEGER NOT NULL,\n"
    "  file TEXT NOT NULL,\n"
    "  hash TEXT NOT NULL,\n"
    "  PRIMARY KEY(run, rule));\n"
    "CREATE TABLE run_value(\n"
    "  body INTEGER NOT NULL REFERENCES body(id),\n"
    "  year INTEGER NOT NULL,\n"
    "  tbl TEXT NOT NULL,\n"
    "  row TEXT NOT NULL,\n"
    "  col TEXT NOT NULL,\n"
    "  text TEXT,\n"
    "  PRIMARY KEY(body, year, tbl, row, col));\n";

/* Step 4: the packed columns (pack.h): derived from the rows, kept with them. */
static const char step4_sql[] =
    "CREATE TABLE pack(\n"
    "  kind TEXT NOT NULL,\n"
    "  body INTEGER NOT NULL,\n"
    "  rid_lo INTEGER NOT NULL,\n"
    "  rid_hi INTEGER NOT NULL,\n"
    "  n INTEGER NOT NULL,\n"
    "  data BLOB NOT NULL,\n"
    "  stats BLOB NOT NULL);\n"
    "CREATE UNIQUE INDEX pack_part ON pack(kind, body, rid_lo);\n";

/* Step 5: a part's stats before its data. A row's columns are stored in order, and a
   part's data (tens of KB) spills over several pages: reading the stats behind it read
   every one of them. The readers of the stats alone (which years a body holds, the
   bodies' counts, a cube's years) now read about a page a part. */
static const char step5_sql[] =
    "CREATE TABLE pack_new(\n"
    "  kind TEXT NOT NULL,\n"
    "  body INTEGER NOT NULL,\n"
    "  rid_lo INTEGER NOT NULL,\n"
    "  rid_hi INTEGER NOT NULL,\n"
    "  n INTEGER NOT NULL,\n"
    "  stats BLOB NOT NULL,\n"
    "  data BLOB NOT NULL);\n"
    "INSERT INTO pack_new(kind, body, rid_lo, rid_hi, n, stats, data)\n"
    "  SELECT kind, body, rid_lo, rid_hi, n, stats, data FROM pack ORDER BY kind, body, rid_lo;\n"
    "DROP TABLE pack;\n"
    "ALTER TABLE pack_new RENAME TO pack;\n"
    "CREATE UNIQUE INDEX pack_part ON pack(kind, body, rid_lo);\n";

/* Step 6: each body's records of each kind keep their digest (runs.c) until they
   change: a regeneration reads a body's records only when they changed since the last
   one. A transaction that changes them raises the pair's gen and forgets its hash. */
static const char step6_sql[] =
    "CREATE TABLE digest(\n"
    "  kind TEXT NOT NULL,\n"
    "  body INTEGER NOT NULL,\n"
    "  gen INTEGER NOT NULL,\n"
    "  hash BLOB,\n"
    "  PRIMARY KEY(kind, body)) WITHOUT ROWID;\n";

/* Step 7: the cells of a body's last run of a year as one text (runs.c, cells_text), not a
   row each: a regeneration wrote some 300 rows a report into a table and its index (a
   tenth of its time). Each part escaped (\\ \t \n), a line each in key order. */
#define ESC(x) "replace(replace(replace(" x ", '\\', '\\\\'), char(9), '\\t'), char(10), '\\n')"
static const char step7_sql[] =
    "CREATE TABLE run_cells(\n"
    "  body INTEGER NOT NULL REFERENCES body(id),\n"
    "  year INTEGER NOT NULL,\n"
    "  cells TEXT NOT NULL,\n"
    "  PRIMARY KEY(body, year));\n"
    "INSERT INTO run_cells(body, year, cells)\n"
    "  SELECT body, year, group_concat(line, '') FROM (\n"
    "    SELECT body, year, " ESC("tbl") " || char(9) || " ESC("row") " || char(9) || " ESC("col")
    " || coalesce(char(9) || " ESC("text") ", '') || char(10) AS line\n"
    "    FROM run_value ORDER BY body, year, tbl, row, col)\n"
    "  GROUP BY body, year;\n"
    "DROP TABLE run_value;\n";
#undef ESC

static const struct {
    const char *what; /* what the step brings, for 'nianbao init' */
    const char *sql;  /* its own SQL after the catalogue's part, or NULL */
} steps[] = {
    /* 1 */ {"bodies, sources, dictionary, texts, scripts and the record tables", base_sql},
    /* 2 */ {"source files keep their canonical path (an id-less file is known by it)",
             "ALTER TABLE source ADD COLUMN canonical TEXT;\n"
             "CREATE INDEX source_canonical ON source(canonical);\n"},
    /* 3 */ {"bodies have a code and may be roll-ups; imported figures, declared years, "
             "the history of regenerations",
             step3_sql},
    /* 4 */ {"packed columns of the records' coded fields, which tabulation reads "
             "(made from the records)",
             step4_sql},
    /* 5 */ {"the packed parts keep their statistics before their data (read without it)",
             step5_sql},
    /* 6 */ {"the digest of each body's records of each kind is kept until they change",
             step6_sql},
    /* 7 */ {"the cells of a body's last run of a year are kept as one text", step7_sql},
    /* 8 */ {"the digest of a body's records covers their sources, lines and raw values (a rule may "
             "name them); the kept ones are made again",
             "UPDATE digest SET gen = gen + 1, hash = NULL;\n"},
    /* 9 */ {"records keep their coded values in the packed columns alone; each kind's table is "
             "keyed by body and id (the store about half the size)",
             NULL /* narrow_step: each kind's table made again */},
    /* 10 */ {"the files of records without ids keep a digest of their content (a copy of one "
              "imported from another path is refused)",
              "ALTER TABLE source ADD COLUMN digest TEXT;\n"
              "CREATE INDEX source_body_kind ON source(body, kind);\n"},
#ifdef NB_TEST_CATALOGUE
    /* 11 */ {"the test build's kind 'meeting' and day type 'halfday'", NULL},
#endif
};

int nb_store_schema_version(void)
{
    int n = (int)(sizeof steps / sizeof steps[0]);
#ifdef NB_TEST_CATALOGUE
    /* the test build plays an older nianbao on demand, making and writing stores of an older
       version (NB_TEST_SCHEMA=8: the wide tables of tests/cli/test_migrate.sh) */
    const char *older = getenv("NB_TEST_SCHEMA");
    if (older && atoi(older) >= 4 && atoi(older) < n)
        return atoi(older);
#endif
    return n;
}

const char *nb_store_step_what(int version)
{
    return version >= 1 && version <= nb_store_schema_version() ? steps[version - 1].what : NULL;
}

static const char *sql_type(const nb_field *f)
{
    return f->type == NB_F_TEXT ? "TEXT" : "INTEGER";
}

/* The step from which a kind's table is narrow: keyed by body and id, without rowid, its
 * coded fields in the packed columns alone (pack.h). */
#define NARROW_STEP 9

/* The CREATE TABLE of kind K as it stands at schema version V, named AS. */
static int create_kind_as(nb_buf *b, const nb_kind *k, int v, const char *as)
{
    if (v >= NARROW_STEP) {
        int rc = nb_buf_printf(b,
                               "CREATE TABLE %s(\n"
                               "  body INTEGER NOT NULL REFERENCES body(id),\n"
                               "  id TEXT NOT NULL,\n"
                               "  rid INTEGER NOT NULL,\n",
                               as);
        for (int f = 0; f < k->nfields; f++)
            if (k->fields[f].since <= v && k->fields[f].type == NB_F_TEXT)
                rc |= nb_buf_printf(b, "  %s TEXT%s,\n", k->fields[f].name,
                                    k->fields[f].required ? " NOT NULL" : "");
        rc |= nb_buf_adds(b, "  src INTEGER NOT NULL REFERENCES source(id),\n"
                             "  line INTEGER NOT NULL,\n"
                             "  raw TEXT NOT NULL,\n"
                             "  PRIMARY KEY(body, id)) WITHOUT ROWID;\n");
        return rc;
    }
    int rc = nb_buf_printf(b,
                           "CREATE TABLE %s(\n"
                           "  rid INTEGER PRIMARY KEY,\n"
                           "  body INTEGER NOT NULL REFERENCES body(id),\n"
                           "  id TEXT NOT NULL,\n",
                           as);
    for (int f = 0; f < k->nfields; f++)
        if (k->fields[f].since <= v)
            rc |= nb_buf_printf(b, "  %s %s%s,\n", k->fields[f].name, sql_type(&k->fields[f]),
                                k->fields[f].required ? " NOT NULL" : "");
    rc |= nb_buf_adds(b, "  src INTEGER NOT NULL REFERENCES source(id),\n"
                         "  line INTEGER NOT NULL,\n"
                         "  raw TEXT NOT NULL,\n"
                         "  UNIQUE(body, id));\n");
    return rc;
}

static int create_kind(nb_buf *b, const nb_kind *k, int v)
{
    return create_kind_as(b, k, v, k->table);
}

/* Step NARROW_STEP for every kind older than it: its table made again narrow, its rows
 * copied in the new key's order (the coded values are in the packs, made again from
 * the old rows first: migrate). */
static int narrow_step(nb_buf *b)
{
    int rc = 0;
    for (int i = 0; i < nb_nkinds; i++) {
        const nb_kind *k = &nb_kinds[i];
        if (k->since >= NARROW_STEP)
            continue;
        char as[96];
        snprintf(as, sizeof as, "%s_narrow", k->table);
        rc |= create_kind_as(b, k, NARROW_STEP, as);
        rc |= nb_buf_printf(b, "INSERT INTO %s(body, id, rid", as);
        for (int f = 0; f < k->nfields; f++)
            if (k->fields[f].since <= NARROW_STEP && k->fields[f].type == NB_F_TEXT)
                rc |= nb_buf_printf(b, ", %s", k->fields[f].name);
        rc |= nb_buf_adds(b, ", src, line, raw) SELECT body, id, rid");
        for (int f = 0; f < k->nfields; f++)
            if (k->fields[f].since <= NARROW_STEP && k->fields[f].type == NB_F_TEXT)
                rc |= nb_buf_printf(b, ", %s", k->fields[f].name);
        rc |= nb_buf_printf(b, ", src, line, raw FROM %s ORDER BY body, id;\n"
                               "DROP TABLE %s;\n"
                               "ALTER TABLE %s RENAME TO %s;\n",
                            k->table, k->table, as, k->table);
    }
    return rc;
}

/* The catalogue's part of step V: new kinds, new fields of older kinds (a
 * column added later cannot be NOT NULL: older rows have no value), new
 * national values. */
static int catalogue_step(nb_buf *b, int v)
{
    int rc = 0;
    for (int i = 0; i < nb_nkinds; i++) {
        const nb_kind *k = &nb_kinds[i];
        if (k->since == v) {
            rc |= create_kind(b, k, v);
            continue;
        }
        /* a narrow table has a column for a text field alone (a coded field new to an
           older kind would need a column more in every part: test_store.c refuses one) */
        for (int f = 0; k->since < v && f < k->nfields; f++)
            if (k->fields[f].since == v && (v < NARROW_STEP || k->fields[f].type == NB_F_TEXT)) {
                rc |= nb_buf_printf(b, "ALTER TABLE %s ADD COLUMN %s %s;\n", k->table,
                                    k->fields[f].name, sql_type(&k->fields[f]));
                /* a new column is part of each row's digest */
                if (v > 6)
                    rc |= nb_buf_printf(b, "UPDATE digest SET gen = gen + 1, hash = NULL "
                                           "WHERE kind = '%s';\n", k->name);
            }
    }
    for (int d = 0; d < nb_ndicts; d++)
        for (int i = 0; i < nb_dicts[d].nvalues; i++) {
            const nb_value *c = &nb_dicts[d].values[i];
            if (c->since == v && !c->group)
                rc |= nb_buf_printf(b,
                                    "INSERT INTO dict(dict, code, label) VALUES('%s', '%s', '%s');\n",
                                    nb_dicts[d].name, c->code, c->label);
        }
    return rc;
}

/* Runs step V (its own SQL, then the catalogue's part) inside the caller's
 * transaction. */
static nb_err run_step(nb_store *s, int v, char *err, size_t errlen)
{
    nb_buf b = {0};
    int bad = 0;
    if (steps[v - 1].sql)
        bad |= nb_buf_adds(&b, steps[v - 1].sql);
    if (v == NARROW_STEP)
        bad |= narrow_step(&b);
    bad |= catalogue_step(&b, v);
    bad |= nb_buf_printf(&b, "PRAGMA user_version = %d;", v);
    if (bad) {
        nb_buf_free(&b);
        snprintf(err, errlen, "%s: out of memory", s->path);
        return NB_ERR_NOMEM;
    }
    nb_err rc = nb_store_exec(s, b.data, err, errlen);
    nb_buf_free(&b);
    return rc;
}

/* A file without a schema (version 0) becomes a store only when it holds no
 * tables of its own. */
static nb_err check_empty(nb_store *s, int create, char *err, size_t errlen)
{
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
    return nb_store_exec(s, "PRAGMA page_size = 16384", err, errlen);
}

/* Brings the store to the current schema version: only with CREATE (nianbao
 * init); otherwise an older store is NB_ERR_OLD, with the command to run. */
static nb_err migrate(nb_store *s, int create, char *err, size_t errlen)
{
    int v = nb_store_version(s), want = nb_store_schema_version();
    s->migrated_from = v;
    if (v > want) {
        snprintf(err, errlen,
                 "%s: store has schema version %d; this nianbao knows versions up to %d "
                 "(use a newer nianbao)",
                 s->path, v, want);
        return NB_ERR_VERSION;
    }
    if (v == 0) {
        nb_err rc = check_empty(s, create, err, errlen);
        if (rc)
            return rc;
    }
    if (v == want)
        return NB_OK;
    if (!create) {
        snprintf(err, errlen,
                 "%s: store has schema version %d, this nianbao uses version %d: bring it up "
                 "to date with 'nianbao init -d %s'",
                 s->path, v, want, s->path);
        return NB_ERR_OLD;
    }
    nb_err rc = nb_store_exec(s, "BEGIN IMMEDIATE", err, errlen);
    if (rc)
        return rc;
    for (int next = v + 1; next <= want && !rc; next++) {
        /* the packs of the records already stored, made from their rows, the last time
           the rows hold the coded values */
        if (next == NARROW_STEP && v > 0)
            rc = nb_pack_rebuild_all(s, err, errlen);
        if (!rc)
            rc = run_step(s, next, err, errlen);
    }
    nb_store_forget_shape(s);
    if (rc) {
        char keep[512];
        snprintf(keep, sizeof keep, "%s", err);
        sqlite3_exec(s->db, "ROLLBACK", NULL, NULL, NULL);
        snprintf(err, errlen, "%s", keep);
        return rc;
    }
    nb_err rc2 = nb_store_exec(s, "COMMIT", err, errlen);
    /* the space the wide tables took given back to the file system. The store is migrated
       whatever VACUUM does: its failure (a full disk, a file size limit) is told beside
       the migration (store:schema), not as the migration's */
    if (!rc2 && v > 0 && v < NARROW_STEP) {
        const char *vacuum = "VACUUM";
#ifdef NB_TEST_CATALOGUE
        if (getenv("NB_TEST_FAIL_VACUUM")) /* tests/cli/test_migrate.sh */
            vacuum = "VACUUM no_such_schema";
#endif
        if (nb_store_exec(s, vacuum, s->vacuum_failed, sizeof s->vacuum_failed) == NB_OK)
            s->vacuum_failed[0] = '\0';
    }
    return rc2;
}

static int remember_code(nb_store *s, int64_t id, const char *dict, const char *code);

/* A dictionary id beyond this is damage, not data: ids are given in order
 * (the largest equals the count in any store nianbao wrote), and the id is an
 * index into an array. */
#define MAX_DICT_SLACK 100000

/* Checks the dictionary's ids and that it holds every national value of the
 * catalogue up to the store's version. */
static nb_err check_codes(nb_store *s, char *err, size_t errlen)
{
    sqlite3_stmt *st;
    int64_t n = 0, max = 0;
    if (sqlite3_prepare_v2(s->db, "SELECT count(*), coalesce(max(id), 0), coalesce(min(id), 1) "
                                  "FROM dict", -1, &st, NULL))
        return nb_store_sql_fail(s, err, errlen, "reading the dictionary");
    int64_t min = 1;
    if (sqlite3_step(st) == SQLITE_ROW) {
        n = sqlite3_column_int64(st, 0);
        max = sqlite3_column_int64(st, 1);
        min = sqlite3_column_int64(st, 2);
    }
    sqlite3_finalize(st);
    if (min < 1 || max > n + MAX_DICT_SLACK) {
        snprintf(err, errlen, "%s: damaged store: dictionary ids run from %lld to %lld for %lld "
                              "values", s->path, (long long)min, (long long)max, (long long)n);
        return NB_ERR_NOSTORE;
    }
    return NB_OK;
}

/* Every national value the store's version should hold. */
static nb_err check_catalogue(nb_store *s, char *err, size_t errlen)
{
    int v = nb_store_version(s);
    for (int d = 0; d < nb_ndicts; d++)
        for (int i = 0; i < nb_dicts[d].nvalues; i++) {
            const nb_value *c = &nb_dicts[d].values[i];
            if (c->group || c->since > v || nb_store_code(s, nb_dicts[d].name, c->code))
                continue;
            snprintf(err, errlen, "%s: damaged store: the dictionary lacks the national value "
                                  "%s '%s' (%s)", s->path, nb_dicts[d].name, c->code, c->label);
            return NB_ERR_NOSTORE;
        }
    return NB_OK;
}

/* Reads the dictionary into memory. Only reads: opening a store must not
 * write (another process may be importing into it). */
static nb_err load_codes(nb_store *s, char *err, size_t errlen)
{
    nb_err rc = check_codes(s, err, errlen);
    if (rc)
        return rc;
    sqlite3_stmt *st;
    if (sqlite3_prepare_v2(s->db, "SELECT id, dict, code FROM dict ORDER BY id", -1, &st, NULL))
        return nb_store_sql_fail(s, err, errlen, "reading the dictionary");
    int step;
    while ((step = sqlite3_step(st)) == SQLITE_ROW) {
        int64_t id = sqlite3_column_int64(st, 0);
        const char *d = (const char *)sqlite3_column_text(st, 1);
        const char *c = (const char *)sqlite3_column_text(st, 2);
        if (!d || !c) {
            rc = NB_ERR_NOSTORE;
            snprintf(err, errlen, "%s: damaged store: dictionary id %lld has no name", s->path,
                     (long long)id);
            break;
        }
        if (remember_code(s, id, d, c) != 0) {
            rc = NB_ERR_NOMEM;
            snprintf(err, errlen, "%s: out of memory", s->path);
            break;
        }
    }
    sqlite3_finalize(st);
    if (!rc && step != SQLITE_ROW && step != SQLITE_DONE)
        rc = nb_store_sql_fail(s, err, errlen, "reading the dictionary");
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

/* The open connections, for nb_store_interrupt_all (a signal handler). */
#define MAX_OPEN 16
static sqlite3 *volatile open_dbs[MAX_OPEN];

static void remember_open(sqlite3 *db, int on)
{
    for (int i = 0; i < MAX_OPEN; i++)
        if (on ? open_dbs[i] == NULL : open_dbs[i] == db) {
            open_dbs[i] = on ? db : NULL;
            return;
        }
}

void nb_store_interrupt_all(void)
{
    for (int i = 0; i < MAX_OPEN; i++)
        if (open_dbs[i])
            sqlite3_interrupt(open_dbs[i]);
}

/* Waits for a lock held by another process, up to busy_ms: in steps of 1 ms at first,
 * then of 50 ms; the caller's notice once the 1 ms steps are over (a lock held for a few
 * milliseconds, a worker's short write, is not worth a word: a regeneration's parent met
 * its own workers' so and said it was waiting). */
int nb_store_busy_wait(void *ud, int count)
{
    nb_store *s = ud;
    if (s->opts.busy_ms < 0 || nb_stop_signal()) /* not at all; or the user stopped the import */
        return 0;
    if (count == 20 && s->opts.waiting)
        s->opts.waiting(s->opts.ud, s->path);
    /* 1 ms steps first (another worker's short write), then 50 ms */
    long waited = count < 20 ? count : 20 + (long)(count - 20) * 50;
    if (waited >= s->opts.busy_ms)
        return 0;
    sqlite3_sleep(count < 20 ? 1 : 50);
    return 1;
}

/* 1 when the user may write the file at PATH and make files beside it. */
static int writable(const char *path)
{
    if (access(path, W_OK) != 0)
        return 0;
    const char *slash = strrchr(path, '/');
    if (!slash)
        return access(".", W_OK | X_OK) == 0;
    char dir[4096];
    size_t n = slash == path ? 1 : (size_t)(slash - path);
    if (n >= sizeof dir)
        return 0;
    memcpy(dir, path, n);
    dir[n] = '\0';
    return access(dir, W_OK | X_OK) == 0;
}

/* Sets the journal mode to SET (NULL: reads it) and puts the mode in force, lower case,
 * into MODE ("" when SQLite refused: another connection in a transaction). */
static void journal_mode(sqlite3 *db, const char *set, char mode[16])
{
    char q[48];
    sqlite3_stmt *st;
    snprintf(q, sizeof q, "PRAGMA journal_mode%s%s", set ? " = " : "", set ? set : "");
    mode[0] = '\0';
    if (sqlite3_prepare_v2(db, q, -1, &st, NULL) != SQLITE_OK)
        return;
    if (sqlite3_step(st) == SQLITE_ROW && sqlite3_column_text(st, 0))
        snprintf(mode, 16, "%s", (const char *)sqlite3_column_text(st, 0));
    sqlite3_finalize(st);
}

/* Back to the write-ahead log (the store's mode, set when it was made) after
 * nb_store_bulk, or a crash in between. A failure leaves the rollback journal, which
 * is as safe; the next writable open tries again. */
static void end_bulk(nb_store *s)
{
    char mode[16];
    if (s->bulk && s->db && sqlite3_get_autocommit(s->db)) {
        journal_mode(s->db, "WAL", mode);
        s->bulk = 0;
    } /* inside a transaction: kept, for the end of the transaction's owner (or the close) */
}

int nb_store_bulk(nb_store *s, int on)
{
    char mode[16];
    if (!on) {
        end_bulk(s);
        return 0;
    }
    if (s->bulk)
        return 1;
    if (s->readonly || !s->db || !sqlite3_get_autocommit(s->db))
        return 0;
    journal_mode(s->db, NULL, mode);
    if (strcmp(mode, "wal") != 0)
        return 0;
    journal_mode(s->db, "DELETE", mode);
    s->bulk = strcmp(mode, "delete") == 0;
    return s->bulk;
}

/* The settings of every connection to the store, the immutable reader's of a read-only
 * folder too: its wait for a lock, foreign keys, and reads through read(), the file never
 * mapped (SQLite's default, said for a build whose default maps). A map's page fault on a
 * page not in memory read the device's whole read-ahead around it (8 MB on this machine:
 * a report at 1e7 read 24 MB of its store and took 29 ms, against 21.8 ms through read(),
 * after its pages were evicted), and read() was the cheaper when they were in memory (the
 * full tabulation at 1e7: 0.136 against 0.175 s of CPU; a fault is dear in a VM). A
 * write's I/O error stays an error code, and a bulk import's rollback journal may shrink
 * the file. Returns SQLite's code of the foreign keys' pragma (an error: not a database). */
static int connection_settings(nb_store *s)
{
    sqlite3_busy_handler(s->db, nb_store_busy_wait, s);
    sqlite3_exec(s->db, "PRAGMA mmap_size = 0", NULL, NULL, NULL);
    return sqlite3_exec(s->db, "PRAGMA foreign_keys = ON", NULL, NULL, NULL);
}

/* Opens the SQLite file; a read-only store in a folder where SQLite cannot
 * make its shared-memory file is opened immutable. */
static nb_err open_db(nb_store *s, int mode, char *err, size_t errlen)
{
    /* A connection that reads is used by one thread: no SQLite mutex around every
       call. One that writes is serialized: an import steps its batches in a helper
       thread (writer.c) while its own goes on reading (the mutex costs a few percent
       of an import; the overlap saves a third). */
    int flags = mode == NB_OPEN_READ ? SQLITE_OPEN_NOMUTEX : SQLITE_OPEN_FULLMUTEX;
    /* A store the user may write is read through a read-write connection that
       refuses changes (query_only): the last one to close removes the -wal and
       -shm files, where a read-only connection would leave them behind. */
    int query_only = mode == NB_OPEN_READ && writable(s->path);
    flags |= mode == NB_OPEN_READ && !query_only ? SQLITE_OPEN_READONLY : SQLITE_OPEN_READWRITE;
    if (mode == NB_OPEN_CREATE)
        flags |= SQLITE_OPEN_CREATE;
    if (sqlite3_open_v2(s->path, &s->db, flags, NULL) != SQLITE_OK)
        return nb_store_sql_fail(s, err, errlen, "cannot open");
    /* The connection's own settings (nothing is read yet). */
    if (connection_settings(s) != SQLITE_OK ||
        (mode != NB_OPEN_READ &&
         sqlite3_exec(s->db, "PRAGMA synchronous = NORMAL", NULL, NULL, NULL) != SQLITE_OK)) {
        snprintf(err, errlen, "%s: %s", s->path, NB_ERRMSG(s->db)); /* not a database */
        return sql_code(s);
    }
    if (query_only && sqlite3_exec(s->db, "PRAGMA query_only = 1", NULL, NULL, NULL) != SQLITE_OK)
        return nb_store_sql_fail(s, err, errlen, "cannot open");
    int probe = mode == NB_OPEN_READ
                    ? sqlite3_exec(s->db, "SELECT count(*) FROM sqlite_master", NULL, NULL, NULL)
                    : SQLITE_OK;
    /* A write killed in its rollback journal (nb_store_bulk) left pages in the file
       that only a connection that can write may roll back: an immutable reader would
       read them. */
    if (probe != SQLITE_OK && sqlite3_extended_errcode(s->db) == SQLITE_READONLY_ROLLBACK) {
        snprintf(err, errlen, "%s: a write to the store was interrupted (%s-journal is beside it); "
                 "any nianbao command run by a user who may write the store and its folder puts "
                 "it back", s->path, s->path);
        return NB_ERR_IO;
    }
    /* A WAL store needs its shared-memory file; where it cannot be made (a folder
       the user cannot write), SQLite says CANTOPEN or READONLY. */
    if ((probe & 0xff) == SQLITE_CANTOPEN || (probe & 0xff) == SQLITE_READONLY) {
        sqlite3_close_v2(s->db);
        s->db = NULL;
        char *uri = sqlite3_mprintf("file:%s?immutable=1", s->path);
        int rc = uri ? sqlite3_open_v2(uri, &s->db, flags | SQLITE_OPEN_URI, NULL) : SQLITE_NOMEM;
        sqlite3_free(uri);
        if (rc != SQLITE_OK)
            return s->db ? nb_store_sql_fail(s, err, errlen, "cannot open") : NB_ERR_NOMEM;
        if (connection_settings(s) != SQLITE_OK)
            return nb_store_sql_fail(s, err, errlen, "cannot open");
    }
    /* the records of each kind, their coded values from the packed columns (vtab.h) */
    return nb_vtab_register(s, err, errlen);
}

/* A store opened to read reads one snapshot: the store as it was at its first read, every
 * query of the command in one read transaction, which the close ends. Each statement in
 * a transaction of its own took and let go of the log's read lock, checked the file and
 * the log (some 250 system calls for a report, a sixth of its time), and could read
 * between two of them the half of an import another process committed meanwhile. */
static nb_err snapshot_begin(nb_store *s, char *err, size_t errlen)
{
    if (!s->readonly || !sqlite3_get_autocommit(s->db))
        return NB_OK;
    return nb_store_exec(s, "BEGIN", err, errlen);
}

/* Ends the snapshot of a store opened to read, if it is open. */
static void snapshot_end(nb_store *s)
{
    if (s->readonly && s->db && !sqlite3_get_autocommit(s->db))
        sqlite3_exec(s->db, "COMMIT", NULL, NULL, NULL);
}

/* Ends the read transaction nb_store_snapshot began, if it is open. */
static void snapshot_off(nb_store *s)
{
    if (!s->snapshot)
        return;
    s->snapshot = 0;
    if (s->db && !sqlite3_get_autocommit(s->db))
        sqlite3_exec(s->db, "COMMIT", NULL, NULL, NULL);
}

nb_err nb_store_snapshot(nb_store *s, int on, char *err, size_t errlen)
{
    if (!on) {
        snapshot_off(s);
        return NB_OK;
    }
    if (s->readonly || !s->db || s->snapshot || !sqlite3_get_autocommit(s->db))
        return NB_OK;
    nb_err rc = nb_store_exec(s, "BEGIN", err, errlen);
    if (!rc)
        s->snapshot = 1;
    return rc;
}

/* NB_OK when this user may write the store at PATH and the folder SQLite writes its
 * journal in; else NB_ERR_IO and why. */
static nb_err writable_or_why(const char *path, char *err, size_t errlen)
{
    const char *why = NULL;
    if (access(path, W_OK) != 0) {
        why = "the file is read-only to this user";
    } else {
        /* the folder SQLite writes in: the file's own, through any link to it */
        char *dir = realpath(path, NULL);
        if (!dir)
            dir = strdup(path);
        if (!dir) {
            snprintf(err, errlen, "out of memory");
            return NB_ERR_NOMEM;
        }
        char *slash = strrchr(dir, '/');
        const char *d = slash ? (slash == dir ? "/" : (*slash = '\0', dir)) : ".";
        if (access(d, W_OK | X_OK) != 0)
            why = "its folder is read-only to this user: SQLite writes its journal beside it";
        free(dir);
    }
    if (!why)
        return NB_OK;
    snprintf(err, errlen, "%s: cannot write the store (%s)", path, why);
    return NB_ERR_IO;
}

int nb_store_may_write(const char *path)
{
    char err[64];
    return writable_or_why(path, err, sizeof err) == NB_OK;
}

/* NB_OK when this user may make the store PATH in its folder; else NB_ERR_IO and why
 * (SQLite said "unable to open database file (No such file or directory)" for both). */
static nb_err creatable_or_why(const char *path, char *err, size_t errlen)
{
    char *dir = strdup(path);
    if (!dir) {
        snprintf(err, errlen, "out of memory");
        return NB_ERR_NOMEM;
    }
    char *slash = strrchr(dir, '/');
    const char *d = slash ? (slash == dir ? "/" : (*slash = '\0', dir)) : ".";
    struct stat st;
    nb_err rc = NB_OK;
    if (stat(d, &st) != 0 || !S_ISDIR(st.st_mode)) {
        snprintf(err, errlen, "%s: cannot create the store (its folder %s does not exist)", path, d);
        rc = NB_ERR_IO;
    } else if (access(d, W_OK | X_OK) != 0) {
        snprintf(err, errlen, "%s: cannot create the store (its folder is read-only to this user)", path);
        rc = NB_ERR_IO;
    }
    free(dir);
    return rc;
}

nb_err nb_store_open_with(const char *path, const nb_open_opts *o, nb_store **out, char *err,
                          size_t errlen)
{
    *out = NULL;
    struct stat sb;
    if (o->mode != NB_OPEN_CREATE && stat(path, &sb) != 0) {
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
    /* A store the user may not write is refused by the commands that write, before they
       start: SQLite would open it read-only and fail at the first write, after a regen had
       written reports it could not record. */
    nb_err rc;
    int exists = access(path, F_OK) == 0;
    if (o->mode != NB_OPEN_READ &&
        (rc = exists ? writable_or_why(path, err, errlen)
                     : o->mode == NB_OPEN_CREATE ? creatable_or_why(path, err, errlen) : NB_OK)) {
        nb_store_close(s);
        return rc;
    }
    s->opts = *o;
    if (s->opts.busy_ms == 0)
        s->opts.busy_ms = NB_BUSY_MS;
    s->readonly = o->mode == NB_OPEN_READ;
    if ((rc = open_db(s, o->mode, err, errlen)) || (rc = snapshot_begin(s, err, errlen)))
        goto fail;
    /* A file that is not SQLite fails here with "file is not a database". */
    if ((rc = nb_store_exec(s, "SELECT count(*) FROM sqlite_master", err, errlen)))
        goto fail;
    int fresh = nb_store_version(s) == 0;
    if ((rc = migrate(s, o->mode == NB_OPEN_CREATE, err, errlen)))
        goto fail;
    /* WAL is a property of the file, set once when it is made; a refused
       file stays as it was. */
    if (fresh && (rc = nb_store_exec(s, "PRAGMA journal_mode = WAL", err, errlen)))
        goto fail;
    if (!fresh && o->mode != NB_OPEN_READ) {
        /* a process that ended inside nb_store_bulk left the rollback journal */
        char mode[16];
        journal_mode(s->db, NULL, mode);
        if (strcmp(mode, "delete") == 0)
            journal_mode(s->db, "WAL", mode);
    }
    if ((rc = load_codes(s, err, errlen)) || (rc = check_catalogue(s, err, errlen)))
        goto fail;
    remember_open(s->db, 1);
    *out = s;
    return NB_OK;
fail:
    nb_store_close(s);
    return rc;
}

int nb_store_owns_file(const nb_store *s, const char *path)
{
    static const char *const ends[] = {"", "-journal", "-wal", "-shm"};
    struct stat in, own;
    if (!s || !s->path || stat(path, &in) != 0)
        return 0;
    for (size_t i = 0; i < sizeof ends / sizeof ends[0]; i++) {
        char *p = sqlite3_mprintf("%s%s", s->path, ends[i]);
        int same = p && stat(p, &own) == 0 && own.st_dev == in.st_dev && own.st_ino == in.st_ino;
        sqlite3_free(p);
        if (same)
            return 1;
    }
    return 0;
}

nb_err nb_store_open(const char *path, int mode, nb_store **out, char *err, size_t errlen)
{
    nb_open_opts o = {.mode = mode};
    return nb_store_open_with(path, &o, out, err, errlen);
}

/* The statements the store keeps, finalized (before a detach and at close). */
static void finalize_kept(nb_store *s)
{
    sqlite3_finalize(s->body_by_name);
    s->body_by_name = NULL;
    for (size_t i = 0; i < sizeof s->kept / sizeof s->kept[0]; i++) {
        sqlite3_finalize(s->kept[i].st);
        s->kept[i].st = NULL;
        s->kept[i].key = NULL;
    }
}

sqlite3_stmt *nb_store_stmt_take(nb_store *s, const void *key)
{
    for (size_t i = 0; i < sizeof s->kept / sizeof s->kept[0]; i++)
        if (s->kept[i].st && s->kept[i].key == key) {
            sqlite3_stmt *st = s->kept[i].st;
            s->kept[i].st = NULL;
            s->kept[i].key = NULL;
            return st;
        }
    return NULL;
}

void nb_store_stmt_give(nb_store *s, const void *key, sqlite3_stmt *st)
{
    if (!st)
        return;
    sqlite3_reset(st);
    for (size_t i = 0; s->db && i < sizeof s->kept / sizeof s->kept[0]; i++)
        if (!s->kept[i].st) {
            s->kept[i].st = st;
            s->kept[i].key = key;
            return;
        }
    sqlite3_finalize(st);
}

sqlite3_stmt *nb_store_stmt(nb_store *s, const char *sql)
{
    sqlite3_stmt *st = nb_store_stmt_take(s, sql);
    if (st)
        sqlite3_clear_bindings(st);
    else if (sqlite3_prepare_v3(s->db, sql, -1, SQLITE_PREPARE_PERSISTENT, &st, NULL) != SQLITE_OK) {
        sqlite3_finalize(st);
        return NULL;
    }
    return st;
}

void nb_store_close(nb_store *s)
{
    if (!s)
        return;
    finalize_kept(s);
    end_bulk(s);
    snapshot_end(s);
    snapshot_off(s);
    if (s->db) {
        remember_open(s->db, 0);
        nb_vtab_abandon(s); /* a statement left open is finalized without S */
        sqlite3_close_v2(s->db);
    }
    for (int i = 0; i < s->ncodes; i++) {
        free(s->code_of[i]);
        free(s->dict_of[i]);
    }
    free(s->code_of);
    free(s->dict_of);
    nb_strmap_free(&s->codes);
    nb_pack_forget(s);
    free(s->next_rid);
    free(s->wide);
    free(s->path);
    free(s);
}

nb_err nb_store_detach(nb_store *s, char *err, size_t errlen)
{
    if (!s->db)
        return NB_OK;
    if (s->depth == 0) {
        snapshot_end(s); /* attach takes another */
        snapshot_off(s);
    }
    if (sqlite3_get_autocommit(s->db) == 0) {
        snprintf(err, errlen, "%s: cannot let go of the store inside a transaction", s->path);
        return NB_ERR_BUSY;
    }
    sqlite3 *db = s->db;
    finalize_kept(s);
    end_bulk(s);
    /* sqlite3_close, not _v2: a statement still open would keep the file open. */
    if (sqlite3_close(db) != SQLITE_OK) {
        snprintf(err, errlen, "%s: cannot let go of the store: a query is still open", s->path);
        return NB_ERR_BUSY;
    }
    remember_open(db, 0);
    s->db = NULL;
    s->vtabs = NULL; /* freed with the connection */
    return NB_OK;
}

nb_err nb_store_attach(nb_store *s, char *err, size_t errlen)
{
    if (s->db)
        return NB_OK;
    nb_err rc = open_db(s, s->opts.mode, err, errlen);
    if (rc) {
        nb_vtab_abandon(s);
        if (s->db)
            sqlite3_close_v2(s->db);
        s->db = NULL;
        return rc;
    }
    remember_open(s->db, 1);
    return snapshot_begin(s, err, errlen);
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

int nb_store_wide(nb_store *s, const nb_kind *k)
{
    int i = (int)(k - nb_kinds);
    if (!s->wide && !(s->wide = calloc((size_t)nb_nkinds, 1)))
        return 0;
    if (!s->wide[i]) {
        int f = 0;
        while (f < k->nfields && k->fields[f].type == NB_F_TEXT)
            f++;
        char sql[256];
        snprintf(sql, sizeof sql, "SELECT %s FROM %s", f < k->nfields ? k->fields[f].name : "0 x",
                 k->table);
        sqlite3_stmt *st = NULL;
        int ok = f < k->nfields && sqlite3_prepare_v2(s->db, sql, -1, &st, NULL) == SQLITE_OK;
        sqlite3_finalize(st);
        s->wide[i] = ok ? 1 : -1;
    }
    return s->wide[i] > 0;
}

void nb_store_forget_shape(nb_store *s)
{
    free(s->wide);
    s->wide = NULL;
}

nb_err nb_store_keep_values(nb_store *s, char *err, size_t errlen)
{
    nb_buf b = {0};
    int bad = 0;
    for (int i = 0; i < nb_nkinds; i++) {
        const nb_kind *k = &nb_kinds[i];
        char q[160];
        snprintf(q, sizeof q, "SELECT 1 FROM %s LIMIT 1", k->table);
        sqlite3_stmt *st;
        if (sqlite3_prepare_v2(s->db, q, -1, &st, NULL) != SQLITE_OK) {
            nb_buf_free(&b);
            return nb_store_sql_fail(s, err, errlen, "reading the records");
        }
        int held = sqlite3_step(st) == SQLITE_ROW;
        sqlite3_finalize(st);
        if (held) {
            nb_buf_free(&b);
            snprintf(err, errlen, "%s: %s holds records: its values cannot be kept beside them",
                     s->path, k->table);
            return NB_ERR_INPUT;
        }
        if (nb_store_wide(s, k))
            continue;
        for (int f = 0; f < k->nfields; f++)
            if (k->fields[f].type != NB_F_TEXT)
                bad |= nb_buf_printf(&b, "ALTER TABLE %s ADD COLUMN %s INTEGER;\n", k->table,
                                     k->fields[f].name);
    }
    nb_err rc = bad ? NB_ERR_NOMEM : b.len ? nb_store_exec(s, b.data, err, errlen) : NB_OK;
    if (bad)
        snprintf(err, errlen, "%s: out of memory", s->path);
    nb_buf_free(&b);
    nb_store_forget_shape(s);
    return rc;
}

/* "dict\037code" in BUF when it fits, else in a new allocation (free it when
 * it is not BUF); NULL when out of memory. A free-text value may be long. */
static char *code_key(char *buf, size_t n, const char *dict, const char *code)
{
    size_t need = strlen(dict) + strlen(code) + 2;
    char *key = need <= n ? buf : malloc(need);
    if (key)
        snprintf(key, need, "%s\037%s", dict, code);
    return key;
}

int64_t nb_store_code(nb_store *s, const char *dict, const char *code)
{
    char buf[256];
    char *key = code_key(buf, sizeof buf, dict, code);
    int64_t *v = key ? nb_strmap_get(&s->codes, key) : NULL;
    int64_t id = v ? *v : 0;
    if (key != buf)
        free(key);
    return id;
}

nb_err nb_store_code_count(nb_store *s, const char *dict, long *n, char *err, size_t errlen)
{
    sqlite3_stmt *st;
    *n = 0;
    if (sqlite3_prepare_v2(s->db, "SELECT count(*) FROM dict WHERE dict = ?1", -1, &st, NULL) !=
        SQLITE_OK)
        return nb_store_sql_fail(s, err, errlen, "counting a dictionary's values");
    sqlite3_bind_text(st, 1, dict, -1, SQLITE_STATIC);
    int rc = sqlite3_step(st);
    if (rc == SQLITE_ROW)
        *n = (long)sqlite3_column_int64(st, 0);
    sqlite3_finalize(st);
    return rc == SQLITE_ROW ? NB_OK : nb_store_sql_fail(s, err, errlen, "counting a dictionary's values");
}

const char *nb_store_code_str(const nb_store *s, int64_t id)
{
    return id > 0 && id < s->ncodes ? s->code_of[id] : NULL;
}

static int remember_code(nb_store *s, int64_t id, const char *dict, const char *code)
{
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
    char buf[256];
    char *key = code_key(buf, sizeof buf, dict, code);
    int rc = !s->code_of[id] || !s->dict_of[id] || !key ||
             nb_strmap_put(&s->codes, key, id, NULL, NULL) != 0;
    if (key != buf)
        free(key);
    return rc ? -1 : 0;
}

void nb_store_quiet(nb_store *s)
{
    nb_async_wait(s->helper);
}

nb_err nb_store_code_add(nb_store *s, const char *dict, const char *code, const char *label,
                         int64_t *id, char *err, size_t errlen)
{
    nb_store_quiet(s);
    if ((*id = nb_store_code(s, dict, code)))
        return NB_OK;
    sqlite3_stmt *st;
    if (sqlite3_prepare_v2(s->db,
                           "INSERT INTO dict(dict, code, label) VALUES(?1, ?2, ?3) "
                           "ON CONFLICT(dict, code) DO UPDATE SET code = code RETURNING id",
                           -1, &st, NULL) != SQLITE_OK)
        return nb_store_sql_fail(s, err, errlen, "adding to the dictionary");
    sqlite3_bind_text(st, 1, dict, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 2, code, -1, SQLITE_STATIC);
    if (label)
        sqlite3_bind_text(st, 3, label, -1, SQLITE_STATIC);
    if (sqlite3_step(st) == SQLITE_ROW)
        *id = sqlite3_column_int64(st, 0);
    sqlite3_finalize(st);
    if (!*id)
        return nb_store_sql_fail(s, err, errlen, "adding to the dictionary");
    if (s->depth > 0)
        s->codes_added = 1;
    if (remember_code(s, *id, dict, code) != 0) {
        *id = 0;
        snprintf(err, errlen, "out of memory");
        return NB_ERR_NOMEM;
    }
    return NB_OK;
}

/* "no body named 'X' (bodies: A, B, …)": the first 20 names, in the order
 * they were made. */
static nb_err no_body(nb_store *s, const char *name, char *err, size_t errlen)
{
    nb_buf b = {0};
    sqlite3_stmt *st;
    int n = 0, total = 0;
    if (sqlite3_prepare_v2(s->db, "SELECT name, count(*) OVER () FROM body ORDER BY id", -1,
                           &st, NULL) == SQLITE_OK) {
        while (sqlite3_step(st) == SQLITE_ROW && n < 20) {
            total = sqlite3_column_int(st, 1);
            nb_buf_printf(&b, "%s%s", n++ ? ", " : "", (const char *)sqlite3_column_text(st, 0));
        }
        sqlite3_finalize(st);
    }
    if (total > n)
        nb_buf_printf(&b, ", … (%d in all)", total);
    if (n)
        snprintf(err, errlen, "%s: no body named '%s' (bodies: %s)", s->path, name, b.data);
    else
        snprintf(err, errlen, "%s: no body named '%s'", s->path, name);
    nb_buf_free(&b);
    return NB_ERR_NOTFOUND;
}

/* What makes NAME no body name, or 0: 1 empty, blank or over 200 bytes, 2 a control
 * character, 3 not UTF-8, 4 a space (ASCII or 全角) before or after it. */
static int name_problem(const char *name)
{
    size_t n = strlen(name);
    int blank = 1;
    if (n == 0 || n > 200)
        return 1;
    for (const unsigned char *p = (const unsigned char *)name; *p; p++)
        if (*p < 0x20 || *p == 0x7f)
            return 2;
    if (nb_utf8_invalid_at((const unsigned char *)name, n) != n)
        return 3;
    for (const unsigned char *p = (const unsigned char *)name; *p && blank; p++) {
        if (*p == ' ')
            continue;
        if (p[0] == 0xe3 && p[1] == 0x80 && p[2] == 0x80) { /* U+3000 */
            p += 2;
            continue;
        }
        blank = 0;
    }
    if (blank)
        return 1;
    static const char ideographic[] = "\xe3\x80\x80";
    if (name[0] == ' ' || name[n - 1] == ' ' || strncmp(name, ideographic, 3) == 0 ||
        (n >= 3 && strcmp(name + n - 3, ideographic) == 0))
        return 4;
    return 0;
}

int nb_store_body_name_ok(const char *name)
{
    return name_problem(name) == 0;
}

nb_err nb_store_body(nb_store *s, const char *name, int create, int64_t *id, int *created,
                     char *err, size_t errlen)
{
    nb_store_quiet(s);
    sqlite3_stmt *st;
    if (created)
        *created = 0;
    *id = 0;
    if (!s->body_by_name &&
        sqlite3_prepare_v2(s->db, "SELECT id FROM body WHERE name = ?1", -1, &s->body_by_name, NULL))
        return nb_store_sql_fail(s, err, errlen, "looking up a body");
    st = s->body_by_name;
    sqlite3_bind_text(st, 1, name, -1, SQLITE_STATIC);
    int step = sqlite3_step(st);
    if (step == SQLITE_ROW)
        *id = sqlite3_column_int64(st, 0);
    sqlite3_reset(st);
    sqlite3_clear_bindings(st);
    if (step != SQLITE_ROW && step != SQLITE_DONE)
        return nb_store_sql_fail(s, err, errlen, "looking up a body");
    if (*id)
        return NB_OK;
    if (!create)
        return no_body(s, name, err, errlen);
    int problem = name_problem(name);
    if (problem) {
        /* a name with a control character, not UTF-8, or long is not shown: it would break
           the message's line, or the terminal's text */
        if (problem == 2 || problem == 3 || strlen(name) > 200)
            snprintf(err, errlen, "not a body name: %s",
                     problem == 2 ? "it holds a control character or a line break"
                     : problem == 3 ? "it is not UTF-8 text" : "over 200 bytes");
        else
            snprintf(err, errlen, "'%s' is not a body name (%s)", name,
                     problem == 4 ? "a space before or after it" : "empty or blank");
        return NB_ERR_INPUT;
    }
    if (sqlite3_prepare_v2(s->db, "INSERT INTO body(name) VALUES(?1)", -1, &st, NULL))
        return nb_store_sql_fail(s, err, errlen, "creating a body");
    sqlite3_bind_text(st, 1, name, -1, SQLITE_STATIC);
    int rc = sqlite3_step(st);
    sqlite3_finalize(st);
    if (rc != SQLITE_DONE)
        return nb_store_sql_fail(s, err, errlen, "creating a body");
    *id = sqlite3_last_insert_rowid(s->db);
    if (created)
        *created = 1;
    return NB_OK;
}


/* The outermost level is SQLite's transaction; each level inside it a savepoint named by
 * its depth. The packed columns noted so far are written before a level begins and when
 * one ends, so a level's rollback forgets its own notes alone (nb_pack_forget). */
static void savepoint(char *q, size_t n, const char *verb, int depth)
{
    snprintf(q, n, "%s nb_level%d", verb, depth);
}

/* An error that ended SQLite's transaction inside a level (a full disk, an I/O error, no
 * memory, an interrupt) took every level with it: what the outer levels wrote is gone. */
static nb_err ended(nb_store *s, char *err, size_t errlen)
{
    if (!s->ended) {
        s->ended = 1;
        sqlite3_exec(s->db, "ROLLBACK", NULL, NULL, NULL); /* one begun again since, if any */
        nb_pack_forget(s);
        nb_pack_rids_forget(s, NULL);
    }
    if (err)
        snprintf(err, errlen, "%s: an earlier failure ended the transaction: nothing written since "
                 "it began is stored", s->path);
    return NB_ERR_SQL;
}

nb_err nb_store_begin(nb_store *s, char *err, size_t errlen)
{
    nb_err rc;
    if (s->depth == 0) {
        snapshot_off(s); /* a write reads the store as it is */
        if ((rc = nb_store_exec(s, "BEGIN IMMEDIATE", err, errlen)))
            return rc;
        s->ended = 0;
        nb_pack_rids_forget(s, NULL); /* another connection may have added records since */
    } else {
        char q[48];
        if (s->ended || sqlite3_get_autocommit(s->db))
            return ended(s, err, errlen);
        savepoint(q, sizeof q, "SAVEPOINT", s->depth);
        if ((rc = nb_pack_sync(s, err, errlen)) || (rc = nb_store_exec(s, q, err, errlen)))
            return rc;
    }
    s->depth++;
    return NB_OK;
}

nb_err nb_store_commit(nb_store *s, char *err, size_t errlen)
{
    if (s->depth <= 0) {
        snprintf(err, errlen, "%s: commit outside a transaction", s->path);
        return NB_ERR_SQL;
    }
    if (s->ended || sqlite3_get_autocommit(s->db)) {
        s->depth--;
        return ended(s, err, errlen);
    }
    char q[48];
    if (s->depth == 1)
        snprintf(q, sizeof q, "COMMIT");
    else
        savepoint(q, sizeof q, "RELEASE", s->depth - 1);
    /* the packed columns in the same transaction as the rows */
    nb_err rc = nb_pack_sync(s, err, errlen);
    if (!rc)
        rc = nb_store_exec(s, q, err, errlen);
    if (rc) {
        nb_store_rollback(s); /* the level ends all the same, its writes undone */
    } else {
        s->depth--;
        if (s->depth == 0)
            s->codes_added = 0; /* they are in the store for good */
    }
    return rc;
}

/* Undoes the innermost level. The open vocabularies' values it added are forgotten with
 * it: the dictionary is read again, else their ids, given out again, would find them. */
void nb_store_rollback(nb_store *s)
{
    if (s->depth <= 0)
        return;
    s->depth--;
    nb_pack_forget(s);
    nb_pack_rids_forget(s, NULL);
    if (!s->ended) {
        if (s->depth == 0) {
            sqlite3_exec(s->db, "ROLLBACK", NULL, NULL, NULL);
        } else {
            char q[64];
            savepoint(q, sizeof q, "ROLLBACK TO", s->depth);
            int ok = !sqlite3_get_autocommit(s->db) &&
                     sqlite3_exec(s->db, q, NULL, NULL, NULL) == SQLITE_OK;
            savepoint(q, sizeof q, "RELEASE", s->depth);
            if (!ok || sqlite3_exec(s->db, q, NULL, NULL, NULL) != SQLITE_OK)
                ended(s, NULL, 0);
        }
    }
    if (s->codes_added) {
        nb_store_codes_reload(s);
        s->codes_added = s->depth > 0; /* the levels still open may have added some too */
    }
}

int nb_store_depth(const nb_store *s)
{
    return s->depth;
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
        return nb_store_sql_fail(s, err, errlen, "storing a text");
    sqlite3_bind_int64(st, 1, body);
    sqlite3_bind_int(st, 2, year);
    sqlite3_bind_text(st, 3, text, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 4, source, -1, SQLITE_STATIC);
    int rc = sqlite3_step(st);
    sqlite3_finalize(st);
    return rc == SQLITE_DONE ? NB_OK : nb_store_sql_fail(s, err, errlen, "storing a text");
}

nb_err nb_store_source(nb_store *s, const char *path, const char *canonical, const char *kind,
                       int64_t body, const char *encoding, const char *header, int64_t *id,
                       char *err, size_t errlen)
{
    nb_store_quiet(s);
    sqlite3_stmt *st;
    if (sqlite3_prepare_v2(s->db,
                           "INSERT INTO source(path, canonical, kind, body, encoding, header) "
                           "VALUES(?1, ?2, ?3, ?4, ?5, ?6)",
                           -1, &st, NULL))
        return nb_store_sql_fail(s, err, errlen, "recording a source");
    sqlite3_bind_text(st, 1, path, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 2, canonical, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 3, kind, -1, SQLITE_STATIC);
    sqlite3_bind_int64(st, 4, body);
    sqlite3_bind_text(st, 5, encoding, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 6, header, -1, SQLITE_STATIC);
    int rc = sqlite3_step(st);
    sqlite3_finalize(st);
    if (rc != SQLITE_DONE)
        return nb_store_sql_fail(s, err, errlen, "recording a source");
    *id = sqlite3_last_insert_rowid(s->db);
    return NB_OK;
}

#define DIGEST_STEP 10 /* the step from which a source keeps its file's digest */

int nb_store_source_digests(nb_store *s)
{
    return nb_store_version(s) >= DIGEST_STEP;
}

/* Sets SQL's one text (?1) of source ID (?2). */
static nb_err set_source(nb_store *s, const char *sql, int64_t id, const char *text, char *err,
                         size_t errlen)
{
    sqlite3_stmt *st;
    if (sqlite3_prepare_v2(s->db, sql, -1, &st, NULL))
        return nb_store_sql_fail(s, err, errlen, "recording a source");
    sqlite3_bind_text(st, 1, text, -1, SQLITE_STATIC);
    sqlite3_bind_int64(st, 2, id);
    int rc = sqlite3_step(st);
    sqlite3_finalize(st);
    return rc == SQLITE_DONE ? NB_OK : nb_store_sql_fail(s, err, errlen, "recording a source");
}

nb_err nb_store_source_digest(nb_store *s, int64_t id, const char *digest, char *err,
                              size_t errlen)
{
    return set_source(s, "UPDATE source SET digest = ?1 WHERE id = ?2", id, digest, err, errlen);
}

nb_err nb_store_source_twin(nb_store *s, const char *kind, const char *table, int64_t body,
                            int idless, const char *digest, const char *canonical, char *path,
                            size_t pathlen, char *when, size_t whenlen, long *rows, char *err,
                            size_t errlen)
{
    *rows = 0;
    char sql[800];
    /* each other file as last imported (its latest source: the rows an import left
       unchanged keep an earlier one's) and the rows of the body from it, by any source */
    snprintf(sql, sizeof sql,
             "SELECT c, imported, n FROM (SELECT c, imported, (SELECT count(*) FROM \"%s\" r "
             "JOIN source s2 ON s2.id = r.src WHERE r.body = ?3 AND s2.kind = ?2 AND s2.body = ?3 "
             "AND coalesce(s2.canonical, s2.path) = c%s) AS n "
             "FROM (SELECT coalesce(canonical, path) AS c, digest, imported, max(id) FROM source "
             "WHERE body = ?3 AND kind = ?2 GROUP BY c) WHERE digest = ?1 AND c IS NOT ?4) "
             "WHERE n > 0 ORDER BY c LIMIT 1",
             table, idless ? " AND r.id = s2.path || ':' || r.line" : "");
    sqlite3_stmt *st;
    if (sqlite3_prepare_v2(s->db, sql, -1, &st, NULL))
        return nb_store_sql_fail(s, err, errlen, "looking for a copy of the file");
    sqlite3_bind_text(st, 1, digest, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 2, kind, -1, SQLITE_STATIC);
    sqlite3_bind_int64(st, 3, body);
    sqlite3_bind_text(st, 4, canonical, -1, SQLITE_STATIC);
    int rc = sqlite3_step(st);
    if (rc == SQLITE_ROW) {
        snprintf(path, pathlen, "%s", (const char *)sqlite3_column_text(st, 0));
        snprintf(when, whenlen, "%s", (const char *)sqlite3_column_text(st, 1));
        *rows = (long)sqlite3_column_int64(st, 2);
    }
    sqlite3_finalize(st);
    return rc == SQLITE_ROW || rc == SQLITE_DONE
               ? NB_OK
               : nb_store_sql_fail(s, err, errlen, "looking for a copy of the file");
}

nb_err nb_store_source_encoding(nb_store *s, int64_t id, const char *encoding, char *err,
                                size_t errlen)
{
    return set_source(s, "UPDATE source SET encoding = ?1 WHERE id = ?2", id, encoding, err, errlen);
}

nb_err nb_store_script_put(nb_store *s, int64_t body, const char *role, const char *name,
                           const char *content, char *err, size_t errlen)
{
    sqlite3_stmt *st;
    if (sqlite3_prepare_v2(s->db,
                           "INSERT INTO script(body, role, name, content) VALUES(?1, ?2, ?3, ?4) "
                           "ON CONFLICT(body, role, name) DO UPDATE SET content = excluded.content",
                           -1, &st, NULL))
        return nb_store_sql_fail(s, err, errlen, "storing a script");
    sqlite3_bind_int64(st, 1, body);
    sqlite3_bind_text(st, 2, role, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 3, name, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 4, content, -1, SQLITE_STATIC);
    int rc = sqlite3_step(st);
    sqlite3_finalize(st);
    return rc == SQLITE_DONE ? NB_OK : nb_store_sql_fail(s, err, errlen, "storing a script");
}

