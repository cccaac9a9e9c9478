/// Predicts a periodic sweep: a pass that every so often reads the next stretch of the heap in
/// address order, continuing where the last pass stopped, as a backup, an expiry pass or a
/// compaction does. A reactive policy pays a page-in for every page such a pass finds below
/// DRAM (readahead only shortens the run of faults); the next stretch and its time follow from
/// the last passes, so the daemon can bring the stretch in before the pass arrives.
///
/// It learns from the page-ins. A pass that finds pages below DRAM shows as a burst of page-ins
/// packed into a stretch of addresses. Two bursts, the second beginning where the first ended,
/// make a sweep: its period is the time between their starts, its stride the second's span. Once a
/// stretch is brought in ahead, the pass no longer faults there, so the daemon arms a few
/// sentinel pages of it (`sentinels`): their touches confirm the pass, say when it came and how
/// far it read. A pass not confirmed by half a period after it was due ends the prediction (the
/// sweep stopped or moved), and bursts are watched again: one that carries on from the last
/// pass one to three periods later resumes the sweep at its period.
///
/// Times are the daemon's clock, ns; pages are arena page numbers. Not thread-safe: the daemon
/// thread owns it.
struct SweepPredictor {
    /// A pass: when it began and the pages it read (as far as page-ins and sentinels show).
    struct Pass: Equatable {
        var start: UInt64
        var pages: ClosedRange<Int>
    }

    /// What to do now: bring `ahead` into DRAM, making room by sending out what the last pass
    /// read (`behind`), which the sweep will not read again until it comes round.
    struct Prefetch: Equatable {
        var ahead: ClosedRange<Int>
        var behind: ClosedRange<Int>
    }

    /// A sweep being followed: its period (ns), its last pass, whether the next stretch has been
    /// brought in, and whether it was resumed at a lost sweep's period and not yet confirmed.
    private struct Sweep {
        var period: UInt64
        var last: Pass
        var nextStart: UInt64
        var ahead: ClosedRange<Int>?
        var resumed = false
    }

    /// Page-ins closer than this many pages belong to one stretch: a pass faults only on the
    /// pages below DRAM, and runs of pages still in DRAM leave gaps between its page-ins.
    static let clusterGap = 48
    /// A burst: at least this many page-ins in one stretch within an epoch. The demo's random
    /// reads of cold data fault a few pages an epoch, spread over the whole heap.
    static let minimumBurst = 32
    /// Touches of the stretch brought in (its sentinels' minor faults, page-ins of the pages that
    /// could not be brought in) in one epoch that confirm a pass: random reads of cold data land
    /// in a stretch far less often than that.
    static let confirmingTouches = 4
    /// Every this many pages of a stretch brought in ahead, one is a sentinel.
    static let sentinelSpacing = 16

    private let epochNanoseconds: UInt64
    /// The burst being watched: it goes on while page-ins continue it within `quietEpochs`.
    private var burst: Pass?
    private var burstLastSeen: UInt64 = 0
    private static let quietEpochs: UInt64 = 3
    /// The last burst, once over (a sweep needs two), or the last pass of a sweep lost track of.
    private var previousBurst: Pass?
    /// The period of the sweep lost track of: a pass missed (it read pages already in DRAM, say)
    /// need not mean the sweep stopped, and one burst that carries on from it, one to three
    /// periods later, resumes it at that period.
    private var lostPeriod: UInt64?
    private var sweep: Sweep?
    private(set) var passesConfirmed = 0
    private(set) var passesMissed = 0

    init(epochNanoseconds: UInt64) { self.epochNanoseconds = epochNanoseconds }

    /// The stretch brought in for a pass not yet confirmed: the daemon's cold sweep leaves it
    /// alone (arming its pages would make the pass fault on them).
    var expectedStretch: ClosedRange<Int>? { sweep?.ahead }

    /// Whether a sweep is being followed.
    var isFollowingSweep: Bool { sweep != nil }

    /// The epoch's page-ins and sampled touches, at `now`.
    mutating func observe(_ pages: [Int], now: UInt64) {
        if sweep != nil {
            follow(pages, now: now)
        } else {
            watchForBursts(pages, now: now)
        }
    }

    /// When the next stretch is to be brought in (nil: no sweep followed, or already brought
    /// in): a lead ahead of the pass's time (a quarter of the period, at least three epochs), so
    /// that the pages are in DRAM when it comes. The daemon wakes by then.
    var nextPrefetchTime: UInt64? {
        guard let sweep, sweep.ahead == nil else { return nil }
        let lead = max(3 * epochNanoseconds, sweep.period / 4)
        return sweep.nextStart > lead ? sweep.nextStart - lead : 0
    }

    /// The stretch to bring in now, once per pass, from `nextPrefetchTime` on.
    mutating func due(now: UInt64) -> Prefetch? {
        guard var sweep, let time = nextPrefetchTime, now >= time else { return nil }
        // The stride of the last pass, and an eighth more: page-ins show only the pages that
        // were below DRAM, so the ends seen fall a little inside the pass's true ends.
        let span = sweep.last.pages.count
        let ahead = (sweep.last.pages.upperBound + 1)...(sweep.last.pages.upperBound + span + span / 8)
        sweep.ahead = ahead
        self.sweep = sweep
        return Prefetch(ahead: ahead, behind: sweep.last.pages)
    }

    /// Which pages of a stretch brought in ahead to arm as sentinels: every `sentinelSpacing`-th,
    /// and the last (whose touch shows the pass read the whole stretch). Arming one costs a TLB
    /// shootdown now and a minor fault when the pass reads it.
    static func sentinels(in stretch: ClosedRange<Int>) -> [Int] {
        var chosen = Array(stride(from: stretch.lowerBound, through: stretch.upperBound, by: sentinelSpacing))
        if chosen.last != stretch.upperBound { chosen.append(stretch.upperBound) }
        return chosen
    }

    // MARK: Learning

    /// No sweep yet: the largest stretch of this epoch's page-ins either continues the burst
    /// being watched or starts a new one; a burst over, it may pair with the one before.
    private mutating func watchForBursts(_ pages: [Int], now: UInt64) {
        if let cluster = Self.largestCluster(pages), cluster.count >= Self.minimumBurst {
            let stretch = cluster.first!...cluster.last!
            if var current = burst, now - burstLastSeen <= Self.quietEpochs * epochNanoseconds,
               stretch.lowerBound + Self.clusterGap >= current.pages.lowerBound,
               stretch.lowerBound <= current.pages.upperBound + Self.clusterGap {
                current.pages = min(current.pages.lowerBound, stretch.lowerBound)...max(current.pages.upperBound, stretch.upperBound)
                burst = current
            } else {
                endBurst()
                burst = Pass(start: now, pages: stretch)
            }
            burstLastSeen = now
        } else if burst != nil, now - burstLastSeen > Self.quietEpochs * epochNanoseconds {
            endBurst()
        }
    }

    /// The burst is over: with the one before it, does it make a sweep?
    private mutating func endBurst() {
        guard let ended = burst else { return }
        burst = nil
        let lost = lostPeriod
        // A lost sweep's period goes with its last pass: it is not kept for a burst after another.
        lostPeriod = nil
        defer { previousBurst = ended }
        guard let previous = previousBurst, ended.start > previous.start,
              Self.continues(ended.pages, after: previous.pages) else { return }
        var period = ended.start - previous.start
        // Resuming a sweep lost track of, one to three periods later: its period holds.
        var resumed = false
        if let lost, lost > 0 {
            let periods = (period + lost / 2) / lost
            if (1...3).contains(periods), period + lost / 4 >= periods * lost, period <= periods * lost + lost / 4 {
                period = lost
                resumed = true
            }
        }
        sweep = Sweep(period: period, last: ended, nextStart: ended.start + period, ahead: nil, resumed: resumed)
        previousBurst = nil
    }

    /// Whether `next` begins about where `last` ended: within a quarter of `last`'s span (the
    /// ends seen are approximate), and at least a cluster's gap.
    static func continues(_ next: ClosedRange<Int>, after last: ClosedRange<Int>) -> Bool {
        let tolerance = max(4 * clusterGap, last.count / 4)
        return abs(next.lowerBound - (last.upperBound + 1)) <= tolerance
    }

    // MARK: Following

    private mutating func follow(_ pages: [Int], now: UInt64) {
        guard var sweep else { return }
        // Touches carrying on from the last pass's end, within half a period of its start: it
        // read further than seen so far.
        if now < sweep.last.start + sweep.period / 2 {
            sweep.last.pages = sweep.last.pages.lowerBound...Self.furthest(from: sweep.last.pages.upperBound, through: pages)
        }
        // The next stretch: the pass confirms itself by touching it (sentinels, or page-ins of
        // what could not be brought in), early or on time.
        let expected = sweep.ahead ?? {
            let upper = sweep.last.pages.upperBound
            return (upper + 1)...(upper + sweep.last.pages.count)
        }()
        let touched = pages.filter { expected.contains($0) }
        let needed = sweep.ahead == nil ? Self.minimumBurst : Self.confirmingTouches
        if touched.count >= needed, now + sweep.period / 2 >= sweep.nextStart {
            // Its time re-measures the period (half old, half new: one epoch's rounding).
            let measured = now - sweep.last.start
            sweep.period = (sweep.period + measured) / 2
            // It read to the furthest touch in the stretch (a random read lands there rarely) and
            // on from there as far as touches carry on.
            sweep.last = Pass(start: now, pages: expected.lowerBound...Self.furthest(from: touched.max()!, through: pages))
            sweep.nextStart = now + sweep.period
            sweep.ahead = nil
            sweep.resumed = false
            passesConfirmed += 1
            self.sweep = sweep
        } else if now > sweep.nextStart + sweep.period / 2 {
            // Not seen when due: the sweep is over, elsewhere, or read without page-ins. A burst
            // that carries on from its last pass resumes it, unless it was just resumed and missed
            // at once (its period no longer holds: learn it afresh).
            self.sweep = nil
            previousBurst = sweep.resumed ? nil : sweep.last
            lostPeriod = sweep.resumed ? nil : sweep.period
            passesMissed += 1
        } else {
            self.sweep = sweep
        }
    }

    /// How far a pass reached from `start`: the last of `touches` reached by steps of at most two
    /// sentinel spacings (a random read further on is not the pass).
    static func furthest(from start: Int, through touches: [Int]) -> Int {
        var end = start
        for page in touches.filter({ $0 > start }).sorted() {
            guard page - end <= 2 * sentinelSpacing else { break }
            end = page
        }
        return end
    }

    /// The largest run of `pages` (any order) whose neighbours are at most `clusterGap` apart,
    /// sorted.
    static func largestCluster(_ pages: [Int]) -> ArraySlice<Int>? {
        guard !pages.isEmpty else { return nil }
        let sorted = pages.sorted()
        var best = sorted[0..<1]
        var start = 0
        for index in 1...sorted.count {
            if index == sorted.count || sorted[index] - sorted[index - 1] > clusterGap {
                if index - start > best.count { best = sorted[start..<index] }
                start = index
            }
        }
        return best
    }
}
