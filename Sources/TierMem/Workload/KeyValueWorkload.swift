import Foundation
import Glibc
import TierMemTrace

/// The demo's in-process key-value workload on a `TieredHeap`, shaped like a caching service:
/// a cold majority of archive keys written once (allocated with the `.cold` hint) and touched
/// only by periodic scans and rare random reads; an active minority read with zipf popularity,
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
        /// Every this many operations, a scan reads `scanShare` of all keys in key order.
        public var scanInterval = 500_000
        public var scanShare = 0.005
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
    }

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
    /// same work as when measured one after the other.
    public func startRun() -> Run {
        Run(workload: self, operations: settings.operations, seed: settings.seed &+ 1)
    }

    /// A run in progress. Time counts only inside `advance`, so a run carried out in slices
    /// with other work between them reports the time its own operations took.
    public final class Run {
        private let workload: KeyValueWorkload
        public let operations: Int
        private var random: TraceRandom
        private let zipf: ZipfSampler
        private var latency = LatencyHistogram()
        private var corrupt = 0
        private var phaseOffset = 0
        private var scanPosition = 0
        private var dramSamples = 0.0, dramSampleCount = 0.0, peakDRAM = 0
        private var archiveReads = 0, archiveReadNanoseconds: UInt64 = 0
        private var elapsedNanoseconds: UInt64 = 0
        /// Run time (ns) left until the next progress report and DRAM sample.
        private var untilReport: UInt64 = 0
        public private(set) var done = 0

        init(workload: KeyValueWorkload, operations: Int, seed: UInt64) {
            self.workload = workload
            self.operations = operations
            random = TraceRandom(seed: seed)
            zipf = ZipfSampler(n: UInt64(workload.activeCount), exponent: workload.settings.zipfExponent)
        }

        public var isFinished: Bool { done >= operations }

        public var result: Result {
            Result(operations: done, seconds: Double(elapsedNanoseconds) / 1e9, latency: latency,
                   meanDRAMPages: dramSampleCount > 0 ? dramSamples / dramSampleCount : 0, peakDRAMPages: peakDRAM,
                   corruptValues: corrupt, archiveReads: archiveReads, archiveReadNanoseconds: archiveReadNanoseconds)
        }

        /// Carries out the next `count` operations (fewer at the end of the run; a scan that has
        /// begun finishes), calling `progress` about every tenth of a second of the run's time.
        public func advance(by count: Int, progress: Progress? = nil) {
            let settings = workload.settings
            let activeCount = workload.activeCount
            let stop = min(operations, done + count)
            let sliceStart = monotonicNanoseconds()
            // Reports follow the run's own time, which the slices before this one used.
            var nextReport = sliceStart + untilReport
            while done < stop {
                if done % settings.phaseOperations == 0 && done > 0 { phaseOffset = Int(random.below(UInt64(activeCount))) }
                if done % settings.scanInterval == 0 && done > 0 {
                    // A scan: `scanShare` of all keys in order, each a timed read.
                    for _ in 0..<max(1, Int(Double(settings.keys) * settings.scanShare)) where done < operations {
                        let began = monotonicNanoseconds()
                        if !workload.check(scanPosition) { corrupt += 1 }
                        latency.record(monotonicNanoseconds() - began)
                        scanPosition = (scanPosition + 1) % settings.keys
                        done += 1
                    }
                    continue
                }
                let began = monotonicNanoseconds()
                let roll = random.unit()
                if roll < settings.archiveReadShare {
                    if !workload.check(activeCount + Int(random.below(UInt64(settings.keys - activeCount)))) { corrupt += 1 }
                    archiveReads += 1
                    archiveReadNanoseconds += monotonicNanoseconds() - began
                } else {
                    let key = (Int(zipf.sample(&random)) + phaseOffset) % activeCount
                    if roll < settings.archiveReadShare + settings.updateShare {
                        // An update: a new version with a new size (allocation churn).
                        if (try? workload.put(key, random: &random)) == nil { corrupt += 1 }
                    } else if !workload.check(key) {
                        corrupt += 1
                    }
                }
                let now = monotonicNanoseconds()
                latency.record(now - began)
                done += 1
                if now >= nextReport {
                    let stats = workload.heap.arena.stats()
                    dramSamples += Double(stats.dramPages)
                    dramSampleCount += 1
                    peakDRAM = max(peakDRAM, stats.dramPages)
                    progress?(done, operations, Double(elapsedNanoseconds + (now - sliceStart)) / 1e9, stats)
                    nextReport = now + 100_000_000
                }
            }
            let sliceEnd = monotonicNanoseconds()
            elapsedNanoseconds += sliceEnd - sliceStart
            untilReport = nextReport > sliceEnd ? nextReport - sliceEnd : 0
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
