/*
 * tiermem.h: the C ABI of TierMem, a tiered memory manager for Linux.
 *
 * A heap keeps its pages in DRAM, persistent memory (memkind + libpmem) or a compressed pool
 * (LZ4, zstd) and moves them while your program keeps plain pointers. Link with -lTierMemC
 * (built by `swift build --product TierMemC`); examples/kv_store.c shows a whole program.
 *
 * Errors: functions that can fail return a status (or NULL) and leave a message for
 * tm_last_error(). Programmer errors — a double free, a pointer from elsewhere — stop the
 * program with a message, as TierMem's Swift API does.
 * Thread safety: every function may be called from any thread.
 */
#ifndef TIERMEM_H
#define TIERMEM_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

typedef struct tm_heap tm_heap;

/* Status codes. */
enum {
    TM_OK = 0,
    TM_EINVAL = 1,      /* a bad argument: a malformed tier specification, an overflowing size */
    TM_ENOMEM = 2,      /* the heap (all its tiers) is full, or a tier's storage ran out (a PMEM
                           file system out of space): the heap then takes no more than it holds */
    TM_EUNAVAILABLE = 3,/* userfaultfd is not permitted here; the message says how to enable it */
    TM_ESYSTEM = 4,     /* a system call failed; the message names it */
};

/* Allocation hints: cold objects share pages only with cold objects, which leave DRAM first. */
enum { TM_HINT_NONE = 0, TM_HINT_HOT = 1, TM_HINT_COLD = 2 };

/* Heap statistics; every field is a uint64_t (sizes in pages of page_size bytes). */
typedef struct {
    uint64_t page_size;
    uint64_t dram_pages, dram_capacity_pages;
    uint64_t pmem_pages, compressed_pages, compressed_bytes;
    uint64_t missing_faults, minor_faults;
    uint64_t promotions, demotions, direct_reclaims;
    uint64_t slab_pages, run_pages, free_pages, small_objects;
} tm_stats_t;

/* Creates a heap from a tier specification such as "dram:64MiB;compressed:256MiB" (sizes in
 * bytes; see the README). NULL uses TIERMEM_TIERS, or defaults sized from the machine.
 * TIERMEM_FAULTS=signal resolves faults on the faulting thread (faster; a system call that
 * touches a heap page not in DRAM then fails with EFAULT); the default, "thread", uses a
 * handler thread and serves system calls too. */
int tm_heap_create(const char *tiers, tm_heap **heap);
/* Destroys a heap and everything allocated from it. NULL is ignored; destroying a heap twice
 * stops the program with a message. */
void tm_heap_destroy(tm_heap *heap);

/* Allocation. On failure these return NULL with errno set to ENOMEM (EINVAL for an unknown
 * hint) and a message for tm_last_error(): the heap is full, count * size overflows, or the size
 * is more than any heap holds (SIZE_MAX, say). Size 0 gives a unique minimal (16-byte) object.
 * tm_realloc(heap, NULL, n) is tm_malloc(heap, n). tm_realloc(heap, p, 0) does not free p and
 * return NULL, as glibc's realloc does: it returns a minimal object holding nothing of p (p itself
 * when p is one already; else p is freed), which tm_free must free. When tm_realloc fails, p is
 * left as it was. A NULL heap, a double free or a pointer from elsewhere stops the program. */
void *tm_malloc(tm_heap *heap, size_t size);
void *tm_malloc_hint(tm_heap *heap, size_t size, int hint);
void *tm_calloc(tm_heap *heap, size_t count, size_t size);
void *tm_realloc(tm_heap *heap, void *pointer, size_t size);
/* Frees pointer; NULL is ignored. */
void tm_free(tm_heap *heap, void *pointer);

/* Starts the heap's tiering daemon with a policy ("lru", "predictive", ...; see `tiermem replay
 * --help`), replacing a running one. With record non-NULL it also records the sampled access
 * stream as a .tmt trace there, complete once the daemon stops. Returns TM_OK or TM_EINVAL. */
int tm_heap_start_daemon(tm_heap *heap, const char *policy, const char *record);
/* Stops the daemon, if one runs (finishing its recording); pages stay where they are. */
void tm_heap_stop_daemon(tm_heap *heap);
/* The bytes usable at pointer, which must be the heap's (0 for NULL). */
size_t tm_malloc_usable_size(tm_heap *heap, void *pointer);
/* The heap's address range: a pointer in [*start, *start + *length) is the heap's. */
int tm_heap_bounds(tm_heap *heap, void **start, size_t *length);

/* Fills *out; returns TM_OK. */
int tm_stats(tm_heap *heap, tm_stats_t *out);

/* The message of this thread's last failure ("" if none); valid until its next failure. */
const char *tm_last_error(void);

#ifdef __cplusplus
}
#endif

#endif /* TIERMEM_H */
