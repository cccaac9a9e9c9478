import Testing
@testable import TierMemTrace

@Suite struct CSVTraceTests {
    @Test func roundTripsThroughTheWriterWithItsHeader() throws {
        let dir = try TemporaryDirectory()
        defer { dir.cleanup() }
        let events = randomEvents(count: 3_000, seed: 5)
        let header = TraceHeader(pageSize: 8192, clock: .nanoseconds, producer: "unit test, with spaces")
        let writer = try CSVTraceWriter(path: dir.file("t.csv"), header: header)
        try writer.write(events)
        try writer.finish()
        let reader = try CSVTraceReader(path: dir.file("t.csv"))
        #expect(reader.header == header)
        #expect(try reader.readAll() == events)
    }

    @Test func acceptsEveryDocumentedSpelling() throws {
        let dir = try TemporaryDirectory()
        defer { dir.cleanup() }
        let text = """
        # any comment
        Time, Op, Address, Size\r
        0,R,0x1000,8
        1, write ,4096, 4096

        # a comment between records
        2,a,0XABC,16
        3,FREE,0x0,0
        4,w,18446744073709551,1
        """
        try writeBytes(Array(text.utf8), to: dir.file("t.csv"))
        let events = try CSVTraceReader(path: dir.file("t.csv")).readAll()
        #expect(events == [
            TraceEvent(time: 0, operation: .read, address: 0x1000, size: 8),
            TraceEvent(time: 1, operation: .write, address: 4096, size: 4096),
            TraceEvent(time: 2, operation: .alloc, address: 0xABC, size: 16),
            TraceEvent(time: 3, operation: .free, address: 0, size: 0),
            TraceEvent(time: 4, operation: .write, address: 18_446_744_073_709_551, size: 1),
        ])
    }

    @Test(arguments: [
        ("0,R,0x10,8\n", 1, "expected the header"),
        ("", 0, "no header line"),
        ("time,op,address,size\n0,R,0x10\n", 2, "expected 4 fields"),
        ("time,op,address,size\n0,R,0x10,8\n-1,R,0x10,8\n", 3, "field 'time'"),
        ("time,op,address,size\n0,X,0x10,8\n", 2, "field 'op'"),
        ("time,op,address,size\n0,R,0xZZ,8\n", 2, "field 'address'"),
        ("time,op,address,size\n0,R,0x800000000000000,8\n", 2, "below 2^59"),
        ("time,op,address,size\n0,R,0x10,4294967296\n", 2, "field 'size'"),
        ("time,op,address,size\n99999999999999999999,R,0x10,8\n", 2, "field 'time'"),
        ("# tiermem page_size=1000\ntime,op,address,size\n", 1, "power of two"),
        ("# tiermem clock=fortnights\ntime,op,address,size\n", 1, "clock"),
        ("# tiermem colour=blue\ntime,op,address,size\n", 1, "unknown setting"),
    ])
    func badInputNamesTheLineAndField(text: String, line: UInt64, fragment: String) throws {
        let dir = try TemporaryDirectory()
        defer { dir.cleanup() }
        try writeBytes(Array(text.utf8), to: dir.file("bad.csv"))
        let error = traceError { _ = try CSVTraceReader(path: dir.file("bad.csv")).readAll() }
        #expect(error?.reason.contains(fragment) == true, "\(String(describing: error))")
        #expect(error?.position == .line(line), "\(String(describing: error))")
        #expect(error?.file == dir.file("bad.csv"))
    }

    @Test func goodRecordsBeforeAnErrorAreCounted() throws {
        let dir = try TemporaryDirectory()
        defer { dir.cleanup() }
        let text = "time,op,address,size\n" + (0..<10).map { "\($0),R,0x\($0 * 4096),8\n" }.joined() + "10,R,oops,8\n"
        try writeBytes(Array(text.utf8), to: dir.file("bad.csv"))
        let error = traceError { _ = try CSVTraceReader(path: dir.file("bad.csv"), batchSize: 4).readAll() }
        #expect(error?.goodRecords == 10)
        #expect(error?.position == .line(12))
        #expect(error?.description.contains("10 records before it were good") == true)
    }

    @Test func overlongLinesAreAnError() throws {
        let dir = try TemporaryDirectory()
        defer { dir.cleanup() }
        let text = "time,op,address,size\n" + String(repeating: "9", count: 200_000) + "\n"
        try writeBytes(Array(text.utf8), to: dir.file("long.csv"))
        let error = traceError { _ = try CSVTraceReader(path: dir.file("long.csv")).readAll() }
        #expect(error?.reason.contains("longer than") == true)
    }
}
