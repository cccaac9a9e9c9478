import Foundation
import Testing
import TierMemModel
import TierMemTrace

@Suite("OutputFile: whole files or none, clear errors, no partial files left")
struct OutputFileTests {
    @Test("a write clears partial files of the same destination left by dead processes, not by live ones")
    func stalePartialsOfDeadProcessesGo() throws {
        let dir = try TemporaryDirectory()
        defer { dir.cleanup() }
        // A pid above pid_max belongs to no process.
        let pidMax = Int((try? String(contentsOfFile: "/proc/sys/kernel/pid_max", encoding: .utf8))?
            .trimmingCharacters(in: .whitespacesAndNewlines) ?? "") ?? 4_194_304
        let dead = dir.file("out.tmt.partial-\(pidMax + 1)")
        let live = dir.file("out.tmt.partial-\(getppid())")
        let other = dir.file("other.tmt.partial-\(pidMax + 1)")
        for path in [dead, live, other] { #expect(FileManager.default.createFile(atPath: path, contents: Data([1]))) }
        try OutputFile.write(Data("x".utf8), to: dir.file("out.tmt"))
        #expect(!FileManager.default.fileExists(atPath: dead))
        #expect(FileManager.default.fileExists(atPath: live), "a running process's partial file is its own")
        #expect(FileManager.default.fileExists(atPath: other), "another destination's partial file is not ours")
        #expect(try String(contentsOfFile: dir.file("out.tmt"), encoding: .utf8) == "x")
    }

    @Test("an unwritable destination is refused up front, naming it and the reason; nothing is left")
    func checkWritableNamesTheProblem() throws {
        let dir = try TemporaryDirectory()
        defer { dir.cleanup() }
        #expect(throws: OutputFileError(path: dir.file("missing/m.json"), reason: "cannot create: No such file or directory")) {
            try OutputFile.checkWritable(dir.file("missing/m.json"))
        }
        try OutputFile.checkWritable(dir.file("m.json"))
        #expect(try FileManager.default.contentsOfDirectory(atPath: dir.path).isEmpty, "the probe leaves nothing")
    }

    @Test("a file abandoned before commit leaves nothing behind")
    func abandonedFileIsRemoved() throws {
        let dir = try TemporaryDirectory()
        defer { dir.cleanup() }
        do {
            let file = try OutputFile(path: dir.file("half.json"))
            try [UInt8](repeating: 7, count: 100).withUnsafeBytes { try file.write($0) }
        }
        #expect(try FileManager.default.contentsOfDirectory(atPath: dir.path).isEmpty)
    }
}
