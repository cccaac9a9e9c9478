import Foundation
import TierMemCore
import TierMemModel
import TierMemTrace

/// Feeds every reader of files and settings TierMem parses with random and mutated inputs and
/// checks that each either parses or fails with a clear error: never a crash, a hang, or an
/// event outside the documented ranges. Deterministic for a seed.
///
/// Inputs are seeded from valid files (so mutations reach deep into the formats), then mutated
/// by bit flips, byte overwrites with interesting values, truncation, duplication and splicing
/// of ranges, or replaced by random bytes.
public struct ReaderFuzzer {
    public enum Target: String, CaseIterable, Sendable {
        /// Whole `.tmt` files: most mutants fail the CRC32C checks.
        case tmt
        /// `.tmt` chunk payloads straight into the decoder, as if their CRC had matched: the
        /// decoder must survive anything a CRC collision or a buggy writer could hand it.
        case tmtPayload = "tmt-payload"
        case csv, lackey, tierSpec = "tier-spec", byteCount = "byte-count"
        /// Cost model JSON files (`--cost-model`).
        case costModel = "cost-model"
        /// Forecaster model files (`models/*.json`).
        case modelFile = "model-file"
        /// Tuning profiles (`tiermem tune` output, `--profile`, `TIERMEM_PROFILE`).
        case profile
    }

    public struct Outcome: Sendable, CustomStringConvertible {
        public var target: Target
        public var inputs = 0
        public var parsed = 0
        public var rejected = 0
        public var description: String {
            "\(target.rawValue): \(inputs) inputs, \(parsed) parsed, \(rejected) rejected with an error"
        }
    }

    /// A reader accepted something it should not have, or failed without a proper error.
    public struct Violation: Error, CustomStringConvertible {
        public var target: Target
        public var input: [UInt8]
        public var problem: String
        public var description: String { "\(target.rawValue): \(problem) (input: \(input.count) bytes)" }
    }

    private var random: TraceRandom
    private let seeds: [Target: [[UInt8]]]

    public init(seed: UInt64) throws {
        random = TraceRandom(seed: seed)
        seeds = try Self.makeSeeds()
    }

    /// Runs `count` inputs against `target`.
    public mutating func run(_ target: Target, count: Int) throws -> Outcome {
        var outcome = Outcome(target: target)
        for _ in 0..<count {
            let input = nextInput(for: target)
            outcome.inputs += 1
            if try check(target, input) { outcome.parsed += 1 } else { outcome.rejected += 1 }
        }
        return outcome
    }

    /// True if parsed, false if rejected with a proper error; throws a `Violation` otherwise.
    private func check(_ target: Target, _ input: [UInt8]) throws -> Bool {
        func violation(_ problem: String) -> Violation { Violation(target: target, input: input, problem: problem) }
        switch target {
        case .tmt, .csv, .lackey:
            do {
                let source: any TraceEventSource
                let bytes = ByteInput(bytes: input, name: "fuzz")
                switch target {
                case .tmt: source = try TMTReader(input: bytes)
                case .csv: source = try CSVTraceReader(input: bytes, batchSize: 64)
                default: source = try LackeyImporter(input: bytes, batchSize: 64)
                }
                var count = 0
                try source.forEachBatch { batch in
                    for event in batch where event.address >= TraceEvent.addressLimit {
                        throw violation("an event with address 0x\(String(event.address, radix: 16)) above the limit")
                    }
                    count += batch.count
                }
                if count > input.count * 2 + 1 { throw violation("\(count) events from \(input.count) bytes") }
                return true
            } catch let error as TraceError {
                guard error.file == "fuzz", !error.reason.isEmpty else { throw violation("an error without file or reason: \(error)") }
                return false
            }
        case .tmtPayload:
            // The first two bytes choose the record count and address shift; the rest is payload.
            guard input.count >= 2 else { return false }
            let count = 1 + Int(input[0]) % 64
            let shift = Int(input[1]) % (TMTChunkCodec.maxAddressShift + 1)
            let payload = Array(input[2...]) + [UInt8](repeating: 0, count: TMTFormat.decodePadding)
            var output = [TraceEvent](repeating: .zero, count: count)
            let failure = payload.withUnsafeBufferPointer { p in
                output.withUnsafeMutableBufferPointer { o in
                    TMTChunkCodec.decode(payload: p.baseAddress!, payloadLength: input.count - 2, count: count,
                                         addressShift: shift, into: o.baseAddress!)
                }
            }
            if let failure {
                guard !failure.reason.isEmpty, failure.record <= count else { throw violation("a decode failure without a reason") }
                return false
            }
            for event in output where event.address >= TraceEvent.addressLimit {
                throw violation("decoded an address above the limit")
            }
            return true
        case .tierSpec:
            let text = String(decoding: input, as: UTF8.self)
            do {
                let spec = try TierSpec(parsing: text)
                // What parses must print back to the same specification.
                guard (try? TierSpec(parsing: spec.description)) == spec else {
                    throw violation("'\(text)' parsed but its description '\(spec.description)' does not round-trip")
                }
                return true
            } catch let error as TierSpecError {
                guard !error.reason.isEmpty else { throw violation("an error without a reason") }
                return false
            }
        case .costModel:
            do {
                let model = try CostModel.decode(Data(input), file: "fuzz")
                // Whatever parses must be usable: every cost finite, not negative, at most a second.
                let mirror = Mirror(reflecting: model).children.compactMap { $0.value as? Double }
                guard mirror.count == CostModel.fieldNames.count, mirror.allSatisfy({ $0.isFinite && $0 >= 0 && $0 <= CostModel.maxFieldNs }) else {
                    throw violation("a cost model with an unusable field parsed")
                }
                return true
            } catch let error as CostModelError {
                guard error.file == "fuzz", !error.reason.isEmpty else { throw violation("an error without file or reason") }
                return false
            }
        case .modelFile:
            do {
                let model = try ModelFile.decode(Data(input), file: "fuzz")
                // Whatever loads must forecast finite, non-negative numbers, for long enough that
                // a short period's seasonal features come into play (a burst every third window).
                var forecaster = model.forecaster()
                var signals = PressureSignals()
                for t in 0..<12 {
                    signals.pageIns = t % 3 == 2 ? 1e6 : 10
                    guard forecaster.observe(signals).allSatisfy({ $0.isFinite && $0 >= 0 }) else {
                        throw violation("a loaded model forecast a non-finite or negative value")
                    }
                }
                return true
            } catch let error as ModelFileError {
                guard error.file == "fuzz", !error.reason.isEmpty else { throw violation("an error without file or reason") }
                return false
            }
        case .profile:
            do {
                let profile = try TuningProfile.decode(Data(input), file: "fuzz")
                // Whatever loads must be usable: its settings check out again.
                guard profile.problem() == nil else { throw violation("a profile with a problem loaded") }
                return true
            } catch let error as TuningProfileError {
                guard error.file == "fuzz", !error.reason.isEmpty else { throw violation("an error without file or reason") }
                return false
            }
        case .byteCount:
            let text = String(decoding: input, as: UTF8.self)
            do {
                _ = try Capacity(parsing: text)
                return true
            } catch {
                guard !error.reason.isEmpty else { throw violation("an error without a reason") }
                return false
            }
        }
    }

    private static let interesting: [UInt8] = [0x00, 0x01, 0x7F, 0x80, 0xFF, 0x0A, 0x2C, 0x3A, 0x3B, 0x20, 0x30, 0x39, 0x78, 0x25]

    private mutating func nextInput(for target: Target) -> [UInt8] {
        let pool = seeds[target]!
        if random.below(10) == 0 {
            return (0..<Int(random.below(300))).map { _ in UInt8(truncatingIfNeeded: random.next()) }
        }
        var bytes = pool[Int(random.below(UInt64(pool.count)))]
        for _ in 0..<(1 + Int(random.below(4))) { mutate(&bytes, pool: pool) }
        return bytes
    }

    private mutating func mutate(_ bytes: inout [UInt8], pool: [[UInt8]]) {
        let n = UInt64(bytes.count)
        switch random.below(7) {
        case 0 where n > 0:  // flip a bit
            let i = Int(random.below(n))
            bytes[i] ^= 1 << UInt8(random.below(8))
        case 1 where n > 0:  // overwrite with an interesting byte
            bytes[Int(random.below(n))] = Self.interesting[Int(random.below(UInt64(Self.interesting.count)))]
        case 2 where n > 0:  // truncate
            bytes.removeLast(Int(random.below(n)))
        case 3 where n > 1:  // duplicate a range
            let a = Int(random.below(n))
            let b = min(bytes.count, a + 1 + Int(random.below(64)))
            bytes.insert(contentsOf: bytes[a..<b], at: Int(random.below(n)))
        case 4 where n > 1:  // delete a range
            let a = Int(random.below(n))
            bytes.removeSubrange(a..<min(bytes.count, a + 1 + Int(random.below(32))))
        case 5:  // splice in part of another seed
            let other = pool[Int(random.below(UInt64(pool.count)))]
            guard !other.isEmpty else { return }
            let a = Int(random.below(UInt64(other.count)))
            bytes.insert(contentsOf: other[a..<min(other.count, a + 1 + Int(random.below(64)))], at: Int(random.below(n + 1)))
        default:  // set a little-endian word to an extreme
            guard n >= 4 else { return }
            let i = Int(random.below(n - 3))
            let value: UInt32 = [0, 1, 0x7FFF_FFFF, 0xFFFF_FFFF, 0x10_0000, 0x10_0001][Int(random.below(6))]
            for k in 0..<4 { bytes[i + k] = UInt8(truncatingIfNeeded: value >> (8 * UInt32(k))) }
        }
    }

    /// Small valid inputs of every format: the mutation corpus.
    private static func makeSeeds() throws -> [Target: [[UInt8]]] {
        var tmt: [[UInt8]] = []
        var csv: [[UInt8]] = []
        for kind in [WorkloadKind.kv, .growth, .scan] {
            var spec = WorkloadSpec(kind: kind)
            spec.records = 40
            spec.footprintPages = 64
            spec.scanPages = 8
            spec.scanEvery = 10
            let events = try SyntheticTrace(spec: spec).readAll()
            var payload: [UInt8] = []
            let header = TraceHeader(producer: "fuzz")
            for chunkSize in [7, 40] {
                payload = TMTFormat.encodeHeader(header)
                for start in stride(from: 0, to: events.count, by: chunkSize) {
                    payload += TMTFormat.encodeChunk(Array(events[start..<min(events.count, start + chunkSize)]))
                }
                tmt.append(payload)
            }
            var text = "# tiermem page_size=4096 clock=ns producer=fuzz\ntime,op,address,size\n"
            for e in events.prefix(12) { text += "\(e.time),\(e.operation.letter),0x\(String(e.address, radix: 16)),\(e.size)\n" }
            csv.append(Array(text.utf8))
        }
        let lackey = [
            "==1== Lackey\nI  04001c3a,3\n S 1ffefffe98,8\nI  04001c3d,5\n L 04022e60,8\n M 0403e4f0,4\n",
            " L 1000,8\n S 2000,4\n M 3000,16\nI  400000,2\n",
        ].map { Array($0.utf8) }
        let tierSpecs = ["dram:256MiB;pmem:/mnt/pmem0:4GiB;compressed:lz4:512MiB", "dram:10%;compressed:zstd:1GiB", "pmem:2G"].map { Array($0.utf8) }
        let byteCounts = ["4096", "64KiB", "1.5GiB", "10%", "3 MB"].map { Array($0.utf8) }
        // Payload seeds: a count byte, a shift byte, then a real chunk's payload.
        let payloads: [[UInt8]] = tmt.map { file in
            let chunk = Array(file[TMTFormat.encodeHeader(TraceHeader(producer: "fuzz")).count...])
            let count = Int(chunk[4]) | Int(chunk[5]) << 8
            let length = Int(chunk[8]) | Int(chunk[9]) << 8
            return [UInt8(count - 1), chunk[12]] + Array(chunk[TMTFormat.chunkHeaderBytes..<(TMTFormat.chunkHeaderBytes + length)])
        }
        var costModel = CostModel()
        costModel.pageFaultNs = 1.5
        let costModels = [try CostModel().json(), try costModel.json()].map { [UInt8]($0) }
        // A small model (two features, two horizons) keeps each decode quick.
        var settings = ForecasterSettings()
        settings.horizon = 2
        settings.features.signals = ["page_ins"]
        settings.features.lags = 1
        settings.features.differences = false
        settings.features.ewmaAlphas = []
        // With no period and with one of 4 windows (the shortest horizon 2 allows).
        let modelFiles = try [0, 4].map { period in
            settings.features.period = period
            var forecaster = PressureForecaster(settings: settings)
            for t in 0..<20 {
                var signals = PressureSignals()
                signals.pageIns = Double(t % 5)
                forecaster.observe(signals)
            }
            let model = ModelFile(forecaster: forecaster, provenance: ModelProvenance(traces: ["t"], windows: 20, createdBy: "fuzz", heldOut: []))
            return [UInt8](try model.json())
        }
        var tuned = ControllerConfig()
        tuned.lowWatermark = 0.03
        tuned.highWatermark = 0.06
        let profiles = try [
            TuningProfile(tiers: "dram:25%;compressed:lz4:50%", policy: "hotness", policyOptions: ["window": 5e5, "headroom": 0.05],
                          controller: tuned, provenance: .init(traces: ["t.tmt"], objective: "time", score: 1.2, defaultScore: 1.4, seed: 1, replays: 28)),
            TuningProfile(tiers: "dram:64MiB", policy: "lru", policyOptions: [:], controller: ControllerConfig(),
                          provenance: .init(traces: [], objective: "dram:5%", score: 0.5, defaultScore: 0.7, seed: 2, replays: 9)),
        ].map { [UInt8](try $0.json()) }
        return [.tmt: tmt, .tmtPayload: payloads, .csv: csv, .lackey: lackey, .tierSpec: tierSpecs, .byteCount: byteCounts,
                .costModel: costModels, .modelFile: modelFiles, .profile: profiles]
    }
}
