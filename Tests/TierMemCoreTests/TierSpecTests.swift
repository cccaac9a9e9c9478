import Testing
import TierMemCore

@Suite struct TierSpecTests {
    @Test func parsesTheDocumentedExample() throws {
        let spec = try TierSpec(parsing: "dram:256MiB;pmem:/mnt/pmem0:4GiB;compressed:lz4:512MiB")
        #expect(spec.tiers.map(\.kind) == [.dram, .pmem, .compressed])
        #expect(spec[.dram]?.capacity == .bytes(.mebibytes(256)))
        #expect(spec[.pmem]?.directory == "/mnt/pmem0")
        #expect(spec[.pmem]?.capacity == .bytes(.gibibytes(4)))
        #expect(spec[.compressed]?.codec == .lz4)
        #expect(spec.description == "dram:256MiB;pmem:/mnt/pmem0:4GiB;compressed:lz4:512MiB")
        #expect(try TierSpec(parsing: spec.description) == spec)
    }

    @Test func defaultsAndOrdering() throws {
        let spec = try TierSpec(parsing: " compressed:25% ; dram:10% ; pmem:1GiB ;")
        #expect(spec.tiers.map(\.kind) == [.dram, .pmem, .compressed])
        #expect(spec[.pmem]?.directory == nil)
        #expect(spec[.compressed]?.codec == .lz4)
        #expect(spec[.dram]?.capacity == .percentOfFootprint(10))
        #expect(try TierSpec(parsing: "compressed:zstd:1GiB")[.compressed]?.codec == .zstd)
        #expect(try TierSpec(parsing: "pmem:/a:b/c:2GiB")[.pmem]?.directory == "/a:b/c")
    }

    @Test(arguments: [
        ("", "at least one tier"),
        ("hbm:1GiB", "unknown tier kind 'hbm'"),
        ("dram", "expected a size"),
        ("dram:", "expected a size"),
        ("dram:lots", "bad size"),
        ("dram:x:1GiB", "takes no other field"),
        ("pmem:relative/dir:1GiB", "not an absolute path"),
        ("compressed:lzma:1GiB", "unknown codec 'lzma'"),
        ("dram:1GiB;dram:2GiB", "given twice"),
    ])
    func errorsNameTheTokenAndWhatWasExpected(text: String, fragment: String) {
        do {
            _ = try TierSpec(parsing: text)
            Issue.record("'\(text)' should not parse")
        } catch {
            #expect(error.description.contains(fragment), "\(error)")
            if !text.isEmpty && !text.contains(";") {
                #expect(error.description.contains("'\(text)'"), "\(error)")
            }
        }
    }

    @Test func environmentVariable() throws {
        #expect(try TierSpec.fromEnvironment([:]) == nil)
        let spec = try TierSpec.fromEnvironment(["TIERMEM_TIERS": "dram:64MiB"])
        #expect(spec?[.dram]?.capacity == .bytes(.mebibytes(64)))
        do {
            _ = try TierSpec.fromEnvironment(["TIERMEM_TIERS": "dram:64QiB"])
            Issue.record("expected an error")
        } catch {
            #expect(error.description.hasPrefix("TIERMEM_TIERS: "))
        }
    }
}
