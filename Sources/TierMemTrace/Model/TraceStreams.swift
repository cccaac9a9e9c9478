/// Anything that yields trace events in batches: the `.tmt` reader, the CSV reader, the Lackey
/// importer, the generators. Batches keep per-event cost to a few nanoseconds.
public protocol TraceEventSource: AnyObject {
    var header: TraceHeader { get }
    /// Replaces `events` with the next batch. Returns false, with `events` empty, at the end.
    func nextBatch(into events: inout [TraceEvent]) throws -> Bool
}

/// Anything that takes trace events: the `.tmt` writer, the CSV writer, the exporters.
public protocol TraceEventSink: AnyObject {
    func write(_ events: [TraceEvent]) throws
    /// Flushes and makes the output complete; nothing is visible at the destination path before.
    func finish() throws
}

extension TraceEventSource {
    /// Feeds every remaining event to `body`, batch by batch.
    public func forEachBatch(_ body: ([TraceEvent]) throws -> Void) throws {
        var batch: [TraceEvent] = []
        while try nextBatch(into: &batch) { try body(batch) }
    }

    /// Copies every remaining event into `sink` (without finishing it); returns how many.
    @discardableResult
    public func copy(to sink: some TraceEventSink) throws -> UInt64 {
        var count: UInt64 = 0
        try forEachBatch { batch in
            try sink.write(batch)
            count += UInt64(batch.count)
        }
        return count
    }

    /// Every remaining event in one array. Meant for tests and small traces.
    public func readAll() throws -> [TraceEvent] {
        var all: [TraceEvent] = []
        try forEachBatch { all.append(contentsOf: $0) }
        return all
    }
}

/// A source that reads a byte stream and can say how far it has got (for progress bars).
public protocol ByteProgressReporting {
    var bytesConsumed: UInt64 { get }
    /// The input's size when known (a regular file), nil for a pipe.
    var inputSize: UInt64? { get }
}

extension TMTReader: ByteProgressReporting {}
extension CSVTraceReader: ByteProgressReporting {}
extension LackeyImporter: ByteProgressReporting {}
