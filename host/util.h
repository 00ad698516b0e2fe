/* util.h - small shared helpers: string hash map, growable buffer, dates, money.
 *
 * Plain C, no dependencies beyond libc. Dates are calendar days coded as
 * integers YYYYMMDD (they sort and compare as dates); money is integer 分. */
#ifndef NB_UTIL_H
#define NB_UTIL_H

#include <stddef.h>
#include <stdint.h>

#include "err.h"

/* FNV-1a, the one hash of bytes here (the string map, the import's filter of ids met, the
 * exporters' kept lines): H carried on over C, or over N bytes at P. Start from
 * NB_FNV1A_START. Inline: the import hashes every row's id. */
#define NB_FNV1A_START 1469598103934665603ULL
static inline uint64_t nb_fnv1a_byte(uint64_t h, unsigned char c)
{
    return (h ^ c) * 1099511628211ULL;
}
static inline uint64_t nb_fnv1a(uint64_t h, const void *p, size_t n)
{
    const unsigned char *b = p;
    for (size_t i = 0; i < n; i++)
        h = nb_fnv1a_byte(h, b[i]);
    return h;
}

/* Open-addressing map from NUL-terminated strings to int64 values. Keys are
 * copied into the map's own arena. */
typedef struct {
    char **keys;      /* slot keys, NULL when empty */
    int64_t *vals;    /* slot values */
    size_t cap;       /* slots, a power of two */
    size_t len;       /* keys stored */
    char *arena;      /* current key arena block */
    size_t arena_used, arena_cap;
    char **blocks;    /* all arena blocks, for freeing */
    size_t nblocks;
} nb_strmap;

void nb_strmap_init(nb_strmap *m);
void nb_strmap_free(nb_strmap *m);
/* Returns a pointer to the value of KEY, or NULL when absent. */
int64_t *nb_strmap_get(const nb_strmap *m, const char *key);
/* Sets KEY to VAL; returns 0, or -1 on out of memory. If the key already
 * existed, *EXISTED (when not NULL) is set to 1 and the old value kept in
 * *OLD (when not NULL) before it is replaced. */
int nb_strmap_put(nb_strmap *m, const char *key, int64_t val, int *existed, int64_t *old);

/* Growable byte buffer; always NUL-terminated once anything was added. */
typedef struct {
    char *data;
    size_t len, cap;
} nb_buf;

int nb_buf_add(nb_buf *b, const void *p, size_t n);
/* Room for N more bytes and the NUL, without adding any; 0, or -1 on out of memory. */
int nb_buf_reserve(nb_buf *b, size_t n);
int nb_buf_adds(nb_buf *b, const char *s);
int nb_buf_printf(nb_buf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void nb_buf_free(nb_buf *b);

/* Parses a date in the forms 2020-01-05, 2020/1/5, 2020.1.5, 20200105,
 * 2020年1月5日 (optionally followed by a time " 10:30[:00]" which is
 * ignored), or, when ALLOW_SERIAL, an Excel serial day number (1900 date
 * system, e.g. 43831 = 2020-01-01, fractions ignored). Returns NB_OK and
 * *YMD, or NB_ERR_INPUT with a reason: "not a date" or "no such date". */
nb_err nb_date_parse(const char *s, int allow_serial, int *ymd, const char **why);
/* Days since 1970-01-01 of YYYYMMDD, and back. */
long nb_date_days(int ymd);
int nb_date_from_days(long days);
/* Unix time T (seconds, UTC) as *YMD (YYYYMMDD) and *SECS of its day: gmtime_r's
 * answer without the time zone file it reads at its first call (60 us). T is taken
 * within the years 0000-9999 (a time past them as their first or last second). */
void nb_utc(long long t, int *ymd, int *secs);
/* 0 = Monday ... 6 = Sunday. */
int nb_date_weekday(int ymd);
int nb_date_valid(int y, int m, int d);
/* Writes the decimal digits of N (with '-' when negative) at P, up to 20 bytes, no NUL;
 * returns the end (by hand, not snprintf: the exporters write one for every cell). */
char *nb_ll_text(char *p, long long n);
/* Writes "YYYY-MM-DD" into out (11 bytes). */
void nb_date_format(int ymd, char out[11]);

/* Parses an amount of 元 with at most two decimals ("1234.5", "1,234.50",
 * "¥12", "12元") into 分. Returns NB_OK, or NB_ERR_INPUT with a reason. */
nb_err nb_money_parse(const char *s, int64_t *fen, const char **why);

/* Writes FEN 分 as 元 the shortest way nb_money_parse reads back: "12",
 * "12.5", "12.05" (OUT: at least 24 bytes). */
void nb_money_format(int64_t fen, char *out);

/* 1 when S is one or more ASCII digits and nothing else. */
int nb_all_digits(const char *s);

/* Parses a non-negative integer (digits, optional thousands commas, or
 * "12.0"). Returns NB_OK or NB_ERR_INPUT. */
nb_err nb_int_parse(const char *s, int64_t *v);

/* The length of the run of ASCII bytes at the start of S[0..N) (eight at a time). */
size_t nb_ascii_run(const unsigned char *s, size_t n);

/* The offset of the first byte of S[0..LEN) that is not part of valid UTF-8 (LEN if
 * none): what decides between UTF-8 and GB18030 for the readers. */
size_t nb_utf8_invalid_at(const unsigned char *s, size_t len);

/* S[0..LEN) as UTF-8 text in OUT: as it is when it is valid UTF-8 (*ENCODING "UTF-8"),
 * else converted from GB18030 (*ENCODING "GB18030"). NB_ERR_INPUT when it is neither,
 * with *BAD the offset where the reading (UTF-8 or GB18030) that went farther stopped, or
 * of the cut character's first byte in a text cut within its last; NB_ERR_NOMEM. */
nb_err nb_text_utf8(const char *s, size_t len, nb_buf *out, const char **encoding,
                    size_t *bad);

/* Trims ASCII and full-width (U+3000) spaces in place; returns s. */
char *nb_trim(char *s);

/* Looks for LEAF in the folders RELS[0..N), each relative to the running executable's
 * folder (/proc/self/exe): "" the folder itself, "/../share/nianbao" a folder beside the
 * one above it. Writes the first folder that holds it into OUT: 0; -1 when none does. The
 * command finds its scripts this way (main.c) and its modules (publish.c), in the build
 * tree or an installation (PREFIX/bin with PREFIX/share/nianbao and PREFIX/lib/nianbao),
 * and nowhere else: a copy of the binary in a shared folder such as /tmp must not take
 * scripts or modules someone left in the folders above it. */
int nb_near_exe(const char *const *rels, int n, const char *leaf, char *out, size_t size);

#endif
