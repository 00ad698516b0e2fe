/* pdf.h - the text of a published report's PDF, as lines, for nianbao lint: the lines
 * `pdftotext -layout` would give, laid out again from poppler's characters.
 *
 * poppler (libpoppler-glib) opens the document from memory and gives every character of a
 * page with its box. The characters are grouped into lines by their vertical centre, each
 * line ordered left to right; within a line a gap wider than about half a character's
 * height starts a new column, written two spaces after the one before it; a smaller gap
 * between two Latin characters is one space, and CJK characters are joined. A cell whose
 * text wraps over several lines of a table (a long row label, a group label merged over
 * rows) is joined and written on the line of its row's figures, so that a table row is
 * one line whatever its cells' alignment; a figure run into its label ("申请数量219", a
 * cell without margins) is cut from it. A page with a figure is also drawn, in
 * memory, to find the table's rules: a rule between two glyphs ends a column, a rule
 * between two lines of a label ends the label (the line below is the next row's), and a
 * cell between rules right of a row's labels that holds nothing, on a line with figures,
 * is written as an ideographic space (U+3000), a column of its own: a blank cell keeps
 * the row's figures in their columns. Lines go top to bottom; the first line of every
 * page after the first starts with a form feed, as pdftotext separates pages. Lines are
 * numbered from 1 over the whole document (blank ones are not given), so the lines joined
 * with newlines are a text whose line numbers are the ones given.
 * Depends on html.h (the line callback), util.h; poppler-glib and cairo; no Lua. */
#ifndef NB_PDF_H
#define NB_PDF_H

#include "html.h"

/* What a document may hold; more is refused (NB_ERR_LIMIT). */
#define NB_PDF_MAX_BYTES (256u * 1024 * 1024) /* the file */
#define NB_PDF_MAX_PAGES 500
#define NB_PDF_MAX_CHARS 200000               /* characters on one page */
#define NB_PDF_MAX_TEXT (32u * 1024 * 1024)   /* bytes of text given, all pages */

/* Reads the PDF DATA[0..LEN) and gives each line to FN as TEXT (CELLS NULL; nonzero from
 * FN stops the reading, NB_OK). NB_OK; NB_ERR_INPUT (not a PDF poppler can open, with
 * poppler's own text; an encrypted document that needs a password); NB_ERR_LIMIT (see
 * above; NB_HTML_MAX_LINES lines); NB_ERR_NOMEM; a message in ERR. A document without
 * text (scanned pages) gives no line and NB_OK. */
nb_err nb_pdf_lines(const char *data, size_t len, nb_html_fn fn, void *ud, char *err,
                    size_t errlen);

#endif
