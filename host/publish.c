/* publish.c - nb_html_lines, nb_pdf_lines and nb_export_pdf for the nianbao command,
 * each of which opens its module the first time (nianbao-read.so, nianbao-publish.so:
 * publish.h) and calls through its table.
 * Depends on publish.h, util.h; dlopen. */
#define _GNU_SOURCE /* dlopen's RTLD_* on older libcs */
#include "publish.h"

#include <dlfcn.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>

#include "pdf.h"
#include "pdf_lsan.h"

#ifndef NB_LIBDIR
#define NB_LIBDIR "/usr/local/lib/nianbao" /* make install sets PREFIX/lib/nianbao */
#endif

/* A module: its file, the symbol of its table and the version the command expects;
 * once opened, its table; once it could not be, why. */
typedef struct {
    const char *file, *symbol;
    int version;
    const void *api;
    char failure[PATH_MAX + 512];
} module;

static module publish_mod = {NB_PUBLISH_MODULE, "nb_publish", NB_PUBLISH_VERSION, NULL, ""};
static module read_mod = {NB_READ_MODULE, "nb_read", NB_READ_VERSION, NULL, ""};

/* The path of module FILE: beside the executable (a build tree) or in ../lib/nianbao
 * from it (an installation: PREFIX/bin, PREFIX/lib/nianbao), nowhere above (nb_near_exe);
 * else NB_LIBDIR. 0, or -1 when none exists (PATH: the last looked at). */
static int find_module(const char *file, char *path, size_t size)
{
    static const char *const under[] = {"", "/../lib/nianbao"};
    char dir[PATH_MAX];
    struct stat sb;
    if (nb_near_exe(under, 2, file, dir, sizeof dir) == 0 &&
        (size_t)snprintf(path, size, "%s/%s", dir, file) < size)
        return 0;
    snprintf(path, size, "%s/%s", NB_LIBDIR, file);
    return stat(path, &sb) == 0 ? 0 : -1;
}

int nb_publish_path(char *path, size_t size)
{
    return find_module(NB_PUBLISH_MODULE, path, size);
}

int nb_read_path(char *path, size_t size)
{
    return find_module(NB_READ_MODULE, path, size);
}

/* M's table, opened once; NULL with the reason in ERR, after WHAT. Every table starts
 * with its int version. */
static const void *load(module *m, const char *what, char *err, size_t errlen)
{
    if (!m->api && !m->failure[0]) {
        char path[PATH_MAX + 64];
        if (find_module(m->file, path, sizeof path) != 0) {
            snprintf(m->failure, sizeof m->failure,
                     "%s is not installed (looked beside the nianbao executable and in %s): "
                     "run make (or make install) again", m->file, NB_LIBDIR);
        } else {
            void *h = dlopen(path, RTLD_NOW | RTLD_LOCAL);
            const int *t = h ? dlsym(h, m->symbol) : NULL;
            if (!h)
                snprintf(m->failure, sizeof m->failure, "cannot load %s: %s", path, dlerror());
            else if (!t || *t != m->version)
                snprintf(m->failure, sizeof m->failure,
                         "%s is from another version of nianbao: run make (or make install) again",
                         path);
            else
                m->api = t; /* kept open until the process ends */
        }
    }
    if (!m->api)
        snprintf(err, errlen, "%s: %s", what, m->failure);
    return m->api;
}

nb_err nb_html_lines(const char *data, size_t len, nb_html_fn fn, void *ud,
                     const char **encoding, char *err, size_t errlen)
{
    const nb_read_api *t = load(&read_mod, "reading HTML", err, errlen);
    return t ? t->html_lines(data, len, fn, ud, encoding, err, errlen) : NB_ERR_IO;
}

nb_err nb_pdf_lines(const char *data, size_t len, nb_html_fn fn, void *ud, char *err,
                    size_t errlen)
{
    const nb_read_api *t = load(&read_mod, "reading PDF", err, errlen);
    return t ? t->pdf_lines(data, len, fn, ud, err, errlen) : NB_ERR_IO;
}

nb_err nb_export_pdf(const nb_doc *doc, const char *path, char *err, size_t errlen)
{
    const nb_publish_api *t = load(&publish_mod, path, err, errlen);
    return t ? t->export_pdf(doc, path, err, errlen) : NB_ERR_IO;
}
