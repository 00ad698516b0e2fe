/* test_workers.c - unit tests of host/workers.c (worker processes: the store opened anew
 * on both sides of the fork, whole messages, an ended worker's status, a worker that
 * dies in the middle of a message) and of nb_store_detach / nb_store_attach. */
#include "files.h"
#include "workers.h"
#include "t.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <signal.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static char dir[64];

static void test_detach(nb_store *s)
{
    char err[512];
    sqlite3_stmt *st;
    sqlite3_prepare_v2(s->db, "SELECT 1", -1, &st, NULL);
    CHECK(nb_store_detach(s, err, sizeof err) == NB_ERR_BUSY, "detach with a query open: BUSY");
    CHECK(strstr(err, "a query is still open") != NULL, "and says why");
    sqlite3_finalize(st);
    nb_store_exec(s, "BEGIN", err, sizeof err);
    CHECK(nb_store_detach(s, err, sizeof err) == NB_ERR_BUSY, "detach inside a transaction: BUSY");
    nb_store_exec(s, "ROLLBACK", err, sizeof err);
    CHECK(nb_store_detach(s, err, sizeof err) == NB_OK && s->db == NULL, "detach: the file let go");
    CHECK(nb_store_detach(s, err, sizeof err) == NB_OK, "detach twice: fine");
    CHECK(nb_store_attach(s, err, sizeof err) == NB_OK && s->db != NULL, "attach: open again");
    CHECK(t_count(s, "PRAGMA foreign_keys") == 1, "attach: foreign keys on again");
}

/* Each worker writes a row of its own into the store and sends two messages. */
static void test_workers(nb_store *s)
{
    char err[512];
    nb_store_exec(s, "CREATE TABLE IF NOT EXISTS t(w INTEGER)", err, sizeof err);
    nb_worker ws[3];
    for (int i = 0; i < 3; i++) {
        nb_err rc = nb_worker_start(s, &ws[i], err, sizeof err);
        if (rc) {
            printf("not ok - start: %s\n", err);
            return;
        }
        if (ws[i].pid == 0) { /* the worker */
            char sql[64], msg[64];
            snprintf(sql, sizeof sql, "INSERT INTO t VALUES (%d)", i);
            int bad = nb_store_exec(s, sql, err, sizeof err) != NB_OK;
            snprintf(msg, sizeof msg, "hello from %d", i);
            nb_worker_send(&ws[i], msg, strlen(msg), err, sizeof err);
            /* a message with a NUL inside, whole */
            nb_worker_send(&ws[i], "a\0b", 3, err, sizeof err);
            _exit(bad ? 3 : 10 + i);
        }
    }
    CHECK(s->db != NULL && t_count(s, "SELECT count(*) FROM body") >= 0, "the parent's store is open again");
    int hello = 0, nul = 0, ended = 0, status_ok = 0, other = 0;
    for (int rounds = 0; rounds < 100 && ended < 3; rounds++) {
        int which;
        char *data;
        size_t len;
        if (nb_worker_receive(ws, 3, 5000, &which, &data, &len, err, sizeof err)) {
            printf("# receive: %s\n", err);
            break;
        }
        if (which < 0)
            continue;
        if (!data) {
            ended++;
            status_ok += ws[which].status == 10 + which && ws[which].fd == -1;
        } else if (len == 3 && memcmp(data, "a\0b", 3) == 0) {
            nul++;
        } else {
            char want[64];
            snprintf(want, sizeof want, "hello from %d", which);
            if (strcmp(data, want) == 0)
                hello++;
            else
                other++;
        }
        free(data);
    }
    CHECK(hello == 3 && other == 0, "each worker's message, from the worker that sent it");
    CHECK(nul == 3, "a message with a NUL byte arrives whole");
    CHECK(ended == 3 && status_ok == 3, "each worker's end, with its exit status");
    CHECK(t_count(s, "SELECT count(*) FROM t") == 3, "each worker wrote through its own connection");
    int which;
    char *data;
    size_t len;
    CHECK(nb_worker_receive(ws, 3, 100, &which, &data, &len, err, sizeof err) == NB_OK && which == -1,
          "every worker ended: nothing more to receive");
}

/* A worker that sends a header promising more than it writes. */
static void test_torn(nb_store *s)
{
    char err[512];
    nb_worker w;
    if (nb_worker_start(s, &w, err, sizeof err))
        return;
    if (w.pid == 0) {
        uint32_t head = 100;
        if (write(w.fd, &head, sizeof head) < 0 || write(w.fd, "abc", 3) < 0)
            _exit(1);
        _exit(0);
    }
    int which;
    char *data = NULL;
    size_t len;
    nb_err rc = NB_OK;
    for (int i = 0; i < 10 && rc == NB_OK && !data; i++)
        rc = nb_worker_receive(&w, 1, 5000, &which, &data, &len, err, sizeof err);
    CHECK(rc == NB_ERR_IO && strstr(err, "in the middle of a message"), "a torn message: IO, named");
    CHECK(w.fd == -1, "and the worker is reaped");
    free(data);

    /* stop_all ends a worker that would run on */
    if (nb_worker_start(s, &w, err, sizeof err))
        return;
    if (w.pid == 0) {
        pause();
        _exit(0);
    }
    nb_worker_stop_all(&w, 1);
    CHECK(w.fd == -1 && w.status == 128 + SIGTERM, "stop_all: ended by SIGTERM and reaped");
}

/* A worker stopped (SIGTERM, as when another one fails) while a named temporary file of
 * its own is about to be renamed into place removes it, as the time limit's stop does. */
static void test_stopped(nb_store *s)
{
    char err[512], tmp[128];
    snprintf(tmp, sizeof tmp, "%s/.report.xlsx.AbC123", dir);
    nb_worker w;
    if (nb_worker_start(s, &w, err, sizeof err)) {
        printf("not ok - start: %s\n", err);
        return;
    }
    if (w.pid == 0) {
        int fd = open(tmp, O_CREAT | O_WRONLY, 0644);
        nb_temp_register(tmp);
        nb_worker_send(&w, "ready", 5, err, sizeof err);
        for (;;)
            pause(); /* until stopped */
        _exit(fd < 0 ? 3 : 0);
    }
    int which;
    char *data = NULL;
    size_t len;
    nb_err rc = nb_worker_receive(&w, 1, 5000, &which, &data, &len, err, sizeof err);
    CHECK(rc == NB_OK && data && len == 5, "stopped: the worker made its temporary file");
    free(data);
    nb_worker_stop_all(&w, 1);
    struct stat sb;
    CHECK(stat(tmp, &sb) != 0, "stopped: its temporary file is gone");
    unlink(tmp);
}

int main(void)
{
    char cmd[128], err[512], path[128];
    snprintf(dir, sizeof dir, "/tmp/nb_workers_XXXXXX");
    if (!mkdtemp(dir)) {
        perror("mkdtemp");
        return 2;
    }
    snprintf(path, sizeof path, "%s/w.db", dir);
    nb_store *s = NULL;
    if (nb_store_open(path, NB_OPEN_CREATE, &s, err, sizeof err) != NB_OK) {
        printf("not ok - cannot create the store: %s\n", err);
        return 1;
    }
    test_detach(s);
    test_workers(s);
    test_torn(s);
    test_stopped(s);
    nb_store_close(s);
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
    if (system(cmd) != 0)
        fprintf(stderr, "cannot remove %s\n", dir);
    T_DONE();
}
