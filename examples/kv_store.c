/*
 * kv_store.c: a C program on a TierMem heap four times larger than its DRAM.
 * It stores 20,000 values (hot ones small, cold ones large and hinted cold), reads every one
 * back, grows some with tm_realloc, frees everything and checks the heap's statistics.
 * Exit status 0 only if every byte verified. Built and run by `make example` (and `make test`).
 */
#define _POSIX_C_SOURCE 200112L /* setenv */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tiermem.h"

#define VALUES 20000

_Static_assert(sizeof(tm_stats_t) == 15 * sizeof(uint64_t), "tm_stats_t is fifteen uint64_t fields");

static void fill(unsigned char *value, size_t size, unsigned key) {
    for (size_t i = 0; i < size; i++) value[i] = (unsigned char)(key * 131 + i * 7);
}

static int holds(const unsigned char *value, size_t size, unsigned key) {
    for (size_t i = 0; i < size; i++)
        if (value[i] != (unsigned char)(key * 131 + i * 7)) return 0;
    return 1;
}

int main(void) {
    tm_heap *heap = NULL;
    /* A bad specification is an error with a message, not a crash. */
    if (tm_heap_create("dram:plenty", &heap) != TM_EINVAL || heap != NULL) {
        fprintf(stderr, "a bad tier specification was accepted\n");
        return 1;
    }
    printf("bad specification refused: %s\n", tm_last_error());
    /* So is a bad TIERMEM_FAULTS (who resolves faults: "thread" or "signal"). */
    setenv("TIERMEM_FAULTS", "kernel", 1);
    if (tm_heap_create("dram:4MiB;compressed:16MiB", &heap) != TM_EINVAL || heap != NULL
        || strstr(tm_last_error(), "TIERMEM_FAULTS") == NULL) {
        fprintf(stderr, "a bad TIERMEM_FAULTS was accepted or not named\n");
        return 1;
    }
    printf("bad TIERMEM_FAULTS refused: %s\n", tm_last_error());
    unsetenv("TIERMEM_FAULTS");

    int status = tm_heap_create("dram:4MiB;compressed:16MiB", &heap);
    if (status != TM_OK) {
        fprintf(stderr, "tm_heap_create: %s\n", tm_last_error());
        return 1;
    }
    static unsigned char *values[VALUES];
    static size_t sizes[VALUES];
    for (unsigned key = 0; key < VALUES; key++) {
        int cold = key % 4 != 0;
        sizes[key] = cold ? 600 + key % 300 : 24 + key % 100;
        values[key] = tm_malloc_hint(heap, sizes[key], cold ? TM_HINT_COLD : TM_HINT_HOT);
        if (!values[key]) {
            fprintf(stderr, "tm_malloc(%zu) failed: %s\n", sizes[key], tm_last_error());
            return 1;
        }
        fill(values[key], sizes[key], key);
    }
    for (unsigned key = 0; key < VALUES; key += 10) {
        unsigned char *grown = tm_realloc(heap, values[key], sizes[key] * 3);
        if (!grown) { fprintf(stderr, "tm_realloc failed: %s\n", tm_last_error()); return 1; }
        values[key] = grown;  /* the first sizes[key] bytes are kept */
    }
    unsigned bad = 0;
    for (unsigned key = 0; key < VALUES; key++) bad += !holds(values[key], sizes[key], key);

    tm_stats_t stats;
    tm_stats(heap, &stats);
    printf("%u values, %u corrupted; DRAM %llu/%llu pages, compressed %llu pages in %llu bytes, "
           "%llu faults, %llu demotions, %llu promotions\n",
           VALUES, bad, (unsigned long long)stats.dram_pages, (unsigned long long)stats.dram_capacity_pages,
           (unsigned long long)stats.compressed_pages, (unsigned long long)stats.compressed_bytes,
           (unsigned long long)stats.missing_faults, (unsigned long long)stats.demotions,
           (unsigned long long)stats.promotions);
    int ok = bad == 0 && stats.dram_pages <= stats.dram_capacity_pages && stats.demotions > 0;

    void *zeros = tm_calloc(heap, 100, 8);
    for (int i = 0; zeros && i < 800; i++) ok &= ((unsigned char *)zeros)[i] == 0;
    tm_free(heap, zeros);
    if (tm_calloc(heap, SIZE_MAX / 2, 4) != NULL) ok = 0;
    printf("overflowing tm_calloc refused: %s\n", tm_last_error());

    for (unsigned key = 0; key < VALUES; key++) tm_free(heap, values[key]);
    tm_stats(heap, &stats);
    ok &= stats.small_objects == 0 && stats.run_pages == 0;
    tm_heap_destroy(heap);
    printf("%s\n", ok ? "kv_store: every value verified" : "kv_store: FAILED");
    return ok ? 0 : 1;
}
