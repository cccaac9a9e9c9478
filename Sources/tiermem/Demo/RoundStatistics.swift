import TierMemTrace

/// The demo's summary over rounds: medians of per-round ratios, with a percentile bootstrap
/// interval for the median, so that a difference the VM's noise could make is reported as such.
enum RoundStatistics {
    static func median(_ values: [Double]) -> Double {
        guard !values.isEmpty else { return 0 }
        let sorted = values.sorted()
        return sorted.count % 2 == 1 ? sorted[sorted.count / 2] : (sorted[sorted.count / 2 - 1] + sorted[sorted.count / 2]) / 2
    }

    /// The 95% percentile-bootstrap interval of the median (2,000 resamples, a fixed seed, so the
    /// same rounds give the same interval).
    static func medianInterval(_ values: [Double]) -> ClosedRange<Double> {
        guard values.count > 1 else { return (values.first ?? 0)...(values.first ?? 0) }
        var random = TraceRandom(seed: 0x5EED)
        var medians: [Double] = []
        medians.reserveCapacity(resamples)
        var sample = values
        for _ in 0..<resamples {
            for index in sample.indices { sample[index] = values[Int(random.below(UInt64(values.count)))] }
            medians.append(median(sample))
        }
        medians.sort()
        return medians[Int(Double(resamples) * 0.025)]...medians[Int(Double(resamples) * 0.975) - 1]
    }

    static let resamples = 2_000

    /// "−3.1% (95% interval −4.0…−2.2%)": the median of per-round ratios (0.01 = 1%).
    static func describe(_ ratios: [Double]) -> String {
        let interval = medianInterval(ratios)
        return percent(median(ratios)) + " (95% interval " + percent(interval.lowerBound, sign: true, unit: false)
            + "…" + percent(interval.upperBound, sign: true) + ")"
    }

    static func percent(_ ratio: Double, sign: Bool = true, unit: Bool = true) -> String {
        String(format: sign ? "%+.1f" : "%.1f", ratio * 100) + (unit ? "%" : "")
    }
}
