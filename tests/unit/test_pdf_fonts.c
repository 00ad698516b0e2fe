/* test_pdf_fonts.c - unit tests of the PDF's fonts cut down to its text (pdf_fonts.c):
 * the subsets hold the document's characters and no others, a role's list gets its
 * subset's family first (shared by roles of one list), Pango draws a character the subset
 * lacks with the font as named, the files are gone after, and where no subset can be made
 * the document is written with the whole fonts. */
#include "doc.h"
#include "docs.h"
#include "export.h"
#include "t.h"

#include <dirent.h>
#include <errno.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <unistd.h>

#ifdef NB_HAVE_PDF
#include "pdf_fonts.h"

#include <pango/pangocairo.h>
#include <pango/pangofc-fontmap.h>
#include <poppler.h>

static char dir[64];

/* Files in the scratch folder. */
static int files_in(const char *d)
{
    DIR *dp = opendir(d);
    int n = 0;
    for (struct dirent *e; dp && (e = readdir(dp));)
        n += e->d_name[0] != '.';
    if (dp)
        closedir(dp);
    return n;
}

static int starts_with(const char *s, const char *prefix)
{
    return s && strncmp(s, prefix, strlen(prefix)) == 0;
}

/* The family Pango draws the character at byte I of TEXT in, laid out in FAMILIES
 * (regular) through a font map on CFG; a string to g_free. */
static char *drawn_in(FcConfig *cfg, const char *families, const char *text, int i)
{
    PangoFontMap *fm = pango_cairo_font_map_new();
    pango_fc_font_map_set_config(PANGO_FC_FONT_MAP(fm), cfg);
    PangoContext *pc = pango_font_map_create_context(fm);
    pango_context_set_language(pc, pango_language_from_string("zh-cn"));
    PangoLayout *l = pango_layout_new(pc);
    PangoFontDescription *d = pango_font_description_from_string("16px");
    pango_font_description_set_family(d, families);
    pango_layout_set_font_description(l, d);
    pango_layout_set_text(l, text, -1);
    char *family = NULL;
    PangoLayoutIter *it = pango_layout_get_iter(l);
    do {
        PangoLayoutRun *run = pango_layout_iter_get_run_readonly(it);
        if (run && run->item->offset <= i && i < run->item->offset + run->item->length) {
            PangoFontDescription *fd = pango_font_describe(run->item->analysis.font);
            family = g_strdup(pango_font_description_get_family(fd));
            pango_font_description_free(fd);
        }
    } while (!family && pango_layout_iter_next_run(it));
    pango_layout_iter_free(it);
    pango_font_description_free(d);
    g_object_unref(l);
    g_object_unref(pc);
    pango_fc_font_map_set_config(PANGO_FC_FONT_MAP(fm), NULL); /* as export_pdf.c: Pango keeps it */
    g_object_unref(fm);
    return family;
}

static void test_subsets(void)
{
    nb_pdf_fonts *f = nb_pdf_fonts_new();
    nb_pdf_fonts_text(f, "一二年报A");
    nb_pdf_fonts_text(f, NULL);
    nb_pdf_fonts_text(f, "\xff\xfe"); /* invalid: U+FFFD, as Pango is given it */
    const char *lists[] = {"Noto Serif CJK SC", "Noto Sans CJK SC", "Noto Serif CJK SC"};
    const int weights[] = {NB_PDF_REGULAR, NB_PDF_REGULAR, NB_PDF_BOLD};
    FcConfig *cfg = nb_pdf_fonts_make(f, 3, lists, weights);
    CHECK(cfg != NULL && nb_pdf_fonts_config(f) == cfg, "subsets: a configuration made");
    const char *serif = nb_pdf_fonts_family(f, 0), *sans = nb_pdf_fonts_family(f, 1);
    CHECK(starts_with(serif, "nianbao-subset-") && strstr(serif, ",Noto Serif CJK SC") &&
              starts_with(sans, "nianbao-subset-") && strstr(sans, ",Noto Sans CJK SC"),
          "subsets: each role's list has its subset's family first, then its own");
    CHECK(serif && nb_pdf_fonts_family(f, 2) && strcmp(serif, nb_pdf_fonts_family(f, 2)) == 0 &&
              strcmp(serif, sans) != 0,
          "subsets: roles of one list share a family, others have their own");
    CHECK(nb_pdf_fonts_family(f, 3) == NULL && nb_pdf_fonts_family(NULL, 0) == NULL,
          "subsets: no family for a role not made");
    FcFontSet *set = cfg ? FcConfigGetFonts(cfg, FcSetApplication) : NULL;
    CHECK(set && set->nfont == 3, "subsets: three fonts: the serif's regular and bold, the sans's regular");
    int only = set != NULL, weights_seen = 0, files = 0;
    for (int i = 0; set && i < set->nfont; i++) {
        FcCharSet *cs = NULL;
        FcChar8 *file = NULL;
        int weight = 0;
        FcPatternGetCharSet(set->fonts[i], FC_CHARSET, 0, &cs);
        FcPatternGetInteger(set->fonts[i], FC_WEIGHT, 0, &weight);
        only &= cs && FcCharSetHasChar(cs, 0x4E00) && FcCharSetHasChar(cs, 0x62A5) && FcCharSetHasChar(cs, 'A') &&
                !FcCharSetHasChar(cs, 0x4E09) && !FcCharSetHasChar(cs, 'B') && FcCharSetCount(cs) < 40;
        weights_seen |= weight >= FC_WEIGHT_BOLD ? 2 : 1;
        files += FcPatternGetString(set->fonts[i], FC_FILE, 0, &file) == FcResultMatch && access((char *)file, R_OK) == 0;
    }
    CHECK(only, "subsets: each holds the document's characters and not others (三 and B are not there)");
    CHECK(weights_seen == 3, "subsets: a regular and a bold");
    CHECK(files == 3 && files_in(dir) == 3, "subsets: in temporary files while the document is drawn");
    if (cfg && serif) {
        char *a = drawn_in(cfg, serif, "一三", 0), *b = drawn_in(cfg, serif, "一三", 3);
        CHECK(starts_with(a, "nianbao-subset-"), "subsets: Pango draws 一 in the subset");
        CHECK(b && strcmp(b, "Noto Serif CJK SC") == 0,
              "subsets: a character the subset lacks (三) falls back to the font as named");
        if (!b || strcmp(b, "Noto Serif CJK SC") != 0)
            printf("# 一 in %s, 三 in %s\n", a ? a : "?", b ? b : "?");
        g_free(a);
        g_free(b);
    }
    nb_pdf_fonts_free(f);
    CHECK(files_in(dir) == 0, "subsets: the files are gone with them");
    nb_pdf_fonts_free(NULL);
}

/* The characters Pango puts in of its own (a hyphen, an ellipsis) and the composed and
 * decomposed forms of the text are in the subset; a list that names no installed family,
 * or a generic one, gets none (fontconfig's choice by language stands). */
static void test_what_goes_in(void)
{
    nb_pdf_fonts *f = nb_pdf_fonts_new();
    nb_pdf_fonts_text(f, "拼音ma\xcc\x84 e\xcc\x81"); /* ā and é decomposed */
    const char *lists[] = {"No Such Font,Noto Serif CJK SC", "No Such Font", "serif"};
    const int weights[] = {NB_PDF_REGULAR, NB_PDF_REGULAR, NB_PDF_REGULAR};
    FcConfig *cfg = nb_pdf_fonts_make(f, 3, lists, weights);
    CHECK(cfg && nb_pdf_fonts_family(f, 0) != NULL,
          "named: a list whose named family is installed gets its subset");
    CHECK(nb_pdf_fonts_family(f, 1) == NULL && nb_pdf_fonts_family(f, 2) == NULL,
          "named: a list that names no installed family, or a generic one, keeps its whole fonts");
    FcFontSet *set = cfg ? FcConfigGetFonts(cfg, FcSetApplication) : NULL;
    FcCharSet *cs = NULL;
    if (set && set->nfont > 0)
        FcPatternGetCharSet(set->fonts[0], FC_CHARSET, 0, &cs);
    CHECK(cs && FcCharSetHasChar(cs, 0x2010) && FcCharSetHasChar(cs, 0x2026) && FcCharSetHasChar(cs, '-'),
          "inserted: the hyphen and the ellipsis Pango may put in are there");
    CHECK(cs && FcCharSetHasChar(cs, 0x0101) && FcCharSetHasChar(cs, 0x00E9) && FcCharSetHasChar(cs, 0x0304),
          "inserted: a decomposed letter's composed form is there (and its accent)");
    nb_pdf_fonts_free(f);
}

/* A document of N paragraphs, their texts to set (nb_doc_free frees it). */
static nb_doc *doc_of(int n)
{
    nb_doc *d = xcalloc(1, sizeof *d);
    d->title = xstrdup("测试区人民政府2020年政府信息公开工作年度报告");
    d->body = xstrdup("测试区人民政府");
    d->format = xstrdup("gov2019");
    d->nblocks = n;
    d->blocks = xcalloc((size_t)n, sizeof *d->blocks);
    for (int i = 0; i < n; i++)
        d->blocks[i].type = NB_BLOCK_PARA;
    return d;
}

/* The text of every page of the PDF at PATH, joined; a string to g_free (NULL: unread). */
static char *pdf_text(const char *path)
{
    char *uri = g_filename_to_uri(path, NULL, NULL);
    PopplerDocument *d = uri ? poppler_document_new_from_file(uri, NULL, NULL) : NULL;
    g_free(uri);
    if (!d)
        return NULL;
    GString *all = g_string_new(NULL);
    for (int i = 0; i < poppler_document_get_n_pages(d); i++) {
        PopplerPage *pg = poppler_document_get_page(d, i);
        char *t = poppler_page_get_text(pg);
        g_string_append(all, t ? t : "");
        g_string_append(all, "\f");
        g_free(t);
        g_object_unref(pg);
    }
    g_object_unref(d);
    return g_string_free(all, FALSE);
}

/* A paragraph Pango must break inside a word (a hyphen put in) and decomposed accents:
 * the same text with the subsets as with the whole fonts. */
static void test_same_as_whole(void)
{
    nb_doc *d = doc_of(2);
    char text[320] = "详见"; /* a word longer than a line: broken inside it */
    size_t n = strlen(text);
    for (int i = 0; i < 300; i++)
        text[n++] = (char)('a' + i % 10);
    snprintf(text + n, sizeof text - n, "。");
    d->blocks[0].text = xstrdup(text);
    d->blocks[1].text = xstrdup("拼音ma\xcc\x84 ma\xcc\x81 ma\xcc\x8c ma\xcc\x80，e\xcc\x81。");
    char sub_path[128], whole_path[128], err[512] = "";
    snprintf(sub_path, sizeof sub_path, "%s/sub.pdf", dir);
    snprintf(whole_path, sizeof whole_path, "%s/whole.pdf", dir);
    nb_err a = nb_export_pdf(d, sub_path, err, sizeof err);
    setenv("TMPDIR", "/nonexistent/nianbao-test", 1); /* no subsets: the whole fonts */
    nb_err b = nb_export_pdf(d, whole_path, err, sizeof err);
    setenv("TMPDIR", dir, 1);
    char *ta = a == NB_OK ? pdf_text(sub_path) : NULL, *tb = b == NB_OK ? pdf_text(whole_path) : NULL;
    CHECK(ta && tb && strcmp(ta, tb) == 0,
          "same text: a word broken inside and decomposed accents, as with the whole fonts");
    if (ta && tb && strcmp(ta, tb) != 0)
        printf("# subsets:\n%s\n# whole fonts:\n%s\n", ta, tb);
    g_free(ta);
    g_free(tb);
    remove(sub_path);
    remove(whole_path);
    nb_doc_free(d);
}

/* A subset's file left by a process that is gone (killed) is removed by the next PDF's;
 * one of a live process is not. */
static void test_sweep(void)
{
    long dead = 0;
    for (long pid = 4194000; pid > 300000 && !dead; pid -= 997)
        if (kill((pid_t)pid, 0) != 0 && errno == ESRCH)
            dead = pid;
    char left[256], live[256];
    snprintf(left, sizeof left, "%s/nianbao-font-%ld-0-AbCdEf", dir, dead);
    snprintf(live, sizeof live, "%s/nianbao-font-%ld-0-GhIjKl", dir, (long)getppid());
    FILE *a = fopen(left, "w"), *b = fopen(live, "w");
    if (a)
        fclose(a);
    if (b)
        fclose(b);
    nb_pdf_fonts *f = nb_pdf_fonts_new();
    nb_pdf_fonts_text(f, "一");
    const char *lists[] = {"Noto Serif CJK SC"};
    const int weights[] = {NB_PDF_REGULAR};
    nb_pdf_fonts_make(f, 1, lists, weights);
    nb_pdf_fonts_free(f);
    CHECK(dead && access(left, F_OK) != 0, "sweep: a file of a process that is gone is removed");
    CHECK(access(live, F_OK) == 0, "sweep: a file of a live process stays");
    remove(live);
}

/* A disk that cannot take the subsets (here: files limited to 4 KB) fails the document, as
 * any output written there does, rather than drawing it otherwise; nothing is left. */
static void test_disk_full(void)
{
    nb_doc *d = xcalloc(1, sizeof *d);
    d->title = xstrdup("测试区人民政府2020年政府信息公开工作年度报告");
    d->format = xstrdup("gov2019");
    char path[128], err[512] = "";
    snprintf(path, sizeof path, "%s/full.pdf", dir);
    struct rlimit was, small;
    getrlimit(RLIMIT_FSIZE, &was);
    small = was;
    small.rlim_cur = 4096;
    signal(SIGXFSZ, SIG_IGN);
    setrlimit(RLIMIT_FSIZE, &small);
    nb_err rc = nb_export_pdf(d, path, err, sizeof err);
    setrlimit(RLIMIT_FSIZE, &was);
    signal(SIGXFSZ, SIG_DFL);
    CHECK(rc == NB_ERR_IO && strstr(err, "cannot write the fonts cut down to the document") &&
              strstr(err, "File too large"),
          "full disk: the document fails, and says it was the fonts");
    if (!strstr(err, "cannot write the fonts"))
        printf("# %d: %s\n", rc, err);
    CHECK(access(path, F_OK) != 0 && files_in(dir) == 0, "full disk: nothing written, nothing left");
    nb_doc_free(d);
}

/* Where no subset can be made (no temporary folder), none: the whole fonts draw. */
static void test_no_subsets(void)
{
    setenv("TMPDIR", "/nonexistent/nianbao-test", 1);
    nb_pdf_fonts *f = nb_pdf_fonts_new();
    nb_pdf_fonts_text(f, "一二");
    const char *lists[] = {"Noto Serif CJK SC"};
    const int weights[] = {NB_PDF_REGULAR};
    CHECK(nb_pdf_fonts_make(f, 1, lists, weights) == NULL && nb_pdf_fonts_family(f, 0) == NULL,
          "no folder: no subsets, the list as it was");
    nb_pdf_fonts_free(f);

    nb_doc *d = doc_of(1);
    d->blocks[0].text = xstrdup("本报告由测试区人民政府办公室编制。");
    char path[128], err[512] = "";
    snprintf(path, sizeof path, "%s/whole.pdf", dir);
    nb_err rc = nb_export_pdf(d, path, err, sizeof err);
    struct stat sb;
    CHECK(rc == NB_OK && stat(path, &sb) == 0 && sb.st_size > 1000,
          "no folder: the document is written all the same, with the whole fonts");
    if (rc != NB_OK)
        printf("# %s\n", err);
    remove(path);
    nb_doc_free(d);
    setenv("TMPDIR", dir, 1);
}
#endif

int main(void)
{
#ifdef NB_HAVE_PDF
    snprintf(dir, sizeof dir, "/tmp/nb-pdffonts-XXXXXX");
    if (!mkdtemp(dir)) {
        perror("mkdtemp");
        return 1;
    }
    setenv("TMPDIR", dir, 1);
    test_sweep(); /* first: a process sweeps once */
    test_subsets();
    test_what_goes_in();
    test_same_as_whole();
    test_disk_full();
    test_no_subsets();
    rmdir(dir);
#else
    CHECK(1, "built without PDF output: nothing to test");
#endif
    T_DONE();
}
