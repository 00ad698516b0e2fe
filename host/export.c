/* export.c - the registry of exporters (export.h): one row per format, and the lookup. */
#include "export.h"

#include <string.h>

#define NB_EXPORT_ROW_(name, ext, title, per_table, fn) {name, ext, title, per_table, fn},

const nb_exporter nb_exporters[] = {NB_EXPORTERS(NB_EXPORT_ROW_)};
const int nb_nexporters = (int)(sizeof nb_exporters / sizeof nb_exporters[0]);

const nb_exporter *nb_exporter_find(const char *name)
{
    if (!name)
        return NULL;
    for (int i = 0; i < nb_nexporters; i++) {
        if (strcmp(nb_exporters[i].name, name) == 0)
            return &nb_exporters[i];
    }
    return NULL;
}
