/// Why a page moves.
public enum MigrationReason: UInt8, CaseIterable, Sendable {
    /// A page-in on access: the page was in a paged tier (a fault) and must be in DRAM.
    case demandFault
    /// An optional promotion of a page accessed in place in a slower tier.
    case promotion
    /// Background reclaim (kswapd-like) or a policy's early demotion.
    case backgroundDemotion
    /// A page-in found no free DRAM frame and waited while this page was demoted.
    case directReclaim
}

/// One page to move between tiers (tier indices of `TierLayout`).
public struct Migration: Sendable, Equatable {
    public var id: PageID
    public var from: UInt8
    public var to: UInt8
    public var reason: MigrationReason
    /// Filled in by the executor: whether the move happened, and what it cost (ns).
    public var done = false
    public var costNs = 0.0

    @inlinable
    public init(id: PageID, from: UInt8, to: UInt8, reason: MigrationReason) {
        self.id = id
        self.from = from
        self.to = to
        self.reason = reason
    }

    @inlinable public var isDemotion: Bool { to > from }
}

/// The moves the controller decided on for one step, in order: demotions that free frames come
/// before the promotions that use them. Reused between steps (no allocation per access).
public struct MigrationPlan: Sendable {
    public var moves: [Migration] = []
    public init() { moves.reserveCapacity(64) }

    /// Makes the plan this one move, reusing the storage (the common case: no reallocation,
    /// no range replacement).
    @inlinable
    public mutating func setSingle(_ move: Migration) {
        if moves.count == 1 {
            moves[0] = move
        } else {
            moves.removeAll(keepingCapacity: true)
            moves.append(move)
        }
    }
}

/// Carries out migration plans. The replay's executor moves counters and charges a cost model;
/// the live heap's moves bytes (userfaultfd, memkind, libpmem, LZ4). The controller and the
/// policies never know which one they drive.
public protocol TierExecutor {
    /// Executes `plan.moves` in order, setting `done` and `costNs` on each. A move that cannot be
    /// done (the target tier refused it: ENOSPC, a full pool) stays `done == false`; the
    /// controller then tries another tier.
    mutating func execute(_ plan: inout MigrationPlan)

    /// Executes one move and returns it with `done` and `costNs` set: the controller's common
    /// case (a page-in, a demotion). `plan` is scratch space the default implementation runs the
    /// move through; an executor may answer directly instead, as the replay's does.
    mutating func executeOne(_ move: Migration, plan: inout MigrationPlan) -> Migration
}

extension TierExecutor {
    @inlinable
    public mutating func executeOne(_ move: Migration, plan: inout MigrationPlan) -> Migration {
        plan.setSingle(move)
        execute(&plan)
        return plan.moves[0]
    }
}
