// CTierLinux: the C shim for what Swift cannot call directly on Linux.
// Every symbol is prefixed `ctl_`. Each wrapper says why it exists.
#pragma once

#include <stdint.h>
#include <stddef.h>

#ifdef __cplusplus
extern "C" {
#endif

/// Opens a userfaultfd through the `userfaultfd(2)` system call.
/// Why: glibc has no wrapper and `syscall` is variadic, which Swift cannot call.
/// `user_mode_only` adds UFFD_USER_MODE_ONLY (faults from kernel mode are not handled).
/// Returns the descriptor, or -1 with errno set.
int ctl_userfaultfd_syscall(int user_mode_only);

/// Opens a userfaultfd through `/dev/userfaultfd` and its USERFAULTFD_IOC_NEW ioctl (Linux 6.1+).
/// Why: `ioctl` is variadic; the device path is permitted by file mode rather than by sysctl.
/// Returns the descriptor, or -1 with errno set.
int ctl_userfaultfd_device(int user_mode_only);

/// Performs the UFFDIO_API handshake, asking for `requested_features`.
/// On success stores the features the kernel granted and the supported ioctl bit mask.
/// Why: `ioctl` is variadic and UFFDIO_API is a macro built from _IOWR.
/// Returns 0, or -1 with errno set.
int ctl_uffdio_api(int fd, uint64_t requested_features, uint64_t *granted_features, uint64_t *ioctls);

/// Feature bits of `struct uffdio_api` that TierMem relies on (macros in <linux/userfaultfd.h>).
uint64_t ctl_uffd_feature_missing_shmem(void);
uint64_t ctl_uffd_feature_minor_shmem(void);
uint64_t ctl_uffd_feature_sigbus(void);

// ---- The live heap's arena and fault service (arena.c) ----

/// Creates an anonymous memory file (`memfd_create(2)` with MFD_CLOEXEC).
/// Why: glibc declares it only under _GNU_SOURCE, which the Swift Glibc module does not set.
/// Returns the descriptor, or -1 with errno set.
int ctl_memfd_create(const char *name);

/// Frees the file's pages in [offset, offset + length) and keeps its size:
/// `fallocate(fd, FALLOC_FL_PUNCH_HOLE | FALLOC_FL_KEEP_SIZE, ...)`.
/// Why: the flag macros live in <linux/falloc.h>, which Swift does not import.
/// Returns 0, or -1 with errno set.
int ctl_punch_hole(int fd, int64_t offset, int64_t length);

/// Registers [start, start + length) with the userfaultfd for MISSING and/or MINOR faults and
/// stores the ioctls the range supports. Why: `ioctl` is variadic; UFFDIO_REGISTER is a macro.
int ctl_uffdio_register(int fd, void *start, uint64_t length, int missing, int minor, uint64_t *ioctls);

/// Atomically fills [dst, dst + length) with a copy of `src` and maps it (UFFDIO_COPY), waking
/// threads faulting there unless `dont_wake`. Retries the kernel's partial copies (EAGAIN).
/// Returns 0, or the positive errno (EEXIST: the page is already mapped).
int ctl_uffdio_copy(int fd, void *dst, const void *src, uint64_t length, int dont_wake);

/// Maps the page cache page already present behind [start, start + length) (UFFDIO_CONTINUE),
/// resolving MINOR faults. Returns 0, or the positive errno.
int ctl_uffdio_continue(int fd, void *start, uint64_t length);

/// Wakes threads waiting on faults in [start, start + length) (UFFDIO_WAKE). Returns 0 or errno.
int ctl_uffdio_wake(int fd, void *start, uint64_t length);

/// Page-fault flags TierMem reads from a `struct uffd_msg`.
enum {
    CTL_FAULT_WRITE = 1,  // UFFD_PAGEFAULT_FLAG_WRITE
    CTL_FAULT_MINOR = 2,  // UFFD_PAGEFAULT_FLAG_MINOR
};

/// Reads up to `max` pending page-fault messages without blocking. For each stores the faulting
/// address and CTL_FAULT_* flags; other events are skipped. Why: `struct uffd_msg` is a union
/// Swift imports awkwardly, and the flag macros are not importable.
/// Returns the number of faults stored (0 when none are pending), or -1 with errno set.
int ctl_uffd_read_faults(int fd, uint64_t *addresses, uint32_t *flags, int max);

// ---- Same-thread fault resolution (sigbus.c) ----
// With UFFD_FEATURE_SIGBUS a fault raises SIGBUS on the faulting thread instead of waking a
// handler thread: no cross-core wake-up. Why C: the signal handler must be installed with
// sigaction and SA_SIGINFO, read `si_addr`, and chain to the previous handler, which Swift
// cannot express safely.

/// Most arenas that can resolve faults on the faulting thread at once.
enum { CTL_SIGBUS_MAX_RANGES = 64 };

/// Resolves a fault at `address` on the calling (faulting) thread, inside the SIGBUS handler.
/// Returns nonzero when the page is now mapped, 0 to pass the signal on.
typedef int (*ctl_fault_resolver)(void *context, void *address);

/// Routes SIGBUS at addresses in [start, start + length) to `resolver(context, address)`,
/// installing the process's handler on first use (other SIGBUS signals go to the handler that
/// was there before). Returns 0, or -1 with errno set (ENOSPC: CTL_SIGBUS_MAX_RANGES in use).
int ctl_sigbus_register(void *start, uint64_t length, ctl_fault_resolver resolver, void *context);

/// Stops routing SIGBUS for the range that starts at `start`.
void ctl_sigbus_unregister(void *start);

// ---- The fatal-signal guard (fatalguard.c) ----
// A dying process's backtracer reads heap pages while every other thread is suspended; a page
// not in DRAM would wait forever for its fault. Why C: the handler must run in signal context,
// unregister with ioctl, and chain to the handler installed before it.

/// Guards [start, start + length), registered with userfaultfd `fd` for MISSING and MINOR faults:
/// on SIGILL, SIGTRAP, SIGABRT, SIGFPE or SIGSEGV the range is unregistered before the signal
/// goes on to the handler installed before (re-registered if that handler returns). Installs the
/// handlers on first use. Returns 0, or -1 with errno set (ENOSPC: CTL_SIGBUS_MAX_RANGES in use).
int ctl_fatal_guard_add(int fd, void *start, uint64_t length);

/// Stops guarding the range that starts at `start` (before its userfaultfd is closed).
void ctl_fatal_guard_remove(void *start);

// ---- Threads inside the runtime (runtime_thread.c) ----
// Why C: a thread-local counter the LD_PRELOAD allocator reads on every malloc, without a call
// into Swift. TierMem's own threads enter once for good; a call into the heap enters and exits.

/// Whether the calling thread is inside TierMem's runtime (its allocations then go to glibc).
int ctl_in_runtime(void);
void ctl_runtime_enter(void);
void ctl_runtime_exit(void);

/// Names the calling thread for the kernel (top, perf, /proc/PID/task/TID/comm; 15 bytes at
/// most). Why: pthread_setname_np needs _GNU_SOURCE, and Foundation's Thread.name does not reach it.
void ctl_name_this_thread(const char *name);

typedef void (*ctl_thread_body)(void *context);

/// Starts a detached thread named `name` that is inside the runtime from its first instruction,
/// then runs `body(context)`. Why: a thread started by Foundation runs Foundation's code (which
/// allocates) before its closure; under the preload, with a small TIERMEM_MIN_SIZE, the fault
/// thread's own start-up then took heap memory and waited for itself to bring it in.
/// Returns 0 or an errno.
int ctl_start_runtime_thread(const char *name, ctl_thread_body body, void *context);

// ---- Atomics on plain memory (allocator metadata) ----
// Why: Swift's Synchronization.Atomic lives in a stored property; the allocator's bitmaps are
// one side table allocated by the million, so it needs atomics on a raw pointer.

/// Atomically ORs `bits` into `*word` and returns the previous value (acquire-release).
static inline uint64_t ctl_atomic_fetch_or(uint64_t *word, uint64_t bits) {
    return __atomic_fetch_or(word, bits, __ATOMIC_ACQ_REL);
}

/// Atomically ANDs `bits` into `*word` and returns the previous value (acquire-release).
static inline uint64_t ctl_atomic_fetch_and(uint64_t *word, uint64_t bits) {
    return __atomic_fetch_and(word, bits, __ATOMIC_ACQ_REL);
}

/// Reads and writes a byte atomically (acquire / release): a page's kind in the allocator's
/// metadata, written by the thread that changes it and read by any.
static inline uint8_t ctl_atomic_load_u8(const uint8_t *byte) {
    return __atomic_load_n(byte, __ATOMIC_ACQUIRE);
}

static inline void ctl_atomic_store_u8(uint8_t *byte, uint8_t value) {
    __atomic_store_n(byte, value, __ATOMIC_RELEASE);
}

/// Reads `*word` atomically (relaxed: for statistics).
static inline uint64_t ctl_atomic_load(const uint64_t *word) {
    return __atomic_load_n(word, __ATOMIC_RELAXED);
}

#ifdef __cplusplus
}
#endif
