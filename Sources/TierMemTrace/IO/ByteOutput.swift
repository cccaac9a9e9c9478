#if canImport(Glibc)
import Glibc
#endif
import TierMemModel

/// A buffered output file, or standard output.
///
/// A file is an `OutputFile`: written under a temporary name beside its destination and renamed
/// into place by `commit()`, so a reader never sees a half-written trace and an interrupted run
/// leaves the old file (if any) untouched.
public final class ByteOutput {
    /// The destination path, or `<stdout>`.
    public let name: String
    public var bytesWritten: UInt64 { flushed }
    private let file: OutputFile?
    private var flushed: UInt64 = 0
    private var buffer: [UInt8] = []
    private static let flushThreshold = 1 << 20

    /// Creates `path` (mode 0644) for writing; `-` means standard output.
    public init(path: String) throws {
        if path == "-" {
            name = "<stdout>"
            file = nil
        } else {
            name = path
            file = try OutputFile(path: path)
        }
        buffer.reserveCapacity(Self.flushThreshold * 2)
    }

    public convenience init(standardOutput: Void) {
        try! self.init(path: "-")  // standard output opens nothing, so it cannot fail
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
        try buffer.withUnsafeBytes { raw in
            if let file {
                try file.write(raw)
            } else {
                try OutputFile.writeAll(raw, to: STDOUT_FILENO, named: name, after: flushed)
            }
        }
        flushed += UInt64(buffer.count)
        buffer.removeAll(keepingCapacity: true)
    }

    /// Flushes, syncs and moves the file into place. Standard output is only flushed.
    public func commit() throws {
        try flush()
        try file?.commit()
    }
}
