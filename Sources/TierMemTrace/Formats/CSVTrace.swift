/// The CSV interchange format: the documented way to bring any trace to TierMem.
///
///     # tiermem page_size=4096 clock=ns producer=my-tool     (optional, before the header)
///     time,op,address,size
///     0,R,0x7f00001000,8
///     15,write,140737488355328,4096
///
/// `time` is a decimal in the trace's clock unit; `op` is R, W, A, F or read, write, alloc,
/// free (any case); `address` is hex with `0x` or decimal, below 2^59; `size` is decimal bytes
/// below 2^32. Empty lines and other `#` lines are skipped. Spaces around fields are ignored.
public final class CSVTraceReader: TraceEventSource {
    public private(set) var header: TraceHeader
    public private(set) var recordsRead: UInt64 = 0
    private let lines: LineReader
    private let batchSize: Int
    public static let headerLine = "time,op,address,size"

    /// `header` gives the page size and clock unless the file's `# tiermem` line overrides them.
    public convenience init(path: String, header: TraceHeader = TraceHeader(), batchSize: Int = 1 << 16) throws {
        try self.init(input: ByteInput(path: path), header: header, batchSize: batchSize)
    }

    public init(input: ByteInput, header: TraceHeader = TraceHeader(), batchSize: Int = 1 << 16) throws {
        self.lines = LineReader(input: input)
        self.header = header
        self.batchSize = batchSize
        try readPreamble()
    }

    public var bytesConsumed: UInt64 { lines.input.offset }
    public var inputSize: UInt64? { lines.input.size }

    private func fail(_ reason: String) -> TraceError {
        TraceError(file: lines.input.name, position: .line(lines.lineNumber), goodRecords: recordsRead, reason: reason)
    }

    /// Reads comment lines (honouring `# tiermem key=value ...`) up to and including the header.
    private func readPreamble() throws {
        while let raw = try lines.nextLine() {
            let line = TextField.trimmed(raw)
            if line.isEmpty { continue }
            let text = String(decoding: line, as: UTF8.self)
            if text.hasPrefix("#") {
                let words = text.dropFirst().split(separator: " ")
                if words.first == "tiermem" { try applySettings(words.dropFirst()) }
                continue
            }
            let normalized = text.lowercased().filter { $0 != " " && $0 != "\t" }
            guard normalized == Self.headerLine else {
                throw fail("expected the header '\(Self.headerLine)', found \(TextField.quoted(line))")
            }
            return
        }
        throw fail("no header line: expected '\(Self.headerLine)'")
    }

    private func applySettings(_ words: ArraySlice<Substring>) throws {
        for word in words {
            let pair = word.split(separator: "=", maxSplits: 1)
            guard pair.count == 2 else { throw fail("expected key=value in the '# tiermem' line, found '\(word)'") }
            let value = String(pair[1])
            switch pair[0] {
            case "page_size":
                guard let size = UInt64(value), TraceHeader.pageSizeProblem(size) == nil else {
                    throw fail("page_size: \(TraceHeader.pageSizeProblem(UInt64(value) ?? 0) ?? "expected a number")")
                }
                header.pageSize = UInt32(size)
            case "clock":
                guard let clock = ClockUnit(name: value) else { throw fail("clock: expected 'ticks' or 'ns', found '\(value)'") }
                header.clock = clock
            case "producer":
                header.producer = String(words.joined(separator: " ").split(separator: "producer=", maxSplits: 1).last ?? "")
                return  // the producer runs to the end of the line
            default:
                throw fail("unknown setting '\(pair[0])' in the '# tiermem' line; expected page_size, clock or producer")
            }
        }
    }

    public func nextBatch(into events: inout [TraceEvent]) throws -> Bool {
        events.removeAll(keepingCapacity: true)
        while events.count < batchSize, let raw = try lines.nextLine(goodRecords: recordsRead) {
            let line = TextField.trimmed(raw)
            if line.isEmpty || line[0] == UInt8(ascii: "#") { continue }
            events.append(try parse(line))
            recordsRead += 1
        }
        return !events.isEmpty
    }

    private func parse(_ line: UnsafeBufferPointer<UInt8>) throws -> TraceEvent {
        var fields: [UnsafeBufferPointer<UInt8>] = []
        fields.reserveCapacity(4)
        var fieldStart = 0
        for i in 0...line.count where i == line.count || line[i] == UInt8(ascii: ",") {
            fields.append(TextField.trimmed(UnsafeBufferPointer(rebasing: line[fieldStart..<i])))
            fieldStart = i + 1
        }
        guard fields.count == 4 else {
            throw fail("expected 4 fields (\(Self.headerLine)), found \(fields.count) in \(TextField.quoted(line))")
        }
        guard let time = TextField.decimal(fields[0]) else {
            throw fail("field 'time': expected an unsigned decimal below 2^64, found \(TextField.quoted(fields[0]))")
        }
        guard let operation = Self.operation(fields[1]) else {
            throw fail("field 'op': expected R, W, A, F, read, write, alloc or free, found \(TextField.quoted(fields[1]))")
        }
        let addressField = fields[2]
        let isHex = addressField.count > 2 && addressField[0] == UInt8(ascii: "0") && (addressField[1] | 0x20) == UInt8(ascii: "x")
        let parsedAddress = isHex ? TextField.hexadecimal(UnsafeBufferPointer(rebasing: addressField[2...])) : TextField.decimal(addressField)
        guard let address = parsedAddress, address < TraceEvent.addressLimit else {
            throw fail("field 'address': expected hex with 0x or a decimal below 2^59, found \(TextField.quoted(addressField))")
        }
        guard let size = TextField.decimal(fields[3]), size <= UInt64(UInt32.max) else {
            throw fail("field 'size': expected decimal bytes below 2^32, found \(TextField.quoted(fields[3]))")
        }
        return TraceEvent(time: time, operation: operation, address: address, size: UInt32(size))
    }

    private static func operation(_ field: UnsafeBufferPointer<UInt8>) -> TraceOperation? {
        if field.count == 1 {
            switch field[0] | 0x20 {
            case UInt8(ascii: "r"): return .read
            case UInt8(ascii: "w"): return .write
            case UInt8(ascii: "a"): return .alloc
            case UInt8(ascii: "f"): return .free
            default: return nil
            }
        }
        switch String(decoding: field, as: UTF8.self).lowercased() {
        case "read": return .read
        case "write": return .write
        case "alloc": return .alloc
        case "free": return .free
        default: return nil
        }
    }
}

/// Writes the CSV interchange format, with a `# tiermem` line carrying the header.
public final class CSVTraceWriter: TraceEventSink {
    private let output: ByteOutput
    private var line: [UInt8] = []

    public convenience init(path: String, header: TraceHeader) throws {
        try self.init(output: ByteOutput(path: path), header: header)
    }

    public init(output: ByteOutput, header: TraceHeader) throws {
        self.output = output
        var preamble = "# tiermem page_size=\(header.pageSize) clock=\(header.clock)"
        let producer = header.producer.filter { $0 != "\n" && $0 != "\r" }
        if !producer.isEmpty { preamble += " producer=\(producer)" }
        try output.write(preamble + "\n" + CSVTraceReader.headerLine + "\n")
    }

    public func write(_ events: [TraceEvent]) throws {
        for event in events {
            line.removeAll(keepingCapacity: true)
            line.append(contentsOf: String(event.time).utf8)
            line.append(UInt8(ascii: ","))
            line.append(event.operation.letter.asciiValue!)
            line.append(contentsOf: ",0x".utf8)
            line.append(contentsOf: String(event.address, radix: 16).utf8)
            line.append(UInt8(ascii: ","))
            line.append(contentsOf: String(event.size).utf8)
            line.append(UInt8(ascii: "\n"))
            try output.write(line)
        }
    }

    public func finish() throws { try output.commit() }
}
