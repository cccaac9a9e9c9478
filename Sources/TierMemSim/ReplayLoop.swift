import TierMemCore
import TierMemTrace

/// The per-access loop of a replay, apart from its setup (`ReplayRunner`): one small function
/// per batch of events, whose running values are locals, so that a DRAM hit (most accesses)
/// costs few instructions. Misses, timeline points and the window recorder are calls out of it.
struct ReplayLoop<P: PlacementPolicy> {
    var controller: Controller<P, ReplayExecutor>
    let costs: CostModel
    let codec: CompressionCodec
    let pageShift: Int
    /// The clock is the trace's own (nanoseconds) rather than the modelled time.
    let nanosecondClock: Bool
    /// The position of each access's next use, for an oracle policy; empty otherwise.
    let nextUse: [UInt32]
    let recorder: PressureWindowRecorder?
    var hasExtras: Bool { recorder != nil || !nextUse.isEmpty }
    let dramCapacity: Int
    let sampleEvery: UInt64
    let progress: (UInt64) -> Void

    /// The clock, ns: trace time or modelled time.
    private(set) var now: UInt64 = 1
    /// Page accesses so far.
    private(set) var position: UInt64 = 0
    /// Total modelled access time, ns.
    private(set) var modelled = 0.0
    private(set) var timeline: [TimelinePoint] = []
    private var firstTime: UInt64?
    private var nextSample: UInt64
    // A timeline window's hits and accesses: differences of running counts.
    private var windowStartHits: UInt64 = 0
    private var windowStart: UInt64 = 0

    init(controller: Controller<P, ReplayExecutor>, layout: TierLayout, costs: CostModel, header: TraceHeader,
         nextUse: [UInt32]?, recorder: PressureWindowRecorder?, sampleEvery: UInt64, progress: @escaping (UInt64) -> Void) {
        self.controller = controller
        self.costs = costs
        self.codec = layout.codec
        self.dramCapacity = layout.dramPages
        self.pageShift = header.pageShift
        self.nanosecondClock = header.clock == .nanoseconds
        self.nextUse = nextUse ?? []
        self.recorder = recorder
        self.sampleEvery = sampleEvery
        self.nextSample = sampleEvery  // a comparison, not `position % sampleEvery`: no division per access
        self.progress = progress
    }

    /// Replays `events` in order. `Mode` must match this loop's clock and extras.
    @inline(never)
    mutating func replay<Mode: ReplayMode>(_ events: UnsafeBufferPointer<TraceEvent>, mode: Mode.Type) throws(ControllerError) {
        precondition(Mode.traceClock == nanosecondClock && Mode.extras == hasExtras, "replay mode \(Mode.self) does not match the loop")
        var now = self.now
        var position = self.position
        var modelled = self.modelled
        defer {
            self.now = now
            self.position = position
            self.modelled = modelled
        }
        // Locals: passed to a call by reference, where a stored property would be copied first.
        let costs = self.costs
        let codec = self.codec
        let dramHitNs = costs.dramAccessNs
        // The modelled clock moves by each access's cost; the trace's own clock by its events.
        let modelledClock = !Mode.traceClock
        let dramHitTicks = modelledClock ? UInt64(dramHitNs) : 0
        let hasFuture = !nextUse.isEmpty
        let pageSize: UInt64 = 1 &<< UInt64(truncatingIfNeeded: pageShift)
        for event in events {
            if Mode.traceClock {
                if firstTime == nil { firstTime = event.time }
                now = max(now, event.time &- firstTime! &+ 1)
            }
            switch event.operation {
            case .read, .write:
                let isWrite = event.operation == .write
                // Most events stay inside one page: the whole range only for those that do not.
                let offsetEnd = (event.address & (pageSize &- 1)) &+ UInt64(event.size)
                var page = event.address &>> UInt64(truncatingIfNeeded: pageShift)
                let lastPage = offsetEnd <= pageSize ? page : event.pages(pageShift: pageShift).upperBound
                while true {
                    var next = UInt64.max
                    if Mode.extras {
                        if hasFuture && nextUse[Int(position)] != .max { next = UInt64(nextUse[Int(position)]) }
                        recorder?.access(page: page)
                    }
                    let outcome = try controller.access(page: page, isWrite: isWrite, now: now, position: position, nextUse: next)
                    if outcome.service == .dram {
                        // Most accesses: a constant cost (a DRAM hit never stalls), no conversion.
                        modelled += dramHitNs
                        now &+= dramHitTicks
                    } else {
                        // Its clock ticks come back converted: were the conversion here, the
                        // compiler would share it with the hit's constant, and convert on every hit.
                        let miss = Self.missCost(outcome, isWrite: isWrite, costs: costs, codec: codec)
                        modelled += miss.ns
                        if modelledClock { now &+= miss.ticks }
                    }
                    position &+= 1
                    if Mode.extras, let recorder { recordWindow(recorder) }
                    if position == nextSample { sample(at: position) }
                    if page == lastPage { break }
                    page &+= 1
                }
            case .free:
                for page in event.pages(pageShift: pageShift) { controller.free(page: page) }
            case .alloc:
                break  // a page is placed when first touched
            }
        }
    }

    /// `mutating` though it changes nothing here: a non-mutating call from `replay` copies the
    /// whole loop (about 1 KB) first, on every access of a training replay.
    @inline(never)
    private mutating func recordWindow(_ recorder: PressureWindowRecorder) {
        recorder.tick(counters: controller.counters, dramPages: dramCapacity - controller.table.freeDRAMPages, dramCapacity: dramCapacity)
    }

    /// A timeline point for the accesses since the last one, and a progress report.
    @inline(never)
    private mutating func sample(at position: UInt64) {
        nextSample += sampleEvery
        let hits = controller.counters.dramHits
        let t = controller.table
        timeline.append(TimelinePoint(
            position: position, dramPages: t.pagesIn[0], pmemPages: t.pagesIn[1], compressedPages: t.pagesIn[2],
            hitRatio: Double(hits - windowStartHits) / Double(max(position - windowStart, 1))))
        windowStartHits = hits
        windowStart = position
        progress(position)
    }

    /// Modelled time of an access not served from DRAM, ns, and the same in whole clock ticks.
    /// Not inlined: it is the miss path.
    @inline(never)
    private static func missCost(_ outcome: AccessOutcome, isWrite: Bool, costs: CostModel, codec: CompressionCodec) -> (ns: Double, ticks: UInt64) {
        var cost = outcome.stallNs
        switch outcome.service {
        case .dram:
            cost += costs.dramAccessNs
        case .inPlace:
            cost += isWrite ? costs.pmemWriteNs : costs.pmemReadNs
        case .fault:
            let read = outcome.bypassed
                ? (outcome.tier == TierLayout.pmem ? costs.copyFromPMEMNs : (codec == .lz4 ? costs.lz4DecompressNs : costs.zstdDecompressNs))
                : outcome.pagedInNs
            cost += costs.pageFaultNs + read + costs.dramAccessNs
        case .newPage:
            cost += costs.newPageNs + (outcome.tier == TierLayout.dram ? costs.dramAccessNs : costs.pmemWriteNs)
        }
        return (cost, UInt64(cost))
    }
}

/// What a replay does per access beyond the engine, fixed for the whole replay. `ReplayLoop`'s
/// loop is specialised for each, so that the usual replay (modelled clock, no window recorder, no
/// oracle) spends no instructions an access asking.
protocol ReplayMode {
    /// The clock is the trace's own (`ReplayLoop.nanosecondClock`).
    static var traceClock: Bool { get }
    /// A window recorder or an oracle's next-use table is attached (`ReplayLoop.hasExtras`).
    static var extras: Bool { get }
}

enum ModelledClock: ReplayMode { static let traceClock = false, extras = false }
enum ModelledClockWithExtras: ReplayMode { static let traceClock = false, extras = true }
enum TraceClock: ReplayMode { static let traceClock = true, extras = false }
enum TraceClockWithExtras: ReplayMode { static let traceClock = true, extras = true }
