/* t.h - the tiny unit-test harness: TAP-style "ok"/"not ok" lines, counted by tests/run.sh. */
#ifndef NB_T_H
#define NB_T_H

#include <stdio.h>
#include <unistd.h>
#include <stdlib.h>
#include <string.h>

static int t_failed_ = 0;
static int t_count_ = 0;

/* CHECK(cond, name): one assertion, one line. */
#define CHECK(cond, name)                                                        \
    do {                                                                         \
        t_count_++;                                                              \
        if (cond) {                                                              \
            printf("ok - %s\n", (name));                                         \
        } else {                                                                 \
            t_failed_++;                                                         \
            printf("not ok - %s (%s:%d: %s)\n", (name), __FILE__, __LINE__, #cond); \
        }                                                                        \
    } while (0)

/* CHECK_STR(got, want, name): string equality with both shown on failure. */
#define CHECK_STR(got, want, name)                                               \
    do {                                                                         \
        const char *g_ = (got), *w_ = (want);                                    \
        t_count_++;                                                              \
        if (g_ && w_ && strcmp(g_, w_) == 0) {                                   \
            printf("ok - %s\n", (name));                                         \
        } else {                                                                 \
            t_failed_++;                                                         \
            printf("not ok - %s (%s:%d: got \"%s\", want \"%s\")\n", (name),     \
                   __FILE__, __LINE__, g_ ? g_ : "(null)", w_ ? w_ : "(null)");  \
        }                                                                        \
    } while (0)

#define T_DONE() return t_failed_ ? 1 : 0

/* t_threads(): the threads of this process (/proc/self/status), -1 when it cannot tell. */
static inline int t_threads(void)
{
    char line[256];
    int n = -1;
    FILE *f = fopen("/proc/self/status", "r");
    while (f && fgets(line, sizeof line, f))
        if (strncmp(line, "Threads:", 8) == 0)
            n = (int)strtol(line + 8, NULL, 10);
    if (f)
        fclose(f);
    return n;
}

/* t_threads_now(want): the threads of this process once they are WANT, waiting up to a
 * second: a thread joined has ended, but the kernel may count it a moment longer (it
 * wakes the joiner before it takes the thread out of the process). */
static inline int t_threads_now(int want)
{
    int n = t_threads();
    for (int i = 0; i < 200 && n != want; i++) {
        usleep(5000);
        n = t_threads();
    }
    return n;
}

#ifdef NB_STORE_H
/* t_count(s, sql): the first column of the first row of SQL, -1 when it fails. */
static inline long t_count(nb_store *s, const char *sql)
{
    sqlite3_stmt *st;
    long n = -1;
    if (sqlite3_prepare_v2(s->db, sql, -1, &st, NULL) == SQLITE_OK && sqlite3_step(st) == SQLITE_ROW)
        n = (long)sqlite3_column_int64(st, 0);
    sqlite3_finalize(st);
    return n;
}
#endif

#endif
