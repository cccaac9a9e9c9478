import CMemkind
import Foundation
import Glibc
import TierMemCore

/// Fault-in latency samples in nanoseconds, one per touch, all from the same run.
public struct FaultInLatencies: Sendable {
    /// The bare userfaultfd round trip (`FaultRoundTripProbe`): the floor.
    public var bare: [UInt64] = []
    /// A never-touched arena page: fault, zero page placed.
    public var firstTouch: [UInt64] = []
    /// A page in the compressed pool (LZ4): fault, decompress, UFFDIO_COPY.
    public var compressed: [UInt64] = []
    /// A page in PMEM: fault, copy out, UFFDIO_COPY.
    public var pmem: [UInt64] = []
}

/// One codec on the corpus: nanoseconds per page each way, and the ratio
/// (uncompressed bytes / compressed bytes over all pages).
public struct CodecCost: Sendable {
    public var codec: CompressionCodec
    public var pages: Int
    public var compressNsPerPage: Double
    public var decompressNsPerPage: Double
    public var ratio: Double
    /// Pages that shrink to at most 75% of a page (the compressed tier keeps only those).
    public var compressibleShare: Double
}

/// Demotion and promotion through the whole arena path, in pages per second.
public struct MigrationThroughput: Sendable {
    public var demoteToCompressed: Double
    public var promoteFromCompressed: Double
    public var demoteToPMEM: Double
    public var promoteFromPMEM: Double
}

/// What `tiermem-heapbench` and `tiermem calibrate` measure on the machine they run on.
/// Every function really runs the mechanism (userfaultfd, memkind, libpmem, LZ4, zstd).
public enum LiveMeasurements {
    /// Side by side: the bare round trip, first touches, and fault-ins from the compressed tier
    /// and from PMEM, `rounds` rounds of `pagesPerRound` pages each (interleaved so that drift in
    /// the machine's speed hits every kind alike). `spinNanoseconds` is the fault service's spin
    /// (`LiveArenaConfiguration.faultSpinNanoseconds`), the same for the floor and the arena;
    /// `faultHandling` says which thread resolves the arena's faults (the floor always uses a thread).
    public static func faultIns(corpus: PageCorpus, pagesPerRound: Int, rounds: Int, spinNanoseconds: UInt64,
                                faultHandling: LiveArenaConfiguration.FaultHandling = .handlerThread) throws -> FaultInLatencies {
        var result = FaultInLatencies()
        for _ in 0..<rounds {
            result.bare += try FaultRoundTripProbe.measure(pageCount: pagesPerRound, spinNanoseconds: spinNanoseconds)
            let arena = try arenaForMeasurements(pages: pagesPerRound, spinNanoseconds: spinNanoseconds, faultHandling: faultHandling)
            let size = arena.pageSize
            for page in 0..<pagesPerRound {
                let address = arena.address(ofPage: page)
                let start = monotonicNanoseconds()
                address.storeBytes(of: 1, as: UInt8.self)
                result.firstTouch.append(monotonicNanoseconds() - start)
                corpus.pages[page % corpus.pages.count].withUnsafeBytes { address.copyMemory(from: $0.baseAddress!, byteCount: size) }
            }
            for target in [LiveArena.DemotionTarget.compressed(.lz4), .pmem] {
                var locations: [LiveArena.Location?] = []
                for page in 0..<pagesPerRound { locations.append(try arena.demote(page: page, to: target)) }
                for page in 0..<pagesPerRound {
                    let latency = try checkedTouch(arena, page: page, corpus: corpus)
                    switch locations[page] {
                    case .compressed: result.compressed.append(latency)
                    case .pmem: result.pmem.append(latency)
                    default: break
                    }
                }
            }
        }
        return result
    }

    /// Fault-ins of LZ4-compressed pages one at a time, `gap` ns of busy work on the faulting
    /// thread apart: sporadic faults, which find the fault service asleep (and, in a VM, its
    /// vCPU halted). Returns each fault's latency, ns.
    public static func loneFaultIns(corpus: PageCorpus, pages: Int, gap: UInt64,
                                    faultHandling: LiveArenaConfiguration.FaultHandling = .handlerThread) throws -> [UInt64] {
        let arena = try compressedArena(corpus: corpus, pages: pages, faultHandling: faultHandling)
        var latencies: [UInt64] = []
        for page in 0..<pages {
            let until = monotonicNanoseconds() + gap
            while monotonicNanoseconds() < until {}
            latencies.append(try checkedTouch(arena, page: page, corpus: corpus))
        }
        return latencies
    }

    /// Reading `pages` LZ4-compressed pages in address order, one load each: mean ns per page
    /// and the page-ins that faulted, with readahead up to `readAheadPages` (0: off).
    public static func sequentialReads(corpus: PageCorpus, pages: Int, readAheadPages: Int,
                                       faultHandling: LiveArenaConfiguration.FaultHandling = .handlerThread) throws -> (nsPerPage: Double, faults: Int) {
        let arena = try compressedArena(corpus: corpus, pages: pages, readAheadPages: readAheadPages, faultHandling: faultHandling)
        let before = arena.stats().missingFaults
        let start = monotonicNanoseconds()
        for page in 0..<pages { _ = try checkedTouch(arena, page: page, corpus: corpus) }
        let elapsed = monotonicNanoseconds() - start
        return (Double(elapsed) / Double(pages), arena.stats().missingFaults - before)
    }

    /// An arena whose first `pages` pages hold corpus pages, all demoted to the LZ4 pool.
    private static func compressedArena(corpus: PageCorpus, pages: Int, readAheadPages: Int = 0,
                                        faultHandling: LiveArenaConfiguration.FaultHandling = .handlerThread) throws -> LiveArena {
        let arena = try arenaForMeasurements(pages: pages, readAheadPages: readAheadPages, faultHandling: faultHandling)
        for page in 0..<pages {
            corpus.pages[page % corpus.pages.count].withUnsafeBytes { arena.address(ofPage: page).copyMemory(from: $0.baseAddress!, byteCount: arena.pageSize) }
        }
        for page in 0..<pages { _ = try arena.demote(page: page, to: .compressed(.lz4)) }
        return arena
    }

    /// Times one load of `page` and checks its first byte against the corpus page it holds.
    private static func checkedTouch(_ arena: LiveArena, page: Int, corpus: PageCorpus) throws -> UInt64 {
        let (latency, byte) = timedTouch(arena.address(ofPage: page))
        // Using the byte keeps the optimiser from dropping the load (and checks it).
        let expected = corpus.pages[page % corpus.pages.count][0]
        guard byte == expected else { throw CalibrationError("page \(page) read back \(byte), expected \(expected)") }
        return latency
    }

    /// LZ4 and zstd (level 3) on every corpus page, `repetitions` times.
    public static func codecCosts(corpus: PageCorpus, repetitions: Int) -> [CodecCost] {
        let compressor = PageCompressor(pageSize: corpus.pageSize)
        let scratch = UnsafeMutableRawPointer.allocate(byteCount: compressor.scratchCapacity, alignment: 16)
        let page = UnsafeMutableRawBufferPointer.allocate(byteCount: corpus.pageSize, alignment: 16)
        defer { scratch.deallocate(); page.deallocate() }
        return CompressionCodec.allCases.map { codec in
            var compressed: [[UInt8]] = []
            var compressNs: UInt64 = 0
            for repetition in 0..<repetitions {
                for source in corpus.pages {
                    let start = monotonicNanoseconds()
                    let length = source.withUnsafeBytes { compressor.compress($0, codec: codec, into: scratch) } ?? 0
                    compressNs += monotonicNanoseconds() - start
                    if repetition == 0 { compressed.append(Array(UnsafeRawBufferPointer(start: scratch, count: length))) }
                }
            }
            var decompressNs: UInt64 = 0
            for _ in 0..<repetitions {
                for (index, bytes) in compressed.enumerated() {
                    let start = monotonicNanoseconds()
                    let ok = bytes.withUnsafeBytes { compressor.decompress($0, codec: codec, into: page) }
                    decompressNs += monotonicNanoseconds() - start
                    precondition(ok && page.elementsEqual(corpus.pages[index]), "\(codec) did not round-trip corpus page \(index)")
                }
            }
            let operations = Double(corpus.pages.count * repetitions)
            let compressedBytes = compressed.reduce(0) { $0 + $1.count }
            let limit = corpus.pageSize * 3 / 4
            return CodecCost(
                codec: codec, pages: corpus.pages.count,
                compressNsPerPage: Double(compressNs) / operations, decompressNsPerPage: Double(decompressNs) / operations,
                ratio: Double(corpus.pages.count * corpus.pageSize) / Double(max(compressedBytes, 1)),
                compressibleShare: Double(compressed.filter { $0.count <= limit }.count) / Double(compressed.count))
        }
    }

    /// Demotes `pages` corpus pages to the compressed tier and promotes them back ahead of
    /// demand, then the same through PMEM.
    public static func migrations(corpus: PageCorpus, pages: Int) throws -> MigrationThroughput {
        let arena = try arenaForMeasurements(pages: pages)
        for page in 0..<pages {
            corpus.pages[page % corpus.pages.count].withUnsafeBytes {
                arena.address(ofPage: page).copyMemory(from: $0.baseAddress!, byteCount: arena.pageSize)
            }
        }
        func rate(_ body: (Int) throws -> Void) rethrows -> Double {
            let start = monotonicNanoseconds()
            for page in 0..<pages { try body(page) }
            return Double(pages) / (Double(monotonicNanoseconds() - start) / 1e9)
        }
        let demoteToCompressed = try rate { try arena.demote(page: $0, to: .compressed(.lz4)) }
        let promoteFromCompressed = try rate { try arena.promote(page: $0) }
        let demoteToPMEM = try rate { try arena.demote(page: $0, to: .pmem) }
        let promoteFromPMEM = try rate { try arena.promote(page: $0) }
        return MigrationThroughput(
            demoteToCompressed: demoteToCompressed, promoteFromCompressed: promoteFromCompressed,
            demoteToPMEM: demoteToPMEM, promoteFromPMEM: promoteFromPMEM)
    }

    /// Nanoseconds per page: libpmem copy into a memkind PMEM block (`pmem_memcpy_nodrain` +
    /// `pmem_drain`) and out of it.
    public static func pmemCopies(corpus: PageCorpus, pages: Int) throws -> (toPMEM: Double, fromPMEM: Double) {
        let store = try PmemStore(parentDirectory: nil, capacityPages: pages, pageSize: corpus.pageSize)
        var blocks: [UnsafeMutableRawPointer] = []
        let start = monotonicNanoseconds()
        for page in 0..<pages {
            guard let block = corpus.pages[page % corpus.pages.count].withUnsafeBytes({ store.store($0.baseAddress!) }) else {
                throw CalibrationError("the PMEM tier refused page \(page) of \(pages)")
            }
            blocks.append(block)
        }
        let toPMEM = Double(monotonicNanoseconds() - start) / Double(pages)
        let buffer = UnsafeMutableRawPointer.allocate(byteCount: corpus.pageSize, alignment: 64)
        defer { buffer.deallocate() }
        let outStart = monotonicNanoseconds()
        for block in blocks { store.load(block, into: buffer) }
        let fromPMEM = Double(monotonicNanoseconds() - outStart) / Double(pages)
        for block in blocks { store.release(block) }
        return (toPMEM, fromPMEM)
    }

    /// Nanoseconds per page to zap a page's user mapping (MADV_DONTNEED) and to punch it out
    /// of the memfd (fallocate PUNCH_HOLE): together, the unmap cost of a demotion.
    public static func unmapCosts(pages: Int) throws -> (zap: Double, punch: Double) {
        let mapping = try ArenaMapping(pageCount: pages, name: "tiermem-unmap-probe")
        for page in 0..<pages { mapping.userPage(page).storeBytes(of: 1, as: UInt8.self) }
        let zapStart = monotonicNanoseconds()
        for page in 0..<pages { try mapping.zapUserView(page) }
        let zap = Double(monotonicNanoseconds() - zapStart) / Double(pages)
        let punchStart = monotonicNanoseconds()
        for page in 0..<pages { try mapping.punch(page) }
        return (zap, Double(monotonicNanoseconds() - punchStart) / Double(pages))
    }

    /// Mean latency of a dependent random load over `bytes` of memory (a pointer chase over a
    /// random cycle, Sattolo's algorithm): DRAM latency when `bytes` is far above the caches.
    /// With `pmem` the memory comes from a memkind PMEM kind; `writes` adds a store per step.
    public static func randomAccessNs(bytes: Int, steps: Int, pmem: Bool = false, writes: Bool = false) throws -> Double {
        let count = bytes / MemoryLayout<Int>.stride
        var kind: memkind_t?
        var directory: String?
        if pmem {
            var template = Array("\(NSTemporaryDirectory())/tiermem-\(getpid())-chaseXXXXXX".utf8CString)
            guard mkdtemp(&template) != nil else { throw CalibrationError("mkdtemp for the PMEM latency probe failed") }
            directory = template.withUnsafeBufferPointer { String(cString: $0.baseAddress!) }
        }
        defer {
            if let kind { memkind_destroy_kind(kind) }
            if let directory { PmemStore.removeTree(directory) }
        }
        if let directory, memkind_create_pmem(directory, bytes + (64 << 20), &kind) != 0 {
            throw CalibrationError("memkind_create_pmem in \(directory) failed")
        }
        guard let raw = kind.map({ memkind_malloc($0, bytes) }) ?? malloc(bytes) else {
            throw CalibrationError("cannot allocate \(bytes) bytes for the latency probe")
        }
        defer { if let kind { memkind_free(kind, raw) } else { free(raw) } }
        let next = raw.bindMemory(to: Int.self, capacity: count)
        for index in 0..<count { next[index] = index }
        var random = SystemRandomNumberGenerator()
        for index in stride(from: count - 1, to: 0, by: -1) {
            let other = Int.random(in: 0..<index, using: &random)
            (next[index], next[other]) = (next[other], next[index])
        }
        var position = 0
        let start = monotonicNanoseconds()
        if writes {
            for _ in 0..<steps {
                let following = next[position]
                next[position] = following
                position = following
            }
        } else {
            for _ in 0..<steps { position = next[position] }
        }
        let elapsed = monotonicNanoseconds() - start
        precondition(position >= 0)
        return Double(elapsed) / Double(steps)
    }

    /// Readahead is off unless asked for: the fault-in measurements touch pages in order, and
    /// must time faults, not pages already read ahead.
    private static func arenaForMeasurements(pages: Int, spinNanoseconds: UInt64 = LiveArenaConfiguration.defaultFaultSpin,
                                             readAheadPages: Int = 0,
                                             faultHandling: LiveArenaConfiguration.FaultHandling = .handlerThread) throws -> LiveArena {
        let bytes = ByteCount(UInt64(pages * Int(getpagesize())))
        let tiers = try TierSpec(tiers: [
            .init(kind: .dram, capacity: .bytes(bytes)), .init(kind: .pmem, capacity: .bytes(bytes)),
            .init(kind: .compressed, capacity: .bytes(bytes)),
        ])
        var configuration = LiveArenaConfiguration(tiers: tiers)
        configuration.faultSpinNanoseconds = spinNanoseconds
        configuration.readAheadPages = readAheadPages
        configuration.faultHandling = faultHandling
        return try LiveArena(configuration)
    }

    /// One load, timed: the latency and the byte read.
    @inline(never)
    private static func timedTouch(_ address: UnsafeMutableRawPointer) -> (UInt64, UInt8) {
        let start = monotonicNanoseconds()
        let value = address.load(as: UInt8.self)
        return (monotonicNanoseconds() - start, value)
    }
}
