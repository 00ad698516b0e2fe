/* export_util.h - private helpers shared by the exporters (export_*.c): atomic output
 * files, checks of the document's shape, text lines.
 *
 * An output file is written to a temporary file in its own folder — unnamed
 * (O_TMPFILE) where the system allows, else ".NAME.XXXXXX" made by mkstemp —,
 * fsync'ed, given the name ".NAME.XXXXXX" and at once renamed over NAME; until
 * the rename a previous NAME stays as it was, a failure removes the temporary,
 * and a process killed while writing leaves nothing (a temporary left by one
 * killed between the link and the rename is removed by the next export of NAME). The
 * files of a group (one report's formats: nb_out_group_begin) are synced together and then
 * renamed. Not part of the public interface (export.h).
 * Depends on libc (POSIX); the zip archive on minizip. */
#ifndef NB_EXPORT_UTIL_H
#define NB_EXPORT_UTIL_H

#include <stddef.h>
#include <stdio.h>
#include <string.h>

#include "doc.h"
#include "err.h"
#include "util.h"

/* ---- output files --------------------------------------------------------- */

/* One output file on its way into place. Zero it before use; after
 * nb_out_open, end it with nb_out_finish or nb_out_discard. The exporter
 * writes to F, a stream in memory; nb_out_close writes the bytes to the
 * temporary file in one place, so a failure has its exact reason (stdio
 * forgets the errno of a failed buffered write). */
typedef struct {
    FILE *f;     /* the stream to write (in memory); NULL when closed or never opened */
    char *buf;   /* what F holds, once closed (open_memstream) */
    size_t len;
    int fd;      /* the temporary file, open until nb_out_close (an unnamed one until
                    its commit); -1 when closed */
    char *path;  /* the final path (a copy) */
    char *tmp;   /* the temporary path beside it; NULL once renamed or removed */
    int unnamed; /* the temporary has no name yet (O_TMPFILE): TMP names it at commit */
    char fdpath[32]; /* "/proc/self/fd/N" of an unnamed temporary */
    char sha256[65]; /* of the bytes written, once closed (hex), in a group that asked
                        for it (nb_out_group_begin); else "" */
} nb_out;

/* Creates the temporary file for PATH with the mode PATH would get from
 * fopen (an existing file's permissions, else 0666 & ~umask) and opens the
 * stream O->f. NB_ERR_IO ("PATH: reason") or NB_ERR_NOMEM; O then holds
 * nothing. */
nb_err nb_out_open(nb_out *o, const char *path, char *err, size_t errlen);

/* Writes what the stream holds to the temporary file, fsyncs and closes it.
 * The file stays under its temporary
 * name. NB_ERR_IO with "PATH: write failed: reason", NB_ERR_NOMEM. */
nb_err nb_out_close(nb_out *o, char *err, size_t errlen);

/* Renames the closed temporary file to the final path. NB_ERR_IO. */
nb_err nb_out_commit(nb_out *o, char *err, size_t errlen);

/* Closes what is open, removes the temporary file if it is still there,
 * frees O's memory. Idempotent; a zeroed O (never opened) is fine. */
void nb_out_discard(nb_out *o);

/* Close, commit and discard: the usual end of a one-file export. On failure
 * nothing is left at the temporary name and PATH is untouched. */
nb_err nb_out_finish(nb_out *o, char *err, size_t errlen);

/* Discards O after failure E, whose message in ERR does not yet name the
 * file: prefixes it with "PATH: ". Returns E. */
nb_err nb_out_fail(nb_out *o, nb_err e, char *err, size_t errlen);

/* A batch of files (regen): ON, nb_out_close and nb_out_commit leave the files and their
 * folders to the page cache (no fsync each); nb_out_sync_deferred syncs them all at once.
 * A killed process still leaves every committed file whole (the rename is atomic); a
 * power cut before the sync may not. Process-wide; a forked worker inherits it. FOLDER (or
 * NULL), the batch's, is opened now: nb_out_sync_deferred syncs through it, and so reports
 * the errors of writing back since (syncfs through a folder opened later would not). */
void nb_out_defer_sync(int on, const char *folder);

/* A group of files written together (one report's formats): from nb_out_group_begin,
 * nb_out_commit leaves each file closed, unsynced, under its temporary name, and
 * nb_out_group_end syncs the file system once (syncfs), renames them all into place, then
 * syncs their folders once each: two syncs, where one by one each file took two. A
 * killed process or a power cut still leaves every final name whole or as it was. Inside
 * a batch (nb_out_defer_sync) it does nothing of its own. Files are committed under the
 * TAG last given (0-31, 0 at the start). nb_out_group_end sets bit TAG of *FAILED for each
 * file not put in place (a failed sync: none is) and returns NB_ERR_IO with the first
 * failure ("FOLDER: cannot sync the files written: reason", "PATH: cannot move …"). */
void nb_out_group_begin(int sha256);
void nb_out_group_tag(int tag);
/* Removes the files of the group committed under TAG (a format that failed after some of
 * its files were committed: CSV's tables are all or none). */
void nb_out_group_drop(int tag);
nb_err nb_out_group_end(unsigned *failed, char *err, size_t errlen);

/* The SHA-256 (hex) of the bytes of the file put in place at PATH (as given to nb_out_open)
 * since the last nb_out_group_begin, when it asked for them (SHA256), or NULL: what a
 * regeneration's manifest lists, without reading the file back. A group that did not ask
 * computes none (a report's six files: 0.1 ms). */
const char *nb_out_placed_sha256(const char *path);

/* Syncs the file system of FOLDER (syncfs: every file written, and the errors of their
 * writing since). NB_ERR_IO "FOLDER: cannot sync the files written: reason". */
nb_err nb_out_sync_deferred(const char *folder, char *err, size_t errlen);

/* The folder PATH was just made: its entry in its parent is synced (best effort; nothing
 * while syncs are deferred: the batch's sync carries it), in a thread of its own while the
 * files to go in it are made. nb_out_group_end, nb_out_commit and nb_out_sync_deferred wait
 * for it before they return, and so does the process's exit. */
void nb_out_folder_made(const char *path);

/* Waits for the syncs nb_out_folder_made began in this process. */
void nb_out_folder_syncs_wait(void);

/* Test seam: the syncs of folders begun and not yet waited for. */
int nb_out_test_folder_syncs(void);

/* Test seam: the syncs made so far (each fsync of a file or folder, each
 * nb_out_sync_deferred). */
long nb_out_test_syncs(void);
/* The syncs of a whole file system among them (syncfs). */
long nb_out_test_fs_syncs(void);

/* Test seam, for unit tests only: the NTH nb_out_close from now on fails
 * with ERRNUM (as a full disk does: ENOSPC), after writing half of the file;
 * NTH 0 turns it off. Production code
 * never calls it. */
void nb_out_test_fail_close(int nth, int errnum);

/* ---- a zip archive in memory (export_zip.c) --------------------------------- */

/* The package of a DOCX or an XLSX: parts added whole, deflated at zlib's LEVEL, every
 * entry dated CREATED (Unix time, held to 1980-2107), so the same parts give the same bytes. */
typedef struct nb_zip nb_zip;

/* A new archive; NULL when memory ran out. */
nb_zip *nb_zip_new(long long created, int level);

/* Adds the part NAME holding LEN bytes of DATA. 0, or -1 when memory ran out. */
int nb_zip_add(nb_zip *z, const char *name, const char *data, size_t len);

/* Adds the part NAME that WRITE writes (given UD) into a stream in memory. 0, or -1 when
 * memory ran out. */
int nb_zip_add_written(nb_zip *z, const char *name, void (*write)(FILE *f, void *ud), void *ud);

/* Frees the parts kept for the next archive (done at exit; tests call it to start cold). */
void nb_zip_kept_free(void);

/* Test seam: the parts taken from those kept (not deflated again) so far. */
long nb_zip_test_reused(void);

/* 1 when code point C has no case in Unicode: in the blocks of CJK ideographs and
 * punctuation, kana, Hangul syllables and fullwidth signs. A workbook's sheet names
 * (export_xlsx.c) fold such characters without loading the C.UTF-8 locale; the unit
 * tests hold every one of them to the locale. */
int nb_xlsx_caseless(unsigned c);

/* Ends the archive: *DATA and *LEN are its bytes, which Z owns. 0, or -1 (out of memory). */
int nb_zip_finish(nb_zip *z, const char **data, size_t *len);

void nb_zip_free(nb_zip *z);

/* ---- the document --------------------------------------------------------- */

/* NB_OK when every table block names an existing table, else NB_ERR_INPUT
 * with "PATH: block N names table T of M". */
nb_err nb_blocks_valid(const nb_doc *doc, const char *path, char *err, size_t errlen);

/* A document written as one stream of text to PATH by WRITE (the text formats): its blocks
 * checked (nb_blocks_valid), then nb_out_open, WRITE, nb_out_finish; on failure nothing
 * is left at PATH's temporary name and PATH is untouched. */
typedef nb_err (*nb_doc_writer)(FILE *f, const nb_doc *doc, char *err, size_t errlen);
nb_err nb_export_stream(const nb_doc *doc, const char *path, nb_doc_writer write, char *err,
                        size_t errlen);

/* The caption to print before table block B, or NULL when the table has no
 * title or the block right before it is a heading with the same text. */
const char *nb_table_caption(const nb_doc *doc, int b);

/* Writes "PATH: MSG" into ERR, where MSG is what ERR held. Returns E. */
nb_err nb_err_prefix(nb_err e, const char *path, char *err, size_t errlen);

/* ---- text ----------------------------------------------------------------- */

/* Writes S with newlines turned into NL (CRs dropped). */
void nb_put_lines(FILE *f, const char *s, const char *nl);

/* ---- writing an export's own stream ----------------------------------------- */

/* An export's stream is its own, in memory (nb_out): written without stdio's lock (a lock
 * and an unlock at every call were a third of a report's JSON, by callgrind). A few bytes
 * go by putc_unlocked, which stores into the stream's buffer in place: fwrite to a stream
 * in memory costs about a hundred instructions a call. */
static inline void nb_put_n(FILE *f, const char *s, size_t n)
{
    if (n > 32) {
        fwrite_unlocked(s, 1, n, f);
        return;
    }
    for (size_t i = 0; i < n; i++)
        putc_unlocked(s[i], f);
}

static inline void nb_put_s(FILE *f, const char *s)
{
    nb_put_n(f, s, strlen(s));
}

/* N in decimal. */
static inline void nb_put_ll(FILE *f, long long n)
{
    char b[24];
    nb_put_n(f, b, (size_t)(nb_ll_text(b, n) - b));
}

static inline const char *str_or_empty(const char *s)
{
    return s ? s : "";
}

#endif
