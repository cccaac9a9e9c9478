import Foundation
import Glibc
import TierMemTrace

/// The demo's in-process key-value workload on a `TieredHeap`, shaped like a caching service:
/// a cold majority of archive keys written once (allocated with the `.cold` hint) and touched
/// only by a periodic sweep and rare random reads; an active minority read with zipf popularity,
/// whose hot set moves at phase changes; updates that free and reallocate values of a new size
/// (allocation churn). A value is its key and version followed by a slice of real page contents
/// (`PageCorpus`: machine code, tables, strings — compressible as real data is, about 1.7:1 with
/// LZ4, not as a memset pattern would be); every read compares the whole value, and the end
/// checks every key. Seeded: the same settings give the same operations.
public final class KeyValueWorkload {
    public struct Settings: Sendable {
        public var keys = 40_000
        /// Share of keys in the active set; the rest are archive keys.
        public var activeShare = 0.3
        public var operations = 2_000_000
        /// Of operations on active keys, the share that are updates (free + reallocate + write).
        public var updateShare = 0.08
        /// Share of operations that read a random archive key: rare, as cold data is (about one
        /// read per archive key per 30 runs of the default length).
        public var archiveReadShare = 0.0005
        public var zipfExponent = 0.99
        /// The active hot set moves every this many operations.
        public var phaseOperations = 500_000
        /// Every this many operations, a scan reads the next `scanShare` of all keys in key order:
        /// a sweep over the whole store, as a backup or an expiry pass makes, going on where the
        /// last scan stopped (across runs too, on the same schedule) and coming round to every
        /// key in `1 / scanShare` scans (100 by default: every 50 M operations, about 4 of the
        /// demo's warm-ups and timed runs). It starts at the first archive key: the active keys are in DRAM
        /// in every configuration, so where it starts decides only when it reaches cold data.
        public var scanInterval = 500_000
        public var scanShare = 0.01
        public var seed: UInt64 = 1

        public init() {}

        /// Bytes of values the workload keeps live (its footprint, without allocator rounding).
        public var approximateFootprintBytes: Int {
            let active = Int(Double(keys) * activeShare)
            return active * 640 + (keys - active) * 2560
        }
    }

    /// The outcome of one run.
    public struct Result: Sendable {
        public var operations: Int
        public var seconds: Double
        public var latency: LatencyHistogram
        /// Mean and peak DRAM pages over the run (sampled by the progress callback's clock).
        public var meanDRAMPages: Double
        public var peakDRAMPages: Int
        /// Values whose bytes were wrong on a read (must be 0).
        public var corruptValues: Int
        /// The random archive reads and their summed latency, ns: where a tiered heap's page-ins
        /// of cold data show (scans and active keys excluded).
        public var archiveReads = 0
        public var archiveReadNanoseconds: UInt64 = 0
        /// The scans' reads (archive and active keys in key order) and their summed latency, ns.
        public var scanReads = 0
        public var scanNanoseconds: UInt64 = 0
        public var operationsPerSecond: Double { Double(operations) / seconds }
    }

    /// Progress for a live display: operations done, and the heap's statistics now.
    public typealias Progress = (_ done: Int, _ total: Int, _ elapsed: Double, _ stats: LiveArenaStats) -> Void

    private let heap: TieredHeap
    private let settings: Settings
    private var values: [UnsafeMutableRawPointer?]
    private var sizes: [Int32]
    private var versions: [UInt32]
    private let activeCount: Int
    /// The key the next scan starts at, and the operations since the last scan: the sweep
    /// carries on across runs (the warm-up's, then the timed run's) on one schedule.
    private var scanPosition: Int
    private var operationsSinceScan = 0
    /// The bytes values are sliced from.
    private let corpus: [UInt8]

    public init(heap: TieredHeap, settings: Settings, corpus: PageCorpus) {
        self.heap = heap
        self.corpus = Array(corpus.pages.prefix(64).joined())
        self.settings = settings
        values = Array(repeating: nil, count: settings.keys)
        sizes = Array(repeating: 0, count: settings.keys)
        versions = Array(repeating: 0, count: settings.keys)
        activeCount = max(1, Int(Double(settings.keys) * settings.activeShare))
        scanPosition = activeCount % settings.keys
    }

    /// The key the next scan starts at.
    public var nextScanKey: Int { scanPosition }

    deinit {
        for value in values { if let value { heap.deallocate(value) } }
    }

    /// Writes every key once: active keys first (small values), then archive keys (larger,
    /// hinted cold).
    public func load() throws {
        var random = TraceRandom(seed: settings.seed)
        for key in 0..<settings.keys { try put(key, random: &random) }
    }

    /// Runs `operations` of the same mix, untimed and with other random choices than `run`'s,
    /// so that the timed run starts from a warm heap (the active set back in DRAM after the
    /// load), as a service that has been up for a while is. Returns the values found corrupt.
    @discardableResult
    public func warmUp(operations: Int) -> Int {
        let run = Run(workload: self, operations: operations, seed: settings.seed &+ 2)
        run.advance(by: operations)
        return run.result.corruptValues
    }

    /// Runs the operations (timed), calling `progress` about every tenth of a second.
    public func run(progress: Progress? = nil) -> Result {
        let run = startRun()
        run.advance(by: settings.operations, progress: progress)
        return run.result
    }

    /// The timed run's operations, to be carried out in slices (`Run.advance`): the same
    /// sequence as `run()`, so that configurations measured in turns, a slice each, do the
    /// same work as when measured one after the other. Its scans go on from where the last
    /// run's stopped (start a run when the one before it is done).
    public func startRun() -> Run {
        Run(workload: self, operations: settings.operations, seed: settings.seed &+ 1)
    }

    /// A run in progress. Time counts only inside `advance`, so a run carried out in slices
    /// with other work between them reports the time its own operations took.
    public final class Run {
        private let workload: KeyValueWorkload
        public let operations: Int
        private let zipf: ZipfSampler
        /// Everything an operation changes, kept in one value that `advance` works on as a local
        /// copy: the operation loop then pays no exclusivity check per access of a class property.
        private struct State {
            var random: TraceRandom
            var latency = LatencyHistogram()
            var corrupt = 0
            var phaseOffset = 0
            /// The operation count at which the hot set moves next (a scan may step over it).
            var nextPhaseChange: Int
            var scanPosition: Int
            var operationsSinceScan: Int
            var dramSamples = 0.0, dramSampleCount = 0.0, peakDRAM = 0
            var archiveReads = 0, archiveReadNanoseconds: UInt64 = 0
            var scanReads = 0, scanNanoseconds: UInt64 = 0
            var elapsedNanoseconds: UInt64 = 0
            /// Run time (ns) left until the next progress report and DRAM sample.
            var untilReport: UInt64 = 0
            var done = 0
        }
        private var state: State

        init(workload: KeyValueWorkload, operations: Int, seed: UInt64) {
            self.workload = workload
            self.operations = operations
            state = State(random: TraceRandom(seed: seed), nextPhaseChange: workload.settings.phaseOperations, scanPosition: workload.scanPosition,
                          operationsSinceScan: workload.operationsSinceScan)
            zipf = ZipfSampler(n: UInt64(workload.activeCount), exponent: workload.settings.zipfExponent)
        }

        public var done: Int { state.done }
        public var isFinished: Bool { state.done >= operations }

        public var result: Result {
            Result(operations: state.done, seconds: Double(state.elapsedNanoseconds) / 1e9, latency: state.latency,
                   meanDRAMPages: state.dramSampleCount > 0 ? state.dramSamples / state.dramSampleCount : 0, peakDRAMPages: state.peakDRAM,
                   corruptValues: state.corrupt, archiveReads: state.archiveReads, archiveReadNanoseconds: state.archiveReadNanoseconds,
                   scanReads: state.scanReads, scanNanoseconds: state.scanNanoseconds)
        }

        /// Carries out the next `count` operations (fewer at the end of the run; a scan that has
        /// begun finishes), calling `progress` about every tenth of a second of the run's time.
        public func advance(by count: Int, progress: Progress? = nil) {
            let settings = workload.settings
            let activeCount = workload.activeCount
            let operations = operations
            let zipf = zipf
            var s = state
            let stop = count >= operations - s.done ? operations : s.done + count
            let sliceStart = monotonicNanoseconds()
            // Reports follow the run's own time, which the slices before this one used.
            var nextReport = sliceStart + s.untilReport
            while s.done < stop {
                if s.done >= s.nextPhaseChange {
                    s.phaseOffset = Int(s.random.below(UInt64(activeCount)))
                    s.nextPhaseChange += settings.phaseOperations
                }
                if s.operationsSinceScan >= settings.scanInterval {
                    // A scan: the next `scanShare` of all keys in order, each a timed read.
                    s.operationsSinceScan = 0
                    for _ in 0..<max(1, Int(Double(settings.keys) * settings.scanShare)) where s.done < operations {
                        let began = monotonicNanoseconds()
                        if !workload.check(s.scanPosition) { s.corrupt += 1 }
                        let took = monotonicNanoseconds() - began
                        s.latency.record(took)
                        s.scanReads += 1
                        s.scanNanoseconds += took
                        s.scanPosition = (s.scanPosition + 1) % settings.keys
                        s.done += 1
                    }
                    continue
                }
                let began = monotonicNanoseconds()
                let roll = s.random.unit()
                if roll < settings.archiveReadShare {
                    if !workload.check(activeCount + Int(s.random.below(UInt64(settings.keys - activeCount)))) { s.corrupt += 1 }
                    s.archiveReads += 1
                    s.archiveReadNanoseconds += monotonicNanoseconds() - began
                } else {
                    let key = (Int(zipf.sample(&s.random)) + s.phaseOffset) % activeCount
                    if roll < settings.archiveReadShare + settings.updateShare {
                        // An update: a new version with a new size (allocation churn).
                        if (try? workload.put(key, random: &s.random)) == nil { s.corrupt += 1 }
                    } else if !workload.check(key) {
                        s.corrupt += 1
                    }
                }
                let now = monotonicNanoseconds()
                s.latency.record(now - began)
                s.done += 1
                s.operationsSinceScan += 1
                if now >= nextReport {
                    let stats = workload.heap.arena.stats()
                    s.dramSamples += Double(stats.dramPages)
                    s.dramSampleCount += 1
                    s.peakDRAM = max(s.peakDRAM, stats.dramPages)
                    progress?(s.done, operations, Double(s.elapsedNanoseconds + (now - sliceStart)) / 1e9, stats)
                    nextReport = now + 100_000_000
                }
            }
            let sliceEnd = monotonicNanoseconds()
            s.elapsedNanoseconds += sliceEnd - sliceStart
            s.untilReport = nextReport > sliceEnd ? nextReport - sliceEnd : 0
            state = s
            workload.scanPosition = s.scanPosition
            workload.operationsSinceScan = s.operationsSinceScan
        }
    }

    /// Reads every value and compares it with what was written; returns how many differ (must
    /// be 0). Untimed: it touches every page, so it faults in everything not in DRAM.
    public func verifyAll() -> Int {
        (0..<settings.keys).reduce(0) { $0 + (check($1) ? 0 : 1) }
    }

    /// Writes a new version of `key`, reallocating it at a new size.
    private func put(_ key: Int, random: inout TraceRandom) throws {
        let active = key < activeCount
        let size = active ? 256 + Int(random.below(768)) : 1024 + Int(random.below(3072))
        if let old = values[key] { heap.deallocate(old) }
        values[key] = nil
        let value = try heap.allocate(byteCount: size, hint: active ? .none : .cold)
        versions[key] &+= 1
        sizes[key] = Int32(size)
        fill(value, key: key, size: size)
        values[key] = value
    }

    /// Where in the corpus `key`'s current version starts.
    private func corpusOffset(_ key: Int, size: Int) -> Int {
        var h = UInt64(key) &* 0x9E37_79B9_7F4A_7C15 ^ UInt64(versions[key]) &* 0xBF58_476D_1CE4_E5B9
        h ^= h >> 31
        return Int(h % UInt64(corpus.count - size))
    }

    private func fill(_ value: UnsafeMutableRawPointer, key: Int, size: Int) {
        value.storeBytes(of: UInt64(key) << 32 | UInt64(versions[key]), as: UInt64.self)
        let offset = corpusOffset(key, size: size)
        corpus.withUnsafeBytes { (value + 8).copyMemory(from: $0.baseAddress! + offset, byteCount: size - 8) }
    }

    /// Reads `key`'s whole value and compares it with what was written.
    private func check(_ key: Int) -> Bool {
        guard let value = values[key] else { return false }
        let size = Int(sizes[key])
        guard value.load(as: UInt64.self) == UInt64(key) << 32 | UInt64(versions[key]) else { return false }
        let offset = corpusOffset(key, size: size)
        return corpus.withUnsafeBytes { memcmp(value + 8, $0.baseAddress! + offset, size - 8) == 0 }
    }
}
