import Testing
@testable import TierMemCore

/// The predictive policy's admission, on the policy alone: a page left out is recorded as
/// accessed but never enters the policy's list; a page expected back soon is let in.
@Suite struct PredictiveAdmissionUnitTests {
    func context(_ now: UInt64, previous: UInt64) -> AccessContext {
        AccessContext(now: now, isWrite: false, position: 0, previousAccess: previous)
    }

    /// Four DRAM pages, each used every 1,000 ns (last at 3,000–3,030).
    func warmedPolicy() throws -> PredictivePolicy {
        var policy = try PredictivePolicy(layout: TierLayout(pageSize: 4096, dramPages: 4, pmemPages: 100), options: PolicyOptions())
        policy.pagesExist(10)
        for round in UInt64(1)...3 {
            for id in PageID(0)..<4 {
                let now = round * 1_000 + UInt64(id) * 10
                if round == 1 { policy.admitted(id, context(now, previous: 0)) } else { policy.hit(id, context(now, previous: now - 1_000)) }
            }
        }
        return policy
    }

    @Test func aPageExpectedBackLaterThanTheVictimsStaysOut() throws {
        var policy = try warmedPolicy()
        // Page 5 was last used at 30 ns: expected back in 3,070 ns; the victims in under 1,000.
        #expect(policy.victim(incoming: 5, context(3_100, previous: 30)) == 5)
        #expect(!policy.demotionCandidates(limit: 10).contains(5), "a page left out is not in the list")
        #expect(policy.demotionCandidates(limit: 10).count == 4)
        #expect(policy.gap[5] == 3_070, "its access is recorded once, with its gap")
        #expect(policy.last[5] == 3_100)
    }

    @Test func aPageExpectedBackSoonIsLetIn() throws {
        var policy = try warmedPolicy()
        let victim = policy.victim(incoming: 6, context(3_100, previous: 3_050))
        #expect(victim != nil && victim != 6)
        #expect(policy.gap[6] == 0, "not recorded by victim(): the controller admits it next")
    }

    @Test func withoutAdmissionEveryPageIsLetIn() throws {
        var options = PolicyOptions()
        options.values["bypass"] = 0
        var policy = try PredictivePolicy(layout: TierLayout(pageSize: 4096, dramPages: 4, pmemPages: 100), options: options)
        policy.pagesExist(10)
        for id in PageID(0)..<4 { policy.admitted(id, context(1_000 + UInt64(id), previous: 0)) }
        let victim = policy.victim(incoming: 5, context(3_100, previous: 30))
        #expect(victim != nil && victim != 5)
    }
}
