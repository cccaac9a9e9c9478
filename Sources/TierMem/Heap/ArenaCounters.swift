import Glibc

/// The arena's running totals and its log of events for the daemon, behind one mutex (each update
/// is a few instructions; the fault path takes it once or twice per fault).
final class ArenaCounters: @unchecked Sendable {
    struct Values: Sendable {
        var dramPages = 0
        /// Of those, pages holding cold-hinted allocations (kept exact at every move, so that a
        /// daemon's page-in budget counts what the policy's own demotions took too).
        var coldDRAMPages = 0
        var missingFaults = 0
        var minorFaults = 0
        /// First touches of never-used pages (a zero page placed), not promotions.
        var firstTouches = 0
        var demandPromotions = 0
        var aheadPromotions = 0
        var demotionsToPMEM = 0
        var demotionsToCompressed = 0
        var demotionsToZero = 0
        var zstdPages = 0
        var incompressibleToPMEM = 0
        var directReclaims = 0
        /// Page-ins that found DRAM full and no victim (every lower tier full, or every page
        /// busy for many tries), and went over the limit by one page rather than lose data
        /// (should stay 0; see docs/live-heap.md).
        var dramOverdrafts = 0
        var sampled = 0
        /// `madvise` calls that armed them: adjacent pages share one (and one TLB shootdown).
        var sampleZaps = 0
        /// Pages brought in ahead of a sequential reader (counted in `aheadPromotions` too).
        var readAheadPages = 0
        /// Nanoseconds spent resolving faults that brought a page back from a lower tier (not
        /// first touches), summed over faults: the application's wait for offloaded memory, which
        /// the daemon's page-in budget steers by. Measured on the thread that resolves the fault,
        /// so with a handler thread the faulting thread's wake-up is not included.
        var pageInNanoseconds = 0
        /// Compressed pages moved to a lower pool chunk so that sparse chunks empty.
        var poolRelocations = 0
        var eventsDropped = 0
    }

    static let eventLogLimit = 1 << 20

    private var values = Values()
    private var eventLog: [LiveArena.Event] = []
    private var clockHand = 0
    private let lock = PosixMutex()

    func add(_ field: WritableKeyPath<Values, Int>, _ amount: Int = 1) {
        lock.lock()
        values[keyPath: field] += amount
        lock.unlock()
    }

    var snapshot: Values {
        lock.lock()
        defer { lock.unlock() }
        return values
    }

    /// The DRAM limit in pages (it can change at run time: `LiveArena.setDRAMCapacity`).
    private var dramLimit = 0

    var dramCapacity: Int {
        get {
            lock.lock()
            defer { lock.unlock() }
            return dramLimit
        }
        set {
            lock.lock()
            dramLimit = newValue
            lock.unlock()
        }
    }

    /// DRAM frames not in use (negative after an overdraft).
    var freeDRAMPages: Int {
        lock.lock()
        defer { lock.unlock() }
        return dramLimit - values.dramPages
    }

    /// Takes one DRAM frame if fewer than the limit are in use.
    func tryReserveDRAM() -> Bool {
        lock.lock()
        defer { lock.unlock() }
        guard values.dramPages < dramLimit else { return false }
        values.dramPages += 1
        return true
    }

    /// The next page the reclaim clock looks at.
    func advanceClockHand(pageCount: Int) -> Int {
        lock.lock()
        defer { lock.unlock() }
        clockHand = clockHand + 1 == pageCount ? 0 : clockHand + 1
        return clockHand
    }

    func record(_ event: LiveArena.Event) {
        lock.lock()
        if eventLog.count < Self.eventLogLimit { eventLog.append(event) } else { values.eventsDropped += 1 }
        lock.unlock()
    }

    func drainEvents() -> [LiveArena.Event] {
        lock.lock()
        defer { lock.unlock() }
        let drained = eventLog
        eventLog.removeAll(keepingCapacity: true)
        return drained
    }
}
