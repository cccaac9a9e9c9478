import ArgumentParser
import TierMemModel
import Foundation
import TierMemCore
import TierMemSim

struct ReplayCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "replay",
        abstract: "Replay a trace through the placement engine with one policy and report what it did.",
        discussion: "Policies: \(PolicyCatalog.all.map { "\($0.name) (\($0.summary))" }.joined(separator: "; ")).")

    @Argument(help: "The trace (tmt, csv or lackey; a file, read twice).")
    var trace: String

    @Option(help: "The policy: \(PolicyCatalog.names.joined(separator: ", ")).")
    var policy = "lru"

    @OptionGroup var replay: ReplayOptions
    @OptionGroup var read: TraceInputOptions

    @Flag(help: "Print JSON instead of text.")
    var json = false

    @Option(help: "Also write a self-contained HTML report (charts, and every policy compared at these tiers).")
    var report: String?

    func validate() throws {
        _ = try PolicyCatalog.policy(named: policy)
        _ = try replay.settings(policy: policy)
    }

    func run() throws {
        if let report { try OutputFile.checkWritable(report) }  // before the replays, not after
        let settings = try replay.settings(policy: policy)
        // A report replays every policy, Belady included: profile once, with next use, for all.
        let profile = report == nil ? nil : try profileFile(trace, read: read, withNextUse: true)
        let result = try replayFile(trace, read: read, settings: settings, profile: profile)
        print(json ? try result.json() : result.text)
        if let report {
            var comparison: [ReplayResult] = []
            for name in PolicyCatalog.names {
                var other = settings
                other.policy = name
                comparison.append(name == settings.policy ? result
                    : try replayFile(trace, read: read, settings: other, profile: profile, label: "comparing \(name)"))
            }
            try HTMLReport(main: result, comparison: comparison).write(to: report)
            FileHandle.standardError.write("wrote \(report)\n".data(using: .utf8)!)
        }
    }
}
