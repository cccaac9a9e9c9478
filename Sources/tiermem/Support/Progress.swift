import Foundation
import TierMemTrace

/// A one-line progress bar on standard error, shown only when standard error is a terminal and
/// redrawn at most ten times a second, so piping and logging stay clean.
final class ProgressBar {
    private let label: String
    private let enabled: Bool
    private let start = Date()
    private var lastDraw = Date.distantPast
    private var drawn = false

    init(_ label: String, enabled: Bool = isatty(STDERR_FILENO) == 1) {
        self.label = label
        self.enabled = enabled
    }

    /// `records` so far; `source` gives byte progress when it reads a file.
    func update(records: UInt64, source: Any? = nil) {
        guard enabled, Date().timeIntervalSince(lastDraw) >= 0.1 else { return }
        lastDraw = Date()
        var line = "\r\(label): \(Format.count(records)) records"
        let elapsed = max(Date().timeIntervalSince(start), 1e-3)
        if let bytes = source as? ByteProgressReporting {
            let rate = Double(bytes.bytesConsumed) / elapsed / 1e6
            if let size = bytes.inputSize, size > 0 {
                let fraction = min(1, Double(bytes.bytesConsumed) / Double(size))
                let width = 24
                let filled = Int(fraction * Double(width))
                line += " [\(String(repeating: "#", count: filled))\(String(repeating: ".", count: width - filled))] \(Int(fraction * 100))%"
                if fraction > 0.01 {
                    line += ", \(Int(elapsed / fraction - elapsed))s left"
                }
            }
            line += String(format: ", %.1f MB/s", rate)
        } else {
            line += String(format: ", %.1f M records/s", Double(records) / elapsed / 1e6)
        }
        FileHandle.standardError.write((line + "\u{1B}[K").data(using: .utf8)!)
        drawn = true
    }

    /// Clears the line.
    func finish() {
        if drawn { FileHandle.standardError.write("\r\u{1B}[K".data(using: .utf8)!) }
    }
}
