/// The trace formats TierMem reads and writes, and how a file's format is recognised.
public enum TraceFormat: String, CaseIterable, Sendable, CustomStringConvertible {
    /// TierMem's binary format (read, write).
    case tmt
    /// The CSV interchange format (read, write).
    case csv
    /// Valgrind Lackey's `--trace-mem=yes` log (read).
    case lackey
    /// libCacheSim's oracleGeneral binary (write).
    case oracleGeneral = "oracle-general"

    public var description: String { rawValue }
    public var canRead: Bool { self != .oracleGeneral }
    public var canWrite: Bool { self != .lackey }

    /// The format a file name's extension implies, if any.
    public static func fromExtension(_ path: String) -> TraceFormat? {
        let name = path.split(separator: "/").last.map(String.init) ?? path
        guard let dot = name.lastIndex(of: ".") else { return nil }
        switch name[name.index(after: dot)...].lowercased() {
        case "tmt": return .tmt
        case "csv": return .csv
        case "lackey": return .lackey
        case "oraclegeneral", "oracle": return .oracleGeneral
        default: return nil
        }
    }

    /// The format the first bytes of an input show: the `.tmt` magic, a CSV header or comment,
    /// or a Lackey/Valgrind line.
    public static func sniff(_ prefix: [UInt8]) -> TraceFormat? {
        if prefix.starts(with: TMTFormat.magic.prefix(min(prefix.count, 8))) && prefix.count >= 4 { return .tmt }
        let text = String(decoding: prefix.prefix(64), as: UTF8.self)
        let firstLine = text.split(separator: "\n", maxSplits: 1, omittingEmptySubsequences: false).first.map(String.init) ?? ""
        if firstLine.hasPrefix("#") || firstLine.lowercased().filter({ $0 != " " }).hasPrefix("time,") { return .csv }
        if firstLine.hasPrefix("==") || firstLine.hasPrefix("I  ") || firstLine.hasPrefix(" L ")
            || firstLine.hasPrefix(" S ") || firstLine.hasPrefix(" M ") { return .lackey }
        return nil
    }
}

/// Opens trace readers and writers by format, recognising an input's format when not told.
public enum TraceFiles {
    /// Settings for readers of formats that do not carry them (Lackey), or defaults a CSV file
    /// may override.
    public struct ReadOptions: Sendable {
        public var pageSize = TraceHeader.defaultPageSize
        public var clock = ClockUnit.ticks
        public var lackey = LackeyImporter.Options()
        public init() {}
    }

    /// A reader for `path` (`-` for standard input), in `format` or the one its content shows.
    public static func openReader(_ path: String, format: TraceFormat? = nil, options: ReadOptions = ReadOptions()) throws -> any TraceEventSource {
        let input = try ByteInput(path: path)
        let chosen: TraceFormat
        if let format {
            chosen = format
        } else if let sniffed = TraceFormat.sniff(try input.peek(64)) {
            chosen = sniffed
        } else if let byName = TraceFormat.fromExtension(path) {
            chosen = byName
        } else {
            throw TraceError(file: input.name,
                             reason: "unrecognised trace format: expected a .tmt file, CSV with the header 'time,op,address,size', or a Valgrind Lackey log; name the format with --format")
        }
        switch chosen {
        case .tmt:
            return try TMTReader(input: input)
        case .csv:
            return try CSVTraceReader(input: input, header: TraceHeader(pageSize: options.pageSize, clock: options.clock))
        case .lackey:
            var lackey = options.lackey
            lackey.pageSize = options.pageSize
            return try LackeyImporter(input: input, options: lackey)
        case .oracleGeneral:
            throw TraceError(file: input.name, reason: "oracle-general is an export format; TierMem does not read it")
        }
    }

    /// A writer for `path` (`-` for standard output) in `format`, or the one its extension names
    /// (`.tmt` when none).
    public static func openWriter(_ path: String, format: TraceFormat? = nil, header: TraceHeader) throws -> any TraceEventSink {
        switch format ?? TraceFormat.fromExtension(path) ?? .tmt {
        case .tmt: return try TMTWriter(path: path, header: header)
        case .csv: return try CSVTraceWriter(path: path, header: header)
        case .oracleGeneral: return try OracleGeneralExporter(path: path, header: header)
        case .lackey:
            throw TraceError(file: path, reason: "lackey is an import format; write tmt, csv or oracle-general")
        }
    }
}
