/* files.c - bounded reads of regular files. */
#include "files.h"

#include <dirent.h>
#include <errno.h>
#include <limits.h>
#include <stdlib.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

const char *nb_file_kind(unsigned mode)
{
    if (S_ISDIR(mode))
        return "a folder";
    if (S_ISFIFO(mode))
        return "a FIFO";
    if (S_ISCHR(mode) || S_ISBLK(mode))
        return "a device";
    if (S_ISSOCK(mode))
        return "a socket";
    return "not a regular file";
}

size_t nb_bom_len(const char *s, size_t len)
{
    return len >= 3 && memcmp(s, "\xef\xbb\xbf", 3) == 0 ? 3 : 0;
}

nb_err nb_file_read(const char *path, size_t max, nb_buf *b, char *err, size_t errlen)
{
    struct stat st;
    return nb_file_read_st(path, max, b, &st, err, errlen);
}

nb_err nb_file_read_st(const char *path, size_t max, nb_buf *b, struct stat *stp, char *err,
                       size_t errlen)
{
    /* O_NONBLOCK: opening a FIFO with no writer must not wait for one (and a regular file,
       the only kind read, ignores it: it is not cleared) */
    int fd = open(path, O_RDONLY | O_NONBLOCK | O_NOCTTY | O_CLOEXEC);
    struct stat st;
    if (fd < 0) {
        snprintf(err, errlen, "%s: %s", path, strerror(errno));
        return NB_ERR_IO;
    }
    if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
        snprintf(err, errlen, "%s: not a regular file (%s)", path, nb_file_kind(st.st_mode));
        close(fd);
        return NB_ERR_INPUT;
    }
    if ((size_t)st.st_size > max) {
        snprintf(err, errlen, "%s: too large (%lld bytes; at most %zu)", path,
                 (long long)st.st_size, max);
        close(fd);
        return NB_ERR_LIMIT;
    }
    *stp = st;
    /* read straight into the buffer, made as large as the file at once (a program's
       compiled scripts grown by doubling from 64 KiB reads were copied twice, into pages
       touched for the first time) */
    ssize_t got;
    int bad = nb_buf_reserve(b, (size_t)st.st_size) || nb_buf_add(b, "", 0);
    while (!bad && (got = read(fd, b->data + b->len, b->cap - b->len - 1)) != 0) {
        if (got < 0 && errno == EINTR)
            continue;
        if (got < 0) {
            snprintf(err, errlen, "%s: %s", path, strerror(errno));
            close(fd);
            nb_buf_free(b);
            return NB_ERR_IO;
        }
        if (b->len + (size_t)got > max) { /* it grew while we read */
            snprintf(err, errlen, "%s: too large (more than %zu bytes)", path, max);
            close(fd);
            nb_buf_free(b);
            return NB_ERR_LIMIT;
        }
        b->len += (size_t)got;
        b->data[b->len] = '\0';
        bad = b->len + 1 == b->cap && nb_buf_reserve(b, 65536); /* it grew since */
    }
    close(fd);
    if (bad) {
        snprintf(err, errlen, "out of memory");
        nb_buf_free(b);
        return NB_ERR_NOMEM;
    }
    return NB_OK;
}

/* ---- temporary output files ---- */

static char temps[NB_MAX_TEMPS][4096];
/* the slots ever used: the loops stop there (each slot is a page of its own, and
   reading all 64 for every file written cost 64 page faults) */
static volatile int ntemps;

void nb_temp_register(const char *path)
{
    for (int i = 0; i < NB_MAX_TEMPS; i++)
        if (!temps[i][0] && strlen(path) < sizeof temps[i]) {
            memcpy(temps[i], path, strlen(path) + 1);
            if (i >= ntemps)
                ntemps = i + 1;
            return;
        }
}

void nb_temp_forget(const char *path)
{
    for (int i = 0; i < ntemps; i++)
        if (temps[i][0] && strcmp(temps[i], path) == 0)
            temps[i][0] = '\0';
}

void nb_temp_cleanup(void)
{
    for (int i = 0; i < ntemps; i++)
        if (temps[i][0]) {
            unlink(temps[i]);
            temps[i][0] = '\0';
        }
}

/* ---- paths ---- */

/* REAL, then "/" and REST into OUT, REST's parts being neither "." nor "..". */
static int join_rest(const char *real, const char *rest, char *out)
{
    for (const char *p = rest; *p;) {
        const char *e = strchr(p, '/');
        size_t n = e ? (size_t)(e - p) : strlen(p);
        if ((n == 1 && p[0] == '.') || (n == 2 && p[0] == '.' && p[1] == '.'))
            return -1;
        p = e ? e + 1 : p + n;
    }
    size_t n = strlen(real);
    if (n + strlen(rest) + 2 > PATH_MAX)
        return -1;
    memcpy(out, real, n);
    if (*rest && strcmp(real, "/") != 0)
        out[n++] = '/';
    memcpy(out + n, rest, strlen(rest) + 1);
    return 0;
}

int nb_path_resolve(const char *path, char *out)
{
    char prefix[PATH_MAX], real[PATH_MAX];
    size_t len = strlen(path);
    if (len >= sizeof prefix)
        return -1;
    if (realpath(*path ? path : ".", out))
        return 0;
    /* The longest part that exists, resolved, then the rest as given: none of its
       parts may be "." or "..", which could leave the resolved folder. */
    for (long i = (long)len - 1; i >= -1; i--) {
        while (i >= 0 && path[i] != '/')
            i--;
        const char *rest = path + i + 1;
        if (i < 0)
            memcpy(prefix, ".", 2);
        else if (i == 0)
            memcpy(prefix, "/", 2);
        else
            memcpy(prefix, path, (size_t)i), prefix[i] = '\0';
        if (realpath(prefix, real))
            return join_rest(real, rest, out);
    }
    return -1;
}

int nb_path_within(const char *path, const char *root)
{
    char p[PATH_MAX], r[PATH_MAX];
    if (nb_path_resolve(path, p) != 0 || nb_path_resolve(root, r) != 0)
        return 0;
    size_t n = strlen(r);
    if (strcmp(r, "/") == 0)
        return 1;
    return strncmp(p, r, n) == 0 && (p[n] == '\0' || p[n] == '/');
}

nb_err nb_dir_folders(const char *dir, size_t max, nb_buf *b, size_t *n, char *err,
                      size_t errlen)
{
    *n = 0;
    DIR *d = opendir(dir);
    if (!d) {
        if (errno == ENOENT)
            return NB_OK;
        snprintf(err, errlen, "%s: %s", dir, strerror(errno));
        return NB_ERR_IO;
    }
    int fd = dirfd(d);
    struct dirent *e;
    nb_err rc = NB_OK;
    while (*n < max && (e = readdir(d)) != NULL) {
        struct stat st;
        if (e->d_name[0] == '.' || fstatat(fd, e->d_name, &st, 0) != 0 || !S_ISDIR(st.st_mode))
            continue;
        if (nb_buf_add(b, e->d_name, strlen(e->d_name) + 1) != 0) {
            snprintf(err, errlen, "out of memory");
            rc = NB_ERR_NOMEM;
            break;
        }
        ++*n;
    }
    closedir(d);
    return rc;
}
