import Foundation
import TierMemCore
import TierMemSim
import TierMemTrace

/// `tiermem demo --traces`: the offline side. Import a shipped trace, summarise it, replay it
/// with every policy, and compare the shipped traces side by side.
struct TraceDemo {
    var traces: String
    var sample: String

    func run() throws {
        let scratch = NSTemporaryDirectory() + "tiermem-demo-\(getpid())"
        try FileManager.default.createDirectory(atPath: scratch, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: scratch) }

        let csvPath = traces + "/" + sample
        let imported = scratch + "/" + sample.replacingOccurrences(of: ".csv", with: ".tmt")
        let source: any TraceEventSource
        let inputBytes: UInt64
        if FileManager.default.fileExists(atPath: csvPath) {
            print("== importing \(csvPath) (the CSV interchange format) into .tmt")
            source = try TraceFiles.openReader(csvPath)
            inputBytes = (try? FileManager.default.attributesOfItem(atPath: csvPath)[.size] as? UInt64) ?? 0
        } else {
            print("== \(csvPath) not found; generating the built-in key-value workload instead")
            var spec = WorkloadSpec(kind: .kv)
            spec.records = 200_000
            spec.footprintPages = 4_096
            source = try SyntheticTrace(spec: spec)
            inputBytes = 0
        }
        let started = Date()
        let writer = try TMTWriter(path: imported, header: source.header)
        let count = try pump(source, into: writer, label: "importing")
        try writer.finish()
        let elapsed = Date().timeIntervalSince(started)
        let outputBytes = (try FileManager.default.attributesOfItem(atPath: imported)[.size] as? UInt64) ?? 0
        var line = "imported \(Format.count(count)) events in \(String(format: "%.2f", elapsed)) s: "
        if inputBytes > 0 { line += "\(Format.bytes(inputBytes)) of CSV became " }
        line += "\(Format.bytes(outputBytes)) of .tmt, \(String(format: "%.2f", Double(outputBytes) / Double(max(count, 1)))) bytes per event"
        print(line + "\n")

        let summary = try TraceSummary.measure(TMTReader(path: imported))
        print(TraceSummaryReport.text(summary, name: imported) + "\n")

        let tiers = "dram:25%;pmem:100%;compressed:lz4:25%"
        print("== replaying it with every policy, tiers \(tiers), PMEM direct (modelled times: docs/cost-model.md)")
        let profile = try TraceProfile.measure(TMTReader(path: imported), withNextUse: true)
        var policyRows = [["policy", "DRAM hit ratio", "mean access", "promotions", "demotions", "direct-reclaim stalls"]]
        for name in PolicyCatalog.names {
            let settings = ReplaySettings(tiers: try TierSpec(parsing: tiers), policy: name)
            let r = try PolicyCatalog.replay(source: TMTReader(path: imported), profile: profile, name: imported, settings: settings)
            policyRows.append([name, Format.percent(r.dramHitRatio), Format.duration(r.meanAccessNs),
                         Format.count(r.counters.demandPromotions + r.counters.promotions), Format.count(r.counters.demotions),
                         Format.count(r.counters.directReclaimStalls)])
        }
        print(Format.table(policyRows) + "\n")

        let shipped = ((try? FileManager.default.contentsOfDirectory(atPath: traces)) ?? [])
            .filter { $0.hasSuffix(".tmt") }.sorted()
        guard !shipped.isEmpty else { return }
        print("== the shipped traces (\(traces)/README.md says how each was made)")
        var rows = [["trace", "records", "footprint", "writes", "reuse p50", "reuse p90", "LRU hits at 25%"]]
        for name in shipped {
            let s = try TraceSummary.measure(TMTReader(path: traces + "/" + name))
            let writes = s.records == 0 ? 0 : Double(s.operations[.write, default: 0]) / Double(s.records)
            rows.append([
                name, Format.count(s.records), Format.bytes(s.footprintBytes), Format.percent(writes),
                s.reuse.quantile(0.5).map(Format.count) ?? "-", s.reuse.quantile(0.9).map(Format.count) ?? "-",
                Format.percent(TraceSummaryReport.lruHitRatio(s, share: 0.25)),
            ])
        }
        print(Format.table(rows))
    }
}
