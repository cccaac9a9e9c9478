/// Where one arena page is, packed in a word: a 3-bit location, a sampled flag, a cold-hint
/// flag, and a payload
/// (the compressed pool handle, or the PMEM block address ≫ 12). Read and written only under the
/// page's stripe lock (`StripeLocks`).
struct PageState: Equatable {
    var raw: UInt64

    enum Location: UInt64 {
        /// Never touched since creation or the last discard: reads as zeros, holds no memory.
        case untouched = 0
        /// In the memfd (DRAM).
        case dram = 1
        /// Demoted while all zero: holds no memory, reads back as zeros.
        case zero = 2
        /// In the compressed pool; the payload is the pool handle.
        case compressed = 3
        /// In PMEM; the payload is the block address ≫ 12.
        case pmem = 4
    }

    static let untouched = PageState(raw: 0)
    private static let sampledBit: UInt64 = 1 << 3
    private static let coldBit: UInt64 = 1 << 4
    private static let payloadShift: UInt64 = 5

    init(raw: UInt64) { self.raw = raw }

    init(_ location: Location, payload: UInt64 = 0) {
        raw = location.rawValue | payload << Self.payloadShift
    }

    static func compressed(_ handle: CompressedPool.Handle) -> PageState {
        precondition(handle.raw >> 59 == 0, "pool handle does not fit a page state")
        return PageState(.compressed, payload: handle.raw)
    }

    static func pmem(_ block: UnsafeMutableRawPointer) -> PageState {
        let address = UInt64(UInt(bitPattern: block))
        precondition(address & 0xFFF == 0, "PMEM blocks are page aligned")
        return PageState(.pmem, payload: address >> 12)
    }

    var location: Location { Location(rawValue: raw & 0x7)! }
    var payload: UInt64 { raw >> Self.payloadShift }
    var handle: CompressedPool.Handle { CompressedPool.Handle(raw: payload) }
    var block: UnsafeMutableRawPointer { UnsafeMutableRawPointer(bitPattern: UInt(payload << 12))! }

    /// The allocator placed cold-hinted objects here: reclaim takes such a page first, without
    /// a second chance. Kept across moves; cleared by discard.
    var isColdHint: Bool {
        get { raw & Self.coldBit != 0 }
        set { raw = newValue ? raw | Self.coldBit : raw & ~Self.coldBit }
    }

    /// Replaces the location and payload, keeping the cold hint.
    mutating func move(to newState: PageState) {
        raw = newState.raw | (raw & Self.coldBit)
    }

    /// DRAM pages whose user-view mapping was zapped to learn whether they are touched again.
    var isSampled: Bool {
        get { raw & Self.sampledBit != 0 }
        set { raw = newValue ? raw | Self.sampledBit : raw & ~Self.sampledBit }
    }
}
