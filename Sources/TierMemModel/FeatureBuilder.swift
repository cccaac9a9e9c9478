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
    /// A period in windows (0 = none): how far the page-ins one period before each forecast
    /// window, and one window either side, stood out from their level, beyond the noise, are
    /// features (`FeatureBuilder`'s seasonal excess). Needs at least horizon + 2 windows, so that
    /// every such window is already past.
    public var period = 0

    /// The longest period: its two rings (page-ins and their departures from the level) are 16
    /// bytes a window.
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

/// Turns a stream of window signals into feature vectors: lags, differences, EWMAs, the seasonal
/// excess of page-ins and a constant. Keeps only what the lags need, in buffers reused from
/// window to window (the forecaster's update must not allocate).
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
    /// The seasonal excess (see `seasonalExcess`): the last `period + 1` windows' page-ins and
    /// their departures from the level, rings indexed by window number; the level and the noise
    /// (running mean absolute difference from a period before); and the lags (in windows) of the
    /// features: one period before windows t … t+horizon+1.
    private var seasonalPageIns: [Double]
    private var seasonalDepartures: [Double]
    private var seasonalLevel = 0.0
    private var seasonalNoise = 0.0
    private let seasonalLags: [Int]
    /// How fast the level and the noise follow the page-ins (EWMA factors); how many noises a
    /// departure must exceed to count; the Huber clip of both running values, in noises. Chosen
    /// on the shipped traces: 1.5–2.25 noises all beat the raw seasonal page-ins on `phases`,
    /// `kv-cache` and `gzip-9` and matched them on `periodic`; `sort` keeps its gain only up to 2
    /// (docs/forecaster.md).
    static let seasonalLevelRate = 0.1
    static let seasonalNoiseRate = 0.1
    static let seasonalThreshold = 2.0
    static let seasonalClip = 4.0
    /// Features per vector (the length of `names`), computed once.
    public let count: Int

    /// `horizon`: the windows ahead the features are for (the seasonal features cover them).
    public init(settings: FeatureSettings, horizon: Int) {
        self.settings = settings
        seasonalLags = settings.period > 0 ? (0...horizon + 1).map { settings.period - $0 } : []
        seasonalPageIns = [Double](repeating: 0, count: settings.period > 0 ? settings.period + 1 : 0)
        seasonalDepartures = seasonalPageIns
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
        names += seasonalLags.map { "excess_page_ins[t-\($0)]" }
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
        if !seasonalLags.isEmpty { f = seasonalExcess(pageIns: signals.pageIns.isFinite ? max(0, signals.pageIns) : 0, into: f) }
        features[f] = 1
        windows += 1
        return features
    }

    /// Writes the seasonal features from `f` on and returns the index after them. Each is how far
    /// a past window's page-ins stood above (or below) their running level, shrunk towards zero
    /// by `seasonalThreshold` times the noise (soft thresholding). The noise is the running mean
    /// absolute difference between a window's page-ins and those a period before, which a
    /// repeating pattern does not inflate. Raw page-ins a period back carry that window's noise
    /// into the forecast: on `phases.tmt` (noise around 300 a window, a recurring burst of 670)
    /// the model forecast the bursts but was 40% worse between them; the excess is 0 there.
    private mutating func seasonalExcess(pageIns: Double, into f: Int) -> Int {
        let ring = seasonalPageIns.count, period = ring - 1, slot = windows % ring
        // Both running values are Huber-clipped, so that a burst neither widens the noise (its
        // first recurrence is a period apart from calm) nor lifts the level (every calm window
        // would then stand out below it). Before the first noise (a period), nothing is clipped.
        // Page-ins that repeat exactly shrink the noise, and with it the clip, towards zero; a
        // floor under the clip (a tenth of the level) cost `sort.tmt` 4–10 points at t+1…t+5.
        let clip = seasonalNoise > 0 ? Self.seasonalClip * seasonalNoise : .infinity
        if windows >= period {
            let difference = abs(pageIns - seasonalPageIns[(windows - period) % ring])
            seasonalNoise = seasonalNoise == 0 ? difference : seasonalNoise + Self.seasonalNoiseRate * (min(difference, clip) - seasonalNoise)
        }
        seasonalPageIns[slot] = pageIns
        seasonalDepartures[slot] = windows == 0 ? 0 : pageIns - seasonalLevel
        seasonalLevel = windows == 0 ? pageIns : seasonalLevel + Self.seasonalLevelRate * min(max(pageIns - seasonalLevel, -clip), clip)
        // No overflow: page-ins are finite and not negative, so the differences are finite, and
        // the level and the noise, averages of them, are too (a bound or clip that overflows to
        // infinity only leaves a departure unshrunk or an update unclipped).
        let bound = Self.seasonalThreshold * seasonalNoise
        var f = f
        for lag in seasonalLags {
            // 0 until a period has passed (no window a period back, and no noise measured yet).
            let departure = windows >= period ? seasonalDepartures[(windows - lag) % ring] : 0
            features[f] = departure > bound ? departure - bound : departure < -bound ? departure + bound : 0
            f += 1
        }
        return f
    }

    /// Bytes of state carried from window to window (the lags, averages and seasonal rings).
    public var stateBytes: Int {
        8 * (history.count + ewmas.count + (seasonalLags.isEmpty ? 0 : seasonalPageIns.count + seasonalDepartures.count + 2))
    }
}
