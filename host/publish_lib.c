/* publish_lib.c - the table of nianbao-publish.so (publish.h): built into the module
 * only, beside export_pdf.c and pdf_fonts.c. */
#include "publish.h"

const nb_publish_api nb_publish = {
    .version = NB_PUBLISH_VERSION,
    .export_pdf = nb_export_pdf,
};
