/* fuzz_mapping.c - libFuzzer target: a mapping (mapping.c, and lua_import.c's reading of a
 * mapping script's table) and the coder (coder.c) that uses it, on any text. The input's
 * lines are "kind<TAB>field<TAB>local<TAB>code" entries of the mapping (or "aliases<TAB>
 * kind<TAB>header<TAB>field"); the lines after a line "--" are a header and rows of a
 * request file, coded with the mapping into an in-memory store. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <lauxlib.h>
#include <lualib.h>

#include "coder.h"
#include "mapping.h"

void nb_mapping_from_lua(lua_State *L, int idx, nb_mapping *m, const char *map_path);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static nb_store *store;

/* Splits S (modified) at TABs into at most N parts; returns the count. */
static int split(char *s, char **parts, int n, char sep)
{
    int k = 0;
    while (k < n) {
        parts[k++] = s;
        char *t = strchr(s, sep);
        if (!t)
            break;
        *t = '\0';
        s = t + 1;
    }
    return k;
}

/* Builds { kind = { field = { [local] = code } } } from the entry lines and reads it. */
static int read_mapping(lua_State *L)
{
    char *text = lua_touserdata(L, 1);
    nb_mapping *m = lua_touserdata(L, 2);
    lua_newtable(L);
    int t = lua_gettop(L);
    for (char *line = strtok(text, "\n"); line && strcmp(line, "--") != 0; line = strtok(NULL, "\n")) {
        char *p[4];
        if (split(line, p, 4, '\t') != 4)
            continue;
        luaL_getsubtable(L, t, p[0]);
        luaL_getsubtable(L, -1, p[1]);
        lua_pushstring(L, p[3]);
        lua_setfield(L, -2, p[2]);
        lua_pop(L, 2);
    }
    nb_mapping_from_lua(L, t, m, "fuzz.lua");
    return 0;
}

static void ignore(void *ud, const nb_diag *d)
{
    char line[2048];
    (void)ud;
    nb_diag_format(d, line, sizeof line);
}

/* Codes the request rows after the "--" line with mapping M. */
static void code_rows(char *rows, const nb_mapping *m)
{
    nb_coder *c = NULL;
    char err[512], *fields[32];
    char *line = strtok(rows, "\n");
    if (!line || nb_coder_new(store, nb_kind_find("request"), m, 0, &c, err, sizeof err) != NB_OK)
        return;
    int n = split(line, fields, 32, ',');
    if (nb_coder_header(c, "fuzz.csv", fields, (size_t)n, ignore, NULL) == NB_OK) {
        long no = 1;
        while ((line = strtok(NULL, "\n"))) {
            nb_rec rec;
            n = split(line, fields, 32, ',');
            nb_coder_row(c, "fuzz.csv", ++no, fields, (size_t)n, &rec, ignore, NULL, err, sizeof err);
        }
        nb_coder_unknowns(c, "fuzz.csv", 0, ignore, NULL);
    }
    nb_coder_free(c);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char err[512];
    if (!store && nb_store_open(":memory:", NB_OPEN_CREATE, &store, err, sizeof err) != NB_OK)
        abort();
    char *text = malloc(size + 1), *copy = malloc(size + 1);
    if (!text || !copy) {
        free(text);
        free(copy);
        return 0;
    }
    memcpy(text, data, size);
    text[size] = '\0';
    memcpy(copy, text, size + 1);
    nb_mapping m;
    nb_mapping_init(&m);
    lua_State *L = luaL_newstate();
    lua_pushcfunction(L, read_mapping);
    lua_pushlightuserdata(L, text);
    lua_pushlightuserdata(L, &m);
    int ok = lua_pcall(L, 2, 0, 0) == LUA_OK;
    lua_close(L);
    char *rows = strstr(copy, "\n--\n");
    if (ok && rows)
        code_rows(rows + 4, &m);
    nb_mapping_free(&m);
    free(text);
    free(copy);
    return 0;
}
