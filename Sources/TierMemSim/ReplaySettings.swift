import TierMemCore
import TierMemModel

/// Everything a replay needs besides the trace.
public struct ReplaySettings: Sendable {
    public var tiers: TierSpec
    public var policy: String
    public var policyOptions = PolicyOptions()
    public var controller = ControllerConfig()
    public var costs = CostModel()
    public var pmemAccess = PMEMAccess.direct
    /// Points kept for the report's charts.
    public var timelinePoints = 200
    /// A trained forecaster the predictive policy starts from (others ignore it).
    public var forecastModel: ModelFile?

    public init(tiers: TierSpec, policy: String) {
        self.tiers = tiers
        self.policy = policy
    }

    /// The default tiers when none are given: DRAM for a quarter of the footprint, PMEM for all
    /// of it, and a compressed pool for a quarter.
    public static let defaultTiers = "dram:25%;pmem:100%;compressed:lz4:25%"
}

/// A replay that could not run: bad settings, or a trace that does not fit them.
public struct ReplayError: Error, Equatable, CustomStringConvertible {
    public var reason: String
    public init(_ reason: String) { self.reason = reason }
    public var description: String { reason }
}
