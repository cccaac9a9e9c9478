// A plain C LRU over zipf(0.99) page accesses: the floor the replay engine's speed is compared
// with in the README. Page -> id table, a tier byte, and a doubly linked list in flat arrays;
// no tiers beyond "in DRAM or not", no cost model, no trace decoding (the accesses are generated
// into memory first). DRAM holds a quarter of the pages, as in tiermem-bench's replay section.
//   cc -O2 -o /tmp/plain_lru Benchmarks/plain_lru.c -lm && /tmp/plain_lru 16384 && /tmp/plain_lru 262144
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

enum { ACCESSES = 20000000, NONE = 0xFFFFFFFFu };

int main(int argc, char **argv) {
    size_t n = argc > 1 ? (size_t)strtoul(argv[1], NULL, 10) : 16384;
    if (n < 4) { fprintf(stderr, "usage: plain_lru PAGES (at least 4)\n"); return 2; }
    // Zipf ranks by inverse CDF, scattered over the pages by a fixed random permutation.
    double *cdf = malloc(sizeof(double) * n), sum = 0;
    for (size_t i = 0; i < n; i++) { sum += 1.0 / pow((double)(i + 1), 0.99); cdf[i] = sum; }
    uint32_t *perm = malloc(sizeof(uint32_t) * n);
    for (size_t i = 0; i < n; i++) perm[i] = (uint32_t)i;
    srand(1);
    for (size_t i = n - 1; i > 0; i--) { size_t j = (size_t)rand() % (i + 1); uint32_t t = perm[i]; perm[i] = perm[j]; perm[j] = t; }
    uint32_t *pages = malloc(sizeof(uint32_t) * ACCESSES);
    for (size_t k = 0; k < ACCESSES; k++) {
        double u = (double)rand() / RAND_MAX * sum;
        size_t lo = 0, hi = n - 1;
        while (lo < hi) { size_t mid = (lo + hi) / 2; if (cdf[mid] < u) lo = mid + 1; else hi = mid; }
        pages[k] = perm[lo];
    }
    uint32_t *index = malloc(sizeof(uint32_t) * n), *prev = malloc(sizeof(uint32_t) * n), *next = malloc(sizeof(uint32_t) * n);
    uint8_t *inDRAM = malloc(n);
    for (int run = 0; run < 3; run++) {
        for (size_t i = 0; i < n; i++) { index[i] = NONE; inDRAM[i] = 0; }
        uint32_t head = NONE, tail = NONE, count = 0, capacity = (uint32_t)(n / 4), ids = 0;
        uint64_t hits = 0;
        struct timespec start, end;
        clock_gettime(CLOCK_MONOTONIC, &start);
        for (size_t k = 0; k < ACCESSES; k++) {
            uint32_t id = index[pages[k]];
            if (id == NONE) id = index[pages[k]] = ids++;
            if (inDRAM[id]) {
                hits++;
                if (head != id) {  // unlink, push at the head
                    uint32_t p = prev[id], q = next[id];
                    next[p] = q;
                    if (q != NONE) prev[q] = p; else tail = p;
                    prev[id] = NONE; next[id] = head; prev[head] = id; head = id;
                }
                continue;
            }
            if (count == capacity) {  // evict the tail
                uint32_t victim = tail;
                tail = prev[victim];
                next[tail] = NONE;
                inDRAM[victim] = 0;
                count--;
            }
            prev[id] = NONE; next[id] = head;
            if (head != NONE) prev[head] = id; else tail = id;
            head = id; inDRAM[id] = 1; count++;
        }
        clock_gettime(CLOCK_MONOTONIC, &end);
        double seconds = (double)(end.tv_sec - start.tv_sec) + (double)(end.tv_nsec - start.tv_nsec) / 1e9;
        printf("%zu pages: hit ratio %.1f%%, %.1f M accesses/s\n", n, 100.0 * (double)hits / ACCESSES, ACCESSES / seconds / 1e6);
    }
    return 0;
}
