/// Spots sequential page-ins so that the fault service can bring the next pages in before they
/// are touched (readahead, as the kernel does for files and swap). Several streams at once: the
/// allocator keeps each size class in its own slabs, so a scan over keys walks a few page
/// sequences interleaved. Not thread-safe: the arena guards it with `readaheadLock`.
struct SequentialFaultDetector {
    private struct Stream {
        var lastFault: Int
        /// The page a sequential reader faults on next: after the last fault, or after the pages
        /// read ahead for it (a fault in between, on a page that could not be read ahead, also
        /// continues the stream).
        var expected: Int
        var window: Int
        var lastUse: Int
    }

    /// Most pages read ahead at once; 0 turns readahead off.
    let maxWindow: Int
    private var streams: [Stream] = []
    private var clock = 0
    static let streamsTracked = 16
    static let firstWindow = 2

    init(maxWindow: Int) { self.maxWindow = maxWindow }

    /// A page-in at `page`: how many pages after it to read ahead (0 when it does not continue a
    /// stream). The window doubles while a stream keeps going, up to `maxWindow`.
    mutating func pagesToReadAhead(after page: Int) -> Int {
        guard maxWindow > 0 else { return 0 }
        clock += 1
        if let k = streams.firstIndex(where: { page > $0.lastFault && page <= $0.expected }) {
            let window = min(maxWindow, streams[k].window == 0 ? Self.firstWindow : 2 * streams[k].window)
            streams[k] = Stream(lastFault: page, expected: page + 1 + window, window: window, lastUse: clock)
            return window
        }
        let fresh = Stream(lastFault: page, expected: page + 1, window: 0, lastUse: clock)
        if streams.count < Self.streamsTracked {
            streams.append(fresh)
        } else if let oldest = streams.indices.min(by: { streams[$0].lastUse < streams[$1].lastUse }) {
            streams[oldest] = fresh
        }
        return 0
    }
}
