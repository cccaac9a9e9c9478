import CTierLinux
import Glibc

/// Which arena pages hold cold-hinted allocations, as a bitmap read without the page locks, so
/// that the daemon's cold sweep visits only those pages and skips the rest 64 at a time. The
/// authoritative mark is each page's state word (under its stripe lock); this is only the index
/// that finds them, and the sweep re-checks every page under its lock. It also holds the
/// sweep's position, so that successive sweeps go round the marked pages.
final class ColdPageSet {
    let pageCount: Int
    private let words: UnsafeMutablePointer<UInt64>
    private let wordCount: Int
    private var hand = 0
    private let handLock = PosixMutex()

    init(pageCount: Int) {
        self.pageCount = pageCount
        wordCount = (pageCount + 63) / 64
        words = calloc(max(wordCount, 1), 8)!.bindMemory(to: UInt64.self, capacity: max(wordCount, 1))
    }

    deinit {
        free(words)
    }

    func mark(_ pages: Range<Int>, cold: Bool) {
        for page in pages {
            let bit: UInt64 = 1 << UInt64(page & 63)
            if cold { _ = ctl_atomic_fetch_or(words + page >> 6, bit) } else { _ = ctl_atomic_fetch_and(words + page >> 6, ~bit) }
        }
    }

    /// Calls `body` with every marked page in address order (the sweep's position stays put).
    func forEachMarked(_ body: (Int) -> Void) {
        for index in 0..<wordCount {
            var bits = ctl_atomic_load(words + index)
            while bits != 0 {
                body(index << 6 + bits.trailingZeroBitCount)
                bits &= bits - 1
            }
        }
    }

    /// Up to `limit` marked pages, in address order from where the last call stopped, going round
    /// the arena at most once.
    func nextMarked(limit: Int) -> [Int] {
        handLock.lock()
        defer { handLock.unlock() }
        var found: [Int] = []
        var page = hand
        var visited = 0  // pages passed since `hand`: at pageCount the sweep is back where it began
        while visited < pageCount && found.count < limit {
            let offset = page & 63
            let bits = ctl_atomic_load(words + (page >> 6)) >> UInt64(offset)
            if bits == 0 {
                // Nothing marked from here to the end of this word (or of the arena).
                let skip = min(64 - offset, pageCount - page)
                visited += skip
                page += skip
            } else {
                let gap = bits.trailingZeroBitCount
                guard visited + gap < pageCount else { break }
                found.append(page + gap)
                visited += gap + 1
                page += gap + 1
            }
            if page >= pageCount { page = 0 }
        }
        hand = page
        return found
    }
}
