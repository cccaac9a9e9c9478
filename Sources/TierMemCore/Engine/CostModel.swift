import Foundation

/// What each operation costs, in nanoseconds, for the replay's modelled time. Defaults and their
/// sources are in docs/cost-model.md; `tiermem calibrate` (a later issue) writes this machine's
/// own numbers in the same JSON form, which `--cost-model FILE` loads.
public struct CostModel: Codable, Equatable, Sendable {
    /// A load or store served by DRAM.
    public var dramAccessNs = 80.0
    /// A load served in place by PMEM (direct access).
    public var pmemReadNs = 305.0
    /// A store served in place by PMEM (direct access).
    public var pmemWriteNs = 94.0
    /// Taking a fault for a page that is not in DRAM and resuming: the userfaultfd round trip.
    public var pageFaultNs = 10_000.0
    /// Allocating and zeroing a new page on first touch.
    public var newPageNs = 3_300.0
    /// Copying one page from DRAM to PMEM, and from PMEM to DRAM.
    public var copyToPMEMNs = 1_800.0
    public var copyFromPMEMNs = 650.0
    /// Compressing and decompressing one page.
    public var lz4CompressNs = 5_300.0
    public var lz4DecompressNs = 1_700.0
    public var zstdCompressNs = 8_000.0
    public var zstdDecompressNs = 2_600.0
    /// Removing a page's mappings and freeing its DRAM frame when it is demoted.
    public var unmapNs = 5_500.0

    public init() {}

    public static let fieldNames = [
        "dramAccessNs", "pmemReadNs", "pmemWriteNs", "pageFaultNs", "newPageNs", "copyToPMEMNs",
        "copyFromPMEMNs", "lz4CompressNs", "lz4DecompressNs", "zstdCompressNs", "zstdDecompressNs", "unmapNs",
    ]

    /// The most one operation on one page may cost: a second. Far above any real cost, and low
    /// enough that a replay's modelled clock (2^64 ns, 584 years) does not overflow on a trace
    /// of a billion accesses, each charged a few operations.
    public static let maxFieldNs = 1e9

    /// Reads a cost model from JSON. Every field is required and must be a number from 0 to
    /// `maxFieldNs`; the error names the file and the field.
    public static func load(path: String) throws -> CostModel {
        let data: Data
        do {
            data = try Data(contentsOf: URL(fileURLWithPath: path))
        } catch {
            throw CostModelError(file: path, reason: "cannot read: \(error.localizedDescription)")
        }
        return try decode(data, file: path)
    }

    /// A JSON value as the cost model file needs to tell them apart: numbers, and anything else.
    /// (JSONDecoder, unlike JSONSerialization on Linux, does not confuse 1 with true.)
    private enum FieldValue: Decodable {
        case number(Double)
        case other

        init(from decoder: Decoder) throws {
            let container = try decoder.singleValueContainer()
            if let number = try? container.decode(Double.self) { self = .number(number) } else { self = .other }
        }
    }

    public static func decode(_ data: Data, file: String) throws -> CostModel {
        guard let fields = try? JSONDecoder().decode([String: FieldValue].self, from: data) else {
            throw CostModelError(file: file, reason: "not a JSON object")
        }
        var values: [String: Double] = [:]
        for name in fieldNames {
            guard let raw = fields[name] else { throw CostModelError(file: file, reason: "missing field '\(name)'") }
            guard case .number(let number) = raw, number.isFinite else {
                throw CostModelError(file: file, reason: "field '\(name)': expected a number of nanoseconds")
            }
            guard number >= 0 else {
                throw CostModelError(file: file, reason: "field '\(name)': \(number) is negative")
            }
            guard number <= maxFieldNs else {
                throw CostModelError(file: file, reason: "field '\(name)': \(number) ns is more than the \(Int(maxFieldNs)) ns (one second) a page operation may cost")
            }
            values[name] = number
        }
        if let unknown = fields.keys.filter({ !fieldNames.contains($0) }).sorted().first {
            throw CostModelError(file: file, reason: "unknown field '\(unknown)'; expected \(fieldNames.joined(separator: ", "))")
        }
        var model = CostModel()
        model.dramAccessNs = values["dramAccessNs"]!
        model.pmemReadNs = values["pmemReadNs"]!
        model.pmemWriteNs = values["pmemWriteNs"]!
        model.pageFaultNs = values["pageFaultNs"]!
        model.newPageNs = values["newPageNs"]!
        model.copyToPMEMNs = values["copyToPMEMNs"]!
        model.copyFromPMEMNs = values["copyFromPMEMNs"]!
        model.lz4CompressNs = values["lz4CompressNs"]!
        model.lz4DecompressNs = values["lz4DecompressNs"]!
        model.zstdCompressNs = values["zstdCompressNs"]!
        model.zstdDecompressNs = values["zstdDecompressNs"]!
        model.unmapNs = values["unmapNs"]!
        return model
    }

    /// The model as pretty JSON, in the form `load` reads.
    public func json() throws -> Data {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
        return try encoder.encode(self)
    }

    /// Cost of moving one page between tiers (`from`, `to` are tier indices).
    @inlinable @inline(__always)
    public func migrationNs(from: UInt8, to: UInt8, codec: CompressionCodec) -> Double {
        let compress = codec == .lz4 ? lz4CompressNs : zstdCompressNs
        let decompress = codec == .lz4 ? lz4DecompressNs : zstdDecompressNs
        switch (from, to) {
        case (TierLayout.dram, TierLayout.pmem): return copyToPMEMNs + unmapNs
        case (TierLayout.dram, TierLayout.compressed): return compress + unmapNs
        case (TierLayout.pmem, TierLayout.dram): return copyFromPMEMNs
        case (TierLayout.compressed, TierLayout.dram): return decompress
        case (TierLayout.pmem, TierLayout.compressed): return copyFromPMEMNs + compress
        case (TierLayout.compressed, TierLayout.pmem): return decompress + copyToPMEMNs
        default: return 0
        }
    }
}

/// A cost model file that could not be used.
public struct CostModelError: Error, Equatable, CustomStringConvertible {
    public var file: String
    public var reason: String
    public var description: String { "\(file): \(reason)" }
}
