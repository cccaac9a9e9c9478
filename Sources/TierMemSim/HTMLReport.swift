import Foundation
import TierMemCore
import TierMemModel

/// A replay report as one self-contained HTML page (`HTMLPage`): inline CSS and SVG charts.
public struct HTMLReport {
    public let main: ReplayResult
    /// Every policy at the same tiers (including `main`), for the comparison chart.
    public let comparison: [ReplayResult]

    public init(main: ReplayResult, comparison: [ReplayResult]) {
        self.main = main
        self.comparison = comparison
    }

    public func write(to path: String) throws {
        try OutputFile.write(Data(html.utf8), to: path)
    }

    public var html: String {
        HTMLPage.document(title: "TierMem replay: \(main.trace) with \(main.policy)", body: """
        <h1>Replay of \(escape(main.trace)) with <code>\(escape(main.policy))</code></h1>
        <table>\(summaryRows)</table>
        <h2>Tier occupancy over the replay (pages)</h2>
        \(legend([("DRAM", Self.colors[0]), ("PMEM", Self.colors[1]), ("compressed", Self.colors[2])]))
        \(lineChart(series: [main.timeline.map { Double($0.dramPages) }, main.timeline.map { Double($0.pmemPages) }, main.timeline.map { Double($0.compressedPages) }],
                    colors: Self.colors, yMax: nil, percent: false))
        <h2>DRAM hit ratio over the replay</h2>
        \(lineChart(series: [main.timeline.map { $0.hitRatio }], colors: [Self.colors[0]], yMax: 1, percent: true))
        <h2>Policies at the same tiers</h2>
        \(comparisonChart)
        <p style="color:#5a6473">Modelled times use the cost model (docs/cost-model.md). Made by <code>tiermem replay --report</code>.</p>
        """)
    }

    static let colors = HTMLPage.colors

    private var summaryRows: String {
        let c = main.counters
        let rows: [(String, String)] = [
            ("tiers", "\(main.tiers) (PMEM \(main.pmemAccess))"),
            ("footprint", "\(Formatted.count(main.footprintPages)) pages; DRAM \(Formatted.count(main.dramPages)) pages"),
            ("page accesses", Formatted.count(c.accesses)),
            ("DRAM hit ratio", Formatted.percent(main.dramHitRatio)),
            ("mean access time (modelled)", Formatted.duration(main.meanAccessNs)),
            ("promotions / demotions", "\(Formatted.count(c.demandPromotions + c.promotions)) / \(Formatted.count(c.demotions))"),
            ("direct-reclaim stalls", "\(Formatted.count(c.directReclaimStalls)) (\(Formatted.duration(c.directReclaimStallNs)))"),
            ("promotion rate", String(format: "%.2f%% of the working set per minute (over %@ of %@ time)", main.promotionRatePercentPerMinute,
                                      Formatted.duration(main.clockSpanNs), main.clockIsTraceTime ? "trace" : "modelled")),
            ("ping-pongs", Formatted.count(c.pingPongs)),
        ]
        return rows.map { "<tr><td>\(escape($0.0))</td><td>\(escape($0.1))</td></tr>" }.joined()
    }

    private func legend(_ items: [(String, String)]) -> String { HTMLPage.legend(items) }

    /// Lines over the replay's timeline; y from 0 to `yMax` (or the data's maximum).
    private func lineChart(series: [[Double]], colors: [String], yMax: Double?, percent: Bool) -> String {
        let width = 960.0, height = 240.0, left = 56.0, bottom = 24.0, top = 10.0, right = 12.0
        let points = series.map(\.count).max() ?? 0
        guard points > 1 else { return "<p>Too few accesses for a chart.</p>" }
        let top0 = yMax ?? max(series.flatMap { $0 }.max() ?? 1, 1)
        func x(_ i: Int) -> Double { left + (width - left - right) * Double(i) / Double(points - 1) }
        func y(_ v: Double) -> Double { height - bottom - (height - bottom - top) * v / top0 }
        var svg = "<svg width=\"\(Int(width))\" height=\"\(Int(height))\" viewBox=\"0 0 \(Int(width)) \(Int(height))\" role=\"img\">"
        for k in 0...4 {
            let v = top0 * Double(k) / 4
            let label = percent ? Formatted.percent(v, decimals: 0) : Formatted.count(Int(v))
            svg += "<line class=\"grid\" x1=\"\(left)\" x2=\"\(width - right)\" y1=\"\(y(v))\" y2=\"\(y(v))\"/>"
            svg += "<text x=\"\(left - 6)\" y=\"\(y(v) + 4)\" text-anchor=\"end\">\(label)</text>"
        }
        svg += "<line class=\"axis\" x1=\"\(left)\" x2=\"\(width - right)\" y1=\"\(height - bottom)\" y2=\"\(height - bottom)\"/>"
        svg += "<text x=\"\(width - right)\" y=\"\(height - 6)\" text-anchor=\"end\">page accesses →  \(Formatted.count(main.counters.accesses))</text>"
        for (s, values) in series.enumerated() {
            let path = values.enumerated().map { String(format: "%.1f,%.1f", x($0.offset), y($0.element)) }.joined(separator: " ")
            svg += "<polyline fill=\"none\" stroke=\"\(colors[s % colors.count])\" stroke-width=\"1.6\" points=\"\(path)\"/>"
        }
        return svg + "</svg>"
    }

    /// Horizontal bars: each policy's DRAM miss ratio and mean modelled access time.
    private var comparisonChart: String {
        guard !comparison.isEmpty else { return "<p>No comparison.</p>" }
        let rowHeight = 26.0, left = 90.0, width = 960.0, barWidth = 320.0
        let height = Double(comparison.count) * rowHeight + 34
        let maxTime = max(comparison.map(\.meanAccessNs).max() ?? 1, 1)
        var svg = "<svg width=\"\(Int(width))\" height=\"\(Int(height))\" viewBox=\"0 0 \(Int(width)) \(Int(height))\" role=\"img\">"
        svg += "<text x=\"\(left)\" y=\"16\">DRAM miss ratio</text><text x=\"\(left + barWidth + 80)\" y=\"16\">mean modelled access time</text>"
        for (i, r) in comparison.enumerated() {
            let y = 26 + Double(i) * rowHeight
            let miss = 1 - r.dramHitRatio
            let highlight = r.policy == main.policy ? " style=\"font-weight:bold\"" : ""
            svg += "<text x=\"\(left - 8)\" y=\"\(y + 14)\" text-anchor=\"end\"\(highlight)>\(escape(r.policy))</text>"
            svg += "<rect x=\"\(left)\" y=\"\(y + 3)\" width=\(String(format: "\"%.1f\"", barWidth * miss)) height=\"15\" fill=\"\(Self.colors[0])\"/>"
            svg += "<text x=\(String(format: "\"%.1f\"", left + barWidth * miss + 4)) y=\"\(y + 14)\">\(Formatted.percent(miss))</text>"
            let tx = left + barWidth + 80
            svg += "<rect x=\"\(tx)\" y=\"\(y + 3)\" width=\(String(format: "\"%.1f\"", barWidth * r.meanAccessNs / maxTime)) height=\"15\" fill=\"\(Self.colors[1])\"/>"
            svg += "<text x=\(String(format: "\"%.1f\"", tx + barWidth * r.meanAccessNs / maxTime + 4)) y=\"\(y + 14)\">\(Formatted.duration(r.meanAccessNs))</text>"
        }
        return svg + "</svg>"
    }

    private func escape(_ text: String) -> String { HTMLPage.escape(text) }
}
