import ArgumentParser

@main
struct TierMemCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "tiermem",
        abstract: "A tiered memory manager: DRAM, persistent memory and a compressed pool.",
        subcommands: [DemoCommand.self, TraceCommand.self, DoctorCommand.self])
}
