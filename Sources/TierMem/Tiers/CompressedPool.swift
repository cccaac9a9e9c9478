import Glibc
import TierMemCore

/// Where compressed pages live: slots of 64-byte size classes carved from 64 KiB chunks, in the
/// manner of zsmalloc, so a page costs its compressed size rounded up to 64 bytes, not a malloc.
///
/// Capacity is *logical*, like zram's disksize: the number of pages the pool may hold, whatever
/// they compress to. A page that does not shrink may still be stored raw (the 4096-byte class)
/// when no other tier takes it, so a pool of N pages always has room for N pages.
/// A chunk whose slots are all free goes back to the system, and `relocateOutOfSparseChunk` moves a page's slot
/// into a lower chunk so that sparse chunks empty (a daemon compacts the pool with it, as
/// zsmalloc's compaction does).
/// Thread-safe: one mutex guards the free lists; the bytes of a slot belong to its page's owner.
final class CompressedPool: @unchecked Sendable {
    /// A stored page: size class, codec, compressed length and slot, packed in 54 bits so the
    /// arena's per-page state word can hold it.
    struct Handle: Equatable {
        var raw: UInt64
        static let bits = 54

        init(sizeClass: Int, codec: StoredCodec, length: Int, slot: Int) {
            raw = UInt64(sizeClass) | UInt64(codec.rawValue) << 7 | UInt64(length) << 9 | UInt64(slot) << 22
        }
        init(raw: UInt64) { self.raw = raw }

        var sizeClass: Int { Int(raw & 0x7F) }
        var codec: StoredCodec { StoredCodec(rawValue: UInt8((raw >> 7) & 0x3))! }
        var length: Int { Int((raw >> 9) & 0x1FFF) }
        var slot: Int { Int(raw >> 22) }
    }

    /// How a slot's bytes are encoded.
    enum StoredCodec: UInt8 {
        case raw = 0, lz4 = 1, zstd = 2
    }

    static let classStep = 64
    static let chunkBytes = 64 << 10

    let pageSize: Int
    let capacityPages: Int
    private var classes: [SizeClass]
    private let lock = PosixMutex()
    /// No memory for a new chunk is the storage refusing a page.
    private var pages: TierOccupancy
    private var compressedBytes = 0
    private var slotBytes = 0
    private var chunksHeld = 0

    /// One size class: its chunks (nil: given back to the system once empty; the index stays, so
    /// handles keep their meaning), slots in use per chunk, and each chunk's free slot offsets.
    /// New slots come from the lowest chunk that has one, so that use gathers in low chunks and
    /// high ones empty out (`relocateOutOfSparseChunk` moves slots down on purpose).
    private struct SizeClass {
        var slotSize: Int
        var chunks: [UnsafeMutableRawPointer?] = []
        var live: [Int] = []
        var freeOffsets: [[Int32]] = []
        /// No chunk below this one has a free slot: where the search for one starts, so that a
        /// store does not walk past every full chunk of a large pool under the lock.
        var lowestWithFree = 0
        var slotsPerChunk: Int { CompressedPool.chunkBytes / slotSize }
    }

    init(capacityPages: Int, pageSize: Int) {
        precondition(pageSize / Self.classStep <= 127 && pageSize < 8192, "page size \(pageSize) does not fit a pool handle")
        self.pageSize = pageSize
        self.capacityPages = capacityPages
        pages = TierOccupancy(capacityPages: capacityPages)
        classes = (1...(pageSize / Self.classStep)).map { SizeClass(slotSize: $0 * Self.classStep) }
    }

    deinit {
        for sizeClass in classes { for chunk in sizeClass.chunks { free(chunk) } }
    }

    /// What the pool holds: pages, the sum of their compressed lengths, of the slots holding
    /// them (what they really occupy), and the chunks taken from the system.
    struct Usage {
        var storedPages = 0
        var compressedBytes = 0
        var slotBytes = 0
        var poolBytes = 0
    }

    var usage: Usage {
        lock.lock()
        defer { lock.unlock() }
        return Usage(storedPages: pages.storedPages, compressedBytes: compressedBytes, slotBytes: slotBytes, poolBytes: chunksHeld * Self.chunkBytes)
    }

    /// Pages the pool was sized for and cannot hold (0 until a chunk could not be had).
    var shortfallPages: Int { lock.withLock { pages.shortfallPages } }
    /// Whether a `store` may succeed now.
    var hasRoom: Bool { lock.withLock { pages.hasRoom } }

    /// Copies `bytes` (`codec`-encoded, at most a page) into a new slot. Nil when the pool
    /// already holds `capacityPages` pages or the system has no memory for a new chunk.
    func store(_ bytes: UnsafeRawBufferPointer, codec: StoredCodec) -> Handle? {
        precondition(bytes.count > 0 && bytes.count <= pageSize, "a stored page is 1...\(pageSize) bytes, not \(bytes.count)")
        let classIndex = (bytes.count + Self.classStep - 1) / Self.classStep - 1
        lock.lock()
        guard pages.take() else {
            lock.unlock()
            return nil
        }
        guard let slot = takeSlot(classIndex, below: Int.max) else {
            pages.storageRefused()
            lock.unlock()
            return nil
        }
        compressedBytes += bytes.count
        slotBytes += classes[classIndex].slotSize
        lock.unlock()
        let handle = Handle(sizeClass: classIndex, codec: codec, length: bytes.count, slot: slot)
        address(of: handle).copyMemory(from: bytes.baseAddress!, byteCount: bytes.count)
        return handle
    }

    /// The stored bytes. Valid until `release(handle)`; the caller owns the page meanwhile.
    func bytes(of handle: Handle) -> UnsafeRawBufferPointer {
        UnsafeRawBufferPointer(start: address(of: handle), count: handle.length)
    }

    func release(_ handle: Handle) {
        lock.lock()
        freeSlot(handle.slot, classIndex: handle.sizeClass)
        pages.release()
        compressedBytes -= handle.length
        slotBytes -= classes[handle.sizeClass].slotSize
        lock.unlock()
    }

    /// The share of the chunks' bytes that holds stored pages (1 when the pool holds nothing):
    /// what is lost to slots left free in chunks that cannot be given back.
    var occupancy: Double {
        let usage = usage
        return usage.poolBytes == 0 ? 1 : Double(usage.slotBytes) / Double(usage.poolBytes)
    }

    /// Compaction's step: when `handle`'s slot sits in a chunk at most half used, moves its bytes
    /// to a free slot in a lower chunk of its class, freeing the old slot (and the old chunk, if
    /// that was its last slot), so that sparse chunks empty. Returns the new handle, or nil when
    /// the chunk is more than half used or no lower chunk has room. The caller owns the page
    /// (holds its lock) and must record the new handle in place of the old one.
    func relocateOutOfSparseChunk(_ handle: Handle) -> Handle? {
        lock.lock()
        defer { lock.unlock() }
        let perChunk = classes[handle.sizeClass].slotsPerChunk
        let chunk = handle.slot / perChunk
        guard classes[handle.sizeClass].live[chunk] * 2 <= perChunk,
              let slot = takeSlot(handle.sizeClass, below: chunk) else { return nil }
        let moved = Handle(sizeClass: handle.sizeClass, codec: handle.codec, length: handle.length, slot: slot)
        addressLocked(of: moved).copyMemory(from: addressLocked(of: handle), byteCount: handle.length)
        freeSlot(handle.slot, classIndex: handle.sizeClass)
        return moved
    }

    private func address(of handle: Handle) -> UnsafeMutableRawPointer {
        lock.lock()
        defer { lock.unlock() }
        return addressLocked(of: handle)
    }

    /// Called with the lock held.
    private func addressLocked(of handle: Handle) -> UnsafeMutableRawPointer {
        let sizeClass = classes[handle.sizeClass]
        let chunk = sizeClass.chunks[handle.slot / sizeClass.slotsPerChunk]!
        return chunk + (handle.slot % sizeClass.slotsPerChunk) * sizeClass.slotSize
    }

    /// A free slot in the lowest chunk below `limit` that has one; failing that (and with no
    /// limit), a chunk taken anew from the system, in the lowest index given back or a new one.
    /// Called with the lock held.
    private func takeSlot(_ classIndex: Int, below limit: Int) -> Int? {
        let perChunk = classes[classIndex].slotsPerChunk
        let chunkCount = classes[classIndex].chunks.count
        let end = min(limit, chunkCount)
        for chunk in classes[classIndex].lowestWithFree..<max(end, classes[classIndex].lowestWithFree)
        where classes[classIndex].chunks[chunk] != nil {
            if let offset = classes[classIndex].freeOffsets[chunk].popLast() {
                classes[classIndex].lowestWithFree = chunk
                classes[classIndex].live[chunk] += 1
                return chunk * perChunk + Int(offset)
            }
        }
        // Every chunk below `end` is full or given back.
        classes[classIndex].lowestWithFree = max(classes[classIndex].lowestWithFree, end)
        guard limit == Int.max, let memory = malloc(Self.chunkBytes) else { return nil }
        let chunk = classes[classIndex].chunks.firstIndex(where: { $0 == nil }) ?? chunkCount
        if chunk == chunkCount {
            classes[classIndex].chunks.append(memory)
            classes[classIndex].live.append(0)
            classes[classIndex].freeOffsets.append([])
        } else {
            classes[classIndex].chunks[chunk] = memory
        }
        chunksHeld += 1
        // Offsets popped from the end: the chunk fills from its start.
        classes[classIndex].freeOffsets[chunk] = (1..<Int32(perChunk)).reversed().map { $0 }
        classes[classIndex].lowestWithFree = min(classes[classIndex].lowestWithFree, chunk)
        classes[classIndex].live[chunk] = 1
        return chunk * perChunk
    }

    /// Called with the lock held. A chunk whose last slot this was goes back to the system.
    private func freeSlot(_ slot: Int, classIndex: Int) {
        let perChunk = classes[classIndex].slotsPerChunk
        let chunk = slot / perChunk
        classes[classIndex].live[chunk] -= 1
        if classes[classIndex].live[chunk] == 0 {
            free(classes[classIndex].chunks[chunk])
            classes[classIndex].chunks[chunk] = nil
            classes[classIndex].freeOffsets[chunk] = []
            chunksHeld -= 1
        } else {
            classes[classIndex].freeOffsets[chunk].append(Int32(slot % perChunk))
            classes[classIndex].lowestWithFree = min(classes[classIndex].lowestWithFree, chunk)
        }
    }
}
