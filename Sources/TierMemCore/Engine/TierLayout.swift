/// How an access to a page in persistent memory is served.
public enum PMEMAccess: String, CaseIterable, Sendable, Codable {
    /// Loads and stores reach PMEM in place (a DAX or CXL device); promotion is optional.
    case direct
    /// A PMEM page must be copied into DRAM before use (a fault), like the compressed tier.
    case paged
}

/// The tiers of one heap or replay, resolved to page counts. Tier indices are `TierKind.rank`:
/// 0 DRAM, 1 PMEM, 2 compressed.
public struct TierLayout: Sendable, Equatable {
    public static let dram: UInt8 = 0
    public static let pmem: UInt8 = 1
    public static let compressed: UInt8 = 2
    public static let tierCount = 3

    public let pageSize: Int
    /// Capacity in pages of DRAM and PMEM (0 when the tier is absent).
    public let dramPages: Int
    public let pmemPages: Int
    /// The compressed pool's size in bytes (0 when absent); pages take their compressed size.
    public let compressedBytes: UInt64
    public let codec: CompressionCodec
    public let pmemAccess: PMEMAccess

    @inlinable public var hasPMEM: Bool { pmemPages > 0 }
    @inlinable public var hasCompressed: Bool { compressedBytes > 0 }

    /// Resolves `spec` for a workload of `footprintPages` pages of `pageSize` bytes.
    /// Throws when DRAM is missing or under a page, or when a tier is smaller than a page.
    public init(spec: TierSpec, footprintPages: Int, pageSize: Int, pmemAccess: PMEMAccess = .direct) throws(TierSpecError) {
        let footprint = ByteCount(UInt64(footprintPages) * UInt64(pageSize))
        func pages(_ tier: TierSpec.Tier?) throws(TierSpecError) -> UInt64 {
            guard let tier else { return 0 }
            let bytes = tier.capacity.resolved(footprint: footprint).bytes
            if bytes < UInt64(pageSize) {
                throw TierSpecError(token: tier.description,
                                    reason: "capacity \(ByteCount(bytes)) is smaller than one \(ByteCount(UInt64(pageSize))) page")
            }
            return bytes
        }
        guard spec[.dram] != nil else {
            throw TierSpecError(token: spec.description, reason: "no dram tier; every layout needs DRAM, such as dram:25%")
        }
        let dramBytes = try pages(spec[.dram])
        let pmemBytes = try pages(spec[.pmem])
        self.pageSize = pageSize
        self.dramPages = Int(dramBytes / UInt64(pageSize))
        self.pmemPages = Int(pmemBytes / UInt64(pageSize))
        self.compressedBytes = try pages(spec[.compressed])
        self.codec = spec[.compressed]?.codec ?? .lz4
        self.pmemAccess = pmemAccess
    }

    /// A layout from explicit sizes (tests, the live heap).
    public init(pageSize: Int, dramPages: Int, pmemPages: Int = 0, compressedBytes: UInt64 = 0,
                codec: CompressionCodec = .lz4, pmemAccess: PMEMAccess = .direct) {
        precondition(dramPages >= 1, "a layout needs at least one DRAM page")
        self.pageSize = pageSize
        self.dramPages = dramPages
        self.pmemPages = pmemPages
        self.compressedBytes = compressedBytes
        self.codec = codec
        self.pmemAccess = pmemAccess
    }

    /// Whether an access to a page in `tier` must first bring it into DRAM.
    @inline(__always)
    @inlinable
    public func isPaged(_ tier: UInt8) -> Bool {
        tier == Self.compressed || (tier == Self.pmem && pmemAccess == .paged)
    }
}
