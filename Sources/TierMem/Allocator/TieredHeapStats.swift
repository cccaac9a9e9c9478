/// A snapshot of a `TieredHeap`: the arena's tiers and moves, and the allocator's pages.
public struct TieredHeapStats: Sendable, CustomStringConvertible {
    public var arena: LiveArenaStats
    /// Pages holding small objects, pages in large-object runs, and free pages.
    public var slabPages: Int
    public var runPages: Int
    public var freePages: Int
    /// Small objects allocated now, and the bytes of their size classes.
    public var smallObjects: Int
    public var smallObjectBytes: Int
    /// Bookkeeping per arena page, outside the arena: the allocator's table and the arena's state word.
    public var metadataBytesPerPage: Int

    public var description: String {
        "\(arena)\nallocator: \(slabPages) slab pages (\(smallObjects) objects, \(smallObjectBytes) bytes), "
            + "\(runPages) run pages, \(freePages) free pages; metadata \(metadataBytesPerPage) B/page"
    }
}

extension TieredHeap {
    /// Walks the allocator's metadata (O(pages)): for monitoring, not for a hot path.
    public func stats() -> TieredHeapStats {
        var slabPages = 0, runPages = 0, objects = 0, objectBytes = 0
        for page in 0..<metadata.pageCount {
            switch metadata.kind(page) {
            case .slab:
                slabPages += 1
                let live = metadata.liveObjects(page: page)
                objects += live
                objectBytes += live * SizeClasses.sizes[Int(metadata.sizeClasses[page])]
            case .runHead, .runTail: runPages += 1
            case .free: break
            }
        }
        return TieredHeapStats(
            arena: arena.stats(), slabPages: slabPages, runPages: runPages, freePages: runs.freePageCount,
            smallObjects: objects, smallObjectBytes: objectBytes,
            metadataBytesPerPage: PageMetadata.bytesPerPage + MemoryLayout<PageState>.stride)
    }
}
