import Foundation
import Testing
@testable import TierMem

@Suite("Compressed pool: chunks go back to the system when empty; compaction empties sparse ones")
struct CompressedPoolTests {
    /// `count` distinct 1,000-byte payloads (one size class: 1,024-byte slots, 64 to a chunk).
    private func payload(_ index: Int) -> [UInt8] { (0..<1000).map { UInt8(truncatingIfNeeded: $0 &* 31 &+ index &* 7) } }

    /// A pool with payloads 0..<count stored, and their handles.
    private func filledPool(_ count: Int) throws -> (CompressedPool, [CompressedPool.Handle]) {
        let pool = CompressedPool(capacityPages: 4000, pageSize: 4096)
        let handles = try (0..<count).map { index in try #require(payload(index).withUnsafeBytes { pool.store($0, codec: .lz4) }) }
        return (pool, handles)
    }

    @Test("an emptied chunk is given back; a partly used one is kept")
    func emptyChunksGoBack() throws {
        let (pool, handles) = try filledPool(128)
        #expect(pool.usage.poolBytes == 2 * CompressedPool.chunkBytes)
        for handle in handles[64...] { pool.release(handle) }  // the second chunk's slots, all of them
        #expect(pool.usage.poolBytes == CompressedPool.chunkBytes)
        pool.release(handles[0])
        #expect(pool.usage.poolBytes == CompressedPool.chunkBytes)
        for (index, handle) in handles[1..<64].enumerated() { #expect(Array(pool.bytes(of: handle)) == payload(index + 1)) }
    }

    @Test("a new page takes the lowest free slot: freed low slots first, then a fresh chunk")
    func lowestFreeSlotFirst() throws {
        let (pool, handles) = try filledPool(192)  // three full chunks of 64 slots
        pool.release(handles[130])  // chunk 2
        pool.release(handles[5])    // chunk 0, freed after: the search must still go back to it
        let store = { (index: Int) in try #require(self.payload(index).withUnsafeBytes { pool.store($0, codec: .lz4) }) }
        #expect(try store(1_000).slot == 5)
        #expect(try store(1_001).slot == 130)
        #expect(try store(1_002).slot == 192)  // all full: the first slot of a fourth chunk
        #expect(pool.usage.poolBytes == 4 * CompressedPool.chunkBytes)
        pool.release(handles[64])   // chunk 1, below where the last search ended
        #expect(try store(1_003).slot == 64)
    }

    @Test("relocating the slots of sparse chunks into lower ones frees chunks and keeps every byte")
    func compactionFreesChunks() throws {
        let (pool, handles) = try filledPool(640)
        #expect(pool.usage.poolBytes == 10 * CompressedPool.chunkBytes)
        // Three of every four pages leave (promoted, say): every chunk is a quarter full.
        var kept: [Int: CompressedPool.Handle] = [:]
        for (index, handle) in handles.enumerated() {
            if index % 4 == 0 { kept[index] = handle } else { pool.release(handle) }
        }
        #expect(pool.usage.poolBytes == 10 * CompressedPool.chunkBytes)
        #expect(pool.occupancy < 0.3)
        for (index, handle) in kept {
            if let moved = pool.relocateOutOfSparseChunk(handle) { kept[index] = moved }
        }
        // 160 pages fit in 2.5 chunks: the pool holds 3 chunks now, not 10.
        #expect(pool.usage.poolBytes == 3 * CompressedPool.chunkBytes, "\(pool.usage)")
        for (index, handle) in kept { #expect(Array(pool.bytes(of: handle)) == payload(index)) }
        for handle in kept.values { pool.release(handle) }
        #expect(pool.usage.poolBytes == 0 && pool.usage.storedPages == 0)
    }

    @Test("the arena compacts its pool: after most compressed pages come back, the pool shrinks and every page reads back intact")
    func arenaCompactsItsPool() throws {
        let arena = try makeArena(dram: 600, compressed: 600)
        let pages = 512
        // Noise: stored raw, 16 pages to a 64 KiB chunk, 32 chunks in all.
        PagePattern.fill(arena, pages: 0..<pages, generation: 2)
        for page in 0..<pages { try arena.demote(page: page, to: .compressed(.lz4)) }
        let full = arena.stats().poolBytes
        for page in 0..<pages where page % 8 != 0 { try arena.promote(page: page) }
        #expect(arena.stats().poolBytes == full, "promotions alone leave every chunk partly used")
        #expect(arena.compressedPoolOccupancy < 0.5)
        let moved = arena.compactCompressedPool(scan: arena.pageCount)
        let after = arena.stats()
        print("pool \(full) bytes before, \(after.poolBytes) after compaction, \(moved) pages moved")
        #expect(moved > 0 && after.poolRelocations == moved)
        #expect(after.poolBytes < full / 2)
        for page in 0..<pages {
            #expect(PagePattern.firstMismatch(arena.address(ofPage: page), page: page, generation: 2, pageSize: arena.pageSize) == nil,
                    "page \(page) changed")
        }
    }
}

@Suite("Compressed pool compaction under concurrent faults", .serialized)
struct CompressedPoolCompactionRaceTests {
    /// Half noise, half zeros: LZ4 shrinks it to about half a page, so a size class spreads over
    /// many chunks and compaction has slots to move.
    private static func fill(_ address: UnsafeMutableRawPointer, page: Int, generation: UInt64, pageSize: Int) {
        let words = address.assumingMemoryBound(to: UInt64.self)
        for index in 0..<(pageSize / 8) {
            words[index] = index < pageSize / 16 ? PagePattern.word(page: page, generation: generation * 3 + 2, index: index) : 0
        }
    }

    @Test("pages relocated in the pool while threads fault them back in and the arena demotes them keep every byte")
    func compactionRacesWithFaults() throws {
        let pages = 512
        let arena = try makeArena(dram: 600, compressed: 1200)
        let size = arena.pageSize
        for page in 0..<pages { Self.fill(arena.address(ofPage: page), page: page, generation: 1, pageSize: size) }
        let shared = SharedState()
        let deadline = Date().addingTimeInterval(2)
        onThreads(3) { thread in
            var random = SystemRandomNumberGenerator()
            while Date() < deadline {
                let page = Int.random(in: 0..<pages, using: &random)
                if thread == 0 {
                    // Demote at random and compact: slots free up unevenly, then move down.
                    _ = try? arena.demote(page: page, to: .compressed(.lz4))
                    if Int.random(in: 0..<8, using: &random) == 0 { shared.count("relocations", arena.compactCompressedPool(scan: 64)) }
                } else {
                    // Read a word: a fault brings the page in if it is in the pool.
                    let words = arena.address(ofPage: page).assumingMemoryBound(to: UInt64.self)
                    let index = Int.random(in: 0..<(size / 16), using: &random)
                    if words[index] != PagePattern.word(page: page, generation: 5, index: index) { shared.fail("page \(page) word \(index) wrong") }
                    shared.count("reads")
                }
            }
        }
        for page in 0..<pages {
            let words = arena.address(ofPage: page).assumingMemoryBound(to: UInt64.self)
            for index in 0..<(size / 8) where words[index] != (index < size / 16 ? PagePattern.word(page: page, generation: 5, index: index) : 0) {
                shared.fail("final check: page \(page) word \(index) wrong")
                break
            }
        }
        print("compaction race: \(shared.tally("reads")) reads, \(shared.tally("relocations")) relocations; \(arena.stats().poolRelocations) in all")
        #expect(shared.recordedFailures.isEmpty, "\(shared.recordedFailures.prefix(5))")
        #expect(shared.tally("relocations") > 0, "the test moved no slot: it did not test compaction")
    }
}
