/// Finds the period of a series of window signals from its autocorrelation: what `--period` should
/// be, in windows, for a user who knows the workload repeats but not how many windows that is.
public enum PeriodFinder {
    /// The lag in `lags` at which `series` best correlates with itself, if that is a peak (a lag
    /// more correlated than both its neighbours, so that a slow trend, most correlated at the
    /// shortest lag, has none) with an autocorrelation of at least `minimum`.
    public static func dominantPeriod(_ series: [Double], lags: ClosedRange<Int>, minimum: Double = 0.3) -> (period: Int, autocorrelation: Double)? {
        let values = series.map { $0.isFinite ? $0 : 0 }
        let n = values.count
        guard lags.lowerBound >= 1, n >= 2 * (lags.upperBound + 1) else { return nil }
        let mean = values.reduce(0, +) / Double(n)
        let variance = values.reduce(0) { $0 + ($1 - mean) * ($1 - mean) }
        guard variance > 0 else { return nil }
        func autocorrelation(_ lag: Int) -> Double {
            var sum = 0.0
            for t in lag..<n { sum += (values[t] - mean) * (values[t - lag] - mean) }
            return sum / variance
        }
        let r = (lags.lowerBound - 1...lags.upperBound + 1).map(autocorrelation)  // r[k] is lag lowerBound − 1 + k
        var best: (period: Int, autocorrelation: Double)?
        for k in 1..<r.count - 1 where r[k] > r[k - 1] && r[k] > r[k + 1] && r[k] >= minimum {
            if r[k] > best?.autocorrelation ?? -.infinity { best = (lags.lowerBound - 1 + k, r[k]) }
        }
        return best
    }
}
