import CTierLinux
import CoreMetrics
import Foundation
import Glibc
import TierMemCore
import TierMemModel
import TierMemTrace

/// How the tiering daemon runs.
public struct DaemonConfiguration: Sendable {
    /// One epoch: drain the arena's events into the controller, let background reclaim and the
    /// policy act, arm the next sample. Nanoseconds.
    public var epochNanoseconds: UInt64 = 10_000_000
    /// At most this share of one core at steady state: an epoch that used more CPU is followed by
    /// a longer sleep (the budget bends only while demotions are owed to keep DRAM free).
    public var cpuBudget = 0.03
    /// How many of the policy's next demotion candidates are armed for sampling each epoch
    /// (their mapping zapped, so that a touch is seen before they are demoted: CLOCK's second
    /// chance, spent where the policy learns the most). nil: the high watermark's worth of
    /// pages, at least 64. Pages already armed cost nothing.
    public var samplePagesPerEpoch: Int?
    /// Background demotion bandwidth, MB/s (0: unlimited).
    public var migrationRateLimitMBps = 0.0
    /// The page-in budget (TMO-style): the most *page-in pressure* — time the application spends
    /// waiting for pages to come back from lower tiers, as a share of wall time — that offloading
    /// cold-hinted data may cost. Over it, the daemon keeps some cold data in DRAM (bringing it
    /// back ahead of demand into free DRAM) until the pressure is back under; under it, it offloads
    /// cold data again, gradually. nil: cold-hinted data is offloaded whatever it costs.
    /// `PageInBudget` describes the control law.
    public var pageInBudget: Double? = 0.02
    /// How often the page-in pressure is measured and the budget's decision revised. Nanoseconds.
    public var pageInIntervalNanoseconds: UInt64 = 250_000_000
    /// The predictive policy only: follow a periodic sweep over the heap (a backup or expiry
    /// pass reading the next stretch in address order every so often) and bring its next
    /// stretch into DRAM before it comes (`SweepPredictor`). A reactive policy leaves the pass
    /// to fault its way through.
    public var prefetchSweeps = true
    /// The controller's settings. The defaults keep more headroom than a replay's (watermarks at
    /// 1%, 2%, 4% of DRAM): the daemon acts every epoch, not on every access, so a burst of
    /// page-ins must find free frames already there.
    public var controller: ControllerConfig
    /// Policy options (`name=value`), as `tiermem replay --policy-option` takes them.
    public var policyOptions = PolicyOptions()
    /// A trained model to warm-start the predictive policy's forecaster.
    public var model: ModelFile?
    /// Where the heap's counters and gauges go (`HeapMetrics`); nil: swift-metrics' bootstrapped
    /// factory (`MetricsSystem.factory`). `metricsHeapName` is their `heap` dimension.
    public var metricsFactory: MetricsFactory?
    public var metricsHeapName = "default"
    /// Records the sampled live access stream as a `.tmt` trace here (touches as page reads at
    /// arena-relative addresses, frees as frees, nanosecond clock), so production behaviour can
    /// be replayed and tuned offline. Written under a temporary name, complete when the daemon stops.
    public var recordPath: String?

    public init() {
        var controller = ControllerConfig()
        controller.minWatermark = 0.01
        controller.lowWatermark = 0.02
        controller.highWatermark = 0.04
        controller.epochAccesses = 256
        controller.compressionRatio = 1  // the arena counts compressed pages logically
        controller.compressibleFraction = 1  // the arena decides per page, by really compressing
        controller.reclaimThreads = 0.5
        self.controller = controller
    }
}

/// What the daemon has done.
public struct DaemonStats: Sendable, CustomStringConvertible {
    public var policy: String
    public var epochs: Int
    public var eventsFed: Int
    public var pagesSampled: Int
    /// Cold-hinted pages the cold sweep demoted (left untouched for a round of the sweep).
    public var coldDemotions = 0
    /// Cold-hinted pages brought back ahead of demand because the page-in budget was exceeded.
    public var coldPromotions = 0
    /// Cold-hinted pages the page-in budget keeps in DRAM now (0: all offloaded, as hinted).
    public var coldKeptInDRAM = 0
    /// Pages brought in ahead of a predicted sweep pass, and the passes that came as predicted
    /// and that did not (predictive policy with `prefetchSweeps`).
    public var sweepPrefetches = 0
    public var sweepPassesConfirmed = 0
    public var sweepPassesMissed = 0
    /// The page-in pressure of the last interval (a share of wall time; nil: no budget, or not
    /// measured yet).
    public var pageInPressure: Double?
    /// The controller's counters (its view: page-ins, demotions it planned and the executor did).
    public var counters: EngineCounters
    /// The daemon thread's CPU time and wall time since it started (time paused not counted).
    public var cpuNanoseconds: UInt64
    public var wallNanoseconds: UInt64
    /// The latest forecast of page-ins per window (predictive policy only).
    public var forecast: Double?
    public var psiSomeAvg10: Double?
    /// Events written to the recording, and why recording stopped early (nil: it did not).
    public var recordedEvents: UInt64 = 0
    public var recordingError: String?

    /// CPU time as a share of one core.
    public var cpuShare: Double { wallNanoseconds == 0 ? 0 : Double(cpuNanoseconds) / Double(wallNanoseconds) }

    public var description: String {
        var text = "daemon (\(policy)): \(epochs) epochs, \(eventsFed) events, \(pagesSampled) pages sampled, "
            + "\(counters.backgroundDemotions) background demotions, \(coldDemotions) cold-sweep demotions, CPU \(String(format: "%.2f", cpuShare * 100))% of a core"
        if let pageInPressure {
            text += String(format: ", page-in pressure %.2f%%, %d cold pages kept in DRAM (%d brought back)",
                           pageInPressure * 100, coldKeptInDRAM, coldPromotions)
        }
        if sweepPrefetches > 0 || sweepPassesMissed > 0 {
            text += ", \(sweepPrefetches) pages brought in ahead of a sweep (\(sweepPassesConfirmed) passes as predicted, \(sweepPassesMissed) missed)"
        }
        if let forecast { text += String(format: ", forecast %.1f page-ins/window", forecast) }
        if let psiSomeAvg10 { text += String(format: ", PSI some avg10 %.2f", psiSomeAvg10) }
        if recordedEvents > 0 { text += ", \(recordedEvents) events recorded" }
        if let recordingError { text += "; recording stopped: \(recordingError)" }
        return text
    }
}

/// Something that runs a daemon of some policy type (the type is chosen at run time).
protocol DaemonHandle: AnyObject, Sendable {
    func stop()
    func pause()
    func resume()
    var stats: DaemonStats { get }
    /// The daemon thread's body.
    func runLoop()
}

/// The tiering daemon: every epoch it feeds the arena's events (sampled touches, page-ins,
/// the arena's own reclaims, frees) to the same `Controller` and policy that `tiermem replay`
/// runs, with `LiveExecutor` moving the bytes; reads PSI for the forecaster; and arms the next
/// access sample. One thread; all its state is touched only on that thread, and `stats` is a
/// snapshot taken under a lock.
final class TieringDaemon<Policy: PlacementPolicy>: DaemonHandle, @unchecked Sendable {
    private let arena: LiveArena
    private let configuration: DaemonConfiguration
    private let numbers = PageNumbers()
    private var controller: Controller<Policy, LiveExecutor>
    private let psi = PressureStallReader()
    private let finished = DispatchSemaphore(value: 0)
    /// Guards `snapshot`.
    private let lock = NSLock()
    /// Requests from other threads (stop, pause, resume), which the daemon takes up between
    /// epochs, and its answer to a pause.
    private let control = NSCondition()
    private var stopRequested = false
    private var pauseRequested = false
    private var isPaused = false
    /// Time spent paused: the daemon's clock (`now()`) leaves it out, so that to the daemon a
    /// pause is as if no time had passed (its page-in budget's intervals, its forecaster's
    /// windows, its CPU share).
    private var pausedNanoseconds: UInt64 = 0
    /// Page-in time (ns) the arena spent during pauses not yet taken out of the page-in budget's
    /// interval: a heap still in use while its daemon is paused pages in on a clock the daemon
    /// leaves out.
    private var pageInWhilePaused: UInt64 = 0
    private var snapshot: DaemonStats
    private var position: UInt64 = 0
    private let samplePages: Int
    private let highWatermarkPages: Int
    private let metrics: HeapMetrics
    private var recorder: TMTWriter?
    private var recordingError: String?
    private var started: UInt64 = 0
    /// The page-in budget's controller, and the cold pages it brought back.
    private var pageInBudget: PageInBudget?
    private var coldPromoted = 0
    /// Free DRAM pages the daemon keeps (`updateHeadroom`).
    private var headroom = 0
    /// When the page-in budget's current interval began, and the arena's page-in time then.
    private var budgetInterval: (start: UInt64, pageIn: UInt64) = (0, 0)
    /// Follows a periodic sweep (predictive policy only), and the pages brought in ahead of it.
    private var sweepPredictor: SweepPredictor?
    private var sweepPrefetched = 0

    init(arena: LiveArena, policy: Policy, configuration: DaemonConfiguration) throws {
        self.arena = arena
        self.configuration = configuration
        let stats = arena.stats()
        let layout = TierLayout(
            pageSize: arena.pageSize, dramPages: arena.dramCapacityPages, pmemPages: stats.pmemCapacityPages,
            compressedBytes: UInt64(stats.compressedCapacityPages * arena.pageSize), codec: arena.defaultCodec, pmemAccess: .paged)
        let executor = LiveExecutor(arena: arena, numbers: numbers, codec: arena.defaultCodec)
        if let problem = configuration.controller.problem() { throw LiveArenaError.configuration("daemon controller: \(problem)") }
        controller = Controller(layout: layout, policy: policy, executor: executor, config: configuration.controller,
                                expectedPages: min(arena.pageCount, 1 << 16), pageRange: 0...UInt64(max(arena.pageCount - 1, 0)))
        highWatermarkPages = Int(Double(arena.dramCapacityPages) * configuration.controller.highWatermark)
        metrics = HeapMetrics(heapName: configuration.metricsHeapName, factory: configuration.metricsFactory ?? MetricsSystem.factory)
        if let path = configuration.recordPath {
            let header = TraceHeader(pageSize: UInt32(arena.pageSize), clock: .nanoseconds, producer: "tiermem live recorder (sampled accesses)")
            do { recorder = try TMTWriter(path: path, header: header) } catch {
                throw LiveArenaError.configuration("cannot record to '\(path)': \(error)")
            }
        }
        samplePages = configuration.samplePagesPerEpoch ?? max(64, highWatermarkPages)
        if let budget = configuration.pageInBudget {
            guard budget > 0 && budget < 1 else {
                throw LiveArenaError.configuration("daemon pageInBudget: \(budget) is not a share of wall time between 0 and 1 (0.02 is 2%)")
            }
            guard configuration.pageInIntervalNanoseconds > 0 else {
                throw LiveArenaError.configuration("daemon pageInIntervalNanoseconds: must be more than 0")
            }
            pageInBudget = PageInBudget(budget: budget)
        }
        if configuration.prefetchSweeps && Policy.self == PredictivePolicy.self {
            sweepPredictor = SweepPredictor(epochNanoseconds: configuration.epochNanoseconds)
        }
        snapshot = DaemonStats(policy: Policy.name, epochs: 0, eventsFed: 0, pagesSampled: 0, counters: EngineCounters(),
                               cpuNanoseconds: 0, wallNanoseconds: 0, forecast: nil, psiSomeAvg10: nil)
        // Through the non-generic `DaemonHandle`, so the thread's closure captures no metatype.
        let handle: DaemonHandle = self
        try RuntimeThread.start(name: "tiermem-daemon") { [unowned handle] in handle.runLoop() }
    }

    func stop() {
        control.withLock {
            stopRequested = true
            control.broadcast()
        }
        finished.wait()
        finished.signal()  // a second stop() returns at once
    }

    /// Returns once the daemon has finished its current epoch and stopped working (at once if
    /// it has stopped, or if another thread resumed it meanwhile): until `resume()`, it moves no
    /// page and its clock stands still. Pauses do not nest: one `resume()` ends them all.
    func pause() {
        control.withLock {
            pauseRequested = true
            control.broadcast()
            while pauseRequested && !isPaused && !stopRequested { control.wait() }
        }
    }

    func resume() {
        control.withLock {
            pauseRequested = false
            control.broadcast()
        }
    }

    /// The daemon's clock: monotonic time less the time spent paused.
    private func now() -> UInt64 { monotonicNanoseconds() - pausedNanoseconds }

    /// Between epochs: false once a stop is requested; while a pause is requested, waits (with
    /// the time left out of the daemon's clock, and the page-ins of the pause noted in
    /// `pageInWhilePaused`).
    private func mayContinue() -> Bool {
        control.withLock {
            if pauseRequested && !stopRequested {
                isPaused = true
                control.broadcast()
                let began = monotonicNanoseconds()
                let pageInBefore = arena.stats().pageInNanoseconds
                while pauseRequested && !stopRequested { control.wait() }
                isPaused = false
                pausedNanoseconds += monotonicNanoseconds() - began
                pageInWhilePaused += UInt64(arena.stats().pageInNanoseconds - pageInBefore)
            }
            return !stopRequested
        }
    }

    /// Sleeps out the rest of an epoch, waking early for a stop or a pause. The deadline is on
    /// the monotonic clock; the condition's timed wait takes wall-clock dates, so it waits in
    /// short steps that a step of the wall clock cannot stretch.
    private func rest(nanoseconds: UInt64) {
        let deadline = monotonicNanoseconds() + nanoseconds
        control.withLock {
            while !stopRequested && !pauseRequested {
                let now = monotonicNanoseconds()
                guard now < deadline else { return }
                _ = control.wait(until: Date(timeIntervalSinceNow: Double(min(deadline - now, 10_000_000)) / 1e9))
            }
        }
    }

    var stats: DaemonStats { lock.withLock { snapshot } }

    func runLoop() {
        started = now()
        let cpuStarted = threadCPUNanoseconds()
        var epochs = 0, fed = 0, sampled = 0, coldDemoted = 0
        var pressure: Double?
        let psiEveryEpochs = max(1, Int(1_000_000_000 / configuration.epochNanoseconds))
        let bytesPerEpoch = configuration.migrationRateLimitMBps > 0
            ? Int(configuration.migrationRateLimitMBps * 1e6 * Double(configuration.epochNanoseconds) / 1e9) : Int.max
        budgetInterval = (started, UInt64(arena.stats().pageInNanoseconds))
        while mayContinue() {
            let epochStart = now()
            // The page-in budget's interval leaves out the pauses' page-ins, as its wall time
            // leaves out the pauses.
            budgetInterval.pageIn += pageInWhilePaused
            pageInWhilePaused = 0
            let cpuStart = threadCPUNanoseconds()
            controller.executor.backgroundBytesLeft = bytesPerEpoch
            let demotionsBefore = controller.counters.backgroundDemotions
            // Short of headroom, cold-hinted pages leave DRAM first, before the policy's
            // victims: they were allocated as cold (the arena's direct reclaim does the same).
            // This comes before the epoch's events are fed, because feeding them runs the
            // policy's epochs, which would otherwise see the page-ins' shortage and pick victims
            // of their own among the pages the application is using.
            let free = arena.freeDRAMPages
            let headroom = updateHeadroom()
            if free < headroom {
                let demoted = observe(arena.demoteColdPages(count: headroom - free, sparing: sweepPredictor?.expectedStretch,
                                                            target: .compressed(arena.defaultCodec)))
                coldDemoted += demoted
            }
            let events = arena.drainEvents()
            fed += events.count
            feed(events, now: epochStart)
            let prefetched = followSweep(events, headroom: headroom, now: epochStart)
            // PSI's avg10 is a ten-second average: reading it every second is plenty.
            if epochs % psiEveryEpochs == 0 { pressure = psi.someAvg10() }
            if let pressure { controller.observePressureStall(someAvg10: pressure) }
            try? controller.tick(now: now())
            // Sampling serves reclaim of the policy's victims: while DRAM has ample free room, or
            // while the page-in budget keeps cold-hinted pages in DRAM (reclaim takes those
            // first), nothing the policy picks is about to be demoted and the samples would
            // teach nothing but cost a TLB shootdown each.
            var arenaStats = arena.stats()
            if arena.dramCapacityPages - arenaStats.dramPages < 2 * highWatermarkPages && (pageInBudget == nil || arena.coldDRAMPages == 0) {
                sampled += armSample()
            }
            let (promotedForBudget, swept) = steerColdData(headroom: headroom, stats: arenaStats, now: epochStart)
            coldDemoted += swept
            // Pages leaving the compressed pool free their slots at random; below 80% occupancy the
            // pool is compacted a little each epoch, so its emptied chunks go back to the system.
            let compacted = arena.compressedPoolOccupancy < Self.poolOccupancyFloor ? arena.compactCompressedPool(scan: Self.compactionScan) : 0
            if promotedForBudget + swept + compacted + prefetched > 0 { arenaStats = arena.stats() }
            epochs += 1

            let cpuUsed = threadCPUNanoseconds() - cpuStart
            let forecast = (controller.policy as? PredictivePolicy)?.lastForecast
            let current = DaemonStats(
                policy: Policy.name, epochs: epochs, eventsFed: fed, pagesSampled: sampled, coldDemotions: coldDemoted,
                coldPromotions: coldPromoted, coldKeptInDRAM: pageInBudget?.keepInDRAM ?? 0,
                sweepPrefetches: sweepPrefetched, sweepPassesConfirmed: sweepPredictor?.passesConfirmed ?? 0,
                sweepPassesMissed: sweepPredictor?.passesMissed ?? 0, pageInPressure: pageInBudget?.lastPressure, counters: controller.counters,
                cpuNanoseconds: threadCPUNanoseconds() - cpuStarted, wallNanoseconds: now() - started,
                forecast: forecast, psiSomeAvg10: pressure,
                recordedEvents: recorder?.recordsWritten ?? 0, recordingError: recordingError)
            metrics.update(arenaStats, daemon: current)
            lock.withLock { snapshot = current }
            // Sleep out the epoch, longer if this epoch's CPU would exceed the budget — unless
            // DRAM is short of its headroom: demoting then is work owed to the application's
            // page-ins. At most ten epochs' sleep, so one heavy epoch cannot blind the daemon.
            // Pages brought back for the page-in budget are owed to the application too.
            let demoted = controller.counters.backgroundDemotions != demotionsBefore
            let freePages = arena.dramCapacityPages - arenaStats.dramPages
            let underPressure = demoted || freePages < highWatermarkPages || promotedForBudget + prefetched > 0
            let budgeted = min(UInt64(Double(cpuUsed) / max(configuration.cpuBudget, 1e-6)), 10 * configuration.epochNanoseconds)
            var period = underPressure ? configuration.epochNanoseconds : max(configuration.epochNanoseconds, budgeted)
            // A sweep's next stretch is brought in on time, whatever the CPU budget says.
            if let prefetchTime = sweepPredictor?.nextPrefetchTime {
                period = min(period, max(configuration.epochNanoseconds, prefetchTime > epochStart ? prefetchTime - epochStart : 0))
            }
            let elapsed = now() - epochStart
            if elapsed < period { rest(nanoseconds: period - elapsed) }
        }
        // The last events, then the trace's final chunk.
        feed(arena.drainEvents(), now: now())
        do { try recorder?.finish() } catch { recordingError = "\(error)" }
        let written = recorder?.recordsWritten ?? 0
        lock.withLock {
            snapshot.recordedEvents = written
            snapshot.recordingError = recordingError
        }
        finished.signal()
    }

    /// Hands the arena's events to the controller: touches as accesses, the arena's own
    /// reclaims as observed demotions, discards as frees.
    private func feed(_ events: [LiveArena.Event], now: UInt64) {
        record(events, now: now)
        for event in events {
            switch event.kind {
            case .touched:
                let known = controller.table.count
                _ = try? controller.access(page: UInt64(event.page), isWrite: false, now: now, position: position)
                if controller.table.count > known { numbers.append(event.page) }
                position += 1
            case .reclaimed(let location):
                controller.observedDemotion(page: UInt64(event.page), to: location == .pmem ? TierLayout.pmem : TierLayout.compressed)
            case .discarded:
                controller.free(page: UInt64(event.page))
            case .promotedAhead:
                controller.observedPromotion(page: UInt64(event.page), now: now)
            }
        }
    }

    /// Appends the touches and frees to the recording; a write error stops the recording (and
    /// is reported in the stats), never the daemon.
    private func record(_ events: [LiveArena.Event], now: UInt64) {
        guard let recorder, recordingError == nil else { return }
        let time = now - started
        let size = UInt32(arena.pageSize)
        do {
            for event in events {
                let address = UInt64(event.page * arena.pageSize)
                switch event.kind {
                case .touched: try recorder.write(TraceEvent(time: time, operation: .read, address: address, size: size))
                case .discarded: try recorder.write(TraceEvent(time: time, operation: .free, address: address, size: size))
                case .reclaimed, .promotedAhead: break
                }
            }
        } catch {
            recordingError = "\(error)"
        }
    }

    /// Cold-hinted pages leave DRAM once they go one epoch untouched (the allocator's `.cold`
    /// hint: such objects are written once and rarely read), at most `limit` of them (what the
    /// page-in budget lets go). The controller hears of each. Returns how many pages it demoted.
    private func demoteColdPages(limit: Int) -> Int {
        // Cold-hinted pages only (an index skips the rest): the sweep goes round them in at most
        // 32 epochs, so a cold page left untouched that long leaves DRAM.
        let scan = max(256, arena.pageCount / 32)
        let demoted = observe(arena.demoteUntouchedColdPages(scan: scan, limit: limit, sparing: sweepPredictor?.expectedStretch,
                                                             target: .compressed(arena.defaultCodec)))
        return demoted
    }

    /// The predictive daemon's sweep prefetch: the epoch's page-ins and sampled touches teach the
    /// predictor; when a pass is due, the stretch it will read comes into DRAM, room made by
    /// sending out what the last pass read (never the headroom), and its sentinels are armed.
    /// The controller hears of each move. Returns the pages brought in.
    private func followSweep(_ events: [LiveArena.Event], headroom: Int, now: UInt64) -> Int {
        guard sweepPredictor != nil else { return 0 }
        let pages = events.compactMap { event -> Int? in
            switch event.kind {
            case .touched, .promotedAhead: return event.page
            case .reclaimed, .discarded: return nil
            }
        }
        sweepPredictor!.observe(pages, now: now)
        guard let prefetch = sweepPredictor!.due(now: now), prefetch.ahead.lowerBound < arena.pageCount else { return 0 }
        let moved = arena.promote(stretch: prefetch.ahead, keepFree: headroom, makingRoomFrom: prefetch.behind,
                                  target: .compressed(arena.defaultCodec))
        _ = observe(moved.demoted)
        for page in moved.promoted { controller.observedPromotion(page: UInt64(page), now: now) }
        sweepPrefetched += moved.promoted.count
        let stretch = prefetch.ahead.lowerBound...min(prefetch.ahead.upperBound, arena.pageCount - 1)
        _ = try? arena.sample(pages: SweepPredictor.sentinels(in: stretch))
        return moved.promoted.count
    }

    /// Brings cold-hinted pages back ahead of demand for the page-in budget, into free DRAM only,
    /// leaving `keepFree` pages free: the headroom and a high watermark more, so that the pages
    /// brought back are not the next ones the headroom sends out. The controller hears of each.
    /// Returns how many.
    private func promoteColdPages(count: Int, keepFree: Int, now: UInt64) -> Int {
        let promoted = arena.promoteColdPages(count: min(count, PageInBudget.promotionsPerEpoch), keepFree: keepFree)
        for page in promoted { controller.observedPromotion(page: UInt64(page), now: now) }
        coldPromoted += promoted.count
        return promoted.count
    }

    /// Below this share of its chunks in use the compressed pool is compacted, looking at this
    /// many pages an epoch (a page's lock and a look at its slot each: about 0.2 ms).
    private static var poolOccupancyFloor: Double { 0.8 }
    private static var compactionScan: Int { 4096 }

    /// The cold sweep and the page-in budget: at the end of each budget interval the budget
    /// revises how many cold pages to keep in DRAM from the interval's page-in pressure; then the
    /// sweep offloads the cold pages beyond that (all of them while it keeps none), and pages it
    /// keeps and does not have are brought back. Returns the pages promoted and demoted.
    private func steerColdData(headroom: Int, stats: LiveArenaStats, now: UInt64) -> (promoted: Int, demoted: Int) {
        if pageInBudget != nil, now - budgetInterval.start >= configuration.pageInIntervalNanoseconds {
            let census = arena.coldPageCensus()
            _ = pageInBudget?.update(pageInNanoseconds: UInt64(stats.pageInNanoseconds) - budgetInterval.pageIn,
                                     wallNanoseconds: now - budgetInterval.start,
                                     coldInDRAM: census.inDRAM, coldBelowDRAM: census.belowDRAM)
            budgetInterval = (now, UInt64(stats.pageInNanoseconds))
        }
        let keep = pageInBudget?.keepInDRAM ?? 0
        let coldInDRAM = arena.coldDRAMPages
        if coldInDRAM < keep {
            return (promoteColdPages(count: keep - coldInDRAM, keepFree: headroom + highWatermarkPages, now: now), 0)
        }
        return (0, keep == 0 ? demoteColdPages(limit: .max) : demoteColdPages(limit: coldInDRAM - keep))
    }

    /// The free DRAM the daemon keeps: the high watermark's worth, or what the predictive policy
    /// wants free for its forecast page-ins, if more (freed from cold-hinted data first, so that
    /// reclaiming ahead does not send out pages the application is using). The policy's wish
    /// follows each window's forecast; the headroom takes its rises at once and lets it fall by
    /// 1% an epoch, so that the page-in budget does not bring back pages after every dip only to
    /// send them out at the next rise.
    private func updateHeadroom() -> Int {
        let wanted = (controller.policy as? PredictivePolicy)?.freePagesWanted ?? 0
        headroom = max(highWatermarkPages, wanted, Int(Double(headroom) * 0.99))
        return headroom
    }

    /// Tells the controller about pages the arena demoted for the daemon; returns how many.
    private func observe(_ demoted: [(page: Int, location: LiveArena.Location)]) -> Int {
        for (page, location) in demoted {
            controller.observedDemotion(page: UInt64(page), to: location == .pmem ? TierLayout.pmem : TierLayout.compressed)
        }
        return demoted.count
    }

    /// Arms sampling on the policy's next demotion candidates: a touched one reaches the
    /// controller as a hit (and moves away from the tail) before reclaim gets to it.
    private func armSample() -> Int {
        let pages = controller.policy.demotionCandidates(limit: samplePages).map { numbers[$0] }
        return (try? arena.sample(pages: pages)) ?? 0
    }
}
