/// What a trace's times count.
public enum ClockUnit: UInt8, CaseIterable, Sendable, CustomStringConvertible {
    /// Logical ticks: instructions (Lackey), accesses, or whatever the producer counts.
    case ticks = 0
    case nanoseconds = 1

    public var description: String { self == .ticks ? "ticks" : "ns" }

    /// Parses `ticks` or `ns` (also `nanoseconds`).
    public init?(name: String) {
        switch name.lowercased() {
        case "ticks", "tick": self = .ticks
        case "ns", "nanoseconds": self = .nanoseconds
        default: return nil
        }
    }
}

/// The facts every trace states once, at its start.
public struct TraceHeader: Hashable, Sendable {
    /// Bytes per page for the page view of the trace; a power of two from 512 B to 1 GiB.
    public var pageSize: UInt32
    public var clock: ClockUnit
    /// Free text naming what made the trace, such as `tiermem gen zipf --seed 1`; at most 1 KiB.
    public var producer: String

    public static let defaultPageSize: UInt32 = 4096
    public static let maxProducerBytes = 1024

    public init(pageSize: UInt32 = TraceHeader.defaultPageSize, clock: ClockUnit = .ticks, producer: String = "") {
        self.pageSize = pageSize
        self.clock = clock
        self.producer = producer
    }

    /// log2 of the page size.
    public var pageShift: Int { pageSize.trailingZeroBitCount }

    /// Why this page size is unacceptable, or nil when it is fine.
    public static func pageSizeProblem(_ size: UInt64) -> String? {
        guard size >= 512, size <= 1 << 30, size & (size - 1) == 0 else {
            return "page size \(size) must be a power of two from 512 to 1073741824 bytes"
        }
        return nil
    }
}
