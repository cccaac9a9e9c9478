import ArgumentParser

struct TraceCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "trace",
        abstract: "Import, generate, inspect, export and concatenate memory access traces.",
        discussion: """
        Formats: tmt (TierMem's binary format, docs/trace-format.md), csv (header \
        'time,op,address,size'), lackey (valgrind --tool=lackey --trace-mem=yes), and, for \
        export only, oracle-general (libCacheSim). A path of '-' is standard input or output.
        """,
        subcommands: [TraceImport.self, TraceGen.self, TraceInfo.self, TraceExport.self, TraceCat.self])
}
