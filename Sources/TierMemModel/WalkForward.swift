/// Walk-forward evaluation: the forecaster and the baselines see the windows one at a time,
/// keep learning, and each forecast made at window t for window t+h is scored when t+h arrives.
/// Only forecasts for windows at or after `scoreFrom` count (the held-out tail).
public enum WalkForward {
    public static func evaluate(_ forecaster: inout PressureForecaster, windows: [PressureSignals], scoreFrom: Int) -> [HorizonErrors] {
        let horizon = forecaster.settings.horizon
        var model = [ErrorMetrics](repeating: ErrorMetrics(), count: horizon)
        var last = [ErrorMetrics](repeating: ErrorMetrics(), count: horizon)
        var ewma = [ErrorMetrics](repeating: ErrorMetrics(), count: horizon)
        var holt = [ErrorMetrics](repeating: ErrorMetrics(), count: horizon)
        var lastValue = LastValueBaseline(), average = EWMABaseline(), trend = HoltBaseline()
        // made[t] = forecasts made after window t, for windows t+1 … t+horizon.
        var made: [(model: [Double], last: [Double], ewma: [Double], holt: [Double])] = []
        for (t, signals) in windows.enumerated() {
            let actual = signals.pageIns.isFinite ? max(0, signals.pageIns) : 0
            if t >= scoreFrom {
                for h in 1...horizon where t - h >= 0 {
                    let f = made[t - h]
                    model[h - 1].add(forecast: f.model[h - 1], actual: actual)
                    last[h - 1].add(forecast: f.last[h - 1], actual: actual)
                    ewma[h - 1].add(forecast: f.ewma[h - 1], actual: actual)
                    holt[h - 1].add(forecast: f.holt[h - 1], actual: actual)
                }
            }
            let forecasts = forecaster.observe(signals)
            lastValue.observe(actual)
            average.observe(actual)
            trend.observe(actual)
            made.append((forecasts, (1...horizon).map { lastValue.forecast(horizon: $0) },
                         (1...horizon).map { average.forecast(horizon: $0) }, (1...horizon).map { trend.forecast(horizon: $0) }))
        }
        return (0..<horizon).map { k in
            HorizonErrors(horizon: k + 1, model: ErrorSummary(model[k]), baselines: [
                LastValueBaseline.name: ErrorSummary(last[k]), EWMABaseline.name: ErrorSummary(ewma[k]), HoltBaseline.name: ErrorSummary(holt[k]),
            ])
        }
    }

    /// Combines per-trace errors into one set, weighting each by its windows.
    public static func merge(_ parts: [[HorizonErrors]]) -> [HorizonErrors] {
        guard let first = parts.first else { return [] }
        func combine(_ summaries: [ErrorSummary]) -> ErrorSummary {
            let windows = summaries.reduce(0) { $0 + $1.windows }
            var merged = ErrorSummary(ErrorMetrics())
            merged.windows = windows
            guard windows > 0 else { return merged }
            merged.mae = summaries.reduce(0) { $0 + $1.mae * Double($1.windows) } / Double(windows)
            merged.rmse = (summaries.reduce(0) { $0 + $1.rmse * $1.rmse * Double($1.windows) } / Double(windows)).squareRoot()
            merged.smape = summaries.reduce(0) { $0 + $1.smape * Double($1.windows) } / Double(windows)
            return merged
        }
        return first.indices.map { k in
            HorizonErrors(horizon: k + 1, model: combine(parts.map { $0[k].model }),
                          baselines: Dictionary(uniqueKeysWithValues: first[k].baselines.keys.map { name in
                              (name, combine(parts.map { $0[k].baselines[name]! }))
                          }))
        }
    }
}
