import CTierLinux
import Glibc

/// Which userfaultfd mode this process may use, found by really opening one.
///
/// The live heap needs `full` to serve faults raised inside system calls (a `read(2)` into a
/// demoted page waits for the page instead of failing). `userModeOnly` works for plain loads and
/// stores; a system call that touches a non-resident page then fails with EFAULT.
public enum UserfaultfdMode: String, Sendable, CustomStringConvertible {
    case full = "full"
    case userModeOnly = "user-mode-only"
    case unavailable = "unavailable"

    public var description: String { rawValue }
}

/// The outcome of `UserfaultfdProbe.run()`: the mode, how the descriptor was obtained, and the
/// features the kernel granted.
public struct UserfaultfdReport: Sendable, CustomStringConvertible {
    public var mode: UserfaultfdMode
    /// `"syscall"` or `"/dev/userfaultfd"`, the route that worked.
    public var route: String?
    public var missingShmem: Bool
    public var minorShmem: Bool
    public var sigbus: Bool
    /// Why a better mode was refused, and how to enable it (empty when `mode == .full`).
    public var advice: String

    public var description: String {
        var text = "userfaultfd: \(mode)"
        if let route { text += " (via \(route))" }
        if mode != .unavailable {
            text += "; shmem MISSING faults: \(missingShmem ? "yes" : "no")"
            text += ", shmem MINOR faults: \(minorShmem ? "yes" : "no")"
            text += ", SIGBUS mode: \(sigbus ? "yes" : "no")"
        }
        if !advice.isEmpty { text += "\n  \(advice)" }
        return text
    }
}

/// Finds out which userfaultfd mode works here by opening a descriptor and doing the UFFDIO_API
/// handshake, trying the system call first and `/dev/userfaultfd` second.
public enum UserfaultfdProbe {
    private static let enableAdvice =
        "full mode needs root, CAP_SYS_PTRACE, read-write access to /dev/userfaultfd, "
        + "or `sysctl -w vm.unprivileged_userfaultfd=1`"

    public static func run() -> UserfaultfdReport {
        var refusals: [String] = []
        for userModeOnly in [false, true] {
            let routes: [(String, (CInt) -> CInt)] = [
                ("syscall", { ctl_userfaultfd_syscall($0) }),
                ("/dev/userfaultfd", { ctl_userfaultfd_device($0) }),
            ]
            for (route, open) in routes {
                // Ask for the shmem features; an older kernel refuses unknown bits, so retry bare.
                let wanted = ctl_uffd_feature_missing_shmem() | ctl_uffd_feature_minor_shmem()
                var granted: UInt64 = 0
                var failure = ""
                for features in [wanted, 0] {
                    let fd = open(userModeOnly ? 1 : 0)
                    if fd < 0 {
                        failure = "\(route)\(userModeOnly ? " (user-mode-only)" : ""): \(String(cString: strerror(errno)))"
                        break
                    }
                    var ioctls: UInt64 = 0
                    let ok = ctl_uffdio_api(fd, features, &granted, &ioctls) == 0
                    if !ok { failure = "\(route): UFFDIO_API: \(String(cString: strerror(errno)))" }
                    close(fd)
                    if ok { failure = ""; break }
                }
                if !failure.isEmpty {
                    refusals.append(failure)
                    continue
                }
                let mode: UserfaultfdMode = userModeOnly ? .userModeOnly : .full
                let advice = mode == .full
                    ? ""
                    : "kernel-mode faults are not handled; \(enableAdvice) (refused: \(refusals.joined(separator: "; ")))"
                return UserfaultfdReport(
                    mode: mode, route: route,
                    missingShmem: granted & ctl_uffd_feature_missing_shmem() != 0,
                    minorShmem: granted & ctl_uffd_feature_minor_shmem() != 0,
                    sigbus: granted & ctl_uffd_feature_sigbus() != 0,
                    advice: advice)
            }
        }
        return UserfaultfdReport(
            mode: .unavailable, route: nil, missingShmem: false, minorShmem: false, sigbus: false,
            advice: "no userfaultfd could be opened (\(refusals.joined(separator: "; "))); \(enableAdvice)")
    }
}
