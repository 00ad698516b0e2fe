/* hash.h - SHA-256 (nettle) for what the batch commands fingerprint: stored scripts, the
 * data a report was made from, the files written. The hex digest is what `sha256sum`
 * prints, so a user can check a script's hash by hand. Depends on nettle; no Lua. */
#ifndef NB_HASH_H
#define NB_HASH_H

#include <nettle/sha2.h>
#include <stddef.h>

#define NB_HASH_HEX 65 /* 64 hex digits and the NUL */
#define NB_HASH_SIZE 32 /* the digest's bytes */

typedef struct {
    struct sha256_ctx ctx;
} nb_hash;

void nb_hash_init(nb_hash *h);
void nb_hash_add(nb_hash *h, const void *data, size_t len);
/* Adds the string S and a separator (so "ab","c" and "a","bc" differ). */
void nb_hash_str(nb_hash *h, const char *s);
/* The digest's NB_HASH_SIZE bytes into OUT; H is spent. */
void nb_hash_raw(nb_hash *h, unsigned char *out);
/* The hex digest into HEX (NB_HASH_HEX bytes); H is spent. */
void nb_hash_hex(nb_hash *h, char *hex);
/* The hex digest of LEN bytes at DATA. */
void nb_sha256_hex(const void *data, size_t len, char *hex);

/* Adds the bytes of the regular file PATH to H; 0, or -1 with ERR naming PATH (it cannot be
 * opened or read, or is not a regular file: a FIFO or a device is refused, not waited on). */
int nb_hash_file(nb_hash *h, const char *path, char *err, size_t errlen);
/* The hex digest of the file PATH's bytes, as sha256sum prints it; 0, or -1 with ERR. */
int nb_sha256_file(const char *path, char *hex, char *err, size_t errlen);

/* A hash's state as bytes, to keep and carry on later (the digest of a body's records
 * continued by a transaction that only adds records): the eight chaining words, the
 * count of blocks, the bytes waiting and the waiting block, little-endian. */
#define NB_HASH_STATE 105
void nb_hash_save(const nb_hash *h, unsigned char *out);
/* H from LEN bytes at IN saved by nb_hash_save; -1 when they are not one. */
int nb_hash_load(nb_hash *h, const unsigned char *in, size_t len);

#endif
