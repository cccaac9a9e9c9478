/// Recursive least squares with a forgetting factor λ: the exact weighted least-squares fit of
/// all observations so far, each weighted λ^age, updated in O(n²) per observation. λ near 1
/// remembers long; smaller λ tracks change faster (the effective memory is about 1/(1−λ)).
///
/// Several outputs share one input covariance (the forecaster's horizons see the same inputs),
/// so state is n² + n·m numbers, not m·n².
///
/// Numerically guarded: the inverse-covariance estimate P is kept symmetric, and reset to its
/// ridge start when it stops being finite or its trace explodes (a known failure of RLS with
/// forgetting when inputs stop exciting every direction); non-finite inputs or targets are
/// ignored; predictions are always finite.
public struct RecursiveLeastSquares: Codable, Equatable, Sendable {
    /// Row-major n × m: weights[i * outputs + k] is input i's weight for output k.
    public private(set) var weights: [Double]
    /// Row-major n × n.
    public private(set) var covariance: [Double]
    public let features: Int
    public let outputs: Int
    public let forgetting: Double
    /// P starts as I / ridge: a small ridge trusts the data quickly.
    public let ridge: Double
    public private(set) var resets = 0

    static let maxTrace = 1e12

    public init(features: Int, outputs: Int = 1, forgetting: Double = 0.99, ridge: Double = 1e-2) {
        precondition(features > 0 && outputs > 0 && forgetting > 0 && forgetting <= 1 && ridge > 0)
        self.features = features
        self.outputs = outputs
        self.forgetting = forgetting
        self.ridge = ridge
        weights = [Double](repeating: 0, count: features * outputs)
        covariance = Self.identity(features, scale: 1 / ridge)
    }

    static func identity(_ n: Int, scale: Double) -> [Double] {
        var m = [Double](repeating: 0, count: n * n)
        for i in 0..<n { m[i * n + i] = scale }
        return m
    }

    /// Whether the stored arrays fit the declared sizes (for a loaded model file).
    public var isConsistent: Bool {
        features > 0 && outputs > 0 && weights.count == features * outputs && covariance.count == features * features
            && forgetting > 0 && forgetting <= 1 && ridge > 0
    }

    /// Output k: Σ w[i,k] x[i]; 0 where not finite.
    public func predict(_ x: [Double], output k: Int = 0) -> Double {
        linearOutput(weights, x, features: features, outputs: outputs, output: k)
    }

    public mutating func update(_ x: [Double], target: Double) { update(x, targets: [target]) }

    public mutating func update(_ x: [Double], targets y: [Double]) {
        let n = features, m = outputs
        guard x.count == n, y.count == m, y.allSatisfy(\.isFinite), x.allSatisfy(\.isFinite) else { return }
        // Scratch for Px and the errors on the stack: no allocation per update.
        let healthy = withUnsafeTemporaryAllocation(of: Double.self, capacity: n + m) { scratch -> Bool in
            let px = UnsafeMutableBufferPointer(rebasing: scratch[0..<n])
            let errors = UnsafeMutableBufferPointer(rebasing: scratch[n..<(n + m)])
            var denominator = forgetting
            covariance.withUnsafeBufferPointer { p in
                for i in 0..<n {
                    var sum = 0.0
                    for j in 0..<n { sum += p[i * n + j] * x[j] }
                    px[i] = sum
                    denominator += x[i] * sum
                }
            }
            guard denominator.isFinite, denominator > 1e-300 else { return false }
            for k in 0..<m { errors[k] = y[k] - predict(x, output: k) }
            weights.withUnsafeMutableBufferPointer { w in
                for i in 0..<n {
                    let gain = px[i] / denominator
                    for k in 0..<m { w[i * m + k] += gain * errors[k] }
                }
            }
            // P ← (P − k (Px)ᵀ) / λ, symmetrised.
            var trace = 0.0
            covariance.withUnsafeMutableBufferPointer { p in
                for i in 0..<n {
                    let gain = px[i] / denominator
                    for j in i..<n {
                        let value = ((p[i * n + j] - gain * px[j]) + (p[j * n + i] - px[j] / denominator * px[i])) / (2 * forgetting)
                        p[i * n + j] = value
                        p[j * n + i] = value
                    }
                    trace += p[i * n + i]
                }
            }
            return trace.isFinite && trace <= Self.maxTrace && trace > 0
        }
        if !healthy || !weights.allSatisfy(\.isFinite) { reset() }
    }

    /// Back to the ridge start for P; weights are kept if finite.
    public mutating func reset() {
        covariance = Self.identity(features, scale: 1 / ridge)
        if !weights.allSatisfy(\.isFinite) { weights = [Double](repeating: 0, count: features * outputs) }
        resets += 1
    }
}

/// Normalised least mean squares: the SGD variant for many features, O(n·m) per update.
/// w ← w + μ e x / (ε + xᵀx).
public struct NormalizedLMS: Codable, Equatable, Sendable {
    public private(set) var weights: [Double]
    public let features: Int
    public let outputs: Int
    public let stepSize: Double

    public init(features: Int, outputs: Int = 1, stepSize: Double = 0.1) {
        precondition(features > 0 && outputs > 0 && stepSize > 0 && stepSize < 2)
        self.features = features
        self.outputs = outputs
        self.stepSize = stepSize
        weights = [Double](repeating: 0, count: features * outputs)
    }

    public var isConsistent: Bool { features > 0 && outputs > 0 && weights.count == features * outputs && stepSize > 0 && stepSize < 2 }

    public func predict(_ x: [Double], output k: Int = 0) -> Double {
        linearOutput(weights, x, features: features, outputs: outputs, output: k)
    }

    public mutating func update(_ x: [Double], target: Double) { update(x, targets: [target]) }

    public mutating func update(_ x: [Double], targets y: [Double]) {
        guard x.count == features, y.count == outputs, y.allSatisfy(\.isFinite), x.allSatisfy(\.isFinite) else { return }
        var norm = 1e-9
        for v in x { norm += v * v }
        for k in 0..<outputs {
            let step = stepSize * (y[k] - predict(x, output: k)) / norm
            for i in 0..<features { weights[i * outputs + k] += step * x[i] }
        }
        if !weights.allSatisfy(\.isFinite) { weights = [Double](repeating: 0, count: features * outputs) }
    }
}

/// Σ w[i,k] x[i] over row-major n × m weights; 0 where the sum is not finite.
private func linearOutput(_ weights: [Double], _ x: [Double], features: Int, outputs: Int, output k: Int) -> Double {
    var y = 0.0
    for i in 0..<features { y += weights[i * outputs + k] * x[i] }
    return y.isFinite ? y : 0
}
