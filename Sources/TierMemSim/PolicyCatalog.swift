import TierMemCore
import TierMemTrace

/// The policies a replay can run, by name. To add a policy, append `Entry(YourPolicy.self)`.
///
/// Each entry captures its replay as a closure made where the policy type is concrete, so the
/// compiler specialises the whole engine for it: calling the generic runner through an opened
/// existential instead would dispatch every policy call through a witness table, several times
/// slower.
public enum PolicyCatalog {
    public struct Entry {
        public let type: any PlacementPolicy.Type
        let replay: (any TraceEventSource, TraceProfile, String, ReplaySettings, PressureWindowRecorder?, (UInt64) -> Void) throws -> ReplayResult

        public init<P: PlacementPolicy>(_ type: P.Type) {
            self.type = type
            replay = { source, profile, name, settings, windows, progress in
                try ReplayRunner.run(P.self, source: source, profile: profile, name: name, settings: settings, windows: windows, progress: progress)
            }
        }
    }

    public static var entries: [Entry] {
        [Entry(LRUPolicy.self), Entry(ClockPolicy.self), Entry(LFUPolicy.self), Entry(ARCPolicy.self),
         Entry(S3FIFOPolicy.self), Entry(StaticRatioPolicy.self), Entry(HotnessPolicy.self), Entry(PredictivePolicy.self),
         Entry(BeladyPolicy.self)]
    }

    public static var all: [any PlacementPolicy.Type] { entries.map(\.type) }
    public static var names: [String] { all.map { $0.name } }

    public static func entry(named name: String) throws -> Entry {
        guard let entry = entries.first(where: { $0.type.name == name.lowercased() }) else {
            throw ReplayError("unknown policy '\(name)'; expected one of \(names.joined(separator: ", "))")
        }
        return entry
    }

    public static func policy(named name: String) throws -> any PlacementPolicy.Type { try entry(named: name).type }

    /// Replays `source` with the policy `settings.policy` names; `windows`, if given, records the
    /// pressure signals of each window.
    public static func replay(source: any TraceEventSource, profile: TraceProfile, name: String, settings: ReplaySettings,
                              windows: PressureWindowRecorder? = nil, progress: @escaping (UInt64) -> Void = { _ in }) throws -> ReplayResult {
        try entry(named: settings.policy).replay(source, profile, name, settings, windows, progress)
    }
}
