/* workers.h - worker processes for batch work (regen --jobs N): fork with the store
 * opened anew on each side, and whole messages from each worker to its parent through a
 * pipe. POSIX; the Lua side (lua_host.c) only marshals. */
#ifndef NB_WORKERS_H
#define NB_WORKERS_H

#include <stddef.h>
#include <sys/types.h>

#include "err.h"
#include "store.h"

typedef struct {
    pid_t pid;  /* 0 in the worker itself */
    int fd;     /* the parent's read end, or the worker's write end; -1 once ended */
    int status; /* once ended: the exit status (128 + N when signal N killed it) */
} nb_worker;

/* Starts a worker: lets go of S (nb_store_detach), forks, and opens S again on both
 * sides, so no SQLite connection crosses the fork. Pending stdio output is flushed first
 * and a time limit (alarm) carries over into the worker. In the worker W->pid is 0 and
 * W->fd the write end; in the parent W->pid is the worker's and W->fd the read end. */
nb_err nb_worker_start(nb_store *s, nb_worker *w, char *err, size_t errlen);

/* In the worker: sends one message of LEN bytes (any bytes) to the parent, whole. */
nb_err nb_worker_send(nb_worker *w, const void *data, size_t len, char *err, size_t errlen);

/* In the parent: waits up to TIMEOUT_MS (-1: no limit) for the next message of any of
 * the N workers. Returns NB_OK with *WHICH = the worker and *DATA (malloc'ed, the caller
 * frees; NUL-terminated) and *LEN; or *WHICH = the worker and *DATA = NULL when it ended
 * (its fd is -1 and its status set, the process reaped); or *WHICH = -1 when the time
 * ran out, a signal came, or every worker has ended. A worker that ends in the middle of
 * a message, or a message over 256 MiB, is NB_ERR_IO naming the worker. */
nb_err nb_worker_receive(nb_worker *ws, int n, int timeout_ms, int *which, char **data,
                         size_t *len, char *err, size_t errlen);

/* In the parent: ends every worker still running (SIGTERM) and reaps it. */
void nb_worker_stop_all(nb_worker *ws, int n);

#endif
