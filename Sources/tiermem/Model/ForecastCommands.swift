import ArgumentParser
import Foundation
import TierMemCore
import TierMemModel
import TierMemSim

/// The pressure signals of each window of a trace, from a replay with the reactive policy.
func pressureWindows(_ path: String, read: TraceInputOptions, tiers: TierSpec, windowAccesses: Int) throws -> [PressureSignals] {
    var settings = ReplaySettings(tiers: tiers, policy: LRUPolicy.name)
    settings.timelinePoints = 1
    let recorder = PressureWindowRecorder(windowAccesses: windowAccesses)
    let profile = try TraceProfile.measure(read.open(path), withNextUse: false, limit: read.footprintLimit(path))
    let bar = ProgressBar("windows of \(path)")
    defer { bar.finish() }
    _ = try PolicyCatalog.replay(source: read.open(path), profile: profile, name: path, settings: settings, windows: recorder) { bar.update(records: $0) }
    return recorder.windows
}

/// The held-out error table `train` and `model evaluate` print.
func errorTable(_ errors: [HorizonErrors]) -> String {
    let names = [LastValueBaseline.name, EWMABaseline.name, HoltBaseline.name]
    var rows = [["horizon", "windows", "model MAE", "RMSE", "sMAPE"] + names.map { "\($0) MAE" } + ["vs best baseline"]]
    for e in errors {
        let best = names.compactMap { e.baselines[$0]?.mae }.min() ?? 0
        let gain = best > 0 ? (e.model.mae <= best ? Format.percent((best - e.model.mae) / best) + " lower" : Format.percent((e.model.mae - best) / best) + " higher") : "-"
        rows.append(["t+\(e.horizon)", Format.count(e.model.windows), String(format: "%.2f", e.model.mae), String(format: "%.2f", e.model.rmse),
                     String(format: "%.1f%%", e.model.smape)] + names.map { String(format: "%.2f", e.baselines[$0]?.mae ?? 0) } + [gain])
    }
    return Format.table(rows)
}

struct TrainCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "train",
        abstract: "Train the page-in forecaster on traces and save it as a model file.",
        discussion: """
        Each trace is replayed with the reactive policy (LRU, watermarks) and cut into windows of \
        --window page accesses; the forecaster learns online on the first part of every trace, then \
        walks forward through the held-out tail, still learning, while its forecasts and those of \
        the baselines (last value, EWMA, Holt) are scored. Prints the held-out errors per horizon.
        """)

    @Argument(help: "Traces to train on.")
    var traces: [String]

    @Option(name: [.short, .customLong("out")], help: "The model file to write, such as models/mine.json.")
    var out: String

    @Option(parsing: .unconditional, help: "Window length in page accesses.")
    var window = 4_096

    @Option(parsing: .unconditional, help: "Windows ahead to forecast.")
    var horizon = 5

    @Option(parsing: .unconditional, help: "Share of each trace's windows held out for evaluation.")
    var heldOut = 0.2

    @Option(help: "Learner: rls or nlms.")
    var learner = "rls"

    @Option(parsing: .unconditional, help: "RLS forgetting factor λ.")
    var forgetting = 0.99

    @Option(parsing: .unconditional, help: "RLS ridge start (larger: more regularised).")
    var ridge = 0.01

    @Option(help: "A window whose training error exceeds this many times the running mean absolute error counts for less (robust to bursts; 0 = every window counts fully).")
    var errorClip = ForecasterSettings().errorClip

    @Option(parsing: .unconditional, help: "Lagged windows per signal.")
    var lags = 3

    @Option(help: ArgumentHelp("Period in windows of recurring demand (0 = none; auto = the one found in the training windows): how far the page-ins one period before each forecast window stood out from their level, beyond the noise, become features. At least --horizon + 2. Without it, none, and a period found is suggested.", valueName: "windows|auto"))
    var period: PeriodArgument?

    @Option(help: "Comma-separated signals the features are made of, from: \(PressureSignals.names.joined(separator: ", ")).")
    var signals = FeatureSettings().signals.joined(separator: ",")

    @Option(help: "Tiers of the replay that produces the windows.")
    var tiers = ReplaySettings.defaultTiers

    @OptionGroup var read: TraceInputOptions

    func settings() throws -> ForecasterSettings {
        var s = ForecasterSettings()
        s.windowLength = Double(window)
        s.horizon = horizon
        s.learner = learner
        s.forgetting = forgetting
        s.ridge = ridge
        s.errorClip = errorClip
        s.features.lags = lags
        if case .windows(let windows)? = period { s.features.period = windows }  // auto: settled in `run`, once the windows are known
        s.features.signals = signals.split(separator: ",", omittingEmptySubsequences: false).map { $0.trimmingCharacters(in: .whitespaces) }
        if let problem = s.features.signalsProblem() { throw ValidationError("--signals: \(problem)") }
        if let problem = s.problem() { throw ValidationError(problem) }
        return s
    }

    func validate() throws {
        if traces.isEmpty { throw ValidationError("name at least one trace") }
        if window < 1 { throw ValidationError("--window: expected at least 1 page access") }
        if !(heldOut > 0 && heldOut < 1) { throw ValidationError("--held-out: expected a share above 0 and below 1") }
        _ = try settings()
        do { _ = try TierSpec(parsing: tiers) } catch { throw ValidationError("--tiers: \(error)") }
    }

    func run() throws {
        try OutputFile.checkWritable(out)  // before training, not after
        var settings = try settings()
        let spec = try TierSpec(parsing: tiers)
        let series = try traces.map { try pressureWindows($0, read: read, tiers: spec, windowAccesses: window) }
        for (trace, windows) in zip(traces, series) where windows.count < 4 * horizon {
            throw ValidationError("\(trace): only \(windows.count) windows of \(window) accesses; use a shorter --window")
        }
        let splits = series.map { Int(Double($0.count) * (1 - heldOut)) }
        switch period {
        case nil: suggestPeriods(foundPeriods(series: series, splits: splits))
        case .auto?: settings.features.period = try autoPeriod(foundPeriods(series: series, splits: splits))
        case .windows?: break
        }
        // Learn on every trace's head, then walk forward through each tail from that state.
        var forecaster = PressureForecaster(settings: settings)
        for (windows, split) in zip(series, splits) {
            for w in windows[..<split] { forecaster.observe(w) }
        }
        var parts: [[HorizonErrors]] = []
        var final = forecaster
        for (windows, split) in zip(series, splits) {
            var walker = forecaster
            parts.append(WalkForward.evaluate(&walker, windows: windows, scoreFrom: split))
            for w in windows[split...] { final.observe(w) }
        }
        let errors = WalkForward.merge(parts)
        let provenance = ModelProvenance(traces: traces, windows: series.reduce(0) { $0 + $1.count },
                                         createdBy: "tiermem train " + CommandLine.arguments.dropFirst(2).joined(separator: " "), heldOut: errors)
        try ModelFile(forecaster: final, provenance: provenance).write(to: out)
        print("trained on \(Format.count(provenance.windows)) windows of \(window) page accesses from \(traces.count) trace(s); held-out errors (page-ins per window):")
        print(errorTable(errors))
        print("wrote \(out) (\(final.featureNames.count) features, \(final.stateBytes) bytes of state)")
    }

    /// Each trace's period, if its page-ins repeat (judged on the training part only). The search
    /// looks at the last 16,384 training windows and periods up to 2,048 windows: at most about
    /// 3·10^7 multiplications a trace, however long.
    private func foundPeriods(series: [[PressureSignals]], splits: [Int]) -> [(period: Int, autocorrelation: Double)?] {
        zip(series, splits).map { windows, split in
            let recent = windows[max(0, split - 16_384)..<split].map(\.pageIns)
            let longest = min(2_048, recent.count / 2 - 1)
            guard horizon + 2 <= longest else { return nil }
            return PeriodFinder.dominantPeriod(recent, lags: (horizon + 2)...longest)
        }
    }

    /// Without `--period`: names the traces that repeat, and the period that may help them.
    private func suggestPeriods(_ found: [(period: Int, autocorrelation: Double)?]) {
        for (trace, found) in zip(traces, found) {
            guard let found else { continue }
            print("note: \(trace): page-ins repeat every \(found.period) windows (autocorrelation \(String(format: "%.2f", found.autocorrelation)) in the training part); --period \(found.period) (or auto) may help; compare the held-out errors")
        }
    }

    /// `--period auto`: the period the traces that repeat agree on, or 0 if none repeats.
    private func autoPeriod(_ found: [(period: Int, autocorrelation: Double)?]) throws -> Int {
        let periods = Set(found.compactMap { $0?.period })
        guard periods.count <= 1 else {
            let each = zip(traces, found).compactMap { trace, found in found.map { "\(trace): \($0.period)" } }
            throw ValidationError("--period auto: the traces repeat at different periods (\(each.joined(separator: ", "))); give one with --period N, or 0 for none")
        }
        guard let period = periods.first else {
            print("note: --period auto: no trace's page-ins repeat in its training part; training without a period")
            return 0
        }
        print("period: \(period) windows, found in the training part of \(zip(traces, found).filter { $0.1 != nil }.map(\.0).joined(separator: ", "))")
        return period
    }
}

/// `--period`: a number of windows, or "auto" (found in the training windows).
enum PeriodArgument: ExpressibleByArgument {
    case windows(Int)
    case auto

    init?(argument: String) {
        if argument == "auto" {
            self = .auto
        } else if let windows = Int(argument), windows >= 0 {
            self = .windows(windows)
        } else {
            return nil
        }
    }
}

struct ModelCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "model", abstract: "Inspect or evaluate a forecaster model file.",
        subcommands: [ModelInspect.self, ModelEvaluate.self])
}

struct ModelInspect: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "inspect", abstract: "Print a model's settings, features, largest weights and provenance.")

    @Argument(help: "The model file.")
    var file: String

    func run() throws {
        let model: ModelFile
        do { model = try ModelFile.load(path: file) } catch { throw ValidationError("\(error)") }
        let s = model.settings
        print("model        \(file) (schema \(model.schemaVersion))")
        print("window       \(Format.count(Int(s.windowLength))) \(s.windowUnit); horizon \(s.horizon) windows")
        print("learner      \(s.learner)\(s.learner == "rls" ? ", λ \(s.forgetting), ridge \(s.ridge)" : ", step \(s.stepSize)")"
              + (s.errorClip > 0 ? ", bursts weighted down beyond \(s.errorClip) × the mean error" : ", every window counts fully"))
        print("features     \(model.featureNames.count): \(s.features.signals.joined(separator: ", ")); lags \(s.features.lags), differences \(s.features.differences), EWMA \(s.features.ewmaAlphas), period \(s.features.period)")
        print("trained on   \(Format.count(model.provenance.windows)) windows of \(model.provenance.traces.joined(separator: ", "))")
        print("made by      \(model.provenance.createdBy)")
        let weights: [Double] = model.rls?.weights ?? model.nlms?.weights ?? []
        let outputs = s.horizon
        let first = model.featureNames.indices.map { (model.featureNames[$0], weights[$0 * outputs]) }
            .sorted { abs($0.1) > abs($1.1) }.prefix(8)
        print("largest t+1 weights (standardised features):")
        for (name, w) in first { print(String(format: "  %+10.3f  %@", w, name)) }
        print("held-out errors at training:")
        print(errorTable(model.provenance.heldOut))
    }
}

struct ModelEvaluate: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "evaluate", abstract: "Score a model's forecasts on traces against the baselines (walk-forward, learning as it goes).")

    @Argument(help: "The model file.")
    var file: String

    @Argument(help: "Traces to evaluate on.")
    var traces: [String]

    @Option(help: "Tiers of the replay that produces the windows.")
    var tiers = ReplaySettings.defaultTiers

    @OptionGroup var read: TraceInputOptions

    func run() throws {
        let model: ModelFile
        do { model = try ModelFile.load(path: file) } catch { throw ValidationError("\(error)") }
        guard model.settings.windowUnit == "accesses" else { throw ValidationError("\(file): a model with \(model.settings.windowUnit) windows needs live time, not a trace replay") }
        let spec = try TierSpec(parsing: tiers)
        var parts: [[HorizonErrors]] = []
        for trace in traces {
            let windows = try pressureWindows(trace, read: read, tiers: spec, windowAccesses: Int(model.settings.windowLength))
            var forecaster = model.forecaster()
            parts.append(WalkForward.evaluate(&forecaster, windows: windows, scoreFrom: 0))
        }
        print("\(file) on \(traces.joined(separator: ", ")) (page-ins per window):")
        print(errorTable(WalkForward.merge(parts)))
    }
}
