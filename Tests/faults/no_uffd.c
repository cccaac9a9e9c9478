/*
 * no_uffd PROGRAM [ARG...]: runs PROGRAM where userfaultfd is forbidden, as a container's seccomp
 * profile does: the userfaultfd system call and the USERFAULTFD_IOC_NEW ioctl (/dev/userfaultfd)
 * fail with EPERM. Everything else is allowed.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include <linux/audit.h>
#include <linux/filter.h>
#include <linux/seccomp.h>
#include <linux/userfaultfd.h>
#include <sys/ioctl.h>
#include <sys/prctl.h>
#include <sys/syscall.h>

#ifndef USERFAULTFD_IOC_NEW
#define USERFAULTFD_IOC_NEW _IO(0xAA, 0x00)
#endif
#if defined(__x86_64__)
#define ARCH AUDIT_ARCH_X86_64
#elif defined(__aarch64__)
#define ARCH AUDIT_ARCH_AARCH64
#else
#error "no_uffd: add this architecture's AUDIT_ARCH"
#endif

/* The ioctl request's low 32 bits (the kernel compares an unsigned int); little-endian. */
#define ARG1_LOW (offsetof(struct seccomp_data, args) + sizeof(__u64))

int main(int argc, char **argv) {
    if (argc < 2) { fprintf(stderr, "usage: no_uffd PROGRAM [ARG...]\n"); return 2; }
    struct sock_filter filter[] = {
        BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, arch)),
        BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, ARCH, 1, 0),
        BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW),                  /* another ABI: leave it */
        BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, nr)),
        BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, __NR_userfaultfd, 0, 1),
        BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ERRNO | EPERM),
        BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, __NR_ioctl, 0, 3),
        BPF_STMT(BPF_LD | BPF_W | BPF_ABS, ARG1_LOW),
        BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, USERFAULTFD_IOC_NEW, 0, 1),
        BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ERRNO | EPERM),
        BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW),
    };
    struct sock_fprog program = { .len = sizeof filter / sizeof filter[0], .filter = filter };
    if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) || prctl(PR_SET_SECCOMP, SECCOMP_MODE_FILTER, &program)) {
        fprintf(stderr, "no_uffd: installing the seccomp filter: %s\n", strerror(errno));
        return 2;
    }
    /* The filter works: the system call fails with EPERM. */
    if (syscall(__NR_userfaultfd, 0) != -1 || errno != EPERM) {
        fprintf(stderr, "no_uffd: userfaultfd still allowed\n");
        return 2;
    }
    execvp(argv[1], argv + 1);
    fprintf(stderr, "no_uffd: %s: %s\n", argv[1], strerror(errno));
    return 127;
}
