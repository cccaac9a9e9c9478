/// How much cold-hinted data stays in DRAM, steered by what offloading it costs the application,
/// in the manner of Meta's TMO (Senpai): offload until the time the application waits for memory
/// to come back reaches a budget, and give memory back when it goes over.
///
/// The measure is *page-in pressure*: the time spent resolving faults that bring pages back from
/// a lower tier, as a share of wall time (`LiveArenaStats.pageInNanoseconds` over an interval).
/// For a single-threaded application that is the share of its run spent waiting; with several
/// threads it is summed over them, so it bounds PSI's "some" from above.
///
/// The controller's output is how many cold-hinted pages to *keep in DRAM* (0: the hint is
/// honoured in full, which is where it starts). Over the budget, it assumes page-ins scale with
/// the cold data offloaded (reads of cold data have no locality to exploit) and keeps enough to
/// bring the pressure to `aim`, at most halving what is offloaded in one interval. Under half the
/// budget it offloads a little more (`step` of the cold pages per interval), so with no reads at
/// all every cold page ends up offloaded, as the hint asks. In between it holds: a wide band and
/// a small step, because every page it lets go and takes back is a demotion and a promotion
/// (a narrow band made a sawtooth of thousands of each in the demo's 2.5 s run).
struct PageInBudget: Sendable {
    /// The most page-in pressure allowed (a share of wall time, 0.02 = 2%).
    let budget: Double
    /// Where the pressure is steered after going over: below the budget, so that noise between
    /// intervals stays under it.
    var aim: Double { budget * 0.75 }
    /// The share of the cold pages offloaded more per interval while under half the budget.
    let step: Double
    /// Cold-hinted pages to keep in DRAM.
    private(set) var keepInDRAM = 0
    /// Most cold pages a daemon brings back for the budget in one epoch (2 MiB of 4 KiB pages):
    /// bringing them back takes the daemon's core, not the application's.
    static let promotionsPerEpoch = 512
    /// The pressure measured in the last interval.
    private(set) var lastPressure: Double?

    init(budget: Double, step: Double = 0.005) {
        precondition(budget > 0 && budget.isFinite, "the page-in budget must be a positive share of wall time, not \(budget)")
        self.budget = budget
        self.step = step
    }

    /// One interval's evidence: page-in time and wall time (nanoseconds) and the cold-hinted pages
    /// now in DRAM and below it. Returns the new number of cold pages to keep in DRAM.
    mutating func update(pageInNanoseconds: UInt64, wallNanoseconds: UInt64, coldInDRAM: Int, coldBelowDRAM: Int) -> Int {
        guard wallNanoseconds > 0 else { return keepInDRAM }
        let pressure = Double(pageInNanoseconds) / Double(wallNanoseconds)
        lastPressure = pressure
        let cold = coldInDRAM + coldBelowDRAM
        if pressure > budget {
            // Page-ins ∝ offloaded pages: offloading `below × aim / pressure` would meet the aim.
            let offload = Double(coldBelowDRAM) * max(0.5, aim / pressure)
            keepInDRAM = max(keepInDRAM, cold - Int(offload.rounded(.down)))
        } else if pressure < budget / 2 {
            // From what is in DRAM now: a keep the DRAM cap did not let the daemon reach comes down at once.
            keepInDRAM = max(0, min(keepInDRAM, coldInDRAM) - max(1, Int(Double(cold) * step)))
        }
        keepInDRAM = min(keepInDRAM, cold)
        return keepInDRAM
    }
}
