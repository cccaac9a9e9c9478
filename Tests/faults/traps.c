/*
 * traps CASE: a programmer error the library must stop the program for, promptly.
 * CASE: double-free | foreign-free | wrong-heap | null-heap | destroy-twice.
 * Most pages of the first heap are out of DRAM when the trap fires, so a backtracer (or anything
 * else) reading the heap after the trap meets pages only the fault handler can bring back; that
 * used to hang the process. Reaching the end of main is a failure (exit 1); 77: no userfaultfd.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "tiermem.h"

int main(int argc, char **argv) {
    if (argc != 2) { fprintf(stderr, "usage: traps CASE\n"); return 2; }
    tm_heap *h, *other;
    int status = tm_heap_create("dram:64KiB;compressed:1MiB", &h);
    if (status == TM_OK) status = tm_heap_create("dram:64KiB;compressed:64KiB", &other);
    if (status == TM_EUNAVAILABLE) { fprintf(stderr, "no userfaultfd: %s\n", tm_last_error()); return 77; }
    if (status != TM_OK) { fprintf(stderr, "tm_heap_create: %s\n", tm_last_error()); return 2; }

    /* 512 KiB written into a heap with 64 KiB of DRAM: most pages go to the compressed pool. */
    for (int i = 0; i < 64; i++) {
        void *b = tm_malloc(h, 8192);
        if (!b) { fprintf(stderr, "tm_malloc: %s\n", tm_last_error()); return 2; }
        memset(b, i + 1, 8192);
    }
    void *p = tm_malloc(h, 32);
    if (!p) { fprintf(stderr, "tm_malloc: %s\n", tm_last_error()); return 2; }

    const char *c = argv[1];
    if (!strcmp(c, "double-free")) { tm_free(h, p); tm_free(h, p); }
    else if (!strcmp(c, "foreign-free")) { tm_free(h, malloc(16)); }
    else if (!strcmp(c, "wrong-heap")) { tm_free(other, p); }
    else if (!strcmp(c, "null-heap")) { tm_free(NULL, p); }
    else if (!strcmp(c, "destroy-twice")) { tm_heap_destroy(other); tm_heap_destroy(other); }
    else { fprintf(stderr, "unknown case %s\n", c); return 2; }
    fprintf(stderr, "no trap: %s returned\n", c);
    return 1;
}
