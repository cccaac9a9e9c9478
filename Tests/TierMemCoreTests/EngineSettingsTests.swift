import Foundation
import Testing
import TierMemCore

@Suite struct EngineSettingsTests {
    @Test func tierLayoutResolvesPercentagesAndRejectsImpossibleSpecs() throws {
        let layout = try TierLayout(spec: TierSpec(parsing: "dram:25%;pmem:1MiB;compressed:zstd:10%"), footprintPages: 1_000, pageSize: 4096)
        #expect(layout.dramPages == 250)
        #expect(layout.pmemPages == 256)
        #expect(layout.compressedBytes == 409_600)
        #expect(layout.codec == .zstd)
        let cases: [(String, String)] = [
            ("pmem:1GiB", "no dram tier"),
            ("dram:100", "smaller than one 4 KiB page"),
            ("dram:0.01%;pmem:100%", "smaller than one 4 KiB page"),
            ("dram:1GiB;pmem:1", "smaller than one 4 KiB page"),
        ]
        for (text, fragment) in cases {
            do {
                _ = try TierLayout(spec: TierSpec(parsing: text), footprintPages: 1_000, pageSize: 4096)
                Issue.record("\(text) was accepted")
            } catch {
                #expect(error.description.contains(fragment), "\(text): \(error)")
            }
        }
    }

    @Test func costModelRoundTripsThroughJSON() throws {
        var model = CostModel()
        model.pageFaultNs = 12_345
        let back = try CostModel.decode(try model.json(), file: "x.json")
        #expect(back == model)
    }

    @Test func costModelErrorsNameTheFileAndField() throws {
        var fields = try JSONSerialization.jsonObject(with: CostModel().json()) as! [String: Any]
        func error(_ object: Any) -> String? {
            do {
                _ = try CostModel.decode(try JSONSerialization.data(withJSONObject: object), file: "costs.json")
                return nil
            } catch {
                return "\(error)"
            }
        }
        var missing = fields
        missing["pmemReadNs"] = nil
        #expect(error(missing) == "costs.json: missing field 'pmemReadNs'")
        fields["lz4DecompressNs"] = -1
        #expect(error(fields) == "costs.json: field 'lz4DecompressNs': -1.0 is negative")
        fields["lz4DecompressNs"] = 1e300  // would overflow the replay's integer clock at once
        #expect(error(fields) == "costs.json: field 'lz4DecompressNs': 1e+300 ns is more than the 1000000000 ns (one second) a page operation may cost")
        fields["lz4DecompressNs"] = 1e9
        #expect(error(fields) == nil)
        fields["lz4DecompressNs"] = "fast"
        #expect(error(fields)?.contains("field 'lz4DecompressNs': expected a number") == true)
        fields["lz4DecompressNs"] = true
        #expect(error(fields)?.contains("field 'lz4DecompressNs': expected a number") == true)
        fields["lz4DecompressNs"] = 1
        fields["warpDriveNs"] = 3
        #expect(error(fields)?.contains("unknown field 'warpDriveNs'") == true)
        #expect(error([1, 2, 3]) == "costs.json: not a JSON object")
        #expect(throws: CostModelError.self) { try CostModel.load(path: "/nonexistent/costs.json") }
    }

    @Test func policyOptionsAreValidated() throws {
        #expect(throws: PolicyOptionError.self) { try PolicyOptions(parsing: ["window"]) }
        #expect(throws: PolicyOptionError.self) { try PolicyOptions(parsing: ["window=soon"]) }
        let layout = TierLayout(pageSize: 4096, dramPages: 100, pmemPages: 100)
        do {
            _ = try S3FIFOPolicy(layout: layout, options: PolicyOptions(["colour": 1]))
            Issue.record("unknown option accepted")
        } catch {
            #expect(error.description == "policy option 'colour': s3fifo has no option 'colour'; its options: small")
        }
        do {
            _ = try S3FIFOPolicy(layout: layout, options: PolicyOptions(["small": 2]))
            Issue.record("out of range accepted")
        } catch {
            #expect(error.description.contains("outside 0.01...0.9"))
        }
    }

    @Test func controllerConfigProblemsAreNamed() {
        var config = ControllerConfig()
        #expect(config.problem() == nil)
        config.lowWatermark = 0.001
        #expect(config.problem()?.contains("watermarks") == true)
        config = ControllerConfig()
        config.compressionRatio = 0
        #expect(config.problem()?.contains("compression ratio") == true)
    }
}
