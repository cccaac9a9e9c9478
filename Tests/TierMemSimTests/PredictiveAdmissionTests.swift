import Testing
import TierMemCore
import TierMemSim
import TierMemTrace

/// The predictive policy's admission: a page that faults while DRAM is full comes in only if it
/// is expected back well before the victim; otherwise it is served from its tier.
@Suite struct PredictiveAdmissionTests {
    static let tiers = "dram:25%;pmem:100%;compressed:lz4:25%"

    @Test func leavingColdPagesOutCutsStallsAndMigrations() throws {
        let trace = try shipped("python-dict.tmt")
        let admitAll = try replay(trace, policy: "predictive", tiers: Self.tiers, options: ["bypass": 0])
        let admission = try replay(trace, policy: "predictive", tiers: Self.tiers)
        #expect(admitAll.counters.bypassedFaults == 0)
        #expect(admission.counters.bypassedFaults > 0)
        #expect(admission.counters.directReclaimStalls * 2 < admitAll.counters.directReclaimStalls,
                "stalls \(admission.counters.directReclaimStalls) with admission, \(admitAll.counters.directReclaimStalls) without")
        let moves = { (r: ReplayResult) in r.counters.demandPromotions + r.counters.directReclaimDemotions + r.counters.backgroundDemotions }
        #expect(moves(admission) < moves(admitAll))
        #expect(admission.counters.accesses == admitAll.counters.accesses)
    }

    @Test func aLargerFactorAdmitsMore() throws {
        let trace = try shipped("gzip-9.tmt")
        let strict = try replay(trace, policy: "predictive", tiers: Self.tiers, options: ["bypass": 0.1])
        let lenient = try replay(trace, policy: "predictive", tiers: Self.tiers, options: ["bypass": 4])
        #expect(strict.counters.bypassedFaults > lenient.counters.bypassedFaults)
    }

    @Test func theOptionIsChecked() throws {
        let layout = try TierLayout(spec: TierSpec(parsing: Self.tiers), footprintPages: 100, pageSize: 4096, pmemAccess: .paged)
        var options = PolicyOptions()
        options.values["bypass"] = -1
        #expect(throws: PolicyOptionError.self) { try PredictivePolicy(layout: layout, options: options) }
    }
}
