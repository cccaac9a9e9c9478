import ArgumentParser
import TierMemCore
import TierMemTrace

struct TraceGen: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "gen",
        abstract: "Generate a synthetic trace, deterministic for a --seed.",
        discussion: "Kinds:\n" + WorkloadKind.allCases.map { "  \($0.rawValue.padding(toLength: 9, withPad: " ", startingAt: 0)) \($0.summary)" }.joined(separator: "\n"))

    @Argument(help: "The workload: \(WorkloadKind.allCases.map(\.rawValue).joined(separator: ", ")).")
    var kind: String

    @Option(name: [.short, .customLong("output")], help: "Where to write (.tmt or .csv by extension; - for standard output as tmt).")
    var output: String

    @Option(parsing: .unconditional, help: "Events to generate.")
    var records = 1_000_000

    @Option(help: "Memory the workload touches: bytes with a unit, such as 64MiB.")
    var footprint = "64MiB"

    @Option(parsing: .unconditional, help: "Seed of the random stream.")
    var seed: UInt64 = 1

    @Option(parsing: .unconditional, help: "Page size in bytes.")
    var pageSize: UInt32 = TraceHeader.defaultPageSize

    @Option(parsing: .unconditional, help: "Share of accesses that are writes (0 to 1).")
    var writeFraction = 0.3

    @Option(parsing: .unconditional, help: "zipf, kv: the exponent s.")
    var zipfS = 0.99

    @Option(parsing: .unconditional, help: "phases: the hot set's share of the footprint.")
    var hotFraction = 0.1

    @Option(parsing: .unconditional, help: "phases: the share of accesses the hot set takes.")
    var hotShare = 0.9

    @Option(parsing: .unconditional, help: "phases: events per phase.")
    var phaseLength = 100_000

    @Option(parsing: .unconditional, help: "periodic: events per period.")
    var period = 200_000

    @Option(parsing: .unconditional, help: "kv: events between scans.")
    var scanEvery = 100_000

    @Option(parsing: .unconditional, help: "kv: pages per scan.")
    var scanPages: UInt64 = 1_024

    @Option(parsing: .unconditional, help: "kv: share of events that replace an entry (a free and an alloc).")
    var churn = 0.02

    func spec() throws -> WorkloadSpec {
        guard let workload = WorkloadKind(rawValue: kind) else {
            throw ValidationError("unknown workload '\(kind)'; expected one of \(WorkloadKind.allCases.map(\.rawValue).joined(separator: ", "))")
        }
        let bytes: ByteCount
        do { bytes = try ByteCount(parsing: footprint) } catch { throw ValidationError("--footprint: \(error)") }
        var spec = WorkloadSpec(kind: workload)
        spec.records = records
        spec.pageSize = pageSize
        spec.footprintPages = bytes.bytes / UInt64(max(pageSize, 1))
        spec.seed = seed
        spec.writeFraction = writeFraction
        spec.zipfExponent = zipfS
        spec.hotFraction = hotFraction
        spec.hotShare = hotShare
        spec.phaseLength = phaseLength
        spec.period = period
        spec.scanEvery = scanEvery
        spec.scanPages = scanPages
        spec.churnFraction = churn
        do { try spec.validate() } catch { throw ValidationError(error.description) }
        return spec
    }

    func validate() throws {
        _ = try spec()
        if let format = TraceFormat.fromExtension(output), !format.canWrite || format == .oracleGeneral {
            throw ValidationError("--output: gen writes .tmt or .csv; export the result for \(format)")
        }
    }

    func run() throws {
        let source = try SyntheticTrace(spec: spec())
        let sink = try TraceFiles.openWriter(output, header: source.header)
        let count = try pump(source, into: sink, label: "generating \(kind)")
        try sink.finish()
        if output != "-" { print("wrote \(Format.count(count)) events to \(output)") }
    }
}
