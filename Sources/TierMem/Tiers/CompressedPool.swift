import Glibc
import TierMemCore

/// Where compressed pages live: slots of 64-byte size classes carved from 64 KiB chunks, in the
/// manner of zsmalloc, so a page costs its compressed size rounded up to 64 bytes, not a malloc.
///
/// Capacity is *logical*, like zram's disksize: the number of pages the pool may hold, whatever
/// they compress to. A page that does not shrink may still be stored raw (the 4096-byte class)
/// when no other tier takes it, so a pool of N pages always has room for N pages.
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
    private var lock = pthread_mutex_t()
    private var storedPages = 0
    private var compressedBytes = 0
    private var slotBytes = 0

    private struct SizeClass {
        var slotSize: Int
        var chunks: [UnsafeMutableRawPointer] = []
        var freeSlots: [Int] = []
        var nextFresh = 0
        var slotsPerChunk: Int { CompressedPool.chunkBytes / slotSize }
    }

    init(capacityPages: Int, pageSize: Int) {
        precondition(pageSize / Self.classStep <= 127 && pageSize < 8192, "page size \(pageSize) does not fit a pool handle")
        self.pageSize = pageSize
        self.capacityPages = capacityPages
        classes = (1...(pageSize / Self.classStep)).map { SizeClass(slotSize: $0 * Self.classStep) }
        pthread_mutex_init(&lock, nil)
    }

    deinit {
        for sizeClass in classes { for chunk in sizeClass.chunks { free(chunk) } }
        pthread_mutex_destroy(&lock)
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
        pthread_mutex_lock(&lock)
        defer { pthread_mutex_unlock(&lock) }
        let chunks = classes.reduce(0) { $0 + $1.chunks.count }
        return Usage(storedPages: storedPages, compressedBytes: compressedBytes, slotBytes: slotBytes, poolBytes: chunks * Self.chunkBytes)
    }

    /// Copies `bytes` (`codec`-encoded, at most a page) into a new slot. Nil when the pool
    /// already holds `capacityPages` pages or the system has no memory for a new chunk.
    func store(_ bytes: UnsafeRawBufferPointer, codec: StoredCodec) -> Handle? {
        precondition(bytes.count > 0 && bytes.count <= pageSize, "a stored page is 1...\(pageSize) bytes, not \(bytes.count)")
        let classIndex = (bytes.count + Self.classStep - 1) / Self.classStep - 1
        pthread_mutex_lock(&lock)
        guard storedPages < capacityPages, let slot = takeSlot(classIndex) else {
            pthread_mutex_unlock(&lock)
            return nil
        }
        storedPages += 1
        compressedBytes += bytes.count
        slotBytes += classes[classIndex].slotSize
        pthread_mutex_unlock(&lock)
        let handle = Handle(sizeClass: classIndex, codec: codec, length: bytes.count, slot: slot)
        address(of: handle).copyMemory(from: bytes.baseAddress!, byteCount: bytes.count)
        return handle
    }

    /// The stored bytes. Valid until `release(handle)`; the caller owns the page meanwhile.
    func bytes(of handle: Handle) -> UnsafeRawBufferPointer {
        UnsafeRawBufferPointer(start: address(of: handle), count: handle.length)
    }

    func release(_ handle: Handle) {
        pthread_mutex_lock(&lock)
        classes[handle.sizeClass].freeSlots.append(handle.slot)
        storedPages -= 1
        compressedBytes -= handle.length
        slotBytes -= classes[handle.sizeClass].slotSize
        pthread_mutex_unlock(&lock)
    }

    private func address(of handle: Handle) -> UnsafeMutableRawPointer {
        pthread_mutex_lock(&lock)
        let sizeClass = classes[handle.sizeClass]
        let chunk = sizeClass.chunks[handle.slot / sizeClass.slotsPerChunk]
        pthread_mutex_unlock(&lock)
        return chunk + (handle.slot % sizeClass.slotsPerChunk) * sizeClass.slotSize
    }

    /// Called with the lock held.
    private func takeSlot(_ classIndex: Int) -> Int? {
        if let slot = classes[classIndex].freeSlots.popLast() { return slot }
        let perChunk = classes[classIndex].slotsPerChunk
        if classes[classIndex].nextFresh == classes[classIndex].chunks.count * perChunk {
            guard let chunk = malloc(Self.chunkBytes) else { return nil }
            classes[classIndex].chunks.append(chunk)
        }
        defer { classes[classIndex].nextFresh += 1 }
        return classes[classIndex].nextFresh
    }
}
