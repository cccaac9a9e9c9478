import Foundation

/// Numbers as reports print them, in one place so every command agrees.
public enum Formatted {
    /// `1,234,567`.
    public static func count<T: BinaryInteger>(_ value: T) -> String {
        let digits = String(value)
        var out = ""
        for (i, c) in digits.reversed().enumerated() {
            if i > 0 && i % 3 == 0 && c != "-" { out.append(",") }
            out.append(c)
        }
        return String(out.reversed())
    }

    /// `12.3%` for 0.123.
    public static func percent(_ fraction: Double, decimals: Int = 1) -> String {
        String(format: "%.\(decimals)f%%", fraction * 100)
    }

    /// A duration given in nanoseconds, in the unit that reads best: `850 ns`, `1.25 µs`, `3.10 ms`.
    public static func duration(_ ns: Double) -> String {
        switch ns {
        case ..<1_000: return String(format: "%.0f ns", ns)
        case ..<1_000_000: return String(format: "%.2f µs", ns / 1e3)
        case ..<1_000_000_000: return String(format: "%.2f ms", ns / 1e6)
        default: return String(format: "%.2f s", ns / 1e9)
        }
    }

    /// Binary units: `4 KiB`, `1.5 GiB`.
    public static func bytes(_ value: UInt64) -> String { ByteCount(value).description }
}
