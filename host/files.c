/* files.c - bounded reads of regular files. */
#include "files.h"

#include <errno.h>
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

nb_err nb_file_read(const char *path, size_t max, nb_buf *b, char *err, size_t errlen)
{
    /* O_NONBLOCK: opening a FIFO with no writer must not wait for one. */
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
    fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) & ~O_NONBLOCK);
    char chunk[65536];
    ssize_t got;
    int bad = nb_buf_add(b, "", 0);
    while (!bad && (got = read(fd, chunk, sizeof chunk)) != 0) {
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
        bad = nb_buf_add(b, chunk, (size_t)got);
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

void nb_temp_register(const char *path)
{
    for (int i = 0; i < NB_MAX_TEMPS; i++)
        if (!temps[i][0] && strlen(path) < sizeof temps[i]) {
            memcpy(temps[i], path, strlen(path) + 1);
            return;
        }
}

void nb_temp_forget(const char *path)
{
    for (int i = 0; i < NB_MAX_TEMPS; i++)
        if (temps[i][0] && strcmp(temps[i], path) == 0)
            temps[i][0] = '\0';
}

void nb_temp_cleanup(void)
{
    for (int i = 0; i < NB_MAX_TEMPS; i++)
        if (temps[i][0]) {
            unlink(temps[i]);
            temps[i][0] = '\0';
        }
}
