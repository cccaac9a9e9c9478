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
    /// A period in windows (0 = none): the page-ins one period before each forecast window,
    /// and one window either side, are features (the seasonal-naive forecast, learned). Needs
    /// at least horizon + 2 windows, so that every such window is already past.
    public var period = 0

    /// The longest period: its ring of page-ins is 8 bytes a window.
    public static let maxPeriod = 65_536

    public init() {}

    /// Why these settings cannot work, or nil.
    public func problem() -> String? {
        if let problem = signalsProblem() { return problem }
        guard (1...32).contains(lags) else { return "lags must be from 1 to 32" }
        guard ewmaAlphas.allSatisfy({ $0 > 0 && $0 <= 1 }) else { return "EWMA factors must be above 0 and at most 1" }
        guard (0...Self.maxPeriod).contains(period) else { return "the period must be from 0 (none) to \(Self.maxPeriod) windows" }
        return nil
    }

    /// Why `signals` cannot work, or nil (part of `problem`, apart so a caller can name its source).
    public func signalsProblem() -> String? {
        guard !signals.isEmpty else { return "at least one signal is needed" }
        if let unknown = signals.first(where: { !PressureSignals.names.contains($0) }) { return "unknown signal '\(unknown)'; expected \(PressureSignals.names.joined(separator: ", "))" }
        if Set(signals).count < signals.count { return "a signal is named twice in \(signals.joined(separator: ","))" }
        return nil
    }
}

/// Turns a stream of window signals into feature vectors: lags, differences, EWMAs, seasonal
/// page-ins and a constant. Keeps only what the lags need, in buffers reused from window to window
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
    /// The page-ins of the last `period + 1` windows, a ring indexed by window number, and the
    /// lags (in windows) of the seasonal features: one period before windows t … t+horizon+1.
    private var seasonalHistory: [Double]
    private let seasonalLags: [Int]
    /// Features per vector (the length of `names`), computed once.
    public let count: Int

    /// `horizon`: the windows ahead the features are for (the seasonal features cover them).
    public init(settings: FeatureSettings, horizon: Int) {
        self.settings = settings
        seasonalLags = settings.period > 0 ? (0...horizon + 1).map { settings.period - $0 } : []
        seasonalHistory = [Double](repeating: 0, count: settings.period > 0 ? settings.period + 1 : 0)
        selected = settings.signals.compactMap { PressureSignals.names.firstIndex(of: $0) }
        let signals = selected.count
        count = signals * (settings.lags + (settings.differences ? 1 : 0) + settings.ewmaAlphas.count)
            + seasonalLags.count + 1
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
        names += seasonalLags.map { "page_ins[t-\($0)]" }
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
        if !seasonalLags.isEmpty {
            let ring = seasonalHistory.count
            let pageIns = signals.pageIns.isFinite ? signals.pageIns : 0
            seasonalHistory[windows % ring] = pageIns
            // Before a whole period has passed, a missing window repeats the current one.
            for lag in seasonalLags {
                features[f] = lag <= windows ? seasonalHistory[(windows - lag) % ring] : pageIns
                f += 1
            }
        }
        features[f] = 1
        windows += 1
        return features
    }
}
