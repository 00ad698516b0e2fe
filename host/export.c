/* export.c - the registry of exporters (export.h): one row per format, the lookup, and
 * the writing of several formats as one group of files. */
#include "export.h"

#include <stdio.h>
#include <string.h>

#include "export_util.h"


#define NB_EXPORT_ROW_(name, ext, title, per_table, fn) {name, ext, title, per_table, fn},

const nb_exporter nb_exporters[] = {NB_EXPORTERS(NB_EXPORT_ROW_)};
const int nb_nexporters = (int)(sizeof nb_exporters / sizeof nb_exporters[0]);
_Static_assert(sizeof nb_exporters / sizeof nb_exporters[0] <= NB_MAX_EXPORTERS,
               "more exporters than bits in a mask");

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

unsigned nb_export_group(const nb_doc *doc, const char *dir, const char *name, unsigned want,
                         int sha256, nb_export_errs errs)
{
    unsigned written = 0, unplaced = 0;
    char gerr[1024] = "";
    nb_out_group_begin(sha256);
    for (int e = 0; e < nb_nexporters && e < NB_MAX_EXPORTERS; e++) {
        if (!(want & (1u << e)))
            continue;
        const nb_exporter *x = &nb_exporters[e];
        char path[4096];
        snprintf(path, sizeof path, "%s/%s%s", dir, name, x->per_table ? "" : x->ext);
        nb_out_group_tag(e);
        if (x->write(doc, path, errs[e], sizeof errs[e]) == NB_OK)
            written |= 1u << e;
        else
            nb_out_group_drop(e);
    }
    if (nb_out_group_end(&unplaced, gerr, sizeof gerr) != NB_OK) {
        for (int e = 0; e < nb_nexporters && e < NB_MAX_EXPORTERS; e++)
            if (unplaced & written & (1u << e))
                snprintf(errs[e], sizeof errs[e], "%s", gerr);
        written &= ~unplaced;
    }
    return written;
}
