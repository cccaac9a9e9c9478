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

        let controller = Controller(layout: layout, policy: policy,
                                    executor: ReplayExecutor(costs: settings.costs, codec: layout.codec),
                                    config: settings.controller, expectedPages: profile.distinctPages, pageRange: profile.pageRange,
                                    pageIDsFromRange: true)
        let sampleEvery = max(1, profile.pageAccesses / UInt64(max(settings.timelinePoints, 1)))
        return try withoutActuallyEscaping(progress) { progress in
            var loop = ReplayLoop(controller: controller, layout: layout, costs: settings.costs, header: header, nextUse: profile.nextUse,
                                  recorder: recorder, sampleEvery: sampleEvery, progress: progress)
            var batch: [TraceEvent] = []
            func replayAll<Mode: ReplayMode>(_ mode: Mode.Type) throws {
                while try source.nextBatch(into: &batch) {
                    try batch.withUnsafeBufferPointer { events throws(ControllerError) in try loop.replay(events, mode: mode) }
                }
            }
            do {
                // Concrete types, so that each loop is specialised (an opened existential is not).
                switch (loop.nanosecondClock, loop.hasExtras) {
                case (false, false): try replayAll(ModelledClock.self)
                case (false, true): try replayAll(ModelledClockWithExtras.self)
                case (true, false): try replayAll(TraceClock.self)
                case (true, true): try replayAll(TraceClockWithExtras.self)
                }
            } catch let error as ControllerError {
                throw ReplayError("at page access \(loop.position): \(error.reason)")
            }
            return ReplayResult(
                trace: name, policy: P.name, tiers: settings.tiers.description, pmemAccess: settings.pmemAccess.rawValue,
                footprintPages: profile.distinctPages, pageSize: pageSize, dramPages: layout.dramPages,
                counters: loop.controller.counters, modelledNs: loop.modelled, clockSpanNs: Double(loop.now),
                clockIsTraceTime: loop.nanosecondClock, engineBytes: loop.controller.memoryBytes, timeline: loop.timeline)
        }
    }
}
