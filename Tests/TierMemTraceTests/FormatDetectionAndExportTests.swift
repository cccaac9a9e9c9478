import Testing
@testable import TierMemTrace

@Suite struct FormatDetectionAndExportTests {
    @Test func readersAreChosenByContentNotByName() throws {
        let dir = try TemporaryDirectory()
        defer { dir.cleanup() }
        let events = randomEvents(count: 50, seed: 4)
        try writeTMT(events, to: dir.file("binary.dat"))
        #expect(try TraceFiles.openReader(dir.file("binary.dat")) is TMTReader)
        #expect(try TraceFiles.openReader(dir.file("binary.dat")).readAll() == events)

        try writeBytes(Array("time,op,address,size\n0,R,0x1,1\n".utf8), to: dir.file("text.tmt"))
        #expect(try TraceFiles.openReader(dir.file("text.tmt")) is CSVTraceReader)
        try writeBytes(Array("==1== Lackey\n L 10,8\n".utf8), to: dir.file("valgrind.out"))
        #expect(try TraceFiles.openReader(dir.file("valgrind.out")) is LackeyImporter)

        try writeBytes(Array("garbage\n".utf8), to: dir.file("what"))
        let error = traceError { _ = try TraceFiles.openReader(dir.file("what")) }
        #expect(error?.reason.contains("unrecognised trace format") == true)
    }

    @Test func oracleGeneralHasOneRecordPerPageTouchWithTheNextAccessIndex() throws {
        let dir = try TemporaryDirectory()
        defer { dir.cleanup() }
        let events = [
            TraceEvent(time: 1, operation: .read, address: 0x1000, size: 8),      // page 1
            TraceEvent(time: 2, operation: .alloc, address: 0x9000, size: 4096),  // not a request
            TraceEvent(time: 3, operation: .write, address: 0x2FFC, size: 8),     // pages 2 and 3
            TraceEvent(time: 4, operation: .read, address: 0x1008, size: 4),      // page 1 again
        ]
        let exporter = try OracleGeneralExporter(path: dir.file("t.oracleGeneral"), header: TraceHeader())
        try exporter.write(events)
        try exporter.finish()
        let bytes = try readBytes(dir.file("t.oracleGeneral"))
        #expect(bytes.count == 4 * OracleGeneralExporter.recordBytes)
        let records: [(UInt32, UInt64, UInt32, Int64)] = bytes.withUnsafeBytes { raw in
            (0..<4).map { i in
                let base = i * 24
                return (raw.loadUnaligned(fromByteOffset: base, as: UInt32.self),
                        raw.loadUnaligned(fromByteOffset: base + 4, as: UInt64.self),
                        raw.loadUnaligned(fromByteOffset: base + 12, as: UInt32.self),
                        raw.loadUnaligned(fromByteOffset: base + 16, as: Int64.self))
            }
        }
        #expect(records.map(\.0) == [1, 3, 3, 4])
        #expect(records.map(\.1) == [1, 2, 3, 1])
        #expect(records.allSatisfy { $0.2 == 4096 })
        #expect(records.map(\.3) == [3, -1, -1, -1])
    }

    @Test func pagesOfAnEventCoverEveryPageItOverlaps() {
        #expect(TraceEvent(time: 0, operation: .read, address: 4095, size: 2).pages(pageShift: 12) == 0...1)
        #expect(TraceEvent(time: 0, operation: .read, address: 4096, size: 4096).pages(pageShift: 12) == 1...1)
        #expect(TraceEvent(time: 0, operation: .free, address: 8192, size: 0).pages(pageShift: 12) == 2...2)
        #expect(TraceEvent(time: 0, operation: .read, address: 0, size: 3 * 4096 + 1).pages(pageShift: 12) == 0...3)
    }

    @Test func csvAndTMTConvertLosslesslyThroughTheFactories() throws {
        let dir = try TemporaryDirectory()
        defer { dir.cleanup() }
        let events = randomEvents(count: 777, seed: 8)
        try writeTMT(events, to: dir.file("a.tmt"))
        let reader = try TraceFiles.openReader(dir.file("a.tmt"))
        let csv = try TraceFiles.openWriter(dir.file("a.csv"), header: reader.header)
        try reader.copy(to: csv)
        try csv.finish()
        let back = try TraceFiles.openReader(dir.file("a.csv"))
        #expect(back.header == reader.header)
        #expect(try back.readAll() == events)
    }
}
