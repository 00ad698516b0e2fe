/* export_zipcheck.c - reads a written XLSX back before it is put in place.
 *
 * libxlsxwriter writes each part to a temporary file and does not check those writes: on
 * a full disk it can make a valid zip of truncated XML. So every entry of the workbook is
 * read back: its CRC must hold and each XML part must parse to its end. Private to the
 * exporters (export_util.h). Depends on minizip and expat. */
#include "export_util.h"

#include <expat.h>
#include <stdio.h>
#include <string.h>
#include <unzip.h>

/* Reads the current entry, parsing it when it is XML. 0, or -1 with the reason. */
static int read_entry(unzFile z, const char *name, int xml, char *why, size_t n)
{
    char buf[16384];
    int got, ok = 1;
    XML_Parser p = xml ? XML_ParserCreate(NULL) : NULL;
    if (xml && !p) {
        snprintf(why, n, "out of memory");
        return -1;
    }
    if (unzOpenCurrentFile(z) != UNZ_OK) {
        snprintf(why, n, "%s: cannot be read", name);
        ok = 0;
    }
    while (ok && (got = unzReadCurrentFile(z, buf, sizeof buf)) != 0) {
        if (got < 0 || (p && XML_Parse(p, buf, got, 0) == XML_STATUS_ERROR)) {
            snprintf(why, n, "%s: %s", name, got < 0 ? "damaged" : "incomplete XML");
            ok = 0;
        }
    }
    if (ok && p && XML_Parse(p, "", 0, 1) == XML_STATUS_ERROR) {
        snprintf(why, n, "%s: incomplete XML", name);
        ok = 0;
    }
    if (unzCloseCurrentFile(z) != UNZ_OK && ok) {
        snprintf(why, n, "%s: CRC error", name);
        ok = 0;
    }
    if (p)
        XML_ParserFree(p);
    return ok ? 0 : -1;
}

static int ends_with(const char *s, const char *tail)
{
    size_t a = strlen(s), b = strlen(tail);
    return a >= b && strcmp(s + a - b, tail) == 0;
}

nb_err nb_zip_check(const char *written, const char *path, char *err, size_t errlen)
{
    char why[600] = "no entries";
    unzFile z = unzOpen64(written);
    int rc = z ? unzGoToFirstFile(z) : UNZ_BADZIPFILE, bad = rc != UNZ_OK;
    while (!bad && rc == UNZ_OK) {
        char name[512];
        unz_file_info64 info;
        if (unzGetCurrentFileInfo64(z, &info, name, sizeof name, NULL, 0, NULL, 0) != UNZ_OK) {
            snprintf(why, sizeof why, "an entry cannot be read");
            bad = 1;
            break;
        }
        bad = read_entry(z, name, ends_with(name, ".xml") || ends_with(name, ".rels"), why,
                         sizeof why) != 0;
        rc = unzGoToNextFile(z);
    }
    if (!bad && rc != UNZ_END_OF_LIST_OF_FILE) {
        snprintf(why, sizeof why, "damaged zip directory");
        bad = 1;
    }
    if (z)
        unzClose(z);
    if (!bad)
        return NB_OK;
    snprintf(err, errlen, "%s: the workbook was not written completely (%s; is the disk full?)",
             path, why);
    return NB_ERR_IO;
}
