/* luacomp.c - compiles one of the program's Lua files to bytecode, for the nianbao command
 * to load instead of compiling the source each time (host/lua_runtime.c, load_compiled).
 *
 *   luacomp HOME REL OUT
 *
 * compiles the file REL (a path relative to the current folder: lib/report.lua) as the
 * chunk "@HOME/REL", the name the command gives it when it reads the source from HOME, so
 * that messages and tracebacks name the same file and lines, and writes the bytecode with
 * its debug information to OUT (its folders made; a temporary file renamed into place).
 * Used by make (HOME: the source tree) and make install (HOME: PREFIX/share/nianbao).
 *
 *   luacomp --bundle OUT DIR REL...
 *
 * writes the bundle OUT (host/bundle.h) of the files DIR/RELc (compiled above), each
 * under its name REL, for the command to read in one read. */
#include <errno.h>
#include <lauxlib.h>
#include <lua.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "bundle.h"

static int write_part(lua_State *L, const void *p, size_t n, void *ud)
{
    (void)L;
    return fwrite(p, 1, n, ud) == n ? 0 : 1;
}

static int make_dirs(char *path)
{
    for (char *s = strchr(path + 1, '/'); s; s = strchr(s + 1, '/')) {
        *s = '\0';
        int rc = mkdir(path, 0755);
        *s = '/';
        if (rc != 0 && errno != EEXIST)
            return -1;
    }
    return 0;
}

/* Appends DIR/RELc to bundle F under the name REL: 0, or 1 with a message. */
static int bundle_one(FILE *f, const char *dir, const char *rel)
{
    size_t n = strlen(dir) + strlen(rel) + 3;
    char *path = malloc(n);
    if (!path) {
        fprintf(stderr, "luacomp: out of memory\n");
        return 1;
    }
    snprintf(path, n, "%s/%sc", dir, rel);
    FILE *in = fopen(path, "rb");
    char *data = NULL;
    long len = -1;
    if (in && fseek(in, 0, SEEK_END) == 0 && (len = ftell(in)) >= 0 && fseek(in, 0, SEEK_SET) == 0 &&
        (data = malloc((size_t)len + 1)) != NULL && fread(data, 1, (size_t)len, in) != (size_t)len)
        len = -1;
    int bad = !in || len < 0 || !data;
    if (bad)
        fprintf(stderr, "luacomp: %s: %s\n", path, in && data ? "cannot read" : strerror(errno));
    else if (nb_bundle_add(f, rel, data, (size_t)len) != NB_OK) {
        fprintf(stderr, "luacomp: %s: cannot add it to the bundle\n", path);
        bad = 1;
    }
    if (in)
        fclose(in);
    free(data);
    free(path);
    return bad;
}

/* luacomp --bundle OUT DIR REL...: written under a temporary name, renamed into place. */
static int bundle(int argc, char **argv)
{
    const char *out = argv[2], *dir = argv[3];
    size_t n = strlen(out) + 8;
    char *tmp = malloc(n);
    if (!tmp) {
        fprintf(stderr, "luacomp: out of memory\n");
        return 2;
    }
    snprintf(tmp, n, "%s.tmp", out);
    FILE *f = fopen(tmp, "wb");
    int bad = !f || nb_bundle_begin(f) != NB_OK;
    for (int i = 4; i < argc && !bad; i++)
        bad = bundle_one(f, dir, argv[i]);
    if (f && fclose(f) != 0)
        bad = 1;
    if (bad || rename(tmp, out) != 0) {
        fprintf(stderr, "luacomp: %s: %s\n", out, bad ? "not written" : strerror(errno));
        remove(tmp);
        free(tmp);
        return 1;
    }
    free(tmp);
    return 0;
}

int main(int argc, char **argv)
{
    if (argc >= 4 && strcmp(argv[1], "--bundle") == 0)
        return bundle(argc, argv);
    if (argc != 4) {
        fprintf(stderr, "usage: luacomp HOME REL OUT\n       luacomp --bundle OUT DIR REL...\n");
        return 2;
    }
    const char *home = argv[1], *rel = argv[2], *out = argv[3];
    size_t n = strlen(home) + strlen(rel) + 3;
    char *name = malloc(n), *tmp = malloc(strlen(out) + 8), *dirs = strdup(out);
    lua_State *L = luaL_newstate();
    if (!name || !tmp || !dirs || !L) {
        fprintf(stderr, "luacomp: out of memory\n");
        return 2;
    }
    snprintf(name, n, "@%s/%s", home, rel);
    snprintf(tmp, strlen(out) + 8, "%s.tmp", out);
    FILE *src = fopen(rel, "rb");
    if (!src) {
        fprintf(stderr, "luacomp: %s: %s\n", rel, strerror(errno));
        return 1;
    }
    /* the whole file, a first "#" line kept as a comment line as the command does */
    luaL_Buffer b;
    luaL_buffinit(L, &b);
    char chunk[8192];
    size_t got;
    while ((got = fread(chunk, 1, sizeof chunk, src)) > 0)
        luaL_addlstring(&b, chunk, got);
    fclose(src);
    luaL_pushresult(&b);
    size_t len;
    const char *text = lua_tolstring(L, -1, &len);
    size_t skip = 0;
    if (len && text[0] == '#')
        while (skip < len && text[skip] != '\n')
            skip++;
    if (luaL_loadbufferx(L, text + skip, len - skip, name, "t") != LUA_OK) {
        fprintf(stderr, "luacomp: %s\n", lua_tostring(L, -1));
        return 1;
    }
    FILE *f = make_dirs(dirs) == 0 ? fopen(tmp, "wb") : NULL;
    int bad = !f || lua_dump(L, write_part, f, 0) != 0;
    if (f && fclose(f) != 0)
        bad = 1;
    if (bad || rename(tmp, out) != 0) {
        fprintf(stderr, "luacomp: %s: %s\n", out, strerror(errno));
        remove(tmp);
        return 1;
    }
    lua_close(L);
    free(name);
    free(tmp);
    free(dirs);
    return 0;
}
