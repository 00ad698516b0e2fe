/* reader.h - row reader for CSV and XLSX files.
 *
 * Provides one interface over two file kinds: CSV (UTF-8 with or without BOM,
 * or GB18030/GBK, detected and converted to UTF-8; RFC 4180 quoting with
 * embedded newlines, doubled quotes, CRLF or LF) and XLSX (first sheet or a
 * named sheet; shared strings, inline strings, numbers as written).
 * Depends on iconv (glibc), minizip (unzip) and expat. No Lua. */
#ifndef NB_READER_H
#define NB_READER_H

#include <stddef.h>

#include "err.h"

typedef struct nb_reader nb_reader;

/* Opens PATH, which must be a regular file: a FIFO, a device, a directory or
 * a socket is refused at once ("not a regular file (a FIFO)"), without
 * blocking. The kind is chosen by content: a zip archive is read as XLSX,
 * anything else as CSV; a name ending in .xlsx that is not a zip archive is an
 * error ("not an XLSX file (no zip archive)"). SHEET selects an XLSX sheet by
 * name (NULL: the first sheet); it is an error for CSV. Returns NB_OK and the
 * reader in *OUT, which the caller frees with nb_reader_close; on failure
 * *OUT is NULL and ERR holds a message without the path: NB_ERR_IO (cannot
 * open or read), NB_ERR_INPUT (not a file of a readable kind), NB_ERR_NOMEM. */
nb_err nb_reader_open(const char *path, const char *sheet, nb_reader **out, char *err,
                      size_t errlen);

/* Reads the next row. *FIELDS points at *NFIELDS NUL-terminated UTF-8
 * strings, valid until the next call or close. *LINE is the 1-based line of
 * the file where the row starts (CSV) or the sheet row number (XLSX).
 * Fully empty rows are skipped. Returns NB_OK with a row, NB_DONE after the
 * last one; on an error (NB_ERR_INPUT for bad data, NB_ERR_IO, NB_ERR_NOMEM)
 * ERR holds the reason and *LINE the line it concerns, and the reader gives
 * no more rows. */
nb_err nb_reader_next(nb_reader *r, size_t *nfields, char ***fields, long *line, char *err,
                      size_t errlen);

/* "UTF-8", "UTF-8 with BOM", "GB18030" or "XLSX". */
const char *nb_reader_encoding(const nb_reader *r);

/* Frees the reader; NULL is allowed. */
void nb_reader_close(nb_reader *r);

#endif
