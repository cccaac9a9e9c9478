import Foundation
import Testing
@testable import TierMemModel

@Suite struct ModelFileTests {
    func trainedModel() -> ModelFile {
        var forecaster = PressureForecaster(settings: ForecasterSettings())
        for t in 0..<200 {
            var s = PressureSignals()
            s.pageIns = Double(t % 17) * 3
            s.workingSet = Double(t % 5) * 10
            forecaster.observe(s)
        }
        let errors = HorizonErrors(horizon: 1, model: ErrorSummary(ErrorMetrics()), baselines: ["last value": ErrorSummary(ErrorMetrics())])
        return ModelFile(forecaster: forecaster, provenance: ModelProvenance(traces: ["a.tmt"], windows: 200, createdBy: "test", heldOut: [errors]))
    }

    @Test func roundTripsExactly() throws {
        let model = trainedModel()
        let back = try ModelFile.decode(try model.json(), file: "m.json")
        #expect(back == model)
        #expect(back.forecaster().forecast() == model.forecaster().forecast())
    }

    /// `ForecasterSettings` decodes by hand (to default `errorClip` for old files): a setting
    /// added without its line there would silently come back as its default. Every setting here
    /// differs from its default, and the check below fails for one that does not.
    @Test func everySettingSurvivesTheFile() throws {
        var settings = ForecasterSettings()
        settings.windowLength = 5_000
        settings.windowUnit = "ns"
        settings.horizon = 3
        settings.features.signals = ["page_ins"]
        settings.features.lags = 2
        settings.features.differences = false
        settings.features.ewmaAlphas = [0.5]
        settings.features.period = 9
        settings.learner = "nlms"
        settings.predictChange = false
        settings.forgetting = 0.95
        settings.ridge = 0.5
        settings.stepSize = 0.2
        settings.errorClip = 1.5
        let defaults = ForecasterSettings()
        for (changed, original) in zip(Mirror(reflecting: settings).children, Mirror(reflecting: defaults).children) {
            #expect("\(changed.value)" != "\(original.value)", "set '\(changed.label ?? "?")' to something other than its default here")
        }
        for (changed, original) in zip(Mirror(reflecting: settings.features).children, Mirror(reflecting: defaults.features).children) {
            #expect("\(changed.value)" != "\(original.value)", "set 'features.\(changed.label ?? "?")' to something other than its default here")
        }
        #expect(try JSONDecoder().decode(ForecasterSettings.self, from: JSONEncoder().encode(settings)) == settings)
    }

    /// A file written before error weighting has neither field: it loads, and counts every
    /// window fully, as it did when it was trained.
    @Test func aFileFromBeforeErrorWeightingLoads() throws {
        var object = try JSONSerialization.jsonObject(with: trainedModel().json()) as! [String: Any]
        var settings = object["settings"] as! [String: Any]
        settings["errorClip"] = nil
        object["settings"] = settings
        object["errorScale"] = nil
        let model = try ModelFile.decode(try JSONSerialization.data(withJSONObject: object), file: "old.json")
        #expect(model.settings.errorClip == 0)
        #expect(model.errorScale == nil)
        #expect(model.forecaster().errorScale == [Double](repeating: 0, count: 5))
        #expect(ForecasterSettings().errorClip == 2.5)
    }

    @Test func corruptFilesAreRejectedWithTheField() throws {
        let good = try JSONSerialization.jsonObject(with: trainedModel().json()) as! [String: Any]
        func rejection(_ change: (inout [String: Any]) -> Void) throws -> String {
            var object = good
            change(&object)
            do {
                _ = try ModelFile.decode(try JSONSerialization.data(withJSONObject: object), file: "m.json")
                return "accepted"
            } catch {
                return "\(error)"
            }
        }
        func nested(_ object: inout [String: Any], _ key: String, _ change: (inout [String: Any]) -> Void) {
            var inner = object[key] as! [String: Any]
            change(&inner)
            object[key] = inner
        }
        let cases: [(String, (inout [String: Any]) -> Void)] = [
            ("unsupported schemaVersion 7", { $0["schemaVersion"] = 7 }),
            ("missing field 'schemaVersion'", { $0["schemaVersion"] = nil }),
            ("missing field 'settings'", { $0["settings"] = nil }),
            ("missing field 'settings.horizon'", { nested(&$0, "settings") { $0["horizon"] = nil } }),
            ("field 'settings': the horizon must be from 1 to 64", { nested(&$0, "settings") { $0["horizon"] = 0 } }),
            ("field 'settings': the forgetting factor", { nested(&$0, "settings") { $0["forgetting"] = 1.5 } }),
            ("field 'settings': the period must be 0 (none) or at least the horizon + 2", { nested(&$0, "settings") { nested(&$0, "features") { $0["period"] = 3 } } }),
            ("field 'settings': the period must be from 0 (none) to 65536", { nested(&$0, "settings") { nested(&$0, "features") { $0["period"] = 1 << 40 } } }),
            ("field 'settings.windowLength': expected", { nested(&$0, "settings") { $0["windowLength"] = "long" } }),
            ("field 'featureNames': 1 names do not match the 31", { $0["featureNames"] = ["x"] }),
            ("field 'featureNames': feature 1 is 'x' where these settings make 'page_ins'; retrain", { s in
                var names = s["featureNames"] as! [String]
                names[0] = "x"
                s["featureNames"] = names
            }),
            ("field 'scaler': expected", { nested(&$0, "scaler") { $0["mean"] = [1.0] } }),
            ("field 'scaler': counts and sums", { nested(&$0, "scaler") { s in s["squares"] = (s["squares"] as! [Double]).map { _ in -1.0 } } }),
            ("missing field 'rls'", { $0["rls"] = nil }),
            ("field 'rls': expected", { nested(&$0, "rls") { $0["outputs"] = 2 } }),
            ("field 'rls': expected", { nested(&$0, "rls") { s in s["covariance"] = [1.0, 2.0] } }),
            ("field 'rls': the covariance must be symmetric", { nested(&$0, "rls") { s in
                var p = s["covariance"] as! [Double]
                p[1] += 1
                s["covariance"] = p
            } }),
            ("missing field 'provenance.traces'", { nested(&$0, "provenance") { $0["traces"] = nil } }),
            ("field 'settings': the error clip must be", { nested(&$0, "settings") { $0["errorClip"] = -1 } }),
            ("field 'errorScale': expected 5 finite", { $0["errorScale"] = [1.0] }),
            ("field 'errorScale': expected 5 finite", { $0["errorScale"] = [1.0, 2, 3, 4, -5] }),
        ]
        for (fragment, change) in cases {
            let message = try rejection(change)
            #expect(message.hasPrefix("m.json: "), "\(message)")
            #expect(message.contains(fragment), "expected '\(fragment)', got: \(message)")
        }
        // A model made when the seasonal features were the raw page-ins a period back.
        var settings = ForecasterSettings()
        settings.features.period = 7
        var seasonal = try JSONSerialization.jsonObject(with: ModelFile(forecaster: PressureForecaster(settings: settings),
            provenance: ModelProvenance(traces: ["a.tmt"], windows: 0, createdBy: "test", heldOut: [])).json()) as! [String: Any]
        seasonal["featureNames"] = (seasonal["featureNames"] as! [String]).map { $0.replacingOccurrences(of: "excess_page_ins", with: "page_ins") }
        do {
            _ = try ModelFile.decode(try JSONSerialization.data(withJSONObject: seasonal), file: "old.json")
            Issue.record("a model with the old seasonal features loaded")
        } catch {
            #expect("\(error)" == "old.json: field 'featureNames': feature 31 is 'page_ins[t-7]' where these settings make 'excess_page_ins[t-7]'; retrain the model with this build")
        }
        #expect(throws: ModelFileError.self) { try ModelFile.decode(Data("[1]".utf8), file: "m.json") }
        #expect(try rejection { nested(&$0, "rls") { $0["forgetting"] = 7.0 } }
            .contains("field 'rls.forgetting': expected a factor above 0 and at most 1, found 7.0"))
        #expect(try rejection { $0["schemaVersion"] = "1" }.contains("field 'schemaVersion': expected a whole number, found the string \"1\""))
        #expect(try rejection { nested(&$0, "settings") { $0["horizon"] = 1e30 } }.contains("field 'settings.horizon': 1e+30 does not fit a whole number"))
    }

    @Test("a model file that is not JSON says so and why, not 'not a JSON object'")
    func brokenJSONIsNamed() throws {
        let text = String(decoding: try trainedModel().json(), as: UTF8.self)
        let truncated = Data(text.prefix(text.count / 2).utf8)
        let withNaN = Data(text.replacingOccurrences(of: "\"horizon\" : 1", with: "\"horizon\" : NaN").utf8)
        #expect(text.contains("\"horizon\" : 1"))
        for broken in [truncated, withNaN] {
            do {
                _ = try ModelFile.decode(broken, file: "m.json")
                Issue.record("broken JSON loaded")
            } catch {
                #expect("\(error)".hasPrefix("m.json: not valid JSON ("), "\(error)")
            }
        }
        #expect(throws: ModelFileError.self) { try ModelFile.load(path: "/nonexistent.json") }
    }
}
