/* zipmem.h - a buffer in memory as minizip's file: the archive a DOCX reader inflates
 * (docx.c, read only) and the one an exporter builds (export_zip.c, growing as written).
 * Depends on minizip's ioapi. */
#ifndef NB_ZIPMEM_H
#define NB_ZIPMEM_H

#include <stddef.h>

#include <minizip/ioapi.h>

typedef struct {
    char *data;    /* the bytes; a read-only buffer is given cast (WRITABLE 0: never written) */
    size_t len, cap, pos;
    int writable;  /* 1: writes go to DATA, grown with realloc (the caller frees it) */
    int failed;    /* a write ran out of memory (or was made to a read-only buffer) */
} nb_zipmem;

/* IO as minizip's functions over M: pass it to zipOpen2_64 or unzOpen2_64 with a name
 * that is not used. */
void nb_zipmem_io(zlib_filefunc64_def *io, nb_zipmem *m);

#endif
