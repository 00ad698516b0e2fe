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

#include "err.h"
#include "util.h"

#define NB_SCHEMA_VERSION 1


typedef struct nb_store {
    sqlite3 *db;
    char *path;
    nb_strmap codes;   /* "dict\037code" -> dictionary id */
    char **code_of;    /* dictionary id -> code (owned), index by id */
    char **dict_of;    /* dictionary id -> dictionary name (owned) */
    int ncodes;        /* highest id + 1 */
} nb_store;

/* Opens the store at PATH. With CREATE, creates it (or upgrades it) to the
 * current schema; without, a missing file is NB_ERR_NOSTORE. On failure
 * returns the error, writes a message into ERR and sets *OUT to NULL. The
 * caller closes the store with nb_store_close. */
nb_err nb_store_open(const char *path, int create, nb_store **out, char *err, size_t errlen);
void nb_store_close(nb_store *s);

/* Schema version of the open store. */
int nb_store_version(nb_store *s);

/* Looks up body NAME; with CREATE makes it when new (*CREATED set). */
nb_err nb_store_body(nb_store *s, const char *name, int create, int64_t *id, int *created,
                     char *err, size_t errlen);
/* Sets the parent of body CHILD to body PARENT (0: none). */
nb_err nb_store_body_parent(nb_store *s, int64_t child, int64_t parent, char *err, size_t errlen);

/* Makes body PARENT (created when new) the parent of body CHILD, in one
 * transaction. Refuses a cycle (a body its own ancestor). */
nb_err nb_store_set_parent(nb_store *s, const char *child, const char *parent, char *err,
                           size_t errlen);

/* Dictionary id of CODE in DICT, 0 when absent. */
int64_t nb_store_code(nb_store *s, const char *dict, const char *code);
/* Adds CODE to DICT (open vocabularies) and returns its id (existing id if
 * present), 0 on failure. */
int64_t nb_store_code_add(nb_store *s, const char *dict, const char *code, const char *label);
/* Re-reads the dictionary after a rollback. Returns 0 or -1. */
int nb_store_codes_reload(nb_store *s);
/* Code string of dictionary id ID, or NULL. */
const char *nb_store_code_str(const nb_store *s, int64_t id);

/* Transactions: BEGIN IMMEDIATE / COMMIT / ROLLBACK. */
nb_err nb_store_begin(nb_store *s, char *err, size_t errlen);
nb_err nb_store_commit(nb_store *s, char *err, size_t errlen);
void nb_store_rollback(nb_store *s);

/* Stores the Markdown text of body BODY for YEAR (replacing an earlier one). */
nb_err nb_store_text_put(nb_store *s, int64_t body, int year, const char *text,
                         const char *source, char *err, size_t errlen);

/* Stores a script of BODY for ROLE ("rules", "layout") under NAME,
 * replacing one of the same name. */
nb_err nb_store_script_put(nb_store *s, int64_t body, const char *role, const char *name,
                           const char *content, char *err, size_t errlen);

/* Records a source file and returns its id. */
nb_err nb_store_source(nb_store *s, const char *path, const char *kind, int64_t body,
                       const char *encoding, const char *header, int64_t *id, char *err,
                       size_t errlen);

#endif
