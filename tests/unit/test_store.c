/* test_store.c - unit tests of host/store.c: create/open/reopen, versions, WAL, bodies, dictionary. */
#include "codes.h"
#include "bodies.h"
#include "store.h"
#include "t.h"

#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

static char dir[64];

static const char *path_of(const char *name)
{
    static char paths[8][256];
    static int next;
    char *p = paths[next++ % 8];
    snprintf(p, sizeof paths[0], "%s/%s", dir, name);
    return p;
}

/* One integer from SQL on the open connection DB (-1 on failure). */
static long long sql_int(sqlite3 *db, const char *sql)
{
    sqlite3_stmt *st;
    long long v = -1;
    if (sqlite3_prepare_v2(db, sql, -1, &st, NULL) != SQLITE_OK)
        return -1;
    if (sqlite3_step(st) == SQLITE_ROW)
        v = sqlite3_column_int64(st, 0);
    sqlite3_finalize(st);
    return v;
}

/* One text from SQL on DB, copied into a static buffer ("" on failure). */
static const char *sql_text(sqlite3 *db, const char *sql)
{
    static char out[256];
    sqlite3_stmt *st;
    out[0] = '\0';
    if (sqlite3_prepare_v2(db, sql, -1, &st, NULL) != SQLITE_OK)
        return out;
    if (sqlite3_step(st) == SQLITE_ROW && sqlite3_column_text(st, 0))
        snprintf(out, sizeof out, "%s", (const char *)sqlite3_column_text(st, 0));
    sqlite3_finalize(st);
    return out;
}

/* Runs SQL on PATH through a separate connection (as another program would). */
static int raw_exec(const char *path, const char *sql)
{
    sqlite3 *db;
    int rc = sqlite3_open(path, &db);
    if (rc == SQLITE_OK)
        rc = sqlite3_exec(db, sql, NULL, NULL, NULL);
    sqlite3_close(db);
    return rc;
}

static long long file_size(const char *path)
{
    struct stat sb;
    return stat(path, &sb) == 0 ? (long long)sb.st_size : -1;
}

static void test_create_open(void)
{
    char err[512] = "", want[1024];
    nb_store *s = NULL;
    const char *path = path_of("a.db");

    /* Missing store without create. */
    nb_err rc = nb_store_open(path, 0, &s, err, sizeof err);
    CHECK(rc == NB_ERR_NOSTORE && s == NULL, "open: missing store without create is NB_ERR_NOSTORE");
    snprintf(want, sizeof want, "%s: no store here (create one with 'nianbao init -d %s')", path,
             path);
    CHECK_STR(err, want, "open: missing store message");
    CHECK(file_size(path) < 0, "open: a missing store is not created without create");
    CHECK_STR(nb_strerror(NB_ERR_NOSTORE), "no store", "strerror: NB_ERR_NOSTORE");

    /* Create. */
    rc = nb_store_open(path, 1, &s, err, sizeof err);
    CHECK(rc == NB_OK && s != NULL, "open: create a new store");
    if (!s)
        return;
    CHECK(nb_store_version(s) == NB_SCHEMA_VERSION, "open: schema version is current");
    CHECK(sql_int(s->db, "PRAGMA user_version") == NB_SCHEMA_VERSION,
          "open: schema version kept in PRAGMA user_version");
    CHECK_STR(sql_text(s->db, "PRAGMA journal_mode"), "wal", "open: WAL mode");
    CHECK(sql_int(s->db, "PRAGMA foreign_keys") == 1, "open: foreign keys on");
    CHECK(sql_int(s->db, "SELECT count(*) FROM sqlite_master WHERE type = 'table' AND name IN "
                         "('body', 'source', 'dict', 'text', 'request', 'appeal', 'document', "
                         "'matter', 'decision', 'charge', 'purchase')") == 11,
          "open: every table created");
    CHECK_STR(s->path, path, "open: path kept");
    int64_t body;
    CHECK(nb_store_body(s, "沈河区", 1, &body, NULL, err, sizeof err) == NB_OK && body > 0,
          "open: a body in the new store");
    nb_store_close(s);
    s = NULL;

    /* Reopen, with and without create: same data, no second schema. */
    rc = nb_store_open(path, 0, &s, err, sizeof err);
    CHECK(rc == NB_OK && s, "reopen: without create");
    if (!s)
        return;
    CHECK(sql_int(s->db, "SELECT count(*) FROM body WHERE name = '沈河区'") == 1,
          "reopen: data survives");
    CHECK_STR(sql_text(s->db, "PRAGMA journal_mode"), "wal", "reopen: still WAL");
    CHECK(sql_int(s->db, "PRAGMA foreign_keys") == 1, "reopen: foreign keys on again");
    CHECK(sql_int(s->db, "PRAGMA mmap_size") == 0, "reopen: a connection that writes reads through read()");
    nb_store_close(s);
    /* A connection that only reads reads through read() too: a map's page fault on a cold
       page read the device's whole read-ahead around it (8 MB here: a report read 24 MB
       of its store, and took 29 ms against 21.8 through read()), and the full tabulation at
       1e7 took 0.136 s of CPU against 0.175 s mapped (a fault is dear in a VM). */
    rc = nb_store_open(path, NB_OPEN_READ, &s, err, sizeof err);
    CHECK(rc == NB_OK && s && sql_int(s->db, "PRAGMA mmap_size") == 0,
          "reopen: a connection that only reads reads through read(), not a map");
    CHECK(s && sql_int(s->db, "SELECT count(*) FROM body WHERE name = '沈河区'") == 1,
          "reopen: read by a reader");
    nb_store_close(s);
    rc = nb_store_open(path, 1, &s, err, sizeof err);
    CHECK(rc == NB_OK && s, "reopen: with create (nianbao init twice)");
    CHECK(s && sql_int(s->db, "SELECT count(*) FROM body") == 1 &&
              sql_int(s->db, "SELECT count(*) FROM dict WHERE dict = 'applicant'") == 6,
          "reopen: with create keeps the data and the dictionary once");
    nb_store_close(s);
    nb_store_close(NULL); /* allowed */

    /* A store written by a newer nianbao. */
    CHECK(raw_exec(path, "PRAGMA user_version = 99") == SQLITE_OK, "version: set to 99 by hand");
    s = (nb_store *)1;
    rc = nb_store_open(path, 0, &s, err, sizeof err);
    CHECK(rc == NB_ERR_VERSION && s == NULL, "version: newer store is NB_ERR_VERSION");
    snprintf(want, sizeof want,
             "%s: store has schema version 99; this nianbao knows versions up to %d "
             "(use a newer nianbao)", path, NB_SCHEMA_VERSION);
    CHECK_STR(err, want, "version: message names both versions");
    rc = nb_store_open(path, 1, &s, err, sizeof err);
    CHECK(rc == NB_ERR_VERSION && s == NULL, "version: create does not downgrade a newer store");
    CHECK_STR(nb_strerror(NB_ERR_VERSION), "store written by a newer nianbao",
              "strerror: NB_ERR_VERSION");
    char back[64];
    snprintf(back, sizeof back, "PRAGMA user_version = %d", NB_SCHEMA_VERSION);
    CHECK(raw_exec(path, back) == SQLITE_OK, "version: set back");
    rc = nb_store_open(path, 0, &s, err, sizeof err);
    CHECK(rc == NB_OK, "version: opens again at the current version");
    nb_store_close(s);
}

static void test_not_a_store(void)
{
    char err[512] = "", want[1024];
    nb_store *s = NULL;

    /* An empty file is not made a store without create, and is left alone. */
    const char *empty = path_of("empty.db");
    fclose(fopen(empty, "w"));
    nb_err rc = nb_store_open(empty, 0, &s, err, sizeof err);
    CHECK(rc == NB_ERR_NOSTORE && !s, "empty file: NB_ERR_NOSTORE without create");
    snprintf(want, sizeof want,
             "%s: not a nianbao store (empty; create one with 'nianbao init -d %s')", empty,
             empty);
    CHECK_STR(err, want, "empty file: message");
    CHECK(file_size(empty) == 0, "empty file: left unchanged");
    rc = nb_store_open(empty, 1, &s, err, sizeof err);
    CHECK(rc == NB_OK && s, "empty file: becomes a store with create");
    nb_store_close(s);
    s = NULL;

    /* Another program's SQLite database is refused, even with create. */
    const char *other = path_of("other.db");
    CHECK(raw_exec(other, "CREATE TABLE t(x); INSERT INTO t VALUES(1);") == SQLITE_OK,
          "other db: made");
    rc = nb_store_open(other, 1, &s, err, sizeof err);
    CHECK(rc == NB_ERR_NOSTORE && !s, "other db: refused with create");
    snprintf(want, sizeof want, "%s: not a nianbao store (an SQLite database with other tables)",
             other);
    CHECK_STR(err, want, "other db: message");
    {
        sqlite3 *db;
        sqlite3_open(other, &db);
        CHECK(sql_int(db, "SELECT count(*) FROM sqlite_master") == 1 &&
                  strcmp(sql_text(db, "PRAGMA journal_mode"), "delete") == 0,
              "other db: no table added, journal mode unchanged");
        sqlite3_close(db);
    }

    /* A file that is not SQLite at all. */
    const char *junk = path_of("junk.db");
    FILE *f = fopen(junk, "w");
    for (int i = 0; i < 100; i++)
        fputs("this is not a database\n", f);
    fclose(f);
    rc = nb_store_open(junk, 1, &s, err, sizeof err);
    CHECK(rc == NB_ERR_SQL && !s, "junk file: NB_ERR_SQL");
    snprintf(want, sizeof want, "%s: file is not a database", junk);
    CHECK_STR(err, want, "junk file: SQLite's message with the path");
    CHECK(file_size(junk) == 100 * 23, "junk file: left unchanged");

    /* A folder that does not exist. */
    rc = nb_store_open(path_of("no/such/dir.db"), 1, &s, err, sizeof err);
    CHECK(rc == NB_ERR_IO && !s && strstr(err, "cannot create the store (its folder") != NULL &&
              strstr(err, "does not exist)") != NULL,
          "missing folder: cannot create the store, saying why (an I/O error)");
}

static void test_bodies(nb_store *s)
{
    char err[512] = "", want[512];
    int64_t a = 0, b = 0, again = 0;
    int created = -1;
    nb_err rc = nb_store_body(s, "沈河区", 0, &a, &created, err, sizeof err);
    CHECK(rc == NB_ERR_NOTFOUND && a == 0 && created == 0, "body: lookup of a new name fails");
    snprintf(want, sizeof want, "%s: no body named '沈河区'", s->path);
    CHECK_STR(err, want, "body: not found message");
    rc = nb_store_body(s, "沈河区", 1, &a, &created, err, sizeof err);
    CHECK(rc == NB_OK && a > 0 && created == 1, "body: created");
    rc = nb_store_body(s, "沈河区", 1, &again, &created, err, sizeof err);
    CHECK(rc == NB_OK && again == a && created == 0, "body: second create finds the same body");
    CHECK(nb_store_body_name_ok("沈河区") && nb_store_body_name_ok("a b") && !nb_store_body_name_ok("") &&
              !nb_store_body_name_ok("   ") && !nb_store_body_name_ok("\xe3\x80\x80 ") &&
              !nb_store_body_name_ok("a\nb") && !nb_store_body_name_ok("a\x7f"),
          "body: a name is not empty, blank or with a control character");
    int64_t none = -1;
    CHECK(nb_store_body(s, " ", 1, &none, NULL, err, sizeof err) == NB_ERR_INPUT && none == 0 &&
              strcmp(err, "' ' is not a body name (empty or blank)") == 0,
          "body: a blank name is not created");
    rc = nb_store_body(s, "沈河区", 0, &again, NULL, err, sizeof err);
    CHECK(rc == NB_OK && again == a, "body: lookup finds it");
    rc = nb_store_body(s, "大东区", 1, &b, NULL, err, sizeof err);
    CHECK(rc == NB_OK && b > 0 && b != a, "body: a second body has its own id");
    int64_t city;
    nb_store_body(s, "沈阳市", 1, &city, NULL, err, sizeof err);
    CHECK(nb_store_body_parent(s, a, city, err, sizeof err) == NB_OK, "body: parent set");
    CHECK(sql_int(s->db, "SELECT count(*) FROM body b JOIN body p ON p.id = b.parent "
                         "WHERE b.name = '沈河区' AND p.name = '沈阳市'") == 1,
          "body: parent stored");
    rc = nb_store_body_parent(s, b, 9999, err, sizeof err);
    CHECK(rc == NB_ERR_SQL && strstr(err, "FOREIGN KEY constraint failed") != NULL,
          "body: a missing parent is refused (foreign keys enforced)");
    CHECK(nb_store_body_parent(s, a, 0, err, sizeof err) == NB_OK &&
              sql_int(s->db, "SELECT count(*) FROM body WHERE parent IS NULL") == 3,
          "body: parent 0 clears it");
}

static void test_codes(nb_store *s)
{
    char err[512];
    int64_t person = nb_store_code(s, "applicant", "person");
    int64_t business = nb_store_code(s, "applicant", "business");
    int64_t o31 = nb_store_code(s, "outcome", "3.1");
    CHECK(person > 0 && business > 0 && person != business, "dict: national codes loaded");
    CHECK_STR(nb_store_code_str(s, person), "person", "dict: code of an id");
    CHECK_STR(nb_store_code_str(s, o31), "3.1", "dict: outcome 3.1");
    CHECK(nb_store_code(s, "applicant", "3.1") == 0, "dict: codes belong to their dictionary");
    CHECK(nb_store_code(s, "applicant", "自然人") == 0, "dict: a label is not a code");
    CHECK(nb_store_code(s, "nosuch", "person") == 0, "dict: unknown dictionary");
    CHECK(nb_store_code_str(s, 0) == NULL && nb_store_code_str(s, 100000) == NULL,
          "dict: no code for id 0 or an unknown id");
    CHECK(sql_int(s->db, "SELECT count(*) FROM dict WHERE dict = 'outcome'") == 22,
          "dict: 22 outcome codes in the store");
    CHECK_STR(sql_text(s->db, "SELECT label FROM dict WHERE dict = 'outcome' AND code = '4.1'"),
              "本机关不掌握相关政府信息", "dict: labels stored");

    /* Open vocabularies grow. */
    int64_t mail = 0, again = 0, web = 0;
    CHECK(nb_store_code_add(s, "channel", "信函", NULL, &mail, err, sizeof err) == NB_OK &&
              mail > 0, "dict: open vocabulary value added");
    CHECK(nb_store_code_add(s, "channel", "信函", NULL, &again, err, sizeof err) == NB_OK &&
              again == mail, "dict: added twice, one id");
    CHECK(nb_store_code(s, "channel", "信函") == mail, "dict: found after adding");
    CHECK(nb_store_code_add(s, "applicant", "person", NULL, &again, err, sizeof err) == NB_OK &&
              again == person, "dict: adding an existing national code gives its id");

    /* A code added in a rolled-back transaction is forgotten by the rollback itself: the
     * id it had is given again to the next value added, which must not find the old one. */
    CHECK(nb_store_begin(s, err, sizeof err) == NB_OK, "dict: begin");
    nb_store_code_add(s, "channel", "网络", NULL, &web, err, sizeof err);
    CHECK(web > 0 && nb_store_code(s, "channel", "网络") == web, "dict: added in a transaction");
    nb_store_rollback(s);
    CHECK(nb_store_code(s, "channel", "网络") == 0, "dict: rolled-back code forgotten");
    int64_t phone = 0;
    CHECK(nb_store_code_add(s, "channel", "电话", NULL, &phone, err, sizeof err) == NB_OK &&
              phone > 0, "dict: a value added after the rollback");
    CHECK_STR(nb_store_code_str(s, phone), "电话", "dict: its id names it, not the rolled-back one");
    CHECK(nb_store_code(s, "channel", "网络") == 0, "dict: the rolled-back value not found again");
    /* the same after a nested level's rollback */
    CHECK(nb_store_begin(s, err, sizeof err) == NB_OK && nb_store_begin(s, err, sizeof err) ==
                                                              NB_OK, "dict: begin twice");
    int64_t fax = 0;
    nb_store_code_add(s, "channel", "传真", NULL, &fax, err, sizeof err);
    nb_store_rollback(s);
    CHECK(nb_store_code(s, "channel", "传真") == 0, "dict: forgotten by the inner rollback");
    CHECK(nb_store_code(s, "channel", "电话") == phone, "dict: the outer level's value kept");
    nb_store_commit(s, err, sizeof err);
    /* a value of the outer level, then an inner level's rolled back: the outer's is
       still known until the outer level is rolled back too */
    int64_t visit = 0, post = 0;
    CHECK(nb_store_begin(s, err, sizeof err) == NB_OK, "dict: begin the outer level");
    nb_store_code_add(s, "channel", "来访", NULL, &visit, err, sizeof err);
    CHECK(nb_store_begin(s, err, sizeof err) == NB_OK, "dict: begin the inner level");
    nb_store_code_add(s, "channel", "邮寄", NULL, &post, err, sizeof err);
    nb_store_rollback(s);
    CHECK(visit > 0 && nb_store_code(s, "channel", "来访") == visit &&
              nb_store_code(s, "channel", "邮寄") == 0,
          "dict: the inner rollback forgets its value, not the outer level's");
    nb_store_rollback(s);
    CHECK(nb_store_code(s, "channel", "来访") == 0, "dict: the outer rollback forgets its value");
    CHECK(nb_store_codes_reload(s) == 0, "dict: reload");
    CHECK(nb_store_code(s, "channel", "信函") == mail && nb_store_code(s, "applicant", "person") ==
                                                              person,
          "dict: committed codes kept over reload");
}

static void test_texts_sources(nb_store *s)
{
    char err[512];
    int64_t body, src;
    nb_store_body(s, "沈河区", 1, &body, NULL, err, sizeof err);
    CHECK(nb_store_text_put(s, body, 2020, "## 一、总体情况\n旧", "a.md", err, sizeof err) == NB_OK,
          "text: stored");
    CHECK(nb_store_text_put(s, body, 2020, "## 一、总体情况\n新", "b.md", err, sizeof err) == NB_OK,
          "text: replaced");
    CHECK(sql_int(s->db, "SELECT count(*) FROM text") == 1, "text: one per body and year");
    CHECK_STR(sql_text(s->db, "SELECT markdown || '|' || source FROM text WHERE year = 2020"),
              "## 一、总体情况\n新|b.md", "text: the later one wins");
    CHECK(nb_store_text_put(s, 424242, 2020, "x", "c.md", err, sizeof err) == NB_ERR_SQL,
          "text: unknown body refused");
    CHECK(nb_store_source(s, "r.csv", NULL, "request", body, "UTF-8", "编号\037收到日期", &src, err,
                          sizeof err) == NB_OK && src > 0,
          "source: recorded");
    CHECK_STR(sql_text(s->db, "SELECT path || '|' || kind || '|' || encoding FROM source"),
              "r.csv|request|UTF-8", "source: fields stored");
    /* a file's digest, and another file of that content whose rows are stored */
    CHECK(nb_store_source_digests(s), "source: a new store keeps digests");
    int64_t a, b;
    CHECK(nb_store_source(s, "a/c.csv", "/x/a/c.csv", "charge", body, "UTF-8", "", &a, err, sizeof err) == NB_OK &&
              nb_store_source_digest(s, a, "d1", err, sizeof err) == NB_OK,
          "source: digest kept");
    char path[64], when[64];
    long rows = -1;
    CHECK(nb_store_source_twin(s, "charge", "charge", body, 0, "d1", "/x/b/c.csv", path, sizeof path, when,
                               sizeof when, &rows, err, sizeof err) == NB_OK && rows == 0,
          "source twin: none while the file has no row stored");
    char sql[300];
    snprintf(sql, sizeof sql, "INSERT INTO charge(body, id, rid, src, line, raw) VALUES(%lld, 'c.csv:2', 1, %lld, 2, '')",
             (long long)body, (long long)a);
    CHECK(sqlite3_exec(s->db, sql, NULL, NULL, NULL) == SQLITE_OK, "(a row of it)");
    CHECK(nb_store_source_twin(s, "charge", "charge", body, 0, "d1", "/x/b/c.csv", path, sizeof path, when,
                               sizeof when, &rows, err, sizeof err) == NB_OK && rows == 1,
          "source twin: another file of the same content, a row stored");
    CHECK_STR(path, "/x/a/c.csv", "source twin: its canonical path");
    CHECK(nb_store_source_twin(s, "charge", "charge", body, 0, "d1", "/x/a/c.csv", path, sizeof path, when,
                               sizeof when, &rows, err, sizeof err) == NB_OK && rows == 0,
          "source twin: not the file itself");
    CHECK(nb_store_source_twin(s, "charge", "charge", body + 1, 0, "d1", "/x/b/c.csv", path, sizeof path, when,
                               sizeof when, &rows, err, sizeof err) == NB_OK && rows == 0,
          "source twin: not another body's");
    /* the file imported again with other content: its latest source decides */
    CHECK(nb_store_source(s, "a/c.csv", "/x/a/c.csv", "charge", body, "UTF-8", "", &b, err, sizeof err) == NB_OK &&
              nb_store_source_digest(s, b, "d2", err, sizeof err) == NB_OK,
          "(the file imported again, changed)");
    CHECK(nb_store_source_twin(s, "charge", "charge", body, 0, "d1", "/x/b/c.csv", path, sizeof path, when,
                               sizeof when, &rows, err, sizeof err) == NB_OK && rows == 0,
          "source twin: not of the file's earlier content");
    CHECK(nb_store_source_twin(s, "charge", "charge", body, 0, "d2", "/x/b/c.csv", path, sizeof path, when,
                               sizeof when, &rows, err, sizeof err) == NB_OK && rows == 1,
          "source twin: of its content as last imported, its rows by any of its sources");
    /* of a file with ids: its rows without one alone (their id its path as given, and line) */
    snprintf(sql, sizeof sql, "INSERT INTO charge(body, id, rid, src, line, raw) VALUES(%lld, 'a/c.csv:3', 2, %lld, 3, ''), "
             "(%lld, 'C9', 3, %lld, 4, '')", (long long)body, (long long)b, (long long)body, (long long)b);
    CHECK(sqlite3_exec(s->db, sql, NULL, NULL, NULL) == SQLITE_OK, "(a row without an id, one with)");
    CHECK(nb_store_source_twin(s, "charge", "charge", body, 1, "d2", "/x/b/c.csv", path, sizeof path, when,
                               sizeof when, &rows, err, sizeof err) == NB_OK && rows == 1,
          "source twin: its rows without an id alone");
    CHECK(nb_store_source_twin(s, "charge", "charge", body, 0, "d2", "/x/b/c.csv", path, sizeof path, when,
                               sizeof when, &rows, err, sizeof err) == NB_OK && rows == 3,
          "source twin: and all its rows");
}

/* The bodies named 层% (the nesting test's own), in name order, joined by ",". */
static const char *levels(nb_store *s)
{
    return sql_text(s->db, "SELECT coalesce(group_concat(name, ','), '') FROM "
                           "(SELECT name FROM body WHERE name LIKE '层%' ORDER BY name)");
}

static nb_err add(nb_store *s, const char *name)
{
    char err[512];
    int64_t id;
    return nb_store_body(s, name, 1, &id, NULL, err, sizeof err);
}

/* Transactions nest: an inner level's rollback undoes its own writes alone, an inner
 * commit leaves them to the outer level, an error that ends SQLite's transaction undoes
 * every level and says so, and a commit that fails ends its level. */
static void test_nested(nb_store *s)
{
    char err[512] = "";
    CHECK(nb_store_begin(s, err, sizeof err) == NB_OK && nb_store_depth(s) == 1, "nested: outer begun");
    add(s, "层1");
    CHECK(nb_store_begin(s, err, sizeof err) == NB_OK && nb_store_depth(s) == 2, "nested: inner begun");
    add(s, "层2");
    nb_store_rollback(s);
    CHECK(nb_store_depth(s) == 1, "nested: inner rolled back, the outer open");
    CHECK_STR(levels(s), "层1", "nested: the inner rollback undid its own write, not the outer's");
    CHECK(nb_store_begin(s, err, sizeof err) == NB_OK, "nested: another inner begun");
    add(s, "层3");
    CHECK(nb_store_begin(s, err, sizeof err) == NB_OK && nb_store_depth(s) == 3, "nested: three levels");
    add(s, "层4");
    CHECK(nb_store_commit(s, err, sizeof err) == NB_OK, "nested: the innermost committed");
    CHECK(nb_store_commit(s, err, sizeof err) == NB_OK && nb_store_depth(s) == 1,
          "nested: the middle committed");
    CHECK(!sqlite3_get_autocommit(s->db), "nested: still in the outer transaction");
    CHECK(nb_store_commit(s, err, sizeof err) == NB_OK && nb_store_depth(s) == 0 &&
              sqlite3_get_autocommit(s->db),
          "nested: the outer committed");
    CHECK_STR(levels(s), "层1,层3,层4", "nested: what the levels committed is stored");

    /* an inner commit is undone by the outer rollback */
    nb_store_begin(s, err, sizeof err);
    nb_store_begin(s, err, sizeof err);
    add(s, "层5");
    nb_store_commit(s, err, sizeof err);
    nb_store_rollback(s);
    CHECK(nb_store_depth(s) == 0 && sqlite3_get_autocommit(s->db), "nested: outer rolled back");
    CHECK_STR(levels(s), "层1,层3,层4", "nested: an inner commit is undone by the outer rollback");

    /* a trigger's RAISE(ROLLBACK) ends SQLite's transaction inside an inner level */
    sqlite3_exec(s->db, "CREATE TEMP TRIGGER nb_test_end BEFORE INSERT ON body WHEN new.name = '层坏' "
                        "BEGIN SELECT RAISE(ROLLBACK, 'ended by the test'); END",
                 NULL, NULL, NULL);
    nb_store_begin(s, err, sizeof err);
    add(s, "层6");
    nb_store_begin(s, err, sizeof err);
    CHECK(add(s, "层坏") != NB_OK && sqlite3_get_autocommit(s->db), "ended: the trigger ended the transaction");
    nb_store_rollback(s);
    CHECK(nb_store_depth(s) == 1, "ended: the inner level rolled back, the outer still counted");
    err[0] = '\0';
    CHECK(nb_store_begin(s, err, sizeof err) == NB_ERR_SQL && strstr(err, "an earlier failure ended the transaction"),
          "ended: no level begins in it");
    CHECK(nb_store_depth(s) == 1, "ended: the refused begin opened no level");
    add(s, "层7"); /* outside any transaction: written by itself, as SQLite would */
    err[0] = '\0';
    CHECK(nb_store_commit(s, err, sizeof err) == NB_ERR_SQL && strstr(err, "nothing written since it began is stored"),
          "ended: the outer commit fails and says why");
    CHECK(nb_store_depth(s) == 0, "ended: every level closed");
    CHECK(sql_int(s->db, "SELECT count(*) FROM body WHERE name = '层6'") == 0, "ended: the outer level's write is gone");
    CHECK(nb_store_begin(s, err, sizeof err) == NB_OK && nb_store_depth(s) == 1, "ended: a new transaction begins");
    add(s, "层8");
    CHECK(nb_store_commit(s, err, sizeof err) == NB_OK, "ended: and commits");
    CHECK(sql_int(s->db, "SELECT count(*) FROM body WHERE name = '层8'") == 1, "ended: its write stored");
    sqlite3_exec(s->db, "DROP TRIGGER nb_test_end", NULL, NULL, NULL);

    /* a commit that fails (a deferred foreign key broken at COMMIT) ends its level */
    sqlite3_exec(s->db, "PRAGMA foreign_keys = ON", NULL, NULL, NULL);
    nb_store_begin(s, err, sizeof err);
    sqlite3_exec(s->db, "PRAGMA defer_foreign_keys = ON", NULL, NULL, NULL);
    add(s, "层9");
    CHECK(sqlite3_exec(s->db, "INSERT INTO text(body, year, markdown) VALUES(987654, 2020, 'x')", NULL, NULL,
                       NULL) == SQLITE_OK,
          "failed commit: a deferred foreign key broken");
    CHECK(nb_store_commit(s, err, sizeof err) != NB_OK, "failed commit: refused");
    CHECK(nb_store_depth(s) == 0 && sqlite3_get_autocommit(s->db), "failed commit: the transaction ended");
    CHECK(sql_int(s->db, "SELECT count(*) FROM body WHERE name = '层9'") == 0, "failed commit: its writes undone");
    nb_store_rollback(s); /* nothing open: nothing happens */
    CHECK(nb_store_depth(s) == 0, "rollback with nothing open: no level");
}

/* Opening only reads: it works while another connection is writing. */
static void test_open_while_writing(const char *path)
{
    char err[512] = "";
    sqlite3 *w;
    sqlite3_open(path, &w);
    int rc = sqlite3_exec(w, "BEGIN IMMEDIATE; INSERT INTO body(name) VALUES('写入中');", NULL,
                          NULL, NULL);
    CHECK(rc == SQLITE_OK, "concurrent: another connection holds the write lock");
    nb_store *s = NULL;
    nb_err e = nb_store_open(path, 0, &s, err, sizeof err);
    CHECK(e == NB_OK && s, "concurrent: the store opens during another's write");
    if (s) {
        CHECK(nb_store_code(s, "applicant", "person") > 0, "concurrent: dictionary loaded");
        CHECK(sql_int(s->db, "SELECT count(*) FROM body WHERE name = '写入中'") == 0,
              "concurrent: uncommitted rows are not seen");
        nb_store_close(s);
    }
    sqlite3_exec(w, "ROLLBACK", NULL, NULL, NULL);
    sqlite3_close(w);
}

/* The busy handler: the notice of a wait comes once, at the 21st try (some 20 ms in), not
 * at the first (a lock held for a millisecond or two, a worker's short write, was said as a
 * wait); it gives up when busy_ms is waited, at once when below 0. */
static int waits_said;
static void count_wait(void *ud, const char *path)
{
    (void)ud, (void)path;
    waits_said++;
}

static void test_busy_wait(void)
{
    nb_store s = {.path = "x.db"};
    s.opts.busy_ms = 1000;
    s.opts.waiting = count_wait;
    waits_said = 0;
    int tries = 1;
    for (int count = 0; count < 20; count++)
        tries &= nb_store_busy_wait(&s, count);
    CHECK(tries && waits_said == 0, "busy: the first 20 tries (1 ms each) wait without a word");
    tries = nb_store_busy_wait(&s, 20);
    CHECK(tries && waits_said == 1, "busy: the 21st says it is waiting");
    tries = nb_store_busy_wait(&s, 21);
    CHECK(tries && waits_said == 1, "busy: once");
    CHECK(nb_store_busy_wait(&s, 20 + 1000 / 50) == 0, "busy: gives up after busy_ms");
    s.opts.busy_ms = -1;
    CHECK(nb_store_busy_wait(&s, 0) == 0 && waits_said == 1, "busy: below 0: at once, without a word");
}

/* nb_store_snapshot: the reads of a writable store see the store as it was at the first
 * of them while another connection commits, until it is ended, or a write of its own
 * ends it (and reads the store as it is); in a transaction already, nothing. */
static void test_snapshot(const char *path)
{
    char err[512] = "";
    nb_store *s = NULL;
    sqlite3 *w;
    const char *count = "SELECT count(*) FROM body WHERE name LIKE '快照%'";

    if (nb_store_open(path, 0, &s, err, sizeof err) != NB_OK) {
        printf("not ok - snapshot: cannot open %s: %s\n", path, err);
        return;
    }
    sqlite3_open(path, &w);
    CHECK(nb_store_snapshot(s, 1, err, sizeof err) == NB_OK && s->snapshot, "snapshot: begun");
    long long before = sql_int(s->db, count);
    CHECK(sqlite3_exec(w, "INSERT INTO body(name) VALUES('快照一')", NULL, NULL, NULL) == SQLITE_OK,
          "snapshot: another connection commits a row meanwhile");
    CHECK(sql_int(s->db, count) == before, "snapshot: its reads do not see it");
    CHECK(nb_store_snapshot(s, 1, err, sizeof err) == NB_OK && sql_int(s->db, count) == before,
          "snapshot: begun again while open: the same snapshot");
    CHECK(nb_store_snapshot(s, 0, err, sizeof err) == NB_OK && !s->snapshot && sql_int(s->db, count) == before + 1,
          "snapshot: ended, the reads see the row");
    CHECK(nb_store_snapshot(s, 1, err, sizeof err) == NB_OK && sql_int(s->db, count) == before + 1,
          "snapshot: begun again");
    sqlite3_exec(w, "INSERT INTO body(name) VALUES('快照二')", NULL, NULL, NULL);
    CHECK(nb_store_begin(s, err, sizeof err) == NB_OK, "snapshot: a write begins inside it (no 'within a transaction')");
    CHECK(!s->snapshot && sql_int(s->db, count) == before + 2, "snapshot: the write ended it: it reads the store as it is");
    CHECK(nb_store_snapshot(s, 1, err, sizeof err) == NB_OK && !s->snapshot,
          "snapshot: inside a write, none is begun");
    CHECK(nb_store_commit(s, err, sizeof err) == NB_OK, "snapshot: the write commits");
    CHECK(nb_store_snapshot(s, 1, err, sizeof err) == NB_OK && s->snapshot && sql_int(s->db, count) == before + 2,
          "snapshot: begun after the write");
    sqlite3_exec(w, "DELETE FROM body WHERE name LIKE '快照%'", NULL, NULL, NULL);
    /* a checkpoint that empties the log waits for its readers: busy (1) while one reads */
    CHECK(sql_int(w, "PRAGMA wal_checkpoint(TRUNCATE)") == 1, "snapshot: a reader holds the log");
    nb_store_close(s);
    CHECK(sql_int(w, "PRAGMA wal_checkpoint(TRUNCATE)") == 0, "snapshot: the close ended it");
    sqlite3_close(w);
}

/* Every catalogue entry was added by a migration step this build knows, and a step's
 * entries make its whole part: a kind's fields are no older than the kind. */
static void test_catalogue_versions(void)
{
    int v = nb_store_schema_version(), bad = 0;
    for (int k = 0; k < nb_nkinds; k++) {
        const nb_kind *kd = &nb_kinds[k];
        bad |= kd->since < 1 || kd->since > v;
        for (int f = 0; f < kd->nfields; f++)
            bad |= kd->fields[f].since < kd->since || kd->fields[f].since > v;
        for (int r = 0; r < kd->nrules; r++)
            bad |= nb_field_find(kd, kd->rules[r].a) < 0 || nb_field_find(kd, kd->rules[r].b) < 0;
    }
    for (int d = 0; d < nb_ndicts; d++)
        for (int i = 0; i < nb_dicts[d].nvalues; i++)
            bad |= nb_dicts[d].values[i].since < 1 || nb_dicts[d].values[i].since > v;
    CHECK(!bad, "catalogue: every kind, field and value was added by a known migration step; "
                "rules name fields of their kind");
    for (int i = 1; i <= v; i++)
        CHECK(nb_store_step_what(i) != NULL, "migrations: every step says what it brings");
    CHECK(nb_store_step_what(0) == NULL && nb_store_step_what(v + 1) == NULL,
          "migrations: no step 0, none after the last");
}

/* A store in a folder the user cannot write is read through a second, immutable connection
 * (its -shm file cannot be made there): it gets every connection's settings too. Checked
 * in a child (as the user nobody when run as root, who may write anywhere) whose SQLite
 * maps files by default, as some builds do: the store is still read through read(), and
 * foreign keys are on. */
static void test_immutable_settings(void)
{
    char sub[128], path[160], shm[170], err[512];
    nb_store *s = NULL;
    snprintf(sub, sizeof sub, "%s/ro", dir);
    snprintf(path, sizeof path, "%s/s.db", sub);
    snprintf(shm, sizeof shm, "%s-shm", path);
    CHECK(mkdir(sub, 0755) == 0 && nb_store_open(path, 1, &s, err, sizeof err) == NB_OK,
          "immutable: a store made");
    nb_store_close(s);
    CHECK(chmod(dir, 0755) == 0 && chmod(sub, 0555) == 0, "immutable: its folder read-only");
    pid_t pid = fork();
    if (pid == 0) {
        if (geteuid() == 0 && (setgid(65534) != 0 || setuid(65534) != 0))
            _exit(3);
        sqlite3_shutdown();
        if (sqlite3_config(SQLITE_CONFIG_MMAP_SIZE, (sqlite3_int64)1 << 28,
                           (sqlite3_int64)1 << 30) != SQLITE_OK)
            _exit(4);
        sqlite3_initialize();
        nb_store *r = NULL;
        if (nb_store_open(path, NB_OPEN_READ, &r, err, sizeof err) != NB_OK)
            _exit(5);
        int ok = sql_int(r->db, "PRAGMA mmap_size") == 0 && sql_int(r->db, "PRAGMA foreign_keys") == 1 &&
                 sql_int(r->db, "SELECT count(*) FROM body") >= 0;
        nb_store_close(r);
        _exit(ok ? 0 : 1);
    }
    int status = -1;
    CHECK(pid > 0 && waitpid(pid, &status, 0) == pid && WIFEXITED(status) && WEXITSTATUS(status) == 0,
          "immutable: the reader of a read-only folder reads through read(), foreign keys on");
    CHECK(access(shm, F_OK) != 0, "immutable: it made no file in the folder (the immutable connection)");
    chmod(sub, 0755);
    chmod(dir, 0700);
}

int main(void)
{
    char cmd[128], err[512];
    snprintf(dir, sizeof dir, "/tmp/nb_store_XXXXXX");
    if (!mkdtemp(dir)) {
        perror("mkdtemp");
        return 2;
    }
    test_catalogue_versions();
    test_busy_wait();
    test_create_open();
    test_not_a_store();
    nb_store *s = NULL;
    const char *path = path_of("b.db");
    if (nb_store_open(path, 1, &s, err, sizeof err) != NB_OK) {
        printf("not ok - cannot create %s: %s\n", path, err);
        return 1;
    }
    test_bodies(s);
    test_codes(s);
    test_texts_sources(s);
    test_nested(s);
    nb_store_close(s);
    test_open_while_writing(path);
    test_snapshot(path);
    test_immutable_settings();
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
    if (system(cmd) != 0)
        fprintf(stderr, "cannot remove %s\n", dir);
    T_DONE();
}
