import Foundation
import Testing
@testable import TierMemModel

/// A deterministic stream of uniform numbers in [-1, 1).
struct Noise {
    var state: UInt64
    mutating func next() -> Double {
        state = state &* 6364136223846793005 &+ 1442695040888963407
        return Double(state >> 11) * 0x1p-52 - 1
    }
}

@Suite struct LearnerTests {
    @Test func rlsRecoversKnownCoefficients() {
        var rls = RecursiveLeastSquares(features: 3, forgetting: 1, ridge: 1e-3)
        var noise = Noise(state: 1)
        for _ in 0..<500 {
            let x = [noise.next() * 5, noise.next() * 5, 1]
            rls.update(x, target: 2 * x[0] - 3 * x[1] + 0.5)
        }
        // The ridge start biases the fit by about ridge / observations.
        #expect(abs(rls.weights[0] - 2) < 1e-4)
        #expect(abs(rls.weights[1] + 3) < 1e-4)
        #expect(abs(rls.weights[2] - 0.5) < 1e-4)
    }

    @Test func rlsWithForgettingTracksACoefficientChange() {
        var rls = RecursiveLeastSquares(features: 2, forgetting: 0.95)
        var noise = Noise(state: 2)
        for step in 0..<600 {
            let x = [noise.next(), 1]
            let slope = step < 300 ? 1.0 : -4.0
            rls.update(x, target: slope * x[0] + 0.1 * noise.next())
        }
        #expect(abs(rls.weights[0] + 4) < 0.2, "\(rls.weights)")
    }

    /// An observation of weight w moves the fit about w times as far: a burst weighted down
    /// barely moves it.
    @Test func aWeightedObservationCountsForLess() {
        func shift(weight: Double) -> Double {
            var rls = RecursiveLeastSquares(features: 2, forgetting: 0.99)
            var noise = Noise(state: 3)
            for _ in 0..<300 {
                let x = [noise.next(), 1]
                rls.update(x, targets: [2 * x[0] + 1 + 0.01 * noise.next()])
            }
            let before = rls.weights[1]
            rls.update([0.5, 1], targets: [1_000], weight: weight)
            return abs(rls.weights[1] - before)
        }
        let whole = shift(weight: 1), light = shift(weight: 0.01)
        #expect(whole > 1, "a whole outlier moves the intercept by \(whole)")
        #expect(light < whole * 0.02, "weighted 0.01: \(light) against \(whole)")
        var rls = RecursiveLeastSquares(features: 1)
        rls.update([1], targets: [5], weight: 0)  // not in (0, 1]: ignored
        rls.update([1], targets: [5], weight: 2)
        #expect(rls.weights == [0])
    }

    @Test func rlsCovarianceStaysExactlySymmetric() {
        var rls = RecursiveLeastSquares(features: 7, outputs: 2, forgetting: 0.97)
        var noise = Noise(state: 9)
        for _ in 0..<2_000 {
            let x = (0..<6).map { _ in noise.next() * 100 } + [1]
            rls.update(x, targets: [x[0] - x[3], noise.next()])
            #expect(rls.isSymmetric)
        }
        #expect(rls.resets == 0)
    }

    @Test func multiOutputRLSLearnsEachOutput() {
        var rls = RecursiveLeastSquares(features: 2, outputs: 3, forgetting: 1)
        var noise = Noise(state: 3)
        for _ in 0..<300 {
            let x = [noise.next(), 1]
            rls.update(x, targets: [x[0], 2 * x[0], -x[0] + 1])
        }
        #expect(abs(rls.predict([0.5, 1], output: 0) - 0.5) < 1e-3)
        #expect(abs(rls.predict([0.5, 1], output: 1) - 1.0) < 1e-3)
        #expect(abs(rls.predict([0.5, 1], output: 2) - 0.5) < 1e-3)
    }

    @Test func nlmsConverges() {
        var nlms = NormalizedLMS(features: 3, stepSize: 0.5)
        var noise = Noise(state: 4)
        for _ in 0..<3_000 {
            let x = [noise.next(), noise.next(), 1]
            nlms.update(x, target: 1.5 * x[0] - 0.5 * x[1] + 2)
        }
        #expect(abs(nlms.weights[0] - 1.5) < 0.01 && abs(nlms.weights[1] + 0.5) < 0.01 && abs(nlms.weights[2] - 2) < 0.01)
    }

    @Test func learnersIgnoreNonFiniteInputAndStayFinite() {
        var rls = RecursiveLeastSquares(features: 2)
        rls.update([.nan, 1], target: 3)
        rls.update([1, 1], target: .infinity)
        #expect(rls.weights == [0, 0])
        for _ in 0..<1_000 { rls.update([1e300, 1e-300], target: 1e300) }
        #expect(rls.weights.allSatisfy { $0.isFinite })
        #expect(rls.predict([1, 1]).isFinite)
    }

    @Test func baselines() {
        var last = LastValueBaseline(), ewma = EWMABaseline(alpha: 0.5), holt = HoltBaseline()
        for y in [10.0, 20, 30, 40, 50] {
            last.observe(y)
            ewma.observe(y)
            holt.observe(y)
        }
        #expect(last.forecast(horizon: 3) == 50)
        #expect(ewma.forecast(horizon: 1) > 30 && ewma.forecast(horizon: 1) < 50)
        #expect(holt.forecast(horizon: 2) > holt.forecast(horizon: 1))
        var metrics = ErrorMetrics()
        metrics.add(forecast: 10, actual: 8)
        metrics.add(forecast: 0, actual: 0)
        #expect(metrics.mae == 1)
        #expect(abs(metrics.rmse - 2.0.squareRoot()) < 1e-12)
        #expect(abs(metrics.smape - 100 * (2 * 2 / 18.0) / 2) < 1e-9)
    }
}

@Suite struct ForecasterTests {
    func signals(_ pageIns: Double, _ ws: Double = 100) -> PressureSignals {
        var s = PressureSignals()
        s.pageIns = pageIns
        s.workingSet = ws
        return s
    }

    /// Without a period and with one (whose seasonal features see these inputs a period later).
    @Test(arguments: [0, 7]) func forecastsStayFiniteAndNonNegativeOnAnyInput(period: Int) {
        var settings = ForecasterSettings()
        settings.features.period = period
        var forecaster = PressureForecaster(settings: settings)
        var builder = FeatureBuilder(settings: settings.features, horizon: settings.horizon)
        let inputs: [Double] = [0, 0, 0, 5, 5, 5, 1e15, .nan, -3, .infinity, 7, 0, 1e-300, 1e308, 1e308, 3,
                                .greatestFiniteMagnitude, -.greatestFiniteMagnitude, .greatestFiniteMagnitude, 0]
        for y in inputs + inputs {
            var s = signals(y, y)
            s.dramOccupancy = y
            let f = forecaster.observe(s)
            #expect(f.count == 5)
            #expect(f.allSatisfy { $0.isFinite && $0 >= 0 }, "\(f) after \(y)")
            let seasonal = builder.push(s).suffix(settings.horizon + 3)  // the seasonal features and the bias
            #expect(seasonal.allSatisfy { $0.isFinite }, "seasonal features \(Array(seasonal)) after \(y)")
        }
        #expect(forecaster.errorScale.allSatisfy { $0.isFinite && $0 >= 0 }, "\(forecaster.errorScale)")
    }

    /// A one-window burst every 20 windows over noise (a phase change repeating): lags and
    /// averages cannot see it coming; the seasonal page-ins, one period back, can.
    @Test func aPeriodForecastsARecurringBurst() {
        func burstForecasts(period: Int) -> (burst: [Double], calm: Double) {
            var settings = ForecasterSettings()
            settings.features.period = period
            var forecaster = PressureForecaster(settings: settings)
            var noise = Noise(state: 9)
            var made: [[Double]] = []
            for t in 0..<400 { made.append(forecaster.observe(signals((t % 20 == 19 ? 700 : 300) + 10 * noise.next()))) }
            // Window 399 is a burst: the forecasts made 1, 3 and 5 windows before it.
            return ([made[398][0], made[396][2], made[394][4]], made[390][0])
        }
        let seasonal = burstForecasts(period: 20)
        #expect(seasonal.burst.allSatisfy { abs($0 - 700) < 100 }, "forecasts for the burst: \(seasonal.burst)")
        #expect(abs(seasonal.calm - 300) < 50, "forecast for a calm window: \(seasonal.calm)")
        let plain = burstForecasts(period: 0)
        #expect(plain.burst.allSatisfy { $0 < 450 }, "without the period: \(plain.burst)")
        var settings = ForecasterSettings()
        settings.features.period = 6  // horizon 5: the window one period before t+5 is t−1, but t+6's would be t
        #expect(settings.problem()?.contains("at least the horizon + 2") == true)
        settings.features.period = 7
        #expect(settings.problem() == nil)
        #expect(FeatureBuilder(settings: settings.features, horizon: 5).names.suffix(8) ==
                ["excess_page_ins[t-7]", "excess_page_ins[t-6]", "excess_page_ins[t-5]", "excess_page_ins[t-4]", "excess_page_ins[t-3]",
                 "excess_page_ins[t-2]", "excess_page_ins[t-1]", "bias"])
    }

    /// Between the bursts, the seasonal features must not carry the noise of the window a period
    /// back into the forecast: the raw page-ins a period back did, and made every calm forecast
    /// about 40% worse on `phases.tmt`.
    @Test func aPeriodDoesNotCopyLastPeriodsNoise() {
        func calmError(period: Int) -> Double {
            var settings = ForecasterSettings()
            settings.features.period = period
            settings.features.signals = ["page_ins"]
            var forecaster = PressureForecaster(settings: settings)
            var noise = Noise(state: 5)
            var actual: [Double] = [], made: [Double] = []
            for t in 0..<600 {
                let y = (t % 25 == 24 ? 700 : 300) + 40 * noise.next()
                actual.append(y)
                made.append(forecaster.observe(signals(y))[0])
            }
            let calm = (400..<600).filter { $0 % 25 != 24 && $0 % 25 != 0 }
            return calm.map { abs(made[$0 - 1] - actual[$0]) }.reduce(0, +) / Double(calm.count)
        }
        let plain = calmError(period: 0), seasonal = calmError(period: 25)
        #expect(seasonal < 1.1 * plain, "calm-window MAE \(seasonal) with the period, \(plain) without")
    }

    /// The excess is zero for a window within the noise of its level and close to the burst's
    /// height (less the threshold) for a burst, one period on.
    @Test func seasonalExcessKeepsBurstsAndDropsNoise() {
        var settings = FeatureSettings()
        settings.signals = ["page_ins"]
        settings.lags = 1
        settings.differences = false
        settings.ewmaAlphas = []
        settings.period = 10
        var builder = FeatureBuilder(settings: settings, horizon: 1)
        #expect(builder.names == ["page_ins", "excess_page_ins[t-10]", "excess_page_ins[t-9]", "excess_page_ins[t-8]", "bias"])
        var noise = Noise(state: 3)
        var calm: [[Double]] = [[], [], []], burst: [[Double]] = [[], [], []]
        for t in 0..<300 {
            let x = builder.push(signals((t % 10 == 0 ? 800 : 300) + 20 * noise.next()))
            guard t >= 100 else { continue }
            // x[1 + k] is the excess of window t − (10 − k): a burst's (about 500 above the
            // level, less twice the noise) when that window was one.
            for k in 0..<3 {
                if (t - (10 - k)) % 10 == 0 { burst[k].append(x[1 + k]) } else { calm[k].append(x[1 + k]) }
            }
        }
        for k in 0..<3 {
            #expect(calm[k].filter { $0 != 0 }.count <= calm[k].count / 20, "column \(k + 1), calm excesses: \(calm[k].filter { $0 != 0 })")
            #expect(burst[k].count == 20 && burst[k].allSatisfy { $0 > 400 && $0 < 520 }, "column \(k + 1), burst excesses: \(burst[k])")
        }
    }

    /// Calm windows with a rare, unforeseeable burst: counting the bursts fully drags the
    /// forecasts for the calm windows after them; weighting them down (`errorClip`) does not.
    @Test func burstsWeightedDownKeepCalmForecastsCalm() {
        func calmError(errorClip: Double) -> Double {
            var settings = ForecasterSettings()
            settings.errorClip = errorClip
            var forecaster = PressureForecaster(settings: settings)
            var noise = Noise(state: 12)
            var metrics = ErrorMetrics()
            var previous: [Double]?
            for t in 0..<1_500 {
                let burst = noise.next() > 0.94
                let y = burst ? 3_000 + 500 * noise.next() : 100 + 10 * noise.next()
                if t > 500, let previous, !burst { metrics.add(forecast: previous[0], actual: y) }
                previous = forecaster.observe(signals(y))
            }
            return metrics.mae
        }
        let whole = calmError(errorClip: 0), weighted = calmError(errorClip: 2.5)
        #expect(weighted < whole * 0.5, "MAE in calm windows: weighted \(weighted), whole \(whole)")
    }

    @Test func thePeriodFinderFindsRecurringBurstsAndNotATrend() {
        var noise = Noise(state: 4)
        let bursts = (0..<300).map { ($0 % 20 == 7 ? 700 : 300) + 10 * noise.next() }
        let found = PeriodFinder.dominantPeriod(bursts, lags: 7...100)
        #expect(found?.period == 20, "\(String(describing: found))")
        #expect((found?.autocorrelation ?? 0) > 0.5)
        // A trend is most correlated at the shortest lag: no peak, no period.
        #expect(PeriodFinder.dominantPeriod((0..<300).map { Double($0) + noise.next() }, lags: 7...100) == nil)
        #expect(PeriodFinder.dominantPeriod([Double](repeating: 5, count: 300), lags: 7...100) == nil)
        #expect(PeriodFinder.dominantPeriod((0..<300).map { _ in 10 * noise.next() }, lags: 7...100) == nil, "noise has no period")
        #expect(PeriodFinder.dominantPeriod(Array(bursts.prefix(100)), lags: 7...100) == nil, "too short for the longest lag")
        var laced = bursts
        laced[50] = .nan
        laced[51] = .infinity
        #expect(PeriodFinder.dominantPeriod(laced, lags: 7...100)?.period == 20)
    }

    @Test func learnsAPeriodicSignalBetterThanLastValue() {
        var settings = ForecasterSettings()
        settings.features.period = 8
        var forecaster = PressureForecaster(settings: settings)
        var last = LastValueBaseline()
        var model = ErrorMetrics(), baseline = ErrorMetrics()
        var pending: [(Double, Double)] = []  // forecasts made for the next window
        for t in 0..<800 {
            let y = 100 + 80 * sin(2 * Double.pi * Double(t) / 8)
            if t > 400, let (f, b) = pending.last {
                model.add(forecast: f, actual: y)
                baseline.add(forecast: b, actual: y)
            }
            let f = forecaster.observe(signals(y))
            last.observe(y)
            pending.append((f[0], last.forecast(horizon: 1)))
        }
        #expect(model.mae < baseline.mae * 0.25, "model \(model.mae), last value \(baseline.mae)")
    }

    @Test func stateFitsTheBudgetWithThirtyTwoFeatures() {
        var settings = ForecasterSettings()
        settings.features.signals = ["page_ins", "working_set", "allocs", "frees", "dram_occupancy", "direct_reclaim_stalls"]
        settings.features.lags = 3
        let forecaster = PressureForecaster(settings: settings)
        #expect(forecaster.featureNames.count <= 32)
        #expect(forecaster.stateBytes <= 16 * 1024, "\(forecaster.stateBytes) bytes")
    }
}
