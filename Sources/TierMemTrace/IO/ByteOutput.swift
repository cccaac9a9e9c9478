#if canImport(Glibc)
import Glibc
#endif

/// A buffered output file, or standard output.
///
/// A file is written under a temporary name beside its destination and renamed into place by
/// `commit()`, so a reader never sees a half-written trace and an interrupted run leaves the old
/// file (if any) untouched. The C functions underneath are `open`, `write`, `fsync`, `rename`.
public final class ByteOutput {
    /// The destination path, or `<stdout>`.
    public let name: String
    public private(set) var bytesWritten: UInt64 = 0
    private let fd: CInt
    private let temporaryPath: String?
    private var buffer: [UInt8] = []
    private var committed = false
    private static let flushThreshold = 1 << 20

    /// Creates `path` (mode 0644) for writing; `-` means standard output.
    public convenience init(path: String) throws {
        if path == "-" {
            self.init(standardOutput: ())
            return
        }
        let temporary = path + ".partial-\(getpid())"
        let fd = open(temporary, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o644)
        guard fd >= 0 else {
            throw TraceError(file: path, reason: "cannot create: \(String(cString: strerror(errno)))")
        }
        self.init(name: path, fd: fd, temporaryPath: temporary)
    }

    public convenience init(standardOutput: Void) {
        self.init(name: "<stdout>", fd: STDOUT_FILENO, temporaryPath: nil)
    }

    private init(name: String, fd: CInt, temporaryPath: String?) {
        self.name = name
        self.fd = fd
        self.temporaryPath = temporaryPath
        buffer.reserveCapacity(Self.flushThreshold * 2)
    }

    deinit {
        // Not committed: an error or an abandoned write. Leave no partial file behind.
        if let temporaryPath, !committed {
            close(fd)
            unlink(temporaryPath)
        }
    }

    public func write(_ bytes: [UInt8]) throws {
        buffer.append(contentsOf: bytes)
        if buffer.count >= Self.flushThreshold { try flush() }
    }

    public func write(_ text: String) throws {
        buffer.append(contentsOf: text.utf8)
        if buffer.count >= Self.flushThreshold { try flush() }
    }

    /// Hands the buffered bytes to the kernel.
    public func flush() throws {
        var failure: Int32 = 0
        buffer.withUnsafeBytes { raw in
            var done = 0
            while done < raw.count {
                let n = Glibc.write(fd, raw.baseAddress! + done, raw.count - done)
                if n < 0 {
                    if errno == EINTR { continue }
                    failure = errno
                    return
                }
                done += n
            }
        }
        guard failure == 0 else {
            throw TraceError(file: name, position: .byte(bytesWritten),
                             reason: "write failed: \(String(cString: strerror(failure)))")
        }
        bytesWritten += UInt64(buffer.count)
        buffer.removeAll(keepingCapacity: true)
    }

    /// Flushes, syncs and moves the file into place. Standard output is only flushed.
    public func commit() throws {
        try flush()
        guard let temporaryPath, !committed else { return }
        if fsync(fd) != 0 && errno != EINVAL {
            throw TraceError(file: name, reason: "fsync failed: \(String(cString: strerror(errno)))")
        }
        close(fd)
        committed = true
        if rename(temporaryPath, name) != 0 {
            let reason = String(cString: strerror(errno))
            unlink(temporaryPath)
            throw TraceError(file: name, reason: "cannot move the finished file into place: \(reason)")
        }
    }
}
