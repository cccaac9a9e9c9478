import Testing
import TierMemCore
import TierMemSim
import TierMemTrace

@Suite struct PolicyBoundTests {
    static let workloads: [(String, @Sendable () throws -> [TraceEvent])] = [
        ("zipf", { try events(.zipf, records: 30_000, pages: 800) }),
        ("loop", { try events(.loop, records: 20_000, pages: 500) }),
        ("kv", { try events(.kv, records: 30_000, pages: 800) }),
        ("phases", { try events(.phases, records: 30_000, pages: 800) }),
        ("python-dict", { try shipped("python-dict.tmt", limit: 100_000) }),
        ("sort", { try shipped("sort.tmt", limit: 100_000) }),
    ]

    /// In paged mode every access outside DRAM is a page-in the policy must admit or bypass, so
    /// DRAM misses depend on the policy alone. (With direct PMEM, promotion waits for background
    /// reclaim to make room, so misses also depend on reclaim timing.)
    @Test func noPolicyMissesFewerDRAMAccessesThanBelady() throws {
        for (name, make) in Self.workloads {
            let trace = try make()
            for dram in ["10%", "30%"] {
                let tiers = "dram:\(dram);pmem:100%"
                for pmem in [PMEMAccess.paged] {
                    let bound = try replay(trace, policy: "belady", tiers: tiers, config: .demandOnly, pmem: pmem).counters.dramMisses
                    for policy in PolicyCatalog.names where policy != "belady" {
                        let misses = try replay(trace, policy: policy, tiers: tiers, config: .demandOnly, pmem: pmem).counters.dramMisses
                        #expect(misses >= bound, "\(policy) on \(name) at \(dram) (\(pmem)): \(misses) < Belady's \(bound)")
                    }
                }
            }
        }
    }

    @Test func lruMissesNeverIncreaseWithCapacity() throws {
        for (name, make) in Self.workloads {
            let trace = try make()
            var previous = UInt64.max
            for percent in stride(from: 5, through: 100, by: 5) {
                let misses = try replay(trace, policy: "lru", tiers: "dram:\(percent)%;pmem:100%", config: .demandOnly, pmem: .paged).counters.dramMisses
                #expect(misses <= previous, "\(name): LRU misses rose to \(misses) at \(percent)%")
                previous = misses
            }
        }
    }

    @Test func exactMissRatioCurveEqualsLRUReplayAtEverySize() throws {
        // No frees: an LRU cache of pages, like the curve, knows nothing of them.
        let trace = try events(.zipf, records: 20_000, pages: 300)
        let curve = try MissRatioCurve.exact(ArraySource(trace))
        let pages = try TraceProfile.measure(ArraySource(trace), withNextUse: false).distinctPages
        for size in [1, 2, 7, 30, 64, 150, 299, pages] {
            let tiers = "dram:\(size * 4096);pmem:100%"
            let result = try replay(trace, policy: "lru", tiers: tiers, config: .demandOnly, pmem: .paged)
            #expect(curve.misses[size] == result.counters.dramMisses, "size \(size)")
        }
    }

    @Test func shardsApproximatesTheExactCurve() throws {
        let trace = try events(.zipf, records: 200_000, pages: 20_000)
        let exact = try MissRatioCurve.exact(ArraySource(trace))
        let sampled = try MissRatioCurve.sampled(ArraySource(trace), rate: 0.1)
        let all = sampled.error(against: exact)
        #expect(all.mean < 0.01, "mean absolute error \(all.mean)")
        // Below about ten sampled pages (100 pages at rate 0.1) the curve has too few points.
        let resolvable = sampled.error(against: exact, from: 100)
        #expect(resolvable.max < 0.06, "max absolute error from 100 pages \(resolvable.max)")
    }

    @Test func replayIsDeterministic() throws {
        let trace = try events(.phases, records: 20_000, pages: 600)
        for policy in PolicyCatalog.names {
            let a = try replay(trace, policy: policy, tiers: "dram:20%;pmem:50%;compressed:50%")
            let b = try replay(trace, policy: policy, tiers: "dram:20%;pmem:50%;compressed:50%")
            #expect(a.counters == b.counters, "\(policy)")
            #expect(a.modelledNs == b.modelledNs)
        }
    }

    @Test func watermarksTurnStallsIntoBackgroundReclaim() throws {
        let trace = try events(.zipf, records: 40_000, pages: 2_000)
        let demand = try replay(trace, policy: "lru", tiers: "dram:20%;pmem:100%", config: .demandOnly, pmem: .paged)
        var config = ControllerConfig()
        config.lowWatermark = 0.05
        config.highWatermark = 0.1
        let reclaiming = try replay(trace, policy: "lru", tiers: "dram:20%;pmem:100%", config: config, pmem: .paged)
        #expect(demand.counters.backgroundDemotions == 0)
        #expect(reclaiming.counters.backgroundDemotions > 0)
        #expect(reclaiming.counters.directReclaimStalls < demand.counters.directReclaimStalls / 2,
                "\(reclaiming.counters.directReclaimStalls) vs \(demand.counters.directReclaimStalls)")
    }
}
