/* publish.c - nb_html_lines, nb_pdf_lines and nb_export_pdf for the nianbao command:
 * each opens nianbao-publish.so the first time (publish.h) and calls through its table.
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

static const nb_publish_api *api;
static char failure[PATH_MAX + 512]; /* why the module could not be opened, once known */

/* The module's path: beside the executable or in lib/nianbao/ there, in its folder or
 * up to two folders above (nb_near_exe); else NB_LIBDIR. 0, or -1 when none exists
 * (PATH: the last looked at). */
static int find_module(char *path, size_t size)
{
    static const char *const under[] = {"", "/lib/nianbao"};
    char dir[PATH_MAX];
    struct stat sb;
    if (nb_near_exe(under, 2, NB_PUBLISH_MODULE, dir, sizeof dir) == 0 &&
        (size_t)snprintf(path, size, "%s/" NB_PUBLISH_MODULE, dir) < size)
        return 0;
    snprintf(path, size, "%s/" NB_PUBLISH_MODULE, NB_LIBDIR);
    return stat(path, &sb) == 0 ? 0 : -1;
}

/* The module's table, opened once; NULL with the reason in ERR. */
static const nb_publish_api *load(const char *what, char *err, size_t errlen)
{
    if (!api && !failure[0]) {
        char path[PATH_MAX + 64];
        if (find_module(path, sizeof path) != 0) {
            snprintf(failure, sizeof failure,
                     "%s is not installed (looked beside the nianbao executable and in %s): "
                     "run make (or make install) again", NB_PUBLISH_MODULE, NB_LIBDIR);
        } else {
            void *h = dlopen(path, RTLD_NOW | RTLD_LOCAL);
            const nb_publish_api *t = h ? dlsym(h, "nb_publish") : NULL;
            if (!h)
                snprintf(failure, sizeof failure, "cannot load %s: %s", path, dlerror());
            else if (!t || t->version != NB_PUBLISH_VERSION)
                snprintf(failure, sizeof failure,
                         "%s is from another version of nianbao: run make (or make install) again",
                         path);
            else
                api = t; /* kept open until the process ends */
        }
    }
    if (!api)
        snprintf(err, errlen, "%s: %s", what, failure);
    return api;
}

nb_err nb_html_lines(const char *data, size_t len, nb_html_fn fn, void *ud,
                     const char **encoding, char *err, size_t errlen)
{
    const nb_publish_api *t = load("reading HTML", err, errlen);
    return t ? t->html_lines(data, len, fn, ud, encoding, err, errlen) : NB_ERR_IO;
}

nb_err nb_pdf_lines(const char *data, size_t len, nb_html_fn fn, void *ud, char *err,
                    size_t errlen)
{
    const nb_publish_api *t = load("reading PDF", err, errlen);
    return t ? t->pdf_lines(data, len, fn, ud, err, errlen) : NB_ERR_IO;
}

nb_err nb_export_pdf(const nb_doc *doc, const char *path, char *err, size_t errlen)
{
    char what[PATH_MAX + 16];
    snprintf(what, sizeof what, "%s", path);
    const nb_publish_api *t = load(what, err, errlen);
    return t ? t->export_pdf(doc, path, err, errlen) : NB_ERR_IO;
}
