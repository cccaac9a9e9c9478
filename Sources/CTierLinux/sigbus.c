// Same-thread fault resolution: with UFFD_FEATURE_SIGBUS the kernel raises SIGBUS on the faulting
// thread instead of queueing a message for a handler thread. This file owns the process's SIGBUS
// handler: it finds the arena that holds the faulting address and lets it resolve the fault on
// the spot; any other SIGBUS goes to the handler that was installed before ours.
// See include/CTierLinux.h for the entry points.
#define _GNU_SOURCE
#include "CTierLinux.h"
#include "signal_chain.h"

#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <string.h>

struct range {
    uintptr_t start;  // 0: a free slot. Written last on register (release), read first (acquire).
    uintptr_t end;
    ctl_fault_resolver resolver;
    void *context;
};

static struct range ranges[CTL_SIGBUS_MAX_RANGES];
static pthread_mutex_t registry_lock = PTHREAD_MUTEX_INITIALIZER;
static struct sigaction previous;
static int installed;

// Hands a SIGBUS that is not ours to whatever was installed before (or the default action): a
// bus error not ours is fatal unless that handler deals with it.
static void chain(int signal, siginfo_t *info, void *ucontext) { ctl_pass_fatal_signal(&previous, signal, info, ucontext); }

static void on_sigbus(int signal, siginfo_t *info, void *ucontext) {
    int saved_errno = errno;
    uintptr_t address = (uintptr_t)info->si_addr;
    for (int index = 0; index < CTL_SIGBUS_MAX_RANGES; index++) {
        uintptr_t start = __atomic_load_n(&ranges[index].start, __ATOMIC_ACQUIRE);
        if (start != 0 && address >= start && address < ranges[index].end
            && ranges[index].resolver(ranges[index].context, info->si_addr)) {
            errno = saved_errno;
            return;  // resolved: the access runs again and finds the page mapped
        }
    }
    errno = saved_errno;
    chain(signal, info, ucontext);
}

int ctl_sigbus_register(void *start, uint64_t length, ctl_fault_resolver resolver, void *context) {
    pthread_mutex_lock(&registry_lock);
    if (!installed) {
        struct sigaction action;
        memset(&action, 0, sizeof action);
        action.sa_sigaction = on_sigbus;
        // No SA_ONSTACK: resolving a fault needs more stack than an alternate signal stack
        // (set up for stack overflows) may have. No SA_NODEFER: a SIGBUS inside the resolver
        // is a bug, and the kernel then terminates the process rather than recursing.
        action.sa_flags = SA_SIGINFO | SA_RESTART;
        sigemptyset(&action.sa_mask);
        if (sigaction(SIGBUS, &action, &previous) != 0) {
            int saved = errno;
            pthread_mutex_unlock(&registry_lock);
            errno = saved;
            return -1;
        }
        installed = 1;
    }
    for (int index = 0; index < CTL_SIGBUS_MAX_RANGES; index++) {
        if (__atomic_load_n(&ranges[index].start, __ATOMIC_RELAXED) == 0) {
            ranges[index].end = (uintptr_t)start + length;
            ranges[index].resolver = resolver;
            ranges[index].context = context;
            __atomic_store_n(&ranges[index].start, (uintptr_t)start, __ATOMIC_RELEASE);
            pthread_mutex_unlock(&registry_lock);
            return 0;
        }
    }
    pthread_mutex_unlock(&registry_lock);
    errno = ENOSPC;
    return -1;
}

void ctl_sigbus_unregister(void *start) {
    pthread_mutex_lock(&registry_lock);
    for (int index = 0; index < CTL_SIGBUS_MAX_RANGES; index++) {
        if (__atomic_load_n(&ranges[index].start, __ATOMIC_RELAXED) == (uintptr_t)start) {
            __atomic_store_n(&ranges[index].start, 0, __ATOMIC_RELEASE);
        }
    }
    pthread_mutex_unlock(&registry_lock);
}
