/// What a policy learns about one access.
public struct AccessContext: Sendable {
    /// The controller's clock, nanoseconds.
    public var now: UInt64
    public var isWrite: Bool
    /// Position of this page access in the stream (0, 1, 2, …).
    public var position: UInt64
    /// Position of the next access to the same page, or `UInt64.max` if none. Known only to
    /// policies that declare `needsFuture` (Belady); otherwise `UInt64.max`.
    public var nextUse: UInt64
    /// Clock of the page's previous access (0 if none, or if the policy does not declare
    /// `usesAccessStatistics`).
    public var previousAccess: UInt64

    @inlinable
    public init(now: UInt64, isWrite: Bool, position: UInt64, nextUse: UInt64 = .max, previousAccess: UInt64 = 0) {
        self.now = now
        self.isWrite = isWrite
        self.position = position
        self.nextUse = nextUse
        self.previousAccess = previousAccess
    }
}

/// A placement policy decides which DRAM pages to demote and which slower pages to promote; the
/// `Controller` decides when and how many, and an executor moves the bytes (or, in a replay,
/// counters). A policy sees page ids and events, never memory and never whether it runs live.
///
/// To add one: write a type conforming to this protocol (docs/policies.md walks through LRU) and
/// register it in the replay's `PolicyCatalog`. Nothing in the engine changes.
public protocol PlacementPolicy {
    /// The command-line name, such as `lru`.
    static var name: String { get }
    /// One line for `--help` and reports.
    static var summary: String { get }
    /// True if the policy needs `AccessContext.nextUse` (an offline oracle).
    static var needsFuture: Bool { get }
    /// True if the policy reads the page table's per-access statistics (`lastAccess`,
    /// `frequency`, `AccessContext.previousAccess`). The controller keeps them only then: two
    /// random writes per access that a list-based policy never reads. Default: false.
    static var usesAccessStatistics: Bool { get }
    /// False for a policy that never moves a page once placed (static placement): a fault is
    /// then served from the page's tier without admitting it. Default: true.
    static var migrates: Bool { get }

    /// Builds the policy for `layout`; `options` are its `key=value` settings, validated here.
    init(layout: TierLayout, options: PolicyOptions) throws(PolicyOptionError)

    /// Page ids below `count` now exist; grow per-page state.
    mutating func pagesExist(_ count: Int)
    /// The tier a page touched for the first time should start in. Default: DRAM.
    mutating func placeNewPage(_ id: PageID, page: UInt64) -> UInt8
    /// Page `id` entered DRAM.
    mutating func admitted(_ id: PageID, _ access: AccessContext)
    /// Page `id`, in DRAM, was accessed.
    mutating func hit(_ id: PageID, _ access: AccessContext)
    /// Page `id`, in a directly accessed slower tier, was accessed in place. Return true to ask
    /// for its promotion into DRAM (the controller applies the rate limit). Default: true.
    mutating func accessedInPlace(_ id: PageID, tier: UInt8, _ access: AccessContext) -> Bool
    /// The DRAM page to demote next. `incoming`, when not nil, is the page waiting for a frame
    /// (with `access` its access): returning it means "leave it where it is" (bypass). Nil if the
    /// policy has no DRAM page to offer.
    mutating func victim(incoming: PageID?, _ access: AccessContext?) -> PageID?
    /// Page `id` left DRAM (demoted).
    mutating func removed(_ id: PageID)
    /// Page `id` was freed by the program: drop any history of it.
    mutating func freed(_ id: PageID)
    /// Background tick, every `ControllerConfig.epochAccesses` accesses: pages the policy wants
    /// demoted early, coldest first, given the table and the controller's counters so far
    /// (a policy that forecasts demand takes its window signals from their differences).
    /// Default: none.
    mutating func epoch(now: UInt64, table: PageTable, counters: EngineCounters, demote: inout [PageID])
    /// Up to `limit` DRAM pages the policy would demote next, coldest first, without changing
    /// anything: the live daemon samples these so that a touched one is seen before it is
    /// demoted (a second chance). Default: none (the daemon then samples nothing for the policy).
    func demotionCandidates(limit: Int) -> [PageID]
    /// Bytes of policy state.
    var memoryBytes: Int { get }
}

extension PlacementPolicy {
    public static var needsFuture: Bool { false }
    public static var usesAccessStatistics: Bool { false }
    public static var migrates: Bool { true }
    public mutating func placeNewPage(_ id: PageID, page: UInt64) -> UInt8 { TierLayout.dram }
    public mutating func accessedInPlace(_ id: PageID, tier: UInt8, _ access: AccessContext) -> Bool { true }
    public mutating func epoch(now: UInt64, table: PageTable, counters: EngineCounters, demote: inout [PageID]) {}
    public func demotionCandidates(limit: Int) -> [PageID] { [] }
}

/// `key=value` settings of a policy, from `--policy-option` flags or a profile.
public struct PolicyOptions: Sendable, Equatable {
    public var values: [String: Double]

    public init(_ values: [String: Double] = [:]) { self.values = values }

    /// Parses `key=value` items; values are numbers.
    public init(parsing items: [String]) throws(PolicyOptionError) {
        var values: [String: Double] = [:]
        for item in items {
            let parts = item.split(separator: "=", maxSplits: 1).map(String.init)
            guard parts.count == 2, let value = Double(parts[1]), value.isFinite else {
                throw PolicyOptionError(option: item, reason: "expected key=number")
            }
            values[parts[0]] = value
        }
        self.values = values
    }

    /// The value of `key` (or `defaultValue`), checked against `range`.
    public func number(_ key: String, default defaultValue: Double, in range: ClosedRange<Double>) throws(PolicyOptionError) -> Double {
        let value = values[key] ?? defaultValue
        guard range.contains(value) else {
            throw PolicyOptionError(option: key, reason: "\(value) is outside \(range.lowerBound)...\(range.upperBound)")
        }
        return value
    }

    /// Throws if any key is not in `known`.
    public func allow(only known: [String], policy: String) throws(PolicyOptionError) {
        if let unknown = values.keys.sorted().first(where: { !known.contains($0) }) {
            let expected = known.isEmpty ? "none" : known.joined(separator: ", ")
            throw PolicyOptionError(option: unknown, reason: "\(policy) has no option '\(unknown)'; its options: \(expected)")
        }
    }
}

/// A policy option that is unknown or out of range.
public struct PolicyOptionError: Error, Equatable, CustomStringConvertible {
    public var option: String
    public var reason: String
    public var description: String { "policy option '\(option)': \(reason)" }
}
