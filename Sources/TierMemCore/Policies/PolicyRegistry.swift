/// Every built-in policy type, by name, for code that picks a policy at run time and needs no
/// specialised replay loop (the live daemon, profile files). The replay's `PolicyCatalog` keeps
/// its own list of the same types, because it must name each type statically to specialise the
/// engine for it; a test checks that the two lists agree.
public enum PolicyRegistry {
    public static var all: [any PlacementPolicy.Type] {
        [LRUPolicy.self, ClockPolicy.self, LFUPolicy.self, ARCPolicy.self, S3FIFOPolicy.self,
         StaticRatioPolicy.self, HotnessPolicy.self, PredictivePolicy.self, BeladyPolicy.self]
    }

    public static var names: [String] { all.map { $0.name } }

    public static func policy(named name: String) -> (any PlacementPolicy.Type)? {
        all.first { $0.name == name.lowercased() }
    }
}
