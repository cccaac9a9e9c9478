/// Settings of the forecaster, all stored in its model file.
public struct ForecasterSettings: Codable, Equatable, Sendable {
    /// Window length and what it counts: `accesses` (a replay) or `ns` (live).
    public var windowLength: Double = 10_000
    public var windowUnit = "accesses"
    /// Forecasts for windows t+1 … t+horizon.
    public var horizon = 5
    public var features = FeatureSettings()
    /// `rls` (recursive least squares) or `nlms` (normalised least mean squares).
    public var learner = "rls"
    /// Learn the change from the latest window's page-ins rather than the level: with no
    /// evidence (zero weights) the forecast is "same as the last window", the strongest naive
    /// baseline, and the learner only has to explain departures from it.
    public var predictChange = true
    /// RLS: forgetting factor λ and ridge start; NLMS: step size.
    public var forgetting = 0.99
    public var ridge = 0.01
    public var stepSize = 0.1
    /// A window whose training error exceeds this many times its running mean absolute error
    /// counts for less (a Huber-style weight, `PressureForecaster.burstWeight`); 0 counts every
    /// window fully.
    public var errorClip = 2.5

    public init() {}

    /// A model file written before `errorClip` existed has none: it counts every window fully, as
    /// it did when it was trained.
    public init(from decoder: Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        windowLength = try c.decode(Double.self, forKey: .windowLength)
        windowUnit = try c.decode(String.self, forKey: .windowUnit)
        horizon = try c.decode(Int.self, forKey: .horizon)
        features = try c.decode(FeatureSettings.self, forKey: .features)
        learner = try c.decode(String.self, forKey: .learner)
        predictChange = try c.decode(Bool.self, forKey: .predictChange)
        forgetting = try c.decode(Double.self, forKey: .forgetting)
        ridge = try c.decode(Double.self, forKey: .ridge)
        stepSize = try c.decode(Double.self, forKey: .stepSize)
        errorClip = try c.decodeIfPresent(Double.self, forKey: .errorClip) ?? 0
    }

    public func problem() -> String? {
        guard windowLength > 0, windowLength.isFinite else { return "the window length must be above 0" }
        guard windowUnit == "accesses" || windowUnit == "ns" else { return "the window unit must be accesses or ns" }
        guard (1...64).contains(horizon) else { return "the horizon must be from 1 to 64 windows" }
        guard learner == "rls" || learner == "nlms" else { return "the learner must be rls or nlms" }
        guard forgetting > 0.5, forgetting <= 1 else { return "the forgetting factor must be above 0.5 and at most 1" }
        guard ridge > 0, ridge.isFinite else { return "the ridge must be above 0" }
        guard stepSize > 0, stepSize < 2 else { return "the NLMS step size must be above 0 and below 2" }
        guard errorClip >= 0, errorClip <= 1_000 else { return "the error clip must be from 0 (none) to 1000 times the mean absolute error" }
        guard features.period == 0 || features.period >= horizon + 2 else {
            return "the period must be 0 (none) or at least the horizon + 2 (\(horizon + 2)) windows, so that a period before every forecast window is past"
        }
        return features.problem()
    }
}

/// Forecasts DRAM page-in demand for each of the next `horizon` windows from the windows seen so
/// far, learning online. One learner with an output per horizon: when window t ends, it learns
/// from the features of window t−H and the page-ins of windows t−H+1 … t (direct multi-horizon
/// forecasting), then forecasts every horizon from the features of window t. Forecasts are
/// finite and never negative.
public struct PressureForecaster: Sendable {
    public let settings: ForecasterSettings
    public private(set) var scaler: OnlineScaler
    public private(set) var rls: RecursiveLeastSquares?
    public private(set) var nlms: NormalizedLMS?
    /// Each horizon's running mean absolute training error, the scale `errorClip` multiplies;
    /// 0 until the first error.
    public private(set) var errorScale: [Double]
    /// How fast `errorScale` follows the errors (an EWMA's α): slowly, so that a burst does not
    /// widen its own bound.
    static let errorScaleRate = 0.05
    private var builder: FeatureBuilder
    /// Raw feature vectors of the last `horizon` windows, a ring of rows (`oldest` is the row of
    /// window t−H once full), and the page-ins of the window each row came from.
    private var recentFeatures: [Double]
    private var recentLevels: [Double]
    private var oldest = 0
    /// Reused buffers: standardised features, the learner's forecasts and its errors.
    private var standardizedScratch: [Double]
    private var forecastScratch: [Double]
    private var errorScratch: [Double]
    public private(set) var windowsSeen = 0

    public init(settings: ForecasterSettings) {
        precondition(settings.problem() == nil, settings.problem() ?? "")
        self.settings = settings
        builder = FeatureBuilder(settings: settings.features, horizon: settings.horizon)
        let n = builder.count
        scaler = OnlineScaler(features: n)
        recentFeatures = [Double](repeating: 0, count: settings.horizon * n)
        recentLevels = [Double](repeating: 0, count: settings.horizon)
        standardizedScratch = [Double](repeating: 0, count: n)
        forecastScratch = [Double](repeating: 0, count: settings.horizon)
        errorScratch = [Double](repeating: 0, count: settings.horizon)
        errorScale = [Double](repeating: 0, count: settings.horizon)
        if settings.learner == "rls" {
            rls = RecursiveLeastSquares(features: n, outputs: settings.horizon, forgetting: settings.forgetting, ridge: settings.ridge)
        } else {
            nlms = NormalizedLMS(features: n, outputs: settings.horizon, stepSize: settings.stepSize)
        }
    }

    /// Warm start from a model file's state (already validated against `settings`).
    public init(settings: ForecasterSettings, scaler: OnlineScaler, rls: RecursiveLeastSquares?, nlms: NormalizedLMS?,
                errorScale: [Double]? = nil) {
        self.init(settings: settings)
        self.scaler = scaler
        if let errorScale { self.errorScale = errorScale }
        if let rls { self.rls = rls }
        if let nlms { self.nlms = nlms }
    }

    public var featureNames: [String] { builder.names }

    /// Standardises the ring's `row` into the scratch buffer; the trailing constant stays 1.
    private mutating func standardizeRow(_ row: Int) {
        let n = builder.count
        recentFeatures.withUnsafeBufferPointer { rows in scaler.standardize(rows.baseAddress! + row * n, into: &standardizedScratch) }
        standardizedScratch[n - 1] = 1
    }

    /// Learns from the window that just ended and returns the forecasts for the next windows.
    @discardableResult
    public mutating func observe(_ signals: PressureSignals) -> [Double] {
        let h = settings.horizon, n = builder.count
        let level = signals.pageIns.isFinite ? max(0, signals.pageIns) : 0
        if windowsSeen >= h {
            // The oldest row is window t−H; its targets are the page-ins of t−H+1 … t: the
            // levels of the rows after it, then this window's.
            standardizeRow(oldest)
            let base = settings.predictChange ? recentLevels[oldest] : 0
            // The targets, then the errors: each minus the learner's own forecast, found once here
            // for the burst weight and the update both.
            if let rls { rls.predictAll(standardizedScratch, into: &forecastScratch) }
            if let nlms { nlms.predictAll(standardizedScratch, into: &forecastScratch) }
            for k in 0..<h { errorScratch[k] = (k == h - 1 ? level : recentLevels[(oldest + 1 + k) % h]) - base - forecastScratch[k] }
            let weight = settings.errorClip > 0 ? burstWeight() : 1
            rls?.update(standardizedScratch, errors: errorScratch, weight: weight)
            nlms?.update(standardizedScratch, errors: errorScratch, weight: weight)
        }
        let x = builder.push(signals)
        scaler.observe(x)
        // The new row replaces the oldest, which becomes the newest.
        let row = windowsSeen >= h ? oldest : windowsSeen
        for i in 0..<n { recentFeatures[row * n + i] = x[i] }
        recentLevels[row] = level
        if windowsSeen >= h { oldest = (oldest + 1) % h }
        windowsSeen += 1
        return forecastLatest()
    }

    /// What the window being learned counts for: for each horizon whose error (target minus the
    /// learner's own forecast) exceeds `errorClip` × its running mean absolute error, bound ÷
    /// error, Huber's weight; the lowest over the horizons, since they share the learner's
    /// covariance. Also moves the running errors on. With every window counting fully, the
    /// bursts of a phase-changing trace pull the weights towards forecasts between burst and
    /// calm, which the held-out MAE punishes in every calm window (phases.tmt: 0–18% below the
    /// best baseline counting fully, 11–26% with these weights). Changing the targets instead
    /// (clipping them to forecast ± bound) anchored the learner to its own forecasts: trained on
    /// four traces in a row it ended 2–3 times worse than the baselines.
    private mutating func burstWeight() -> Double {
        var weight = 1.0
        for k in 0..<settings.horizon {
            let error = abs(errorScratch[k]), scale = errorScale[k]
            guard error.isFinite else { continue }  // page-ins near Double.greatestFiniteMagnitude
            let bound = settings.errorClip * scale
            if scale > 0 && error > bound { weight = min(weight, bound / error) }
            errorScale[k] = scale == 0 ? error : scale + Self.errorScaleRate * (error - scale)
        }
        return weight
    }

    /// Page-ins expected in each of the next `horizon` windows, from the latest window.
    public func forecast() -> [Double] {
        var copy = self  // the scratch buffer is the copy's
        return copy.forecastLatest()
    }

    private mutating func forecastLatest() -> [Double] {
        let h = settings.horizon
        guard windowsSeen > 0 else { return [Double](repeating: 0, count: h) }
        let newest = windowsSeen >= h ? (oldest + h - 1) % h : windowsSeen - 1
        standardizeRow(newest)
        let base = settings.predictChange ? recentLevels[newest] : 0
        var forecasts = rls?.predictAll(standardizedScratch) ?? nlms?.predictAll(standardizedScratch) ?? [Double](repeating: 0, count: h)
        for k in 0..<h {
            let y = base + forecasts[k]
            forecasts[k] = y.isFinite ? max(0, y) : 0
        }
        return forecasts
    }

    /// Bytes of state, 8 a number: weights, covariance, scaler and error scales (the model file's),
    /// and what is kept from window to window besides (the last `horizon` feature vectors and
    /// page-ins, the builder's lags, averages and seasonal rings).
    public var stateBytes: Int {
        8 * ((rls.map { $0.weights.count + $0.covariance.count } ?? 0) + (nlms?.weights.count ?? 0) + scaler.mean.count * 2 + 1
            + errorScale.count + recentFeatures.count + recentLevels.count) + builder.stateBytes
    }
}
