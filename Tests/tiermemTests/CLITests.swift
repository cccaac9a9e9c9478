import Foundation
import Testing

/// Runs the built `tiermem` executable, as a user would, and checks its output and exit status.
struct CLI {
    static let executable: URL = {
        // The test bundle and the executable are built into the same folder.
        var dir = URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent()
        while !FileManager.default.fileExists(atPath: dir.appendingPathComponent("tiermem").path), dir.path != "/" {
            dir.deleteLastPathComponent()
        }
        return dir.appendingPathComponent("tiermem")
    }()

    struct Result {
        var status: Int32
        var stdout: String
        var stderr: String
    }

    static func run(_ arguments: [String], stdin: Data? = nil) throws -> Result {
        let process = Process()
        process.executableURL = executable
        process.arguments = arguments
        let out = Pipe(), err = Pipe(), input = Pipe()
        process.standardOutput = out
        process.standardError = err
        process.standardInput = input
        try process.run()
        if let stdin { input.fileHandleForWriting.write(stdin) }
        try input.fileHandleForWriting.close()
        let stdoutData = out.fileHandleForReading.readDataToEndOfFile()
        let stderrData = err.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return Result(status: process.terminationStatus,
                      stdout: String(decoding: stdoutData, as: UTF8.self),
                      stderr: String(decoding: stderrData, as: UTF8.self))
    }
}

@Suite(.serialized) struct CLITests {
    let dir: String = {
        let path = NSTemporaryDirectory() + "tiermem-cli-\(UUID().uuidString)"
        try? FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
        return path
    }()

    @Test func generateInspectExportAndReimport() throws {
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let gen = try CLI.run(["trace", "gen", "loop", "--records", "5000", "--footprint", "400KiB", "-o", "\(dir)/loop.tmt"])
        #expect(gen.status == 0, "\(gen.stderr)")
        #expect(gen.stdout == "wrote 5,000 events to \(dir)/loop.tmt\n")

        let info = try CLI.run(["trace", "info", "\(dir)/loop.tmt"])
        #expect(info.status == 0)
        let lines = info.stdout.split(separator: "\n").map(String.init)
        #expect(lines.contains("records         5,000"))
        #expect(lines.contains("footprint       100 pages (400 KiB) touched by reads and writes"))
        // A loop over 100 pages: every reuse is at distance 99, so LRU misses until it holds them all.
        #expect(lines.contains("reuse distance  cold 100, p50 96, p90 96, p99 96, max 99 pages"))
        #expect(lines.contains("LRU hit ratio   10% of footprint: 0.0%, 25% of footprint: 0.0%, 50% of footprint: 0.0%"))

        let json = try CLI.run(["trace", "info", "--json", "\(dir)/loop.tmt"])
        let object = try JSONSerialization.jsonObject(with: Data(json.stdout.utf8)) as? [String: Any]
        #expect(object?["distinct_pages"] as? Int == 100)

        #expect(try CLI.run(["trace", "export", "\(dir)/loop.tmt", "\(dir)/loop.csv"]).status == 0)
        #expect(try CLI.run(["trace", "import", "\(dir)/loop.csv", "\(dir)/again.tmt"]).status == 0)
        #expect(FileManager.default.contentsEqual(atPath: "\(dir)/loop.tmt", andPath: "\(dir)/again.tmt"))

        let oracle = try CLI.run(["trace", "export", "\(dir)/loop.tmt", "\(dir)/loop.bin", "--to", "oracle-general"])
        #expect(oracle.stdout.contains("(5,000 page requests)"))
        #expect((try FileManager.default.attributesOfItem(atPath: "\(dir)/loop.bin")[.size] as? Int) == 5_000 * 24)
    }

    @Test func importsLackeyFromStandardInput() throws {
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let log = "==7== Lackey\nI  0400aa00,3\n L 1ffefff000,8\nI  0400aa03,2\n S 0601000,4\n"
        let result = try CLI.run(["trace", "import", "-", "\(dir)/l.tmt"], stdin: Data(log.utf8))
        #expect(result.status == 0, "\(result.stderr)")
        #expect(result.stdout == "wrote 2 events to \(dir)/l.tmt\n")
        let cat = try CLI.run(["trace", "cat", "\(dir)/l.tmt"])
        #expect(cat.stdout.hasSuffix("time,op,address,size\n1,R,0x1ffefff000,8\n2,W,0x601000,4\n"))
    }

    @Test func badInputIsAClearErrorAndNoOutputFile() throws {
        defer { try? FileManager.default.removeItem(atPath: dir) }
        try Data("time,op,address,size\n0,R,0x10,8\n1,Q,0x20,8\n".utf8).write(to: URL(fileURLWithPath: "\(dir)/bad.csv"))
        let result = try CLI.run(["trace", "import", "\(dir)/bad.csv", "\(dir)/bad.tmt"])
        #expect(result.status != 0)
        #expect(result.stderr.contains("\(dir)/bad.csv: line 3: field 'op': expected R, W, A, F"))
        #expect(result.stderr.contains("(1 record before it was good)"))
        #expect(!FileManager.default.fileExists(atPath: "\(dir)/bad.tmt"))
        #expect(try FileManager.default.contentsOfDirectory(atPath: dir).allSatisfy { !$0.contains("partial") })

        let missing = try CLI.run(["trace", "info", "\(dir)/nope.tmt"])
        #expect(missing.stderr.contains("nope.tmt: cannot open: No such file or directory"))
        let badGen = try CLI.run(["trace", "gen", "zipf", "--zipf-s=-1", "-o", "\(dir)/z.tmt"])
        #expect(badGen.stderr.contains("--zipf-s: expected greater than 0"))
    }
}

@Suite(.serialized) struct ReplayCLITests {
    let dir: String = {
        let path = NSTemporaryDirectory() + "tiermem-replay-cli-\(UUID().uuidString)"
        try? FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
        return path
    }()

    private func makeTrace() throws -> String {
        let path = "\(dir)/z.tmt"
        let gen = try CLI.run(["trace", "gen", "zipf", "--records", "20000", "--footprint", "2MiB", "-o", path])
        #expect(gen.status == 0, "\(gen.stderr)")
        return path
    }

    @Test func replayPrintsTheReportAsTextJSONAndHTML() throws {
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let trace = try makeTrace()
        let text = try CLI.run(["replay", trace, "--policy", "arc", "--tiers", "dram:25%;pmem:100%;compressed:25%"])
        #expect(text.status == 0, "\(text.stderr)")
        for label in ["DRAM hit ratio", "mean access time", "promotions", "demotions", "compressions", "bytes migrated",
                      "direct-reclaim stalls", "slow-tier share", "promotion rate", "ping-pongs"] {
            #expect(text.stdout.contains(label), "missing \(label)")
        }
        let json = try CLI.run(["replay", trace, "--policy", "belady", "--json", "--pmem", "paged", "--watermarks", "0,0,0"])
        let object = try JSONSerialization.jsonObject(with: Data(json.stdout.utf8)) as? [String: Any]
        #expect(object?["policy"] as? String == "belady")
        #expect((object?["counters"] as? [String: Any])?["accesses"] as? Int == 20_000)

        let report = "\(dir)/report.html"
        let html = try CLI.run(["replay", trace, "--report", report])
        #expect(html.status == 0, "\(html.stderr)")
        let page = try String(contentsOfFile: report, encoding: .utf8)
        #expect(page.hasPrefix("<!DOCTYPE html>"))
        #expect(page.contains("<svg"))
        #expect(!page.contains("<script"))
        for policy in ["lru", "clock", "lfu", "arc", "s3fifo", "static", "hotness", "belady"] { #expect(page.contains(">\(policy)<")) }
    }

    @Test func compareAndMRC() throws {
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let trace = try makeTrace()
        let compare = try CLI.run(["compare", trace, "--policies", "lru,arc", "--dram", "10%,50%"])
        #expect(compare.status == 0, "\(compare.stderr)")
        #expect(compare.stdout.contains("DRAM 10%"))
        #expect(compare.stdout.contains("LRU→Belady gap closed"))
        #expect(compare.stdout.split(separator: "\n").contains { $0.hasPrefix("belady") && $0.hasSuffix("100%") })
        let mrc = try CLI.run(["mrc", trace, "--points", "4"])
        #expect(mrc.status == 0)
        #expect(mrc.stdout.contains("100.00%"))  // an empty cache misses everything
        let sampled = try CLI.run(["mrc", trace, "--sample", "0.5", "--check"])
        #expect(sampled.stdout.contains("error against the exact curve"))
    }

    @Test func badSettingsAreClearErrorsAndNothingIsWritten() throws {
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let trace = try makeTrace()
        let cases: [([String], String)] = [
            (["replay", trace, "--policy", "fifo"], "unknown policy 'fifo'"),
            (["replay", trace, "--tiers", "dram:0;pmem:100%"], "smaller than one 4 KiB page"),
            (["replay", trace, "--tiers", "dram:1MiB;dram:2MiB"], "given twice"),
            (["replay", trace, "--tiers", "pmem:100%"], "no dram tier"),
            (["replay", trace, "--page-size", "8192"], "the trace's page size is 4096 bytes, but --page-size says 8192"),
            (["replay", trace, "--cost-model", "\(dir)/missing.json"], "--cost-model"),
            (["replay", trace, "--pmem", "sideways"], "--pmem: expected direct or paged"),
            (["replay", trace, "--watermarks", "0.1,0.01,0.02"], "watermarks must satisfy"),
            (["replay", trace, "--policy", "s3fifo", "--policy-option", "small=7"], "outside"),
            (["replay", "-"], "give a file, not standard input"),
            (["replay", trace, "--tiers", "dram:1MiB"], "out of memory"),
            (["compare", trace, "--dram", "12QB"], "--dram: '12QB': unknown unit"),
            (["compare", trace, "--policies", "lru,fifo"], "unknown policy 'fifo'"),
            (["mrc", trace, "--sample", "2"], "--sample: expected a rate above 0 and at most 1"),
            (["mrc", trace, "--check"], "give --sample"),
            (["mrc", trace, "--max-pages", "0"], "--max-pages: expected a number of pages above 0"),
        ]
        for (arguments, fragment) in cases {
            let result = try CLI.run(arguments + (arguments[0] == "replay" ? ["--report", "\(dir)/never.html"] : []))
            #expect(result.status != 0, "\(arguments) succeeded")
            #expect(result.stderr.contains(fragment), "\(arguments): \(result.stderr)")
            #expect(result.stdout.isEmpty, "\(arguments) printed a partial result")
        }
        try Data(#"{"dramAccessNs": -5}"#.utf8).write(to: URL(fileURLWithPath: "\(dir)/bad.json"))
        let costs = try CLI.run(["replay", trace, "--cost-model", "\(dir)/bad.json"])
        #expect(costs.stderr.contains("bad.json: field 'dramAccessNs': -5.0 is negative"))
        #expect(!FileManager.default.fileExists(atPath: "\(dir)/never.html"))
    }
}

@Suite(.serialized) struct ForecastCLITests {
    let dir: String = {
        let path = NSTemporaryDirectory() + "tiermem-model-cli-\(UUID().uuidString)"
        try? FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
        return path
    }()

    @Test func trainInspectEvaluate() throws {
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let trace = "\(dir)/p.tmt"
        #expect(try CLI.run(["trace", "gen", "periodic", "--records", "60000", "--footprint", "4MiB", "--period", "6000", "-o", trace]).status == 0)
        let train = try CLI.run(["train", trace, "--window", "500", "-o", "\(dir)/m.json"])
        #expect(train.status == 0, "\(train.stderr)")
        #expect(train.stdout.contains("held-out errors"))
        for h in 1...5 { #expect(train.stdout.contains("t+\(h) ")) }
        let inspect = try CLI.run(["model", "inspect", "\(dir)/m.json"])
        #expect(inspect.stdout.contains("learner      rls, λ 0.99"))
        #expect(inspect.stdout.contains("bursts weighted down beyond 2.5 × the mean error"))
        #expect(inspect.stdout.contains("largest t+1 weights"))
        let evaluate = try CLI.run(["model", "evaluate", "\(dir)/m.json", trace])
        #expect(evaluate.status == 0, "\(evaluate.stderr)")
        #expect(evaluate.stdout.contains("vs best baseline"))

        try Data("{\"schemaVersion\": 1}".utf8).write(to: URL(fileURLWithPath: "\(dir)/bad.json"))
        let bad = try CLI.run(["model", "inspect", "\(dir)/bad.json"])
        #expect(bad.status != 0)
        #expect(bad.stderr.contains("bad.json: missing field 'settings'"))
        let badTrain = try CLI.run(["train", trace, "--horizon", "0", "-o", "\(dir)/x.json"])
        #expect(badTrain.stderr.contains("the horizon must be from 1 to 64"))
        let tooLong = try CLI.run(["train", trace, "--window", "100000", "-o", "\(dir)/x.json"])
        #expect(tooLong.stderr.contains("use a shorter --window"))
        let unknownSignal = try CLI.run(["train", trace, "--signals", "page_ins,bogus", "-o", "\(dir)/x.json"])
        #expect(unknownSignal.stderr.contains("--signals: unknown signal 'bogus'; expected page_ins, working_set"))
        let twice = try CLI.run(["train", trace, "--signals", "page_ins,page_ins", "-o", "\(dir)/x.json"])
        #expect(twice.stderr.contains("--signals: a signal is named twice in page_ins,page_ins"))
        let shortPeriod = try CLI.run(["train", trace, "--period", "3", "-o", "\(dir)/x.json"])
        #expect(shortPeriod.stderr.contains("the period must be 0 (none) or at least the horizon + 2 (7) windows"))
        let badClip = try CLI.run(["train", trace, "--error-clip=-1", "-o", "\(dir)/x.json"])
        #expect(badClip.stderr.contains("the error clip must be from 0 (none) to 1000"))
        #expect(!FileManager.default.fileExists(atPath: "\(dir)/x.json"))
        let whole = try CLI.run(["train", trace, "--window", "500", "--error-clip", "0", "-o", "\(dir)/w.json"])
        #expect(whole.status == 0, "\(whole.stderr)")
        #expect(try CLI.run(["model", "inspect", "\(dir)/w.json"]).stdout.contains("every window counts fully"))

        // The trace repeats every 6,000 events, 12 windows of 500: train finds it and says so.
        #expect(train.stdout.contains("page-ins repeat every 12 windows"), "\(train.stdout)")
        let seasonal = try CLI.run(["train", trace, "--window", "500", "--period", "12", "--signals", "page_ins", "-o", "\(dir)/s.json"])
        #expect(seasonal.status == 0, "\(seasonal.stderr)")
        #expect(!seasonal.stdout.contains("repeat every"), "no suggestion once a period is given")
        #expect(try CLI.run(["model", "inspect", "\(dir)/s.json"]).stdout.contains("period 12"))
        // --period auto takes the period it finds; traces that disagree need one given.
        let auto = try CLI.run(["train", trace, "--window", "500", "--period", "auto", "-o", "\(dir)/a.json"])
        #expect(auto.status == 0, "\(auto.stderr)")
        #expect(auto.stdout.contains("period: 12 windows, found in the training part of \(trace)"), "\(auto.stdout)")
        #expect(try CLI.run(["model", "inspect", "\(dir)/a.json"]).stdout.contains("period 12"))
        let other = "\(dir)/q.tmt"
        #expect(try CLI.run(["trace", "gen", "periodic", "--records", "60000", "--footprint", "4MiB", "--period", "8000", "-o", other]).status == 0)
        let disagree = try CLI.run(["train", trace, other, "--window", "500", "--period", "auto", "-o", "\(dir)/d.json"])
        #expect(disagree.status != 0)
        #expect(disagree.stderr.contains("--period auto: the traces repeat at different periods (\(trace): 12, \(other): 16)"), "\(disagree.stderr)")
        #expect(!FileManager.default.fileExists(atPath: "\(dir)/d.json"))
        #expect(try CLI.run(["train", trace, "--period", "often", "-o", "\(dir)/x.json"]).stderr.contains("--period"))
        #expect(!(try CLI.run(["train", trace, "--window", "500", "--period", "0", "-o", "\(dir)/z.json"]).stdout.contains("repeat every")),
                "an explicit --period 0: no suggestion")
        // A trace that does not repeat: auto takes the period of those that do, or none.
        let flat = "\(dir)/u.tmt"
        #expect(try CLI.run(["trace", "gen", "uniform", "--records", "60000", "--footprint", "4MiB", "-o", flat]).status == 0)
        let some = try CLI.run(["train", flat, trace, "--window", "500", "--period", "auto", "-o", "\(dir)/v.json"])
        #expect(some.stdout.contains("period: 12 windows, found in the training part of \(trace)\n"), "\(some.stdout) \(some.stderr)")
        let none = try CLI.run(["train", flat, "--window", "500", "--period", "auto", "-o", "\(dir)/n.json"])
        #expect(none.status == 0, "\(none.stderr)")
        #expect(none.stdout.contains("no trace's page-ins repeat in its training part; training without a period"), "\(none.stdout)")
        #expect(try CLI.run(["model", "inspect", "\(dir)/n.json"]).stdout.contains("period 0"))
    }
}

@Suite(.serialized) struct PredictiveReplayCLITests {
    @Test func predictiveStartsFromAModelFileAndRejectsABadOne() throws {
        let dir = NSTemporaryDirectory() + "tiermem-predictive-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let trace = "\(dir)/k.tmt"
        #expect(try CLI.run(["trace", "gen", "kv", "--records", "30000", "--footprint", "2MiB", "--scan-pages", "64", "-o", trace]).status == 0)
        #expect(try CLI.run(["train", trace, "--window", "500", "-o", "\(dir)/m.json"]).status == 0)
        let warm = try CLI.run(["replay", trace, "--policy", "predictive", "--model", "\(dir)/m.json", "--json"])
        #expect(warm.status == 0, "\(warm.stderr)")
        try Data("not json".utf8).write(to: URL(fileURLWithPath: "\(dir)/bad.json"))
        let bad = try CLI.run(["replay", trace, "--policy", "predictive", "--model", "\(dir)/bad.json"])
        #expect(bad.status != 0)
        #expect(bad.stderr.contains("--model: \(dir)/bad.json: not valid JSON ("))
    }
}

@Suite(.serialized) struct CalibrateCLITests {
    @Test("calibrate measures this machine and writes a cost model that replay loads")
    func calibrateWritesALoadableCostModel() throws {
        let dir = NSTemporaryDirectory() + "tiermem-calibrate-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let calibrate = try CLI.run(["calibrate", "--quick", "--out", "\(dir)/costs.json"])
        #expect(calibrate.status == 0, "\(calibrate.stderr)")
        #expect(calibrate.stdout.contains("pageFaultNs"))
        let fields = try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: "\(dir)/costs.json"))) as? [String: Double]
        let values = try #require(fields)
        #expect(values.count == 12)
        // Measured, not the defaults: every cost is positive, and a fault costs more than a DRAM access.
        #expect(values.values.allSatisfy { $0 > 0 })
        #expect(values["pageFaultNs"]! > values["dramAccessNs"]!)
        let trace = "\(dir)/t.tmt"
        #expect(try CLI.run(["trace", "gen", "zipf", "--records", "20000", "--footprint", "2MiB", "-o", trace]).status == 0)
        let replay = try CLI.run(["replay", trace, "--tiers", "dram:50%;compressed:100%", "--cost-model", "\(dir)/costs.json"])
        #expect(replay.status == 0, "\(replay.stderr)")

        let bad = try CLI.run(["calibrate", "--quick", "--out", "\(dir)/c.json", "--corpus", "\(dir)/missing.bin"])
        #expect(bad.status != 0 && bad.stderr.contains("missing.bin"))
    }
}

@Suite(.serialized) struct LiveDemoCLITests {
    @Test("tiermem demo runs the key-value workload on the live heap in four configurations and verifies every value")
    func liveDemo() throws {
        // 300,000 operations: two turns each, so the daemons pause and resume between turns.
        let result = try CLI.run(["demo", "--keys", "2000", "--operations", "300000", "--warm-up", "20000", "--runs", "2"])
        #expect(result.status == 0, "\(result.stderr)")
        for configuration in ["all DRAM", "reactive LRU, DRAM 50%", "predictive, DRAM 50%", "predictive, DRAM 75%"] {
            #expect(result.stdout.contains(configuration))
        }
        // Two rounds: the paired comparisons over them, with their intervals.
        #expect(result.stdout.contains("== round 2 of 2"))
        #expect(result.stdout.contains("predictive, DRAM 50% against reactive LRU, DRAM 50%: throughput "), "\(result.stdout)")
        #expect(result.stdout.contains("95% interval"))
        let noRounds = try CLI.run(["demo", "--runs", "0"])
        #expect(noRounds.status != 0 && noRounds.stderr.contains("--runs"))
        #expect(result.stdout.contains("every value verified intact in every configuration"))
        let bad = try CLI.run(["demo", "--keys", "10"])
        #expect(bad.status != 0 && bad.stderr.contains("--keys"))
        let badWarmUp = try CLI.run(["demo", "--warm-up", "-1"])
        #expect(badWarmUp.status != 0 && badWarmUp.stderr.contains("--warm-up"), "\(badWarmUp.stderr)")
        let badShare = try CLI.run(["demo", "--archive-reads", "0.9"])
        #expect(badShare.status != 0 && badShare.stderr.contains("--archive-reads"), "\(badShare.stderr)")
        let badFaults = try CLI.run(["demo", "--faults", "kernel"])
        #expect(badFaults.status != 0 && badFaults.stderr.contains("--faults"), "\(badFaults.stderr)")
        for badBudget in ["2", "0%", "150%", "lots"] {
            let rejected = try CLI.run(["demo", "--page-in-budget", badBudget])
            #expect(rejected.status != 0 && rejected.stderr.contains("--page-in-budget"), "\(badBudget): \(rejected.stderr)")
        }
        // The handler-thread path end to end as well (the default here is the faulting thread).
        let threaded = try CLI.run(["demo", "--keys", "2000", "--operations", "20000", "--warm-up", "20000", "--faults", "thread",
                                    "--page-in-budget", "off"])
        #expect(threaded.status == 0 && threaded.stdout.contains("faults resolved by a handler thread"), "\(threaded.stderr)")
        #expect(result.stdout.contains("faults resolved by the faulting thread"))
    }

    @Test("tiermem demo --traces replays the shipped traces offline")
    func traceDemo() throws {
        let folder = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("../../traces").standardized.path
        let result = try CLI.run(["demo", "--traces", "--traces-folder", folder])
        #expect(result.status == 0, "\(result.stderr)")
        #expect(result.stdout.contains("replaying it with every policy"))
    }
}

@Suite(.serialized) struct TuneCLITests {
    @Test("tiermem tune writes a profile that replay --profile loads; bad settings are clear errors")
    func tuneAndReplayWithTheProfile() throws {
        let dir = NSTemporaryDirectory() + "tiermem-tune-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let trace = "\(dir)/z.tmt", held = "\(dir)/h.tmt"
        #expect(try CLI.run(["trace", "gen", "zipf", "--records", "30000", "--footprint", "2MiB", "-o", trace]).status == 0)
        #expect(try CLI.run(["trace", "gen", "zipf", "--records", "30000", "--footprint", "2MiB", "--seed", "7", "-o", held]).status == 0)
        let tune = try CLI.run(["tune", trace, "--policies", "lru,hotness", "--candidates", "5", "--jobs", "2",
                                "--holdout", held, "--log", "\(dir)/tune.log", "-o", "\(dir)/profile.json", "--report", "\(dir)/tune.html"])
        #expect(tune.status == 0, "\(tune.stderr)")
        let html = try String(contentsOfFile: "\(dir)/tune.html", encoding: .utf8)
        #expect(html.hasPrefix("<!DOCTYPE html>") && html.contains("<svg") && html.contains("polyline") && !html.contains("<script"))
        #expect(tune.stdout.contains("best:") && tune.stdout.contains("held out") && tune.stdout.contains("DRAM saved"))
        let replay = try CLI.run(["replay", trace, "--profile", "\(dir)/profile.json"])
        #expect(replay.status == 0, "\(replay.stderr)")
        let resumed = try CLI.run(["tune", trace, "--policies", "lru,hotness", "--candidates", "5", "--log", "\(dir)/tune.log", "-o", "\(dir)/p2.json"])
        #expect(resumed.stdout.contains("resuming:"))

        try Data("not json\n".utf8).write(to: URL(fileURLWithPath: "\(dir)/bad.log"))
        let cases: [([String], String)] = [
            (["tune", trace, "--log", "\(dir)/bad.log"], "bad.log:1: not a tuning log line"),
            (["tune", trace, "--param", "speed=1"], "unknown parameter 'speed'"),
            (["tune", trace, "--objective", "fast"], "expected time, stalls, or dram"),
            (["tune", "\(dir)/missing.tmt"], "cannot read trace"),
            (["tune", trace, "--max-migrations", "0", "--policies", "lru", "--candidates", "2", "-o", "\(dir)/never.json"], "no candidate meets"),
            (["replay", trace, "--profile", "\(dir)/missing.json"], "--profile"),
        ]
        for (arguments, fragment) in cases {
            let result = try CLI.run(arguments)
            #expect(result.status != 0, "\(arguments) succeeded")
            #expect((result.stderr + result.stdout).contains(fragment), "\(arguments): \(result.stderr)")
        }
        #expect(!FileManager.default.fileExists(atPath: "\(dir)/never.json"))
    }
}
