// Which threads are inside TierMem's runtime. Under the LD_PRELOAD allocator every malloc of the
// process comes to TierMem; one made by TierMem itself (its fault thread, its daemon, a call into
// the heap already under way on this thread) must go to glibc instead, or the heap would
// allocate from itself while it moves pages (and a fault thread touching its own arena waits for
// itself). See include/CTierLinux.h.
#define _GNU_SOURCE
#include "CTierLinux.h"

#include <pthread.h>

static __thread int depth __attribute__((tls_model("initial-exec")));

int ctl_in_runtime(void) { return depth > 0; }
void ctl_runtime_enter(void) { depth++; }
void ctl_runtime_exit(void) { depth--; }

void ctl_name_this_thread(const char *name) { pthread_setname_np(pthread_self(), name); }
