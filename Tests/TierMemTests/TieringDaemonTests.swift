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
