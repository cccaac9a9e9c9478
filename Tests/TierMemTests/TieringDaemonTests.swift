import Foundation
import MetricsTestKit
import Testing
import TierMem
import TierMemTrace
import TierMemCore

@Suite("Tiering daemon: the replay's controller and policy steering the live heap", .serialized)
struct TieringDaemonTests {
    /// Touches pages in bursts with pauses between them (the way a service handles requests),
    /// 64 KiB objects over a heap three times its DRAM, and returns the arena's direct reclaims.
    private func burstyWorkload(daemon: (any PlacementPolicy.Type)?) throws -> (directReclaims: Int, heap: TieredHeap) {
        let heap = try TieredHeap(tiers: "dram:2MiB;compressed:8MiB")
        let objects = (0..<96).map { _ in try! heap.allocate(byteCount: 64 << 10) }  // 6 MiB
        for (index, object) in objects.enumerated() { memset(object, Int32(index & 0x7F) + 1, 64 << 10) }
        if let daemon {
            // Headroom for most of a burst (40% of DRAM), so that reclaiming ahead shows clearly.
            var configuration = DaemonConfiguration()
            configuration.controller.minWatermark = 0.1
            configuration.controller.lowWatermark = 0.2
            configuration.controller.highWatermark = 0.4
            try heap.startDaemon(daemon, configuration: configuration)
        }
        let before = heap.arena.stats().directReclaims
        var random = SystemRandomNumberGenerator()
        for _ in 0..<40 {
            // A burst: a hot third of the objects is read most of the time.
            for _ in 0..<12 {
                let index = Bool.random(using: &random) ? Int.random(in: 0..<32, using: &random) : Int.random(in: 0..<96, using: &random)
                let object = objects[index].assumingMemoryBound(to: UInt8.self)
                for offset in stride(from: 0, to: 64 << 10, by: 4096) where object[offset] != UInt8(index & 0x7F) + 1 {
                    Issue.record("object \(index) lost its bytes at \(offset)")
                }
            }
            usleep(15_000)
        }
        let after = heap.arena.stats().directReclaims
        return (after - before, heap)
    }

    @Test("with the LRU daemon, page-ins find DRAM freed ahead of them: fewer direct reclaims, bytes intact")
    func daemonReclaimsAhead() throws {
        let without = try burstyWorkload(daemon: nil)
        let with = try burstyWorkload(daemon: LRUPolicy.self)
        let stats = try #require(with.heap.daemonStats)
        with.heap.stopDaemon()
        #expect(stats.epochs > 10)
        #expect(stats.eventsFed > 0 && stats.pagesSampled > 0)
        #expect(stats.counters.backgroundDemotions > 0, "\(stats)")
        #expect(stats.cpuNanoseconds > 0)
        print("direct reclaims with the daemon \(with.directReclaims), without \(without.directReclaims); \(stats)")
        #expect(with.directReclaims < without.directReclaims, "direct reclaims with the daemon \(with.directReclaims), without \(without.directReclaims)")
        #expect(with.heap.arena.stats().dramPages <= with.heap.arena.dramCapacityPages)
    }

    /// 4 MiB of cold-hinted pages, offloaded by the cold sweep, then read at random, one read a
    /// millisecond, by this thread for `seconds`. Returns the daemon's statistics and how many of
    /// the cold pages are in DRAM and below it at the end.
    private func coldReads(budget: Double?, seconds: Double) throws -> (stats: DaemonStats, coldInDRAM: Int, coldBelowDRAM: Int) {
        let heap = try TieredHeap(tiers: "dram:16MiB;compressed:16MiB", faultHandling: .faultingThread)
        let pages = (0..<1024).map { _ in try! heap.allocate(byteCount: 4096, hint: .cold) }
        for (index, page) in pages.enumerated() { memset(page, Int32(index & 0x7F) + 1, 4096) }
        var configuration = DaemonConfiguration()
        configuration.pageInBudget = budget
        configuration.pageInIntervalNanoseconds = 50_000_000
        configuration.cpuBudget = 1  // an epoch every 10 ms, so the sweep's pace does not depend on this machine's speed
        try heap.startDaemon(LRUPolicy.self, configuration: configuration)
        defer { heap.stopDaemon() }
        // Nothing reads the cold data yet: the sweep offloads it.
        let deadline = Date().addingTimeInterval(5)
        while heap.arena.coldPageCensus().belowDRAM < 900 && Date() < deadline { usleep(10_000) }
        #expect(heap.arena.coldPageCensus().belowDRAM >= 900, "the cold sweep did not offload the unread cold pages")
        var random = SystemRandomNumberGenerator()
        let end = Date().addingTimeInterval(seconds)
        while Date() < end {
            let index = Int.random(in: 0..<pages.count, using: &random)
            let byte = pages[index].load(fromByteOffset: Int.random(in: 0..<4096, using: &random), as: UInt8.self)
            if byte != UInt8(index & 0x7F) + 1 { Issue.record("cold page \(index) lost its bytes") }
            usleep(1000)
        }
        let stats = try #require(heap.daemonStats)
        heap.stopDaemon()
        let census = heap.arena.coldPageCensus()
        // The arena's running count agrees with a page-by-page count after all that moving.
        #expect(heap.arena.coldDRAMPages == census.inDRAM)
        return (stats, census.inDRAM, census.belowDRAM)
    }

    @Test("over its page-in budget the daemon brings cold data back and keeps it; with no budget it keeps offloading it")
    func pageInBudgetKeepsColdDataThatCostsTooMuch() throws {
        // Without a budget a page read goes out again within ~80 ms, and reads ~1 s apart on
        // average find it offloaded: nearly every read is a page-in, several percent of wall
        // time, far over a 0.1% budget.
        let unbudgeted = try coldReads(budget: nil, seconds: 1.5)
        print("with no budget: \(unbudgeted.stats); cold pages in DRAM \(unbudgeted.coldInDRAM), below \(unbudgeted.coldBelowDRAM)")
        #expect(unbudgeted.stats.coldPromotions == 0 && unbudgeted.stats.pageInPressure == nil)
        #expect(unbudgeted.coldInDRAM < 256)

        let budgeted = try coldReads(budget: 0.001, seconds: 1.5)
        print("with a 0.1% page-in budget: \(budgeted.stats); cold pages in DRAM \(budgeted.coldInDRAM), below \(budgeted.coldBelowDRAM)")
        #expect(budgeted.stats.pageInPressure != nil)
        #expect(budgeted.stats.coldPromotions > 0)
        #expect(budgeted.stats.coldKeptInDRAM > 512)
        #expect(budgeted.coldInDRAM > 512)
    }

    @Test("a paused daemon moves no page and its clock stands still; resumed it goes on; a stop ends it while paused")
    func pauseAndResume() throws {
        let heap = try TieredHeap(tiers: "dram:16MiB;compressed:16MiB")
        let pages = (0..<1024).map { _ in try! heap.allocate(byteCount: 4096, hint: .cold) }
        for (index, page) in pages.enumerated() { memset(page, Int32(index & 0x7F) + 1, 4096) }
        var configuration = DaemonConfiguration()
        configuration.pageInBudget = nil
        configuration.cpuBudget = 1
        let started = Date()
        try heap.startDaemon(LRUPolicy.self, configuration: configuration)
        heap.pauseDaemon()
        let paused = try #require(heap.daemonStats)
        let belowWhenPaused = heap.arena.coldPageCensus().belowDRAM
        usleep(400_000)
        // Unread cold pages leave DRAM within a few epochs of a running daemon; paused, none moves.
        #expect(heap.arena.coldPageCensus().belowDRAM == belowWhenPaused)
        #expect(try #require(heap.daemonStats).epochs == paused.epochs)
        heap.resumeDaemon()
        let deadline = Date().addingTimeInterval(5)
        while heap.arena.coldPageCensus().belowDRAM < 900 && Date() < deadline { usleep(10_000) }
        #expect(heap.arena.coldPageCensus().belowDRAM >= 900, "the resumed daemon did not offload the unread cold pages")
        let resumed = try #require(heap.daemonStats)
        #expect(resumed.epochs > paused.epochs)
        // The 0.4 s paused is not on the daemon's clock.
        let sinceStart = UInt64(Date().timeIntervalSince(started) * 1e9)
        #expect(resumed.wallNanoseconds + 350_000_000 < sinceStart, "daemon wall \(resumed.wallNanoseconds) ns, \(sinceStart) ns since its start")
        heap.pauseDaemon()
        heap.stopDaemon()
        #expect(heap.daemonStats == nil)
        heap.pauseDaemon()  // no daemon: nothing to wait for
        heap.resumeDaemon()
        for (index, page) in pages.enumerated() where page.load(as: UInt8.self) != UInt8(index & 0x7F) + 1 {
            Issue.record("cold page \(index) lost its bytes")
        }
    }

    /// 8 MiB of cold-hinted pages, offloaded, then read by a sweep: 128 pages in address order
    /// every 100 ms, each pass going on where the last stopped. Returns the page-ins (missing
    /// faults) of the last `counted` of `passes` passes, and the daemon's statistics.
    private func sweptColdData(_ policy: any PlacementPolicy.Type, passes: Int, counted: Int) throws -> (faults: Int, stats: DaemonStats) {
        let heap = try TieredHeap(tiers: "dram:4MiB;compressed:16MiB", faultHandling: .faultingThread)
        let pages = (0..<2048).map { _ in try! heap.allocate(byteCount: 4096, hint: .cold) }
        for (index, page) in pages.enumerated() { memset(page, Int32(index & 0x7F) + 1, 4096) }
        var configuration = DaemonConfiguration()
        configuration.pageInBudget = nil
        configuration.cpuBudget = 1  // an epoch every 10 ms, whatever this machine's speed
        try heap.startDaemon(policy, configuration: configuration)
        defer { heap.stopDaemon() }
        let deadline = Date().addingTimeInterval(5)
        while heap.arena.coldPageCensus().belowDRAM < 1800 && Date() < deadline { usleep(10_000) }
        var faults = 0
        for pass in 0..<passes {
            let before = heap.arena.stats().missingFaults
            for index in (pass * 128)..<((pass + 1) * 128) where pages[index].load(as: UInt8.self) != UInt8(index & 0x7F) + 1 {
                Issue.record("cold page \(index) lost its bytes")
            }
            if pass >= passes - counted { faults += heap.arena.stats().missingFaults - before }
            usleep(100_000)
        }
        return (faults, try #require(heap.daemonStats))
    }

    @Test("the predictive daemon learns a periodic sweep and brings its next stretch in before it comes; under LRU every pass faults")
    func predictiveDaemonPrefetchesASweep() throws {
        let lru = try sweptColdData(LRUPolicy.self, passes: 12, counted: 6)
        let predictive = try sweptColdData(PredictivePolicy.self, passes: 12, counted: 6)
        print("sweep page-ins in the last 6 passes: LRU \(lru.faults), predictive \(predictive.faults); \(predictive.stats)")
        #expect(lru.stats.sweepPrefetches == 0)
        // Every pass reads 128 offloaded pages: LRU pages them in, a fault for every nine pages or
        // so (readahead brings in up to 8 behind each fault; some stripes are busy); the predictive
        // daemon has them in DRAM.
        #expect(lru.faults >= 6 * 128 / 12)
        #expect(predictive.stats.sweepPrefetches >= 4 * 128 && predictive.stats.sweepPassesConfirmed >= 4, "\(predictive.stats)")
        #expect(predictive.faults * 4 < lru.faults, "page-ins: predictive \(predictive.faults), LRU \(lru.faults)")
    }

    @Test("a page-in budget that is not a share of wall time, or a zero interval, is refused with its name")
    func badPageInBudget() throws {
        let heap = try TieredHeap(tiers: "dram:1MiB;compressed:2MiB")
        for bad in [0.0, -0.1, 1.5, .nan] {
            var configuration = DaemonConfiguration()
            configuration.pageInBudget = bad
            #expect { try heap.startDaemon(LRUPolicy.self, configuration: configuration) } throws: { error in
                "\(error)".contains("pageInBudget")
            }
        }
        var noInterval = DaemonConfiguration()
        noInterval.pageInIntervalNanoseconds = 0
        #expect { try heap.startDaemon(LRUPolicy.self, configuration: noInterval) } throws: { error in
            "\(error)".contains("pageInIntervalNanoseconds")
        }
        // A live fault has already brought the page in: the replay's admission cannot run live.
        var bypass = DaemonConfiguration()
        bypass.policyOptions.values["bypass"] = 0.25
        #expect { try heap.startDaemon(PredictivePolicy.self, configuration: bypass) } throws: { error in
            "\(error)".contains("bypass=0.25 is for replays")
        }
    }

    @Test("the predictive policy runs as the daemon and forecasts")
    func predictiveDaemon() throws {
        let result = try burstyWorkload(daemon: PredictivePolicy.self)
        let stats = try #require(result.heap.daemonStats)
        result.heap.stopDaemon()
        #expect(stats.policy == "predictive")
        #expect(stats.forecast != nil)
        #expect(result.heap.daemonStats == nil, "stopped")
    }

    @Test("the daemon publishes the heap's figures as swift-metrics counters and gauges")
    func metrics() throws {
        let factory = TestMetrics()
        let heap = try TieredHeap(tiers: "dram:256KiB;compressed:1MiB")
        var configuration = DaemonConfiguration()
        configuration.metricsFactory = factory
        configuration.metricsHeapName = "test"
        try heap.startDaemon(LRUPolicy.self, configuration: configuration)
        let objects = try (0..<48).map { _ in try heap.allocate(byteCount: 16 << 10) }  // 768 KiB over 256 KiB of DRAM
        for object in objects { memset(object, 7, 16 << 10) }
        usleep(100_000)
        heap.stopDaemon()
        let missing = factory.counters(label: "tiermem_faults", dimensions: [("heap", "test"), ("kind", "missing")])
        #expect(missing.first.map { $0.totalValue } ?? 0 >= Int64(heap.arena.dramCapacityPages))
        let dram = try factory.expectGauge("tiermem_pages", [("heap", "test"), ("tier", "dram")])
        #expect(dram.lastValue.map { $0 > 0 && $0 <= Double(heap.arena.dramCapacityPages) } == true)
        #expect(factory.counterTotal(label: "tiermem_demotions") > 0)
    }

    @Test("the recorder writes the sampled live access stream as a .tmt trace that reads back")
    func recordsATrace() throws {
        let path = NSTemporaryDirectory() + "tiermem-recording-\(UUID().uuidString).tmt"
        defer { try? FileManager.default.removeItem(atPath: path) }
        let heap = try TieredHeap(tiers: "dram:256KiB;compressed:1MiB")
        var configuration = DaemonConfiguration()
        configuration.recordPath = path
        try heap.startDaemon(LRUPolicy.self, configuration: configuration)
        let objects = try (0..<48).map { _ in try heap.allocate(byteCount: 16 << 10) }
        for object in objects { memset(object, 3, 16 << 10) }
        for object in objects.prefix(8) { heap.deallocate(object) }
        usleep(50_000)
        heap.stopDaemon()
        let reader = try TMTReader(path: path)
        #expect(reader.header.clock == .nanoseconds && reader.header.pageSize == UInt32(heap.arena.pageSize))
        var reads = 0, frees = 0, lastTime: UInt64 = 0
        var batch: [TraceEvent] = []
        while try reader.nextBatch(into: &batch) {
            for event in batch {
                #expect(event.address < UInt64(heap.arena.byteCount))
                #expect(event.time >= lastTime)
                lastTime = event.time
                if event.operation == .read { reads += 1 } else if event.operation == .free { frees += 1 }
            }
        }
        #expect(reads >= heap.arena.stats().missingFaults - 1)
        #expect(frees == 8 * 4, "eight 16 KiB runs freed: 32 pages")
        for object in objects.dropFirst(8) { heap.deallocate(object) }
    }

    @Test("TIERMEM_PROFILE starts the daemon with a tuning profile's policy and settings; a bad one is an error")
    func profileFromEnvironment() throws {
        let path = NSTemporaryDirectory() + "tiermem-profile-\(UUID().uuidString).json"
        defer { try? FileManager.default.removeItem(atPath: path) }
        var controller = ControllerConfig()
        controller.lowWatermark = 0.03
        controller.highWatermark = 0.06
        try TuningProfile(tiers: "dram:25%", policy: "hotness", policyOptions: ["headroom": 0.05], controller: controller,
                          provenance: .init(traces: [], objective: "time", score: 1, defaultScore: 1, seed: 1, replays: 1)).write(to: path)
        let heap = try TieredHeap.fromEnvironment(["TIERMEM_TIERS": "dram:256KiB;compressed:1MiB", "TIERMEM_PROFILE": path])
        let stats = try #require(heap.daemonStats)
        #expect(stats.policy == "hotness")
        heap.stopDaemon()
        try Data("{\"schemaVersion\": 1}".utf8).write(to: URL(fileURLWithPath: path))
        do {
            _ = try TieredHeap.fromEnvironment(["TIERMEM_TIERS": "dram:256KiB", "TIERMEM_PROFILE": path])
            Issue.record("a bad profile was accepted")
        } catch {
            #expect("\(error)".contains("TIERMEM_PROFILE") && "\(error)".contains("missing field"))
        }
    }
}
