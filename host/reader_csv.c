/* reader_csv.c - the CSV reader: streamed in chunks, UTF-8 or GB18030 decided line by line, RFC 4180. */
#include "reader_impl.h"
#include "files.h"
#include "util.h"

#include <errno.h>
#include <iconv.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#ifndef CSV_CHUNK
#define CSV_CHUNK (256 * 1024) /* bytes read at a time */
#endif

/* The file's encoding, fixed by its first line with non-ASCII bytes. */
enum { ENC_NONE, ENC_UTF8, ENC_BOM, ENC_GB };

/* What ends a line: LF (or CRLF), decided by the first line end; in a file
 * whose first line ends with a lone CR, CR, LF and CRLF all do. */
enum { EOL_UNKNOWN, EOL_LF, EOL_CR };

/* Results of parse_record. */
enum { P_ROW, P_MORE, P_FAIL };

/* The input goes through two buffers. RAW holds bytes as read, of which
 * raw[rpos..rlen) are not decoded yet. Whole lines of it are checked (UTF-8)
 * or converted (GB18030) into BUF, so that BUF always ends at the end of a
 * line (or of the input) and a character is never split. The parser reads the
 * records of BUF in place; the record being read starts at buf[rec], and
 * every offset of the parse state is from there, so that compacting BUF
 * (dropping what comes before rec) moves nothing else. */
typedef struct {
    nb_reader base;
    unsigned char *raw; /* bytes read */
    size_t rpos, rlen, rcap;
    int eof;            /* read() has returned 0 */
    int ended;          /* and everything read is in buf */
    int eol;            /* EOL_* */
    int enc;            /* ENC_*; ENC_NONE while every line was ASCII */
    long enc_line;      /* the line that fixed the encoding */
    int marked;         /* GB18030 by its byte order mark: every line is read so */
    long dline;         /* line number at raw[rpos], counted while enc is ENC_NONE */
    iconv_t cd;         /* GB18030 to UTF-8, opened when first needed */
    char *buf;          /* decoded text, buf[len] = '\0' */
    size_t len, cap;
    /* the parse state */
    size_t rec;         /* start of the record being read */
    size_t p, w, f;     /* from rec: next byte to read, next byte of the value to write,
                           start of the (quoted) field being read */
    int in_quotes;      /* the parser stopped inside a quoted field for more text */
    size_t n;           /* fields of the record done */
    size_t *foff;       /* their values' offsets from rec */
    size_t foff_cap;
    long line;          /* line at p */
    long rline;         /* line where the record starts */
    long qline;         /* line where the open quote is */
    /* an error, given by nb_reader_next when the parser reaches it (csv_fail) */
    nb_err fail;        /* NB_OK if none */
    int done;           /* the end, or an error, was given: no more rows */
    long fail_line;     /* its line, or 0: the line where the parser stands */
    char fail_msg[192];
} csv_reader;

/* Records an error. Reading and decoding stop at the first one, which lies
 * after the text decoded so far (LINE 0: the line the parser will stand on
 * when it gets there); the parser may still find one in that text, which
 * replaces it (LINE: where it is). */
static void csv_fail(csv_reader *c, nb_err code, long line, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

static void csv_fail(csv_reader *c, nb_err code, long line, const char *fmt, ...)
{
    va_list ap;
    c->fail = code;
    c->fail_line = line;
    va_start(ap, fmt);
    vsnprintf(c->fail_msg, sizeof c->fail_msg, fmt, ap);
    va_end(ap);
}

/* ------------------------------------------------------------ reading */

/* Reads the next chunk after raw[rlen], first moving the undecoded bytes to
 * the start. */
static int read_chunk(csv_reader *c)
{
    ssize_t n;
    if (c->rpos > 0) {
        memmove(c->raw, c->raw + c->rpos, c->rlen - c->rpos);
        c->rlen -= c->rpos;
        c->rpos = 0;
    }
    if (c->rcap - c->rlen < CSV_CHUNK) {
        unsigned char *nr = nb_reader_grow(c->raw, &c->rcap, c->rlen, CSV_CHUNK, 1);
        if (!nr) {
            csv_fail(c, NB_ERR_NOMEM, 0, "out of memory");
            return -1;
        }
        c->raw = nr;
    }
    do
        n = read(c->base.fd, c->raw + c->rlen, CSV_CHUNK);
    while (n < 0 && errno == EINTR);
    if (n < 0) {
        csv_fail(c, NB_ERR_IO, 0, "cannot read: %s", strerror(errno));
        return -1;
    }
    c->eof = n == 0;
    c->rlen += (size_t)n;
    return 0;
}

/* The last line end in S[0..N) (in CR files CR or LF), or NULL. */
static const unsigned char *last_eol(const unsigned char *s, size_t n, int cr)
{
    while (n > 0) {
        n--;
        if (s[n] == '\n' || (cr && s[n] == '\r'))
            return s + n;
    }
    return NULL;
}

/* The first line end in S[0..N) (in CR files CR or LF), or NULL. */
static const unsigned char *first_eol(const unsigned char *s, size_t n, int cr)
{
    const unsigned char *lf = memchr(s, '\n', n), *r;
    if (!cr)
        return lf;
    r = memchr(s, '\r', lf ? (size_t)(lf - s) : n);
    return r ? r : lf;
}

/* Where the whole lines of raw[rpos..rlen) end (rpos if there is none yet).
 * The first line end decides what ends lines. In a CR file a CR at the very
 * end is held back until the next byte shows whether an LF follows. */
static size_t lines_end(csv_reader *c)
{
    const unsigned char *s = c->raw + c->rpos, *e;
    size_t n = c->rlen - c->rpos;
    if (c->eol == EOL_UNKNOWN && (e = first_eol(s, n, 1)) != NULL) {
        int last = (size_t)(e - s) + 1 == n;
        if (*e == '\r' && last && !c->eof)
            return c->rpos; /* CR or CRLF? */
        c->eol = *e == '\r' && (last || e[1] != '\n') ? EOL_CR : EOL_LF;
    }
    if (c->eof)
        return c->rlen;
    if (c->eol == EOL_CR && n > 0 && s[n - 1] == '\r')
        n--;
    e = last_eol(s, n, c->eol == EOL_CR);
    return e ? (size_t)(e - c->raw) + 1 : c->rpos;
}

/* ----------------------------------------------------------- decoding */

/* Line ends in S[0..N) (a CRLF counts once). */
static long count_lines(const unsigned char *s, size_t n, int cr)
{
    const unsigned char *e, *end = s + n;
    long k = 0;
    while ((e = first_eol(s, (size_t)(end - s), cr)) != NULL) {
        k++;
        s = e + 1 + (*e == '\r' && e + 1 < end && e[1] == '\n');
    }
    return k;
}

static void append(csv_reader *c, const unsigned char *s, size_t n)
{
    memcpy(c->buf + c->len, s, n);
    c->len += n;
}

/* Converts the line S[0..N) from GB18030 onto the end of buf. Returns 0, or
 * -1 with *BAD the offset of the first byte that is not GB18030. */
static int gb_convert(csv_reader *c, const unsigned char *s, size_t n, size_t *bad)
{
    char *in = (char *)s, *out = c->buf + c->len;
    size_t il = n, ol = c->cap - c->len - 1;
    if (iconv(c->cd, &in, &il, &out, &ol) == (size_t)-1) {
        *bad = (size_t)(in - (char *)s);
        iconv(c->cd, NULL, NULL, NULL, NULL);
        return -1;
    }
    c->len = (size_t)(out - c->buf);
    return 0;
}

/* Fixes the encoding by the line S[0..N), which has non-ASCII bytes: UTF-8
 * if it is valid UTF-8, else GB18030 if it converts (it is then added to
 * buf). Returns the bytes consumed (0 or N); an error is recorded. */
static size_t fix_encoding(csv_reader *c, const unsigned char *s, size_t n)
{
    size_t bad;
    c->enc_line = c->dline;
    if (nb_utf8_invalid_at(s, n) == n) {
        c->enc = ENC_UTF8;
        return 0;
    }
    if (c->cd == (iconv_t)-1 && (c->cd = iconv_open("UTF-8", "GB18030")) == (iconv_t)-1) {
        csv_fail(c, NB_ERR_INPUT, 0, "not UTF-8, and iconv cannot read GB18030: %s",
                 strerror(errno));
        return 0;
    }
    if (gb_convert(c, s, n, &bad) != 0) {
        /* the first line begins with UTF-16's byte order mark (a file is only ever read
           from its first line on, so a mark there is the file's) */
        if (c->dline <= 1 && n >= 2 && ((s[0] == 0xFF && s[1] == 0xFE) || (s[0] == 0xFE && s[1] == 0xFF)))
            csv_fail(c, NB_ERR_INPUT, 0, "UTF-16 text (Notepad's \"Unicode\"): save it as UTF-8 "
                     "(Excel: CSV UTF-8), or as GB18030/GBK");
        else
            csv_fail(c, NB_ERR_INPUT, 0, "not UTF-8 or GB18030 text (byte 0x%02X)", s[bad]);
        return 0;
    }
    c->enc = ENC_GB;
    c->base.encoding = "GB18030";
    return n;
}

/* The start and the end (after its line end) of the line around S[K], in S[0..N). */
static size_t line_start(const unsigned char *s, size_t k, int cr)
{
    const unsigned char *e = last_eol(s, k, cr);
    return e ? (size_t)(e - s) + 1 : 0;
}

static size_t line_end(const unsigned char *s, size_t k, size_t n, int cr)
{
    const unsigned char *e = first_eol(s + k, n - k, cr);
    if (!e)
        return n;
    return (size_t)(e - s) + 1 + (*e == '\r' && (size_t)(e - s) + 1 < n && e[1] == '\n');
}

/* Decodes whole lines S[0..N) while all were ASCII: copies the ASCII lines
 * and fixes the encoding at the first other one. Returns the bytes consumed. */
static size_t decode_ascii(csv_reader *c, const unsigned char *s, size_t n)
{
    int cr = c->eol == EOL_CR;
    size_t k = nb_ascii_run(s, n), ls, le;
    if (k == n) {
        append(c, s, n);
        c->dline += count_lines(s, n, cr);
        return n;
    }
    ls = line_start(s, k, cr);
    le = line_end(s, k, n, cr);
    append(c, s, ls);
    c->dline += count_lines(s, ls, cr);
    if (fix_encoding(c, s + ls, le - ls) == 0)
        return ls;
    c->dline++;
    return le;
}

/* Decodes whole lines S[0..N) of a UTF-8 file (they are only checked). */
static size_t decode_utf8(csv_reader *c, const unsigned char *s, size_t n)
{
    size_t bad = nb_utf8_invalid_at(s, n), ls;
    if (bad == n) {
        append(c, s, n);
        return n;
    }
    ls = line_start(s, bad, c->eol == EOL_CR);
    append(c, s, ls);
    if (c->enc == ENC_BOM)
        csv_fail(c, NB_ERR_INPUT, 0, "not UTF-8 text despite the BOM (byte 0x%02X)", s[bad]);
    else
        csv_fail(c, NB_ERR_INPUT, 0,
                 "mixed encodings: line %ld is UTF-8, this line is not (byte 0x%02X)",
                 c->enc_line, s[bad]);
    return ls;
}

/* Decodes whole lines S[0..N) of a GB18030 file: ASCII lines are copied, the
 * others converted; a line that is UTF-8, or not GB18030, is refused. */
static size_t decode_gb(csv_reader *c, const unsigned char *s, size_t n)
{
    int cr = c->eol == EOL_CR;
    size_t done = 0;
    while (done < n) {
        size_t k = done + nb_ascii_run(s + done, n - done), ls, le, bad;
        if (k == n) {
            append(c, s + done, n - done);
            return n;
        }
        ls = done + line_start(s + done, k - done, cr);
        le = line_end(s, k, n, cr);
        append(c, s + done, ls - done);
        if (!c->marked && nb_utf8_invalid_at(s + ls, le - ls) == le - ls) {
            csv_fail(c, NB_ERR_INPUT, 0, "mixed encodings: line %ld is GB18030, this line is UTF-8",
                     c->enc_line);
            return ls;
        }
        if (gb_convert(c, s + ls, le - ls, &bad) != 0) {
            if (c->marked)
                csv_fail(c, NB_ERR_INPUT, 0, "not GB18030 text despite its byte order mark "
                                             "(byte 0x%02X)", s[ls + bad]);
            else
                csv_fail(c, NB_ERR_INPUT, 0,
                         "mixed encodings: line %ld is GB18030, this line is not (byte 0x%02X)",
                         c->enc_line, s[ls + bad]);
            return ls;
        }
        done = le;
    }
    return n;
}

/* Decodes the whole lines raw[rpos..END) onto the end of buf, up to the first
 * line that cannot be (an error is then recorded). */
static int decode(csv_reader *c, size_t end)
{
    size_t n = end - c->rpos;
    /* GB18030 grows by half at most (two bytes to three); UTF-8 does not grow. */
    if (c->cap - c->len < n + n / 2 + 1) {
        char *nb = nb_reader_grow(c->buf, &c->cap, c->len, n + n / 2 + 1, 1);
        if (!nb) {
            csv_fail(c, NB_ERR_NOMEM, 0, "out of memory");
            return -1;
        }
        c->buf = nb;
    }
    while (c->rpos < end && c->fail == NB_OK) {
        const unsigned char *s = c->raw + c->rpos;
        size_t m = end - c->rpos;
        if (c->enc == ENC_NONE)
            c->rpos += decode_ascii(c, s, m);
        else if (c->enc == ENC_GB)
            c->rpos += decode_gb(c, s, m);
        else
            c->rpos += decode_utf8(c, s, m);
    }
    c->buf[c->len] = '\0';
    return 0;
}

/* Drops the text before the record being read, then decodes more lines.
 * Returns 1 if text was added, 0 if there is none (the input has ended, or
 * an error was recorded). */
static int csv_fill(csv_reader *c)
{
    size_t end, before;
    if (c->fail != NB_OK)
        return 0;
    if (c->rec > 0) { /* with the NUL after the text */
        memmove(c->buf, c->buf + c->rec, c->len - c->rec + 1);
        c->len -= c->rec;
        c->rec = 0;
    }
    while ((end = lines_end(c)) == c->rpos) {
        if (c->eof) {
            c->ended = 1;
            return 0;
        }
        if (c->rlen - c->rpos > NB_READER_MAX_RECORD) {
            /* A line that long: if it has a NUL byte (a binary file?), the
               parser says so; a NUL is never part of a character. */
            const unsigned char *z = memchr(c->raw + c->rpos, '\0', c->rlen - c->rpos);
            if (z) {
                end = (size_t)(z - c->raw) + 1;
                break;
            }
            csv_fail(c, NB_ERR_LIMIT, 0, "record longer than %d bytes", NB_READER_MAX_RECORD);
            return 0;
        }
        if (read_chunk(c) != 0)
            return 0;
    }
    before = c->len;
    if (decode(c, end) != 0)
        return 0;
    c->ended = c->eof && c->rpos == c->rlen;
    return c->len > before;
}

/* -------------------------------------------------------------- parsing */

/* Bytes that end an unquoted field (NUL: the end of the text, or bad data). */
static const unsigned char stop_lf[256] = {[0] = 1, [','] = 1, ['\n'] = 1};
static const unsigned char stop_cr[256] = {[0] = 1, [','] = 1, ['\n'] = 1, ['\r'] = 1};

/* A position in the record being parsed. */
typedef struct {
    char *p;     /* next byte to read */
    char *w;     /* next byte of the value to write */
    char *f;     /* start of the field's value */
    char *end;   /* the NUL after the text */
    long line;   /* line at p */
} cursor;

/* Reads a quoted field's text from k->p (after the opening quote) to the
 * closing quote, unescaping "" and turning CRLF into LF in place. Returns 1 at
 * the closing quote, 0 at the end of the text, -1 at a NUL byte. */
static int read_quoted(cursor *k, int cr_file)
{
    char *p = k->p, *w = k->w;
    int rc = 1;
    for (;;) {
        char ch = *p;
        if (ch == '"') {
            if (p[1] == '"') {
                *w++ = '"';
                p += 2;
                continue;
            }
            p++;
            break;
        }
        if (ch == '\n') {
            k->line++;
        } else if (ch == '\r') {
            if (p[1] == '\n') {
                p++;
                continue;
            }
            k->line += cr_file;
        } else if (ch == '\0') {
            rc = p < k->end ? -1 : 0;
            break;
        }
        *w++ = ch;
        p++;
    }
    k->p = p;
    k->w = w;
    return rc;
}

/* Reads the rest of a field from k->p up to a separator (kept in the value
 * after a quoted part, as written). Returns 0, or -1 at a NUL byte. */
static int read_plain(cursor *k, const unsigned char *stop, int quoted)
{
    char *p = k->p;
    if (quoted) {
        char *w = k->w;
        while (!stop[(unsigned char)*p])
            *w++ = *p++;
        if (*p == '\n' && p[-1] == '\r')
            w--;
        k->w = w;
    } else {
        while (!stop[(unsigned char)*p])
            p++;
        k->w = p;
        if (*p == '\n' && p > k->f && p[-1] == '\r')
            k->w--;
    }
    k->p = p;
    return *p == '\0' && p < k->end ? -1 : 0;
}

/* Ends the field k->f..k->w as field N of the record starting at RS. */
static int end_field(csv_reader *c, cursor *k, char *rs)
{
    size_t n = c->n;
    *k->w = '\0';
    if ((size_t)(k->w - k->f) > NB_READER_MAX_CELL) {
        csv_fail(c, NB_ERR_LIMIT, c->rline, "field %zu longer than %d bytes", n + 1,
                 NB_READER_MAX_CELL);
        return -1;
    }
    if (n == NB_READER_MAX_FIELDS) {
        csv_fail(c, NB_ERR_LIMIT, c->rline, "more than %d fields", NB_READER_MAX_FIELDS);
        return -1;
    }
    if (n == c->foff_cap) {
        size_t *nf = nb_reader_grow(c->foff, &c->foff_cap, n, 1, sizeof *nf);
        if (!nf) {
            csv_fail(c, NB_ERR_NOMEM, c->rline, "out of memory");
            return -1;
        }
        c->foff = nf;
    }
    c->foff[n] = (size_t)(k->f - rs);
    c->n = n + 1;
    return 0;
}

/* Results of parse_field. */
enum { F_NEXT, F_END, F_MORE, F_FAIL };

/* Reads one field at k->p (or goes on with a quoted one) into the record at
 * RS. Returns F_NEXT if a field follows, F_END at the end of the record,
 * F_MORE if the text ended inside quotes, F_FAIL after recording an error. */
static int parse_field(csv_reader *c, cursor *k, char *rs)
{
    int quoted = c->in_quotes;
    char sep;
    if (!quoted) {
        k->f = k->w = k->p;
        if (*k->p == '"') {
            quoted = 1;
            c->qline = k->line;
            k->p++;
        }
    }
    if (quoted) {
        int rc = read_quoted(k, c->eol == EOL_CR);
        if (rc == 0 && !c->ended)
            return F_MORE;
        if (rc == 0) {
            csv_fail(c, NB_ERR_INPUT, c->qline, "unterminated quote (opened at line %ld)",
                     c->qline);
            return F_FAIL;
        }
        c->in_quotes = 0;
        if (rc < 0)
            goto nul;
    }
    if (read_plain(k, c->eol == EOL_CR ? stop_cr : stop_lf, quoted) != 0)
        goto nul;
    sep = *k->p;
    if (end_field(c, k, rs) != 0)
        return F_FAIL;
    if (k->p == k->end)
        return F_END;
    k->p++;
    if (sep == ',')
        return F_NEXT;
    if (sep == '\r' && *k->p == '\n')
        k->p++;
    k->line++;
    return F_END;
nul:
    csv_fail(c, NB_ERR_INPUT, k->line, "NUL byte in field %zu", c->n + 1);
    return F_FAIL;
}

/* Parses the record at buf[rec], going on from where the last call stopped.
 * Returns P_ROW (the fields are in base.fields), P_MORE (more text needed;
 * the state is saved) or P_FAIL (an error was recorded). */
static int parse_record(csv_reader *c)
{
    char *rs = c->buf + c->rec;
    cursor k = {rs + c->p, rs + c->w, rs + c->f, c->buf + c->len, c->line};
    int rc;
    while ((rc = parse_field(c, &k, rs)) == F_NEXT)
        ;
    if (rc == F_MORE) {
        c->in_quotes = 1;
        c->p = (size_t)(k.p - rs);
        c->w = (size_t)(k.w - rs);
        c->f = (size_t)(k.f - rs);
        c->line = k.line;
        return P_MORE;
    }
    if (rc == F_FAIL)
        return P_FAIL;
    if ((size_t)(k.p - rs) > NB_READER_MAX_RECORD) {
        csv_fail(c, NB_ERR_LIMIT, c->rline, "record longer than %d bytes", NB_READER_MAX_RECORD);
        return P_FAIL;
    }
    if (c->n > c->base.fields_cap && nb_reader_fields_reserve(&c->base, c->n) != 0) {
        csv_fail(c, NB_ERR_NOMEM, c->rline, "out of memory");
        return P_FAIL;
    }
    for (size_t i = 0; i < c->n; i++)
        c->base.fields[i] = rs + c->foff[i];
    c->rec = (size_t)(k.p - c->buf);
    c->p = c->w = c->f = 0;
    c->line = k.line;
    return P_ROW;
}

/* Checks the limits of a record that goes on past the text read so far. */
static int check_open_record(csv_reader *c)
{
    if (c->w - c->f > NB_READER_MAX_CELL)
        csv_fail(c, NB_ERR_LIMIT, c->rline, "field %zu longer than %d bytes", c->n + 1,
                 NB_READER_MAX_CELL);
    else if (c->len - c->rec > NB_READER_MAX_RECORD)
        csv_fail(c, NB_ERR_LIMIT, c->rline, "record longer than %d bytes", NB_READER_MAX_RECORD);
    return c->fail == NB_OK ? 0 : -1;
}

static nb_err csv_next(nb_reader *base, size_t *nfields, char ***fields, long *line, char *err,
                       size_t errlen)
{
    csv_reader *c = (csv_reader *)base;
    while (!c->done) {
        if (!c->in_quotes) {
            c->n = 0;
            c->rline = c->line;
        }
        if (c->rec < c->len || c->in_quotes) {
            int rc = parse_record(c);
            if (rc == P_ROW && c->n == 1 && c->base.fields[0][0] == '\0')
                continue; /* a blank line */
            if (rc == P_ROW) {
                *nfields = c->n;
                *fields = c->base.fields;
                *line = c->rline;
                return NB_OK;
            }
            if (rc == P_FAIL || check_open_record(c) != 0)
                break;
        }
        if (!csv_fill(c) && (c->fail != NB_OK || !c->in_quotes))
            break;
    }
    if (c->done || c->fail == NB_OK) {
        c->done = 1;
        return NB_DONE;
    }
    c->done = 1;
    *line = c->fail_line ? c->fail_line : c->fail == NB_ERR_LIMIT ? c->rline : c->line;
    nb_reader_seterr(err, errlen, "%s", c->fail_msg);
    return c->fail;
}

/* Whether S[0..N) is only spaces, tabs and line ends. */
static int blank(const unsigned char *s, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (s[i] != ' ' && s[i] != '\t' && s[i] != '\r' && s[i] != '\n')
            return 0;
    return 1;
}

/* Refuses a file of nothing but white space. What follows the first chunk
 * is looked at with pread into buf, so that nothing is kept. */
static nb_err check_not_empty(csv_reader *c, char *err, size_t errlen)
{
    off_t off = (off_t)c->rlen;
    if (!blank(c->raw + c->rpos, c->rlen - c->rpos))
        return NB_OK;
    for (;;) {
        ssize_t n = pread(c->base.fd, c->buf, c->cap, off);
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0) {
            nb_reader_seterr(err, errlen, "cannot read: %s", strerror(errno));
            return NB_ERR_IO;
        }
        if (n == 0)
            break;
        if (!blank((unsigned char *)c->buf, (size_t)n))
            return NB_OK;
        off += n;
    }
    nb_reader_seterr(err, errlen, "empty file");
    return NB_ERR_INPUT;
}

/* Reads the first chunk: a BOM, an empty file, then the first lines (so that
 * the encoding is known early when they show it). */
static nb_err csv_start(csv_reader *c, char *err, size_t errlen)
{
    nb_err e;
    c->cap = CSV_CHUNK + CSV_CHUNK / 2 + 1;
    if (!(c->buf = malloc(c->cap)) || nb_reader_fields_reserve(&c->base, 64) != 0) {
        nb_reader_seterr(err, errlen, "out of memory");
        return NB_ERR_NOMEM;
    }
    while (c->rlen < 4 && !c->eof) {
        if (read_chunk(c) != 0) {
            nb_reader_seterr(err, errlen, "%s", c->fail_msg);
            return c->fail;
        }
    }
    size_t bom = nb_bom_len((const char *)c->raw, c->rlen);
    if (bom > 0) {
        c->rpos = bom;
        c->enc = ENC_BOM;
        c->base.encoding = "UTF-8 with BOM";
    } else if (c->rlen >= 4 && memcmp(c->raw, "\x84\x31\x95\x33", 4) == 0) {
        /* GB18030's byte order mark (U+FEFF): every line is GB18030, none guessed (a line
           whose bytes are valid UTF-8 too, 省 say, is GB18030's) */
        if ((c->cd = iconv_open("UTF-8", "GB18030")) == (iconv_t)-1) {
            nb_reader_seterr(err, errlen, "iconv cannot read GB18030: %s", strerror(errno));
            return NB_ERR_INPUT;
        }
        c->rpos = 4;
        c->enc = ENC_GB;
        c->marked = 1;
        c->enc_line = 1;
        c->base.encoding = "GB18030 with BOM";
    }
    if ((e = check_not_empty(c, err, errlen)) != NB_OK)
        return e;
    csv_fill(c); /* an error is given with the row it concerns */
    return NB_OK;
}

static void csv_free(nb_reader *base)
{
    csv_reader *c = (csv_reader *)base;
    if (c->cd != (iconv_t)-1)
        iconv_close(c->cd);
    free(c->raw);
    free(c->buf);
    free(c->foff);
}

nb_err nb_csv_open(int fd, nb_reader **out, char *err, size_t errlen)
{
    csv_reader *c = calloc(1, sizeof *c);
    nb_err e;
    if (!c) {
        close(fd);
        nb_reader_seterr(err, errlen, "out of memory");
        return NB_ERR_NOMEM;
    }
    c->base.fd = fd;
    c->base.next = csv_next;
    c->base.free = csv_free;
    c->base.encoding = "UTF-8";
    c->cd = (iconv_t)-1;
    c->line = c->rline = c->dline = 1;
    if ((e = csv_start(c, err, errlen)) != NB_OK) {
        nb_reader_close(&c->base);
        return e;
    }
    *out = &c->base;
    return NB_OK;
}
