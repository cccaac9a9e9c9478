import TierMemCore
import TierMemTrace

/// Streams a trace through the controller with the replay executor: the decision engine of the
/// live heap, fed recorded accesses and charging a cost model instead of moving bytes. Memory
/// does not grow with the trace's length (an oracle's next-use table aside: `TraceProfile`).
public enum ReplayRunner {
    /// Replays `source` (already profiled as `profile`) with policy type `P`.
    public static func run<P: PlacementPolicy>(
        _ policyType: P.Type, source: any TraceEventSource, profile: TraceProfile, name: String,
        settings: ReplaySettings, windows recorder: PressureWindowRecorder? = nil, progress: (UInt64) -> Void = { _ in }
    ) throws -> ReplayResult {
        let header = source.header
        let pageSize = Int(header.pageSize)
        let layout: TierLayout
        do {
            layout = try TierLayout(spec: settings.tiers, footprintPages: profile.distinctPages, pageSize: pageSize, pmemAccess: settings.pmemAccess)
        } catch {
            throw ReplayError(error.description)
        }
        if let problem = settings.controller.problem() { throw ReplayError("controller: \(problem)") }
        var options = settings.policyOptions
        if P.self == StaticRatioPolicy.self && options.values["dram"] == nil {
            // memtier's ratio by default: DRAM's share of the footprint.
            options.values["dram"] = min(1, Double(layout.dramPages) / Double(max(profile.distinctPages, 1)))
        }
        let policy: P
        do {
            if let model = settings.forecastModel, P.self == PredictivePolicy.self {
                policy = try PredictivePolicy(layout: layout, options: options, model: model) as! P
            } else {
                policy = try P(layout: layout, options: options)
            }
        } catch {
            throw ReplayError(error.description)
        }
        if P.needsFuture && profile.nextUse == nil { throw ReplayError("\(P.name) needs the trace's next-use table") }

        var controller = Controller(layout: layout, policy: policy,
                                    executor: ReplayExecutor(costs: settings.costs, codec: layout.codec),
                                    config: settings.controller, expectedPages: profile.distinctPages, pageRange: profile.pageRange,
                                    pageIDsFromRange: true)
        let costs = settings.costs
        let dramHitTicks = UInt64(costs.dramAccessNs)
        let nanosecondClock = header.clock == .nanoseconds
        let shift = header.pageShift
        let sampleEvery = max(1, profile.pageAccesses / UInt64(max(settings.timelinePoints, 1)))
        var nextSample = sampleEvery  // a comparison, not `position % sampleEvery`: no division per access
        var timeline: [TimelinePoint] = []
        // A timeline window's hits and accesses: differences of running counts.
        var windowStartHits: UInt64 = 0
        var windowStart: UInt64 = 0
        var position: UInt64 = 0
        var modelled = 0.0
        var firstTime: UInt64?
        var now: UInt64 = 1
        let nextUse = profile.nextUse ?? []
        let hasFuture = profile.nextUse != nil

        var batch: [TraceEvent] = []
        do {
            while try source.nextBatch(into: &batch) {
                for event in batch {
                    if nanosecondClock {
                        if firstTime == nil { firstTime = event.time }
                        now = max(now, event.time &- firstTime! &+ 1)
                    }
                    switch event.operation {
                    case .read, .write:
                        let isWrite = event.operation == .write
                        let pages = event.pages(pageShift: shift)
                        var page = pages.lowerBound
                        while true {
                            var next = UInt64.max
                            if hasFuture, nextUse[Int(position)] != .max { next = UInt64(nextUse[Int(position)]) }
                            recorder?.access(page: page)
                            let outcome = try controller.access(page: page, isWrite: isWrite, now: now, position: position, nextUse: next)
                            recorder?.tick(counters: controller.counters, dramPages: layout.dramPages - controller.table.freeDRAMPages, dramCapacity: layout.dramPages)
                            if outcome.service == .dram {
                                // Most accesses: a constant cost (a DRAM hit never stalls), no conversion.
                                modelled += costs.dramAccessNs
                                if !nanosecondClock { now &+= dramHitTicks }
                            } else {
                                let cost = accessCost(outcome, isWrite: isWrite, costs: costs, codec: layout.codec)
                                modelled += cost
                                if !nanosecondClock { now &+= UInt64(cost) }
                            }
                            position += 1
                            if position == nextSample {
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
                            if page == pages.upperBound { break }
                            page &+= 1
                        }
                    case .free:
                        for page in event.pages(pageShift: shift) { controller.free(page: page) }
                    case .alloc:
                        break  // a page is placed when first touched
                    }
                }
            }
        } catch let error as ControllerError {
            throw ReplayError("at page access \(position): \(error.reason)")
        }
        return ReplayResult(
            trace: name, policy: P.name, tiers: settings.tiers.description, pmemAccess: settings.pmemAccess.rawValue,
            footprintPages: profile.distinctPages, pageSize: pageSize, dramPages: layout.dramPages,
            counters: controller.counters, modelledNs: modelled, clockSpanNs: Double(now), clockIsTraceTime: nanosecondClock,
            engineBytes: controller.memoryBytes, timeline: timeline)
    }

    /// Modelled time of one access, ns.
    @inline(__always)
    static func accessCost(_ outcome: AccessOutcome, isWrite: Bool, costs: CostModel, codec: CompressionCodec) -> Double {
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
        return cost
    }
}
