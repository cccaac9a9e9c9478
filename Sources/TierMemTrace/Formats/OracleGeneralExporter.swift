/// Exports a trace as libCacheSim's `oracleGeneral` binary, so any replay can be cross-checked
/// with libCacheSim (`cachesim FILE oracleGeneral lru 1000 --ignore-obj-size 1`).
///
/// One 24-byte little-endian record per page touched by a read or write (allocations and frees
/// are not cache requests): u32 time, u64 object id (the page number), u32 object size (the page
/// size), i64 the index of the next request for the same page, or -1 if there is none. Time is
/// the trace's tick count, or whole seconds for a nanosecond clock, clamped to 2^32-1.
///
/// The next-access field needs the future, so requests are kept (12 bytes each) until `finish`,
/// which computes it in one backward pass and writes the file.
public final class OracleGeneralExporter: TraceEventSink {
    public static let recordBytes = 24
    private let output: ByteOutput
    private let header: TraceHeader
    private var pages: [UInt64] = []
    private var times: [UInt32] = []

    public convenience init(path: String, header: TraceHeader) throws {
        try self.init(output: ByteOutput(path: path), header: header)
    }

    public init(output: ByteOutput, header: TraceHeader) {
        self.output = output
        self.header = header
    }

    /// Requests collected so far.
    public var requestCount: Int { pages.count }

    public func write(_ events: [TraceEvent]) throws {
        let shift = header.pageShift
        for event in events where event.operation.isAccess {
            let seconds = header.clock == .nanoseconds ? event.time / 1_000_000_000 : event.time
            let time = UInt32(clamping: seconds)
            for page in event.pages(pageShift: shift) {
                pages.append(page)
                times.append(time)
            }
        }
    }

    public func finish() throws {
        let next = Self.nextAccessIndices(pages)
        var record = [UInt8]()
        record.reserveCapacity(1 << 20)
        for i in pages.indices {
            record.appendLittleEndian(times[i])
            record.appendLittleEndian(pages[i])
            record.appendLittleEndian(header.pageSize)
            record.appendLittleEndian(next[i])
            if record.count >= 1 << 20 {
                try output.write(record)
                record.removeAll(keepingCapacity: true)
            }
        }
        try output.write(record)
        try output.commit()
    }

    /// For each request, the index of the next request for the same key, or -1: one backward pass.
    public static func nextAccessIndices(_ keys: [UInt64]) -> [Int64] {
        var next = [Int64](repeating: -1, count: keys.count)
        var lastSeen: [UInt64: Int64] = [:]
        lastSeen.reserveCapacity(keys.count / 4)
        for i in keys.indices.reversed() {
            if let later = lastSeen.updateValue(Int64(i), forKey: keys[i]) { next[i] = later }
        }
        return next
    }
}
