import Foundation
import TierMemCore

/// What `tiermem tune` minimises. Every score is lower-is-better and comparable across traces:
/// - `time`: modelled time at the given tiers, as a multiple of the same accesses' all-DRAM time
///   (every access a DRAM access, every first touch a new page: 1.20 means 20% slower than if
///   everything fitted in DRAM);
/// - `stalls`: direct-reclaim stalls per million accesses (ties broken by time);
/// - `dram(slowdown:)`: the smallest DRAM share (of the footprint) whose modelled time stays
///   within `slowdown` of all-DRAM — memory saved at a bounded slowdown, as TMO and far-memory
///   systems measure it.
public enum TuningObjective: Sendable, Equatable, CustomStringConvertible {
    case time
    case stalls
    case dram(slowdown: Double)

    public init(parsing text: String) throws(TuningError) {
        let lowered = text.lowercased()
        switch lowered {
        case "time": self = .time
        case "stalls": self = .stalls
        default:
            guard lowered.hasPrefix("dram:"), lowered.hasSuffix("%"),
                  let percent = Double(lowered.dropFirst(5).dropLast()), percent.isFinite, percent >= 0, percent <= 1000
            else {
                throw TuningError("--objective '\(text)': expected time, stalls, or dram:SLOWDOWN% (such as dram:5%)")
            }
            self = .dram(slowdown: percent / 100)
        }
    }

    public var description: String {
        switch self {
        case .time: return "time"
        case .stalls: return "stalls"
        case .dram(let slowdown): return "dram:\(TuningCandidate.format(slowdown * 100))%"
        }
    }

    /// What a score means, for reports.
    public var unit: String {
        switch self {
        case .time: return "× all-DRAM modelled time"
        case .stalls: return "direct-reclaim stalls per million accesses"
        case .dram: return "share of the footprint in DRAM"
        }
    }
}

/// Limits a tuned setting must respect (nil: none).
public struct TuningConstraints: Sendable, Equatable {
    /// Promotions as a share of the working set per minute (Google's far-memory SLO metric), %.
    public var maxPromotionRate: Double?
    /// Migrations (promotions and demotions) per million accesses.
    public var maxMigrationsPerMillion: Double?

    public init(maxPromotionRate: Double? = nil, maxMigrationsPerMillion: Double? = nil) {
        self.maxPromotionRate = maxPromotionRate
        self.maxMigrationsPerMillion = maxMigrationsPerMillion
    }

    /// How far `measurement` exceeds the limits, relative to each (0: within them).
    func violation(_ measurement: TuningMeasurement) -> Double {
        var excess = 0.0
        if let limit = maxPromotionRate, measurement.promotionRate > limit {
            excess = max(excess, (measurement.promotionRate - limit) / max(limit, 1e-9))
        }
        if let limit = maxMigrationsPerMillion, measurement.migrationsPerMillion > limit {
            excess = max(excess, (measurement.migrationsPerMillion - limit) / max(limit, 1e-9))
        }
        return excess
    }
}

/// One candidate replayed on one trace (prefix): what the objective and constraints need.
public struct TuningMeasurement: Sendable, Codable, Equatable {
    public var modelledNs: Double
    public var allDRAMNs: Double
    public var stallsPerMillion: Double
    public var promotionRate: Double
    public var migrationsPerMillion: Double
    /// For `dram(slowdown:)`: the smallest DRAM share that met the slowdown (1 when none did).
    public var dramShare: Double?

    func score(_ objective: TuningObjective) -> Double {
        switch objective {
        case .time: return modelledNs / max(allDRAMNs, 1)
        case .stalls: return stallsPerMillion + 1e-6 * modelledNs / max(allDRAMNs, 1)
        case .dram: return dramShare ?? 1
        }
    }
}
