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
    public static let decodePadding = 32

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

    /// One whole chunk (header and payload) holding `events`, which must number from 1 to
    /// `maxRecordsPerChunk` and have addresses below 2^59.
    public static func encodeChunk(_ events: [TraceEvent]) -> [UInt8] {
        var scratch: [UInt8] = []
        return encodeChunk(events, payloadBuffer: &scratch)
    }

    /// As `encodeChunk(_:)`, reusing `payloadBuffer`'s storage for the payload.
    static func encodeChunk(_ events: [TraceEvent], payloadBuffer payload: inout [UInt8]) -> [UInt8] {
        precondition((1...maxRecordsPerChunk).contains(events.count), "a chunk holds 1 to \(maxRecordsPerChunk) records")
        precondition(events.allSatisfy { $0.address < TraceEvent.addressLimit }, "addresses must be below 2^59")
        payload.removeAll(keepingCapacity: true)
        let shift = events.withUnsafeBufferPointer { buffer in
            let shift = TMTChunkCodec.addressShift(for: buffer)
            TMTChunkCodec.encode(buffer, addressShift: shift, into: &payload)
            return shift
        }
        var chunk = chunkMarker
        chunk.reserveCapacity(chunkHeaderBytes + payload.count)
        chunk.appendLittleEndian(UInt32(events.count))
        chunk.appendLittleEndian(UInt32(payload.count))
        chunk.append(contentsOf: [UInt8(shift), 0, 0, 0])
        var crc = chunk.withUnsafeBytes { CRC32C.checksum(UnsafeRawBufferPointer(rebasing: $0[4...])) }
        crc = payload.withUnsafeBytes { CRC32C.update(crc, $0) }
        chunk.appendLittleEndian(crc)
        chunk.append(contentsOf: payload)
        return chunk
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
