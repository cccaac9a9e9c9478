/*
 * alloc10m: mallocs 10 MiB, writes and reads every page, prints "10485760 2560" (its size and
 * the sum of one byte a page). A program that allocates before any locale or stdio work: the
 * fallback case's control for the Python variant.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int main(void) {
    size_t size = 10 << 20;
    unsigned char *p = malloc(size);
    if (!p) {
        fprintf(stderr, "alloc10m: malloc failed\n");
        return 2;
    }
    memset(p, 1, size);
    long sum = 0;
    for (size_t i = 0; i < size; i += 4096) sum += p[i];
    printf("%zu %ld\n", size, sum);
    free(p);
    return 0;
}
