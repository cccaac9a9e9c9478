/// Standardises features online: running mean and variance per feature (Welford's method), so a
/// learner sees inputs of unit scale whatever their units (pages, bytes, percent).
public struct OnlineScaler: Codable, Equatable, Sendable {
    public private(set) var count: Double = 0
    public private(set) var mean: [Double]
    /// Sum of squared deviations from the mean (M2 in Welford's notation).
    public private(set) var squares: [Double]

    public init(features: Int) {
        mean = [Double](repeating: 0, count: features)
        squares = [Double](repeating: 0, count: features)
    }

    public init(count: Double, mean: [Double], squares: [Double]) {
        self.count = count
        self.mean = mean
        self.squares = squares
    }

    public var features: Int { mean.count }

    /// Adds one observation; non-finite values are skipped feature by feature.
    public mutating func observe(_ x: [Double]) {
        count += 1
        for i in x.indices where x[i].isFinite {
            let delta = x[i] - mean[i]
            mean[i] += delta / count
            squares[i] += delta * (x[i] - mean[i])
        }
    }

    public func standardDeviation(_ i: Int) -> Double {
        count > 1 ? (squares[i] / (count - 1)).squareRoot() : 1
    }

    /// `(x − mean) / sd`, with a unit deviation for constant features and 0 for non-finite inputs.
    public func transform(_ x: [Double]) -> [Double] {
        var out = [Double](repeating: 0, count: x.count)
        for i in x.indices where x[i].isFinite {
            let sd = standardDeviation(i)
            out[i] = (x[i] - mean[i]) / (sd > 1e-12 ? sd : 1)
        }
        return out
    }
}
