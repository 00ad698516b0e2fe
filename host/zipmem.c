/* zipmem.c - a buffer in memory as minizip's file (zipmem.h). */
#include "zipmem.h"

#include <stdlib.h>
#include <string.h>

static voidpf ZCALLBACK z_open(voidpf opaque, const void *name, int mode)
{
    (void)name;
    (void)mode;
    return opaque;
}

static uLong ZCALLBACK z_read(voidpf opaque, voidpf stream, void *buf, uLong size)
{
    nb_zipmem *m = stream;
    size_t n = m->pos < m->len ? m->len - m->pos : 0;

    (void)opaque;
    if (n > size)
        n = size;
    memcpy(buf, m->data + m->pos, n);
    m->pos += n;
    return (uLong)n;
}

static uLong ZCALLBACK z_write(voidpf opaque, voidpf stream, const void *buf, uLong size)
{
    nb_zipmem *m = stream;
    size_t end = m->pos + size;

    (void)opaque;
    if (!m->writable) {
        m->failed = 1;
        return 0;
    }
    if (end > m->cap) {
        size_t cap = m->cap ? m->cap : 65536;
        char *d;
        while (cap < end)
            cap *= 2;
        if (!(d = realloc(m->data, cap))) {
            m->failed = 1;
            return 0;
        }
        m->data = d;
        m->cap = cap;
    }
    memcpy(m->data + m->pos, buf, size);
    m->pos = end;
    if (end > m->len)
        m->len = end;
    return size;
}

static ZPOS64_T ZCALLBACK z_tell(voidpf opaque, voidpf stream)
{
    (void)opaque;
    return (ZPOS64_T)((nb_zipmem *)stream)->pos;
}

static long ZCALLBACK z_seek(voidpf opaque, voidpf stream, ZPOS64_T off, int origin)
{
    nb_zipmem *m = stream;
    ZPOS64_T base = origin == ZLIB_FILEFUNC_SEEK_CUR ? m->pos : origin == ZLIB_FILEFUNC_SEEK_END ? m->len : 0;

    (void)opaque;
    if (off > (ZPOS64_T)m->len || base + off > (ZPOS64_T)m->len)
        return -1;
    m->pos = (size_t)(base + off);
    return 0;
}

static int ZCALLBACK z_close(voidpf opaque, voidpf stream)
{
    (void)opaque;
    (void)stream;
    return 0;
}

static int ZCALLBACK z_error(voidpf opaque, voidpf stream)
{
    (void)opaque;
    return ((nb_zipmem *)stream)->failed;
}

void nb_zipmem_io(zlib_filefunc64_def *io, nb_zipmem *m)
{
    io->zopen64_file = z_open;
    io->zread_file = z_read;
    io->zwrite_file = z_write;
    io->ztell64_file = z_tell;
    io->zseek64_file = z_seek;
    io->zclose_file = z_close;
    io->zerror_file = z_error;
    io->opaque = m;
}
