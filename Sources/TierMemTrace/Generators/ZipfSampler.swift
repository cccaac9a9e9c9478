import Foundation

/// Draws ranks 1...n with probability proportional to 1/rank^s, in O(1) time and memory:
/// rejection-inversion sampling (Hörmann and Derflinger, "Rejection-inversion to generate
/// variates from monotone discrete distributions", 1996), valid for any s > 0 (s = 1 included).
public struct ZipfSampler: Sendable {
    public let n: UInt64
    public let exponent: Double
    private let hIntegralX1: Double
    private let hIntegralN: Double
    private let threshold: Double

    public init(n: UInt64, exponent: Double) {
        precondition(n >= 1 && exponent > 0, "zipf needs n >= 1 and s > 0")
        self.n = n
        self.exponent = exponent
        hIntegralX1 = Self.hIntegral(1.5, exponent) - 1
        hIntegralN = Self.hIntegral(Double(n) + 0.5, exponent)
        threshold = 2 - Self.hIntegralInverse(Self.hIntegral(2.5, exponent) - Self.h(2, exponent), exponent)
    }

    /// A rank in 1...n; rank 1 is the most popular.
    @inline(__always)
    public func sample(_ random: inout TraceRandom) -> UInt64 {
        while true {
            let u = hIntegralN + random.unit() * (hIntegralX1 - hIntegralN)
            let x = Self.hIntegralInverse(u, exponent)
            var k = (x + 0.5).rounded(.down)
            if k < 1 { k = 1 } else if k > Double(n) { k = Double(n) }
            if k - x <= threshold || u >= Self.hIntegral(k + 0.5, exponent) - Self.h(k, exponent) {
                return UInt64(k)
            }
        }
    }

    private static func h(_ x: Double, _ s: Double) -> Double { exp(-s * log(x)) }

    private static func hIntegral(_ x: Double, _ s: Double) -> Double {
        let logX = log(x)
        return helper2((1 - s) * logX) * logX
    }

    private static func hIntegralInverse(_ x: Double, _ s: Double) -> Double {
        var t = x * (1 - s)
        if t < -1 { t = -1 }  // numerical guard, as in the paper's reference implementation
        return exp(helper1(t) * x)
    }

    /// log(1 + x) / x, accurate near 0.
    private static func helper1(_ x: Double) -> Double {
        abs(x) > 1e-8 ? log1p(x) / x : 1 - x * (0.5 - x * (1.0 / 3 - 0.25 * x))
    }

    /// (exp(x) - 1) / x, accurate near 0.
    private static func helper2(_ x: Double) -> Double {
        abs(x) > 1e-8 ? expm1(x) / x : 1 + x * 0.5 * (1 + x / 3 * (1 + 0.25 * x))
    }
}

/// A fixed bijection of 0..<n that scatters consecutive ranks across the footprint, so the
/// hottest pages are not neighbours (as a hash table's hot keys are not).
public struct RankScatter: Sendable {
    public let n: UInt64
    private let multiplier: UInt64

    public init(n: UInt64) {
        self.n = max(n, 1)
        // A multiplier coprime with n makes `i * multiplier mod n` a permutation.
        var m = UInt64(Double(self.n) * 0.618_033_988_75) | 1
        func gcd(_ a: UInt64, _ b: UInt64) -> UInt64 { b == 0 ? a : gcd(b, a % b) }
        while gcd(m, self.n) != 1 { m += 2 }
        multiplier = m % self.n == 0 ? 1 : m
    }

    @inline(__always)
    public func apply(_ i: UInt64) -> UInt64 {
        // Both factors are below n, so the high word of the product is below n too.
        let product = (i % n).multipliedFullWidth(by: multiplier)
        return n.dividingFullWidth((product.high, product.low)).remainder
    }
}
