/* files.h - reading input files safely: regular files only, of bounded size.
 *
 * Every file nianbao reads whole (narratives, scripts, mappings) goes through
 * here: a FIFO would hang, /dev/zero would never end, and a huge file would
 * take all memory. Depends on util.h and err.h; no Lua. */
#ifndef NB_FILES_H
#define NB_FILES_H

#include <stddef.h>
#include <sys/stat.h>

#include "err.h"
#include "util.h"

/* Largest text or script file read whole (16 MiB). */
#define NB_MAX_TEXT_FILE ((size_t)16 << 20)

/* Reads the regular file PATH, at most MAX bytes, into B (NUL-terminated;
 * the caller frees it). NB_ERR_IO when it cannot be opened or read,
 * NB_ERR_INPUT when it is not a regular file (a FIFO, a device, a folder),
 * NB_ERR_LIMIT when it is larger than MAX; ERR names the path. */
nb_err nb_file_read(const char *path, size_t max, nb_buf *b, char *err, size_t errlen);

/* The length of a UTF-8 byte order mark at the start of the LEN bytes of S: 3, or 0. A
 * text file read for storing (nb_text_file) or a script run drops it (editors such as
 * Notepad save one). */
size_t nb_bom_len(const char *s, size_t len);

/* nb_file_read, and the file's status as it was read in *ST (its time of change, to tell
 * a cache from its source). */
nb_err nb_file_read_st(const char *path, size_t max, nb_buf *b, struct stat *st, char *err,
                       size_t errlen);

/* Output files being written under a temporary name: registered while they are, so a
 * process stopped by its time limit removes them (nb_temp_cleanup is async-signal-safe:
 * it only calls unlink). Paths are copied; at most NB_MAX_TEMPS at once. */
#define NB_MAX_TEMPS 64
void nb_temp_register(const char *path);
void nb_temp_forget(const char *path);
void nb_temp_cleanup(void);

/* The canonical path of PATH into OUT (PATH_MAX bytes): realpath of PATH, or, when only
 * its last part does not exist yet, realpath of its folder and that part (not "." or
 * ".."). 0, or -1 when it cannot be resolved. */
int nb_path_resolve(const char *path, char *out);

/* 1 when PATH (resolved) lies in folder ROOT (resolved), or is it. */
int nb_path_within(const char *path, const char *root);

/* The folders directly in folder DIR (not "." or "..", nor names starting with "."), at
 * most MAX, into B: each name with its NUL, in no order; their count into *N. NB_OK (a
 * DIR that is not there has none), or NB_ERR_IO / NB_ERR_NOMEM with ERR. */
nb_err nb_dir_folders(const char *dir, size_t max, nb_buf *b, size_t *n, char *err,
                      size_t errlen);

/* "a FIFO", "a device", "a folder", ...: what kind of file MODE is. */
const char *nb_file_kind(unsigned mode);

#endif
