/// Imports the memory log of Valgrind's Lackey tool, streaming from a file or a pipe:
///
///     valgrind --tool=lackey --trace-mem=yes --log-file=/dev/stdout PROGRAM | tiermem trace import - out.tmt
///
/// Lines: `I  addr,size` instruction fetch (dropped unless `includeInstructions`, then a read);
/// ` L addr,size` load (read); ` S addr,size` store (write); ` M addr,size` modify (a read then
/// a write). Addresses are hex without `0x`. `==PID==` lines are Valgrind's own and skipped.
/// The clock counts instructions (the `I` lines seen so far); a log without `I` lines counts
/// data accesses instead.
public final class LackeyImporter: TraceEventSource {
    public struct Options: Sendable {
        /// Keep instruction fetches as read events.
        public var includeInstructions = false
        /// Count and skip lines that are not Lackey records instead of failing on the first.
        /// A program that writes to the same stream as Valgrind produces such lines.
        public var skipBadLines = false
        public var pageSize = TraceHeader.defaultPageSize
        public init() {}
    }

    public let header: TraceHeader
    public private(set) var recordsRead: UInt64 = 0
    /// Lines skipped because `skipBadLines` was set; the first one is in `firstSkippedLine`.
    public private(set) var skippedLines: UInt64 = 0
    public private(set) var firstSkippedLine: String?
    public private(set) var instructions: UInt64 = 0
    private var dataAccesses: UInt64 = 0
    private let lines: LineReader
    private let options: Options
    private let batchSize: Int

    public convenience init(path: String, options: Options = Options(), batchSize: Int = 1 << 16) throws {
        try self.init(input: ByteInput(path: path), options: options, batchSize: batchSize)
    }

    public init(input: ByteInput, options: Options = Options(), batchSize: Int = 1 << 16) throws {
        if let problem = TraceHeader.pageSizeProblem(UInt64(options.pageSize)) {
            throw TraceError(file: input.name, reason: problem)
        }
        self.lines = LineReader(input: input)
        self.options = options
        self.batchSize = batchSize
        self.header = TraceHeader(pageSize: options.pageSize, clock: .ticks, producer: "valgrind --tool=lackey --trace-mem=yes")
    }

    public var bytesConsumed: UInt64 { lines.input.offset }
    public var inputSize: UInt64? { lines.input.size }

    public func nextBatch(into events: inout [TraceEvent]) throws -> Bool {
        events.removeAll(keepingCapacity: true)
        while events.count < batchSize, let line = try lines.nextLine(goodRecords: recordsRead + UInt64(events.count)) {
            try parse(line, into: &events)
        }
        recordsRead += UInt64(events.count)
        return !events.isEmpty
    }

    @inline(__always)
    private func parse(_ line: UnsafeBufferPointer<UInt8>, into events: inout [TraceEvent]) throws {
        let count = line.count
        if count == 0 { return }
        let first = line[0]
        if first == UInt8(ascii: "=") && count >= 2 && line[1] == UInt8(ascii: "=") { return }  // Valgrind's own line
        let kind: UInt8
        if first == UInt8(ascii: "I") && count > 3 && line[1] == 0x20 && line[2] == 0x20 {
            kind = first
        } else if first == 0x20 && count > 3 && line[2] == 0x20,
                  line[1] == UInt8(ascii: "L") || line[1] == UInt8(ascii: "S") || line[1] == UInt8(ascii: "M") {
            kind = line[1]
        } else {
            return try bad(line, goodInBatch: events.count, "expected a Lackey record ('I  addr,size', ' L addr,size', ' S …', ' M …') or a '==PID==' line")
        }
        // Fields: hex address, a comma, decimal size.
        var comma = 3
        while comma < count && line[comma] != UInt8(ascii: ",") { comma += 1 }
        guard comma < count,
              let address = TextField.hexadecimal(TextField.trimmed(UnsafeBufferPointer(rebasing: line[3..<comma]))),
              let size = TextField.decimal(UnsafeBufferPointer(rebasing: line[(comma + 1)...]))
        else {
            return try bad(line, goodInBatch: events.count, "expected 'hexaddress,size' after the record letter")
        }
        guard address < TraceEvent.addressLimit, size > 0, size <= UInt64(UInt32.max) else {
            return try bad(line, goodInBatch: events.count, "address below 2^59 and size from 1 to 2^32-1 expected")
        }
        if kind == UInt8(ascii: "I") {
            instructions += 1
            if options.includeInstructions {
                events.append(TraceEvent(time: instructions, operation: .read, address: address, size: UInt32(size)))
            }
            return
        }
        dataAccesses += 1
        let time = instructions > 0 ? instructions : dataAccesses
        switch kind {
        case UInt8(ascii: "L"):
            events.append(TraceEvent(time: time, operation: .read, address: address, size: UInt32(size)))
        case UInt8(ascii: "S"):
            events.append(TraceEvent(time: time, operation: .write, address: address, size: UInt32(size)))
        default:
            events.append(TraceEvent(time: time, operation: .read, address: address, size: UInt32(size)))
            events.append(TraceEvent(time: time, operation: .write, address: address, size: UInt32(size)))
        }
    }

    private func bad(_ line: UnsafeBufferPointer<UInt8>, goodInBatch: Int, _ expected: String) throws {
        guard options.skipBadLines else {
            throw TraceError(file: lines.input.name, position: .line(lines.lineNumber), goodRecords: recordsRead + UInt64(goodInBatch),
                             reason: "\(expected), found \(TextField.quoted(line))")
        }
        skippedLines += 1
        if firstSkippedLine == nil { firstSkippedLine = "line \(lines.lineNumber): \(TextField.quoted(line))" }
    }
}
