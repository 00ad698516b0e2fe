/* texts.h - a body's narrative texts and its own scripts, kept in the store.
 *
 * The narrative of a year is one Markdown file; a body's rules and layouts
 * are Lua files (the caller checks that they compile and have the right
 * shape before storing them). Each is stored in one transaction, the body
 * created when new. Depends on store.h and files.h; no Lua. */
#ifndef NB_TEXTS_H
#define NB_TEXTS_H

#include "store.h"

/* Imports a Markdown narrative for BODY (created when new; PARENT, when not
 * NULL, becomes its parent in the same transaction, created when new too) and YEAR (0:
 * taken from a four-digit number in the file name; the year used goes to *YEAR_USED when
 * not NULL; *CREATED, when not NULL, has NB_TEXT_BODY_CREATED and NB_TEXT_PARENT_CREATED
 * set for the bodies it created, or would have in a dry run). An empty file is
 * NB_ERR_INPUT. */
#define NB_TEXT_BODY_CREATED 1
#define NB_TEXT_PARENT_CREATED 2
nb_err nb_import_text(nb_store *s, const char *path, const char *body, const char *parent,
                      int year, int dry_run, int *year_used, int *created, char *err,
                      size_t errlen);

/* The year in the name of the file PATH (not its folders'): the first four-digit number from
 * 1990 to 2100; 0 when none. */
int nb_text_year_of_name(const char *path);

/* The roles of a body's own scripts (its rules, layouts, import map), NULL-ended. */
extern const char *const nb_script_roles[];
/* 1 when ROLE is one of nb_script_roles. */
int nb_script_role(const char *role);

/* Stores CONTENT as the script NAME of BODY for ROLE (one of nb_script_roles), replacing
 * one of that name. */
nb_err nb_store_put_script(nb_store *s, const char *body, const char *role, const char *name,
                           const char *content, char *err, size_t errlen);

/* Reads a text file for storing: a regular file of at most NB_MAX_TEXT_FILE
 * bytes, not empty, valid UTF-8 (a BOM is dropped). *TEXT points into B. */
nb_err nb_text_file(const char *path, nb_buf *b, const char **text, char *err, size_t errlen);

#endif
