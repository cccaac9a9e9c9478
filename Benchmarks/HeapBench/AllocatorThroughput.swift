import CMemkind
import Foundation
import Glibc
import TierMem

/// Small-object allocate + free throughput: each thread repeats "allocate a batch of objects of
/// mixed small sizes, touch each, free them all", the same sequence for every allocator.
enum AllocatorThroughput {
    static let sizes: [Int] = (0..<1024).map { [16, 24, 32, 48, 64, 96, 128, 256][($0 &* 2_654_435_761) % 8] }
    static let batch = 256

    struct Allocator: @unchecked Sendable {
        var name: String
        var allocate: (Int) -> UnsafeMutableRawPointer?
        var free: (UnsafeMutableRawPointer) -> Void
    }

    /// Millions of allocate+free pairs per second over `threads` threads, `pairs` pairs each.
    static func measure(_ allocator: Allocator, threads: Int, pairs: Int) -> Double {
        let group = DispatchGroup()
        let start = Date()
        for _ in 0..<threads {
            group.enter()
            Thread {
                var pointers = [UnsafeMutableRawPointer?](repeating: nil, count: batch)
                var index = 0
                for _ in 0..<(pairs / batch) {
                    for slot in 0..<batch {
                        let pointer = allocator.allocate(sizes[index & 1023])!
                        pointer.storeBytes(of: UInt8(truncatingIfNeeded: slot), as: UInt8.self)
                        pointers[slot] = pointer
                        index &+= 1
                    }
                    for slot in 0..<batch { allocator.free(pointers[slot]!) }
                }
                group.leave()
            }.start()
        }
        group.wait()
        return Double(threads * (pairs / batch) * batch) / Date().timeIntervalSince(start) / 1e6
    }

    static func run(heap: TieredHeap, pairs: Int) {
        let allocators = [
            Allocator(name: "glibc malloc", allocate: { malloc($0) }, free: { Glibc.free($0) }),
            Allocator(name: "memkind_malloc (MEMKIND_DEFAULT)", allocate: { memkind_malloc(ctm_memkind_default(), $0) },
                      free: { memkind_free(ctm_memkind_default(), $0) }),
            Allocator(name: "TieredHeap", allocate: { try? heap.allocate(byteCount: $0) }, free: { heap.deallocate($0) }),
        ]
        print("\nSmall-object allocate + free (8 sizes 16–256 B, batches of \(batch)), M pairs/s, best of 3")
        print("| allocator | 1 thread | 2 threads |")
        print("|---|---:|---:|")
        for allocator in allocators {
            let rates = [1, 2].map { threads in (0..<3).map { _ in measure(allocator, threads: threads, pairs: pairs) }.max()! }
            print(String(format: "| %@ | %.1f | %.1f |", allocator.name, rates[0], rates[1]))
        }
    }
}
