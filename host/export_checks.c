/* export_checks.c - the columns and texts of check results, shared by every exporter. */
#include "export_checks.h"

#include <stdlib.h>
#include <string.h>

const char *const nb_check_headers[NB_CHECK_COLS] = {
    "编号", "级别", "检查项", "公式", "左值", "右值", "结果", NB_CHECK_MESSAGE "/" NB_CHECK_EVIDENCE,
};

const char *const nb_check_keys[NB_CHECK_COLS] = {
    "id", "severity", "title", "formula", "left", "right", "status", NULL,
};

const char *nb_check_field(const nb_check *k, int col)
{
    switch (col) {
    case NB_CHECK_ID: return k->id;
    case NB_CHECK_SEVERITY: return k->severity;
    case NB_CHECK_TITLE: return k->title;
    case NB_CHECK_FORMULA: return k->formula;
    case NB_CHECK_STATUS: return k->status;
    default: return NULL;
    }
}

const nb_cell *nb_check_value(const nb_check *k, int col)
{
    if (col == NB_CHECK_LEFT)
        return &k->left;
    if (col == NB_CHECK_RIGHT)
        return &k->right;
    return NULL;
}

const char *nb_check_value_text(const nb_cell *c, const char *blank)
{
    if (c->type == NB_V_BLANK)
        return blank;
    return c->text ? c->text : "";
}

const char *nb_check_text(const nb_check *k, int col)
{
    const nb_cell *v = nb_check_value(k, col);
    const char *s;

    if (v)
        return nb_check_value_text(v, "");
    s = nb_check_field(k, col);
    return s ? s : "";
}

/* Appends S to OUT at *N, newlines as NL (NULL: kept). With OUT NULL, only counts. */
static void append(char *out, size_t *n, const char *s, const char *nl)
{
    for (; s && *s; s++) {
        const char *piece = *s == '\n' && nl ? nl : NULL;
        size_t len = piece ? strlen(piece) : 1;
        if (out)
            memcpy(out + *n, piece ? piece : s, len);
        *n += len;
    }
}

/* Writes the evidence list into OUT (NULL: only counts); returns its length. */
static size_t evidence_list(const nb_check *k, char *out, const char *nl)
{
    size_t n = 0;

    for (int e = 0; e < k->nevidence; e++) {
        if (e > 0)
            append(out, &n, ", ", NULL);
        append(out, &n, k->evidence[e], nl);
    }
    return n;
}

char *nb_check_evidence(const nb_check *k, const char *item_newline)
{
    size_t n = evidence_list(k, NULL, item_newline);
    char *s = malloc(n + 1);

    if (s) {
        evidence_list(k, s, item_newline);
        s[n] = '\0';
    }
    return s;
}

/* Writes the note into OUT (NULL: only counts); returns its length. */
static size_t note(const nb_check *k, char *out, const char *sep, const char *nl)
{
    size_t n = 0;

    append(out, &n, k->message, NULL);
    if (k->nevidence > 0) {
        if (n > 0)
            append(out, &n, sep, NULL);
        append(out, &n, NB_CHECK_EVIDENCE "：", NULL);
        n += evidence_list(k, out ? out + n : NULL, nl);
    }
    return n;
}

char *nb_check_note(const nb_check *k, const char *sep, const char *item_newline)
{
    size_t n = note(k, NULL, sep, item_newline);
    char *s = malloc(n + 1);

    if (s) {
        note(k, s, sep, item_newline);
        s[n] = '\0';
    }
    return s;
}
