// libtiermem-preload.so: TierMem under an unmodified program, loaded with LD_PRELOAD (as
// jemalloc, mimalloc or memkind's libautohbw are). It interposes the malloc family: an allocation
// of at least TIERMEM_MIN_SIZE bytes comes from one tiered heap made from the TIERMEM_*
// environment (`tiermem run` sets it); smaller ones, and any pointer that is not the heap's, stay
// with glibc. docs/preload.md says what it guarantees and why.
//
// Re-entry: the Swift runtime, the heap's fault thread and daemon, memkind, LZ4 and zstd call
// malloc themselves. A thread inside the runtime (ctl_in_runtime: TierMem's own threads for good,
// any thread while it calls into the heap) is always served by glibc, so the heap never
// allocates from itself. Until this library's constructor has run (the Swift runtime and libc
// start first) and while the heap is being made, everything goes to glibc too.
//
// fork(): the heap is a shared memfd mapping whose pages not in DRAM are resolved by a thread
// the child does not have; a child reading it would see zeros where offloaded pages are, and a
// child writing it would corrupt the parent. So the mapping is not inherited (MADV_DONTFORK):
// fork+exec just works, and a forked child that touches the heap stops at once with a message
// (a guard mapping and a SIGSEGV handler), never reading wrong bytes. Its own allocations go to
// glibc.
#define _GNU_SOURCE
#include "CTierLinux.h"

#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <time.h>
#include <unistd.h>

// The C ABI (include/tiermem.h), linked into this library from TierMemC.
typedef struct tm_heap tm_heap;
int tm_heap_create(const char *tiers, tm_heap **heap);
void tm_heap_destroy(tm_heap *heap);
int tm_heap_start_daemon(tm_heap *heap, const char *policy, const char *record);
void tm_heap_stop_daemon(tm_heap *heap);
int tm_heap_bounds(tm_heap *heap, void **start, size_t *length);
int tm_stats(tm_heap *heap, uint64_t *out);  // tm_stats_t's 15 uint64_t fields, in order
void *tm_malloc(tm_heap *heap, size_t size);
void *tm_calloc(tm_heap *heap, size_t count, size_t size);
void *tm_realloc(tm_heap *heap, void *pointer, size_t size);
void tm_free(tm_heap *heap, void *pointer);
size_t tm_malloc_usable_size(tm_heap *heap, void *pointer);
const char *tm_last_error(void);

// glibc's allocator under its own names: what is not ours goes there.
extern void *__libc_malloc(size_t);
extern void *__libc_calloc(size_t, size_t);
extern void *__libc_realloc(void *, size_t);
extern void __libc_free(void *);
extern void *__libc_memalign(size_t, size_t);

enum state { NOT_STARTED, STARTING, READY, UNAVAILABLE, FORKED_CHILD };

static int constructed;                  // this library's constructor has run
static int heap_state = NOT_STARTED;     // enum state, read and written atomically
static tm_heap *heap;
static uintptr_t heap_start, heap_end;   // the arena's range: a pointer in it is ours
static size_t min_size = 1024;           // TIERMEM_MIN_SIZE
static size_t page_size = 4096;
static char *record_path;                // TIERMEM_RECORD, this process's only (see the constructor)

static int state(void) { return __atomic_load_n(&heap_state, __ATOMIC_ACQUIRE); }

static int is_ours(const void *pointer) {
    uintptr_t address = (uintptr_t)pointer;
    return address >= heap_start && address < heap_end;
}

// One line on stderr, without stdio's buffers (which malloc).
static void say(const char *a, const char *b, const char *c) {
    const char *parts[] = {"tiermem-preload: ", a, b, c, "\n"};
    for (unsigned i = 0; i < sizeof parts / sizeof parts[0]; i++) {
        if (parts[i] && *parts[i]) { ssize_t ignored = write(STDERR_FILENO, parts[i], strlen(parts[i])); (void)ignored; }
    }
}

__attribute__((noreturn)) static void child_cannot_reach_heap(void) {
    say("a child forked without exec used the tiered heap, which is not inherited across fork: "
        "the child stops here rather than read wrong bytes (docs/preload.md). ",
        "exec right after fork, or keep such data below TIERMEM_MIN_SIZE", "");
    _exit(128 + SIGSEGV);
}

static void forked_child_touched_heap(int signal, siginfo_t *info, void *context) {
    (void)context;
    if (is_ours(info->si_addr)) child_cannot_reach_heap();
    // Not the heap: die of the fault as without this handler.
    struct sigaction fallback;
    memset(&fallback, 0, sizeof fallback);
    fallback.sa_handler = SIG_DFL;
    sigaction(signal, &fallback, NULL);
}

// In a forked child: the arena was not inherited (MADV_DONTFORK); a guard mapping makes a touch
// fault, and the handler says why.
static void after_fork_in_child(void) {
    if (state() != READY) return;
    __atomic_store_n(&heap_state, FORKED_CHILD, __ATOMIC_RELEASE);
    mmap((void *)heap_start, heap_end - heap_start, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED_NOREPLACE | MAP_NORESERVE, -1, 0);
    struct sigaction action;
    memset(&action, 0, sizeof action);
    action.sa_sigaction = forked_child_touched_heap;
    action.sa_flags = SA_SIGINFO;
    sigemptyset(&action.sa_mask);
    sigaction(SIGSEGV, &action, NULL);
}

// The heap's statistics as one JSON line appended to TIERMEM_STATS_FILE (`tiermem run --stats`):
// every TIERMEM_STATS_SECONDS while the program runs, and at exit with "exit": true. Pages of
// page_size bytes; "seconds" since the heap started. Called inside the runtime.
static struct timespec heap_started;

static void append_stats(int at_exit) {
    const char *path = getenv("TIERMEM_STATS_FILE");
    uint64_t s[15];
    if (!path || !*path || tm_stats(heap, s) != 0) return;
    struct timespec now;
    clock_gettime(CLOCK_MONOTONIC, &now);
    double seconds = (double)(now.tv_sec - heap_started.tv_sec) + (double)(now.tv_nsec - heap_started.tv_nsec) / 1e9;
    char text[1024];
    int length = snprintf(text, sizeof text,
        "{\"page_size\": %lu, \"dram_pages\": %lu, \"dram_capacity_pages\": %lu, \"pmem_pages\": %lu, "
        "\"compressed_pages\": %lu, \"compressed_bytes\": %lu, \"missing_faults\": %lu, \"minor_faults\": %lu, "
        "\"promotions\": %lu, \"demotions\": %lu, \"direct_reclaims\": %lu, \"slab_pages\": %lu, \"run_pages\": %lu, "
        "\"free_pages\": %lu, \"small_objects\": %lu, \"min_size\": %lu, \"pid\": %d, \"seconds\": %.3f, \"exit\": %s}\n",
        s[0], s[1], s[2], s[3], s[4], s[5], s[6], s[7], s[8], s[9], s[10], s[11], s[12], s[13], s[14],
        (unsigned long)min_size, (int)getpid(), seconds, at_exit ? "true" : "false");
    int fd = open(path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
    if (fd < 0) return;
    ssize_t ignored = write(fd, text, (size_t)length);  // one write: lines of processes do not mix
    (void)ignored;
    close(fd);
}

// At exit: the last statistics line; with a recording, the daemon stops so that the trace is
// complete.
static void at_exit(void) {
    if (state() != READY) return;
    ctl_runtime_enter();
    append_stats(1);
    if (record_path) tm_heap_stop_daemon(heap);
    ctl_runtime_exit();
}

// The starter thread, once the heap is ready: a statistics line every TIERMEM_STATS_SECONDS
// (when set above 0, with TIERMEM_STATS_FILE) until the process ends.
static void report_periodically(void) {
    const char *value = getenv("TIERMEM_STATS_SECONDS");
    double period = value ? strtod(value, NULL) : 0;
    if (!(period > 0) || !getenv("TIERMEM_STATS_FILE")) return;
    const struct timespec every = {.tv_sec = (time_t)period, .tv_nsec = (long)((period - (double)(time_t)period) * 1e9)};
    for (;;) {
        struct timespec left = every;
        while (nanosleep(&left, &left) != 0 && errno == EINTR) {}
        append_stats(0);
    }
}

static int require(void) {
    const char *value = getenv("TIERMEM_REQUIRE");
    return value && strcmp(value, "1") == 0;
}

// Makes the heap, on a thread of its own, started by the first large allocation after the
// constructor. Not inside that malloc: its caller may hold a libc lock (setlocale allocates while
// it holds the locale lock) that making the heap needs too (strerror takes it). That caller waits
// for the heap a short while (a few milliseconds when nothing stands in the way), then goes on
// with glibc; every other allocation goes to glibc until the heap is ready.
static pthread_mutex_t ready_lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t ready_changed;
enum { START_WAIT_MILLISECONDS = 200 };

static void set_state(int next) {
    pthread_mutex_lock(&ready_lock);
    __atomic_store_n(&heap_state, next, __ATOMIC_RELEASE);
    pthread_cond_broadcast(&ready_changed);
    pthread_mutex_unlock(&ready_lock);
}

// Runs on a runtime thread (ctl_start_runtime_thread): its allocations stay with glibc.
static void start_heap(void *unused) {
    (void)unused;
    tm_heap *created = NULL;
    int status = tm_heap_create(NULL, &created);
    void *start = NULL;
    size_t length = 0;
    if (status == 0) status = tm_heap_bounds(created, &start, &length);
    if (status == 0 && madvise(start, length, MADV_DONTFORK) != 0) status = -1;
    const char *policy = getenv("TIERMEM_POLICY");
    if (!policy || !*policy) policy = "lru";
    int daemon_failed = 0;
    if (status == 0 && !getenv("TIERMEM_PROFILE") && strcmp(policy, "none") != 0) {
        status = tm_heap_start_daemon(created, policy, record_path);
        daemon_failed = status != 0;
    }
    if (status != 0) {
        const char *reason = status == -1 ? "madvise(MADV_DONTFORK) on the heap failed" : tm_last_error();
        char why[512];
        if (daemon_failed) {
            snprintf(why, sizeof why, "TIERMEM_POLICY='%s': %s", policy, reason);
        } else {
            snprintf(why, sizeof why, "%s", reason);
        }
        if (require()) {
            say("cannot start the tiered heap: ", why, " (TIERMEM_REQUIRE=1: stopping)");
            abort();
        }
        say("cannot start the tiered heap, so every allocation stays with glibc: ", why, "");
        tm_heap_destroy(created);  // made, but unusable: its threads and memory go (NULL: nothing)
        set_state(UNAVAILABLE);
        return;
    }
    heap = created;
    heap_start = (uintptr_t)start;
    heap_end = heap_start + length;
    clock_gettime(CLOCK_MONOTONIC, &heap_started);
    atexit(at_exit);
    set_state(READY);
    report_periodically();
}

// Whether an allocation of `size` bytes is the heap's to serve now.
static int heap_takes(size_t size) {
    if (size < min_size || !constructed || ctl_in_runtime()) return 0;
    int now = state();
    if (now == NOT_STARTED) {
        int expected = NOT_STARTED;
        if (__atomic_compare_exchange_n(&heap_state, &expected, STARTING, 0, __ATOMIC_ACQ_REL, __ATOMIC_ACQUIRE)) {
            if (ctl_start_runtime_thread("tiermem-start", start_heap, NULL) != 0) {
                say("cannot start a thread to make the tiered heap, so every allocation stays with glibc", "", "");
                set_state(UNAVAILABLE);
                return 0;
            }
            struct timespec deadline;
            clock_gettime(CLOCK_MONOTONIC, &deadline);
            deadline.tv_nsec += START_WAIT_MILLISECONDS * 1000000L;
            deadline.tv_sec += deadline.tv_nsec / 1000000000L;
            deadline.tv_nsec %= 1000000000L;
            pthread_mutex_lock(&ready_lock);
            while (state() == STARTING && pthread_cond_timedwait(&ready_changed, &ready_lock, &deadline) != ETIMEDOUT) {}
            pthread_mutex_unlock(&ready_lock);
            return state() == READY;
        }
        return 0;
    }
    return now == READY;
}

__attribute__((constructor)) static void preload_start(void) {
    const char *value = getenv("TIERMEM_MIN_SIZE");
    if (value && *value) {
        char *end = NULL;
        errno = 0;
        unsigned long long parsed = strtoull(value, &end, 10);
        if (errno || *end || value[0] == '-') {
            say("TIERMEM_MIN_SIZE='", value, "': expected a number of bytes; using 1024");
        } else {
            min_size = parsed == 0 ? 1 : (size_t)parsed;
        }
    }
    // The recording is this process's: a program it starts with exec (and preloads) records
    // nothing, rather than race it for the same file.
    const char *record = getenv("TIERMEM_RECORD");
    if (record && *record) {
        record_path = strdup(record);
        unsetenv("TIERMEM_RECORD");
    }
    const char *faults = getenv("TIERMEM_FAULTS");
    if (faults && strcmp(faults, "signal") == 0) {
        // A fault resolved in a SIGBUS handler on the faulting thread can allocate, which under
        // the preload would come back here. The handler thread also serves system calls.
        say("TIERMEM_FAULTS=signal is not supported under the preload; faults are resolved by the handler thread", "", "");
        unsetenv("TIERMEM_FAULTS");
    }
    pthread_condattr_t clock;
    pthread_condattr_init(&clock);
    pthread_condattr_setclock(&clock, CLOCK_MONOTONIC);
    pthread_cond_init(&ready_changed, &clock);
    pthread_condattr_destroy(&clock);
    long page = sysconf(_SC_PAGESIZE);
    if (page > 0) page_size = (size_t)page;
    pthread_atfork(NULL, NULL, after_fork_in_child);
    __atomic_store_n(&constructed, 1, __ATOMIC_RELEASE);
}

// ---- The interposed functions ----

// A call into the heap from a thread outside the runtime.
#define IN_RUNTIME(expression) ({ ctl_runtime_enter(); __auto_type result_ = (expression); ctl_runtime_exit(); result_; })

void *malloc(size_t size) {
    if (heap_takes(size)) {
        void *pointer = IN_RUNTIME(tm_malloc(heap, size));
        if (pointer) return pointer;
    }
    return __libc_malloc(size);  // also when the heap is full: the program goes on in DRAM
}

void free(void *pointer) {
    if (!pointer) return;
    if (is_ours(pointer)) {
        // A forked child cannot reach the heap: its frees of the parent's objects are no-ops.
        if (state() == READY) { ctl_runtime_enter(); tm_free(heap, pointer); ctl_runtime_exit(); }
        return;
    }
    __libc_free(pointer);
}

void *calloc(size_t count, size_t size) {
    size_t total;
    if (__builtin_mul_overflow(count, size, &total)) {
        errno = ENOMEM;
        return NULL;
    }
    if (heap_takes(total)) {
        void *pointer = IN_RUNTIME(tm_calloc(heap, count, size));
        if (pointer) return pointer;
    }
    return __libc_calloc(count, size);
}

size_t malloc_usable_size(void *pointer) {
    if (!pointer) return 0;
    if (is_ours(pointer)) {
        if (state() != READY) child_cannot_reach_heap();
        return IN_RUNTIME(tm_malloc_usable_size(heap, pointer));
    }
    // glibc's, by name from libc itself: the next definition in search order may be another
    // allocator's (Redis links jemalloc), which would misread glibc's chunk.
    static size_t (*glibc_usable_size)(void *);
    if (!glibc_usable_size) {
        void *libc = dlopen("libc.so.6", RTLD_LAZY | RTLD_NOLOAD);
        if (libc) glibc_usable_size = (size_t (*)(void *))dlsym(libc, "malloc_usable_size");
    }
    return glibc_usable_size ? glibc_usable_size(pointer) : 0;
}

void *realloc(void *pointer, size_t size) {
    if (!pointer) return malloc(size);
    if (!is_ours(pointer)) {
        if (!heap_takes(size)) return __libc_realloc(pointer, size);
        // Grown past the threshold: move it into the heap.
        size_t old = malloc_usable_size(pointer);
        void *moved = IN_RUNTIME(tm_malloc(heap, size));
        if (!moved) return __libc_realloc(pointer, size);
        memcpy(moved, pointer, old < size ? old : size);
        __libc_free(pointer);
        return moved;
    }
    if (state() != READY) child_cannot_reach_heap();  // a forked child resizing the parent's object
    if (size == 0) {  // glibc's realloc(p, 0): frees p and returns NULL
        free(pointer);
        return NULL;
    }
    if (size >= min_size) {
        void *moved = IN_RUNTIME(tm_realloc(heap, pointer, size));
        if (moved) return moved;
    }
    // Shrunk below the threshold, or the heap is full: move it to glibc.
    size_t old = IN_RUNTIME(tm_malloc_usable_size(heap, pointer));
    void *moved = __libc_malloc(size);
    if (!moved) return NULL;
    memcpy(moved, pointer, old < size ? old : size);
    free(pointer);
    return moved;
}

void *reallocarray(void *pointer, size_t count, size_t size) {
    size_t total;
    if (__builtin_mul_overflow(count, size, &total)) {
        errno = ENOMEM;
        return NULL;
    }
    return realloc(pointer, total);
}

// Aligned allocations: the heap's page runs (objects over 2 KiB) are page-aligned, so it takes
// those of up to a page's alignment; the rest go to glibc.
static void *aligned(size_t alignment, size_t size) {
    if (alignment <= page_size && size > 2048 && heap_takes(size)) {
        void *pointer = IN_RUNTIME(tm_malloc(heap, size));
        if (pointer) return pointer;
    }
    return __libc_memalign(alignment, size);
}

static int power_of_two(size_t value) { return value && !(value & (value - 1)); }

int posix_memalign(void **out, size_t alignment, size_t size) {
    if (!power_of_two(alignment) || alignment % sizeof(void *)) return EINVAL;
    void *pointer = aligned(alignment, size);
    if (!pointer) return ENOMEM;
    *out = pointer;
    return 0;
}

void *aligned_alloc(size_t alignment, size_t size) {
    if (!power_of_two(alignment)) {
        errno = EINVAL;
        return NULL;
    }
    return aligned(alignment, size);
}

void *memalign(size_t alignment, size_t size) {
    if (!power_of_two(alignment)) {
        errno = EINVAL;
        return NULL;
    }
    return aligned(alignment, size);
}

void *valloc(size_t size) { return aligned(page_size, size); }

void *pvalloc(size_t size) {
    size_t rounded;
    if (__builtin_add_overflow(size, page_size - 1, &rounded)) {
        errno = ENOMEM;
        return NULL;
    }
    return aligned(page_size, (rounded & ~(page_size - 1)) ? (rounded & ~(page_size - 1)) : page_size);
}
