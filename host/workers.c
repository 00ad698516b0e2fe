/* workers.c - worker processes for batch work; see workers.h. */
#include "workers.h"

#include "files.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#define MAX_MESSAGE (256u << 20)

/* A worker told to stop (SIGTERM: another failed, or the command is ending) removes the
 * named temporary files it was about to move into place, then ends by the signal. */
static void on_term(int sig)
{
    nb_temp_cleanup();
    signal(sig, SIG_DFL);
    raise(sig);
}

nb_err nb_worker_start(nb_store *s, nb_worker *w, char *err, size_t errlen)
{
    int p[2];
    nb_err rc;
    w->pid = -1;
    w->fd = -1;
    w->status = 0;
    if (pipe(p) != 0) {
        snprintf(err, errlen, "cannot start a worker: %s", strerror(errno));
        return NB_ERR_IO;
    }
    if ((rc = nb_store_detach(s, err, errlen))) {
        close(p[0]);
        close(p[1]);
        return rc;
    }
    fflush(NULL);
    unsigned left = alarm(0);
    pid_t pid = fork();
    if (left)
        alarm(left);
    if (pid < 0) {
        snprintf(err, errlen, "cannot start a worker: %s", strerror(errno));
        close(p[0]);
        close(p[1]);
        char again[512];
        if (nb_store_attach(s, again, sizeof again))
            snprintf(err, errlen, "cannot start a worker: %s; %s", strerror(errno), again);
        return NB_ERR_IO;
    }
    if (pid == 0) {
        struct sigaction sa;
        memset(&sa, 0, sizeof sa);
        sa.sa_handler = on_term;
        sigemptyset(&sa.sa_mask);
        sigaction(SIGTERM, &sa, NULL);
        s->opts.waiting = NULL; /* the workers wait for each other's writes: no notice */
        close(p[0]);
        w->pid = 0;
        w->fd = p[1];
    } else {
        close(p[1]);
        w->pid = pid;
        w->fd = p[0];
        fcntl(p[0], F_SETFD, FD_CLOEXEC);
    }
    return nb_store_attach(s, err, errlen);
}

static nb_err write_all(int fd, const void *data, size_t len, char *err, size_t errlen)
{
    const char *p = data;
    while (len > 0) {
        ssize_t n = write(fd, p, len);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0) {
            snprintf(err, errlen, "worker: cannot send to the parent: %s", strerror(errno));
            return NB_ERR_IO;
        }
        p += n;
        len -= (size_t)n;
    }
    return NB_OK;
}

nb_err nb_worker_send(nb_worker *w, const void *data, size_t len, char *err, size_t errlen)
{
    if (len > MAX_MESSAGE) {
        snprintf(err, errlen, "worker: a message of %zu bytes is too long", len);
        return NB_ERR_LIMIT;
    }
    uint32_t head = (uint32_t)len;
    nb_err rc = write_all(w->fd, &head, sizeof head, err, errlen);
    return rc ? rc : write_all(w->fd, data, len, err, errlen);
}

/* Reads exactly LEN bytes; 0 bytes at the start is *EOF = 1. */
static int read_all(int fd, void *data, size_t len, int *eof)
{
    char *p = data;
    size_t got = 0;
    *eof = 0;
    while (got < len) {
        ssize_t n = read(fd, p + got, len - got);
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0)
            return -1;
        if (n == 0) {
            if (got == 0)
                *eof = 1;
            return got == 0 ? 0 : -1;
        }
        got += (size_t)n;
    }
    return 0;
}

static void reap(nb_worker *w)
{
    int st = 0;
    while (waitpid(w->pid, &st, 0) < 0 && errno == EINTR)
        ;
    w->status = WIFEXITED(st) ? WEXITSTATUS(st) : WIFSIGNALED(st) ? 128 + WTERMSIG(st) : 1;
    close(w->fd);
    w->fd = -1;
}

nb_err nb_worker_receive(nb_worker *ws, int n, int timeout_ms, int *which, char **data,
                         size_t *len, char *err, size_t errlen)
{
    *which = -1;
    *data = NULL;
    *len = 0;
    struct pollfd pf[64];
    int idx[64], np = 0;
    for (int i = 0; i < n && np < 64; i++)
        if (ws[i].fd >= 0) {
            pf[np].fd = ws[i].fd;
            pf[np].events = POLLIN;
            pf[np].revents = 0;
            idx[np++] = i;
        }
    if (np == 0)
        return NB_OK;
    int r = poll(pf, (nfds_t)np, timeout_ms);
    if (r < 0 && errno != EINTR) {
        snprintf(err, errlen, "waiting for the workers: %s", strerror(errno));
        return NB_ERR_IO;
    }
    if (r <= 0)
        return NB_OK;
    for (int k = 0; k < np; k++) {
        if (!pf[k].revents)
            continue;
        nb_worker *w = &ws[idx[k]];
        *which = idx[k];
        uint32_t head;
        int eof;
        if (read_all(w->fd, &head, sizeof head, &eof) == 0 && eof) {
            reap(w);
            return NB_OK;
        }
        char *buf = NULL;
        int bad = eof || head > MAX_MESSAGE || !(buf = malloc((size_t)head + 1)) ||
                  read_all(w->fd, buf, head, &eof) != 0;
        if (bad) {
            free(buf);
            kill(w->pid, SIGTERM);
            reap(w);
            snprintf(err, errlen, "worker %d ended in the middle of a message", (int)w->pid);
            return NB_ERR_IO;
        }
        buf[head] = '\0';
        *data = buf;
        *len = head;
        return NB_OK;
    }
    return NB_OK;
}

void nb_worker_stop_all(nb_worker *ws, int n)
{
    for (int i = 0; i < n; i++)
        if (ws[i].fd >= 0 && ws[i].pid > 0) {
            kill(ws[i].pid, SIGTERM);
            reap(&ws[i]);
        }
}
