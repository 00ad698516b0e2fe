/* reader.c - the row reader's interface: opens regular files, tells CSV from XLSX, dispatches. */
#include "reader_impl.h"

#include "async.h"

#include <errno.h>
#include <limits.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

void nb_reader_seterr(char *err, size_t errlen, const char *fmt, ...)
{
    va_list ap;
    if (!err || errlen == 0)
        return;
    va_start(ap, fmt);
    vsnprintf(err, errlen, fmt, ap);
    va_end(ap);
}

void *nb_reader_grow(void *p, size_t *cap, size_t used, size_t n, size_t size)
{
    size_t ncap;
    if (p && used + n <= *cap)
        return p;
    ncap = *cap ? *cap : 16;
    while (ncap < used + n) {
        if (ncap > SIZE_MAX / 2 / size)
            return NULL;
        ncap *= 2;
    }
    p = realloc(p, ncap * size);
    if (p)
        *cap = ncap;
    return p;
}

int nb_reader_fields_reserve(nb_reader *r, size_t n)
{
    char **f = nb_reader_grow(r->fields, &r->fields_cap, 0, n, sizeof *r->fields);
    if (!f)
        return -1;
    r->fields = f;
    return 0;
}

static int ends_with_xlsx(const char *path)
{
    size_t n = strlen(path);
    return n >= 5 && strcasecmp(path + n - 5, ".xlsx") == 0;
}

/* What a file of mode M is, for "not a regular file (...)". */
static const char *file_type(mode_t m)
{
    if (S_ISDIR(m))
        return "a directory";
    if (S_ISFIFO(m))
        return "a FIFO";
    if (S_ISCHR(m))
        return "a character device";
    if (S_ISBLK(m))
        return "a block device";
    if (S_ISSOCK(m))
        return "a socket";
    return "not a plain file";
}

/* Opens PATH for reading into *FD if it is a regular file. O_NONBLOCK keeps a
 * FIFO without a writer from blocking the open; it is cleared afterwards. */
static nb_err open_regular(const char *path, int *fd, char *err, size_t errlen)
{
    struct stat st;
    int flags;
    nb_err rc = NB_ERR_IO;
    *fd = open(path, O_RDONLY | O_NONBLOCK | O_CLOEXEC);
    if (*fd < 0) {
        int e = errno;
        /* A socket cannot be opened at all (ENXIO): say what it is. */
        if (stat(path, &st) == 0 && !S_ISREG(st.st_mode)) {
            nb_reader_seterr(err, errlen, "not a regular file (%s)", file_type(st.st_mode));
            return NB_ERR_INPUT;
        }
        nb_reader_seterr(err, errlen, "cannot open: %s", strerror(e));
        return NB_ERR_IO;
    }
    if (fstat(*fd, &st) != 0) {
        nb_reader_seterr(err, errlen, "cannot open: %s", strerror(errno));
    } else if (!S_ISREG(st.st_mode)) {
        nb_reader_seterr(err, errlen, "not a regular file (%s)", file_type(st.st_mode));
        rc = NB_ERR_INPUT;
    } else if ((flags = fcntl(*fd, F_GETFL)) < 0 || fcntl(*fd, F_SETFL, flags & ~O_NONBLOCK) < 0) {
        nb_reader_seterr(err, errlen, "cannot open: %s", strerror(errno));
    } else {
        return NB_OK;
    }
    close(*fd);
    *fd = -1;
    return rc;
}

/* Reads the first bytes of FD into MAGIC (up to 4); returns how many, or -1. */
static ssize_t read_magic(int fd, unsigned char magic[4])
{
    ssize_t got = 0;
    while (got < 4) {
        ssize_t n = pread(fd, magic + got, (size_t)(4 - got), (off_t)got);
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0)
            return -1;
        if (n == 0)
            break;
        got += n;
    }
    return got;
}

nb_err nb_reader_open(const char *path, const char *sheet, nb_reader **out, char *err,
                      size_t errlen)
{
    unsigned char magic[4];
    ssize_t got;
    int fd;
    nb_err e;
    *out = NULL;
    if ((e = open_regular(path, &fd, err, errlen)) != NB_OK)
        return e;
    if ((got = read_magic(fd, magic)) < 0) {
        nb_reader_seterr(err, errlen, "cannot read: %s", strerror(errno));
        close(fd);
        return NB_ERR_IO;
    }
    if (got == 4 && memcmp(magic, "PK\x03\x04", 4) == 0)
        return nb_xlsx_open(fd, sheet, out, err, errlen);
    if (ends_with_xlsx(path) || sheet) {
        nb_reader_seterr(err, errlen, "%s", ends_with_xlsx(path)
                                                ? "not an XLSX file (no zip archive)"
                                                : "--sheet applies to XLSX files only");
        close(fd);
        return NB_ERR_INPUT;
    }
    return nb_csv_open(fd, out, err, errlen);
}

/* ---- reading ahead ---- */

/* A batch holds rows until it has this many, or this many bytes of text and cells (one
 * row at least, whatever its size: a batch grown past four times this is let go once
 * handed out). */
#define AHEAD_ROWS 8192
#define AHEAD_BYTES ((size_t)1 << 20)
#define AHEAD_LEND ((size_t)256 << 10)
#define NO_LINE LONG_MIN /* the kind's next left *line as it was */

typedef struct {
    size_t nfields, first, ncells; /* its width, and its cells: cell[first .. first + ncells) */
    long line;
} ahead_row;

typedef struct {
    size_t col, off; /* a field that is not empty: its column, its text's offset */
} ahead_cell;

typedef struct {
    ahead_row *rows;
    size_t n, at, rows_cap; /* rows read, rows handed out */
    ahead_cell *cell;       /* the rows' fields that are not empty (a sheet's rows are
                               sparse: the empty ones are not kept) */
    size_t ncell, cell_cap;
    char *text;             /* those fields, each NUL-terminated */
    size_t text_len, text_cap;
    int lent;               /* 1: after the rows, one of AHEAD_LEND bytes or more, not
                               copied: handed out from the kind's own fields (kf, knf,
                               kline), the kind left alone until it is; 2: handed out */
    char **kf;
    size_t knf;
    long kline;
    nb_err rc;              /* after the rows: NB_OK (more may come), NB_DONE or an error */
    long line;              /* the error's line (NO_LINE: none given) */
    char err[1024];
} ahead_batch;

struct nb_reader_ahead {
    nb_err (*next)(nb_reader *r, size_t *nfields, char ***fields, long *line, char *err,
                   size_t errlen); /* the kind's */
    nb_reader *r;
    nb_async *async;      /* the helper thread the batches are filled in */
    ahead_batch b[2];
    int cur;              /* the batch handed out; the other is being filled, */
    int filling;          /* when this says so */
    char **fields;        /* the row handed out (the kind's own are its thread's) */
    size_t fields_cap;
    char empty[1];        /* its empty fields, as the kind's: one writable "" */
};

/* The bytes B holds, as counted against AHEAD_BYTES. */
static size_t batch_bytes(const ahead_batch *b)
{
    return b->text_len + b->ncell * sizeof *b->cell + b->n * sizeof *b->rows;
}

/* Appends a row to B; 0, or -1 when out of memory. */
static int batch_add(ahead_batch *b, size_t nfields, char **fields, long line)
{
    ahead_row *rows = nb_reader_grow(b->rows, &b->rows_cap, b->n, 1, sizeof *b->rows);
    if (!rows)
        return -1;
    b->rows = rows;
    ahead_row *row = &b->rows[b->n];
    row->nfields = nfields;
    row->first = b->ncell;
    row->ncells = 0;
    row->line = line;
    for (size_t i = 0; i < nfields; i++) {
        if (!fields[i][0])
            continue;
        size_t len = strlen(fields[i]) + 1;
        ahead_cell *cell = nb_reader_grow(b->cell, &b->cell_cap, b->ncell, 1, sizeof *b->cell);
        if (!cell)
            return -1;
        b->cell = cell;
        char *text = nb_reader_grow(b->text, &b->text_cap, b->text_len, len, 1);
        if (!text)
            return -1;
        b->text = text;
        b->cell[b->ncell].col = i;
        b->cell[b->ncell].off = b->text_len;
        b->ncell++;
        row->ncells++;
        memcpy(b->text + b->text_len, fields[i], len);
        b->text_len += len;
    }
    b->n++;
    return 0;
}

/* Fills the batch not handed out with the kind's next rows (the helper thread's job). */
static void ahead_fill(void *ud)
{
    struct nb_reader_ahead *a = ud;
    ahead_batch *b = &a->b[!a->cur];
    if (b->text_cap > 4 * AHEAD_BYTES) { /* grown for a row of many megabytes */
        free(b->text);
        b->text = NULL;
        b->text_cap = 0;
    }
    if (b->cell_cap * sizeof *b->cell > 4 * AHEAD_BYTES) {
        free(b->cell);
        b->cell = NULL;
        b->cell_cap = 0;
    }
    b->n = b->at = b->ncell = b->text_len = 0;
    b->lent = 0;
    b->rc = NB_OK;
    b->err[0] = '\0';
    while (b->n < AHEAD_ROWS && batch_bytes(b) < AHEAD_BYTES) {
        size_t nfields = 0, bytes = 0;
        char **fields = NULL;
        long line = NO_LINE;
        nb_err rc = a->next(a->r, &nfields, &fields, &line, b->err, sizeof b->err);
        if (rc != NB_OK) {
            b->rc = rc;
            b->line = line;
            return;
        }
        for (size_t i = 0; i < nfields && bytes < AHEAD_LEND; i++)
            bytes += fields[i][0] ? strlen(fields[i]) : 0;
        if (bytes >= AHEAD_LEND) { /* a large row: lent, not copied (a copy more of 2 MiB) */
            b->lent = 1;
            b->kf = fields;
            b->knf = nfields;
            b->kline = line;
            return;
        }
        if (batch_add(b, nfields, fields, line) != 0) {
            b->rc = NB_ERR_NOMEM;
            b->line = line;
            snprintf(b->err, sizeof b->err, "out of memory");
            return;
        }
    }
}

static nb_err ahead_next(nb_reader *r, size_t *nfields, char ***fields, long *line, char *err,
                         size_t errlen)
{
    struct nb_reader_ahead *a = r->ahead;
    ahead_batch *b = &a->b[a->cur];
    while (b->at == b->n) {
        if (b->lent == 1) { /* the kind's own row, after the batch's */
            b->lent = 2;
            *nfields = b->knf;
            *fields = b->kf;
            *line = b->kline;
            return NB_OK;
        }
        if (b->rc != NB_OK) { /* the kind's last word, then the end (as the kind's next) */
            nb_err rc = b->rc;
            if (b->line != NO_LINE)
                *line = b->line;
            if (rc != NB_DONE)
                nb_reader_seterr(err, errlen, "%s", b->err);
            b->rc = NB_DONE;
            b->line = NO_LINE;
            return rc;
        }
        /* this one handed out: the other, when filled (now, after a row lent: the kind
           was left alone until it was handed out), and this one filled meanwhile */
        if (!a->filling)
            nb_async_submit(a->async, (nb_job){ahead_fill, NULL, a});
        nb_async_wait(a->async);
        a->cur = !a->cur;
        b = &a->b[a->cur];
        a->filling = b->rc == NB_OK && !b->lent;
        if (a->filling)
            nb_async_submit(a->async, (nb_job){ahead_fill, NULL, a});
    }
    ahead_row *row = &b->rows[b->at++];
    char **f = nb_reader_grow(a->fields, &a->fields_cap, 0, row->nfields, sizeof *a->fields);
    if (!f) {
        nb_reader_seterr(err, errlen, "out of memory");
        return NB_ERR_NOMEM;
    }
    a->fields = f;
    for (size_t i = 0; i < row->nfields; i++)
        f[i] = a->empty;
    for (size_t i = 0; i < row->ncells; i++)
        f[b->cell[row->first + i].col] = b->text + b->cell[row->first + i].off;
    *nfields = row->nfields;
    *fields = f;
    *line = row->line;
    return NB_OK;
}

void nb_reader_read_ahead(nb_reader *r)
{
    struct nb_reader_ahead *a = calloc(1, sizeof *a);
    if (!a)
        return;
    a->next = r->next;
    a->r = r;
    a->async = nb_async_new();
    if (!a->async) {
        free(a);
        return;
    }
    a->cur = 0; /* empty: the first call waits for batch 1, filled from now */
    a->filling = 1;
    r->ahead = a;
    r->next = ahead_next;
    nb_async_submit(a->async, (nb_job){ahead_fill, NULL, a});
}

/* Joins the thread (its batch finished first) and frees the batches. */
static void ahead_free(struct nb_reader_ahead *a)
{
    if (!a)
        return;
    nb_async_free(a->async);
    for (int i = 0; i < 2; i++) {
        free(a->b[i].rows);
        free(a->b[i].cell);
        free(a->b[i].text);
    }
    free(a->fields);
    free(a);
}

nb_err nb_reader_next(nb_reader *r, size_t *nfields, char ***fields, long *line, char *err,
                      size_t errlen)
{
    *nfields = 0;
    *fields = NULL;
    return r->next(r, nfields, fields, line, err, errlen);
}

const char *nb_reader_encoding(const nb_reader *r)
{
    return r->encoding;
}

size_t nb_reader_sheets(const nb_reader *r, char *out, size_t outlen)
{
    if (out && outlen)
        out[0] = '\0';
    return r->sheets ? r->sheets(r, out, outlen) : 0;
}

const char *nb_reader_sheet(const nb_reader *r, size_t i)
{
    return r->sheet ? r->sheet(r, i) : NULL;
}

int nb_reader_sheet_hidden(const nb_reader *r, size_t i)
{
    return r->sheet_hidden ? r->sheet_hidden(r, i) : 0;
}

void nb_reader_close(nb_reader *r)
{
    if (!r)
        return;
    ahead_free(r->ahead); /* before the kind's own: its next may be running */
    if (r->free)
        r->free(r);
    free(r->fields);
    if (r->fd >= 0)
        close(r->fd);
    free(r);
}
