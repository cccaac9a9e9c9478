import Testing
@testable import TierMem

@Suite("Latency histogram")
struct LatencyHistogramTests {
    @Test("every value falls in a bucket whose upper edge is within 0.8% above it, over the whole range")
    func bucketsAreTight() {
        var values: [UInt64] = Array(0..<1000)
        var value: UInt64 = 1000
        while value < UInt64.max / 3 {
            values += [value - 1, value, value + 1, value * 2 - 1]
            value = value * 3 / 2
        }
        values.append(.max)
        for value in values {
            let edge = LatencyHistogram.upperEdge(LatencyHistogram.bucket(value))
            #expect(edge >= value, "\(value): edge \(edge)")
            #expect(Double(edge - value) <= Double(value) * 0.008, "\(value): edge \(edge)")
        }
    }

    @Test("percentiles of a known distribution, and a merge of two halves, agree within the bucket error")
    func percentiles() {
        var whole = LatencyHistogram(), low = LatencyHistogram(), high = LatencyHistogram()
        for value in UInt64(1)...100_000 {
            whole.record(value * 10)
            if value <= 50_000 { low.record(value * 10) } else { high.record(value * 10) }
        }
        low.merge(high)
        for (percentile, exact) in [(50.0, 500_000.0), (99.0, 990_000.0), (99.9, 999_000.0)] {
            for histogram in [whole, low] {
                let measured = Double(histogram.value(atPercentile: percentile))
                #expect(measured >= exact && measured <= exact * 1.008, "p\(percentile): \(measured)")
            }
        }
        #expect(whole.value(atPercentile: 100) == 1_000_000 && whole.maximum == 1_000_000)
        #expect(LatencyHistogram().value(atPercentile: 99) == 0)
    }
}
