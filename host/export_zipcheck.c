/* export_zipcheck.c - reads a written XLSX back before it is put in place.
 *
 * libxlsxwriter writes each part to a temporary file and does not check those writes: on
 * a full disk it can make a valid zip of truncated XML. So every entry of the workbook is
 * read back: its CRC must hold, each XML part must parse to its end, and its rows and
 * shared strings must all be there. The XML is read with the scanner of plain XML
 * (xmlscan.h), and with expat where the scanner bails. Private to the exporters
 * (export_util.h). Depends on minizip, expat and xmlscan.c. */
#include "export_util.h"
#include "xmlscan.h"

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

/* The counts of the current entry's XML: 0 when they hold, or -1 with the reason. */
static int counts_hold(const counts *c, const char *name, char *why, size_t n)
{
    int sheet = strncmp(name, "xl/worksheets/sheet", 19) == 0;
    if ((sheet && (c->gap || (c->rows > 0 && c->last_row != c->dim_last))) ||
        (c->unique >= 0 && c->si != c->unique)) {
        snprintf(why, n, "%s: parts of it are missing", name);
        return -1;
    }
    return 0;
}

/* What reads an entry's bytes: the scanner of plain XML, or expat. buffer: room for N
 * bytes (NULL: the parser cannot take them); parse: the N bytes just put there, FINAL at
 * the end: 0 read, 1 not read (the scanner bailed, or expat refused), -1 out of memory. */
typedef struct {
    char *(*buffer)(void *p, size_t n);
    int (*parse)(void *p, size_t n, int final);
    void *p;
} sink;

static char *scan_buffer(void *p, size_t n)
{
    return nb_xmlscan_buffer(p, n);
}

static int scan_parse(void *p, size_t n, int final)
{
    int st = nb_xmlscan_parse(p, n, final);
    return st == NB_XS_OK ? 0 : st == NB_XS_NOMEM ? -1 : 1;
}

static char *expat_buffer(void *p, size_t n)
{
    return XML_GetBuffer(p, (int)n);
}

static int expat_parse(void *p, size_t n, int final)
{
    if (XML_ParseBuffer(p, (int)n, final) != XML_STATUS_ERROR)
        return 0;
    return XML_GetErrorCode(p) == XML_ERROR_NO_MEMORY ? -1 : 1;
}

/* Reads the current entry through, closing it (its CRC is checked then), given to SK when
 * not NULL. 0 when read, 1 when SK did not read it, -1 with the reason. */
static int read_through(unzFile z, const char *name, const sink *sk, char *why, size_t n)
{
    char local[16384];
    int got, rc = 0;
    if (unzOpenCurrentFile(z) != UNZ_OK) {
        snprintf(why, n, "%s: cannot be read", name);
        return -1;
    }
    for (;;) {
        char *b = sk ? sk->buffer(sk->p, sizeof local) : local;
        if (!b) {
            rc = 1;
            break;
        }
        if ((got = unzReadCurrentFile(z, b, sizeof local)) < 0) {
            snprintf(why, n, "%s: damaged", name);
            rc = -1;
            break;
        }
        if (sk && (rc = sk->parse(sk->p, (size_t)got, got == 0)) != 0) {
            if (rc < 0)
                snprintf(why, n, "out of memory");
            break;
        }
        if (got == 0)
            break;
    }
    if (unzCloseCurrentFile(z) != UNZ_OK && rc == 0) {
        snprintf(why, n, "%s: CRC error", name);
        rc = -1;
    }
    return rc;
}

/* Reads the current entry, parsing it when it is XML: with the scanner of plain XML, and
 * with expat when the scanner bails (outside its subset, or not well-formed: expat
 * decides). 0, or -1 with the reason. */
static int read_entry(unzFile z, const char *name, int xml, char *why, size_t n)
{
    if (!xml)
        return read_through(z, name, NULL, why, n) == 0 ? 0 : -1;
    counts cnt = {.unique = -1, .dim_last = -1};
    nb_xmlscan *scan = nb_xmlscan_new(on_start, NULL, NULL, &cnt);
    if (!scan) {
        snprintf(why, n, "out of memory");
        return -1;
    }
    int rc = read_through(z, name, &(sink){scan_buffer, scan_parse, scan}, why, n);
    nb_xmlscan_free(scan);
    if (rc == 1) { /* again from the start, with expat */
        XML_Parser p = XML_ParserCreate(NULL);
        if (!p) {
            snprintf(why, n, "out of memory");
            return -1;
        }
        cnt = (counts){.unique = -1, .dim_last = -1};
        XML_SetUserData(p, &cnt);
        XML_SetStartElementHandler(p, on_start);
        rc = read_through(z, name, &(sink){expat_buffer, expat_parse, p}, why, n);
        XML_ParserFree(p);
        if (rc == 1)
            snprintf(why, n, "%s: incomplete XML", name);
    }
    return rc == 0 ? counts_hold(&cnt, name, why, n) : -1;
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
