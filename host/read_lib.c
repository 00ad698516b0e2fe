/* read_lib.c - the table of nianbao-read.so (publish.h): built into the module only,
 * beside html.c and pdf.c. */
#include "publish.h"

#include "pdf.h"

const nb_read_api nb_read = {
    .version = NB_READ_VERSION,
    .html_lines = nb_html_lines,
    .pdf_lines = nb_pdf_lines,
};
