/*
 * abi_sizes: every C ABI entry point given hostile sizes and arguments.
 * A size no heap can hold must give NULL, errno ENOMEM and a message (never a trap, and never a
 * small block because count * size wrapped around); a failed tm_realloc leaves its block alone.
 * Exit: 0 all held, 1 something did not (each failure printed), 77 no userfaultfd here.
 */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include "tiermem.h"

static int failures;
static tm_heap *h;
static char primed[512];   /* the message the last prime() left */

#define CHECK(cond, ...) do { if (!(cond)) { failures++; \
    printf("FAIL %s:%d: ", __FILE__, __LINE__); printf(__VA_ARGS__); printf("\n"); } } while (0)

/* Leaves a known message (a bad hint) and errno 0 before a call, so that the call's own
 * message can be told from an earlier one. */
static void prime(void) {
    (void)tm_malloc_hint(h, 16, 7);
    snprintf(primed, sizeof primed, "%s", tm_last_error());
    errno = 0;
}

/* A failed allocation: NULL, errno ENOMEM, a message of its own in tm_last_error(). */
static void expect_enomem(const char *what, size_t a, size_t b, void *result) {
    int e = errno;
    const char *m = tm_last_error();
    CHECK(result == NULL, "%s(%zu, %zu) returned %p, want NULL", what, a, b, result);
    CHECK(e == ENOMEM, "%s(%zu, %zu): errno %d (%s), want ENOMEM", what, a, b, e, strerror(e));
    CHECK(m && m[0], "%s(%zu, %zu): tm_last_error() is empty", what, a, b);
    CHECK(m && strcmp(m, primed), "%s(%zu, %zu): left no message of its own", what, a, b);
}

/* The live block's pattern is intact. */
static int intact(const unsigned char *p, size_t n) {
    for (size_t i = 0; i < n; i++) if (p[i] != (unsigned char)(i * 7 + 3)) return 0;
    return 1;
}

int main(void) {
    int status = tm_heap_create("dram:256KiB;compressed:1MiB", &h);
    if (status == TM_EUNAVAILABLE) { printf("no userfaultfd: %s\n", tm_last_error()); return 77; }
    if (status != TM_OK) { printf("tm_heap_create: %d %s\n", status, tm_last_error()); return 1; }

    /* A live block with a pattern, for the failing reallocs. */
    const size_t live_size = 5000;
    unsigned char *live = tm_malloc(h, live_size);
    if (!live) { printf("tm_malloc(5000): %s\n", tm_last_error()); return 1; }
    for (size_t i = 0; i < live_size; i++) live[i] = (unsigned char)(i * 7 + 3);

    /* ((size_t)1 << 62) too: the brief's "(size_t)1<<63 - 1" parses as that in C. */
    const size_t sizes[] = { SIZE_MAX, SIZE_MAX / 2 + 1, (size_t)-3, ((size_t)1 << 63) - 1,
                             (size_t)1 << 62 };
    prime();
    CHECK(primed[0], "tm_malloc_hint(16, 7) left no message");
    for (size_t k = 0; k < sizeof sizes / sizeof sizes[0]; k++) {
        size_t s = sizes[k];
        prime(); expect_enomem("tm_malloc", s, 0, tm_malloc(h, s));
        for (int hint = TM_HINT_NONE; hint <= TM_HINT_COLD; hint++) {
            prime(); expect_enomem("tm_malloc_hint", s, (size_t)hint, tm_malloc_hint(h, s, hint));
        }
        prime(); expect_enomem("tm_calloc", s, 1, tm_calloc(h, s, 1));
        prime(); expect_enomem("tm_calloc", 1, s, tm_calloc(h, 1, s));
        prime(); expect_enomem("tm_calloc", s, 16, tm_calloc(h, s, 16));
        prime(); expect_enomem("tm_realloc(NULL)", 0, s, tm_realloc(h, NULL, s));
        prime(); expect_enomem("tm_realloc(live)", live_size, s, tm_realloc(h, live, s));
        CHECK(intact(live, live_size), "tm_realloc(live, %zu) failed but changed the block", s);
    }
    /* Products that overflow; (size_t)-3 * (size_t)-5 wraps to 15, a tiny but wrong block. */
    prime(); expect_enomem("tm_calloc", SIZE_MAX, SIZE_MAX, tm_calloc(h, SIZE_MAX, SIZE_MAX));
    prime(); expect_enomem("tm_calloc", (size_t)-3, (size_t)-5, tm_calloc(h, (size_t)-3, (size_t)-5));
    prime(); expect_enomem("tm_calloc", (size_t)1 << 32, (size_t)1 << 32,
                             tm_calloc(h, (size_t)1 << 32, (size_t)1 << 32));

    /* Size 0: a unique pointer that tm_free accepts. */
    void *z = tm_malloc(h, 0);
    CHECK(z != NULL, "tm_malloc(0) returned NULL: %s", tm_last_error());
    tm_free(h, z);
    z = tm_calloc(h, 0, 5);
    CHECK(z != NULL, "tm_calloc(0, 5) returned NULL: %s", tm_last_error());
    tm_free(h, z);
    z = tm_calloc(h, 5, 0);
    CHECK(z != NULL, "tm_calloc(5, 0) returned NULL: %s", tm_last_error());
    tm_free(h, z);

    /* A hint that does not exist. */
    errno = 0; z = tm_malloc_hint(h, 16, 7);
    CHECK(z == NULL && errno == EINVAL, "tm_malloc_hint(16, 7): %p errno %d, want NULL EINVAL", z, errno);
    errno = 0; z = tm_malloc_hint(h, 16, -1);
    CHECK(z == NULL && errno == EINVAL, "tm_malloc_hint(16, -1): %p errno %d, want NULL EINVAL", z, errno);

    /* Bad arguments with a status. */
    status = tm_stats(h, NULL);
    CHECK(status == TM_EINVAL, "tm_stats(h, NULL) returned %d, want TM_EINVAL", status);
    tm_heap *bad = NULL;
    prime();
    status = tm_heap_create("dram:0", &bad);
    CHECK(status != TM_OK, "tm_heap_create(\"dram:0\") succeeded");
    CHECK(tm_last_error()[0] && strcmp(tm_last_error(), primed),
          "tm_heap_create(\"dram:0\") failed without a message of its own");
    if (status == TM_OK && bad) tm_heap_destroy(bad);
    status = tm_heap_create("dram:64KiB;compressed:64KiB", NULL);
    CHECK(status == TM_EINVAL, "tm_heap_create(spec, NULL) returned %d, want TM_EINVAL", status);

    /* tm_realloc(h, p, 0), as tiermem.h documents it: a minimal object, never NULL, that
     * tm_free takes; the bytes of p are not kept. */
    unsigned char *big = tm_malloc(h, 5000);
    CHECK(big != NULL, "tm_malloc(5000): %s", tm_last_error());
    unsigned char *shrunk = tm_realloc(h, big, 0);
    CHECK(shrunk != NULL, "tm_realloc(p, 0) returned NULL: %s", tm_last_error());
    if (shrunk) tm_free(h, shrunk);

    /* tm_free(h, NULL) does nothing; the heap still works after all of the above. */
    tm_free(h, NULL);
    CHECK(intact(live, live_size), "the live block changed");
    unsigned char *q = tm_malloc(h, 100);
    CHECK(q != NULL, "tm_malloc(100) after the hostile calls: %s", tm_last_error());
    tm_free(h, q);
    tm_free(h, live);
    tm_heap_destroy(h);

    if (failures) { printf("%d checks failed\n", failures); return 1; }
    printf("all checks held\n");
    return 0;
}
