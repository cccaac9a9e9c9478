extension PageTable {
    /// Checks that every live page is in exactly one tier, that the per-tier counts and the
    /// compressed pool's bytes match the pages, and that no tier exceeds its capacity. Returns a
    /// description of the first problem, or nil. O(pages): tests call it after every step, the
    /// engine calls it only under `TIERMEM_INVARIANTS` builds.
    public func invariantViolation(ratio: Double) -> String? {
        var counted = [0, 0, 0]
        var compressed: UInt64 = 0
        for id in 0..<count {
            let t = tier[id]
            if t == Self.absent { continue }
            guard Int(t) < TierLayout.tierCount else { return "page \(id) has tier \(t)" }
            counted[Int(t)] += 1
            if t == TierLayout.compressed { compressed += compressedSize(PageID(id), ratio: ratio) }
        }
        if counted != pagesIn { return "tier counts \(pagesIn) disagree with the pages \(counted)" }
        if compressed != compressedBytesUsed { return "compressed bytes \(compressedBytesUsed) disagree with the pages \(compressed)" }
        if counted[0] > layout.dramPages { return "DRAM holds \(counted[0]) pages, capacity \(layout.dramPages)" }
        if counted[1] > layout.pmemPages { return "PMEM holds \(counted[1]) pages, capacity \(layout.pmemPages)" }
        if compressed > layout.compressedBytes { return "the compressed pool holds \(compressed) bytes, capacity \(layout.compressedBytes)" }
        return nil
    }
}
