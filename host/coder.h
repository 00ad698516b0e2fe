/* coder.h - validates rows of text against a record kind and codes them for the store.
 *
 * The one place that decides whether a row is a good record: header names
 * (canonical, Chinese aliases, the mapping's aliases), required fields,
 * dates, numbers, money, categorical values (national code, label, known
 * variant, or the body's mapping), and the kind's rules from the catalogue
 * (closed not before received; an outcome exactly when closed). Both the
 * bulk importer (import.c) and single inserts (records.c) use it, and both
 * get its findings as structured diagnostics (err.h). Depends on store.h
 * (open vocabularies are added to the dictionary), codes.h, mapping.h. */
#ifndef NB_CODER_H
#define NB_CODER_H

#include "codes.h"
#include "mapping.h"
#include "store.h"

/* A coded record: the values of one row. Texts point into the row. */
typedef struct {
    const char *id;                      /* "" when the row has none */
    const char *body;                    /* the row's body column, "" when none */
    int64_t ival[NB_MAX_FIELDS];         /* dates, dictionary ids, numbers, 分 */
    const char *text[NB_MAX_FIELDS];     /* NB_F_TEXT values */
    unsigned char has[NB_MAX_FIELDS];    /* 1: the field has a value */
} nb_rec;

typedef struct nb_coder nb_coder;

/* Bytes (of UTF-8) of a category's value, as read and as a mapping gives it: a longer one
 * is refused (a column of free text taken for a category, or a hostile file), and so is a
 * mapping's entry past it. nianbao.kinds gives it as a category field's max_bytes. */
#define NB_CAT_VALUE_MOST 256
/* Values an open vocabulary (a category without national values: 申请方式) may have in the
 * store, every value ever added (one no record uses any more still counts): a row bringing
 * a new one past them is refused. The store keeps every value of its dictionary in memory
 * (30,000 distinct values of 4 KB took 260 MB). nianbao.kinds gives it as an open field's
 * max_values. */
#define NB_OPEN_VALUES_MOST 20000
/* N as a string literal ("256"): the messages that state a limit take it from its macro. */
#define NB_STR_(n) #n
#define NB_STR(n) NB_STR_(n)

/* A coder for kind K of store S, with MAP (may be NULL). ALLOW_SERIAL: a
 * number in a date field is an Excel serial day (XLSX). */
nb_err nb_coder_new(nb_store *s, const nb_kind *k, const nb_mapping *map, int allow_serial,
                    nb_coder **out, char *err, size_t errlen);
void nb_coder_free(nb_coder *c);

/* Maps the header row NAMES (trimmed in place) to fields, for rows of FILE.
 * A column naming each row's body (nb_record_body) is no field but kept apart.
 * Unknown columns are notes; a missing required column or two columns for one
 * field are problems, and the result is NB_ERR_INPUT. */
nb_err nb_coder_header(nb_coder *c, const char *file, char **names, size_t n, nb_diag_fn fn,
                       void *ud);

/* The header as it was given, unit-separated (for the source record). */
const char *nb_coder_header_text(const nb_coder *c);

/* Validates and codes row FIELDS (trimmed in place) at LINE of FILE into
 * REC. NB_OK for a good row; NB_ERR_INPUT when it is refused (each reason
 * given to FN; unknown categorical values are kept for nb_coder_unknowns);
 * another error, with ERR, when the store fails. */
nb_err nb_coder_row(nb_coder *c, const char *file, long line, char **fields, size_t n,
                    nb_rec *rec, nb_diag_fn fn, void *ud, char *err, size_t errlen);

/* Gives FN one diagnostic per unknown categorical value met so far (value,
 * count, first line; ONE_ROW: for a single record, without them), then
 * forgets them. Returns how many it gave. */
long nb_coder_unknowns(nb_coder *c, const char *file, int one_row, nb_diag_fn fn, void *ud);

/* The kind the coder codes. */
const nb_kind *nb_coder_kind(const nb_coder *c);

/* The raw values a stored row keeps: those of the row last given to
 * nb_coder_row that differ from what it stored, each as its column number
 * (1-based, in the source's header), NB_RAW_COL and the text, separated by
 * NB_RAW_NEXT; NB_RAW_ESC comes before any of the three in a text. Not kept:
 * the id, the body column when it is BODY, a date written as YYYY-MM-DD or
 * YYYYMMDD (or an XLSX day number), a category written as its stored value's code or label
 * (not through the mapping or a variant), a number or amount written as
 * nb_money_format writes it, a text, and a blank where the field stays blank.
 * OUT is "" when nothing differs. Returns nonzero when out of memory. */
#define NB_RAW_NEXT '\037'
#define NB_RAW_COL '\036'
#define NB_RAW_ESC '\033'
int nb_coder_raw(const nb_coder *c, char **fields, size_t n, const nb_rec *rec,
                 const char *body, nb_buf *out);

/* Field F of the row last given to nb_coder_row is taken as written plainly (its stored
 * value's code or label): nb_coder_raw does not keep its text. For remap.c, whose rows
 * give a national value stored before as its code, which stays as it was stored. */
void nb_coder_plain(nb_coder *c, int f);

/* The column that names each row's body (body 机关 单位), or -1. */
int nb_coder_body_column(const nb_coder *c);

/* The column of field F (-1: id), or -1 when the header has none. */
int nb_coder_column(const nb_coder *c, int f);

#endif
