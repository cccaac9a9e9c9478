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

#ifdef __cplusplus
}
#endif
