/* pdf_fonts.h - the fonts of one PDF, cut down to the characters it shows.
 *
 * Cairo 1.16 embeds a font by reading whole tables of it for every glyph it meets: the
 * character map (257 KB in Noto CJK) once a glyph, the CFF outlines (15 MB) a few times
 * a font; a report of three pages (about 1,300 glyphs) took 0.6 s to write, nearly all of
 * it there. So before a document is laid out, the font file each role's families resolve
 * to (fontconfig, as Pango would: the list, the weight, zh-cn) is cut down with HarfBuzz's
 * subsetter to the document's characters, written to a temporary file, and added to
 * fontconfig's configuration (read once a process) as an application font of a family of
 * its own ("nianbao-subset-…"), which goes first in the role's family list. Only a font
 * of a family the list names: a list that names none installed, or a generic family,
 * leaves the choice to fontconfig and each run's language (Latin text in a Latin font),
 * and keeps its whole fonts. The subset keeps those characters'
 * outlines, metrics and layout tables, so Pango lays the text out as with the whole font;
 * a character it lacks falls back to the fonts as named. Where a subset cannot be made
 * (no temporary folder, a font HarfBuzz refuses, no memory) the roles keep their lists
 * and the document is drawn with the whole fonts.
 *
 *   nb_pdf_fonts *f = nb_pdf_fonts_new();
 *   nb_pdf_fonts_text(f, "…");                    every text the document shows
 *   FcConfig *cfg = nb_pdf_fonts_make(f, n, lists, weights);   NULL: none made
 *   nb_pdf_fonts_family(f, i)                     role I's list, its subset first
 *   ... lay out and draw with a Pango font map on CFG, take it down ...
 *   nb_pdf_fonts_free(f);                         the configuration, the files
 *
 * Part of the PDF exporter (nianbao-publish.so). Depends on fontconfig, HarfBuzz
 * (hb-subset) and libc. */
#ifndef NB_PDF_FONTS_H
#define NB_PDF_FONTS_H

#include <fontconfig/fontconfig.h>

/* The weights of a role, or-ed: its regular and its bold text. */
enum { NB_PDF_REGULAR = 1, NB_PDF_BOLD = 2 };

typedef struct nb_pdf_fonts nb_pdf_fonts;

/* A new set of subsets, empty (NULL: no memory). */
nb_pdf_fonts *nb_pdf_fonts_new(void);

/* Adds the characters of TEXT (UTF-8; invalid bytes as U+FFFD, as Pango is given them;
 * composed and decomposed too; NULL: nothing). */
void nb_pdf_fonts_text(nb_pdf_fonts *f, const char *text);

/* Makes the subsets of the N roles whose family lists are LISTS (comma-separated, as
 * Pango takes them) in the weights WEIGHTS (NB_PDF_*), and the configuration that holds
 * them, owned by F; NULL when none could be made. */
FcConfig *nb_pdf_fonts_make(nb_pdf_fonts *f, int n, const char *const *lists, const int *weights);

/* The errno (ENOSPC, EIO, …) of a subset's file the disk could not take, else 0: then
 * nb_pdf_fonts_make made none, and the document fails as any output written to a full
 * disk does (a temporary folder that cannot be used at all is not an error: the whole
 * fonts draw). */
int nb_pdf_fonts_error(const nb_pdf_fonts *f);

/* The folder of the subsets' files: $TMPDIR, else /tmp. */
const char *nb_pdf_fonts_folder(void);

/* The configuration nb_pdf_fonts_make made (NULL: none). */
FcConfig *nb_pdf_fonts_config(const nb_pdf_fonts *f);

/* Role I's family list with its subset's family first, owned by F; NULL when it has
 * none (then its own list stands). */
const char *nb_pdf_fonts_family(const nb_pdf_fonts *f, int i);

/* Frees F: its configuration (after the font map that used it) and its files. */
void nb_pdf_fonts_free(nb_pdf_fonts *f);

#endif
