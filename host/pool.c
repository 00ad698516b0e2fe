/* pool.c - small blocks by size class (pool.h). */
#include "pool.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>
#ifdef __GLIBC__
#include <malloc.h>
#endif

#define HUGE_PAGE ((size_t)2 << 20)

_Static_assert(sizeof(nb_pool_region) <= NB_POOL_GRAIN, "a region's head fits in one grain");

/* The class of N bytes (1 .. NB_POOL_MAX): 0 for 1..16, 1 for 17..32, ... */
static inline size_t class_of(size_t n)
{
    return (n - 1) / NB_POOL_GRAIN;
}

/* Maps BYTES (a multiple of HUGE_PAGE) at a HUGE_PAGE boundary, NULL when it cannot. */
static void *map_aligned(size_t bytes)
{
    char *m = mmap(NULL, bytes + HUGE_PAGE, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS,
                   -1, 0);
    if (m == MAP_FAILED)
        return NULL;
    char *a = (char *)(((uintptr_t)m + HUGE_PAGE - 1) & ~(uintptr_t)(HUGE_PAGE - 1));
    if (a > m)
        munmap(m, (size_t)(a - m));
    if (a + bytes < m + bytes + HUGE_PAGE)
        munmap(a + bytes, (size_t)(m + bytes + HUGE_PAGE - (a + bytes)));
#ifdef MADV_HUGEPAGE
    madvise(a, bytes, MADV_HUGEPAGE); /* a hint: refused, the pages are small ones */
#endif
    return a;
}

/* A block of class C cut from the newest region, a new region when it has no room (the
 * rest of the old one is left unused: less than a block). */
static void *cut(nb_pool *p, size_t c)
{
    size_t size = (c + 1) * NB_POOL_GRAIN;
    if ((size_t)(p->end - p->at) < size) {
        size_t bytes = p->region_bytes ? p->region_bytes : NB_POOL_REGION;
        bytes = (bytes + HUGE_PAGE - 1) & ~(HUGE_PAGE - 1);
        nb_pool_region *r = map_aligned(bytes);
        if (!r)
            return NULL;
        r->next = p->regions;
        r->bytes = bytes;
        p->regions = r;
        p->at = (char *)r + NB_POOL_GRAIN; /* the head fits in one grain */
        p->end = (char *)r + bytes;
    }
    void *b = p->at;
    p->at += size;
    p->used += size;
    return b;
}

void *nb_pool_alloc(nb_pool *p, size_t n)
{
    if (n > NB_POOL_MAX)
        return malloc(n);
    size_t c = class_of(n);
    void *b = p->free[c];
    if (b) {
        memcpy(&p->free[c], b, sizeof(void *));
        return b;
    }
    return cut(p, c);
}

void nb_pool_free(nb_pool *p, void *ptr, size_t n)
{
    if (!ptr)
        return;
    if (n > NB_POOL_MAX) {
        free(ptr);
        return;
    }
    size_t c = class_of(n);
    memcpy(ptr, &p->free[c], sizeof(void *));
    p->free[c] = ptr;
}

void *nb_pool_realloc(nb_pool *p, void *ptr, size_t old, size_t n)
{
    if (!ptr)
        return nb_pool_alloc(p, n);
    if (old > NB_POOL_MAX && n > NB_POOL_MAX)
        return realloc(ptr, n);
    if (old <= NB_POOL_MAX && n <= NB_POOL_MAX && class_of(old) == class_of(n))
        return ptr;
    void *b = nb_pool_alloc(p, n);
    if (!b)
        return NULL;
    memcpy(b, ptr, old < n ? old : n);
    nb_pool_free(p, ptr, old);
    return b;
}

void nb_pool_release(nb_pool *p)
{
    nb_pool_region *r = p->regions;
    while (r) {
        nb_pool_region *next = r->next;
        munmap(r, r->bytes);
        r = next;
    }
    size_t keep = p->region_bytes;
    memset(p, 0, sizeof *p);
    p->region_bytes = keep;
}

/* malloc's heap (nb_memory_setup, pool.h): 1 when marked for huge pages. */
static int heap_setup(void)
{
#ifdef __GLIBC__
    mallopt(M_MMAP_THRESHOLD, 4 << 20);
    mallopt(M_TRIM_THRESHOLD, 16 << 20);
#endif
#if defined(__GLIBC__) && defined(MADV_HUGEPAGE)
    /* one page: the heap's first blocks, before the huge pages, each page there a fault of
       its own (14 us here, on a virtual machine; 64 KiB gave a report 16 of them) */
    const uintptr_t lead = 4096;
    char *b = sbrk(0);
    if (b == (void *)-1)
        return 0;
    /* the break moved to a page before the next 2 MiB boundary (the bytes skipped are never
       touched: address space, not memory), always moved: a heap made before main whose
       break stood there already would grow in place, its probes not starting at TO, and
       the top's head could pass the lead (a review found room left of 32 bytes more than a
       multiple of a probe's) */
    uintptr_t to = (((uintptr_t)b + lead + HUGE_PAGE) & ~(HUGE_PAGE - 1)) - lead;
    if (sbrk((intptr_t)(to - (uintptr_t)b)) == (void *)-1)
        return 0;
    mallopt(M_TOP_PAD, 8 << 20);
    /* Blocks of half a page until one comes from the break set above (a heap made before
       main may have room left, up to 512 KiB of it): the heap grows from there, 8 MiB
       more, and the new top's head is written within the lead, after the block and what
       malloc makes at its first call (its cache of freed blocks, 656 bytes). Nothing
       past the lead may be touched before the mark: a 2 MiB range with one small page in
       it stays in small pages. (volatile: not elided with their free.) */
    enum { PROBES = 256 };
    void *volatile blocks[PROBES];
    int n = 0, grown = 0;
    while (n < PROBES && !grown) {
        void *blk = malloc(lead / 2);
        if (!blk)
            break;
        blocks[n++] = blk;
        grown = (uintptr_t)blk >= to;
    }
    char *lo = (char *)(to + lead), *hi = sbrk(0);
    int marked = grown && hi != (void *)-1 && hi > lo && madvise(lo, (size_t)(hi - lo), MADV_HUGEPAGE) == 0;
    while (n > 0)
        free(blocks[--n]);
    return marked;
#else
    return 0;
#endif
}

/* Pre-faults the 112 KiB of stack below the caller's frame (within the stack's first
 * mapping, 132 KiB here): 1 when done. */
static int stack_setup(void)
{
#ifdef MADV_POPULATE_WRITE
    uintptr_t sp = (uintptr_t)__builtin_frame_address(0) & ~(uintptr_t)4095;
    size_t n = (size_t)112 << 10;
    return sp > n && madvise((void *)(sp - n), n, MADV_POPULATE_WRITE) == 0;
#else
    return 0;
#endif
}

int nb_memory_setup(void)
{
    return heap_setup() | stack_setup() << 1;
}
