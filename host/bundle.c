/* bundle.c - the compiled Lua files in one file (bundle.h). */
#include "bundle.h"

#include <string.h>

#define MAGIC_LEN (sizeof NB_BUNDLE_MAGIC - 1)
#define TIME_LEN 12 /* i64 seconds, u32 nanoseconds */

static uint64_t get_le(const unsigned char *p, int n)
{
    uint64_t v = 0;
    for (int i = n - 1; i >= 0; i--)
        v = v << 8 | p[i];
    return v;
}

static void put_le(unsigned char *p, uint64_t v, int n)
{
    for (int i = 0; i < n; i++)
        p[i] = (unsigned char)(v >> (8 * i));
}

int nb_bundle_find(const char *data, size_t len, const char *name, nb_bundle_entry *e)
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
        size_t n = (size_t)get_le(p + at, 2);
        at += 2;
        if (len - at < n + TIME_LEN + 4)
            return -1;
        const char *ename = data + at;
        at += n;
        int64_t sec = (int64_t)get_le(p + at, 8);
        long nsec = (long)get_le(p + at + 8, 4);
        at += TIME_LEN;
        size_t size = (size_t)get_le(p + at, 4);
        at += 4;
        if (len - at < size)
            return -1;
        if (n == nlen && memcmp(ename, name, n) == 0) {
            if (found)
                return -1;
            found = 1;
            *e = (nb_bundle_entry){data + at, size, sec, nsec};
        }
        at += size;
    }
    return found;
}

nb_err nb_bundle_begin(FILE *f)
{
    return fwrite(NB_BUNDLE_MAGIC, 1, MAGIC_LEN, f) == MAGIC_LEN ? NB_OK : NB_ERR_IO;
}

nb_err nb_bundle_add(FILE *f, const char *name, const nb_bundle_entry *e)
{
    size_t n = strlen(name);
    if (n > 0xffff || e->len > 0xffffffffu || e->nsec < 0 || e->nsec >= 1000000000L)
        return NB_ERR_INPUT;
    unsigned char head[TIME_LEN + 4];
    put_le(head, n, 2);
    if (fwrite(head, 1, 2, f) != 2 || fwrite(name, 1, n, f) != n)
        return NB_ERR_IO;
    put_le(head, (uint64_t)e->sec, 8);
    put_le(head + 8, (uint64_t)e->nsec, 4);
    put_le(head + TIME_LEN, e->len, 4);
    if (fwrite(head, 1, sizeof head, f) != sizeof head || (e->len && fwrite(e->code, 1, e->len, f) != e->len))
        return NB_ERR_IO;
    return NB_OK;
}
