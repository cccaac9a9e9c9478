import Foundation
import TierMemCore
import TierMemTrace

/// One setting `tiermem tune` may change, and the range it searches.
public struct TuningParameter: Sendable, Equatable {
    public enum Target: Sendable, Equatable {
        /// The policy itself (`choices`).
        case policy
        /// The low watermark (share of DRAM); min is half of it, high twice it.
        case watermark
        /// The promotion rate limit, MB/s (0 is "no limit" and is always a choice).
        case promotionRate
        /// The controller's epoch, in accesses.
        case epoch
        /// A policy's option (`--policy-option key=value`), used only when that policy is chosen.
        case policyOption(policy: String, key: String)
    }

    public var name: String
    public var target: Target
    public var lower: Double
    public var upper: Double
    public var logScale: Bool
    public var integer: Bool
    /// The value the defaults use.
    public var defaultValue: Double
    /// The policies, for `.policy`.
    public var choices: [String]

    public init(name: String, target: Target, lower: Double, upper: Double, logScale: Bool = false, integer: Bool = false,
                defaultValue: Double, choices: [String] = []) {
        self.name = name
        self.target = target
        self.lower = lower
        self.upper = upper
        self.logScale = logScale
        self.integer = integer
        self.defaultValue = defaultValue
        self.choices = choices
    }

    /// The promotion rate limit's 0 ("no limit") lies outside its range but is always a choice,
    /// unless the range was narrowed.
    var allowsOff: Bool { target == .promotionRate && lower <= 1 }

    /// The value at `fraction` (0...1) of the range.
    func value(at fraction: Double) -> Double {
        var value = logScale ? lower * pow(upper / lower, fraction) : lower + (upper - lower) * fraction
        if integer { value = value.rounded() }
        return min(max(value, lower), upper)
    }
}

/// A point of the search space: a policy and a value for each numeric parameter that applies.
public struct TuningCandidate: Sendable, Hashable, Codable, CustomStringConvertible {
    public var policy: String
    public var values: [String: Double]

    public init(policy: String, values: [String: Double]) {
        self.policy = policy
        self.values = values
    }

    /// A canonical text form: the key of the tuning log.
    public var description: String {
        ([policy] + values.keys.sorted().map { "\($0)=\(Self.format(values[$0]!))" }).joined(separator: " ")
    }

    static func format(_ value: Double) -> String {
        value == value.rounded() && abs(value) < 1e15 ? String(Int64(value)) : String(format: "%.4g", value)
    }
}

/// The settings `tiermem tune` searches, with their ranges. `standard` is the default space;
/// `--param name=lo..hi` or `--param name=a,b,c` narrows one parameter.
public struct TuningSpace: Sendable {
    public var parameters: [TuningParameter]

    /// The policies worth tuning (Belady's MIN is an oracle; static never moves a page).
    public static let tunablePolicies = ["lru", "clock", "lfu", "arc", "s3fifo", "hotness", "predictive"]

    public static func standard(policies: [String] = tunablePolicies) -> TuningSpace {
        let defaults = ControllerConfig()
        return TuningSpace(parameters: [
            TuningParameter(name: "policy", target: .policy, lower: 0, upper: 0, defaultValue: 0, choices: policies),
            TuningParameter(name: "watermark", target: .watermark, lower: 0.002, upper: 0.2, logScale: true,
                            defaultValue: defaults.lowWatermark),
            TuningParameter(name: "promote-rate", target: .promotionRate, lower: 1, upper: 10_000, logScale: true,
                            defaultValue: defaults.promotionRateLimitMBps),
            TuningParameter(name: "epoch", target: .epoch, lower: 256, upper: 65_536, logScale: true, integer: true,
                            defaultValue: Double(defaults.epochAccesses)),
            TuningParameter(name: "hotness.window", target: .policyOption(policy: "hotness", key: "window"),
                            lower: 1e4, upper: 1e10, logScale: true, defaultValue: 1e6),
            TuningParameter(name: "hotness.cold", target: .policyOption(policy: "hotness", key: "cold"),
                            lower: 1e5, upper: 1e11, logScale: true, defaultValue: 1e8),
            TuningParameter(name: "hotness.headroom", target: .policyOption(policy: "hotness", key: "headroom"),
                            lower: 0, upper: 0.2, defaultValue: 0.02),
            TuningParameter(name: "predictive.margin", target: .policyOption(policy: "predictive", key: "margin"),
                            lower: 0.5, upper: 4, defaultValue: 1.2),
            TuningParameter(name: "predictive.forgetting", target: .policyOption(policy: "predictive", key: "forgetting"),
                            lower: 0.9, upper: 0.999, defaultValue: 0.99),
            TuningParameter(name: "predictive.horizon", target: .policyOption(policy: "predictive", key: "horizon"),
                            lower: 1, upper: 8, integer: true, defaultValue: 2),
            TuningParameter(name: "predictive.ahead", target: .policyOption(policy: "predictive", key: "ahead"),
                            lower: 0.02, upper: 0.5, logScale: true, defaultValue: 0.25),
        ])
    }

    public var names: [String] { parameters.map(\.name) }

    /// Applies `name=lo..hi` (a range), `name=value` (fixed) or, for `policy`, `policy=a,b`.
    public mutating func restrict(_ text: String) throws(TuningError) {
        let parts = text.split(separator: "=", maxSplits: 1).map(String.init)
        guard parts.count == 2, let index = parameters.firstIndex(where: { $0.name == parts[0] }) else {
            throw TuningError("--param '\(text)': unknown parameter '\(parts.first ?? text)'; expected one of \(names.joined(separator: ", "))")
        }
        var parameter = parameters[index]
        if parameter.target == .policy {
            let chosen = parts[1].split(separator: ",").map { String($0).lowercased() }
            for name in chosen where !Self.tunablePolicies.contains(name) {
                throw TuningError("--param '\(text)': '\(name)' is not a tunable policy; expected some of \(Self.tunablePolicies.joined(separator: ", "))")
            }
            guard !chosen.isEmpty else { throw TuningError("--param '\(text)': no policy given") }
            parameter.choices = chosen
        } else {
            let bounds = parts[1].components(separatorsIn: "..")
            guard (1...2).contains(bounds.count), let low = Double(bounds[0]), let high = Double(bounds.last!), low.isFinite, high.isFinite else {
                throw TuningError("--param '\(text)': expected NAME=LOW..HIGH or NAME=VALUE with numbers")
            }
            let full = Self.standard().parameters.first { $0.name == parameter.name }!
            guard low <= high else { throw TuningError("--param '\(text)': the range is empty (\(low) > \(high))") }
            guard low >= full.lower, high <= full.upper else {
                throw TuningError("--param '\(text)': \(parameter.name) must stay within \(full.lower)..\(full.upper)")
            }
            parameter.lower = low
            parameter.upper = high
            if parameter.logScale && low <= 0 { parameter.logScale = false }
        }
        parameters[index] = parameter
    }

    var policies: [String] { parameters.first { $0.target == .policy }?.choices ?? ["lru"] }

    private func applies(_ parameter: TuningParameter, to policy: String) -> Bool {
        switch parameter.target {
        case .policy: return false
        case .policyOption(let owner, _): return owner == policy
        default: return true
        }
    }

    /// The defaults: the first policy (LRU unless narrowed) with every default value.
    public func defaults(policy: String? = nil) -> TuningCandidate {
        let chosen = policy ?? (policies.contains("lru") ? "lru" : policies[0])
        var values: [String: Double] = [:]
        for parameter in parameters where applies(parameter, to: chosen) {
            values[parameter.name] = parameter.allowsOff && parameter.defaultValue == 0
                ? 0 : min(max(parameter.defaultValue, parameter.lower), parameter.upper)
        }
        return TuningCandidate(policy: chosen, values: values)
    }

    /// A random candidate (log-uniform on log-scale ranges). The promotion rate limit is off
    /// ("0") in a third of the samples, as that is the default and often the best.
    public func sample(_ random: inout TraceRandom) -> TuningCandidate {
        let policy = policies[Int(random.below(UInt64(policies.count)))]
        var values: [String: Double] = [:]
        for parameter in parameters where applies(parameter, to: policy) {
            if parameter.allowsOff && random.below(3) == 0 {
                values[parameter.name] = 0
            } else {
                values[parameter.name] = parameter.value(at: random.unit())
            }
        }
        return TuningCandidate(policy: policy, values: values)
    }

    /// Every combination of `points` values per numeric parameter (evenly spaced, on the log
    /// scale where the range is), for every policy.
    public func grid(points: Int) -> [TuningCandidate] {
        var result: [TuningCandidate] = []
        for policy in policies {
            let applicable = parameters.filter { applies($0, to: policy) }
            var combos: [[String: Double]] = [[:]]
            for parameter in applicable {
                var values = (0..<points).map { parameter.value(at: points == 1 ? 0.5 : Double($0) / Double(points - 1)) }
                if parameter.allowsOff { values[0] = 0 }  // "no limit" is one of the grid's points
                combos = combos.flatMap { combo in Set(values).sorted().map { combo.merging([parameter.name: $0]) { $1 } } }
            }
            result += combos.map { TuningCandidate(policy: policy, values: $0) }
        }
        return result
    }

    /// Replay settings for `candidate`, on top of `base` (tiers, costs, PMEM access).
    public func settings(for candidate: TuningCandidate, base: ReplaySettings) throws -> ReplaySettings {
        var settings = base
        settings.policy = candidate.policy
        var options: [String: Double] = [:]
        for parameter in parameters {
            guard let value = candidate.values[parameter.name] else { continue }
            switch parameter.target {
            case .policy: break
            case .watermark:
                settings.controller.lowWatermark = value
                settings.controller.minWatermark = value / 2
                settings.controller.highWatermark = min(0.5, value * 2)
            case .promotionRate: settings.controller.promotionRateLimitMBps = value
            case .epoch: settings.controller.epochAccesses = Int(value)
            case .policyOption(_, let key): options[key] = value
            }
        }
        // A profile steers the live heap too, where a fault has already brought its page in: tune
        // the predictive policy without the replay-only admission.
        if candidate.policy == PredictivePolicy.name { options["bypass"] = 0 }
        settings.policyOptions = PolicyOptions(options)
        if let problem = settings.controller.problem() { throw TuningError("candidate \(candidate): \(problem)") }
        return settings
    }
}

/// A tuning run could not start or finish: the message says which input is wrong.
public struct TuningError: Error, Equatable, CustomStringConvertible {
    public var reason: String
    public init(_ reason: String) { self.reason = reason }
    public var description: String { reason }
}

extension String {
    /// Splits on a multi-character separator (`"1..2"` → `["1", "2"]`).
    func components(separatorsIn separator: String) -> [String] {
        var parts: [String] = []
        var rest = Substring(self)
        while let range = rest.range(of: separator) {
            parts.append(String(rest[..<range.lowerBound]))
            rest = rest[range.upperBound...]
        }
        parts.append(String(rest))
        return parts
    }
}
