import Foundation

/// The shape TierMem's JSON files share (model files, tuning profiles): pretty, sorted output
/// written under a temporary name; on reading, `schemaVersion` checked first (so a file from a
/// newer TierMem says so rather than failing on a field), then decoding errors turned into a
/// reason that names the field. Each file type wraps the reason in its own error with the path.
public enum VersionedJSONFile {
    /// Why a file could not be read or decoded, without the path (the caller adds it).
    public struct Problem: Error, Equatable {
        public var reason: String
        public init(_ reason: String) { self.reason = reason }
    }

    public static func encoded<T: Encodable>(_ value: T) throws -> Data {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
        return try encoder.encode(value)
    }

    /// Writes under a temporary name and renames into place: never a half-written file.
    public static func write<T: Encodable>(_ value: T, to path: String) throws {
        try OutputFile.write(encoded(value), to: path)
    }

    public static func read(path: String) throws(Problem) -> Data {
        do { return try Data(contentsOf: URL(fileURLWithPath: path)) } catch {
            throw Problem("cannot read: \(error.localizedDescription)")
        }
    }

    /// Decodes `T` from `data` whose `schemaVersion` must be `version`.
    public static func decode<T: Decodable>(_ type: T.Type, from data: Data, version current: Int) throws(Problem) -> T {
        guard let versioned = try? JSONDecoder().decode(Versioned.self, from: data) else { throw Problem("not a JSON object") }
        guard let version = versioned.schemaVersion else { throw Problem("missing field 'schemaVersion'") }
        guard version == current else {
            throw Problem("unsupported schemaVersion \(version); this build reads version \(current)")
        }
        do {
            return try JSONDecoder().decode(T.self, from: data)
        } catch let error as DecodingError {
            throw Problem(describe(error))
        } catch {
            throw Problem("\(error)")
        }
    }

    private struct Versioned: Decodable { var schemaVersion: Int? }

    /// `field 'settings.horizon': missing` and the like, from a decoding error.
    static func describe(_ error: DecodingError) -> String {
        func path(_ context: DecodingError.Context, _ extra: CodingKey? = nil) -> String {
            let keys = (context.codingPath + (extra.map { [$0] } ?? [])).map { $0.intValue.map { "[\($0)]" } ?? $0.stringValue }
            return keys.joined(separator: ".").replacingOccurrences(of: ".[", with: "[")
        }
        switch error {
        case .keyNotFound(let key, let context): return "missing field '\(path(context, key))'"
        case .typeMismatch(let type, let context): return "field '\(path(context))': expected \(type)"
        case .valueNotFound(let type, let context): return "field '\(path(context))': expected \(type), found null"
        case .dataCorrupted(let context): return "field '\(path(context))': \(context.debugDescription)"
        @unknown default: return "\(error)"
        }
    }
}
