/* reader.c - the row reader's interface: opens regular files, tells CSV from XLSX, dispatches. */
#include "reader_impl.h"

#include <errno.h>
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

void nb_reader_close(nb_reader *r)
{
    if (!r)
        return;
    if (r->free)
        r->free(r);
    free(r->fields);
    if (r->fd >= 0)
        close(r->fd);
    free(r);
}
