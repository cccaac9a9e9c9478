import Foundation
import TierMemCore

/// Number formatting for the CLI (the numbers themselves: `Formatted`) and its tables.
enum Format {
    static func count<T: BinaryInteger>(_ value: T) -> String { Formatted.count(value) }
    static func percent(_ fraction: Double, decimals: Int = 1) -> String { Formatted.percent(fraction, decimals: decimals) }
    static func bytes(_ value: UInt64) -> String { Formatted.bytes(value) }
    static func duration(_ ns: Double) -> String { Formatted.duration(ns) }

    /// Left-aligned columns separated by two spaces.
    static func table(_ rows: [[String]]) -> String {
        guard let columns = rows.map(\.count).max() else { return "" }
        var widths = [Int](repeating: 0, count: columns)
        for row in rows { for (i, cell) in row.enumerated() { widths[i] = max(widths[i], cell.count) } }
        return rows.map { row in
            row.enumerated().map { i, cell in
                i == row.count - 1 ? cell : cell.padding(toLength: widths[i], withPad: " ", startingAt: 0)
            }.joined(separator: "  ")
        }.joined(separator: "\n")
    }
}
