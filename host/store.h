/* store.h - the SQLite store: schema and migrations, bodies, dictionaries, texts.
 *
 * One SQLite file holds any number of bodies and years. Record tables are
 * generated from codes.c; categorical values are dictionary ids, dates
 * YYYYMMDD integers, money integer 分; every record keeps its source file,
 * line and raw values. WAL mode, foreign keys on. Depends on sqlite3 and
 * codes.h; no Lua. */
#ifndef NB_STORE_H
#define NB_STORE_H

#include <sqlite3.h>
#include <stddef.h>
#include <stdint.h>

#include "codes.h"
#include "err.h"
#include "util.h"

/* The schema version this nianbao writes: the number of migration steps. */
int nb_store_schema_version(void);
#define NB_SCHEMA_VERSION (nb_store_schema_version())
/* What migration step VERSION brings (for 'nianbao init'), or NULL. */
const char *nb_store_step_what(int version);

/* How long a command waits for a store another process has locked. */
#define NB_BUSY_MS 10000

typedef enum {
    NB_OPEN_WRITE = 0,  /* an existing store of the current version, to change */
    NB_OPEN_CREATE = 1, /* create it, or bring an older one up to date (nianbao init) */
    NB_OPEN_READ = 2    /* read only: a read-only file or folder is fine */
} nb_open_mode;

typedef struct {
    int mode;      /* nb_open_mode */
    int busy_ms;   /* wait for a lock this long (0: NB_BUSY_MS; below 0: not at all), then
                      NB_ERR_BUSY */
    void (*waiting)(void *ud, const char *path); /* called once when a wait has gone on
                                                    some 20 ms (nb_store_busy_wait) */
    void *ud;
} nb_open_opts;


typedef struct nb_store {
    sqlite3 *db;
    char *path;
    nb_strmap codes;   /* "dict\037code" -> dictionary id */
    char **code_of;    /* dictionary id -> code (owned), index by id */
    char **dict_of;    /* dictionary id -> dictionary name (owned) */
    int ncodes;        /* highest id + 1 */
    int readonly;      /* opened with NB_OPEN_READ */
    int migrated_from; /* schema version found at open (0: created) */
    char vacuum_failed[512]; /* why the migration's VACUUM failed after its commit ("": it
                                did not, or none ran): the store is migrated and whole */
    nb_open_opts opts;
    struct nb_pack_state *pack; /* what the open transaction changed (pack.c) */
    int64_t *next_rid; /* by kind: the rid its next new record takes, 0 unknown (nb_pack_rids) */
    sqlite3_stmt *body_by_name; /* nb_store_body's lookup, prepared once (most calls of the
                                   Lua API name a body: preparing it each time was 3% of a
                                   regeneration) */
    struct {
        const void *key;
        sqlite3_stmt *st;
    } kept[64]; /* statements kept for reuse (nb_store_stmt_take, nb_store_stmt_give): an
                   import keeps 7 of each kind (writer.c), the API some 11 */
    int bulk;  /* nb_store_bulk switched the file to a rollback journal */
    int depth; /* transaction levels open (nb_store_begin) */
    int snapshot; /* a read transaction nb_store_snapshot began is open */
    int ended; /* an error ended SQLite's transaction inside the open levels */
    int codes_added; /* nb_store_code_add added a value inside the open levels: a rollback
                        reads the dictionary again */
    struct nb_async *helper; /* an import's helper thread writing on this connection, or
                                NULL: waited for before the store's own writes (nb_store_quiet) */
    void *importing; /* the import running on this connection (import.c: its SQL function
                        nb_kept reads it), or NULL */
    int import_fn;   /* import.c's SQL function is made on this connection */
    struct nb_vtabs *vtabs; /* the records_ tables' share of this connection (vtab.h), or
                               NULL */
    signed char *wide; /* by kind: its table holds the coded values too (nb_store_wide):
                          1 yes, -1 no, 0 not asked yet; NULL none asked */
    size_t texts_kept; /* bytes of the buffers of texts an import's writers keep between
                          their rows, each counted past a size (writer.c) */
} nb_store;

/* Waits for the job of the import's helper thread in flight, if any (async.h): a write
 * of the store's own then reads its own rid and error message, never a group's. */
void nb_store_quiet(nb_store *s);

/* ON: large writes from here on (an import of a large file) go through a rollback
 * journal: their new pages are written once, into the file, where through the write-ahead
 * log they were written twice (into the log, then by its checkpoint into the file). A
 * small transaction is better off with the log (a rollback journal copies each page it
 * changes and syncs twice at each commit). Only outside a transaction, on a store opened
 * for writing, and when no other connection is inside a transaction (else SQLite refuses
 * at once and the log stays: nothing is waited for). OFF, nb_store_close and
 * nb_store_detach go back to the log; after a crash in between, the next writable open
 * does. While the rollback journal is in force, a reader in another process waits for
 * each of the writer's transactions to end (as for a write lock), where with the log it
 * read the state before it. Returns 1 when the journal is now a rollback journal. */
int nb_store_bulk(nb_store *s, int on);

/* A statement kept under KEY by nb_store_stmt_give (reset, its bindings as they were), now
 * the caller's; NULL when none is kept. */
sqlite3_stmt *nb_store_stmt_take(nb_store *s, const void *key);
/* Keeps ST (reset) under KEY for the next nb_store_stmt_take, or finalizes it when the
 * store keeps as many as it can. Kept statements are finalized before a detach and at
 * close. For statements costly to prepare: the writers' batch INSERT of 256 rows took a
 * quarter of importing 100 files of a body each, prepared again for each file. */
void nb_store_stmt_give(nb_store *s, const void *key, sqlite3_stmt *st);

/* The statement of SQL (a string that lives as long as the store: a literal), kept under
 * SQL itself: taken when kept (its bindings cleared), else prepared (NULL and the store's error message when it
 * cannot be). Give it back with nb_store_stmt_give(S, SQL, ST). For the statements each
 * report runs (its history, scripts, texts, figures): preparing them again for every
 * report of a regeneration was about 5% of it. */
sqlite3_stmt *nb_store_stmt(nb_store *s, const char *sql);

/* Lets go of the store's file (a worker process must open it anew: a connection never
 * crosses fork()), keeping S and its dictionary; nb_store_attach opens it again, in the
 * same mode. Detaching fails (NB_ERR_BUSY) inside a transaction or with a query open.
 * Every other call needs an attached store. */
nb_err nb_store_detach(nb_store *s, char *err, size_t errlen);
nb_err nb_store_attach(nb_store *s, char *err, size_t errlen);

/* 1 when this user may write the store at PATH and the folder SQLite writes its journal
 * in (the file exists). */
int nb_store_may_write(const char *path);

/* Opens the store at PATH in MODE (nb_open_mode). NB_OPEN_CREATE creates it
 * or upgrades it to the current schema; otherwise a missing file is
 * NB_ERR_NOSTORE and an older schema NB_ERR_OLD (the message names 'nianbao
 * init'). The dictionary is checked against the catalogue (a damaged store is
 * NB_ERR_NOSTORE). A lock held by another process is waited for, then
 * NB_ERR_BUSY. On failure returns the error, writes a message into ERR and
 * sets *OUT to NULL. The caller closes the store with nb_store_close. */
nb_err nb_store_open(const char *path, int mode, nb_store **out, char *err, size_t errlen);

/* 1 when PATH is the store's file or its journal, log or shared-memory file (the same file,
 * by device and inode, whatever its name), else 0. Opening and closing any descriptor of
 * such a file drops this process's locks on the store (POSIX): a file to read is asked
 * first, by stat alone. */
int nb_store_owns_file(const nb_store *s, const char *path);
nb_err nb_store_open_with(const char *path, const nb_open_opts *o, nb_store **out, char *err,
                          size_t errlen);

/* SQLite's busy handler of store UD (a nb_store): 1 to try again after a sleep, 0 to give
 * up (busy_ms waited); its notice (opts.waiting) at try COUNT 20, some 20 ms in. */
int nb_store_busy_wait(void *ud, int count);
void nb_store_close(nb_store *s);

/* Interrupts whatever every open store is doing (sqlite3_interrupt): for the time limit,
 * from a signal handler. */
void nb_store_interrupt_all(void);

/* Schema version of the open store. */
int nb_store_version(nb_store *s);

/* 1 when kind K's table holds its records' coded values as columns too, not in the packed
 * columns alone (pack.h): a store before schema step 9 while init migrates it, or a test
 * store given them (nb_store_keep_values); 0 otherwise. The writer then writes them too,
 * and nb_pack_verify compares the parts with them. Asked once a kind. */
int nb_store_wide(nb_store *s, const nb_kind *k);

/* Forgets what nb_store_wide found (the schema changed). */
void nb_store_forget_shape(nb_store *s);

/* The tests' reference for the packed columns: every kind's table, all of them empty,
 * given a column for each coded field, which the writer fills from then on and
 * nb_pack_verify compares the parts with. NB_ERR_INPUT when a kind holds records. */
nb_err nb_store_keep_values(nb_store *s, char *err, size_t errlen);

/* 1 when NAME may name a body: not empty nor blank (spaces alone, ASCII or 全角), at most
 * 200 bytes, no control character (a line break would break every list of bodies), UTF-8
 * (other bytes broke every JSON file of its reports), no space before or after it (a
 * second body that looks the same as the one meant). Bodies stored before keep theirs. */
int nb_store_body_name_ok(const char *name);

/* Looks up body NAME; with CREATE makes it when new (*CREATED set). */
nb_err nb_store_body(nb_store *s, const char *name, int create, int64_t *id, int *created,
                     char *err, size_t errlen);
/* Dictionary id of CODE in DICT, 0 when absent. */
int64_t nb_store_code(nb_store *s, const char *dict, const char *code);
/* The values of dictionary DICT in the store, into *N. */
nb_err nb_store_code_count(nb_store *s, const char *dict, long *n, char *err, size_t errlen);
/* Adds CODE to DICT (open vocabularies) and sets *ID to its id (the existing
 * id if present). */
nb_err nb_store_code_add(nb_store *s, const char *dict, const char *code, const char *label,
                         int64_t *id, char *err, size_t errlen);
/* Re-reads the dictionary from the store (nb_store_rollback does, when the levels it
 * undoes added to it). Returns 0 or -1. */
int nb_store_codes_reload(nb_store *s);
/* Code string of dictionary id ID, or NULL. */
const char *nb_store_code_str(const nb_store *s, int64_t id);

/* For the core's modules: "PATH: WHAT: sqlite's message" into ERR, and the nb_err of the
 * store's last SQLite error; running SQL (several statements) with such a message. */
nb_err nb_store_sql_fail(nb_store *s, char *err, size_t errlen, const char *what);

/* SQLite's message of the last failure on connection DB, with what the system said when
 * SQLite kept it ("unable to open database file (No such file or directory)"; SQLite keeps
 * it for a failed open, not for every failed write: a commit past a file size limit is
 * "disk I/O error"), into BUF of LEN; BUF. Any thread. NB_ERRMSG(db): the same in a buffer
 * of the enclosing block (1 KiB, as the messages' buffers). */
const char *nb_sqlite_errmsg(sqlite3 *db, char *buf, size_t len);
#define NB_ERRMSG(db) nb_sqlite_errmsg((db), (char[1024]){0}, 1024)
nb_err nb_store_exec(nb_store *s, const char *sql, char *err, size_t errlen);

/* ON: every read from now on sees one snapshot, the store as it was at the first of them
 * (one read transaction: each statement in one of its own took and let go of the log's
 * read lock and looked at the file, three system calls each), until
 * nb_store_snapshot(S, 0), the next nb_store_begin or the close. Nothing when the store
 * is in a transaction already or was opened to read (it holds one from its open). */
nb_err nb_store_snapshot(nb_store *s, int on, char *err, size_t errlen);

/* Transactions, which nest: the outermost is BEGIN IMMEDIATE / COMMIT / ROLLBACK, each
 * inside it a savepoint, whose commit keeps its writes for the outer one to commit and whose
 * rollback undoes its own writes alone. An error that ends SQLite's transaction at any level
 * (a full disk, an I/O error, no memory, an interrupt) undoes every level: from then on
 * nb_store_begin and nb_store_commit fail with NB_ERR_SQL, "an earlier failure ended the
 * transaction", until the outermost level has ended (committed or rolled back). Every
 * begin that succeeded is ended by one commit or rollback; a commit that fails has ended
 * its level too (the caller does not roll it back). nb_store_depth: the levels open. */
nb_err nb_store_begin(nb_store *s, char *err, size_t errlen);
nb_err nb_store_commit(nb_store *s, char *err, size_t errlen);
void nb_store_rollback(nb_store *s);
int nb_store_depth(const nb_store *s);

/* Stores the Markdown text of body BODY for YEAR (replacing an earlier one). */
nb_err nb_store_text_put(nb_store *s, int64_t body, int year, const char *text,
                         const char *source, char *err, size_t errlen);

/* Stores a script of BODY for ROLE ("rules", "layout") under NAME,
 * replacing one of the same name. */
nb_err nb_store_script_put(nb_store *s, int64_t body, const char *role, const char *name,
                           const char *content, char *err, size_t errlen);

/* Records a source file (PATH as given, CANONICAL its canonical path or
 * NULL) and returns its id. */
nb_err nb_store_source(nb_store *s, const char *path, const char *canonical, const char *kind,
                       int64_t body, const char *encoding, const char *header, int64_t *id,
                       char *err, size_t errlen);
/* Whether the store's sources keep their content's digest (schema version 10 on; the
 * test build plays older versions). */
int nb_store_source_digests(nb_store *s);
/* Sets the SHA-256 (hex) of source ID's file: kept for the files of kinds whose id is
 * optional (their rows are known by FILE:LINE, so a copy of the file elsewhere would
 * bring them again). */
nb_err nb_store_source_digest(nb_store *s, int64_t id, const char *digest, char *err,
                              size_t errlen);
/* Another file than CANONICAL whose last import for BODY had the content DIGEST and whose
 * rows of KIND (stored in TABLE) for BODY are still stored: its path into PATH (PATHLEN),
 * when it was last imported into WHEN (WHENLEN), its rows' count into *ROWS; *ROWS 0 when
 * there is none. IDLESS: only its rows without an id (known as FILE:LINE, their file's path
 * as given then) are counted. The sources of stores before version 10 have no digest. */
nb_err nb_store_source_twin(nb_store *s, const char *kind, const char *table, int64_t body, int idless,
                            const char *digest, const char *canonical, char *path,
                            size_t pathlen, char *when, size_t whenlen, long *rows, char *err,
                            size_t errlen);
/* Sets the encoding of source ID: the reader decides it only as it reads
   (a file whose first lines are ASCII is GB18030 at its first GBK line). */
nb_err nb_store_source_encoding(nb_store *s, int64_t id, const char *encoding, char *err,
                                size_t errlen);

#endif
