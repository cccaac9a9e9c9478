/// Standardises features online: running mean and variance per feature (Welford's method), so a
/// learner sees inputs of unit scale whatever their units (pages, bytes, percent).
public struct OnlineScaler: Codable, Equatable, Sendable {
    public private(set) var count: Double = 0
    public private(set) var mean: [Double]
    /// Sum of squared deviations from the mean (M2 in Welford's notation).
    public private(set) var squares: [Double]
    /// 1 / standard deviation per feature (1 for a constant feature), kept up to date by
    /// `observe` so that standardising costs a multiply, not a square root and a division.
    public private(set) var inverseDeviations: [Double]

    private enum CodingKeys: String, CodingKey { case count, mean, squares }

    public init(features: Int) {
        self.init(count: 0, mean: [Double](repeating: 0, count: features), squares: [Double](repeating: 0, count: features))
    }

    public init(count: Double, mean: [Double], squares: [Double]) {
        self.count = count
        self.mean = mean
        self.squares = squares
        inverseDeviations = []
        inverseDeviations = mean.indices.map(inverseDeviation)
    }

    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        self.init(count: try container.decode(Double.self, forKey: .count), mean: try container.decode([Double].self, forKey: .mean),
                  squares: try container.decode([Double].self, forKey: .squares))
    }

    public var features: Int { mean.count }

    /// Adds one observation; non-finite values are skipped feature by feature.
    public mutating func observe(_ x: [Double]) {
        count += 1
        for i in x.indices where x[i].isFinite {
            let delta = x[i] - mean[i]
            mean[i] += delta / count
            squares[i] += delta * (x[i] - mean[i])
            inverseDeviations[i] = inverseDeviation(i)
        }
    }

    public func standardDeviation(_ i: Int) -> Double {
        count > 1 && i < squares.count ? (squares[i] / (count - 1)).squareRoot() : 1
    }

    private func inverseDeviation(_ i: Int) -> Double {
        let sd = standardDeviation(i)
        return sd > 1e-12 && sd.isFinite ? 1 / sd : 1
    }

    /// `z = (x − mean) / sd` into a buffer the caller reuses, with a unit deviation for constant
    /// features and 0 for non-finite inputs.
    public func standardize(_ x: UnsafePointer<Double>, into z: inout [Double]) {
        for i in 0..<mean.count { z[i] = x[i].isFinite ? (x[i] - mean[i]) * inverseDeviations[i] : 0 }
    }
}
