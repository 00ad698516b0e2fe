/* doc.h - the report document: the one model every exporter writes.
 *
 * A layout script (Lua) builds a report document; host/lua_export.c turns it
 * into an nb_doc; the exporters (export.h, one per export_*.c file) write it.
 * Plain C, no Lua. All strings are UTF-8 and owned by the document;
 * nb_doc_free releases everything. */
#ifndef NB_DOC_H
#define NB_DOC_H

#include <stddef.h>

typedef enum {
    NB_V_BLANK = 0, /* blank cell: JSON null, nothing written */
    NB_V_INT,       /* integer count: i */
    NB_V_NUM,       /* decimal amount (money in 万元): num */
    NB_V_TEXT       /* label or free text: text only */
} nb_vtype;

typedef enum {
    NB_FMT_PLAIN = 0, /* integer as is; text as is */
    NB_FMT_SIGNED,    /* integer change printed with its sign: +25, -58, 0 */
    NB_FMT_MONEY,     /* two decimals: 21350.46 */
    NB_FMT_MONEY_UNIT /* two decimals and the unit in the cell: 21350.46万元 */
} nb_fmt;

typedef struct {
    nb_vtype type;
    nb_fmt fmt;
    long long i;   /* NB_V_INT */
    double num;    /* NB_V_NUM */
    char *text;    /* display text, always set (""
                      for blank); for numbers the formatted value */
    char *key;     /* JSON column key of a data cell, NULL otherwise */
    char *row;     /* JSON row key of this cell when it is not its grid row's
                      (表四: one grid row holds three JSON rows); NULL otherwise */
    int header;    /* 1 for header/label cells (centred, may be bold) */
} nb_cell;

typedef struct {
    int r1, c1, r2, c2; /* inclusive, 0-based, r1<=r2, c1<=c2 */
} nb_merge;

typedef struct {
    char *id;          /* JSON table id: "active", "requests", "appeals", or local */
    char *title;       /* caption, e.g. "二、主动公开政府信息情况" */
    int nrows, ncols;
    int header_rows;   /* leading rows that form the header */
    nb_cell *cells;    /* nrows*ncols, row-major; cells covered by a merge
                          other than its top-left are NB_V_BLANK with text "" */
    char **row_keys;   /* nrows entries; JSON row key, NULL for rows without data */
    nb_merge *merges;
    int nmerges;
} nb_table;

typedef enum {
    NB_BLOCK_HEADING = 0, /* text, level 1 (part: 一、总体情况) or 2 ((一)...) */
    NB_BLOCK_PARA,        /* one paragraph of text */
    NB_BLOCK_TABLE        /* table: index into tables */
} nb_block_type;

typedef struct {
    nb_block_type type;
    int level;
    char *text;
    int table;
} nb_block;

typedef struct {
    char *id;        /* "H1" */
    char *severity;  /* "error", "warning", "info" */
    char *title;     /* Chinese title */
    char *formula;   /* e.g. "一 + 二 = （七） + 四" */
    nb_cell left;    /* values compared (type BLANK when none) */
    nb_cell right;
    char *status;    /* "PASS", "FAIL", "NOT_ASSESSABLE" */
    char *message;   /* one line for people, may be NULL */
    char **evidence; /* nevidence strings: cells ("requests.new.person") or record refs */
    int nevidence;
} nb_check;

/* The font roles of a printed document (DOCX, PDF): the title, part headings
 * (一、总体情况), and the body text and tables. */
typedef enum {
    NB_FONT_TITLE = 0, /* 方正小标宋 / 小标宋 / 宋体 */
    NB_FONT_HEADING,   /* 黑体 */
    NB_FONT_BODY,      /* 仿宋_GB2312 / 仿宋 */
    NB_FONT_ROLES
} nb_font_role;

typedef struct {
    char *title;     /* "沈阳市沈河区人民政府2020年政府信息公开工作年度报告" */
    char *body;      /* body name */
    int year;
    char *format;    /* "gov2019" */
    nb_block *blocks;
    int nblocks;
    nb_table *tables;
    int ntables;
    nb_check *checks;
    int nchecks;
    long long created; /* fixed creation time (Unix seconds) written into XLSX metadata */
    char *fonts[NB_FONT_ROLES]; /* font families per role, comma-separated, first
                                   preferred ("仿宋_GB2312,仿宋,Noto Serif CJK SC");
                                   NULL: nb_doc_font's default */
} nb_doc;

/* The roles' names, as a document table and --fonts give them: "title", "heading", "body". */
extern const char *const nb_font_role_names[NB_FONT_ROLES];

/* The font families of ROLE in DOC: DOC's own when set, else the default list
 * (GB/T 9704's fonts by their Windows names, then Noto CJK, which Debian's
 * fonts-noto-cjk installs). Comma-separated, first preferred. */
const char *nb_doc_font(const nb_doc *doc, nb_font_role role);

/* Frees everything the document owns, then the document itself. NULL ok. */
void nb_doc_free(nb_doc *doc);

/* Formats a cell's value into its display text per its fmt (allocates; NULL
 * on out of memory). Blank gives "". */
char *nb_cell_format(const nb_cell *c);

/* Display width of UTF-8 text: East Asian wide and fullwidth characters count
 * 2, others 1. */
int nb_text_width(const char *s);
/* The same of the LEN bytes at S (up to a NUL), as if they were a string of their own. */
int nb_text_width_n(const char *s, size_t len);

#endif
