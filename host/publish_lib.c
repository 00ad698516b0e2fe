/* publish_lib.c - the table of nianbao-publish.so (publish.h): built into the module
 * only, beside html.c, pdf.c and export_pdf.c. */
#include "publish.h"

#include "pdf.h"

const nb_publish_api nb_publish = {
    .version = NB_PUBLISH_VERSION,
    .html_lines = nb_html_lines,
    .pdf_lines = nb_pdf_lines,
    .export_pdf = nb_export_pdf,
};
