import Foundation

/// A forecaster's errors on held-out windows.
public struct ErrorSummary: Codable, Equatable, Sendable {
    public var windows: Int
    public var mae: Double
    public var rmse: Double
    /// Symmetric mean absolute percentage error, 0 to 200.
    public var smape: Double

    public init(_ metrics: ErrorMetrics) {
        windows = metrics.count
        mae = metrics.mae
        rmse = metrics.rmse
        smape = metrics.smape
    }
}

/// Held-out errors at one horizon, of the model and of each baseline.
public struct HorizonErrors: Codable, Equatable, Sendable {
    public var horizon: Int
    public var model: ErrorSummary
    public var baselines: [String: ErrorSummary]

    public init(horizon: Int, model: ErrorSummary, baselines: [String: ErrorSummary]) {
        self.horizon = horizon
        self.model = model
        self.baselines = baselines
    }
}

/// Where a model came from.
public struct ModelProvenance: Codable, Equatable, Sendable {
    public var traces: [String]
    /// Windows trained on (all traces together).
    public var windows: Int
    public var createdBy: String
    public var heldOut: [HorizonErrors]

    public init(traces: [String], windows: Int, createdBy: String, heldOut: [HorizonErrors]) {
        self.traces = traces
        self.windows = windows
        self.createdBy = createdBy
        self.heldOut = heldOut
    }
}

/// The JSON file a trained forecaster is saved in (`models/*.json`): settings, feature names,
/// scaler state, learner state and provenance. Loading validates everything and names the field
/// that is wrong; a loaded model warm-starts a forecaster that keeps learning online.
public struct ModelFile: Codable, Equatable, Sendable {
    public static let currentSchemaVersion = 1

    public var schemaVersion: Int
    public var settings: ForecasterSettings
    public var featureNames: [String]
    public var scaler: OnlineScaler
    public var rls: RecursiveLeastSquares?
    public var nlms: NormalizedLMS?
    /// The forecaster's running mean absolute error per horizon (`PressureForecaster.errorScale`);
    /// absent in files written before burst weighting.
    public var errorScale: [Double]?
    public var provenance: ModelProvenance

    public init(forecaster: PressureForecaster, provenance: ModelProvenance) {
        schemaVersion = Self.currentSchemaVersion
        settings = forecaster.settings
        featureNames = forecaster.featureNames
        scaler = forecaster.scaler
        rls = forecaster.rls
        nlms = forecaster.nlms
        errorScale = forecaster.errorScale
        self.provenance = provenance
    }

    /// A forecaster starting from this state.
    public func forecaster() -> PressureForecaster {
        PressureForecaster(settings: settings, scaler: scaler, rls: rls, nlms: nlms, errorScale: errorScale)
    }

    public func json() throws -> Data { try VersionedJSONFile.encoded(self) }

    public func write(to path: String) throws { try VersionedJSONFile.write(self, to: path) }

    public static func load(path: String) throws -> ModelFile {
        do { return try decode(VersionedJSONFile.read(path: path), file: path) } catch let problem as VersionedJSONFile.Problem {
            throw ModelFileError(file: path, reason: problem.reason)
        }
    }

    /// Decodes and validates a model file; the error names the file and the field.
    public static func decode(_ data: Data, file: String) throws -> ModelFile {
        func fail(_ reason: String) -> ModelFileError { ModelFileError(file: file, reason: reason) }
        let model: ModelFile
        do { model = try VersionedJSONFile.decode(ModelFile.self, from: data, version: currentSchemaVersion) } catch {
            throw fail(error.reason)
        }
        if let problem = model.settings.problem() { throw fail("field 'settings': \(problem)") }
        let expected = FeatureBuilder(settings: model.settings.features, horizon: model.settings.horizon).names
        guard model.featureNames.count == expected.count else {
            throw fail("field 'featureNames': \(model.featureNames.count) names do not match the \(expected.count) the settings make")
        }
        if let i = expected.indices.first(where: { model.featureNames[$0] != expected[$0] }) {
            // A file trained with a feature since redefined (page_ins[t-P] became excess_page_ins[t-P]
            // on 2026-11-28) lands here: its weights mean something else now.
            throw fail("field 'featureNames': feature \(i + 1) is '\(model.featureNames[i])' where these settings make '\(expected[i])'; retrain the model with this build")
        }
        let n = expected.count
        guard model.scaler.mean.count == n, model.scaler.squares.count == n else {
            throw fail("field 'scaler': expected \(n) means and squares, found \(model.scaler.mean.count) and \(model.scaler.squares.count)")
        }
        guard model.scaler.count >= 0, (model.scaler.mean + model.scaler.squares).allSatisfy(\.isFinite),
              model.scaler.squares.allSatisfy({ $0 >= 0 }) else {
            throw fail("field 'scaler': counts and sums must be finite and not negative")
        }
        switch model.settings.learner {
        case "rls":
            guard let rls = model.rls else { throw fail("missing field 'rls' (settings.learner is rls)") }
            guard rls.forgetting > 0 && rls.forgetting <= 1 else {
                throw fail("field 'rls.forgetting': expected a factor above 0 and at most 1, found \(rls.forgetting)")
            }
            guard rls.ridge > 0 else { throw fail("field 'rls.ridge': expected a number above 0, found \(rls.ridge)") }
            guard rls.isConsistent, rls.features == n, rls.outputs == model.settings.horizon else {
                throw fail("field 'rls': expected \(n) features × \(model.settings.horizon) outputs with an \(n)×\(n) covariance")
            }
            guard (rls.weights + rls.covariance).allSatisfy(\.isFinite) else { throw fail("field 'rls': weights and covariance must be finite") }
            guard rls.isSymmetric else { throw fail("field 'rls': the covariance must be symmetric (entry [i][j] equal to [j][i])") }
        default:
            guard let nlms = model.nlms else { throw fail("missing field 'nlms' (settings.learner is nlms)") }
            guard nlms.stepSize > 0 && nlms.stepSize < 2 else {
                throw fail("field 'nlms.stepSize': expected a step above 0 and below 2, found \(nlms.stepSize)")
            }
            guard nlms.isConsistent, nlms.features == n, nlms.outputs == model.settings.horizon else {
                throw fail("field 'nlms': expected \(n) features × \(model.settings.horizon) outputs")
            }
            guard nlms.weights.allSatisfy(\.isFinite) else { throw fail("field 'nlms': weights must be finite") }
        }
        if let scale = model.errorScale {
            guard scale.count == model.settings.horizon, scale.allSatisfy({ $0.isFinite && $0 >= 0 }) else {
                throw fail("field 'errorScale': expected \(model.settings.horizon) finite, non-negative errors (one a horizon)")
            }
        }
        return model
    }

}

/// A model file that could not be used.
public struct ModelFileError: Error, Equatable, CustomStringConvertible {
    public var file: String
    public var reason: String
    public var description: String { "\(file): \(reason)" }
}
