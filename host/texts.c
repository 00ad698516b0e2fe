/* texts.c - narratives and scripts of a body, stored whole. */
#include "texts.h"

#include <stdio.h>
#include <string.h>

#include "bodies.h"
#include "files.h"

/* Offset of the first byte that is not valid UTF-8 in S, or LEN. */
static size_t utf8_bad_at(const unsigned char *s, size_t len)
{
    size_t i = 0;
    while (i < len) {
        unsigned c = s[i];
        size_t n = c < 0x80 ? 0 : c >= 0xC2 && c <= 0xDF ? 1 : c >= 0xE0 && c <= 0xEF ? 2
                 : c >= 0xF0 && c <= 0xF4 ? 3 : 9;
        if (n == 9 || i + n >= len + (n ? 0 : 1))
            return i;
        for (size_t k = 1; k <= n; k++)
            if ((s[i + k] & 0xC0) != 0x80)
                return i;
        if ((c == 0xE0 && s[i + 1] < 0xA0) || (c == 0xED && s[i + 1] > 0x9F) ||
            (c == 0xF0 && s[i + 1] < 0x90) || (c == 0xF4 && s[i + 1] > 0x8F))
            return i;
        i += n + 1;
    }
    return len;
}

nb_err nb_text_file(const char *path, nb_buf *b, const char **text, char *err, size_t errlen)
{
    nb_err rc = nb_file_read(path, NB_MAX_TEXT_FILE, b, err, errlen);
    if (rc)
        return rc;
    *text = b->data + nb_bom_len(b->data, b->len);
    size_t len = b->len - (size_t)(*text - b->data);
    size_t bad = utf8_bad_at((const unsigned char *)*text, len);
    if (strlen(*text) != len) {
        snprintf(err, errlen, "%s: a NUL byte in the text", path);
        rc = NB_ERR_INPUT;
    } else if (bad < len) {
        long line = 1;
        for (size_t i = 0; i < bad; i++)
            line += (*text)[i] == '\n';
        snprintf(err, errlen, "%s:%ld: not UTF-8 text (byte 0x%02X); save the file as UTF-8",
                 path, line, (unsigned char)(*text)[bad]);
        rc = NB_ERR_INPUT;
    } else if (len == 0) {
        snprintf(err, errlen, "%s: empty file", path);
        rc = NB_ERR_INPUT;
    }
    if (rc)
        nb_buf_free(b);
    return rc;
}

int nb_text_year_of_name(const char *path)
{
    const char *slash = strrchr(path, '/');
    int year = 0;
    for (const char *p = slash ? slash + 1 : path; *p; p++)
        if (p[0] >= '1' && p[0] <= '2' && sscanf(p, "%4d", &year) == 1 && year >= 1990 &&
            year <= 2100)
            return year;
    return 0;
}

nb_err nb_import_text(nb_store *s, const char *path, const char *body, const char *parent,
                      int year, int dry_run, int *year_used, int *created, char *err,
                      size_t errlen)
{
    nb_buf b = {0};
    const char *text;
    nb_err rc = nb_text_file(path, &b, &text, err, errlen);
    if (rc)
        return rc;
    if (year == 0 && (year = nb_text_year_of_name(path)) == 0) {
        snprintf(err, errlen, "%s: give the year with --year (none in the file name)", path);
        nb_buf_free(&b);
        return NB_ERR_INPUT;
    }
    if (year_used)
        *year_used = year;
    int64_t id;
    int made = 0, made_parent = 0;
    /* A dry run checks the parent too, and then rolls back. */
    if (!(rc = nb_store_begin(s, err, errlen))) {
        if (!(rc = nb_store_body(s, body, 1, &id, &made, err, errlen)) &&
            !(rc = parent ? nb_store_link_parent(s, body, parent, &made_parent, err, errlen)
                          : NB_OK))
            rc = nb_store_text_put(s, id, year, text, path, err, errlen);
        if (created)
            *created = (made ? NB_TEXT_BODY_CREATED : 0) |
                       (made_parent ? NB_TEXT_PARENT_CREATED : 0);
        if (rc || dry_run)
            nb_store_rollback(s);
        else
            rc = nb_store_commit(s, err, errlen);
    }
    nb_buf_free(&b);
    return rc;
}

const char *const nb_script_roles[] = {"rules", "layout", "map", NULL};

int nb_script_role(const char *role)
{
    for (int i = 0; nb_script_roles[i]; i++)
        if (strcmp(role, nb_script_roles[i]) == 0)
            return 1;
    return 0;
}

nb_err nb_store_put_script(nb_store *s, const char *body, const char *role, const char *name,
                           const char *content, char *err, size_t errlen)
{
    int64_t id;
    nb_err rc = nb_store_begin(s, err, errlen);
    if (rc)
        return rc;
    if (!(rc = nb_store_body(s, body, 1, &id, NULL, err, errlen)))
        rc = nb_store_script_put(s, id, role, name, content, err, errlen);
    if (rc) {
        nb_store_rollback(s);
        return rc;
    }
    return nb_store_commit(s, err, errlen);
}
