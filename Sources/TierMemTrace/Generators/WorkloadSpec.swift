import TierMemCore

/// The synthetic workloads `tiermem trace gen` makes. Each is seeded and deterministic.
public enum WorkloadKind: String, CaseIterable, Sendable, CustomStringConvertible {
    /// Every page equally likely: no locality at all.
    case uniform
    /// Page popularity ∝ 1/rank^s, hot pages scattered over the footprint.
    case zipf
    /// Sequential cache-line reads through fresh memory, never revisited (streaming).
    case scan
    /// Page by page round the footprint, again and again: reuse distance = footprint (LRU's worst case).
    case loop
    /// A hot set that takes most accesses and moves to another region every phase.
    case phases
    /// Allocation-heavy and leak-like: the heap grows to the footprint; accesses favour new objects.
    case growth
    /// The active set swells and shrinks on a cosine (diurnal-like), so page-in demand is periodic.
    case periodic
    /// A key-value cache: zipf reads and writes, periodic scans, allocation and free churn.
    case kv

    public var description: String { rawValue }

    public var summary: String {
        switch self {
        case .uniform: return "uniform random pages"
        case .zipf: return "zipf(s) page popularity"
        case .scan: return "sequential streaming scan, no reuse"
        case .loop: return "looping scan over the footprint"
        case .phases: return "shifting hot set (phases)"
        case .growth: return "allocation-heavy growth, leak-like"
        case .periodic: return "periodic (diurnal-like) demand"
        case .kv: return "key-value cache mix: zipf, scans, churn"
        }
    }
}

/// Every knob of the generators, with defaults that make a 64 MiB, one-million-record trace.
public struct WorkloadSpec: Sendable, Equatable {
    public var kind: WorkloadKind
    /// Events to generate.
    public var records = 1_000_000
    /// Distinct pages the workload may touch.
    public var footprintPages: UInt64 = 16_384
    public var seed: UInt64 = 1
    public var pageSize: UInt32 = TraceHeader.defaultPageSize
    /// Bytes per access (a cache line by default).
    public var accessSize: UInt32 = 64
    /// Share of accesses that are writes.
    public var writeFraction = 0.3
    /// zipf and kv: the exponent s.
    public var zipfExponent = 0.99
    /// phases: the hot set's share of the footprint, and the share of accesses it takes.
    public var hotFraction = 0.1
    public var hotShare = 0.9
    /// phases: records per phase.
    public var phaseLength = 100_000
    /// periodic: records per period.
    public var period = 200_000
    /// kv: a scan of `scanPages` pages starts every `scanEvery` records.
    public var scanEvery = 100_000
    public var scanPages: UInt64 = 1_024
    /// kv: share of records that free an entry and allocate its replacement.
    public var churnFraction = 0.02

    /// Where generated heaps start: a typical mmap address, page-aligned.
    public static let baseAddress: UInt64 = 0x7F00_0000_0000

    public init(kind: WorkloadKind) { self.kind = kind }

    /// Checks every field; the error names the field and the range expected.
    public func validate() throws(WorkloadSpecError) {
        func require(_ ok: Bool, _ field: String, _ expected: String) throws(WorkloadSpecError) {
            if !ok { throw WorkloadSpecError(field: field, expected: expected) }
        }
        try require(records >= 1 && records <= 1 << 40, "records", "1 to 2^40")
        try require(TraceHeader.pageSizeProblem(UInt64(pageSize)) == nil, "page-size", "a power of two from 512 B to 1 GiB")
        let maxPages = (TraceEvent.addressLimit - Self.baseAddress) / UInt64(pageSize) / 2
        try require(footprintPages >= 1 && footprintPages <= maxPages, "footprint", "at least one page and at most \(maxPages) pages")
        try require(accessSize >= 1 && accessSize <= pageSize, "access-size", "1 byte to one page")
        try require((0...1).contains(writeFraction), "write-fraction", "0 to 1")
        try require(zipfExponent > 0 && zipfExponent <= 10, "zipf-s", "greater than 0 and at most 10")
        try require(hotFraction > 0 && hotFraction <= 1, "hot-fraction", "greater than 0 and at most 1")
        try require((0...1).contains(hotShare), "hot-share", "0 to 1")
        try require(phaseLength >= 1, "phase-length", "at least 1 record")
        try require(period >= 2, "period", "at least 2 records")
        try require(scanEvery >= 1, "scan-every", "at least 1 record")
        if kind == .kv {
            try require(scanPages >= 1 && scanPages <= footprintPages, "scan-pages", "1 to the footprint in pages (\(footprintPages))")
        }
        try require((0...0.5).contains(churnFraction), "churn", "0 to 0.5")
    }

    /// The command line that makes this trace, stored as the trace's producer.
    public var commandLine: String {
        let footprint = ByteCount(footprintPages * UInt64(pageSize)).exactDescription
        var text = "tiermem trace gen \(kind) --records \(records) --footprint \(footprint) --seed \(seed)"
        if pageSize != TraceHeader.defaultPageSize { text += " --page-size \(pageSize)" }
        switch kind {
        case .zipf: text += " --zipf-s \(zipfExponent)"
        case .phases: text += " --hot-fraction \(hotFraction) --hot-share \(hotShare) --phase-length \(phaseLength)"
        case .periodic: text += " --period \(period)"
        case .kv: text += " --zipf-s \(zipfExponent) --scan-every \(scanEvery) --scan-pages \(scanPages) --churn \(churnFraction)"
        case .uniform, .scan, .loop, .growth: break
        }
        return text + " --write-fraction \(writeFraction)"
    }
}

/// A generator setting out of range.
public struct WorkloadSpecError: Error, Equatable, CustomStringConvertible {
    public var field: String
    public var expected: String
    public var description: String { "--\(field): expected \(expected)" }
}
