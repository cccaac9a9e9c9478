import Foundation
import Testing
@testable import TierMemTrace

@Suite struct GeneratorTests {
    private func generate(_ kind: WorkloadKind, records: Int = 50_000, footprint: UInt64 = 1_000, seed: UInt64 = 7,
                          tweak: (inout WorkloadSpec) -> Void = { _ in }) throws -> [TraceEvent] {
        var spec = WorkloadSpec(kind: kind)
        spec.records = records
        spec.footprintPages = footprint
        spec.seed = seed
        spec.scanPages = min(spec.scanPages, footprint)
        tweak(&spec)
        return try SyntheticTrace(spec: spec, batchSize: 4_096).readAll()
    }

    private func page(_ event: TraceEvent) -> UInt64 { (event.address - WorkloadSpec.baseAddress) >> 12 }

    @Test(arguments: WorkloadKind.allCases)
    func everyKindIsDeterministicSizedAndInsideItsFootprint(kind: WorkloadKind) throws {
        let a = try generate(kind)
        #expect(a == (try generate(kind)))
        #expect(a != (try generate(kind, seed: 8)) || kind == .loop)
        #expect(a.count == 50_000)
        #expect(a.map(\.time) == (0..<50_000).map(UInt64.init))
        if kind != .scan {
            #expect(a.allSatisfy { page($0) < 1_000 }, "\(kind) left its footprint")
        }
    }

    @Test func zipfRankFrequenciesFollowThePowerLaw() throws {
        let events = try generate(.zipf, records: 400_000, footprint: 10_000) { $0.zipfExponent = 1.0 }
        var counts: [UInt64: Int] = [:]
        for e in events { counts[page(e), default: 0] += 1 }
        let sorted = counts.values.sorted(by: >)
        // P(rank 1) = 1/H(10000, 1) ≈ 0.1021; rank 2 is half of it.
        let harmonic = (1...10_000).reduce(0.0) { $0 + 1 / Double($1) }
        let top = Double(sorted[0]) / 400_000
        #expect(abs(top - 1 / harmonic) < 0.005, "top share \(top)")
        let ratio = Double(sorted[0]) / Double(sorted[1])
        #expect(ratio > 1.8 && ratio < 2.2, "rank1/rank2 = \(ratio)")
        // The hottest pages are scattered, not neighbours.
        let hottest = counts.sorted { $0.value > $1.value }.prefix(2).map(\.key)
        #expect(hottest[0] != hottest[1] + 1 && hottest[1] != hottest[0] + 1)
    }

    @Test func zipfSamplerStaysInRangeForManyExponents() {
        var random = TraceRandom(seed: 1)
        for s in [0.2, 0.99, 1.0, 1.5, 3.0] {
            let sampler = ZipfSampler(n: 37, exponent: s)
            for _ in 0..<10_000 {
                let k = sampler.sample(&random)
                #expect((1...37).contains(k))
            }
        }
    }

    @Test func rankScatterIsAPermutation() {
        for n in [1, 2, 10, 1_000, 4_096, 65_537] as [UInt64] {
            let scatter = RankScatter(n: n)
            #expect(Set((0..<n).map(scatter.apply)).count == Int(n), "n = \(n)")
        }
    }

    @Test func loopReusesEveryPageAtTheFootprintDistance() throws {
        let events = try generate(.loop, records: 5_000, footprint: 100)
        var analyzer = ReuseDistanceAnalyzer()
        for e in events { analyzer.record(page: page(e)) }
        #expect(analyzer.coldAccesses == 100)
        #expect(analyzer.histogram.total == 4_900)
        #expect(analyzer.histogram.maximum == 99)
        #expect(analyzer.histogram.quantile(0.0) == 96)  // the bucket holding 99 starts at 96
    }

    @Test func scanNeverReturnsToAPageItLeft() throws {
        let events = try generate(.scan, records: 10_000)
        var seen = Set<UInt64>()
        var previous: UInt64?
        for e in events {
            let p = page(e)
            if p != previous { #expect(seen.insert(p).inserted) }
            previous = p
        }
        #expect(seen.count == (10_000 * 64 + 4095) / 4096)
    }

    @Test func phasesConcentrateAccessesInAHotSetThatMoves() throws {
        let events = try generate(.phases, records: 40_000, footprint: 10_000) { $0.phaseLength = 20_000 }
        func hottestShare(_ slice: ArraySlice<TraceEvent>) -> (Set<UInt64>, Double) {
            var counts: [UInt64: Int] = [:]
            for e in slice { counts[page(e), default: 0] += 1 }
            let top = counts.sorted { $0.value > $1.value }.prefix(1_000)
            return (Set(top.map(\.key)), Double(top.reduce(0) { $0 + $1.value }) / Double(slice.count))
        }
        let (first, share1) = hottestShare(events[0..<20_000])
        let (second, share2) = hottestShare(events[20_000...])
        #expect(share1 > 0.85 && share2 > 0.85)
        #expect(first.intersection(second).count < 500, "the hot set should move between phases")
    }

    @Test func growthAllocatesUpToTheFootprintAndAccessesLiveObjects() throws {
        let events = try generate(.growth, records: 100_000, footprint: 2_000)
        let allocs = events.filter { $0.operation == .alloc }
        let frees = events.filter { $0.operation == .free }
        #expect(allocs.count > 150)
        #expect(frees.count < allocs.count / 5, "leak-like: most objects are never freed")
        let allocatedPages = allocs.reduce(UInt64(0)) { $0 + UInt64($1.size) / 4096 }
        #expect(allocatedPages > 1_500 && allocatedPages <= 2_000)
        // Accesses favour the newest objects: the second half of the trace touches higher pages.
        let accesses = events.filter { $0.operation.isAccess }
        let early = accesses.prefix(accesses.count / 2).map(page).reduce(0, +) / UInt64(accesses.count / 2)
        let late = accesses.suffix(accesses.count / 2).map(page).reduce(0, +) / UInt64(accesses.count / 2)
        #expect(late > early * 2)
    }

    @Test func periodicDemandSwellsAndShrinks() throws {
        let events = try generate(.periodic, records: 100_000, footprint: 10_000) { $0.period = 50_000 }
        // The active set is 20% of the footprint at a trough and all of it at a peak.
        func highestPage(_ range: Range<Int>) -> UInt64 { events[range].map(page).max()! }
        #expect(highestPage(0..<1_000) < 2_100)
        #expect(highestPage(24_000..<26_000) > 9_000)
        #expect(highestPage(49_500..<50_500) < 2_100)
    }

    @Test func keyValueMixHasEveryOperationAndScans() throws {
        let events = try generate(.kv, records: 100_000, footprint: 5_000) {
            $0.scanEvery = 20_000
            $0.scanPages = 500
        }
        var ops: [TraceOperation: Int] = [:]
        for e in events { ops[e.operation, default: 0] += 1 }
        #expect(TraceOperation.allCases.allSatisfy { ops[$0, default: 0] > 0 }, "\(ops)")
        #expect(ops[.alloc] == ops[.free] || ops[.alloc]! + 1 == ops[.free]!)
        // A scan: 500 consecutive pages read back to back after record 20,000.
        let scan = events[20_000..<20_500].map(page)
        #expect(zip(scan, scan.dropFirst()).allSatisfy { ($0 + 1) % 5_000 == $1 })
    }

    @Test func invalidSettingsNameTheirFlag() {
        let cases: [(String, (inout WorkloadSpec) -> Void)] = [
            ("records", { $0.records = 0 }),
            ("footprint", { $0.footprintPages = 0 }),
            ("write-fraction", { $0.writeFraction = 1.5 }),
            ("zipf-s", { $0.zipfExponent = 0 }),
            ("page-size", { $0.pageSize = 3000 }),
            ("scan-pages", { $0.scanPages = 1 << 40 }),
        ]
        for (field, tweak) in cases {
            var spec = WorkloadSpec(kind: .kv)
            tweak(&spec)
            do {
                try spec.validate()
                Issue.record("\(field) was accepted")
            } catch {
                #expect(error.field == field)
                #expect(error.description.hasPrefix("--\(field): expected"))
            }
        }
    }
}

@Suite struct ReuseDistanceTests {
    @Test func matchesABruteForceStackOnARandomTraceAcrossCompactions() {
        var random = TraceRandom(seed: 3)
        let pages = (0..<20_000).map { _ in random.below(random.unit() < 0.5 ? 50 : 3_000) }
        var analyzer = ReuseDistanceAnalyzer(initialCapacity: 64)  // forces many compactions
        var expected = LogHistogram()
        var stack: [UInt64] = []  // most recent first
        var cold: UInt64 = 0
        for p in pages {
            analyzer.record(page: p)
            if let i = stack.firstIndex(of: p) {
                expected.add(UInt64(i))
                stack.remove(at: i)
            } else {
                cold += 1
            }
            stack.insert(p, at: 0)
        }
        #expect(analyzer.histogram == expected)
        #expect(analyzer.coldAccesses == cold)
        #expect(analyzer.distinctPages == stack.count)
    }

    @Test func histogramQuantilesAreWithinABucket() {
        var h = LogHistogram()
        for v in 0..<1_000 as Range<UInt64> { h.add(v) }
        #expect(h.quantile(0.5).map { $0 >= 440 && $0 <= 500 } == true)
        #expect(h.quantile(1.0) == 960)
        #expect(h.maximum == 999)
        #expect(abs(h.fraction(below: 16) - 0.016) < 1e-9)
        #expect(LogHistogram().quantile(0.5) == nil)
    }
}
