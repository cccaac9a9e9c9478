import TierMemCore
import TierMemTrace

/// What a replay must know before it starts, from one pass over the trace: the footprint (for
/// tier sizes given as percentages, and to size the engine's tables), the number of page
/// accesses, and, for an oracle policy, the next use of every access.
///
/// The next-use pass costs 4 bytes per page access while the trace is read (each access's dense
/// page id) and leaves 4 bytes per page access (`nextUse`) for the replay: 10 million accesses
/// need about 80 MB at the peak. Positions are 32-bit, so an oracle replay takes at most
/// 4,294,967,294 page accesses.
public struct TraceProfile: Sendable {
    public var header: TraceHeader
    public var distinctPages = 0
    public var pageAccesses: UInt64 = 0
    public var events: UInt64 = 0
    /// The lowest and highest page numbers accessed (nil for a trace without accesses).
    public var pageRange: ClosedRange<UInt64>?
    /// For each page access, the position of the next access to the same page, or `UInt32.max`.
    public var nextUse: [UInt32]?

    /// Reads `source` to the end. With `withNextUse`, also computes `nextUse`.
    public static func measure(_ source: any TraceEventSource, withNextUse: Bool, limit: FootprintLimit = FootprintLimit(),
                               progress: (UInt64) -> Void = { _ in }) throws -> TraceProfile {
        var profile = TraceProfile(header: source.header)
        var index = PageIndex()
        var ids: [UInt32] = []
        let shift = source.header.pageShift
        var lowest = UInt64.max, highest = UInt64.min
        try source.forEachBatch { batch in
            for (offset, event) in batch.enumerated() where event.operation.isAccess {
                let record = profile.events + UInt64(offset) + 1
                try limit.checkRecord(pages: event.pageCount(pageShift: shift), record: record, header: profile.header)
                for page in event.pages(pageShift: shift) {
                    lowest = min(lowest, page)
                    highest = max(highest, page)
                    let next = index.count  // ids in order of first use
                    let (id, _) = index.findOrInsert(page, nextID: next)
                    if withNextUse { ids.append(id) }
                    profile.pageAccesses += 1
                }
                try limit.checkTotal(distinctPages: index.count, record: record, header: profile.header)
            }
            profile.events += UInt64(batch.count)
            progress(profile.events)
        }
        if withNextUse && profile.pageAccesses >= UInt64(UInt32.max) {
            throw TraceError(file: "trace", reason: "an oracle replay takes at most \(UInt32.max - 1) page accesses; this trace has \(profile.pageAccesses)")
        }
        profile.distinctPages = index.count
        if lowest <= highest { profile.pageRange = lowest...highest }
        if withNextUse {
            // Backward pass: the last position seen for each page id is its next use.
            var nextUse = [UInt32](repeating: .max, count: ids.count)
            var lastSeen = [UInt32](repeating: .max, count: index.count)
            for position in stride(from: ids.count - 1, through: 0, by: -1) {
                let id = Int(ids[position])
                nextUse[position] = lastSeen[id]
                lastSeen[id] = UInt32(position)
            }
            profile.nextUse = nextUse
        }
        return profile
    }
}
