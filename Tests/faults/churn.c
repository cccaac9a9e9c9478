/*
 * churn DIR SECONDS: a heap with DRAM, PMEM in DIR and a compressed pool, ~900 KiB of 4 KiB
 * blocks (7 times its DRAM) rewritten round after round for SECONDS, so pages keep moving
 * between the tiers; every round checks the previous round's bytes. The suite kills it with
 * SIGKILL mid-churn, then runs "churn DIR 0" (start, fill once, destroy) which must leave DIR
 * with no tiermem-* entry: the dead process's directory included.
 * Exit: 0 held, 1 a block lost its contents or an allocation failed, 77 no userfaultfd.
 */
#define _POSIX_C_SOURCE 200809L
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include "tiermem.h"

enum { SIZE = 4096, BLOCKS = 225 };   /* 900 KiB */

static double now(void) {
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec + t.tv_nsec / 1e9;
}

int main(int argc, char **argv) {
    if (argc != 3) { fprintf(stderr, "usage: churn DIR SECONDS\n"); return 2; }
    char spec[512];
    snprintf(spec, sizeof spec, "dram:128KiB;pmem:%s:4MiB;compressed:1MiB", argv[1]);
    double seconds = atof(argv[2]);
    tm_heap *h;
    int status = tm_heap_create(spec, &h);
    if (status == TM_EUNAVAILABLE) { fprintf(stderr, "no userfaultfd: %s\n", tm_last_error()); return 77; }
    if (status != TM_OK) { fprintf(stderr, "tm_heap_create(%s): %s\n", spec, tm_last_error()); return 1; }

    static unsigned char *blocks[BLOCKS];
    for (int i = 0; i < BLOCKS; i++) {
        if (!(blocks[i] = tm_malloc(h, SIZE))) { fprintf(stderr, "tm_malloc #%d: %s\n", i, tm_last_error()); return 1; }
        memset(blocks[i], i, SIZE);
    }
    printf("churning\n");
    fflush(stdout);
    double end = now() + seconds;
    for (unsigned round = 1; now() < end; round++)
        for (int i = 0; i < BLOCKS; i++) {
            unsigned char want = (unsigned char)(i + round - 1), *b = blocks[i];
            if (b[0] != want || b[SIZE - 1] != want || memcmp(b, b + 1, SIZE - 1)) {
                fprintf(stderr, "round %u: block %d lost its contents\n", round, i);
                return 1;
            }
            memset(b, (unsigned char)(i + round), SIZE);
        }
    tm_heap_destroy(h);
    return 0;
}
