/* xlsx_lib.c - the table of nianbao-xlsx.so (publish.h): built into the module only,
 * beside export_xlsx.c. */
#include "publish.h"

const nb_xlsx_api nb_xlsx = {
    .version = NB_XLSX_VERSION,
    .export_xlsx = nb_export_xlsx,
};
