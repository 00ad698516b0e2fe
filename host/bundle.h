/* bundle.h - the program's compiled Lua files in one file, HOME/compiled/all.luab, which a
 * command reads with one read instead of opening some twenty files (host/lua_runtime.c,
 * load_compiled; written by tools/luacomp.c --bundle, from make and make install).
 *
 * The file: the 8 bytes "NBLUAB1\n", then one entry after another to the end: the
 * length of the name (u16, little-endian), the name (the source's path under HOME:
 * "lib/report.lua"), the length of the bytecode (u32, little-endian), the bytecode (as
 * luacomp writes a single file: the chunk named as its source). A file whose last entry
 * is cut short is not a bundle. Depends on err.h; no Lua. */
#ifndef NB_BUNDLE_H
#define NB_BUNDLE_H

#include <stddef.h>
#include <stdio.h>

#include "err.h"

#define NB_BUNDLE_MAGIC "NBLUAB1\n"

/* The bytecode of source NAME in the LEN bytes of bundle DATA: 1 with *OUT and *OUTLEN
 * set, 0 when it holds no entry NAME, -1 when DATA is not a whole bundle (another magic,
 * an entry cut short: every entry is walked) or holds NAME twice. */
int nb_bundle_find(const char *data, size_t len, const char *name, const char **out,
                   size_t *outlen);

/* Writes the magic into F (a new bundle). */
nb_err nb_bundle_begin(FILE *f);

/* Writes the entry NAME, DATA[0..LEN) into F; NB_ERR_INPUT when NAME is longer than a
 * u16 or LEN than a u32, NB_ERR_IO when F cannot be written. */
nb_err nb_bundle_add(FILE *f, const char *name, const void *data, size_t len);

#endif
