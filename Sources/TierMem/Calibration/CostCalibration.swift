import Foundation
import TierMemCore

/// Measures this machine's costs and turns them into a `CostModel` that `tiermem replay
/// --cost-model` accepts, so offline replays charge what the live heap really pays here.
/// Fault costs are medians (a replay charges typical costs; the tails are in the benchmark).
public enum CostCalibration {
    public struct Settings: Sendable {
        public var faultPages = 2000
        public var faultRounds = 3
        public var codecRepetitions = 3
        public var copyPages = 4096
        public var chaseBytes = 256 << 20
        public var chaseSteps = 4_000_000

        public init() {}

        /// About a quarter of the work, for tests and a first look.
        public static var quick: Settings {
            var settings = Settings()
            settings.faultPages = 500
            settings.faultRounds = 1
            settings.codecRepetitions = 1
            settings.copyPages = 1024
            settings.chaseBytes = 64 << 20
            settings.chaseSteps = 1_000_000
            return settings
        }
    }

    /// The cost model, and one line per measured field saying what was measured.
    public static func run(settings: Settings = Settings(), corpus: PageCorpus, progress: (String) -> Void = { _ in }) throws
        -> (model: CostModel, notes: [String])
    {
        var model = CostModel()
        var notes: [String] = []
        progress("random access latency: DRAM, memkind PMEM kind")
        model.dramAccessNs = try LiveMeasurements.randomAccessNs(bytes: settings.chaseBytes, steps: settings.chaseSteps)
        model.pmemReadNs = try LiveMeasurements.randomAccessNs(bytes: settings.chaseBytes, steps: settings.chaseSteps, pmem: true)
        model.pmemWriteNs = try LiveMeasurements.randomAccessNs(bytes: settings.chaseBytes, steps: settings.chaseSteps, pmem: true, writes: true)
        notes.append("dramAccessNs, pmemReadNs, pmemWriteNs: dependent random loads (a store per step for writes) over \(ByteCount(UInt64(settings.chaseBytes))) of malloc / memkind PMEM memory")

        progress("fault-ins: \(settings.faultRounds) × \(settings.faultPages) pages")
        let faults = try LiveMeasurements.faultIns(corpus: corpus, pagesPerRound: settings.faultPages, rounds: settings.faultRounds,
                                                     spinNanoseconds: LiveArenaConfiguration.defaultFaultSpin)
        model.pageFaultNs = median(faults.bare)
        model.newPageNs = median(faults.firstTouch)
        notes.append("pageFaultNs: median bare userfaultfd round trip (handler thread, UFFDIO_COPY of a ready page), \(faults.bare.count) faults")
        notes.append("newPageNs: median first touch of an arena page (fault, zero page placed), \(faults.firstTouch.count) touches")

        progress("codecs: LZ4 and zstd on \(corpus.pages.count) real pages")
        for cost in LiveMeasurements.codecCosts(corpus: corpus, repetitions: settings.codecRepetitions) {
            switch cost.codec {
            case .lz4: (model.lz4CompressNs, model.lz4DecompressNs) = (cost.compressNsPerPage, cost.decompressNsPerPage)
            case .zstd: (model.zstdCompressNs, model.zstdDecompressNs) = (cost.compressNsPerPage, cost.decompressNsPerPage)
            }
        }
        notes.append("lz4/zstd Compress/DecompressNs: mean per page over \(corpus.pages.count) non-zero pages of \(corpus.sources.joined(separator: ", "))")

        progress("PMEM copies and unmapping: \(settings.copyPages) pages")
        (model.copyToPMEMNs, model.copyFromPMEMNs) = try LiveMeasurements.pmemCopies(corpus: corpus, pages: settings.copyPages)
        let unmap = try LiveMeasurements.unmapCosts(pages: settings.copyPages)
        model.unmapNs = unmap.zap + unmap.punch
        notes.append("copyToPMEMNs, copyFromPMEMNs: pmem_memcpy_nodrain + pmem_drain into a memkind block, memcpy out")
        notes.append("unmapNs: MADV_DONTNEED of one page (\(String(format: "%.0f", unmap.zap)) ns) + fallocate PUNCH_HOLE (\(String(format: "%.0f", unmap.punch)) ns)")
        return (model, notes)
    }

    static func median(_ samples: [UInt64]) -> Double {
        guard !samples.isEmpty else { return 0 }
        let sorted = samples.sorted()
        return Double(sorted[sorted.count / 2])
    }
}
