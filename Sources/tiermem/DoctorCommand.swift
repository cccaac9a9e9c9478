import ArgumentParser
import TierMem

struct DoctorCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "doctor",
        abstract: "Report which mechanisms the live heap can use on this machine (userfaultfd mode).")

    func run() throws {
        print(UserfaultfdProbe.run())
    }
}
