/* bundle.c - the compiled Lua files in one file (bundle.h). */
#include "bundle.h"

#include <stdint.h>
#include <string.h>

#define MAGIC_LEN (sizeof NB_BUNDLE_MAGIC - 1)

static size_t get_le(const unsigned char *p, int n)
{
    size_t v = 0;
    for (int i = n - 1; i >= 0; i--)
        v = v << 8 | p[i];
    return v;
}

int nb_bundle_find(const char *data, size_t len, const char *name, const char **out,
                   size_t *outlen)
{
    const unsigned char *p = (const unsigned char *)data;
    size_t nlen = strlen(name), at = MAGIC_LEN;
    int found = 0;
    if (!data || len < MAGIC_LEN || memcmp(data, NB_BUNDLE_MAGIC, MAGIC_LEN) != 0)
        return -1;
    /* every entry is walked, also after NAME's: a bundle cut short is refused whole,
       whichever entry is asked for */
    while (at < len) {
        if (len - at < 2)
            return -1;
        size_t n = get_le(p + at, 2);
        at += 2;
        if (len - at < n + 4)
            return -1;
        const char *ename = data + at;
        at += n;
        size_t size = get_le(p + at, 4);
        at += 4;
        if (len - at < size)
            return -1;
        if (n == nlen && memcmp(ename, name, n) == 0) {
            if (found)
                return -1;
            found = 1;
            *out = data + at;
            *outlen = size;
        }
        at += size;
    }
    return found;
}

nb_err nb_bundle_begin(FILE *f)
{
    return fwrite(NB_BUNDLE_MAGIC, 1, MAGIC_LEN, f) == MAGIC_LEN ? NB_OK : NB_ERR_IO;
}

nb_err nb_bundle_add(FILE *f, const char *name, const void *data, size_t len)
{
    size_t n = strlen(name);
    if (n > 0xffff || len > 0xffffffffu)
        return NB_ERR_INPUT;
    unsigned char head[4];
    for (int i = 0; i < 2; i++)
        head[i] = (unsigned char)(n >> (8 * i));
    if (fwrite(head, 1, 2, f) != 2 || fwrite(name, 1, n, f) != n)
        return NB_ERR_IO;
    for (int i = 0; i < 4; i++)
        head[i] = (unsigned char)(len >> (8 * i));
    if (fwrite(head, 1, 4, f) != 4 || (len && fwrite(data, 1, len, f) != len))
        return NB_ERR_IO;
    return NB_OK;
}
