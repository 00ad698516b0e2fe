/* bundle.h - the program's compiled Lua files in one file, HOME/compiled/all.luab, which a
 * command reads with one read instead of opening some twenty files (host/lua_runtime.c,
 * load_compiled; written by tools/luacomp.c --bundle, from make and make install).
 *
 * The file: the 8 bytes "NBLUAB2\n", then one entry after another to the end: the
 * length of the name (u16), the name (the source's path under HOME: "lib/report.lua"),
 * the time of change of the compiled file the entry was made from (i64 seconds, u32
 * nanoseconds: a reader compares it with the source's, as it does a compiled file's own,
 * so that bytecode older than its source is never run, bundled or not), the length of the
 * bytecode (u32), the bytecode (as luacomp writes a single file: the chunk named as its
 * source); integers little-endian. A file whose last entry is cut short is not a bundle.
 * Depends on err.h; no Lua. */
#ifndef NB_BUNDLE_H
#define NB_BUNDLE_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "err.h"

#define NB_BUNDLE_MAGIC "NBLUAB2\n"

/* An entry: its bytecode and the time of change of the file it was made from. */
typedef struct {
    const char *code;
    size_t len;
    int64_t sec;
    long nsec;
} nb_bundle_entry;

/* The entry of source NAME in the LEN bytes of bundle DATA into *E: 1, 0 when it holds no
 * entry NAME, -1 when DATA is not a whole bundle (another magic, an entry cut short: every
 * entry is walked) or holds NAME twice. */
int nb_bundle_find(const char *data, size_t len, const char *name, nb_bundle_entry *e);

/* Writes the magic into F (a new bundle). */
nb_err nb_bundle_begin(FILE *f);

/* Writes the entry NAME, E's time and bytes into F; NB_ERR_INPUT when NAME is longer than
 * a u16, E's bytes than a u32 or its nanoseconds not under 1e9, NB_ERR_IO when F cannot be
 * written. */
nb_err nb_bundle_add(FILE *f, const char *name, const nb_bundle_entry *e);

#endif
