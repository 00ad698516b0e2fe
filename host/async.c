/* async.c - one job at a time in a thread of its own; a few waits at once (async.h). */
#include "async.h"

#include <pthread.h>
#include <signal.h>
#include <stdlib.h>

struct nb_async {
    pthread_t thread;
    pthread_mutex_t mu;
    pthread_cond_t cv;   /* a job was given, it ended, or the thread is to stop */
    nb_job job;
    int given;           /* a job is in flight (given, its done not yet run) */
    int ended;           /* its run has returned */
    int quit;
};

static void *helper(void *arg)
{
    nb_async *a = arg;
    pthread_mutex_lock(&a->mu);
    for (;;) {
        while (!a->quit && (!a->given || a->ended))
            pthread_cond_wait(&a->cv, &a->mu);
        if (a->quit)
            break;
        nb_job job = a->job;
        pthread_mutex_unlock(&a->mu);
        job.run(job.ud);
        pthread_mutex_lock(&a->mu);
        a->ended = 1;
        pthread_cond_broadcast(&a->cv);
    }
    pthread_mutex_unlock(&a->mu);
    return NULL;
}

nb_async *nb_async_new(void)
{
    nb_async *a = calloc(1, sizeof *a);
    if (!a)
        return NULL;
    if (pthread_mutex_init(&a->mu, NULL) != 0) {
        free(a);
        return NULL;
    }
    if (pthread_cond_init(&a->cv, NULL) != 0) {
        pthread_mutex_destroy(&a->mu);
        free(a);
        return NULL;
    }
    sigset_t all, old;
    sigfillset(&all);
    pthread_sigmask(SIG_SETMASK, &all, &old);
    int rc = pthread_create(&a->thread, NULL, helper, a);
    pthread_sigmask(SIG_SETMASK, &old, NULL);
    if (rc != 0) {
        pthread_cond_destroy(&a->cv);
        pthread_mutex_destroy(&a->mu);
        free(a);
        return NULL;
    }
    return a;
}

void nb_async_wait(nb_async *a)
{
    if (!a)
        return;
    pthread_mutex_lock(&a->mu);
    while (a->given && !a->ended)
        pthread_cond_wait(&a->cv, &a->mu);
    nb_job job = a->job;
    int had = a->given;
    a->given = a->ended = 0;
    pthread_mutex_unlock(&a->mu);
    if (had && job.done)
        job.done(job.ud);
}

int nb_async_idle(nb_async *a)
{
    pthread_mutex_lock(&a->mu);
    int idle = !a->given || a->ended;
    pthread_mutex_unlock(&a->mu);
    return idle;
}

void nb_async_submit(nb_async *a, nb_job job)
{
    nb_async_wait(a);
    pthread_mutex_lock(&a->mu);
    a->job = job;
    a->given = 1;
    a->ended = 0;
    pthread_cond_broadcast(&a->cv);
    pthread_mutex_unlock(&a->mu);
}

void nb_async_free(nb_async *a)
{
    if (!a)
        return;
    nb_async_wait(a);
    pthread_mutex_lock(&a->mu);
    a->quit = 1;
    pthread_cond_broadcast(&a->cv);
    pthread_mutex_unlock(&a->mu);
    pthread_join(a->thread, NULL);
    pthread_cond_destroy(&a->cv);
    pthread_mutex_destroy(&a->mu);
    free(a);
}

/* ---- nb_each ---- */

#define EACH_STACK ((size_t)64 << 10) /* a system call and its wait: no more */
#define EACH_MOST 16

struct each {
    int n;
    int next; /* the next i to run (atomic) */
    void (*run)(void *ud, int i);
    void *ud;
};

static void *each_thread(void *arg)
{
    struct each *e = arg;
    for (int i; (i = __atomic_fetch_add(&e->next, 1, __ATOMIC_RELAXED)) < e->n;)
        e->run(e->ud, i);
    return NULL;
}

int nb_each(int n, int most, void (*run)(void *ud, int i), void *ud)
{
    struct each e = {n, 0, run, ud};
    pthread_t threads[EACH_MOST];
    int started = 0;
    if (most > EACH_MOST)
        most = EACH_MOST;
    if (most > n)
        most = n;
    if (most > 1) {
        pthread_attr_t attr;
        sigset_t all, old;
        if (pthread_attr_init(&attr) == 0) {
            pthread_attr_setstacksize(&attr, EACH_STACK);
            sigfillset(&all);
            pthread_sigmask(SIG_SETMASK, &all, &old); /* signals stay the caller's */
            while (started < most - 1 &&
                   pthread_create(&threads[started], &attr, each_thread, &e) == 0)
                started++;
            pthread_sigmask(SIG_SETMASK, &old, NULL);
            pthread_attr_destroy(&attr);
        }
    }
    each_thread(&e);
    for (int t = 0; t < started; t++)
        pthread_join(threads[t], NULL);
    return started + 1;
}
