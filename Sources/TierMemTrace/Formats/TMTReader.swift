/// Reads a `.tmt` trace chunk by chunk, checking each chunk's CRC before decoding it.
/// Streams: memory use is one chunk, whatever the file size. Concatenated files (`cat a b`)
/// read as one trace when their page size and clock agree.
public final class TMTReader: TraceEventSource {
    public let header: TraceHeader
    public private(set) var recordsRead: UInt64 = 0
    public private(set) var chunksRead: UInt64 = 0
    private let input: ByteInput
    /// Payload plus `TMTFormat.decodePadding` zero bytes.
    private var payload: [UInt8] = []

    public convenience init(path: String) throws {
        try self.init(input: ByteInput(path: path))
    }

    public init(input: ByteInput) throws {
        self.input = input
        guard let header = try Self.readHeader(from: input, goodRecords: 0, atStart: true) else {
            throw TraceError(file: input.name, position: .byte(0), reason: "empty file, expected a .tmt header")
        }
        self.header = header
    }

    /// The byte offset of the input consumed so far (for progress).
    public var bytesConsumed: UInt64 { input.offset }
    public var inputSize: UInt64? { input.size }

    public func nextBatch(into events: inout [TraceEvent]) throws -> Bool {
        while true {
            let chunkStart = input.offset
            var fixed = [UInt8](repeating: 0, count: TMTFormat.chunkHeaderBytes)
            let got = try fixed.withUnsafeMutableBytes { buffer throws in
                try input.read(into: UnsafeMutableRawBufferPointer(rebasing: buffer[0..<4]))
            }
            if got == 0 {
                events.removeAll(keepingCapacity: true)
                return false
            }
            if got == 4, Array(fixed[0..<4]) == Array(TMTFormat.magic[0..<4]) {
                try readConcatenatedHeader(start: chunkStart)
                continue
            }
            guard got == 4, Array(fixed[0..<4]) == TMTFormat.chunkMarker else {
                throw fail(at: chunkStart, got < 4 ? "file ends inside a chunk marker (truncated)" :
                    "expected a chunk marker 'TMCK', found bytes \(hex(fixed[0..<got]))")
            }
            let rest = try fixed.withUnsafeMutableBytes { buffer throws in
                try input.read(into: UnsafeMutableRawBufferPointer(rebasing: buffer[4...]))
            }
            guard rest == TMTFormat.chunkHeaderBytes - 4 else {
                throw fail(at: chunkStart, "file ends inside a chunk header (truncated)")
            }
            let (count, length, shift, storedCRC) = fixed.withUnsafeBytes { raw in
                (Int(raw.loadLittleEndian(at: 4, as: UInt32.self)),
                 Int(raw.loadLittleEndian(at: 8, as: UInt32.self)),
                 Int(raw[12]),
                 raw.loadLittleEndian(at: 16, as: UInt32.self))
            }
            guard (1...TMTFormat.maxRecordsPerChunk).contains(count) else {
                throw fail(at: chunkStart, "chunk record count \(count) is outside 1...\(TMTFormat.maxRecordsPerChunk)")
            }
            guard length >= count, length <= count * TMTFormat.maxRecordBytes else {
                throw fail(at: chunkStart, "chunk payload length \(length) is impossible for \(count) records")
            }
            guard shift <= TMTChunkCodec.maxAddressShift, fixed[13] == 0, fixed[14] == 0, fixed[15] == 0 else {
                throw fail(at: chunkStart, "chunk header has an address shift of \(shift) or nonzero reserved bytes")
            }
            if payload.count < length + TMTFormat.decodePadding {
                payload = [UInt8](repeating: 0, count: length + TMTFormat.decodePadding)
            }
            let payloadRead = try payload.withUnsafeMutableBytes { buffer throws in
                // Zero the padding after this payload: a shorter chunk may follow a longer one.
                UnsafeMutableRawBufferPointer(rebasing: buffer[length..<(length + TMTFormat.decodePadding)]).initializeMemory(as: UInt8.self, repeating: 0)
                return try input.read(into: UnsafeMutableRawBufferPointer(rebasing: buffer[0..<length]))
            }
            guard payloadRead == length else {
                throw fail(at: chunkStart, "file ends inside a chunk: \(payloadRead) of \(length) payload bytes present (truncated)")
            }
            var crc = fixed.withUnsafeBytes { CRC32C.checksum(UnsafeRawBufferPointer(rebasing: $0[4..<16])) }
            crc = payload.withUnsafeBytes { CRC32C.update(crc, UnsafeRawBufferPointer(rebasing: $0[0..<length])) }
            guard crc == storedCRC else {
                throw fail(at: chunkStart, "CRC32C mismatch in chunk \(chunksRead) (stored 0x\(String(storedCRC, radix: 16)), computed 0x\(String(crc, radix: 16)))")
            }
            if events.count != count {
                events = [TraceEvent](repeating: .zero, count: count)
            }
            let failure = payload.withUnsafeBufferPointer { bytes in
                events.withUnsafeMutableBufferPointer { out in
                    TMTChunkCodec.decode(payload: bytes.baseAddress!, payloadLength: length, count: count,
                                         addressShift: shift, into: out.baseAddress!)
                }
            }
            if let failure {
                events.removeAll(keepingCapacity: true)
                throw fail(at: chunkStart, "chunk \(chunksRead), record \(failure.record): \(failure.reason)")
            }
            recordsRead += UInt64(count)
            chunksRead += 1
            return true
        }
    }

    private func fail(at offset: UInt64, _ reason: String) -> TraceError {
        TraceError(file: input.name, position: .byte(offset), goodRecords: recordsRead, reason: reason)
    }

    /// A second file's header where a chunk was expected: `cat a.tmt b.tmt` output.
    private func readConcatenatedHeader(start: UInt64) throws {
        guard let next = try Self.readHeader(from: input, goodRecords: recordsRead, atStart: false, alreadyRead: 4, start: start) else {
            throw fail(at: start, "file ends inside a concatenated header (truncated)")
        }
        guard next.pageSize == header.pageSize, next.clock == header.clock else {
            throw fail(at: start, "concatenated trace has page size \(next.pageSize) and clock \(next.clock); the first has \(header.pageSize) and \(header.clock)")
        }
    }

    /// Reads and checks a header. `alreadyRead` bytes of the magic were consumed by the caller.
    private static func readHeader(from input: ByteInput, goodRecords: UInt64, atStart: Bool, alreadyRead: Int = 0, start: UInt64 = 0) throws -> TraceHeader? {
        func fail(_ reason: String) -> TraceError {
            TraceError(file: input.name, position: .byte(start), goodRecords: goodRecords, reason: reason)
        }
        var fixed = [UInt8](repeating: 0, count: TMTFormat.fixedHeaderBytes)
        fixed.replaceSubrange(0..<alreadyRead, with: TMTFormat.magic[0..<alreadyRead])
        let got = try fixed.withUnsafeMutableBytes { buffer throws in
            try input.read(into: UnsafeMutableRawBufferPointer(rebasing: buffer[alreadyRead...]))
        }
        if got == 0 && alreadyRead == 0 { return nil }
        let have = alreadyRead + got
        guard Array(fixed[0..<min(have, 8)]) == Array(TMTFormat.magic[0..<min(have, 8)]) else {
            throw fail("not a .tmt trace: expected magic 'TIERMEMT', found bytes \(hex(fixed[0..<min(have, 8)]))")
        }
        guard have == TMTFormat.fixedHeaderBytes else { throw fail("file ends inside the header (truncated)") }
        let (version, headerLength, pageSize, clockByte, flags, producerLength) = fixed.withUnsafeBytes { raw in
            (raw.loadLittleEndian(at: 8, as: UInt16.self), Int(raw.loadLittleEndian(at: 10, as: UInt16.self)),
             raw.loadLittleEndian(at: 12, as: UInt32.self), raw[16], raw[17],
             Int(raw.loadLittleEndian(at: 18, as: UInt16.self)))
        }
        guard version == TMTFormat.version else {
            throw fail("unsupported .tmt version \(version); this build reads version \(TMTFormat.version)")
        }
        guard producerLength <= TraceHeader.maxProducerBytes, headerLength == TMTFormat.fixedHeaderBytes + producerLength + 4 else {
            throw fail("header length \(headerLength) and producer length \(producerLength) disagree or exceed \(TraceHeader.maxProducerBytes) bytes")
        }
        var rest = [UInt8](repeating: 0, count: producerLength + 4)
        let restGot = try rest.withUnsafeMutableBytes { buffer throws in try input.read(into: buffer) }
        guard restGot == rest.count else { throw fail("file ends inside the header (truncated)") }
        let storedCRC = rest.withUnsafeBytes { $0.loadLittleEndian(at: producerLength, as: UInt32.self) }
        let crc = rest.withUnsafeBytes { restBytes in
            CRC32C.update(fixed.withUnsafeBytes { CRC32C.checksum($0) }, UnsafeRawBufferPointer(rebasing: restBytes[0..<producerLength]))
        }
        guard crc == storedCRC else {
            throw fail("header CRC32C mismatch (stored 0x\(String(storedCRC, radix: 16)), computed 0x\(String(crc, radix: 16)))")
        }
        if let problem = TraceHeader.pageSizeProblem(UInt64(pageSize)) { throw fail("header: \(problem)") }
        guard let clock = ClockUnit(rawValue: clockByte) else {
            throw fail("header: unknown clock unit \(clockByte); expected 0 (ticks) or 1 (ns)")
        }
        guard flags == 0 else { throw fail("header: unknown flags 0x\(String(flags, radix: 16))") }
        let producer = String(decoding: rest[0..<producerLength], as: UTF8.self)
        return TraceHeader(pageSize: pageSize, clock: clock, producer: producer)
    }
}

/// `0a 1b ff`, for error messages about unexpected bytes.
func hex(_ bytes: some Collection<UInt8>) -> String {
    bytes.map { $0 < 16 ? "0" + String($0, radix: 16) : String($0, radix: 16) }.joined(separator: " ")
}
