/* util.c - string hash map, growable buffer, date and money parsing. */
#include "util.h"

#include <ctype.h>
#include <errno.h>
#include <iconv.h>
#include <stdint.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/* ---- string map ---- */

static uint64_t hash_str(const char *s)
{
    uint64_t h = NB_FNV1A_START;
    for (; *s; s++)
        h = nb_fnv1a_byte(h, (unsigned char)*s);
    return h;
}

void nb_strmap_init(nb_strmap *m)
{
    memset(m, 0, sizeof *m);
}

void nb_strmap_free(nb_strmap *m)
{
    for (size_t i = 0; i < m->nblocks; i++)
        free(m->blocks[i]);
    free(m->blocks);
    free(m->keys);
    free(m->vals);
    memset(m, 0, sizeof *m);
}

int64_t *nb_strmap_get(const nb_strmap *m, const char *key)
{
    if (m->cap == 0)
        return NULL;
    size_t mask = m->cap - 1, i = (size_t)hash_str(key) & mask;
    while (m->keys[i]) {
        if (strcmp(m->keys[i], key) == 0)
            return &m->vals[i];
        i = (i + 1) & mask;
    }
    return NULL;
}

static int strmap_grow(nb_strmap *m)
{
    size_t ncap = m->cap ? m->cap * 2 : 64;
    char **nk = calloc(ncap, sizeof *nk);
    int64_t *nv = calloc(ncap, sizeof *nv);
    if (!nk || !nv) {
        free(nk);
        free(nv);
        return -1;
    }
    for (size_t j = 0; j < m->cap; j++) {
        if (!m->keys[j])
            continue;
        size_t i = (size_t)hash_str(m->keys[j]) & (ncap - 1);
        while (nk[i])
            i = (i + 1) & (ncap - 1);
        nk[i] = m->keys[j];
        nv[i] = m->vals[j];
    }
    free(m->keys);
    free(m->vals);
    m->keys = nk;
    m->vals = nv;
    m->cap = ncap;
    return 0;
}

static char *strmap_copy(nb_strmap *m, const char *key)
{
    size_t n = strlen(key) + 1;
    if (m->arena_used + n > m->arena_cap) {
        size_t cap = n > 65536 ? n : 65536;
        char **nb = realloc(m->blocks, (m->nblocks + 1) * sizeof *nb);
        if (!nb)
            return NULL;
        m->blocks = nb;
        char *blk = malloc(cap);
        if (!blk)
            return NULL;
        m->blocks[m->nblocks++] = blk;
        m->arena = blk;
        m->arena_used = 0;
        m->arena_cap = cap;
    }
    char *p = m->arena + m->arena_used;
    memcpy(p, key, n);
    m->arena_used += n;
    return p;
}

int nb_strmap_put(nb_strmap *m, const char *key, int64_t val, int *existed, int64_t *old)
{
    if (existed)
        *existed = 0;
    if ((m->len + 1) * 2 > m->cap && strmap_grow(m) != 0)
        return -1;
    size_t mask = m->cap - 1, i = (size_t)hash_str(key) & mask;
    while (m->keys[i]) {
        if (strcmp(m->keys[i], key) == 0) {
            if (existed)
                *existed = 1;
            if (old)
                *old = m->vals[i];
            m->vals[i] = val;
            return 0;
        }
        i = (i + 1) & mask;
    }
    char *k = strmap_copy(m, key);
    if (!k)
        return -1;
    m->keys[i] = k;
    m->vals[i] = val;
    m->len++;
    return 0;
}

/* ---- buffer ---- */

int nb_buf_reserve(nb_buf *b, size_t n)
{
    if (b->len + n + 1 > b->cap) {
        size_t cap = b->cap ? b->cap : 256;
        while (cap < b->len + n + 1)
            cap *= 2;
        char *d = realloc(b->data, cap);
        if (!d)
            return -1;
        b->data = d;
        b->cap = cap;
    }
    return 0;
}

int nb_buf_add(nb_buf *b, const void *p, size_t n)
{
    if (nb_buf_reserve(b, n) != 0)
        return -1;
    if (n)
        memcpy(b->data + b->len, p, n);
    b->len += n;
    b->data[b->len] = '\0';
    return 0;
}

int nb_buf_adds(nb_buf *b, const char *s)
{
    return nb_buf_add(b, s, strlen(s));
}

int nb_buf_printf(nb_buf *b, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(NULL, 0, fmt, ap);
    va_end(ap);
    if (n < 0 || nb_buf_add(b, "", 0) != 0)
        return -1;
    if (b->len + (size_t)n + 1 > b->cap) {
        size_t cap = b->cap;
        while (cap < b->len + (size_t)n + 1)
            cap *= 2;
        char *d = realloc(b->data, cap);
        if (!d)
            return -1;
        b->data = d;
        b->cap = cap;
    }
    va_start(ap, fmt);
    vsnprintf(b->data + b->len, (size_t)n + 1, fmt, ap);
    va_end(ap);
    b->len += (size_t)n;
    return 0;
}

void nb_buf_free(nb_buf *b)
{
    free(b->data);
    b->data = NULL;
    b->len = b->cap = 0;
}

/* ---- dates ---- */

static int is_leap(int y)
{
    return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
}

int nb_date_valid(int y, int m, int d)
{
    static const int mdays[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    if (y < 1900 || y > 9999 || m < 1 || m > 12 || d < 1)
        return 0;
    int max = mdays[m - 1] + (m == 2 && is_leap(y));
    return d <= max;
}

/* Howard Hinnant's days_from_civil. */
long nb_date_days(int ymd)
{
    long y = ymd / 10000, m = ymd / 100 % 100, d = ymd % 100;
    y -= m <= 2;
    long era = (y >= 0 ? y : y - 399) / 400;
    long yoe = y - era * 400;
    long doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
    long doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    return era * 146097 + doe - 719468;
}

int nb_date_from_days(long z)
{
    z += 719468;
    long era = (z >= 0 ? z : z - 146096) / 146097;
    long doe = z - era * 146097;
    long yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
    long y = yoe + era * 400;
    long doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    long mp = (5 * doy + 2) / 153;
    long d = doy - (153 * mp + 2) / 5 + 1;
    long m = mp + (mp < 10 ? 3 : -9);
    y += m <= 2;
    return (int)(y * 10000 + m * 100 + d);
}

void nb_utc(long long t, int *ymd, int *secs)
{
    t = t < -62167219200LL ? -62167219200LL : t > 253402300799LL ? 253402300799LL : t;
    long long days = t / 86400, rest = t % 86400;
    if (rest < 0)
        days--, rest += 86400;
    *ymd = nb_date_from_days((long)days);
    *secs = (int)rest;
}

int nb_date_weekday(int ymd)
{
    long days = nb_date_days(ymd); /* 1970-01-01 was a Thursday */
    long w = (days + 3) % 7;
    return (int)(w < 0 ? w + 7 : w);
}

char *nb_ll_text(char *p, long long n)
{
    char digits[20];
    int k = 0;
    unsigned long long u = n < 0 ? 0ull - (unsigned long long)n : (unsigned long long)n;

    if (n < 0)
        *p++ = '-';
    do
        digits[k++] = (char)('0' + u % 10);
    while ((u /= 10) != 0);
    while (k > 0)
        *p++ = digits[--k];
    return p;
}

void nb_date_format(int ymd, char out[11])
{
    /* by hand: the importer writes one for every date it reads */
    unsigned v = ymd > 0 ? (unsigned)ymd % 100000000u : 0u;
    for (int i = 9; i >= 0; i--) {
        if (i == 4 || i == 7) {
            out[i] = '-';
            continue;
        }
        out[i] = (char)('0' + v % 10);
        v /= 10;
    }
    out[10] = '\0';
}

static const char *read_num(const char *p, int maxdigits, int *v, int *ndig)
{
    int n = 0, x = 0;
    while (n < maxdigits && *p >= '0' && *p <= '9') {
        x = x * 10 + (*p - '0');
        p++;
        n++;
    }
    *v = x;
    *ndig = n;
    return p;
}

static int rest_is_time(const char *p)
{
    if (*p == '\0')
        return 1;
    if (*p != ' ' && *p != 'T')
        return 0;
    p++;
    while (*p == ' ')
        p++;
    for (; *p; p++)
        if (!(isdigit((unsigned char)*p) || *p == ':' || *p == '.'))
            return 0;
    return 1;
}

nb_err nb_date_parse(const char *s, int allow_serial, int *ymd, const char **why)
{
    int y, m, d, n;
    const char *p = s;
    *why = "not a date";
    p = read_num(p, 9, &y, &n);
    if (n == 0)
        return NB_ERR_INPUT;
    if (n == 8 && rest_is_time(p)) { /* 20200105 */
        m = y / 100 % 100;
        d = y % 100;
        y /= 10000;
        goto check;
    }
    if (n <= 5 && (*p == '\0' || *p == '.') && allow_serial) { /* Excel serial */
        if (*p == '.') {
            const char *q = p + 1;
            while (*q >= '0' && *q <= '9')
                q++;
            if (*q)
                return NB_ERR_INPUT;
        }
        /* Serials before 1980 (29221) are far more likely a number typed
           into a date column (a year, a count) than a date. */
        if (y < 29221 || y > 2958465)
            return NB_ERR_INPUT;
        /* 25569 is 1970-01-01 (past Excel's fictitious 1900-02-29). */
        long days = (long)y - 25569;
        *ymd = nb_date_from_days(days);
        return NB_OK;
    }
    if (n != 4)
        return NB_ERR_INPUT;
    const char *sep = p;
    size_t seplen;
    if (*p == '-' || *p == '/' || *p == '.')
        seplen = 1;
    else if (strncmp(p, "年", 3) == 0)
        seplen = 3;
    else
        return NB_ERR_INPUT;
    p = read_num(p + seplen, 2, &m, &n);
    if (n == 0)
        return NB_ERR_INPUT;
    if (seplen == 1) {
        if (*p != *sep)
            return NB_ERR_INPUT;
        p++;
    } else {
        if (strncmp(p, "月", 3) != 0)
            return NB_ERR_INPUT;
        p += 3;
    }
    p = read_num(p, 2, &d, &n);
    if (n == 0)
        return NB_ERR_INPUT;
    if (seplen == 3) {
        if (strncmp(p, "日", 3) != 0)
            return NB_ERR_INPUT;
        p += 3;
    }
    if (!rest_is_time(p))
        return NB_ERR_INPUT;
check:
    if (!nb_date_valid(y, m, d)) {
        *why = y < 1900 ? "a year before 1900" : "no such date";
        return NB_ERR_INPUT;
    }
    *ymd = y * 10000 + m * 100 + d;
    return NB_OK;
}

/* ---- money and integers ---- */

nb_err nb_money_parse(const char *s, int64_t *fen, const char **why)
{
    const char *p = s;
    *why = "not an amount";
    if (strncmp(p, "¥", 2) == 0)
        p += 2;
    else if (strncmp(p, "￥", 3) == 0)
        p += 3;
    if (*p == '-') {
        *why = "negative amount";
        return NB_ERR_INPUT;
    }
    int64_t whole = 0;
    int digits = 0;
    for (; (*p >= '0' && *p <= '9') || *p == ','; p++) {
        if (*p == ',')
            continue;
        if (whole >= 10000000000000LL) { /* 10^13 元: far beyond any real amount */
            *why = "amount too large";
            return NB_ERR_INPUT;
        }
        whole = whole * 10 + (*p - '0');
        digits++;
    }
    if (digits == 0)
        return NB_ERR_INPUT;
    int cents = 0;
    if (*p == '.') {
        p++;
        int nd = 0;
        while (*p >= '0' && *p <= '9') {
            if (nd == 2) {
                if (*p != '0') {
                    *why = "more than two decimals";
                    return NB_ERR_INPUT;
                }
            } else {
                cents = cents * 10 + (*p - '0');
            }
            if (nd < 2)
                nd++;
            p++;
        }
        if (nd == 1)
            cents *= 10;
    }
    if (strcmp(p, "元") == 0)
        p += strlen("元");
    if (*p)
        return NB_ERR_INPUT;
    *fen = whole * 100 + cents;
    return NB_OK;
}

void nb_money_format(int64_t fen, char *out)
{
    long long y = (long long)(fen / 100);
    int c = (int)(fen % 100);
    if (c == 0)
        snprintf(out, 24, "%lld", y);
    else if (c % 10 == 0)
        snprintf(out, 24, "%lld.%d", y, c / 10);
    else
        snprintf(out, 24, "%lld.%02d", y, c);
}

int nb_all_digits(const char *s)
{
    if (!*s)
        return 0;
    for (; *s; s++)
        if (*s < '0' || *s > '9')
            return 0;
    return 1;
}

nb_err nb_int_parse(const char *s, int64_t *v)
{
    const char *p = s;
    int64_t x = 0;
    int digits = 0;
    for (; (*p >= '0' && *p <= '9') || (*p == ',' && digits); p++) {
        if (*p == ',')
            continue;
        if (x >= 1000000000000LL) /* 10^12: far beyond any real count */
            return NB_ERR_INPUT;
        x = x * 10 + (*p - '0');
        digits++;
    }
    if (!digits)
        return NB_ERR_INPUT;
    if (*p == '.') { /* "12.0" as Excel writes integers */
        p++;
        while (*p == '0')
            p++;
    }
    if (*p)
        return NB_ERR_INPUT;
    *v = x;
    return NB_OK;
}

/* U+3000 IDEOGRAPHIC SPACE in UTF-8 at P (which has at least 3 bytes, or a NUL before). */
static int is_wide_space(const char *p)
{
    return p[0] == '\xe3' && p[1] == '\x80' && p[2] == '\x80';
}

char *nb_trim(char *s)
{
    char *p = s;
    for (;;) {
        if (*p == ' ' || *p == '\t' || *p == '\r' || *p == '\n')
            p++;
        else if (is_wide_space(p))
            p += 3;
        else
            break;
    }
    /* The end found byte by byte, not by strlen: a field was written just before, a
       byte at a time, and strlen's wide load of those bytes waits for the stores
       (a tenth of an import's time, by perf). The last byte that is not an ASCII
       space or line end is kept on the way. */
    const char *q = p, *kept = p;
    for (; *q; q++)
        if (*q != ' ' && *q != '\t' && *q != '\r' && *q != '\n')
            kept = q + 1;
    size_t len = (size_t)(q - p), n = (size_t)(kept - p);
    for (;;) {
        if (n && (p[n - 1] == ' ' || p[n - 1] == '\t' || p[n - 1] == '\r' || p[n - 1] == '\n'))
            n--;
        else if (n >= 3 && is_wide_space(p + n - 3))
            n -= 3;
        else
            break;
    }
    if (p != s)
        memmove(s, p, n);
    if (p != s || n != len)
        s[n] = '\0';
    return s;
}

/* ---- UTF-8 ---- */

/* Length of the run of ASCII bytes at the start of S[0..N). */
size_t nb_ascii_run(const unsigned char *s, size_t n)
{
    size_t i = 0;
    for (;;) {
        uint64_t w;
        if (i + 8 > n)
            break;
        memcpy(&w, s + i, 8);
        if (w & UINT64_C(0x8080808080808080))
            break;
        i += 8;
    }
    while (i < n && s[i] < 0x80)
        i++;
    return i;
}

/* Returns the offset of the first byte that is not part of valid UTF-8 (LEN if none). */
size_t nb_utf8_invalid_at(const unsigned char *s, size_t len)
{
    size_t i = 0;
    for (;;) {
        unsigned c;
        size_t n;
        uint32_t cp;
        i += nb_ascii_run(s + i, len - i);
        if (i >= len)
            break;
        c = s[i];
        /* Most of a Chinese text: a three-byte sequence whose lead byte allows
           any continuation (not E0: overlong, not ED: surrogates). */
        if (c >= 0xE1 && c != 0xED && c <= 0xEF && len - i > 2 && (s[i + 1] & 0xC0) == 0x80 &&
            (s[i + 2] & 0xC0) == 0x80) {
            i += 3;
            continue;
        }
        if (c >= 0xC2 && c <= 0xDF) {
            n = 1;
            cp = c & 0x1F;
        } else if (c >= 0xE0 && c <= 0xEF) {
            n = 2;
            cp = c & 0x0F;
        } else if (c >= 0xF0 && c <= 0xF4) {
            n = 3;
            cp = c & 0x07;
        } else {
            return i;
        }
        if (len - i <= n)
            return i;
        for (size_t k = 1; k <= n; k++) {
            if ((s[i + k] & 0xC0) != 0x80)
                return i;
            cp = (cp << 6) | (s[i + k] & 0x3F);
        }
        if ((n == 2 && (cp < 0x800 || (cp >= 0xD800 && cp <= 0xDFFF))) ||
            (n == 3 && (cp < 0x10000 || cp > 0x10FFFF)))
            return i;
        i += n + 1;
    }
    return len;
}

nb_err nb_text_utf8(const char *s, size_t len, nb_buf *out, const char **encoding,
                    size_t *bad)
{
    *bad = 0;
    size_t utf8_bad = nb_utf8_invalid_at((const unsigned char *)s, len);
    if (utf8_bad == len) {
        *encoding = "UTF-8";
        return nb_buf_add(out, s, len) || nb_buf_adds(out, "") ? NB_ERR_NOMEM : NB_OK;
    }
    *encoding = "GB18030";
    iconv_t cd = iconv_open("UTF-8", "GB18030");
    if (cd == (iconv_t)-1)
        return NB_ERR_INPUT;
    size_t room = len * 2 + 16; /* a GB18030 character is 1, 2 or 4 bytes; UTF-8 at most 4 */
    out->len = 0;
    if (out->cap < room) {
        char *d = realloc(out->data, room);
        if (!d) {
            iconv_close(cd);
            return NB_ERR_NOMEM;
        }
        out->data = d;
        out->cap = room;
    }
    char *in = (char *)s, *o = out->data;
    size_t il = len, ol = room - 1;
    nb_err rc = NB_OK;
    if (iconv(cd, &in, &il, &o, &ol) == (size_t)-1) {
        int why = errno; /* EINVAL: the text ended within a character */
        /* where the reading that went farther stopped (GB18030 reads UTF-8 as other
           characters, and a GB18030 text's first characters may be UTF-8 by chance); but a
           text cut within its last character fails both there, GB18030 a byte or two past
           UTF-8 (its input ended within a character): that character's first byte */
        size_t gb_bad = (size_t)(in - s);
        *bad = why == EINVAL && len - utf8_bad < 4 ? utf8_bad
                                                     : gb_bad > utf8_bad ? gb_bad : utf8_bad;
        rc = NB_ERR_INPUT;
    }
    out->len = (size_t)(o - out->data);
    out->data[out->len] = '\0';
    iconv_close(cd);
    return rc;
}

int nb_near_exe(const char *const *rels, int n, const char *leaf, char *out, size_t size)
{
    char exe[4096], dir[4096 + 256], probe[4096 + 512];
    struct stat sb;
    ssize_t len = readlink("/proc/self/exe", exe, sizeof exe - 1);
    if (len <= 0)
        return -1;
    exe[len] = '\0';
    char *slash = strrchr(exe, '/');
    if (!slash)
        return -1;
    *slash = '\0'; /* the executable's folder ("" for /) */
    for (int i = 0; i < n; i++) {
        const char *r = rels[i];
        snprintf(dir, sizeof dir, "%s", exe);
        for (; strncmp(r, "/..", 3) == 0 && (r[3] == '/' || r[3] == '\0'); r += 3) {
            char *up = strrchr(dir, '/');
            if (!up)
                break;
            *up = '\0';
        }
        int w = snprintf(probe, sizeof probe, "%s%s/%s", dir, r, leaf);
        if (w < 0 || (size_t)w >= sizeof probe || stat(probe, &sb) != 0)
            continue;
        w = snprintf(out, size, "%s%s", dir, r);
        return w < 0 || (size_t)w >= size ? -1 : 0;
    }
    return -1;
}
