import ArgumentParser
import TierMemTrace

struct TraceImport: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "import",
        abstract: "Convert a Lackey log or a CSV trace into a .tmt trace.",
        discussion: """
        valgrind --tool=lackey --trace-mem=yes --log-file=/dev/stdout PROGRAM | tiermem trace import - out.tmt
        """)

    @Argument(help: "The trace to import, or - for standard input.")
    var input: String

    @Argument(help: "The .tmt file to write. Default: the input's name with .tmt.")
    var output: String?

    @OptionGroup var read: TraceInputOptions

    @Option(parsing: .unconditional, help: "Drop this many events from the start (for example a program's start-up).")
    var skipRecords: UInt64 = 0

    @Option(parsing: .unconditional, help: "Keep at most this many events.")
    var maxRecords: UInt64?

    func validate() throws {
        if input == "-" && output == nil {
            throw ValidationError("name the output file when importing from standard input")
        }
        if let output, TraceFormat.fromExtension(output).map({ $0 != .tmt }) == true {
            throw ValidationError("import writes .tmt; use 'tiermem trace export' for \(output)")
        }
        if maxRecords == 0 { throw ValidationError("--max-records: expected at least 1") }
    }

    var destination: String {
        if let output { return output }
        let base = input.hasSuffix(".tmt") ? input + ".imported" : input
        let name = base.split(separator: "/").last.map(String.init) ?? base
        let stem = name.contains(".") && !name.hasPrefix(".") ? String(name[..<name.lastIndex(of: ".")!]) : name
        let directory = base.contains("/") ? String(base[..<base.lastIndex(of: "/")!]) + "/" : ""
        return directory + stem + ".tmt"
    }

    func run() throws {
        let source = try read.open(input)
        let writer = try TMTWriter(path: destination, header: source.header)
        let count = try pump(source, into: writer, label: "importing \(input)", skip: skipRecords, limit: maxRecords)
        try writer.finish()
        var note = ""
        if let lackey = source as? LackeyImporter, lackey.skippedLines > 0 {
            note = "; skipped \(Format.count(lackey.skippedLines)) non-Lackey lines, the first at \(lackey.firstSkippedLine ?? "?")"
        }
        print("wrote \(Format.count(count)) events to \(destination)\(note)")
    }
}
