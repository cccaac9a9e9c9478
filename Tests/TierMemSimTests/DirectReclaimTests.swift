import Testing
import TierMemCore
import TierMemSim

/// LRU, except that it leaves a page out the second time it is asked to make room for it.
struct SecondThoughtsPolicy: PlacementPolicy {
    static let name = "second-thoughts"
    static let summary = "LRU that leaves a page out when asked twice for the same page"
    var lru: LRUPolicy
    var asked: [PageID: Int] = [:]

    init(layout: TierLayout, options: PolicyOptions) throws(PolicyOptionError) {
        lru = try LRUPolicy(layout: layout, options: options)
    }
    mutating func pagesExist(_ count: Int) { lru.pagesExist(count) }
    mutating func admitted(_ id: PageID, _ access: AccessContext) { lru.admitted(id, access) }
    mutating func hit(_ id: PageID, _ access: AccessContext) { lru.hit(id, access) }
    mutating func removed(_ id: PageID) { lru.removed(id) }
    mutating func freed(_ id: PageID) { lru.freed(id) }
    mutating func victim(incoming: PageID?, _ access: AccessContext?) -> PageID? {
        if let incoming {
            asked[incoming, default: 0] += 1
            if asked[incoming] == 2 { return incoming }
        }
        return lru.victim(incoming: incoming, access)
    }
    var memoryBytes: Int { lru.memoryBytes }
}

@Suite struct DirectReclaimTests {
    /// Direct reclaim demotes until free DRAM is above the min watermark. A policy that leaves
    /// the page out after a demotion has already freed a frame gets the page admitted into that
    /// frame, not a wasted demotion.
    @Test func aFrameAlreadyFreedIsUsedWhenThePolicyThenLeavesThePageOut() throws {
        let layout = TierLayout(pageSize: 4096, dramPages: 10, compressedBytes: 64 * 4096, pmemAccess: .paged)
        var config = ControllerConfig()
        config.minWatermark = 0.2  // 2 pages
        config.lowWatermark = 0.2
        config.highWatermark = 0.2
        var controller = Controller(layout: layout, policy: try SecondThoughtsPolicy(layout: layout, options: PolicyOptions()),
                                    executor: ReplayExecutor(costs: CostModel(), codec: .lz4), config: config)
        // One clock tick for all: no background reclaim runs.
        for page in 0..<11 as Range<UInt64> { _ = try controller.access(page: page, isWrite: true, now: 1, position: page) }
        try #require(controller.table.freeDRAMPages == 2)
        try #require((0..<3).allSatisfy { controller.table.tier[$0] == TierLayout.compressed }, "LRU demoted pages 0, 1, 2")
        // The live heap's own page-ins fill DRAM past the min watermark, to no free frame at all.
        controller.observedPromotion(page: 0, now: 1)
        controller.observedPromotion(page: 1, now: 1)
        try #require(controller.table.freeDRAMPages == 0)
        let demotionsBefore = controller.counters.directReclaimDemotions

        let outcome = try controller.access(page: 2, isWrite: false, now: 1, position: 11)
        #expect(controller.counters.directReclaimDemotions == demotionsBefore + 1)
        #expect(outcome.service == .fault && !outcome.bypassed, "admitted into the frame the demotion freed")
        #expect(controller.table.tier[2] == TierLayout.dram)
        #expect(controller.counters.bypassedFaults == 0)
        #expect(controller.table.invariantViolation(ratio: config.compressionRatio) == nil)
    }
}
