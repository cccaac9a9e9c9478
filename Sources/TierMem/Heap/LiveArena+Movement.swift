import CTierLinux
import Glibc
import TierMemCore

/// How pages move. Every function here is called with the page's stripe lock held.
extension LiveArena {
    enum DemotionReason { case requested, directReclaim }
    enum PromotionReason { case demand, ahead }

    /// Moves a DRAM page to a lower tier (or to the zero flag) and frees its frame.
    /// On `.lowerTiersFull` the page stays in DRAM with its bytes untouched.
    func demoteLocked(_ page: Int, target: DemotionTarget, reason: DemotionReason) throws(LiveArenaError) -> PageState {
        let state = states[page]
        precondition(state.location == .dram, "demoting page \(page), which is \(state.location), not in DRAM")
        // From here on a touch of the page faults and waits for this lock: its bytes are frozen.
        if !state.isSampled { try zap(page) }
        // The bytes are read from the memfd with pread, not through a second mapping: a page
        // the runtime had mapped would have to be shot down from every CPU's TLB when it is
        // punched, interrupting the application's threads once more per demotion.
        let stored: Result<PageState, LiveArenaError> = withUnsafeTemporaryAllocation(byteCount: pageSize, alignment: 64) { copy in
            do throws(SystemError) { try mapping.read(page, into: copy) } catch { return .failure(.system(error)) }
            let source = UnsafeRawPointer(copy.baseAddress!)
            if isZeroPage(source, byteCount: pageSize) { return .success(PageState(.zero)) }
            return storeBelowDRAM(source, target: target).map { .success($0) } ?? .failure(.lowerTiersFull(page: page))
        }
        let newState: PageState
        switch stored {
        case .success(let state): newState = state
        case .failure(let error):
            states[page].isSampled = false
            throw error
        }
        do {
            try punch(page)
        } catch {
            releaseLowerTierCopy(of: newState)
            states[page].isSampled = false
            throw error
        }
        states[page].move(to: newState)
        counters.add(\.dramPages, -1)
        if states[page].isColdHint { counters.add(\.coldDRAMPages, -1) }
        switch newState.location {
        case .zero: counters.add(\.demotionsToZero)
        case .pmem: counters.add(\.demotionsToPMEM)
        case .compressed:
            counters.add(\.demotionsToCompressed)
            if newState.handle.codec == .zstd { counters.add(\.zstdPages) }
        case .dram, .untouched: break
        }
        if reason == .directReclaim {
            counters.add(\.directReclaims)
            counters.record(Event(page: page, kind: .reclaimed(Self.publicLocation(newState))))
        }
        return newState
    }

    /// Brings a page that is not in DRAM into DRAM with UFFDIO_COPY, waking any thread waiting
    /// on it. Its lower-tier copy is freed *before* a DRAM frame is found, so that the direct
    /// reclaim this may need always has somewhere to put its victim (the arena holds exactly as
    /// many pages as its tiers); the bytes wait in a bounce buffer meanwhile.
    func promoteLocked(_ page: Int, reason: PromotionReason) throws(LiveArenaError) {
        let state = states[page]
        precondition(state.location != .dram, "promoting page \(page), which is already in DRAM")
        let failure: CInt = withUnsafeTemporaryAllocation(byteCount: pageSize, alignment: 64) { bounce in
            let source: UnsafeRawPointer
            switch state.location {
            case .untouched, .zero:
                source = UnsafeRawPointer(zeroPage)
            case .compressed:
                readCompressed(state.handle, into: bounce, page: page)
                source = UnsafeRawPointer(bounce.baseAddress!)
            case .pmem:
                pmem!.load(state.block, into: bounce.baseAddress!)
                source = UnsafeRawPointer(bounce.baseAddress!)
            case .dram:
                preconditionFailure("unreachable")
            }
            releaseLowerTierCopy(of: state)
            states[page].move(to: .untouched)
            reserveFrame(avoiding: locks.stripe(of: page))
            let result = userfaultfd!.copy(to: mapping.userPage(page), from: source, length: pageSize)
            precondition(result != EEXIST, "page \(page) was already in the memfd while recorded as \(state.location)")
            if result != 0 {
                // Put the bytes back below DRAM: nothing is lost, the caller hears why.
                counters.add(\.dramPages, -1)
                if state.location == .untouched || state.location == .zero {
                    states[page] = state
                } else if let stored = storeBelowDRAM(source, target: .automatic) {
                    states[page].move(to: stored)
                } else {
                    preconditionFailure("page \(page): UFFDIO_COPY failed (errno \(result)) and no tier has room to keep it")
                }
                return result
            }
            states[page].move(to: PageState(.dram))
            if states[page].isColdHint { counters.add(\.coldDRAMPages) }
            return 0
        }
        if failure != 0 { throw .system(SystemError("UFFDIO_COPY (page \(page))", errno: failure)) }
        if state.location == .untouched {
            counters.add(\.firstTouches)
        } else {
            counters.add(reason == .demand ? \.demandPromotions : \.aheadPromotions)
        }
    }

    /// Finds a DRAM frame for a page-in, demoting a victim when DRAM is full (direct reclaim).
    /// Never fails and never spins: when every lower tier is full (a PMEM mount out of space, a
    /// pool at capacity) or every DRAM page stays busy for a long time, it goes one page over the
    /// limit (`dramOverdrafts`) rather than leave a faulting thread waiting; the allocator hands
    /// out no more pages than the tiers can hold (`unbackedPages`), so that stays rare.
    func reserveFrame(avoiding stripe: Int) {
        var idleRounds = 0
        while !counters.tryReserveDRAM() {
            switch reclaimOneVictim(avoiding: stripe) {
            case .reclaimed: continue
            case .allBusy where idleRounds < 1000:
                idleRounds += 1
                sched_yield()
                continue
            case .allBusy, .lowerTiersFull:
                counters.add(\.dramOverdrafts)
                counters.add(\.dramPages)
                return
            }
        }
    }

    enum ReclaimOutcome { case reclaimed, lowerTiersFull, allBusy }

    /// CLOCK over the arena with sampling as the reference bit: a DRAM page whose mapping was
    /// zapped and not touched since is the victim; a DRAM page not yet zapped is zapped (its
    /// second chance) and passed over. Cold-hinted pages get no second chance. Pages whose stripe
    /// is busy are skipped, never waited for. The first victim that no lower tier can take ends
    /// the search (`.lowerTiersFull`): every other would fail the same way, each at the cost of
    /// a zap and a read.
    func reclaimOneVictim(avoiding stripe: Int) -> ReclaimOutcome {
        guard lowerTiersHaveRoom else { return .lowerTiersFull }
        for _ in 0..<(2 * pageCount) {
            let page = counters.advanceClockHand(pageCount: pageCount)
            let candidate = locks.stripe(of: page)
            guard candidate != stripe, locks.tryLock(candidate) else { continue }
            defer { locks.unlock(candidate) }
            guard states[page].location == .dram else { continue }
            if states[page].isSampled || states[page].isColdHint {
                do {
                    _ = try demoteLocked(page, target: .automatic, reason: .directReclaim)
                    return .reclaimed
                } catch .lowerTiersFull {
                    return .lowerTiersFull
                } catch {
                    continue
                }
            } else if (try? zap(page)) != nil {
                states[page].isSampled = true
            }
        }
        return .allBusy
    }

    /// Whether some lower tier may take a page now (a zero page needs none, but finding one
    /// costs a read per candidate, so a full set of tiers is taken as full).
    var lowerTiersHaveRoom: Bool { (pmem?.hasRoom ?? false) || (pool?.hasRoom ?? false) }

    /// Stores a page's bytes in the best lower tier for `target`, falling back to the other.
    private func storeBelowDRAM(_ source: UnsafeRawPointer, target: DemotionTarget) -> PageState? {
        withUnsafeTemporaryAllocation(byteCount: compressor.scratchCapacity, alignment: 16) { scratch in
            var compressedLength: Int?
            let codec: CompressionCodec
            if case .compressed(let chosen) = target { codec = chosen } else { codec = defaultCodec }
            func compressOnce() -> Int? {
                if compressedLength == nil {
                    compressedLength = compressor.compress(
                        UnsafeRawBufferPointer(start: source, count: pageSize), codec: codec, into: scratch.baseAddress!) ?? pageSize
                }
                return compressedLength
            }
            func storeCompressed(limit: Int) -> PageState? {
                guard let pool, let length = compressOnce(), length <= limit else { return nil }
                let stored: CompressedPool.StoredCodec = codec == .zstd ? .zstd : .lz4
                return pool.store(UnsafeRawBufferPointer(start: scratch.baseAddress!, count: length), codec: stored).map(PageState.compressed)
            }
            if target != .pmem, let state = storeCompressed(limit: compressibleBytes) { return state }
            if let pmem, let block = pmem.store(source) {
                if pool != nil, target != .pmem { counters.add(\.incompressibleToPMEM) }
                return .pmem(block)
            }
            // PMEM is full or absent: the pool takes the page compressed if it shrinks at all,
            // raw otherwise, so that it always has a home.
            if let state = storeCompressed(limit: pageSize - 1) { return state }
            if let pool, let handle = pool.store(UnsafeRawBufferPointer(start: source, count: pageSize), codec: .raw) {
                return .compressed(handle)
            }
            return nil
        }
    }

    private func readCompressed(_ handle: CompressedPool.Handle, into page: UnsafeMutableRawBufferPointer, page number: Int) {
        let bytes = pool!.bytes(of: handle)
        let ok: Bool
        switch handle.codec {
        case .raw:
            page.copyMemory(from: bytes)
            ok = bytes.count == pageSize
        case .lz4: ok = compressor.decompress(bytes, codec: .lz4, into: page)
        case .zstd: ok = compressor.decompress(bytes, codec: .zstd, into: page)
        }
        precondition(ok, "page \(number): its compressed copy (\(handle.codec), \(bytes.count) bytes) does not decompress to a page")
    }

    func releaseLowerTierCopy(of state: PageState) {
        switch state.location {
        case .compressed: pool!.release(state.handle)
        case .pmem: pmem!.release(state.block)
        case .untouched, .dram, .zero: break
        }
    }

    func zap(_ page: Int, count: Int = 1) throws(LiveArenaError) {
        do { try mapping.zapUserView(page, count: count) } catch let error as SystemError { throw .system(error) } catch { fatalError("\(error)") }
    }

    func punch(_ page: Int) throws(LiveArenaError) {
        do { try mapping.punch(page) } catch let error as SystemError { throw .system(error) } catch { fatalError("\(error)") }
    }

    /// Resolves one userfaultfd fault: on the fault service thread, or on the faulting thread in
    /// its SIGBUS handler (`.faultingThread`). Touches no page of the user view, so it never
    /// faults itself.
    func serveFault(at address: UInt64, flags: UInt32) {
        guard let page = mapping.page(containing: UInt(address)) else { return }
        let pageAddress = mapping.userPage(page)
        let started = monotonicNanoseconds()
        let pagedIn: Bool = locks.withLock(page: page) {
            let state = states[page]
            if state.location == .dram {
                // A sampled page touched again, or a fault that raced with a promotion.
                if state.isSampled {
                    states[page].isSampled = false
                    counters.add(\.minorFaults)
                    counters.record(Event(page: page, kind: .touched))
                }
                let result = userfaultfd!.continueMapping(pageAddress, length: pageSize)
                if result == EEXIST { _ = userfaultfd!.wake(pageAddress, length: pageSize) }
                precondition(result == 0 || result == EEXIST, "page \(page): UFFDIO_CONTINUE failed with errno \(result)")
                return false
            }
            counters.add(\.missingFaults)
            counters.record(Event(page: page, kind: .touched))
            do {
                try promoteLocked(page, reason: .demand)
            } catch {
                // The faulting thread cannot be told; waiting forever would be worse than stopping.
                fatalError("tiermem: cannot bring page \(page) in for a fault: \(error)")
            }
            return state.location != .untouched
        }
        if pagedIn { counters.add(\.pageInNanoseconds, Int(monotonicNanoseconds() - started)) }
        // The faulting thread is awake again (or, resolving its own fault, about to be); the pages
        // after a sequential page-in are brought in now so that the reader finds them mapped.
        guard readaheadLock.tryLock() else { return }
        let ahead = readahead.pagesToReadAhead(after: page)
        readaheadLock.unlock()
        if ahead > 0 { readAhead(pages: (page + 1)..<min(page + 1 + ahead, pageCount)) }
    }

    /// Promotes the pages that are below DRAM, only into free frames (readahead never evicts),
    /// skipping pages whose stripe is busy.
    func readAhead(pages: Range<Int>) {
        for page in pages {
            guard counters.freeDRAMPages > 0 else { return }
            let stripe = locks.stripe(of: page)
            guard locks.tryLock(stripe) else { continue }
            defer { locks.unlock(stripe) }
            switch states[page].location {
            case .untouched, .dram: continue
            case .zero, .compressed, .pmem:
                guard (try? promoteLocked(page, reason: .ahead)) != nil else { return }
                counters.add(\.readAheadPages)
                counters.record(Event(page: page, kind: .promotedAhead))
            }
        }
    }
}
