import Foundation
import TierMemCore
import TierMemSim
import TierMemTrace

/// Generated events for a workload, kept in memory.
func events(_ kind: WorkloadKind, records: Int, pages: UInt64, seed: UInt64 = 1) throws -> [TraceEvent] {
    var spec = WorkloadSpec(kind: kind)
    spec.records = records
    spec.footprintPages = pages
    spec.seed = seed
    spec.scanPages = min(spec.scanPages, pages / 4)
    spec.scanEvery = max(1, records / 5)
    spec.phaseLength = max(1, records / 4)
    spec.period = max(2, records / 3)
    return try SyntheticTrace(spec: spec).readAll()
}

/// A trace source over events in memory.
final class ArraySource: TraceEventSource {
    let header: TraceHeader
    private var remaining: ArraySlice<TraceEvent>

    init(_ events: [TraceEvent], header: TraceHeader = TraceHeader()) {
        self.header = header
        remaining = events[...]
    }

    func nextBatch(into batch: inout [TraceEvent]) throws -> Bool {
        batch = Array(remaining.prefix(4096))
        remaining = remaining.dropFirst(4096)
        return !batch.isEmpty
    }
}

/// Replays `events` with `policy` and `tiers`.
func replay(_ events: [TraceEvent], policy: String, tiers: String, config: ControllerConfig = ControllerConfig(),
            pmem: PMEMAccess = .direct, header: TraceHeader = TraceHeader(), options: [String: Double] = [:]) throws -> ReplayResult {
    let profile = try TraceProfile.measure(ArraySource(events, header: header), withNextUse: try PolicyCatalog.policy(named: policy).needsFuture)
    var settings = ReplaySettings(tiers: try TierSpec(parsing: tiers), policy: policy)
    settings.policyOptions.values = options
    settings.controller = config
    settings.pmemAccess = pmem
    return try PolicyCatalog.replay(source: ArraySource(events, header: header), profile: profile, name: "test", settings: settings)
}

/// The shipped traces folder.
let shippedTraces = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
    .deletingLastPathComponent().appendingPathComponent("traces").path

func shipped(_ name: String, limit: Int = 200_000) throws -> [TraceEvent] {
    Array(try TMTReader(path: shippedTraces + "/" + name).readAll().prefix(limit))
}
