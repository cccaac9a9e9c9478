import ArgumentParser
import TierMemTrace

/// How to read a trace whose format does not say everything (Lackey, CSV without a `# tiermem` line).
struct TraceInputOptions: ParsableArguments {
    @Option(help: "Input format: tmt, csv or lackey. Default: recognised from the content.")
    var format: String?

    @Option(parsing: .unconditional, help: "Page size in bytes for formats that do not record it (Lackey, CSV; default 4096). A .tmt trace must match it.")
    var pageSize: UInt32?

    @Option(help: "Clock unit for CSV without a '# tiermem' line: ticks or ns.")
    var clock: String = "ticks"

    @Flag(help: "Lackey: keep instruction fetches (I lines) as reads.")
    var includeInstructions = false

    @Flag(help: "Lackey: skip lines that are not Lackey records (program output) and count them.")
    var skipBadLines = false

    @Option(parsing: .unconditional, help: "Most distinct pages an analysis of the trace may index (about 32 bytes of memory each); a trace that claims more is refused before the memory is taken.")
    var maxPages: Int = FootprintLimit.defaultMaxPages

    func validate() throws {
        if let format {
            guard let parsed = TraceFormat(rawValue: format), parsed.canRead else {
                throw ValidationError("--format: expected tmt, csv or lackey, got '\(format)'")
            }
        }
        if let pageSize, let problem = TraceHeader.pageSizeProblem(UInt64(pageSize)) {
            throw ValidationError("--page-size: \(problem)")
        }
        guard maxPages > 0 else { throw ValidationError("--max-pages: expected a number of pages above 0, got \(maxPages)") }
        guard ClockUnit(name: clock) != nil else {
            throw ValidationError("--clock: expected ticks or ns, got '\(clock)'")
        }
    }

    var readOptions: TraceFiles.ReadOptions {
        var options = TraceFiles.ReadOptions()
        options.pageSize = pageSize ?? TraceHeader.defaultPageSize
        options.clock = ClockUnit(name: clock) ?? .ticks
        options.lackey.includeInstructions = includeInstructions
        options.lackey.skipBadLines = skipBadLines
        return options
    }

    /// The footprint limit for analysing `path`.
    func footprintLimit(_ path: String) -> FootprintLimit { FootprintLimit(maxPages: maxPages, file: path) }

    /// Opens `path`; a trace that records its own page size must agree with `--page-size`.
    func open(_ path: String) throws -> any TraceEventSource {
        let source = try TraceFiles.openReader(path, format: format.flatMap(TraceFormat.init(rawValue:)), options: readOptions)
        if let pageSize, source.header.pageSize != pageSize {
            throw ValidationError("\(path): the trace's page size is \(source.header.pageSize) bytes, but --page-size says \(pageSize)")
        }
        return source
    }
}

/// Copies `source` into `sink` with a progress bar, honouring a skip and a limit; returns the
/// number of events written.
func pump(_ source: any TraceEventSource, into sink: any TraceEventSink, label: String,
          skip: UInt64 = 0, limit: UInt64? = nil) throws -> UInt64 {
    let progress = ProgressBar(label)
    defer { progress.finish() }
    var seen: UInt64 = 0
    var written: UInt64 = 0
    var batch: [TraceEvent] = []
    while try source.nextBatch(into: &batch) {
        let start = seen < skip ? Int(min(UInt64(batch.count), skip - seen)) : 0
        seen += UInt64(batch.count)
        var end = batch.count
        if let limit { end = min(end, start + Int(min(UInt64(Int.max / 2), limit - written))) }
        if start < end {
            try sink.write(start == 0 && end == batch.count ? batch : Array(batch[start..<end]))
            written += UInt64(end - start)
        }
        progress.update(records: seen, source: source)
        if let limit, written >= limit { break }
    }
    return written
}
