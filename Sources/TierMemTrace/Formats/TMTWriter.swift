/// Writes a `.tmt` trace: the header at once, then a chunk every `recordsPerChunk` events.
public final class TMTWriter: TraceEventSink {
    public let header: TraceHeader
    public private(set) var recordsWritten: UInt64 = 0
    private let output: ByteOutput
    private let recordsPerChunk: Int
    private var pending: [TraceEvent] = []
    private var payload: [UInt8] = []

    /// Starts a new trace at `path` (`-` for standard output).
    public convenience init(path: String, header: TraceHeader, recordsPerChunk: Int = TMTFormat.defaultRecordsPerChunk) throws {
        try self.init(output: ByteOutput(path: path), header: header, recordsPerChunk: recordsPerChunk)
    }

    /// Starts a new trace on `output`, writing the header now.
    public init(output: ByteOutput, header: TraceHeader, recordsPerChunk: Int = TMTFormat.defaultRecordsPerChunk, writeHeader: Bool = true) throws {
        precondition((1...TMTFormat.maxRecordsPerChunk).contains(recordsPerChunk), "recordsPerChunk out of range")
        if let problem = TraceHeader.pageSizeProblem(UInt64(header.pageSize)) {
            throw TraceError(file: output.name, reason: problem)
        }
        self.header = header
        self.output = output
        self.recordsPerChunk = recordsPerChunk
        pending.reserveCapacity(recordsPerChunk)
        if writeHeader { try output.write(TMTFormat.encodeHeader(header)) }
    }

    public func write(_ events: [TraceEvent]) throws {
        for event in events { try write(event) }
    }

    @inline(__always)
    public func write(_ event: TraceEvent) throws {
        guard event.address < TraceEvent.addressLimit else {
            throw TraceError(file: output.name, goodRecords: recordsWritten + UInt64(pending.count),
                             reason: "record \(recordsWritten + UInt64(pending.count)): address 0x\(String(event.address, radix: 16)) is at or above the 2^59 limit")
        }
        pending.append(event)
        if pending.count == recordsPerChunk { try flushChunk() }
    }

    /// Writes the last partial chunk and moves the file into place.
    public func finish() throws {
        try flushChunk()
        try output.commit()
    }

    private func flushChunk() throws {
        guard !pending.isEmpty else { return }
        try output.write(TMTFormat.encodeChunk(pending, payloadBuffer: &payload))
        recordsWritten += UInt64(pending.count)
        pending.removeAll(keepingCapacity: true)
    }
}
