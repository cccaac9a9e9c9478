import ArgumentParser
import Foundation
import TierMem
import TierMemCore

struct KeyValueDemoSettings {
    var workload = KeyValueWorkload.Settings()
    /// Untimed operations just before the timed run (a different random sequence): long enough
    /// for the daemon's page-in budget to find its level from a fully offloaded start.
    var warmUpOperations = 5_000_000
    /// The daemons' page-in budget (`DaemonConfiguration.pageInBudget`; nil: off).
    var pageInBudget: Double? = DaemonConfiguration().pageInBudget
    var verbose = false
    var runs = 1
    var faultHandling = LiveArenaConfiguration.FaultHandling.faultingThread
}

/// `tiermem demo`: the key-value workload on the real heap under four configurations.
struct LiveDemo {
    let settings: KeyValueDemoSettings

    struct Outcome {
        var name: String
        var dramCapPages: Int
        var usedPages: Int
        var result: KeyValueWorkload.Result
        /// Faults and demotions during the timed run only (not the load, not the final check).
        var faults: Int
        var demotions: Int
        /// Values that failed a read in the warm-up or the final check of every key.
        var corruptAtEnd: Int
        var arena: LiveArenaStats
        var daemon: DaemonStats?
        /// What the daemon did during the timed run only.
        var daemonInRun: String?
        /// The daemon's CPU share of one core during the timed run.
        var daemonCPUShare: Double?
    }

    func run() throws {
        let corpus = try PageCorpus()
        let workload = settings.workload
        let probe = UserfaultfdProbe.run()
        print("== TierMem live demo: \(Format.count(UInt64(workload.keys))) keys (\(Int(workload.activeShare * 100))% active, the rest "
              + "archive values hinted cold), about \(Format.bytes(UInt64(workload.approximateFootprintBytes))) of values, "
              + "\(Format.count(UInt64(workload.operations))) operations per configuration, seed \(workload.seed)")
        print("   \(probe.description.split(separator: "\n").first ?? "")")
        print("   values are slices of real page contents (\(corpus.sources.count) files); every read compares the whole value\n")

        // All DRAM first: it measures the footprint in pages that the capped runs are sized from.
        let generous = ByteCount(UInt64(workload.approximateFootprintBytes) * 3)
        var configurations: [(name: String, tiers: String, policy: (any PlacementPolicy.Type)?)] =
            [("all DRAM", "dram:\(generous.exactDescription)", nil)]
        var runsByConfiguration: [[Outcome]] = [[try runOne(name: configurations[0].name, tiers: configurations[0].tiers, daemon: nil, corpus: corpus)]]
        let used = runsByConfiguration[0][0].usedPages
        let pageSize = UInt64(runsByConfiguration[0][0].arena.pageSize)
        for (name, share, policy) in [("reactive LRU, DRAM 50%", 0.5, LRUPolicy.self as any PlacementPolicy.Type),
                                      ("predictive, DRAM 50%", 0.5, PredictivePolicy.self),
                                      ("predictive, DRAM 75%", 0.75, PredictivePolicy.self)] {
            let dram = UInt64(Double(used) * share) * pageSize
            // Logical compressed capacity: every page could land there, with room for churn.
            let compressed = UInt64(used) * 2 * pageSize
            configurations.append((name, "dram:\(ByteCount(dram).exactDescription);compressed:\(ByteCount(compressed).exactDescription)", policy))
            runsByConfiguration.append([])
        }
        // Where in its round each tiered run stood (1 = right after the round's all-DRAM run).
        var positions = Array(repeating: [Int](), count: configurations.count)
        let tiered = Array(1..<configurations.count)
        for run in 0..<settings.runs {
            // All-DRAM opens each round; the tiered configurations take turns going first, so
            // that none is always measured in the same place in the round.
            let order = (run > 0 ? [0] : []) + tiered[(run % tiered.count)...] + tiered[..<(run % tiered.count)]
            for index in order {
                let configuration = configurations[index]
                runsByConfiguration[index].append(try runOne(name: configuration.name, tiers: configuration.tiers,
                                                             daemon: configuration.policy, corpus: corpus))
                // In the first round the all-DRAM run that sized the others came before the loop.
                if index > 0 { positions[index].append(order.firstIndex(of: index)! + (run > 0 ? 0 : 1)) }
            }
        }
        // All-DRAM closes the last round too, so every round has an all-DRAM run at each end.
        runsByConfiguration[0].append(try runOne(name: configurations[0].name, tiers: configurations[0].tiers, daemon: nil, corpus: corpus))
        // The median run by throughput stands for its configuration.
        let outcomes = runsByConfiguration.map { runs in
            runs.sorted { $0.result.operationsPerSecond < $1.result.operationsPerSecond }[runs.count / 2]
        }
        let allDRAM = outcomes[0]
        // Against all-DRAM, each run is compared with the all-DRAM throughput at its place in
        // its round, interpolated between the all-DRAM runs at the round's two ends: this VM's
        // speed drifts, within a round, by more than the effect.
        let reference = runsByConfiguration[0].map(\.result.operationsPerSecond)
        let ratios: [[Double]] = runsByConfiguration.indices.map { index in
            guard index > 0 else { return [] }
            return zip(runsByConfiguration[index], positions[index]).enumerated().map { round, pair in
                let share = Double(pair.1) / Double(tiered.count + 1)
                let allDRAMThen = reference[round] * (1 - share) + reference[round + 1] * share
                return pair.0.result.operationsPerSecond / allDRAMThen - 1
            }
        }
        let relative = ratios.map { $0.isEmpty ? 0 : $0.sorted()[$0.count / 2] }
        print("\n(" + (settings.runs > 1 ? "median of \(settings.runs) runs per configuration by throughput; " : "")
              + "\"vs all-DRAM\" is " + (settings.runs > 1 ? "the median over rounds of " : "")
              + "each run against all-DRAM's throughput at its place in the round, interpolated between the all-DRAM runs "
              + "that open and close the round)")
        print(table(outcomes, relative: relative, baseline: allDRAM))
        if settings.verbose && settings.runs > 1 {
            print("\neach round against all-DRAM at its place in the round (in the order run):")
            for (configuration, configurationRatios) in zip(configurations.dropFirst(), ratios.dropFirst()) {
                print("   \(configuration.name): " + configurationRatios.map { String(format: "%+.1f%%", $0 * 100) }.joined(separator: " "))
            }
        }
        if settings.verbose {
            for outcome in outcomes {
                let reads = outcome.result
                print("\n-- \(outcome.name)\n" + String(format: "archive reads: %d, %.1f µs mean, %.1f%% of the run\n", reads.archiveReads,
                      Double(reads.archiveReadNanoseconds) / Double(max(reads.archiveReads, 1)) / 1000,
                      Double(reads.archiveReadNanoseconds) / (reads.seconds * 1e9) * 100) + "\(outcome.arena)")
                if let daemon = outcome.daemon { print("\(daemon)\ncontroller: \(daemon.counters)") }
                if let inRun = outcome.daemonInRun { print(inRun) }
            }
        }
        let corrupt = runsByConfiguration.joined().reduce(0) { $0 + $1.result.corruptValues + $1.corruptAtEnd }
        print(corrupt == 0 ? "\nevery value verified intact in every configuration" : "\n\(corrupt) VALUES WERE CORRUPTED")
        if corrupt != 0 { throw ExitCode.failure }
    }

    private func runOne(name: String, tiers: String, daemon: (any PlacementPolicy.Type)?, corpus: PageCorpus) throws -> Outcome {
        let heap = try TieredHeap(tiers: tiers, faultHandling: settings.faultHandling)
        // The daemon runs from the start, as in a service: the load's demotions happen during the load.
        if let daemon {
            var configuration = DaemonConfiguration()
            configuration.pageInBudget = settings.pageInBudget
            try heap.startDaemon(daemon, configuration: configuration)
        }
        let workload = KeyValueWorkload(heap: heap, settings: settings.workload, corpus: corpus)
        let loadStart = Date()
        try workload.load()
        let heapStats = heap.stats()
        let used = heapStats.slabPages + heapStats.runPages
        let interactive = isatty(STDERR_FILENO) == 1
        var lastQuarter = 0
        let loadSeconds = Date().timeIntervalSince(loadStart)
        // Every configuration rests as long after its load, daemon or not: the previous heap's
        // teardown and this one's load leave the kernel work to finish (freeing and zeroing
        // pages), which would otherwise land in the all-DRAM run's timing only. Then the warm-up
        // runs right before the timed run, so that the daemon's steady state under this workload
        // (what the page-in budget keeps in DRAM, say) is what the timed run sees, not the state
        // an idle rest leaves.
        let restStart = Date()
        let settle = Self.waitForDaemonToSettle(heap)
        let rest = Self.minimumRestSeconds - Date().timeIntervalSince(restStart)
        if rest > 0 { usleep(UInt32(rest * 1e6)) }
        let corruptInWarmUp = workload.warmUp(operations: settings.warmUpOperations)
        print("-- \(name): tiers \(tiers), faults resolved by \(heap.arena.faultHandling == .faultingThread ? "the faulting thread" : "a handler thread"); loaded \(Format.count(UInt64(used))) pages in \(String(format: "%.1f", loadSeconds)) s"
              + (settle.map { String(format: "; daemon settled after the load in %.1f s", $0) } ?? "")
              + "; warmed up with \(Format.count(UInt64(settings.warmUpOperations))) operations")
        let before = heap.arena.stats()
        let daemonBefore = heap.daemonStats
        let result = workload.run { done, total, elapsed, stats in
            let line = String(format: "   %3.0f%%  %8.0f ops/s  DRAM %@ of %@  compressed %@ pages  faults %@  demotions %@",
                              Double(done) / Double(total) * 100, Double(done) / max(elapsed, 1e-3),
                              Format.count(UInt64(stats.dramPages)), Format.count(UInt64(stats.dramCapacityPages)),
                              Format.count(UInt64(stats.compressedPages)), Format.count(UInt64(stats.missingFaults - before.missingFaults)),
                              Format.count(UInt64(Self.demotions(stats) - Self.demotions(before))))
            if interactive {
                FileHandle.standardError.write(("\r" + line + "\u{1B}[K").data(using: .utf8)!)
            } else if done * 4 / total > lastQuarter {
                lastQuarter = done * 4 / total
                print(line)
            }
        }
        if interactive { FileHandle.standardError.write("\r\u{1B}[K".data(using: .utf8)!) }
        let after = heap.arena.stats()
        let daemonAfter = heap.daemonStats
        var cpuShare: Double?
        if let daemonBefore, let daemonAfter, daemonAfter.wallNanoseconds > daemonBefore.wallNanoseconds {
            cpuShare = Double(daemonAfter.cpuNanoseconds - daemonBefore.cpuNanoseconds)
                / Double(daemonAfter.wallNanoseconds - daemonBefore.wallNanoseconds)
        }
        var inRun: String?
        if let daemonBefore, let daemonAfter {
            let b = daemonBefore.counters, a = daemonAfter.counters
            inRun = "in the timed run: \(daemonAfter.coldDemotions - daemonBefore.coldDemotions) cold-sweep demotions, "
                + "\(a.backgroundDemotions - b.backgroundDemotions) background demotions, "
                + "\(daemonAfter.pagesSampled - daemonBefore.pagesSampled) pages sampled, "
                + "\(after.minorFaults - before.minorFaults) minor faults, \(after.directReclaims - before.directReclaims) direct reclaims, "
                + "\(after.sampleZaps - before.sampleZaps) sampling madvise calls, "
                + "\(daemonAfter.coldPromotions - daemonBefore.coldPromotions) cold pages brought back for the page-in budget; "
                + String(format: "page-ins took %.2f%% of the run", Double(after.pageInNanoseconds - before.pageInNanoseconds) / (result.seconds * 1e9) * 100)
        }
        heap.stopDaemon()
        let corrupt = workload.verifyAll()
        return Outcome(name: name, dramCapPages: heap.arena.dramCapacityPages, usedPages: used, result: result,
                       faults: after.missingFaults - before.missingFaults, demotions: Self.demotions(after) - Self.demotions(before),
                       corruptAtEnd: corrupt + corruptInWarmUp, arena: after, daemon: daemonAfter, daemonInRun: inRun,
                       daemonCPUShare: cpuShare)
    }

    static let minimumRestSeconds = 2.0

    /// Waits until the daemon has finished offloading what the load left in DRAM —
    /// no demotion of any kind for 0.3 s — so that the timed run shows the steady state a
    /// long-running service is in (at most 15 s). Returns the seconds waited; nil without a daemon.
    private static func waitForDaemonToSettle(_ heap: TieredHeap) -> Double? {
        guard heap.daemonStats != nil else { return nil }
        func demotions() -> Int {
            let daemon = heap.daemonStats
            return (daemon?.coldDemotions ?? 0) + Int(daemon?.counters.backgroundDemotions ?? 0) + heap.arena.stats().directReclaims
        }
        let start = Date()
        var last = demotions(), quietSince = Date()
        while Date().timeIntervalSince(start) < 15 {
            usleep(50_000)
            let now = demotions()
            if now != last {
                last = now
                quietSince = Date()
            } else if Date().timeIntervalSince(quietSince) >= 0.3 {
                break
            }
        }
        return Date().timeIntervalSince(start)
    }

    private static func demotions(_ stats: LiveArenaStats) -> Int {
        stats.demotionsToCompressed + stats.demotionsToPMEM + stats.demotionsToZero
    }

    private func table(_ outcomes: [Outcome], relative: [Double], baseline: Outcome) -> String {
        // The compressed pool lives in DRAM too: what is saved is the heap's DRAM plus the pool's
        // chunks against all-DRAM's, at the end of the run.
        func dramAndPool(_ outcome: Outcome) -> Int { outcome.arena.dramPages * outcome.arena.pageSize + outcome.arena.poolBytes }
        var rows = [["configuration", "ops/s", "vs all-DRAM", "p50", "p99", "DRAM used (mean)", "kept out of DRAM",
                     "DRAM + pool (end)", "DRAM saved, net", "faults (run)", "demotions (run)", "daemon CPU (run)", "verified"]]
        for (outcome, change) in zip(outcomes, relative) {
            let result = outcome.result
            let pageSize = UInt64(outcome.arena.pageSize)
            let out = 1 - result.meanDRAMPages / Double(max(outcome.usedPages, 1))
            rows.append([
                outcome.name,
                Format.count(UInt64(result.operationsPerSecond)),
                String(format: "%+.1f%%", change * 100),
                Format.duration(Double(result.latency.value(atPercentile: 50))),
                Format.duration(Double(result.latency.value(atPercentile: 99))),
                Format.bytes(UInt64(result.meanDRAMPages) * pageSize),
                outcome.name == baseline.name ? "-" : Format.percent(max(0, out)),
                Format.bytes(UInt64(dramAndPool(outcome))),
                outcome.name == baseline.name ? "-" : Format.percent(1 - Double(dramAndPool(outcome)) / Double(max(dramAndPool(baseline), 1))),
                Format.count(UInt64(outcome.faults)),
                Format.count(UInt64(outcome.demotions)),
                outcome.daemonCPUShare.map { String(format: "%.1f%%", $0 * 100) } ?? "-",
                result.corruptValues + outcome.corruptAtEnd == 0 ? "yes" : "NO (\(result.corruptValues + outcome.corruptAtEnd))",
            ])
        }
        return Format.table(rows)
    }
}
