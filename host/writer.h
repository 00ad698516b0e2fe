/* writer.h - writes coded records of one kind, body and source into the store.
 *
 * Records new to the body go in batches of multi-row INSERTs (one statement
 * per row costs a third of an import), shared by the bodies of one import that
 * are new to the kind (nb_batch), which a helper thread may step while the
 * caller reads and codes the next rows (nb_writer_async); a record whose id the
 * body already has is updated in place. The caller holds the transaction (all
 * rows or none). Depends on store.h, coder.h (nb_rec) and async.h; no Lua. */
#ifndef NB_WRITER_H
#define NB_WRITER_H

#include "async.h"
#include "coder.h"

typedef struct nb_writer nb_writer;

/* What the writers of one import share about their helper thread: the first group that
 * failed, there or when its packed parts followed. The helper sets FAILED at once
 * (nb_writer_failed reads it); RC and ERR are set in the import's thread when the
 * group's end is run (nb_async_wait), and every writer's next call returns them. */
typedef struct {
    int failed;
    nb_err rc;
    char err[512];
} nb_write_fail;

/* 1 once a group failed in the helper: the import stops, waits for the helper (which
 * fills RC and ERR) and rolls back. */
int nb_writer_failed(const nb_write_fail *f);

/* The queue that the writers of one import share for the bodies new to kind K: their
 * records go by multi-row INSERTs that mix the bodies' rows, so that a file interleaving
 * many bodies takes one queue's memory, not one per body, and its batches stay full.
 * FILE (kept by the caller) names the rows' file in messages. Its statement is prepared
 * at the first record. Freed after its writers (nb_batch_free waits for a group in
 * flight); nb_writer_flush of any of its writers writes all its records. */
typedef struct nb_batch nb_batch;
nb_err nb_batch_new(nb_store *s, const nb_kind *k, const char *file, nb_batch **out, char *err,
                    size_t errlen);
void nb_batch_free(nb_batch *q);

/* ON: while no writer of a body that has rows is made with Q, an idle helper
 * (nb_writer_async) is given each batch of Q's records as it fills, not only full groups
 * (for a large file read by the import's thread alone: its first rows wait for no group,
 * and fewer are left to write after the reading). Off when made. */
void nb_batch_early(nb_batch *q, int on);

/* Ends Q's early hand-overs, if on: its records pending are written first (whatever
 * the helper's timing, the rows so far take their rids in the file's order, and a
 * failure among them is this call's), and from now on a group goes when full, at counts
 * of records alone. nb_writer_new calls it for a body that has rows; the import when it
 * refuses its first row. */
nb_err nb_batch_early_end(nb_batch *q, char *err, size_t errlen);
/* A writer of kind K for BODY, rows from source SRC. When the body has no rows of the
 * kind yet, new rows are batched: in SHARED when given (of kind K), else in the writer's
 * own queue. */
nb_err nb_writer_new(nb_store *s, const nb_kind *k, int64_t body, int64_t src, nb_batch *shared,
                     nb_writer **out, char *err, size_t errlen);
void nb_writer_free(nb_writer *w);

/* Names FILE (kept by the caller) as the rows' file in the writer's messages: "FILE:LINE:
 * cannot store the row: …"; without it, the store's path stands there. A writer of a
 * shared queue says its queue's file. */
void nb_writer_file(nb_writer *w, const char *file);

/* The rid of the body's record ID, 0 when it has none. While the ids asked
 * for rise (in the index's order), the body's rows are read ahead in that
 * order, several at a time, rather than sought one by one; no statement is
 * left open between two calls. */
nb_err nb_writer_find(nb_writer *w, const char *id, int64_t *rid, char *err, size_t errlen);

/* As nb_writer_find, but it writes the queued records first and looks even in a
 * body that had no rows: a record this writer wrote is found too. */
nb_err nb_writer_lookup(nb_writer *w, const char *id, int64_t *rid, char *err, size_t errlen);

/* The source and line of the record nb_writer_find or nb_writer_lookup found last. */
void nb_writer_found_at(const nb_writer *w, int64_t *src, long *line);

/* Names the earlier imports of this file (its canonical path CANONICAL) for the
 * body: records they wrote may be found unchanged. */
nb_err nb_writer_same_file(nb_writer *w, const char *canonical, char *err, size_t errlen);

/* The earlier imports of this file for the body that nb_writer_same_file found. */
size_t nb_writer_same_count(const nb_writer *w);

/* 1 when the body had rows of the kind when the writer was made (they are looked up). */
int nb_writer_has_rows(const nb_writer *w);

/* 1 when REC at line LINE, with raw values RAW, is exactly the record RID that
 * nb_writer_find found last, written by an earlier import of this file: its
 * values, line and raw values all the same. Such a record needs no write (it
 * keeps the earlier source). */
int nb_writer_unchanged(nb_writer *w, const nb_rec *rec, int64_t rid, long line, const char *raw);

/* Queues REC as record ID (its line LINE, the raw values it keeps RAW, as
 * nb_coder_raw makes them) for record RID (0: a new record) and writes what is
 * due. The texts are copied. */
nb_err nb_writer_put(nb_writer *w, const nb_rec *rec, const char *id, int64_t rid, long line,
                     const char *raw, char *err, size_t errlen);

/* Done with the row nb_writer_find found (put or unchanged): the rows read ahead are let
 * go when their texts are large (rows of megabytes), to be read again if wanted. */
void nb_writer_let_go(nb_writer *w);

/* The rows writers have read ahead since the process began. For tests. */
long nb_writer_rows_read(void);

/* From now on rows the writer's queue writes itself wait for any job of A in flight
 * first, and, when GROUPS and the queue batches (bodies new to the kind), its records
 * are queued in groups of 4,096 (about 4 MB of buffers, taken once a batch's worth is
 * queued), each written by the helper thread of A while the next one fills (a group
 * that fails says so at the next call of any writer of the queue, and in FAIL; a
 * failure that ended the transaction begins another, so that nothing written after it
 * is kept). Updates stay here: the helper holds the connection for a whole group, and
 * the import looks up each updated row's record as it reads, and each of its steps
 * waits (by hand, on a busy machine, a re-import of 1e6 changed rows took 4.2-4.5 s
 * through the helper against 3.5 s without). A shared queue takes the first call's A,
 * GROUPS and FAIL. Only on a connection SQLite serializes (opened with its mutex); else,
 * or when out of memory, nothing changes. The caller waits for A before any other
 * write whose rid, count of changes or error message it reads (nb_async_wait). A
 * outlives W and its queue. */
void nb_writer_async(nb_writer *w, nb_async *a, int groups, nb_write_fail *fail);

/* Writes every queued record, and forgets the rows nb_writer_find read ahead
 * (call it before the commit). */
nb_err nb_writer_flush(nb_writer *w, char *err, size_t errlen);


#endif
