/* vtab.h - each kind's records as a read-only SQL table: records_<table>.
 *
 * SELECT * FROM records_request gives the columns rid, body, id, each field, src, line,
 * raw, with the values the kind's table has held (dates YYYYMMDD, categories' dictionary
 * ids, numbers and 分, NULL for an empty date or category), the coded ones read from the
 * packed columns (pack.h) through an nb_rows cursor (records.h): so a query stays right
 * when the rows no longer hold them. Body by body, in rid order within a body. A body = ?
 * and an id = ? are given to the cursor; any other test SQLite makes itself.
 *
 * Eponymous: nb_vtab_register makes one on a connection for every kind, and each reads
 * through store S (the connection's own: S->db). At most 32 cursors reading at once on a
 * connection (each holds a part decoded, outside a script's memory limit). */
#ifndef NB_VTAB_H
#define NB_VTAB_H

#include "store.h"

/* Makes records_<table> on S->db for every kind; SQLite frees them with the connection. */
nb_err nb_vtab_register(nb_store *s, char *err, size_t errlen);

/* Before S's connection is closed: a statement over the tables finalized later frees its
 * cursors without S (a script's query that raised is finalized when it is collected). */
void nb_vtab_abandon(nb_store *s);

/* The records the tables' cursors on S read since the last call (each open counting as a
 * thousand): the work a script's query budget is charged with, which SQLite's progress
 * handler, counting each statement's own steps, does not see. */
int64_t nb_vtab_work(nb_store *s);

#endif
