/// The controller's settings: when to reclaim, how fast to promote, what counts as ping-pong,
/// and what is assumed about page contents. Every field has a default that works.
public struct ControllerConfig: Sendable, Equatable, Codable {
    /// Free-DRAM watermarks as shares of DRAM, as kswapd has them. Below `low` background
    /// reclaim wakes and demotes until `high` is free; a page-in that finds free DRAM at or below
    /// `min` demotes synchronously (direct reclaim, a stall) until it is above `min`.
    public var minWatermark = 0.005
    public var lowWatermark = 0.01
    public var highWatermark = 0.02
    /// Threads the background reclaimer has: it demotes as fast as these many threads can pay
    /// the executor's demotion cost, in the controller's clock.
    public var reclaimThreads = 1.0
    /// Optional promotions (from directly accessed PMEM) at most this fast, MB/s, as Linux's
    /// `numa_balancing_promote_rate_limit_MBps`; 0 means no limit. Demand faults are never limited.
    public var promotionRateLimitMBps = 0.0
    /// A page that moves back within this long of its previous move is a ping-pong, ns.
    public var pingPongWindowNs: UInt64 = 1_000_000_000
    /// Share of pages whose contents compress below the pool's threshold (about 75% of a page);
    /// the rest are demoted to PMEM when there is PMEM. Decided per page by a hash of its number.
    public var compressibleFraction = 0.7
    /// Compressed size of a compressible page as a share of the page.
    public var compressionRatio = 0.35
    /// Background ticks (policy epochs, frequency decay) every this many accesses.
    public var epochAccesses = 4_096

    public init() {}

    /// Watermarks at zero: no background reclaim and no reserve, so DRAM is a plain cache that
    /// demotes only when a page-in finds it full (what `mrc` and the policy bounds assume).
    public static var demandOnly: ControllerConfig {
        var config = ControllerConfig()
        config.minWatermark = 0
        config.lowWatermark = 0
        config.highWatermark = 0
        return config
    }

    /// Why these settings cannot work, or nil.
    public func problem() -> String? {
        guard (0...0.5).contains(minWatermark), minWatermark <= lowWatermark, lowWatermark <= highWatermark, highWatermark <= 0.5 else {
            return "watermarks must satisfy 0 ≤ min ≤ low ≤ high ≤ 0.5 (shares of DRAM), got \(minWatermark), \(lowWatermark), \(highWatermark)"
        }
        guard reclaimThreads > 0, reclaimThreads.isFinite else { return "reclaim threads must be above 0" }
        guard promotionRateLimitMBps >= 0, promotionRateLimitMBps.isFinite else { return "the promotion rate limit must be 0 (none) or more MB/s" }
        guard (0...1).contains(compressibleFraction) else { return "the compressible fraction must be from 0 to 1" }
        guard compressionRatio > 0, compressionRatio <= 1 else { return "the compression ratio must be above 0 and at most 1" }
        guard epochAccesses >= 1 else { return "the epoch must be at least one access" }
        return nil
    }
}
