import Testing
@testable import TierMem

@Suite("Page-in budget: how much cold data stays in DRAM, steered by the time page-ins cost")
struct PageInBudgetTests {
    private let interval: UInt64 = 1_000_000_000

    @Test("over the budget it keeps enough cold pages in DRAM to bring the pressure to the aim")
    func overBudgetKeepsColdPages() {
        var budget = PageInBudget(budget: 0.02)
        // 3% pressure with 1,000 cold pages offloaded: offloading 1,000 × 1.5/3 = 500 meets the aim.
        let keep = budget.update(pageInNanoseconds: interval * 3 / 100, wallNanoseconds: interval, coldInDRAM: 0, coldBelowDRAM: 1000)
        #expect(keep == 500)
        #expect(budget.lastPressure == 0.03)
    }

    @Test("far over the budget it at most halves what is offloaded in one interval")
    func atMostHalvesPerInterval() {
        var budget = PageInBudget(budget: 0.02)
        let keep = budget.update(pageInNanoseconds: interval / 2, wallNanoseconds: interval, coldInDRAM: 200, coldBelowDRAM: 800)
        #expect(keep == 600)  // 200 in DRAM + half of the 800 offloaded
    }

    @Test("under half the budget it offloads a step more per interval, down to nothing kept; between that and the budget it holds")
    func underAimOffloadsMore() {
        var budget = PageInBudget(budget: 0.02, step: 0.1)
        _ = budget.update(pageInNanoseconds: interval / 10, wallNanoseconds: interval, coldInDRAM: 0, coldBelowDRAM: 1000)
        #expect(budget.keepInDRAM == 500)
        // Pressure between half the budget (1%) and the budget: hold.
        #expect(budget.update(pageInNanoseconds: interval * 18 / 1000, wallNanoseconds: interval, coldInDRAM: 500, coldBelowDRAM: 500) == 500)
        #expect(budget.update(pageInNanoseconds: interval * 11 / 1000, wallNanoseconds: interval, coldInDRAM: 500, coldBelowDRAM: 500) == 500)
        // No page-ins at all: 10% of the 1,000 cold pages more offloaded each interval.
        #expect(budget.update(pageInNanoseconds: 0, wallNanoseconds: interval, coldInDRAM: 500, coldBelowDRAM: 500) == 400)
        var keep = 400
        for _ in 0..<10 { keep = budget.update(pageInNanoseconds: 0, wallNanoseconds: interval, coldInDRAM: keep, coldBelowDRAM: 1000 - keep) }
        #expect(keep == 0)
    }

    @Test("a keep the DRAM cap did not let the daemon reach comes down from what is in DRAM")
    func unreachedKeepComesDown() {
        var budget = PageInBudget(budget: 0.02, step: 0.1)
        _ = budget.update(pageInNanoseconds: interval / 10, wallNanoseconds: interval, coldInDRAM: 0, coldBelowDRAM: 1000)
        #expect(budget.keepInDRAM == 500)
        // Only 100 could be brought back; then the pressure falls (the workload went quiet).
        #expect(budget.update(pageInNanoseconds: 0, wallNanoseconds: interval, coldInDRAM: 100, coldBelowDRAM: 900) == 0)
    }

    @Test("it never keeps more than the cold pages there are, and ignores an empty interval")
    func boundedAndGuarded() {
        var budget = PageInBudget(budget: 0.02)
        for _ in 0..<5 { _ = budget.update(pageInNanoseconds: interval, wallNanoseconds: interval, coldInDRAM: 0, coldBelowDRAM: 64) }
        #expect(budget.keepInDRAM <= 64)
        let kept = budget.keepInDRAM
        #expect(budget.update(pageInNanoseconds: 5, wallNanoseconds: 0, coldInDRAM: 0, coldBelowDRAM: 64) == kept)
        // The cold data shrank (freed): the keep follows.
        #expect(budget.update(pageInNanoseconds: interval, wallNanoseconds: interval, coldInDRAM: 10, coldBelowDRAM: 0) == 10)
    }
}
