import Testing
import TierMemFuzzing

/// A short run of the fuzz harness in every test run; CI also runs `make fuzz` (a million
/// inputs per reader, release build).
@Suite struct FuzzTests {
    @Test(arguments: ReaderFuzzer.Target.allCases)
    func readersSurviveRandomAndMutatedInput(target: ReaderFuzzer.Target) throws {
        var fuzzer = try ReaderFuzzer(seed: 42)
        let outcome = try fuzzer.run(target, count: 3_000)
        #expect(outcome.inputs == 3_000)
        // Both paths are exercised: some mutants still parse, most are rejected with an error.
        #expect(outcome.parsed > 0, "\(outcome)")
        #expect(outcome.rejected > 0, "\(outcome)")
    }
}
