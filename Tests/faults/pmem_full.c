/*
 * pmem_full DIR: a PMEM tier in DIR, a file system smaller than the tier (a 512 KiB tmpfs under
 * a 2 MiB tier). Fill the heap page by page until tm_malloc fails; the failure must be prompt (it
 * used to spin about 55 s a fault), NULL with ENOMEM and "out of memory", and every page written
 * before it must keep its contents. Destroys the heap, which removes its directory in DIR.
 * Exit: 0 held, 1 not, 77 no userfaultfd.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include "tiermem.h"

enum { PAGES = 200, SIZE = 4096 };

int main(int argc, char **argv) {
    if (argc != 2) { fprintf(stderr, "usage: pmem_full DIR\n"); return 2; }
    char spec[512];
    snprintf(spec, sizeof spec, "dram:256KiB;pmem:%s:2MiB", argv[1]);
    tm_heap *h;
    int status = tm_heap_create(spec, &h);
    if (status == TM_EUNAVAILABLE) { printf("no userfaultfd: %s\n", tm_last_error()); return 77; }
    if (status != TM_OK) { printf("tm_heap_create(%s): %d %s\n", spec, status, tm_last_error()); return 1; }

    static unsigned char *pages[PAGES];
    int got = 0, bad = 0;
    for (int i = 0; i < PAGES; i++) {
        errno = 0;
        pages[i] = tm_malloc(h, SIZE);
        if (!pages[i]) {
            int e = errno;
            const char *m = tm_last_error();
            printf("tm_malloc #%d: NULL, errno %d, \"%s\"\n", i, e, m);
            if (e != ENOMEM) { printf("errno %d (%s), want ENOMEM\n", e, strerror(e)); bad = 1; }
            if (!strstr(m, "out of memory")) { printf("message lacks \"out of memory\"\n"); bad = 1; }
            break;
        }
        memset(pages[i], i + 1, SIZE);
        got++;
    }
    /* Everything written before the failure is still there. */
    for (int i = 0; i < got; i++)
        for (int j = 0; j < SIZE; j++)
            if (pages[i][j] != (unsigned char)(i + 1)) {
                printf("page %d byte %d: %d, want %d\n", i, j, pages[i][j], (i + 1) & 255);
                bad = 1; break;
            }
    printf("%d of %d allocations succeeded\n", got, PAGES);
    tm_heap_destroy(h);
    return bad;
}
