// memkind: heap manager over PMEM (and other) kinds. https://pmem.io/memkind/
#pragma once
#include <memkind.h>

// MEMKIND_DEFAULT is a mutable C global; Swift 6 concurrency checking rejects reading it directly.
static inline memkind_t ctm_memkind_default(void) { return MEMKIND_DEFAULT; }
// MEMKIND_PMEM_MIN_SIZE is an enum constant that Swift imports awkwardly; expose it as a size_t.
static inline size_t ctm_memkind_pmem_min_size(void) { return (size_t)MEMKIND_PMEM_MIN_SIZE; }
