import Foundation
import TierMemCore
import TierMemTrace

/// Scores candidates by replaying them, in parallel, remembering every replay in an optional log
/// (so a stopped run resumes where it was), and searches with successive halving.
///
/// Successive halving (Jamieson and Talwalkar 2016; the core of Hyperband): start `candidates`
/// random settings (plus the defaults) on short trace prefixes, keep the best third, triple the
/// prefix, and so on until the survivors run on whole traces. Most replays are short, so the
/// search looks at many more settings than a grid of the same cost.
public final class TuningSearch: @unchecked Sendable {
    public struct Options: Sendable {
        public var objective = TuningObjective.time
        public var constraints = TuningConstraints()
        public var candidates = 27
        /// Survivors per rung: 1 in `eta`.
        public var eta = 3
        /// The shortest prefix a rung may use, in events.
        public var minimumPrefixEvents: UInt64 = 20_000
        public var seed: UInt64 = 1
        public var jobs = ProcessInfo.processInfo.activeProcessorCount
        /// JSON lines of every replay; read back at start to skip replays already done.
        public var logPath: String?
        public init() {}
    }

    /// A candidate's standing after a rung (or a full evaluation).
    public struct Scored: Sendable {
        public var candidate: TuningCandidate
        public var score: Double
        /// How far the worst trace exceeds the constraints (0: meets them).
        public var violation: Double
        public var measurements: [TuningMeasurement]
        public var feasible: Bool { violation == 0 }
    }

    public let traces: [String]
    public let space: TuningSpace
    public let base: ReplaySettings
    public let options: Options
    /// Replays run (not found in the log), and their cost in whole-trace equivalents.
    public private(set) var replaysRun = 0
    public private(set) var traceEquivalents = 0.0
    /// Called after every replay with (replays run, their whole-trace equivalents, seconds elapsed).
    public var progress: @Sendable (Int, Double, Double) -> Void = { _, _, _ in }

    private let lock = NSLock()
    private var eventCounts: [String: UInt64] = [:]
    private var profiles: [String: TraceProfile] = [:]
    private var remembered: [String: TuningMeasurement] = [:]
    private var log: FileHandle?
    private let started = Date()

    public convenience init(traces: [String], space: TuningSpace, base: ReplaySettings, options: Options) throws {
        guard !traces.isEmpty else { throw TuningError("give at least one trace to tune on") }
        guard options.candidates >= 1, options.eta >= 2, options.jobs >= 1 else {
            throw TuningError("--candidates must be at least 1 and --jobs at least 1")
        }
        // One profiling pass per trace, on as many threads as replays may use.
        let measured = ProfileSlots(count: traces.count)
        let profileOne: @Sendable (Int) -> Void = { index in
            measured.set(index, Result { try TraceProfile.measure(TraceFiles.openReader(traces[index]), withNextUse: false) })
        }
        if options.jobs == 1 {
            for index in traces.indices { profileOne(index) }
        } else {
            DispatchQueue.concurrentPerform(iterations: traces.count, execute: profileOne)
        }
        var eventCounts: [String: UInt64] = [:], profiles: [String: TraceProfile] = [:]
        for (index, trace) in traces.enumerated() {
            let profile = try measured.get(index).get()
            eventCounts[trace] = profile.events
            profiles["\(trace)|\(profile.events)"] = profile
        }
        self.init(traces: traces, space: space, base: base, options: options, eventCounts: eventCounts, profiles: profiles)
        if let path = options.logPath { try openLog(path) }
    }

    private init(traces: [String], space: TuningSpace, base: ReplaySettings, options: Options,
                 eventCounts: [String: UInt64], profiles: [String: TraceProfile]) {
        self.traces = traces
        self.space = space
        self.base = base
        self.options = options
        self.eventCounts = eventCounts
        self.profiles = profiles
    }

    /// The same traces at other settings (another base, other options), sharing the trace
    /// profiles measured so far, so that no trace is read again to profile it. The new search
    /// counts its own replays and keeps no log.
    public func rebased(_ base: ReplaySettings, options: Options) -> TuningSearch {
        var options = options
        options.logPath = nil
        let (eventCounts, profiles) = lock.withLock { (self.eventCounts, self.profiles) }
        return TuningSearch(traces: traces, space: space, base: base, options: options, eventCounts: eventCounts, profiles: profiles)
    }

    deinit { try? log?.close() }

    // MARK: Search

    /// Successive halving from `options.candidates` random candidates and the defaults; returns
    /// the final rung's candidates ranked, best first.
    public func successiveHalving() async throws -> [Scored] {
        var random = TraceRandom(seed: options.seed)
        var pool = [space.defaults()]
        var seen = Set(pool.map(\.description))
        var attempts = 0
        while pool.count < options.candidates + 1 && attempts < options.candidates * 20 {
            let candidate = space.sample(&random)
            attempts += 1
            if seen.insert(candidate.description).inserted { pool.append(candidate) }
        }
        return try await successiveHalving(pool)
    }

    /// Successive halving over a given pool.
    public func successiveHalving(_ initial: [TuningCandidate]) async throws -> [Scored] {
        var rungs = 0
        while Int(pow(Double(options.eta), Double(rungs + 1))) <= initial.count { rungs += 1 }
        var pool = initial
        var ranked: [Scored] = []
        for rung in 0...rungs {
            let fraction = pow(Double(options.eta), Double(rung - rungs))
            ranked = try await evaluate(pool, fraction: fraction)
            if rung < rungs { pool = Array(ranked.prefix(max(1, pool.count / options.eta))).map(\.candidate) }
        }
        return ranked
    }

    /// Every candidate on whole traces (an exhaustive grid, or a final check).
    public func exhaustive(_ candidates: [TuningCandidate]) async throws -> [Scored] {
        try await evaluate(candidates, fraction: 1)
    }

    /// Replays planned for successive halving of `count` candidates, and their cost in
    /// whole-trace equivalents (for progress and for comparing with a grid).
    public func plannedWork(candidates count: Int) -> (replays: Int, equivalents: Double) {
        var rungs = 0
        while Int(pow(Double(options.eta), Double(rungs + 1))) <= count { rungs += 1 }
        var pool = count, replays = 0, equivalents = 0.0
        for rung in 0...rungs {
            replays += pool * traces.count
            equivalents += Double(pool * traces.count) * pow(Double(options.eta), Double(rung - rungs))
            pool = max(1, pool / options.eta)
        }
        return (replays, equivalents)
    }

    // MARK: Evaluation

    /// Scores candidates on every trace's prefix of `fraction`, ranked: feasible before
    /// infeasible, then by score, then by violation.
    public func evaluate(_ candidates: [TuningCandidate], fraction: Double) async throws -> [Scored] {
        let jobs = candidates.flatMap { candidate in traces.map { (candidate, $0) } }
        var results = [TuningMeasurement?](repeating: nil, count: jobs.count)
        try await withThrowingTaskGroup(of: (Int, TuningMeasurement).self) { group in
            var next = 0
            func launch() {
                let index = next
                let (candidate, trace) = jobs[index]
                group.addTask { (index, try self.measure(candidate, trace: trace, fraction: fraction)) }
                next += 1
            }
            while next < min(options.jobs, jobs.count) { launch() }
            while let (index, measurement) = try await group.next() {
                results[index] = measurement
                if next < jobs.count { launch() }
            }
        }
        var scored: [Scored] = []
        for (offset, candidate) in candidates.enumerated() {
            let measurements = (0..<traces.count).map { results[offset * traces.count + $0]! }
            let score = measurements.map { $0.score(options.objective) }.reduce(0, +) / Double(measurements.count)
            let violation = measurements.map { options.constraints.violation($0) }.max() ?? 0
            scored.append(Scored(candidate: candidate, score: score, violation: violation, measurements: measurements))
        }
        return scored.sorted {
            if $0.feasible != $1.feasible { return $0.feasible }
            if !$0.feasible && $0.violation != $1.violation { return $0.violation < $1.violation }
            return $0.score != $1.score ? $0.score < $1.score : $0.candidate.description < $1.candidate.description
        }
    }

    /// One candidate on one trace prefix, from the log when it was replayed before.
    func measure(_ candidate: TuningCandidate, trace: String, fraction: Double) throws -> TuningMeasurement {
        let total = lock.withLock { eventCounts[trace] ?? 0 }
        let events = fraction >= 1 ? total : min(total, max(options.minimumPrefixEvents, UInt64(Double(total) * fraction)))
        let key = "\(candidate)|\(trace)|\(events)|\(options.objective)"
        if let known = lock.withLock({ remembered[key] }) { return known }
        let settings = try space.settings(for: candidate, base: base)
        let result = try replay(settings: settings, trace: trace, events: events)
        let allDRAM = allDRAMTime(result.counters)
        let accesses = Double(max(result.counters.accesses, 1))
        var measurement = TuningMeasurement(
            modelledNs: result.modelledNs, allDRAMNs: allDRAM,
            stallsPerMillion: Double(result.counters.directReclaimStalls) / accesses * 1e6,
            promotionRate: result.promotionRatePercentPerMinute,
            migrationsPerMillion: Double(result.counters.migrations) / accesses * 1e6)
        if case .dram(let slowdown) = options.objective {
            measurement.dramShare = try smallestDRAMShare(settings, trace: trace, events: events,
                                                          limitNs: allDRAM * (1 + slowdown))
        }
        lock.withLock {
            remembered[key] = measurement
            if let log, let line = try? JSONEncoder().encode(LogLine(key: key, measurement: measurement)) {
                log.write(line + Data("\n".utf8))
            }
        }
        return measurement
    }

    /// The DRAM shares tried by `dram(slowdown:)`, smallest first.
    public static let dramLadder = [0.05, 0.1, 0.15, 0.2, 0.25, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9, 1.0]

    /// Binary search of the ladder for the smallest share whose modelled time is within the
    /// limit (modelled time falls as DRAM grows, so the ladder is ordered).
    private func smallestDRAMShare(_ settings: ReplaySettings, trace: String, events: UInt64, limitNs: Double) throws -> Double {
        var low = 0, high = Self.dramLadder.count - 1
        while low < high {
            let middle = (low + high) / 2
            var atShare = settings
            atShare.tiers = try withDRAM(settings.tiers, share: Self.dramLadder[middle])
            if try replay(settings: atShare, trace: trace, events: events).modelledNs <= limitNs { high = middle } else { low = middle + 1 }
        }
        return Self.dramLadder[low]
    }

    /// `tiers` with its DRAM tier set to `share` of the footprint.
    public func withDRAM(_ tiers: TierSpec, share: Double) throws -> TierSpec {
        var list = tiers.tiers.filter { $0.kind != .dram }
        list.insert(TierSpec.Tier(kind: .dram, capacity: .percentOfFootprint(share * 100)), at: 0)
        do { return try TierSpec(tiers: list) } catch { throw TuningError("tiers with DRAM at \(share * 100)%: \(error)") }
    }

    /// The modelled time of the same accesses with every page in DRAM: each access a DRAM
    /// access, each first touch (policy-independent) a new page besides. The yardstick of every
    /// score, exactly the replay's cost model without a single fault, stall or migration.
    private func allDRAMTime(_ counters: EngineCounters) -> Double {
        Double(counters.accesses) * base.costs.dramAccessNs + Double(counters.newPages) * base.costs.newPageNs
    }

    private func replay(settings: ReplaySettings, trace: String, events: UInt64) throws -> ReplayResult {
        let profileKey = "\(trace)|\(events)"
        let profile: TraceProfile
        if let known = lock.withLock({ profiles[profileKey] }) {
            profile = known
        } else {
            profile = try TraceProfile.measure(PrefixSource(TraceFiles.openReader(trace), limit: events), withNextUse: false)
            lock.withLock { profiles[profileKey] = profile }
        }
        let result = try PolicyCatalog.replay(source: PrefixSource(TraceFiles.openReader(trace), limit: events),
                                              profile: profile, name: trace, settings: settings)
        let total = lock.withLock { () -> (Int, Double) in
            replaysRun += 1
            traceEquivalents += Double(events) / Double(max(eventCounts[trace] ?? 1, 1))
            return (replaysRun, traceEquivalents)
        }
        progress(total.0, total.1, Date().timeIntervalSince(started))
        return result
    }

    // MARK: The log

    private struct LogLine: Codable {
        var key: String
        var measurement: TuningMeasurement
    }

    private func openLog(_ path: String) throws {
        if let data = FileManager.default.contents(atPath: path) {
            for (number, line) in data.split(separator: UInt8(ascii: "\n")).enumerated() where !line.isEmpty {
                guard let entry = try? JSONDecoder().decode(LogLine.self, from: Data(line)) else {
                    throw TuningError("\(path):\(number + 1): not a tuning log line; remove the file to start afresh")
                }
                remembered[entry.key] = entry.measurement
            }
        } else if !FileManager.default.createFile(atPath: path, contents: nil) {
            throw TuningError("cannot create the tuning log '\(path)'")
        }
        guard let handle = FileHandle(forWritingAtPath: path) else { throw TuningError("cannot write the tuning log '\(path)'") }
        handle.seekToEndOfFile()
        log = handle
    }

    /// Measurements read back from the log at start.
    public var rememberedCount: Int { lock.withLock { remembered.count } }
}

/// Results filled by concurrent profiling passes, one slot each.
private final class ProfileSlots: @unchecked Sendable {
    private var slots: [Result<TraceProfile, Error>?]
    private let lock = NSLock()
    init(count: Int) { slots = Array(repeating: nil, count: count) }
    func set(_ index: Int, _ result: Result<TraceProfile, Error>) { lock.withLock { slots[index] = result } }
    func get(_ index: Int) -> Result<TraceProfile, Error> { lock.withLock { slots[index]! } }
}
