import Testing
import TierMem

@Suite("The demo's key-value workload")
struct KeyValueWorkloadTests {
    private func workload() throws -> KeyValueWorkload {
        var settings = KeyValueWorkload.Settings()
        settings.keys = 2_000
        settings.operations = 30_000
        // Phases and scans inside the run, so that slices cut across both.
        settings.phaseOperations = 7_000
        settings.scanInterval = 5_000
        settings.scanShare = 0.1
        settings.archiveReadShare = 0.01
        let heap = try TieredHeap(tiers: "dram:64MiB")
        let workload = KeyValueWorkload(heap: heap, settings: settings, corpus: try PageCorpus())
        try workload.load()
        return workload
    }

    @Test("a run carried out in slices does the same operations as one carried out at once, every value intact")
    func slicedRunMatchesWholeRun() throws {
        let whole = try workload()
        let once = whole.run()
        let sliced = try workload()
        let run = sliced.startRun()
        var slices = 0
        let began = ContinuousClock.now
        while !run.isFinished {
            run.advance(by: 777)
            slices += 1
        }
        let wall = ContinuousClock.now - began
        let inSlices = run.result
        #expect(slices > 30)
        #expect(inSlices.operations == once.operations && once.operations == 30_000)
        #expect(inSlices.archiveReads == once.archiveReads && once.archiveReads > 100)
        #expect(inSlices.latency.count == once.latency.count)
        #expect(inSlices.corruptValues == 0 && once.corruptValues == 0)
        // Scans that slices cut across still read their keys.
        #expect(inSlices.scanReads == once.scanReads && once.scanReads >= 500)
        // The run's time is the slices' own, so no more than the wall time around them.
        #expect(inSlices.seconds > 0 && inSlices.seconds <= Double(wall.components.seconds) + Double(wall.components.attoseconds) / 1e18)
        #expect(whole.verifyAll() == 0 && sliced.verifyAll() == 0)
    }

    @Test("the scans are one sweep: it starts at the first archive key and goes on across runs where the last scan stopped")
    func scansSweepAcrossRuns() throws {
        let sweeping = try workload()
        // 2,000 keys, 30% active: the archive starts at key 600.
        #expect(sweeping.nextScanKey == 600)
        sweeping.warmUp(operations: 12_000)
        // Scans after 5,000 and 10,000 operations (and their own 200 reads each).
        #expect(sweeping.nextScanKey == 1_000)
        let result = sweeping.run()
        // The run's first scan comes 5,000 operations after the warm-up's last, not 5,000 into
        // the run: the schedule carries on too.
        #expect(result.scanReads == 6 * 200)
        #expect(sweeping.nextScanKey == (1_000 + result.scanReads) % 2_000)
        #expect(result.corruptValues == 0)
    }
}
