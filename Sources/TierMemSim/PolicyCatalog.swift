import TierMemCore
import TierMemTrace

/// The policies a replay can run, by name. To add a policy, append its type here.
public enum PolicyCatalog {
    public static var all: [any PlacementPolicy.Type] {
        [LRUPolicy.self, ClockPolicy.self, LFUPolicy.self, ARCPolicy.self, S3FIFOPolicy.self,
         StaticRatioPolicy.self, HotnessPolicy.self, BeladyPolicy.self]
    }

    public static var names: [String] { all.map { $0.name } }

    public static func policy(named name: String) throws -> any PlacementPolicy.Type {
        guard let type = all.first(where: { $0.name == name.lowercased() }) else {
            throw ReplayError("unknown policy '\(name)'; expected one of \(names.joined(separator: ", "))")
        }
        return type
    }

    /// Replays `source` with the policy `settings.policy` names.
    public static func replay(source: any TraceEventSource, profile: TraceProfile, name: String, settings: ReplaySettings,
                              progress: (UInt64) -> Void = { _ in }) throws -> ReplayResult {
        let type = try policy(named: settings.policy)
        return try ReplayRunner.run(type, source: source, profile: profile, name: name, settings: settings, progress: progress)
    }
}
