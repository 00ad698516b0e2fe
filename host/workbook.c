/* workbook.c - a published report's XLSX workbook as lines (workbook.h). */
#define _GNU_SOURCE /* memfd_create */
#include "workbook.h"

#include "html.h"
#include "reader.h"
#include "reader_impl.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

/* Opens the sheet named SHEET (NULL: the first) of the workbook in FD, from its start.
 * NB_OK and the reader in *OUT; else a message in ERR. */
static nb_err open_sheet(int fd, const char *sheet, nb_reader **out, char *err, size_t errlen)
{
    *out = NULL;
    if (lseek(fd, 0, SEEK_SET) != 0) {
        snprintf(err, errlen, "cannot read the workbook again: %s", strerror(errno));
        return NB_ERR_IO;
    }
    int own = dup(fd);
    if (own < 0) {
        snprintf(err, errlen, "cannot read the workbook again: %s", strerror(errno));
        return NB_ERR_IO;
    }
    return nb_xlsx_open(own, sheet, out, err, errlen); /* it owns OWN */
}

/* The reader's error ERR on sheet SHEET, row ROW, as the message. */
static void sheet_error(const char *sheet, long row, char *err, size_t errlen)
{
    char why[512];
    snprintf(why, sizeof why, "%s", err);
    snprintf(err, errlen, "sheet \"%s\", row %ld: %s", sheet, row, why);
}

/* Reads sheet SHEET of FD: the width of its widest row into *WIDTH (PASS 0), or gives its
 * lines to FN (PASS 1, rows padded to WIDTH); either counts its rows on *LINE, within
 * NB_HTML_MAX_LINES. NB_DONE when FN stopped. */
static nb_err read_sheet(int fd, const char *sheet, int pass, size_t *width, long *line,
                         nb_sheet_fn fn, void *ud, char *err, size_t errlen)
{
    nb_reader *r;
    nb_err rc = open_sheet(fd, sheet, &r, err, errlen);
    if (rc)
        return rc;
    const char **cells = NULL;
    if (pass == 1 && *width > 1 && !(cells = malloc(*width * sizeof *cells))) {
        nb_reader_close(r);
        snprintf(err, errlen, "out of memory");
        return NB_ERR_NOMEM;
    }
    for (;;) {
        size_t n;
        char **fields;
        long row;
        rc = nb_reader_next(r, &n, &fields, &row, err, errlen);
        if (rc == NB_DONE) {
            rc = NB_OK;
            break;
        }
        if (rc) {
            sheet_error(sheet, row, err, errlen);
            break;
        }
        if (++*line > NB_HTML_MAX_LINES) { /* counted in both passes */
            snprintf(err, errlen, "more than %d rows", NB_HTML_MAX_LINES);
            rc = NB_ERR_LIMIT;
            break;
        }
        if (pass == 0) {
            if (n > NB_HTML_MAX_CELLS) {
                snprintf(err, errlen, "sheet \"%s\", row %ld: more than %d cells", sheet, row,
                         NB_HTML_MAX_CELLS);
                rc = NB_ERR_LIMIT;
                break;
            }
            if (n > *width)
                *width = n;
            continue;
        }
        int stop;
        if (*width <= 1) {
            stop = fn(ud, *line, sheet, row, n ? fields[0] : "", NULL, 0);
        } else {
            for (size_t i = 0; i < *width; i++)
                cells[i] = i < n ? fields[i] : "";
            stop = fn(ud, *line, sheet, row, NULL, cells, *width);
        }
        if (stop) {
            rc = NB_DONE; /* FN stopped the reading */
            break;
        }
    }
    free(cells);
    nb_reader_close(r);
    return rc;
}

nb_err nb_workbook_lines(const char *data, size_t len, nb_sheet_fn fn, void *ud, char *err,
                         size_t errlen)
{
    if (len < 4 || memcmp(data, "PK\3\4", 4) != 0) {
        snprintf(err, errlen, "not an XLSX file (no zip archive)");
        return NB_ERR_INPUT;
    }
    int fd = memfd_create("nianbao-workbook", MFD_CLOEXEC);
    if (fd < 0) {
        snprintf(err, errlen, "cannot hold the workbook in memory: %s", strerror(errno));
        return NB_ERR_IO;
    }
    for (size_t at = 0; at < len;) {
        ssize_t w = write(fd, data + at, len - at);
        if (w < 0 && errno == EINTR)
            continue;
        if (w <= 0) {
            snprintf(err, errlen, "cannot hold the workbook in memory: %s", strerror(errno));
            close(fd);
            return NB_ERR_IO;
        }
        at += (size_t)w;
    }
    /* the sheets' names, from a reader of the first */
    nb_reader *r;
    nb_err rc = open_sheet(fd, NULL, &r, err, errlen);
    char **names = NULL;
    size_t nsheets = 0;
    if (!rc) {
        nsheets = nb_reader_sheets(r, NULL, 0);
        if (!(names = calloc(nsheets ? nsheets : 1, sizeof *names)))
            rc = NB_ERR_NOMEM;
        for (size_t i = 0; !rc && i < nsheets; i++) /* a hidden sheet is no part of the report */
            if (!nb_reader_sheet_hidden(r, i) && !(names[i] = strdup(nb_reader_sheet(r, i))))
                rc = NB_ERR_NOMEM;
        if (rc)
            snprintf(err, errlen, "out of memory");
        nb_reader_close(r);
    }
    long line = 0;
    size_t cells = 0, read = 0;
    for (size_t i = 0; !rc && i < nsheets; i++) {
        if (!names[i]) /* hidden */
            continue;
        if (++read > NB_WORKBOOK_MAX_SHEETS) {
            snprintf(err, errlen, "more than %d sheets shown", NB_WORKBOOK_MAX_SHEETS);
            rc = NB_ERR_LIMIT;
            break;
        }
        size_t width = 0;
        long counted = line;
        rc = read_sheet(fd, names[i], 0, &width, &counted, fn, ud, err, errlen);
        if (!rc && (cells += (size_t)(counted - line) * (width ? width : 1)) > NB_WORKBOOK_MAX_CELLS) {
            snprintf(err, errlen, "more than %d cells (each row as wide as its sheet's widest)",
                     NB_WORKBOOK_MAX_CELLS);
            rc = NB_ERR_LIMIT;
        }
        if (!rc)
            rc = read_sheet(fd, names[i], 1, &width, &line, fn, ud, err, errlen);
    }
    if (rc == NB_DONE)
        rc = NB_OK;
    for (size_t i = 0; names && i < nsheets; i++)
        free(names[i]);
    free(names);
    close(fd);
    return rc;
}
