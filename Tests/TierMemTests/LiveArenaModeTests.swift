import Foundation
import Testing
import TierMem
import TierMemCore

@Suite("Live arena modes and the PMEM directory")
struct LiveArenaModeTests {
    /// write(2) from an arena page that is not in DRAM: the kernel itself faults on it.
    private func writeFromDemotedPage(_ arena: LiveArena) throws -> (result: Int, errno: Int32) {
        PagePattern.fill(arena.address(ofPage: 0), page: 0, generation: 1, pageSize: arena.pageSize)
        try arena.demote(page: 0)
        var ends: [Int32] = [0, 0]
        #expect(pipe(&ends) == 0)
        defer { close(ends[0]); close(ends[1]) }
        let written = write(ends[1], arena.address(ofPage: 0), 64)
        return (written, errno)
    }

    @Test("full mode: a system call touching a demoted page waits for it")
    func fullModeServesKernelFaults() throws {
        let arena = try makeArena(dram: 4, compressed: 4)
        #expect(arena.mode == .full)
        let outcome = try writeFromDemotedPage(arena)
        #expect(outcome.result == 64)
    }

    @Test("user-mode-only: plain loads work, a system call on a demoted page fails with EFAULT")
    func userModeOnlyLimit() throws {
        let arena = try makeArena(dram: 4, compressed: 4) { $0.forceUserModeOnly = true }
        #expect(arena.mode == .userModeOnly)
        let outcome = try writeFromDemotedPage(arena)
        #expect(outcome.result == -1 && outcome.errno == EFAULT)
        #expect(PagePattern.firstMismatch(arena.address(ofPage: 0), page: 0, generation: 1, pageSize: arena.pageSize) == nil)
    }

    @Test("faults on the faulting thread (SIGBUS): plain loads and stores work, a system call on a demoted page fails with EFAULT")
    func faultingThreadLimit() throws {
        let arena = try makeArena(dram: 4, compressed: 4, faults: .faultingThread)
        #expect(arena.mode == .full && arena.faultHandling == .faultingThread)
        let outcome = try writeFromDemotedPage(arena)
        #expect(outcome.result == -1 && outcome.errno == EFAULT)
        #expect(PagePattern.firstMismatch(arena.address(ofPage: 0), page: 0, generation: 1, pageSize: arena.pageSize) == nil)
        #expect(arena.stats().demandPromotions == 1)
    }

    @Test("two arenas resolving faults on the faulting thread each get their own faults, and a freed arena's range is forgotten")
    func severalSignalArenas() throws {
        var first: LiveArena? = try makeArena(dram: 2, compressed: 4, faults: .faultingThread)
        let second = try makeArena(dram: 2, compressed: 4, faults: .faultingThread)
        for arena in [first!, second] {
            PagePattern.fill(arena, pages: 0..<4, generation: 5)
        }
        first = nil
        let third = try makeArena(dram: 2, compressed: 4, faults: .faultingThread)
        for arena in [second, third] {
            for page in 0..<4 {
                if arena === third { PagePattern.fill(arena.address(ofPage: page), page: page, generation: 5, pageSize: arena.pageSize) }
                #expect(PagePattern.firstMismatch(arena.address(ofPage: page), page: page, generation: 5, pageSize: arena.pageSize) == nil)
            }
            #expect(arena.stats().directReclaims >= 2 && arena.stats().dramPages <= 2)
        }
    }

    @Test("the PMEM tier lives in a private 0700 directory, removed on close; a crashed run's is cleaned")
    func pmemDirectoryLifecycle() throws {
        let parent = try makeTestDirectory()
        defer { try? FileManager.default.removeItem(atPath: parent) }
        // A pid above pid_max belongs to no process: this directory is a crashed run's leftover.
        let pidMax = Int((try? String(contentsOfFile: "/proc/sys/kernel/pid_max", encoding: .utf8))?
            .trimmingCharacters(in: .whitespacesAndNewlines) ?? "") ?? 4_194_304
        let stale = "\(parent)/tiermem-\(pidMax + 1)-abcdef"
        try FileManager.default.createDirectory(atPath: stale, withIntermediateDirectories: false)
        #expect(FileManager.default.createFile(atPath: stale + "/leftover", contents: Data([1, 2, 3])))
        let live = "\(parent)/tiermem-\(getpid())-keepme"
        try FileManager.default.createDirectory(atPath: live, withIntermediateDirectories: false)

        var directory = ""
        do {
            let arena = try makeArena(dram: 2, pmem: 4, directory: parent)
            directory = try #require(arena.pmemDirectory)
            #expect(!FileManager.default.fileExists(atPath: stale), "a dead process's directory is removed")
            #expect(FileManager.default.fileExists(atPath: live), "a live process's directory is kept")
            let attributes = try FileManager.default.attributesOfItem(atPath: directory)
            #expect((attributes[.posixPermissions] as? Int) == 0o700)
            for name in try FileManager.default.contentsOfDirectory(atPath: directory) {
                let mode = try FileManager.default.attributesOfItem(atPath: directory + "/" + name)[.posixPermissions] as? Int
                #expect(mode == 0o600, "\(name) is \(String(mode ?? 0, radix: 8))")
            }
            PagePattern.fill(arena.address(ofPage: 0), page: 0, generation: 2, pageSize: arena.pageSize)
            #expect(try arena.demote(page: 0) == .pmem)
            #expect(arena.pmemIsPersistentMemory == false, "a temp directory is not DAX")
        }
        // Under a loaded test run the arena's teardown has been seen to end after its scope (the
        // directory there for a moment): wait a bounded time, and fail if it stays.
        let deadline = Date().addingTimeInterval(10)
        while FileManager.default.fileExists(atPath: directory) && Date() < deadline { usleep(10_000) }
        #expect(!directory.isEmpty && !FileManager.default.fileExists(atPath: directory), "removed when the arena closes")
    }

    @Test("a bad PMEM directory is named in the error")
    func badPmemDirectory() throws {
        do {
            _ = try makeArena(dram: 2, pmem: 4, directory: "/nonexistent/tiermem")
            Issue.record("an arena with a PMEM tier in a missing directory was built")
        } catch {
            #expect("\(error)".contains("/nonexistent/tiermem"))
        }
    }
}
