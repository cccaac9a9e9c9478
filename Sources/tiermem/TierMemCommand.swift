import ArgumentParser

@main
struct TierMemCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "tiermem",
        abstract: "A tiered memory manager: DRAM, persistent memory and a compressed pool.",
        subcommands: [DemoCommand.self, ReplayCommand.self, CompareCommand.self, MRCCommand.self, TrainCommand.self, ModelCommand.self,
                      TraceCommand.self, DoctorCommand.self, CalibrateCommand.self, TuneCommand.self])
}
