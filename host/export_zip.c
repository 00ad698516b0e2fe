/* export_zip.c - a zip archive built in memory: the package of a DOCX or an XLSX.
 *
 * The parts are added whole (each written into memory first), deflated in one call by
 * libdeflate and stored raw by minizip into a buffer that grows as needed; every entry
 * carries the document's own date, so the same document gives the same bytes. A part whose
 * bytes are those deflated last under its name takes that deflate again (kept_find). The
 * only failure is out of memory. Private to the exporters (export_util.h). Depends on zipmem.h
 * (minizip's file in memory), libdeflate and zlib (its level constants).
 *
 * libdeflate, not zlib's stream: a workbook's dozen parts (36 KB) took 281 us through zlib
 * (level 1, each part a stream of its own: made, run, ended) against 97 us, and 3% smaller
 * (by hand); a workbook is about a quarter of a regeneration's report. */
#include "export_util.h"
#include "zipmem.h"

#include <stdlib.h>
#include <string.h>

#include <libdeflate.h>
#include <minizip/zip.h>

struct nb_zip {
    nb_zipmem m; /* the archive, growing as written */
    int level;   /* zlib's compression level of every entry (what the entries' flags say) */
    struct libdeflate_compressor *c; /* at that level */
    unsigned char *out;              /* a part deflated (out_cap bytes) */
    size_t out_cap;
    zip_fileinfo zi;
    zipFile z;
};

/* The entries' date: CREATED, within what a zip can hold (1980-2107). */
static void entry_date(long long created, zip_fileinfo *zi)
{
    long long t = created < 315532800LL ? 315532800LL : created > 4354819199LL ? 4354819199LL : created;
    int ymd, secs;

    memset(zi, 0, sizeof *zi);
    nb_utc(t, &ymd, &secs);
    zi->tmz_date.tm_sec = (uInt)(secs % 60);
    zi->tmz_date.tm_min = (uInt)(secs / 60 % 60);
    zi->tmz_date.tm_hour = (uInt)(secs / 3600);
    zi->tmz_date.tm_mday = (uInt)(ymd % 100);
    zi->tmz_date.tm_mon = (uInt)(ymd / 100 % 100 - 1);
    zi->tmz_date.tm_year = (uInt)(ymd / 10000);
}

/* The parts deflated last, by name: a regeneration writes the same parts into every
 * workbook (content types, relations, styles, the workbook itself: 10 of its 36 KB), and a
 * part whose bytes are those deflated last under its name takes that deflate again (its
 * bytes compared, not trusted by name). A name is kept with its bytes from its second
 * part on: a process that writes one workbook copies nothing. Parts of KEPT_MAX bytes or less, KEPT_PARTS names;
 * another name takes the slot used least recently. For one process at a time (a worker of
 * regen --jobs has its own copy). Freed at exit. */
#define KEPT_PARTS 16
#define KEPT_MAX 16384

typedef struct {
    char *name;          /* NULL: a free slot */
    int level;           /* the deflate's */
    unsigned long crc;   /* of the part */
    size_t len, zlen;
    char *data;          /* the part, LEN bytes */
    unsigned char *z;    /* deflated, ZLEN bytes */
    unsigned long used;  /* when last used (kept_clock) */
} kept_part;

static kept_part kept[KEPT_PARTS];
static unsigned long kept_clock;
static long kept_reused;

static void kept_clear(kept_part *k)
{
    free(k->name);
    free(k->data);
    free(k->z);
    memset(k, 0, sizeof *k);
}

void nb_zip_kept_free(void)
{
    for (int i = 0; i < KEPT_PARTS; i++)
        kept_clear(&kept[i]);
}

long nb_zip_test_reused(void)
{
    return kept_reused;
}

/* The part NAME of LEN bytes DATA deflated at LEVEL when it was the last deflated under
 * that name, else NULL. */
static kept_part *kept_find(const char *name, int level, const char *data, size_t len)
{
    for (int i = 0; i < KEPT_PARTS; i++) {
        kept_part *k = &kept[i];
        if (k->data && k->level == level && k->len == len && strcmp(k->name, name) == 0 &&
            memcmp(k->data, data, len) == 0) {
            k->used = ++kept_clock;
            kept_reused++;
            return k;
        }
    }
    return NULL;
}

/* Keeps the part (its deflate Z, ZLEN bytes) under NAME; nothing when memory runs out. */
static void kept_put(const char *name, int level, const char *data, size_t len,
                     const unsigned char *z, size_t zlen, unsigned long crc)
{
    static int registered;
    if (len > KEPT_MAX)
        return;
    kept_part *slot = &kept[0];
    int seen = 0;
    for (int i = 0; i < KEPT_PARTS; i++) {
        kept_part *k = &kept[i];
        if (k->name && strcmp(k->name, name) == 0 && k->level == level) {
            slot = k, seen = 1; /* its name's: the part met before, or changed */
            break;
        }
        if (!k->name ? slot->name != NULL : slot->name && k->used < slot->used)
            slot = k;
    }
    if (!registered)
        registered = atexit(nb_zip_kept_free) == 0;
    kept_clear(slot);
    slot->level = level;
    slot->used = ++kept_clock;
    /* a name met for the first time keeps no bytes: one workbook (one report) copies none */
    if (!(slot->name = strdup(name)) || !seen)
        return;
    slot->data = malloc(len ? len : 1);
    slot->z = malloc(zlen ? zlen : 1);
    if (!slot->data || !slot->z) {
        kept_clear(slot);
        return;
    }
    memcpy(slot->data, data, len);
    memcpy(slot->z, z, zlen);
    slot->len = len, slot->zlen = zlen, slot->crc = crc;
}

nb_zip *nb_zip_new(long long created, int level)
{
    nb_zip *m = calloc(1, sizeof *m);
    zlib_filefunc64_def io;

    if (!m)
        return NULL;
    m->m.writable = 1;
    nb_zipmem_io(&io, &m->m);
    m->level = level;
    entry_date(created, &m->zi);
    /* zlib's levels are libdeflate's (1-9), its default 6; 0 (stored) deflated at 1 */
    int dl = level == Z_DEFAULT_COMPRESSION ? 6 : level < 1 ? 1 : level > 9 ? 9 : level;
    if (!(m->c = libdeflate_alloc_compressor(dl)) ||
        !(m->z = zipOpen2_64("", APPEND_STATUS_CREATE, NULL, &io))) {
        nb_zip_free(m);
        return NULL;
    }
    return m;
}

int nb_zip_add(nb_zip *m, const char *name, const char *data, size_t len)
{
    if (!m->z || m->m.failed || len > 0xFFFFFFFFu)
        return -1;
    const unsigned char *out;
    size_t n;
    unsigned long crc;
    const kept_part *k = kept_find(name, m->level, data, len);
    if (k) {
        out = k->z, n = k->zlen, crc = k->crc;
    } else {
        size_t bound = libdeflate_deflate_compress_bound(m->c, len);
        if (bound > m->out_cap) {
            unsigned char *more = realloc(m->out, bound);
            if (!more)
                return -1;
            m->out = more;
            m->out_cap = bound;
        }
        n = libdeflate_deflate_compress(m->c, data, len, m->out, m->out_cap);
        if (n == 0) /* cannot happen within the bound */
            return -1;
        out = m->out;
        crc = libdeflate_crc32(0, data, len);
        kept_put(name, m->level, data, len, out, n, crc);
    }
    /* raw: minizip stores the deflated bytes as they are, with their size and CRC-32 */
    int bad = zipOpenNewFileInZip3_64(m->z, name, &m->zi, NULL, 0, NULL, 0, NULL, Z_DEFLATED, m->level, 1,
                                      -MAX_WBITS, DEF_MEM_LEVEL, Z_DEFAULT_STRATEGY, NULL, 0, 0) != ZIP_OK;
    if (!bad) {
        bad = zipWriteInFileInZip(m->z, out, (unsigned)n) != ZIP_OK;
        bad |= zipCloseFileInZipRaw64(m->z, (ZPOS64_T)len, crc) != ZIP_OK;
    }
    return bad || m->m.failed ? -1 : 0;
}

int nb_zip_add_written(nb_zip *m, const char *name, void (*write)(FILE *f, void *ud), void *ud)
{
    char *buf = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&buf, &len);
    int bad;

    if (!f)
        return -1;
    write(f, ud);
    bad = ferror(f);
    if (fclose(f) != 0)
        bad = 1;
    if (!bad)
        bad = nb_zip_add(m, name, buf, len) != 0;
    free(buf);
    return bad ? -1 : 0;
}

int nb_zip_finish(nb_zip *m, const char **data, size_t *len)
{
    int bad = !m->z || zipClose(m->z, NULL) != ZIP_OK;

    m->z = NULL;
    if (bad || m->m.failed)
        return -1;
    *data = m->m.data;
    *len = m->m.len;
    return 0;
}

void nb_zip_free(nb_zip *m)
{
    if (!m)
        return;
    if (m->z)
        zipClose(m->z, NULL);
    libdeflate_free_compressor(m->c);
    free(m->out);
    free(m->m.data);
    free(m);
}
