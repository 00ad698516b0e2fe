/* xmlscan.h - a fast scanner of plain XML, the kind spreadsheet parts are made of.
 *
 * The worksheet of a large XLSX is hundreds of megabytes of <row>, <c> and <v>;
 * expat reads it at about 100 MB/s, which is most of an import. This scanner
 * reads the plain subset of XML several times as fast, with the handlers and
 * the calling pattern of expat (a buffer to fill, parse, stop in a handler,
 * resume), and gives the handlers what expat would give them. Anything outside
 * the subset it does not guess at: it answers NB_XS_BAIL, and the caller reads
 * the part again with expat, which accepts or refuses it.
 *
 * The subset: UTF-8 without a byte order mark; an XML declaration of version
 * 1.0 with encoding UTF-8 (any case) or none; elements and attributes whose
 * names are ASCII; the five predefined entities and character references;
 * comments and processing instructions (skipped). Line ends are normalized as
 * expat does (CR LF and CR are LF; in attribute values tabs and line ends are
 * spaces). Not in it, among others: a DOCTYPE, CDATA sections, names beyond
 * ASCII, a tag or a run of text over 1 MiB, elements nested over 256 deep or
 * with over 64 KiB of open names. Every well-formedness error is outside the
 * subset too, so a refusal is always expat's, with its message. After a bail
 * (or out of memory) every call answers the same: the buffer may be half
 * decoded. No Lua, no SQLite. */
#ifndef NB_XMLSCAN_H
#define NB_XMLSCAN_H

#include <stddef.h>
#include <stdint.h>

typedef struct nb_xmlscan nb_xmlscan;

typedef void (*nb_xs_start)(void *ud, const char *name, const char **atts);
typedef void (*nb_xs_end)(void *ud, const char *name);
typedef void (*nb_xs_chars)(void *ud, const char *s, int len);

enum {
    NB_XS_OK,      /* the input so far is read; give more (or it ended) */
    NB_XS_STOPPED, /* a handler called nb_xmlscan_stop: nb_xmlscan_resume goes on */
    NB_XS_BAIL,    /* outside the subset, or not well-formed: read the part with expat */
    NB_XS_NOMEM
};

/* A scanner calling START, END and CHARS (any may be NULL) with UD. NULL when
 * out of memory. */
nb_xmlscan *nb_xmlscan_new(nb_xs_start start, nb_xs_end end, nb_xs_chars chars, void *ud);
void nb_xmlscan_free(nb_xmlscan *x);

/* Room for N more bytes of input, or NULL (out of memory, or more than the
 * scanner holds: bail then). */
char *nb_xmlscan_buffer(nb_xmlscan *x, size_t n);

/* Scans the N bytes just written into the buffer; FINAL: the input ends with
 * them. */
int nb_xmlscan_parse(nb_xmlscan *x, size_t n, int final);

/* From a handler: stop after this event. */
void nb_xmlscan_stop(nb_xmlscan *x);

/* Goes on after NB_XS_STOPPED. */
int nb_xmlscan_resume(nb_xmlscan *x);

/* Writes code point U (at most U+10FFFF) as UTF-8 at O (room for 4 bytes); its length.
 * The scanner's character references and the workbook reader's "_xHHHH_" escapes. */
size_t nb_put_utf8(char *o, uint32_t u);

#endif
