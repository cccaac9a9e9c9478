// Which threads are inside TierMem's runtime. Under the LD_PRELOAD allocator every malloc of the
// process comes to TierMem; one made by TierMem itself (its fault thread, its daemon, a call into
// the heap already under way on this thread) must go to glibc instead, or the heap would
// allocate from itself while it moves pages (and a fault thread touching its own arena waits for
// itself). See include/CTierLinux.h.
#define _GNU_SOURCE
#include "CTierLinux.h"

#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>

static __thread int depth __attribute__((tls_model("initial-exec")));

int ctl_in_runtime(void) { return depth > 0; }
void ctl_runtime_enter(void) { depth++; }
void ctl_runtime_exit(void) { depth--; }

void ctl_name_this_thread(const char *name) { pthread_setname_np(pthread_self(), name); }

struct start {
    char name[16];
    ctl_thread_body body;
    void *context;
};

static void *run(void *argument) {
    depth = 1;  // before anything else runs on this thread: the body's allocations, its runtime's
    struct start start = *(struct start *)argument;
    free(argument);
    pthread_setname_np(pthread_self(), start.name);
    start.body(start.context);
    return NULL;
}

int ctl_start_runtime_thread(const char *name, ctl_thread_body body, void *context) {
    struct start *start = malloc(sizeof *start);
    if (!start) return ENOMEM;
    snprintf(start->name, sizeof start->name, "%s", name);
    start->body = body;
    start->context = context;
    pthread_attr_t attributes;
    pthread_attr_init(&attributes);
    pthread_attr_setdetachstate(&attributes, PTHREAD_CREATE_DETACHED);
    int status = pthread_create(&(pthread_t){0}, &attributes, run, start);
    pthread_attr_destroy(&attributes);
    if (status != 0) free(start);
    return status;
}
