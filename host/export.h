/* export.h - the exporters behind one registry: the formats --to and nianbao.export name.
 *
 * Each exporter is one file (export_<name>.c) holding one nb_export_fn that
 * writes a report document (doc.h) to PATH, or, when per_table, one file per
 * table at PATH-<table id><ext>. It returns an nb_err (err.h): NB_ERR_IO for
 * a file that cannot be written (the system's reason: "No space left on
 * device"), NB_ERR_NOMEM, NB_ERR_INPUT for a malformed document; the message
 * in ERR names the file and, where it applies, the table, row and column,
 * with the system's own text (strerror). Every file is written
 * under a temporary name in its folder and renamed into place only once it is
 * complete and synced: a failure leaves a previous file of that name as it
 * was, and no temporary behind (per-table exporters rename only when every
 * table was written). The same document always gives the same bytes.
 *
 * Adding an exporter: its file, and one row in NB_EXPORTERS below. Plain C,
 * no Lua. */
#ifndef NB_EXPORT_H
#define NB_EXPORT_H

#include <stddef.h>

#include "doc.h"
#include "err.h"

/* Writes DOC to PATH (a per-table exporter: PATH-<table id><ext> for each
 * table). On failure a message in ERR (ERRLEN bytes, may be cut). */
typedef nb_err (*nb_export_fn)(const nb_doc *doc, const char *path, char *err, size_t errlen);

typedef struct {
    const char *name;  /* "xlsx": what --to and nianbao.export's formats take */
    const char *ext;   /* ".xlsx"; per-table: the suffix after PATH-<table id> (".csv") */
    const char *title; /* one line for usage texts */
    int per_table;     /* 1: writes PATH-<table id><ext> per table (CSV) */
    nb_export_fn write;
} nb_exporter;

/* The registry, one row per exporter, in the order formats are written:
 * X(name, ext, title, per_table, function). */
#define NB_EXPORTERS(X)                                                                  \
    X("xlsx", ".xlsx", "Excel workbook, one sheet per table", 0, nb_export_xlsx)         \
    X("docx", ".docx", "Word document in the style of a government document", 0, nb_export_docx) \
    X("pdf", ".pdf", "PDF on A4, laid out with Pango and Cairo", 0, nb_export_pdf)       \
    X("md", ".md", "Markdown, tables as GFM pipe tables", 0, nb_export_md)               \
    X("txt", ".txt", "plain text, tables as pipe rows", 0, nb_export_txt)                \
    X("html", ".html", "HTML page, printable on A4", 0, nb_export_html)                  \
    X("csv", ".csv", "CSV, one file per table (UTF-8 with BOM)", 1, nb_export_csv)       \
    X("json", ".json", "JSON: tables by row and column key, and the checks", 0, nb_export_json)

#define NB_EXPORT_DECLARE_(name, ext, title, per_table, fn) \
    nb_err fn(const nb_doc *doc, const char *path, char *err, size_t errlen);
NB_EXPORTERS(NB_EXPORT_DECLARE_)
#undef NB_EXPORT_DECLARE_

/* The exporters, in the order formats are written; nb_nexporters of them. */
extern const nb_exporter nb_exporters[];
extern const int nb_nexporters;

/* The most exporters there can be (a bit each in a mask). */
#define NB_MAX_EXPORTERS 32

/* The message of each format nb_export_group could not write (by exporter index). */
typedef char nb_export_errs[NB_MAX_EXPORTERS][1024];

/* Writes DOC in the formats of WANT (bit e: nb_exporters[e]) to DIR/NAME<ext> (a per-table
 * format: DIR/NAME-<table id><ext>), as one group of files: each file's data synced, then
 * all renamed into place, then the folder synced (two syncs in all; inside a batch of
 * nb_out_defer_sync, none); with SHA256, the SHA-256 of each file's bytes noted
 * (nb_out_placed_sha256). Returns the bits of the formats put in place; ERRS[e] holds the
 * reason of each other format of WANT. */
unsigned nb_export_group(const nb_doc *doc, const char *dir, const char *name, unsigned want,
                         int sha256, nb_export_errs errs);

/* The exporter called NAME ("md"), or NULL when there is none (or NAME is NULL). */
const nb_exporter *nb_exporter_find(const char *name);

#endif
