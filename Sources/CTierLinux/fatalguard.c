// The fatal-signal guard. When a process dies of a trap or a crash, the Swift runtime's
// backtracer (like a debugger or a core dumper) reads the process's memory, heap pages included,
// while its other threads are suspended. A heap page that is not in DRAM would make that read
// wait for its fault to be resolved, which never happens: the fault-handling thread is suspended
// too, or (faults resolved on the faulting thread) the resolver needs a lock a suspended thread
// holds. The process then hangs instead of dying. So on a fatal signal this handler first
// unregisters every guarded range from its userfaultfd, then passes the signal on: reads of
// pages not in DRAM now see the memfd's holes (zeros) instead of waiting, and the report comes out.
// See include/CTierLinux.h for the entry points.
#define _GNU_SOURCE
#include "CTierLinux.h"
#include "signal_chain.h"

#include <errno.h>
#include <linux/userfaultfd.h>
#include <pthread.h>
#include <signal.h>
#include <string.h>
#include <sys/ioctl.h>

struct guarded {
    uintptr_t start;  // 0: a free slot. Written last on add (release), read first (acquire).
    uint64_t length;
    int fd;
};

static struct guarded guards[CTL_SIGBUS_MAX_RANGES];
static pthread_mutex_t guard_lock = PTHREAD_MUTEX_INITIALIZER;
// The signals that end a process by default and that a backtracer or debugger reports. SIGBUS is
// sigbus.c's: it releases the guarded ranges itself before passing on a bus error not its own.
static const int fatal_signals[] = {SIGILL, SIGTRAP, SIGABRT, SIGFPE, SIGSEGV};
enum { FATAL_SIGNAL_COUNT = sizeof fatal_signals / sizeof fatal_signals[0] };
static struct sigaction previous[FATAL_SIGNAL_COUNT];
static int installed;

static void set_registered(int registered) {
    for (int index = 0; index < CTL_SIGBUS_MAX_RANGES; index++) {
        uintptr_t start = __atomic_load_n(&guards[index].start, __ATOMIC_ACQUIRE);
        if (start == 0) continue;
        struct uffdio_range range = {.start = start, .len = guards[index].length};
        if (registered) {
            struct uffdio_register reg = {.range = range, .mode = UFFDIO_REGISTER_MODE_MISSING | UFFDIO_REGISTER_MODE_MINOR};
            ioctl(guards[index].fd, UFFDIO_REGISTER, &reg);
        } else {
            ioctl(guards[index].fd, UFFDIO_UNREGISTER, &range);
        }
    }
}

void ctl_pass_fatal_signal(const struct sigaction *before, int signal, siginfo_t *info, void *ucontext) {
    int saved_errno = errno;
    set_registered(0);
    if ((before->sa_flags & SA_SIGINFO) && before->sa_sigaction) {
        before->sa_sigaction(signal, info, ucontext);
    } else if (!(before->sa_flags & SA_SIGINFO) && before->sa_handler != SIG_DFL && before->sa_handler != SIG_IGN) {
        before->sa_handler(signal);
    } else {
        struct sigaction fallback;
        memset(&fallback, 0, sizeof fallback);
        fallback.sa_handler = SIG_DFL;
        sigaction(signal, &fallback, NULL);
        if (info->si_code <= 0) raise(signal);
        errno = saved_errno;
        return;
    }
    // The handler before ours returned: the process goes on, so the heap must fault again.
    set_registered(1);
    errno = saved_errno;
}

static void on_fatal_signal(int signal, siginfo_t *info, void *ucontext) {
    int slot = 0;
    while (slot < FATAL_SIGNAL_COUNT && fatal_signals[slot] != signal) slot++;
    ctl_pass_fatal_signal(&previous[slot], signal, info, ucontext);
}

int ctl_fatal_guard_add(int fd, void *start, uint64_t length) {
    pthread_mutex_lock(&guard_lock);
    if (!installed) {
        struct sigaction action;
        memset(&action, 0, sizeof action);
        action.sa_sigaction = on_fatal_signal;
        // SA_ONSTACK: a stack overflow's SIGSEGV can only be handled on the alternate stack;
        // this handler needs little, and the handler it passes on to expects to be there.
        action.sa_flags = SA_SIGINFO | SA_ONSTACK | SA_RESTART;
        sigemptyset(&action.sa_mask);
        for (int index = 0; index < FATAL_SIGNAL_COUNT; index++) {
            if (sigaction(fatal_signals[index], &action, &previous[index]) != 0) {
                int saved = errno;
                for (int undo = 0; undo < index; undo++) sigaction(fatal_signals[undo], &previous[undo], NULL);
                pthread_mutex_unlock(&guard_lock);
                errno = saved;
                return -1;
            }
        }
        installed = 1;
    }
    for (int index = 0; index < CTL_SIGBUS_MAX_RANGES; index++) {
        if (__atomic_load_n(&guards[index].start, __ATOMIC_RELAXED) == 0) {
            guards[index].length = length;
            guards[index].fd = fd;
            __atomic_store_n(&guards[index].start, (uintptr_t)start, __ATOMIC_RELEASE);
            pthread_mutex_unlock(&guard_lock);
            return 0;
        }
    }
    pthread_mutex_unlock(&guard_lock);
    errno = ENOSPC;
    return -1;
}

void ctl_fatal_guard_remove(void *start) {
    pthread_mutex_lock(&guard_lock);
    for (int index = 0; index < CTL_SIGBUS_MAX_RANGES; index++) {
        if (__atomic_load_n(&guards[index].start, __ATOMIC_RELAXED) == (uintptr_t)start) {
            __atomic_store_n(&guards[index].start, 0, __ATOMIC_RELEASE);
        }
    }
    pthread_mutex_unlock(&guard_lock);
}
