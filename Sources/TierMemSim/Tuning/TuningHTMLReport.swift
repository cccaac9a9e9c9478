import Foundation
import TierMemCore
import TierMemModel

/// `tiermem tune --report FILE.html`: the best settings against the defaults, the leaders, the
/// held-out check and the Pareto view (DRAM saved against modelled slowdown) as one
/// self-contained page with an inline SVG chart.
public struct TuningHTMLReport {
    /// One DRAM size of the Pareto view: slowdown over all-DRAM (0.2 = 20% slower).
    public struct ParetoPoint: Sendable {
        public var dramShare: Double
        public var bestSlowdown: Double
        public var defaultSlowdown: Double
        public init(dramShare: Double, bestSlowdown: Double, defaultSlowdown: Double) {
            self.dramShare = dramShare
            self.bestSlowdown = bestSlowdown
            self.defaultSlowdown = defaultSlowdown
        }
    }

    public var traces: [String]
    public var objective: TuningObjective
    public var best: TuningSearch.Scored
    public var defaults: TuningSearch.Scored
    public var leaders: [TuningSearch.Scored]
    public var heldOut: (traces: [String], best: Double, defaults: Double)?
    public var pareto: [ParetoPoint]
    public var replays: Int
    public var seconds: Double

    public init(traces: [String], objective: TuningObjective, best: TuningSearch.Scored, defaults: TuningSearch.Scored,
                leaders: [TuningSearch.Scored], heldOut: (traces: [String], best: Double, defaults: Double)?,
                pareto: [ParetoPoint], replays: Int, seconds: Double) {
        self.traces = traces
        self.objective = objective
        self.best = best
        self.defaults = defaults
        self.leaders = leaders
        self.heldOut = heldOut
        self.pareto = pareto
        self.replays = replays
        self.seconds = seconds
    }

    public func write(to path: String) throws {
        try OutputFile.write(Data(html.utf8), to: path)
    }

    public var html: String {
        let e = HTMLPage.escape
        var summary: [(String, String)] = [
            ("traces", traces.joined(separator: ", ")),
            ("objective", "\(objective) (\(objective.unit); lower is better)"),
            ("best", "\(String(format: "%.4f", best.score)) — \(best.candidate)"),
            ("defaults", "\(String(format: "%.4f", defaults.score)) — \(defaults.candidate)"),
            ("search", "\(replays) replays in \(String(format: "%.1f", seconds)) s"),
        ]
        if let heldOut {
            summary.append(("held out", "\(heldOut.traces.joined(separator: ", ")): best \(String(format: "%.4f", heldOut.best)), defaults \(String(format: "%.4f", heldOut.defaults))"))
        }
        let rows = summary.map { "<tr><td>\(e($0.0))</td><td>\(e($0.1))</td></tr>" }.joined()
        let leaderRows = leaders.enumerated().map { index, scored in
            "<tr><td>\(index + 1)</td><td>\(String(format: "%.4f", scored.score))</td><td>\(scored.feasible ? "yes" : "no")</td><td><code>\(e(scored.candidate.description))</code></td></tr>"
        }.joined()
        return HTMLPage.document(title: "TierMem tuning: \(traces.joined(separator: ", "))", body: """
            <h1>Tuning \(e(traces.joined(separator: ", ")))</h1>
            <table>\(rows)</table>
            <h2>DRAM saved against modelled slowdown (vs all-DRAM)</h2>
            \(HTMLPage.legend([("best settings", HTMLPage.colors[0]), ("defaults", HTMLPage.colors[1])]))
            \(paretoChart)
            <h2>Final rung</h2>
            <table><tr><th>rank</th><th>score</th><th>meets constraints</th><th>settings</th></tr>\(leaderRows)</table>
            <p style="color:#5a6473">Scores are replays on the placement engine (docs/cost-model.md). Made by <code>tiermem tune --report</code>.</p>
            """)
    }

    /// Slowdown (y) against DRAM saved (x), one polyline with dots per setting.
    private var paretoChart: String {
        guard !pareto.isEmpty else { return "<p>No DRAM sizes were measured.</p>" }
        let width = 960.0, height = 300.0, left = 64.0, bottom = 30.0, top = 12.0, right = 16.0
        let yMax = max(pareto.map { max($0.bestSlowdown, $0.defaultSlowdown) }.max() ?? 1, 0.01)
        func x(_ saved: Double) -> Double { left + (width - left - right) * saved }
        func y(_ slowdown: Double) -> Double { height - bottom - (height - bottom - top) * max(slowdown, 0) / yMax }
        var svg = "<svg width=\"\(Int(width))\" height=\"\(Int(height))\" viewBox=\"0 0 \(Int(width)) \(Int(height))\" role=\"img\">"
        for k in 0...4 {
            let value = yMax * Double(k) / 4
            svg += "<line class=\"grid\" x1=\"\(left)\" x2=\"\(width - right)\" y1=\"\(y(value))\" y2=\"\(y(value))\"/>"
            svg += "<text x=\"\(left - 6)\" y=\"\(y(value) + 4)\" text-anchor=\"end\">+\(Formatted.percent(value, decimals: 0))</text>"
        }
        for k in 0...10 {
            let saved = Double(k) / 10
            svg += "<text x=\"\(x(saved))\" y=\"\(height - 10)\" text-anchor=\"middle\">\(Formatted.percent(saved, decimals: 0))</text>"
        }
        svg += "<line class=\"axis\" x1=\"\(left)\" x2=\"\(width - right)\" y1=\"\(height - bottom)\" y2=\"\(height - bottom)\"/>"
        svg += "<text x=\"\(width - right)\" y=\"\(top + 10)\" text-anchor=\"end\">DRAM saved →</text>"
        for (index, values) in [pareto.map(\.bestSlowdown), pareto.map(\.defaultSlowdown)].enumerated() {
            let color = HTMLPage.colors[index]
            let points = zip(pareto, values).map { String(format: "%.1f,%.1f", x(1 - $0.dramShare), y($1)) }
            svg += "<polyline fill=\"none\" stroke=\"\(color)\" stroke-width=\"1.8\" points=\"\(points.joined(separator: " "))\"/>"
            for point in points {
                let xy = point.split(separator: ",")
                svg += "<circle cx=\"\(xy[0])\" cy=\"\(xy[1])\" r=\"3.5\" fill=\"\(color)\"/>"
            }
        }
        return svg + "</svg>"
    }
}
