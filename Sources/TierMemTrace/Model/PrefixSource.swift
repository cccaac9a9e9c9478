/// The first `limit` events of another source: a trace prefix, as successive halving evaluates
/// candidates on growing prefixes before it spends a whole trace on the survivors.
public final class PrefixSource: TraceEventSource {
    private let source: any TraceEventSource
    private var remaining: UInt64

    public init(_ source: any TraceEventSource, limit: UInt64) {
        self.source = source
        remaining = limit
    }

    public var header: TraceHeader { source.header }

    public func nextBatch(into events: inout [TraceEvent]) throws -> Bool {
        guard remaining > 0, try source.nextBatch(into: &events) else {
            events.removeAll(keepingCapacity: true)
            return false
        }
        if UInt64(events.count) > remaining { events.removeLast(events.count - Int(remaining)) }
        remaining -= UInt64(events.count)
        return true
    }
}
