import ArgumentParser
import Foundation
import TierMemCore
import TierMemModel
import TierMemSim
import TierMemTrace

/// The settings `replay` and `compare` share: tiers, PMEM access, the cost model and the
/// controller's knobs.
struct ReplayOptions: ParsableArguments {
    @Option(help: "Tiers, such as 'dram:25%;pmem:100%;compressed:lz4:25%' (default: $TIERMEM_TIERS, else that).")
    var tiers: String?

    @Option(help: "How PMEM is accessed: direct (load/store in place, promotion optional) or paged (a fault copies it to DRAM).")
    var pmem: String = "direct"

    @Option(help: "A cost model JSON file (docs/cost-model.md); default: the built-in costs.")
    var costModel: String?

    @Option(name: .customLong("policy-option"), help: "A policy setting key=value; repeat for more (docs/policies.md).")
    var policyOptions: [String] = []

    @Option(help: "Free-DRAM watermarks min,low,high as shares of DRAM (default 0.005,0.01,0.02; 0,0,0 = demand only).")
    var watermarks: String?

    @Option(parsing: .unconditional, help: "Limit optional promotions to this many MB/s (0 = no limit).")
    var promoteRate: Double = 0

    @Option(parsing: .unconditional, help: "A move back within this many milliseconds is a ping-pong.")
    var pingPongWindow: Double = 1_000

    @Option(parsing: .unconditional, help: "Share of pages assumed to compress below 75% of a page (0 to 1).")
    var compressible: Double = 0.7

    @Option(parsing: .unconditional, help: "Compressed size of a compressible page, as a share of the page.")
    var compressionRatio: Double = 0.35

    @Option(parsing: .unconditional, help: "Threads the background reclaimer has.")
    var reclaimThreads: Double = 1

    @Option(help: "A trained forecaster model file the predictive policy starts from (models/default.json).")
    var model: String?

    @Option(help: "A tuning profile (tiermem tune's output): its tiers (unless --tiers), policy, policy options and controller settings replace the others.")
    var profile: String?

    func tierSpec() throws -> TierSpec {
        do {
            if let tiers { return try TierSpec(parsing: tiers) }
            if let fromEnvironment = try TierSpec.fromEnvironment(ProcessInfo.processInfo.environment) { return fromEnvironment }
            return try TierSpec(parsing: ReplaySettings.defaultTiers)
        } catch {
            throw ValidationError("--tiers: \(error)")
        }
    }

    func settings(policy: String) throws -> ReplaySettings {
        var settings = ReplaySettings(tiers: try tierSpec(), policy: policy)
        guard let access = PMEMAccess(rawValue: pmem) else {
            throw ValidationError("--pmem: expected direct or paged, got '\(pmem)'")
        }
        settings.pmemAccess = access
        if let costModel {
            do { settings.costs = try CostModel.load(path: costModel) } catch { throw ValidationError("--cost-model: \(error)") }
        }
        do { settings.policyOptions = try PolicyOptions(parsing: policyOptions) } catch { throw ValidationError("--policy-option: \(error)") }
        var config = ControllerConfig()
        if let watermarks {
            let parts = watermarks.split(separator: ",").map { Double($0.trimmingCharacters(in: .whitespaces)) }
            guard parts.count == 3, let low = parts[1], let min = parts[0], let high = parts[2] else {
                throw ValidationError("--watermarks: expected three shares min,low,high such as 0.005,0.01,0.02, got '\(watermarks)'")
            }
            config.minWatermark = min
            config.lowWatermark = low
            config.highWatermark = high
        }
        config.promotionRateLimitMBps = promoteRate
        guard pingPongWindow >= 0, pingPongWindow.isFinite else { throw ValidationError("--ping-pong-window: expected milliseconds ≥ 0") }
        config.pingPongWindowNs = UInt64(pingPongWindow * 1e6)
        config.compressibleFraction = compressible
        config.compressionRatio = compressionRatio
        config.reclaimThreads = reclaimThreads
        if let problem = config.problem() { throw ValidationError(problem) }
        settings.controller = config
        if let model {
            do { settings.forecastModel = try ModelFile.load(path: model) } catch { throw ValidationError("--model: \(error)") }
        }
        if let profile {
            let tuned: TuningProfile
            do { tuned = try TuningProfile.load(path: profile) } catch { throw ValidationError("--profile: \(error)") }
            if tiers == nil {
                do { settings.tiers = try TierSpec(parsing: tuned.tiers) } catch { throw ValidationError("--profile: \(error)") }
            }
            settings.policy = tuned.policy
            settings.policyOptions = PolicyOptions(tuned.policyOptions)
            settings.controller = tuned.controller.applied(to: settings.controller)
        }
        return settings
    }
}

/// The profiling pass of a replay: footprint, page range and, with `withNextUse`, each access's
/// next use. A replay reads the trace again afterwards, so it must be a file.
func profileFile(_ path: String, read: TraceInputOptions, withNextUse: Bool) throws -> TraceProfile {
    guard path != "-" else { throw ValidationError("replay reads the trace twice; give a file, not standard input") }
    let bar = ProgressBar("profiling \(path)")
    defer { bar.finish() }
    let source = try read.open(path)
    let profile = try TraceProfile.measure(source, withNextUse: withNextUse, limit: read.footprintLimit(path)) {
        bar.update(records: $0, source: source)
    }
    guard profile.pageAccesses > 0 else {
        throw TraceError(file: path, reason: "the trace is empty: it has \(profile.events) records and no reads or writes to replay")
    }
    return profile
}

/// Profiles (unless given a profile that serves) and replays a trace file with one policy.
func replayFile(_ path: String, read: TraceInputOptions, settings: ReplaySettings, profile cached: TraceProfile? = nil,
                label: String? = nil) throws -> ReplayResult {
    let policyType = try PolicyCatalog.policy(named: settings.policy)
    var profile = cached
    if profile == nil || (policyType.needsFuture && profile?.nextUse == nil) {
        profile = try profileFile(path, read: read, withNextUse: policyType.needsFuture)
    }
    let source = try read.open(path)
    let bar = ProgressBar(label ?? "replaying \(settings.policy)")
    defer { bar.finish() }
    return try PolicyCatalog.replay(source: source, profile: profile!, name: path, settings: settings) { bar.update(records: $0) }
}
