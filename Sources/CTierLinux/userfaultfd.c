// Userfaultfd entry points for TierMem. See include/CTierLinux.h for why each exists.
#define _GNU_SOURCE
#include "CTierLinux.h"

#include <errno.h>
#include <fcntl.h>
#include <linux/userfaultfd.h>
#include <sys/ioctl.h>
#include <sys/syscall.h>
#include <unistd.h>

#ifndef UFFD_USER_MODE_ONLY
#define UFFD_USER_MODE_ONLY 1
#endif

static int open_flags(int user_mode_only) {
    return O_CLOEXEC | O_NONBLOCK | (user_mode_only ? UFFD_USER_MODE_ONLY : 0);
}

int ctl_userfaultfd_syscall(int user_mode_only) {
#ifdef SYS_userfaultfd
    return (int)syscall(SYS_userfaultfd, open_flags(user_mode_only));
#else
    errno = ENOSYS;
    return -1;
#endif
}

int ctl_userfaultfd_device(int user_mode_only) {
#ifdef USERFAULTFD_IOC_NEW
    int dev = open("/dev/userfaultfd", O_RDWR | O_CLOEXEC);
    if (dev < 0) return -1;
    int fd = ioctl(dev, USERFAULTFD_IOC_NEW, open_flags(user_mode_only));
    int saved = errno;
    close(dev);
    errno = saved;
    return fd;
#else
    errno = ENOSYS;
    return -1;
#endif
}

int ctl_uffdio_api(int fd, uint64_t requested_features, uint64_t *granted_features, uint64_t *ioctls) {
    struct uffdio_api api = { .api = UFFD_API, .features = requested_features };
    if (ioctl(fd, UFFDIO_API, &api) != 0) return -1;
    if (granted_features) *granted_features = api.features;
    if (ioctls) *ioctls = api.ioctls;
    return 0;
}

uint64_t ctl_uffd_feature_missing_shmem(void) { return UFFD_FEATURE_MISSING_SHMEM; }
uint64_t ctl_uffd_feature_minor_shmem(void) { return UFFD_FEATURE_MINOR_SHMEM; }
uint64_t ctl_uffd_feature_sigbus(void) { return UFFD_FEATURE_SIGBUS; }
