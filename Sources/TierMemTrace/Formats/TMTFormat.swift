/// The `.tmt` binary trace format, version 1. Byte by byte in docs/trace-format.md.
///
/// A file is a header followed by chunks. Each chunk holds up to `maxRecordsPerChunk` records,
/// delta-encoded against the previous record of the same chunk (the state starts at zero in
/// every chunk), so chunks decode independently and files concatenate by appending chunks.
public enum TMTFormat {
    public static let magic: [UInt8] = Array("TIERMEMT".utf8)
    public static let version: UInt16 = 1
    /// Header bytes before the producer string: magic 8, version 2, header length 2,
    /// page size 4, clock 1, flags 1, producer length 2.
    static let fixedHeaderBytes = 20
    public static let chunkMarker: [UInt8] = Array("TMCK".utf8)
    /// marker 4, record count 4, payload length 4, address shift 1, reserved 3, CRC32C 4.
    public static let chunkHeaderBytes = 20
    public static let maxRecordsPerChunk = 1 << 20
    public static let defaultRecordsPerChunk = 1 << 16
    /// A record is at most three varints: key (10 bytes), time delta (10), size (5).
    public static let maxRecordBytes = 25
    /// Zero bytes kept after a payload in memory so the decoder can read a whole record
    /// without a bounds check per byte; it checks once per record instead.
    static let decodePadding = 32

    // Bits of a record's key varint, below the zigzagged address delta.
    static let timeDeltaChangedBit: UInt64 = 1
    static let sizeChangedBit: UInt64 = 2
    static let operationShift: UInt64 = 2
    static let addressDeltaShift: UInt64 = 4

    /// The serialized header for `header`.
    public static func encodeHeader(_ header: TraceHeader) -> [UInt8] {
        let producer = Array(header.producer.utf8.prefix(TraceHeader.maxProducerBytes))
        var bytes = magic
        bytes.appendLittleEndian(version)
        bytes.appendLittleEndian(UInt16(fixedHeaderBytes + producer.count + 4))
        bytes.appendLittleEndian(header.pageSize)
        bytes.append(header.clock.rawValue)
        bytes.append(0)  // flags, none defined in version 1
        bytes.appendLittleEndian(UInt16(producer.count))
        bytes.append(contentsOf: producer)
        bytes.appendLittleEndian(CRC32C.checksum(bytes))
        return bytes
    }

    @inline(__always)
    static func zigzag(_ value: Int64) -> UInt64 {
        UInt64(bitPattern: (value << 1) ^ (value >> 63))
    }

    @inline(__always)
    static func unzigzag(_ value: UInt64) -> Int64 {
        Int64(bitPattern: value >> 1) ^ -Int64(bitPattern: value & 1)
    }
}

extension Array where Element == UInt8 {
    @inline(__always)
    mutating func appendLittleEndian<T: FixedWidthInteger>(_ value: T) {
        Swift.withUnsafeBytes(of: value.littleEndian) { append(contentsOf: $0) }
    }

    /// LEB128: seven bits a byte, low bits first, high bit set on all but the last byte.
    @inline(__always)
    mutating func appendVarint(_ value: UInt64) {
        var v = value
        while v >= 0x80 {
            append(UInt8(truncatingIfNeeded: v) | 0x80)
            v >>= 7
        }
        append(UInt8(v))
    }
}

extension UnsafeRawBufferPointer {
    @inline(__always)
    func loadLittleEndian<T: FixedWidthInteger>(at offset: Int, as type: T.Type) -> T {
        T(littleEndian: loadUnaligned(fromByteOffset: offset, as: T.self))
    }
}
