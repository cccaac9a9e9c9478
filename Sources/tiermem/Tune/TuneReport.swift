import Foundation
import TierMemCore
import TierMemSim

/// What `tiermem tune` prints: the best settings against the defaults, the leaders, the cost.
struct TuneReport {
    var objective: TuningObjective
    var best: TuningSearch.Scored
    var defaults: TuningSearch.Scored
    var ranked: [TuningSearch.Scored]
    var replays: Int
    var equivalents: Double
    var seconds: Double
    var jobs: Int

    static func format(_ score: Double) -> String { String(format: "%.4f", score) }

    static func gain(best: Double, defaults: Double) -> String {
        guard defaults > 0 else { return "defaults score 0" }
        let change = (defaults - best) / defaults
        return change >= 0 ? "\(Format.percent(change)) better than the defaults" : "\(Format.percent(-change)) worse than the defaults"
    }

    var text: String {
        var lines = [
            "objective: \(objective) (\(objective.unit); lower is better)",
            "searched: \(replays) replays (\(String(format: "%.1f", equivalents)) whole-trace equivalents) in \(String(format: "%.1f", seconds)) s on \(jobs) job\(jobs == 1 ? "" : "s")",
            "",
            "best:     \(Self.format(best.score))  \(best.candidate)\(best.feasible ? "" : "  (exceeds the constraints)")",
            "defaults: \(Self.format(defaults.score))  \(defaults.candidate)",
            "the best is \(Self.gain(best: best.score, defaults: defaults.score)) on the tuning traces",
            "",
            "final rung:",
        ]
        var rows = [["rank", "score", "meets constraints", "settings"]]
        for (index, scored) in ranked.prefix(5).enumerated() {
            rows.append(["\(index + 1)", Self.format(scored.score), scored.feasible ? "yes" : "no", scored.candidate.description])
        }
        lines.append(Format.table(rows))
        return lines.joined(separator: "\n")
    }

    /// DRAM saved against slowdown for the best settings and the defaults: the Pareto view, as
    /// the mean over the tuning traces at 10%, 25%, 50% and 75% DRAM.
    static func pareto(search: TuningSearch, best: TuningCandidate, defaults: TuningCandidate) async throws -> [TuningHTMLReport.ParetoPoint] {
        var points: [TuningHTMLReport.ParetoPoint] = []
        for share in [0.1, 0.25, 0.5, 0.75] {
            var atShareBase = search.base
            atShareBase.tiers = try search.withDRAM(search.base.tiers, share: share)
            var options = search.options
            options.objective = .time
            let atShare = search.rebased(atShareBase, options: options)
            let scored = try await atShare.exhaustive([best, defaults])
            points.append(.init(dramShare: share, bestSlowdown: scored.first { $0.candidate == best }!.score - 1,
                                defaultSlowdown: scored.first { $0.candidate == defaults }!.score - 1))
        }
        return points
    }

    static func paretoText(_ points: [TuningHTMLReport.ParetoPoint]) -> String {
        var rows = [["DRAM (share of footprint)", "DRAM saved", "slowdown, best", "slowdown, defaults"]]
        for point in points {
            rows.append([Format.percent(point.dramShare), Format.percent(1 - point.dramShare),
                         String(format: "%+.1f%%", point.bestSlowdown * 100), String(format: "%+.1f%%", point.defaultSlowdown * 100)])
        }
        return "DRAM saved against modelled slowdown (vs all-DRAM), mean over the tuning traces:\n" + Format.table(rows)
    }
}

/// A progress line on standard error (a terminal only) with an estimate of the time left.
final class TuneProgress: @unchecked Sendable {
    private let planned: Double
    private let enabled = isatty(STDERR_FILENO) == 1
    private let lock = NSLock()
    private var lastDraw = Date.distantPast

    init(planned: Double) { self.planned = planned }

    func update(equivalents: Double, elapsed: Double) {
        guard enabled else { return }
        lock.withLock {
            guard Date().timeIntervalSince(lastDraw) >= 0.2 else { return }
            lastDraw = Date()
            let fraction = min(1, equivalents / max(planned, 1e-9))
            var line = String(format: "\rtuning: %3.0f%%, %.0f s", fraction * 100, elapsed)
            if fraction > 0.02 { line += String(format: ", about %.0f s left", elapsed / fraction - elapsed) }
            FileHandle.standardError.write((line + "\u{1B}[K").data(using: .utf8)!)
        }
    }

    func finish() {
        if enabled { FileHandle.standardError.write("\r\u{1B}[K".data(using: .utf8)!) }
    }
}
