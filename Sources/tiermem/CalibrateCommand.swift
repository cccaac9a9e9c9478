import ArgumentParser
import Foundation
import TierMem
import TierMemCore
import TierMemModel

struct CalibrateCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "calibrate",
        abstract: "Measure this machine's memory, fault, copy and codec costs and write a cost model JSON.",
        discussion: """
            Runs the live heap's real mechanisms (userfaultfd fault-ins, memkind + libpmem copies, \
            LZ4 and zstd on real pages, MADV_DONTNEED and PUNCH_HOLE) and writes the medians and \
            means as a cost model that `tiermem replay --cost-model FILE` loads. Takes about 20 s \
            (`--quick`: about 5 s). Needs userfaultfd (see `tiermem doctor`).
            """)

    @Option(name: .shortAndLong, help: "Where to write the cost model JSON.")
    var out: String = "cost-model.json"

    @Flag(help: "Fewer samples: about a quarter of the time, noisier numbers.")
    var quick = false

    @Option(name: .customLong("corpus"), parsing: .upToNextOption, help: "Files whose non-zero pages are the codec test data (default: this executable, libc, Foundation).")
    var corpusFiles: [String] = []

    func run() throws {
        try OutputFile.checkWritable(out)  // before the 5-20 s of measuring, not after
        // The fault measurements need full userfaultfd (kernel-mode faults too): say so now,
        // not after the measurements that do not.
        let probe = UserfaultfdProbe.run()
        guard probe.mode == .full else {
            throw ValidationError("calibrate needs full userfaultfd; this process has \(probe.mode): \(probe.advice)")
        }
        let corpus = try PageCorpus(files: corpusFiles.isEmpty ? PageCorpus.defaultFiles : corpusFiles)
        let (model, notes) = try CostCalibration.run(settings: quick ? .quick : .init(), corpus: corpus) { step in
            FileHandle.standardError.write("calibrate: \(step)\n".data(using: .utf8)!)
        }
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
        try OutputFile.write(encoder.encode(model), to: out)
        // Read it back as replay will, so a file we cannot load is never left behind silently.
        _ = try CostModel.load(path: out)
        print("cost model written to \(out)")
        for name in CostModel.fieldNames {
            let value = Mirror(reflecting: model).children.first { $0.label == name }?.value as? Double ?? .nan
            print("  \(name.padding(toLength: 18, withPad: " ", startingAt: 0)) \(String(format: "%10.1f", value)) ns")
        }
        print("how each was measured:")
        for note in notes { print("  - \(note)") }
    }
}
