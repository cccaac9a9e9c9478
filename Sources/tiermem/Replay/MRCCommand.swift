import ArgumentParser
import Foundation
import TierMemSim

struct MRCCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "mrc",
        abstract: "The LRU miss-ratio curve of a trace at every DRAM size, exact or sampled (SHARDS).",
        discussion: """
        Exact: Mattson stack distances in one pass, O(N log M) time, 8 bytes per page. \
        --sample R uses SHARDS at rate R (0 < R ≤ 1) for traces too large to do exactly; \
        --check also computes the exact curve and reports the sampled curve's error.
        """)

    @Argument(help: "The trace (tmt, csv or lackey).")
    var trace: String

    @Option(parsing: .unconditional, help: "SHARDS sampling rate, such as 0.01; default: exact.")
    var sample: Double?

    @Flag(help: "With --sample: also compute the exact curve and print the error.")
    var check = false

    @Option(parsing: .unconditional, help: "Sizes to print, evenly spaced from 0 to the footprint.")
    var points = 20

    @Flag(help: "Print every size as CSV (pages,miss_ratio).")
    var csv = false

    @OptionGroup var read: TraceInputOptions

    func validate() throws {
        if let sample, !(sample > 0 && sample <= 1) { throw ValidationError("--sample: expected a rate above 0 and at most 1, got \(sample)") }
        if check && sample == nil { throw ValidationError("--check compares a sampled curve with the exact one; give --sample") }
        if points < 1 { throw ValidationError("--points: expected at least 1") }
    }

    func run() throws {
        let bar = ProgressBar(sample == nil ? "stack distances" : "sampled stack distances")
        let source = try read.open(trace)
        let curve = try sample.map { try MissRatioCurve.sampled(source, rate: $0) { bar.update(records: $0) } }
            ?? MissRatioCurve.exact(source, limit: read.footprintLimit(trace)) { bar.update(records: $0) }
        bar.finish()
        let pageSize = Int(source.header.pageSize)
        if csv {
            print("pages,miss_ratio")
            for c in 0...curve.maxPages { print("\(c),\(curve.missRatio(pages: c))") }
            return
        }
        print("\(trace): LRU miss ratio by DRAM size (\(sample.map { "SHARDS at rate \($0)" } ?? "exact"), \(Format.count(curve.accesses)) \(sample == nil ? "" : "sampled ")page accesses)")
        var rows = [["DRAM pages", "DRAM", "% of footprint", "miss ratio"]]
        for k in 0...points {
            let pages = curve.maxPages * k / points
            rows.append([Format.count(pages), Format.bytes(UInt64(pages * pageSize)),
                         Format.percent(Double(k) / Double(points), decimals: 0), Format.percent(curve.missRatio(pages: pages), decimals: 2)])
        }
        print(Format.table(rows))
        if check, let rate = sample {
            let exact = try MissRatioCurve.exact(read.open(trace), limit: read.footprintLimit(trace))
            let all = curve.error(against: exact)
            let resolvable = curve.error(against: exact, from: Int((10 / rate).rounded(.up)))
            print(String(format: "\nerror against the exact curve: mean %.4f, max %.4f over all sizes; max %.4f from %d pages (10 sampled pages) up",
                         all.mean, all.max, resolvable.max, Int((10 / rate).rounded(.up))))
        }
    }
}
