/* workbook.h - the text of a published report's Excel workbook (XLSX), as lines, for
 * nianbao lint: the lines html.h and docx.h give, with the sheet and row of each.
 *
 * The workbook is read with reader.h's XLSX reader (minizip and expat, bounded memory),
 * from a memory file holding the bytes given. Sheets are read in workbook order, but hidden
 * ones (a workbook's reader does not see them). In a
 * sheet with cells in more than one column, each row becomes one line of cells, padded
 * with blank cells to the sheet's widest row (a row with a label and blank figures ends
 * where its label does in the XML, and a table's rows keep their columns); in a sheet with
 * one column (a narrative) each row becomes a line of text. Empty rows give no line.
 * Lines are numbered from 1 across the sheets; each comes with its sheet's name and its
 * row number there, which is what a finding names.
 * Depends on reader.h, html.h (its limits); no Lua. */
#ifndef NB_WORKBOOK_H
#define NB_WORKBOOK_H

#include "err.h"

#include <stddef.h>

/* Sheets read (hidden ones are skipped, as no reader of the workbook sees them) and cells
 * given (each row padded to its sheet's widest) at most; more are refused (NB_ERR_LIMIT). */
#define NB_WORKBOOK_MAX_SHEETS 32
#define NB_WORKBOOK_MAX_CELLS 1000000

/* One line: LINE (from 1, across sheets), SHEET (its name) and ROW (its row number), and
 * either N cells or TEXT (CELLS NULL). Return nonzero to stop. */
typedef int (*nb_sheet_fn)(void *ud, long line, const char *sheet, long row, const char *text,
                           const char *const *cells, size_t n);

/* Reads the XLSX DATA[0..LEN) and gives each line to FN. NB_OK; NB_ERR_INPUT (not an XLSX
 * workbook, or a damaged one: the reader's message, with the sheet); NB_ERR_LIMIT (the
 * reader's limits, more than NB_HTML_MAX_LINES lines, a row wider than NB_HTML_MAX_CELLS
 * cells); NB_ERR_IO (no memory file); NB_ERR_NOMEM; a message in ERR. */
nb_err nb_workbook_lines(const char *data, size_t len, nb_sheet_fn fn, void *ud, char *err,
                         size_t errlen);

#endif
