/// What `tiermem trace info` prints: size, span, footprint, operation mix and reuse distances.
public struct TraceSummary: Sendable {
    public var header: TraceHeader
    public var records: UInt64 = 0
    public var operations: [TraceOperation: UInt64] = [:]
    public var firstTime: UInt64?
    public var lastTime: UInt64 = 0
    /// Events whose time is earlier than the event before (multi-threaded recordings, concatenations).
    public var timeReversals: UInt64 = 0
    /// Page touches of reads and writes (an access spanning pages counts once per page).
    public var pageAccesses: UInt64 = 0
    public var bytesAccessed: UInt64 = 0
    public var distinctPages = 0
    public var reuse = LogHistogram()
    public var coldAccesses: UInt64 = 0

    public var duration: UInt64 { firstTime.map { lastTime >= $0 ? lastTime - $0 : 0 } ?? 0 }
    public var footprintBytes: UInt64 { UInt64(distinctPages) * UInt64(header.pageSize) }

    /// Reads `source` to the end. `progress` is called after each batch with the records so far.
    public static func measure(_ source: some TraceEventSource, limit: FootprintLimit = FootprintLimit(),
                               progress: (UInt64) -> Void = { _ in }) throws -> TraceSummary {
        var summary = TraceSummary(header: source.header)
        var analyzer = ReuseDistanceAnalyzer()
        let shift = source.header.pageShift
        var previousTime: UInt64?
        try source.forEachBatch { batch in
            for event in batch {
                defer { summary.records += 1 }
                summary.operations[event.operation, default: 0] += 1
                if summary.firstTime == nil { summary.firstTime = event.time }
                if let previousTime, event.time < previousTime { summary.timeReversals += 1 }
                previousTime = event.time
                summary.lastTime = max(summary.lastTime, event.time)
                guard event.operation.isAccess else { continue }
                summary.bytesAccessed += UInt64(event.size)
                let record = summary.records + 1
                try limit.checkRecord(pages: event.pageCount(pageShift: shift), record: record, header: summary.header)
                for page in event.pages(pageShift: shift) {
                    analyzer.record(page: page)
                    summary.pageAccesses += 1
                }
                try limit.checkTotal(distinctPages: analyzer.distinctPages, record: record, header: summary.header)
            }
            progress(summary.records)
        }
        summary.distinctPages = analyzer.distinctPages
        summary.reuse = analyzer.histogram
        summary.coldAccesses = analyzer.coldAccesses
        return summary
    }
}
