/* pack.h - the packed columns of each kind's coded fields: what tabulation reads.
 *
 * For each kind and body, the records' coded fields (every field that is not text: dates
 * as day codes, dictionary ids, numbers and 分), in parts of at most NB_PACK_PART
 * records in rid order, each column stored in the fewest bytes its range needs (a
 * request: about 7 bytes). Kept in the store's table pack, changed in the same
 * transaction as the rows: the writers say what they add (nb_pack_append), change
 * (nb_pack_update) or remove (nb_pack_remove), written into the parts without reading the
 * rows, or which records the rows must make again (nb_pack_touch); nb_store_commit calls
 * nb_pack_sync before COMMIT and nb_store_rollback forgets (nb_pack_forget).
 * nb_pack_verify compares every part with a recomputation from the rows.
 *
 * The table keeps a part's stats before its data (schema step 5): a reader of the stats
 * alone selects them without the data, and reads about a page a part.
 *
 * A part's blob: u8 version (1), u8 ncols (the rids and the packed columns), u32 n, i64
 * the first rid, then for each column i64 base and u8 width (0, 1, 2, 4 or 8), then each
 * column's n values as width-byte little-endian offsets from its base; the rid column
 * holds the differences from the rid before (0 first), so consecutive rids cost nothing. Its stats blob: for each column the smallest value that is not
 * 0 (0 when none) and the largest, as i64 (the year range of a cube without years); then
 * for each column the number of its values that are 0, as i64 (a part written before
 * had none: its zeros are unknown, and a window never leaves it out). nb_pack_verify
 * checks them against the data. Empty values (a NULL in the row) are 0. Depends on
 * store.h and codes.h; no Lua. */
#ifndef NB_PACK_H
#define NB_PACK_H

#include "codes.h"
#include "runs.h"
#include "store.h"

#define NB_PACK_PART 8192

/* The day code of YYYYMMDD: 1 for 1900-01-01, counting days; 0 for 0 (empty). */
int64_t nb_pack_day(int ymd);

/* YYYYMMDD of day code DAY (not 0). */
int nb_pack_ymd(int64_t day);
/* The year of day code DAY (not 0): nb_pack_ymd(DAY) / 10000, faster. */
int nb_pack_year_of_day(int64_t day);

/* The number of packed columns of K, and the field of each (FIELD[c], at most
 * NB_MAX_FIELDS); -1 in COL_OF[f] for a text field. */
int nb_pack_columns(const nb_kind *k, int *field, int *col_of);

/* ---- writers (inside the caller's transaction) ---- */

/* Record RID of BODY, new (its rid above every rid of the body's parts), with the coded
 * values IVAL[f] where HAS[f] (the writer's nb_rec), and ROW[0..NROW) its id and fields as
 * stored, then its source's id, its line and its raw values (for the pair's digest: a
 * transaction that only adds records carries it on, nb_digest_carry; the source is hashed
 * as its path and header, as runs.c reads it with the rows). */
nb_err nb_pack_append(nb_store *s, const nb_kind *k, int64_t body, int64_t rid,
                      const int64_t *ival, const unsigned char *has, const nb_dvalue *row,
                      int nrow, char *err, size_t errlen);

/* Record RID of BODY changed in place: its coded values are now IVAL[f] where HAS[f]
 * (as nb_pack_append). Written into its part at commit, without reading the rows. */
nb_err nb_pack_update(nb_store *s, const nb_kind *k, int64_t body, int64_t rid,
                      const int64_t *ival, const unsigned char *has, char *err, size_t errlen);

/* The rids of kind K's new records, given by the program (a row is written with its rid
 * bound, not left to SQLite): the first in *FIRST, and N from it taken (N 0: told, not
 * taken). Inside a transaction they are counted on from the largest rid of the kind's
 * packed parts + 1 (the parts, not the rows: a narrow table has no index on rid), read when
 * the transaction began or after a rollback or a failed write (the parts are complete then:
 * they are written before each level begins and when it ends); a removal does not read it
 * again, so a transaction never gives a rid twice. Outside one, read each time.
 * Thread-safe on a serialized connection (an import's helper writes batches). SQLite's
 * code. */
int nb_pack_rids(nb_store *s, const nb_kind *k, int n, int64_t *first);

/* The coded values of records RIDS[0..N) (ascending) of kind K of BODY as the open
 * transaction sees them (its changes listed, its buffer, then the parts): into VALS[i *
 * ncols + c] for each packed column c (dates as day codes, as the parts keep them), GOT[i]
 * 1; 0 when no part holds the record (removed, or a damaged store); 2 when its parts are
 * to be made again from the rows at commit, or damaged: the rows hold its values. */
nb_err nb_pack_values(nb_store *s, const nb_kind *k, int64_t body, int n, const int64_t *rids,
                      int64_t *vals, signed char *got, char *err, size_t errlen);

/* Forgets the count of K's rids (NULL: every kind's): read again at the next. */
void nb_pack_rids_forget(nb_store *s, const nb_kind *k);

/* Record RID of BODY was removed: taken out of its part at commit (as nb_pack_update). */
nb_err nb_pack_remove(nb_store *s, const nb_kind *k, int64_t body, int64_t rid, char *err,
                      size_t errlen);

/* Record RID of BODY changed or was removed (RID 0: any, or all, of the body's): its
 * parts from RID on are made again from the rows at commit. */
nb_err nb_pack_touch(nb_store *s, const nb_kind *k, int64_t body, int64_t rid, char *err,
                     size_t errlen);

/* Records of BODY changed in their text fields alone: the parts stay, the pair's kept
 * digest (runs.h) is forgotten at commit. */
nb_err nb_pack_changed(nb_store *s, const nb_kind *k, int64_t body, char *err, size_t errlen);

/* Writes what the transaction changed into the parts: the appended records, the changed
 * and removed ones, and the parts of touched records again from the rows; forgets the kept
 * digest of every pair noted (nb_digest_forget). */
nb_err nb_pack_sync(nb_store *s, char *err, size_t errlen);

/* Forgets what the transaction noted (it was rolled back). */
void nb_pack_forget(nb_store *s);

/* Every part of every kind and body again: from the rows of a kind whose table holds the
 * coded values too (nb_store_wide: a store made before packs, migrated); else from the
 * parts, each decoded, merged into full ones and written again (a damaged one is
 * NB_ERR_NOSTORE: nb_pack_drop_damaged first). Inside the caller's transaction. */
nb_err nb_pack_rebuild_all(nb_store *s, char *err, size_t errlen);

/* Of a kind whose parts are its coded values' only copy (not nb_store_wide): removes each
 * part that is not whole (it does not decode, its rids are not its range, its statistics
 * are not its values', a value is one no record may hold) with the records of its body in
 * its rids' range, whose values are lost; then the records in a body's rows alone (their
 * values lost) or in its parts alone (their ids lost). Counts them in *LOST (their bodies'
 * files imported again bring them back). Inside the caller's transaction; the parts are
 * written at its commit. */
nb_err nb_pack_drop_damaged(nb_store *s, long *lost, char *err, size_t errlen);

/* NB_ERR_NOSTORE, with ERR saying BODY's parts of K are damaged and what can be done. */
nb_err nb_pack_damaged(nb_store *s, const nb_kind *k, int64_t body, char *err, size_t errlen);

/* Compares every kind's parts with the rows: *BAD counts the (kind, body) pairs whose
 * packed records differ from the rows' (and a message in WHY names the first). */
nb_err nb_pack_verify(nb_store *s, long *bad, char *why, size_t whylen, char *err,
                      size_t errlen);

/* ---- readers ---- */

/* One part, decoded: RID[0..N) the records' rids (ascending), COL[c][0..N) the values
 * of packed column c; IN_WINDOW as nb_pack_window says. */
typedef struct {
    int64_t body;
    int n, ncols;
    int in_window;           /* its stats put every record in the cursor's window (1), or
                                cannot tell, or there is none (0) */
    int64_t *rid;
    int64_t *col[NB_MAX_FIELDS];
} nb_pack_part;

typedef struct nb_pack_cursor nb_pack_cursor;

/* The parts of kind K, of BODY (0: of every body), in body and rid order. */
nb_err nb_pack_open(nb_store *s, const nb_kind *k, int64_t body, nb_pack_cursor **out,
                    char *err, size_t errlen);
/* The next part (valid until the next call): NB_OK, or NB_DONE after the last. */
nb_err nb_pack_next(nb_pack_cursor *c, const nb_pack_part **part, char *err, size_t errlen);

/* From now on, C leaves out (from its stats alone, without reading its data) a part none
 * of whose records can be open between day codes LO and HI - 1: every record's packed
 * column OPEN on or after HI, or every record's CLOSE not 0 and before LO. A body's
 * records imported in date order (a file a year) are then read for the years asked
 * alone. A part whose stats predate the zero counts is always read. A part read has
 * IN_WINDOW set when its stats put every record in the window: every OPEN before HI, and
 * every CLOSE 0 or on or after LO. */
void nb_pack_window(nb_pack_cursor *c, int open, int close, int64_t lo, int64_t hi);

/* From now on, C decodes the rids and packed columns COLS[0..N) alone; the others'
 * values in a part are left as they were (not the part's). */
void nb_pack_want(nb_pack_cursor *c, const int *cols, int n);
/* Before the first nb_pack_next: C gives each part a slice at a time (at most 1,024 records,
 * in order; each slice a part of the same body, its rids and columns those of its records),
 * so a loop over every record reads the same few pages of memory. */
void nb_pack_slices(nb_pack_cursor *c);
void nb_pack_close(nb_pack_cursor *c);
/* Frees C without giving its statement back to its store, which is closed. */
void nb_pack_abandon(nb_pack_cursor *c);

/* Marks in SEEN[y - 1900] (SEEN of 8100 bytes: 1900..9999) the years in which the packed
 * date column COL of K's records of BODY has a date. */
nb_err nb_pack_years(nb_store *s, const nb_kind *k, int64_t body, int col, unsigned char *seen,
                     char *err, size_t errlen);

/* The smallest value that is not 0, and the largest, of packed column COL over the
 * parts of K of BODY (0: every body); both 0 when there are none. */
nb_err nb_pack_range(nb_store *s, const nb_kind *k, int64_t body, int col, int64_t *lo,
                     int64_t *hi, char *err, size_t errlen);

/* For each body with parts of K, in body order: FN(UD, body, records, lo, hi), where LO and
 * HI are the smallest value that is not 0 and the largest of packed column COL over the
 * body's parts (both 0 when none), from the parts' stats alone. Nonzero from FN stops. */
typedef int (*nb_pack_body_fn)(void *ud, int64_t body, long records, int64_t lo, int64_t hi);
nb_err nb_pack_bodies(nb_store *s, const nb_kind *k, int col, nb_pack_body_fn fn, void *ud,
                      char *err, size_t errlen);

/* The records a transaction buffers before it writes every pair's as a part (then merged
 * at commit): ROWS from now on (<= 0: unchanged); returns the bound before. For tests. */
long nb_pack_bound(long rows);

/* The records read from the rows to make parts again since the process began. For tests. */
long nb_pack_rows_read(void);

/* The parts a cursor's window left out since the process began. For tests. */
long nb_pack_parts_skipped(void);

#endif
