/* reader_csv.c - the CSV reader: UTF-8 or GB18030 text, RFC 4180 quoting. */
#include "reader_impl.h"

#include <errno.h>
#include <iconv.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

typedef struct {
    nb_reader base;
    /* the whole file, UTF-8, NUL-terminated, parsed in place */
    char *buf;
    size_t len;  /* bytes in buf, without the terminating NUL */
    size_t pos;  /* where the next record starts */
    long line;   /* physical line number at pos */
} csv_reader;

/* Reads the rest of FD, after the PRE bytes already read from it, into a
 * NUL-terminated buffer. */
static int read_all(int fd, const unsigned char *pre, size_t npre, char **out, size_t *outlen,
                    char *err, size_t errlen)
{
    struct stat st;
    size_t cap = 65536, len = npre;
    char *b;
    if (fstat(fd, &st) == 0 && S_ISREG(st.st_mode) && (size_t)st.st_size >= npre)
        cap = (size_t)st.st_size + 2; /* room for the NUL and for the read that sees EOF */
    b = malloc(cap);
    if (!b) {
        nb_reader_seterr(err, errlen, "out of memory");
        return -1;
    }
    if (npre)
        memcpy(b, pre, npre);
    for (;;) {
        ssize_t n;
        if (len + 1 >= cap) {
            char *nb = realloc(b, cap * 2);
            if (!nb) {
                free(b);
                nb_reader_seterr(err, errlen, "out of memory");
                return -1;
            }
            b = nb;
            cap *= 2;
        }
        n = read(fd, b + len, cap - len - 1);
        if (n < 0) {
            if (errno == EINTR)
                continue;
            nb_reader_seterr(err, errlen, "cannot read: %s", strerror(errno));
            free(b);
            return -1;
        }
        if (n == 0)
            break;
        len += (size_t)n;
    }
    b[len] = '\0';
    *out = b;
    *outlen = len;
    return 0;
}

/* Returns the offset of the first byte that is not part of valid UTF-8 (LEN if none). */
static size_t utf8_invalid_at(const unsigned char *s, size_t len)
{
    size_t i = 0;
    for (;;) {
        unsigned c;
        size_t n;
        uint32_t cp;
        /* ASCII: eight bytes at a time, then the rest of the run byte by byte. */
        for (;;) {
            uint64_t w;
            if (i + 8 > len)
                break;
            memcpy(&w, s + i, 8);
            if (w & UINT64_C(0x8080808080808080))
                break;
            i += 8;
        }
        while (i < len && s[i] < 0x80)
            i++;
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

/* Converts IN from GB18030 to a new NUL-terminated UTF-8 buffer. On a bad
 * sequence returns -1 with *BAD its offset; -2 if out of memory; -3 if iconv
 * has no GB18030 (errno set). */
static int gb18030_to_utf8(char *in, size_t inlen, char **out, size_t *outlen, size_t *bad)
{
    iconv_t cd = iconv_open("UTF-8", "GB18030");
    size_t cap = inlen + inlen / 2 + 16;
    char *ip = in, *o, *op;
    size_t il = inlen, ol;
    if (cd == (iconv_t)-1)
        return -3;
    o = malloc(cap + 1);
    if (!o) {
        iconv_close(cd);
        return -2;
    }
    op = o;
    ol = cap;
    while (il > 0 && iconv(cd, &ip, &il, &op, &ol) == (size_t)-1) {
        if (errno == E2BIG) {
            size_t used = (size_t)(op - o);
            char *no = realloc(o, cap * 2 + 1);
            if (!no) {
                free(o);
                iconv_close(cd);
                return -2;
            }
            o = no;
            cap *= 2;
            op = o + used;
            ol = cap - used;
            continue;
        }
        *bad = (size_t)(ip - in);
        free(o);
        iconv_close(cd);
        return -1;
    }
    iconv_close(cd);
    *op = '\0';
    *out = o;
    *outlen = (size_t)(op - o);
    return 0;
}

static long line_at(const char *s, size_t off)
{
    long line = 1;
    const char *p = s, *end = s + off;
    while ((p = memchr(p, '\n', (size_t)(end - p))) != NULL) {
        line++;
        p++;
    }
    return line;
}

static int csv_start(csv_reader *r, int fd, char *err, size_t errlen)
{
    size_t start = 0, bad, i;
    if (read_all(fd, NULL, 0, &r->buf, &r->len, err, errlen) != 0)
        return -1;
    r->base.encoding = "UTF-8";
    if (r->len >= 3 && memcmp(r->buf, "\xEF\xBB\xBF", 3) == 0) {
        start = 3;
        r->base.encoding = "UTF-8 with BOM";
    }
    bad = start + utf8_invalid_at((const unsigned char *)r->buf + start, r->len - start);
    if (bad < r->len && start > 0) {
        nb_reader_seterr(err, errlen, "not UTF-8 text despite the BOM (byte 0x%02X at line %ld)",
               (unsigned char)r->buf[bad], line_at(r->buf, bad));
        return -1;
    }
    if (bad < r->len) {
        char *u;
        size_t ulen;
        int rc = gb18030_to_utf8(r->buf, r->len, &u, &ulen, &bad);
        if (rc == -2) {
            nb_reader_seterr(err, errlen, "out of memory");
            return -1;
        }
        if (rc == -3) {
            nb_reader_seterr(err, errlen, "not UTF-8, and iconv cannot read GB18030: %s", strerror(errno));
            return -1;
        }
        if (rc != 0) {
            nb_reader_seterr(err, errlen, "not UTF-8 or GB18030 text (byte 0x%02X at line %ld)",
                   (unsigned char)r->buf[bad], line_at(r->buf, bad));
            return -1;
        }
        free(r->buf);
        r->buf = u;
        r->len = ulen;
        r->base.encoding = "GB18030";
    }
    for (i = start; i < r->len; i++) {
        char c = r->buf[i];
        if (c != ' ' && c != '\t' && c != '\r' && c != '\n')
            break;
    }
    if (i == r->len) {
        nb_reader_seterr(err, errlen, "empty file");
        return -1;
    }
    r->pos = start;
    r->line = 1;
    if (nb_reader_fields_reserve(&r->base, 64) != 0) {
        nb_reader_seterr(err, errlen, "out of memory");
        return -1;
    }
    return 0;
}

/* Bytes that end an unquoted field (NUL only as the sentinel at the end). */
static const unsigned char csv_stop[256] = {[0] = 1, [','] = 1, ['\n'] = 1};

static nb_err csv_next(nb_reader *base, size_t *nfields, char ***fields, long *line, char *err,
                       size_t errlen)
{
    csv_reader *r = (csv_reader *)base;
    char *const end = r->buf + r->len;
    for (;;) {
        char *p = r->buf + r->pos;
        long start_line = r->line;
        size_t n = 0;
        if (p >= end)
            return NB_DONE;
        for (;;) {
            char *field = p, *fend, sep;
            if (*p == '"') {
                char *w = p, *after;
                long qline = r->line;
                p++;
                for (;;) {
                    char c = *p;
                    if (c == '"') {
                        if (p[1] == '"') {
                            *w++ = '"';
                            p += 2;
                            continue;
                        }
                        p++;
                        break;
                    }
                    if (c == '\n') {
                        r->line++;
                    } else if (c == '\r' && p[1] == '\n') {
                        p++;
                        continue;
                    } else if (c == '\0' && p >= end) {
                        r->pos = r->len;
                        *line = qline;
                        nb_reader_seterr(err, errlen, "unterminated quote (opened at line %ld)", qline);
                        return NB_ERR_INPUT;
                    }
                    *w++ = c;
                    p++;
                }
                /* Lenient: text after the closing quote is kept up to the separator. */
                after = p;
                while (!csv_stop[(unsigned char)*p] || (*p == '\0' && p < end))
                    *w++ = *p++;
                if (*p == '\n' && p > after && p[-1] == '\r')
                    w--;
                fend = w;
            } else {
                for (;;) {
                    while (!csv_stop[(unsigned char)*p])
                        p++;
                    if (*p != '\0' || p >= end)
                        break;
                    p++; /* a NUL byte inside the data */
                }
                fend = p;
                if (*p == '\n' && fend > field && fend[-1] == '\r')
                    fend--;
            }
            sep = p < end ? *p : '\0';
            *fend = '\0';
            if (n == r->base.fields_cap && nb_reader_fields_reserve(&r->base, n + 1) != 0) {
                r->pos = r->len;
                *line = start_line;
                nb_reader_seterr(err, errlen, "out of memory");
                return NB_ERR_INPUT;
            }
            r->base.fields[n++] = field;
            if (p >= end) {
                p = end;
                break;
            }
            p++;
            if (sep == '\n') {
                r->line++;
                break;
            }
        }
        r->pos = (size_t)(p - r->buf);
        if (n == 1 && r->base.fields[0][0] == '\0')
            continue; /* blank line */
        *nfields = n;
        *fields = r->base.fields;
        *line = start_line;
        return NB_OK;
    }
}

static void csv_free(nb_reader *base)
{
    free(((csv_reader *)base)->buf);
}

nb_err nb_csv_open(int fd, nb_reader **out, char *err, size_t errlen)
{
    csv_reader *r = calloc(1, sizeof *r);
    if (!r) {
        close(fd);
        nb_reader_seterr(err, errlen, "out of memory");
        return NB_ERR_NOMEM;
    }
    r->base.fd = fd;
    r->base.next = csv_next;
    r->base.free = csv_free;
    if (csv_start(r, fd, err, errlen) != 0) {
        nb_reader_close(&r->base);
        return strcmp(err, "out of memory") == 0 ? NB_ERR_NOMEM : NB_ERR_INPUT;
    }
    *out = &r->base;
    return NB_OK;
}
