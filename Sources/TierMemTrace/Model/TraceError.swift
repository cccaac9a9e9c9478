/// A trace that could not be read or written: which file, where in it, what was wrong, and how
/// many records before that point were good (those were delivered; nothing after them was).
public struct TraceError: Error, Equatable, CustomStringConvertible {
    public enum Position: Equatable, Sendable {
        case byte(UInt64)
        case line(UInt64)
    }

    /// A path, or `<stdin>` / `<stdout>`.
    public var file: String
    public var position: Position?
    public var goodRecords: UInt64
    public var reason: String

    public init(file: String, position: Position? = nil, goodRecords: UInt64 = 0, reason: String) {
        self.file = file
        self.position = position
        self.goodRecords = goodRecords
        self.reason = reason
    }

    public var description: String {
        var text = file
        switch position {
        case .byte(let offset): text += ": byte \(offset)"
        case .line(let line): text += ": line \(line)"
        case nil: break
        }
        text += ": \(reason)"
        if position != nil { text += goodRecords == 1 ? " (1 record before it was good)" : " (\(goodRecords) records before it were good)" }
        return text
    }
}
