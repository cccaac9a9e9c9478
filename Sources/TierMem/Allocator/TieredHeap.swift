import Foundation
import Glibc
import TierMemCore

/// The allocator a memory-heavy service links: objects in a `LiveArena`, so their pages move
/// between DRAM, PMEM and the compressed pool while the service keeps plain pointers.
///
/// - Small objects (up to 2 KiB) come from one-page slabs of 24 size classes; large ones are
///   page-aligned runs. Metadata lives outside the arena (`PageMetadata`).
/// - Hints: `.cold` objects share pages only with cold objects, and those pages are demoted
///   first; `.hot` objects share pages only with hot ones; the rest share the default pages.
/// - Thread-safe; each thread has its own cache of free small objects (`ThreadCache`).
/// - A double free, a free of a pointer the heap did not hand out, or a size that does not match
///   the allocation stops the program with a message saying which (a programmer error);
///   running out of pages throws `TieredHeapError.outOfMemory` (an environmental one).
public final class TieredHeap: @unchecked Sendable {
    public enum Hint: Int, Sendable, CaseIterable {
        case none = 0, hot = 1, cold = 2
    }

    public let arena: LiveArena
    let metadata: PageMetadata
    let runs: PageRuns
    private let cacheKey: ThreadCacheKey
    private let central: [CentralList]
    private let pageSize: Int
    private let base: UInt
    static let groups = Hint.allCases.count
    let daemonLock = NSLock()
    var runningDaemon: DaemonHandle?
    var restartDaemon: (() throws -> Void)?

    public init(_ configuration: LiveArenaConfiguration) throws {
        arena = try LiveArena(configuration)
        pageSize = arena.pageSize
        precondition(pageSize / 16 <= PageMetadata.bitmapWords * 64, "page size \(pageSize) needs a larger slab bitmap")
        base = UInt(bitPattern: arena.baseAddress)
        metadata = try PageMetadata(pageCount: arena.pageCount)
        runs = PageRuns(pageCount: arena.pageCount)
        cacheKey = try ThreadCacheKey()
        central = (0..<(SizeClasses.count * Self.groups)).map { _ in CentralList() }
    }

    deinit {
        stopDaemon()
        arena.stopFaultService()  // so that this release of the arena is its last (see there)
    }

    // MARK: Allocating

    /// `byteCount` bytes aligned to `alignment` (a power of two). Fresh memory is not zeroed
    /// unless it is a never-used page; use `allocateZeroed` when zeros are needed.
    public func allocate(byteCount: Int, alignment: Int = 16, hint: Hint = .none) throws -> UnsafeMutableRawPointer {
        precondition(byteCount >= 0, "allocate: negative byte count \(byteCount)")
        precondition(alignment > 0 && alignment & (alignment - 1) == 0, "allocate: alignment \(alignment) is not a power of two")
        guard let sizeClass = SizeClasses.index(for: byteCount, alignment: alignment) else {
            return try allocateRun(byteCount: byteCount, alignment: alignment, hint: hint)
        }
        let bin = sizeClass * Self.groups + hint.rawValue
        let popped = cacheKey.withCurrent { $0?.pop(bin) }
        let address: UInt
        if let popped {
            address = popped
        } else {
            let cache = threadCache()
            try refill(cache, bin: bin, sizeClass: sizeClass, hint: hint)
            address = cache.pop(bin)!
        }
        let offset = Int(address - base)
        let page = offset / pageSize
        let allocatedNow = metadata.markAllocated(page: page, index: (offset % pageSize) / SizeClasses.sizes[sizeClass])
        precondition(allocatedNow, "heap corruption: object \(UnsafeRawPointer(bitPattern: address)!) was handed out twice")
        return UnsafeMutableRawPointer(bitPattern: address)!
    }

    /// As `allocate`, with every byte zero.
    public func allocateZeroed(byteCount: Int, alignment: Int = 16, hint: Hint = .none) throws -> UnsafeMutableRawPointer {
        let pointer = try allocate(byteCount: byteCount, alignment: alignment, hint: hint)
        // Runs come from discarded or never-used pages, which read as zeros already.
        if SizeClasses.index(for: byteCount, alignment: alignment) != nil { memset(pointer, 0, byteCount) }
        return pointer
    }

    /// Frees an allocation. `byteCount`, when given, must be the size it was allocated with.
    public func deallocate(_ pointer: UnsafeMutableRawPointer, byteCount: Int? = nil) {
        let address = UInt(bitPattern: pointer)
        let (page, kind) = locate(address, operation: "free")
        switch kind {
        case .slab:
            let sizeClass = Int(metadata.sizeClasses[page])
            let objectSize = SizeClasses.sizes[sizeClass]
            let offsetInPage = Int(address - base) % pageSize
            precondition(offsetInPage % objectSize == 0,
                         "free of \(pointer): not the start of an object (inside a \(objectSize)-byte object)")
            if let byteCount {
                precondition(byteCount <= objectSize && SizeClasses.index(for: byteCount, alignment: 16)! <= sizeClass,
                             "free of \(pointer) with size \(byteCount): it was allocated in the \(objectSize)-byte class")
            }
            precondition(metadata.markFree(page: page, index: offsetInPage / objectSize),
                         "double free of \(pointer) (a \(objectSize)-byte object)")
            let bin = sizeClass * Self.groups + Int(metadata.groups[page])
            if cacheKey.withCurrent({ $0?.push(address, bin) ?? false }) { return }
            let cache = threadCache()
            if !cache.push(address, bin) {
                giveToCentral(bin, cache.take(bin, limit: ThreadCache.binCapacity / 2))
                _ = cache.push(address, bin)
            }
        case .runHead:
            precondition(Int(address - base) % pageSize == 0, "free of \(pointer): not the start of an allocation")
            let length = Int(metadata.runLengths[page])
            if let byteCount {
                precondition((byteCount + pageSize - 1) / pageSize == length || (byteCount <= SizeClasses.largest && length == 1),
                             "free of \(pointer) with size \(byteCount): it was allocated as \(length) pages")
            }
            for run in page..<(page + length) { metadata.setKind(run, .free) }
            // Give the memory back in every tier before the pages can be reused.
            try? arena.markCold(pages: page..<(page + length), false)
            try? arena.discard(pages: page..<(page + length))
            runs.free(page, count: length)
        case .runTail:
            preconditionFailure("free of \(pointer): inside a large allocation, not its start")
        case .free:
            preconditionFailure("double free of \(pointer), or a pointer this heap never allocated")
        }
    }

    /// Resizes an allocation, moving it when its size class or page count changes. The first
    /// min(old, new) bytes are kept.
    public func reallocate(_ pointer: UnsafeMutableRawPointer?, byteCount: Int, alignment: Int = 16, hint: Hint = .none) throws -> UnsafeMutableRawPointer {
        guard let pointer else { return try allocate(byteCount: byteCount, alignment: alignment, hint: hint) }
        let capacity = usableSize(pointer)
        if byteCount <= capacity, byteCount > capacity / 2 || capacity <= 16 { return pointer }
        let moved = try allocate(byteCount: byteCount, alignment: alignment, hint: hint)
        moved.copyMemory(from: pointer, byteCount: min(capacity, byteCount))
        deallocate(pointer)
        return moved
    }

    /// The bytes usable at `pointer` (its size class, or its run's pages).
    public func usableSize(_ pointer: UnsafeRawPointer) -> Int {
        let (page, kind) = locate(UInt(bitPattern: pointer), operation: "usableSize")
        switch kind {
        case .slab: return SizeClasses.sizes[Int(metadata.sizeClasses[page])]
        case .runHead: return Int(metadata.runLengths[page]) * pageSize
        case .runTail, .free: preconditionFailure("usableSize of \(pointer): not an allocation of this heap")
        }
    }

    /// Whether `pointer` lies in this heap's arena.
    public func owns(_ pointer: UnsafeRawPointer) -> Bool {
        let address = UInt(bitPattern: pointer)
        return address >= base && address < base + UInt(arena.byteCount)
    }

    // MARK: Internals

    private func locate(_ address: UInt, operation: String) -> (Int, PageMetadata.Kind) {
        precondition(address >= base && address < base + UInt(arena.byteCount),
                     "\(operation) of \(UnsafeRawPointer(bitPattern: address).map { "\($0)" } ?? "nil"): not a pointer from this heap")
        let page = Int(address - base) / pageSize
        return (page, metadata.kind(page))
    }

    @inline(__always)
    private func threadCache() -> ThreadCache {
        if let cache = cacheKey.current() { return cache }
        let cache = ThreadCache(heap: self, binCount: central.count)
        cacheKey.install(cache)
        return cache
    }

    /// Fills an empty bin from the central list, carving a new slab page when that is empty too.
    private func refill(_ cache: ThreadCache, bin: Int, sizeClass: Int, hint: Hint) throws {
        var batch = takeFromCentral(bin, limit: ThreadCache.batch)
        if batch.isEmpty {
            guard let page = takePages(1) else { throw outOfMemory(bytes: SizeClasses.sizes[sizeClass]) }
            metadata.sizeClasses[page] = UInt8(sizeClass)
            metadata.groups[page] = UInt8(hint.rawValue)
            metadata.setKind(page, .slab)
            let size = SizeClasses.sizes[sizeClass]
            if hint == .cold { try arena.markCold(pages: page..<(page + 1), objectsPerPage: pageSize / size) }
            let first = base + UInt(page * pageSize)
            // Highest address first in the list, so the bin pops objects in address order.
            let objects = (0..<(pageSize / size)).reversed().map { first + UInt($0 * size) }
            batch = Array(objects.suffix(ThreadCache.batch))
            giveToCentral(bin, Array(objects.dropLast(ThreadCache.batch)))
        }
        for address in batch { _ = cache.push(address, bin) }
    }

    private func allocateRun(byteCount: Int, alignment: Int, hint: Hint) throws -> UnsafeMutableRawPointer {
        // Divided, not rounded up by addition, so that sizes near Int.max cannot overflow.
        let (whole, rest) = byteCount.quotientAndRemainder(dividingBy: pageSize)
        let pages = max(1, whole + (rest > 0 ? 1 : 0))
        let alignmentPages = max(1, alignment / pageSize)
        guard pages <= arena.pageCount, alignmentPages <= arena.pageCount else { throw outOfMemory(bytes: byteCount) }
        let phase = Int(base / UInt(pageSize)) % alignmentPages
        guard let page = takePages(pages, alignment: alignmentPages, phase: phase) else {
            throw outOfMemory(bytes: byteCount)
        }
        metadata.runLengths[page] = UInt32(pages)
        for tail in (page + 1)..<(page + pages) { metadata.setKind(tail, .runTail) }
        metadata.setKind(page, .runHead)
        if hint == .cold { try arena.markCold(pages: page..<(page + pages)) }
        return arena.address(ofPage: page)
    }

    /// The calling thread's cache, if it has one, and the number under which `InstalledCaches`
    /// files this heap's caches: for tests of the caches' lifetime.
    var currentThreadCache: ThreadCache? { cacheKey.current() }
    var threadCacheKeyID: UInt64 { cacheKey.id }

    /// Gives a departing thread's cached objects back to the central lists.
    func flush(_ cache: ThreadCache) {
        for bin in 0..<cache.binCount where cache.counts[bin] > 0 {
            giveToCentral(bin, cache.take(bin, limit: ThreadCache.binCapacity))
        }
    }

    /// Gives the calling thread's cached objects back, so that slab pages whose objects are all
    /// free return to the page pool (and their memory to the system). Other threads' caches go
    /// back when they fill up or when those threads exit.
    public func trim() {
        if let cache = cacheKey.current() { flush(cache) }
    }

    private func takeFromCentral(_ bin: Int, limit: Int) -> [UInt] {
        central[bin].withLock { addresses in
            let taken = Array(addresses.suffix(limit))
            addresses.removeLast(taken.count)
            for address in taken { metadata.centralCounts[page(of: address)] -= 1 }
            return taken
        }
    }

    /// Returns objects to the central list. A slab whose every object is now in the list (so
    /// none is allocated or in a thread cache) leaves the list and goes back to the page pool.
    private func giveToCentral(_ bin: Int, _ more: [UInt]) {
        guard !more.isEmpty else { return }
        let perSlab = pageSize / SizeClasses.sizes[bin / Self.groups]
        let emptied: [Int] = central[bin].withLock { addresses in
            addresses.append(contentsOf: more)
            var emptied: [Int] = []
            for address in more {
                let page = page(of: address)
                metadata.centralCounts[page] += 1
                if Int(metadata.centralCounts[page]) == perSlab { emptied.append(page) }
            }
            if !emptied.isEmpty {
                let pages = Set(emptied)
                addresses.removeAll { pages.contains(self.page(of: $0)) }
                for page in emptied { metadata.centralCounts[page] = 0 }
            }
            return emptied
        }
        for page in emptied {
            metadata.setKind(page, .free)
            try? arena.markCold(pages: page..<(page + 1), false)
            try? arena.discard(pages: page..<(page + 1))
            runs.free(page, count: 1)
        }
    }

    /// Free pages for an allocation, if the tiers can hold them: pages the tiers turned out not
    /// to have (`LiveArena.unbackedPages`, a PMEM mount out of space) are never handed out.
    private func takePages(_ count: Int, alignment: Int = 1, phase: Int = 0) -> Int? {
        guard runs.freePageCount - arena.unbackedPages >= count else { return nil }
        return runs.allocate(count, alignment: alignment, phase: phase)
    }

    @inline(__always)
    private func page(of address: UInt) -> Int { Int(address - base) / pageSize }

    private func outOfMemory(bytes: Int) -> TieredHeapError {
        .outOfMemory(requested: bytes, freePages: max(0, runs.freePageCount - arena.unbackedPages), pageCount: arena.pageCount,
                     unbackedPages: arena.unbackedPages)
    }
}

/// A size class's free objects shared by all threads (the slow path behind the thread caches).
final class CentralList: @unchecked Sendable {
    private var addresses: [UInt] = []
    private let lock = PosixMutex()

    func withLock<T>(_ body: (inout [UInt]) -> T) -> T {
        lock.withLock { body(&addresses) }
    }
}

/// An allocation the heap could not satisfy.
public enum TieredHeapError: Error, CustomStringConvertible, Equatable {
    /// `unbackedPages`: pages the tiers were sized for and turned out not to have.
    case outOfMemory(requested: Int, freePages: Int, pageCount: Int, unbackedPages: Int)

    public var description: String {
        switch self {
        case .outOfMemory(let requested, let free, let total, let unbacked):
            var text = "tiered heap out of memory: \(requested) bytes requested, \(free) of its \(total) pages free "
                + "(the heap holds as many pages as its tiers: grow dram, pmem or compressed in the tier specification)"
            if unbacked > 0 {
                text += "; \(unbacked) of the pages cannot be held: the PMEM directory's file system is out of space, "
                    + "or the system had no memory for the compressed pool"
            }
            return text
        }
    }
}
