// The live heap's memfd arena and userfaultfd fault-resolution ioctls.
// See include/CTierLinux.h for why each wrapper exists.
#define _GNU_SOURCE
#include "CTierLinux.h"

#include <errno.h>
#include <fcntl.h>
#include <linux/falloc.h>
#include <linux/userfaultfd.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <unistd.h>

int ctl_memfd_create(const char *name) {
    return memfd_create(name, MFD_CLOEXEC);
}

int ctl_punch_hole(int fd, int64_t offset, int64_t length) {
    return fallocate(fd, FALLOC_FL_PUNCH_HOLE | FALLOC_FL_KEEP_SIZE, offset, length);
}

int ctl_uffdio_register(int fd, void *start, uint64_t length, int missing, int minor, uint64_t *ioctls) {
    struct uffdio_register reg = {
        .range = { .start = (uint64_t)(uintptr_t)start, .len = length },
        .mode = (missing ? UFFDIO_REGISTER_MODE_MISSING : 0) | (minor ? UFFDIO_REGISTER_MODE_MINOR : 0),
    };
    if (ioctl(fd, UFFDIO_REGISTER, &reg) != 0) return -1;
    if (ioctls) *ioctls = reg.ioctls;
    return 0;
}

int ctl_uffdio_copy(int fd, void *dst, const void *src, uint64_t length, int dont_wake) {
    uint64_t done = 0;
    while (done < length) {
        struct uffdio_copy copy = {
            .dst = (uint64_t)(uintptr_t)dst + done,
            .src = (uint64_t)(uintptr_t)src + done,
            .len = length - done,
            .mode = dont_wake ? UFFDIO_COPY_MODE_DONTWAKE : 0,
        };
        if (ioctl(fd, UFFDIO_COPY, &copy) == 0) return 0;
        // The kernel may copy part of the range and ask to be called again for the rest.
        if (errno == EAGAIN && copy.copy > 0) { done += (uint64_t)copy.copy; continue; }
        if (errno == EAGAIN) continue;
        return errno;
    }
    return 0;
}

int ctl_uffdio_continue(int fd, void *start, uint64_t length) {
    struct uffdio_continue cont = { .range = { .start = (uint64_t)(uintptr_t)start, .len = length } };
    for (;;) {
        if (ioctl(fd, UFFDIO_CONTINUE, &cont) == 0) return 0;
        if (errno != EAGAIN) return errno;
    }
}

int ctl_uffdio_wake(int fd, void *start, uint64_t length) {
    struct uffdio_range range = { .start = (uint64_t)(uintptr_t)start, .len = length };
    return ioctl(fd, UFFDIO_WAKE, &range) == 0 ? 0 : errno;
}

int ctl_uffd_read_faults(int fd, uint64_t *addresses, uint32_t *flags, int max) {
    struct uffd_msg messages[64];
    int wanted = max < 64 ? max : 64;
    ssize_t got = read(fd, messages, sizeof(struct uffd_msg) * (size_t)wanted);
    if (got < 0) return (errno == EAGAIN || errno == EWOULDBLOCK) ? 0 : -1;
    int count = 0;
    for (ssize_t i = 0; i < got / (ssize_t)sizeof(struct uffd_msg); i++) {
        if (messages[i].event != UFFD_EVENT_PAGEFAULT) continue;
        uint64_t f = messages[i].arg.pagefault.flags;
        addresses[count] = messages[i].arg.pagefault.address;
        flags[count] = ((f & UFFD_PAGEFAULT_FLAG_WRITE) ? CTL_FAULT_WRITE : 0)
                     | ((f & UFFD_PAGEFAULT_FLAG_MINOR) ? CTL_FAULT_MINOR : 0);
        count++;
    }
    return count;
}
