import Foundation
import Testing
@testable import TierMemTrace

@Suite struct TMTFormatTests {
    @Test func crc32cMatchesTheStandardCheckValue() {
        #expect(CRC32C.checksum(Array("123456789".utf8)) == 0xE306_9283)
        let data = (0..<1000).map { UInt8(truncatingIfNeeded: $0 &* 7) }
        let whole = CRC32C.checksum(data)
        let split = data.withUnsafeBytes { CRC32C.update(CRC32C.checksum(UnsafeRawBufferPointer(rebasing: $0[0..<333])), UnsafeRawBufferPointer(rebasing: $0[333...])) }
        #expect(whole == split)
    }

    /// The CPU's instruction and the tables agree on every length and alignment (the tables are
    /// the reference where the instruction is missing).
    @Test func crc32cHardwareAndSoftwareAgree() {
        #if arch(x86_64)
        #expect(CRC32C.usesHardware, "every x86-64 CPU this runs on has SSE4.2: the instruction should be in use")
        #endif
        var generator = TraceRandom(seed: 42)
        let data = (0..<4_133).map { _ in UInt8(truncatingIfNeeded: generator.next()) }
        data.withUnsafeBytes { bytes in
            for (start, length) in [(0, 0), (0, 1), (3, 7), (1, 8), (5, 9), (0, 64), (7, 1_000), (0, 4_133)] {
                let slice = UnsafeRawBufferPointer(rebasing: bytes[start..<(start + length)])
                #expect(CRC32C.update(0x1234_5678, slice) == CRC32C.updateInSoftware(0x1234_5678, slice), "length \(length) at \(start)")
            }
        }
        #expect(Array("123456789".utf8).withUnsafeBytes { CRC32C.updateInSoftware(0, $0) } == 0xE306_9283)
    }

    @Test(arguments: [1, 7, 1000, 4096])
    func roundTripsEveryFieldAcrossChunkSizes(recordsPerChunk: Int) throws {
        let dir = try TemporaryDirectory()
        defer { dir.cleanup() }
        let events = randomEvents(count: 5_003, seed: UInt64(recordsPerChunk))
        let header = TraceHeader(pageSize: 2 << 20, clock: .nanoseconds, producer: "round trip ✓")
        try writeTMT(events, to: dir.file("a.tmt"), header: header, recordsPerChunk: recordsPerChunk)
        let reader = try TMTReader(path: dir.file("a.tmt"))
        #expect(reader.header == header)
        #expect(try reader.readAll() == events)
        #expect(reader.recordsRead == 5_003)
    }

    @Test func emptyTraceHasAHeaderAndNoRecords() throws {
        let dir = try TemporaryDirectory()
        defer { dir.cleanup() }
        try writeTMT([], to: dir.file("e.tmt"))
        #expect(try TMTReader(path: dir.file("e.tmt")).readAll().isEmpty)
    }

    @Test func pageLevelTracesCostAtMostThreeBytesPerRecord() throws {
        let dir = try TemporaryDirectory()
        defer { dir.cleanup() }
        // Uniform random pages over a 10,000-page footprint, a steady clock and page-sized accesses.
        var events = randomEvents(count: 100_000, seed: 3, pageLevel: true)
        for i in events.indices { events[i].time = UInt64(i) }
        try writeTMT(events, to: dir.file("p.tmt"), recordsPerChunk: TMTFormat.defaultRecordsPerChunk)
        let size = try readBytes(dir.file("p.tmt")).count
        let perRecord = Double(size) / Double(events.count)
        #expect(perRecord <= 3.0, "\(perRecord) bytes per record")
        #expect(try TMTReader(path: dir.file("p.tmt")).readAll() == events)
    }

    @Test func concatenatedFilesReadAsOneTrace() throws {
        let dir = try TemporaryDirectory()
        defer { dir.cleanup() }
        let first = randomEvents(count: 2_500, seed: 1)
        let second = randomEvents(count: 1_200, seed: 2)
        try writeTMT(first, to: dir.file("a.tmt"))
        try writeTMT(second, to: dir.file("b.tmt"))
        try writeBytes(try readBytes(dir.file("a.tmt")) + readBytes(dir.file("b.tmt")), to: dir.file("ab.tmt"))
        #expect(try TMTReader(path: dir.file("ab.tmt")).readAll() == first + second)

        // A different page size cannot be concatenated: the error says so and where.
        try writeTMT(second, to: dir.file("c.tmt"), header: TraceHeader(pageSize: 8192))
        try writeBytes(try readBytes(dir.file("a.tmt")) + readBytes(dir.file("c.tmt")), to: dir.file("ac.tmt"))
        let error = traceError { _ = try TMTReader(path: dir.file("ac.tmt")).readAll() }
        #expect(error?.reason.contains("page size 8192") == true)
        #expect(error?.goodRecords == 2_500)
    }

    @Test func rejectsAddressesAboveTheLimitWhenWriting() throws {
        let dir = try TemporaryDirectory()
        defer { dir.cleanup() }
        let writer = try TMTWriter(path: dir.file("x.tmt"), header: TraceHeader())
        let error = traceError { try writer.write(TraceEvent(time: 0, operation: .read, address: 1 << 60, size: 8)) }
        #expect(error?.reason.contains("2^59") == true)
    }
}

@Suite struct TMTBadInputTests {
    /// A valid file of 3 chunks × 100 records to damage.
    private func validFile(_ dir: TemporaryDirectory) throws -> [UInt8] {
        try writeTMT(randomEvents(count: 300, seed: 9), to: dir.file("good.tmt"), recordsPerChunk: 100)
        return try readBytes(dir.file("good.tmt"))
    }

    private func readError(_ bytes: [UInt8], _ dir: TemporaryDirectory) throws -> TraceError? {
        try writeBytes(bytes, to: dir.file("bad.tmt"))
        return traceError { _ = try TMTReader(path: dir.file("bad.tmt")).readAll() }
    }

    @Test func truncationAnywhereIsAnErrorThatCountsTheGoodRecords() throws {
        let dir = try TemporaryDirectory()
        defer { dir.cleanup() }
        let bytes = try validFile(dir)
        let headerLength = TMTFormat.encodeHeader(TraceHeader(producer: "test")).count
        for cut in stride(from: 1, to: bytes.count, by: 37) where cut != headerLength {
            let error = try readError(Array(bytes[0..<cut]), dir)
            #expect(error != nil, "cut at \(cut) was accepted")
            #expect(error?.reason.contains("truncated") == true, "cut at \(cut): \(String(describing: error))")
            #expect(error?.file == dir.file("bad.tmt"))
            #expect((error?.goodRecords ?? 999) % 100 == 0)
        }
    }

    @Test func wrongMagicVersionAndHeaderFields() throws {
        let dir = try TemporaryDirectory()
        defer { dir.cleanup() }
        let bytes = try validFile(dir)
        var wrongMagic = bytes
        wrongMagic[0] = UInt8(ascii: "X")
        #expect(try readError(wrongMagic, dir)?.reason.contains("not a .tmt trace") == true)
        #expect(try readError(Array("time,op,address,size\n".utf8), dir)?.reason.contains("expected magic") == true)
        var wrongVersion = bytes
        wrongVersion[8] = 9
        #expect(try readError(wrongVersion, dir)?.reason.contains("unsupported .tmt version 9") == true)
        var wrongHeaderCRC = bytes
        wrongHeaderCRC[20] ^= 0x40  // the producer string
        #expect(try readError(wrongHeaderCRC, dir)?.reason.contains("header CRC32C mismatch") == true)
        #expect(try readError([], dir)?.reason.contains("empty file") == true)
    }

    @Test func corruptedPayloadIsACRCMismatchAtTheChunkOffset() throws {
        let dir = try TemporaryDirectory()
        defer { dir.cleanup() }
        var bytes = try validFile(dir)
        let headerLength = TMTFormat.encodeHeader(TraceHeader(producer: "test")).count
        let secondChunk = headerLength + TMTFormat.chunkHeaderBytes + Int(bytes[headerLength + 8]) + Int(bytes[headerLength + 9]) << 8
        bytes[secondChunk + TMTFormat.chunkHeaderBytes + 5] ^= 0x01
        let error = try readError(bytes, dir)
        #expect(error?.reason.contains("CRC32C mismatch in chunk 1") == true)
        #expect(error?.position == .byte(UInt64(secondChunk)))
        #expect(error?.goodRecords == 100)
        #expect(error?.description.contains("100 records before it were good") == true)
    }

    @Test func absurdChunkHeadersAreRejectedBeforeAllocating() throws {
        let dir = try TemporaryDirectory()
        defer { dir.cleanup() }
        let bytes = try validFile(dir)
        let headerLength = TMTFormat.encodeHeader(TraceHeader(producer: "test")).count
        var hugeCount = bytes
        hugeCount.replaceSubrange((headerLength + 4)..<(headerLength + 8), with: [0xFF, 0xFF, 0xFF, 0x7F])
        #expect(try readError(hugeCount, dir)?.reason.contains("record count") == true)
        var garbage = bytes
        garbage[headerLength] = UInt8(ascii: "Z")
        #expect(try readError(garbage, dir)?.reason.contains("expected a chunk marker") == true)
    }

    @Test func decoderRejectsOverlongVarintsAndLeftoverBytes() {
        var payload = [UInt8](repeating: 0xFF, count: 11) + [0x01] + [UInt8](repeating: 0, count: TMTFormat.decodePadding)
        var out = [TraceEvent](repeating: .zero, count: 1)
        let failure = payload.withUnsafeMutableBufferPointer { p in
            out.withUnsafeMutableBufferPointer { o in
                TMTChunkCodec.decode(payload: p.baseAddress!, payloadLength: 12, count: 1, addressShift: 0, into: o.baseAddress!)
            }
        }
        #expect(failure?.reason.contains("longer than 10 bytes") == true)
        // Ten bytes whose last carries more than bit 63: the extra bits would be dropped.
        payload = [UInt8](repeating: 0x80, count: 9) + [0x02] + [UInt8](repeating: 0, count: TMTFormat.decodePadding)
        let overflow = payload.withUnsafeMutableBufferPointer { p in
            out.withUnsafeMutableBufferPointer { o in
                TMTChunkCodec.decode(payload: p.baseAddress!, payloadLength: 10, count: 1, addressShift: 0, into: o.baseAddress!)
            }
        }
        #expect(overflow?.reason.contains("overflows 64 bits") == true)
        payload = [0x00, 0x00] + [UInt8](repeating: 0, count: TMTFormat.decodePadding)
        let leftover = payload.withUnsafeMutableBufferPointer { p in
            out.withUnsafeMutableBufferPointer { o in
                TMTChunkCodec.decode(payload: p.baseAddress!, payloadLength: 2, count: 1, addressShift: 0, into: o.baseAddress!)
            }
        }
        #expect(leftover?.reason.contains("left over") == true)
    }

    @Test func aFailedWriteLeavesNoPartialFile() throws {
        let dir = try TemporaryDirectory()
        defer { dir.cleanup() }
        do {
            let writer = try TMTWriter(path: dir.file("never.tmt"), header: TraceHeader())
            try writer.write(randomEvents(count: 10, seed: 1))
            // Abandoned without finish(): the writer is released here.
        }
        #expect(try FileManager.default.contentsOfDirectory(atPath: dir.path).isEmpty)
    }
}
