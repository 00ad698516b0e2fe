/* test_util.c - unit tests of host/util.c (dates, money, integers, trimming, map and buffer)
 * and host/async.c (one job at a time in a thread of its own). */
#include "async.h"
#include "files.h"
#include "t.h"
#include "util.h"

#include <limits.h>
#include <sys/stat.h>
#include <unistd.h>
#include <pthread.h>
#include <signal.h>
#include <time.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

/* "YYYYMMDD" on success, "ERR: reason" on failure. */
static const char *date(const char *s, int allow_serial)
{
    static char out[64];
    int ymd = 0;
    const char *why = NULL;
    if (nb_date_parse(s, allow_serial, &ymd, &why) == 0)
        snprintf(out, sizeof out, "%d", ymd);
    else
        snprintf(out, sizeof out, "ERR: %s", why ? why : "(no reason)");
    return out;
}

/* Amount in 分 on success, "ERR: reason" on failure. */
static const char *money(const char *s)
{
    static char out[64];
    int64_t fen = -1;
    const char *why = NULL;
    if (nb_money_parse(s, &fen, &why) == 0)
        snprintf(out, sizeof out, "%lld", (long long)fen);
    else
        snprintf(out, sizeof out, "ERR: %s", why ? why : "(no reason)");
    return out;
}

static const char *integer(const char *s)
{
    static char out[64];
    int64_t v = -1;
    if (nb_int_parse(s, &v) == 0)
        snprintf(out, sizeof out, "%lld", (long long)v);
    else
        snprintf(out, sizeof out, "ERR");
    return out;
}

static const char *trim(const char *s)
{
    static char out[128];
    snprintf(out, sizeof out, "%s", s);
    return nb_trim(out);
}

static void test_dates(void)
{
    /* Every accepted form of 2020-01-05. */
    static const char *const forms[] = {
        "2020-01-05", "2020-1-5", "2020/01/05", "2020/1/5", "2020.1.5", "2020.01.05",
        "20200105", "2020年1月5日", "2020年01月05日", "2020-01-05 10:30", "2020-01-05 10:30:00",
        "2020/1/5 10:30", "2020-01-05T10:30:00", "20200105 08:00", "2020年1月5日 10:30",
    };
    for (size_t i = 0; i < sizeof forms / sizeof forms[0]; i++) {
        char name[96];
        snprintf(name, sizeof name, "date: '%s' is 2020-01-05", forms[i]);
        CHECK_STR(date(forms[i], 0), "20200105", name);
    }
    CHECK_STR(date("2020-02-30", 0), "ERR: no such date", "date: 2020-02-30 is no such date");
    CHECK_STR(date("2019-02-29", 0), "ERR: no such date", "date: 2019-02-29 (not leap)");
    CHECK_STR(date("2020-02-29", 0), "20200229", "date: 2020-02-29 (leap)");
    CHECK_STR(date("2000-02-29", 0), "20000229", "date: 2000-02-29 (400-year leap)");
    CHECK_STR(date("2100-02-29", 0), "ERR: no such date", "date: 2100-02-29 (century, not leap)");
    CHECK_STR(date("2020-04-31", 0), "ERR: no such date", "date: 2020-04-31");
    CHECK_STR(date("2020-13-01", 0), "ERR: no such date", "date: month 13");
    CHECK_STR(date("2020-00-10", 0), "ERR: no such date", "date: month 0");
    CHECK_STR(date("20201301", 0), "ERR: no such date", "date: 20201301");
    CHECK_STR(date("2020年2月30日", 0), "ERR: no such date", "date: 2020年2月30日");
    CHECK_STR(date("1899-12-31", 0), "ERR: a year before 1900", "date: before 1900");
    CHECK_STR(date("", 0), "ERR: not a date", "date: empty");
    CHECK_STR(date("abc", 0), "ERR: not a date", "date: letters");
    CHECK_STR(date("2020-01/05", 0), "ERR: not a date", "date: mixed separators");
    CHECK_STR(date("2020-01-05x", 0), "ERR: not a date", "date: trailing text");
    CHECK_STR(date("2020-01-05 noon", 0), "ERR: not a date", "date: trailing words");
    CHECK_STR(date("2020年1月5", 0), "ERR: not a date", "date: 年月 without 日");
    CHECK_STR(date("20-01-05", 0), "ERR: not a date", "date: two-digit year");
    CHECK_STR(date("2020-001-05", 0), "ERR: not a date", "date: three-digit month");

    /* Excel serials (1900 date system) only when allowed. */
    CHECK_STR(date("43831", 1), "20200101", "serial: 43831 is 2020-01-01");
    CHECK_STR(date("43831", 0), "ERR: not a date", "serial: 43831 refused when not allowed");
    CHECK_STR(date("43831.75", 1), "20200101", "serial: fraction (time) ignored");
    CHECK_STR(date("43890", 1), "20200229", "serial: 43890 is 2020-02-29");
    CHECK_STR(date("29221", 1), "19800101", "serial: 29221 is 1980-01-01, the first accepted");
    CHECK_STR(date("29220", 1), "ERR: not a date", "serial: before 1980 refused");
    CHECK_STR(date("2020", 1), "ERR: not a date", "serial: a year typed into a date cell is not a date");
    CHECK_STR(date("61", 1), "ERR: not a date", "serial: a small number is not a date");
    CHECK_STR(date("0", 1), "ERR: not a date", "serial: 0");
    CHECK_STR(date("43831.5x", 1), "ERR: not a date", "serial: trailing text");
    CHECK_STR(date("20200105", 1), "20200105", "serial allowed: 8 digits still YYYYMMDD");

    /* Day arithmetic and formatting. */
    CHECK(nb_date_days(19700101) == 0, "days: 1970-01-01 is day 0");
    CHECK(nb_date_days(20200101) == 18262, "days: 2020-01-01 is day 18262");
    CHECK(nb_date_from_days(18262) == 20200101, "days: back from 18262");
    CHECK(nb_date_from_days(nb_date_days(20200228) + 1) == 20200229, "days: 2020-02-28 + 1");
    CHECK(nb_date_from_days(nb_date_days(20201231) + 1) == 20210101, "days: across a year");
    CHECK(nb_date_days(20210101) - nb_date_days(20200101) == 366, "days: 2020 has 366 days");
    /* Unix time to UTC: gmtime_r's answer, from 1900 to 9999 and across leap days */
    static const long long times[] = {0, -1, -86400, -86401, 59, 86399, 86400, 951782399,
                                      951782400, 951868800, 1609459199, 1709164800,
                                      4354819199LL, 253402300799LL, -2208988800LL};
    int utc_ok = 1;
    for (size_t i = 0; i < sizeof times / sizeof times[0] + 2000; i++) {
        long long t = i < sizeof times / sizeof times[0]
                          ? times[i]
                          : -2208988800LL + (long long)(i * 131071ULL * 1000003ULL % 255611289599ULL);
        time_t tt = (time_t)t;
        struct tm tm;
        int ymd, secs;
        nb_utc(t, &ymd, &secs);
        if (!gmtime_r(&tt, &tm) ||
            ymd != (tm.tm_year + 1900) * 10000 + (tm.tm_mon + 1) * 100 + tm.tm_mday ||
            secs != tm.tm_hour * 3600 + tm.tm_min * 60 + tm.tm_sec) {
            printf("# nb_utc(%lld): %d %d\n", t, ymd, secs);
            utc_ok = 0;
        }
    }
    CHECK(utc_ok, "utc: gmtime_r's date and time of day, 1900-9999");
    int ymd_lo, secs_lo, ymd_hi, secs_hi;
    nb_utc(LLONG_MIN, &ymd_lo, &secs_lo);
    nb_utc(LLONG_MAX, &ymd_hi, &secs_hi);
    CHECK(ymd_lo == 101 && secs_lo == 0 && ymd_hi == 99991231 && secs_hi == 86399,
          "utc: times past 0000-9999 taken as their first or last second");
    CHECK(nb_date_weekday(20200101) == 2, "weekday: 2020-01-01 was a Wednesday (2)");
    CHECK(nb_date_weekday(19700101) == 3, "weekday: 1970-01-01 was a Thursday (3)");
    CHECK(nb_date_weekday(20240107) == 6, "weekday: 2024-01-07 was a Sunday (6)");
    char out[11];
    nb_date_format(20200105, out);
    CHECK_STR(out, "2020-01-05", "format: YYYY-MM-DD");
    CHECK(nb_date_valid(2020, 2, 29) && !nb_date_valid(2019, 2, 29), "valid: leap years");
}

/* nb_ll_text: the digits, a '-' before a negative, no NUL (written here after the end). */
static void test_ll_text(void)
{
    static const struct {
        long long n;
        const char *want;
    } cases[] = {{0, "0"}, {7, "7"}, {-7, "-7"}, {1234567890, "1234567890"},
                 {LLONG_MAX, "9223372036854775807"}, {LLONG_MIN, "-9223372036854775808"}};
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        char b[24], name[64];
        memset(b, 'x', sizeof b);
        char *end = nb_ll_text(b, cases[i].n);
        *end = '\0';
        snprintf(name, sizeof name, "ll text: %s", cases[i].want);
        CHECK_STR(b, cases[i].want, name);
    }
}

static void test_money(void)
{
    CHECK_STR(money("1234.5"), "123450", "money: one decimal");
    {
        char out[24];
        const int64_t fen[] = {0, 5, 50, 1200, 123405, 123450};
        const char *want[] = {"0", "0.05", "0.5", "12", "1234.05", "1234.5"};
        for (int i = 0; i < 6; i++) {
            nb_money_format(fen[i], out);
            CHECK_STR(out, want[i], "money: formatted the shortest way");
            char back[24];
            snprintf(back, sizeof back, "%lld", (long long)fen[i]);
            CHECK_STR(money(out), back, "money: the format reads back");
        }
    }
    CHECK_STR(money("1234.56"), "123456", "money: two decimals");
    CHECK_STR(money("1,234.50"), "123450", "money: thousands commas");
    CHECK_STR(money("1,234,567"), "123456700", "money: commas, no decimals");
    CHECK_STR(money("12元"), "1200", "money: 元 suffix");
    CHECK_STR(money("12.05元"), "1205", "money: decimals and 元");
    CHECK_STR(money("¥12.05"), "1205", "money: ¥ prefix");
    CHECK_STR(money("￥3"), "300", "money: full-width ￥ prefix");
    CHECK_STR(money("0.07"), "7", "money: 7 分");
    CHECK_STR(money("0"), "0", "money: zero");
    CHECK_STR(money("1.230"), "123", "money: a third decimal 0 is harmless");
    CHECK_STR(money("1.234"), "ERR: more than two decimals", "money: three decimals refused");
    CHECK_STR(money("0.001"), "ERR: more than two decimals", "money: 0.001 refused");
    CHECK_STR(money("-5"), "ERR: negative amount", "money: negative");
    CHECK_STR(money("abc"), "ERR: not an amount", "money: letters");
    CHECK_STR(money(""), "ERR: not an amount", "money: empty");
    CHECK_STR(money("12 元"), "ERR: not an amount", "money: space before 元");
    CHECK_STR(money("12万元"), "ERR: not an amount", "money: 万元 is not 元");
    CHECK_STR(money("99999999999999999999"), "ERR: amount too large", "money: too large");

    CHECK_STR(integer("12"), "12", "int: digits");
    CHECK_STR(integer("1,234"), "1234", "int: thousands commas");
    CHECK_STR(integer("12.0"), "12", "int: 12.0 as Excel writes it");
    CHECK_STR(integer("12.5"), "ERR", "int: a fraction refused");
    CHECK_STR(integer("-1"), "ERR", "int: negative refused");
    CHECK_STR(integer(",12"), "ERR", "int: leading comma refused");
    CHECK_STR(integer(""), "ERR", "int: empty refused");
}

static void test_trim(void)
{
    CHECK_STR(trim("  abc \t\r\n"), "abc", "trim: ASCII spaces");
    CHECK_STR(trim("\xe3\x80\x80自然人\xe3\x80\x80"), "自然人", "trim: U+3000 both sides");
    CHECK_STR(trim(" \xe3\x80\x80 \xe3\x80\x80x \xe3\x80\x80 "), "x", "trim: mixed spaces");
    CHECK_STR(trim("a\xe3\x80\x80" "b"), "a\xe3\x80\x80" "b", "trim: inner U+3000 kept");
    CHECK_STR(trim("\xe3\x80\x80\xe3\x80\x80"), "", "trim: only U+3000");
    CHECK_STR(trim(""), "", "trim: empty");
    CHECK_STR(trim(" a b \xe3\x80\x80\t"), "a b", "trim: inner ASCII space kept, the end found past it");
    /* U+3001 (、) shares the first two bytes and must stay. */
    CHECK_STR(trim("\xe3\x80\x81"), "\xe3\x80\x81", "trim: U+3001 kept");
}

static void test_map_buf(void)
{
    nb_strmap m;
    nb_strmap_init(&m);
    CHECK(nb_strmap_get(&m, "a") == NULL, "map: empty map has nothing");
    int existed = -1;
    int64_t old = 0;
    CHECK(nb_strmap_put(&m, "a", 1, &existed, &old) == 0 && existed == 0, "map: new key");
    CHECK(nb_strmap_put(&m, "a", 2, &existed, &old) == 0 && existed == 1 && old == 1,
          "map: replacing reports the old value");
    CHECK(*nb_strmap_get(&m, "a") == 2, "map: value replaced");
    int ok = 1;
    char key[32];
    for (int i = 0; i < 5000; i++) {
        snprintf(key, sizeof key, "键%d", i);
        ok &= nb_strmap_put(&m, key, i, NULL, NULL) == 0;
    }
    for (int i = 0; i < 5000; i++) {
        snprintf(key, sizeof key, "键%d", i);
        int64_t *v = nb_strmap_get(&m, key);
        ok &= v && *v == i;
    }
    CHECK(ok && m.len == 5001, "map: 5000 keys survive growth");
    nb_strmap_free(&m);
    CHECK(nb_strmap_get(&m, "a") == NULL, "map: free leaves an empty map");

    nb_buf b = {0};
    nb_buf_adds(&b, "年报");
    nb_buf_printf(&b, " %d-%s", 2020, "x");
    nb_buf_add(&b, "", 0);
    CHECK_STR(b.data, "年报 2020-x", "buf: adds and printf");
    CHECK(b.len == strlen("年报 2020-x"), "buf: length");
    nb_buf_free(&b);
    CHECK(b.data == NULL && b.len == 0, "buf: free");
}

static void test_text_utf8(void)
{
    nb_buf b = {0};
    const char *enc = NULL;
    size_t bad = 99;
    CHECK(nb_text_utf8("自然人", strlen("自然人"), &b, &enc, &bad) == NB_OK && strcmp(enc, "UTF-8") == 0 &&
              strcmp(b.data, "自然人") == 0, "text_utf8: UTF-8 as it is");
    b.len = 0;
    CHECK(nb_text_utf8("\xd7\xd4\xc8\xbb\xc8\xcb 1", 8, &b, &enc, &bad) == NB_OK &&
              strcmp(enc, "GB18030") == 0 && strcmp(b.data, "自然人 1") == 0, "text_utf8: GB18030 converted");
    b.len = 0;
    CHECK(nb_text_utf8("ab\xff", 3, &b, &enc, &bad) == NB_ERR_INPUT && bad == 2,
          "text_utf8: neither, the first bad byte found");
    /* UTF-8 cut short at its end (a file cut at a byte count): GB18030 reads its bytes as
       other characters and fails at byte 16; the cut character's first byte is named */
    b.len = 0;
    CHECK(nb_text_utf8("自然人自然\xe4\xba", 17, &b, &enc, &bad) == NB_ERR_INPUT && bad == 15,
          "text_utf8: UTF-8 cut short: its cut character named, not where GB18030 failed");
    /* GB18030 whose first characters are valid UTF-8 by chance (## 一、 in GBK: 23 23 20 D2
       BB A1 A2), cut within its last character: the cut is named, not the start */
    b.len = 0;
    CHECK(nb_text_utf8("## \xd2\xbb\xa1\xa2\xd7\xdc\xcc\xe5\xc7\xe9\xbf\xf6\xd2", 16, &b, &enc, &bad) ==
              NB_ERR_INPUT && bad == 15,
          "text_utf8: GB18030 cut at its end, its start UTF-8 by chance: the cut named");
    /* GB18030 with a bad byte late: that byte is named (UTF-8 fails at the start) */
    b.len = 0;
    CHECK(nb_text_utf8("\xd7\xd4\xc8\xbb\xc8\xcb\xff", 7, &b, &enc, &bad) == NB_ERR_INPUT && bad == 6,
          "text_utf8: GB18030 with a bad byte: that byte named");
    nb_buf_free(&b);
}

/* nb_file_read: files of sizes about the buffer's (255: its NUL fills 256 exactly), an empty
 * one, one over the limit, and not a regular file. */
static void test_dir_folders(void)
{
    char dir[] = "/tmp/nb_test_dirXXXXXX", sub[64], file[64];
    CHECK(mkdtemp(dir) != NULL, "(a folder)");
    snprintf(sub, sizeof sub, "%s/甲", dir);
    CHECK(mkdir(sub, 0700) == 0, "(a folder in it)");
    snprintf(sub, sizeof sub, "%s/.hidden", dir);
    CHECK(mkdir(sub, 0700) == 0, "(a hidden one)");
    snprintf(file, sizeof file, "%s/file.txt", dir);
    FILE *f = fopen(file, "w");
    if (f)
        fclose(f);
    nb_buf b = {0};
    size_t n = 9;
    char err[256];
    CHECK(nb_dir_folders(dir, 10, &b, &n, err, sizeof err) == NB_OK && n == 1 && strcmp(b.data, "甲") == 0,
          "nb_dir_folders: the folders alone, not a file, not a hidden one");
    nb_buf_free(&b);
    memset(&b, 0, sizeof b);
    CHECK(nb_dir_folders(dir, 0, &b, &n, err, sizeof err) == NB_OK && n == 0, "nb_dir_folders: at most MAX");
    CHECK(nb_dir_folders("/nonexistent/nb", 10, &b, &n, err, sizeof err) == NB_OK && n == 0,
          "nb_dir_folders: a folder not there has none");
    CHECK(nb_dir_folders(file, 10, &b, &n, err, sizeof err) == NB_ERR_IO && strstr(err, "file.txt"),
          "nb_dir_folders: a file is not a folder: an error naming it");
    nb_buf_free(&b);
    remove(file);
    snprintf(sub, sizeof sub, "%s/甲", dir);
    rmdir(sub);
    snprintf(sub, sizeof sub, "%s/.hidden", dir);
    rmdir(sub);
    rmdir(dir);
}

static void test_file_read(void)
{
    char path[] = "/tmp/nb_test_readXXXXXX";
    int fd = mkstemp(path);
    static const size_t sizes[] = {0, 1, 255, 256, 257, 65535, 65536, 200000};
    int ok = fd >= 0;
    char err[512];
    for (size_t i = 0; ok && i < sizeof sizes / sizeof sizes[0]; i++) {
        size_t n = sizes[i];
        char *want = malloc(n + 1);
        for (size_t k = 0; k < n; k++)
            want[k] = (char)('a' + (k * 7 + i) % 26);
        ok &= ftruncate(fd, 0) == 0 && pwrite(fd, want, n, 0) == (ssize_t)n;
        nb_buf b = {0};
        ok &= nb_file_read(path, 1 << 20, &b, err, sizeof err) == NB_OK && b.len == n &&
              memcmp(b.data, want, n) == 0 && b.data[n] == '\0' && b.cap > n;
        nb_buf_free(&b);
        free(want);
    }
    CHECK(ok, "file_read: every byte, NUL-terminated, at sizes about the buffer's");
    nb_buf b = {0};
    CHECK(nb_file_read(path, 100, &b, err, sizeof err) == NB_ERR_LIMIT && strstr(err, "too large") &&
              b.data == NULL, "file_read: over the limit: refused, nothing kept");
    CHECK(nb_file_read("/tmp", 100, &b, err, sizeof err) == NB_ERR_INPUT && strstr(err, "not a regular file"),
          "file_read: a folder is refused");
    if (fd >= 0)
        close(fd);
    unlink(path);
}

/* A job of test_async: where and in which order its run and done ran. */
typedef struct {
    int n;
    pthread_t run_in, done_in;
    int run_at, done_at; /* the step of the log each ran at */
} ajob;

static int alog; /* the steps so far, run or done */
static int ago;  /* set by the caller once it has gone on past its first submit */

static void arun(void *ud)
{
    ajob *j = ud;
    /* Waits for the caller to have gone on (not a sleep: a loaded machine may stop the
     * caller for longer than any sleep, and the test then failed by chance); at most
     * 10 s, so a submit that ran the job in the caller's thread fails, not hangs. */
    struct timespec ms = {0, 1000000};
    for (int i = 0; i < 10000 && !__atomic_load_n(&ago, __ATOMIC_SEQ_CST); i++)
        nanosleep(&ms, NULL);
    j->run_in = pthread_self();
    j->run_at = __atomic_add_fetch(&alog, 1, __ATOMIC_SEQ_CST);
}

static void adone(void *ud)
{
    ajob *j = ud;
    j->done_in = pthread_self();
    j->done_at = __atomic_add_fetch(&alog, 1, __ATOMIC_SEQ_CST);
}

static void test_async(void)
{
    ajob j[3] = {{.n = 0}, {.n = 1}, {.n = 2}};
    nb_async *a = nb_async_new();
    CHECK(a != NULL, "async: a helper thread");
    if (!a)
        return;
    nb_async_wait(a); /* nothing in flight: returns at once */
    nb_async_wait(NULL);
    nb_async_submit(a, (nb_job){arun, adone, &j[0]});
    int at_submit = __atomic_load_n(&alog, __ATOMIC_SEQ_CST);
    __atomic_store_n(&ago, 1, __ATOMIC_SEQ_CST); /* j[0] may run now */
    nb_async_submit(a, (nb_job){arun, adone, &j[1]}); /* waits for j[0], runs its done here */
    CHECK(at_submit == 0 && j[0].run_at == 1 && j[0].done_at == 2,
          "async: the caller goes on while a job runs; the next submit waits for it, then its done");
    CHECK(!pthread_equal(j[0].run_in, pthread_self()) && pthread_equal(j[0].done_in, pthread_self()),
          "async: run in the helper, done in the caller's thread");
    nb_async_wait(a);
    CHECK(j[1].run_at == 3 && j[1].done_at == 4 && pthread_equal(j[1].run_in, j[0].run_in),
          "async: wait ends the job in flight; one helper for every job");
    nb_async_wait(a);
    CHECK(alog == 4, "async: a second wait runs no done again");
    nb_async_submit(a, (nb_job){arun, NULL, &j[2]}); /* no done */
    nb_async_submit(a, (nb_job){arun, adone, &j[0]});
    nb_async_free(a); /* ends the job in flight, with its done */
    CHECK(j[2].run_at == 5 && j[0].run_at == 6 && j[0].done_at == 7,
          "async: a job without done; free ends the job in flight first");
}

/* nb_each: every i once, in threads at once, signals blocked in all but the caller's */
static int each_seen[8], each_inside, each_met, each_blocked, each_caller_ran;
static pthread_t each_caller;

static void each_run(void *ud, int i)
{
    int want = *(int *)ud;
    __atomic_add_fetch(&each_seen[i], 1, __ATOMIC_SEQ_CST);
    __atomic_add_fetch(&each_inside, 1, __ATOMIC_SEQ_CST);
    /* waits (up to 2 s) until WANT runs are inside at once: only threads running side by
       side get there */
    struct timespec nap = {0, 1000000};
    for (int k = 0; k < 2000 && __atomic_load_n(&each_inside, __ATOMIC_SEQ_CST) < want; k++)
        nanosleep(&nap, NULL);
    if (__atomic_load_n(&each_inside, __ATOMIC_SEQ_CST) >= want)
        __atomic_add_fetch(&each_met, 1, __ATOMIC_SEQ_CST);
    sigset_t now;
    pthread_sigmask(SIG_SETMASK, NULL, &now);
    if (pthread_equal(pthread_self(), each_caller))
        __atomic_store_n(&each_caller_ran, 1, __ATOMIC_SEQ_CST);
    else if (sigismember(&now, SIGINT) && sigismember(&now, SIGTERM))
        __atomic_add_fetch(&each_blocked, 1, __ATOMIC_SEQ_CST);
}

static void test_each(void)
{
    int want = 8;
    each_caller = pthread_self();
    int threads = nb_each(8, 8, each_run, &want);
    int once = 1;
    for (int i = 0; i < 8; i++)
        once &= each_seen[i] == 1;
    CHECK(threads == 8 && once && each_met == 8,
          "each: eight runs, each once, all eight inside at once");
    CHECK(each_caller_ran && each_blocked == 7, "each: the caller runs one; the others block signals");
    memset(each_seen, 0, sizeof each_seen);
    each_inside = each_met = each_caller_ran = 0;
    want = 1;
    threads = nb_each(5, 1, each_run, &want);
    once = 1;
    for (int i = 0; i < 5; i++)
        once &= each_seen[i] == 1;
    CHECK(threads == 1 && once && each_caller_ran && each_seen[5] == 0,
          "each: at most one thread: the caller runs them all, in order of none told");
    CHECK(nb_each(0, 4, each_run, &want) == 1 && each_seen[5] == 0, "each: nothing to run");
}

int main(void)
{
    test_async();
    test_each();
    test_text_utf8();
    test_dates();
    test_ll_text();
    test_money();
    test_trim();
    test_map_buf();
    test_file_read();
    test_dir_folders();
    T_DONE();
}
