/* pool.h - small blocks by size class, for an allocator that is told each block's size
 * when it frees it (Lua's: lua_Alloc gets the old size).
 *
 * A block of up to NB_POOL_MAX bytes is taken from its class's free list, or cut from the
 * region being filled; freed, it goes back to its class's list. Larger blocks are
 * malloc's. The regions (NB_POOL_REGION bytes each, mapped 2 MiB-aligned and marked for
 * transparent huge pages where the system allows) go back only with nb_pool_release.
 *
 * Why: a report's Lua state makes and frees some 200,000 small blocks. malloc and free
 * were a sixth of its instructions, and the first touch of each 4 KiB page of the heap a
 * page fault (a report's faults 646 -> 388 with the pool, on a virtual machine several
 * microseconds each); a huge
 * page takes one. Not thread-safe: one pool per state. A zeroed nb_pool is an empty pool. */
#ifndef NB_POOL_H
#define NB_POOL_H

#include <stddef.h>

#define NB_POOL_GRAIN 16  /* class width, and the alignment of every block */
#define NB_POOL_MAX 512   /* the largest block a class holds */
#define NB_POOL_CLASSES (NB_POOL_MAX / NB_POOL_GRAIN)
#define NB_POOL_REGION ((size_t)32 << 20) /* address space, not memory: pages are
                                               taken as they are first touched */

/* The head of a region, at its start; its blocks follow. */
typedef struct nb_pool_region {
    struct nb_pool_region *next;
    size_t bytes; /* mapped, this head included */
} nb_pool_region;

typedef struct {
    void *free[NB_POOL_CLASSES]; /* per class: a list through the blocks' first bytes */
    nb_pool_region *regions;     /* every region, newest first */
    char *at, *end;              /* what is left of the newest region */
    size_t region_bytes;         /* the size of a region; 0: NB_POOL_REGION (tests set less) */
    size_t used;                 /* bytes cut from regions, in all */
} nb_pool;

/* A block of N bytes (N > 0), or NULL when out of memory. */
void *nb_pool_alloc(nb_pool *p, size_t n);
/* Frees block PTR of N bytes (the N it was made or last resized with); PTR may be NULL. */
void nb_pool_free(nb_pool *p, void *ptr, size_t n);
/* Block PTR of OLD bytes resized to N (N > 0; PTR NULL: a new block): its first bytes kept;
 * NULL when out of memory, PTR still valid. */
void *nb_pool_realloc(nb_pool *p, void *ptr, size_t old, size_t n);
/* Unmaps every region (the blocks still in them with them) and empties P; its
 * region_bytes stays. */
void nb_pool_release(nb_pool *p);

/* Sets up memory for a process that makes many blocks and touches each page once: call
 * it first in main, before anything is allocated. Each 4 KiB page first touched is a page
 * fault, some 10 us each on a virtual machine (1 us a page when populated ahead).
 * - malloc's heap (glibc's; elsewhere untouched): memory freed stays with the process
 *   for the next allocation, up to 16 MiB of it at the top of the heap, and blocks up to 4
 *   MiB come from the heap, not mapped each time (a report decoded 458 KB of packed
 *   columns three times into fresh pages). And the heap is in huge pages where the system
 *   gives them on request: it is made to grow from a page before a 2 MiB boundary, 8 MiB
 *   at a time (M_TOP_PAD), and its first 8 MiB are marked for transparent huge pages
 *   (growth past them is not). SQLite's
 *   pages, the exporters' buffers and the packed columns decoded come from malloc (the
 *   pool holds Lua's): a report in six formats took 368 faults, 191 with this, and 2-3 ms
 *   less of its 20. Its first page is a small one: the heap grows with a block there,
 *   and a 2 MiB range with a small page touched before the mark stays in small pages (the
 *   first 64 KiB were: 16 faults of a report, where a huge page takes one).
 * - The stack: the 112 KiB below the caller are populated at once (MADV_POPULATE_WRITE,
 *   Linux 5.14): a report touched some 20 pages of it one by one.
 * Returns 1 | 2: 1 when the heap was marked (not: no heap grown by brk, another malloc as
 * under ASan or valgrind; not glibc; no huge pages in the kernel), 2 when the stack was
 * populated. */
int nb_memory_setup(void);

#endif
