/* hash.c - SHA-256 digests in hex (nettle). */
#include "hash.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

void nb_hash_init(nb_hash *h)
{
    sha256_init(&h->ctx);
}

void nb_hash_add(nb_hash *h, const void *data, size_t len)
{
    sha256_update(&h->ctx, len, data);
}

void nb_hash_str(nb_hash *h, const char *s)
{
    nb_hash_add(h, s ? s : "", s ? strlen(s) + 1 : 1);
}

void nb_hash_raw(nb_hash *h, unsigned char *out)
{
    sha256_digest(&h->ctx, NB_HASH_SIZE, out);
}

void nb_hash_hex(nb_hash *h, char *hex)
{
    static const char digits[] = "0123456789abcdef";
    unsigned char d[NB_HASH_SIZE];
    nb_hash_raw(h, d);
    for (size_t i = 0; i < sizeof d; i++) {
        hex[2 * i] = digits[d[i] >> 4];
        hex[2 * i + 1] = digits[d[i] & 15];
    }
    hex[2 * sizeof d] = '\0';
}

void nb_sha256_hex(const void *data, size_t len, char *hex)
{
    nb_hash h;
    nb_hash_init(&h);
    nb_hash_add(&h, data, len);
    nb_hash_hex(&h, hex);
}

void nb_hash_save(const nb_hash *h, unsigned char *out)
{
    const struct sha256_ctx *c = &h->ctx;
    for (int i = 0; i < 8; i++)
        for (int b = 0; b < 4; b++)
            *out++ = (unsigned char)(c->state[i] >> (8 * b));
    for (int b = 0; b < 8; b++)
        *out++ = (unsigned char)(c->count >> (8 * b));
    *out++ = (unsigned char)c->index;
    /* the bytes waiting alone: the rest of the block is what earlier blocks left there */
    memcpy(out, c->block, c->index);
    memset(out + c->index, 0, SHA256_BLOCK_SIZE - c->index);
}

int nb_hash_load(nb_hash *h, const unsigned char *in, size_t len)
{
    struct sha256_ctx *c = &h->ctx;
    if (len != NB_HASH_STATE || in[40] >= SHA256_BLOCK_SIZE)
        return -1;
    memset(c, 0, sizeof *c);
    for (int i = 0; i < 8; i++)
        for (int b = 0; b < 4; b++)
            c->state[i] |= (uint32_t)*in++ << (8 * b);
    for (int b = 0; b < 8; b++)
        c->count |= (uint64_t)*in++ << (8 * b);
    c->index = *in++;
    memcpy(c->block, in, SHA256_BLOCK_SIZE);
    return 0;
}

int nb_hash_file(nb_hash *h, const char *path, char *err, size_t errlen)
{
    /* O_NONBLOCK: a FIFO with no writer must not wait for one; only a regular file is read
       (a FIFO, a device such as /dev/zero, would never end) */
    int fd = open(path, O_RDONLY | O_NONBLOCK | O_NOCTTY | O_CLOEXEC);
    struct stat st;
    if (fd < 0) {
        snprintf(err, errlen, "%s: %s", path, strerror(errno));
        return -1;
    }
    if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
        snprintf(err, errlen, "%s: not a regular file", path);
        close(fd);
        return -1;
    }
    unsigned char block[65536];
    ssize_t got;
    while ((got = read(fd, block, sizeof block)) != 0) {
        if (got < 0 && errno == EINTR)
            continue;
        if (got < 0) {
            snprintf(err, errlen, "%s: %s", path, strerror(errno));
            close(fd);
            return -1;
        }
        nb_hash_add(h, block, (size_t)got);
    }
    close(fd);
    return 0;
}

int nb_sha256_file(const char *path, char *hex, char *err, size_t errlen)
{
    nb_hash h;
    nb_hash_init(&h);
    if (nb_hash_file(&h, path, err, errlen) != 0)
        return -1;
    nb_hash_hex(&h, hex);
    return 0;
}
