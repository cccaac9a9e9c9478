import Foundation
import TierMemCore

extension TieredHeap {
    /// A heap from a tier specification (`dram:256MiB;compressed:1GiB`, sizes in bytes).
    public convenience init(tiers text: String, fallback: LiveArenaConfiguration.Fallback = .fail,
                            faultHandling: LiveArenaConfiguration.FaultHandling = .handlerThread) throws {
        var configuration = LiveArenaConfiguration(tiers: try TierSpec(parsing: text))
        configuration.fallback = fallback
        configuration.faultHandling = faultHandling
        try self.init(configuration)
    }

    /// A heap configured by the environment: `TIERMEM_TIERS` when set, otherwise
    /// `MachineMemory.defaultTiers()` (sized from the machine or its cgroup). `TIERMEM_FAULTS`
    /// chooses who resolves faults (`thread`, the default, or `signal`). With `TIERMEM_PROFILE`
    /// naming a tuning profile, its daemon starts too.
    public static func fromEnvironment(_ environment: [String: String] = ProcessInfo.processInfo.environment) throws -> TieredHeap {
        let fromVariable = try TierSpec.fromEnvironment(environment)
        var configuration = LiveArenaConfiguration(tiers: fromVariable ?? MachineMemory.defaultTiers())
        configuration.faultHandling = try LiveArenaConfiguration.FaultHandling.fromEnvironment(environment)
        let heap: TieredHeap
        do {
            heap = try TieredHeap(configuration)
        } catch let error as LiveArenaError where fromVariable != nil {
            // A size the spec's grammar allows but the heap cannot take (`dram:0`), or a PMEM
            // directory it cannot use: say which variable holds it.
            let variable = "\(TierSpec.environmentVariable)='\(environment[TierSpec.environmentVariable] ?? "")'"
            switch error {
            case .configuration(let reason): throw LiveArenaError.configuration("\(variable): \(reason)")
            case .pmem(let reason): throw LiveArenaError.pmem("\(variable): \(reason)")
            default: throw error
            }
        }
        if let path = environment[TuningProfile.environmentVariable], !path.isEmpty {
            let profile: TuningProfile
            do { profile = try TuningProfile.load(path: path) } catch {
                throw LiveArenaError.configuration("\(TuningProfile.environmentVariable): \(error)")
            }
            try heap.startDaemon(profile: profile)
        }
        return heap
    }
}

extension LiveArenaConfiguration.FaultHandling {
    /// The environment variable that chooses who resolves faults.
    public static let environmentVariable = "TIERMEM_FAULTS"

    /// `TIERMEM_FAULTS` (`thread` or `signal`); the handler thread when unset or empty.
    public static func fromEnvironment(_ environment: [String: String] = ProcessInfo.processInfo.environment) throws -> Self {
        guard let text = environment[environmentVariable], !text.isEmpty else { return .handlerThread }
        guard let handling = Self(rawValue: text) else {
            throw LiveArenaError.configuration("\(environmentVariable)='\(text)': expected "
                + allCases.map { "'\($0)'" }.joined(separator: " or "))
        }
        return handling
    }
}

/// How much memory this process may use, for default heap sizes.
public enum MachineMemory {
    /// The smaller of the machine's memory (`MemTotal` in /proc/meminfo) and this process's
    /// cgroup v2 `memory.max`, when one is set. Bytes.
    public static func limit() -> UInt64 {
        var limit = memTotal() ?? 1 << 30
        if let cgroup = cgroupMemoryMax(), cgroup < limit { limit = cgroup }
        return limit
    }

    /// The default tiers: DRAM a quarter of `limit()`, and a compressed tier holding as many
    /// pages again as DRAM (at LZ4's typical 2:1 on real data, about half that in memory).
    /// No PMEM tier: it needs a directory, ideally a DAX mount, which only the user can name.
    public static func defaultTiers() -> TierSpec {
        let dram = max(limit() / 4, 16 << 20)
        // Both tiers are valid by construction; parsing cannot fail.
        return try! TierSpec(tiers: [
            .init(kind: .dram, capacity: .bytes(ByteCount(dram))),
            .init(kind: .compressed, capacity: .bytes(ByteCount(dram)), codec: .lz4),
        ])
    }

    static func memTotal() -> UInt64? {
        guard let text = try? String(contentsOfFile: "/proc/meminfo", encoding: .utf8) else { return nil }
        for line in text.split(separator: "\n") where line.hasPrefix("MemTotal:") {
            let fields = line.split(separator: " ")
            if fields.count >= 2, let kib = UInt64(fields[1]) { return kib * 1024 }
        }
        return nil
    }

    /// `memory.max` of this process's cgroup (v2), nil when unlimited or not found.
    static func cgroupMemoryMax() -> UInt64? {
        guard let membership = try? String(contentsOfFile: "/proc/self/cgroup", encoding: .utf8),
              let line = membership.split(separator: "\n").first(where: { $0.hasPrefix("0::") })
        else { return nil }
        let path = "/sys/fs/cgroup" + line.dropFirst(3) + "/memory.max"
        guard let value = try? String(contentsOfFile: path, encoding: .utf8) else { return nil }
        return UInt64(value.trimmingCharacters(in: .whitespacesAndNewlines))  // "max" → nil
    }
}
