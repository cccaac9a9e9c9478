import Foundation
import Testing
import TierMem
import TierMemCore

/// The data-integrity stress test: worker threads write and verify patterned pages across a
/// heap four times its DRAM while a chaos thread demotes, compresses, promotes and samples
/// pages at random. Every byte is checked at the end. Bounded by time:
/// `TIERMEM_STRESS_SECONDS` (default 3). scripts/sanitize-stress.sh runs it under TSan and ASan.
@Suite("Live arena stress")
struct LiveArenaStressTests {
    @Test("threads writing and reading while pages move at random: every byte verifies", arguments: bothFaultPaths)
    func stress(faults: LiveArenaConfiguration.FaultHandling) throws {
        let seconds = Double(ProcessInfo.processInfo.environment["TIERMEM_STRESS_SECONDS"] ?? "") ?? 3
        let directory = try makeTestDirectory()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let arena = try makeArena(dram: 64, pmem: 96, compressed: 96, directory: directory, faults: faults)
        let workers = 3, size = arena.pageSize, pageCount = arena.pageCount
        let base = UInt(bitPattern: arena.baseAddress)
        let shared = SharedState()
        let deadline = Date().addingTimeInterval(seconds)
        // generations[page]: the pattern the page holds; each page belongs to one worker.
        let generations = UnsafeMutablePointer<UInt64>.allocate(capacity: pageCount)
        generations.initialize(repeating: 0, count: pageCount)
        defer { generations.deallocate() }
        let generationsAddress = UInt(bitPattern: generations)

        onThreads(workers + 1) { role in
            var random = SystemRandomNumberGenerator()
            let generations = UnsafeMutablePointer<UInt64>(bitPattern: generationsAddress)!
            if role < workers {
                let mine = Array(stride(from: role, to: pageCount, by: workers))
                while Date() < deadline {
                    for _ in 0..<64 {
                        let page = mine.randomElement(using: &random)!
                        let address = pointer(base + UInt(page * size))
                        if Bool.random(using: &random) {
                            generations[page] += 1
                            PagePattern.fill(address, page: page, generation: generations[page], pageSize: size)
                            shared.count("writes")
                        } else {
                            if let word = PagePattern.firstMismatch(address, page: page, generation: generations[page], pageSize: size) {
                                shared.fail("page \(page) generation \(generations[page]): word \(word) wrong")
                            }
                            shared.count("reads")
                        }
                    }
                }
            } else {
                while Date() < deadline {
                    let page = Int.random(in: 0..<pageCount, using: &random)
                    do {
                        switch Int.random(in: 0..<6, using: &random) {
                        case 0: try arena.demote(page: page)
                        case 1: try arena.demote(page: page, to: .compressed(.zstd))
                        case 2: try arena.demote(page: page, to: .pmem)
                        case 3: try arena.promote(page: page)
                        case 4: try arena.sample(pages: page..<min(page + 8, pageCount))
                        default: _ = arena.drainTouches()
                        }
                        shared.count("moves")
                    } catch LiveArenaError.lowerTiersFull {
                        shared.count("full")
                    } catch {
                        shared.fail("chaos: \(error)")
                    }
                    if arena.stats().dramPages > arena.dramCapacityPages { shared.fail("DRAM over its limit") }
                }
            }
        }
        for page in 0..<pageCount {
            if let word = PagePattern.firstMismatch(pointer(base + UInt(page * size)), page: page, generation: generations[page], pageSize: size) {
                shared.fail("final check: page \(page) word \(word) wrong")
            }
        }
        let stats = arena.stats()
        #expect(shared.recordedFailures.isEmpty, "\(shared.recordedFailures)")
        #expect(shared.tally("writes") > 100 && shared.tally("reads") > 100 && shared.tally("moves") > 100)
        #expect(stats.dramPages <= arena.dramCapacityPages && stats.dramOverdrafts == 0)
        #expect(stats.demotionsToCompressed > 0 && stats.demotionsToPMEM > 0 && stats.minorFaults > 0 && stats.directReclaims > 0)
        print("stress: \(shared.tally("writes")) writes, \(shared.tally("reads")) reads, \(shared.tally("moves")) moves\n\(stats)")
    }
}
