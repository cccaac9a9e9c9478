import Foundation
import TierMemTrace

/// A fresh directory under the system temp directory, removed by `cleanup()`.
struct TemporaryDirectory {
    let path: String

    init() throws {
        var template = Array((NSTemporaryDirectory() + "/tiermem-trace-test-XXXXXX").utf8CString)
        guard let dir = mkdtemp(&template) else { throw POSIXError(.EIO) }
        path = String(cString: dir)
    }

    func file(_ name: String) -> String { path + "/" + name }
    func cleanup() { try? FileManager.default.removeItem(atPath: path) }
}

func readBytes(_ path: String) throws -> [UInt8] {
    [UInt8](try Data(contentsOf: URL(fileURLWithPath: path)))
}

func writeBytes(_ bytes: [UInt8], to path: String) throws {
    try Data(bytes).write(to: URL(fileURLWithPath: path))
}

/// Deterministic pseudo-random events covering every field's range.
func randomEvents(count: Int, seed: UInt64, pageLevel: Bool = false) -> [TraceEvent] {
    var random = TraceRandom(seed: seed)
    func next() -> UInt64 { random.next() }
    var time: UInt64 = 1_000
    return (0..<count).map { _ in
        time += next() % 4 == 0 ? next() % 100_000 : 1
        let op = TraceOperation(rawValue: UInt8(next() % 4))!
        let address = pageLevel ? (next() % 10_000) << 12 : next() % TraceEvent.addressLimit
        let size: UInt32 = pageLevel ? 4096 : [1, 2, 4, 8, 64, 4096, UInt32.max][Int(next() % 7)]
        return TraceEvent(time: time, operation: op, address: address, size: size)
    }
}

func writeTMT(_ events: [TraceEvent], to path: String, header: TraceHeader = TraceHeader(producer: "test"), recordsPerChunk: Int = 1000) throws {
    let writer = try TMTWriter(path: path, header: header, recordsPerChunk: recordsPerChunk)
    try writer.write(events)
    try writer.finish()
}

/// Runs `body` and returns the TraceError it throws, or nil.
func traceError(_ body: () throws -> Void) -> TraceError? {
    do {
        try body()
        return nil
    } catch let error as TraceError {
        return error
    } catch {
        return TraceError(file: "?", reason: "unexpected error type: \(error)")
    }
}
