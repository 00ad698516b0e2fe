/* html.h - the text of a published report's HTML page, as lines, for nianbao lint.
 *
 * libxml2's HTML parser reads the page as a browser would (unclosed tags, Word's own
 * markup, entities); nothing here looks at the markup with string patterns. Each row of
 * a table becomes one line of cells (the texts of its td and th, in order, whatever
 * inline elements split them: span, font, o:p); a row with a table inside a cell is a
 * frame, and the rows of the tables inside come instead. Other text becomes one line per
 * block (p, div, h1-h6, li, br). &nbsp; and the ideographic space are spaces; runs of
 * spaces are one; cells and lines are trimmed. Script, style and head are not text.
 * Depends on util.h (nb_buf, UTF-8) and libxml2; no Lua. */
#ifndef NB_HTML_H
#define NB_HTML_H

#include "err.h"
#include "util.h"

#include <stddef.h>

/* Lines a page may give, and cells a row; more are refused (NB_ERR_LIMIT). */
#define NB_HTML_MAX_LINES 200000
#define NB_HTML_MAX_CELLS 1000

/* One line: LINE (the page's source line), and either N cells (a table row; N may be 0
 * for an empty row) or TEXT (CELLS NULL). Return nonzero to stop. */
typedef int (*nb_html_fn)(void *ud, long line, const char *text, const char *const *cells,
                          size_t n);

/* Reads the page DATA[0..LEN): UTF-8, else GB18030 (what a page that is not valid UTF-8
 * is taken to be, declared or not), and gives each line to FN. *ENCODING is set to the
 * one used. NB_OK, NB_ERR_INPUT (not HTML, or not text in either encoding),
 * NB_ERR_LIMIT, NB_ERR_NOMEM, with a message in ERR. */
nb_err nb_html_lines(const char *data, size_t len, nb_html_fn fn, void *ud,
                     const char **encoding, char *err, size_t errlen);

#endif
