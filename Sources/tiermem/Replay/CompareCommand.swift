import ArgumentParser
import Foundation
import TierMemCore
import TierMemSim

struct CompareCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "compare",
        abstract: "Replay a trace with several policies at several DRAM sizes and tabulate them.",
        discussion: """
        For each DRAM size: each policy's DRAM misses, modelled mean access time, and the share \
        of the gap between LRU and Belady's MIN it closes ((LRU − policy) / (LRU − Belady); 100% \
        is optimal, negative is worse than LRU). The slower tiers come from --tiers without its \
        dram entry (default pmem:100%;compressed:lz4:25%).
        """)

    @Argument(help: "The trace (a file, read once per replay).")
    var trace: String

    @Option(help: "Policies, comma-separated, or 'all'.")
    var policies = "all"

    @Option(help: "DRAM sizes, comma-separated (bytes with a unit, or % of the footprint).")
    var dram = "10%,25%,50%"

    @OptionGroup var replay: ReplayOptions
    @OptionGroup var read: TraceInputOptions

    @Flag(help: "Print JSON instead of a table.")
    var json = false

    var policyNames: [String] {
        policies == "all" ? PolicyCatalog.names : policies.split(separator: ",").map { String($0).trimmingCharacters(in: .whitespaces).lowercased() }
    }

    func validate() throws {
        for name in policyNames { _ = try PolicyCatalog.policy(named: name) }
        for size in dram.split(separator: ",") {
            do { _ = try Capacity(parsing: String(size)) } catch { throw ValidationError("--dram: \(error)") }
        }
    }

    func run() throws {
        let base = try replay.settings(policy: "lru")
        let slower = base.tiers.tiers.filter { $0.kind != .dram }
        let rest = slower.isEmpty ? try TierSpec(parsing: "pmem:100%;compressed:lz4:25%").tiers : slower
        // LRU and Belady anchor the gap column, so they always run.
        var names = policyNames
        for anchor in [LRUPolicy.name, BeladyPolicy.name] where !names.contains(anchor) { names.append(anchor) }
        let profile = try profileFile(trace, read: read, withNextUse: true)

        var results: [(size: String, results: [ReplayResult])] = []
        for size in dram.split(separator: ",").map({ String($0).trimmingCharacters(in: .whitespaces) }) {
            var row: [ReplayResult] = []
            for name in names {
                var settings = base
                settings.policy = name
                settings.tiers = try TierSpec(tiers: [TierSpec.Tier(kind: .dram, capacity: try Capacity(parsing: size))] + rest)
                row.append(try replayFile(trace, read: read, settings: settings, profile: profile, label: "\(name) at \(size)"))
            }
            results.append((size, row))
        }
        if json {
            let object = results.map { entry in
                ["dram": entry.size, "results": entry.results.map { r in
                    ["policy": r.policy, "dramMisses": r.counters.dramMisses, "meanAccessNs": r.meanAccessNs,
                     "gapClosed": Self.gapClosed(r, among: entry.results) as Any? ?? NSNull()] as [String: Any]
                }] as [String: Any]
            }
            let data = try JSONSerialization.data(withJSONObject: object, options: [.prettyPrinted, .sortedKeys])
            print(String(decoding: data, as: UTF8.self))
            return
        }
        print("\(trace): \(Format.count(profile.pageAccesses)) page accesses over \(Format.count(profile.distinctPages)) pages; slower tiers \(rest.map(\.description).joined(separator: ";")), PMEM \(base.pmemAccess.rawValue)\n")
        for (size, row) in results {
            var table = [["DRAM \(size)", "DRAM misses", "miss ratio", "mean access", "LRU→Belady gap closed"]]
            for r in row where policyNames.contains(r.policy) || r.policy == LRUPolicy.name || r.policy == BeladyPolicy.name {
                let gap = Self.gapClosed(r, among: row).map { Format.percent(abs($0) < 0.005 ? 0 : $0, decimals: 0) } ?? "-"
                table.append([r.policy, Format.count(r.counters.dramMisses), Format.percent(1 - r.dramHitRatio),
                              Format.duration(r.meanAccessNs), gap])
            }
            print(Format.table(table) + "\n")
        }
    }

    /// (LRU − policy) / (LRU − Belady) in DRAM misses; nil when LRU is already optimal.
    static func gapClosed(_ r: ReplayResult, among row: [ReplayResult]) -> Double? {
        guard let lru = row.first(where: { $0.policy == LRUPolicy.name })?.counters.dramMisses,
              let best = row.first(where: { $0.policy == BeladyPolicy.name })?.counters.dramMisses, lru > best else { return nil }
        return (Double(lru) - Double(r.counters.dramMisses)) / (Double(lru) - Double(best))
    }
}
