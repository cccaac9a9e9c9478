import ArgumentParser
import TierMemTrace

struct TraceExport: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "export",
        abstract: "Write a trace as CSV, .tmt or libCacheSim oracleGeneral.",
        discussion: """
        oracle-general writes one 24-byte record per page touched by a read or write, with the \
        index of the page's next request, for libCacheSim: cachesim OUT oracleGeneral lru 1000 --ignore-obj-size 1
        """)

    @Argument(help: "The trace to read, or - for standard input.")
    var input: String

    @Argument(help: "Where to write, or - for standard output.")
    var output: String

    @Option(name: .customLong("to"), help: "Output format: csv, tmt or oracle-general. Default: from the output's extension.")
    var target: String?

    @OptionGroup var read: TraceInputOptions

    var targetFormat: TraceFormat? { target.flatMap(TraceFormat.init(rawValue:)) ?? TraceFormat.fromExtension(output) }

    func validate() throws {
        if let target, TraceFormat(rawValue: target).map(\.canWrite) != true {
            throw ValidationError("--to: expected csv, tmt or oracle-general, got '\(target)'")
        }
        guard targetFormat != nil else {
            throw ValidationError("cannot tell the output format from '\(output)'; pass --to csv, tmt or oracle-general")
        }
    }

    func run() throws {
        let source = try read.open(input)
        let sink = try TraceFiles.openWriter(output, format: targetFormat, header: source.header)
        let count = try pump(source, into: sink, label: "exporting \(input)")
        try sink.finish()
        if output != "-" {
            var detail = ""
            if let oracle = sink as? OracleGeneralExporter { detail = " (\(Format.count(oracle.requestCount)) page requests)" }
            print("wrote \(Format.count(count)) events to \(output)\(detail)")
        }
    }
}
