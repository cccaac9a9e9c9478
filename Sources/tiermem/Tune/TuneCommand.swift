import ArgumentParser
import TierMemModel
import Foundation
import TierMemCore
import TierMemSim
import TierMemTrace

struct TuneCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "tune",
        abstract: "Search policy and controller settings for a workload's traces; write the best as a profile.",
        discussion: """
            Random search with successive halving: --candidates random settings (and the defaults) \
            replay on short trace prefixes, the best third go on to three times longer prefixes, and \
            so on until the survivors replay whole traces. Replays run in parallel (--jobs), every one \
            is remembered in --log so a stopped run resumes, and the same --seed gives the same result. \
            The best settings are written to --out as a profile that `tiermem replay --profile` and the \
            live heap (TIERMEM_PROFILE) load. --holdout traces judge the result on traces it was not \
            tuned on. Parameters: \(TuningSpace.standard().names.joined(separator: ", ")).
            """)

    @Argument(help: "Traces to tune on (.tmt, CSV or Lackey).")
    var traces: [String]

    @Option(help: "Tiers, as for replay (default: $TIERMEM_TIERS, else \(ReplaySettings.defaultTiers)).")
    var tiers: String?

    @Option(help: "What to minimise: time (modelled time vs all-DRAM), stalls (direct-reclaim stalls), or dram:SLOWDOWN% (least DRAM within that slowdown).")
    var objective = "time"

    @Option(help: "Policies to consider, comma separated (default: \(TuningSpace.tunablePolicies.joined(separator: ","))).")
    var policies: String?

    @Option(name: .customLong("param"), help: "Narrow a parameter: NAME=LOW..HIGH or NAME=VALUE; repeat for more.")
    var params: [String] = []

    @Option(parsing: .unconditional, help: "Random candidates at the first rung (the defaults are added).")
    var candidates = 27

    @Option(parsing: .unconditional, help: "Seed of the candidates.")
    var seed: UInt64 = 1

    @Option(help: "Replays at once (default: the cores).")
    var jobs = ProcessInfo.processInfo.activeProcessorCount

    @Option(help: "A log of every replay (JSON lines); rerunning with the same log resumes.")
    var log: String?

    @Option(parsing: .upToNextOption, help: "Traces to judge the result on, not tuned on.")
    var holdout: [String] = []

    @Option(parsing: .unconditional, help: "Constraint: promotions at most this % of the working set per minute.")
    var maxPromotionRate: Double?

    @Option(parsing: .unconditional, help: "Constraint: migrations at most this many per million accesses.")
    var maxMigrations: Double?

    @Option(name: .shortAndLong, help: "Where to write the profile.")
    var out = "tiermem-profile.json"

    @Option(parsing: .unconditional, help: "Also run an exhaustive grid of this many points per parameter and compare it with successive halving at about a tenth of its replays.")
    var grid: Int?

    @Option(help: "A cost model JSON file, as for replay.")
    var costModel: String?

    @Option(help: "Also write a self-contained HTML report (the Pareto chart of DRAM saved against slowdown, the leaders).")
    var report: String?

    func validate() throws {
        guard candidates >= 1 && candidates <= 10_000 else { throw ValidationError("--candidates: 1 to 10000, got \(candidates)") }
        guard jobs >= 1 else { throw ValidationError("--jobs: at least 1, got \(jobs)") }
        if let grid, !(2...6).contains(grid) { throw ValidationError("--grid: 2 to 6 points per parameter, got \(grid)") }
        for (name, value) in [("--max-promotion-rate", maxPromotionRate), ("--max-migrations", maxMigrations)] {
            if let value, !(value >= 0 && value.isFinite) { throw ValidationError("\(name): expected a number ≥ 0") }
        }
        _ = try makeSpace()
        _ = try parsedObjective()
        for trace in traces + holdout where !FileManager.default.isReadableFile(atPath: trace) {
            throw ValidationError("cannot read trace '\(trace)'")
        }
    }

    func run() async throws {
        // Before the search, not after it.
        try OutputFile.checkWritable(out)
        if let report { try OutputFile.checkWritable(report) }
        let space = try makeSpace()
        let base = try baseSettings()
        var options = TuningSearch.Options()
        options.objective = try parsedObjective()
        options.constraints = TuningConstraints(maxPromotionRate: maxPromotionRate, maxMigrationsPerMillion: maxMigrations)
        options.candidates = candidates
        options.seed = seed
        options.jobs = jobs
        options.logPath = log
        let search: TuningSearch
        do { search = try TuningSearch(traces: traces, space: space, base: base, options: options) } catch let error as TuningError {
            throw ValidationError(error.reason)
        }
        if search.rememberedCount > 0 { print("resuming: \(search.rememberedCount) replays found in \(log ?? "")") }
        let planned = search.plannedWork(candidates: candidates + 1)
        let bar = TuneProgress(planned: planned.equivalents + Double(traces.count) * 2)
        search.progress = { _, equivalents, elapsed in bar.update(equivalents: equivalents, elapsed: elapsed) }
        let started = Date()

        let ranked = try await search.successiveHalving()
        let defaults = try await search.exhaustive([space.defaults()])[0]
        bar.finish()
        let best = ranked[0]
        let summary = TuneReport(objective: options.objective, best: best, defaults: defaults, ranked: ranked,
                                replays: search.replaysRun, equivalents: search.traceEquivalents,
                                seconds: Date().timeIntervalSince(started), jobs: jobs)
        print(summary.text)
        guard best.feasible else {
            print("\nno candidate meets the constraints; the closest is above (exceeding them by \(Format.percent(best.violation))). No profile written.")
            throw ExitCode.failure
        }

        var heldOut: (traces: [String], best: Double, defaults: Double)?
        if !holdout.isEmpty {
            let judge = try TuningSearch(traces: holdout, space: space, base: base, options: options)
            let judged = try await judge.exhaustive([best.candidate, space.defaults()])
            let bestHeld = judged.first { $0.candidate == best.candidate }!, defaultHeld = judged.first { $0.candidate == space.defaults() }!
            heldOut = (holdout, bestHeld.score, defaultHeld.score)
            print("\nheld out (\(holdout.count) trace\(holdout.count == 1 ? "" : "s"), not tuned on): best \(TuneReport.format(bestHeld.score)), "
                  + "defaults \(TuneReport.format(defaultHeld.score)) (\(options.objective.unit)): "
                  + TuneReport.gain(best: bestHeld.score, defaults: defaultHeld.score))
        }
        let pareto = try await TuneReport.pareto(search: search, best: best.candidate, defaults: space.defaults())
        print("\n" + TuneReport.paretoText(pareto))
        if let report {
            try TuningHTMLReport(traces: traces, objective: options.objective, best: best, defaults: defaults,
                                 leaders: Array(ranked.prefix(10)), heldOut: heldOut, pareto: pareto,
                                 replays: search.replaysRun, seconds: Date().timeIntervalSince(started)).write(to: report)
            FileHandle.standardError.write("wrote \(report)\n".data(using: .utf8)!)
        }

        if let grid { try await compareWithGrid(points: grid, search: search, options: options) }

        let settings = try space.settings(for: best.candidate, base: base)
        let profile = TuningProfile(
            tiers: base.tiers.description, policy: best.candidate.policy, policyOptions: settings.policyOptions.values,
            controller: settings.controller,
            provenance: .init(traces: traces, objective: options.objective.description, score: best.score,
                              defaultScore: defaults.score, seed: seed, replays: search.replaysRun))
        if let problem = profile.problem() { throw ValidationError("the tuned profile is invalid: \(problem)") }
        try profile.write(to: out)
        print("\nprofile written to \(out) (load it with `tiermem replay --profile \(out)` or TIERMEM_PROFILE=\(out))")
    }

    /// The goal check: an exhaustive grid against successive halving over the same grid's points
    /// at about a tenth of the grid's replays.
    private func compareWithGrid(points: Int, search: TuningSearch, options: TuningSearch.Options) async throws {
        let space = search.space, base = search.base
        let gridCandidates = space.grid(points: points)
        let gridSearch = search.rebased(base, options: options)
        let gridStart = Date()
        let gridBest = try await gridSearch.exhaustive(gridCandidates)[0]
        let gridSeconds = Date().timeIntervalSince(gridStart)
        // Successive halving over grid points, sized to a tenth of the grid's replay cost.
        let halving = search.rebased(base, options: options)
        var count = gridCandidates.count
        let target = gridSearch.traceEquivalents / 10
        while count > 1 && halving.plannedWork(candidates: count).equivalents > target { count -= 1 }
        var random = TraceRandom(seed: seed)
        var pool = gridCandidates
        for index in stride(from: pool.count - 1, to: 0, by: -1) { pool.swapAt(index, Int(random.below(UInt64(index + 1)))) }
        let halvingStart = Date()
        let halvingBest = try await halving.successiveHalving(Array(pool.prefix(count)))[0]
        let halvingSeconds = Date().timeIntervalSince(halvingStart)
        let gap = (halvingBest.score - gridBest.score) / max(abs(gridBest.score), 1e-12)
        print("""

            grid check: \(gridCandidates.count) grid points (\(points) per parameter)
              exhaustive grid:      best \(TuneReport.format(gridBest.score)) (\(gridBest.candidate)), \(gridSearch.replaysRun) replays, \
            \(String(format: "%.1f", gridSearch.traceEquivalents)) trace-equivalents, \(String(format: "%.1f", gridSeconds)) s
              successive halving:   best \(TuneReport.format(halvingBest.score)) (\(halvingBest.candidate)), \(halving.replaysRun) replays, \
            \(String(format: "%.1f", halving.traceEquivalents)) trace-equivalents, \(String(format: "%.1f", halvingSeconds)) s
              halving's best is \(String(format: "%.2f", gap * 100))% from the grid's best at \
            \(String(format: "%.0f", halving.traceEquivalents / max(gridSearch.traceEquivalents, 1e-9) * 100))% of its replay cost
            """)
    }

    private func makeSpace() throws -> TuningSpace {
        var space = TuningSpace.standard()
        do {
            if let policies { try space.restrict("policy=\(policies)") }
            for param in params { try space.restrict(param) }
        } catch {
            throw ValidationError(error.reason)
        }
        return space
    }

    private func parsedObjective() throws -> TuningObjective {
        do { return try TuningObjective(parsing: objective) } catch { throw ValidationError(error.reason) }
    }

    private func baseSettings() throws -> ReplaySettings {
        let spec: TierSpec
        do {
            if let tiers { spec = try TierSpec(parsing: tiers) } else if let environment = try TierSpec.fromEnvironment(ProcessInfo.processInfo.environment) {
                spec = environment
            } else {
                spec = try TierSpec(parsing: ReplaySettings.defaultTiers)
            }
        } catch {
            throw ValidationError("--tiers: \(error)")
        }
        var settings = ReplaySettings(tiers: spec, policy: "lru")
        if let costModel {
            do { settings.costs = try CostModel.load(path: costModel) } catch { throw ValidationError("--cost-model: \(error)") }
        }
        return settings
    }
}
