/* publish.h - the published-report libraries, loaded only when used.
 *
 * Reading published pages (libxml2's HTML parser, poppler for PDF) and laying out a PDF
 * (Pango and Cairo) need some fifty shared libraries, and the dynamic loader spent about
 * 25 ms mapping and relocating them at the start of every command, most of which never
 * use them. So they are built into two modules of their own, which the nianbao command
 * opens (dlopen) the first time it needs one:
 * - nianbao-read.so: html.c and pdf.c, for nb_html_lines and nb_pdf_lines (lint);
 * - nianbao-publish.so: export_pdf.c and pdf_fonts.c, for nb_export_pdf (a report's PDF).
 * Two, not one: a report's PDF loaded poppler with its own libraries (NSS, ICU, lcms,
 * OpenJPEG), some 11 ms a process that writing does not need, and lint loaded Pango's.
 * publish.c, linked into the command, defines those three as calls through the modules'
 * tables. The unit tests and the fuzz targets link html.c, pdf.c and export_pdf.c
 * themselves, not publish.c.
 *
 * Where a module is looked for: beside the executable (a build tree, build-san/nianbao),
 * and in ../lib/nianbao/ from it (an installed PREFIX/bin/nianbao finds
 * PREFIX/lib/nianbao/), else the compiled-in NB_LIBDIR; nowhere above. The modules use the command's own core
 * functions (exported from it: -Wl,--export-dynamic-symbol=nb_*), and their own functions
 * are bound inside them (-Bsymbolic).
 *
 * Depends on html.h, pdf.h, export.h; dlopen. */
#ifndef NB_PUBLISH_H
#define NB_PUBLISH_H

#include "export.h"
#include "html.h"

#define NB_PUBLISH_MODULE "nianbao-publish.so"
#define NB_PUBLISH_VERSION 2 /* changes with the table below */
#define NB_READ_MODULE "nianbao-read.so"
#define NB_READ_VERSION 1 /* changes with the table below */

/* nianbao-publish.so's table (publish_lib.c): the PDF exporter. */
typedef struct {
    int version; /* NB_PUBLISH_VERSION of the module */
    nb_err (*export_pdf)(const nb_doc *doc, const char *path, char *err, size_t errlen);
} nb_publish_api;

/* nianbao-read.so's table (read_lib.c): published pages read back. */
typedef struct {
    int version; /* NB_READ_VERSION of the module */
    nb_err (*html_lines)(const char *data, size_t len, nb_html_fn fn, void *ud,
                         const char **encoding, char *err, size_t errlen);
    nb_err (*pdf_lines)(const char *data, size_t len, nb_html_fn fn, void *ud, char *err,
                        size_t errlen);
} nb_read_api;

/* The path of the PDF module (nb_publish_path) or the reader's (nb_read_path) the command
 * opens (beside it, else NB_LIBDIR) into PATH: 0, or -1 when there is none. */
int nb_publish_path(char *path, size_t size);
int nb_read_path(char *path, size_t size);

/* The modules' tables, the symbols publish.c looks up. */
extern const nb_publish_api nb_publish;
extern const nb_read_api nb_read;

#endif
