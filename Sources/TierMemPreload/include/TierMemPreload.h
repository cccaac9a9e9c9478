// libtiermem-preload.so exports the malloc family (malloc, free, calloc, realloc, reallocarray,
// posix_memalign, aligned_alloc, memalign, valloc, pvalloc, malloc_usable_size) with glibc's
// declarations; nothing else is meant to be called. See docs/preload.md.
#pragma once
