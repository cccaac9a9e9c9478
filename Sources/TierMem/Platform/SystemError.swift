import Glibc

/// A failed system call: which call, on what, and the errno text. Environmental failures
/// (ENOSPC, EPERM, ENOMEM) are thrown as this; programmer errors trap instead.
public struct SystemError: Error, CustomStringConvertible, Equatable {
    public var call: String
    public var errno: CInt

    public init(_ call: String, errno: CInt = Glibc.errno) {
        self.call = call
        self.errno = errno
    }

    public var description: String { "\(call): \(String(cString: strerror(errno))) (errno \(errno))" }
}
