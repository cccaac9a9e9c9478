import CTierLinux
import Glibc

/// A userfaultfd descriptor with the features the live heap needs (shmem MISSING and MINOR
/// faults), and the ioctls that resolve faults. A thin typed wrapper: each method names the ioctl
/// it issues. The descriptor is non-blocking; `FaultService` polls it (unless faults raise SIGBUS).
final class Userfaultfd: @unchecked Sendable {
    let descriptor: CInt
    let mode: UserfaultfdMode

    /// Opens a descriptor in `mode` (`.full` or `.userModeOnly`), trying the system call and then
    /// `/dev/userfaultfd`, and asks for shmem MISSING and MINOR faults; with `sigbus`, also for
    /// UFFD_FEATURE_SIGBUS (faults raise SIGBUS on the faulting thread instead of queueing).
    init(mode: UserfaultfdMode, sigbus: Bool = false) throws {
        precondition(mode != .unavailable, "cannot open a userfaultfd in mode 'unavailable'")
        let userModeOnly: CInt = mode == .userModeOnly ? 1 : 0
        var fd = ctl_userfaultfd_syscall(userModeOnly)
        if fd < 0 { fd = ctl_userfaultfd_device(userModeOnly) }
        guard fd >= 0 else { throw SystemError("userfaultfd") }
        let wanted = ctl_uffd_feature_missing_shmem() | ctl_uffd_feature_minor_shmem() | (sigbus ? ctl_uffd_feature_sigbus() : 0)
        var granted: UInt64 = 0
        var ioctls: UInt64 = 0
        guard ctl_uffdio_api(fd, wanted, &granted, &ioctls) == 0 else {
            let error = SystemError("UFFDIO_API")
            close(fd)
            throw error
        }
        guard granted & wanted == wanted else {
            close(fd)
            throw SystemError("UFFDIO_API (shmem MISSING and MINOR faults\(sigbus ? ", SIGBUS mode" : ""), Linux 5.14+)", errno: EOPNOTSUPP)
        }
        descriptor = fd
        self.mode = mode
    }

    deinit { close(descriptor) }

    /// UFFDIO_REGISTER for MISSING and MINOR faults over `length` bytes at `start`.
    func register(_ start: UnsafeMutableRawPointer, length: Int) throws {
        var ioctls: UInt64 = 0
        guard ctl_uffdio_register(descriptor, start, UInt64(length), 1, 1, &ioctls) == 0 else {
            throw SystemError("UFFDIO_REGISTER")
        }
    }

    /// UFFDIO_COPY: places a copy of `source` at `destination` and maps it. Returns 0 or the errno
    /// (EEXIST when the page is already there).
    func copy(to destination: UnsafeMutableRawPointer, from source: UnsafeRawPointer, length: Int, wake: Bool = true) -> CInt {
        ctl_uffdio_copy(descriptor, destination, source, UInt64(length), wake ? 0 : 1)
    }

    /// UFFDIO_CONTINUE: maps the memfd page already behind `start`. Returns 0 or the errno.
    func continueMapping(_ start: UnsafeMutableRawPointer, length: Int) -> CInt {
        ctl_uffdio_continue(descriptor, start, UInt64(length))
    }

    /// UFFDIO_WAKE: wakes threads waiting on faults in the range. Returns 0 or the errno.
    func wake(_ start: UnsafeMutableRawPointer, length: Int) -> CInt {
        ctl_uffdio_wake(descriptor, start, UInt64(length))
    }
}
