/*
 * pool_full: a heap of 32 DRAM pages and a 256 KiB compressed pool, filled with incompressible
 * 4 KiB blocks. tm_malloc must return NULL (ENOMEM) by block 97 at the latest (32 + 64 pages),
 * promptly; every block keeps its contents; after freeing half, allocating works again.
 * Exit: 0 held, 1 not, 77 no userfaultfd.
 */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include "tiermem.h"

enum { SIZE = 4096, LIMIT = 96, TRIES = 400 };

/* xorshift64: one stream per block, from its seed; incompressible for LZ4 and zstd. */
static void fill(uint64_t *p, uint64_t seed) {
    uint64_t x = seed * 0x9E3779B97F4A7C15ull | 1;
    for (size_t i = 0; i < SIZE / 8; i++) { x ^= x << 13; x ^= x >> 7; x ^= x << 17; p[i] = x; }
}
static int same(const uint64_t *p, uint64_t seed) {
    static uint64_t want[SIZE / 8];
    fill(want, seed);
    return memcmp(p, want, SIZE) == 0;
}

int main(void) {
    tm_heap *h;
    int status = tm_heap_create("dram:128KiB;compressed:256KiB", &h);
    if (status == TM_EUNAVAILABLE) { printf("no userfaultfd: %s\n", tm_last_error()); return 77; }
    if (status != TM_OK) { printf("tm_heap_create: %d %s\n", status, tm_last_error()); return 1; }

    static uint64_t *blocks[TRIES];
    int n = 0, bad = 0;
    for (; n < TRIES; n++) {
        errno = 0;
        blocks[n] = tm_malloc(h, SIZE);
        if (!blocks[n]) {
            printf("tm_malloc #%d: NULL, errno %d, \"%s\"\n", n, errno, tm_last_error());
            if (errno != ENOMEM) { printf("errno is not ENOMEM\n"); bad = 1; }
            break;
        }
        fill(blocks[n], (uint64_t)n + 1);
    }
    printf("%d blocks fitted\n", n);
    if (n > LIMIT) { printf("more than %d blocks fitted in 32 DRAM pages + a 256 KiB pool\n", LIMIT); bad = 1; }
    for (int i = 0; i < n; i++)
        if (!same(blocks[i], (uint64_t)i + 1)) { printf("block %d lost its contents\n", i); bad = 1; }

    /* Free every other block; the space must be usable again. */
    for (int i = 0; i < n; i += 2) { tm_free(h, blocks[i]); blocks[i] = NULL; }
    int again = 0;
    for (int i = 0; i < n; i += 2) {
        blocks[i] = tm_malloc(h, SIZE);
        if (!blocks[i]) break;
        fill(blocks[i], 1000u + (uint64_t)i);
        again++;
    }
    printf("%d blocks allocated again after freeing %d\n", again, (n + 1) / 2);
    if (again != (n + 1) / 2) { printf("only %d of the %d freed blocks could be allocated again: %s\n", again, (n + 1) / 2, tm_last_error()); bad = 1; }
    for (int i = 0; i < n; i++) {
        if (!blocks[i]) continue;
        uint64_t seed = (i % 2 == 0) ? 1000u + (uint64_t)i : (uint64_t)i + 1;
        if (!same(blocks[i], seed)) { printf("block %d lost its contents after the refill\n", i); bad = 1; }
    }
    tm_heap_destroy(h);
    return bad;
}
