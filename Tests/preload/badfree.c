/*
 * badfree double|foreign: a programmer error on a 64 KiB allocation (the tiered heap's under
 * `tiermem run`): freed twice, or freed at an address 16 bytes inside it. Must not return; if
 * it does, says so and exits 0 (the suite wants a signal).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Through a volatile pointer, so that the compiler neither warns about the error nor removes it. */
static void (*volatile release)(void *) = free;

int main(int argc, char **argv) {
    if (argc != 2) {
        fprintf(stderr, "usage: badfree double|foreign\n");
        return 2;
    }
    char *p = malloc(64 << 10);
    if (!p) {
        fprintf(stderr, "badfree: malloc failed\n");
        return 2;
    }
    memset(p, 0x5a, 64 << 10);
    if (strcmp(argv[1], "double") == 0) {
        release(p);
        release(p);
    } else if (strcmp(argv[1], "foreign") == 0) {
        release(p + 16);
    } else {
        fprintf(stderr, "badfree: unknown mode %s\n", argv[1]);
        return 2;
    }
    fprintf(stderr, "badfree: the %s free returned\n", argv[1]);
    return 0;
}
