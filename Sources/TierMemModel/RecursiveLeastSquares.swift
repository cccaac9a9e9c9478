/// Recursive least squares with a forgetting factor λ: the exact weighted least-squares fit of
/// all observations so far, each weighted λ^age, updated in O(n²) per observation. λ near 1
/// remembers long; smaller λ tracks change faster (the effective memory is about 1/(1−λ)).
///
/// Several outputs share one input covariance (the forecaster's horizons see the same inputs),
/// so state is n² + n·m numbers, not m·n².
///
/// Numerically guarded: the inverse-covariance estimate P stays exactly symmetric, and is reset to its
/// ridge start when it stops being finite or its trace explodes (a known failure of RLS with
/// forgetting when inputs stop exciting every direction); non-finite inputs or targets are
/// ignored; predictions are always finite.
public struct RecursiveLeastSquares: LinearPredictor, Codable, Equatable, Sendable {
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

    /// Whether P is exactly symmetric, as every update keeps it (a loaded file's must be).
    public var isSymmetric: Bool {
        (0..<features).allSatisfy { i in (0..<i).allSatisfy { j in covariance[i * features + j] == covariance[j * features + i] } }
    }

    public mutating func update(_ x: [Double], target: Double) { update(x, targets: [target]) }

    /// Learns one observation. `weight`, in (0, 1], is what it counts for: the gain's
    /// denominator has λ/weight in place of λ, the exact update of weighted least squares; the
    /// forecaster gives a burst less than 1 (`ForecasterSettings.errorClip`).
    public mutating func update(_ x: [Double], targets y: [Double], weight: Double = 1) {
        guard x.count == features, y.count == outputs, y.allSatisfy(\.isFinite) else { return }
        // The errors on the stack: no allocation per update.
        withUnsafeTemporaryAllocation(of: Double.self, capacity: outputs) { scratch in
            let errors = scratch.baseAddress!
            linearOutputs(weights, x, features: features, outputs: outputs, into: errors)
            for k in 0..<outputs { errors[k] = y[k] - errors[k] }
            learn(x, errors: errors, weight: weight)
        }
    }

    /// `update` for a caller that has the errors already: its targets minus this learner's own
    /// outputs for `x` (the forecaster, which weighs them first).
    public mutating func update(_ x: [Double], errors: [Double], weight: Double = 1) {
        guard errors.count == outputs else { return }
        errors.withUnsafeBufferPointer { learn(x, errors: $0.baseAddress!, weight: weight) }
    }

    private mutating func learn(_ x: [Double], errors: UnsafePointer<Double>, weight: Double) {
        let n = features, m = outputs
        guard x.count == n, (0..<m).allSatisfy({ errors[$0].isFinite }), x.allSatisfy(\.isFinite), weight > 0, weight <= 1 else { return }
        let lambda = forgetting
        // Scratch for Px on the stack: no allocation per update. The loops run over raw buffers
        // in unit stride so that the compiler vectorises them (31 features: about 1,000
        // multiply-adds for Px and as many for P).
        let healthy = withUnsafeTemporaryAllocation(of: Double.self, capacity: n) { scratch -> Bool in
            let px = scratch.baseAddress!
            return x.withUnsafeBufferPointer { xs -> Bool in
                covariance.withUnsafeMutableBufferPointer { pBuffer -> Bool in
                    let p = pBuffer.baseAddress!
                    // Px = Σ_j x_j · (row j of P): P is symmetric, and this form has no serial
                    // reduction in its inner loop.
                    for i in 0..<n { px[i] = 0 }
                    for j in 0..<n {
                        let xj = xs[j], row = p + j * n
                        for i in 0..<n { px[i] += row[i] * xj }
                    }
                    var denominator = lambda / weight
                    for i in 0..<n { denominator += xs[i] * px[i] }
                    guard denominator.isFinite, denominator > 1e-300 else { return false }
                    let inverseDenominator = 1 / denominator
                    let weightsFinite = weights.withUnsafeMutableBufferPointer { buffer -> Bool in
                        let w = buffer.baseAddress!
                        var finite = true
                        for i in 0..<n {
                            let gain = px[i] * inverseDenominator, row = w + i &* m
                            for k in 0..<m {
                                row[k] += gain * errors[k]
                                finite = finite && row[k].isFinite
                            }
                        }
                        return finite
                    }
                    guard weightsFinite else { return false }
                    // P ← (P − Px (Px)ᵀ / d) / λ with s = Px / √d: s_i·s_j = s_j·s_i exactly, so
                    // a symmetric P stays exactly symmetric without a mirroring pass.
                    let scale = 1 / denominator.squareRoot(), inverseLambda = 1 / lambda
                    for i in 0..<n { px[i] *= scale }
                    var trace = 0.0
                    for i in 0..<n {
                        let si = px[i], row = p + i * n
                        for j in 0..<n { row[j] = (row[j] - si * px[j]) * inverseLambda }
                        trace += row[i]
                    }
                    return trace.isFinite && trace <= Self.maxTrace && trace > 0
                }
            }
        }
        if !healthy { reset() }
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
public struct NormalizedLMS: LinearPredictor, Codable, Equatable, Sendable {
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

    public mutating func update(_ x: [Double], target: Double) { update(x, targets: [target]) }

    /// Learns one observation; `weight`, in (0, 1], scales its step (as in `RecursiveLeastSquares`).
    public mutating func update(_ x: [Double], targets y: [Double], weight: Double = 1) {
        guard x.count == features, y.count == outputs, y.allSatisfy(\.isFinite) else { return }
        update(x, errors: predictAll(x).enumerated().map { k, prediction in y[k] - prediction }, weight: weight)
    }

    /// `update` for a caller that has the errors already (as in `RecursiveLeastSquares`).
    public mutating func update(_ x: [Double], errors: [Double], weight: Double = 1) {
        guard x.count == features, errors.count == outputs, errors.allSatisfy(\.isFinite), x.allSatisfy(\.isFinite), weight > 0, weight <= 1 else { return }
        var norm = 1e-9
        for v in x { norm += v * v }
        let steps = errors.map { weight * stepSize * $0 / norm }
        for i in 0..<features {
            for k in 0..<outputs { weights[i * outputs + k] += steps[k] * x[i] }
        }
        if !weights.allSatisfy(\.isFinite) { weights = [Double](repeating: 0, count: features * outputs) }
    }
}

/// Every output of row-major n × m weights, Σ_i w[i,k] x[i] for each k, in one unit-stride pass;
/// 0 where a sum is not finite.
private func linearOutputs(_ weights: [Double], _ x: [Double], features: Int, outputs: Int, into out: UnsafeMutablePointer<Double>) {
    for k in 0..<outputs { out[k] = 0 }
    weights.withUnsafeBufferPointer { buffer in
        let w = buffer.baseAddress!
        for i in 0..<features {
            let xi = x[i], row = w + i &* outputs
            for k in 0..<outputs { out[k] += row[k] * xi }
        }
    }
    for k in 0..<outputs where !out[k].isFinite { out[k] = 0 }
}

/// A learner whose outputs are linear in its inputs: row-major n × m weights, weight [i, k] for
/// input i and output k. Both learners predict the same way.
public protocol LinearPredictor {
    var weights: [Double] { get }
    var features: Int { get }
    var outputs: Int { get }
}

extension LinearPredictor {
    /// Every output at once (one pass over the weights); 0 where not finite.
    public func predictAll(_ x: [Double]) -> [Double] {
        [Double](unsafeUninitializedCapacity: outputs) { buffer, count in
            linearOutputs(weights, x, features: features, outputs: outputs, into: buffer.baseAddress!)
            count = outputs
        }
    }

    /// Every output into `out` (`outputs` long): no allocation, for a per-window path.
    public func predictAll(_ x: [Double], into out: inout [Double]) {
        precondition(out.count == outputs, "\(out.count) places for \(outputs) outputs")
        out.withUnsafeMutableBufferPointer { linearOutputs(weights, x, features: features, outputs: outputs, into: $0.baseAddress!) }
    }

    /// Output k: Σ w[i,k] x[i]; 0 where not finite.
    public func predict(_ x: [Double], output k: Int = 0) -> Double { predictAll(x)[k] }
}
