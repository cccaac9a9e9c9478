import ArgumentParser
import TierMemTrace

struct TraceCat: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "cat",
        abstract: "Print traces as CSV, or concatenate them into one trace with -o.",
        discussion: "All inputs must share the first one's page size and clock.")

    @Argument(help: "Traces to read in order (- for standard input).")
    var inputs: [String]

    @Option(name: [.short, .customLong("output")], help: "Write here (.tmt or .csv by extension) instead of printing CSV.")
    var output: String?

    @Option(parsing: .unconditional, help: "Print or keep at most this many events in all.")
    var maxRecords: UInt64?

    @OptionGroup var read: TraceInputOptions

    func validate() throws {
        if inputs.isEmpty { throw ValidationError("name at least one trace") }
        if let output, TraceFormat.fromExtension(output) == .oracleGeneral {
            throw ValidationError("cat writes .tmt or .csv; use export for oracle-general")
        }
    }

    func run() throws {
        var sink: (any TraceEventSink)?
        var first: TraceHeader?
        var total: UInt64 = 0
        for input in inputs {
            let source = try read.open(input)
            if let first, first.pageSize != source.header.pageSize || first.clock != source.header.clock {
                throw ValidationError("\(input): page size \(source.header.pageSize) and clock \(source.header.clock) differ from the first trace's \(first.pageSize) and \(first.clock)")
            }
            if sink == nil {
                first = source.header
                sink = try TraceFiles.openWriter(output ?? "-", format: output.flatMap(TraceFormat.fromExtension) ?? (output == nil ? .csv : .tmt), header: source.header)
            }
            let remaining = maxRecords.map { $0 - total }
            total += try pump(source, into: sink!, label: "reading \(input)", limit: remaining)
            if let maxRecords, total >= maxRecords { break }
        }
        try sink?.finish()
        if let output, output != "-" { print("wrote \(Format.count(total)) events to \(output)") }
    }
}
