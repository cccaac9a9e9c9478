import CTierLinux
import Glibc

/// What the allocator knows about each arena page, kept *outside* the arena so that its
/// bookkeeping never faults a page in or keeps one hot. 41 bytes a page (a kind, a size class,
/// a group, a run length, a 256-bit allocated-object bitmap, a central-list count), from calloc so that an unused
/// part of a large heap's table costs no memory.
final class PageMetadata: @unchecked Sendable {
    enum Kind: UInt8 {
        case free = 0
        /// A page of small objects of one size class.
        case slab = 1
        /// The first page of a large object's run.
        case runHead = 2
        /// A later page of a run.
        case runTail = 3
    }

    static let bitmapWords = 4  // 256 bits: a 4 KiB page of 16-byte objects
    static let bytesPerPage = 1 + 1 + 1 + 4 + bitmapWords * 8 + 2

    let pageCount: Int
    let kinds: UnsafeMutablePointer<UInt8>
    let sizeClasses: UnsafeMutablePointer<UInt8>
    let groups: UnsafeMutablePointer<UInt8>
    let runLengths: UnsafeMutablePointer<UInt32>
    /// Bit i of a slab page: object i is allocated. Set and cleared atomically.
    let bitmaps: UnsafeMutablePointer<UInt64>
    /// How many of a slab's objects sit in its central list (changed under that list's lock):
    /// when all do, the slab is empty and no thread holds one of its objects.
    let centralCounts: UnsafeMutablePointer<UInt16>

    init(pageCount: Int) throws {
        self.pageCount = pageCount
        func table<T>(_: T.Type, _ count: Int) throws -> UnsafeMutablePointer<T> {
            guard let memory = calloc(count, MemoryLayout<T>.stride) else {
                throw LiveArenaError.system(SystemError("calloc(allocator metadata, \(count) entries)", errno: ENOMEM))
            }
            return memory.bindMemory(to: T.self, capacity: count)
        }
        kinds = try table(UInt8.self, pageCount)
        sizeClasses = try table(UInt8.self, pageCount)
        groups = try table(UInt8.self, pageCount)
        runLengths = try table(UInt32.self, pageCount)
        bitmaps = try table(UInt64.self, pageCount * Self.bitmapWords)
        centralCounts = try table(UInt16.self, pageCount)
    }

    deinit {
        free(kinds); free(sizeClasses); free(groups); free(runLengths); free(bitmaps); free(centralCounts)
    }

    /// A page's kind; read and written atomically, because a departing thread's cache may
    /// return a slab page (and `stats()` may read kinds) while others allocate.
    func kind(_ page: Int) -> Kind { Kind(rawValue: ctl_atomic_load_u8(kinds + page))! }

    func setKind(_ page: Int, _ kind: Kind) { ctl_atomic_store_u8(kinds + page, kind.rawValue) }

    /// Marks object `index` of slab `page` allocated; false if it already was.
    @inline(__always)
    func markAllocated(page: Int, index: Int) -> Bool {
        let bit: UInt64 = 1 << UInt64(index & 63)
        return ctl_atomic_fetch_or(bitmaps + page * Self.bitmapWords + index >> 6, bit) & bit == 0
    }

    /// Marks object `index` of slab `page` free; false if it already was (a double free).
    @inline(__always)
    func markFree(page: Int, index: Int) -> Bool {
        let bit: UInt64 = 1 << UInt64(index & 63)
        return ctl_atomic_fetch_and(bitmaps + page * Self.bitmapWords + index >> 6, ~bit) & bit != 0
    }

    /// Allocated objects on slab `page` (relaxed reads: a statistic).
    func liveObjects(page: Int) -> Int {
        (0..<Self.bitmapWords).reduce(0) { $0 + ctl_atomic_load(bitmaps + page * Self.bitmapWords + $1).nonzeroBitCount }
    }
}
