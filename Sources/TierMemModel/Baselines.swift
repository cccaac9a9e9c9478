/// Forecasts that learn nothing beyond the series itself: what a learned model must beat.
public protocol SeriesBaseline: Sendable {
    static var name: String { get }
    /// The next observation.
    mutating func observe(_ y: Double)
    /// The forecast `horizon` steps ahead (1 = next).
    func forecast(horizon: Int) -> Double
}

/// Tomorrow is today.
public struct LastValueBaseline: SeriesBaseline {
    public static let name = "last value"
    private var last = 0.0
    public init() {}
    public mutating func observe(_ y: Double) { if y.isFinite { last = y } }
    public func forecast(horizon: Int) -> Double { last }
}

/// An exponentially weighted moving average with smoothing α.
public struct EWMABaseline: SeriesBaseline {
    public static let name = "EWMA"
    private var level: Double?
    public let alpha: Double
    public init(alpha: Double = 0.3) { self.alpha = alpha }
    public mutating func observe(_ y: Double) {
        guard y.isFinite else { return }
        level = level.map { alpha * y + (1 - alpha) * $0 } ?? y
    }
    public func forecast(horizon: Int) -> Double { level ?? 0 }
}

/// Holt's linear trend (double exponential smoothing): level α, trend β; forecasts clamp at 0.
public struct HoltBaseline: SeriesBaseline {
    public static let name = "Holt"
    private var level: Double?
    private var trend = 0.0
    public let alpha: Double
    public let beta: Double
    public init(alpha: Double = 0.5, beta: Double = 0.1) {
        self.alpha = alpha
        self.beta = beta
    }
    public mutating func observe(_ y: Double) {
        guard y.isFinite else { return }
        guard let previous = level else {
            level = y
            return
        }
        let next = alpha * y + (1 - alpha) * (previous + trend)
        trend = beta * (next - previous) + (1 - beta) * trend
        level = next
    }
    public func forecast(horizon: Int) -> Double { max(0, (level ?? 0) + Double(horizon) * trend) }
}

/// Mean absolute error, root mean squared error and symmetric MAPE, accumulated online.
public struct ErrorMetrics: Codable, Equatable, Sendable {
    public private(set) var count = 0
    private var absolute = 0.0
    private var squared = 0.0
    private var symmetric = 0.0

    public init() {}

    public mutating func add(forecast: Double, actual: Double) {
        guard forecast.isFinite, actual.isFinite else { return }
        let error = forecast - actual
        count += 1
        absolute += abs(error)
        squared += error * error
        let scale = abs(forecast) + abs(actual)
        symmetric += scale == 0 ? 0 : 2 * abs(error) / scale
    }

    public var mae: Double { count == 0 ? 0 : absolute / Double(count) }
    public var rmse: Double { count == 0 ? 0 : (squared / Double(count)).squareRoot() }
    /// In percent, 0 to 200.
    public var smape: Double { count == 0 ? 0 : 100 * symmetric / Double(count) }
}
