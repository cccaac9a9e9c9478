import Testing
@testable import TierMem

@Suite("Sweep predictor: a periodic pass over the heap, learned from its page-ins, brought in ahead")
struct SweepPredictorTests {
    private let epoch: UInt64 = 10_000_000
    private let period: UInt64 = 200_000_000

    /// A pass's page-ins when about half of the stretch is below DRAM: every other page.
    private func pageIns(_ stretch: ClosedRange<Int>) -> [Int] { stride(from: stretch.lowerBound, through: stretch.upperBound, by: 2).map { $0 } }

    /// Feeds the page-ins of `stretches` in consecutive epochs from `start`, then five quiet epochs.
    private func burst(_ predictor: inout SweepPredictor, _ stretches: [ClosedRange<Int>], at start: UInt64) {
        for (index, stretch) in stretches.enumerated() { predictor.observe(pageIns(stretch), now: start + UInt64(index) * epoch) }
        for quiet in 0..<5 { predictor.observe([], now: start + UInt64(stretches.count + quiet) * epoch) }
    }

    /// A predictor that has seen two passes of 200 pages, 1,000–1,199 at 0 and 1,200–1,399 one
    /// period later, each followed by quiet epochs.
    private func learned() -> SweepPredictor {
        var predictor = SweepPredictor(epochNanoseconds: epoch)
        for (index, stretch) in [1000...1199, 1200...1399].enumerated() { burst(&predictor, [stretch], at: UInt64(index) * period) }
        return predictor
    }

    @Test("two bursts, the second where the first ended, make a sweep: its next stretch comes in a quarter period ahead")
    func learnsASweep() {
        var predictor = learned()
        #expect(predictor.isFollowingSweep)
        // The pass is due at 2 × period; the stretch comes in from a quarter period before.
        #expect(predictor.nextPrefetchTime == 2 * period - period / 4)
        #expect(predictor.due(now: 2 * period - period / 4 - epoch) == nil, "not before the lead")
        let prefetch = predictor.due(now: 2 * period - period / 4)
        // The last pass seen was 1,200–1,398 (page-ins every other page): 199 pages, an eighth more.
        #expect(prefetch == SweepPredictor.Prefetch(ahead: 1399...(1398 + 199 + 24), behind: 1200...1398))
        #expect(predictor.due(now: 2 * period) == nil, "once per pass")
        #expect(predictor.expectedStretch == prefetch?.ahead)
    }

    @Test("the pass touching its sentinels confirms it, re-measures the period, and the next stretch follows where it read to")
    func confirmsAndChains() throws {
        var predictor = learned()
        let first = predictor.due(now: 2 * period - period / 4)
        let ahead = try #require(first?.ahead)
        // The pass comes a little late and reads 1,399–1,600 (sentinels every 16 pages).
        let sentinels = SweepPredictor.sentinels(in: ahead).filter { $0 <= 1600 }
        let late = 2 * period + 2 * epoch
        predictor.observe(sentinels + [1600], now: late)
        #expect(predictor.passesConfirmed == 1)
        #expect(predictor.expectedStretch == nil)
        // Period: half the old (200 ms) and half the measured (220 ms).
        #expect(predictor.nextPrefetchTime == late + 210_000_000 - 210_000_000 / 4)
        let next = predictor.due(now: late + 210_000_000)
        try #require(next != nil)
        #expect(next?.ahead.lowerBound == 1601 && next?.behind == 1399...1600)
    }

    @Test("a few random page-ins in the stretch do not confirm a pass; unconfirmed by half a period past due, the sweep is dropped until a burst carries on from it")
    func missedPassEndsTheSweep() throws {
        var predictor = learned()
        let prefetch = predictor.due(now: 2 * period - period / 4)
        let ahead = try #require(prefetch?.ahead)
        var now = 2 * period - period / 4
        while now <= 2 * period + period / 2 + epoch {
            // Random reads of cold data: one in the stretch every epoch.
            predictor.observe([ahead.lowerBound + Int(now / epoch % 100), 50_000 + Int(now / epoch)], now: now)
            now += epoch
        }
        #expect(predictor.passesConfirmed == 0 && predictor.passesMissed == 1)
        #expect(!predictor.isFollowingSweep && predictor.nextPrefetchTime == nil)
        // Two periods after its last pass, a burst carries on from it: the sweep resumes, at its
        // old period (not the four hundred milliseconds between the two passes seen).
        burst(&predictor, [1399...1598], at: 3 * period)
        #expect(predictor.isFollowingSweep)
        #expect(predictor.nextPrefetchTime == 4 * period - period / 4)
        // Resumed, and missed at once: its period no longer holds, and a burst alone does not
        // resume it again.
        var later = 3 * period + 6 * epoch
        while later <= 4 * period + period / 2 + epoch {
            predictor.observe([], now: later)
            later += epoch
        }
        #expect(predictor.passesMissed == 2 && !predictor.isFollowingSweep)
        burst(&predictor, [1599...1798], at: 5 * period)
        #expect(!predictor.isFollowingSweep)
    }

    @Test("a lost sweep's period is kept only for a burst one to three periods after its last pass")
    func lostPeriodOnlyForNearBursts() {
        var predictor = learned()
        var now = 250_000_000 as UInt64
        while now <= 2 * period + period / 2 + epoch {
            predictor.observe([], now: now)
            now += epoch
        }
        #expect(predictor.passesMissed == 1)
        // Five periods after the last pass (at 200 ms): the period is what the two show, 1 s.
        burst(&predictor, [1399...1598], at: 6 * period)
        #expect(predictor.nextPrefetchTime == 6 * period + 5 * period - 5 * period / 4)
    }

    @Test("page-ins far beyond a burst within its epochs start another burst; they do not stretch it")
    func farClustersAreSeparateBursts() {
        var predictor = SweepPredictor(epochNanoseconds: epoch)
        burst(&predictor, [1000...1199, 20_000...20_199], at: 0)
        burst(&predictor, [20_200...20_399], at: period)
        // The sweep pairs the burst at 20,000 (begun one epoch in) with the one at 20,200: its
        // period is the time between them, not from the burst at 1,000.
        #expect(predictor.isFollowingSweep)
        let sweepPeriod = period - epoch
        #expect(predictor.nextPrefetchTime == period + sweepPeriod - sweepPeriod / 4)
    }

    @Test("scattered page-ins, and bursts that do not continue each other, make no sweep")
    func noSweepFromRandomOrUnrelatedBursts() {
        var predictor = SweepPredictor(epochNanoseconds: epoch)
        var random = SplitMix(seed: 7)
        for step in 0..<200 {
            predictor.observe((0..<20).map { _ in Int(random.next() % 40_000) }, now: UInt64(step) * epoch)
        }
        #expect(!predictor.isFollowingSweep)
        // Bursts at unrelated places: a range scan here and there, not a sweep.
        for (index, stretch) in [1000...1199, 9000...9199, 3000...3199].enumerated() {
            burst(&predictor, [stretch], at: UInt64(200 + index * 20) * epoch)
        }
        #expect(!predictor.isFollowingSweep)
    }

    @Test("a burst spread over several epochs is one pass")
    func burstAcrossEpochs() {
        var predictor = SweepPredictor(epochNanoseconds: epoch)
        burst(&predictor, [1000...1099, 1100...1199], at: 0)
        burst(&predictor, [1200...1299, 1300...1399], at: period)
        #expect(predictor.isFollowingSweep)
        let prefetch = predictor.due(now: 2 * period)
        #expect(prefetch?.behind == 1200...1398)
    }

    @Test("clusters, reach and sentinels")
    func helpers() {
        #expect(SweepPredictor.largestCluster([500, 3, 1, 2, 40, 20, 60, 7, 300, 320]) == [1, 2, 3, 7, 20, 40, 60])
        #expect(SweepPredictor.largestCluster([]) == nil)
        #expect(SweepPredictor.furthest(from: 100, through: [90, 120, 150, 400]) == 150)
        #expect(SweepPredictor.furthest(from: 100, through: [140]) == 100)
        #expect(SweepPredictor.sentinels(in: 0...40) == [0, 16, 32, 40])
        #expect(SweepPredictor.sentinels(in: 0...32) == [0, 16, 32])
    }
}

/// A small seeded generator for the tests' random page-ins.
private struct SplitMix {
    var state: UInt64
    init(seed: UInt64) { state = seed }
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}
