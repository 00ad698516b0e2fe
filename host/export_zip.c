/* export_zip.c - a zip archive built in memory: the package of a DOCX or an XLSX.
 *
 * The parts are added whole (each written into memory first) and deflated with minizip into
 * a buffer that grows as needed; every entry carries the document's own date, so the same
 * document gives the same bytes. The only failure is out of memory. Private to the
 * exporters (export_util.h). Depends on zipmem.h (minizip's file in memory) and zlib. */
#include "export_util.h"
#include "zipmem.h"

#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <minizip/zip.h>

/* zlib's window and memory for each part: a part is tens of kilobytes, and zlib's defaults
 * (a 32 KB window, memory level 8) made and cleared some 256 KB for each of a workbook's dozen
 * parts, a tenth of the time a report's workbook took, for files 1-3% larger. */
#define WINDOW_BITS 13
#define MEM_LEVEL 6

struct nb_zip {
    nb_zipmem m; /* the archive, growing as written */
    int level;   /* zlib's compression level of every entry */
    zip_fileinfo zi;
    zipFile z;
};

/* The entries' date: CREATED, within what a zip can hold (1980-2107). */
static void entry_date(long long created, zip_fileinfo *zi)
{
    time_t t = (time_t)(created < 315532800LL ? 315532800LL : created > 4354819199LL ? 4354819199LL : created);
    struct tm tm;

    memset(zi, 0, sizeof *zi);
    gmtime_r(&t, &tm);
    zi->tmz_date.tm_sec = (uInt)tm.tm_sec;
    zi->tmz_date.tm_min = (uInt)tm.tm_min;
    zi->tmz_date.tm_hour = (uInt)tm.tm_hour;
    zi->tmz_date.tm_mday = (uInt)tm.tm_mday;
    zi->tmz_date.tm_mon = (uInt)tm.tm_mon;
    zi->tmz_date.tm_year = (uInt)(tm.tm_year + 1900);
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
    if (!(m->z = zipOpen2_64("", APPEND_STATUS_CREATE, NULL, &io))) {
        nb_zip_free(m);
        return NULL;
    }
    return m;
}

int nb_zip_add(nb_zip *m, const char *name, const char *data, size_t len)
{
    int bad = !m->z || m->m.failed || len > 0xFFFFFFFFu;

    if (!bad)
        bad = zipOpenNewFileInZip3_64(m->z, name, &m->zi, NULL, 0, NULL, 0, NULL, Z_DEFLATED, m->level, 0,
                                      -WINDOW_BITS, MEM_LEVEL, Z_DEFAULT_STRATEGY, NULL, 0, 0) != ZIP_OK;
    if (!bad) {
        bad = len > 0 && zipWriteInFileInZip(m->z, data, (unsigned)len) != ZIP_OK;
        bad |= zipCloseFileInZip(m->z) != ZIP_OK;
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
    free(m->m.data);
    free(m);
}
