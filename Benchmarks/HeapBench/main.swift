// tiermem-heapbench: the live heap's costs on this machine, release build.
//   fault-in latency (p50, p99; HdrHistogram) from the compressed tier and from PMEM, side by side
//   with the bare userfaultfd round trip; LZ4 and zstd throughput and ratio on real pages;
//   demotion and promotion throughput; small-object allocate + free throughput against glibc
//   malloc and memkind_malloc; the daemon's CPU at steady state. `make bench-heap` runs it.
import Foundation
import Histogram
import TierMem

func argument(_ name: String, default value: Int) -> Int {
    guard let index = CommandLine.arguments.firstIndex(of: name), index + 1 < CommandLine.arguments.count,
          let number = Int(CommandLine.arguments[index + 1]), number > 0
    else { return value }
    return number
}

let pagesPerRound = argument("--pages", default: 4000)
let rounds = argument("--rounds", default: 5)
let corpus = try PageCorpus()
print("tiermem-heapbench: \(ProcessInfo.processInfo.activeProcessorCount) cores, page \(corpus.pageSize) B, "
      + "\(rounds) rounds × \(pagesPerRound) pages, corpus \(corpus.pages.count) non-zero pages of \(corpus.sources.joined(separator: ", "))")
print(UserfaultfdProbe.run())

func histogram(_ samples: [UInt64]) -> Histogram<UInt64> {
    var histogram = Histogram<UInt64>(highestTrackableValue: 10_000_000_000, numberOfSignificantValueDigits: .three)
    for sample in samples { _ = histogram.record(sample) }
    return histogram
}

func micros(_ nanoseconds: UInt64) -> String { String(format: "%.1f", Double(nanoseconds) / 1000) }

for (spin, handling) in [(UInt64(0), LiveArenaConfiguration.FaultHandling.handlerThread),
                         (LiveArenaConfiguration.defaultFaultSpin, .handlerThread), (0, .faultingThread)] {
    let faults = try LiveMeasurements.faultIns(corpus: corpus, pagesPerRound: pagesPerRound, rounds: rounds, spinNanoseconds: spin,
                                               faultHandling: handling)
    let bare = histogram(faults.bare)
    print("\nFault-in latency, µs (touch to resume, on the faulting thread), "
          + (handling == .faultingThread ? "faults resolved on the faulting thread (SIGBUS)" : "fault service spin \(spin / 1000) µs"))
    print("| kind | faults | p50 | p99 | p99.9 | max | p50 / bare | p99 / bare |")
    print("|---|---:|---:|---:|---:|---:|---:|---:|")
    for (name, samples) in [("bare userfaultfd round trip", faults.bare), ("first touch (zero page)", faults.firstTouch),
                            ("compressed tier (LZ4)", faults.compressed), ("PMEM tier", faults.pmem)] {
        let h = histogram(samples)
        let p50 = h.valueAtPercentile(50), p99 = h.valueAtPercentile(99)
        print("| \(name) | \(samples.count) | \(micros(p50)) | \(micros(p99)) | \(micros(h.valueAtPercentile(99.9))) | \(micros(h.max)) | "
              + String(format: "%.2f× | %.2f× |", Double(p50) / Double(bare.valueAtPercentile(50)), Double(p99) / Double(bare.valueAtPercentile(99))))
    }
}

print("\nSporadic fault-ins (LZ4 tier), one every `gap` of busy work on the faulting thread, µs")
print("| faults resolved by | gap | faults | p50 | p99 | mean |")
print("|---|---|---:|---:|---:|---:|")
for handling in LiveArenaConfiguration.FaultHandling.allCases {
    for gap in [UInt64(0), 100_000, 500_000] {
        let samples = try LiveMeasurements.loneFaultIns(corpus: corpus, pages: min(pagesPerRound, 2000), gap: gap, faultHandling: handling)
        let h = histogram(samples)
        let mean = Double(samples.reduce(0, +)) / Double(max(samples.count, 1))
        print("| \(handling == .faultingThread ? "faulting thread (SIGBUS)" : "handler thread") | \(gap / 1000) µs | \(samples.count) | "
              + "\(micros(h.valueAtPercentile(50))) | \(micros(h.valueAtPercentile(99))) | \(micros(UInt64(mean))) |")
    }
}

print("\nReading \(pagesPerRound) LZ4-compressed pages in address order, one load each (best of \(rounds) rounds)")
print("| faults resolved by | readahead | ns per page | page-ins that faulted |")
print("|---|---|---:|---:|")
for handling in LiveArenaConfiguration.FaultHandling.allCases {
    for window in [0, 8, 32] {
        var best = (nsPerPage: Double.infinity, faults: 0)
        for _ in 0..<rounds {
            let round = try LiveMeasurements.sequentialReads(corpus: corpus, pages: pagesPerRound, readAheadPages: window, faultHandling: handling)
            if round.nsPerPage < best.nsPerPage { best = round }
        }
        print("| \(handling == .faultingThread ? "faulting thread" : "handler thread") | \(window == 0 ? "off" : "up to \(window) pages") | "
              + "\(String(format: "%.0f", best.nsPerPage)) | \(best.faults) |")
    }
}

print("\nCodecs on real pages (one core)")
print("| codec | compress MB/s | decompress MB/s | compress µs/page | decompress µs/page | ratio | pages ≤ 75% |")
print("|---|---:|---:|---:|---:|---:|---:|")
for cost in LiveMeasurements.codecCosts(corpus: corpus, repetitions: 5) {
    let mb = Double(corpus.pageSize) / 1e6
    print(String(format: "| %@ | %.0f | %.0f | %.2f | %.2f | %.2f | %.0f%% |", cost.codec.rawValue,
                 mb / (cost.compressNsPerPage / 1e9), mb / (cost.decompressNsPerPage / 1e9),
                 cost.compressNsPerPage / 1000, cost.decompressNsPerPage / 1000, cost.ratio, cost.compressibleShare * 100))
}

let moves = try LiveMeasurements.migrations(corpus: corpus, pages: pagesPerRound)
print("\nMigration throughput through the arena (pages/s, one thread, \(pagesPerRound) pages)")
print("| move | pages/s |")
print("|---|---:|")
for (name, rate) in [("demote to compressed (LZ4)", moves.demoteToCompressed), ("promote from compressed", moves.promoteFromCompressed),
                     ("demote to PMEM", moves.demoteToPMEM), ("promote from PMEM", moves.promoteFromPMEM)] {
    print("| \(name) | \(Int(rate)) |")
}
let unmap = try LiveMeasurements.unmapCosts(pages: pagesPerRound)
defer {
    // A heap with room for every object in DRAM: this measures the allocator, not tiering.
    let heap = try! TieredHeap(tiers: "dram:64MiB")
    AllocatorThroughput.run(heap: heap, pairs: argument("--pairs", default: 4_000_000))
    try! DaemonSteadyState.run(seconds: Double(argument("--daemon-seconds", default: 5)))
}
print(String(format: "\nzap one page (MADV_DONTNEED): %.2f µs; punch one page (PUNCH_HOLE): %.2f µs", unmap.zap / 1000, unmap.punch / 1000))
