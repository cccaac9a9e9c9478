/// What a trace event did to memory.
public enum TraceOperation: UInt8, CaseIterable, Sendable, CustomStringConvertible {
    case read = 0
    case write = 1
    case alloc = 2
    case free = 3

    /// The one-letter CSV spelling: R, W, A, F.
    public var letter: Character {
        switch self {
        case .read: return "R"
        case .write: return "W"
        case .alloc: return "A"
        case .free: return "F"
        }
    }

    /// Reads and writes are accesses; allocations and frees change the footprint.
    public var isAccess: Bool { self == .read || self == .write }

    public var description: String {
        switch self {
        case .read: return "read"
        case .write: return "write"
        case .alloc: return "alloc"
        case .free: return "free"
        }
    }
}

/// One event of a memory trace: at `time`, `operation` on `size` bytes starting at `address`.
///
/// 24 bytes in memory. Addresses are below 2^59 (`TraceEvent.addressLimit`), which covers every
/// user-space address of 64-bit Linux (at most 2^57 with 5-level paging).
public struct TraceEvent: Hashable, Sendable, CustomStringConvertible {
    /// In the trace's clock unit (`TraceHeader.clock`): nanoseconds or logical ticks.
    public var time: UInt64
    public var address: UInt64
    /// Bytes touched, allocated or freed.
    public var size: UInt32
    public var operation: TraceOperation

    /// Addresses must be below this; larger ones are rejected as absurd by every reader.
    public static let addressLimit: UInt64 = 1 << 59

    public init(time: UInt64, operation: TraceOperation, address: UInt64, size: UInt32) {
        self.time = time
        self.operation = operation
        self.address = address
        self.size = size
    }

    public static let zero = TraceEvent(time: 0, operation: .read, address: 0, size: 0)

    /// The pages this event touches, for pages of `1 << pageShift` bytes. An event that crosses a
    /// page boundary touches each page it overlaps; a zero-size event touches the page of `address`.
    /// `pageShift` is below 64 (a page size is a power of two that fits in 64 bits).
    @inlinable @inline(__always)
    public func pages(pageShift: Int) -> ClosedRange<UInt64> {
        // Masking shifts: no over-shift checks on the replay's hot path.
        let shift = UInt64(truncatingIfNeeded: pageShift)
        let first = address &>> shift
        let span = size == 0 ? 0 : UInt64(size) &- 1
        let end = address &+ span
        let last = end < address ? (UInt64.max &>> shift) : end &>> shift
        return first...last
    }

    public var description: String {
        "\(time) \(operation.letter) 0x\(String(address, radix: 16)) \(size)"
    }
}
