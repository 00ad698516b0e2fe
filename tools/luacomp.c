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
 * under its name REL, for the command to read in one read.
 *
 * Files are read as the command reads them (host/files.c: regular files alone, of at most
 * NB_MAX_TEXT_FILE bytes). */
#include <errno.h>
#include <lauxlib.h>
#include <lua.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "bundle.h"
#include "files.h"

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

/* Appends DIR/RELc to bundle F under the name REL, with its time of change: 0, or 1 with a
 * message. */
static int bundle_one(FILE *f, const char *dir, const char *rel)
{
    size_t n = strlen(dir) + strlen(rel) + 3;
    char *path = malloc(n), err[512] = "";
    if (!path) {
        fprintf(stderr, "luacomp: out of memory\n");
        return 1;
    }
    snprintf(path, n, "%s/%sc", dir, rel);
    nb_buf data = {0};
    struct stat st;
    if (nb_file_read_st(path, NB_MAX_TEXT_FILE, &data, &st, err, sizeof err) == NB_OK) {
        nb_bundle_entry e = {data.data, data.len, (int64_t)st.st_mtim.tv_sec, st.st_mtim.tv_nsec};
        if (nb_bundle_add(f, rel, &e) != NB_OK)
            snprintf(err, sizeof err, "%s: cannot add it to the bundle", path);
    }
    if (*err)
        fprintf(stderr, "luacomp: %s\n", err);
    nb_buf_free(&data);
    free(path);
    return *err != '\0';
}

/* luacomp --bundle OUT DIR REL...: written under a temporary name (its folders made),
 * renamed into place. */
static int bundle(int argc, char **argv)
{
    const char *out = argv[2], *dir = argv[3];
    size_t n = strlen(out) + 8;
    char *tmp = malloc(n), *dirs = strdup(out);
    if (!tmp || !dirs) {
        fprintf(stderr, "luacomp: out of memory\n");
        return 2;
    }
    snprintf(tmp, n, "%s.tmp", out);
    FILE *f = make_dirs(dirs) == 0 ? fopen(tmp, "wb") : NULL;
    int bad = !f;
    if (bad)
        fprintf(stderr, "luacomp: %s: %s\n", tmp, strerror(errno));
    if (!bad && nb_bundle_begin(f) != NB_OK) {
        fprintf(stderr, "luacomp: %s: %s\n", tmp, strerror(errno));
        bad = 1;
    }
    for (int i = 4; i < argc && !bad; i++)
        bad = bundle_one(f, dir, argv[i]);
    if (f && fclose(f) != 0 && !bad) {
        fprintf(stderr, "luacomp: %s: %s\n", tmp, strerror(errno));
        bad = 1;
    }
    if (!bad && rename(tmp, out) != 0) {
        fprintf(stderr, "luacomp: %s: %s\n", out, strerror(errno));
        bad = 1;
    }
    if (bad && f)
        remove(tmp);
    free(tmp);
    free(dirs);
    return bad;
}

/* luacomp HOME REL OUT: 0, or 1 with a message (2: out of memory); everything freed on
 * every path. */
static int compile(const char *home, const char *rel, const char *out)
{
    size_t n = strlen(home) + strlen(rel) + 3;
    char *name = malloc(n), *tmp = malloc(strlen(out) + 8), *dirs = strdup(out);
    lua_State *L = luaL_newstate();
    nb_buf src = {0};
    char err[512];
    int rc = 1;
    if (!name || !tmp || !dirs || !L) {
        fprintf(stderr, "luacomp: out of memory\n");
        rc = 2;
        goto done;
    }
    snprintf(name, n, "@%s/%s", home, rel);
    snprintf(tmp, strlen(out) + 8, "%s.tmp", out);
    /* the whole file, a first "#" line kept as a comment line as the command does */
    if (nb_file_read(rel, NB_MAX_TEXT_FILE, &src, err, sizeof err) != NB_OK) {
        fprintf(stderr, "luacomp: %s\n", err);
        goto done;
    }
    size_t skip = 0;
    if (src.len && src.data[0] == '#')
        while (skip < src.len && src.data[skip] != '\n')
            skip++;
    if (luaL_loadbufferx(L, src.data + skip, src.len - skip, name, "t") != LUA_OK) {
        fprintf(stderr, "luacomp: %s\n", lua_tostring(L, -1));
        goto done;
    }
    FILE *f = make_dirs(dirs) == 0 ? fopen(tmp, "wb") : NULL;
    int bad = !f || lua_dump(L, write_part, f, 0) != 0;
    if (f && fclose(f) != 0)
        bad = 1;
    if (bad || rename(tmp, out) != 0) {
        fprintf(stderr, "luacomp: %s: %s\n", out, strerror(errno));
        remove(tmp);
        goto done;
    }
    rc = 0;
done:
    nb_buf_free(&src);
    if (L)
        lua_close(L);
    free(name);
    free(tmp);
    free(dirs);
    return rc;
}

int main(int argc, char **argv)
{
    if (argc >= 4 && strcmp(argv[1], "--bundle") == 0)
        return bundle(argc, argv);
    if (argc != 4) {
        fprintf(stderr, "usage: luacomp HOME REL OUT\n       luacomp --bundle OUT DIR REL...\n");
        return 2;
    }
    return compile(argv[1], argv[2], argv[3]);
}
