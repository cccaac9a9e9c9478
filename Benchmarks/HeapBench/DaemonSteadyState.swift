import Foundation
import TierMem
import TierMemCore

/// The daemon's CPU cost at steady state: a heap whose working set fits in DRAM, read lightly
/// by the application (a value every 100 µs), with the daemon sampling, feeding its policy and
/// publishing metrics every epoch. No migrations are owed, so this is the daemon's floor.
enum DaemonSteadyState {
    static func run(seconds: Double) throws {
        print("\nDaemon at steady state (\(Int(seconds)) s per policy; 40 MiB in use of 64 MiB DRAM, one read every 100 µs)")
        print("| policy | epochs | daemon CPU, share of one core | pages sampled |")
        print("|---|---:|---:|---:|")
        for policy in [LRUPolicy.self as any PlacementPolicy.Type, PredictivePolicy.self] {
            let heap = try TieredHeap(tiers: "dram:64MiB;compressed:64MiB")
            let objects = try (0..<640).map { _ in try heap.allocate(byteCount: 64 << 10) }
            for object in objects { memset(object, 1, 64 << 10) }
            try heap.startDaemon(policy)
            usleep(300_000)  // let the first epochs take in the load
            let before = heap.daemonStats!
            let end = Date().addingTimeInterval(seconds)
            var index = 0, sum = 0
            while Date() < end {
                sum &+= Int(objects[index % objects.count].load(fromByteOffset: (index * 4096) % (64 << 10), as: UInt8.self))
                index += 1
                usleep(100)
            }
            let after = heap.daemonStats!
            heap.stopDaemon()
            precondition(sum == index, "values changed under the daemon")
            let share = Double(after.cpuNanoseconds - before.cpuNanoseconds) / Double(after.wallNanoseconds - before.wallNanoseconds)
            print(String(format: "| %@ | %d | %.2f%% | %d |", after.policy, after.epochs - before.epochs, share * 100,
                         after.pagesSampled - before.pagesSampled))
            for object in objects { heap.deallocate(object) }
        }
        let stats = try TieredHeap(tiers: "dram:1MiB").stats()
        print("\nMetadata per arena page, outside the arena: \(stats.metadataBytesPerPage) bytes "
              + "(\(String(format: "%.2f", Double(stats.metadataBytesPerPage) / Double(stats.arena.pageSize) * 100))% of a page)")
    }
}
