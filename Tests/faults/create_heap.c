/*
 * create_heap [SPEC]: creates a heap (default "dram:64KiB;compressed:64KiB"), prints
 * "status N: MESSAGE" and exits with tm_heap_create's status (0 after destroying the heap).
 * The suite uses it to ask whether userfaultfd works here, and under no_uffd.
 */
#include <stdio.h>
#include "tiermem.h"

int main(int argc, char **argv) {
    const char *spec = argc > 1 ? argv[1] : "dram:64KiB;compressed:64KiB";
    tm_heap *h = NULL;
    int status = tm_heap_create(spec, &h);
    printf("status %d: %s\n", status, status == TM_OK ? "" : tm_last_error());
    if (status == TM_OK) tm_heap_destroy(h);
    return status;
}
