/* err.c - the text of status codes and the one-line form of a diagnostic. */
#include "err.h"

#include <signal.h>
#include <stdio.h>

const char *nb_strerror(nb_err e)
{
    switch (e) {
    case NB_OK: return "no error";
    case NB_ERR_NOMEM: return "out of memory";
    case NB_ERR_IO: return "input/output error";
    case NB_ERR_SQL: return "database error";
    case NB_ERR_VERSION: return "store written by a newer nianbao";
    case NB_ERR_NOSTORE: return "no store";
    case NB_ERR_NOTFOUND: return "not found";
    case NB_ERR_INPUT: return "bad input";
    case NB_ERR_OLD: return "store needs an upgrade (nianbao init)";
    case NB_ERR_BUSY: return "store is locked by another process";
    case NB_ERR_LIMIT: return "limit reached";
    case NB_ERR_INTERRUPTED: return "interrupted";
    case NB_DONE: return "no more rows";
    }
    return "unknown error";
}

int nb_diag_format(const nb_diag *d, char *out, size_t outlen)
{
    int n;
    if (d->line > 0)
        n = snprintf(out, outlen, "%s:%ld: ", d->file ? d->file : "", d->line);
    else
        n = snprintf(out, outlen, "%s: ", d->file ? d->file : "");
    size_t used = n < 0 ? 0 : (size_t)n;
#define REST(...) snprintf(used < outlen ? out + used : NULL, used < outlen ? outlen - used : 0, __VA_ARGS__)
    int k;
    if (d->field) {
        k = REST("field '%s': ", d->field);
        used += k < 0 ? 0 : (size_t)k;
    }
    k = REST("%s", d->reason ? d->reason : "");
    used += k < 0 ? 0 : (size_t)k;
    if (d->value) {
        k = REST(" (%s)", d->value);
        used += k < 0 ? 0 : (size_t)k;
    }
#undef REST
    return (int)used;
}

static volatile sig_atomic_t stop_sig;

void nb_stop_note(int sig)
{
    stop_sig = sig;
}

int nb_stop_signal(void)
{
    return stop_sig;
}
