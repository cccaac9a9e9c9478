import ArgumentParser
import TierMemTrace

struct TraceInfo: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "info",
        abstract: "Summarise a trace: records, duration, footprint, operation mix, reuse distances.",
        discussion: """
        Reuse distance is the LRU stack distance in pages: the distinct other pages touched \
        between two accesses to a page. An LRU cache of C pages hits the accesses whose distance \
        is below C. Quantiles are exact to within 12.5%.
        """)

    @Argument(help: "The trace (tmt, csv or lackey), or - for standard input.")
    var input: String

    @Flag(help: "Print JSON instead of text.")
    var json = false

    @OptionGroup var read: TraceInputOptions

    func run() throws {
        let source = try read.open(input)
        let progress = ProgressBar("reading \(input)")
        let summary = try TraceSummary.measure(source, limit: read.footprintLimit(input)) { progress.update(records: $0, source: source) }
        progress.finish()
        print(json ? try TraceSummaryReport.json(summary, name: input) : TraceSummaryReport.text(summary, name: input))
    }
}
