import Testing
@testable import TierMemTrace

@Suite struct LackeyImporterTests {
    static let sample = """
    ==4242== Lackey, an example Valgrind tool
    ==4242== Copyright (C) 2002-2017, and GNU GPL'd, by Nicholas Nethercote.
    I  04001c3a,3
     S 1ffefffe98,8
    I  04001c3d,5
    I  04001c42,4
     L 04022e60,8
     M 0403e4f0,4
    I  04001c46,2
     L 1ffeffff00,16
    ==4242==
    """

    private func importSample(_ text: String, options: LackeyImporter.Options = .init()) throws -> [TraceEvent] {
        let dir = try TemporaryDirectory()
        defer { dir.cleanup() }
        try writeBytes(Array(text.utf8), to: dir.file("log.lackey"))
        return try LackeyImporter(path: dir.file("log.lackey"), options: options).readAll()
    }

    @Test func mapsRecordsAndCountsInstructionsAsTheClock() throws {
        #expect(try importSample(Self.sample) == [
            TraceEvent(time: 1, operation: .write, address: 0x1ffefffe98, size: 8),
            TraceEvent(time: 3, operation: .read, address: 0x04022e60, size: 8),
            TraceEvent(time: 3, operation: .read, address: 0x0403e4f0, size: 4),
            TraceEvent(time: 3, operation: .write, address: 0x0403e4f0, size: 4),
            TraceEvent(time: 4, operation: .read, address: 0x1ffeffff00, size: 16),
        ])
    }

    @Test func instructionFetchesAreKeptWhenAsked() throws {
        var options = LackeyImporter.Options()
        options.includeInstructions = true
        let events = try importSample(Self.sample, options: options)
        #expect(events.count == 9)
        #expect(events.first == TraceEvent(time: 1, operation: .read, address: 0x04001c3a, size: 3))
    }

    @Test func withoutInstructionLinesTheClockCountsDataAccesses() throws {
        let events = try importSample(" L 1000,8\n S 2000,4\n L 3000,1")
        #expect(events.map(\.time) == [1, 2, 3])
    }

    @Test(arguments: [
        ("I  04001c3a,3\nhello from the program\n", 2, "expected a Lackey record"),
        (" L zz,8\n", 1, "expected 'hexaddress,size'"),
        (" L 1000\n", 1, "expected 'hexaddress,size'"),
        (" L 1000,0\n", 1, "size from 1"),
        (" X 1000,8\n", 1, "expected a Lackey record"),
        (" L 1000,8\n L 7fffffffffffffff,8\n", 2, "below 2^59"),
    ])
    func garbageLinesAreErrorsThatNameTheLine(text: String, line: UInt64, fragment: String) throws {
        do {
            _ = try importSample(text)
            Issue.record("accepted \(text.debugDescription)")
        } catch let error as TraceError {
            #expect(error.reason.contains(fragment), "\(error)")
            #expect(error.position == .line(line), "\(error)")
        }
    }

    @Test func badLinesCanBeSkippedAndCounted() throws {
        let dir = try TemporaryDirectory()
        defer { dir.cleanup() }
        try writeBytes(Array("I  1000,4\nprogram output\n L 2000,8\nmore output\n".utf8), to: dir.file("log"))
        var options = LackeyImporter.Options()
        options.skipBadLines = true
        let importer = try LackeyImporter(path: dir.file("log"), options: options)
        #expect(try importer.readAll().count == 1)
        #expect(importer.skippedLines == 2)
        #expect(importer.firstSkippedLine == "line 2: 'program output'")
    }
}
