/* docx.h - the text of a published report's Word document (DOCX), as lines, for nianbao
 * lint: the same lines html.h gives for a page.
 *
 * The document's word/document.xml is read from the zip archive (minizip, from memory)
 * with expat as it inflates. Each table row (w:tr) becomes one line of cells (the text of
 * each w:tc, its runs and paragraphs joined; a cell a vertical merge continues is blank);
 * a row with a table inside a cell is a frame, and the rows of the tables inside come
 * instead. Each paragraph outside tables becomes a line. Lines are numbered in the
 * document's order (paragraphs and rows), which is what a finding's line refers to.
 * Depends on html.h (the line callback), util.h; minizip and expat; no Lua. */
#ifndef NB_DOCX_H
#define NB_DOCX_H

#include "html.h"

/* Reads the DOCX DATA[0..LEN) and gives each line to FN. NB_OK; NB_ERR_INPUT (not a DOCX:
 * no zip archive, no word/document.xml, XML that does not parse); NB_ERR_LIMIT (the
 * document over 64 MiB inflated, more than NB_HTML_MAX_LINES lines, a row of more than
 * NB_HTML_MAX_CELLS cells, tables nested more than 16 deep); NB_ERR_NOMEM; a message in
 * ERR. */
nb_err nb_docx_lines(const char *data, size_t len, nb_html_fn fn, void *ud, char *err,
                     size_t errlen);

#endif
