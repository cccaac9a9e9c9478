import Glibc
import TierMemCore

/// Arena page numbers by the controller's page ids (ids are handed out in first-access order).
final class PageNumbers: @unchecked Sendable {
    private(set) var pages: [Int] = []
    func append(_ page: Int) { pages.append(page) }
    subscript(id: PageID) -> Int { pages[Int(id)] }
}

/// The live body's executor: carries out the controller's migration plans by really moving
/// pages in the arena (the replay's executor moves counters instead; the controller and the
/// policies cannot tell them apart). Background demotions are held to `bytesPerEpochLimit`.
struct LiveExecutor: TierExecutor {
    let arena: LiveArena
    let numbers: PageNumbers
    let codec: CompressionCodec
    /// Bytes of background demotion still allowed in this epoch (the daemon refills it).
    var backgroundBytesLeft = Int.max

    mutating func execute(_ plan: inout MigrationPlan) {
        for index in plan.moves.indices {
            let move = plan.moves[index]
            let page = numbers[move.id]
            let start = monotonicNanoseconds()
            var done = false
            if move.to == TierLayout.dram {
                // A demand page-in was already served by the fault; a promotion ahead is done here.
                done = (try? arena.promote(page: page)) != nil
            } else if move.from == TierLayout.dram {
                if move.reason == .backgroundDemotion {
                    guard backgroundBytesLeft >= arena.pageSize else { continue }
                    backgroundBytesLeft -= arena.pageSize
                }
                let target: LiveArena.DemotionTarget = move.to == TierLayout.pmem ? .pmem : .compressed(codec)
                // nil: the page had left DRAM already (the arena's own reclaim): done all the same.
                done = (try? arena.demote(page: page, to: target)) != nil
            }
            // Moves between lower tiers are not carried out: the page stays where it is.
            plan.moves[index].done = done
            plan.moves[index].costNs = Double(monotonicNanoseconds() - start)
        }
    }
}
