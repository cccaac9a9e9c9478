import Foundation
import Testing
import TierMem
import TierMemCore

@Suite("Live arena: pages move between DRAM, PMEM and the compressed pool, bytes intact")
struct LiveArenaTests {
    @Test("a heap four times its DRAM holds every page; DRAM never exceeds its limit", arguments: bothFaultPaths)
    func overcommittedHeapRoundTrips(faults: LiveArenaConfiguration.FaultHandling) throws {
        let directory = try makeTestDirectory()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let arena = try makeArena(dram: 32, pmem: 48, compressed: 48, directory: directory, faults: faults)
        #expect(arena.mode == .full && arena.faultHandling == faults)
        #expect(arena.pageCount == 128)
        for page in 0..<arena.pageCount {
            PagePattern.fill(arena.address(ofPage: page), page: page, generation: UInt64(page % 3 + 3), pageSize: arena.pageSize)
            #expect(arena.stats().dramPages <= 32)
        }
        for page in (0..<arena.pageCount).reversed() {
            let mismatch = PagePattern.firstMismatch(arena.address(ofPage: page), page: page, generation: UInt64(page % 3 + 3), pageSize: arena.pageSize)
            #expect(mismatch == nil, "page \(page) differs at word \(mismatch ?? -1)")
        }
        let stats = arena.stats()
        #expect(stats.dramPages <= 32)
        #expect(stats.dramOverdrafts == 0)
        #expect(stats.directReclaims > 0)
        #expect(stats.demotionsToCompressed > 0)
        #expect(stats.demotionsToPMEM > 0)
        #expect(stats.demotionsToZero > 0)
        #expect(stats.demandPromotions > 0)
        #expect(stats.firstTouches == 128)
    }

    @Test("explicit moves: LZ4, zstd, PMEM, zero flag, and back on touch", arguments: bothFaultPaths)
    func explicitMoves(faults: LiveArenaConfiguration.FaultHandling) throws {
        // Readahead off: the touches below run in page order and would read ahead otherwise.
        let arena = try makeArena(dram: 8, pmem: 8, compressed: 8, faults: faults) { $0.readAheadPages = 0 }
        let size = arena.pageSize
        PagePattern.fill(arena.address(ofPage: 0), page: 0, generation: 1, pageSize: size)  // compressible
        PagePattern.fill(arena.address(ofPage: 1), page: 1, generation: 2, pageSize: size)  // noise
        PagePattern.fill(arena.address(ofPage: 2), page: 2, generation: 0, pageSize: size)  // zeros
        PagePattern.fill(arena.address(ofPage: 3), page: 3, generation: 4, pageSize: size)  // compressible

        #expect(try arena.demote(page: 0, to: .compressed(.lz4)) == .compressed)
        #expect(try arena.demote(page: 1) == .pmem, "noise does not shrink below 75%: PMEM")
        #expect(try arena.demote(page: 2) == .zero)
        #expect(try arena.demote(page: 3, to: .compressed(.zstd)) == .compressed)
        #expect(try arena.demote(page: 5) == nil, "a never-touched page is not in DRAM")
        var stats = arena.stats()
        #expect(stats.dramPages == 0)
        #expect(stats.compressedPages == 2 && stats.zstdPages == 1 && stats.pmemPages == 1)
        #expect(stats.compressionRatio > 2)
        #expect(stats.incompressibleToPMEM == 1)

        #expect(try arena.promote(page: 3), "promotion ahead of demand")
        #expect(try arena.location(ofPage: 3) == .dram)
        for (page, generation) in [(0, 1), (1, 2), (2, 0), (3, 4)] as [(Int, UInt64)] {
            #expect(PagePattern.firstMismatch(arena.address(ofPage: page), page: page, generation: generation, pageSize: size) == nil)
            #expect(try arena.location(ofPage: page) == .dram)
        }
        stats = arena.stats()
        #expect(stats.aheadPromotions == 1 && stats.demandPromotions == 3)
        #expect(stats.compressedPages == 0 && stats.pmemPages == 0)
    }

    @Test("a sampled page's next touch is recorded and resolved in place", arguments: bothFaultPaths)
    func samplingRecordsTouches(faults: LiveArenaConfiguration.FaultHandling) throws {
        let arena = try makeArena(dram: 8, compressed: 8, faults: faults)
        PagePattern.fill(arena, pages: 0..<4)
        _ = arena.drainTouches()
        waitForFaultService(arena, pages: 0..<4)
        #expect(try arena.sample(pages: [3, 1, 0, 2, 1]) == 4)
        #expect(arena.stats().sampleZaps == 1, "adjacent pages share one madvise")
        #expect(try arena.sample(pages: 0..<4) == 0, "already armed")
        _ = arena.address(ofPage: 2).load(as: UInt64.self)
        arena.address(ofPage: 0).storeBytes(of: 7, as: UInt64.self)
        #expect(arena.drainTouches() == [2, 0])
        let stats = arena.stats()
        #expect(stats.minorFaults == 2 && stats.missingFaults == 4)
        #expect(stats.dramPages == 4, "sampling does not move pages")
        #expect(arena.address(ofPage: 0).load(as: UInt64.self) == 7)
        #expect(PagePattern.firstMismatch(arena.address(ofPage: 1), page: 1, generation: 1, pageSize: arena.pageSize) == nil)
        // The reads above touched pages 0 and 1: 0, 1 and 2 are armed again in one madvise.
        waitForFaultService(arena, pages: 0..<4)
        #expect(try arena.sample(pages: 0..<4) == 3)
        #expect(arena.stats().sampleZaps == 2)
        // With 1 and 3 still armed, 0 and 2 are not neighbours: two calls.
        _ = arena.address(ofPage: 0).load(as: UInt64.self)
        _ = arena.address(ofPage: 2).load(as: UInt64.self)
        waitForFaultService(arena, pages: 0..<4)
        #expect(try arena.sample(pages: 0..<4) == 2)
        #expect(arena.stats().sampleZaps == 4)
    }

    @Test("sequential page-ins read the next pages ahead into free frames; with readahead off, none are", arguments: [8, 0])
    func readaheadFollowsSequentialFaults(window: Int) throws {
        let arena = try makeArena(dram: 16, compressed: 64) { $0.readAheadPages = window }
        PagePattern.fill(arena, pages: 0..<12)
        for page in 0..<12 { #expect(try arena.demote(page: page) == .compressed) }
        let before = arena.stats()
        #expect(PagePattern.firstDamagedPage(arena, pages: 0..<12) == nil)
        // The fault service counts a page-in after waking the reader: let it finish.
        waitForFaultService(arena, pages: 0..<12)
        let stats = arena.stats()
        let demand = stats.demandPromotions - before.demandPromotions
        // Every page came in exactly once: on its own fault or read ahead of it. Which one depends
        // on timing (the reader may reach a page while the fault service is still reading ahead).
        #expect(demand + stats.readAheadPages == 12, "\(stats)")
        if window == 0 {
            #expect(demand == 12 && stats.readAheadPages == 0)
        } else {
            // The second fault continues the first's stream: at least its two pages are read ahead.
            #expect(stats.readAheadPages >= 2 && demand <= 10, "\(stats)")
            #expect(stats.aheadPromotions == stats.readAheadPages)
            let ahead = arena.drainEvents().filter { $0.kind == .promotedAhead }.map(\.page)
            #expect(ahead.count == stats.readAheadPages && ahead.allSatisfy { (2..<12).contains($0) }, "\(ahead)")
        }
        #expect(stats.dramPages == 12)
    }

    @Test("the cold sweep arms cold-hinted pages, then demotes the untouched ones; other pages are never visited")
    func coldSweepDemotesUntouchedColdPages() throws {
        let arena = try makeArena(dram: 64, compressed: 64) { $0.readAheadPages = 0 }
        PagePattern.fill(arena, pages: 0..<40)
        try arena.markCold(pages: 3..<7)
        try arena.markCold(pages: 30..<32)
        try arena.markCold(pages: 5..<6, false)
        waitForFaultService(arena, pages: 0..<40)
        #expect(arena.demoteUntouchedColdPages(scan: 100, target: .compressed(.lz4)).isEmpty, "the first pass only arms")
        #expect(arena.stats().sampled == 5 && arena.stats().sampleZaps == 3, "3–4, 6 and 30–31: three runs")
        _ = arena.address(ofPage: 4).load(as: UInt8.self)  // touched: keeps its place
        let demoted = arena.demoteUntouchedColdPages(scan: 100, target: .compressed(.lz4)).map(\.page).sorted()
        #expect(demoted == [3, 6, 30, 31])
        #expect(try arena.location(ofPage: 4) == .dram && arena.location(ofPage: 5) == .dram)
        #expect(arena.stats().sampled == 6, "the second pass armed page 4 again")
        // A scan limit shorter than the cold pages: each pass continues where the last stopped.
        try arena.markCold(pages: 10..<20)
        let third = arena.demoteUntouchedColdPages(scan: 4, target: .compressed(.lz4)).map(\.page)
        #expect(third == [4], "3 and 6 are compressed now, 4 is armed and untouched, 10 is armed")
        #expect(arena.stats().sampled == 7)
        #expect(arena.demoteUntouchedColdPages(scan: 4, target: .compressed(.lz4)).isEmpty)
        #expect(arena.stats().sampled == 11, "11–14 armed")
        #expect(PagePattern.firstDamagedPage(arena, pages: 0..<40) == nil)
    }

    @Test("cold pages of one object leave DRAM before pages of several, and the page-in budget brings the dense ones back first")
    func sparseColdPagesGoFirst() throws {
        let arena = try makeArena(dram: 64, compressed: 64) { $0.readAheadPages = 0 }
        PagePattern.fill(arena, pages: 0..<24)
        // Interleaved, as a large value's pages and a slab of small values fall in an arena.
        let sparse = Array(stride(from: 0, to: 24, by: 2)), dense = Array(stride(from: 1, to: 24, by: 2))
        for page in sparse { try arena.markCold(pages: page..<(page + 1)) }
        for page in dense { try arena.markCold(pages: page..<(page + 1), objectsPerPage: 3) }
        waitForFaultService(arena, pages: 0..<24)
        func compressed() throws -> Set<Int> { Set(try (0..<24).filter { try arena.location(ofPage: $0) == .compressed }) }

        // Short of DRAM: the sparse pages go first, the dense ones only once they are out.
        let first = arena.demoteColdPages(count: 8, target: .compressed(.lz4)).map(\.page)
        #expect(first.count == 8 && Set(first).isSubset(of: sparse), "\(first)")
        let second = arena.demoteColdPages(count: 8, target: .compressed(.lz4)).map(\.page)
        #expect(second.count == 8 && Set(second).intersection(sparse).count == 4, "\(second)")
        let afterTwo = try compressed()
        #expect(afterTwo.count == 16 && afterTwo.isSuperset(of: sparse), "\(afterTwo)")

        // Brought back for the page-in budget: the dense ones first.
        #expect(Set(arena.promoteColdPages(count: 4, keepFree: 0)).isSubset(of: dense))
        #expect(try compressed() == Set(sparse))

        // The sweep with a limit (a page-in budget keeping 12 cold pages in DRAM): while sparse
        // pages are in DRAM the dense ones are not even armed.
        _ = arena.promoteColdPages(count: 12, keepFree: 0)
        #expect(try compressed().isEmpty)
        var swept: [Int] = []
        for _ in 0..<4 { swept += arena.demoteUntouchedColdPages(scan: 100, limit: 12 - swept.count, target: .compressed(.lz4)).map(\.page) }
        #expect(Set(swept) == Set(sparse), "\(swept.sorted())")
        #expect(arena.stats().sampled == 12, "only the sparse pages were armed")
        // A limit beyond the sparse pages in DRAM: the dense ones make up the rest.
        _ = arena.promoteColdPages(count: 12, keepFree: 0)
        var beyond: [Int] = []
        // Two passes: one arms both sets, the next demotes (the dense set is not left waiting
        // for a pass that finds no sparse page in DRAM).
        for _ in 0..<2 { beyond += arena.demoteUntouchedColdPages(scan: 100, limit: 18 - beyond.count, target: .compressed(.lz4)).map(\.page) }
        #expect(beyond.count == 18 && Set(beyond).isSuperset(of: sparse), "\(beyond.sorted())")
        // Without a limit (the budget keeps none) every cold page goes.
        for _ in 0..<4 { swept += arena.demoteUntouchedColdPages(scan: 100, target: .compressed(.lz4)).map(\.page) }
        #expect(try compressed() == Set(0..<24))
        #expect(PagePattern.firstDamagedPage(arena, pages: 0..<24) == nil)
    }

    @Test("a stretch brought in ahead takes room only from the donors' cold pages, armed together; bytes intact")
    func promoteStretchMakingRoom() throws {
        let arena = try makeArena(dram: 20, compressed: 32) { $0.readAheadPages = 0 }
        PagePattern.fill(arena, pages: 0..<20)
        waitForFaultService(arena, pages: 0..<20)
        // Pages 0–11 were read by the last pass (cold, in DRAM), except 5, which is not cold;
        // 12–19, the next stretch, are below DRAM; 8 frames are free.
        try arena.markCold(pages: 0..<5)
        try arena.markCold(pages: 6..<20)
        for page in 12..<20 { try arena.demote(page: page, to: .compressed(.lz4)) }
        #expect(arena.freeDRAMPages == 8)
        let zapsBefore = arena.stats().sampleZaps
        let moved = arena.promote(stretch: 12...19, keepFree: 6, makingRoomFrom: 0...11, target: .compressed(.lz4))
        // 8 to bring in, 2 free frames to spare: 6 donors, in address order, page 5 passed over.
        #expect(moved.promoted == Array(12..<20))
        #expect(moved.demoted.map(\.page) == [0, 1, 2, 3, 4, 6])
        #expect(arena.freeDRAMPages == 6)
        #expect(try arena.location(ofPage: 5) == .dram && arena.location(ofPage: 7) == .dram)
        // The donors were armed in two runs (0–4 and 6): two madvise calls, not six.
        #expect(arena.stats().sampleZaps - zapsBefore == 2)
        // With no donor left to give room, it brings in only what the free frames allow.
        for page in 16..<20 { try arena.demote(page: page, to: .compressed(.lz4)) }
        let few = arena.promote(stretch: 16...19, keepFree: 8, makingRoomFrom: 0...4, target: .compressed(.lz4))
        #expect(few.demoted.isEmpty && few.promoted == [16, 17])
        // The cold sweep and a headroom's demotions leave a stretch expected soon alone.
        for _ in 0..<3 { _ = arena.demoteUntouchedColdPages(scan: 100, sparing: 12...17, target: .compressed(.lz4)) }
        _ = arena.demoteColdPages(count: 100, sparing: 12...17, target: .compressed(.lz4))
        #expect(try (12...17).allSatisfy { try arena.location(ofPage: $0) == .dram })
        #expect(try (6..<12).allSatisfy { try arena.location(ofPage: $0) != .dram })
        #expect(PagePattern.firstDamagedPage(arena, pages: 0..<20) == nil)
    }

    @Test("discard frees every tier's copy; the pages read as zeros")
    func discardFreesStorage() throws {
        let arena = try makeArena(dram: 4, pmem: 4, compressed: 4)
        for page in 0..<6 { PagePattern.fill(arena.address(ofPage: page), page: page, generation: UInt64(page % 2 + 1), pageSize: arena.pageSize) }
        try arena.demote(page: 0)
        try arena.demote(page: 1)
        try arena.discard(pages: 0..<6)
        let stats = arena.stats()
        #expect(stats.dramPages == 0 && stats.pmemPages == 0 && stats.compressedPages == 0)
        for page in 0..<6 {
            #expect(PagePattern.firstMismatch(arena.address(ofPage: page), page: page, generation: 0, pageSize: arena.pageSize) == nil)
        }
    }

    @Test("when every lower tier is full a demotion throws and the page stays intact")
    func lowerTiersFull() throws {
        let arena = try makeArena(dram: 4, compressed: 1)
        PagePattern.fill(arena, pages: 0..<5)
        let inDRAM = try (0..<5).first { try arena.location(ofPage: $0) == .dram }!
        #expect(throws: LiveArenaError.lowerTiersFull(page: inDRAM)) { try arena.demote(page: inDRAM) }
        #expect(try arena.location(ofPage: inDRAM) == .dram)
        #expect(PagePattern.firstDamagedPage(arena, pages: 0..<5) == nil)
    }

    @Test("incompressible pages fill the pool raw when there is no PMEM tier")
    func rawPagesWithoutPMEM() throws {
        let arena = try makeArena(dram: 2, compressed: 6)
        for page in 0..<8 { PagePattern.fill(arena.address(ofPage: page), page: page, generation: 2, pageSize: arena.pageSize) }
        for page in 0..<8 {
            #expect(PagePattern.firstMismatch(arena.address(ofPage: page), page: page, generation: 2, pageSize: arena.pageSize) == nil)
        }
        #expect(arena.stats().dramPages <= 2)
    }

    @Test("bad configurations are refused with the reason")
    func badConfigurations() throws {
        let percent = LiveArenaConfiguration(tiers: try TierSpec(parsing: "dram:25%;compressed:64MiB"))
        #expect(throws: LiveArenaError.self) { try LiveArena(percent) }
        do {
            _ = try LiveArena(percent)
        } catch {
            #expect("\(error)".contains("needs a size in bytes"))
        }
        let noDRAM = LiveArenaConfiguration(tiers: try TierSpec(parsing: "compressed:64MiB"))
        do {
            _ = try LiveArena(noDRAM)
            Issue.record("an arena without DRAM was built")
        } catch {
            #expect("\(error)".contains("DRAM tier"))
        }
        #expect(throws: LiveArenaError.configuration("readAheadPages -1: expected 0 (off) or more pages")) {
            try makeArena(dram: 2) { $0.readAheadPages = -1 }
        }
        #expect(throws: LiveArenaError.configuration("compressibleLimit 1.5: expected a share of a page in (0, 1]")) {
            try makeArena(dram: 2) { $0.compressibleLimit = 1.5 }
        }
        let arena = try makeArena(dram: 2)
        #expect(throws: LiveArenaError.pageOutOfRange(page: 2, pageCount: 2)) { try arena.demote(page: 2) }
    }
}

/// The fault service wakes a faulting thread before it lets go of the page's stripe (and before
/// it has counted the page-in), so right after a touch, a batch (which only *tries* every stripe
/// after its first) may find one busy and split, and the counters may lag by a page. Taking each
/// page's stripe once waits for the fault service to finish.
private func waitForFaultService(_ arena: LiveArena, pages: Range<Int>) {
    for page in pages { _ = try? arena.location(ofPage: page) }
}
