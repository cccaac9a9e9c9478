import Foundation
import Testing
import TierMem
import TierMemCore

/// Fills `byteCount` bytes at `pointer` with a pattern of `seed`, or checks it.
private func stamp(_ pointer: UnsafeMutableRawPointer, _ byteCount: Int, seed: UInt8) {
    for index in 0..<byteCount { pointer.storeBytes(of: seed &+ UInt8(truncatingIfNeeded: index &* 31), toByteOffset: index, as: UInt8.self) }
}
private func holds(_ pointer: UnsafeRawPointer, _ byteCount: Int, seed: UInt8) -> Bool {
    (0..<byteCount).allSatisfy { pointer.load(fromByteOffset: $0, as: UInt8.self) == seed &+ UInt8(truncatingIfNeeded: $0 &* 31) }
}

@Suite("TieredHeap: the allocator over the live arena")
struct TieredHeapTests {
    @Test("objects of every size class and large runs hold their bytes; alignment, usable size, reallocate")
    func allocateWriteFreeReallocate() throws {
        let heap = try TieredHeap(tiers: "dram:1MiB;compressed:4MiB")
        var live: [(UnsafeMutableRawPointer, Int, UInt8)] = []
        for (index, size) in [1, 15, 16, 17, 100, 500, 2048, 2049, 5000, 70_000].enumerated() {
            let pointer = try heap.allocate(byteCount: size)
            #expect(UInt(bitPattern: pointer) % 16 == 0)
            #expect(heap.usableSize(pointer) >= size)
            stamp(pointer, size, seed: UInt8(index))
            live.append((pointer, size, UInt8(index)))
        }
        let aligned = try heap.allocate(byteCount: 100, alignment: 128)
        #expect(UInt(bitPattern: aligned) % 128 == 0)
        let pageAligned = try heap.allocate(byteCount: 10, alignment: 8192)
        #expect(UInt(bitPattern: pageAligned) % 8192 == 0)
        for alignment in [8192, 16384, 65536] {
            let pointer = try heap.allocate(byteCount: 5000, alignment: alignment)
            #expect(UInt(bitPattern: pointer) % UInt(alignment) == 0, "alignment \(alignment)")
            heap.deallocate(pointer)
        }
        for (pointer, size, seed) in live { #expect(holds(pointer, size, seed: seed), "\(size) bytes") }

        var grown = try heap.reallocate(live[4].0, byteCount: 3000)  // 100 → 3000: moves to a run
        #expect(holds(grown, 100, seed: 4))
        grown = try heap.reallocate(grown, byteCount: 2500)  // still fits its page
        #expect(holds(grown, 100, seed: 4))
        let zeroed = try heap.allocateZeroed(byteCount: 512)
        #expect(holds(zeroed, 0, seed: 0) && (0..<512).allSatisfy { zeroed.load(fromByteOffset: $0, as: UInt8.self) == 0 })

        for (offset, item) in live.enumerated() where offset != 4 { heap.deallocate(item.0, byteCount: item.1) }
        heap.deallocate(grown)
        heap.deallocate(aligned)
        heap.deallocate(pageAligned)
        heap.deallocate(zeroed)
        heap.trim()
        let stats = heap.stats()
        #expect(stats.smallObjects == 0 && stats.runPages == 0 && stats.slabPages == 0)
        #expect(stats.metadataBytesPerPage <= 64)
    }

    @Test("a heap four times its DRAM: every object survives the moves; then out of memory is a clear error")
    func overcommittedHeap() throws {
        let heap = try TieredHeap(tiers: "dram:256KiB;pmem:512KiB;compressed:512KiB")
        var objects: [(UnsafeMutableRawPointer, Int)] = []
        var index = 0
        while true {
            let size = [48, 200, 1000, 6000][index % 4]
            guard let pointer = try? heap.allocate(byteCount: size) else { break }
            stamp(pointer, size, seed: UInt8(truncatingIfNeeded: index))
            objects.append((pointer, size))
            index += 1
        }
        #expect(objects.count > 200)
        for (offset, (pointer, size)) in objects.enumerated() {
            #expect(holds(pointer, size, seed: UInt8(truncatingIfNeeded: offset)), "object \(offset)")
        }
        let stats = heap.stats()
        #expect(stats.arena.dramPages <= stats.arena.dramCapacityPages)
        #expect(stats.arena.directReclaims > 0)
        do {
            _ = try heap.allocate(byteCount: 1 << 20)
            Issue.record("a 1 MiB allocation fit in a full heap")
        } catch {
            #expect("\(error)".contains("out of memory") && "\(error)".contains("tier specification"))
        }
        for (pointer, _) in objects { heap.deallocate(pointer) }
        heap.trim()
        #expect(heap.stats().slabPages == 0, "empty slabs go back to the page pool")
        // Freed runs and slabs coalesce: a large run fits again.
        let big = try heap.allocate(byteCount: 64 << 10)
        heap.deallocate(big)
    }

    @Test("threads allocate, free each other's objects, and verify")
    func threadsShareTheHeap() throws {
        let heap = try TieredHeap(tiers: "dram:512KiB;compressed:4MiB")
        let shared = SharedState()
        let handoff = NSLock()
        nonisolated(unsafe) var passed: [(UInt, Int, UInt8)] = []
        onThreads(3) { thread in
            var mine: [(UInt, Int, UInt8)] = []
            var random = SystemRandomNumberGenerator()
            for step in 0..<4000 {
                let size = [16, 40, 128, 700, 2048, 3000][Int.random(in: 0..<6, using: &random)]
                let seed = UInt8(truncatingIfNeeded: step &+ thread)
                guard let pointer = try? heap.allocate(byteCount: size, hint: step % 5 == 0 ? .cold : .none) else {
                    shared.fail("allocation \(step) failed"); return
                }
                stamp(pointer, size, seed: seed)
                mine.append((UInt(bitPattern: pointer), size, seed))
                if mine.count > 50 {
                    let victim = mine.remove(at: Int.random(in: 0..<mine.count, using: &random))
                    handoff.withLock { passed.append(victim) }
                }
                // Free someone's object (often another thread's).
                if let (address, size, seed) = handoff.withLock({ passed.popLast() }) {
                    let pointer = UnsafeMutableRawPointer(bitPattern: address)!
                    if !holds(pointer, size, seed: seed) { shared.fail("object of \(size) bytes corrupted") }
                    heap.deallocate(pointer, byteCount: size)
                }
            }
            for (address, size, seed) in mine {
                let pointer = UnsafeMutableRawPointer(bitPattern: address)!
                if !holds(pointer, size, seed: seed) { shared.fail("object of \(size) bytes corrupted at the end") }
                heap.deallocate(pointer)
            }
        }
        for (address, _, _) in passed { heap.deallocate(UnsafeMutableRawPointer(bitPattern: address)!) }
        #expect(shared.recordedFailures.isEmpty, "\(shared.recordedFailures)")
        #expect(heap.stats().smallObjects == 0)
        // The running count of cold-hinted pages in DRAM survived every move, free and reuse.
        // The fault service may still be reading ahead (and reclaiming for it) after waking the
        // last faulting thread: compare once the count holds still across a census.
        var counted = -1, census = -2
        for _ in 0..<200 where counted != census {
            counted = heap.arena.coldDRAMPages
            census = heap.arena.coldPageCensus().inDRAM
            if heap.arena.coldDRAMPages != counted { census = -2 }
            if counted != census { usleep(1_000) }
        }
        #expect(counted == census)
    }

    @Test("cold objects never share a page with others, and their pages leave DRAM first")
    func coldHintSegregatesAndDemotesFirst() throws {
        let heap = try TieredHeap(tiers: "dram:64KiB;compressed:1MiB")  // 16 DRAM pages
        let arena = heap.arena
        let pageOf = { (pointer: UnsafeMutableRawPointer) in (UInt(bitPattern: pointer) - UInt(bitPattern: arena.baseAddress)) / UInt(arena.pageSize) }
        var coldPages = Set<UInt>(), otherPages = Set<UInt>()
        for index in 0..<64 {
            let cold = try heap.allocate(byteCount: 1000, hint: .cold)
            let hot = try heap.allocate(byteCount: 1000, hint: index % 2 == 0 ? .hot : .none)
            stamp(cold, 1000, seed: 1)
            stamp(hot, 1000, seed: 2)
            coldPages.insert(pageOf(cold))
            otherPages.insert(pageOf(hot))
        }
        #expect(coldPages.isDisjoint(with: otherPages))
        // 16 cold pages and 24 other pages were touched with 16 DRAM frames: the cold ones went first.
        let coldInDRAM = try coldPages.filter { try arena.location(ofPage: Int($0)) == .dram }.count
        let othersInDRAM = try otherPages.filter { try arena.location(ofPage: Int($0)) == .dram }.count
        #expect(coldInDRAM < othersInDRAM, "cold in DRAM: \(coldInDRAM), others: \(othersInDRAM)")
    }

    @Test("configuration from TIERMEM_TIERS, and defaults sized from the machine")
    func configuration() throws {
        let heap = try TieredHeap.fromEnvironment(["TIERMEM_TIERS": "dram:128KiB;compressed:128KiB"])
        #expect(heap.arena.dramCapacityPages == 32)
        let defaults = MachineMemory.defaultTiers()
        #expect(defaults[.dram] != nil && defaults[.compressed] != nil)
        #expect(MachineMemory.limit() > 1 << 20)
        do {
            _ = try TieredHeap.fromEnvironment(["TIERMEM_TIERS": "dram:lots"])
            Issue.record("a bad TIERMEM_TIERS was accepted")
        } catch {
            #expect("\(error)".contains("TIERMEM_TIERS"))
        }
        let signalled = try TieredHeap.fromEnvironment(["TIERMEM_TIERS": "dram:128KiB;compressed:128KiB", "TIERMEM_FAULTS": "signal"])
        #expect(signalled.arena.faultHandling == .faultingThread && heap.arena.faultHandling == .handlerThread)
        #expect(throws: LiveArenaError.configuration("TIERMEM_FAULTS='sigbus': expected 'thread' or 'signal'")) {
            try TieredHeap.fromEnvironment(["TIERMEM_TIERS": "dram:128KiB", "TIERMEM_FAULTS": "sigbus"])
        }
    }

    @Test("with faults resolved on the faulting thread, a bus error outside the heap still terminates the process")
    func foreignBusErrorStillFatal() async {
        // Under a sanitizer, its runtime's handler is the one ours chains to: it reports the
        // deadly signal and exits with its own code instead of dying of SIGBUS.
        let environment = ProcessInfo.processInfo.environment
        let sanitized = environment["TSAN_OPTIONS"] != nil || environment["ASAN_OPTIONS"] != nil
        let busError: ExitTest.Condition = sanitized ? .failure : .signal(SIGBUS)
        await #expect(processExitsWith: busError) {
            let heap = try TieredHeap(tiers: "dram:64KiB;compressed:64KiB", faultHandling: .faultingThread)
            let pointer = try heap.allocate(byteCount: 64)
            pointer.storeBytes(of: 1, as: UInt8.self)
            // A real bus error: a page of a shared mapping past the end of its (empty) file.
            let descriptor = fileno(tmpfile())
            let mapping = mmap(nil, Int(getpagesize()), PROT_READ, MAP_SHARED, descriptor, 0)!
            _ = mapping.load(as: UInt8.self)
        }
        await #expect(processExitsWith: busError) {
            _ = try TieredHeap(tiers: "dram:64KiB;compressed:64KiB", faultHandling: .faultingThread)
            raise(SIGBUS)
        }
    }

    @Test("sizes no heap holds throw out-of-memory instead of overflowing or trapping")
    func hugeSizesThrow() throws {
        let heap = try TieredHeap(tiers: "dram:64KiB;compressed:64KiB")
        for size in [Int.max, Int.max - 4095, Int.max / 2 + 1, heap.arena.byteCount + 1] {
            #expect(throws: TieredHeapError.self, "\(size) bytes") { try heap.allocate(byteCount: size) }
            #expect(throws: TieredHeapError.self, "\(size) bytes") { try heap.allocate(byteCount: size, alignment: 1 << 20) }
        }
        let pointer = try heap.allocate(byteCount: 100)
        #expect(throws: TieredHeapError.self) { try heap.reallocate(pointer, byteCount: Int.max) }
        heap.deallocate(pointer)  // still the heap's, intact after the failed resize
    }

    @Test("a double free stops the program with a message")
    func doubleFreeTraps() async {
        await #expect(processExitsWith: .failure) {
            let heap = try TieredHeap(tiers: "dram:64KiB")
            let pointer = try heap.allocate(byteCount: 32)
            heap.deallocate(pointer)
            heap.deallocate(pointer)
        }
    }

    @Test("a foreign pointer stops the program")
    func foreignPointerTraps() async {
        await #expect(processExitsWith: .failure) {
            let heap = try TieredHeap(tiers: "dram:64KiB")
            let foreign = UnsafeMutableRawPointer.allocate(byteCount: 16, alignment: 16)
            heap.deallocate(foreign)
        }
    }

    @Test("a size that does not match the allocation stops the program")
    func sizeMismatchTraps() async {
        await #expect(processExitsWith: .failure) {
            let heap = try TieredHeap(tiers: "dram:64KiB")
            let pointer = try heap.allocate(byteCount: 32)
            heap.deallocate(pointer, byteCount: 1000)
        }
    }
}

@Suite("TieredHeap: DRAM budget at run time")
struct DRAMBudgetTests {
    @Test("shrinking demotes at once, growing gives room back, an impossible shrink is refused; bytes intact")
    func balloon() throws {
        let heap = try TieredHeap(tiers: "dram:512KiB;compressed:1MiB")
        try heap.startDaemon(LRUPolicy.self)
        let objects = try (0..<24).map { _ in try heap.allocate(byteCount: 48 << 10) }  // 1,152 KiB: 288 pages
        for (index, object) in objects.enumerated() { memset(object, Int32(index + 1), 48 << 10) }
        func intact() -> Bool {
            objects.enumerated().allSatisfy { index, object in
                (0..<(48 << 10)).allSatisfy { object.load(fromByteOffset: $0, as: UInt8.self) == UInt8(index + 1) }
            }
        }
        try heap.setDRAMBudget(bytes: 128 << 10)
        #expect(heap.arena.dramCapacityPages == 32)
        #expect(heap.arena.stats().dramPages <= 32, "shrunk before returning")
        #expect(heap.daemonStats != nil, "the daemon restarted with the new size")
        #expect(intact())
        #expect(heap.arena.stats().dramPages <= 32, "page-ins stay within the new budget")

        try heap.setDRAMBudget(bytes: 2 << 20)  // more than the heap was created with
        let reclaimsBefore = heap.arena.stats().directReclaims
        #expect(intact())
        #expect(heap.arena.stats().directReclaims == reclaimsBefore, "the grown budget holds every page")
        #expect(heap.arena.stats().dramPages > 32)

        do {
            try heap.setDRAMBudget(bytes: 4096)
            Issue.record("DRAM shrank below what the lower tiers can take")
        } catch {
            #expect("\(error)".contains("cannot shrink"))
        }
        heap.stopDaemon()
        for object in objects { heap.deallocate(object) }
    }
}
