/* test_pool.c - unit tests of host/pool.c: small blocks by size class. Random blocks are
 * made, resized and freed against a record of what each must hold; every live block is
 * checked at the end of each round, so that two blocks that overlap, or a resize that
 * lost bytes, fail. nb_memory_setup, called first in main: the heap in huge pages and the
 * stack populated, read back from /proc/self/smaps. */
#include "pool.h"
#include "t.h"

#include <inttypes.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/resource.h>
#include <sys/wait.h>

#define LIVE 6000

typedef struct {
    unsigned char *p;
    size_t n;
    unsigned char fill;
} block;

static uint64_t rng = 88172645463325252ull;
static uint64_t next(void)
{
    rng ^= rng << 13;
    rng ^= rng >> 7;
    rng ^= rng << 17;
    return rng;
}

/* 1..700 bytes: both sides of NB_POOL_MAX, every class. */
static size_t some_size(void)
{
    return 1 + (size_t)(next() % 700);
}

static int holds(const block *b)
{
    for (size_t i = 0; i < b->n; i++)
        if (b->p[i] != b->fill)
            return 0;
    return 1;
}

static int all_hold(const block *bs, int n, int *aligned)
{
    int ok = 1;
    for (int i = 0; i < n; i++) {
        if (!bs[i].p)
            continue;
        ok &= holds(&bs[i]);
        *aligned &= ((uintptr_t)bs[i].p % NB_POOL_GRAIN) == 0;
    }
    return ok;
}

static int regions(const nb_pool *p)
{
    int n = 0;
    for (const nb_pool_region *r = p->regions; r; r = r->next)
        n++;
    return n;
}

static void random_rounds(void)
{
    static block bs[LIVE];
    nb_pool p = {0};
    int ok = 1, aligned = 1, made = 0;
    for (int round = 0; round < 6; round++) {
        for (int k = 0; k < LIVE * 4; k++) {
            block *b = &bs[next() % LIVE];
            unsigned char fill = (unsigned char)(1 + next() % 250);
            int op = (int)(next() % 3);
            if (!b->p) {
                b->n = some_size();
                b->p = nb_pool_alloc(&p, b->n);
                made++;
            } else if (op == 0) {
                nb_pool_free(&p, b->p, b->n);
                b->p = NULL;
                continue;
            } else if (op == 1) {
                /* resized: the bytes both sizes share are kept */
                size_t n = some_size();
                unsigned char *q = nb_pool_realloc(&p, b->p, b->n, n);
                size_t keep = n < b->n ? n : b->n;
                for (size_t i = 0; q && i < keep; i++)
                    ok &= q[i] == b->fill;
                b->p = q;
                b->n = n;
            }
            if (!b->p) {
                ok = 0;
                continue;
            }
            b->fill = fill;
            memset(b->p, fill, b->n);
        }
        ok &= all_hold(bs, LIVE, &aligned);
    }
    CHECK(ok, "random blocks made, resized and freed: each keeps its bytes (no two overlap)");
    CHECK(aligned, "every block is aligned to NB_POOL_GRAIN");
    CHECK(made > LIVE, "the rounds made blocks");
    for (int i = 0; i < LIVE; i++) {
        nb_pool_free(&p, bs[i].p, bs[i].n);
        bs[i].p = NULL;
    }
    nb_pool_release(&p);
    CHECK(p.regions == NULL && p.used == 0, "release empties the pool");
}

static void reuse(void)
{
    nb_pool p = {0};
    void *a = nb_pool_alloc(&p, 40);
    void *b = nb_pool_alloc(&p, 40);
    CHECK(a && b && a != b, "two blocks of a class are two");
    nb_pool_free(&p, a, 40);
    CHECK(nb_pool_alloc(&p, 33) == a, "a freed block is the next one of its class (33..48 bytes)");
    CHECK(nb_pool_alloc(&p, 40) != a, "and only once");
    size_t used = p.used;
    CHECK(nb_pool_realloc(&p, b, 40, 48) == b, "a resize within the class keeps the block");
    CHECK(p.used == used, "and cuts nothing");
    void *c = nb_pool_realloc(&p, b, 48, 49);
    CHECK(c && c != b, "a resize to the next class moves it");
    CHECK(nb_pool_alloc(&p, 48) == b, "the block it left is free for its class");
    void *big = nb_pool_alloc(&p, NB_POOL_MAX + 1);
    CHECK(big && p.used == used + 64, "a block over NB_POOL_MAX is not cut from the region");
    memset(big, 7, NB_POOL_MAX + 1);
    void *small = nb_pool_realloc(&p, big, NB_POOL_MAX + 1, 20);
    CHECK(small && ((unsigned char *)small)[19] == 7, "a large block resized small keeps its first bytes");
    nb_pool_free(&p, small, 20);
    nb_pool_free(&p, nb_pool_realloc(&p, NULL, 0, 5000), 5000);
    nb_pool_free(&p, NULL, 16);
    nb_pool_release(&p);
}

static void growth(void)
{
    nb_pool p = {.region_bytes = 1}; /* rounded up to one huge page: 2 MiB */
    int ok = 1;
    /* 10 MiB of blocks of the largest class: six regions */
    for (int i = 0; i < 20 * 1024; i++) {
        unsigned char *b = nb_pool_alloc(&p, NB_POOL_MAX);
        ok &= b != NULL;
        if (b)
            b[0] = b[NB_POOL_MAX - 1] = 1;
    }
    CHECK(ok, "blocks beyond a region come from the next");
    CHECK(regions(&p) == 6, "10 MiB of blocks take six regions of 2 MiB");
    nb_pool_release(&p);
    CHECK(p.region_bytes == 1 && regions(&p) == 0, "release keeps the region size");
    CHECK(nb_pool_alloc(&p, 1) != NULL && regions(&p) == 1, "a released pool is used again");
    nb_pool_release(&p);
}

/* Out of address space: NULL, not a crash (in a child, under a small RLIMIT_AS). */
static void no_room(void)
{
#if defined(__SANITIZE_ADDRESS__)
    printf("ok - out of address space # SKIP under AddressSanitizer\n");
#else
    fflush(stdout);
    pid_t pid = fork();
    if (pid == 0) {
        struct rlimit r = {(rlim_t)1 << 30, (rlim_t)1 << 30};
        setrlimit(RLIMIT_AS, &r);
        nb_pool p = {.region_bytes = (size_t)2 << 30};
        _exit(nb_pool_alloc(&p, 8) == NULL && nb_pool_alloc(&p, 8) == NULL ? 0 : 1);
    }
    int st = 0;
    waitpid(pid, &st, 0);
    CHECK(WIFEXITED(st) && WEXITSTATUS(st) == 0, "a region that cannot be mapped: NULL");
#endif
}

/* A mapping of /proc/self/smaps: its path column ("[heap]", "[stack]"), VmFlags, Rss and
 * AnonHugePages (kB). */
typedef struct {
    char path[512], flags[512];
    long rss_kb, huge_kb;
} mapping;

/* The mapping holding ADDR, or (WANT not NULL) the one whose path is WANT, into *M: 1, or 0
 * when there is none. */
static int mapping_of(uintptr_t addr, const char *want, mapping *m)
{
    FILE *f = fopen("/proc/self/smaps", "r");
    if (!f)
        return 0;
    memset(m, 0, sizeof *m);
    char line[512];
    int in = 0, found = 0;
    while (!found && fgets(line, sizeof line, f)) {
        uintptr_t lo, hi;
        char path[512] = "";
        if (sscanf(line, "%" SCNxPTR "-%" SCNxPTR " %*s %*s %*s %*s %511s", &lo, &hi, path) >= 2 &&
            strchr(line, '-') < strchr(line, ' ')) {
            in = want ? strcmp(path, want) == 0 : addr >= lo && addr < hi;
            if (in)
                snprintf(m->path, sizeof m->path, "%s", path);
        } else if (in && strncmp(line, "Rss:", 4) == 0) {
            m->rss_kb = strtol(line + 4, NULL, 10);
        } else if (in && strncmp(line, "AnonHugePages:", 14) == 0) {
            m->huge_kb = strtol(line + 14, NULL, 10);
        } else if (in && strncmp(line, "VmFlags:", 8) == 0) {
            snprintf(m->flags, sizeof m->flags, "%s", line + 8);
            found = 1;
        }
    }
    fclose(f);
    return found;
}

/* A counter of /proc/vmstat, or -1. */
static long vmstat(const char *name)
{
    FILE *f = fopen("/proc/vmstat", "r");
    char key[128];
    long v, got = -1;
    while (f && fscanf(f, "%127s %ld", key, &v) == 2)
        if (strcmp(key, name) == 0)
            got = v;
    if (f)
        fclose(f);
    return got;
}

/* 1 when this process gets no transparent huge pages: the system's are off ("[never]"), or
 * the process's (prctl PR_SET_THP_DISABLE, inherited: /proc/self/status THP_enabled 0). */
static int thp_off(void)
{
    char line[256];
    int off = 0;
    FILE *f = fopen("/sys/kernel/mm/transparent_hugepage/enabled", "r");
    if (f) {
        off = fgets(line, sizeof line, f) && strstr(line, "[never]");
        fclose(f);
    }
    if (!off && (f = fopen("/proc/self/status", "r"))) {
        while (!off && fgets(line, sizeof line, f))
            off = strncmp(line, "THP_enabled:", 12) == 0 && strtol(line + 12, NULL, 10) == 0;
        fclose(f);
    }
    return off;
}

/* nb_memory_setup, called first in main (MARKED, its bit 1): a block of 1 MiB that
 * malloc makes after it (from the heap: blocks up to 4 MiB are), written, ends in a mapping
 * of the heap marked for huge pages ("hg") that holds one, unless the kernel gave none
 * (counted as a fallback) or gives none on request; a mark on a range already touched in
 * small pages would give none and count nothing. When it marked nothing, malloc is not the
 * brk heap's (ASan, valgrind) or the kernel has no transparent huge pages. */
static void heap_huge(int marked)
{
    size_t n = (size_t)1 << 20;
    long fallback = vmstat("thp_fault_fallback");
    char *b = malloc(n);
    if (b)
        memset(b, 1, n);
    char mode[128] = "";
    mapping m;
    int known = b && mapping_of((uintptr_t)b + n - 1, NULL, &m);
    FILE *f = fopen("/sys/kernel/mm/transparent_hugepage/enabled", "r");
    if (f) {
        if (!fgets(mode, sizeof mode, f))
            mode[0] = 0;
        fclose(f);
    }
    if (marked) {
        CHECK(known && strstr(m.flags, " hg") != NULL, "a block past the heap's first page is marked for huge pages");
        CHECK(known && strcmp(m.path, "[heap]") == 0, "that mapping is the heap");
        if (strstr(mode, "[never]") || thp_off() || vmstat("thp_fault_fallback") > fallback)
            printf("ok - the block is in a huge page # SKIP the kernel gave none\n");
        else
            CHECK(m.huge_kb >= 2048, "the block, written, is in a huge page (AnonHugePages of its mapping)");
    } else if (known && strcmp(m.path, "[heap]") == 0 && mode[0]) {
        CHECK(0, "the heap is marked for huge pages (glibc's malloc, and the kernel has them)");
    } else {
        printf("ok - the heap in huge pages # SKIP malloc is not the brk heap's, or no huge pages\n");
    }
    free(b);
}

/* The heap's pages before the range marked for huge pages (MARKED): small blocks made
 * after nb_memory_setup fill them first, each page a fault of its own (14 us here, on a
 * virtual machine, where a huge page takes one of 150 us for 2 MiB). A lead of 64 KiB gave
 * a report 16 such faults; it is one page now: the heap's first mapping, unmarked, grows
 * by at most 8 KiB when 100 KB of small blocks are made and written (before any other). */
static void heap_lead(int marked)
{
    if (!marked) {
        printf("ok - the heap's small pages before its mark # SKIP the heap is not marked\n");
        return;
    }
    enum { N = 200, SIZE = 500 };
    static void *blocks[N];
    mapping before, m;
    int known = mapping_of(0, "[heap]", &before); /* the first: the heap up to its mark */
    long fallback = vmstat("thp_fault_fallback");
    for (int i = 0; i < N; i++)
        if ((blocks[i] = malloc(SIZE)))
            memset(blocks[i], 1, SIZE);
    mapping at;
    if (blocks[N - 1] && !thp_off() && mapping_of((uintptr_t)blocks[N - 1], NULL, &at) &&
        vmstat("thp_fault_fallback") == fallback)
        CHECK(at.huge_kb >= 2048, "the last of them is in a huge page (none of its 2 MiB touched before the mark)");
    else
        printf("ok - the small blocks in a huge page # SKIP the kernel gave none\n");
    known = known && mapping_of(0, "[heap]", &m);
    CHECK(known && strstr(m.flags, " hg") == NULL, "the heap's first mapping is not marked");
    CHECK(known && m.rss_kb - before.rss_kb <= 8,
          "small blocks take at most 8 KiB of small pages before the heap's mark");
    if (known && m.rss_kb - before.rss_kb > 8)
        printf("# %ld KiB more\n", m.rss_kb - before.rss_kb);
    for (int i = 0; i < N; i++)
        free(blocks[i]);
}

/* The stack below main, populated by nb_memory_setup (POPULATED, its bit 2): the [stack]
 * mapping holds 112 KiB and more, though main has used little of it; not done only where
 * the kernel has no MADV_POPULATE_WRITE (before 5.14). */
static void stack_populated(int populated)
{
    mapping m;
    if (populated)
        CHECK(mapping_of(0, "[stack]", &m) && m.rss_kb >= 112, "the stack's 112 KiB below main are in memory");
    else
        printf("ok - the stack populated # SKIP not done (a kernel before 5.14, or valgrind)\n");
}

int main(void)
{
    int set = nb_memory_setup(); /* first: before anything is allocated */
    heap_lead(set & 1); /* first: the small blocks fill the lead */
    heap_huge(set & 1);
    stack_populated(set & 2);
    random_rounds();
    reuse();
    growth();
    no_room();
    T_DONE();
}
