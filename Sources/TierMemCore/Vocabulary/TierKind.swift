/// The places a page can live, fastest first.
public enum TierKind: String, CaseIterable, Sendable, Comparable, CustomStringConvertible {
    /// Ordinary memory: the memfd's resident pages in the live heap.
    case dram
    /// Persistent memory through memkind and libpmem (a DAX mount, or a file-backed stand-in).
    case pmem
    /// Pages compressed with LZ4 (or zstd for the coldest) into a pool in DRAM.
    case compressed

    /// Lower is faster; demotion goes towards higher ranks.
    public var rank: Int {
        switch self {
        case .dram: return 0
        case .pmem: return 1
        case .compressed: return 2
        }
    }

    public static func < (a: TierKind, b: TierKind) -> Bool { a.rank < b.rank }
    public var description: String { rawValue }
}

/// The compressors the compressed tier can use.
public enum CompressionCodec: String, CaseIterable, Sendable, CustomStringConvertible {
    case lz4
    case zstd
    public var description: String { rawValue }
}
