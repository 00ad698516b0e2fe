/* fuzz_narrative.c - libFuzzer target: the narrative loader (lib/narrative.lua: the
 * Markdown parts and the placeholders, filled from a document made in C) in the full
 * sandboxed runtime, on any text. A data error (nianbao.fail) is the expected answer to
 * bad text; a crash, a leak or undefined behaviour in C is a finding. NIANBAO_HOME (or
 * the working folder) holds lib/ and tests/fuzz/narrative.lua. Built again as fuzz_lint
 * with -DFUZZ_SCRIPT=\"lint\": tests/fuzz/lint.lua, a published report read back. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lua_nb.h"

#ifndef FUZZ_SCRIPT
#define FUZZ_SCRIPT "narrative"
#endif

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static lua_State *L;
static nb_config cfg;
static nb_limits lim;

static void start(void)
{
    const char *home = getenv("NIANBAO_HOME");
    snprintf(cfg.home, sizeof cfg.home, "%s", home && *home ? home : ".");
    snprintf(cfg.db, sizeof cfg.db, ":memory:");
    lim.mem_limit = (size_t)256 << 20;
    lim.max_instructions = 50 * 1000 * 1000;
    lim.max_seconds = 0;
    if (!(L = nb_lua_new(&lim, &cfg)))
        abort();
    char path[4200];
    snprintf(path, sizeof path, "%s/tests/fuzz/%s.lua", cfg.home, FUZZ_SCRIPT);
    if (nb_lua_run(L, path, 0, 1) != LUA_OK || !lua_isfunction(L, -1)) {
        fprintf(stderr, "fuzz_%s: %s\n", FUZZ_SCRIPT, lua_tostring(L, -1));
        abort();
    }
    lua_setfield(L, LUA_REGISTRYINDEX, "fuzz.target");
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (!L)
        start();
    lim.steps = 0;
    lim.exceeded = 0;
    lua_getfield(L, LUA_REGISTRYINDEX, "fuzz.target");
    lua_pushlstring(L, (const char *)data, size);
    lua_pcall(L, 1, 0, 0); /* an error is an answer; only C's faults are findings */
    lua_settop(L, 0);
    lua_gc(L, LUA_GCCOLLECT);
    return 0;
}
