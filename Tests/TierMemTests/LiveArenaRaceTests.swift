import Foundation
import Testing
import TierMem
import TierMemCore

/// Runs `body` on `count` threads at once and waits for all of them.
func onThreads(_ count: Int, _ body: @escaping @Sendable (Int) -> Void) {
    let group = DispatchGroup()
    for index in 0..<count {
        let thread = Thread { body(index); group.leave() }
        group.enter()
        thread.start()
    }
    group.wait()
}

/// A flag threads poll to stop, and counters they bump (behind a lock: the tests check races in
/// the arena, not in themselves).
final class SharedState: @unchecked Sendable {
    private let lock = NSLock()
    private var stopped = false
    private var failures: [String] = []
    private var tallies: [String: Int] = [:]

    var isStopped: Bool { lock.withLock { stopped } }
    func stop() { lock.withLock { stopped = true } }
    func fail(_ message: String) { lock.withLock { if failures.count < 10 { failures.append(message) } } }
    var recordedFailures: [String] { lock.withLock { failures } }
    func count(_ name: String, _ amount: Int = 1) { lock.withLock { tallies[name, default: 0] += amount } }
    func tally(_ name: String) -> Int { lock.withLock { tallies[name, default: 0] } }
}

/// The address of an arena page as a Sendable integer (threads rebuild the pointer).
func pageAddress(_ arena: LiveArena, _ page: Int) -> UInt { UInt(bitPattern: arena.address(ofPage: page)) }
func pointer(_ address: UInt) -> UnsafeMutableRawPointer { UnsafeMutableRawPointer(bitPattern: address)! }

@Suite("Live arena races: every move against every touch")
struct LiveArenaRaceTests {
    @Test("a write during demotion is never lost", arguments: bothFaultPaths)
    func writeDuringDemotion(faults: LiveArenaConfiguration.FaultHandling) throws {
        let arena = try makeArena(dram: 4, pmem: 4, compressed: 4, faults: faults)
        let page = 1, size = arena.pageSize, address = pageAddress(arena, page)
        let shared = SharedState()
        onThreads(2) { role in
            if role == 0 {
                // Enough generations for many demotions to land mid-write, however slow the build.
                var generation: UInt64 = 0
                let deadline = Date().addingTimeInterval(30)
                while generation < 600 || (shared.tally("demotions") < 50 && Date() < deadline) {
                    generation += 1
                    PagePattern.fill(pointer(address), page: page, generation: generation, pageSize: size)
                    if let word = PagePattern.firstMismatch(pointer(address), page: page, generation: generation, pageSize: size) {
                        shared.fail("generation \(generation): word \(word) lost")
                    }
                }
                shared.count("generations", Int(generation))
                shared.stop()
            } else {
                var targets: [LiveArena.DemotionTarget] = [.automatic, .pmem, .compressed(.zstd)]
                while !shared.isStopped {
                    targets.append(targets.removeFirst())
                    if (try? arena.demote(page: page, to: targets[0])) != nil { shared.count("demotions") }
                }
            }
        }
        #expect(shared.recordedFailures.isEmpty, "\(shared.recordedFailures)")
        let last = UInt64(shared.tally("generations"))
        #expect(PagePattern.firstMismatch(pointer(address), page: page, generation: last, pageSize: size) == nil)
        #expect(shared.tally("demotions") >= 50)
    }

    @Test("a read during compression always sees the whole page", arguments: bothFaultPaths)
    func readDuringCompression(faults: LiveArenaConfiguration.FaultHandling) throws {
        let arena = try makeArena(dram: 4, compressed: 8, faults: faults)
        let page = 2, size = arena.pageSize, address = pageAddress(arena, page)
        PagePattern.fill(pointer(address), page: page, generation: 4, pageSize: size)
        let shared = SharedState()
        onThreads(2) { role in
            if role == 0 {
                var reads = 0
                let deadline = Date().addingTimeInterval(30)
                while reads < 3000 || (arena.stats().demandPromotions < 50 && Date() < deadline) {
                    reads += 1
                    if let word = PagePattern.firstMismatch(pointer(address), page: page, generation: 4, pageSize: size) {
                        shared.fail("read saw word \(word) wrong")
                    }
                }
                shared.stop()
            } else {
                var codec = CompressionCodec.lz4
                while !shared.isStopped {
                    codec = codec == .lz4 ? .zstd : .lz4
                    _ = try? arena.demote(page: page, to: .compressed(codec))
                }
            }
        }
        #expect(shared.recordedFailures.isEmpty, "\(shared.recordedFailures)")
        let stats = arena.stats()
        #expect(stats.demotionsToCompressed >= 50 && stats.zstdPages > 0)
        #expect(stats.demandPromotions >= 50)
    }

    @Test("a free during promotion leaves a zero page and no stored copy", arguments: bothFaultPaths)
    func freeDuringPromotion(faults: LiveArenaConfiguration.FaultHandling) throws {
        let arena = try makeArena(dram: 4, pmem: 4, compressed: 4, faults: faults)
        let page = 3, size = arena.pageSize, address = pageAddress(arena, page)
        let shared = SharedState()
        for round in 0..<200 {
            PagePattern.fill(pointer(address), page: page, generation: UInt64(round % 2 + 1), pageSize: size)
            try arena.demote(page: page)
            onThreads(2) { role in
                do {
                    if role == 0 { try arena.promote(page: page) } else { try arena.discard(pages: page..<(page + 1)) }
                } catch {
                    shared.fail("round \(round): \(error)")
                }
            }
            if PagePattern.firstMismatch(pointer(address), page: page, generation: 0, pageSize: size) != nil {
                shared.fail("round \(round): a discarded page kept bytes")
            }
            try arena.discard(pages: page..<(page + 1))
        }
        #expect(shared.recordedFailures.isEmpty, "\(shared.recordedFailures)")
        let stats = arena.stats()
        #expect(stats.pmemPages == 0 && stats.compressedPages == 0 && stats.dramPages == 0)
    }

    @Test("a fault on a page being sampled is recorded once and resolved in place", arguments: bothFaultPaths)
    func faultDuringSampling(faults: LiveArenaConfiguration.FaultHandling) throws {
        let arena = try makeArena(dram: 4, compressed: 4, faults: faults)
        let page = 0, size = arena.pageSize, address = pageAddress(arena, page)
        PagePattern.fill(pointer(address), page: page, generation: 1, pageSize: size)
        let shared = SharedState()
        onThreads(2) { role in
            if role == 0 {
                var generation: UInt64 = 0
                let deadline = Date().addingTimeInterval(30)
                while generation < 2000 || (arena.stats().minorFaults < 20 && Date() < deadline) {
                    generation += 1
                    let words = pointer(address).assumingMemoryBound(to: UInt64.self)
                    words[0] = generation
                    if words[0] != generation { shared.fail("store of \(generation) lost") }
                }
                shared.count("generations", Int(generation))
                shared.stop()
            } else {
                while !shared.isStopped { shared.count("armed", (try? arena.sample(pages: [page])) ?? 0) }
            }
        }
        #expect(shared.recordedFailures.isEmpty, "\(shared.recordedFailures)")
        #expect(pointer(address).load(as: UInt64.self) == UInt64(shared.tally("generations")))
        let stats = arena.stats()
        #expect(stats.minorFaults >= 20)
        #expect(stats.minorFaults <= shared.tally("armed"), "one recorded touch per arming at most")
        #expect(stats.dramPages == 1)
    }
}
