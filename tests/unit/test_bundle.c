/* test_bundle.c - unit tests of host/bundle.c: the compiled Lua files in one file. A
 * bundle written by nb_bundle_begin/nb_bundle_add is read back entry by entry, each with
 * its time; every prefix of it that cuts an entry short and a wrong magic are not
 * bundles, a name written twice is not found; the limits of a name's length and of the
 * nanoseconds. */
#include "bundle.h"
#include "t.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* The bytes written into a memory stream by FILL; *LEN set. */
static char *written(void (*fill)(FILE *), size_t *len)
{
    char *data = NULL;
    FILE *f = open_memstream(&data, len);
    if (!f)
        return NULL;
    fill(f);
    fclose(f);
    return data;
}

static void add(FILE *f, const char *name, const char *code, size_t len, int64_t sec, long nsec)
{
    nb_bundle_entry e = {code, len, sec, nsec};
    nb_bundle_add(f, name, &e);
}

static void three(FILE *f)
{
    nb_bundle_begin(f);
    add(f, "lib/report.lua", "\x1bLua-report", 11, 1764000000, 123456789);
    add(f, "scripts/cli.lua", "", 0, 0, 0);
    add(f, "lib/format.lua", "\x1bLua-format\0with a NUL", 22, (int64_t)1 << 40, 999999999);
}

static void twice(FILE *f)
{
    nb_bundle_begin(f);
    add(f, "lib/a.lua", "one", 3, 1, 0);
    add(f, "lib/b.lua", "two", 3, 2, 0);
    add(f, "lib/a.lua", "three", 5, 3, 0);
}

int main(void)
{
    size_t len = 0;
    nb_bundle_entry e = {0};
    char *b = written(three, &len);
    CHECK(b && len == 8 + (2 + 14 + 16 + 11) + (2 + 15 + 16) + (2 + 14 + 16 + 22),
          "a bundle of three entries: the magic and each entry's lengths, name, time and bytes");

    CHECK(nb_bundle_find(b, len, "lib/report.lua", &e) == 1 && e.len == 11 &&
              memcmp(e.code, "\x1bLua-report", 11) == 0,
          "the first entry found, its bytes");
    CHECK(e.sec == 1764000000 && e.nsec == 123456789, "and its time");
    CHECK(nb_bundle_find(b, len, "scripts/cli.lua", &e) == 1 && e.len == 0 && e.sec == 0 && e.nsec == 0,
          "an empty entry found, of no bytes");
    CHECK(nb_bundle_find(b, len, "lib/format.lua", &e) == 1 && e.len == 22 &&
              memcmp(e.code, "\x1bLua-format\0with a NUL", 22) == 0,
          "the last entry found, a NUL among its bytes");
    CHECK(e.sec == (int64_t)1 << 40 && e.nsec == 999999999, "its time past 2038 (64 bits of seconds)");
    CHECK(nb_bundle_find(b, len, "lib/checks.lua", &e) == 0, "a name not in it: 0");
    CHECK(nb_bundle_find(b, len, "lib/report.lu", &e) == 0 &&
              nb_bundle_find(b, len, "lib/report.luac", &e) == 0,
          "a name is matched whole, not as a prefix");
    CHECK(nb_bundle_find(b, len, "", &e) == 0, "the empty name: 0 (a whole bundle)");

    /* every prefix but the whole is cut short: the magic, a length, a name or bytes */
    int refused = 0, whole_prefix = 0;
    for (size_t n = 0; n < len; n++) {
        int r = nb_bundle_find(b, n, "lib/format.lua", &e);
        refused += r == -1;
        /* a prefix ending exactly after an entry is a whole bundle of fewer entries */
        whole_prefix += r == 0;
    }
    CHECK(refused + whole_prefix == (int)len && whole_prefix == 3,
          "every prefix is refused (-1) but the three that end after an entry or the magic (0)");
    CHECK(nb_bundle_find(b, 8 + 2 + 14 + 16 + 11, "lib/report.lua", &e) == 1,
          "the bundle of the first entry alone holds it");

    b[3] = 'X';
    CHECK(nb_bundle_find(b, len, "lib/report.lua", &e) == -1, "another magic: not a bundle");
    b[3] = 'U';
    b[6] = '1';
    CHECK(nb_bundle_find(b, len, "lib/report.lua", &e) == -1,
          "a bundle of the first version (no times): not a bundle");
    b[6] = '2';
    b[8] = (char)0xff; /* the first name's length, far past the end */
    CHECK(nb_bundle_find(b, len, "lib/report.lua", &e) == -1,
          "a name's length past the end: not a bundle");
    b[8] = 14;
    b[8 + 2 + 14 + 12 + 3] = (char)0x7f; /* the first entry's length, past the end */
    CHECK(nb_bundle_find(b, len, "lib/report.lua", &e) == -1,
          "an entry's length past the end: not a bundle, even for the entry itself");
    CHECK(nb_bundle_find(NULL, 0, "lib/report.lua", &e) == -1, "no bytes: not a bundle");
    free(b);

    b = written(twice, &len);
    CHECK(nb_bundle_find(b, len, "lib/a.lua", &e) == -1,
          "a name twice: refused when asked for (which of the two is meant?)");
    CHECK(nb_bundle_find(b, len, "lib/b.lua", &e) == 1 && e.len == 3 && memcmp(e.code, "two", 3) == 0 &&
              e.sec == 2,
          "another name of the same bundle is found");
    free(b);

    /* the limits of the lengths */
    char *name = malloc(0x10001);
    size_t zl = 0;
    char *z = NULL;
    FILE *f = open_memstream(&z, &zl);
    if (name && f) {
        memset(name, 'a', 0x10000);
        name[0x10000] = '\0';
        nb_bundle_entry x = {"x", 1, 5, 0};
        CHECK(nb_bundle_add(f, name, &x) == NB_ERR_INPUT, "a name over 65,535 bytes is refused");
        x.nsec = 1000000000L;
        CHECK(nb_bundle_add(f, "lib/a.lua", &x) == NB_ERR_INPUT, "a time of a billion nanoseconds is refused");
        x.nsec = 0;
        name[0xffff] = '\0';
        CHECK(nb_bundle_add(f, name, &x) == NB_OK, "a name of 65,535 bytes is written");
        fclose(f);
        f = NULL;
        CHECK(zl == 2 + 0xffff + 16 + 1, "and nothing of the refused ones");
    }
    if (f)
        fclose(f);
    free(z);
    free(name);
    T_DONE();
}
