/// A number of bytes. Parsed from text such as `4096`, `64KiB`, `1.5GiB`, `512M` or `4kB`.
///
/// Units: `B`; binary `KiB MiB GiB TiB` (also `K M G T`, as Linux tools write them), 1024-based;
/// decimal `kB MB GB TB`, 1000-based. Unit letters are case-insensitive except that a trailing
/// `B` after a bare prefix (`KB`, `MB`, …) means decimal. Fractions round down to whole bytes.
public struct ByteCount: Hashable, Comparable, Sendable, CustomStringConvertible {
    public var bytes: UInt64

    public init(_ bytes: UInt64) { self.bytes = bytes }
    public static func kibibytes(_ n: UInt64) -> ByteCount { ByteCount(n << 10) }
    public static func mebibytes(_ n: UInt64) -> ByteCount { ByteCount(n << 20) }
    public static func gibibytes(_ n: UInt64) -> ByteCount { ByteCount(n << 30) }

    public static func < (a: ByteCount, b: ByteCount) -> Bool { a.bytes < b.bytes }

    /// Whole pages of `pageSize` bytes that fit in this count (rounded down).
    public func pages(of pageSize: Int) -> Int { Int(bytes / UInt64(pageSize)) }

    /// Binary units, up to two decimals: `4 KiB`, `1.5 GiB`, `123 B`.
    public var description: String {
        let units = ["B", "KiB", "MiB", "GiB", "TiB", "PiB", "EiB"]
        var value = Double(bytes)
        var unit = 0
        while value >= 1024, unit < units.count - 1 { value /= 1024; unit += 1 }
        if unit == 0 { return "\(bytes) B" }
        let rounded = (value * 100).rounded() / 100
        let text = rounded == rounded.rounded() ? String(Int(rounded)) : String(rounded)
        return "\(text) \(units[unit])"
    }

    /// The exact count in the largest binary unit that divides it, in the form `ByteCount(parsing:)`
    /// reads back unchanged: `4512MiB`, `1GiB`, `4097`.
    public var exactDescription: String {
        for (shift, unit) in [(40, "TiB"), (30, "GiB"), (20, "MiB"), (10, "KiB")] where bytes > 0 && bytes % (1 << UInt64(shift)) == 0 {
            return "\(bytes >> UInt64(shift))\(unit)"
        }
        return String(bytes)
    }

    /// The multiplier for each accepted unit spelling (lower-cased).
    private static let unitMultipliers: [String: Double] = [
        "": 1, "b": 1,
        "k": 0x1p10, "kib": 0x1p10, "m": 0x1p20, "mib": 0x1p20,
        "g": 0x1p30, "gib": 0x1p30, "t": 0x1p40, "tib": 0x1p40,
        "kb": 1e3, "mb": 1e6, "gb": 1e9, "tb": 1e12,
    ]

    /// Parses `text`; throws a `ByteCountError` that says what was wrong and what was expected.
    public init(parsing text: String) throws(ByteCountError) {
        let trimmed = text.trimmingSpaces()
        let digits = trimmed.prefix { $0.isASCII && ($0.isNumber || $0 == ".") }
        let unitText = trimmed.dropFirst(digits.count).trimmingSpaces()
        guard !digits.isEmpty, let value = Double(digits), value.isFinite else {
            throw ByteCountError(text: text, reason: "expected a number followed by an optional unit (B, KiB, MiB, GiB, TiB, kB, MB, GB, TB)")
        }
        guard let multiplier = Self.unitMultipliers[unitText.lowercased()] else {
            throw ByteCountError(text: text, reason: "unknown unit '\(unitText)'; expected B, KiB, MiB, GiB, TiB (or K, M, G, T), kB, MB, GB or TB")
        }
        let total = value * multiplier
        guard total < 0x1p63 else {
            throw ByteCountError(text: text, reason: "too large; at most 8 EiB")
        }
        self.bytes = UInt64(total)
    }
}

/// A byte count that did not parse.
public struct ByteCountError: Error, Equatable, CustomStringConvertible {
    public var text: String
    public var reason: String
    public var description: String { "'\(text)': \(reason)" }
}

/// A capacity given either in bytes or as a fraction of some footprint (`10%`), resolved later
/// when the footprint is known (for example a trace's distinct pages).
public enum Capacity: Hashable, Sendable, CustomStringConvertible {
    case bytes(ByteCount)
    /// A share of the footprint in percent, 0 < percent ≤ 100 (kept as written, so it prints back exactly).
    case percentOfFootprint(Double)

    public init(parsing text: String) throws(ByteCountError) {
        let trimmed = text.trimmingSpaces()
        if trimmed.hasSuffix("%") {
            let number = trimmed.dropLast().trimmingSpaces()
            guard let percent = Double(number), percent.isFinite, percent > 0, percent <= 100 else {
                throw ByteCountError(text: text, reason: "expected a percentage greater than 0 and at most 100, such as 25%")
            }
            self = .percentOfFootprint(percent)
        } else {
            self = .bytes(try ByteCount(parsing: trimmed))
        }
    }

    /// Bytes this capacity stands for, given the footprint it is a fraction of.
    public func resolved(footprint: ByteCount) -> ByteCount {
        switch self {
        case .bytes(let count): return count
        case .percentOfFootprint(let percent): return ByteCount(UInt64(Double(footprint.bytes) * percent / 100))
        }
    }

    /// The text form, exact: `ByteCount.exactDescription` or the percentage as written.
    public var description: String {
        switch self {
        case .bytes(let count): return count.exactDescription
        case .percentOfFootprint(let percent):
            return percent == percent.rounded() ? "\(Int(percent))%" : "\(percent)%"
        }
    }
}

extension StringProtocol {
    /// The text without leading and trailing spaces and tabs.
    func trimmingSpaces() -> String {
        let isSpace: (Character) -> Bool = { $0 == " " || $0 == "\t" }
        guard let first = firstIndex(where: { !isSpace($0) }) else { return "" }
        let last = lastIndex(where: { !isSpace($0) })!
        return String(self[first...last])
    }
}
