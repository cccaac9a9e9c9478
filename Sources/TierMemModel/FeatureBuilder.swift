import Foundation

/// Which features the forecaster derives from the window signals.
public struct FeatureSettings: Codable, Equatable, Sendable {
    /// The signals features are made of (names from `PressureSignals.names`).
    public var signals = ["page_ins", "working_set", "allocs", "frees", "dram_occupancy", "direct_reclaim_stalls"]
    /// Past windows of every signal (1 = the current window only).
    public var lags = 3
    /// First differences of each signal (current minus previous).
    public var differences = true
    /// Exponentially weighted averages of each signal, one per smoothing factor.
    public var ewmaAlphas = [0.2]
    /// A period in windows for sine and cosine features (0 = none).
    public var period = 0

    public init() {}

    /// Why these settings cannot work, or nil.
    public func problem() -> String? {
        guard !signals.isEmpty else { return "at least one signal is needed" }
        if let unknown = signals.first(where: { !PressureSignals.names.contains($0) }) { return "unknown signal '\(unknown)'; expected \(PressureSignals.names.joined(separator: ", "))" }
        guard (1...32).contains(lags) else { return "lags must be from 1 to 32" }
        guard ewmaAlphas.allSatisfy({ $0 > 0 && $0 <= 1 }) else { return "EWMA factors must be above 0 and at most 1" }
        guard period >= 0 else { return "the period must be 0 (none) or more windows" }
        return nil
    }
}

/// Turns a stream of window signals into feature vectors: lags, differences, EWMAs, periodic
/// terms and a constant. Keeps only what the lags need.
public struct FeatureBuilder: Sendable {
    public let settings: FeatureSettings
    private var history: [[Double]] = []  // newest last, at most `lags`
    private var ewmas: [[Double]] = []
    private var windows = 0
    private let selected: [Int]
    /// Features per vector (the length of `names`), computed once.
    public let count: Int

    public init(settings: FeatureSettings) {
        self.settings = settings
        selected = settings.signals.compactMap { PressureSignals.names.firstIndex(of: $0) }
        let signals = selected.count
        count = signals * (settings.lags + (settings.differences ? 1 : 0) + settings.ewmaAlphas.count)
            + (settings.period > 0 ? 2 : 0) + 1
    }

    /// Feature names, in order, for `signals` named `PressureSignals.names`.
    public var names: [String] {
        let signals = settings.signals
        var names: [String] = []
        for lag in 0..<settings.lags { names += signals.map { lag == 0 ? $0 : "\($0)[t-\(lag)]" } }
        if settings.differences { names += signals.map { "Δ\($0)" } }
        for alpha in settings.ewmaAlphas { names += signals.map { "ewma\(alpha)(\($0))" } }
        if settings.period > 0 { names += ["sin(2πt/\(settings.period))", "cos(2πt/\(settings.period))"] }
        return names + ["bias"]
    }


    /// Adds the signals of the window that just ended and returns its feature vector.
    public mutating func push(_ signals: PressureSignals) -> [Double] {
        let values = selected.map { index -> Double in
            let v = signals.value(index)
            return v.isFinite ? v : 0
        }
        history.append(values)
        if history.count > settings.lags { history.removeFirst() }
        if ewmas.isEmpty { ewmas = settings.ewmaAlphas.map { _ in values } }
        for k in settings.ewmaAlphas.indices {
            let alpha = settings.ewmaAlphas[k]
            for i in values.indices { ewmas[k][i] = alpha * values[i] + (1 - alpha) * ewmas[k][i] }
        }
        var features: [Double] = []
        features.reserveCapacity(count)
        for lag in 0..<settings.lags {
            let index = history.count - 1 - lag
            features.append(contentsOf: index >= 0 ? history[index] : values)  // before enough history: repeat the oldest
        }
        if settings.differences {
            let previous = history.count >= 2 ? history[history.count - 2] : values
            for i in values.indices { features.append(values[i] - previous[i]) }
        }
        for average in ewmas { features.append(contentsOf: average) }
        if settings.period > 0 {
            let angle = 2 * Double.pi * Double(windows % settings.period) / Double(settings.period)
            features.append(sin(angle))
            features.append(cos(angle))
        }
        windows += 1
        features.append(1)
        return features
    }
}
