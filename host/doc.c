/* doc.c - the report document: freeing it, formatting cell values, text width.
 *
 * Provides the parts of doc.h that every exporter shares: nb_doc_free,
 * nb_cell_format (the display text of a value) and nb_text_width (East Asian
 * display width, for column widths and plain-text layout). Plain C, no
 * dependencies beyond libc. */
#include "doc.h"
#include "util.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static void cell_clear(nb_cell *c)
{
    free(c->text);
    free(c->key);
    free(c->row);
}

static void table_clear(nb_table *t)
{
    if (t->cells) {
        for (int i = 0; i < t->nrows * t->ncols; i++)
            cell_clear(&t->cells[i]);
    }
    if (t->row_keys) {
        for (int r = 0; r < t->nrows; r++)
            free(t->row_keys[r]);
    }
    free(t->id);
    free(t->title);
    free(t->cells);
    free(t->row_keys);
    free(t->merges);
}

static void check_clear(nb_check *k)
{
    free(k->id);
    free(k->severity);
    free(k->title);
    free(k->formula);
    cell_clear(&k->left);
    cell_clear(&k->right);
    free(k->status);
    free(k->message);
    if (k->evidence) {
        for (int i = 0; i < k->nevidence; i++)
            free(k->evidence[i]);
    }
    free(k->evidence);
}

const char *const nb_font_role_names[NB_FONT_ROLES] = {"title", "heading", "body"};

const char *nb_doc_font(const nb_doc *doc, nb_font_role role)
{
    static const char *const defaults[NB_FONT_ROLES] = {
        "方正小标宋简体,方正小标宋_GBK,华文中宋,宋体,SimSun,Noto Serif CJK SC",
        "黑体,SimHei,Noto Sans CJK SC",
        "仿宋_GB2312,仿宋,FangSong,Noto Serif CJK SC",
    };
    if (role < 0 || role >= NB_FONT_ROLES)
        role = NB_FONT_BODY;
    return doc && doc->fonts[role] && *doc->fonts[role] ? doc->fonts[role] : defaults[role];
}

void nb_doc_free(nb_doc *doc)
{
    if (!doc)
        return;
    for (int i = 0; i < NB_FONT_ROLES; i++)
        free(doc->fonts[i]);
    if (doc->blocks) {
        for (int i = 0; i < doc->nblocks; i++)
            free(doc->blocks[i].text);
    }
    if (doc->tables) {
        for (int i = 0; i < doc->ntables; i++)
            table_clear(&doc->tables[i]);
    }
    if (doc->checks) {
        for (int i = 0; i < doc->nchecks; i++)
            check_clear(&doc->checks[i]);
    }
    free(doc->title);
    free(doc->body);
    free(doc->format);
    free(doc->blocks);
    free(doc->tables);
    free(doc->checks);
    free(doc);
}

/* Shortest "%.*g" text that reads back as the same double. */
static void format_shortest(char *buf, size_t len, double v)
{
    for (int prec = 1; prec <= 17; prec++) {
        snprintf(buf, len, "%.*g", prec, v);
        if (strtod(buf, NULL) == v)
            return;
    }
}

/* "%.2f", with a negative zero ("-0.00") printed as "0.00". */
static void format_money(char *buf, size_t len, double v)
{
    snprintf(buf, len, "%.2f", v);
    if (strcmp(buf, "-0.00") == 0)
        memmove(buf, buf + 1, strlen(buf));
}

/* I in decimal, with a sign before a positive one when PLUS: a copy (NULL when memory is
 * short). snprintf took 600 instructions a number, 5% of making a report's document. */
static char *int_text(long long i, int plus)
{
    char b[24], *p = b;
    if (plus && i > 0)
        *p++ = '+';
    p = nb_ll_text(p, i);
    *p++ = '\0';
    char *t = malloc((size_t)(p - b));
    return t ? memcpy(t, b, (size_t)(p - b)) : NULL;
}

char *nb_cell_format(const nb_cell *c)
{
    char buf[512];
    double v;

    switch (c->type) {
    case NB_V_BLANK:
        return strdup("");
    case NB_V_TEXT:
        return strdup(c->text ? c->text : "");
    case NB_V_INT:
        switch (c->fmt) {
        case NB_FMT_SIGNED:
            return int_text(c->i, 1);
        case NB_FMT_MONEY:
        case NB_FMT_MONEY_UNIT:
            v = (double)c->i;
            break;
        default:
            return int_text(c->i, 0);
        }
        break;
    case NB_V_NUM:
        v = c->num;
        break;
    default:
        return strdup("");
    }

    if (!isfinite(v)) {
        snprintf(buf, sizeof buf, "%s", isnan(v) ? "NaN" : v < 0 ? "-Infinity" : "Infinity");
        return strdup(buf);
    }
    switch (c->fmt) {
    case NB_FMT_MONEY:
        format_money(buf, sizeof buf, v);
        break;
    case NB_FMT_MONEY_UNIT:
        format_money(buf, sizeof buf - 8, v);
        strcat(buf, "万元");
        break;
    case NB_FMT_SIGNED:
        if (v == 0) {
            strcpy(buf, "0");
        } else {
            buf[0] = v > 0 ? '+' : '-';
            format_shortest(buf + 1, sizeof buf - 1, fabs(v));
        }
        break;
    default:
        if (v == 0)
            strcpy(buf, "0");
        else
            format_shortest(buf, sizeof buf, v);
        break;
    }
    return strdup(buf);
}

/* Decodes one UTF-8 sequence at *S, before END (NULL: the string's NUL ends it),
 * advancing it. A malformed byte decodes as itself (one column wide) so that width never
 * loops or overreads. */
static unsigned long utf8_next_in(const unsigned char **s, const unsigned char *end)
{
    const unsigned char *p = *s;
    unsigned long cp;
    int extra;

    if (p[0] < 0x80) {
        *s = p + 1;
        return p[0];
    } else if ((p[0] & 0xE0) == 0xC0) {
        cp = p[0] & 0x1F;
        extra = 1;
    } else if ((p[0] & 0xF0) == 0xE0) {
        cp = p[0] & 0x0F;
        extra = 2;
    } else if ((p[0] & 0xF8) == 0xF0) {
        cp = p[0] & 0x07;
        extra = 3;
    } else {
        *s = p + 1;
        return 0xFFFD;
    }
    for (int i = 1; i <= extra; i++) {
        if ((end && p + i >= end) || (p[i] & 0xC0) != 0x80) {
            *s = p + 1;
            return 0xFFFD;
        }
        cp = (cp << 6) | (p[i] & 0x3F);
    }
    *s = p + 1 + extra;
    return cp;
}

static unsigned long utf8_next(const unsigned char **s)
{
    return utf8_next_in(s, NULL);
}

/* East Asian Width W or F (Unicode UAX #11), the ranges that matter in
 * practice; combining marks and controls are not special-cased. */
static int is_wide(unsigned long cp)
{
    static const unsigned long ranges[][2] = {
        {0x1100, 0x115F},   /* Hangul Jamo initials */
        {0x231A, 0x231B},   {0x2329, 0x232A},
        {0x23E9, 0x23EC},   {0x23F0, 0x23F0}, {0x23F3, 0x23F3},
        {0x25FD, 0x25FE},   {0x2614, 0x2615},
        {0x2E80, 0x303E},   /* CJK radicals, Kangxi, CJK symbols and punctuation */
        {0x3041, 0x33FF},   /* kana, Bopomofo, Hangul compat, CJK compat */
        {0x3400, 0x4DBF},   /* CJK extension A */
        {0x4E00, 0x9FFF},   /* CJK unified ideographs */
        {0xA000, 0xA4CF},   /* Yi */
        {0xA960, 0xA97F},   /* Hangul Jamo extended A */
        {0xAC00, 0xD7A3},   /* Hangul syllables */
        {0xF900, 0xFAFF},   /* CJK compatibility ideographs */
        {0xFE10, 0xFE19},   /* vertical forms */
        {0xFE30, 0xFE6F},   /* CJK compatibility forms, small forms */
        {0xFF00, 0xFF60},   /* fullwidth forms */
        {0xFFE0, 0xFFE6},   /* fullwidth signs */
        {0x16FE0, 0x16FE4}, {0x17000, 0x18AFF}, /* Tangut */
        {0x1B000, 0x1B2FF}, /* kana supplement and extensions */
        {0x1F300, 0x1F64F}, /* pictographs, emoticons */
        {0x1F900, 0x1F9FF},
        {0x20000, 0x2FFFD}, /* CJK extensions B..F, compatibility supplement */
        {0x30000, 0x3FFFD}, /* CJK extension G.. */
    };
    for (size_t i = 0; i < sizeof ranges / sizeof ranges[0]; i++) {
        if (cp < ranges[i][0])
            return 0;
        if (cp <= ranges[i][1])
            return 1;
    }
    return 0;
}

int nb_text_width(const char *s)
{
    const unsigned char *p = (const unsigned char *)s;
    int w = 0;

    if (!s)
        return 0;
    while (*p)
        w += is_wide(utf8_next(&p)) ? 2 : 1;
    return w;
}

int nb_text_width_n(const char *s, size_t len)
{
    const unsigned char *p = (const unsigned char *)s, *end = p + len;
    int w = 0;

    while (p < end && *p)
        w += is_wide(utf8_next_in(&p, end)) ? 2 : 1;
    return w;
}
