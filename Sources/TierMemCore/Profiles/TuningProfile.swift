import Foundation
import TierMemModel

/// A tuned configuration (`tiermem tune` writes it): the tiers, the policy and its options, and
/// the controller settings that matter. `tiermem replay --profile FILE`, `TieredHeap.startDaemon(profile:)`
/// and the `TIERMEM_PROFILE` environment variable all accept it, so the tuned settings behave the
/// same offline and live. JSON, versioned; loading validates every field and names the bad one.
public struct TuningProfile: Codable, Equatable, Sendable {
    public static let currentVersion = 1
    public static let environmentVariable = "TIERMEM_PROFILE"

    public var schemaVersion = TuningProfile.currentVersion
    /// A tier specification (`dram:25%;compressed:lz4:50%`); shares are of a trace's footprint.
    public var tiers: String
    public var policy: String
    /// Policy options by name (`window`, `margin`, ...), as `--policy-option` takes them.
    public var policyOptions: [String: Double]
    public var controller: ControllerSettings
    /// Where the settings came from: the traces, the objective, and the score.
    public var provenance: Provenance

    /// The controller settings a profile carries (the rest keep their defaults).
    public struct ControllerSettings: Codable, Equatable, Sendable {
        public var minWatermark: Double
        public var lowWatermark: Double
        public var highWatermark: Double
        public var promotionRateLimitMBps: Double
        public var epochAccesses: Int

        public init(_ config: ControllerConfig) {
            minWatermark = config.minWatermark
            lowWatermark = config.lowWatermark
            highWatermark = config.highWatermark
            promotionRateLimitMBps = config.promotionRateLimitMBps
            epochAccesses = config.epochAccesses
        }

        /// `base` with these settings applied.
        public func applied(to base: ControllerConfig) -> ControllerConfig {
            var config = base
            config.minWatermark = minWatermark
            config.lowWatermark = lowWatermark
            config.highWatermark = highWatermark
            config.promotionRateLimitMBps = promotionRateLimitMBps
            config.epochAccesses = epochAccesses
            return config
        }
    }

    public struct Provenance: Codable, Equatable, Sendable {
        public var traces: [String]
        public var objective: String
        /// The objective's value for these settings, and for the defaults, on the tuning traces.
        public var score: Double
        public var defaultScore: Double
        public var seed: UInt64
        public var replays: Int

        public init(traces: [String], objective: String, score: Double, defaultScore: Double, seed: UInt64, replays: Int) {
            self.traces = traces
            self.objective = objective
            self.score = score
            self.defaultScore = defaultScore
            self.seed = seed
            self.replays = replays
        }
    }

    public init(tiers: String, policy: String, policyOptions: [String: Double], controller: ControllerConfig, provenance: Provenance) {
        self.tiers = tiers
        self.policy = policy
        self.policyOptions = policyOptions
        self.controller = ControllerSettings(controller)
        self.provenance = provenance
    }

    public func json() throws -> Data { try VersionedJSONFile.encoded(self) }

    /// Writes the profile under a temporary name and renames it into place.
    public func write(to path: String) throws { try VersionedJSONFile.write(self, to: path) }

    public static func load(path: String) throws -> TuningProfile {
        do { return try decode(VersionedJSONFile.read(path: path), file: path) } catch let problem as VersionedJSONFile.Problem {
            throw TuningProfileError(file: path, reason: problem.reason)
        }
    }

    /// Decodes and validates: the version first (so a newer file says so), then every field.
    public static func decode(_ data: Data, file: String) throws -> TuningProfile {
        func fail(_ reason: String) -> TuningProfileError { TuningProfileError(file: file, reason: reason) }
        let profile: TuningProfile
        do { profile = try VersionedJSONFile.decode(TuningProfile.self, from: data, version: currentVersion) } catch {
            throw fail(error.reason)
        }
        if let problem = profile.problem() { throw fail(problem) }
        return profile
    }

    /// What is wrong with the settings, or nil: the tier specification parses, the policy
    /// exists and accepts its options, the controller settings are consistent.
    public func problem() -> String? {
        do { _ = try TierSpec(parsing: tiers) } catch { return "field 'tiers': \(error)" }
        guard let type = PolicyRegistry.policy(named: policy) else {
            return "field 'policy': unknown policy '\(policy)'; expected one of \(PolicyRegistry.names.joined(separator: ", "))"
        }
        for (key, value) in policyOptions where !value.isFinite { return "field 'policyOptions.\(key)': not a finite number" }
        do {
            _ = try type.init(layout: TierLayout(pageSize: 4096, dramPages: 1024, pmemPages: 1024, compressedBytes: 4 << 20),
                              options: PolicyOptions(policyOptions))
        } catch {
            return "field 'policyOptions': \(error)"
        }
        let values = [controller.minWatermark, controller.lowWatermark, controller.highWatermark, controller.promotionRateLimitMBps]
        guard values.allSatisfy(\.isFinite) else { return "field 'controller': a setting is not a finite number" }
        if let problem = controller.applied(to: ControllerConfig()).problem() { return "field 'controller': \(problem)" }
        return nil
    }
}

public struct TuningProfileError: Error, Equatable, CustomStringConvertible {
    public var file: String
    public var reason: String
    public init(file: String, reason: String) {
        self.file = file
        self.reason = reason
    }
    public var description: String { "\(file): \(reason)" }
}
