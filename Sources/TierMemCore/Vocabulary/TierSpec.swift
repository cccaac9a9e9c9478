/// Which tiers a heap or a replay has, and how large each is.
///
/// Text form (a flag value, or the `TIERMEM_TIERS` environment variable): tiers separated by `;`,
///
///     dram:SIZE
///     pmem:[DIRECTORY:]SIZE        DIRECTORY is a DAX mount; omitted, a private temp directory
///     compressed:[lz4|zstd:]SIZE   the codec defaults to lz4
///
/// SIZE is a byte count (`256MiB`) or a share of the footprint (`25%`). Example:
/// `dram:256MiB;pmem:/mnt/pmem0:4GiB;compressed:lz4:512MiB`. Each kind appears at most once.
public struct TierSpec: Hashable, Sendable, CustomStringConvertible {
    public struct Tier: Hashable, Sendable, CustomStringConvertible {
        public var kind: TierKind
        public var capacity: Capacity
        /// PMEM only: the directory memkind creates its file in; nil means a private temp directory.
        public var directory: String?
        /// Compressed only.
        public var codec: CompressionCodec?

        public init(kind: TierKind, capacity: Capacity, directory: String? = nil, codec: CompressionCodec? = nil) {
            self.kind = kind
            self.capacity = capacity
            self.directory = directory
            self.codec = codec ?? (kind == .compressed ? .lz4 : nil)
        }

        public var description: String {
            var parts = [kind.rawValue]
            if let directory { parts.append(directory) }
            if let codec { parts.append(codec.rawValue) }
            parts.append(capacity.description)
            return parts.joined(separator: ":")
        }
    }

    /// The tiers, fastest first.
    public private(set) var tiers: [Tier]

    public init(tiers: [Tier]) throws(TierSpecError) {
        var seen = Set<TierKind>()
        for tier in tiers where !seen.insert(tier.kind).inserted {
            throw TierSpecError(token: tier.kind.rawValue, reason: "the \(tier.kind) tier is given twice; each kind may appear once")
        }
        guard !tiers.isEmpty else {
            throw TierSpecError(token: "", reason: "expected at least one tier, such as dram:256MiB")
        }
        self.tiers = tiers.sorted { $0.kind < $1.kind }
    }

    public subscript(kind: TierKind) -> Tier? { tiers.first { $0.kind == kind } }

    public var description: String { tiers.map(\.description).joined(separator: ";") }

    /// The environment variable that holds a tier specification.
    public static let environmentVariable = "TIERMEM_TIERS"

    public init(parsing text: String) throws(TierSpecError) {
        var tiers: [Tier] = []
        for rawToken in text.split(separator: ";", omittingEmptySubsequences: false) {
            let token = rawToken.trimmingSpaces()
            if token.isEmpty {
                if text.trimmingSpaces().isEmpty { break }
                continue  // a trailing or doubled ';' is harmless
            }
            tiers.append(try Self.parseTier(token))
        }
        try self.init(tiers: tiers)
    }

    /// Reads `TIERMEM_TIERS` from `environment`; nil when it is not set. Errors name the variable.
    public static func fromEnvironment(_ environment: [String: String]) throws(TierSpecError) -> TierSpec? {
        guard let value = environment[environmentVariable] else { return nil }
        do {
            return try TierSpec(parsing: value)
        } catch {
            throw TierSpecError(token: error.token, reason: error.reason, source: environmentVariable)
        }
    }

    private static func parseTier(_ token: String) throws(TierSpecError) -> Tier {
        let fields = token.split(separator: ":", omittingEmptySubsequences: false).map { $0.trimmingSpaces() }
        let kinds = TierKind.allCases.map(\.rawValue).joined(separator: ", ")
        guard let kind = TierKind(rawValue: fields[0].lowercased()) else {
            throw TierSpecError(token: token, reason: "unknown tier kind '\(fields[0])'; expected one of \(kinds)")
        }
        guard fields.count >= 2, !fields.last!.isEmpty else {
            throw TierSpecError(token: token, reason: "expected a size after '\(kind):', such as \(kind):256MiB")
        }
        let capacity: Capacity
        do {
            capacity = try Capacity(parsing: fields.last!)
        } catch {
            throw TierSpecError(token: token, reason: "bad size \(error)")
        }
        let middle = fields.dropFirst().dropLast()
        switch kind {
        case .dram:
            guard middle.isEmpty else {
                throw TierSpecError(token: token, reason: "expected dram:SIZE; the dram tier takes no other field")
            }
            return Tier(kind: .dram, capacity: capacity)
        case .pmem:
            // The directory may itself contain ':'; everything between the kind and the size is the path.
            let directory = middle.joined(separator: ":")
            if !middle.isEmpty && !directory.hasPrefix("/") {
                throw TierSpecError(token: token, reason: "expected pmem:[/ABSOLUTE/DIRECTORY:]SIZE; '\(directory)' is not an absolute path")
            }
            return Tier(kind: .pmem, capacity: capacity, directory: middle.isEmpty ? nil : directory)
        case .compressed:
            guard middle.count <= 1 else {
                throw TierSpecError(token: token, reason: "expected compressed:[lz4|zstd:]SIZE")
            }
            var codec = CompressionCodec.lz4
            if let name = middle.first {
                guard let named = CompressionCodec(rawValue: name.lowercased()) else {
                    throw TierSpecError(token: token, reason: "unknown codec '\(name)'; expected lz4 or zstd")
                }
                codec = named
            }
            return Tier(kind: .compressed, capacity: capacity, codec: codec)
        }
    }
}

/// A tier specification that did not parse: the offending token and what was expected.
public struct TierSpecError: Error, Equatable, CustomStringConvertible {
    public var token: String
    public var reason: String
    /// Where the text came from when not a flag, such as `TIERMEM_TIERS`.
    public var source: String?

    public init(token: String, reason: String, source: String? = nil) {
        self.token = token
        self.reason = reason
        self.source = source
    }

    public var description: String {
        let prefix = source.map { "\($0): " } ?? ""
        return token.isEmpty ? "\(prefix)tier specification: \(reason)" : "\(prefix)tier '\(token)': \(reason)"
    }
}
