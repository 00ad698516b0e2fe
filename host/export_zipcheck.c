/* export_zipcheck.c - reads a written XLSX back before it is put in place.
 *
 * libxlsxwriter writes each part to a temporary file and does not check those writes: on
 * a full disk it can make a valid zip of truncated XML. So every entry of the workbook is
 * read back: its CRC must hold, each XML part must parse to its end, and its rows and
 * shared strings must all be there. Private to the
 * exporters (export_util.h). Depends on minizip and expat. */
#include "export_util.h"

#include <expat.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unzip.h>

/* A failed write to one of the library's temporary files loses a buffer of 4 KiB from
 * the middle of a part, and what is left can still be well-formed XML. So the parts
 * are counted too: nianbao sets the height of every row of a sheet, so a sheet's rows
 * run 1..N without a gap up to its <dimension>; and the shared strings hold as many
 * <si> as their uniqueCount says. */
typedef struct {
    long rows, last_row, dim_last, si, unique;
    int gap;
} counts;

/* The value of attribute NAME in ATTS, or NULL. */
static const char *attr(const char **atts, const char *name)
{
    for (int i = 0; atts[i]; i += 2)
        if (strcmp(atts[i], name) == 0)
            return atts[i + 1];
    return NULL;
}

static void on_start(void *ud, const char *el, const char **atts)
{
    counts *c = ud;
    const char *v;
    if (strcmp(el, "row") == 0 && (v = attr(atts, "r"))) {
        long r = strtol(v, NULL, 10);
        if (r != c->last_row + 1)
            c->gap = 1;
        c->last_row = r;
        c->rows++;
    } else if (strcmp(el, "dimension") == 0 && (v = attr(atts, "ref"))) {
        const char *colon = strchr(v, ':'), *d = colon ? colon + 1 : v;
        while (*d && (*d < '0' || *d > '9'))
            d++;
        c->dim_last = strtol(d, NULL, 10);
    } else if (strcmp(el, "si") == 0) {
        c->si++;
    } else if (strcmp(el, "sst") == 0 && (v = attr(atts, "uniqueCount"))) {
        c->unique = strtol(v, NULL, 10);
    }
}

/* Reads the current entry, parsing it when it is XML. 0, or -1 with the reason. */
static int read_entry(unzFile z, const char *name, int xml, char *why, size_t n)
{
    char buf[16384];
    int got, ok = 1;
    counts cnt = {.unique = -1, .dim_last = -1};
    XML_Parser p = xml ? XML_ParserCreate(NULL) : NULL;
    if (xml && !p) {
        snprintf(why, n, "out of memory");
        return -1;
    }
    if (p) {
        XML_SetUserData(p, &cnt);
        XML_SetStartElementHandler(p, on_start);
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
    int sheet = strncmp(name, "xl/worksheets/sheet", 19) == 0;
    if (ok && p && ((sheet && (cnt.gap || (cnt.rows > 0 && cnt.last_row != cnt.dim_last))) ||
                    (cnt.unique >= 0 && cnt.si != cnt.unique))) {
        snprintf(why, n, "%s: parts of it are missing", name);
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
