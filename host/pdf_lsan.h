/* pdf_lsan.h - under AddressSanitizer, LeakSanitizer's built-in suppressions for the
 * libraries of the PDF exporter. Included by export_pdf.c (the unit tests and the fuzz
 * targets link it) and by publish.c (the nianbao command, which opens export_pdf.c in
 * nianbao-publish.so: LeakSanitizer looks for these hooks in the executable, at start).
 *
 * Cairo 1.16-1.18 loses 768 bytes per embedded CFF font in its subsetter (cairo issue
 * 805), and fontconfig some bytes once while it parses its configuration; LeakSanitizer's
 * stacks end inside those libraries (they have no frame pointers), so only their names
 * can match. Weak: a test that has its own list keeps it. Valgrind sees whole stacks: its
 * suppressions (tests/valgrind/pdf.supp) name cairo_surface_finish and fontconfig's
 * parser exactly. */
#ifndef NB_PDF_LSAN_H
#define NB_PDF_LSAN_H

#if defined(__SANITIZE_ADDRESS__)
#define NB_PDF_LSAN 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define NB_PDF_LSAN 1
#endif
#endif
#ifdef NB_PDF_LSAN
const char *__lsan_default_suppressions(void);
__attribute__((weak)) const char *__lsan_default_suppressions(void)
{
    return "leak:libcairo.so\nleak:libfontconfig.so\n";
}

/* ... and without the table of suppressions used on stderr at exit, which the CLI tests
 * compare. */
const char *__lsan_default_options(void);
__attribute__((weak)) const char *__lsan_default_options(void)
{
    return "print_suppressions=0";
}
#endif

#endif
