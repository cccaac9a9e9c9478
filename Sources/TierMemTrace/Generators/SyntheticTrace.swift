import Foundation

/// A generated trace, streamed in batches: the same spec and seed give the same events.
/// Time is one tick per event; addresses are page-aligned inside a heap at `baseAddress`
/// (the streaming scan reads cache lines).
public final class SyntheticTrace: TraceEventSource {
    public let spec: WorkloadSpec
    public let header: TraceHeader
    private var random: TraceRandom
    private var produced = 0
    private let batchSize: Int
    private var state: PatternState
    private let pageShift: UInt64

    public init(spec: WorkloadSpec, batchSize: Int = 1 << 16) throws(WorkloadSpecError) {
        try spec.validate()
        self.spec = spec
        self.batchSize = batchSize
        self.header = TraceHeader(pageSize: spec.pageSize, clock: .ticks, producer: spec.commandLine)
        self.random = TraceRandom(seed: spec.seed)
        self.pageShift = UInt64(spec.pageSize.trailingZeroBitCount)
        self.state = PatternState(spec: spec)
    }

    public func nextBatch(into events: inout [TraceEvent]) throws -> Bool {
        events.removeAll(keepingCapacity: true)
        let n = min(batchSize, spec.records - produced)
        for _ in 0..<n {
            var event = state.next(&random, spec: spec, index: produced, pageShift: pageShift)
            event.time = UInt64(produced)
            events.append(event)
            produced += 1
        }
        return n > 0
    }
}

/// The running state of every pattern; `next` produces one event.
private struct PatternState {
    let zipf: ZipfSampler?
    let scatter: RankScatter
    var hotStart: UInt64 = 0
    var scanRemaining: UInt64 = 0
    var scanNext: UInt64 = 0
    /// growth: the live objects (first page, pages) and the heap's top page.
    var objects: [(page: UInt64, pages: UInt64)] = []
    var heapTop: UInt64 = 0
    /// kv: an allocation pending after a free at this page (churn reallocates in place).
    var pendingAlloc: UInt64?

    init(spec: WorkloadSpec) {
        zipf = spec.kind == .zipf || spec.kind == .kv ? ZipfSampler(n: spec.footprintPages, exponent: spec.zipfExponent) : nil
        scatter = RankScatter(n: spec.footprintPages)
    }

    mutating func next(_ r: inout TraceRandom, spec: WorkloadSpec, index: Int, pageShift: UInt64) -> TraceEvent {
        let n = spec.footprintPages
        func access(_ page: UInt64, _ r: inout TraceRandom) -> TraceEvent {
            let op: TraceOperation = r.unit() < spec.writeFraction ? .write : .read
            return TraceEvent(time: 0, operation: op, address: WorkloadSpec.baseAddress + (page << pageShift), size: spec.accessSize)
        }
        switch spec.kind {
        case .uniform:
            return access(r.below(n), &r)
        case .zipf:
            return access(scatter.apply(zipf!.sample(&r) - 1), &r)
        case .scan:
            let op: TraceOperation = r.unit() < spec.writeFraction ? .write : .read
            return TraceEvent(time: 0, operation: op, address: WorkloadSpec.baseAddress + UInt64(index) * UInt64(spec.accessSize), size: spec.accessSize)
        case .loop:
            return access(UInt64(index) % n, &r)
        case .phases:
            if index % spec.phaseLength == 0 { hotStart = r.below(n) }
            let hotPages = max(1, UInt64(Double(n) * spec.hotFraction))
            let page = r.unit() < spec.hotShare ? (hotStart + r.below(hotPages)) % n : r.below(n)
            return access(page, &r)
        case .periodic:
            let phase = Double(index % spec.period) / Double(spec.period)
            let active = max(1, UInt64(Double(n) * (0.2 + 0.8 * (1 - cos(2 * Double.pi * phase)) / 2)))
            return access(r.below(min(active, n)), &r)
        case .growth:
            return nextGrowth(&r, spec: spec, index: index, pageShift: pageShift, access: access)
        case .kv:
            return nextKeyValue(&r, spec: spec, index: index, pageShift: pageShift, access: access)
        }
    }

    private mutating func nextGrowth(_ r: inout TraceRandom, spec: WorkloadSpec, index: Int, pageShift: UInt64,
                                     access: (UInt64, inout TraceRandom) -> TraceEvent) -> TraceEvent {
        // Objects of 1 to 16 pages (8.5 on average); allocate at the rate that fills the footprint
        // by the end of the trace, and free one old object for every ten allocated (most leak).
        let allocationsWanted = Double(spec.footprintPages) / 8.5
        let allocationChance = min(0.5, allocationsWanted / Double(spec.records))
        let roll = r.unit()
        if objects.isEmpty || (roll < allocationChance && heapTop < spec.footprintPages) {
            let pages = min(1 + r.below(16), max(1, spec.footprintPages - heapTop))
            let page = heapTop
            heapTop += pages
            objects.append((page, pages))
            return TraceEvent(time: 0, operation: .alloc, address: WorkloadSpec.baseAddress + (page << pageShift),
                              size: UInt32(truncatingIfNeeded: pages << pageShift))
        }
        if roll < allocationChance * 1.1 && objects.count > 1 {
            let victim = objects.remove(at: Int(r.below(UInt64(objects.count - 1))))
            return TraceEvent(time: 0, operation: .free, address: WorkloadSpec.baseAddress + (victim.page << pageShift),
                              size: UInt32(truncatingIfNeeded: victim.pages << pageShift))
        }
        // 80% of accesses go to the newest tenth of the live objects.
        let count = UInt64(objects.count)
        let recent = max(1, count / 10)
        let chosen = r.unit() < 0.8 ? objects[Int(count - 1 - r.below(recent))] : objects[Int(r.below(count))]
        return access(chosen.page + r.below(chosen.pages), &r)
    }

    private mutating func nextKeyValue(_ r: inout TraceRandom, spec: WorkloadSpec, index: Int, pageShift: UInt64,
                                       access: (UInt64, inout TraceRandom) -> TraceEvent) -> TraceEvent {
        let n = spec.footprintPages
        let pageBytes = UInt32(truncatingIfNeeded: 1 << pageShift)
        if let page = pendingAlloc {
            pendingAlloc = nil
            return TraceEvent(time: 0, operation: .alloc, address: WorkloadSpec.baseAddress + (page << pageShift), size: pageBytes)
        }
        if index > 0 && index % spec.scanEvery == 0 {
            scanRemaining = spec.scanPages
            scanNext = r.below(n)
        }
        if scanRemaining > 0 {
            scanRemaining -= 1
            let page = scanNext % n
            scanNext += 1
            return TraceEvent(time: 0, operation: .read, address: WorkloadSpec.baseAddress + (page << pageShift), size: spec.accessSize)
        }
        if r.unit() < spec.churnFraction {
            let page = scatter.apply(zipf!.sample(&r) - 1)  // an entry is replaced: free, then allocate anew
            pendingAlloc = page
            return TraceEvent(time: 0, operation: .free, address: WorkloadSpec.baseAddress + (page << pageShift), size: pageBytes)
        }
        return access(scatter.apply(zipf!.sample(&r) - 1), &r)
    }
}
