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
        /// Page-ins that found DRAM full and no victim after many tries, and went over the
        /// limit by one page rather than lose data (should stay 0; see docs/live-heap.md).
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
    private var lock = pthread_mutex_t()

    init() { pthread_mutex_init(&lock, nil) }
    deinit { pthread_mutex_destroy(&lock) }

    func add(_ field: WritableKeyPath<Values, Int>, _ amount: Int = 1) {
        pthread_mutex_lock(&lock)
        values[keyPath: field] += amount
        pthread_mutex_unlock(&lock)
    }

    var snapshot: Values {
        pthread_mutex_lock(&lock)
        defer { pthread_mutex_unlock(&lock) }
        return values
    }

    /// The DRAM limit in pages (it can change at run time: `LiveArena.setDRAMCapacity`).
    private var dramLimit = 0

    var dramCapacity: Int {
        get {
            pthread_mutex_lock(&lock)
            defer { pthread_mutex_unlock(&lock) }
            return dramLimit
        }
        set {
            pthread_mutex_lock(&lock)
            dramLimit = newValue
            pthread_mutex_unlock(&lock)
        }
    }

    /// DRAM frames not in use (negative after an overdraft).
    var freeDRAMPages: Int {
        pthread_mutex_lock(&lock)
        defer { pthread_mutex_unlock(&lock) }
        return dramLimit - values.dramPages
    }

    /// Takes one DRAM frame if fewer than the limit are in use.
    func tryReserveDRAM() -> Bool {
        pthread_mutex_lock(&lock)
        defer { pthread_mutex_unlock(&lock) }
        guard values.dramPages < dramLimit else { return false }
        values.dramPages += 1
        return true
    }

    /// The next page the reclaim clock looks at.
    func advanceClockHand(pageCount: Int) -> Int {
        pthread_mutex_lock(&lock)
        defer { pthread_mutex_unlock(&lock) }
        clockHand = clockHand + 1 == pageCount ? 0 : clockHand + 1
        return clockHand
    }

    func record(_ event: LiveArena.Event) {
        pthread_mutex_lock(&lock)
        if eventLog.count < Self.eventLogLimit { eventLog.append(event) } else { values.eventsDropped += 1 }
        pthread_mutex_unlock(&lock)
    }

    func drainEvents() -> [LiveArena.Event] {
        pthread_mutex_lock(&lock)
        defer { pthread_mutex_unlock(&lock) }
        let drained = eventLog
        eventLog.removeAll(keepingCapacity: true)
        return drained
    }
}
