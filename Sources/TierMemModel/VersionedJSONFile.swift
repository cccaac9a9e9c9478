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
        let object: Any
        do { object = try JSONSerialization.jsonObject(with: data) } catch {
            throw Problem("not valid JSON (\(debugDescription(of: error) ?? "\(error)")); a truncated file, or NaN or Infinity, which JSON has no numbers for")
        }
        guard let fields = object as? [String: Any] else { throw Problem("not a JSON object: the file holds \(object is [Any] ? "an array" : "a single value")") }
        guard let versionField = fields["schemaVersion"] else { throw Problem("missing field 'schemaVersion'") }
        guard !(versionField is String), let number = versionField as? NSNumber, let version = Int(exactly: number.doubleValue) else {
            throw Problem("field 'schemaVersion': expected a whole number, found \(versionField is String ? "the string \"\(versionField)\"" : "\(versionField)")")
        }
        guard version == current else {
            throw Problem("unsupported schemaVersion \(version); this build reads version \(current)")
        }
        do {
            return try JSONDecoder().decode(T.self, from: data)
        } catch DecodingError.dataCorrupted(let context) where context.codingPath.isEmpty {
            // Foundation refuses the whole document, naming no field, when a number does not fit
            // an integer: find such numbers ourselves.
            let huge = hugeNumbers(in: object, at: "")
            guard let first = huge.first else { throw Problem(context.debugDescription) }
            throw Problem("field '\(first.path)': \(first.value) does not fit a whole number (at most ±9.2e18)")
        } catch let error as DecodingError {
            throw Problem(describe(error))
        } catch {
            throw Problem("\(error)")
        }
    }

    /// Paths of numbers in a parsed JSON value too large for a 64-bit integer field.
    private static func hugeNumbers(in value: Any, at path: String) -> [(path: String, value: String)] {
        switch value {
        case let object as [String: Any]:
            return object.keys.sorted().flatMap { hugeNumbers(in: object[$0]!, at: path.isEmpty ? $0 : path + "." + $0) }
        case let array as [Any]:
            return array.enumerated().flatMap { hugeNumbers(in: $1, at: "\(path)[\($0)]") }
        case let number as NSNumber where !(value is String):
            return abs(number.doubleValue) >= 0x1p63 ? [(path, "\(number)")] : []
        default:
            return []
        }
    }

    /// Foundation's own words for a JSON error ("Unexpected end of file", "Number 1e30 is not
    /// representable in Swift"), without the error domain's boilerplate.
    private static func debugDescription(of error: Error?) -> String? {
        guard let error else { return nil }
        return (error as NSError).userInfo[NSDebugDescriptionErrorKey] as? String
    }

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
        case .dataCorrupted(let context):
            let field = path(context)
            let detail = context.underlyingError.map { " (\(debugDescription(of: $0) ?? "\($0)"))" } ?? ""
            return (field.isEmpty ? "" : "field '\(field)': ") + context.debugDescription + detail
        @unknown default: return "\(error)"
        }
    }
}
