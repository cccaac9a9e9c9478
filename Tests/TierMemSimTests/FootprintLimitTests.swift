import Testing
import TierMemSim
import TierMemTrace

@Suite("FootprintLimit: a trace that claims more pages than the limit is refused before they are indexed")
struct FootprintLimitTests {
    /// 64 reads of 4 GiB at 512-byte pages: a 114-byte .tmt file that once made the analyses
    /// allocate over 2 GB.
    let hostile = (0..<64).map { TraceEvent(time: UInt64($0), operation: .read, address: 0, size: .max) }
    let smallPages = TraceHeader(pageSize: 512)

    @Test("every whole-trace analysis refuses a record too large, saying what it claims and which flag raises the limit")
    func oversizedRecordsAreRefused() throws {
        let limit = FootprintLimit(file: "hostile.tmt")
        let analyses: [(String, () throws -> Void)] = [
            ("trace info", { _ = try TraceSummary.measure(ArraySource(hostile, header: smallPages), limit: limit) }),
            ("replay's profile", { _ = try TraceProfile.measure(ArraySource(hostile, header: smallPages), withNextUse: true, limit: limit) }),
            ("mrc", { _ = try MissRatioCurve.exact(ArraySource(hostile, header: smallPages), limit: limit) }),
        ]
        for (name, analyse) in analyses {
            do {
                try analyse()
                Issue.record("\(name) took the hostile trace")
            } catch {
                let message = "\(error)"
                #expect(message.hasPrefix("hostile.tmt: record 1: this record alone spans 8388608 pages (4 GiB)"), "\(name): \(message)")
                #expect(message.contains("--max-pages"), "\(name): \(message)")
            }
        }
    }

    @Test("the distinct pages are bounded too, and a raised limit lets the same trace through")
    func distinctPagesAreBounded() throws {
        // 300 reads of one page each, all different pages: 300 distinct pages.
        let spread = (0..<300).map { TraceEvent(time: UInt64($0), operation: .read, address: UInt64($0) << 12, size: 8) }
        do {
            _ = try TraceProfile.measure(ArraySource(spread), withNextUse: false, limit: FootprintLimit(maxPages: 256, file: "t"))
            Issue.record("300 distinct pages passed a limit of 256")
        } catch {
            #expect("\(error)".contains("record 257: the records up to here touch 257 distinct pages, more than the limit"))
        }
        let profile = try TraceProfile.measure(ArraySource(spread), withNextUse: false, limit: FootprintLimit(maxPages: 512, file: "t"))
        #expect(profile.distinctPages == 300)
    }
}
