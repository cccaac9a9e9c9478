import ArgumentParser
import Foundation
import TierMem
import TierMemCore
import TierMemModel

/// `tiermem run -- COMMAND...`: an unmodified program on the tiered heap, as `numactl` or
/// `damo record` start one: LD_PRELOAD of libtiermem-preload.so and the TIERMEM_* environment,
/// then a summary of what the heap did when the program exits.
struct RunCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "run",
        abstract: "Run an unmodified program with its large allocations on the tiered heap (LD_PRELOAD).",
        discussion: """
            Allocations of at least --min-size bytes come from one tiered heap per process; the \
            rest stay with glibc. The heap's daemon runs inside the process with --policy (or the \
            --profile's settings). Settings are checked before the program starts. At exit the \
            heap's figures are summarised on standard error (--stats FILE keeps them as JSON \
            lines, one per process that used the heap). A child forked without exec cannot use \
            the heap and stops with a message if it tries; fork+exec works. See docs/preload.md.
            """)

    @Option(help: "Tier specification, such as 'dram:256MiB;compressed:1GiB' (default: TIERMEM_TIERS, else sized from the machine).")
    var tiers: String?

    /// The policies a live daemon can run (Belady's needs the future).
    static let livePolicies = PolicyRegistry.names.filter { $0 != "belady" }

    @Option(help: "The daemon's policy: \(livePolicies.joined(separator: ", ")), or none.")
    var policy = "lru"

    @Option(help: "A tuning profile (tiermem tune's output) for the daemon, instead of --policy.")
    var profile: String?

    @Option(name: .customLong("min-size"), parsing: .unconditional, help: "Smallest allocation the tiered heap takes, in bytes (smaller ones stay with glibc).")
    var minSize = 1024

    @Option(help: "Also keep the heap's figures here as JSON lines: every --stats-every seconds while the program runs, and at exit (\"exit\": true), one series per process.")
    var stats: String?

    @Option(name: .customLong("stats-every"), parsing: .unconditional, help: "Seconds between --stats lines (0: at exit only).")
    var statsEvery: Double = 1

    @Option(help: "Record the program's sampled accesses as a .tmt trace here, for tiermem tune and train (with --policy, not --profile).")
    var record: String?

    @Flag(help: "Stop the program if the tiered heap cannot start, instead of running it on glibc alone.")
    var require = false

    @Option(help: "The preload library (default: TIERMEM_PRELOAD, else libtiermem-preload.so beside this executable).")
    var preload: String?

    @Argument(parsing: .captureForPassthrough, help: "The program and its arguments (after --).")
    var command: [String] = []

    func validate() throws {
        guard !arguments.isEmpty else { throw ValidationError("name the program to run after --, such as: tiermem run -- redis-server") }
        if record != nil && profile != nil {
            throw ValidationError("--record goes with --policy: a --profile's daemon does not record")
        }
        guard statsEvery >= 0, statsEvery.isFinite else { throw ValidationError("--stats-every: expected seconds, 0 or more, got \(statsEvery)") }
        guard minSize > 0 else { throw ValidationError("--min-size: expected a number of bytes above 0, got \(minSize)") }
        if policy != "none" {
            guard Self.livePolicies.contains(policy.lowercased()) else {
                throw ValidationError("--policy: expected one of \(Self.livePolicies.joined(separator: ", ")) or none, got '\(policy)'")
            }
        }
    }

    /// The program's words, without the `--` that ends tiermem's own.
    var arguments: [String] { command.first == "--" ? Array(command.dropFirst()) : command }

    func run() throws {
        var environment = ProcessInfo.processInfo.environment
        // Refuse bad settings before the program starts, naming where they came from.
        let tierText = tiers ?? environment[TierSpec.environmentVariable]
        if let tierText {
            let source = tiers != nil ? "--tiers" : TierSpec.environmentVariable
            do {
                let spec = try TierSpec(parsing: tierText)
                _ = try LiveArenaConfiguration(tiers: spec).pageCounts(pageSize: Int(getpagesize()))
                if let directory = spec[.pmem]?.directory, access(directory, W_OK | X_OK) != 0 {
                    throw ValidationError("the PMEM directory '\(directory)' is not a writable directory: \(String(cString: strerror(errno)))")
                }
            } catch {
                throw ValidationError("\(source)='\(tierText)': \(error)")
            }
            environment[TierSpec.environmentVariable] = tierText
        }
        if let profile {
            do { _ = try TuningProfile.load(path: profile) } catch { throw ValidationError("--profile: \(error)") }
            environment[TuningProfile.environmentVariable] = profile
        } else if let inherited = environment[TuningProfile.environmentVariable], !inherited.isEmpty {
            do { _ = try TuningProfile.load(path: inherited) } catch {
                throw ValidationError("\(TuningProfile.environmentVariable): \(error)")
            }
        }
        environment["TIERMEM_POLICY"] = policy
        if let record {
            guard policy != "none" else { throw ValidationError("--record needs a daemon: --policy none records nothing") }
            try OutputFile.checkWritable(record)
            environment["TIERMEM_RECORD"] = URL(fileURLWithPath: record).standardizedFileURL.path
        }
        environment["TIERMEM_MIN_SIZE"] = String(minSize)
        if require { environment["TIERMEM_REQUIRE"] = "1" }
        let library = try preloadLibrary(environment)
        environment["LD_PRELOAD"] = [library, environment["LD_PRELOAD"]].compactMap { $0 }.filter { !$0.isEmpty }.joined(separator: ":")

        // Absolute: the program may change its directory before it exits and writes them.
        let statsPath = stats.map { URL(fileURLWithPath: $0).standardizedFileURL.path }
            ?? NSTemporaryDirectory() + "tiermem-run-\(getpid()).json"
        if stats == nil { unlink(statsPath) }
        defer { if stats == nil { unlink(statsPath) } }
        environment["TIERMEM_STATS_FILE"] = statsPath
        environment["TIERMEM_STATS_SECONDS"] = stats == nil ? "0" : String(statsEvery)

        let started = Date()
        let status = try spawnAndWait(arguments, environment: environment)
        let seconds = Date().timeIntervalSince(started)
        FileHandle.standardError.write(Data(summary(statsPath: statsPath, seconds: seconds, diedOf: status.signal).utf8))
        if status.signal != 0 {
            // Die as the program did, so that a shell sees the same status.
            signal(status.signal, SIG_DFL)
            kill(getpid(), status.signal)
        }
        throw ExitCode(status.code)
    }

    private func preloadLibrary(_ environment: [String: String]) throws -> String {
        if let preload { return try existing(preload, "--preload") }
        if let named = environment["TIERMEM_PRELOAD"], !named.isEmpty { return try existing(named, "TIERMEM_PRELOAD") }
        let executable = (try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe")) ?? CommandLine.arguments[0]
        let beside = URL(fileURLWithPath: executable).deletingLastPathComponent().appendingPathComponent("libtiermem-preload.so").path
        guard FileManager.default.fileExists(atPath: beside) else {
            throw ValidationError("cannot find libtiermem-preload.so beside \(executable); build it (swift build --product tiermem-preload), or name it with --preload or TIERMEM_PRELOAD")
        }
        return beside
    }

    private func existing(_ path: String, _ source: String) throws -> String {
        guard FileManager.default.isReadableFile(atPath: path) else { throw ValidationError("\(source): cannot read '\(path)'") }
        return URL(fileURLWithPath: path).standardizedFileURL.path
    }

    /// Starts the program and waits for it; tiermem ignores SIGINT and SIGQUIT meanwhile, as a
    /// shell does, so that they reach the program alone.
    private func spawnAndWait(_ arguments: [String], environment: [String: String]) throws -> (code: Int32, signal: Int32) {
        let argv = arguments.map { strdup($0) } + [nil]
        let envp = environment.map { strdup("\($0.key)=\($0.value)") } + [nil]
        defer { (argv + envp).forEach { free($0) } }
        var child: pid_t = 0
        let spawned = posix_spawnp(&child, arguments[0], nil, nil, argv, envp)
        guard spawned == 0 else {
            throw ValidationError("cannot start '\(arguments[0])': \(String(cString: strerror(spawned)))")
        }
        let previousInterrupt = signal(SIGINT, SIG_IGN)
        let previousQuit = signal(SIGQUIT, SIG_IGN)
        defer {
            signal(SIGINT, previousInterrupt)
            signal(SIGQUIT, previousQuit)
        }
        var status: Int32 = 0
        while waitpid(child, &status, 0) < 0 && errno == EINTR {}
        let signalled = status & 0x7F
        return signalled == 0 ? ((status >> 8) & 0xFF, 0) : (128 + signalled, signalled)
    }

    /// The figures the program's heap left at exit, for a person.
    private func summary(statsPath: String, seconds: Double, diedOf signal: Int32) -> String {
        let lines = ((try? String(contentsOfFile: statsPath, encoding: .utf8)) ?? "").split(separator: "\n")
        // Each process's last line (its exit line, when it exited normally).
        var last: [Int: [String: Any]] = [:]
        var order: [Int] = []
        for line in lines {
            guard let record = try? JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any] else { continue }
            let pid = (record["pid"] as? NSNumber)?.intValue ?? 0
            if last[pid] == nil { order.append(pid) }
            last[pid] = record
        }
        let records = order.compactMap { last[$0] }
        if records.isEmpty && signal != 0 {
            return "tiermem run: \(String(format: "%.1f", seconds)) s; the program died of signal \(signal), "
                + "before its heap could write its figures (they are written at exit)\n"
        }
        guard !records.isEmpty else {
            return "tiermem run: \(String(format: "%.1f", seconds)) s; no process used the tiered heap "
                + "(no allocation of \(minSize) bytes or more, or the heap could not start: see the line above, if any)\n"
        }
        var text = ""
        for record in records {
            func value(_ key: String) -> Int { (record[key] as? NSNumber)?.intValue ?? 0 }
            let pageSize = max(1, value("page_size"))
            let held = value("dram_pages") + value("pmem_pages") + value("compressed_pages")
            let out = value("pmem_pages") + value("compressed_pages")
            let share = held == 0 ? 0 : 100 * Double(out) / Double(held)
            func size(_ pages: Int) -> String { ByteCount(UInt64(pages * pageSize)).description }
            text += "tiermem run: pid \(value("pid")), \(String(format: "%.1f", seconds)) s; at exit the heap held \(size(held)) "
                + "(DRAM \(size(value("dram_pages"))) of \(size(value("dram_capacity_pages"))), PMEM \(size(value("pmem_pages"))), "
                + "compressed \(size(value("compressed_pages"))) in \(ByteCount(UInt64(value("compressed_bytes"))))): "
                + String(format: "%.1f%%", share) + " out of DRAM; faults \(value("missing_faults")) missing, \(value("minor_faults")) minor; "
                + "promotions \(value("promotions")), demotions \(value("demotions")), direct reclaims \(value("direct_reclaims"))\n"
        }
        return text
    }
}
