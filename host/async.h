/* async.h - one job at a time in a thread of its own; a few waits at once (nb_each).
 *
 * Provides a helper thread that runs a job's work while its caller goes on,
 * and the job's end in the caller's thread: the writer steps a batch INSERT
 * there while the import reads and codes the next rows (on two processors the
 * two overlap). At most one job is in flight; submitting another, or waiting,
 * first waits for it and runs its done. The helper blocks every signal (the
 * watchdog's go to the caller). Depends on pthreads; no Lua, no SQLite. */
#ifndef NB_ASYNC_H
#define NB_ASYNC_H

typedef struct nb_async nb_async;

/* A job: RUN(UD) in the helper thread, then DONE(UD) (may be NULL) in the
 * thread that next submits or waits, once RUN has returned. */
typedef struct {
    void (*run)(void *ud);
    void (*done)(void *ud);
    void *ud;
} nb_job;

/* A helper thread waiting for jobs; NULL when none can be had (out of memory,
 * no thread): the caller then does the work itself. */
nb_async *nb_async_new(void);

/* Waits for the job in flight (and runs its done), then starts JOB. */
void nb_async_submit(nb_async *a, nb_job job);

/* Waits for the job in flight, if any, and runs its done. A may be NULL. */
void nb_async_wait(nb_async *a);

/* 1 when no job is running: none given, or its run has returned (its done may not
 * have run yet). */
int nb_async_idle(nb_async *a);

/* Waits as nb_async_wait, then stops and joins the thread and frees A (NULL allowed). */
void nb_async_free(nb_async *a);

/* RUN(UD, i) for every i in 0 .. N-1, in up to MOST threads at once, the caller's among
 * them (each other thread blocking every signal, on a small stack: for work that waits
 * on the system, such as fsync, rather than the processor); returns when every one has
 * returned. The order of the i is not told. Without a thread to be had, the caller runs
 * them all. Returns the number of threads that ran them, the caller's included. */
int nb_each(int n, int most, void (*run)(void *ud, int i), void *ud);

#endif
