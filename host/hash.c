/* hash.c - SHA-256 digests in hex (nettle). */
#include "hash.h"

#include <string.h>

void nb_hash_init(nb_hash *h)
{
    sha256_init(&h->ctx);
}

void nb_hash_add(nb_hash *h, const void *data, size_t len)
{
    sha256_update(&h->ctx, len, data);
}

void nb_hash_str(nb_hash *h, const char *s)
{
    nb_hash_add(h, s ? s : "", s ? strlen(s) + 1 : 1);
}

void nb_hash_raw(nb_hash *h, unsigned char *out)
{
    sha256_digest(&h->ctx, NB_HASH_SIZE, out);
}

void nb_hash_hex(nb_hash *h, char *hex)
{
    static const char digits[] = "0123456789abcdef";
    unsigned char d[NB_HASH_SIZE];
    nb_hash_raw(h, d);
    for (size_t i = 0; i < sizeof d; i++) {
        hex[2 * i] = digits[d[i] >> 4];
        hex[2 * i + 1] = digits[d[i] & 15];
    }
    hex[2 * sizeof d] = '\0';
}

void nb_sha256_hex(const void *data, size_t len, char *hex)
{
    nb_hash h;
    nb_hash_init(&h);
    nb_hash_add(&h, data, len);
    nb_hash_hex(&h, hex);
}
