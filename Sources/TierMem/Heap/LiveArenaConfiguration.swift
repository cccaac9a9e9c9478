import TierMemCore

/// How a `LiveArena` is built: its tiers (sizes in bytes) and what to do where userfaultfd is
/// not permitted.
public struct LiveArenaConfiguration: Sendable {
    /// The tiers: `dram` is required; `pmem` and `compressed` are optional. Sizes must be byte
    /// counts (a share of the footprint means nothing to a live heap). The arena holds exactly
    /// dram + pmem + compressed pages, so every page always has a home.
    /// The compressed size is *logical* (pages it may hold, as zram's disksize), not pool memory.
    public var tiers: TierSpec
    /// Without full or user-mode-only userfaultfd: throw (`.fail`, the default) or run with
    /// every page in DRAM and no tiering (`.dramOnly`).
    public var fallback: Fallback = .fail
    /// Pages that do not compress to at most this share of a page go to PMEM instead.
    public var compressibleLimit = 0.75
    /// The zstd level for pages demoted with the zstd codec.
    public var zstdLevel: Int32 = 3
    /// After serving a fault the fault service keeps reading for this long before it sleeps,
    /// so that the next fault of a burst needs no wake-up (docs/live-heap.md has the numbers).
    /// 0 sleeps at once. Nanoseconds.
    public var faultSpinNanoseconds: UInt64 = Self.defaultFaultSpin
    public static let defaultFaultSpin: UInt64 = 50_000
    /// Most pages the fault service brings in ahead of a sequential reader (the window doubles
    /// from 2 while faults keep following each other); 0 turns readahead off. Readahead uses
    /// only free DRAM frames, never evicts.
    public var readAheadPages = 8
    /// Which thread resolves a fault: a handler thread (the default), or the faulting thread itself
    /// (faster, most of all for sporadic faults, but a system call touching a page not in DRAM
    /// fails with EFAULT). docs/live-heap.md compares the two.
    public var faultHandling: FaultHandling = .handlerThread
    /// Forces user-mode-only userfaultfd even where full mode is permitted (to test that mode).
    public var forceUserModeOnly = false

    public enum Fallback: Sendable { case fail, dramOnly }

    public enum FaultHandling: String, Sendable, CaseIterable, CustomStringConvertible {
        /// The fault service thread reads userfaultfd messages and resolves them; the faulting
        /// thread waits in the kernel. Faults from system calls are served too (in full mode).
        case handlerThread = "thread"
        /// `UFFD_FEATURE_SIGBUS`: the faulting thread gets SIGBUS and resolves the fault in the
        /// signal handler, with no thread to wake. A system call (`read(2)` into the heap, for
        /// example) that touches a page not in DRAM fails with EFAULT, as in user-mode-only mode.
        case faultingThread = "signal"
        public var description: String { rawValue }
    }

    public init(tiers: TierSpec) { self.tiers = tiers }

    /// Pages of `pageSize` per tier; throws when a size is not in bytes or DRAM is missing.
    public func pageCounts(pageSize: Int) throws(LiveArenaError) -> (dram: Int, pmem: Int, compressed: Int) {
        func pages(_ kind: TierKind) throws(LiveArenaError) -> Int {
            guard let tier = tiers[kind] else { return 0 }
            guard case .bytes(let size) = tier.capacity else {
                throw .configuration("tier '\(tier)': the live heap needs a size in bytes (such as 64MiB), not a share of the footprint")
            }
            return size.pages(of: pageSize)
        }
        let dram = try pages(.dram)
        guard dram >= 1 else { throw .configuration("tiers '\(tiers)': a DRAM tier of at least one page (\(pageSize) bytes) is required") }
        guard compressibleLimit > 0, compressibleLimit <= 1 else {
            throw .configuration("compressibleLimit \(compressibleLimit): expected a share of a page in (0, 1]")
        }
        guard readAheadPages >= 0 else { throw .configuration("readAheadPages \(readAheadPages): expected 0 (off) or more pages") }
        return (dram, try pages(.pmem), try pages(.compressed))
    }
}

/// Why a `LiveArena` could not be built or could not move a page.
public enum LiveArenaError: Error, CustomStringConvertible, Equatable {
    case configuration(String)
    /// No userfaultfd could be opened; says why and how to enable it.
    case userfaultfdUnavailable(String)
    case system(SystemError)
    case pmem(String)
    /// A demotion found every lower tier full.
    case lowerTiersFull(page: Int)
    /// An operation named a page outside the arena.
    case pageOutOfRange(page: Int, pageCount: Int)

    public var description: String {
        switch self {
        case .configuration(let reason): return "live heap configuration: \(reason)"
        case .userfaultfdUnavailable(let reason): return "live heap needs userfaultfd: \(reason)"
        case .system(let error): return "live heap: \(error)"
        case .pmem(let reason): return "live heap PMEM tier: \(reason)"
        case .lowerTiersFull(let page): return "page \(page) stays in DRAM: the PMEM and compressed tiers are full"
        case .pageOutOfRange(let page, let count): return "page \(page) is outside the arena (0..<\(count))"
        }
    }
}
