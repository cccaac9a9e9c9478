import CTierLinux
import Glibc
import TierMemCore

/// The live heap's body: an arena of pages that the application uses through plain pointers,
/// while the runtime moves each page between DRAM (the memfd), PMEM (memkind + libpmem) and a
/// compressed pool (LZ4, zstd). docs/live-heap.md describes the mechanism and its costs.
///
/// - Demotion zaps the page's user mapping, reads it from the memfd (pread), stores it in a
///   lower tier and punches it out of the memfd. A thread touching it meanwhile waits in its fault.
/// - Promotion (on a MISSING fault, or ahead of demand with no fault) reads the page back and
///   places it with UFFDIO_COPY.
/// - Sampling zaps a DRAM page's user mapping; the next touch raises a MINOR fault, which is
///   recorded (`drainEvents`) and resolved with UFFDIO_CONTINUE.
///
/// DRAM is a hard limit: a page-in that finds DRAM full demotes a victim first (direct reclaim).
/// Thread-safe: every move of a page holds that page's stripe lock.
public final class LiveArena: @unchecked Sendable {
    public enum Mode: String, Sendable, CustomStringConvertible {
        /// Faults from user code and from system calls are served.
        case full = "full userfaultfd"
        /// Faults from user code are served; a system call (`read(2)` into the heap, for
        /// example) that touches a page not in DRAM fails with EFAULT.
        case userModeOnly = "user-mode-only userfaultfd"
        /// No userfaultfd: every page stays in DRAM, no tiering, no DRAM limit.
        case dramOnly = "DRAM only (no userfaultfd)"
        public var description: String { rawValue }
    }

    /// Where a page is now.
    public enum Location: String, Sendable, CustomStringConvertible {
        case untouched, dram, zero, compressed, pmem
        public var description: String { rawValue }
    }

    /// Where a demotion should put a page. `.automatic`: compressed when it shrinks to the
    /// compressible limit, PMEM otherwise; either falls back to the other when full or absent.
    public enum DemotionTarget: Sendable, Equatable {
        case automatic
        case pmem
        case compressed(CompressionCodec)
    }

    public let mode: Mode
    public let pageSize: Int
    public let pageCount: Int
    /// The DRAM limit in pages now (`setDRAMCapacity` changes it).
    public var dramCapacityPages: Int { counters.dramCapacity }
    public let userfaultfdAdvice: String
    /// Which thread resolves faults (`.faultingThread`: in a SIGBUS handler; see the configuration).
    public let faultHandling: LiveArenaConfiguration.FaultHandling

    let mapping: ArenaMapping
    let userfaultfd: Userfaultfd?
    let pool: CompressedPool?
    let pmem: PmemStore?
    let compressor: PageCompressor
    public let defaultCodec: CompressionCodec
    let compressibleBytes: Int
    let locks: StripeLocks
    let states: UnsafeMutablePointer<PageState>
    /// Zeros to UFFDIO_COPY into never-touched and zero pages.
    let zeroPage: UnsafeMutableRawPointer
    let counters = ArenaCounters()
    private var faultService: FaultService?
    /// The cold-hinted pages, for the daemon's sweep, in two sets by how many objects a page
    /// holds: a page of one cold object (or of part of one) is read less often, when reads are
    /// spread over the objects, than a page of several. Reclaim takes the sparse ones first, and
    /// the page-in budget brings back the dense ones first.
    let sparseColdPages: ColdPageSet
    let denseColdPages: ColdPageSet
    /// The cold sets in the order reclaim takes from them (the reverse of the page-in budget's).
    var coldPageSetsByExpectedReads: [ColdPageSet] { [sparseColdPages, denseColdPages] }
    /// Readahead state, guarded by `readaheadLock` (tried, never waited for: with faults resolved
    /// on the faulting threads, several threads may page in at once).
    var readahead: SequentialFaultDetector
    let readaheadLock = PosixMutex()
    /// Where the pool's compaction continues (`compactCompressedPool`), behind its own lock.
    private var compactionHand = 0
    private let compactionLock = PosixMutex()

    /// Builds the arena and starts its fault service thread (or, with `.faultingThread`,
    /// registers its range with the SIGBUS handler).
    public init(_ configuration: LiveArenaConfiguration) throws {
        pageSize = ArenaMapping.pageSize
        let counts = try configuration.pageCounts(pageSize: pageSize)
        pageCount = counts.dram + counts.pmem + counts.compressed

        let probe = UserfaultfdProbe.run()
        var chosen: Mode
        switch probe.mode {
        case .full where probe.missingShmem && probe.minorShmem:
            chosen = configuration.forceUserModeOnly ? .userModeOnly : .full
        case .full, .userModeOnly:
            chosen = probe.missingShmem && probe.minorShmem ? .userModeOnly : .dramOnly
        case .unavailable:
            chosen = .dramOnly
        }
        if chosen == .dramOnly, configuration.fallback == .fail {
            let reason = probe.mode == .unavailable
                ? probe.advice
                : "this kernel lacks shmem MISSING/MINOR faults (Linux 5.14 or later is needed)"
            throw LiveArenaError.userfaultfdUnavailable(
                reason + "; or ask for LiveArenaConfiguration.fallback = .dramOnly to run untiered")
        }
        userfaultfdAdvice = probe.advice

        do {
            mapping = try ArenaMapping(pageCount: pageCount, name: "tiermem-arena")
            if chosen != .dramOnly {
                let descriptor = try Userfaultfd(mode: chosen == .full ? .full : .userModeOnly,
                                                 sigbus: configuration.faultHandling == .faultingThread)
                try descriptor.register(mapping.userView, length: mapping.byteCount)
                userfaultfd = descriptor
            } else {
                userfaultfd = nil
            }
        } catch let error as SystemError {
            throw LiveArenaError.system(error)
        }
        mode = chosen
        faultHandling = configuration.faultHandling

        let pmemTier = configuration.tiers[.pmem]
        if counts.pmem > 0 {
            do {
                pmem = try PmemStore(parentDirectory: pmemTier?.directory, capacityPages: counts.pmem, pageSize: pageSize)
            } catch {
                throw LiveArenaError.pmem("\(error)")
            }
        } else {
            pmem = nil
        }
        pool = counts.compressed > 0 ? CompressedPool(capacityPages: counts.compressed, pageSize: pageSize) : nil
        defaultCodec = configuration.tiers[.compressed]?.codec ?? .lz4
        compressor = PageCompressor(pageSize: pageSize, zstdLevel: configuration.zstdLevel)
        compressibleBytes = Int(Double(pageSize) * configuration.compressibleLimit)
        readahead = SequentialFaultDetector(maxWindow: configuration.readAheadPages)
        sparseColdPages = ColdPageSet(pageCount: pageCount)
        denseColdPages = ColdPageSet(pageCount: pageCount)
        locks = StripeLocks(count: 1024)
        // calloc: an all-zero state word is `.untouched`, and a large arena's table stays
        // unbacked by memory until its pages are used.
        guard let table = calloc(pageCount, MemoryLayout<PageState>.stride) else {
            throw LiveArenaError.system(SystemError("calloc(page states for \(pageCount) pages)", errno: ENOMEM))
        }
        states = table.bindMemory(to: PageState.self, capacity: pageCount)
        zeroPage = UnsafeMutableRawPointer.allocate(byteCount: pageSize, alignment: pageSize)
        zeroPage.initializeMemory(as: UInt8.self, repeating: 0, count: pageSize)
        counters.dramCapacity = counts.dram

        if let userfaultfd {
            // A trap or crash must not hang on a heap page while its report is written.
            guard ctl_fatal_guard_add(userfaultfd.descriptor, mapping.userView, UInt64(mapping.byteCount)) == 0 else {
                throw LiveArenaError.system(SystemError("guarding the arena against hangs on fatal signals"))
            }
        }
        if userfaultfd != nil, faultHandling == .faultingThread {
            // The SIGBUS handler resolves faults in this range on the thread that touched it.
            let registered = ctl_sigbus_register(mapping.userView, UInt64(mapping.byteCount), { context, address in
                // Without a retain (see the fault service below): the arena outlives its range's
                // registration, which deinit removes first.
                Unmanaged<LiveArena>.fromOpaque(context!)._withUnsafeGuaranteedRef {
                    $0.serveFault(at: UInt64(UInt(bitPattern: address)), flags: 0)
                }
                return 1
            }, Unmanaged.passUnretained(self).toOpaque())
            guard registered == 0 else { throw LiveArenaError.system(SystemError("registering the arena's SIGBUS fault handler")) }
        } else if let userfaultfd {
            // No reference is retained while a fault is served. Holding one (as `unowned` or
            // even `unowned(unsafe)` captures do around the call), the thread could make the last
            // release when the application dropped the arena meanwhile; deinit then ran on this
            // thread and waited for it to stop: it hung, and the arena (with its PMEM directory)
            // was never freed. deinit stops this thread before the arena's memory goes, so the
            // reference stays valid for every fault the thread serves.
            let unretained = Unmanaged.passUnretained(self)
            faultService = try FaultService(userfaultfd: userfaultfd, spinNanoseconds: configuration.faultSpinNanoseconds) { address, flags in
                unretained._withUnsafeGuaranteedRef { $0.serveFault(at: address, flags: flags) }
            }
        }
    }

    deinit {
        if userfaultfd != nil { ctl_fatal_guard_remove(mapping.userView) }
        faultService?.stop()
        if faultHandling == .faultingThread, userfaultfd != nil { ctl_sigbus_unregister(mapping.userView) }
        // Give lower-tier storage back (the memfd and its pages go with the mapping).
        for page in 0..<pageCount { releaseLowerTierCopy(of: states[page]) }
        free(states)
        zeroPage.deallocate()
    }

    /// Stops the fault service thread and waits for it, while the caller still holds the arena:
    /// the thread takes a reference for each fault it serves, so when the owner's release is
    /// the last but one, the last would otherwise happen on that thread, whose deinit then waits
    /// for itself (the arena is never freed, nor its PMEM directory removed). For an owner that
    /// is done with the arena (`TieredHeap.deinit`); no fault can be served afterwards.
    func stopFaultService() { faultService?.stop() }

    /// The start of the arena: page `p` is at `baseAddress + p * pageSize`.
    public var baseAddress: UnsafeMutableRawPointer { mapping.userView }
    public var byteCount: Int { mapping.byteCount }

    /// The address of page `page` in the user view.
    public func address(ofPage page: Int) -> UnsafeMutableRawPointer { mapping.userPage(page) }

    /// Where `page` is now (a snapshot: it may move right after).
    public func location(ofPage page: Int) throws -> Location {
        try checkRange(page)
        return locks.withLock(page: page) { Self.publicLocation(states[page]) }
    }

    /// Pages the tiers were sized for and cannot hold: a PMEM file system out of space, or no
    /// memory for the compressed pool's chunks. The allocator hands out that many fewer pages.
    public var unbackedPages: Int { (pmem?.shortfallPages ?? 0) + (pool?.shortfallPages ?? 0) }

    /// Whether libpmem reports the PMEM tier's memory as real persistent memory (nil: no PMEM tier).
    public var pmemIsPersistentMemory: Bool? { pmem?.isPersistentMemory }
    /// Where the PMEM tier keeps its memkind file (nil: no PMEM tier).
    public var pmemDirectory: String? { pmem?.directory }

    // MARK: Moving pages

    /// Moves `page` out of DRAM. Returns where it went, or nil when it was not in DRAM (or the
    /// arena is DRAM-only). Throws `.lowerTiersFull` when no lower tier had room; the page then
    /// stays in DRAM, intact.
    @discardableResult
    public func demote(page: Int, to target: DemotionTarget = .automatic) throws -> Location? {
        try checkRange(page)
        guard mode != .dramOnly else { return nil }
        return try locks.withLock(page: page) {
            guard states[page].location == .dram else { return nil }
            return Self.publicLocation(try demoteLocked(page, target: target, reason: .requested))
        }
    }

    /// Brings `page` into DRAM ahead of demand (no fault is taken). Returns false when it was
    /// already there or was never touched (a first touch costs no more than a promotion).
    @discardableResult
    public func promote(page: Int) throws -> Bool {
        try checkRange(page)
        guard mode != .dramOnly else { return false }
        return try locks.withLock(page: page) {
            switch states[page].location {
            case .dram, .untouched: return false
            case .zero, .compressed, .pmem:
                try promoteLocked(page, reason: .ahead)
                return true
            }
        }
    }

    /// Zaps the user mapping of DRAM pages so that their next touch is recorded (a MINOR fault).
    /// Returns how many pages were armed. Pages not in DRAM or already armed are skipped.
    ///
    /// Adjacent pages are zapped together: each `madvise` is a TLB shootdown that interrupts the
    /// application's threads, so a run of neighbours costs one, not one per page. A run holds
    /// all its pages' stripes (neighbours are on different stripes): the first taken blocking,
    /// the others only tried (the rule for holding more than one), the run cut where a try fails.
    @discardableResult
    public func sample(pages: some Sequence<Int>) throws -> Int {
        guard mode != .dramOnly else { return 0 }
        var candidates = Array(Set(pages))
        for page in candidates { try checkRange(page) }
        candidates.sort()
        var armed = 0, zaps = 0
        var k = 0
        while k < candidates.count {
            // A run of consecutive page numbers, its stripes held.
            let first = candidates[k]
            locks.lock(locks.stripe(of: first))
            var count = 1
            while k + count < candidates.count, candidates[k + count] == first + count, count < Self.maxSampleRun,
                  locks.tryLock(locks.stripe(of: first + count)) {
                count += 1
            }
            defer { for page in first..<(first + count) { locks.unlock(locks.stripe(of: page)) } }
            // One madvise per stretch of pages that are in DRAM and not armed yet.
            var page = first
            while page < first + count {
                guard states[page].location == .dram, !states[page].isSampled else { page += 1; continue }
                var stretch = 1
                while page + stretch < first + count, states[page + stretch].location == .dram, !states[page + stretch].isSampled {
                    stretch += 1
                }
                try zap(page, count: stretch)
                for armedPage in page..<(page + stretch) { states[armedPage].isSampled = true }
                armed += stretch
                zaps += 1
                page += stretch
            }
            k += count
        }
        counters.add(\.sampled, armed)
        counters.add(\.sampleZaps, zaps)
        return armed
    }

    /// Most pages one sampling `madvise` covers (and stripes it holds at once).
    static let maxSampleRun = 64

    /// Frees the pages' memory in every tier; they read as zeros on their next touch. For the
    /// allocator's free of a page run.
    public func discard(pages: Range<Int>) throws {
        guard !pages.isEmpty else { return }
        try checkRange(pages.lowerBound)
        try checkRange(pages.upperBound - 1)
        for page in pages {
            try locks.withLock(page: page) {
                let state = states[page]
                switch state.location {
                case .dram:
                    try punch(page)
                    counters.add(\.dramPages, -1)
                    if state.isColdHint { counters.add(\.coldDRAMPages, -1) }
                case .untouched:
                    // In DRAM-only mode every touched page is "untouched" to us: punch it anyway.
                    if mode == .dramOnly { try punch(page) }
                case .zero, .compressed, .pmem:
                    releaseLowerTierCopy(of: state)
                }
                if state.location != .untouched { counters.record(Event(page: page, kind: .discarded)) }
                states[page] = .untouched
            }
        }
    }

    /// Changes the DRAM limit at run time (a balloon: the host takes memory back, or grants
    /// more). Shrinking demotes pages now, on the calling thread, until DRAM holds at most
    /// `pages`; growing lets later page-ins use the room. Throws when the lower tiers could not
    /// hold what DRAM must give up (and then changes nothing).
    public func setDRAMCapacity(pages: Int) throws {
        guard mode != .dramOnly else { return }
        let stats = stats()
        let lowerFree = (stats.pmemCapacityPages - stats.pmemPages) + (stats.compressedCapacityPages - stats.compressedPages)
            - stats.unbackedPages
        let needed = max(1, stats.dramPages - lowerFree)
        guard pages >= needed else {
            throw LiveArenaError.configuration(
                "DRAM cannot shrink to \(pages) pages: \(stats.dramPages) are in DRAM and the lower tiers have room for \(lowerFree) more")
        }
        counters.dramCapacity = pages
        var idleRounds = 0
        while counters.snapshot.dramPages > pages {
            let outcome = reclaimOneVictim(avoiding: -1)
            if outcome == .reclaimed { continue }
            if outcome == .lowerTiersFull { break }
            idleRounds += 1
            if idleRounds > 1000 { break }  // every DRAM page busy for long: page-ins will demote the rest
            sched_yield()
        }
    }

    /// Marks pages as holding cold-hinted allocations (or clears the mark): reclaim demotes them
    /// first, without a second chance, and `demoteUntouchedColdPages` lets a daemon demote them early.
    /// `objectsPerPage`: how many objects each page holds (a slab page of a small size class
    /// several; a large allocation's pages one or less); pages of two or more go after the rest.
    public func markCold(pages: Range<Int>, _ cold: Bool = true, objectsPerPage: Int = 1) throws {
        guard !pages.isEmpty else { return }
        try checkRange(pages.lowerBound)
        try checkRange(pages.upperBound - 1)
        for page in pages {
            // The index is marked under the page's lock too: two threads re-marking a reused page
            // must leave index and state word agreeing.
            locks.withLock(page: page) {
                if states[page].location == .dram && states[page].isColdHint != cold { counters.add(\.coldDRAMPages, cold ? 1 : -1) }
                states[page].isColdHint = cold
                sparseColdPages.mark(page..<(page + 1), cold: cold && objectsPerPage < 2)
                denseColdPages.mark(page..<(page + 1), cold: cold && objectsPerPage >= 2)
            }
        }
    }

    /// Second-chance demotion of cold-hinted DRAM pages, for a daemon: looks at up to `scan`
    /// cold-hinted pages from where the last call stopped (an index skips the other pages
    /// without visiting them); one in DRAM that was armed for sampling and not touched since is
    /// demoted (to `target`), one not yet armed is armed (neighbours with one `madvise`, as
    /// `sample` does), until `limit` pages are demoted. Sparse cold pages first: with a limit,
    /// the dense ones are looked at only when the sparse pages the scan left in DRAM cannot make
    /// up the limit. Pages in `sparing` (expected to be read soon) are neither armed nor demoted.
    /// Returns the pages demoted and where they went.
    public func demoteUntouchedColdPages(scan: Int, limit: Int = .max, sparing: ClosedRange<Int>? = nil,
                                         target: DemotionTarget) -> [(page: Int, location: Location)] {
        guard mode != .dramOnly, pageCount > 0, limit > 0 else { return [] }
        var demoted: [(page: Int, location: Location)] = []
        var unarmed: [Int] = []
        for set in coldPageSetsByExpectedReads {
            var inDRAM = 0
            let demotedBefore = demoted.count
            for page in set.nextMarked(limit: scan) {
                if demoted.count >= limit { break }
                if sparing?.contains(page) == true { continue }
                locks.withLock(page: page) {
                    guard states[page].isColdHint, states[page].location == .dram else { return }
                    inDRAM += 1
                    if !states[page].isSampled {
                        unarmed.append(page)
                    } else if let moved = demoteForDaemonLocked(page, target: target) {
                        demoted.append(moved)
                    }
                }
            }
            // With a limit (some cold pages are to stay in DRAM), the dense pages wait while the
            // sparse ones seen and left in DRAM can make up the rest; without one, every cold
            // page goes.
            let leftInDRAM = inDRAM - (demoted.count - demotedBefore)
            if demoted.count >= limit || (limit != .max && leftInDRAM >= limit - demoted.count) { break }
        }
        _ = try? sample(pages: unarmed)
        return demoted
    }

    /// Demotes up to `count` cold-hinted DRAM pages now, without a second chance (as direct
    /// reclaim treats them), sparse pages first and in the cold sweep's order: for a daemon that
    /// must free DRAM, data allocated as cold goes before anything a policy would pick. Looks at
    /// no more than `4 × count` (at least 1,024) pages of each cold set. Returns the pages
    /// demoted and where they went. Pages in `sparing` (expected to be read soon) stay.
    public func demoteColdPages(count: Int, sparing: ClosedRange<Int>? = nil, target: DemotionTarget) -> [(page: Int, location: Location)] {
        guard mode != .dramOnly, count > 0 else { return [] }
        var demoted: [(page: Int, location: Location)] = []
        forColdPages(in: coldPageSetsByExpectedReads, upTo: count) { page in
            guard states[page].location == .dram, sparing?.contains(page) != true, let moved = demoteForDaemonLocked(page, target: target) else { return false }
            demoted.append(moved)
            return true
        }
        return demoted
    }

    /// Visits cold-hinted pages set by set (`sets`, in order) and in the cold sweep's order
    /// within each, each page under its lock, calling `act` on each; stops when `act` has acted
    /// (returned true) `count` times or when `proceed` says no, and leaves a set after looking
    /// at `4 × count` (at least 1,024) of its pages.
    private func forColdPages(in sets: [ColdPageSet], upTo count: Int, while proceed: () -> Bool = { true }, _ act: (Int) -> Bool) {
        var done = 0
        for set in sets {
            var budget = max(1024, 4 * count)
            while done < count && budget > 0 && proceed() {
                let wanted = min(256, budget)
                let batch = set.nextMarked(limit: wanted)
                budget -= batch.count
                for page in batch where done < count && proceed() {
                    if locks.withLock(page: page, { states[page].isColdHint && act(page) }) { done += 1 }
                }
                // A short batch went round the whole set: another would only look again.
                if batch.count < wanted { break }
            }
        }
    }

    /// Cold-hinted pages in DRAM now (an exact running count).
    public var coldDRAMPages: Int { counters.snapshot.coldDRAMPages }

    /// How many cold-hinted pages are in DRAM and how many below it (pages never touched or
    /// demoted as all-zero count as neither: they hold no memory). Visits every cold-hinted page
    /// under its lock: a daemon's occasional count, not a per-epoch one (`coldDRAMPages` is).
    public func coldPageCensus() -> (inDRAM: Int, belowDRAM: Int) {
        var inDRAM = 0, below = 0
        for set in coldPageSetsByExpectedReads {
            set.forEachMarked { page in
                locks.withLock(page: page) {
                    guard states[page].isColdHint else { return }
                    switch states[page].location {
                    case .dram: inDRAM += 1
                    case .compressed, .pmem: below += 1
                    case .untouched, .zero: break
                    }
                }
            }
        }
        return (inDRAM, below)
    }

    /// Brings up to `count` cold-hinted pages back from the lower tiers ahead of demand, dense
    /// pages first and in the cold sweep's order, into free DRAM frames only (never evicting for
    /// them) and leaving at least `keepFree` frames free. For a daemon whose page-in budget says
    /// the offloaded cold data costs the application too much. Looks at no more than `4 × count`
    /// (at least 1,024) pages of each cold set. Returns the pages promoted.
    public func promoteColdPages(count: Int, keepFree: Int) -> [Int] {
        guard mode != .dramOnly, count > 0 else { return [] }
        var promoted: [Int] = []
        forColdPages(in: coldPageSetsByExpectedReads.reversed(), upTo: count, while: { counters.freeDRAMPages > keepFree }) { page in
            switch states[page].location {
            case .compressed, .pmem:
                guard (try? promoteLocked(page, reason: .ahead)) != nil else { return false }
                promoted.append(page)
                return true
            case .dram, .untouched, .zero:
                return false
            }
        }
        return promoted
    }

    /// Brings the pages of `stretch` that are below DRAM into DRAM ahead of demand, for a daemon
    /// that expects them read soon (the next stretch of a periodic sweep), leaving `keepFree`
    /// frames free. When no frame is to spare it sends out cold-hinted DRAM pages of `donors`
    /// (to `target`), in address order, armed together first so that a run of neighbours costs
    /// one TLB shootdown rather than one each (a donor touched once armed stays), and brings in
    /// fewer pages when `donors` has too few. It promotes only into frames it counted free, so it
    /// evicts nothing else unless a concurrent fault takes such a frame first (the promotion then
    /// reclaims one, as a fault would). Pages out of the arena's range are ignored. Returns the
    /// pages promoted, and those demoted and where they went.
    public func promote(stretch: ClosedRange<Int>, keepFree: Int, makingRoomFrom donors: ClosedRange<Int>, target: DemotionTarget)
        -> (promoted: [Int], demoted: [(page: Int, location: Location)]) {
        guard mode != .dramOnly, pageCount > 0, stretch.lowerBound < pageCount, stretch.upperBound >= 0 else { return ([], []) }
        func isBelowDRAM(_ page: Int) -> Bool {
            locks.withLock(page: page) { states[page].location == .compressed || states[page].location == .pmem }
        }
        let wanted = (max(0, stretch.lowerBound)...min(stretch.upperBound, pageCount - 1)).filter(isBelowDRAM)
        var demoted: [(page: Int, location: Location)] = []
        let short = wanted.count - max(0, counters.freeDRAMPages - keepFree)
        if short > 0, donors.upperBound >= 0, donors.lowerBound < pageCount {
            let candidates = (max(0, donors.lowerBound)...min(donors.upperBound, pageCount - 1)).lazy.filter { page in
                self.locks.withLock(page: page) { self.states[page].isColdHint && self.states[page].location == .dram }
            }
            let chosen = Array(candidates.prefix(short))
            _ = try? sample(pages: chosen)
            for page in chosen {
                // Not armed: touched since (the reader is back), or its stripe was busy.
                let moved = locks.withLock(page: page) {
                    states[page].isColdHint && states[page].location == .dram && states[page].isSampled
                        ? demoteForDaemonLocked(page, target: target) : nil
                }
                if let moved { demoted.append(moved) }
            }
        }
        var promoted: [Int] = []
        for page in wanted where counters.freeDRAMPages > keepFree {
            let broughtIn: Bool = locks.withLock(page: page) {
                switch states[page].location {
                case .compressed, .pmem: return (try? promoteLocked(page, reason: .ahead)) != nil
                case .dram, .untouched, .zero: return false
                }
            }
            if broughtIn { promoted.append(page) }
        }
        return (promoted, demoted)
    }

    /// Demotes `page` (its stripe held) for a daemon's cold sweep: where it went, or nil if it
    /// could not move.
    private func demoteForDaemonLocked(_ page: Int, target: DemotionTarget) -> (page: Int, location: Location)? {
        (try? demoteLocked(page, target: target, reason: .requested)).map { (page, Self.publicLocation($0)) }
    }

    /// The share of the compressed pool's chunks that holds pages (1 without a pool or when empty).
    public var compressedPoolOccupancy: Double { pool?.occupancy ?? 1 }

    /// Compacts the compressed pool: looks at up to `scan` pages from where the last call stopped
    /// and moves each compressed one whose slot sits in a chunk at most half used into a lower
    /// chunk, so that chunks empty and go back to the system (zsmalloc compacts the same way).
    /// Pages that bring data back to DRAM free their slots at random, so without this the pool
    /// keeps the chunks it grew to. Returns the pages moved.
    @discardableResult
    public func compactCompressedPool(scan: Int) -> Int {
        guard let pool, pageCount > 0 else { return 0 }
        compactionLock.lock()
        defer { compactionLock.unlock() }
        var moved = 0
        for _ in 0..<min(scan, pageCount) {
            let page = compactionHand
            compactionHand = compactionHand + 1 == pageCount ? 0 : compactionHand + 1
            locks.withLock(page: page) {
                guard states[page].location == .compressed else { return }
                guard let relocated = pool.relocateOutOfSparseChunk(states[page].handle) else { return }
                states[page].move(to: .compressed(relocated))
                moved += 1
            }
        }
        counters.add(\.poolRelocations, moved)
        return moved
    }

    /// The DRAM frames not in use right now (cheaper than `stats()`; negative after an overdraft).
    public var freeDRAMPages: Int { counters.freeDRAMPages }

    /// What the arena saw happen to a page that a daemon steering it needs to know.
    public struct Event: Sendable, Equatable {
        public enum Kind: Sendable, Equatable {
            /// A sampled page touched again, or a fault on a page not in DRAM (a page-in).
            case touched
            /// Moved out of DRAM by the arena itself (direct reclaim under a fault), to this tier.
            case reclaimed(Location)
            /// Freed by the allocator (`discard`).
            case discarded
            /// Brought into DRAM ahead of a sequential reader by the fault service (readahead).
            case promotedAhead
        }
        public var page: Int
        public var kind: Kind
    }

    /// The events since the last call, oldest first. The log holds at most
    /// `ArenaCounters.eventLogLimit` entries; `stats().eventsDropped` counts the overflow.
    public func drainEvents() -> [Event] { counters.drainEvents() }

    /// The pages touched since the last call (the `.touched` events; others are dropped).
    public func drainTouches() -> [Int] { drainEvents().compactMap { $0.kind == .touched ? $0.page : nil } }

    func checkRange(_ page: Int) throws(LiveArenaError) {
        guard page >= 0, page < pageCount else { throw .pageOutOfRange(page: page, pageCount: pageCount) }
    }

    static func publicLocation(_ state: PageState) -> Location {
        switch state.location {
        case .untouched: return .untouched
        case .dram: return .dram
        case .zero: return .zero
        case .compressed: return .compressed
        case .pmem: return .pmem
        }
    }
}
