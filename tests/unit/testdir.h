/* testdir.h - a unit test's scratch folder and the file helpers the exporters' tests share
 * (test_export.c, test_wml.c, test_pdf.c): paths in it, whole files read back, text
 * checks, the temporaries an export left behind; and an import of a CSV text written
 * there (test_pack.c, test_runs.c). The test sets `dir` (mkdtemp). */
#ifndef NB_TEST_DIR_H
#define NB_TEST_DIR_H

#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "import.h"

static char dir[64];

/* DIR/NAME, in one of 8 rotating buffers. */
static inline const char *tmp(const char *name)
{
    static char paths[8][512];
    static int next;
    char *p = paths[next++ % 8];
    snprintf(p, sizeof paths[0], "%s/%s", dir, name);
    return p;
}

/* Writes TEXT to DIR/FILE and imports it as KIND records of BODY (REPLACE: NB_REPLACE_*);
 * a refusal is printed as a TAP comment. */
static inline nb_err t_import(nb_store *s, const char *file, const char *kind, const char *body,
                              const char *text, int replace)
{
    char err[512];
    const char *p = tmp(file);
    FILE *f = fopen(p, "w");
    if (f) {
        fputs(text, f);
        fclose(f);
    }
    nb_import_opts o = {.path = p, .kind = kind, .body = body, .replace = replace};
    nb_import_stats st;
    nb_err rc = nb_import(s, &o, &st, err, sizeof err);
    if (rc)
        printf("# import: %s\n", err);
    return rc;
}

/* The whole file at PATH, NUL-terminated (its length in *LEN when LEN), or NULL. */
static inline char *slurp(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    char *buf = NULL;
    long n;

    if (!f)
        return NULL;
    fseek(f, 0, SEEK_END);
    n = ftell(f);
    fseek(f, 0, SEEK_SET);
    if (n >= 0 && (buf = malloc((size_t)n + 1)) && fread(buf, 1, (size_t)n, f) == (size_t)n) {
        buf[n] = '\0';
        if (len)
            *len = (size_t)n;
    } else {
        free(buf);
        buf = NULL;
    }
    fclose(f);
    return buf;
}

static inline int contains(const char *hay, const char *needle)
{
    return hay && strstr(hay, needle) != NULL;
}

static inline int starts_with(const char *s, const char *prefix)
{
    return s && strncmp(s, prefix, strlen(prefix)) == 0;
}

static inline void write_file(const char *path, const char *text)
{
    FILE *f = fopen(path, "wb");
    if (!f)
        abort();
    fputs(text, f);
    fclose(f);
}

/* 1 when PATH holds exactly TEXT. */
static inline int file_is(const char *path, const char *text)
{
    size_t len = 0;
    char *s = slurp(path, &len);
    int same = s && len == strlen(text) && memcmp(s, text, len) == 0;
    free(s);
    return same;
}

/* Names in the test folder that start with '.' (temporaries), but "." and ".."; -1 when
 * the folder cannot be read. */
static inline int temporaries(void)
{
    DIR *d = opendir(dir);
    struct dirent *e;
    int n = 0;

    if (!d)
        return -1;
    while ((e = readdir(d))) {
        if (e->d_name[0] == '.' && strcmp(e->d_name, ".") != 0 && strcmp(e->d_name, "..") != 0) {
            printf("# temporary left: %s\n", e->d_name);
            n++;
        }
    }
    closedir(d);
    return n;
}

/* Removes the test folder and everything in it. */
static inline void remove_dir(void)
{
    DIR *d = opendir(dir);
    struct dirent *e;

    while (d && (e = readdir(d))) {
        if (strcmp(e->d_name, ".") != 0 && strcmp(e->d_name, "..") != 0)
            remove(tmp(e->d_name));
    }
    if (d)
        closedir(d);
    rmdir(dir);
}

#endif
