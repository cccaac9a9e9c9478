import Foundation
import Testing
@testable import TierMem

/// What another thread saw, handed back to the test.
private final class Probe: @unchecked Sendable {
    weak var cache: ThreadCache?
}

@Suite("Thread caches: released once, whether the thread or the heap ends first")
struct ThreadCacheLifetimeTests {
    @Test("a heap destroyed while its threads run releases their caches; a thread that exits first releases its own")
    func cachesAreReleasedWhicheverEndsFirst() throws {
        var heap: TieredHeap? = try TieredHeap(tiers: "dram:1MiB;compressed:4MiB")
        // The threads must not keep the heap alive.
        unowned let target = heap!
        let key = target.threadCacheKeyID
        // This thread's cache: the test's thread outlives the heap.
        target.deallocate(try target.allocate(byteCount: 32), byteCount: 32)
        weak let mine = target.currentThreadCache
        #expect(mine != nil)

        // A thread that allocates and exits before the heap ends: its exit releases its cache.
        let exited = DispatchSemaphore(value: 0)
        Thread {
            if let pointer = try? target.allocate(byteCount: 64) { target.deallocate(pointer, byteCount: 64) }
            exited.signal()
        }.start()
        exited.wait()
        // A thread that allocates and is still running when the heap ends.
        let probe = Probe()
        let allocated = DispatchSemaphore(value: 0), proceed = DispatchSemaphore(value: 0), done = DispatchSemaphore(value: 0)
        Thread {
            if let pointer = try? target.allocate(byteCount: 128) { target.deallocate(pointer, byteCount: 128) }
            probe.cache = target.currentThreadCache
            allocated.signal()
            proceed.wait()
            done.signal()
        }.start()
        allocated.wait()
        #expect(probe.cache != nil)
        // The first thread's exit may still be running its destructors.
        var waited = 0
        while InstalledCaches.shared.count(of: key) > 2 && waited < 5_000 {
            usleep(1_000)
            waited += 1
        }
        #expect(InstalledCaches.shared.count(of: key) == 2)

        heap = nil
        #expect(InstalledCaches.shared.count(of: key) == 0)
        #expect(mine == nil, "the test thread's cache outlived its heap")
        #expect(probe.cache == nil, "a running thread's cache outlived its heap")
        proceed.signal()
        done.wait()  // its exit after the heap's end releases nothing twice
    }
}
