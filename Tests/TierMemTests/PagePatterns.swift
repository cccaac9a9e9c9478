import Foundation
import TierMem
import TierMemCore

/// Page contents the live-heap tests write and check: a function of (page, generation), in
/// three shapes so that every tier path runs: compressible text-like words, incompressible noise,
/// and all zeros.
enum PagePattern {
    static func word(page: Int, generation: UInt64, index: Int) -> UInt64 {
        switch generation % 3 {
        case 0: return 0
        case 1: return UInt64(page) << 32 | generation << 8 | UInt64(index % 7)  // compressible
        default:
            var x = UInt64(page) &* 0x9E37_79B9_7F4A_7C15 ^ generation &* 0xBF58_476D_1CE4_E5B9 ^ UInt64(index)
            x ^= x >> 31; x = x &* 0x94D0_49BB_1331_11EB; x ^= x >> 29
            return x  // noise
        }
    }

    static func fill(_ address: UnsafeMutableRawPointer, page: Int, generation: UInt64, pageSize: Int) {
        let words = address.assumingMemoryBound(to: UInt64.self)
        for index in 0..<(pageSize / 8) { words[index] = word(page: page, generation: generation, index: index) }
    }

    /// Writes generation `generation` into each of `pages` of `arena`.
    static func fill(_ arena: LiveArena, pages: Range<Int>, generation: UInt64 = 1) {
        for page in pages { fill(arena.address(ofPage: page), page: page, generation: generation, pageSize: arena.pageSize) }
    }

    /// The first of `pages` of `arena` that does not hold generation `generation`, or nil.
    static func firstDamagedPage(_ arena: LiveArena, pages: Range<Int>, generation: UInt64 = 1) -> Int? {
        pages.first { firstMismatch(arena.address(ofPage: $0), page: $0, generation: generation, pageSize: arena.pageSize) != nil }
    }

    /// The index of the first wrong word, or nil when the page holds exactly the pattern.
    static func firstMismatch(_ address: UnsafeRawPointer, page: Int, generation: UInt64, pageSize: Int) -> Int? {
        let words = address.assumingMemoryBound(to: UInt64.self)
        for index in 0..<(pageSize / 8) where words[index] != word(page: page, generation: generation, index: index) {
            return index
        }
        return nil
    }
}

/// A temp directory for one test's PMEM tier, removed afterwards.
func makeTestDirectory() throws -> String {
    var template = Array((NSTemporaryDirectory() + "/tiermem-live-test-XXXXXX").utf8CString)
    guard mkdtemp(&template) != nil else { throw POSIXError(.init(rawValue: errno) ?? .EIO) }
    return template.withUnsafeBufferPointer { String(cString: $0.baseAddress!) }
}

/// An arena with the given tier sizes in pages (0 leaves the tier out).
func makeArena(dram: Int, pmem: Int = 0, compressed: Int = 0, codec: CompressionCodec = .lz4,
               directory: String? = nil, faults: LiveArenaConfiguration.FaultHandling = .handlerThread,
               configure: (inout LiveArenaConfiguration) -> Void = { _ in }) throws -> LiveArena {
    let page = UInt64(getpagesize())
    var tiers = [TierSpec.Tier(kind: .dram, capacity: .bytes(ByteCount(UInt64(dram) * page)))]
    if pmem > 0 { tiers.append(.init(kind: .pmem, capacity: .bytes(ByteCount(UInt64(pmem) * page)), directory: directory)) }
    if compressed > 0 { tiers.append(.init(kind: .compressed, capacity: .bytes(ByteCount(UInt64(compressed) * page)), codec: codec)) }
    var configuration = LiveArenaConfiguration(tiers: try TierSpec(tiers: tiers))
    configuration.faultHandling = faults
    configure(&configuration)
    return try LiveArena(configuration)
}

/// Both ways of resolving faults, for tests that must hold under each.
let bothFaultPaths = LiveArenaConfiguration.FaultHandling.allCases
