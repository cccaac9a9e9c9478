#if canImport(Glibc)
import Glibc
#endif

/// Splits a `ByteInput` into lines without copying them: each line is a view into a 1 MiB
/// buffer, valid until the next call. Counts lines from 1 for error messages.
final class LineReader {
    let input: ByteInput
    /// Lines longer than this are an error, not an unbounded allocation.
    static let maxLineLength = 1 << 16
    private static let blockSize = 1 << 20
    private let buffer: UnsafeMutableRawBufferPointer
    private var start = 0
    private var end = 0
    private var atEnd = false
    /// The number of the line most recently returned.
    private(set) var lineNumber: UInt64 = 0

    init(input: ByteInput) {
        self.input = input
        buffer = .allocate(byteCount: Self.blockSize + Self.maxLineLength, alignment: 16)
    }

    deinit { buffer.deallocate() }

    /// The next line without its `\n` (and without a `\r` before it), or nil at the end.
    /// `goodRecords` is what the caller has parsed so far, for the error of an overlong line.
    func nextLine(goodRecords: UInt64 = 0) throws -> UnsafeBufferPointer<UInt8>? {
        while true {
            let base = buffer.baseAddress!.assumingMemoryBound(to: UInt8.self)
            if start < end, let found = memchr(base + start, 0x0A, end - start) {
                let newline = UnsafeRawPointer(found) - UnsafeRawPointer(base)
                guard newline - start <= Self.maxLineLength else { throw overlong(goodRecords) }
                return take(base, upTo: newline, next: newline + 1)
            }
            if atEnd {
                guard start < end else { return nil }
                return take(base, upTo: end, next: end)  // a last line without a newline
            }
            guard end - start <= Self.maxLineLength else { throw overlong(goodRecords) }
            if start > 0 {
                memmove(base, base + start, end - start)
                end -= start
                start = 0
            }
            let n = try input.readSome(into: UnsafeMutableRawBufferPointer(rebasing: buffer[end..<buffer.count]))
            if n == 0 { atEnd = true }
            end += n
        }
    }

    private func overlong(_ goodRecords: UInt64) -> TraceError {
        TraceError(file: input.name, position: .line(lineNumber + 1), goodRecords: goodRecords,
                   reason: "line is longer than \(Self.maxLineLength) bytes; is this a text trace?")
    }

    private func take(_ base: UnsafeMutablePointer<UInt8>, upTo lineEnd: Int, next: Int) -> UnsafeBufferPointer<UInt8> {
        var length = lineEnd - start
        if length > 0 && base[start + length - 1] == 0x0D { length -= 1 }
        let line = UnsafeBufferPointer(start: base + start, count: length)
        start = next
        lineNumber += 1
        return line
    }
}

/// Byte-level field parsing shared by the text readers. Each returns nil on malformed input.
enum TextField {
    /// Unsigned decimal, no sign, no spaces; nil on overflow or any other character.
    @inline(__always)
    static func decimal(_ bytes: UnsafeBufferPointer<UInt8>) -> UInt64? {
        guard !bytes.isEmpty, bytes.count <= 20 else { return nil }
        var value: UInt64 = 0
        for byte in bytes {
            let digit = byte &- 0x30
            guard digit < 10 else { return nil }
            let (times10, o1) = value.multipliedReportingOverflow(by: 10)
            let (sum, o2) = times10.addingReportingOverflow(UInt64(digit))
            guard !o1, !o2 else { return nil }
            value = sum
        }
        return value
    }

    /// Hexadecimal digits without a prefix; nil past 16 digits or on any other character.
    @inline(__always)
    static func hexadecimal(_ bytes: UnsafeBufferPointer<UInt8>) -> UInt64? {
        guard !bytes.isEmpty, bytes.count <= 16 else { return nil }
        var value: UInt64 = 0
        for byte in bytes {
            let nibble: UInt8
            switch byte {
            case 0x30...0x39: nibble = byte - 0x30
            case 0x61...0x66: nibble = byte - 0x61 + 10
            case 0x41...0x46: nibble = byte - 0x41 + 10
            default: return nil
            }
            value = value << 4 | UInt64(nibble)
        }
        return value
    }

    /// The bytes with spaces and tabs removed from both ends.
    @inline(__always)
    static func trimmed(_ bytes: UnsafeBufferPointer<UInt8>) -> UnsafeBufferPointer<UInt8> {
        var lo = 0
        var hi = bytes.count
        while lo < hi && (bytes[lo] == 0x20 || bytes[lo] == 0x09) { lo += 1 }
        while hi > lo && (bytes[hi - 1] == 0x20 || bytes[hi - 1] == 0x09) { hi -= 1 }
        return UnsafeBufferPointer(rebasing: bytes[lo..<hi])
    }

    /// The text of `bytes` for an error message, shortened and with control bytes escaped.
    static func quoted(_ bytes: UnsafeBufferPointer<UInt8>, limit: Int = 60) -> String {
        var text = ""
        for byte in bytes.prefix(limit) {
            text += (0x20..<0x7F).contains(byte) ? String(UnicodeScalar(byte)) : "\\x" + String(byte, radix: 16)
        }
        return "'" + text + (bytes.count > limit ? "…'" : "'")
    }
}
