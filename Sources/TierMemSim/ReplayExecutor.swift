import TierMemCore

/// The replay's executor: a move always succeeds (the controller has checked capacity) and costs
/// what the cost model says. No bytes exist, so there is nothing else to do.
public struct ReplayExecutor: TierExecutor {
    public let costs: CostModel
    public let codec: CompressionCodec

    public init(costs: CostModel, codec: CompressionCodec) {
        self.costs = costs
        self.codec = codec
    }

    @inline(__always)
    public mutating func execute(_ plan: inout MigrationPlan) {
        for k in plan.moves.indices {
            plan.moves[k].costNs = costs.migrationNs(from: plan.moves[k].from, to: plan.moves[k].to, codec: codec)
            plan.moves[k].done = true
        }
    }

    /// The same cost as `execute`, without going through the plan's array.
    @inline(__always)
    public mutating func executeOne(_ move: Migration, plan: inout MigrationPlan) -> Migration {
        var move = move
        move.costNs = costs.migrationNs(from: move.from, to: move.to, codec: codec)
        move.done = true
        return move
    }
}
