/* reader.h - row reader for CSV and XLSX files.
 *
 * Provides one interface over two file kinds, read as a stream in bounded
 * memory whatever the input:
 *
 * CSV: UTF-8 with or without BOM, or GB18030/GBK converted to UTF-8. Lines of
 * ASCII say nothing; the first line with other bytes fixes the encoding
 * (valid UTF-8: UTF-8, else GB18030), and every later line must be in it
 * ("mixed encodings: line 2 is UTF-8, this line is not (byte 0xB2)"): data
 * is never converted by a guess. RFC 4180 quoting: embedded newlines (CRLF in
 * quotes becomes LF), doubled quotes, text after a closing quote kept. Lines
 * end with LF or CRLF, or, when the first line ends with a lone CR (Excel for
 * Mac), with CR, LF or CRLF; in an LF file a lone CR is data. A NUL byte is
 * refused.
 *
 * XLSX: first sheet or a named sheet; shared strings, inline strings,
 * numbers as written. The archive is read through the descriptor opened and
 * checked; expat's memory is counted (a huge tag or a deep nesting is
 * refused); row numbers beyond Excel's last row are refused.
 *
 * Depends on iconv (glibc), minizip (unzip) and expat. No Lua. */
#ifndef NB_READER_H
#define NB_READER_H

#include <stddef.h>

#include "err.h"

/* Limits. Input beyond them is refused with NB_ERR_LIMIT and a message
 * naming the line (CSV) or the part and cell (XLSX), so that memory stays
 * bounded whatever the file: a CSV reader holds at most about two records,
 * an XLSX reader one row, the parser's memory and the shared strings' offsets
 * (4 bytes each) with their texts up to 16 MiB in all, the rest of the texts
 * in a temporary file (TMPDIR, else /tmp; unlinked). Sizes are of the UTF-8
 * text. */
#define NB_READER_MAX_CELL (1 << 20)       /* bytes of one CSV field */
#define NB_READER_MAX_RECORD (2 << 20)     /* bytes of one CSV record or XLSX row */
#define NB_READER_MAX_FIELDS 16384         /* fields of a row (Excel's last column, XFD) */
#define NB_READER_MAX_XLSX_TEXT 32767      /* characters of an XLSX cell (Excel's limit) */
#define NB_READER_MAX_SST_BYTES (256 << 20) /* bytes of all shared strings of a workbook */
#define NB_READER_MAX_SST_COUNT (1 << 23)  /* shared strings of a workbook */
#define NB_READER_MAX_XML_MEMORY (8 << 20) /* bytes the XML parser may hold for one part */
#define NB_READER_MAX_WORKBOOK (1 << 20)   /* bytes of a workbook's sheet names and rels */
#define NB_READER_MAX_ROW 1048576          /* XLSX row number (Excel's last row) */

typedef struct nb_reader nb_reader;

/* Opens PATH, which must be a regular file: a FIFO, a device, a directory or
 * a socket is refused at once ("not a regular file (a FIFO)"), without
 * blocking. The kind is chosen by content: a zip archive is read as XLSX,
 * anything else as CSV; a name ending in .xlsx that is not a zip archive is an
 * error ("not an XLSX file (no zip archive)"). SHEET selects an XLSX sheet by
 * name (NULL: the first sheet); it is an error for CSV. Returns NB_OK and the
 * reader in *OUT, which the caller frees with nb_reader_close; on failure
 * *OUT is NULL and ERR holds a message without the path: NB_ERR_IO (cannot
 * open or read), NB_ERR_INPUT (not a file of a readable kind, or a damaged
 * workbook), NB_ERR_LIMIT (an XLSX workbook's shared strings or sheet list
 * beyond a limit), NB_ERR_NOMEM. */
nb_err nb_reader_open(const char *path, const char *sheet, nb_reader **out, char *err,
                      size_t errlen);

/* Reads the next row. *FIELDS points at *NFIELDS NUL-terminated UTF-8
 * strings, valid until the next call or close. *LINE is the 1-based line of
 * the file where the row starts (CSV) or the sheet row number (XLSX).
 * Fully empty rows are skipped. Returns NB_OK with a row, NB_DONE after the
 * last one; on an error ERR holds the reason (without the path) and *LINE the
 * line it is on (for a limit, the line where the record starts; in XLSX the
 * row being read, row 1 before the first one), and the
 * reader gives no more rows: NB_ERR_INPUT (bad data: encoding, NUL byte,
 * unterminated quote, damaged XLSX), NB_ERR_LIMIT (beyond a limit above),
 * NB_ERR_IO, NB_ERR_NOMEM. */
nb_err nb_reader_next(nb_reader *r, size_t *nfields, char ***fields, long *line, char *err,
                      size_t errlen);

/* "UTF-8", "UTF-8 with BOM", "GB18030" or "XLSX". A CSV file's encoding is
 * known once its first line with non-ASCII bytes has been decoded, which the
 * reader does ahead of the rows (from the open on, the first 256 KiB): until
 * then it is "UTF-8", which an ASCII text is. */
const char *nb_reader_encoding(const nb_reader *r);

/* The number of sheets of a workbook (0 for CSV), their names in workbook order joined
 * with ", " into OUT (cut to fit OUTLEN; nothing when OUT is NULL). */
size_t nb_reader_sheets(const nb_reader *r, char *out, size_t outlen);

/* The name of a workbook's sheet I (0-based, workbook order), valid until the reader is
 * closed; NULL past the last sheet or for CSV. */
const char *nb_reader_sheet(const nb_reader *r, size_t i);

/* 1 when the workbook's sheet I is hidden (its state hidden or veryHidden: Excel shows it
 * to no reader), else 0 (and for CSV). */
int nb_reader_sheet_hidden(const nb_reader *r, size_t i);

/* Frees the reader; NULL is allowed. */
void nb_reader_close(nb_reader *r);

#endif
