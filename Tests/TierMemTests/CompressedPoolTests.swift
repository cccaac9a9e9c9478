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
        for (index, handle) in kept where pool.isWorthRelocating(handle) {
            if let moved = pool.relocate(handle) { kept[index] = moved }
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
        for page in 0..<pages { PagePattern.fill(arena.address(ofPage: page), page: page, generation: 2, pageSize: arena.pageSize) }
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
