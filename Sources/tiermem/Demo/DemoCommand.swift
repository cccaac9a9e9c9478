import ArgumentParser
import Foundation
import TierMem

/// The README's main job: the live heap under a key-value workload (or, with `--traces`, the
/// offline replay of the shipped traces).
struct DemoCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "demo",
        abstract: "Run a key-value workload on the live tiered heap: all-DRAM, reactive LRU and predictive, side by side.",
        discussion: """
            With no flags: loads about 76 MiB of values into a TieredHeap and runs 2,000,000 operations \
            (zipf reads with moving hot sets, periodic scans, updates that reallocate) four times: \
            with DRAM for everything, then with DRAM capped at half the footprint under the reactive \
            LRU daemon and under the predictive daemon, and at three quarters under the predictive \
            daemon. The four take turns, 250,000 operations each, with the other daemons paused, so \
            that the machine's drift in speed falls on all of them alike. Prints live progress and \
            a table: throughput, p50 and p99 latency, DRAM used, memory kept out of DRAM, \
            migrations, daemon CPU, and whether every value verified. \
            Faults are resolved on the faulting thread (`--faults thread` for the handler thread). \
            Needs userfaultfd (see `tiermem doctor`).
            """)

    @Flag(help: "Instead: import a shipped trace, replay it with every policy, compare the shipped traces (offline).")
    var traces = false

    @Option(name: .customLong("traces-folder"), help: "The folder of shipped traces (with --traces).")
    var tracesFolder = "traces"

    @Option(help: "The CSV trace to import (with --traces, inside the traces folder).")
    var sample = "kv-sample.csv"

    @Option(parsing: .unconditional, help: "Keys in the store.")
    var keys = 40_000

    @Option(parsing: .unconditional, help: "Operations per configuration.")
    var operations = 2_000_000

    @Option(name: .customLong("warm-up"), help: "Untimed operations right before the timed run, so that it starts from the daemon's steady state.")
    var warmUp = KeyValueDemoSettings().warmUpOperations

    @Option(name: .customLong("page-in-budget"),
            help: "The daemons' page-in budget: the most time the workload may spend waiting for offloaded pages, as a percentage of wall time ('2%'), or 'off' to offload cold data whatever it costs.")
    var pageInBudget = PageInBudgetArgument(share: KeyValueDemoSettings().pageInBudget)

    @Flag(name: .customLong("no-sweep-prefetch"),
          help: "The predictive daemons do not bring a periodic sweep's next stretch in ahead (to see what that is worth).")
    var noSweepPrefetch = false

    @Option(name: .customLong("archive-reads"), help: "Share of operations that read a random archive (cold) value.")
    var archiveReads = KeyValueWorkload.Settings().archiveReadShare

    @Option(parsing: .unconditional, help: "Seed of the workload's random choices.")
    var seed: UInt64 = 1

    @Option(parsing: .unconditional, help: "Rounds: each loads every configuration afresh and runs them in turns; the table shows each configuration's median round by throughput.")
    var runs = 1

    // The workload only loads and stores (no system call reads or writes heap memory), the case
    // the faulting-thread path is for; the library's default stays the handler thread.
    @Option(help: "Who resolves the tiered heaps' faults: 'signal' (the faulting thread, in a SIGBUS handler) or 'thread' (a handler thread, the library's default).")
    var faults = LiveArenaConfiguration.FaultHandling.faultingThread

    @Flag(name: .shortAndLong, help: "After the table, each configuration's heap and daemon statistics.")
    var verbose = false

    func validate() throws {
        guard keys >= 1000 else { throw ValidationError("--keys: at least 1000, got \(keys)") }
        guard operations >= 1000 else { throw ValidationError("--operations: at least 1000, got \(operations)") }
        guard (0...0.5).contains(archiveReads) else { throw ValidationError("--archive-reads: a share from 0 to 0.5, got \(archiveReads)") }
        guard warmUp >= 0 else { throw ValidationError("--warm-up: 0 or more, got \(warmUp)") }
        guard runs >= 1 else { throw ValidationError("--runs: 1 or more, got \(runs)") }
    }

    func run() throws {
        if traces {
            try TraceDemo(traces: tracesFolder, sample: sample).run()
        } else {
            var settings = KeyValueDemoSettings()
            settings.workload.keys = keys
            settings.workload.operations = operations
            settings.workload.seed = seed
            settings.workload.archiveReadShare = archiveReads
            settings.warmUpOperations = warmUp
            settings.verbose = verbose
            settings.runs = runs
            settings.faultHandling = faults
            settings.pageInBudget = pageInBudget.share
            settings.prefetchSweeps = !noSweepPrefetch
            try LiveDemo(settings: settings).run()
        }
    }
}

extension LiveArenaConfiguration.FaultHandling: ExpressibleByArgument {}

/// `--page-in-budget`: a percentage of wall time ("2%", "0.5%") or "off".
struct PageInBudgetArgument: ExpressibleByArgument, CustomStringConvertible {
    var share: Double?

    init(share: Double?) { self.share = share }

    init?(argument: String) {
        if argument == "off" {
            share = nil
            return
        }
        guard argument.hasSuffix("%"), let percent = Double(argument.dropLast()), percent > 0, percent < 100 else { return nil }
        share = percent / 100
    }

    var description: String { share.map { Format.percent($0) } ?? "off" }
    var defaultValueDescription: String { description }
}
