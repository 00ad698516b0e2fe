/* pdf_fonts.c - the fonts of one PDF, cut down to the characters it shows (pdf_fonts.h). */
#ifdef NB_HAVE_PDF /* else nothing: the PDF exporter refuses (export_pdf.c) */
#include "pdf_fonts.h"

#include <glib.h>
#include <hb-subset.h>
#include <hb.h>
#include <dirent.h>
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "files.h"

#define MAX_ROLES 8
#define MAX_SUBSETS 16 /* (list, weight) pairs of a document: at most 2 a role */
#define MAX_FACES 8    /* font files kept open between documents (a regen's worker) */

typedef struct {
    char *file; /* the font file and face the role resolved to */
    int index;
    char *path; /* the subset's temporary file (NULL: none could be made; g_free) */
} subset;

struct nb_pdf_fonts {
    hb_set_t *chars;
    FcConfig *cfg;
    subset subsets[MAX_SUBSETS];
    int nsubsets;
    char *lists[MAX_ROLES]; /* the roles' new family lists (NULL: unchanged; g_free) */
    int io_error;           /* errno of a subset's file that the disk could not take */
};

/* The faces read so far, by file and index: HarfBuzz reads a face's tables as it needs
 * them, so a second subset of the same face takes a quarter of the time of the first
 * (by hand, 7 ms against 30 ms for Noto Serif CJK SC). Freed at exit. */
static struct {
    char *file;
    int index;
    hb_face_t *face;
} faces[MAX_FACES];
static int nfaces;

__attribute__((destructor)) static void faces_free(void)
{
    for (int i = 0; i < nfaces; i++) {
        free(faces[i].file);
        hb_face_destroy(faces[i].face);
    }
    nfaces = 0;
}

static hb_face_t *face_of(const char *file, int index)
{
    for (int i = 0; i < nfaces; i++)
        if (faces[i].index == index && strcmp(faces[i].file, file) == 0)
            return faces[i].face;
    hb_blob_t *blob = hb_blob_create_from_file_or_fail(file);
    if (!blob)
        return NULL;
    hb_face_t *face = hb_face_create(blob, (unsigned)index);
    hb_blob_destroy(blob);
    char *name = strdup(file);
    if (!name || hb_face_get_glyph_count(face) == 0) { /* not a font HarfBuzz reads */
        free(name);
        hb_face_destroy(face);
        return NULL;
    }
    if (nfaces == MAX_FACES) { /* the oldest goes */
        free(faces[0].file);
        hb_face_destroy(faces[0].face);
        memmove(faces, faces + 1, (MAX_FACES - 1) * sizeof faces[0]);
        nfaces--;
    }
    faces[nfaces].file = name;
    faces[nfaces].index = index;
    faces[nfaces].face = face;
    return faces[nfaces++].face;
}

/* The configuration every document's is: fontconfig's, read once a process (a document
 * of its own each read it again, 4 ms, and where its cache cannot be written, scanned
 * every font again); each document's subsets are its application fonts, cleared after. */
static FcConfig *base;

__attribute__((destructor)) static void base_free(void)
{
    if (base)
        FcConfigDestroy(base);
    base = NULL;
}

static void add_chars(hb_set_t *set, const char *s)
{
    for (const char *p = s; p && *p; p = g_utf8_next_char(p))
        hb_set_add(set, g_utf8_get_char(p));
}

nb_pdf_fonts *nb_pdf_fonts_new(void)
{
    nb_pdf_fonts *f = calloc(1, sizeof *f);
    if (f && !hb_set_allocation_successful(f->chars = hb_set_create())) {
        hb_set_destroy(f->chars);
        free(f);
        return NULL;
    }
    /* what Pango puts in of its own: a hyphen where it breaks a word (U+2010, else "-"),
       an ellipsis where it cuts a line short */
    if (f)
        add_chars(f->chars, "\u2010-\u2026");
    return f;
}

void nb_pdf_fonts_text(nb_pdf_fonts *f, const char *text)
{
    if (!f || !text)
        return;
    /* as the exporter gives it to Pango: invalid bytes become U+FFFD; and composed and
       decomposed, as HarfBuzz may draw a letter and its accent as one glyph or two */
    char *valid = g_utf8_make_valid(text, -1);
    char *nfc = g_utf8_normalize(valid, -1, G_NORMALIZE_NFC);
    char *nfd = g_utf8_normalize(valid, -1, G_NORMALIZE_NFD);
    add_chars(f->chars, valid);
    add_chars(f->chars, nfc);
    add_chars(f->chars, nfd);
    g_free(valid);
    g_free(nfc);
    g_free(nfd);
}

/* 1 when family names A and B are the same to fontconfig: but for case (ASCII) and blanks. */
static int same_family(const char *a, const char *b)
{
    for (;; a++, b++) {
        while (*a == ' ')
            a++;
        while (*b == ' ')
            b++;
        char x = *a >= 'A' && *a <= 'Z' ? (char)(*a - 'A' + 'a') : *a;
        char y = *b >= 'A' && *b <= 'Z' ? (char)(*b - 'A' + 'a') : *b;
        if (x != y)
            return 0;
        if (!x)
            return 1;
    }
}

/* The font fontconfig gives for the family list LIST in bold or not, for Chinese text,
 * as Pango asks for it, when it is of a family LIST names; NULL when none is. (A list
 * that names no installed family, or a generic one such as "serif", leaves the choice to
 * fontconfig and the text's language: Pango then draws Latin text in a Latin font, which
 * a subset put first would take over. Such a role keeps its whole fonts.) */
static FcPattern *match(FcConfig *cfg, const char *list, int bold)
{
    FcPattern *pat = FcPatternCreate();
    char *copy = strdup(list), *save = NULL;
    if (!pat || !copy) {
        FcPatternDestroy(pat);
        free(copy);
        return NULL;
    }
    for (char *name = strtok_r(copy, ",", &save); name; name = strtok_r(NULL, ",", &save)) {
        char *end = name + strlen(name);
        while (*name == ' ' || *name == '\t')
            name++;
        while (end > name && (end[-1] == ' ' || end[-1] == '\t'))
            *--end = '\0';
        if (*name)
            FcPatternAddString(pat, FC_FAMILY, (const FcChar8 *)name);
    }
    free(copy);
    FcPattern *named = FcPatternDuplicate(pat);
    FcPatternAddInteger(pat, FC_WEIGHT, bold ? FC_WEIGHT_BOLD : FC_WEIGHT_REGULAR);
    FcPatternAddInteger(pat, FC_SLANT, FC_SLANT_ROMAN);
    FcPatternAddString(pat, FC_LANG, (const FcChar8 *)"zh-cn");
    FcConfigSubstitute(cfg, pat, FcMatchPattern);
    FcDefaultSubstitute(pat);
    FcResult r;
    FcPattern *m = named ? FcFontMatch(cfg, pat, &r) : NULL;
    FcPatternDestroy(pat);
    int listed = 0;
    FcChar8 *a, *b;
    for (int i = 0; m && !listed && FcPatternGetString(m, FC_FAMILY, i, &a) == FcResultMatch; i++)
        for (int j = 0; !listed && FcPatternGetString(named, FC_FAMILY, j, &b) == FcResultMatch; j++)
            listed = same_family((const char *)a, (const char *)b);
    FcPatternDestroy(named);
    if (!listed) {
        FcPatternDestroy(m);
        return NULL;
    }
    return m;
}

const char *nb_pdf_fonts_folder(void)
{
    const char *dir = getenv("TMPDIR");
    return dir && *dir ? dir : "/tmp";
}

/* Removes, once a process, the subsets' files that a process of this user left in the
 * folder when it was killed (SIGKILL: no cleaning up; other signals: files.h), named by
 * their process, which is gone. */
static void sweep(void)
{
    static int swept;
    if (swept++)
        return;
    const char *dir = nb_pdf_fonts_folder();
    DIR *d = opendir(dir);
    for (struct dirent *e; d && (e = readdir(d));) {
        long pid;
        char path[4096];
        struct stat sb;
        if (sscanf(e->d_name, "nianbao-font-%ld-", &pid) != 1 || pid <= 0 || pid == (long)getpid() ||
            kill((pid_t)pid, 0) == 0 || errno != ESRCH)
            continue;
        if ((size_t)snprintf(path, sizeof path, "%s/%s", dir, e->d_name) < sizeof path &&
            lstat(path, &sb) == 0 && S_ISREG(sb.st_mode) && sb.st_uid == geteuid())
            unlink(path);
    }
    if (d)
        closedir(d);
}

/* 1 for an error of a disk that is full or failing (the document then fails, as any
 * output written there does; a folder that cannot be used at all gives the whole fonts). */
static int full(int e)
{
    return e == ENOSPC || e == EDQUOT || e == EIO || e == EFBIG;
}

/* Writes the subset of FILE's face INDEX to the document's characters into a temporary
 * file; its path (to g_free), or NULL. The name is new in this process, so Cairo's cache of
 * fonts by file name never takes one document's subset for another's. */
static char *write_subset(nb_pdf_fonts *f, const char *file, int index)
{
    static unsigned made;
    hb_face_t *face = face_of(file, index);
    hb_subset_input_t *in = face ? hb_subset_input_create_or_fail() : NULL;
    if (!in)
        return NULL;
    hb_set_union(hb_subset_input_unicode_set(in), f->chars);
    hb_face_t *sub = hb_subset_or_fail(face, in);
    hb_subset_input_destroy(in);
    if (!sub)
        return NULL;
    hb_blob_t *blob = hb_face_reference_blob(sub);
    hb_face_destroy(sub);
    unsigned len = 0;
    const char *data = hb_blob_get_data(blob, &len);
    sweep();
    char *path = g_strdup_printf("%s/nianbao-font-%ld-%u-XXXXXX", nb_pdf_fonts_folder(), (long)getpid(), made++);
    int fd = len ? mkstemp(path) : -1, ok = fd >= 0;
    if (fd < 0 && len && full(errno))
        f->io_error = errno;
    for (unsigned done = 0; ok && done < len;) {
        ssize_t w = write(fd, data + done, len - done);
        ok = w > 0;
        done += ok ? (unsigned)w : 0;
        if (!ok)
            f->io_error = w < 0 ? errno : ENOSPC;
    }
    if (fd >= 0)
        nb_temp_register(path); /* removed if the process is stopped (files.h) */
    if (fd >= 0 && close(fd) != 0 && ok)
        f->io_error = errno, ok = 0;
    if (fd >= 0 && !ok) {
        unlink(path);
        nb_temp_forget(path);
    }
    hb_blob_destroy(blob);
    if (!ok) {
        g_free(path);
        return NULL;
    }
    return path;
}

/* The subset of FILE's face INDEX, made once a document; NULL when it cannot be. */
static const char *subset_of(nb_pdf_fonts *f, const char *file, int index)
{
    for (int i = 0; i < f->nsubsets; i++)
        if (f->subsets[i].index == index && strcmp(f->subsets[i].file, file) == 0)
            return f->subsets[i].path;
    if (f->nsubsets == MAX_SUBSETS)
        return NULL;
    subset *s = &f->subsets[f->nsubsets];
    if (!(s->file = strdup(file)))
        return NULL;
    s->index = index;
    s->path = write_subset(f, file, index);
    f->nsubsets++;
    return s->path;
}

/* Adds the font file PATH to the configuration under the family FAMILY (its own family
 * names dropped). 1 when it is there. */
static int add_as(FcConfig *cfg, const char *path, const char *family)
{
    FcFontSet *set = FcConfigGetFonts(cfg, FcSetApplication);
    int before = set ? set->nfont : 0;
    if (!FcConfigAppFontAddFile(cfg, (const FcChar8 *)path))
        return 0;
    set = FcConfigGetFonts(cfg, FcSetApplication);
    for (int i = before; set && i < set->nfont; i++) {
        FcPattern *p = set->fonts[i];
        FcPatternDel(p, FC_FAMILY);
        FcPatternDel(p, FC_FAMILYLANG);
        FcPatternAddString(p, FC_FAMILY, (const FcChar8 *)family);
    }
    return set && set->nfont > before;
}

/* Adds the subsets of LIST in the weights WEIGHTS under the family FAMILY. 1 when every
 * one is there. */
static int add_list(nb_pdf_fonts *f, const char *list, int weights, const char *family)
{
    int ok = 1;
    for (int bold = 0; bold < 2 && ok; bold++) {
        if (!(weights & (bold ? NB_PDF_BOLD : NB_PDF_REGULAR)))
            continue;
        FcPattern *m = match(f->cfg, list, bold);
        FcChar8 *file = NULL;
        int index = 0;
        const char *path = NULL;
        /* a named instance of a variable font (an index above 16 bits) stays whole */
        ok = m && FcPatternGetString(m, FC_FILE, 0, &file) == FcResultMatch &&
             FcPatternGetInteger(m, FC_INDEX, 0, &index) == FcResultMatch && index >= 0 &&
             index < 0x10000 && (path = subset_of(f, (const char *)file, index)) &&
             add_as(f->cfg, path, family);
        FcPatternDestroy(m);
    }
    return ok;
}

FcConfig *nb_pdf_fonts_make(nb_pdf_fonts *f, int n, const char *const *lists, const int *weights)
{
    if (!f || n > MAX_ROLES || (!base && !(base = FcInitLoadConfigAndFonts())))
        return NULL;
    FcConfigAppFontClear(base); /* an earlier document's, if it ended without its free */
    f->cfg = FcConfigReference(base);
    int made = 0;
    for (int i = 0; i < n; i++) {
        int first = 0, all = 0; /* the first role of this list, and the weights of all */
        while (strcmp(lists[first], lists[i]) != 0)
            first++;
        if (first < i) { /* made with the first */
            f->lists[i] = g_strdup(f->lists[first]);
            continue;
        }
        for (int j = i; j < n; j++)
            if (strcmp(lists[j], lists[i]) == 0)
                all |= weights[j];
        char family[64];
        snprintf(family, sizeof family, "nianbao-subset-%ld-%d", (long)getpid(), i);
        if (add_list(f, lists[i], all, family) && !f->io_error) {
            f->lists[i] = g_strdup_printf("%s,%s", family, lists[i]);
            made++;
        }
    }
    if (!made || f->io_error) {
        FcConfigAppFontClear(base);
        FcConfigDestroy(f->cfg);
        f->cfg = NULL;
    }
    return f->cfg;
}

FcConfig *nb_pdf_fonts_config(const nb_pdf_fonts *f)
{
    return f ? f->cfg : NULL;
}

int nb_pdf_fonts_error(const nb_pdf_fonts *f)
{
    return f ? f->io_error : 0;
}

const char *nb_pdf_fonts_family(const nb_pdf_fonts *f, int i)
{
    return f && f->cfg && i >= 0 && i < MAX_ROLES ? f->lists[i] : NULL;
}

void nb_pdf_fonts_free(nb_pdf_fonts *f)
{
    if (!f)
        return;
    if (f->cfg) {
        FcConfigAppFontClear(f->cfg);
        FcConfigDestroy(f->cfg);
    }
    for (int i = 0; i < f->nsubsets; i++) {
        if (f->subsets[i].path) {
            unlink(f->subsets[i].path);
            nb_temp_forget(f->subsets[i].path);
        }
        g_free(f->subsets[i].path);
        free(f->subsets[i].file);
    }
    for (int i = 0; i < MAX_ROLES; i++)
        g_free(f->lists[i]);
    hb_set_destroy(f->chars);
    free(f);
}

#else
typedef int nb_pdf_fonts_none; /* ISO C: a translation unit declares something */
#endif
