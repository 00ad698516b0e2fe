/* export_checks.h - check results as every exporter shows them: the columns, their
 * headers and JSON keys, the display text of a value, and the note.
 *
 * The one definition of what a check result shows: Markdown, HTML and XLSX
 * write these columns as a table, plain text as a line per check, JSON as an
 * object with these keys. Private to the exporters; depends on libc only. */
#ifndef NB_EXPORT_CHECKS_H
#define NB_EXPORT_CHECKS_H

#include "doc.h"

#define NB_CHECK_HEADING "检查结果" /* the title of the checks part, table or sheet */
#define NB_CHECK_MESSAGE "说明"     /* the note's message, in labels */
#define NB_CHECK_EVIDENCE "证据"    /* the note's evidence, in labels */

/* The columns of a check result, in order. */
enum {
    NB_CHECK_ID,       /* 编号 */
    NB_CHECK_SEVERITY, /* 级别 */
    NB_CHECK_TITLE,    /* 检查项 */
    NB_CHECK_FORMULA,  /* 公式 */
    NB_CHECK_LEFT,     /* 左值: a value (nb_check_value) */
    NB_CHECK_RIGHT,    /* 右值: a value */
    NB_CHECK_STATUS,   /* 结果 */
    NB_CHECK_NOTE,     /* 说明/证据: message and evidence (nb_check_note) */
    NB_CHECK_COLS
};

/* Column headers: "编号" ... "说明/证据". */
extern const char *const nb_check_headers[NB_CHECK_COLS];

/* JSON keys of the columns before the note: "id" ... "status"; the note has
 * none (JSON keeps "evidence" and "message" apart). */
extern const char *const nb_check_keys[NB_CHECK_COLS];

/* The string of text column COL (id, severity, title, formula, status) as
 * stored, NULL when absent; NULL for the other columns. */
const char *nb_check_field(const nb_check *k, int col);

/* The value of column COL (left or right), NULL for the other columns. */
const nb_cell *nb_check_value(const nb_check *k, int col);

/* Display text of a value: BLANK for a blank value, else its text ("" when none). */
const char *nb_check_value_text(const nb_cell *c, const char *blank);

/* Display text of column COL in a table of checks (not the note): the string
 * or the value's text, "" for absent strings and blank values. */
const char *nb_check_text(const nb_check *k, int col);

/* The evidence items joined by ", ", each newline inside an item written as
 * ITEM_NEWLINE (NULL: kept). Allocated; NULL on out of memory. */
char *nb_check_evidence(const nb_check *k, const char *item_newline);

/* The note: the message, then, when there is evidence, SEP (only when the
 * message is not empty), "证据：" and the evidence as nb_check_evidence.
 * Allocated; NULL on out of memory. */
char *nb_check_note(const nb_check *k, const char *sep, const char *item_newline);

#endif
