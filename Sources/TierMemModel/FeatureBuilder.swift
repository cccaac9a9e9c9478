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
/// terms and a constant. Keeps only what the lags need, in buffers reused from window to window
/// (the forecaster's update must not allocate).
public struct FeatureBuilder: Sendable {
    public let settings: FeatureSettings
    /// The last `rows` windows' selected signals (the lags, and at least two for the
    /// differences), a ring of rows; `newest` is the latest row.
    private var history: [Double]
    private let rows: Int
    private var newest = -1
    private var ewmas: [Double]  // one row of signals per smoothing factor
    private var features: [Double]
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
        rows = max(settings.lags, settings.differences ? 2 : 1)
        history = [Double](repeating: 0, count: signals * rows)
        ewmas = [Double](repeating: 0, count: signals * settings.ewmaAlphas.count)
        features = [Double](repeating: 0, count: count)
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
        let width = selected.count, rows = self.rows
        let first = newest < 0
        newest = (newest + 1) % rows
        for i in 0..<width {
            let v = signals.value(selected[i])
            history[newest * width + i] = v.isFinite ? v : 0
        }
        // Before enough history, a missing lag repeats the current window.
        let seen = min(windows + 1, rows)
        let current = newest * width
        var f = 0
        for lag in 0..<settings.lags {
            let row = lag < seen ? ((newest - lag + rows) % rows) * width : current
            for i in 0..<width { features[f] = history[row + i]; f += 1 }
        }
        if settings.differences {
            let previous = (seen >= 2 ? (newest - 1 + rows) % rows : newest) * width
            for i in 0..<width { features[f] = history[current + i] - history[previous + i]; f += 1 }
        }
        for (k, alpha) in settings.ewmaAlphas.enumerated() {
            for i in 0..<width {
                let value = history[current + i]
                let average = first ? value : alpha * value + (1 - alpha) * ewmas[k * width + i]
                ewmas[k * width + i] = average
                features[f] = average
                f += 1
            }
        }
        if settings.period > 0 {
            let angle = 2 * Double.pi * Double(windows % settings.period) / Double(settings.period)
            features[f] = sin(angle)
            features[f + 1] = cos(angle)
            f += 2
        }
        features[f] = 1
        windows += 1
        return features
    }
}
