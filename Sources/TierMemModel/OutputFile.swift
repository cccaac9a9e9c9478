import Foundation

/// Every file TierMem writes (traces, reports, model files, profiles, cost models) goes through
/// here: written under `DEST.partial-PID` beside its destination and renamed into place when
/// complete, so a reader never sees half a file and an interrupted run leaves the old one intact.
///
/// - A failure names the destination and the system's reason (`No space left on device`).
/// - An abandoned file (an error, a deinit before `commit`) is removed; so is every open one
///   on SIGINT, SIGTERM or SIGHUP once `removeOnTerminationSignals()` is installed.
/// - Opening removes partial files of the same destination left by processes that are gone.
/// - `checkWritable` lets a command refuse a destination before its work, not after.
public final class OutputFile {
    public let path: String
    public private(set) var bytesWritten: UInt64 = 0
    private let temporaryPath: String
    private var descriptor: CInt
    private var committed = false

    /// Creates the temporary file (mode 0644) for `path`.
    public init(path: String) throws(OutputFileError) {
        self.path = path
        temporaryPath = path + Self.partialSuffix + "\(getpid())"
        Self.removeStalePartials(of: path)
        Self.registry.insert(temporaryPath)
        descriptor = open(temporaryPath, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o644)
        guard descriptor >= 0 else {
            let reason = Self.reason(errno)
            Self.registry.remove(temporaryPath)
            throw OutputFileError(path: path, reason: "cannot create: \(reason)")
        }
    }

    deinit {
        if !committed {
            close(descriptor)
            unlink(temporaryPath)
            Self.registry.remove(temporaryPath)
        }
    }

    public func write(_ bytes: UnsafeRawBufferPointer) throws(OutputFileError) {
        try Self.writeAll(bytes, to: descriptor, named: path, after: bytesWritten)
        bytesWritten += UInt64(bytes.count)
    }

    /// Writes every byte to `descriptor` (retrying interrupted and short writes); an error names
    /// `name` and how many bytes before these, `offset`, went out. For standard output too.
    public static func writeAll(_ bytes: UnsafeRawBufferPointer, to descriptor: CInt, named name: String,
                                after offset: UInt64) throws(OutputFileError) {
        var done = 0
        while done < bytes.count {
            let written = Glibc.write(descriptor, bytes.baseAddress! + done, bytes.count - done)
            if written < 0 {
                if errno == EINTR { continue }
                throw OutputFileError(path: name, reason: "write failed after \(offset + UInt64(done)) bytes: \(reason(errno))")
            }
            done += written
        }
    }

    /// Syncs, closes and moves the file into place.
    public func commit() throws(OutputFileError) {
        guard !committed else { return }
        if fsync(descriptor) != 0 && errno != EINVAL {
            throw OutputFileError(path: path, reason: "fsync failed: \(Self.reason(errno))")
        }
        close(descriptor)
        committed = true
        defer { Self.registry.remove(temporaryPath) }
        if rename(temporaryPath, path) != 0 {
            let reason = Self.reason(errno)
            unlink(temporaryPath)
            throw OutputFileError(path: path, reason: "cannot move the finished file into place: \(reason)")
        }
    }

    /// Writes `data` to `path` whole.
    public static func write(_ data: Data, to path: String) throws(OutputFileError) {
        let file = try OutputFile(path: path)
        // A Result out of the closure: a typed-throws closure here crashes Swift 6.3's IRGen.
        let written = data.withUnsafeBytes { bytes in Result { () throws(OutputFileError) in try file.write(bytes) } }
        try written.get()
        try file.commit()
    }

    /// Throws now what writing `path` later would: a missing directory, no permission, a
    /// read-only or full file system. (A file system can still fill up meanwhile.)
    public static func checkWritable(_ path: String) throws(OutputFileError) {
        let probe = try OutputFile(path: path)
        let byte: [UInt8] = [0]
        try byte.withUnsafeBytes { bytes in Result { () throws(OutputFileError) in try probe.write(bytes) } }.get()
        if fsync(probe.descriptor) != 0 && errno != EINVAL {
            throw OutputFileError(path: path, reason: "cannot write: \(reason(errno))")
        }
    }

    // MARK: Partial files

    static let partialSuffix = ".partial-"

    /// Removes `PATH.partial-PID` files whose process no longer exists (a crash, `kill -9`).
    static func removeStalePartials(of path: String) {
        let url = URL(fileURLWithPath: path)
        let directory = url.deletingLastPathComponent().path
        let prefix = url.lastPathComponent + partialSuffix
        guard let names = try? FileManager.default.contentsOfDirectory(atPath: directory) else { return }
        for name in names where name.hasPrefix(prefix) {
            guard let pid = pid_t(name.dropFirst(prefix.count)), pid > 0, pid != getpid() else { continue }
            // kill(pid, 0) fails with ESRCH only when no such process exists.
            if kill(pid, 0) != 0 && errno == ESRCH { unlink(directory + "/" + name) }
        }
    }

    /// The temporary files of this process's open output files.
    private static let registry = PartialFileRegistry()

    /// On SIGINT, SIGTERM and SIGHUP: remove every open output file's temporary file, then die of
    /// the signal as before. For command-line programs; call once, early.
    public static func removeOnTerminationSignals() {
        for signalNumber in [SIGINT, SIGTERM, SIGHUP] {
            signal(signalNumber, SIG_IGN)
            // A dispatch source runs the handler on a queue, not in signal context, so it may
            // take locks and call into Swift.
            let source = DispatchSource.makeSignalSource(signal: signalNumber, queue: .global())
            source.setEventHandler {
                registry.removeAll()
                // Die of the signal, as without this handler: sent to the process, not this
                // queue's thread, which may block it; exit with the shell's code if it lingers.
                signal(signalNumber, SIG_DFL)
                kill(getpid(), signalNumber)
                usleep(200_000)
                _exit(128 + signalNumber)
            }
            source.resume()
            signalSources.append(source)
        }
    }

    nonisolated(unsafe) private static var signalSources: [any DispatchSourceSignal] = []

    static func reason(_ code: CInt) -> String { String(cString: strerror(code)) }
}

/// Paths of temporary files to remove if the process is told to stop.
private final class PartialFileRegistry: @unchecked Sendable {  // guarded by `lock`
    private var paths: Set<String> = []
    private let lock = NSLock()

    func insert(_ path: String) { lock.withLock { _ = paths.insert(path) } }
    func remove(_ path: String) { lock.withLock { _ = paths.remove(path) } }
    func removeAll() {
        lock.withLock {
            for path in paths { unlink(path) }
            paths.removeAll()
        }
    }
}

/// An output file that could not be written: its destination and why.
public struct OutputFileError: Error, Equatable, CustomStringConvertible {
    public var path: String
    public var reason: String
    public init(path: String, reason: String) {
        self.path = path
        self.reason = reason
    }
    public var description: String { "\(path): \(reason)" }
}
