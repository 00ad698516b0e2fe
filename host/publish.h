/* publish.h - the published-report libraries, loaded only when used.
 *
 * Reading published pages (libxml2's HTML parser, poppler for PDF) and laying out a PDF
 * (Pango and Cairo) need some fifty shared libraries, and the dynamic loader spent about
 * 25 ms mapping and relocating them at the start of every command, most of which never
 * use them. So html.c, pdf.c and export_pdf.c are built into a module of their own,
 * nianbao-publish.so, which the nianbao command opens (dlopen) the first time one of
 * nb_html_lines, nb_pdf_lines or nb_export_pdf is called: publish.c, linked into the
 * command, defines those three as calls through the module's table. The unit tests and
 * the fuzz targets link html.c, pdf.c and export_pdf.c themselves, not publish.c.
 *
 * Where the module is looked for: beside the executable, and in lib/nianbao/ beside it,
 * in its folder and up to two folders above (a build tree, build-san/nianbao; an installed
 * PREFIX/bin/nianbao finds PREFIX/lib/nianbao/). The module uses the command's own core
 * functions (exported from it: -Wl,--export-dynamic-symbol=nb_*), and its own three
 * functions are bound inside it (-Bsymbolic).
 *
 * Depends on html.h, pdf.h, export.h; dlopen. */
#ifndef NB_PUBLISH_H
#define NB_PUBLISH_H

#include "export.h"
#include "html.h"

#define NB_PUBLISH_MODULE "nianbao-publish.so"
#define NB_PUBLISH_VERSION 1 /* changes with the table below */

typedef struct {
    int version; /* NB_PUBLISH_VERSION of the module */
    nb_err (*html_lines)(const char *data, size_t len, nb_html_fn fn, void *ud,
                         const char **encoding, char *err, size_t errlen);
    nb_err (*pdf_lines)(const char *data, size_t len, nb_html_fn fn, void *ud, char *err,
                        size_t errlen);
    nb_err (*export_pdf)(const nb_doc *doc, const char *path, char *err, size_t errlen);
} nb_publish_api;

/* The path of the module the command opens (beside it, else NB_LIBDIR) into PATH: 0, or
 * -1 when there is none. */
int nb_publish_path(char *path, size_t size);

/* The module's table (publish_lib.c), the symbol publish.c looks up. */
extern const nb_publish_api nb_publish;

#endif
