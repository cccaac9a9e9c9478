import Glibc

/// Which arena pages are free, as runs of consecutive pages. Allocation takes a run that fits
/// from the smallest sufficient size bucket (power-of-two buckets, so a search looks at few
/// runs); freeing coalesces with both neighbours. One mutex; page runs are
/// the slow path (slabs and large objects), never the small-object fast path.
final class PageRuns: @unchecked Sendable {
    private var lengthByStart: [Int: Int] = [:]
    private var startByEnd: [Int: Int] = [:]
    /// buckets[b] holds the starts of free runs with length in [2^b, 2^(b+1)).
    private var buckets: [Set<Int>]
    private let lock = PosixMutex()
    private(set) var freePages: Int

    init(pageCount: Int) {
        buckets = Array(repeating: [], count: 64)
        freePages = 0
        if pageCount > 0 { insert(start: 0, length: pageCount) }
    }

    var freePageCount: Int {
        lock.lock()
        defer { lock.unlock() }
        return freePages
    }

    /// The first page of `count` consecutive free pages, now allocated, such that
    /// `(first + phase)` is a multiple of `alignment` (the arena's own start need not be
    /// aligned, so `phase` is its page number modulo `alignment`); nil when no run fits.
    func allocate(_ count: Int, alignment: Int = 1, phase: Int = 0) -> Int? {
        precondition(count > 0 && alignment > 0)
        lock.lock()
        defer { lock.unlock() }
        let wanted = count + alignment - 1
        for bucket in Self.bucket(of: wanted)..<buckets.count {
            for start in buckets[bucket] {
                let length = lengthByStart[start]!
                let aligned = (start + phase + alignment - 1) / alignment * alignment - phase
                guard aligned + count <= start + length else { continue }
                remove(start: start, length: length)
                if aligned > start { insert(start: start, length: aligned - start) }
                let end = aligned + count
                if end < start + length { insert(start: end, length: start + length - end) }
                return aligned
            }
        }
        return nil
    }

    func free(_ start: Int, count: Int) {
        lock.lock()
        defer { lock.unlock() }
        var runStart = start, runLength = count
        if let before = startByEnd[start] {
            let length = lengthByStart[before]!
            remove(start: before, length: length)
            runStart = before
            runLength += length
        }
        if let afterLength = lengthByStart[start + count] {
            remove(start: start + count, length: afterLength)
            runLength += afterLength
        }
        insert(start: runStart, length: runLength)
    }

    private static func bucket(of length: Int) -> Int { Int.bitWidth - 1 - length.leadingZeroBitCount }

    private func insert(start: Int, length: Int) {
        lengthByStart[start] = length
        startByEnd[start + length] = start
        buckets[Self.bucket(of: length)].insert(start)
        freePages += length
    }

    private func remove(start: Int, length: Int) {
        lengthByStart[start] = nil
        startByEnd[start + length] = nil
        buckets[Self.bucket(of: length)].remove(start)
        freePages -= length
    }
}
