#if canImport(Glibc)
import Glibc
#endif

/// A file or standard input read in large blocks, with the byte offset of what was consumed.
/// The C functions underneath are `open`, `read`, `fstat` and `close`.
public final class ByteInput {
    /// A path, or `<stdin>`.
    public let name: String
    /// Bytes consumed so far: the offset of the next byte `read` returns.
    public private(set) var offset: UInt64 = 0
    /// The file's size when it is a regular file (for progress), else nil.
    public let size: UInt64?
    private let fd: CInt
    private let ownsDescriptor: Bool
    /// Bytes `peek` read ahead (or an in-memory input), served from `peekedStart` on before
    /// the descriptor is read again.
    private var peeked: [UInt8] = []
    private var peekedStart = 0

    /// Opens `path` for reading; `-` means standard input.
    public convenience init(path: String) throws {
        if path == "-" {
            self.init(standardInput: ())
            return
        }
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else {
            throw TraceError(file: path, reason: "cannot open: \(String(cString: strerror(errno)))")
        }
        var info = stat()
        if fstat(fd, &info) == 0, (info.st_mode & S_IFMT) == S_IFDIR {
            close(fd)
            throw TraceError(file: path, reason: "is a directory, expected a trace file")
        }
        self.init(name: path, fd: fd, ownsDescriptor: true,
                  size: (info.st_mode & S_IFMT) == S_IFREG ? UInt64(info.st_size) : nil)
    }

    public convenience init(standardInput: Void) {
        var info = stat()
        let isFile = fstat(STDIN_FILENO, &info) == 0 && (info.st_mode & S_IFMT) == S_IFREG
        self.init(name: "<stdin>", fd: STDIN_FILENO, ownsDescriptor: false, size: isFile ? UInt64(info.st_size) : nil)
    }

    /// Serves `bytes` from memory under `name`: for tests and the fuzz harness.
    public convenience init(bytes: [UInt8], name: String = "<memory>") {
        self.init(name: name, fd: -1, ownsDescriptor: false, size: UInt64(bytes.count))
        peeked = bytes
    }

    private init(name: String, fd: CInt, ownsDescriptor: Bool, size: UInt64?) {
        self.name = name
        self.fd = fd
        self.ownsDescriptor = ownsDescriptor
        self.size = size
    }

    deinit {
        if ownsDescriptor { close(fd) }
    }

    /// The first `count` bytes of what is left (fewer at the end), without consuming them:
    /// how a format is recognised on a pipe, which cannot seek back.
    public func peek(_ count: Int) throws -> [UInt8] {
        let available = peeked.count - peekedStart
        if available < count {
            var more = [UInt8](repeating: 0, count: count - available)
            let n = try more.withUnsafeMutableBytes { try readFromDescriptor(into: $0, at: offset + UInt64(available)) }
            peeked.append(contentsOf: more[0..<n])
        }
        return Array(peeked[peekedStart..<min(peeked.count, peekedStart + count)])
    }

    /// Reads up to `buffer.count` bytes, fewer only at the end of the input. Returns the count.
    public func read(into buffer: UnsafeMutableRawBufferPointer) throws -> Int {
        let fromPeeked = takePeeked(buffer)
        let rest = UnsafeMutableRawBufferPointer(rebasing: buffer[fromPeeked...])
        let n = rest.isEmpty ? 0 : try readFromDescriptor(into: rest, at: offset)
        offset += UInt64(n)
        return fromPeeked + n
    }

    /// Moves up to `buffer.count` peeked bytes into `buffer`; returns how many.
    private func takePeeked(_ buffer: UnsafeMutableRawBufferPointer) -> Int {
        let n = min(peeked.count - peekedStart, buffer.count)
        guard n > 0 else { return 0 }
        peeked.withUnsafeBytes { buffer.baseAddress!.copyMemory(from: $0.baseAddress! + peekedStart, byteCount: n) }
        peekedStart += n
        if peekedStart == peeked.count {
            peeked.removeAll()
            peekedStart = 0
        }
        offset += UInt64(n)
        return n
    }

    /// Fills `buffer` from the descriptor, short only at the end of the input. `position` is the
    /// input offset of the first byte, for error messages.
    private func readFromDescriptor(into buffer: UnsafeMutableRawBufferPointer, at position: UInt64) throws -> Int {
        guard fd >= 0 else { return 0 }  // in-memory input: everything was in `peeked`
        var filled = 0
        while filled < buffer.count {
            let n = Glibc.read(fd, buffer.baseAddress! + filled, buffer.count - filled)
            if n < 0 {
                if errno == EINTR { continue }
                throw TraceError(file: name, position: .byte(position + UInt64(filled)),
                                 reason: "read failed: \(String(cString: strerror(errno)))")
            }
            if n == 0 { break }
            filled += n
        }
        return filled
    }

    /// Reads whatever is available, up to `buffer.count` bytes; 0 only at the end of the input.
    /// Line readers use this so that a pipe is processed as data arrives.
    public func readSome(into buffer: UnsafeMutableRawBufferPointer) throws -> Int {
        if peekedStart < peeked.count { return takePeeked(buffer) }
        guard fd >= 0 else { return 0 }
        while true {
            let n = Glibc.read(fd, buffer.baseAddress!, buffer.count)
            if n >= 0 {
                offset += UInt64(n)
                return n
            }
            if errno != EINTR {
                throw TraceError(file: name, position: .byte(offset),
                                 reason: "read failed: \(String(cString: strerror(errno)))")
            }
        }
    }
}
