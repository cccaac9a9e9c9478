import ArgumentParser
import TierMemModel

@main
struct TierMemCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "tiermem",
        abstract: "A tiered memory manager: DRAM, persistent memory and a compressed pool.",
        subcommands: [DemoCommand.self, ReplayCommand.self, CompareCommand.self, MRCCommand.self, TrainCommand.self, ModelCommand.self,
                      TraceCommand.self, DoctorCommand.self, CalibrateCommand.self, TuneCommand.self, RunCommand.self])

    /// ArgumentParser's own entry point, after arranging that an interrupted command leaves no
    /// half-written output file behind.
    static func main() async {
        OutputFile.removeOnTerminationSignals()
        do {
            var command = try parseAsRoot()
            if var asynchronous = command as? AsyncParsableCommand {
                try await asynchronous.run()
            } else {
                try command.run()
            }
        } catch {
            exit(withError: error)
        }
    }
}
