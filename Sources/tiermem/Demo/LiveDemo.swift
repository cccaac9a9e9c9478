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
    /// Whether the predictive daemons bring a periodic sweep's next stretch in ahead
    /// (`DaemonConfiguration.prefetchSweeps`).
    var prefetchSweeps = DaemonConfiguration().prefetchSweeps
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

    /// One configuration in a round: its heap loaded and warmed up, its timed run in progress.
    private final class Contender {
        let name: String
        let heap: TieredHeap
        let workload: KeyValueWorkload
        let run: KeyValueWorkload.Run
        let usedPages: Int
        let corruptInWarmUp: Int
        /// The heap's and daemon's statistics when the timed run began.
        let before: LiveArenaStats
        let daemonBefore: DaemonStats?

        init(name: String, heap: TieredHeap, workload: KeyValueWorkload, usedPages: Int, corruptInWarmUp: Int) {
            self.name = name
            self.heap = heap
            self.workload = workload
            run = workload.startRun()
            self.usedPages = usedPages
            self.corruptInWarmUp = corruptInWarmUp
            before = heap.arena.stats()
            daemonBefore = heap.daemonStats
        }
    }

    /// Operations each configuration runs in its turn before the next one's: short enough that
    /// the VM's drift (its speed moves by more than the effects within seconds) falls on every
    /// configuration alike, long enough that switching heaps (caches, TLB) is a small part.
    static let sliceOperations = 250_000

    func run() throws {
        let corpus = try PageCorpus()
        let workload = settings.workload
        let probe = UserfaultfdProbe.run()
        print("== TierMem live demo: \(Format.count(UInt64(workload.keys))) keys (\(Int(workload.activeShare * 100))% active, the rest "
              + "archive values hinted cold), about \(Format.bytes(UInt64(workload.approximateFootprintBytes))) of values, "
              + "\(Format.count(UInt64(workload.operations))) operations per configuration, seed \(workload.seed)")
        print("   \(probe.description.split(separator: "\n").first ?? "")")
        print("   values are slices of real page contents (\(corpus.sources.count) files); every read compares the whole value")
        print("   the configurations take turns, \(Format.count(UInt64(min(Self.sliceOperations, workload.operations)))) operations each, "
              + "with the daemons of the others paused\n")

        // All DRAM first: it measures the footprint in pages that the capped runs are sized from.
        let generous = ByteCount(UInt64(workload.approximateFootprintBytes) * 3)
        var configurations: [(name: String, tiers: String, policy: (any PlacementPolicy.Type)?)] =
            [("all DRAM", "dram:\(generous.exactDescription)", nil)]
        var firstAllDRAM: Contender? = try prepare(name: configurations[0].name, tiers: configurations[0].tiers, daemon: nil, corpus: corpus)
        let used = firstAllDRAM!.usedPages
        let pageSize = UInt64(firstAllDRAM!.heap.arena.pageSize)
        for (name, share, policy) in [("reactive LRU, DRAM 50%", 0.5, LRUPolicy.self as any PlacementPolicy.Type),
                                      ("predictive, DRAM 50%", 0.5, PredictivePolicy.self),
                                      ("predictive, DRAM 75%", 0.75, PredictivePolicy.self)] {
            let dram = UInt64(Double(used) * share) * pageSize
            // Logical compressed capacity: every page could land there, with room for churn.
            let compressed = UInt64(used) * 2 * pageSize
            configurations.append((name, "dram:\(ByteCount(dram).exactDescription);compressed:\(ByteCount(compressed).exactDescription)", policy))
        }
        var rounds: [[Outcome]] = []
        for round in 0..<settings.runs {
            if settings.runs > 1 { print("== round \(round + 1) of \(settings.runs)") }
            // Each round loads every configuration afresh; they are loaded and warmed up in a
            // rotating order, so that none is always the one warmed up last.
            var contenders = [Contender?](repeating: nil, count: configurations.count)
            for offset in 0..<configurations.count {
                let index = (offset + round) % configurations.count
                if index == 0, let first = firstAllDRAM {
                    contenders[0] = first
                    firstAllDRAM = nil
                    continue
                }
                let configuration = configurations[index]
                contenders[index] = try prepare(name: configuration.name, tiers: configuration.tiers, daemon: configuration.policy, corpus: corpus)
            }
            rounds.append(measure(contenders.map { $0! }))
        }
        let runsByConfiguration = configurations.indices.map { index in rounds.map { $0[index] } }
        // The median run by throughput stands for its configuration.
        let outcomes = runsByConfiguration.map { runs in
            runs.sorted { $0.result.operationsPerSecond < $1.result.operationsPerSecond }[runs.count / 2]
        }
        // Against all-DRAM in the same round: the configurations ran in turns over the same span of time.
        let ratios = configurations.indices.map { Self.ratios(rounds, $0, against: 0, Self.throughput) }
        let relative = ratios.map(RoundStatistics.median)
        print("\n(" + (settings.runs > 1 ? "median of \(settings.runs) rounds; " : "")
              + "\"vs all-DRAM\" is " + (settings.runs > 1 ? "the median over rounds of " : "")
              + "the throughput against all-DRAM's in the same round)")
        print(table(outcomes, relative: relative, baseline: outcomes[0]))
        if settings.runs > 1 { print(comparisons(rounds, names: configurations.map(\.name))) }
        if settings.verbose && settings.runs > 1 {
            print("\neach round against all-DRAM in that round:")
            for (configuration, configurationRatios) in zip(configurations.dropFirst(), ratios.dropFirst()) {
                print("   \(configuration.name): " + configurationRatios.map { String(format: "%+.1f%%", $0 * 100) }.joined(separator: " "))
            }
            // The p99s too, so that rounds from several runs can be pooled.
            print("\neach round's p99 against all-DRAM's in that round:")
            for index in configurations.indices.dropFirst() {
                let p99Ratios = Self.ratios(rounds, index, against: 0, Self.p99)
                print("   \(configurations[index].name): " + p99Ratios.map { String(format: "%+.1f%%", $0 * 100) }.joined(separator: " "))
            }
        }
        if settings.verbose {
            for outcome in outcomes {
                let reads = outcome.result
                func share(_ label: String, _ count: Int, _ nanoseconds: UInt64) -> String {
                    String(format: "%@: %d, %.2f µs mean, %.2f%% of the run\n", label, count,
                           Double(nanoseconds) / Double(max(count, 1)) / 1000, Double(nanoseconds) / (reads.seconds * 1e9) * 100)
                }
                let others = reads.operations - reads.archiveReads - reads.scanReads
                let othersNanoseconds = UInt64(reads.seconds * 1e9) - reads.archiveReadNanoseconds - reads.scanNanoseconds
                print("\n-- \(outcome.name)\n" + share("archive reads", reads.archiveReads, reads.archiveReadNanoseconds)
                      + share("scan reads", reads.scanReads, reads.scanNanoseconds)
                      + String(format: "other operations: %d, %.1f ns mean (with the loop's own time)\n", others, Double(othersNanoseconds) / Double(max(others, 1)))
                      + "\(outcome.arena)")
                if let daemon = outcome.daemon { print("\(daemon)\ncontroller: \(daemon.counters)") }
                if let inRun = outcome.daemonInRun { print(inRun) }
            }
        }
        let corrupt = runsByConfiguration.joined().reduce(0) { $0 + $1.result.corruptValues + $1.corruptAtEnd }
        print(corrupt == 0 ? "\nevery value verified intact in every configuration" : "\n\(corrupt) VALUES WERE CORRUPTED")
        if corrupt != 0 { throw ExitCode.failure }
    }

    /// Builds a configuration's heap, starts its daemon, loads the store, lets the daemon settle,
    /// warms up, and pauses the daemon until the configuration's first turn.
    private func prepare(name: String, tiers: String, daemon: (any PlacementPolicy.Type)?, corpus: PageCorpus) throws -> Contender {
        let heap = try TieredHeap(tiers: tiers, faultHandling: settings.faultHandling)
        // The daemon runs from the start, as in a service: the load's demotions happen during the load.
        if let daemon {
            var configuration = DaemonConfiguration()
            configuration.pageInBudget = settings.pageInBudget
            configuration.prefetchSweeps = settings.prefetchSweeps
            try heap.startDaemon(daemon, configuration: configuration)
        }
        let workload = KeyValueWorkload(heap: heap, settings: settings.workload, corpus: corpus)
        let loadStart = Date()
        try workload.load()
        let heapStats = heap.stats()
        let used = heapStats.slabPages + heapStats.runPages
        let loadSeconds = Date().timeIntervalSince(loadStart)
        // Every configuration rests as long after its load, daemon or not: the load leaves the
        // kernel work to finish (zeroing and freeing pages). Then the warm-up brings the heap to
        // the daemon's steady state under this workload (what the page-in budget keeps in DRAM,
        // say), not the state an idle rest leaves.
        let restStart = Date()
        let settle = Self.waitForDaemonToSettle(heap)
        let rest = Self.minimumRestSeconds - Date().timeIntervalSince(restStart)
        if rest > 0 { usleep(UInt32(rest * 1e6)) }
        let corruptInWarmUp = workload.warmUp(operations: settings.warmUpOperations)
        heap.pauseDaemon()
        print("-- \(name): tiers \(tiers), faults resolved by \(heap.arena.faultHandling == .faultingThread ? "the faulting thread" : "a handler thread"); loaded \(Format.count(UInt64(used))) pages in \(String(format: "%.1f", loadSeconds)) s"
              + (settle.map { String(format: "; daemon settled after the load in %.1f s", $0) } ?? "")
              + "; warmed up with \(Format.count(UInt64(settings.warmUpOperations))) operations")
        return Contender(name: name, heap: heap, workload: workload, usedPages: used, corruptInWarmUp: corruptInWarmUp)
    }

    /// The timed runs of one round: the configurations take turns, a slice each, with every
    /// daemon but the running configuration's paused; each slice's first configuration rotates.
    /// Then each heap's statistics, its daemon stopped, every value checked.
    private func measure(_ contenders: [Contender]) -> [Outcome] {
        let interactive = isatty(STDERR_FILENO) == 1
        let total = contenders[0].run.operations
        var slice = 0, lastQuarter = 0
        while contenders.contains(where: { !$0.run.isFinished }) {
            for offset in contenders.indices {
                let contender = contenders[(offset + slice) % contenders.count]
                guard !contender.run.isFinished else { continue }
                contender.heap.resumeDaemon()
                contender.run.advance(by: Self.sliceOperations)
                contender.heap.pauseDaemon()
            }
            slice += 1
            // Progress: each configuration's throughput so far, and the tiered heaps' DRAM.
            let done = contenders.map(\.run.done).min() ?? total
            let line = "   " + String(format: "%3.0f%%", Double(done) / Double(max(total, 1)) * 100) + "  " + contenders.map { contender in
                let stats = contender.heap.arena.stats()
                let result = contender.run.result
                return String(format: "%@ %.2fM ops/s", contender.name, result.operationsPerSecond / 1e6)
                    + (contender.heap.daemonStats == nil ? "" : " (DRAM \(Format.count(UInt64(stats.dramPages))) pages, faults \(Format.count(UInt64(stats.missingFaults - contender.before.missingFaults))))")
            }.joined(separator: " | ")
            if interactive {
                FileHandle.standardError.write(("\r" + line + "\u{1B}[K").data(using: .utf8)!)
            } else if done * 4 / max(total, 1) > lastQuarter {
                lastQuarter = done * 4 / max(total, 1)
                print(line)
            }
        }
        if interactive { FileHandle.standardError.write("\r\u{1B}[K".data(using: .utf8)!) }
        return contenders.map(finish)
    }

    /// A configuration's outcome once its timed run is done: its statistics over the run, its
    /// daemon stopped, every value checked.
    private func finish(_ contender: Contender) -> Outcome {
        let heap = contender.heap, before = contender.before
        let result = contender.run.result
        let after = heap.arena.stats()
        let daemonAfter = heap.daemonStats
        var cpuShare: Double?
        var inRun: String?
        if let daemonBefore = contender.daemonBefore, let daemonAfter {
            // The daemon's clock stood still while it was paused: its wall time is its own turns.
            if daemonAfter.wallNanoseconds > daemonBefore.wallNanoseconds {
                cpuShare = Double(daemonAfter.cpuNanoseconds - daemonBefore.cpuNanoseconds)
                    / Double(daemonAfter.wallNanoseconds - daemonBefore.wallNanoseconds)
            }
            let b = daemonBefore.counters, a = daemonAfter.counters
            inRun = "in the timed run: \(daemonAfter.coldDemotions - daemonBefore.coldDemotions) cold-sweep demotions, "
                + "\(a.backgroundDemotions - b.backgroundDemotions) background demotions, "
                + "\(daemonAfter.pagesSampled - daemonBefore.pagesSampled) pages sampled, "
                + "\(after.minorFaults - before.minorFaults) minor faults, \(after.directReclaims - before.directReclaims) direct reclaims, "
                + "\(after.sampleZaps - before.sampleZaps) sampling madvise calls, "
                + "\(daemonAfter.coldPromotions - daemonBefore.coldPromotions) cold pages brought back for the page-in budget, "
                + "\(daemonAfter.sweepPrefetches - daemonBefore.sweepPrefetches) brought in ahead of the sweep "
                + "(\(daemonAfter.sweepPassesConfirmed - daemonBefore.sweepPassesConfirmed) passes as predicted, "
                + "\(daemonAfter.sweepPassesMissed - daemonBefore.sweepPassesMissed) missed); "
                + String(format: "page-ins took %.2f%% of the run", Double(after.pageInNanoseconds - before.pageInNanoseconds) / (result.seconds * 1e9) * 100)
        }
        heap.stopDaemon()
        let corrupt = contender.workload.verifyAll()
        return Outcome(name: contender.name, dramCapPages: heap.arena.dramCapacityPages, usedPages: contender.usedPages, result: result,
                       faults: after.missingFaults - before.missingFaults, demotions: Self.demotions(after) - Self.demotions(before),
                       corruptAtEnd: corrupt + contender.corruptInWarmUp, arena: after, daemon: daemonAfter, daemonInRun: inRun,
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

    /// Over the rounds, paired by round: each tiered configuration against all-DRAM, and the
    /// predictive policy against reactive LRU at the same 50% cap (the configurations at
    /// indices 2 and 1), in throughput and p99 latency.
    private static func throughput(_ outcome: Outcome) -> Double { outcome.result.operationsPerSecond }
    private static func p99(_ outcome: Outcome) -> Double { Double(outcome.result.latency.value(atPercentile: 99)) }

    /// Per round, `metric` of configuration `index` against the same round's `reference`, less 1:
    /// the configurations ran in turns over the same span of time.
    private static func ratios(_ rounds: [[Outcome]], _ index: Int, against reference: Int, _ metric: (Outcome) -> Double) -> [Double] {
        rounds.map { metric($0[index]) / metric($0[reference]) - 1 }
    }

    private func comparisons(_ rounds: [[Outcome]], names: [String]) -> String {
        func against(_ index: Int, _ reference: Int) -> String {
            "throughput " + RoundStatistics.describe(Self.ratios(rounds, index, against: reference, Self.throughput))
                + ", p99 " + RoundStatistics.describe(Self.ratios(rounds, index, against: reference, Self.p99))
        }
        var lines = ["\nover \(rounds.count) rounds, the median of the per-round ratios (and a 95% bootstrap interval of that median):"]
        for index in names.indices.dropFirst() { lines.append("   \(names[index]) against all DRAM: " + against(index, 0)) }
        let (lru, predictive) = (1, 2)
        let ahead = rounds.filter { Self.throughput($0[predictive]) > Self.throughput($0[lru]) }.count
        lines.append("   \(names[predictive]) against \(names[lru]): " + against(predictive, lru)
                     + "; more throughput in \(ahead) of \(rounds.count) rounds")
        return lines.joined(separator: "\n")
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
