import Foundation
import TierMemCore

/// A snapshot of a `LiveArena`: where its pages are, what moved, and what the compressed
/// tier achieved. Page counts are pages of `pageSize` bytes.
public struct LiveArenaStats: Sendable, CustomStringConvertible {
    public var mode: LiveArena.Mode
    public var pageSize: Int
    public var pageCount: Int
    public var dramPages: Int
    public var dramCapacityPages: Int
    public var pmemPages: Int
    public var pmemCapacityPages: Int
    public var pmemIsPersistentMemory: Bool?
    public var compressedPages: Int
    public var compressedCapacityPages: Int
    /// Pages the tiers were sized for and cannot hold (`LiveArena.unbackedPages`).
    public var unbackedPages: Int
    /// Bytes of compressed data, of the slots holding it, and of the chunks the pool took.
    public var compressedBytes: Int
    public var compressedSlotBytes: Int
    public var poolBytes: Int
    /// Faults: MISSING (a page-in or a first touch) and MINOR (a sampled page touched again).
    public var missingFaults: Int
    public var minorFaults: Int
    public var firstTouches: Int
    public var demandPromotions: Int
    public var aheadPromotions: Int
    public var demotionsToPMEM: Int
    public var demotionsToCompressed: Int
    public var demotionsToZero: Int
    public var zstdPages: Int
    public var incompressibleToPMEM: Int
    public var directReclaims: Int
    public var dramOverdrafts: Int
    public var sampled: Int
    /// `madvise` calls that armed the sampled pages (adjacent pages share one).
    public var sampleZaps: Int
    /// Pages brought in ahead of a sequential reader (part of `aheadPromotions`).
    public var readAheadPages: Int
    /// Nanoseconds spent resolving faults that brought pages back from a lower tier (summed over
    /// faults, measured on the resolving thread; see `DaemonConfiguration.pageInBudget`).
    public var pageInNanoseconds: Int
    /// Compressed pages moved into lower pool chunks by compaction (`compactCompressedPool`).
    public var poolRelocations: Int
    public var eventsDropped: Int

    /// Uncompressed bytes per compressed byte held in the pool (1 when empty).
    public var compressionRatio: Double {
        compressedBytes == 0 ? 1 : Double(compressedPages * pageSize) / Double(compressedBytes)
    }

    public var description: String {
        func size(_ pages: Int) -> String { ByteCount(UInt64(pages * pageSize)).description }
        var lines = [
            "mode: \(mode)",
            "DRAM: \(dramPages)/\(dramCapacityPages) pages (\(size(dramPages)))",
        ]
        if pmemCapacityPages > 0 {
            let kind = pmemIsPersistentMemory == true ? "persistent memory" : "not persistent memory (pmem_is_pmem = 0)"
            lines.append("PMEM: \(pmemPages)/\(pmemCapacityPages) pages, \(kind)")
        }
        if compressedCapacityPages > 0 {
            lines.append(
                "compressed: \(compressedPages)/\(compressedCapacityPages) pages in \(ByteCount(UInt64(compressedBytes))) "
                    + "(ratio \(String(format: "%.2f", compressionRatio)), pool \(ByteCount(UInt64(poolBytes))), zstd \(zstdPages), "
                    + "\(poolRelocations) moved by compaction)")
        }
        if unbackedPages > 0 {
            lines.append("unbacked: \(unbackedPages) pages the tiers were sized for cannot be held (a PMEM file system out of space, or no memory for the pool)")
        }
        lines.append("faults: \(missingFaults) missing, \(minorFaults) minor; first touches \(firstTouches)")
        lines.append("sampled: \(sampled) pages in \(sampleZaps) madvise calls")
        lines.append(String(format: "page-ins from lower tiers: %.1f ms resolving them", Double(pageInNanoseconds) / 1e6))
        lines.append("promotions: \(demandPromotions) on demand, \(aheadPromotions) ahead (\(readAheadPages) read ahead of sequential faults)")
        lines.append(
            "demotions: \(demotionsToCompressed) compressed, \(demotionsToPMEM) PMEM (\(incompressibleToPMEM) incompressible), "
                + "\(demotionsToZero) zero; direct reclaims \(directReclaims), overdrafts \(dramOverdrafts)")
        return lines.joined(separator: "\n")
    }
}

extension LiveArena {
    public func stats() -> LiveArenaStats {
        let values = counters.snapshot
        let poolUsage = pool?.usage ?? CompressedPool.Usage()
        return LiveArenaStats(
            mode: mode, pageSize: pageSize, pageCount: pageCount,
            dramPages: values.dramPages, dramCapacityPages: dramCapacityPages,
            pmemPages: pmem?.storedPageCount ?? 0, pmemCapacityPages: pmem?.capacityPages ?? 0,
            pmemIsPersistentMemory: pmem?.isPersistentMemory,
            compressedPages: poolUsage.storedPages, compressedCapacityPages: pool?.capacityPages ?? 0,
            unbackedPages: unbackedPages,
            compressedBytes: poolUsage.compressedBytes, compressedSlotBytes: poolUsage.slotBytes,
            poolBytes: poolUsage.poolBytes,
            missingFaults: values.missingFaults, minorFaults: values.minorFaults, firstTouches: values.firstTouches,
            demandPromotions: values.demandPromotions, aheadPromotions: values.aheadPromotions,
            demotionsToPMEM: values.demotionsToPMEM, demotionsToCompressed: values.demotionsToCompressed,
            demotionsToZero: values.demotionsToZero, zstdPages: values.zstdPages,
            incompressibleToPMEM: values.incompressibleToPMEM, directReclaims: values.directReclaims,
            dramOverdrafts: values.dramOverdrafts, sampled: values.sampled, sampleZaps: values.sampleZaps, readAheadPages: values.readAheadPages,
            pageInNanoseconds: values.pageInNanoseconds, poolRelocations: values.poolRelocations, eventsDropped: values.eventsDropped)
    }
}
